// Faults queued for the API paths: which paths exist, what a fault may say, and the queue
// the HTTP layer takes them from. Thread-safe.
#pragma once

#include <array>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cinetpay/sandbox.hpp"

namespace cinetpay::sandbox {

struct ApiPath {
  std::string_view name;  ///< the short name: login, balance, contact, send, check
  std::string_view path;
};
inline constexpr std::array<ApiPath, 5> kApiPaths = {{
    {"login", "/v1/auth/login"},
    {"balance", "/v1/transfer/check/balance"},
    {"contact", "/v1/transfer/contact"},
    {"send", "/v1/transfer/money/send/contact"},
    {"check", "/v1/transfer/check/money"},
}};

std::optional<FaultKind> fault_kind(std::string_view name);

/// A fault's path that is neither an API path nor a short name.
class UnknownApiPath : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

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
