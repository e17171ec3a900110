// The one place that decides whether a failed attempt is tried again, and how long to wait.
// Internal: not installed.
#pragma once

#include <chrono>
#include <string>

#include "cinetpay/errors.hpp"
#include "cinetpay/export.hpp"
#include "cinetpay/http.hpp"
#include "cinetpay/options.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {

/// What repeating an operation can do, decided per operation (not per error).
enum class Idempotency {
  /// login, balance, check, contacts: repeating them changes nothing.
  idempotent,
  /// money sends: repeated only when the request certainly never reached the server.
  send,
};

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
  /// For people and logs: "transport error before send", "HTTP 503", "not retried: …".
  std::string reason;
};

/// Retry decisions under a RetryPolicy. Thread-safe if the RandomSource is.
class RetryDecider {
 public:
  RetryDecider(RetryPolicy policy, RandomSource random);

  /// After the transport threw. `attempt` counts from 1.
  [[nodiscard]] RetryDecision after_transport_error(const TransportError& error,
                                                    Idempotency idempotency, int attempt) const;
  /// After an answer arrived; retries 429 and 5xx for idempotent operations only.
  [[nodiscard]] RetryDecision after_response(const HttpResponse& response, Idempotency idempotency,
                                             int attempt) const;

  /// After an answer whose envelope carries `code`, under `http_status`: a refused token (705–707)
  /// is repeated once with a fresh login, as nothing was processed. `refusals` counts the earlier
  /// ones. A send's refusal under a 5xx status proves nothing (evidence::proves_nothing_paid), so
  /// it is never repeated: it is reconciled by lookup.
  static RetryDecision after_answer_code(int code, int http_status, Idempotency idempotency,
                                         int refusals);

  [[nodiscard]] int max_attempts() const noexcept { return policy_.max_attempts; }

 private:
  [[nodiscard]] std::chrono::milliseconds backoff(int attempt) const;
  [[nodiscard]] RetryDecision retry_or_give_up(std::string reason, int attempt,
                                               std::chrono::milliseconds delay) const;

  RetryPolicy policy_;
  RandomSource random_;
};

}  // namespace detail
CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/retry-inl.hpp"
#endif
