#include "pq.hpp"

#include <charconv>
#include <utility>

CINETPAY_BEGIN_NAMESPACE
namespace detail {
namespace pq {
namespace {

// libpq's messages end with a newline; a message reads better without it.
std::string trimmed(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string or_default(const char* value) { return value && *value ? value : "(default)"; }

std::string describe(const PGconn* conn) {
  return "PostgreSQL database " + or_default(PQdb(conn)) + " as " + or_default(PQuser(conn)) +
         " on " + or_default(PQhost(conn)) + " port " + or_default(PQport(conn));
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
  Connection connection(PQconnectdb(conninfo.c_str()));
  if (!connection.conn_) throw Error("cannot connect to PostgreSQL: out of memory", "", true);
  if (PQstatus(connection.conn_.get()) != CONNECTION_OK) {
    throw Error("cannot connect to " + connection.describe() + ": " +
                    trimmed(PQerrorMessage(connection.conn_.get())),
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
