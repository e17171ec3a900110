#pragma once

#include "cinetpay/detail/secrets.hpp"

#include <algorithm>
#include <utility>

CINETPAY_BEGIN_NAMESPACE
namespace detail {

CINETPAY_INLINE std::string mask_values(std::string_view text, std::vector<std::string> secrets) {
  // Longer first, so that a secret containing another is masked whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  std::string current(text);
  std::string next;
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    std::size_t hit = current.find(secret);
    if (hit == std::string::npos) continue;
    next.clear();
    next.reserve(current.size());
    std::size_t from = 0;
    for (; hit != std::string::npos; hit = current.find(secret, from)) {
      next.append(current, from, hit - from);
      next += "***";
      from = hit + secret.size();
    }
    next.append(current, from, std::string::npos);
    current.swap(next);
  }
  return current;
}

CINETPAY_INLINE SecretMasker::SecretMasker(std::string api_key, std::string password)
    : api_key_(std::move(api_key)), password_(std::move(password)) {}

CINETPAY_INLINE void SecretMasker::add_token(std::string token) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.push_back(std::move(token));
  if (tokens_.size() > kTokensKept) tokens_.pop_front();
}

CINETPAY_INLINE std::string SecretMasker::mask(std::string_view text) const {
  std::vector<std::string> secrets{api_key_, password_};
  {
    std::lock_guard<std::mutex> lock(mu_);
    secrets.insert(secrets.end(), tokens_.begin(), tokens_.end());
  }
  return mask_values(text, std::move(secrets));
}

}  // namespace detail
CINETPAY_END_NAMESPACE
