#include "cinetpay/testing/manual_clock.hpp"

namespace cinetpay::mocks {

std::chrono::steady_clock::time_point ManualClock::now() const {
  return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms_.load()));
}

void ManualClock::advance(std::chrono::milliseconds duration) { ms_ += duration.count(); }

Clock ManualClock::clock() {
  return [this] { return now(); };
}

Sleeper ManualClock::sleeper() {
  return [this](std::chrono::milliseconds duration) {
    std::lock_guard<std::mutex> lock(mu_);
    sleeps_.push_back(duration);
    advance(duration);
  };
}

std::vector<std::chrono::milliseconds> ManualClock::sleeps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sleeps_;
}

}  // namespace cinetpay::mocks
