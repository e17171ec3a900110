// Faults queued for the API paths: which paths exist, what a fault may say, and the queue
// the HTTP layer takes them from. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cinetpay/sandbox.hpp"

namespace cinetpay::sandbox {

struct ApiPath {
  std::string_view name;  ///< the short name: login, balance, contact, send, check
  std::string_view path;
};
extern const std::vector<ApiPath> kApiPaths;

std::optional<FaultKind> fault_kind(std::string_view name);

class FaultQueue {
 public:
  /// Validates and queues `fault` with its path resolved; throws std::invalid_argument.
  void inject(Fault fault);
  /// The fault for a request to `path`, counted down; none when no fault applies.
  std::optional<Fault> take(const std::string& path);
  std::vector<Fault> list() const;
  void clear();

 private:
  mutable std::mutex mu_;
  std::vector<Fault> faults_;
};

}  // namespace cinetpay::sandbox
