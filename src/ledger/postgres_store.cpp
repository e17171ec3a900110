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
#include <variant>

#include "pq.hpp"
#include "schema.hpp"
#include "store.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {
namespace {

// Keys of the ledger's advisory locks (pg_advisory_xact_lock), per database.
constexpr std::int64_t kMigrationLock = 0x63696e6574706179;  // "cinetpay"
constexpr std::int64_t kChangeFeedLock = kMigrationLock + 1;

// A deadlock or serialization failure rolls the transaction back; run it again.
constexpr int kAttempts = 5;

const int kSchemaVersion = static_cast<int>(schema::migrations().size());
const std::string& kPayoutColumns = schema::payout_column_list();

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
  return schema::read_payout([&](int i, bool is_text) -> schema::Value {
    if (is_text) return std::string(r.text(row, first + i));
    return r.integer(row, first + i);
  });
}

std::vector<PayoutRow> read_rows(const pq::Result& r) {
  std::vector<PayoutRow> rows;
  rows.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) rows.push_back(read_row(r, i));
  return rows;
}

// The CTEs that write the events of `events`, a CTE with columns id, at, from_state,
// to_state, worker_id, lease_until, reason, api_code, treatment_status and ord (the order of
// new rows), one row per payout at most, by schema::plan_event's rule: `recent` is each
// payout's last three events (n = 1 the newest), `plan` what the rule makes of them.
std::string logging(const std::string& events) {
  return "recent AS (SELECT e.id, l.seq, l.repeats, l.n, (l.from_state IS NOT DISTINCT FROM "
         "e.from_state AND l.to_state = e.to_state AND l.worker_id = e.worker_id AND l.reason = "
         "e.reason AND l.api_code = e.api_code AND l.treatment_status = e.treatment_status) AS "
         "like_new, ROW(l.from_state, l.to_state, l.worker_id, l.reason, l.api_code, "
         "l.treatment_status) AS k FROM " +
         events +
         " e CROSS JOIN LATERAL (SELECT h.*, row_number() OVER (ORDER BY h.seq DESC) AS n FROM "
         "(SELECT * FROM history WHERE client_transaction_id = e.id ORDER BY seq DESC LIMIT 3) h) "
         "l), "
         "plan AS (SELECT r1.id, CASE WHEN r1.like_new THEN 'last' WHEN r2.like_new AND r3.seq "
         "IS NOT NULL AND r1.k IS NOT DISTINCT FROM r3.k THEN 'pair' END AS how, r1.seq AS s1, "
         "r1.repeats AS n1, r2.seq AS s2, r3.seq AS s3 FROM recent r1 LEFT JOIN recent r2 ON "
         "r2.id = r1.id AND r2.n = 2 LEFT JOIN recent r3 ON r3.id = r1.id AND r3.n = 3 WHERE "
         "r1.n = 1), "
         "counted AS (UPDATE history h SET repeats = h.repeats + CASE WHEN p.how = 'pair' AND "
         "h.seq = p.s3 THEN p.n1 ELSE 1 END, last_at = e.at, lease_until = e.lease_until FROM "
         "plan p JOIN " +
         events +
         " e USING (id) WHERE (p.how = 'last' AND h.seq = p.s1) OR (p.how = 'pair' AND h.seq IN "
         "(p.s2, p.s3))), "
         "folded AS (DELETE FROM history h USING plan p WHERE p.how = 'pair' AND h.seq = p.s1), "
         "logged AS (INSERT INTO history (client_transaction_id, at, from_state, to_state, "
         "worker_id, lease_until, reason, api_code, treatment_status, last_at) SELECT e.id, e.at, "
         "e.from_state, e.to_state, e.worker_id, e.lease_until, e.reason, e.api_code, "
         "e.treatment_status, e.at FROM " +
         events +
         " e WHERE NOT EXISTS (SELECT 1 FROM plan p WHERE p.id = e.id AND p.how IS NOT NULL) "
         "ORDER BY e.ord)";
}

// Applies a batch of transitions in one round trip: each row of $1 (a JSON array, see
// transitions_json) is a compare-and-set of one payout; its event and, when it became
// final, its change-feed entry go in only if it applied. Returns the applied rows' `i`.
const std::string& apply_statement() {
  static const std::string kSql = [] {
    std::string fields;  // the progress columns, as the JSON rows carry them
    std::string set;     // and as the UPDATE writes them
    for (const schema::Column& c : schema::payout_columns()) {
      if (!c.progress) continue;
      fields += std::string(c.name) + (c.is_text ? " TEXT, " : " BIGINT, ");
      set += std::string(set.empty() ? "" : ", ") + c.name + " = t." + c.name;
    }
    return "WITH t AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(i BIGINT, id TEXT, "
           "expected_state TEXT, expected_worker TEXT, expected_treatment TEXT, "
           "unless_paused BOOLEAN, " +
           fields +
           "feeds BOOLEAN, event BOOLEAN, at BIGINT, from_state TEXT, to_state TEXT, "
           "event_worker TEXT, event_lease BIGINT, reason TEXT, event_code INTEGER, "
           "event_treatment TEXT)), "
           "applied AS (UPDATE payouts p SET " +
           set +
           " FROM t WHERE p.client_transaction_id = t.id AND p.state = t.expected_state AND "
           "p.worker_id = t.expected_worker AND p.treatment_status = t.expected_treatment "
           "AND (NOT t.unless_paused OR " +
           schema::sending_allowed() +
           ") RETURNING t.i), "
           "events AS (SELECT t.id, t.at, t.from_state, t.to_state, t.event_worker AS worker_id, "
           "t.event_lease AS lease_until, t.reason, t.event_code AS api_code, t.event_treatment "
           "AS treatment_status, t.i AS ord FROM t JOIN applied USING (i) WHERE t.event), " +
           logging("events") +
           ", fed AS (INSERT INTO changes (client_transaction_id, state, at, reason) SELECT t.id, "
           "t.state, t.updated_at, t.detail FROM t JOIN applied USING (i) WHERE t.feeds ORDER BY "
           "t.i) SELECT i FROM applied";
  }();
  return kSql;
}

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

// transitions[start, end) as the rows apply_statement() reads.
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
        {"feeds", is_final(p.state) && !is_final(t.expected_state)},
        {"event", t.event.has_value()},
        {"unless_paused", t.unless_paused},
    };
    for (const schema::Column& c : schema::payout_columns()) {
      if (!c.progress) continue;
      schema::Value v = c.get(t.next);
      if (const auto* text = std::get_if<std::string>(&v)) {
        row[c.name] = storable(*text);
      } else {
        row[c.name] = std::get<std::int64_t>(v);
      }
    }
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

// The values of `where`, for its placeholders $1 onwards.
std::vector<pq::Param> params(const schema::Where& where) {
  std::vector<pq::Param> out;
  out.reserve(where.values().size());
  for (const schema::Value& v : where.values()) {
    const auto* text = std::get_if<std::string>(&v);
    out.push_back(text != nullptr ? pq::Param(storable(*text))
                                  : pq::param(std::get<std::int64_t>(v)));
  }
  return out;
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
        std::vector<pq::Param> values;
        std::string marks;
        for (const schema::Column& c : schema::payout_columns()) {
          schema::Value v = c.get(rows[i]);
          values.push_back(std::holds_alternative<std::string>(v)
                               ? pq::Param(storable(std::get<std::string>(v)))
                               : pq::param(std::get<std::int64_t>(v)));
          marks += (marks.empty() ? "$" : ",$") + std::to_string(values.size());
        }
        pq::Result inserted =
            db.exec("INSERT INTO payouts (" + kPayoutColumns + ") VALUES (" + marks +
                        ") ON CONFLICT (client_transaction_id) DO NOTHING",
                    values);
        if (inserted.affected() == 1) {
          // A submission is its payout's first event: never a repeat.
          db.exec_with(
              "INSERT INTO history (client_transaction_id, at, to_state, worker_id, lease_until, "
              "reason, api_code, treatment_status, last_at) VALUES ($1, $2, $3, '', 0, $4, 0, '', "
              "$2)",
              t.client_transaction_id, to_millis(submitted.at), word(submitted.to),
              submitted.reason);
          result.already.push_back(false);
          continue;
        }
        pq::Result found = db.exec_with(select_payouts("WHERE client_transaction_id = $1"),
                                        t.client_transaction_id);
        if (!same_submission(read_row(found, 0).payout, p)) {
          result.conflict = i;
          return result;  // rolled back: nothing of this batch is recorded
        }
        result.already.push_back(true);
      }
      tx.commit();
      return result;
    });
  }

  std::map<std::string, Payout> recorded(const std::vector<std::string>& ids) override {
    return run([&](pq::Connection& db) {
      pq::Result r = db.exec_with(select_payouts("WHERE client_transaction_id IN "
                                                 "(SELECT jsonb_array_elements_text($1::jsonb))"),
                                  ids_json(ids));
      std::map<std::string, Payout> out;
      for (int i = 0; i < r.rows(); ++i) {
        Payout p = read_row(r, i).payout;
        std::string id = p.request.client_transaction_id;
        out.emplace(std::move(id), std::move(p));
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
          "treatment_status, repeats, last_at FROM history WHERE client_transaction_id = $1 "
          "ORDER BY seq",
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
        e.repeats = int_at(r, i, 8);
        e.last_at = e.repeats > 1 ? time_at(r, i, 9) : e.at;
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

  std::map<PayoutState, LedgerSummary::Total> totals(const std::vector<std::string>& only,
                                                     const PayoutQuery& filters) override {
    schema::Where where = schema::payout_filter(filters, schema::Dialect::postgresql);
    if (!only.empty()) {
      where.require("client_transaction_id IN (SELECT jsonb_array_elements_text(" +
                    where.add(ids_json(only)) + "::jsonb))");
    }
    return run([&](pq::Connection& db) {
      pq::Result r = db.exec("SELECT state, COUNT(*), COALESCE(SUM(amount), 0) FROM payouts" +
                                 where.sql() + " GROUP BY state",
                             params(where));
      std::map<PayoutState, LedgerSummary::Total> out;
      for (int i = 0; i < r.rows(); ++i) {
        out[state_at(r, i, 0)] = {static_cast<std::size_t>(r.integer(i, 1)), r.integer(i, 2)};
      }
      return out;
    });
  }

  std::vector<PositionedRow> search(const PayoutQuery& query) override {
    schema::Where where = schema::payout_filter(query, schema::Dialect::postgresql);
    if (query.after) where.require("position < " + where.add(*query.after));
    const std::string limit = where.add(static_cast<std::int64_t>(query.limit));
    return run([&](pq::Connection& db) {
      pq::Result r = db.exec(std::string("SELECT position, ") + kPayoutColumns + " FROM payouts" +
                                 where.sql() + " ORDER BY position DESC LIMIT " + limit,
                             params(where));
      std::vector<PositionedRow> out;
      out.reserve(static_cast<std::size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) out.push_back({r.integer(i, 0), read_row(r, i, 1)});
      return out;
    });
  }

  std::vector<HourTotal> activity(TimePoint from, TimePoint until) override {
    return run([&](pq::Connection& db) {
      schema::Where values(schema::Dialect::postgresql);
      // The SQL first: it adds the values params() reads.
      const std::string sql = schema::activity_select(values, to_millis(from), to_millis(until));
      pq::Result r = db.exec(sql, params(values));
      std::vector<HourTotal> out;
      out.reserve(static_cast<std::size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) {
        out.push_back({r.integer(i, 0),
                       state_at(r, i, 1),
                       {static_cast<std::size_t>(r.integer(i, 2)), r.integer(i, 3)}});
      }
      return out;
    });
  }

  std::vector<PayoutChange> changes_after(std::int64_t cursor, std::size_t limit) override {
    return run([&](pq::Connection& db) {
      pq::Result r = db.exec_with(
          "SELECT c.cursor, c.client_transaction_id, c.state, p.transaction_id, p.amount, "
          "p.api_code, c.at, c.reason, p.metadata FROM changes c JOIN payouts p USING "
          "(client_transaction_id) WHERE c.cursor > $1 ORDER BY c.cursor LIMIT $2",
          cursor, static_cast<std::int64_t>(limit));
      std::vector<PayoutChange> out;
      out.reserve(static_cast<std::size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) {
        out.push_back({r.integer(i, 0), std::string(r.text(i, 1)), state_at(r, i, 2),
                       std::string(r.text(i, 3)), r.integer(i, 4), int_at(r, i, 5),
                       time_at(r, i, 6), std::string(r.text(i, 7)), std::string(r.text(i, 8))});
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
        (send ? "state = 'pending' AND " + schema::sending_allowed()
              : std::string("((state = 'sending' AND lease_until < $3) OR "
                            "(state = 'unknown' AND lease_until < $3 AND next_check_at <= $3))")) +
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
        "events AS (SELECT client_transaction_id AS id, $3::bigint AS at, from_state, "
        "$2::text AS to_state, $4::text AS worker_id, $5::bigint AS lease_until, $6::text AS "
        "reason, 0 AS api_code, treatment_status, position AS ord FROM claimed), " +
        logging("events") + " SELECT " + kPayoutColumns + " FROM claimed ORDER BY position";
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
        pq::Result r = db.exec_with(apply_statement(), transitions_json(transitions, start, end));
        for (int i = 0; i < r.rows(); ++i)
          applied[static_cast<std::size_t>(r.integer(i, 0))] = true;
        start = end;
      }
      tx.commit();
      return applied;
    });
  }

  std::set<std::pair<std::string, std::string>> registered(
      const std::vector<Contact>& contacts) override {
    nlohmann::json keys = nlohmann::json::array();
    for (const Contact& c : contacts) keys.push_back({storable(c.prefix), storable(c.phone)});
    return run([&](pq::Connection& db) {
      pq::Result r = db.exec_with(
          "SELECT prefix, phone FROM contacts WHERE (prefix, phone) IN (SELECT k->>0, k->>1 FROM "
          "jsonb_array_elements($1::jsonb) k)",
          keys.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      std::set<std::pair<std::string, std::string>> out;
      for (int i = 0; i < r.rows(); ++i) out.emplace(r.text(i, 0), r.text(i, 1));
      return out;
    });
  }

  void remember(const std::vector<Contact>& contacts, TimePoint at) override {
    nlohmann::json keys = nlohmann::json::array();
    for (const Contact& c : contacts) keys.push_back({storable(c.prefix), storable(c.phone)});
    run([&](pq::Connection& db) {
      db.exec_with(
          "INSERT INTO contacts (prefix, phone, registered_at) SELECT k->>0, k->>1, $2 FROM "
          "jsonb_array_elements($1::jsonb) k ON CONFLICT (prefix, phone) DO NOTHING",
          keys.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), to_millis(at));
    });
  }

  PauseStatus sending_switch() override {
    return run([&](pq::Connection& db) {
      pq::Result r = db.exec_with("SELECT value, reason, set_by, at FROM settings WHERE name = $1",
                                  std::string(schema::kSendingSetting));
      PauseStatus status;
      if (r.rows() == 0) return status;
      status.paused = std::string(r.text(0, 0)) == schema::kPaused;
      status.reason = r.text(0, 1);
      status.by = r.text(0, 2);
      status.at = time_at(r, 0, 3);
      return status;
    });
  }

  void set_sending_switch(const PauseStatus& status) override {
    run([&](pq::Connection& db) {
      db.exec_with(
          "INSERT INTO settings (name, value, reason, set_by, at) VALUES ($1, $2, $3, $4, $5) "
          "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, reason = EXCLUDED.reason, "
          "set_by = EXCLUDED.set_by, at = EXCLUDED.at",
          std::string(schema::kSendingSetting),
          std::string(status.paused ? schema::kPaused : schema::kRunning), storable(status.reason),
          storable(status.by), to_millis(status.at));
    });
  }

  void heartbeat(const std::string& worker_id, TimePoint at, const std::string& stats) override {
    run([&](pq::Connection& db) {
      // Nothing is lost with a heartbeat a server crash forgets: the next one comes soon.
      pq::Transaction tx(db);
      db.exec("SET LOCAL synchronous_commit = off");
      db.exec_with(
          "INSERT INTO workers (worker_id, started_at, last_seen, stats) VALUES ($1, $2, $2, $3) "
          "ON CONFLICT (worker_id) DO UPDATE SET last_seen = EXCLUDED.last_seen, "
          "stats = EXCLUDED.stats",
          storable(worker_id), to_millis(at), storable(stats));
      tx.commit();
    });
  }

  std::vector<WorkerStatus> workers(TimePoint since, TimePoint now) override {
    return run([&](pq::Connection& db) {
      schema::Where values(schema::Dialect::postgresql);
      const std::string sql = schema::workers_select(values, to_millis(since), to_millis(now));
      pq::Result r = db.exec(sql, params(values));
      std::vector<WorkerStatus> out;
      out.reserve(static_cast<std::size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) {
        out.push_back({std::string(r.text(i, 0)), time_at(r, i, 1), time_at(r, i, 2),
                       static_cast<std::size_t>(r.integer(i, 4)), std::string(r.text(i, 3))});
      }
      return out;
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
    for (int v = version; v < kSchemaVersion; ++v) {
      db.exec_script(schema::migration_sql(schema::migrations()[static_cast<std::size_t>(v)],
                                           schema::Dialect::postgresql));
    }
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
