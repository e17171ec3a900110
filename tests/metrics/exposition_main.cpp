// Writes a MetricsRegistry's exposition to stdout for check_exposition.js, which reads it
// with a Prometheus text parser from npm: the families request_metrics() fills from a
// client's requests (over a scripted transport, in no real time), and one family of each
// type with the label values and help text that need escaping.
#include <chrono>
#include <iostream>
#include <memory>

#include "cinetpay/testing/answers.hpp"
#include "cinetpay/testing/fast_options.hpp"
#include "cinetpay/testing/manual_clock.hpp"
#include "cinetpay/testing/scripted_transport.hpp"
#include "cinetpay/transfer.hpp"

int main() {
  using namespace std::chrono_literals;
  namespace doubles = cinetpay::mocks;
  auto registry = std::make_shared<cinetpay::MetricsRegistry>();

  doubles::ManualClock clock;
  auto transport = std::make_shared<doubles::ScriptedTransport>();
  transport->on(doubles::paths::kBalance, doubles::answers::json(503, "{}"))
      .then(doubles::paths::kBalance,
            [&clock](const cinetpay::HttpRequest&) {
              clock.advance(300ms);
              return doubles::answers::balance(1000);
            })
      .then(doubles::paths::kBalance, doubles::answers::error(708));
  cinetpay::ClientOptions options = doubles::fast_options(transport, clock);
  options.request_observer = cinetpay::request_metrics(registry);
  cinetpay::TransferClient client(cinetpay::Credentials{"key", "password"}, options);
  (void)client.balance();
  try {
    (void)client.balance();
  } catch (const cinetpay::ApiError&) {
    // 708: counted as a refusal, which is what is wanted here
  }

  registry
      ->counter("escapes_total", "Help with a \\ backslash,\na newline and \"quotes\"",
                {"path", "quote"})
      .with({"C:\\payouts\nnext", "say \"hi\""})
      .increment(3);
  registry->gauge("payouts_in_flight", "Payouts sent and not final").with({}).set(-2.5);
  auto& sizes = registry->histogram("batch_size", "Items per batch", {1, 10, 50}, {"queue"});
  for (double v : {1.0, 2.0, 50.0, 200.0}) sizes.with({"main"}).observe(v);
  std::cout << registry->expose();
  return 0;
}
