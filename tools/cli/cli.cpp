#include "cli.hpp"

#include <algorithm>
#include <cinetpay/errors.hpp>

namespace cinetpay::cli {

Flags::Flags(const std::vector<std::string>& args, const std::vector<std::string>& switches,
             const std::vector<std::string>& repeatable) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) != 0) {
      positional_.push_back(args[i]);
      continue;
    }
    if (std::find(switches.begin(), switches.end(), args[i].substr(2)) != switches.end()) {
      if (!values_.emplace(args[i].substr(2), "").second)
        throw UsageError(args[i] + " is given twice");
      continue;
    }
    if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0)
      throw UsageError(args[i] + " needs a value");
    const std::string name = args[i].substr(2);
    if (std::find(repeatable.begin(), repeatable.end(), name) != repeatable.end()) {
      values_.emplace(name, args[i + 1]);
      repeated_[name].push_back(args[i + 1]);
      ++i;
      continue;
    }
    if (!values_.emplace(args[i].substr(2), args[i + 1]).second)
      throw UsageError(args[i] + " is given twice");
    ++i;
  }
}

void Flags::allow(std::initializer_list<const char*> names) const {
  for (const auto& [name, value] : values_) {
    bool known = false;
    for (const char* n : names) known = known || name == n;
    if (!known) throw UsageError("unknown option --" + name);
  }
}

std::string Flags::get(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string() : it->second;
}

std::vector<std::string> Flags::all(const std::string& name) const {
  auto it = repeated_.find(name);
  return it == repeated_.end() ? std::vector<std::string>() : it->second;
}

std::string Flags::need(const std::string& name) const {
  std::string v = get(name);
  if (v.empty()) throw UsageError("--" + name + " is required");
  return v;
}

std::int64_t Flags::seconds(const std::string& name, std::int64_t fallback,
                            std::int64_t max) const {
  return has(name) ? parse_seconds("--" + name, get(name), max) : fallback;
}

std::int64_t parse_seconds(const std::string& flag, const std::string& text, std::int64_t max) {
  std::optional<std::int64_t> value = parse_whole_number(text);
  if (!value || *value > max) {
    throw UsageError(flag + " takes a whole number of seconds from 0 to " + std::to_string(max) +
                     ", got '" + text + "'");
  }
  return *value;
}

TransferClient& Context::client() {
  if (!client_) {
    if (credentials_.api_key.empty())
      throw ValidationError("CINETPAY_API_KEY", std::nullopt, "environment variable is not set");
    if (credentials_.password.empty())
      throw ValidationError("CINETPAY_PASSWORD", std::nullopt, "environment variable is not set");
    client_.emplace(credentials_, options_);
  }
  return *client_;
}

std::ifstream open_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, {}, "cannot be read");
  return in;
}

}  // namespace cinetpay::cli
