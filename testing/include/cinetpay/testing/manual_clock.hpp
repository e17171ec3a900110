/// @file
/// ManualClock: time that moves only when a test (or the client's sleeper) moves it.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

#include "cinetpay/options.hpp"

namespace cinetpay::mocks {

/// A steady clock that moves only when told, and a sleeper that moves it instead of
/// sleeping: a client built on them (ClientOptions::clock, ClientOptions::sleeper) backs off,
/// reconciles and polls in no real time, and a test can tell how long it waited.
///
/// Thread-safe. The Clock and Sleeper it hands out refer to it: it must outlive every
/// client (and copy of a client) they were given to.
class ManualClock {
 public:
  /// The current instant; starts well after the clock's epoch.
  [[nodiscard]] std::chrono::steady_clock::time_point now() const;
  /// Moves the clock forward by `duration`.
  void advance(std::chrono::milliseconds duration);
  /// A Clock reading this clock, for ClientOptions::clock.
  [[nodiscard]] Clock clock();
  /// A Sleeper that records each wait and advances this clock by it, for
  /// ClientOptions::sleeper.
  [[nodiscard]] Sleeper sleeper();
  /// Every wait the sleeper was asked for, in order.
  [[nodiscard]] std::vector<std::chrono::milliseconds> sleeps() const;

 private:
  std::atomic<long long> ms_{1'000'000};
  mutable std::mutex mu_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace cinetpay::mocks
