#include "pq.hpp"

#include <charconv>
#include <string_view>
#include <utility>
#include <vector>

CINETPAY_BEGIN_NAMESPACE
namespace detail {
namespace pq {
namespace {

// libpq's messages end with a newline, and some run over several lines ("…failed:
// Connection refused\n\tIs the server running…"): one line reads better in a log and in
// an exception's text.
std::string trimmed(const char* message) {
  std::string text;
  for (const char* c = message ? message : ""; *c != '\0'; ++c) {
    if (*c != '\n') {
      text += *c;
      continue;
    }
    while (c[1] == ' ' || c[1] == '\t') ++c;
    text += ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string or_default(const char* value) { return value && *value ? value : "(default)"; }

std::string describe(const PGconn* conn) {
  return "PostgreSQL database " + or_default(PQdb(conn)) + " as " + or_default(PQuser(conn)) +
         " on " + or_default(PQhost(conn)) + " port " + or_default(PQport(conn));
}

// %XX decoded; a sequence that is not one is kept as written.
std::string percent_decoded(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr ==
            text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The password a URI's user info holds as a person reads it: everything between the first
// ':' and the last '@' before the query. libpq ends the user info at the first '@' or '/'
// instead, so that a password holding either is read as part of the host, port or database.
std::string written_uri_password(const std::string& conninfo) {
  const auto start = conninfo.find("://");
  if (start == std::string::npos) return "";
  const std::string rest = conninfo.substr(start + 3, conninfo.find('?', start) - start - 3);
  const auto at = rest.rfind('@');
  if (at == std::string::npos) return "";
  const auto colon = rest.find(':');
  return colon < at ? rest.substr(colon + 1, at - colon - 1) : "";
}

// Every value written after `password=`, in keyword/value strings and URI queries alike:
// up to a blank or '&', or the whole of a quoted value, closed or not.
std::vector<std::string> written_password_values(const std::string& conninfo) {
  std::vector<std::string> values;
  for (auto at = conninfo.find("password"); at != std::string::npos;
       at = conninfo.find("password", at + 1)) {
    auto i = conninfo.find_first_not_of(' ', at + 8);
    if (i == std::string::npos || conninfo[i] != '=') continue;
    i = conninfo.find_first_not_of(' ', i + 1);
    if (i == std::string::npos) continue;
    const bool quoted = conninfo[i] == '\'';
    const auto end = quoted ? conninfo.find('\'', i + 1) : conninfo.find_first_of(" \t\n&", i);
    values.push_back(conninfo.substr(i + (quoted ? 1 : 0), end == std::string::npos
                                                               ? std::string::npos
                                                               : end - i - (quoted ? 1 : 0)));
  }
  return values;
}

// What of `conninfo` may be its password, as written and percent-decoded: the URI's user
// info as a person reads it, and every `password=` value.
std::vector<std::string> password_texts(const std::string& conninfo) {
  std::vector<std::string> texts = written_password_values(conninfo);
  texts.push_back(written_uri_password(conninfo));
  const std::size_t written = texts.size();
  for (std::size_t i = 0; i < written; ++i) texts.push_back(percent_decoded(texts[i]));
  return texts;
}

// `text` with every piece of `secrets` replaced by ***.
std::string scrubbed(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

// libpq's parse errors quote what they could not read: a password, or the whole URL. Only
// a lone separator it names ("]", "=") is kept.
std::string without_quotes(const std::string& message) {
  std::string out;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] != '"') {
      out += message[i];
      continue;
    }
    const auto close = message.find('"', i + 1);
    const std::string inner =
        message.substr(i + 1, close == std::string::npos ? std::string::npos : close - i - 1);
    out += inner.size() == 1 && std::string_view("]=:/@").find(inner[0]) != std::string_view::npos
               ? '"' + inner + '"'
               : std::string("\"…\"");
    if (close == std::string::npos) break;
    i = close;
  }
  return out;
}

}  // namespace

Error::Error(const std::string& what, std::string sqlstate, bool connection_lost)
    : cinetpay::Error(what), sqlstate_(std::move(sqlstate)), connection_lost_(connection_lost) {}

std::string_view Result::command() const noexcept { return PQcmdStatus(result_.get()); }

int Result::rows() const noexcept { return PQntuples(result_.get()); }

int Result::columns() const noexcept { return PQnfields(result_.get()); }

std::int64_t Result::affected() const {
  std::string_view count = PQcmdTuples(result_.get());
  std::int64_t n = 0;
  std::from_chars(count.data(), count.data() + count.size(), n);
  return n;
}

int Result::column(const char* name) const {
  int index = PQfnumber(result_.get(), name);
  if (index < 0) throw Error(std::string("no column ") + name + " in the result", "", false);
  return index;
}

bool Result::is_null(int row, int column) const noexcept {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view Result::text(int row, int column) const noexcept {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::optional<std::string> Result::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return std::string(text(row, column));
}

std::int64_t Result::integer(int row, int column) const {
  std::optional<std::int64_t> value = optional_integer(row, column);
  if (!value) {
    throw Error(std::string("column ") + PQfname(result_.get(), column) + " is NULL", "", false);
  }
  return *value;
}

std::optional<std::int64_t> Result::optional_integer(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  std::string_view value = text(row, column);
  std::int64_t n = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (error != std::errc() || end != value.data() + value.size()) {
    throw Error(std::string("column ") + PQfname(result_.get(), column) + " is not an integer", "",
                false);
  }
  return n;
}

bool Result::boolean(int row, int column) const {
  if (is_null(row, column)) {
    throw Error(std::string("column ") + PQfname(result_.get(), column) + " is NULL", "", false);
  }
  return text(row, column) == "t";
}

Connection Connection::open(const std::string& conninfo) {
  std::vector<std::string> secrets = password_texts(conninfo);
  // Parsed first, so that libpq's own reading of the password is known before any of its
  // messages, and a string it cannot read never reaches PQconnectdb (whose message would
  // quote it).
  char* parse_error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &parse_error), &PQconninfoFree);
  if (!options) {
    const std::string why = parse_error ? trimmed(parse_error) : "out of memory";
    PQfreemem(parse_error);
    throw Error("cannot connect to PostgreSQL: the connection string cannot be read: " +
                    scrubbed(without_quotes(why), secrets),
                "", true);
  }
  std::string password;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) password = o->val;
  }
  secrets.push_back(password);
  if (const std::string written = written_uri_password(conninfo);
      !written.empty() && percent_decoded(written) != password) {
    throw Error(
        "cannot connect to PostgreSQL: the URL's password holds a character that ends it for "
        "libpq ('@' or '/'): percent-encode it ('@' as %40, '/' as %2F)",
        "", true);
  }
  Connection connection(PQconnectdb(conninfo.c_str()));
  if (!connection.conn_) throw Error("cannot connect to PostgreSQL: out of memory", "", true);
  if (PQstatus(connection.conn_.get()) != CONNECTION_OK) {
    throw Error(scrubbed("cannot connect to " + connection.describe() + ": " +
                             trimmed(PQerrorMessage(connection.conn_.get())),
                         secrets),
                "", true);
  }
  // Notices ("relation already exists, skipping") are for people at a prompt; libpq would
  // print them on stderr.
  PQsetNoticeProcessor(
      connection.conn_.get(), [](void*, const char*) {}, nullptr);
  return connection;
}

Result Connection::exec(const std::string& sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  return checked(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0));
}

void Connection::exec_script(const std::string& sql) { checked(PQexec(conn_.get(), sql.c_str())); }

Result Connection::checked(PGresult* raw) {
  Result result(raw);
  ExecStatusType status = PQresultStatus(raw);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const char* sqlstate = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  std::string message =
      raw ? trimmed(PQresultErrorMessage(raw)) : trimmed(PQerrorMessage(conn_.get()));
  throw Error(message + " (on " + describe() + ")", sqlstate ? sqlstate : "", !ok());
}

std::string Connection::describe() const { return pq::describe(conn_.get()); }

bool Connection::ok() const noexcept { return PQstatus(conn_.get()) == CONNECTION_OK; }

Transaction::Transaction(Connection& connection, const std::string& begin)
    : connection_(connection) {
  connection_.exec(begin);
}

Transaction::~Transaction() {
  if (!open_ || !connection_.ok()) return;
  try {
    connection_.exec("ROLLBACK");
  } catch (const Error&) {
    // The server drops an unfinished transaction with the connection anyway.
  }
}

void Transaction::commit() {
  open_ = false;
  // COMMIT of a transaction that already failed answers ROLLBACK, without an error.
  if (connection_.exec("COMMIT").command() != "COMMIT") {
    throw Error("the transaction failed earlier and was rolled back", "25P02", false);
  }
}

}  // namespace pq
}  // namespace detail
CINETPAY_END_NAMESPACE
