// The ledger's schema, written once for both stores: its migrations (each in SQLite's and
// PostgreSQL's SQL, side by side), the payout columns every statement reads and writes,
// and how a row maps to a PayoutRow. A new column is one line of kPayoutColumns and one
// migration; the stores only bind values and read cells. Internal: not installed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "store.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail::schema {

enum class Dialect { sqlite, postgresql };

/// Migration N brings a ledger from schema version N to N + 1; never edit one that shipped.
struct Migration {
  const char* sqlite;
  const char* postgresql;
};
/// Every migration, oldest first; its size is the schema version of this library.
const std::vector<Migration>& migrations();
/// The SQL of `m` in `dialect`, its dialect's words ($int64, $serial, $position) written.
std::string migration_sql(const Migration& m, Dialect dialect);

/// A value as stores keep it: numbers (times in milliseconds since the epoch, counts,
/// codes) or text (ids, states' words, JSON).
using Value = std::variant<std::int64_t, std::string>;

/// One column of the payouts table.
struct Column {
  const char* name;
  bool is_text;
  /// True when transitions change it (an UPDATE of a payout's progress writes it); the
  /// others are written once, when the payout is submitted.
  bool progress;
  Value (*get)(const PayoutRow& row);
  void (*set)(PayoutRow& row, Value value);
};

/// The payouts table's columns, in the order every SELECT lists and every INSERT writes.
const std::vector<Column>& payout_columns();
/// "client_transaction_id, prefix, …": the names of payout_columns(), for a SELECT or an
/// INSERT.
const std::string& payout_column_list();

/// The payout row whose cells `cell(i, is_text)` gives (a Value), i counted from the first
/// payout column.
template <typename Cell>
PayoutRow read_payout(const Cell& cell) {
  PayoutRow row;
  const auto& columns = payout_columns();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    columns[i].set(row, cell(static_cast<int>(i), columns[i].is_text));
  }
  return row;
}

/// A WHERE clause being built, and the values its placeholders take, in order: written in
/// one dialect's placeholders (?N for SQLite, $N for PostgreSQL), so that both stores read
/// the same conditions of one PayoutQuery.
class Where {
 public:
  explicit Where(Dialect dialect) : dialect_(dialect) {}
  /// The placeholder of `value`, appended to values().
  std::string add(Value value);
  /// Appends a condition: every one must hold.
  void require(std::string condition) { conditions_.push_back(std::move(condition)); }
  /// " WHERE a AND b…", or "" without any condition.
  [[nodiscard]] std::string sql() const;
  [[nodiscard]] const std::vector<Value>& values() const { return values_; }
  [[nodiscard]] Dialect dialect() const { return dialect_; }

 private:
  Dialect dialect_;
  std::vector<std::string> conditions_;
  std::vector<Value> values_;
};

/// LedgerStore::activity's SELECT, its values added to `values` (a Where whose conditions
/// it leaves alone): hour (ms / 3,600,000), state, count, amount of the changes of the feed
/// in [from_ms, until_ms), oldest hour first.
std::string activity_select(Where& values, std::int64_t from_ms, std::int64_t until_ms);
/// LedgerStore::workers's SELECT, likewise: worker_id, started_at, last_seen, stats, and
/// the claims each holds (sending or unknown, under a lease not ended at now_ms), of the
/// workers seen at or after since_ms, most recently seen first.
std::string workers_select(Where& values, std::int64_t since_ms, std::int64_t now_ms);

/// The conditions of `query`'s filters on the payouts table (its limit and after are left
/// to the caller: a summary has neither). Every value is bound, never spliced into the SQL.
Where payout_filter(const PayoutQuery& query, Dialect dialect);

/// The settings row that holds the sending switch (PayoutLedger::pause): its name, and the
/// value that means paused. Every send claim reads it in its own statement.
constexpr const char* kSendingSetting = "sending";
constexpr const char* kPaused = "paused";
constexpr const char* kRunning = "running";
/// "NOT EXISTS (…)": true while sending is not paused; SQL both stores put in a send claim.
const std::string& sending_allowed();

/// One of a payout's last events, as plan_event() compares them.
struct Recent {
  std::int64_t seq;
  std::int64_t repeats;
  std::string key;  ///< event_key() of the row
};

/// What identifies an event for counting repeats: all but its times and lease.
std::string event_key(const std::string& from_state, const std::string& to_state,
                      const std::string& worker_id, const std::string& reason,
                      std::int64_t api_code, const std::string& treatment_status);

/// How a new event is written, given its payout's last events.
struct EventPlan {
  std::vector<std::pair<std::int64_t, std::int64_t>> count;  ///< (seq, repeats to add)
  std::optional<std::int64_t> remove;                        ///< a row folded into another
  bool insert = true;                                        ///< a new row
};

/// The rule that keeps a history bounded through any outage while it still reads as a
/// chain (each event leaving the state the one before it reached): an event equal to the
/// last one is counted there; an event that closes a repeated pair — the last three are
/// X Y X and it is Y, as a claim and its release repeat while CinetPay is out of reach — is
/// counted on the first X Y, whose X takes over the last X's count. `recent` is newest
/// first, at most three. PostgreSQL's store applies the same rule in SQL (logging() in
/// postgres_store.cpp); the store suite checks both on the same histories.
EventPlan plan_event(const std::vector<Recent>& recent, const std::string& key);

}  // namespace detail::schema
CINETPAY_END_NAMESPACE
