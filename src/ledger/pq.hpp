// A small RAII wrapper over libpq's C API: a connection, its results, parameterized
// statements and transactions. Internal to the ledger: not installed.
//
// Parameters always travel apart from the SQL text (PQexecParams), so that no value is
// ever spliced into a statement. No message built here contains the connection string,
// which may carry a password.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cinetpay/errors.hpp"
#include "cinetpay/export.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {
namespace pq {

/// A failure reported by PostgreSQL or libpq. Immutable, so safe to share between threads.
class Error : public cinetpay::Error {
 public:
  Error(const std::string& what, std::string sqlstate, bool connection_lost);
  /// The SQLSTATE of a failed statement ("23505", "40001"…), empty when none was given.
  const std::string& sqlstate() const noexcept { return sqlstate_; }
  /// The connection is broken (the server stopped, the network failed): nothing more can
  /// be done on it, and the fate of a COMMIT in flight is unknown.
  bool connection_lost() const noexcept { return connection_lost_; }
  /// A serialization failure or a deadlock: the transaction was rolled back and may be
  /// run again as a whole.
  bool retryable() const noexcept { return sqlstate_ == "40001" || sqlstate_ == "40P01"; }

 private:
  std::string sqlstate_;
  bool connection_lost_;
};

/// A statement parameter in libpq's text format; no value is SQL NULL.
using Param = std::optional<std::string>;

/// Turns a C++ value into a parameter: strings as they are, integers in decimal, bools as
/// PostgreSQL spells them, and an empty optional (or std::nullopt) as NULL.
template <typename T>
Param param(const T& value) {
  if constexpr (std::is_same_v<T, std::nullopt_t>) {
    return std::nullopt;
  } else if constexpr (std::is_same_v<T, bool>) {
    return std::string(value ? "true" : "false");
  } else if constexpr (std::is_integral_v<T>) {
    return std::to_string(value);
  } else if constexpr (std::is_constructible_v<std::string, const T&>) {
    return std::string(value);
  } else {
    return value ? param(*value) : Param();
  }
}

/// The answer to one statement. Move-only; owns its PGresult. Not thread-safe to mutate,
/// but reading one Result from several threads is safe.
class Result {
 public:
  /// The command tag: "SELECT 3", "UPDATE 1", "COMMIT"…
  std::string_view command() const noexcept;
  int rows() const noexcept;
  int columns() const noexcept;
  /// The number of rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;
  /// The index of the column called `name`; throws Error when there is none.
  int column(const char* name) const;

  bool is_null(int row, int column) const noexcept;
  /// The value in text format; empty for NULL.
  std::string_view text(int row, int column) const noexcept;
  /// The value as a text, or nullopt for NULL.
  std::optional<std::string> optional_text(int row, int column) const;
  /// The value as an integer; throws Error for NULL or a value that is not one.
  std::int64_t integer(int row, int column) const;
  std::optional<std::int64_t> optional_integer(int row, int column) const;
  /// The value as a bool ("t" or "f"); throws Error for NULL.
  bool boolean(int row, int column) const;

 private:
  friend class Connection;
  explicit Result(PGresult* result) noexcept : result_(result) {}
  struct Free {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
  };
  std::unique_ptr<PGresult, Free> result_;
};

/// One connection to a PostgreSQL server. Move-only. Not thread-safe: one thread at a
/// time (libpq's own rule); give each thread its own connection.
class Connection {
 public:
  /// Connects with a libpq connection string: a URI ("postgresql://user@host:5432/db",
  /// "postgresql:///db?host=/run/postgresql") or key=value pairs. Throws Error naming the
  /// server (host, port, database, user) but never the password.
  static Connection open(const std::string& conninfo);

  /// Runs one statement with `params` bound to $1, $2…; throws Error when it fails.
  Result exec(const std::string& sql, const std::vector<Param>& params = {});

  /// Runs one statement with each argument turned into a parameter by pq::param().
  template <typename... Args>
  Result exec_with(const std::string& sql, const Args&... args) {
    return exec(sql, std::vector<Param>{param(args)...});
  }

  /// Runs several statements separated by semicolons, without parameters (a migration).
  void exec_script(const std::string& sql);

  /// The server, database and user this connection talks to, for messages.
  std::string describe() const;
  /// False once the connection is broken.
  bool ok() const noexcept;

 private:
  struct Close {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
  };
  explicit Connection(PGconn* conn) noexcept : conn_(conn) {}
  // Owns `raw`; throws Error unless it is a success.
  Result checked(PGresult* raw);
  std::unique_ptr<PGconn, Close> conn_;
};

/// A transaction on a connection: BEGIN on construction, ROLLBACK on destruction unless
/// commit() succeeded. Not thread-safe, like its connection.
class Transaction {
 public:
  /// `begin` may name an isolation level, e.g. "BEGIN ISOLATION LEVEL SERIALIZABLE".
  explicit Transaction(Connection& connection, const std::string& begin = "BEGIN");
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  /// Throws Error when the commit failed; with connection_lost() its outcome is unknown.
  void commit();

 private:
  Connection& connection_;
  bool open_ = true;
};

}  // namespace pq
}  // namespace detail
CINETPAY_END_NAMESPACE
