#include "faults.hpp"

#include <algorithm>
#include <stdexcept>

namespace cinetpay::sandbox {

namespace {

constexpr FaultKind kKinds[] = {FaultKind::drop_before, FaultKind::process_then_drop,
                                FaultKind::delay_ms, FaultKind::http_status,
                                FaultKind::invalid_token};

std::string valid_paths() {
  std::string list;
  for (const ApiPath& p : kApiPaths) {
    if (!list.empty()) list += ", ";
    list += std::string(p.name) + " (" + std::string(p.path) + ")";
  }
  return list;
}

}  // namespace

std::string_view to_string(FaultKind kind) noexcept {
  switch (kind) {
    case FaultKind::drop_before:
      return "drop_before";
    case FaultKind::process_then_drop:
      return "process_then_drop";
    case FaultKind::delay_ms:
      return "delay_ms";
    case FaultKind::http_status:
      return "http_status";
    case FaultKind::invalid_token:
      return "invalid_token";
  }
  return "drop_before";
}

std::optional<FaultKind> fault_kind(std::string_view name) {
  for (FaultKind k : kKinds) {
    if (to_string(k) == name) return k;
  }
  return std::nullopt;
}

void FaultQueue::inject(Fault fault) {
  if (!fault.path.empty()) {
    auto known = std::find_if(kApiPaths.begin(), kApiPaths.end(), [&](const ApiPath& p) {
      return p.name == fault.path || p.path == fault.path;
    });
    if (known == kApiPaths.end()) {
      throw UnknownApiPath("path \"" + fault.path + "\" is not an API path; valid: " +
                           valid_paths() + ", or empty for every path");
    }
    fault.path = std::string(known->path);
  }
  if (fault.count < 1) throw std::invalid_argument("count must be at least 1");
  if (fault.delay.count() < 0 || fault.delay > std::chrono::minutes(1))
    throw std::invalid_argument("delay_ms must be between 0 and 60000");
  if (fault.http_status < 100 || fault.http_status > 599)
    throw std::invalid_argument("status must be an HTTP status, 100 to 599");
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(std::move(fault));
}

std::optional<Fault> FaultQueue::take(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->path.empty() && it->path != path) continue;
    Fault f = *it;
    if (--it->count <= 0) faults_.erase(it);
    return f;
  }
  return std::nullopt;
}

std::vector<Fault> FaultQueue::list() const {
  std::lock_guard<std::mutex> lock(mu_);
  return faults_;
}

void FaultQueue::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

}  // namespace cinetpay::sandbox
