#include "cinetpay/testing/fast_options.hpp"

#include <chrono>
#include <utility>

namespace cinetpay::mocks {

ClientOptions fast_options(std::string base_url) {
  ClientOptions o;
  o.base_url = std::move(base_url);
  o.request_timeout = std::chrono::seconds(5);
  o.retry.initial_backoff = std::chrono::milliseconds(5);
  o.retry.max_backoff = std::chrono::milliseconds(20);
  o.reconcile_grace = std::chrono::milliseconds(300);
  o.reconcile_interval = std::chrono::milliseconds(50);
  o.poll_interval = std::chrono::milliseconds(20);
  return o;
}

ClientOptions fast_options(std::shared_ptr<HttpTransport> transport, ManualClock& clock) {
  // Never contacted: the transport answers.
  ClientOptions o = fast_options("https://cinetpay.test");
  o.transport = std::move(transport);
  o.clock = clock.clock();
  o.sleeper = clock.sleeper();
  o.random = [] { return 0.5; };
  return o;
}

}  // namespace cinetpay::mocks
