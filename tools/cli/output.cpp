#include "output.hpp"

#include <algorithm>
#include <iostream>

namespace cinetpay::cli {
namespace {

using nlohmann::json;

json status_json(const TransferStatus& s) {
  return json{{"transaction_id", s.transaction_id},
              {"client_transaction_id", s.client_transaction_id},
              {"lot", s.lot},
              {"amount", s.amount},
              {"receiver", s.receiver},
              {"receiver_e164", s.receiver_e164},
              {"operator", s.operator_code},
              {"sending_status", s.sending_status},
              {"transfer_valid", s.transfer_valid},
              {"treatment_status", s.treatment_status.raw()},
              {"comment", s.comment},
              {"validated_at", s.validated_at}};
}

json result_json(const TransferResult& r) {
  json j{{"client_transaction_id", r.client_transaction_id},
         {"outcome", std::string(to_string(shown_outcome(r)))},
         {"transaction_id", r.transaction_id},
         {"lot", r.lot},
         {"treatment_status", r.treatment_status.raw()},
         {"prefix", r.prefix},
         {"phone", r.phone},
         {"amount", r.amount},
         {"detail", r.detail}};
  if (r.error) {
    j["error"] = {{"code", r.error->code},
                  {"message", r.error->message},
                  {"description", r.error->description}};
  }
  return j;
}

// The table's words: JSON's, with a space instead of the underscore.
std::string table_word(ShownOutcome outcome) {
  std::string word(to_string(outcome));
  std::replace(word.begin(), word.end(), '_', ' ');
  return word;
}

}  // namespace

ShownOutcome shown_outcome(const TransferResult& result) {
  switch (result.outcome) {
    case TransferOutcome::accepted:
      // For the operator a payout CinetPay had before this run is not a new payout.
      return result.client_transaction_id_exist ? ShownOutcome::already_sent
                                                : ShownOutcome::accepted;
    case TransferOutcome::rejected:
      return ShownOutcome::rejected;
    case TransferOutcome::not_sent:
      return ShownOutcome::not_sent;
    case TransferOutcome::unknown:
      break;
  }
  return ShownOutcome::unknown;
}

std::string_view to_string(ShownOutcome outcome) noexcept {
  switch (outcome) {
    case ShownOutcome::accepted:
      return "accepted";
    case ShownOutcome::already_sent:
      return "already_sent";
    case ShownOutcome::rejected:
      return "rejected";
    case ShownOutcome::not_sent:
      return "not_sent";
    case ShownOutcome::unknown:
      break;
  }
  return "unknown";
}

void Output::document(const json& doc) {
  std::cout << doc.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

void Output::table(const std::vector<std::string>& header,
                   const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      out += cells[c];
      if (c + 1 < cells.size()) out += std::string(width[c] - cells[c].size() + 2, ' ');
    }
    std::cout << out << "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
}

void Output::results(const std::vector<TransferResult>& results) const {
  if (json_) {
    json out = json::array();
    for (const auto& r : results) out.push_back(result_json(r));
    document(out);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(results.size());
  for (const auto& r : results) {
    rows.push_back({r.client_transaction_id, table_word(shown_outcome(r)), r.transaction_id,
                    r.treatment_status.raw(), std::to_string(r.amount),
                    r.error ? std::to_string(r.error->code) + " " + r.error->message : r.detail});
  }
  table({"client_transaction_id", "outcome", "transaction_id", "status", "amount", "note"}, rows);
}

void Output::statuses(const std::vector<TransferStatus>& statuses, bool single) const {
  if (json_) {
    if (single && statuses.size() == 1) {
      document(status_json(statuses[0]));
      return;
    }
    json out = json::array();
    for (const auto& s : statuses) out.push_back(status_json(s));
    document(out);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(statuses.size());
  for (const auto& s : statuses) {
    rows.push_back({s.transaction_id, s.client_transaction_id, s.receiver_e164,
                    std::to_string(s.amount), s.treatment_status.raw(), s.sending_status,
                    s.comment});
  }
  table({"transaction_id", "client_transaction_id", "receiver", "amount", "status", "sending",
         "comment"},
        rows);
}

void Output::contact_results(const std::vector<ContactResult>& results) const {
  if (json_) {
    json out = json::array();
    for (const auto& r : results) {
      out.push_back({{"prefix", r.contact.prefix},
                     {"phone", r.contact.phone},
                     {"name", r.contact.name},
                     {"surname", r.contact.surname},
                     {"email", r.contact.email},
                     {"code", r.code},
                     {"status", r.status},
                     {"lot", r.lot}});
    }
    document(out);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(results.size());
  for (const auto& r : results) {
    rows.push_back({r.contact.prefix, r.contact.phone, r.contact.name, std::to_string(r.code),
                    r.already_exists() ? "already a contact"
                    : r.ok()           ? "added"
                                       : r.message});
  }
  table({"prefix", "phone", "name", "code", "result"}, rows);
}

void Output::balance(const Balance& b) const {
  if (json_) {
    document({{"amount", b.amount}, {"inUsing", b.in_using}, {"available", b.available}});
  } else {
    table({"amount", "in_using", "available"},
          {{std::to_string(b.amount), std::to_string(b.in_using), std::to_string(b.available)}});
  }
}

}  // namespace cinetpay::cli
