#include "output.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>
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

// The length of the UTF-8 sequence at text[i], or 0 when it is not one (overlong forms,
// surrogates and code points past U+10FFFF included).
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size() || byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

std::uint32_t code_point(std::string_view text, std::size_t i, std::size_t length) {
  static constexpr unsigned char kLeadBits[] = {0, 0, 0x1F, 0x0F, 0x07};
  std::uint32_t cp = static_cast<unsigned char>(text[i]) & kLeadBits[length];
  for (std::size_t k = 1; k < length; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  }
  return cp;
}

// C1 controls, and what reorders a line or breaks it on a terminal.
bool hidden_control(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

std::string hex(std::uint32_t value, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int d = digits - 1; d >= 0; --d, value >>= 4) {
    out[static_cast<std::size_t>(d)] = kDigits[value & 0x0F];
  }
  return out;
}

// The table's words: JSON's, with a space instead of the underscore.
std::string table_word(ShownOutcome outcome) {
  std::string word(to_string(outcome));
  std::replace(word.begin(), word.end(), '_', ' ');
  return word;
}

}  // namespace

std::string timestamp(std::chrono::system_clock::time_point t) {
  if (t.time_since_epoch().count() == 0) return "";
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
      ++i;
      continue;
    }
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // C0 controls, DEL and bytes that start no UTF-8 sequence.
    const std::size_t length = c < 0x80 ? 0 : utf8_length(text, i);
    if (length == 0) {
      out += "\\x" + hex(c, 2);
      ++i;
      continue;
    }
    const std::uint32_t cp = code_point(text, i, length);
    out += hidden_control(cp) ? "\\u" + hex(cp, 4) : std::string(text.substr(i, length));
    i += length;
  }
  return out;
}

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
                   const std::vector<std::vector<std::string>>& raw_rows) {
  std::vector<std::vector<std::string>> rows;
  rows.reserve(raw_rows.size());
  for (const auto& raw : raw_rows) {
    std::vector<std::string>& row = rows.emplace_back();
    row.reserve(raw.size());
    for (const std::string& cell : raw) row.push_back(printable(cell));
  }
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
    document({{"amount", b.amount}, {"in_using", b.in_using}, {"available", b.available}});
  } else {
    table({"amount", "in_using", "available"},
          {{std::to_string(b.amount), std::to_string(b.in_using), std::to_string(b.available)}});
  }
}

}  // namespace cinetpay::cli
