#include "cinetpay/testing/answers.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <stdexcept>
#include <utility>

#include "cinetpay/errors.hpp"

namespace cinetpay::mocks::answers {
namespace {

using Json = nlohmann::json;

HttpResponse success(Json data) {
  return answers::json(
      200, Json{{"code", 0}, {"message", "OPERATION_SUCCES"}, {"data", std::move(data)}}.dump());
}

// The table's word for a code; a test asking for a code nobody documented is a mistake.
std::string message_of(int code) {
  std::optional<ApiCodeInfo> row = find_api_code(code);
  if (!row) {
    throw std::invalid_argument("cinetpay::mocks::answers: " + std::to_string(code) +
                                " is not a code of CinetPay's table");
  }
  return std::string(row->message);
}

Json request_json(const TransferRequest& r) {
  Json item{{"prefix", r.prefix},
            {"phone", r.phone},
            {"amount", r.amount},
            {"notify_url", r.notify_url},
            {"client_transaction_id", r.client_transaction_id}};
  if (!r.payment_method.empty()) item["payment_method"] = r.payment_method;
  return item;
}

// One record of check/money's data, every field written as CinetPay writes it.
Json record_json(const TransferStatus& t) {
  return Json{{"transaction_id", t.transaction_id},
              {"client_transaction_id", t.client_transaction_id},
              {"lot", t.lot},
              {"amount", std::to_string(t.amount)},
              {"receiver", t.receiver},
              {"receiver_e164", t.receiver_e164},
              {"operator", t.operator_code},
              {"sending_status", t.sending_status},
              {"transfer_valid", t.transfer_valid},
              {"treatment_status", t.treatment_status.raw()},
              {"comment", t.comment},
              {"validated_at", t.validated_at}};
}

// application/x-www-form-urlencoded, as a browser or CinetPay's server writes it. The
// library's own encoder is not public (a shared libcinetpay exports no detail), and a second
// one here makes the tests of parse_notification meet a writer it was not built with.
std::string form_encoded(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '*') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4U];
      out += kHex[u & 0x0FU];
    }
  }
  return out;
}

}  // namespace

HttpResponse json(int http_status, std::string body) {
  HttpResponse r;
  r.status = http_status;
  r.headers["content-type"] = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse login(const std::string& token) { return success(Json{{"token", token}}); }

HttpResponse balance(std::int64_t available, std::int64_t in_using) {
  return success(
      Json{{"amount", available + in_using}, {"inUsing", in_using}, {"available", available}});
}

HttpResponse error(int code, const std::string& description, int http_status) {
  Json body{{"code", std::to_string(code)}, {"message", message_of(code)}, {"data", Json::array()}};
  if (!description.empty()) body["description"] = description;
  return answers::json(http_status, body.dump());
}

HttpResponse contacts(const std::vector<Contact>& contacts, int code) {
  const std::string status = code == 0 ? "success" : message_of(code);
  Json items = Json::array();
  for (const Contact& c : contacts) {
    items.push_back(Json{{"prefix", c.prefix},
                         {"phone", c.phone},
                         {"name", c.name},
                         {"surname", c.surname},
                         {"email", c.email},
                         {"code", code},
                         {"status", status},
                         {"lot", "LOT-CONTACTS"}});
  }
  return success(Json::array({items}));
}

SendItem accepted(const TransferRequest& request, std::string transaction_id, std::string lot) {
  return SendItem{request, 0, std::move(transaction_id), std::move(lot)};
}

SendItem refused(const TransferRequest& request, int code) {
  if (code == 0) throw std::invalid_argument("cinetpay::mocks::answers::refused: code 0");
  (void)message_of(code);
  return SendItem{request, code, "", ""};
}

HttpResponse send(const std::vector<SendItem>& items) {
  Json out = Json::array();
  for (const SendItem& item : items) {
    Json answer = request_json(item.request);
    answer["code"] = item.code;
    if (item.code == 0) {
      answer["status"] = "success";
      answer["treatment_status"] = "NEW";
      answer["transaction_id"] = item.transaction_id;
      answer["lot"] = item.lot;
    } else {
      answer["status"] = message_of(item.code);
      answer["message"] = message_of(item.code);
    }
    out.push_back(std::move(answer));
  }
  return success(Json::array({out}));
}

TransferStatus transfer(const TransferRequest& request, std::string transaction_id,
                        TreatmentStatus::Code status, std::string lot) {
  TransferStatus s;
  s.transaction_id = std::move(transaction_id);
  s.client_transaction_id = request.client_transaction_id;
  s.lot = std::move(lot);
  s.amount = request.amount;
  s.receiver = request.phone;
  s.receiver_e164 = "+" + request.prefix + request.phone;
  s.operator_code = request.payment_method;
  s.sending_status = "CONFIRM";
  s.treatment_status = TreatmentStatus(status);
  s.transfer_valid = status == TreatmentStatus::Code::VAL ? "Y" : "N";
  if (s.is_final()) s.validated_at = "2024-01-01 12:00:00";
  return s;
}

HttpResponse check(const std::vector<TransferStatus>& transfers) {
  Json data = Json::array();
  for (const TransferStatus& t : transfers) data.push_back(record_json(t));
  return success(std::move(data));
}

std::string check_record(const TransferStatus& transfer) { return record_json(transfer).dump(); }

std::string notification_body(const TransferStatus& transfer) {
  const bool paid = transfer.treatment_status.code() == TreatmentStatus::Code::VAL;
  const std::pair<const char*, std::string> fields[] = {
      {"transaction_id", transfer.transaction_id},
      {"client_transaction_id", transfer.client_transaction_id},
      {"lot", transfer.lot},
      {"amount", std::to_string(transfer.amount)},
      {"receiver", transfer.receiver},
      {"sending_status", transfer.sending_status},
      {"comment", transfer.comment},
      {"treatment_status", transfer.treatment_status.raw()},
      {"operator_transaction_id", paid ? "OP-" + transfer.transaction_id : ""},
      {"validated_at", transfer.validated_at}};
  std::string body;
  for (const auto& [name, value] : fields) {
    body += (body.empty() ? "" : "&") + std::string(name) + "=" + form_encoded(value);
  }
  return body;
}

ScriptedTransport::Handler lost_answer() {
  return [](const HttpRequest&) -> HttpResponse {
    throw TransportError("ScriptedTransport: the answer was lost (timed out)", true);
  };
}

ScriptedTransport::Handler unreachable() {
  return [](const HttpRequest&) -> HttpResponse {
    throw TransportError("ScriptedTransport: connection refused", false);
  };
}

}  // namespace cinetpay::mocks::answers
