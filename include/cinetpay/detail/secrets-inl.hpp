#pragma once

#include "cinetpay/detail/secrets.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <utility>

#include "cinetpay/detail/http.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

// `text` with every occurrence of `secret` masked.
CINETPAY_INLINE std::string mask_whole(std::string text, const std::string& secret) {
  std::size_t hit = text.find(secret);
  if (hit == std::string::npos) return text;
  std::string out;
  out.reserve(text.size());
  std::size_t from = 0;
  for (; hit != std::string::npos; hit = text.find(secret, from)) {
    out.append(text, from, hit - from);
    out += "***";
    from = hit + secret.size();
  }
  out.append(text, from, std::string::npos);
  return out;
}

// For each of `cuts` (where an excerpt's "..." starts), raises `longest` to the length of
// the longest start of `secret` that ends right there. Knuth-Morris-Pratt: `matched` is the
// longest start of the secret that ends where the scan stands; one pass over the text.
CINETPAY_INLINE void cut_starts(std::string_view text, std::string_view secret,
                                const std::vector<std::size_t>& cuts,
                                std::vector<std::size_t>& longest) {
  std::vector<std::size_t> fallback(secret.size() + 1, 0);
  for (std::size_t i = 1, k = 0; i < secret.size(); ++i) {
    while (k > 0 && secret[i] != secret[k]) k = fallback[k];
    if (secret[i] == secret[k]) ++k;
    fallback[i + 1] = k;
  }
  std::size_t matched = 0;
  std::size_t next_cut = 0;
  for (std::size_t i = 0; i <= text.size() && next_cut < cuts.size(); ++i) {
    if (i == cuts[next_cut]) {
      longest[next_cut] = std::max(longest[next_cut], matched);
      ++next_cut;
    }
    if (i == text.size()) break;
    if (matched == secret.size()) matched = fallback[matched];
    while (matched > 0 && text[i] != secret[matched]) matched = fallback[matched];
    if (text[i] == secret[matched]) ++matched;
  }
}

CINETPAY_INLINE std::vector<std::string> longest_first(std::vector<std::string> secrets) {
  std::sort(secrets.begin(), secrets.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  secrets.erase(std::unique(secrets.begin(), secrets.end()), secrets.end());
  secrets.erase(std::remove(secrets.begin(), secrets.end(), std::string()), secrets.end());
  return secrets;
}

CINETPAY_INLINE std::string mask_values(std::string_view text,
                                        const std::vector<std::string>& secrets) {
  std::string whole(text);
  for (const std::string& secret : secrets) whole = mask_whole(std::move(whole), secret);

  // A secret cut short by an excerpt: what shows of it ends right before the "...".
  std::vector<std::size_t> cuts;
  for (std::size_t at = whole.find("..."); at != std::string::npos;
       at = whole.find("...", at + 1)) {
    cuts.push_back(at);
  }
  if (cuts.empty()) return whole;
  std::vector<std::size_t> longest(cuts.size(), 0);
  for (const std::string& secret : secrets) cut_starts(whole, secret, cuts, longest);
  std::string out;
  out.reserve(whole.size());
  std::size_t copied = 0;
  for (std::size_t k = 0; k < cuts.size(); ++k) {
    if (longest[k] == 0) continue;
    const std::size_t begin = std::max(copied, cuts[k] - longest[k]);
    out.append(whole, copied, begin - copied);
    out += "***";
    copied = cuts[k];
  }
  out.append(whole, copied, std::string::npos);
  return out;
}

CINETPAY_INLINE std::vector<std::string> echoed_forms(const std::string& secret) {
  std::vector<std::string> forms{secret};
  auto add = [&forms](std::string form) {
    if (std::find(forms.begin(), forms.end(), form) == forms.end())
      forms.push_back(std::move(form));
  };
  const std::string encoded = form_encode(secret);
  std::string lower = encoded;
  for (std::size_t i = 0; i < lower.size(); ++i) {
    if (lower[i] == '%' && i + 2 < lower.size()) {
      lower[i + 1] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[i + 1])));
      lower[i + 2] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[i + 2])));
    }
  }
  for (const std::string& form : {encoded, lower}) {
    add(form);
    std::string plus = form;
    for (std::size_t at = plus.find("%20"); at != std::string::npos; at = plus.find("%20", at)) {
      plus.replace(at, 3, "+");
    }
    add(plus);
  }
  for (bool ascii : {false, true}) {
    std::string escaped =
        nlohmann::json(secret).dump(-1, ' ', ascii, nlohmann::json::error_handler_t::replace);
    escaped = escaped.substr(1, escaped.size() - 2);
    add(escaped);
    std::string php;
    for (char c : escaped) php += c == '/' ? std::string("\\/") : std::string(1, c);
    add(php);
  }
  add(printable(secret));
  return forms;
}

CINETPAY_INLINE SecretMasker::SecretMasker(const std::string& api_key, const std::string& password)
    : credentials_([&] {
        std::vector<std::string> forms = echoed_forms(api_key);
        std::vector<std::string> more = echoed_forms(password);
        forms.insert(forms.end(), more.begin(), more.end());
        return forms;
      }()),
      all_(std::make_shared<const std::vector<std::string>>(longest_first(credentials_))) {}

CINETPAY_INLINE void SecretMasker::add_token(const std::string& token) {
  std::vector<std::string> forms = echoed_forms(token);
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.push_back(std::move(forms));
  if (tokens_.size() > kTokensKept) tokens_.pop_front();
  std::vector<std::string> all = credentials_;
  for (const std::vector<std::string>& kept : tokens_)
    all.insert(all.end(), kept.begin(), kept.end());
  all_ = std::make_shared<const std::vector<std::string>>(longest_first(std::move(all)));
}

CINETPAY_INLINE std::string SecretMasker::mask(std::string_view text) const {
  std::shared_ptr<const std::vector<std::string>> secrets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    secrets = all_;
  }
  return mask_values(text, *secrets);
}

}  // namespace detail
// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
