// cinetpay: a command-line tool over the SDK, for operations. Credentials come from the
// environment only (CINETPAY_API_KEY, CINETPAY_PASSWORD), never from flags, so that they
// stay out of shell histories and process lists.
#include <unistd.h>

#include <cinetpay/transfer.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

// Exit codes, as documented in the README.
enum Exit { kOk = 0, kRefused = 1, kUsage = 2, kTransport = 3, kUnknownOutcome = 4 };

constexpr const char* kUsageText =
    R"(usage: cinetpay [--base-url URL] [--lang en|fr] [--json] [--reconcile-grace-seconds N] COMMAND

Credentials come from CINETPAY_API_KEY and CINETPAY_PASSWORD (never from flags);
the base URL from --base-url, else CINETPAY_BASE_URL, else https://client.cinetpay.com.

commands:
  balance
  contact add --prefix P --phone N --name X --surname Y --email E
  contact import FILE          CSV with a header (prefix,phone,name,surname,email) or a JSON array
  send --prefix P --phone N --amount A --notify-url U [--client-transaction-id ID] [--payment-method M]
  send --file FILE             CSV with a header (prefix,phone,amount,notify_url,
                               client_transaction_id,payment_method) or a JSON array
  status --transaction-id ID | --client-transaction-id ID | --lot L
  wait --transaction-id ID | --client-transaction-id ID [--timeout-seconds N]

exit codes: 0 ok, 1 the API refused, 2 usage or validation error (nothing sent),
            3 transport or protocol error, 4 a payout's outcome is unknown
)";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `--name value` pairs after the command words.
class Flags {
 public:
  Flags(const std::vector<std::string>& args, std::size_t from) {
    for (std::size_t i = from; i < args.size(); ++i) {
      if (args[i].rfind("--", 0) != 0) {
        positional_.push_back(args[i]);
        continue;
      }
      if (i + 1 >= args.size()) throw UsageError(args[i] + " needs a value");
      values_[args[i].substr(2)] = args[i + 1];
      ++i;
    }
  }
  std::string get(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::string() : it->second;
  }
  std::string need(const std::string& name) const {
    std::string v = get(name);
    if (v.empty()) throw UsageError("--" + name + " is required");
    return v;
  }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const std::vector<std::string>& positional() const { return positional_; }
  void allow(std::initializer_list<const char*> names) const {
    for (const auto& [name, value] : values_) {
      bool known = false;
      for (const char* n : names) known = known || name == n;
      if (!known) throw UsageError("unknown option --" + name);
    }
  }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

std::int64_t to_amount(const std::string& field, const std::string& text,
                       std::optional<std::size_t> index) {
  try {
    std::size_t used = 0;
    long long v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw cinetpay::ValidationError(field, index, "must be a whole number, got '" + text + "'");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.push_back(cell);
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  cells.push_back(cell);
  return cells;
}

// Rows of a CSV file with a header, or of a JSON array of objects, as name → text maps.
std::vector<std::map<std::string, std::string>> read_rows(const std::string& path) {
  std::string text = read_file(path);
  std::vector<std::map<std::string, std::string>> rows;
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_array()) throw UsageError(path + " is not a JSON array");
    for (const json& item : doc) {
      if (!item.is_object()) throw UsageError(path + ": every item must be an object");
      std::map<std::string, std::string> row;
      for (auto it = item.begin(); it != item.end(); ++it) {
        row[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
      }
      rows.push_back(row);
    }
    return rows;
  }
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto cells = split_csv_line(line);
    if (header.empty()) {
      header = cells;
      continue;
    }
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(row);
  }
  if (header.empty()) throw UsageError(path + " is empty");
  return rows;
}

json status_json(const cinetpay::TransferStatus& s) {
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

json result_json(const cinetpay::TransferResult& r) {
  json j{{"client_transaction_id", r.client_transaction_id},
         {"outcome", std::string(cinetpay::to_string(r.outcome))},
         {"transaction_id", r.transaction_id},
         {"lot", r.lot},
         {"treatment_status", r.treatment_status.raw()},
         {"prefix", r.prefix},
         {"phone", r.phone},
         {"amount", r.amount},
         {"detail", r.detail}};
  if (r.error)
    j["error"] = {{"code", r.error->code},
                  {"message", r.error->message},
                  {"description", r.error->description}};
  return j;
}

// A table with a header row, columns as wide as their widest cell.
void print_table(const std::vector<std::string>& header,
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

class Cli {
 public:
  Cli(cinetpay::TransferClient client, bool as_json) : client_(std::move(client)), json_(as_json) {}

  int balance() {
    cinetpay::Balance b = client_.balance();
    if (json_) {
      print(json{{"amount", b.amount}, {"inUsing", b.in_using}, {"available", b.available}});
    } else {
      print_table(
          {"amount", "in_using", "available"},
          {{std::to_string(b.amount), std::to_string(b.in_using), std::to_string(b.available)}});
    }
    return kOk;
  }

  int contacts(const std::vector<cinetpay::Contact>& contacts) {
    progress("registering " + std::to_string(contacts.size()) + " contact(s)");
    auto results = client_.add_contacts(contacts);
    bool all_ok = true;
    json out = json::array();
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : results) {
      all_ok = all_ok && r.ok();
      out.push_back({{"prefix", r.contact.prefix},
                     {"phone", r.contact.phone},
                     {"name", r.contact.name},
                     {"surname", r.contact.surname},
                     {"email", r.contact.email},
                     {"code", r.code},
                     {"status", r.status},
                     {"lot", r.lot}});
      rows.push_back({r.contact.prefix, r.contact.phone, r.contact.name, std::to_string(r.code),
                      r.already_exists() ? "already a contact"
                      : r.ok()           ? "added"
                                         : r.message});
    }
    if (json_) {
      print(out);
    } else {
      print_table({"prefix", "phone", "name", "code", "result"}, rows);
    }
    return all_ok ? kOk : kRefused;
  }

  int send(const std::vector<cinetpay::TransferRequest>& items) {
    progress("sending " + std::to_string(items.size()) + " payout(s)");
    auto results = client_.send_money(items);
    int code = kOk;
    json out = json::array();
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : results) {
      if (r.outcome == cinetpay::TransferOutcome::unknown) code = kUnknownOutcome;
      if (r.outcome == cinetpay::TransferOutcome::rejected && code == kOk) code = kRefused;
      out.push_back(result_json(r));
      rows.push_back({r.client_transaction_id, std::string(cinetpay::to_string(r.outcome)),
                      r.transaction_id, r.treatment_status.raw(), std::to_string(r.amount),
                      r.error ? std::to_string(r.error->code) + " " + r.error->message : r.detail});
    }
    if (json_) {
      print(out);
    } else {
      print_table(
          {"client_transaction_id", "outcome", "transaction_id", "status", "amount", "note"}, rows);
    }
    return code;
  }

  int status(const cinetpay::TransferQuery& query) {
    auto statuses = client_.check_transfer(query);
    if (json_) {
      json out = json::array();
      for (const auto& s : statuses) out.push_back(status_json(s));
      print(out);
    } else {
      print_statuses(statuses);
    }
    return kOk;
  }

  int wait(const cinetpay::TransferQuery& query, std::chrono::seconds timeout) {
    progress("waiting up to " + std::to_string(timeout.count()) + " s for " + query.value() +
             " to be final");
    cinetpay::TransferStatus s = client_.wait_for_final(query, timeout);
    if (json_) {
      print(status_json(s));
    } else {
      print_statuses({s});
    }
    return s.is_final() ? kOk : kUnknownOutcome;
  }

 private:
  static void print(const json& doc) { std::cout << doc.dump(2) << "\n"; }

  static void print_statuses(const std::vector<cinetpay::TransferStatus>& statuses) {
    std::vector<std::vector<std::string>> rows;
    rows.reserve(statuses.size());
    for (const auto& s : statuses) {
      rows.push_back({s.transaction_id, s.client_transaction_id, s.receiver_e164,
                      std::to_string(s.amount), s.treatment_status.raw(), s.sending_status,
                      s.comment});
    }
    print_table({"transaction_id", "client_transaction_id", "receiver", "amount", "status",
                 "sending", "comment"},
                rows);
  }

  // Progress goes to a terminal only: scripts reading stderr see errors alone.
  static void progress(const std::string& text) {
    if (isatty(STDERR_FILENO) != 0) std::cerr << text << "...\n";
  }

  cinetpay::TransferClient client_;
  bool json_;
};

cinetpay::TransferQuery query_from(const Flags& f, bool allow_lot) {
  if (f.has("transaction-id"))
    return cinetpay::TransferQuery::by_transaction_id(f.need("transaction-id"));
  if (f.has("client-transaction-id")) {
    return cinetpay::TransferQuery::by_client_transaction_id(f.need("client-transaction-id"));
  }
  if (allow_lot && f.has("lot")) return cinetpay::TransferQuery::by_lot(f.need("lot"));
  throw UsageError(allow_lot ? "give --transaction-id, --client-transaction-id or --lot"
                             : "give --transaction-id or --client-transaction-id");
}

cinetpay::TransferRequest transfer_from(const std::map<std::string, std::string>& row,
                                        std::optional<std::size_t> index) {
  auto get = [&](const char* k) {
    auto it = row.find(k);
    return it == row.end() ? std::string() : it->second;
  };
  cinetpay::TransferRequest t;
  t.prefix = get("prefix");
  t.phone = get("phone");
  t.amount = to_amount("amount", get("amount"), index);
  t.notify_url = get("notify_url");
  t.client_transaction_id = get("client_transaction_id");
  t.payment_method = get("payment_method");
  return t;
}

int run(const std::vector<std::string>& args) {
  cinetpay::ClientOptions options;
  bool as_json = false;
  std::size_t i = 0;
  for (; i < args.size() && args[i].rfind("--", 0) == 0; ++i) {
    const std::string& flag = args[i];
    if (flag == "--json") {
      as_json = true;
      continue;
    }
    if (flag == "--help") {
      std::cout << kUsageText;
      return kOk;
    }
    if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
    const std::string& value = args[++i];
    // The flags win over the environment; setenv is safe here, before any thread starts.
    if (flag == "--base-url") {
      ::setenv("CINETPAY_BASE_URL", value.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
    } else if (flag == "--lang") {
      ::setenv("CINETPAY_LANG", value.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
    } else if (flag == "--reconcile-grace-seconds") {
      options.reconcile_grace =
          std::chrono::seconds(to_amount("--reconcile-grace-seconds", value, std::nullopt));
    } else {
      throw UsageError("unknown option " + flag);
    }
  }
  if (i >= args.size()) throw UsageError("no command");
  const std::string& command = args[i];
  const std::string sub = i + 1 < args.size() ? args[i + 1] : "";

  if (command == "balance") {
    Flags(args, i + 1).allow({});
    return Cli(cinetpay::TransferClient::from_env(options), as_json).balance();
  }
  if (command == "contact" && sub == "add") {
    Flags f(args, i + 2);
    f.allow({"prefix", "phone", "name", "surname", "email"});
    cinetpay::Contact c{f.need("prefix"), f.need("phone"), f.need("name"), f.need("surname"),
                        f.need("email")};
    return Cli(cinetpay::TransferClient::from_env(options), as_json).contacts({c});
  }
  if (command == "contact" && sub == "import") {
    Flags f(args, i + 2);
    f.allow({});
    if (f.positional().size() != 1) throw UsageError("contact import takes one FILE");
    auto rows = read_rows(f.positional()[0]);
    std::vector<cinetpay::Contact> contacts;
    contacts.reserve(rows.size());
    for (const auto& row : rows) {
      auto get = [&](const char* k) {
        auto it = row.find(k);
        return it == row.end() ? std::string() : it->second;
      };
      contacts.push_back({get("prefix"), get("phone"), get("name"), get("surname"), get("email")});
    }
    return Cli(cinetpay::TransferClient::from_env(options), as_json).contacts(contacts);
  }
  if (command == "send") {
    Flags f(args, i + 1);
    std::vector<cinetpay::TransferRequest> items;
    if (f.has("file")) {
      f.allow({"file"});
      auto rows = read_rows(f.need("file"));
      for (std::size_t k = 0; k < rows.size(); ++k) items.push_back(transfer_from(rows[k], k));
    } else {
      f.allow(
          {"prefix", "phone", "amount", "notify-url", "client-transaction-id", "payment-method"});
      items.push_back(transfer_from({{"prefix", f.need("prefix")},
                                     {"phone", f.need("phone")},
                                     {"amount", f.need("amount")},
                                     {"notify_url", f.need("notify-url")},
                                     {"client_transaction_id", f.get("client-transaction-id")},
                                     {"payment_method", f.get("payment-method")}},
                                    std::nullopt));
    }
    return Cli(cinetpay::TransferClient::from_env(options), as_json).send(items);
  }
  if (command == "status") {
    Flags f(args, i + 1);
    f.allow({"transaction-id", "client-transaction-id", "lot"});
    return Cli(cinetpay::TransferClient::from_env(options), as_json).status(query_from(f, true));
  }
  if (command == "wait") {
    Flags f(args, i + 1);
    f.allow({"transaction-id", "client-transaction-id", "timeout-seconds"});
    auto timeout = std::chrono::seconds(
        f.has("timeout-seconds")
            ? to_amount("--timeout-seconds", f.need("timeout-seconds"), std::nullopt)
            : 300);
    return Cli(cinetpay::TransferClient::from_env(options), as_json)
        .wait(query_from(f, false), timeout);
  }
  throw UsageError("unknown command: " + command + (sub.empty() ? "" : " " + sub));
}

int fail(bool as_json, int code, const std::string& type, const std::string& message,
         const json& extra = json::object()) {
  std::cerr << "cinetpay: " << message << "\n";
  if (as_json) {
    json doc{{"error", {{"type", type}, {"message", message}}}};
    doc["error"].update(extra);
    std::cout << doc.dump(2) << "\n";
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool as_json = false;
  for (const auto& a : args) as_json = as_json || a == "--json";
  try {
    return run(args);
  } catch (const UsageError& e) {
    std::cerr << kUsageText;
    return fail(as_json, kUsage, "usage", e.what());
  } catch (const cinetpay::ValidationError& e) {
    return fail(as_json, kUsage, "validation", e.what(), {{"field", e.field()}});
  } catch (const cinetpay::ApiError& e) {
    return fail(
        as_json, kRefused, "api", e.what(),
        {{"code", e.code()}, {"api_message", e.api_message()}, {"description", e.description()}});
  } catch (const cinetpay::TransportError& e) {
    return fail(as_json, kTransport, "transport", e.what());
  } catch (const cinetpay::ProtocolError& e) {
    return fail(as_json, kTransport, "protocol", e.what());
  } catch (const std::exception& e) {
    return fail(as_json, kTransport, "internal", e.what());
  }
}
