// The last N entries of a log: memory stays bounded however long the sandbox runs.
// Not thread-safe: its owner serialises calls.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

namespace cinetpay::sandbox {

template <typename T>
class RingLog {
 public:
  explicit RingLog(std::size_t capacity) : capacity_(capacity) {}
  void push(T entry) {
    if (capacity_ == 0) return;
    if (entries_.size() == capacity_) entries_.pop_front();
    entries_.push_back(std::move(entry));
  }
  [[nodiscard]] std::vector<T> snapshot() const { return {entries_.begin(), entries_.end()}; }
  void clear() { entries_.clear(); }

 private:
  std::size_t capacity_;
  std::deque<T> entries_;
};

}  // namespace cinetpay::sandbox
