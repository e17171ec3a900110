#pragma once

#include "cinetpay/detail/http.hpp"

#include "cinetpay/http.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "cinetpay/detail/utf8.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

inline constexpr std::array<std::string_view, 4> kHarmlessFields = {"lang", "transaction_id",
                                                                    "client_transaction_id", "lot"};
inline constexpr std::array<std::string_view, 4> kSecretNames = {"token", "apikey", "api_key",
                                                                 "password"};

CINETPAY_INLINE bool is_unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~';
}

CINETPAY_INLINE int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

CINETPAY_INLINE bool ends_value(char c) {
  return c == '"' || c == '&' || c == ',' || c == '}' || c == '\'' ||
         std::isspace(static_cast<unsigned char>(c)) != 0;
}

CINETPAY_INLINE bool starts_with_ignoring_case(std::string_view text,
                                               std::string_view lower_case_word) {
  if (text.size() < lower_case_word.size()) return false;
  for (std::size_t i = 0; i < lower_case_word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != lower_case_word[i]) return false;
  }
  return true;
}

// Where the value of a secret named at `text[at]` starts (after `name":"`, `name=` or
// `name: `), or npos when no secret is named there.
CINETPAY_INLINE std::size_t secret_value_at(std::string_view text, std::size_t at) {
  for (std::string_view name : kSecretNames) {
    if (!starts_with_ignoring_case(text.substr(at), name)) continue;
    std::size_t i = at + name.size();
    auto skip_quotes = [&] {
      while (i < text.size() && (text[i] == '"' || text[i] == '\'' || text[i] == ' ')) ++i;
    };
    skip_quotes();
    if (i >= text.size() || (text[i] != ':' && text[i] != '=')) continue;
    ++i;
    skip_quotes();
    return i;
  }
  return std::string_view::npos;
}

// Masks the value after each `name":"`, `name=` or `name: ` of a secret, case-insensitively.
// One pass that copies as it goes: linear in the text, however many secrets it names.
CINETPAY_INLINE std::string mask_secrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t value = secret_value_at(text, i);
    std::size_t end = value;
    while (value != std::string_view::npos && end < text.size() && !ends_value(text[end])) ++end;
    if (value == std::string_view::npos || end == value) {
      out += text[i++];
      continue;
    }
    out.append(text.substr(i, value - i));
    out += "***";
    i = end;
  }
  return out;
}

}  // namespace detail

CINETPAY_INLINE std::string HttpResponse::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

namespace detail {

CINETPAY_INLINE const char* method_name(const HttpRequest& request) {
  return request.method == HttpMethod::post ? "POST" : "GET";
}

CINETPAY_INLINE std::string form_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3 / 2);
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

CINETPAY_INLINE std::string form_decode(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '+') {
      out += ' ';
    } else if (value[i] == '%' && i + 2 < value.size() && hex_value(value[i + 1]) >= 0 &&
               hex_value(value[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(value[i + 1]) * 16 + hex_value(value[i + 2]));
      i += 2;
    } else {
      out += value[i];
    }
  }
  return out;
}

CINETPAY_INLINE std::string form_encode(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += form_encode(name);
    out += '=';
    out += form_encode(value);
  }
  return out;
}

CINETPAY_INLINE std::vector<std::pair<std::string, std::string>> form_parse(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> fields;
  while (!body.empty()) {
    std::size_t amp = body.find('&');
    std::string_view part = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      fields.emplace_back(form_decode(part), std::string());
    } else {
      fields.emplace_back(form_decode(part.substr(0, eq)), form_decode(part.substr(eq + 1)));
    }
  }
  return fields;
}

CINETPAY_INLINE std::string redact_url(std::string_view url) {
  std::size_t q = url.find('?');
  if (q == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, q + 1));
  std::string_view query = url.substr(q + 1);
  bool first = true;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::size_t eq = part.find('=');
    std::string_view name = part.substr(0, eq);
    if (!first) out += '&';
    first = false;
    out += name;
    if (eq == std::string_view::npos) continue;
    bool harmless =
        std::find(kHarmlessFields.begin(), kHarmlessFields.end(), name) != kHarmlessFields.end();
    out += '=';
    out += harmless ? part.substr(eq + 1) : std::string_view("***");
  }
  return out;
}

CINETPAY_INLINE std::string printable(std::string_view text) {
  std::string out = detail::to_valid_utf8(text);
  for (char& c : out) {
    if (std::iscntrl(static_cast<unsigned char>(c)) != 0) c = ' ';
  }
  return out;
}

CINETPAY_INLINE std::string redact_excerpt(std::string_view body, std::size_t max_chars) {
  // Only the start of the body can be shown: read no further than masking and invalid
  // bytes could need, so that a 1 GiB error page costs what a 1 KiB one does.
  const std::size_t window = 4 * max_chars + 256;
  const bool cut = body.size() > window;
  std::string text = printable(mask_secrets(body.substr(0, cut ? window : body.size())));
  if (text.size() > max_chars) {
    // Never end in the middle of a character.
    std::size_t end = max_chars;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text.resize(end);
    text += "...";
  } else if (cut) {
    text += "...";
  }
  return text;
}

}  // namespace detail
// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
