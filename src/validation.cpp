#include "cinetpay/validation.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "cinetpay/errors.hpp"

namespace cinetpay {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

void check_prefix(const std::string& prefix, std::size_t i) {
  if (!prefix.empty() && prefix.front() == '+') {
    throw ValidationError("prefix", i,
                          R"(must not start with '+': drop the '+' ("225", not "+225"))");
  }
  if (!all_digits(prefix) || prefix.size() > 4) {
    throw ValidationError("prefix", i, "must be 1 to 4 digits, the country prefix (\"225\")");
  }
}

void check_phone(const std::string& phone, std::size_t i) {
  if (!all_digits(phone) || phone.size() < 6 || phone.size() > 15) {
    throw ValidationError("phone", i,
                          "must be the national number, 6 to 15 digits, without prefix, "
                          "spaces or '+'");
  }
}

// 127.0.0.0/8 written as four decimal octets, localhost or [::1].
bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "[::1]") return true;
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
std::string http_host(std::string_view url, bool* https) {
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

bool has_space_or_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isspace(c) != 0 || std::iscntrl(c) != 0; });
}

}  // namespace

void validate_transfers(const std::vector<TransferRequest>& items) {
  if (items.empty()) throw ValidationError("items", std::nullopt, "the batch is empty");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const TransferRequest& t = items[i];
    check_prefix(t.prefix, i);
    check_phone(t.phone, i);
    if (t.amount <= 0) {
      throw ValidationError("amount", i, "must be positive (got " + std::to_string(t.amount) + ")");
    }
    if (t.amount % 5 != 0) {
      throw ValidationError("amount", i,
                            "must be a multiple of 5 (got " + std::to_string(t.amount) + ")");
    }
    bool https = false;
    if (http_host(t.notify_url, &https).empty() || has_space_or_control(t.notify_url)) {
      throw ValidationError("notify_url", i, "must be an http:// or https:// URL with a host");
    }
    const std::string& id = t.client_transaction_id;
    if (id.size() > kMaxClientTransactionIdLength) {
      throw ValidationError("client_transaction_id", i,
                            "must be at most " + std::to_string(kMaxClientTransactionIdLength) +
                                " characters (got " + std::to_string(id.size()) + ")");
    }
    if (has_space_or_control(id)) {
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

void validate_contacts(const std::vector<Contact>& items) {
  if (items.empty()) throw ValidationError("items", std::nullopt, "the batch is empty");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Contact& c = items[i];
    check_prefix(c.prefix, i);
    check_phone(c.phone, i);
    if (c.name.empty()) throw ValidationError("name", i, "must not be empty");
    if (c.surname.empty()) throw ValidationError("surname", i, "must not be empty");
    auto at = c.email.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == c.email.size() ||
        has_space_or_control(c.email)) {
      throw ValidationError("email", i, "must be an e-mail address");
    }
  }
}

void validate_base_url(std::string_view base_url) {
  bool https = false;
  std::string host = http_host(base_url, &https);
  if (host.empty()) {
    throw ValidationError("base_url", std::nullopt, "must be an https:// URL with a host");
  }
  if (!https && !is_loopback_host(host)) {
    throw ValidationError("base_url", std::nullopt,
                          "plain http:// is refused except to a loopback host (127.0.0.1, "
                          "localhost); use https://");
  }
}

}  // namespace cinetpay
