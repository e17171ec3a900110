// The PostgreSQL store: every SQL statement of the ledger on PostgreSQL is in this file,
// for a fleet of workers on several machines sharing one database.
//
// - A claim is one statement: SELECT … FOR UPDATE SKIP LOCKED picks the rows, the UPDATE
//   of the same statement marks them held, and the history rows go in with them; so
//   workers never claim the same payout and never wait for each other.
// - Change-feed cursors come from a sequence, which hands numbers out in insertion order,
//   not commit order: a reader could pass cursor 11 while 10 is still uncommitted, and
//   never see 10. So every transaction that adds to the feed takes one advisory lock
//   first, and cursors become visible in order.
// - Migrations run under an advisory lock, so that several workers starting at once
//   migrate once.
// - A lost connection fails the operation (LedgerError) and the next one reconnects; a
//   claim whose COMMIT was lost is settled like a dead worker's, through the lookup.
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "pq.hpp"
#include "store.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {
namespace {

// Keys of the ledger's advisory locks (pg_advisory_xact_lock), per database.
constexpr std::int64_t kMigrationLock = 0x63696e6574706179;  // "cinetpay"
constexpr std::int64_t kChangeFeedLock = kMigrationLock + 1;

// A deadlock or serialization failure rolls the transaction back; run it again.
constexpr int kAttempts = 5;

// Migration N brings the schema from version N to N + 1; never edit one that shipped.
constexpr const char* kMigrations[] = {
    R"(CREATE TABLE payouts (
         client_transaction_id TEXT PRIMARY KEY,
         prefix TEXT NOT NULL, phone TEXT NOT NULL, amount BIGINT NOT NULL,
         notify_url TEXT NOT NULL, payment_method TEXT NOT NULL,
         state TEXT NOT NULL,
         transaction_id TEXT NOT NULL DEFAULT '', lot TEXT NOT NULL DEFAULT '',
         treatment_status TEXT NOT NULL DEFAULT '',
         api_code INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '',
         worker_id TEXT NOT NULL DEFAULT '', lease_until BIGINT NOT NULL DEFAULT 0,
         sends INTEGER NOT NULL DEFAULT 0, last_sent_at BIGINT NOT NULL DEFAULT 0,
         checks INTEGER NOT NULL DEFAULT 0, next_check_at BIGINT NOT NULL DEFAULT 0,
         created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
         position BIGSERIAL NOT NULL);
       CREATE INDEX payouts_by_state ON payouts (state, next_check_at);
       CREATE INDEX payouts_by_position ON payouts (position);
       CREATE TABLE history (
         seq BIGSERIAL PRIMARY KEY,
         client_transaction_id TEXT NOT NULL, at BIGINT NOT NULL,
         from_state TEXT, to_state TEXT NOT NULL, worker_id TEXT NOT NULL,
         lease_until BIGINT NOT NULL, reason TEXT NOT NULL, api_code INTEGER NOT NULL,
         treatment_status TEXT NOT NULL);
       CREATE INDEX history_by_payout ON history (client_transaction_id, seq);
       CREATE TABLE changes (
         cursor BIGSERIAL PRIMARY KEY,
         client_transaction_id TEXT NOT NULL UNIQUE, state TEXT NOT NULL, at BIGINT NOT NULL);)",
    R"(ALTER TABLE changes ADD COLUMN reason TEXT NOT NULL DEFAULT '';
       UPDATE changes c SET reason = p.detail FROM payouts p
         WHERE p.client_transaction_id = c.client_transaction_id;
       CREATE TABLE consumers (
         name TEXT PRIMARY KEY, cursor BIGINT NOT NULL, updated_at BIGINT NOT NULL);)",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

constexpr const char* kPayoutColumns =
    "client_transaction_id, prefix, phone, amount, notify_url, payment_method, state, "
    "transaction_id, lot, treatment_status, api_code, detail, worker_id, lease_until, sends, "
    "last_sent_at, checks, next_check_at, created_at, updated_at";

std::string select_payouts(const std::string& rest) {
  return std::string("SELECT ") + kPayoutColumns + " FROM payouts " + rest;
}

std::string word(PayoutState s) { return std::string(to_string(s)); }

PayoutState state_at(const pq::Result& r, int row, int col) {
  auto s = payout_state_from(r.text(row, col));
  if (!s) {
    throw LedgerError("ledger (postgresql): unknown state '" + std::string(r.text(row, col)) +
                      "' in the database");
  }
  return *s;
}

TimePoint time_at(const pq::Result& r, int row, int col) {
  return from_millis(r.integer(row, col));
}

int int_at(const pq::Result& r, int row, int col) { return static_cast<int>(r.integer(row, col)); }

// Reads the columns of kPayoutColumns, starting at column `first`.
PayoutRow read_row(const pq::Result& r, int row, int first = 0) {
  auto text = [&](int col) { return std::string(r.text(row, first + col)); };
  PayoutRow out;
  Payout& p = out.payout;
  p.request.client_transaction_id = text(0);
  p.request.prefix = text(1);
  p.request.phone = text(2);
  p.request.amount = r.integer(row, first + 3);
  p.request.notify_url = text(4);
  p.request.payment_method = text(5);
  p.state = state_at(r, row, first + 6);
  p.transaction_id = text(7);
  p.lot = text(8);
  p.treatment_status = text(9);
  p.api_code = int_at(r, row, first + 10);
  p.detail = text(11);
  p.worker_id = text(12);
  p.lease_until = time_at(r, row, first + 13);
  p.sends = int_at(r, row, first + 14);
  out.last_sent_at = time_at(r, row, first + 15);
  out.checks = int_at(r, row, first + 16);
  out.next_check_at = time_at(r, row, first + 17);
  p.created_at = time_at(r, row, first + 18);
  p.updated_at = time_at(r, row, first + 19);
  return out;
}

std::vector<PayoutRow> read_rows(const pq::Result& r) {
  std::vector<PayoutRow> rows;
  rows.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) rows.push_back(read_row(r, i));
  return rows;
}

void add_event(pq::Connection& db, const std::string& id, const PayoutEvent& e) {
  db.exec_with(
      "INSERT INTO history (client_transaction_id, at, from_state, to_state, worker_id, "
      "lease_until, reason, api_code, treatment_status) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
      id, to_millis(e.at), e.from ? std::optional<std::string>(word(*e.from)) : std::nullopt,
      word(e.to), e.worker_id, to_millis(e.lease_until), e.reason, e.api_code, e.treatment_status);
}

// Applies a batch of transitions in one round trip: each row of $1 (a JSON array, see
// transitions_json) is a compare-and-set of one payout; its event and, when it became
// final, its change-feed entry go in only if it applied. Returns the applied rows' `i`.
constexpr const char* kApplyStatement = R"(
WITH t AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
    i BIGINT, id TEXT, expected_state TEXT, expected_worker TEXT, expected_treatment TEXT,
    state TEXT, transaction_id TEXT, lot TEXT, treatment_status TEXT, api_code INTEGER,
    detail TEXT, worker_id TEXT, lease_until BIGINT, sends INTEGER, last_sent_at BIGINT,
    checks INTEGER, next_check_at BIGINT, updated_at BIGINT, feeds BOOLEAN, event BOOLEAN,
    at BIGINT, from_state TEXT, to_state TEXT, event_worker TEXT, event_lease BIGINT,
    reason TEXT, event_code INTEGER, event_treatment TEXT)),
applied AS (
  UPDATE payouts p SET state = t.state, transaction_id = t.transaction_id, lot = t.lot,
    treatment_status = t.treatment_status, api_code = t.api_code, detail = t.detail,
    worker_id = t.worker_id, lease_until = t.lease_until, sends = t.sends,
    last_sent_at = t.last_sent_at, checks = t.checks, next_check_at = t.next_check_at,
    updated_at = t.updated_at
  FROM t WHERE p.client_transaction_id = t.id AND p.state = t.expected_state AND
    p.worker_id = t.expected_worker AND p.treatment_status = t.expected_treatment
  RETURNING t.i),
logged AS (
  INSERT INTO history (client_transaction_id, at, from_state, to_state, worker_id,
    lease_until, reason, api_code, treatment_status)
  SELECT t.id, t.at, t.from_state, t.to_state, t.event_worker, t.event_lease, t.reason,
    t.event_code, t.event_treatment
  FROM t JOIN applied USING (i) WHERE t.event ORDER BY t.i),
fed AS (
  INSERT INTO changes (client_transaction_id, state, at, reason)
  SELECT t.id, t.state, t.updated_at, t.detail FROM t JOIN applied USING (i) WHERE t.feeds
  ORDER BY t.i)
SELECT i FROM applied)";

// PostgreSQL's text and jsonb hold no NUL: one in an answer (a lot, a status, a message)
// would make the transition unrecordable, and every later pass fail on that payout. It is
// kept visible as the six characters \u0000 (SQLite keeps the byte). Applied to the expected
// values too, so that a compare-and-set decided on a row holding a NUL still matches.
std::string storable(const std::string& text) {
  if (text.find('\0') == std::string::npos) return text;
  std::string out;
  out.reserve(text.size() + 5);
  for (char c : text) {
    if (c == '\0') {
      out += "\\u0000";
    } else {
      out += c;
    }
  }
  return out;
}

// transitions[start, end) as the rows kApplyStatement reads.
std::string transitions_json(const std::vector<Transition>& transitions, std::size_t start,
                             std::size_t end) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = start; i < end; ++i) {
    const Transition& t = transitions[i];
    const Payout& p = t.next.payout;
    nlohmann::json row = {
        {"i", i},
        {"id", storable(p.request.client_transaction_id)},
        {"expected_state", word(t.expected_state)},
        {"expected_worker", storable(t.expected_worker)},
        {"expected_treatment", storable(t.expected_treatment_status)},
        {"state", word(p.state)},
        {"transaction_id", storable(p.transaction_id)},
        {"lot", storable(p.lot)},
        {"treatment_status", storable(p.treatment_status)},
        {"api_code", p.api_code},
        {"detail", storable(p.detail)},
        {"worker_id", storable(p.worker_id)},
        {"lease_until", to_millis(p.lease_until)},
        {"sends", p.sends},
        {"last_sent_at", to_millis(t.next.last_sent_at)},
        {"checks", t.next.checks},
        {"next_check_at", to_millis(t.next.next_check_at)},
        {"updated_at", to_millis(p.updated_at)},
        {"feeds", is_final(p.state) && !is_final(t.expected_state)},
        {"event", t.event.has_value()},
    };
    if (t.event) {
      const PayoutEvent& e = *t.event;
      row["at"] = to_millis(e.at);
      row["from_state"] = e.from ? nlohmann::json(word(*e.from)) : nlohmann::json();
      row["to_state"] = word(e.to);
      row["event_worker"] = storable(e.worker_id);
      row["event_lease"] = to_millis(e.lease_until);
      row["reason"] = storable(e.reason);
      row["event_code"] = e.api_code;
      row["event_treatment"] = storable(e.treatment_status);
    }
    rows.push_back(std::move(row));
  }
  // Texts from CinetPay's answers may hold bytes that are not UTF-8: replaced, never thrown.
  return rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ids_json(const std::vector<std::string>& ids) {
  std::vector<std::string> storable_ids;
  storable_ids.reserve(ids.size());
  for (const std::string& id : ids) storable_ids.push_back(storable(id));
  return nlohmann::json(storable_ids)
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A filter on ids for $n::jsonb: null for "any payout".
std::optional<std::string> only_json(const std::vector<std::string>& ids) {
  if (ids.empty()) return std::nullopt;
  return ids_json(ids);
}

class PostgresStore final : public LedgerStore {
 public:
  PostgresStore(std::string conninfo, LedgerAccess access)
      : conninfo_(std::move(conninfo)), read_only_(access == LedgerAccess::read_only) {
    run([&](pq::Connection& db) { open_schema(db, access); });
  }

  InsertResult insert(const std::vector<PayoutRow>& rows, const PayoutEvent& submitted) override {
    return transaction([&](pq::Connection& db, pq::Transaction& tx) {
      InsertResult result;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const Payout& p = rows[i].payout;
        const TransferRequest& t = p.request;
        // Waits for a concurrent insert of the same id to end, then sees its row.
        pq::Result inserted = db.exec_with(
            std::string("INSERT INTO payouts (") + kPayoutColumns +
                ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,"
                "$20) ON CONFLICT (client_transaction_id) DO NOTHING",
            t.client_transaction_id, t.prefix, t.phone, t.amount, t.notify_url, t.payment_method,
            word(p.state), p.transaction_id, p.lot, p.treatment_status, p.api_code, p.detail,
            p.worker_id, to_millis(p.lease_until), p.sends, to_millis(rows[i].last_sent_at),
            rows[i].checks, to_millis(rows[i].next_check_at), to_millis(p.created_at),
            to_millis(p.updated_at));
        if (inserted.affected() == 1) {
          add_event(db, t.client_transaction_id, submitted);
          result.already.push_back(false);
          continue;
        }
        pq::Result found = db.exec_with(select_payouts("WHERE client_transaction_id = $1"),
                                        t.client_transaction_id);
        if (!same_request(read_row(found, 0).payout.request, t)) {
          result.conflict = i;
          return result;  // rolled back: nothing of this batch is recorded
        }
        result.already.push_back(true);
      }
      tx.commit();
      return result;
    });
  }

  std::map<std::string, TransferRequest> requests(const std::vector<std::string>& ids) override {
    return run([&](pq::Connection& db) {
      pq::Result r = db.exec_with(select_payouts("WHERE client_transaction_id IN "
                                                 "(SELECT jsonb_array_elements_text($1::jsonb))"),
                                  ids_json(ids));
      std::map<std::string, TransferRequest> out;
      for (int i = 0; i < r.rows(); ++i) {
        TransferRequest t = read_row(r, i).payout.request;
        std::string id = t.client_transaction_id;
        out.emplace(std::move(id), std::move(t));
      }
      return out;
    });
  }

  std::optional<PayoutRow> find(const std::string& client_transaction_id) override {
    return run([&](pq::Connection& db) -> std::optional<PayoutRow> {
      pq::Result r =
          db.exec_with(select_payouts("WHERE client_transaction_id = $1"), client_transaction_id);
      if (r.rows() == 0) return std::nullopt;
      return read_row(r, 0);
    });
  }

  std::vector<PayoutEvent> history(const std::string& client_transaction_id) override {
    return run([&](pq::Connection& db) {
      pq::Result r = db.exec_with(
          "SELECT at, from_state, to_state, worker_id, lease_until, reason, api_code, "
          "treatment_status FROM history WHERE client_transaction_id = $1 ORDER BY seq",
          client_transaction_id);
      std::vector<PayoutEvent> events;
      events.reserve(static_cast<std::size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) {
        PayoutEvent e;
        e.at = time_at(r, i, 0);
        if (!r.is_null(i, 1)) e.from = state_at(r, i, 1);
        e.to = state_at(r, i, 2);
        e.worker_id = r.text(i, 3);
        e.lease_until = time_at(r, i, 4);
        e.reason = r.text(i, 5);
        e.api_code = int_at(r, i, 6);
        e.treatment_status = r.text(i, 7);
        events.push_back(std::move(e));
      }
      return events;
    });
  }

  std::vector<PayoutRow> list(std::optional<PayoutState> state, std::size_t limit) override {
    return run([&](pq::Connection& db) {
      return read_rows(db.exec_with(
          select_payouts("WHERE $1::text IS NULL OR state = $1 ORDER BY position LIMIT $2"),
          state ? std::optional<std::string>(word(*state)) : std::nullopt,
          static_cast<std::int64_t>(limit)));
    });
  }

  std::map<PayoutState, LedgerSummary::Total> totals(
      const std::vector<std::string>& only) override {
    return run([&](pq::Connection& db) {
      pq::Result r = db.exec_with(
          "SELECT state, COUNT(*), COALESCE(SUM(amount), 0) FROM payouts WHERE $1::jsonb IS NULL "
          "OR client_transaction_id IN (SELECT jsonb_array_elements_text($1::jsonb)) "
          "GROUP BY state",
          only_json(only));
      std::map<PayoutState, LedgerSummary::Total> out;
      for (int i = 0; i < r.rows(); ++i) {
        out[state_at(r, i, 0)] = {static_cast<std::size_t>(r.integer(i, 1)), r.integer(i, 2)};
      }
      return out;
    });
  }

  std::vector<PayoutChange> changes_after(std::int64_t cursor, std::size_t limit) override {
    return run([&](pq::Connection& db) {
      pq::Result r = db.exec_with(
          "SELECT c.cursor, c.client_transaction_id, c.state, p.transaction_id, p.amount, "
          "p.api_code, c.at, c.reason FROM changes c JOIN payouts p USING "
          "(client_transaction_id) WHERE c.cursor > $1 ORDER BY c.cursor LIMIT $2",
          cursor, static_cast<std::int64_t>(limit));
      std::vector<PayoutChange> out;
      out.reserve(static_cast<std::size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) {
        out.push_back({r.integer(i, 0), std::string(r.text(i, 1)), state_at(r, i, 2),
                       std::string(r.text(i, 3)), r.integer(i, 4), int_at(r, i, 5),
                       time_at(r, i, 6), std::string(r.text(i, 7))});
      }
      return out;
    });
  }

  std::int64_t consumer_cursor(const std::string& consumer) override {
    return run([&](pq::Connection& db) -> std::int64_t {
      pq::Result r = db.exec_with("SELECT cursor FROM consumers WHERE name = $1", consumer);
      return r.rows() == 0 ? 0 : r.integer(0, 0);
    });
  }

  bool acknowledge(const std::string& consumer, std::int64_t cursor, TimePoint now) override {
    return run([&](pq::Connection& db) {
      // One statement: the feed's last cursor and the upsert see one snapshot.
      return db.exec_with(
                   "INSERT INTO consumers (name, cursor, updated_at) "
                   "SELECT $1::text, $2::bigint, $3::bigint "
                   "WHERE $2::bigint <= (SELECT COALESCE(MAX(cursor), 0) FROM changes) "
                   "ON CONFLICT (name) DO UPDATE SET cursor = GREATEST(consumers.cursor, "
                   "EXCLUDED.cursor), updated_at = EXCLUDED.updated_at",
                   consumer, cursor, to_millis(now))
                 .affected() == 1;
    });
  }

  std::vector<PayoutRow> claim(const Claim& c) override {
    const bool send = c.kind == Claim::Kind::send;
    const std::string which =
        std::string(send ? "state = 'pending'"
                         : "((state = 'sending' AND lease_until < $3) OR "
                           "(state = 'unknown' AND lease_until < $3 AND next_check_at <= $3))") +
        " AND ($7::jsonb IS NULL OR client_transaction_id IN "
        "(SELECT jsonb_array_elements_text($7::jsonb)))";
    const PayoutState to = send ? PayoutState::sending : PayoutState::unknown;
    // One statement: pick (skipping rows another worker is claiming), mark, log.
    const std::string sql =
        "WITH picked AS (SELECT client_transaction_id, state AS from_state FROM payouts WHERE " +
        which +
        " ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED), "
        "claimed AS (UPDATE payouts p SET state = $2, worker_id = $4, lease_until = $5, "
        "updated_at = $3" +
        (send ? ", sends = p.sends + 1, last_sent_at = $3" : "") +
        " FROM picked WHERE p.client_transaction_id = picked.client_transaction_id "
        "RETURNING picked.from_state, p.*), "
        "logged AS (INSERT INTO history (client_transaction_id, at, from_state, to_state, "
        "worker_id, lease_until, reason, api_code, treatment_status) "
        "SELECT client_transaction_id, $3, from_state, $2, $4, $5, $6, 0, treatment_status "
        "FROM claimed ORDER BY position) "
        "SELECT " +
        kPayoutColumns + " FROM claimed ORDER BY position";
    return run([&](pq::Connection& db) {
      return read_rows(db.exec_with(sql, static_cast<std::int64_t>(c.limit), word(to),
                                    to_millis(c.now), c.worker_id, to_millis(c.lease_until),
                                    c.reason, only_json(c.only)));
    });
  }

  std::vector<PayoutRow> due_accepted(TimePoint now, std::size_t limit) override {
    return run([&](pq::Connection& db) {
      return read_rows(db.exec_with(select_payouts("WHERE state = 'accepted' AND "
                                                   "next_check_at <= $1 ORDER BY next_check_at, "
                                                   "position LIMIT $2"),
                                    to_millis(now), static_cast<std::int64_t>(limit)));
    });
  }

  std::vector<bool> apply(const std::vector<Transition>& transitions) override {
    const bool feeds = std::any_of(transitions.begin(), transitions.end(), [](const Transition& t) {
      return is_final(t.next.payout.state) && !is_final(t.expected_state);
    });
    // What may be lost in a crash of the server without harm is committed without waiting
    // for the disk: a lost outcome or follow-up leaves the payout held or accepted, and it is
    // settled again by lookup. What a reader of the feed may have seen, and a claim to send
    // again, must survive.
    const bool must_last =
        feeds || std::any_of(transitions.begin(), transitions.end(), [](const Transition& t) {
          return t.next.payout.state == PayoutState::sending;
        });
    return transaction([&](pq::Connection& db, pq::Transaction& tx) {
      if (!must_last) db.exec("SET LOCAL synchronous_commit = off");
      // Before any row lock, so that feed writers queue in one order and never deadlock.
      if (feeds) db.exec_with("SELECT pg_advisory_xact_lock($1)", kChangeFeedLock);
      std::vector<bool> applied(transitions.size(), false);
      // One statement per run of distinct payouts: a payout named again waits for the next
      // run, so that its second transition is decided on what the first one left.
      for (std::size_t start = 0; start < transitions.size();) {
        std::set<std::string> ids;
        std::size_t end = start;
        while (end < transitions.size() &&
               ids.insert(transitions[end].next.payout.request.client_transaction_id).second) {
          ++end;
        }
        pq::Result r = db.exec_with(kApplyStatement, transitions_json(transitions, start, end));
        for (int i = 0; i < r.rows(); ++i)
          applied[static_cast<std::size_t>(r.integer(i, 0))] = true;
        start = end;
      }
      tx.commit();
      return applied;
    });
  }

  std::size_t renew(const std::string& worker_id, TimePoint lease_until) override {
    return run([&](pq::Connection& db) {
      return static_cast<std::size_t>(
          db.exec_with("UPDATE payouts SET lease_until = $1 WHERE worker_id = $2 AND "
                       "state IN ('sending', 'unknown') AND lease_until < $1",
                       to_millis(lease_until), worker_id)
              .affected());
    });
  }

 private:
  static void check_not_newer(int version) {
    if (version > kSchemaVersion) {
      throw LedgerError("ledger (postgresql): the database has schema version " +
                        std::to_string(version) + ", newer than this library's " +
                        std::to_string(kSchemaVersion));
    }
  }

  // Migrates only when the schema is missing or older, and creates it only when `access`
  // allows: a read-only open writes nothing, not even the migration's lock.
  static void open_schema(pq::Connection& db, LedgerAccess access) {
    std::optional<int> version;
    if (db.exec("SELECT to_regclass('schema_version') IS NOT NULL").boolean(0, 0)) {
      pq::Result r = db.exec("SELECT version FROM schema_version");
      version = r.rows() > 0 ? int_at(r, 0, 0) : 0;
    }
    if (!version && access != LedgerAccess::create) {
      throw LedgerError("ledger (postgresql): there is no ledger in " + db.describe() +
                        ": this open creates none");
    }
    check_not_newer(version.value_or(0));
    if (version == kSchemaVersion) return;
    if (access == LedgerAccess::read_only) {
      throw LedgerError("ledger (postgresql): the ledger in " + db.describe() +
                        " has schema version " + std::to_string(*version) +
                        ", older than this library's " + std::to_string(kSchemaVersion) +
                        ": a read-only open does not migrate it; open it once for writing");
    }
    migrate(db);
  }

  // Under the migration lock, from the version found there: another worker may have
  // migrated since open_schema() read it.
  static void migrate(pq::Connection& db) {
    pq::Transaction tx(db);
    db.exec_with("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    pq::Result r = db.exec("SELECT version FROM schema_version");
    int version = r.rows() > 0 ? int_at(r, 0, 0) : -1;
    if (version < 0) {
      db.exec("INSERT INTO schema_version (version) VALUES (0)");
      version = 0;
    }
    check_not_newer(version);
    for (int v = version; v < kSchemaVersion; ++v) db.exec_script(kMigrations[v]);
    db.exec_with("UPDATE schema_version SET version = $1", kSchemaVersion);
    tx.commit();
  }

  // Runs `work` on the connection (reconnecting when it was lost), one caller at a time,
  // again after a deadlock or serialization failure; libpq's errors become LedgerError.
  template <typename Work>
  auto run(Work&& work) -> decltype(work(std::declval<pq::Connection&>())) {
    std::lock_guard<std::mutex> lock(mu_);
    for (int attempt = 1;; ++attempt) {
      try {
        if (!db_ || !db_->ok()) connect();
        return work(*db_);
      } catch (const pq::Error& e) {
        if (e.connection_lost()) db_.reset();
        if (!e.retryable() || attempt == kAttempts) {
          throw LedgerError(std::string("ledger (postgresql): ") + e.what());
        }
      }
    }
  }

  template <typename Work>
  auto transaction(Work&& work)
      -> decltype(work(std::declval<pq::Connection&>(), std::declval<pq::Transaction&>())) {
    return run([&](pq::Connection& db) {
      pq::Transaction tx(db);
      return work(db, tx);
    });
  }

  // A read-only ledger's session refuses every write, whatever the statement.
  void connect() {
    auto db = std::make_unique<pq::Connection>(pq::Connection::open(conninfo_));
    if (read_only_) db->exec("SET default_transaction_read_only = on");
    db_ = std::move(db);
  }

  std::string conninfo_;
  bool read_only_;
  std::mutex mu_;
  std::unique_ptr<pq::Connection> db_;
};

}  // namespace

std::unique_ptr<LedgerStore> open_postgres_store(const std::string& conninfo, LedgerAccess access) {
  return std::make_unique<PostgresStore>(conninfo, access);
}

}  // namespace detail
CINETPAY_END_NAMESPACE
