// The SQLite store: every SQL statement of the ledger on SQLite is in this file.
// WAL and synchronous=FULL make each commit durable before it returns; BEGIN IMMEDIATE
// takes the write lock at the start of every writing transaction, so that two processes
// never claim the same payout; a busy handler makes the other one wait its turn.
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <variant>

#include "schema.hpp"
#include "store.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {
namespace {

// SQLite's own busy handler sleeps up to 100 ms between tries: a writer that takes the
// lock again at once (a submit's next chunk) would starve it. Waiters look often, and a
// submit leaves a gap longer than their sleep between two chunks.
constexpr std::chrono::milliseconds kBusyPoll{2};
constexpr std::chrono::milliseconds kGapBetweenChunks{20};

const int kSchemaVersion = static_cast<int>(schema::migrations().size());
const std::string& kPayoutColumns = schema::payout_column_list();

// A claim's filter on ids: ?3 is null (any payout) or a JSON array of ids.
constexpr const char* kOnly =
    "(?3 IS NULL OR client_transaction_id IN (SELECT value FROM json_each(?3)))";

std::string ids_json(const std::vector<std::string>& ids) {
  return nlohmann::json(ids).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw LedgerError("ledger (sqlite): " + what + ": " + sqlite3_errmsg(db));
}

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) fail(db, "prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(const std::string& text) {
    check(sqlite3_bind_text(stmt_, ++next_, text.c_str(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind(std::int64_t n) {
    check(sqlite3_bind_int64(stmt_, ++next_, n));
    return *this;
  }
  Statement& bind(TimePoint t) { return bind(to_millis(t)); }
  Statement& bind(PayoutState s) { return bind(std::string(to_string(s))); }
  Statement& bind(const schema::Value& v) {
    return std::visit([this](const auto& x) -> Statement& { return bind(x); }, v);
  }
  /// Binds `where`'s values to its placeholders, ?1 onwards.
  Statement& bind(const schema::Where& where) {
    for (const schema::Value& v : where.values()) bind(v);
    return *this;
  }
  Statement& bind_null() {
    check(sqlite3_bind_null(stmt_, ++next_));
    return *this;
  }

  /// Ready to be bound and run again.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    next_ = 0;
  }

  /// True while there is a row to read.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step");
  }
  void run() {
    while (step()) {
    }
  }

  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  TimePoint time(int col) const { return from_millis(integer(col)); }
  PayoutState state(int col) const {
    auto s = payout_state_from(text(col));
    if (!s) throw LedgerError("ledger (sqlite): unknown state '" + text(col) + "' in the database");
    return *s;
  }
  /// The payout whose columns (schema::payout_columns()) start at `first`.
  PayoutRow payout(int first = 0) const {
    return schema::read_payout([&](int i, bool is_text) -> schema::Value {
      if (is_text) return text(first + i);
      return integer(first + i);
    });
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) fail(db_, "bind");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int next_ = 0;
};

[[noreturn]] void no_ledger(const std::string& path) {
  throw LedgerError("ledger (sqlite): there is no ledger at " + path + ": this open creates none");
}

int open_flags(LedgerAccess access) {
  switch (access) {
    case LedgerAccess::create:
      return SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    case LedgerAccess::existing:
      return SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    case LedgerAccess::read_only:
      break;
  }
  return SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
}

class Connection {
 public:
  Connection(const std::string& path, LedgerAccess access, std::chrono::milliseconds lock_wait)
      : lock_wait_(lock_wait) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, open_flags(access), nullptr);
    if (rc != SQLITE_OK) {
      std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      std::error_code unknown;
      if (rc == SQLITE_CANTOPEN && access != LedgerAccess::create &&
          !std::filesystem::exists(path, unknown) && !unknown) {
        no_ledger(path);
      }
      throw LedgerError("ledger (sqlite): cannot open " + path + ": " + why);
    }
    sqlite3_busy_handler(db_, &Connection::on_busy, this);
  }
  ~Connection() { sqlite3_close(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const std::string& sql) { (void)run(sql, false); }
  /// False, instead of an error, when another connection holds the lock it needs.
  bool exec_unless_busy(const std::string& sql) { return run(sql, true); }
  Statement prepare(const std::string& sql) { return {db_, sql}; }
  int changes() const { return sqlite3_changes(db_); }
  [[nodiscard]] int extended_code() const { return sqlite3_extended_errcode(db_); }
  [[nodiscard]] std::chrono::milliseconds lock_wait() const { return lock_wait_; }

 private:
  // Called by SQLite, on the thread of the operation that found the lock taken (`tries`
  // is 0 at the first call of each wait); zero gives up with SQLITE_BUSY.
  static int on_busy(void* self, int tries) {
    auto* c = static_cast<Connection*>(self);
    const auto now = std::chrono::steady_clock::now();
    if (tries == 0) c->waiting_since_ = now;
    if (now - c->waiting_since_ >= c->lock_wait_) return 0;
    std::this_thread::sleep_for(kBusyPoll);
    return 1;
  }

  bool run(const std::string& sql, bool busy_is_an_answer) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    if (rc == SQLITE_OK) return true;
    std::string why = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    if (busy_is_an_answer && rc == SQLITE_BUSY) return false;
    throw LedgerError("ledger (sqlite): " + why);
  }

  sqlite3* db_ = nullptr;
  std::chrono::milliseconds lock_wait_;
  std::chrono::steady_clock::time_point waiting_since_;
};

// BEGIN IMMEDIATE … COMMIT, rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) {
      try {
        db_.exec("ROLLBACK");
      } catch (const LedgerError&) {  // the connection rolls back when it closes anyway
      }
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    db_.exec("COMMIT");
    done_ = true;
  }

 private:
  Connection& db_;
  bool done_ = false;
};

// "state = ?, transaction_id = ?, …": the columns a transition writes.
const std::string& progress_assignments() {
  static const std::string kSet = [] {
    std::string set;
    for (const schema::Column& c : schema::payout_columns()) {
      if (c.progress) set += (set.empty() ? "" : ", ") + std::string(c.name) + " = ?";
    }
    return set;
  }();
  return kSet;
}

std::vector<PayoutRow> read_rows(Statement& s) {
  std::vector<PayoutRow> rows;
  while (s.step()) rows.push_back(s.payout());
  return rows;
}

class SqliteStore final : public LedgerStore {
 public:
  // Writes only what is needed: a ledger that is up to date is opened without a lock, so
  // that a report runs beside a long submit, and on a file it may not write.
  SqliteStore(const std::string& path, LedgerAccess access, std::chrono::milliseconds lock_wait)
      : db_(path, access, lock_wait) {
    std::optional<int> version;
    try {
      db_.exec("PRAGMA synchronous=FULL");
      version = schema_version();
    } catch (const LedgerError& e) {
      if (db_.extended_code() != SQLITE_READONLY_DIRECTORY) throw;
      throw LedgerError(std::string(e.what()) +
                        ": SQLite reads a WAL ledger only where it can create the -shm file "
                        "beside it (or while a writer has it open): the directory must be "
                        "writable by this user");
    }
    if (!version && access != LedgerAccess::create) no_ledger(path);
    check_not_newer(version.value_or(0));
    if (access == LedgerAccess::read_only) {
      if (*version < kSchemaVersion) {
        throw LedgerError("ledger (sqlite): the ledger at " + path + " has schema version " +
                          std::to_string(*version) + ", older than this library's " +
                          std::to_string(kSchemaVersion) +
                          ": a read-only open does not migrate it; open it once for writing");
      }
      return;
    }
    switch_to_wal();
    if (version != kSchemaVersion) migrate();
  }

  InsertResult insert(const std::vector<PayoutRow>& rows, const PayoutEvent& submitted) override {
    std::lock_guard<std::mutex> lock(mu_);
    const auto gap_ends = last_insert_ + kGapBetweenChunks;
    if (std::chrono::steady_clock::now() < gap_ends) std::this_thread::sleep_until(gap_ends);
    Transaction tx(db_);
    InsertResult result;
    auto position = db_.prepare("SELECT COALESCE(MAX(position), 0) FROM payouts");
    position.step();
    std::int64_t next_position = position.integer(0);
    auto found = db_.prepare(std::string("SELECT ") + kPayoutColumns +
                             " FROM payouts WHERE client_transaction_id = ?");
    std::string marks;
    for (std::size_t k = 0; k <= schema::payout_columns().size(); ++k) marks += k == 0 ? "?" : ",?";
    Statement insert = db_.prepare("INSERT INTO payouts (" + kPayoutColumns +
                                   ", position) VALUES (" + marks + ")");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const TransferRequest& t = rows[i].payout.request;
      found.reset();
      found.bind(t.client_transaction_id);
      if (found.step()) {
        if (!same_submission(found.payout().payout, rows[i].payout)) {
          result.conflict = i;
          return result;
        }
        result.already.push_back(true);
        continue;
      }
      insert.reset();
      for (const schema::Column& c : schema::payout_columns()) insert.bind(c.get(rows[i]));
      insert.bind(++next_position).run();
      add_event(t.client_transaction_id, submitted);
      result.already.push_back(false);
    }
    tx.commit();
    last_insert_ = std::chrono::steady_clock::now();
    return result;
  }

  std::map<std::string, Payout> recorded(const std::vector<std::string>& ids) override {
    std::lock_guard<std::mutex> lock(mu_);
    // One read transaction: one snapshot, and no write lock.
    db_.exec("BEGIN DEFERRED");
    std::map<std::string, Payout> out;
    try {
      auto found = db_.prepare(std::string("SELECT ") + kPayoutColumns +
                               " FROM payouts WHERE client_transaction_id = ?");
      for (const std::string& id : ids) {
        found.reset();
        found.bind(id);
        if (found.step()) out.emplace(id, found.payout().payout);
      }
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
    db_.exec("COMMIT");
    return out;
  }

  std::optional<PayoutRow> find(const std::string& client_transaction_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto s = db_.prepare(std::string("SELECT ") + kPayoutColumns +
                         " FROM payouts WHERE client_transaction_id = ?");
    s.bind(client_transaction_id);
    if (!s.step()) return std::nullopt;
    return s.payout();
  }

  std::vector<PayoutEvent> history(const std::string& client_transaction_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto s = db_.prepare(
        "SELECT at, from_state, to_state, worker_id, lease_until, reason, api_code, "
        "treatment_status, repeats, last_at FROM history WHERE client_transaction_id = ? "
        "ORDER BY seq");
    s.bind(client_transaction_id);
    std::vector<PayoutEvent> events;
    while (s.step()) {
      PayoutEvent e;
      e.at = s.time(0);
      if (!s.is_null(1)) e.from = s.state(1);
      e.to = s.state(2);
      e.worker_id = s.text(3);
      e.lease_until = s.time(4);
      e.reason = s.text(5);
      e.api_code = static_cast<int>(s.integer(6));
      e.treatment_status = s.text(7);
      e.repeats = static_cast<int>(s.integer(8));
      e.last_at = e.repeats > 1 ? s.time(9) : e.at;
      events.push_back(std::move(e));
    }
    return events;
  }

  std::vector<PayoutRow> list(std::optional<PayoutState> state, std::size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto s = db_.prepare(std::string("SELECT ") + kPayoutColumns + " FROM payouts" +
                         (state ? " WHERE state = ?" : "") + " ORDER BY position LIMIT ?");
    if (state) s.bind(*state);
    s.bind(static_cast<std::int64_t>(limit));
    return read_rows(s);
  }

  std::map<PayoutState, LedgerSummary::Total> totals(const std::vector<std::string>& only,
                                                     const PayoutQuery& filters) override {
    std::lock_guard<std::mutex> lock(mu_);
    schema::Where where = schema::payout_filter(filters, schema::Dialect::sqlite);
    if (!only.empty()) {
      where.require("client_transaction_id IN (SELECT value FROM json_each(" +
                    where.add(ids_json(only)) + "))");
    }
    auto s = db_.prepare("SELECT state, COUNT(*), COALESCE(SUM(amount), 0) FROM payouts" +
                         where.sql() + " GROUP BY state");
    s.bind(where);
    std::map<PayoutState, LedgerSummary::Total> out;
    while (s.step()) {
      out[s.state(0)] = {static_cast<std::size_t>(s.integer(1)), s.integer(2)};
    }
    return out;
  }

  std::vector<PositionedRow> search(const PayoutQuery& query) override {
    std::lock_guard<std::mutex> lock(mu_);
    schema::Where where = schema::payout_filter(query, schema::Dialect::sqlite);
    if (query.after) where.require("position < " + where.add(*query.after));
    const std::string limit = where.add(static_cast<std::int64_t>(query.limit));
    auto s = db_.prepare(std::string("SELECT position, ") + kPayoutColumns + " FROM payouts" +
                         where.sql() + " ORDER BY position DESC LIMIT " + limit);
    s.bind(where);
    std::vector<PositionedRow> out;
    while (s.step()) out.push_back({s.integer(0), s.payout(1)});
    return out;
  }

  std::vector<HourTotal> activity(TimePoint from, TimePoint until) override {
    std::lock_guard<std::mutex> lock(mu_);
    schema::Where values(schema::Dialect::sqlite);
    auto s = db_.prepare(schema::activity_select(values, to_millis(from), to_millis(until)));
    s.bind(values);
    std::vector<HourTotal> out;
    while (s.step()) {
      out.push_back(
          {s.integer(0), s.state(1), {static_cast<std::size_t>(s.integer(2)), s.integer(3)}});
    }
    return out;
  }

  std::vector<PayoutChange> changes_after(std::int64_t cursor, std::size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto s = db_.prepare(
        "SELECT c.cursor, c.client_transaction_id, c.state, p.transaction_id, p.amount, "
        "p.api_code, c.at, c.reason, p.metadata FROM changes c JOIN payouts p "
        "USING (client_transaction_id) "
        "WHERE c.cursor > ? ORDER BY c.cursor LIMIT ?");
    s.bind(cursor).bind(static_cast<std::int64_t>(limit));
    std::vector<PayoutChange> out;
    while (s.step()) {
      out.push_back({s.integer(0), s.text(1), s.state(2), s.text(3), s.integer(4),
                     static_cast<int>(s.integer(5)), s.time(6), s.text(7), s.text(8)});
    }
    return out;
  }

  std::int64_t consumer_cursor(const std::string& consumer) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto s = db_.prepare("SELECT cursor FROM consumers WHERE name = ?");
    s.bind(consumer);
    return s.step() ? s.integer(0) : 0;
  }

  bool acknowledge(const std::string& consumer, std::int64_t cursor, TimePoint now) override {
    std::lock_guard<std::mutex> lock(mu_);
    Transaction tx(db_);
    auto last = db_.prepare("SELECT COALESCE(MAX(cursor), 0) FROM changes");
    last.step();
    if (cursor > last.integer(0)) return false;
    db_.prepare(
           "INSERT INTO consumers (name, cursor, updated_at) VALUES (?1, ?2, ?3) "
           "ON CONFLICT (name) DO UPDATE SET cursor = MAX(cursor, ?2), updated_at = ?3")
        .bind(consumer)
        .bind(cursor)
        .bind(now)
        .run();
    tx.commit();
    return true;
  }

  std::vector<PayoutRow> claim(const Claim& c) override {
    std::lock_guard<std::mutex> lock(mu_);
    Transaction tx(db_);
    auto s =
        c.kind == Claim::Kind::send
            ? db_.prepare(std::string("SELECT ") + kPayoutColumns +
                          " FROM payouts WHERE state = 'pending' AND " + schema::sending_allowed() +
                          " AND " + kOnly + " ORDER BY position LIMIT ?2")
            : db_.prepare(std::string("SELECT ") + kPayoutColumns +
                          " FROM payouts WHERE ((state = 'sending' AND lease_until < ?1) OR "
                          "(state = 'unknown' AND lease_until < ?1 AND next_check_at <= ?1)) "
                          "AND " +
                          kOnly + " ORDER BY position LIMIT ?2");
    s.bind(c.now).bind(static_cast<std::int64_t>(c.limit));
    if (c.only.empty()) {
      s.bind_null();
    } else {
      s.bind(ids_json(c.only));
    }
    std::vector<PayoutRow> rows = read_rows(s);
    const PayoutState to =
        c.kind == Claim::Kind::send ? PayoutState::sending : PayoutState::unknown;
    for (PayoutRow& r : rows) {
      PayoutEvent e;
      e.at = c.now;
      e.from = r.payout.state;
      e.to = to;
      e.worker_id = c.worker_id;
      e.lease_until = c.lease_until;
      e.reason = c.reason;
      e.treatment_status = r.payout.treatment_status;
      r.payout.state = to;
      r.payout.worker_id = c.worker_id;
      r.payout.lease_until = c.lease_until;
      r.payout.updated_at = c.now;
      if (c.kind == Claim::Kind::send) {
        ++r.payout.sends;
        r.last_sent_at = c.now;
      }
      db_.prepare(
             "UPDATE payouts SET state = ?, worker_id = ?, lease_until = ?, sends = ?, "
             "last_sent_at = ?, updated_at = ? WHERE client_transaction_id = ?")
          .bind(to)
          .bind(c.worker_id)
          .bind(c.lease_until)
          .bind(std::int64_t{r.payout.sends})
          .bind(r.last_sent_at)
          .bind(c.now)
          .bind(r.payout.request.client_transaction_id)
          .run();
      add_event(r.payout.request.client_transaction_id, e);
    }
    tx.commit();
    return rows;
  }

  std::vector<PayoutRow> due_accepted(TimePoint now, std::size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto s = db_.prepare(std::string("SELECT ") + kPayoutColumns +
                         " FROM payouts WHERE state = 'accepted' AND next_check_at <= ? "
                         "ORDER BY next_check_at, position LIMIT ?");
    s.bind(now).bind(static_cast<std::int64_t>(limit));
    return read_rows(s);
  }

  std::vector<bool> apply(const std::vector<Transition>& transitions) override {
    std::lock_guard<std::mutex> lock(mu_);
    Transaction tx(db_);
    std::vector<bool> applied;
    applied.reserve(transitions.size());
    // Read under the write lock this transaction holds: no pause can commit in between.
    std::optional<bool> paused;
    for (const Transition& t : transitions) {
      if (t.unless_paused) {
        if (!paused) paused = read_sending_switch().paused;
        if (*paused) {
          applied.push_back(false);
          continue;
        }
      }
      const Payout& p = t.next.payout;
      const std::string& id = p.request.client_transaction_id;
      Statement update = db_.prepare("UPDATE payouts SET " + progress_assignments() +
                                     " WHERE client_transaction_id = ? AND state = ? AND "
                                     "worker_id = ? AND treatment_status = ?");
      for (const schema::Column& c : schema::payout_columns()) {
        if (c.progress) update.bind(c.get(t.next));
      }
      update.bind(id)
          .bind(t.expected_state)
          .bind(t.expected_worker)
          .bind(t.expected_treatment_status)
          .run();
      bool done = db_.changes() == 1;
      applied.push_back(done);
      if (!done) continue;
      if (t.event) add_event(id, *t.event);
      if (is_final(p.state) && !is_final(t.expected_state)) {
        db_.prepare(
               "INSERT INTO changes (client_transaction_id, state, at, reason) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(p.state)
            .bind(p.updated_at)
            .bind(p.detail)
            .run();
      }
    }
    tx.commit();
    return applied;
  }

  std::set<std::pair<std::string, std::string>> registered(
      const std::vector<Contact>& contacts) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto s = db_.prepare("SELECT 1 FROM contacts WHERE prefix = ? AND phone = ?");
    std::set<std::pair<std::string, std::string>> out;
    for (const Contact& c : contacts) {
      s.reset();
      s.bind(c.prefix).bind(c.phone);
      if (s.step()) out.emplace(c.prefix, c.phone);
    }
    return out;
  }

  void remember(const std::vector<Contact>& contacts, TimePoint at) override {
    std::lock_guard<std::mutex> lock(mu_);
    Transaction tx(db_);
    auto s = db_.prepare(
        "INSERT INTO contacts (prefix, phone, registered_at) VALUES (?, ?, ?) "
        "ON CONFLICT (prefix, phone) DO NOTHING");
    for (const Contact& c : contacts) {
      s.reset();
      s.bind(c.prefix).bind(c.phone).bind(at).run();
    }
    tx.commit();
  }

  PauseStatus sending_switch() override {
    std::lock_guard<std::mutex> lock(mu_);
    return read_sending_switch();
  }

  void set_sending_switch(const PauseStatus& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    Transaction tx(db_);
    db_.prepare(
           "INSERT INTO settings (name, value, reason, set_by, at) VALUES (?1, ?2, ?3, ?4, ?5) "
           "ON CONFLICT (name) DO UPDATE SET value = ?2, reason = ?3, set_by = ?4, at = ?5")
        .bind(std::string(schema::kSendingSetting))
        .bind(std::string(status.paused ? schema::kPaused : schema::kRunning))
        .bind(status.reason)
        .bind(status.by)
        .bind(status.at)
        .run();
    tx.commit();
  }

  void heartbeat(const std::string& worker_id, TimePoint at, const std::string& stats) override {
    std::lock_guard<std::mutex> lock(mu_);
    db_.prepare(
           "INSERT INTO workers (worker_id, started_at, last_seen, stats) VALUES (?1, ?2, ?2, ?3) "
           "ON CONFLICT (worker_id) DO UPDATE SET last_seen = ?2, stats = ?3")
        .bind(worker_id)
        .bind(at)
        .bind(stats)
        .run();
  }

  std::vector<WorkerStatus> workers(TimePoint since, TimePoint now) override {
    std::lock_guard<std::mutex> lock(mu_);
    schema::Where values(schema::Dialect::sqlite);
    auto s = db_.prepare(schema::workers_select(values, to_millis(since), to_millis(now)));
    s.bind(values);
    std::vector<WorkerStatus> out;
    while (s.step()) {
      out.push_back(
          {s.text(0), s.time(1), s.time(2), static_cast<std::size_t>(s.integer(4)), s.text(3)});
    }
    return out;
  }

  std::size_t renew(const std::string& worker_id, TimePoint lease_until) override {
    std::lock_guard<std::mutex> lock(mu_);
    Transaction tx(db_);
    db_.prepare(
           "UPDATE payouts SET lease_until = ? WHERE worker_id = ? AND "
           "state IN ('sending', 'unknown') AND lease_until < ?")
        .bind(lease_until)
        .bind(worker_id)
        .bind(lease_until)
        .run();
    auto n = static_cast<std::size_t>(db_.changes());
    tx.commit();
    return n;
  }

 private:
  // SQLite answers the switch to WAL with "database is locked" at once, without its busy
  // handler, while another connection writes the file in rollback mode: another worker
  // switching the same new file. Wait for it as the busy timeout would.
  void switch_to_wal() {
    const auto until = std::chrono::steady_clock::now() + db_.lock_wait();
    while (!db_.exec_unless_busy("PRAGMA journal_mode=WAL")) {
      if (std::chrono::steady_clock::now() >= until) {
        throw LedgerError("ledger (sqlite): database is locked");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // The schema's version, or nullopt when the database holds no ledger; read without a
  // transaction of its own, so without a lock beyond the read's.
  std::optional<int> schema_version() {
    auto table =
        db_.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
    if (!table.step()) return std::nullopt;
    auto s = db_.prepare("SELECT version FROM schema_version");
    return s.step() ? static_cast<int>(s.integer(0)) : 0;
  }

  static void check_not_newer(int version) {
    if (version > kSchemaVersion) {
      throw LedgerError("ledger (sqlite): the database has schema version " +
                        std::to_string(version) + ", newer than this library's " +
                        std::to_string(kSchemaVersion));
    }
  }

  // Under the write lock, from the version found there: another process may have migrated
  // since schema_version() was read.
  void migrate() {
    std::lock_guard<std::mutex> lock(mu_);
    Transaction tx(db_);
    db_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    // Read and let go: SQLite drops no table (a migration may) under a pending statement.
    int version = -1;
    {
      auto s = db_.prepare("SELECT version FROM schema_version");
      if (s.step()) version = static_cast<int>(s.integer(0));
    }
    if (version < 0) {
      db_.exec("INSERT INTO schema_version (version) VALUES (0)");
      version = 0;
    }
    check_not_newer(version);
    for (int v = version; v < kSchemaVersion; ++v) {
      db_.exec(schema::migration_sql(schema::migrations()[static_cast<std::size_t>(v)],
                                     schema::Dialect::sqlite));
    }
    db_.prepare("UPDATE schema_version SET version = ?")
        .bind(static_cast<std::int64_t>(kSchemaVersion))
        .run();
    tx.commit();
  }

  PauseStatus read_sending_switch() {
    auto s = db_.prepare("SELECT value, reason, set_by, at FROM settings WHERE name = ?");
    s.bind(std::string(schema::kSendingSetting));
    PauseStatus status;
    if (!s.step()) return status;
    status.paused = s.text(0) == schema::kPaused;
    status.reason = s.text(1);
    status.by = s.text(2);
    status.at = s.time(3);
    return status;
  }

  // Written as schema::plan_event says: a repeat is counted on the row it repeats.
  void add_event(const std::string& id, const PayoutEvent& e) {
    auto recent = db_.prepare(
        "SELECT seq, repeats, from_state, to_state, worker_id, reason, api_code, "
        "treatment_status FROM history WHERE client_transaction_id = ? ORDER BY seq DESC LIMIT 3");
    recent.bind(id);
    std::vector<schema::Recent> last;
    while (recent.step()) {
      last.push_back(
          {recent.integer(0), recent.integer(1),
           schema::event_key(recent.is_null(2) ? "" : recent.text(2), recent.text(3),
                             recent.text(4), recent.text(5), recent.integer(6), recent.text(7))});
    }
    const schema::EventPlan plan =
        schema::plan_event(last, schema::event_key(e.from ? std::string(to_string(*e.from)) : "",
                                                   std::string(to_string(e.to)), e.worker_id,
                                                   e.reason, e.api_code, e.treatment_status));
    for (const auto& [seq, by] : plan.count) {
      db_.prepare(
             "UPDATE history SET repeats = repeats + ?, last_at = ?, lease_until = ? WHERE seq = ?")
          .bind(by)
          .bind(e.at)
          .bind(e.lease_until)
          .bind(seq)
          .run();
    }
    if (plan.remove) db_.prepare("DELETE FROM history WHERE seq = ?").bind(*plan.remove).run();
    if (!plan.insert) return;
    Statement add = db_.prepare(
        "INSERT INTO history (client_transaction_id, at, from_state, to_state, worker_id, "
        "lease_until, reason, api_code, treatment_status, last_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
    add.bind(id).bind(e.at);
    if (e.from) {
      add.bind(*e.from);
    } else {
      add.bind_null();
    }
    add.bind(e.to)
        .bind(e.worker_id)
        .bind(e.lease_until)
        .bind(e.reason)
        .bind(std::int64_t{e.api_code})
        .bind(e.treatment_status)
        .bind(e.at)
        .run();
  }

  std::mutex mu_;
  Connection db_;
  std::chrono::steady_clock::time_point last_insert_;
};

}  // namespace

std::unique_ptr<LedgerStore> open_sqlite_store(const std::string& path, LedgerAccess access,
                                               std::chrono::milliseconds lock_wait) {
  if (path.empty())
    throw std::invalid_argument("ledger URL sqlite: needs a file path (sqlite:PATH)");
  // SQLite keeps ":memory:" in memory, and reads a name that starts with "file:" as a URI
  // whose parameters (mode=memory, immutable=1, nolock=1, vfs=…) decide what is kept and
  // how it is locked; Debian's build honours URIs in every open. A '?' reads as a query to
  // whoever writes the URL, though SQLite would take it as part of a plain name.
  std::string head = path.substr(0, 5);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (path == ":memory:" || head == "file:" || path.find('?') != std::string::npos) {
    throw std::invalid_argument(
        "ledger URL sqlite:" + path +
        ": an in-memory database or a URI filename (file:…, ?mode=, ?immutable=, ?nolock=…) is "
        "refused: a ledger is a file that outlives the process, locked as one; give its path, "
        "sqlite:PATH");
  }
  return std::make_unique<SqliteStore>(path, access, lock_wait);
}

}  // namespace detail
CINETPAY_END_NAMESPACE
