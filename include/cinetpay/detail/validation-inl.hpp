#pragma once

#include "cinetpay/validation.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "cinetpay/detail/utf8.hpp"
#include "cinetpay/errors.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

// The length of the UTF-8 sequence at text[i] when it is well formed and not a control
// character (C0, DEL, C1); else 0.
CINETPAY_INLINE std::size_t printable_utf8_at(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  if (lead < 0x20 || lead == 0x7F) return 0;
  std::size_t length = detail::utf8_sequence_length(text, i);
  // C1 controls U+0080–U+009F are 0xC2 0x80–0x9F.
  if (length == 2 && lead == 0xC2 && static_cast<unsigned char>(text[i + 1]) <= 0x9F) return 0;
  return length;
}

// Every text field goes into a JSON body: it must be UTF-8, and the API has no use for
// control characters in any of them.
CINETPAY_INLINE void check_text(const char* field, std::string_view text,
                                std::optional<std::size_t> index) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = printable_utf8_at(text, i);
    if (length == 0) {
      throw ValidationError(field, index,
                            "byte " + std::to_string(i) +
                                " is not valid UTF-8 or is a control character (text must be "
                                "UTF-8 without control characters)");
    }
    i += length;
  }
}

CINETPAY_INLINE bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

CINETPAY_INLINE void check_prefix(const std::string& prefix, std::size_t i) {
  if (!prefix.empty() && prefix.front() == '+') {
    throw ValidationError("prefix", i,
                          R"(must not start with '+': drop the '+' ("225", not "+225"))");
  }
  if (!all_digits(prefix) || prefix.size() > 4) {
    throw ValidationError("prefix", i, "must be 1 to 4 digits, the country prefix (\"225\")");
  }
}

CINETPAY_INLINE void check_phone(const std::string& phone, std::size_t i) {
  if (!all_digits(phone) || phone.size() < 6 || phone.size() > 15) {
    throw ValidationError("phone", i,
                          "must be the national number, 6 to 15 digits, without prefix, "
                          "spaces or '+'");
  }
}

// 127.0.0.0/8 written as four decimal octets, or localhost.
CINETPAY_INLINE bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  std::size_t digits = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0 || digits > 3) return false;
      ++dots;
      digits = 0;
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      ++digits;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0 && digits <= 3;
}

// The host of an http(s) URL, or an empty string when it is not one.
CINETPAY_INLINE std::string http_host(std::string_view url, bool* https) {
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    *https = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    *https = false;
    rest = url.substr(7);
  } else {
    return {};
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return {};
  if (!authority.empty() && authority.front() == '[') {
    return std::string(authority.substr(0, authority.find(']') + 1));
  }
  return std::string(authority.substr(0, authority.find(':')));
}

CINETPAY_INLINE bool has_space_or_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isspace(c) != 0 || std::iscntrl(c) != 0; });
}

}  // namespace detail

CINETPAY_INLINE void validate_transfers(const std::vector<TransferRequest>& items) {
  if (items.empty()) throw ValidationError("items", std::nullopt, "the batch is empty");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const TransferRequest& t = items[i];
    detail::check_text("prefix", t.prefix, i);
    detail::check_text("phone", t.phone, i);
    detail::check_text("notify_url", t.notify_url, i);
    detail::check_text("client_transaction_id", t.client_transaction_id, i);
    detail::check_text("payment_method", t.payment_method, i);
    detail::check_prefix(t.prefix, i);
    detail::check_phone(t.phone, i);
    if (t.amount <= 0) {
      throw ValidationError("amount", i, "must be positive (got " + std::to_string(t.amount) + ")");
    }
    if (t.amount % 5 != 0) {
      throw ValidationError("amount", i,
                            "must be a multiple of 5 (got " + std::to_string(t.amount) + ")");
    }
    bool https = false;
    if (detail::http_host(t.notify_url, &https).empty() ||
        detail::has_space_or_control(t.notify_url)) {
      throw ValidationError("notify_url", i, "must be an http:// or https:// URL with a host");
    }
    const std::string& id = t.client_transaction_id;
    if (id.size() > kMaxClientTransactionIdLength) {
      throw ValidationError("client_transaction_id", i,
                            "must be at most " + std::to_string(kMaxClientTransactionIdLength) +
                                " characters (got " + std::to_string(id.size()) + ")");
    }
    if (detail::has_space_or_control(id)) {
      throw ValidationError("client_transaction_id", i, "must not contain spaces");
    }
    if (!id.empty() && !ids.insert(id).second) {
      throw ValidationError("client_transaction_id", i,
                            "\"" + id + "\" appears twice in the batch: each payout needs its own");
    }
    if (!t.payment_method.empty() &&
        !std::all_of(t.payment_method.begin(), t.payment_method.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0; })) {
      throw ValidationError("payment_method", i, "must be a wallet code such as WAVECI");
    }
  }
}

CINETPAY_INLINE void validate_contacts(const std::vector<Contact>& items) {
  if (items.empty()) throw ValidationError("items", std::nullopt, "the batch is empty");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Contact& c = items[i];
    detail::check_text("prefix", c.prefix, i);
    detail::check_text("phone", c.phone, i);
    detail::check_text("name", c.name, i);
    detail::check_text("surname", c.surname, i);
    detail::check_text("email", c.email, i);
    detail::check_prefix(c.prefix, i);
    detail::check_phone(c.phone, i);
    if (c.name.empty()) throw ValidationError("name", i, "must not be empty");
    if (c.surname.empty()) throw ValidationError("surname", i, "must not be empty");
    auto at = c.email.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == c.email.size() ||
        detail::has_space_or_control(c.email)) {
      throw ValidationError("email", i, "must be an e-mail address");
    }
  }
}

CINETPAY_INLINE void validate_base_url(std::string_view base_url, bool allow_insecure_http) {
  auto refuse = [&](const std::string& why) {
    throw ConfigError("invalid base_url: " + why +
                      " (it is the root of the API, e.g. https://client.cinetpay.com; there is "
                      "no fallback to the production API)");
  };
  if (base_url.empty()) refuse("it is empty");
  if (std::any_of(base_url.begin(), base_url.end(), [](unsigned char c) {
        return std::isspace(c) != 0 || std::iscntrl(c) != 0 || c >= 0x80;
      })) {
    refuse("it contains spaces, control characters (CR, LF…) or non-ASCII bytes");
  }
  if (base_url.find_first_of("?#") != std::string_view::npos) {
    refuse("a query (?) or a fragment (#) has no place in it");
  }
  bool https = false;
  std::string_view rest;
  if (base_url.rfind("https://", 0) == 0) {
    https = true;
    rest = base_url.substr(8);
  } else if (base_url.rfind("http://", 0) == 0) {
    rest = base_url.substr(7);
  } else {
    refuse("it must start with https://");
  }
  std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != std::string_view::npos) {
    refuse("user info (user:password@) is refused: credentials go in Credentials");
  }
  if (!authority.empty() && authority.front() == '[') {
    refuse("IPv6 addresses are not supported: the transport is IPv4 only (use 127.0.0.1)");
  }
  std::string host(authority.substr(0, authority.find(':')));
  if (host.empty()) refuse("it has no host");
  if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    std::string port(authority.substr(colon + 1));
    if (!detail::all_digits(port) || port.size() > 5 || std::stol(port) == 0 ||
        std::stol(port) > 65535) {
      refuse("the port must be a number from 1 to 65535");
    }
  }
  if (!https && !allow_insecure_http && !detail::is_loopback_host(host)) {
    refuse(
        "plain http:// is refused except to a loopback host (127.0.0.1, localhost); use "
        "https://, or set allow_insecure_http for a sandbox on a private network");
  }
}

// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
