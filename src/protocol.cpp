#include "protocol.hpp"

#include <cctype>
#include <cmath>
#include <utility>

#include "cinetpay/errors.hpp"

namespace cinetpay::detail {
namespace {

using nlohmann::json;

[[noreturn]] void unreadable(const HttpResponse& response, const std::string& why) {
  throw ProtocolError("unreadable answer from CinetPay (HTTP " + std::to_string(response.status) +
                          "): " + why + ": " + redact_excerpt(response.body),
                      response.status);
}

std::string trimmed_base(std::string base_url) {
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  // Accept "https://client.cinetpay.com/v1" as well: the paths carry /v1 themselves.
  const std::string v1 = "/v1";
  if (base_url.size() >= v1.size() &&
      base_url.compare(base_url.size() - v1.size(), v1.size(), v1) == 0) {
    base_url.resize(base_url.size() - v1.size());
  }
  return base_url;
}

bool parse_int(const std::string& s, int* out) {
  if (s.empty()) return false;
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  for (std::size_t j = i; j < s.size(); ++j) {
    if (std::isdigit(static_cast<unsigned char>(s[j])) == 0) return false;
  }
  if (s.size() > 10) return false;
  *out = std::stoi(s);
  return true;
}

// Real answers carry raw line breaks inside strings (the 602 example does): escape control
// characters found inside string literals, which changes no structure.
std::string escape_raw_controls(const std::string& body) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(body.size() + 16);
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    auto u = static_cast<unsigned char>(c);
    if (in_string && u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0x0F];
      continue;
    }
    out += c;
    if (escaped) {
      escaped = false;
    } else if (in_string && c == '\\') {
      escaped = true;
    } else if (c == '"') {
      in_string = !in_string;
    }
  }
  return out;
}

json contact_json(const Contact& c) {
  return json{{"prefix", c.prefix},
              {"phone", c.phone},
              {"name", c.name},
              {"surname", c.surname},
              {"email", c.email}};
}

json transfer_json(const TransferRequest& t) {
  json item{{"prefix", t.prefix},
            {"phone", t.phone},
            {"amount", t.amount},
            {"notify_url", t.notify_url},
            {"client_transaction_id", t.client_transaction_id}};
  if (!t.payment_method.empty()) item["payment_method"] = t.payment_method;
  return item;
}

template <typename T, typename F>
std::string data_body(const std::vector<T>& items, F to_json) {
  json array = json::array();
  for (const T& item : items) array.push_back(to_json(item));
  return form_encode({{"data", array.dump()}});
}

}  // namespace

RequestBuilder::RequestBuilder(std::string base_url, Lang lang)
    : base_url_(trimmed_base(std::move(base_url))), lang_(to_string(lang)) {}

std::string RequestBuilder::url(const char* path, const std::string& token) const {
  std::string u = base_url_ + path + "?";
  if (!token.empty()) u += "token=" + form_encode(token) + "&";
  return u + "lang=" + lang_;
}

HttpRequest RequestBuilder::login(const Credentials& credentials) const {
  return {HttpMethod::post, url(kLoginPath, ""),
          form_encode({{"apikey", credentials.api_key}, {"password", credentials.password}}),
          false};
}

HttpRequest RequestBuilder::balance(const std::string& token) const {
  return {HttpMethod::get, url(kBalancePath, token), "", false};
}

HttpRequest RequestBuilder::add_contacts(const std::string& token,
                                         const std::vector<Contact>& items) const {
  return {HttpMethod::post, url(kContactPath, token), data_body(items, contact_json), false};
}

HttpRequest RequestBuilder::send_money(const std::string& token,
                                       const std::vector<TransferRequest>& items) const {
  return {HttpMethod::post, url(kSendPath, token), data_body(items, transfer_json),
          /*fresh_connection=*/true};
}

HttpRequest RequestBuilder::check_money(const std::string& token,
                                        const TransferQuery& query) const {
  return {HttpMethod::get,
          url(kCheckPath, token) + "&" + std::string(query.key_name()) + "=" +
              form_encode(query.value()),
          "", false};
}

Envelope parse_envelope(const HttpResponse& response) {
  json doc = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    doc = json::parse(escape_raw_controls(response.body), nullptr, /*allow_exceptions=*/false);
  }
  if (doc.is_discarded()) unreadable(response, "not JSON");
  if (!doc.is_object()) unreadable(response, "not a JSON object");
  auto code = doc.find("code");
  if (code == doc.end()) unreadable(response, "no \"code\"");
  Envelope env;
  env.http_status = response.status;
  if (code->is_number_integer()) {
    env.code = code->get<int>();
  } else if (!code->is_string() || !parse_int(code->get<std::string>(), &env.code)) {
    unreadable(response, "\"code\" is not a number");
  }
  env.message = text_field(doc, "message");
  env.description = text_field(doc, "description");
  if (auto data = doc.find("data"); data != doc.end()) env.data = *data;
  return env;
}

std::vector<const json*> data_items(const Envelope& envelope) {
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

std::string text_field(const json& object, const char* name) {
  if (!object.is_object()) return {};
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return it->dump();
}

std::int64_t amount_field(const json& object, const char* name) {
  if (!object.is_object()) return 0;
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  double value = 0;
  if (it->is_number_float()) {
    value = it->get<double>();
  } else if (it->is_string()) {
    const std::string s = it->get<std::string>();
    std::size_t used = 0;
    try {
      value = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != s.size()) {
      throw ProtocolError("unreadable answer from CinetPay: \"" + std::string(name) +
                              "\" is not a number: " + redact_excerpt(s, 40),
                          0);
    }
  } else {
    throw ProtocolError(
        "unreadable answer from CinetPay: \"" + std::string(name) + "\" is not a number", 0);
  }
  if (std::floor(value) != value || std::fabs(value) > 9e15) {
    throw ProtocolError(
        "unreadable answer from CinetPay: \"" + std::string(name) + "\" is not a whole amount", 0);
  }
  return static_cast<std::int64_t>(value);
}

int code_field(const json& object, const char* name, int fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return fallback;
  if (it->is_number_integer()) return it->get<int>();
  int value = 0;
  if (it->is_string() && parse_int(it->get<std::string>(), &value)) return value;
  // An unreadable code must never pass for 0, which means success.
  throw ProtocolError("unreadable answer from CinetPay: \"" + std::string(name) +
                          "\" is not a number: " + redact_excerpt(it->dump(), 40),
                      0);
}

std::string parse_token(const Envelope& envelope) {
  std::vector<const json*> items = data_items(envelope);
  std::string token = items.empty() ? std::string() : text_field(*items.front(), "token");
  if (token.empty()) {
    throw ProtocolError("unreadable login answer from CinetPay (HTTP " +
                            std::to_string(envelope.http_status) + "): no token in data",
                        envelope.http_status);
  }
  return token;
}

Balance parse_balance(const Envelope& envelope) {
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

namespace {

// An item's own message, else the code table's word for its code.
std::string item_message(const json& item, int code) {
  std::string message = text_field(item, "message");
  if (message.empty() && code != 0) {
    if (auto row = find_api_code(code)) message = std::string(row->message);
  }
  return message;
}

}  // namespace

ContactResult parse_contact_item(const json& item) {
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

TransferStatus parse_transfer_status(const json& item) {
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

SentItem parse_sent_item(const json& item) {
  SentItem s;
  s.code = code_field(item, "code", 0);
  s.status = text_field(item, "status");
  s.message = item_message(item, s.code);
  s.client_transaction_id = text_field(item, "client_transaction_id");
  s.transaction_id = text_field(item, "transaction_id");
  s.lot = text_field(item, "lot");
  s.treatment_status = text_field(item, "treatment_status");
  s.phone = text_field(item, "phone");
  s.amount = amount_field(item, "amount");
  return s;
}

}  // namespace cinetpay::detail
