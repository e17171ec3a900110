#include "schema.hpp"

#include <optional>
#include <string_view>
#include <utility>

CINETPAY_BEGIN_NAMESPACE
namespace detail::schema {
namespace {

// Version 3's payouts table on SQLite, which cannot add a constraint to a table: rebuilt
// with its state constrained and the recipient and metadata columns, rows copied over.
constexpr const char* kSqliteV3 = R"(
  CREATE TABLE payouts_v3 (
    client_transaction_id TEXT PRIMARY KEY,
    prefix TEXT NOT NULL, phone TEXT NOT NULL, amount INTEGER NOT NULL,
    notify_url TEXT NOT NULL, payment_method TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'accepted', 'paid', 'failed',
                                         'rejected', 'unknown')),
    transaction_id TEXT NOT NULL DEFAULT '', lot TEXT NOT NULL DEFAULT '',
    treatment_status TEXT NOT NULL DEFAULT '',
    api_code INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '',
    worker_id TEXT NOT NULL DEFAULT '', lease_until INTEGER NOT NULL DEFAULT 0,
    sends INTEGER NOT NULL DEFAULT 0, last_sent_at INTEGER NOT NULL DEFAULT 0,
    checks INTEGER NOT NULL DEFAULT 0, next_check_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '', surname TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '', metadata TEXT NOT NULL DEFAULT '');
  INSERT INTO payouts_v3 (client_transaction_id, prefix, phone, amount, notify_url,
    payment_method, state, transaction_id, lot, treatment_status, api_code, detail, worker_id,
    lease_until, sends, last_sent_at, checks, next_check_at, created_at, updated_at, position)
  SELECT client_transaction_id, prefix, phone, amount, notify_url, payment_method, state,
    transaction_id, lot, treatment_status, api_code, detail, worker_id, lease_until, sends,
    last_sent_at, checks, next_check_at, created_at, updated_at, position FROM payouts;
  DROP TABLE payouts;
  ALTER TABLE payouts_v3 RENAME TO payouts;
  CREATE INDEX payouts_by_state ON payouts (state, next_check_at);
  CREATE INDEX payouts_by_position ON payouts (position);
  ALTER TABLE history ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE history ADD COLUMN last_at INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE contacts (
    prefix TEXT NOT NULL, phone TEXT NOT NULL, registered_at INTEGER NOT NULL,
    PRIMARY KEY (prefix, phone));)";

constexpr const char* kPostgresqlV3 = R"(
  ALTER TABLE payouts
    ADD COLUMN name TEXT NOT NULL DEFAULT '', ADD COLUMN surname TEXT NOT NULL DEFAULT '',
    ADD COLUMN email TEXT NOT NULL DEFAULT '', ADD COLUMN metadata TEXT NOT NULL DEFAULT '',
    ADD CONSTRAINT payouts_state CHECK (state IN ('pending', 'sending', 'accepted', 'paid',
                                                  'failed', 'rejected', 'unknown'));
  ALTER TABLE history ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN last_at BIGINT NOT NULL DEFAULT 0;
  CREATE TABLE contacts (
    prefix TEXT NOT NULL, phone TEXT NOT NULL, registered_at BIGINT NOT NULL,
    PRIMARY KEY (prefix, phone));)";

// Version 4: the final state `cancelled`, and the settings that hold the sending switch.
// SQLite cannot change a table's constraint: the payouts table is rebuilt as in version 3,
// its state's CHECK naming `cancelled` too, every row copied over.
constexpr const char* kSqliteV4 = R"(
  CREATE TABLE payouts_v4 (
    client_transaction_id TEXT PRIMARY KEY,
    prefix TEXT NOT NULL, phone TEXT NOT NULL, amount INTEGER NOT NULL,
    notify_url TEXT NOT NULL, payment_method TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'accepted', 'paid', 'failed',
                                         'rejected', 'unknown', 'cancelled')),
    transaction_id TEXT NOT NULL DEFAULT '', lot TEXT NOT NULL DEFAULT '',
    treatment_status TEXT NOT NULL DEFAULT '',
    api_code INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '',
    worker_id TEXT NOT NULL DEFAULT '', lease_until INTEGER NOT NULL DEFAULT 0,
    sends INTEGER NOT NULL DEFAULT 0, last_sent_at INTEGER NOT NULL DEFAULT 0,
    checks INTEGER NOT NULL DEFAULT 0, next_check_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '', surname TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '', metadata TEXT NOT NULL DEFAULT '');
  INSERT INTO payouts_v4 (client_transaction_id, prefix, phone, amount, notify_url,
    payment_method, state, transaction_id, lot, treatment_status, api_code, detail, worker_id,
    lease_until, sends, last_sent_at, checks, next_check_at, created_at, updated_at, position,
    name, surname, email, metadata)
  SELECT client_transaction_id, prefix, phone, amount, notify_url, payment_method, state,
    transaction_id, lot, treatment_status, api_code, detail, worker_id, lease_until, sends,
    last_sent_at, checks, next_check_at, created_at, updated_at, position,
    name, surname, email, metadata FROM payouts;
  DROP TABLE payouts;
  ALTER TABLE payouts_v4 RENAME TO payouts;
  CREATE INDEX payouts_by_state ON payouts (state, next_check_at);
  CREATE INDEX payouts_by_position ON payouts (position);
  CREATE TABLE settings (
    name TEXT PRIMARY KEY, value TEXT NOT NULL, reason TEXT NOT NULL, set_by TEXT NOT NULL,
    at INTEGER NOT NULL);)";

constexpr const char* kPostgresqlV4 = R"(
  ALTER TABLE payouts DROP CONSTRAINT payouts_state,
    ADD CONSTRAINT payouts_state CHECK (state IN ('pending', 'sending', 'accepted', 'paid',
                                                  'failed', 'rejected', 'unknown', 'cancelled'));
  CREATE TABLE settings (
    name TEXT PRIMARY KEY, value TEXT NOT NULL, reason TEXT NOT NULL, set_by TEXT NOT NULL,
    at BIGINT NOT NULL);)";

// Version 5: the workers' heartbeats (PayoutLedger::workers), and the indexes the console's
// reads need on a ledger of millions: an exact search on CinetPay's ids or a phone, a state
// read newest first, a worker's claims, the change feed by time. The amount ends the state's
// index so that a summary reads that index alone (half the time of reading the table on a
// million payouts, bench/ledger_query_bench.cpp). The same in both dialects.
constexpr const char* kV5 = R"(
  CREATE TABLE workers (
    worker_id TEXT PRIMARY KEY, started_at $int64 NOT NULL, last_seen $int64 NOT NULL,
    stats TEXT NOT NULL);
  CREATE INDEX workers_by_last_seen ON workers (last_seen);
  CREATE INDEX payouts_by_transaction_id ON payouts (transaction_id);
  CREATE INDEX payouts_by_lot ON payouts (lot);
  CREATE INDEX payouts_by_phone ON payouts (phone);
  CREATE INDEX payouts_by_state_position ON payouts (state, position, amount);
  CREATE INDEX payouts_by_worker ON payouts (worker_id, state);
  CREATE INDEX changes_by_at ON changes (at);)";

std::string text(Value& v) { return std::get<std::string>(std::move(v)); }
std::int64_t number(const Value& v) { return std::get<std::int64_t>(v); }
Value millis(TimePoint t) { return to_millis(t); }

PayoutState state_named(const std::string& word) {
  auto s = payout_state_from(word);
  if (!s) throw LedgerError("ledger: unknown state '" + word + "' in the database");
  return *s;
}

// The recipient's three columns: all empty for a payout submitted without one.
std::string& recipient_field(PayoutRow& r, std::string Recipient::*field) {
  if (!r.payout.recipient) r.payout.recipient.emplace();
  return (*r.payout.recipient).*field;
}
Value recipient_value(const PayoutRow& r, std::string Recipient::*field) {
  return r.payout.recipient ? (*r.payout.recipient).*field : std::string();
}
void set_recipient(PayoutRow& r, std::string Recipient::*field, Value v) {
  std::string value = text(v);
  if (!value.empty() || r.payout.recipient) recipient_field(r, field) = std::move(value);
}

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kAll = [] {
    // Version 1 reads the same in both dialects but for its 64-bit integers ($int64) and
    // its sequences ($serial): dialect_sql() writes them in each.
    constexpr const char* kV1 = R"(CREATE TABLE payouts (
         client_transaction_id TEXT PRIMARY KEY,
         prefix TEXT NOT NULL, phone TEXT NOT NULL, amount $int64 NOT NULL,
         notify_url TEXT NOT NULL, payment_method TEXT NOT NULL,
         state TEXT NOT NULL,
         transaction_id TEXT NOT NULL DEFAULT '', lot TEXT NOT NULL DEFAULT '',
         treatment_status TEXT NOT NULL DEFAULT '',
         api_code INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '',
         worker_id TEXT NOT NULL DEFAULT '', lease_until $int64 NOT NULL DEFAULT 0,
         sends INTEGER NOT NULL DEFAULT 0, last_sent_at $int64 NOT NULL DEFAULT 0,
         checks INTEGER NOT NULL DEFAULT 0, next_check_at $int64 NOT NULL DEFAULT 0,
         created_at $int64 NOT NULL, updated_at $int64 NOT NULL,
         position $position NOT NULL);
       CREATE INDEX payouts_by_state ON payouts (state, next_check_at);
       CREATE INDEX payouts_by_position ON payouts (position);
       CREATE TABLE history (
         seq $serial,
         client_transaction_id TEXT NOT NULL, at $int64 NOT NULL,
         from_state TEXT, to_state TEXT NOT NULL, worker_id TEXT NOT NULL,
         lease_until $int64 NOT NULL, reason TEXT NOT NULL, api_code INTEGER NOT NULL,
         treatment_status TEXT NOT NULL);
       CREATE INDEX history_by_payout ON history (client_transaction_id, seq);
       CREATE TABLE changes (
         cursor $serial,
         client_transaction_id TEXT NOT NULL UNIQUE, state TEXT NOT NULL, at $int64 NOT NULL);)";
    // The feed's reason, and the named consumers; this one reads the same in both.
    constexpr const char* kV2 = R"(ALTER TABLE changes ADD COLUMN reason TEXT NOT NULL DEFAULT '';
       UPDATE changes SET reason = COALESCE((SELECT detail FROM payouts p
         WHERE p.client_transaction_id = changes.client_transaction_id), '');
       CREATE TABLE consumers (
         name TEXT PRIMARY KEY, cursor BIGINT NOT NULL, updated_at BIGINT NOT NULL);)";
    return std::vector<Migration>{
        {kV1, kV1}, {kV2, kV2}, {kSqliteV3, kPostgresqlV3}, {kSqliteV4, kPostgresqlV4}, {kV5, kV5},
    };
  }();
  return kAll;
}

std::string migration_sql(const Migration& m, Dialect dialect) {
  const bool sqlite = dialect == Dialect::sqlite;
  std::string sql = sqlite ? m.sqlite : m.postgresql;
  const std::pair<const char*, const char*> words[] = {
      {"$int64", sqlite ? "INTEGER" : "BIGINT"},
      {"$serial", sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"},
      {"$position", sqlite ? "INTEGER" : "BIGSERIAL"},
  };
  for (const auto& [token, word] : words) {
    for (std::size_t at = sql.find(token); at != std::string::npos; at = sql.find(token, at)) {
      sql.replace(at, std::string_view(token).size(), word);
    }
  }
  return sql;
}

const std::vector<Column>& payout_columns() {
  using R = PayoutRow;
  static const std::vector<Column> kColumns = {
      {"client_transaction_id", true, false,
       [](const R& r) -> Value { return r.payout.request.client_transaction_id; },
       [](R& r, Value v) { r.payout.request.client_transaction_id = text(v); }},
      {"prefix", true, false, [](const R& r) -> Value { return r.payout.request.prefix; },
       [](R& r, Value v) { r.payout.request.prefix = text(v); }},
      {"phone", true, false, [](const R& r) -> Value { return r.payout.request.phone; },
       [](R& r, Value v) { r.payout.request.phone = text(v); }},
      {"amount", false, false, [](const R& r) -> Value { return r.payout.request.amount; },
       [](R& r, Value v) { r.payout.request.amount = number(v); }},
      {"notify_url", true, false, [](const R& r) -> Value { return r.payout.request.notify_url; },
       [](R& r, Value v) { r.payout.request.notify_url = text(v); }},
      {"payment_method", true, false,
       [](const R& r) -> Value { return r.payout.request.payment_method; },
       [](R& r, Value v) { r.payout.request.payment_method = text(v); }},
      {"state", true, true,
       [](const R& r) -> Value { return std::string(to_string(r.payout.state)); },
       [](R& r, Value v) { r.payout.state = state_named(text(v)); }},
      {"transaction_id", true, true, [](const R& r) -> Value { return r.payout.transaction_id; },
       [](R& r, Value v) { r.payout.transaction_id = text(v); }},
      {"lot", true, true, [](const R& r) -> Value { return r.payout.lot; },
       [](R& r, Value v) { r.payout.lot = text(v); }},
      {"treatment_status", true, true,
       [](const R& r) -> Value { return r.payout.treatment_status; },
       [](R& r, Value v) { r.payout.treatment_status = text(v); }},
      {"api_code", false, true, [](const R& r) -> Value { return r.payout.api_code; },
       [](R& r, Value v) { r.payout.api_code = static_cast<int>(number(v)); }},
      {"detail", true, true, [](const R& r) -> Value { return r.payout.detail; },
       [](R& r, Value v) { r.payout.detail = text(v); }},
      {"worker_id", true, true, [](const R& r) -> Value { return r.payout.worker_id; },
       [](R& r, Value v) { r.payout.worker_id = text(v); }},
      {"lease_until", false, true, [](const R& r) { return millis(r.payout.lease_until); },
       [](R& r, Value v) { r.payout.lease_until = from_millis(number(v)); }},
      {"sends", false, true, [](const R& r) -> Value { return r.payout.sends; },
       [](R& r, Value v) { r.payout.sends = static_cast<int>(number(v)); }},
      {"last_sent_at", false, true, [](const R& r) { return millis(r.last_sent_at); },
       [](R& r, Value v) { r.last_sent_at = from_millis(number(v)); }},
      {"checks", false, true, [](const R& r) -> Value { return r.checks; },
       [](R& r, Value v) { r.checks = static_cast<int>(number(v)); }},
      {"next_check_at", false, true, [](const R& r) { return millis(r.next_check_at); },
       [](R& r, Value v) { r.next_check_at = from_millis(number(v)); }},
      {"created_at", false, false, [](const R& r) { return millis(r.payout.created_at); },
       [](R& r, Value v) { r.payout.created_at = from_millis(number(v)); }},
      {"updated_at", false, true, [](const R& r) { return millis(r.payout.updated_at); },
       [](R& r, Value v) { r.payout.updated_at = from_millis(number(v)); }},
      {"name", true, false, [](const R& r) { return recipient_value(r, &Recipient::name); },
       [](R& r, Value v) { set_recipient(r, &Recipient::name, std::move(v)); }},
      {"surname", true, false, [](const R& r) { return recipient_value(r, &Recipient::surname); },
       [](R& r, Value v) { set_recipient(r, &Recipient::surname, std::move(v)); }},
      {"email", true, false, [](const R& r) { return recipient_value(r, &Recipient::email); },
       [](R& r, Value v) { set_recipient(r, &Recipient::email, std::move(v)); }},
      {"metadata", true, false, [](const R& r) -> Value { return r.payout.metadata; },
       [](R& r, Value v) { r.payout.metadata = text(v); }},
  };
  return kColumns;
}

const std::string& payout_column_list() {
  static const std::string kList = [] {
    std::string list;
    for (const Column& c : payout_columns())
      list += (list.empty() ? "" : ", ") + std::string(c.name);
    return list;
  }();
  return kList;
}

std::string Where::add(Value value) {
  values_.push_back(std::move(value));
  return (dialect_ == Dialect::sqlite ? "?" : "$") + std::to_string(values_.size());
}

std::string Where::sql() const {
  std::string out;
  for (const std::string& c : conditions_) out += (out.empty() ? " WHERE " : " AND ") + c;
  return out;
}

Where payout_filter(const PayoutQuery& query, Dialect dialect) {
  Where w(dialect);
  if (!query.states.empty()) {
    std::string in;
    for (PayoutState s : query.states) {
      in += (in.empty() ? "" : ", ") + w.add(std::string(to_string(s)));
    }
    w.require("state IN (" + in + ")");
  }
  if (query.created_from) w.require("created_at >= " + w.add(millis(*query.created_from)));
  if (query.created_until) w.require("created_at < " + w.add(millis(*query.created_until)));
  if (query.amount_min) w.require("amount >= " + w.add(*query.amount_min));
  if (query.amount_max) w.require("amount <= " + w.add(*query.amount_max));
  if (!query.payment_method.empty()) w.require("payment_method = " + w.add(query.payment_method));
  if (!query.prefix.empty()) w.require("prefix = " + w.add(query.prefix));
  if (!query.text.empty()) {
    const std::string t = w.add(query.text);
    w.require("(client_transaction_id = " + t + " OR transaction_id = " + t + " OR lot = " + t +
              " OR phone = " + t + ")");
  }
  if (!query.metadata_contains.empty()) {
    const std::string t = w.add(query.metadata_contains);
    // instr() and strpos() find the text as it is: no character of it is a wildcard (LIKE
    // would need % and _ escaped), and both are case-sensitive (SQLite's LIKE ignores ASCII
    // case, PostgreSQL's does not), so both stores find the same payouts.
    w.require(dialect == Dialect::sqlite ? "instr(metadata, " + t + ") > 0"
                                         : "strpos(metadata, " + t + ") > 0");
  }
  if (query.updated_before) w.require("updated_at < " + w.add(millis(*query.updated_before)));
  if (query.lease_ended_before) {
    // A release clears worker_id: a payout with one is held, whatever its lease says.
    w.require("worker_id <> '' AND lease_until < " + w.add(millis(*query.lease_ended_before)));
  }
  return w;
}

const std::string& sending_allowed() {
  static const std::string kSql =
      std::string("NOT EXISTS (SELECT 1 FROM settings s WHERE s.name = '") + kSendingSetting +
      "' AND s.value = '" + kPaused + "')";
  return kSql;
}

std::string activity_select(Where& values, std::int64_t from_ms, std::int64_t until_ms) {
  const std::string from = values.add(from_ms);
  const std::string until = values.add(until_ms);
  return "SELECT c.at / 3600000 AS hour, c.state, COUNT(*), COALESCE(SUM(p.amount), 0) "
         "FROM changes c JOIN payouts p USING (client_transaction_id) WHERE c.at >= " +
         from + " AND c.at < " + until + " GROUP BY hour, c.state ORDER BY hour";
}

std::string workers_select(Where& values, std::int64_t since_ms, std::int64_t now_ms) {
  const std::string since = values.add(since_ms);
  const std::string now = values.add(now_ms);
  return "SELECT w.worker_id, w.started_at, w.last_seen, w.stats, (SELECT COUNT(*) FROM payouts "
         "p WHERE p.worker_id = w.worker_id AND p.state IN ('sending', 'unknown') AND "
         "p.lease_until > " +
         now + ") FROM workers w WHERE w.last_seen >= " + since +
         " ORDER BY w.last_seen DESC, w.worker_id";
}

std::string event_key(const std::string& from_state, const std::string& to_state,
                      const std::string& worker_id, const std::string& reason,
                      std::int64_t api_code, const std::string& treatment_status) {
  // Lengths first: no text can make two different events read alike.
  std::string key;
  for (const std::string* part : {&from_state, &to_state, &worker_id, &reason, &treatment_status}) {
    key += std::to_string(part->size()) + ":" + *part + ";";
  }
  return key + std::to_string(api_code);
}

EventPlan plan_event(const std::vector<Recent>& recent, const std::string& key) {
  EventPlan plan;
  if (!recent.empty() && recent[0].key == key) {
    plan.count.emplace_back(recent[0].seq, 1);
    plan.insert = false;
  } else if (recent.size() >= 3 && recent[1].key == key && recent[0].key == recent[2].key) {
    plan.count.emplace_back(recent[2].seq, recent[0].repeats);
    plan.count.emplace_back(recent[1].seq, 1);
    plan.remove = recent[0].seq;
    plan.insert = false;
  }
  return plan;
}

}  // namespace detail::schema
CINETPAY_END_NAMESPACE
