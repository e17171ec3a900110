/// @file
/// ClientOptions preset for tests: short waits everywhere, so that a test that meets a
/// retry, an unknown outcome or a poll ends quickly.
#pragma once

#include <memory>
#include <string>

#include "cinetpay/http.hpp"
#include "cinetpay/options.hpp"
#include "cinetpay/testing/manual_clock.hpp"

namespace cinetpay::mocks {

/// Options for a client of a local server (an in-process cinetpay::sandbox::Sandbox or a
/// cinetpay-sandbox process) at `base_url`, in real time: request timeout 5 s, backoffs of
/// 5 to 20 ms, a reconcile grace of 300 ms looked up every 50 ms, polls every 20 ms. A
/// payout whose answer is lost is settled in well under a second instead of 30 s.
[[nodiscard]] ClientOptions fast_options(std::string base_url);

/// The same over `transport` (e.g. a ScriptedTransport), with time on `clock`: backoffs,
/// reconciliation and polls advance `clock` instead of waiting, and jitter is fixed (half
/// of each backoff), so no real time passes and every run is the same. `clock` must
/// outlive every client given these options.
[[nodiscard]] ClientOptions fast_options(std::shared_ptr<HttpTransport> transport,
                                         ManualClock& clock);

}  // namespace cinetpay::mocks
