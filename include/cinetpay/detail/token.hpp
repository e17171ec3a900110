// TokenManager: the login token, cached, refreshed early, fetched by one thread at a time.
// Internal: not part of the API.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "cinetpay/export.hpp"
#include "cinetpay/options.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {

/// A token and the generation that tells it apart from the tokens before and after it.
struct Token {
  std::string value;             ///< the token itself: a secret, never logged
  std::uint64_t generation = 0;  ///< counts logins; invalidate() takes it
};

/// Keeps the login token of one set of credentials.
///
/// - Logs in lazily, on the first `get()`.
/// - Reuses the token until `lifetime - refresh_margin` after its login was *sent*.
/// - Exactly one thread logs in; the others wait for its result, without any lock held
///   during the I/O. A failed login reaches every thread that waited for it.
/// - While a refresh is in flight and the old token is still alive, others keep using it.
/// - `invalidate(generation)` drops a rejected token only if it is still the current one,
///   so a late 706 for an old token never discards a newer one.
///
/// Thread-safe.
class TokenManager {
 public:
  /// Performs one login and returns the token; throws on failure. Called without lock.
  using LoginFunction = std::function<std::string()>;
  /// The same, told when the call that needs the token must end (on `clock`).
  using BoundedLoginFunction =
      std::function<std::string(std::chrono::steady_clock::time_point deadline)>;

  /// A token is used until `lifetime - refresh_margin` after its login was sent, by `clock`.
  TokenManager(LoginFunction login, Clock clock, std::chrono::seconds lifetime,
               std::chrono::seconds refresh_margin);
  /// The same, with a login told the deadline of the call that needs the token.
  TokenManager(BoundedLoginFunction login, Clock clock, std::chrono::seconds lifetime,
               std::chrono::seconds refresh_margin);

  /// A token that is valid now, logging in if needed. A login this thread performs is
  /// bounded by `deadline`; waiting for another thread's login is bounded by that login.
  [[nodiscard]] Token get(std::chrono::steady_clock::time_point deadline =
                              std::chrono::steady_clock::time_point::max());

  /// Forgets the token of this generation, if it is still the current one.
  void invalidate(std::uint64_t generation);

  /// How many logins were started; for tests and metrics.
  [[nodiscard]] std::uint64_t login_count() const;

  /// How many threads are waiting for a login in flight; for tests and metrics.
  [[nodiscard]] std::size_t waiting() const;

 private:
  [[nodiscard]] bool usable(std::chrono::steady_clock::time_point now) const;

  BoundedLoginFunction login_;
  Clock clock_;
  std::chrono::seconds lifetime_;
  std::chrono::seconds refresh_margin_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Token> token_;
  std::chrono::steady_clock::time_point refresh_at_{};
  std::chrono::steady_clock::time_point expires_at_{};
  std::uint64_t generation_ = 0;
  bool in_flight_ = false;
  std::uint64_t flights_started_ = 0;
  std::uint64_t flights_done_ = 0;
  std::uint64_t failed_flight_ = 0;
  std::exception_ptr failure_;
  std::size_t waiting_ = 0;
};

}  // namespace detail
CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/token-inl.hpp"
#endif
