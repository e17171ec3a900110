#pragma once

#include "cinetpay/detail/retry.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "cinetpay/detail/codes.hpp"
#include "cinetpay/detail/evidence.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

// Retry-After in seconds; -1 when absent or given as an HTTP date (then backoff applies).
CINETPAY_INLINE long long retry_after_seconds(const HttpResponse& response) {
  std::string value = response.header("retry-after");
  if (value.empty() || value.size() > 9 ||
      !std::all_of(value.begin(), value.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return -1;
  }
  return std::stoll(value);
}

CINETPAY_INLINE RetryDecider::RetryDecider(RetryPolicy policy, RandomSource random)
    : policy_(policy), random_(std::move(random)) {}

CINETPAY_INLINE std::chrono::milliseconds RetryDecider::backoff(int attempt) const {
  // Full jitter: a uniform fraction of the capped exponential backoff.
  auto cap = policy_.initial_backoff;
  for (int i = 1; i < attempt && cap < policy_.max_backoff; ++i) cap *= 2;
  cap = std::min(cap, policy_.max_backoff);
  double fraction = std::clamp(random_(), 0.0, 1.0);
  return std::chrono::milliseconds(
      static_cast<long long>(static_cast<double>(cap.count()) * fraction));
}

CINETPAY_INLINE RetryDecision RetryDecider::retry_or_give_up(
    std::string reason, int attempt, std::chrono::milliseconds delay) const {
  if (attempt >= policy_.max_attempts) {
    return {false, std::chrono::milliseconds(0),
            "not retried: " + reason + ", attempts exhausted (" + std::to_string(attempt) + "/" +
                std::to_string(policy_.max_attempts) + ")"};
  }
  return {true, delay, std::move(reason)};
}

CINETPAY_INLINE RetryDecision RetryDecider::after_transport_error(const TransportError& error,
                                                                  Idempotency idempotency,
                                                                  int attempt) const {
  if (!error.may_have_reached_server()) {
    return retry_or_give_up("transport error before send", attempt, backoff(attempt));
  }
  if (idempotency == Idempotency::send) {
    return {false, std::chrono::milliseconds(0), "not retried: send may have been processed"};
  }
  return retry_or_give_up("transport error", attempt, backoff(attempt));
}

CINETPAY_INLINE RetryDecision RetryDecider::after_response(const HttpResponse& response,
                                                           Idempotency idempotency,
                                                           int attempt) const {
  const int status = response.status;
  if (status != 429 && status < 500) return {false, std::chrono::milliseconds(0), ""};
  std::string reason = "HTTP " + std::to_string(status);
  if (idempotency == Idempotency::send) {
    return {false, std::chrono::milliseconds(0),
            "not retried: " + reason + " after a send that may have been processed"};
  }
  auto delay = backoff(attempt);
  long long after = retry_after_seconds(response);
  if (after >= 0) {
    if (after > policy_.max_retry_after.count()) {
      return {false, std::chrono::milliseconds(0),
              "not retried: " + reason + " with Retry-After " + std::to_string(after) +
                  " s, above max_retry_after"};
    }
    delay = std::chrono::seconds(after);
    reason += " (Retry-After " + std::to_string(after) + " s)";
  }
  return retry_or_give_up(std::move(reason), attempt, delay);
}

CINETPAY_INLINE RetryDecision RetryDecider::after_answer_code(int code, int http_status,
                                                              Idempotency idempotency,
                                                              int refusals) {
  if (!codes::is_token_refusal(code)) return {false, std::chrono::milliseconds(0), ""};
  if (idempotency == Idempotency::send && !evidence::proves_nothing_paid(code, http_status)) {
    return {false, std::chrono::milliseconds(0),
            "not retried: token refused (" + std::to_string(code) + ") under HTTP " +
                std::to_string(http_status) + ", which proves nothing of a send"};
  }
  if (refusals > 0) {
    return {false, std::chrono::milliseconds(0),
            "not retried: token refused (" + std::to_string(code) + ") after a fresh login"};
  }
  return {true, std::chrono::milliseconds(0),
          "token refused (" + std::to_string(code) + "), logging in again"};
}

}  // namespace detail
// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
