// Waiting in tests for something another thread or process does: always with a bound, so
// that a test whose condition never comes fails instead of hanging.
#pragma once

#include <chrono>
#include <future>
#include <thread>

namespace cinetpay::testing {

/// The bound of every wait below unless told otherwise: far above what any condition of
/// the suite needs on a loaded machine, far below ctest's own timeout.
inline constexpr std::chrono::seconds kWaitBound{30};

/// Polls `done` until it holds, for `bound` of real time at most. True once it holds,
/// false on timeout: the caller fails the test (and releases whatever it was waiting on).
template <typename Condition>
[[nodiscard]] bool eventually(Condition done, std::chrono::milliseconds bound = kWaitBound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

/// True when `future` is ready within `bound`: a test then calls get() without blocking.
template <typename T>
[[nodiscard]] bool ready_within(const std::future<T>& future,
                                std::chrono::milliseconds bound = kWaitBound) {
  return future.wait_for(bound) == std::future_status::ready;
}

}  // namespace cinetpay::testing
