// Writes a MetricsRegistry's exposition to stdout for check_exposition.js, which reads it
// with a Prometheus text parser from npm: the families request_metrics() fills from a
// client's requests (over a scripted transport, in no real time), and one family of each
// type with the label values and help text that need escaping. With the argument `merged`,
// expose_with() of that registry and two workers' snapshots (one family shared, one of
// theirs only, one of another type, a snapshot that is not JSON) under a `worker` label
// whose values need escaping.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "cinetpay/testing/answers.hpp"
#include "cinetpay/testing/fast_options.hpp"
#include "cinetpay/testing/manual_clock.hpp"
#include "cinetpay/testing/scripted_transport.hpp"
#include "cinetpay/transfer.hpp"

int main(int argc, char** argv) {
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
  if (argc < 2 || std::string(argv[1]) != "merged") {
    std::cout << registry->expose();
    return 0;
  }
  cinetpay::MetricsRegistry first;
  first
      .counter("cinetpay_requests_total", "Requests, as the worker names them",
               {"operation", "outcome"})
      .with({"send", "ok"})
      .increment(2);
  first.gauge("worker_queue", "Payouts a worker holds").with({}).set(7);
  first.histogram("batch_size", "Items per batch", {1, 10, 50}, {"queue"})
      .with({"main"})
      .observe(5);
  cinetpay::MetricsRegistry second;
  second.counter("cinetpay_requests_total", "Requests", {"operation", "outcome"})
      .with({"send", "ok"})
      .increment(5);
  second.gauge("escapes_total", "A counter here, a gauge there").with({}).set(1);
  std::cout << registry->expose_with(
      {{"w\"1\\\n", first.to_json()}, {"w-2", second.to_json()}, {"w-3", "not json"}}, "worker");
  return 0;
}
