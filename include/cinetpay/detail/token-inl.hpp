#pragma once

#include "cinetpay/detail/token.hpp"

#include <utility>

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

CINETPAY_INLINE TokenManager::TokenManager(LoginFunction login, Clock clock,
                                           std::chrono::seconds lifetime,
                                           std::chrono::seconds refresh_margin)
    : TokenManager(
          [login = std::move(login)](std::chrono::steady_clock::time_point) { return login(); },
          std::move(clock), lifetime, refresh_margin) {}

CINETPAY_INLINE TokenManager::TokenManager(BoundedLoginFunction login, Clock clock,
                                           std::chrono::seconds lifetime,
                                           std::chrono::seconds refresh_margin)
    : login_(std::move(login)),
      clock_(std::move(clock)),
      lifetime_(lifetime),
      refresh_margin_(refresh_margin) {}

CINETPAY_INLINE bool TokenManager::usable(std::chrono::steady_clock::time_point now) const {
  return token_ && now < expires_at_;
}

CINETPAY_INLINE Token TokenManager::get(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    auto now = clock_();
    if (token_ && now < refresh_at_) return *token_;
    if (!in_flight_) break;
    // Someone is logging in: an old token that has not expired yet still serves.
    if (usable(now)) return *token_;
    std::uint64_t flight = flights_started_;
    ++waiting_;
    cv_.wait(lock, [&] { return flights_done_ >= flight; });
    --waiting_;
    if (failed_flight_ == flight && failure_) std::rethrow_exception(failure_);
  }

  in_flight_ = true;
  std::uint64_t flight = ++flights_started_;
  // The token's life starts when the login is sent, not when its answer arrives.
  auto sent_at = clock_();
  lock.unlock();

  std::string value;
  try {
    value = login_(deadline);
  } catch (...) {
    lock.lock();
    in_flight_ = false;
    flights_done_ = flight;
    failed_flight_ = flight;
    failure_ = std::current_exception();
    cv_.notify_all();
    throw;
  }

  lock.lock();
  token_ = Token{std::move(value), ++generation_};
  expires_at_ = sent_at + lifetime_;
  refresh_at_ = expires_at_ - refresh_margin_;
  in_flight_ = false;
  flights_done_ = flight;
  failure_ = nullptr;
  cv_.notify_all();
  return *token_;
}

CINETPAY_INLINE std::size_t TokenManager::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

CINETPAY_INLINE void TokenManager::invalidate(std::uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (token_ && token_->generation == generation) token_.reset();
}

CINETPAY_INLINE std::uint64_t TokenManager::login_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return flights_started_;
}

}  // namespace detail
// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
