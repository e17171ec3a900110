#pragma once

#include "cinetpay/detail/protocol.hpp"

#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "cinetpay/detail/codes.hpp"
#include "cinetpay/detail/http.hpp"
#include "cinetpay/detail/json_depth.hpp"
#include "cinetpay/detail/utf8.hpp"
#include "cinetpay/errors.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

using nlohmann::json;

// 2^63, as unsigned: the magnitude of INT64_MIN, one past INT64_MAX.
inline constexpr std::uint64_t kInt64Limit = std::uint64_t{1} << 63;

[[noreturn]] CINETPAY_INLINE void unreadable(const HttpResponse& response, const std::string& why) {
  throw ProtocolError("unreadable answer from CinetPay (HTTP " + std::to_string(response.status) +
                          "): " + why + ": " + redact_excerpt(response.body),
                      response.status);
}

CINETPAY_INLINE std::string trimmed_base(std::string base_url) {
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  // Accept "https://client.cinetpay.com/v1" as well: the paths carry /v1 themselves.
  const std::string v1 = "/v1";
  if (base_url.size() >= v1.size() &&
      base_url.compare(base_url.size() - v1.size(), v1.size(), v1) == 0) {
    base_url.resize(base_url.size() - v1.size());
  }
  return base_url;
}

// Decimal digits with an optional leading '-', nothing else (no '+', no spaces, no hex,
// no leading zero, no "-0": forms no server writes, and "-0" or "00" read loosely are 0,
// success), within int64: the one way a number written as a string is read.
CINETPAY_INLINE std::optional<std::int64_t> decimal(std::string_view s) {
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || (s.front() == '0' && (negative || s.size() > 1))) return std::nullopt;
  std::uint64_t magnitude = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (magnitude > (kInt64Limit - digit) / 10) return std::nullopt;
    magnitude = magnitude * 10 + digit;
  }
  if (!negative && magnitude == kInt64Limit) return std::nullopt;  // one past INT64_MAX
  return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

// A JSON integer, or a string of decimal digits; nullopt for anything else, floats and
// numbers beyond int64 included (nlohmann reads those as unsigned or as doubles).
CINETPAY_INLINE std::optional<std::int64_t> whole_number(const json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u >= kInt64Limit) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_string()) return decimal(value.get_ref<const std::string&>());
  return std::nullopt;
}

CINETPAY_INLINE std::optional<int> read_code(const json& value) {
  std::optional<std::int64_t> n = whole_number(value);
  if (!n || *n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max()) {
    return std::nullopt;
  }
  return static_cast<int>(*n);
}

// A value as it may appear in a message: never throws on bytes that are not UTF-8.
CINETPAY_INLINE std::string shown(const json& value, std::size_t max_chars) {
  return redact_excerpt(value.dump(-1, ' ', false, json::error_handler_t::replace), max_chars);
}

[[noreturn]] CINETPAY_INLINE void unreadable_field(const char* name, const std::string& why,
                                                   const json& value) {
  throw ProtocolError("unreadable answer from CinetPay: \"" + std::string(name) + "\" " + why +
                          ": " + shown(value, 40),
                      0);
}

// Real answers carry raw line breaks inside strings (the 602 example does), and error
// pages may come in Latin-1: escape control characters found inside string literals and
// replace bytes that are not UTF-8 by U+FFFD. Neither changes the structure.
CINETPAY_INLINE std::string repaired(std::string_view body) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(body.size() + 16);
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < body.size();) {
    const std::size_t length = utf8_sequence_length(body, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      escaped = false;
      ++i;
      continue;
    }
    const char c = body[i];
    const auto u = static_cast<unsigned char>(c);
    if (in_string && u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0x0F];
      escaped = false;
    } else {
      out.append(body.substr(i, length));
      if (escaped) {
        escaped = false;
      } else if (in_string && c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = !in_string;
      }
    }
    i += length;
  }
  return out;
}

CINETPAY_INLINE json contact_json(const Contact& c) {
  return json{{"prefix", c.prefix},
              {"phone", c.phone},
              {"name", c.name},
              {"surname", c.surname},
              {"email", c.email}};
}

CINETPAY_INLINE json transfer_json(const TransferRequest& t) {
  json item{{"prefix", t.prefix},
            {"phone", t.phone},
            {"amount", t.amount},
            {"notify_url", t.notify_url},
            {"client_transaction_id", t.client_transaction_id}};
  if (!t.payment_method.empty()) item["payment_method"] = t.payment_method;
  return item;
}

template <typename T, typename F>
CINETPAY_INLINE std::string data_body(const std::vector<T>& items, F to_json) {
  json array = json::array();
  for (const T& item : items) array.push_back(to_json(item));
  return form_encode({{"data", array.dump()}});
}

CINETPAY_INLINE RequestBuilder::RequestBuilder(std::string base_url, Lang lang)
    : base_url_(trimmed_base(std::move(base_url))), lang_(to_string(lang)) {}

CINETPAY_INLINE std::string RequestBuilder::url(const char* path, const std::string& token) const {
  std::string u = base_url_ + path + "?";
  if (!token.empty()) u += "token=" + form_encode(token) + "&";
  return u + "lang=" + lang_;
}

CINETPAY_INLINE HttpRequest RequestBuilder::login(const Credentials& credentials) const {
  return {HttpMethod::post, url(kLoginPath, ""),
          form_encode({{"apikey", credentials.api_key}, {"password", credentials.password}}),
          false};
}

CINETPAY_INLINE HttpRequest RequestBuilder::balance(const std::string& token) const {
  return {HttpMethod::get, url(kBalancePath, token), "", false};
}

CINETPAY_INLINE HttpRequest RequestBuilder::add_contacts(const std::string& token,
                                                         const std::vector<Contact>& items) const {
  return {HttpMethod::post, url(kContactPath, token), data_body(items, contact_json), false};
}

CINETPAY_INLINE HttpRequest RequestBuilder::send_money(
    const std::string& token, const std::vector<TransferRequest>& items) const {
  return {HttpMethod::post, url(kSendPath, token), data_body(items, transfer_json),
          /*fresh_connection=*/true};
}

CINETPAY_INLINE HttpRequest RequestBuilder::check_money(const std::string& token,
                                                        const TransferQuery& query) const {
  return {HttpMethod::get,
          url(kCheckPath, token) + "&" + std::string(query.key_name()) + "=" +
              form_encode(query.value()),
          "", false};
}

CINETPAY_INLINE Envelope parse_envelope(const HttpResponse& response) {
  if (nesting_depth(response.body, kMaxAnswerDepth) > kMaxAnswerDepth) {
    unreadable(response, "nested deeper than " + std::to_string(kMaxAnswerDepth) + " levels");
  }
  json doc = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    doc = json::parse(repaired(response.body), nullptr, /*allow_exceptions=*/false);
  }
  if (doc.is_discarded()) unreadable(response, "not JSON");
  if (!doc.is_object()) unreadable(response, "not a JSON object");
  auto code = doc.find("code");
  if (code == doc.end()) unreadable(response, "no \"code\"");
  std::optional<int> value = read_code(*code);
  if (!value) unreadable(response, "\"code\" is not a whole number: " + shown(*code, 40));
  Envelope env;
  env.http_status = response.status;
  env.code = *value;
  env.message = text_field(doc, "message");
  env.description = text_field(doc, "description");
  if (auto data = doc.find("data"); data != doc.end()) env.data = std::move(*data);
  return env;
}

CINETPAY_INLINE std::vector<const json*> data_items(const Envelope& envelope) {
  std::vector<const json*> items;
  const json& data = envelope.data;
  if (data.is_object()) {
    items.push_back(&data);
  } else if (data.is_array()) {
    for (const json& element : data) {
      if (element.is_array()) {
        for (const json& inner : element) {
          if (inner.is_object()) items.push_back(&inner);
        }
      } else if (element.is_object()) {
        items.push_back(&element);
      }
    }
  }
  return items;
}

CINETPAY_INLINE std::string text_field(const json& object, const char* name) {
  if (!object.is_object()) return {};
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump(-1, ' ', false, json::error_handler_t::replace);
}

CINETPAY_INLINE std::int64_t amount_field(const json& object, const char* name) {
  if (!object.is_object()) return 0;
  auto it = object.find(name);
  if (it == object.end()) return 0;
  std::optional<std::int64_t> amount;
  if (it->is_number_float()) {
    // 500.0 is 500; beyond 2^53 a double no longer holds every whole number.
    const double value = it->get<double>();
    if (std::floor(value) == value && value >= 0 && value <= 9e15) {
      amount = static_cast<std::int64_t>(value);
    }
  } else if (it->is_string()) {
    // "500" and "500.00"; the zeros of a fraction are the only thing allowed after digits.
    std::string_view s = it->get_ref<const std::string&>();
    if (std::size_t dot = s.find('.');
        dot != std::string_view::npos && dot + 1 < s.size() &&
        s.find_first_not_of('0', dot + 1) == std::string_view::npos) {
      s = s.substr(0, dot);
    }
    amount = decimal(s);
  } else {
    amount = whole_number(*it);
  }
  if (!amount || *amount < 0) unreadable_field(name, "is not a whole non-negative amount", *it);
  return *amount;
}

CINETPAY_INLINE int code_field(const json& object, const char* name, int fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(name);
  if (it == object.end()) return fallback;
  // An unreadable code (null included) must never pass for 0, which means success.
  std::optional<int> code = read_code(*it);
  if (!code) unreadable_field(name, "is not a whole number", *it);
  return *code;
}

CINETPAY_INLINE std::string parse_token(const Envelope& envelope) {
  std::vector<const json*> items = data_items(envelope);
  std::string token = items.empty() ? std::string() : text_field(*items.front(), "token");
  if (token.empty()) {
    throw ProtocolError("unreadable login answer from CinetPay (HTTP " +
                            std::to_string(envelope.http_status) + "): no token in data",
                        envelope.http_status);
  }
  return token;
}

CINETPAY_INLINE Balance parse_balance(const Envelope& envelope) {
  std::vector<const json*> items = data_items(envelope);
  if (items.empty() || !items.front()->contains("available")) {
    throw ProtocolError("unreadable balance answer from CinetPay (HTTP " +
                            std::to_string(envelope.http_status) + "): no \"available\" in data",
                        envelope.http_status);
  }
  const json& d = *items.front();
  return Balance{amount_field(d, "amount"), amount_field(d, "inUsing"),
                 amount_field(d, "available")};
}

// An item's own message, else the code table's word for its code.
CINETPAY_INLINE std::string item_message(const json& item, int code) {
  return codes::message_or_table_word(code, text_field(item, "message"));
}

CINETPAY_INLINE ContactResult parse_contact_item(const json& item) {
  ContactResult r;
  r.contact =
      Contact{text_field(item, "prefix"), text_field(item, "phone"), text_field(item, "name"),
              text_field(item, "surname"), text_field(item, "email")};
  r.code = code_field(item, "code", 0);
  r.status = text_field(item, "status");
  r.lot = text_field(item, "lot");
  r.message = item_message(item, r.code);
  return r;
}

CINETPAY_INLINE TransferStatus parse_transfer_status(const json& item) {
  TransferStatus s;
  s.transaction_id = text_field(item, "transaction_id");
  s.client_transaction_id = text_field(item, "client_transaction_id");
  s.lot = text_field(item, "lot");
  s.amount = amount_field(item, "amount");
  s.receiver = text_field(item, "receiver");
  s.receiver_e164 = text_field(item, "receiver_e164");
  s.operator_code = text_field(item, "operator");
  s.sending_status = text_field(item, "sending_status");
  s.transfer_valid = text_field(item, "transfer_valid");
  s.treatment_status = TreatmentStatus(text_field(item, "treatment_status"));
  s.comment = text_field(item, "comment");
  s.validated_at = text_field(item, "validated_at");
  return s;
}

CINETPAY_INLINE SentItem parse_sent_item(const json& item) {
  SentItem s;
  s.status = text_field(item, "status");
  s.transaction_id = text_field(item, "transaction_id");
  // An item without its code passes for a success only when it says so and names its
  // transfer; else it settles nothing (the payout is looked up), never taken as 0.
  const bool says_success = s.status == "success" && !s.transaction_id.empty();
  s.code = code_field(item, "code", says_success ? 0 : kCodeMissingFromAnswer);
  s.message = item_message(item, s.code);
  s.client_transaction_id = text_field(item, "client_transaction_id");
  s.lot = text_field(item, "lot");
  s.treatment_status = text_field(item, "treatment_status");
  s.phone = text_field(item, "phone");
  s.amount = amount_field(item, "amount");
  return s;
}

}  // namespace detail
// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
