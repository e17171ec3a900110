// The ledger without a worker: submissions, reads, the rules of forward-only moves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cinetpay/ledger.hpp>
#include <cinetpay/transfer.hpp>
#include <thread>

#include "ledger/ledger_core.hpp"
#include "ledger/schema.hpp"
#include "sandbox_fixture.hpp"
#include "stores.hpp"

namespace cinetpay::mocks {
namespace {

using ::testing::HasSubstr;

class LedgerTest : public LedgerOnStore {};

std::vector<TransferRequest> three_payouts() {
  return {payout_to("0102030405", 500, "L-1"), payout_to("0102030405", 1000, "L-2"),
          payout_to("0102030406", 1500, "L-3")};
}

TEST(LedgerOpen, UnknownSchemeIsAClearError) {
  try {
    PayoutLedger::open("mysql://localhost/payouts");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown scheme"));
    EXPECT_THAT(e.what(), HasSubstr("sqlite:PATH"));
  }
  EXPECT_THROW(PayoutLedger::open("sqlite:"), std::invalid_argument);
}

TEST(LedgerOpen, UnreadablePathIsALedgerError) {
  EXPECT_THROW(PayoutLedger::open("sqlite:/nonexistent-dir/x/payouts.db"), LedgerError);
}

// The SQLite file itself: its schema version, and what a newer one means.
int sqlite_schema_version(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &s, nullptr);
  int version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
  sqlite3_finalize(s);
  sqlite3_close(db);
  return version;
}

TEST(SqliteStore, OpenCreatesTheSchemaAndANewerOneIsRefused) {
  const std::string path = temp_sqlite_path();
  PayoutLedger::open("sqlite:" + path).submit({payout_to("0102030405", 500, "S-1")});
  EXPECT_EQ(sqlite_schema_version(path), 5);
  PayoutLedger::open("sqlite:" + path);  // opening again migrates nothing and keeps the data
  EXPECT_EQ(PayoutLedger::open("sqlite:" + path).list().size(), 1U);

  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  try {
    PayoutLedger::open("sqlite:" + path);
    FAIL() << "expected a LedgerError";
  } catch (const LedgerError& e) {
    EXPECT_THAT(e.what(), HasSubstr("schema version 99"));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// Switching a new file to WAL while another connection writes it in rollback mode (as a
// worker opening the same new ledger at the same moment does, mid-switch) fails at once with
// "database is locked": SQLite does not wait out the busy timeout there. Seen as a worker
// dying at start when several opened a new ledger together. open() waits its turn.
TEST(SqliteStore, OpenWaitsForAConnectionWritingTheNewFile) {
  const std::string path = temp_sqlite_path();
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &writer), SQLITE_OK);
  // A writer waits for readers as any real one does: its COMMIT may meet the opening
  // ledger's brief read lock, and without a busy handler it would fail and keep its write
  // lock, the ledger then waiting its whole lock_wait (5 min) for it.
  sqlite3_busy_timeout(writer, 60000);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  int committed = -1;
  std::thread commit_later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // holds its lock a while
    committed = sqlite3_exec(writer, "COMMIT", nullptr, nullptr, nullptr);
  });
  try {
    PayoutLedger::open("sqlite:" + path).submit({payout_to("0102030405", 500, "W-1")});
  } catch (const LedgerError& e) {
    ADD_FAILURE() << e.what();
  }
  commit_later.join();
  EXPECT_EQ(committed, SQLITE_OK);
  sqlite3_close(writer);
  EXPECT_EQ(PayoutLedger::open("sqlite:" + path).list().size(), 1U);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

TEST_P(LedgerTest, SubmitRecordsPendingPayoutsWithTheirHistory) {
  PayoutLedger ledger = open();
  auto results = ledger.submit(three_payouts());
  ASSERT_EQ(results.size(), 3U);
  for (const auto& r : results) EXPECT_FALSE(r.already_submitted);

  auto p = ledger.get("L-2");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->state, PayoutState::pending);
  EXPECT_EQ(p->request.amount, 1000);
  EXPECT_EQ(p->request.phone, "0102030405");
  ASSERT_EQ(p->history.size(), 1U);
  EXPECT_FALSE(p->history[0].from.has_value());
  EXPECT_EQ(p->history[0].to, PayoutState::pending);
  EXPECT_EQ(p->history[0].reason, "submitted");
  EXPECT_FALSE(ledger.get("L-9").has_value());
}

TEST_P(LedgerTest, SubmitIsDurableForAnotherHandle) {
  open().submit(three_payouts());
  PayoutLedger again = open();
  auto all = again.list();
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].request.client_transaction_id, "L-1");
  EXPECT_EQ(all[2].request.client_transaction_id, "L-3");
}

TEST_P(LedgerTest, SameIdSameFieldsIsReportedAlreadySubmitted) {
  PayoutLedger ledger = open();
  ledger.submit(three_payouts());
  auto again =
      ledger.submit({payout_to("0102030405", 1000, "L-2"), payout_to("0102030405", 5, "L-4")});
  EXPECT_TRUE(again[0].already_submitted);
  EXPECT_FALSE(again[1].already_submitted);
  EXPECT_EQ(ledger.list().size(), 4U);
  EXPECT_EQ(ledger.get("L-2")->history.size(), 1U);
}

// Issue 17: payouts carried no metadata, so merchants encoded their order ids into the
// client_transaction_id. Metadata is a bounded JSON object, kept as given, read back, and
// part of what makes a resubmission the same payout.
TEST_P(LedgerTest, MetadataAndRecipientAreKeptAndCheckedBeforeAnyWrite) {
  PayoutLedger ledger = open();
  const Recipient awa{"Awa", "Kone", "awa@example.com"};
  const std::string order = R"({"order": "A-17", "lines": [1, 2]})";
  ledger.submit(
      std::vector<PayoutRequest>{{payout_to("0102030405", 500, "M-1"), awa, order},
                                 {payout_to("0102030405", 505, "M-2"), std::nullopt, ""}});
  const Payout p = *ledger.get("M-1");
  EXPECT_EQ(p.metadata, order);
  ASSERT_TRUE(p.recipient.has_value());
  EXPECT_EQ(p.recipient->email, "awa@example.com");
  EXPECT_FALSE(ledger.get("M-2")->recipient.has_value());
  EXPECT_EQ(ledger.list().front().metadata, order);
  EXPECT_TRUE(
      ledger.submit(std::vector<PayoutRequest>{{payout_to("0102030405", 500, "M-1"), awa, order}})
          .front()
          .already_submitted);

  auto refused = [&](PayoutRequest bad, const std::string& field) {
    try {
      ledger.submit(std::vector<PayoutRequest>{{payout_to("0102030405", 5, "M-9"), {}, ""}, bad});
      ADD_FAILURE() << "expected a ValidationError on " << field;
    } catch (const ValidationError& e) {
      EXPECT_EQ(e.field(), field);
      EXPECT_EQ(e.index(), std::optional<std::size_t>(1)) << field;
    }
    EXPECT_FALSE(ledger.get("M-9").has_value()) << field << ": nothing recorded";
  };
  refused({payout_to("0102030405", 5, "M-3"), std::nullopt, "[1, 2]"}, "metadata");
  refused({payout_to("0102030405", 5, "M-3"), std::nullopt, "{\"a\": "}, "metadata");
  refused({payout_to("0102030405", 5, "M-3"), std::nullopt, "{\"a\": \"\xff\"}"}, "metadata");
  refused({payout_to("0102030405", 5, "M-3"), std::nullopt,
           "{\"a\": \"" + std::string(PayoutRequest::kMaxMetadata, 'x') + "\"}"},
          "metadata");
  refused({payout_to("0102030405", 5, "M-3"), Recipient{"Awa", "Kone", "not-an-email"}, ""},
          "email");
  // Deep nesting costs every later dump a deep recursion: refused before it is parsed.
  refused({payout_to("0102030405", 5, "M-3"), std::nullopt,
           "{\"a\": " + std::string(2000, '[') + std::string(2000, ']') + "}"},
          "metadata");
  // The bound itself: metadata of exactly kMaxMetadata bytes is kept, one byte more refused.
  const std::string at_bound =
      "{\"a\": \"" + std::string(PayoutRequest::kMaxMetadata - 9, 'x') + "\"}";
  ASSERT_EQ(at_bound.size(), PayoutRequest::kMaxMetadata);
  refused({payout_to("0102030405", 5, "M-3"), std::nullopt, "{\"a\": \"x" + at_bound.substr(7)},
          "metadata");
  ledger.submit(
      std::vector<PayoutRequest>{{payout_to("0102030405", 5, "M-4"), std::nullopt, at_bound}});
  EXPECT_EQ(ledger.get("M-4")->metadata, at_bound);
  // The same id with other metadata, or another recipient, is another payout.
  refused({payout_to("0102030405", 500, "M-1"), awa, R"({"order": "B-1"})"},
          "client_transaction_id");
  refused({payout_to("0102030405", 500, "M-1"), std::nullopt, order}, "client_transaction_id");
}

TEST_P(LedgerTest, SameIdDifferentFieldsNamesTheIdAndRecordsNothing) {
  PayoutLedger ledger = open();
  ledger.submit(three_payouts());
  try {
    ledger.submit({payout_to("0102030405", 5, "L-5"), payout_to("0102030405", 2000, "L-2")});
    FAIL() << "expected a ValidationError";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "client_transaction_id");
    EXPECT_EQ(e.index(), std::optional<std::size_t>(1));
    EXPECT_THAT(e.what(), HasSubstr("L-2"));
  }
  EXPECT_FALSE(ledger.get("L-5").has_value());
  EXPECT_EQ(ledger.get("L-2")->request.amount, 1000);
}

TEST_P(LedgerTest, SubmitValidatesTheWholeBatchBeforeWriting) {
  PayoutLedger ledger = open();
  auto batch = three_payouts();
  batch[2].amount = 7;
  try {
    ledger.submit(batch);
    FAIL() << "expected a ValidationError";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "amount");
    EXPECT_EQ(e.index(), std::optional<std::size_t>(2));
  }
  EXPECT_TRUE(ledger.list().empty());
}

TEST_P(LedgerTest, SubmitRequiresAnId) {
  PayoutLedger ledger = open();
  auto batch = three_payouts();
  batch[1].client_transaction_id.clear();
  try {
    ledger.submit(batch);
    FAIL() << "expected a ValidationError";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "client_transaction_id");
    EXPECT_EQ(e.index(), std::optional<std::size_t>(1));
  }
  EXPECT_TRUE(ledger.list().empty());
}

TEST_P(LedgerTest, ListFiltersByStateAndSummaryCountsAmounts) {
  PayoutLedger ledger = open();
  ledger.submit(three_payouts());
  EXPECT_EQ(ledger.list(PayoutState::pending).size(), 3U);
  EXPECT_TRUE(ledger.list(PayoutState::paid).empty());
  EXPECT_EQ(ledger.list(std::nullopt, 2).size(), 2U);
  LedgerSummary s = ledger.summary();
  EXPECT_EQ(s.by_state[PayoutState::pending].count, 3U);
  EXPECT_EQ(s.by_state[PayoutState::pending].amount, 3000);
  EXPECT_EQ(s.by_state[PayoutState::paid].count, 0U);
  EXPECT_EQ(s.by_state.size(), all_payout_states().size());
  EXPECT_FALSE(s.idle());
  EXPECT_TRUE(ledger.changes_since(0).empty());
}

TEST_P(LedgerTest, ConcurrentSubmitsOfTheSameIdsRecordEachOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> fresh{0};
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&] {
      PayoutLedger mine = open();
      for (const auto& r : mine.submit(three_payouts())) fresh += r.already_submitted ? 0 : 1;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fresh.load(), 3);
  EXPECT_EQ(open().list().size(), 3U);
}

// Issue 19: a payout still pending can be cancelled; it is final, nothing paid, in the feed
// with its reason, and its history says who cancelled it and why.
TEST_P(LedgerTest, CancelOfAPendingPayoutIsFinalAndInTheFeed) {
  PayoutLedger ledger = open();
  ledger.submit(three_payouts());
  CancelResult r = ledger.cancel("L-2", "order A-17 refunded", "ops@desk");
  EXPECT_EQ(r.outcome, CancelOutcome::cancelled);
  ASSERT_TRUE(r.payout.has_value());
  EXPECT_EQ(r.payout->state, PayoutState::cancelled);

  Payout p = *open().get("L-2");
  EXPECT_EQ(p.state, PayoutState::cancelled);
  EXPECT_TRUE(is_final(p.state));
  EXPECT_EQ(p.sends, 0);
  ASSERT_EQ(p.history.size(), 2U);
  EXPECT_EQ(p.history[1].from, PayoutState::pending);
  EXPECT_EQ(p.history[1].to, PayoutState::cancelled);
  EXPECT_EQ(p.history[1].worker_id, "ops@desk");
  EXPECT_EQ(p.history[1].reason, "cancelled: order A-17 refunded");

  std::vector<PayoutChange> feed = open().changes_since(0);
  ASSERT_EQ(feed.size(), 1U);
  EXPECT_EQ(feed[0].client_transaction_id, "L-2");
  EXPECT_EQ(feed[0].state, PayoutState::cancelled);
  EXPECT_EQ(feed[0].reason, "cancelled: order A-17 refunded");
  EXPECT_EQ(open().summary().by_state[PayoutState::cancelled].count, 1U);
  EXPECT_EQ(open().list(PayoutState::cancelled).size(), 1U);

  // Again: final, and nothing more is written.
  CancelResult again = ledger.cancel("L-2", "twice");
  EXPECT_EQ(again.outcome, CancelOutcome::final);
  EXPECT_EQ(open().get("L-2")->history.size(), 2U);
  EXPECT_EQ(open().changes_since(0).size(), 1U);
  EXPECT_EQ(ledger.cancel("NOPE", "x").outcome, CancelOutcome::not_found);
  EXPECT_FALSE(ledger.cancel("NOPE", "x").payout.has_value());
}

// Issue 19: the switch is kept in the ledger, seen by every handle, with who, when and why.
TEST_P(LedgerTest, PauseIsKeptInTheLedgerWithWhoWhenAndWhy) {
  PayoutLedger ledger = open();
  EXPECT_FALSE(ledger.paused().paused);
  const auto before = std::chrono::system_clock::now() - std::chrono::seconds(1);
  ledger.pause("bank incident", "ops@desk");
  PauseStatus p = open().paused();
  EXPECT_TRUE(p.paused);
  EXPECT_EQ(p.by, "ops@desk");
  EXPECT_EQ(p.reason, "bank incident");
  EXPECT_GE(p.at, before);
  ledger.pause("still", "ops2");  // pausing again keeps it paused, with the last word
  EXPECT_EQ(open().paused().reason, "still");
  open().resume("ops@desk");
  p = ledger.paused();
  EXPECT_FALSE(p.paused);
  EXPECT_EQ(p.by, "ops@desk");
  EXPECT_EQ(p.reason, "");
}

INSTANTIATE_TEST_SUITE_P(Stores, LedgerTest, ::testing::ValuesIn(ledger_stores()), store_name);

// Issue 19: a version 3 ledger (before `cancelled` and the settings) is migrated to 4: its
// payouts kept, its state CHECK naming `cancelled` and still refusing other words.
TEST(SqliteMigration, AVersionThreeLedgerGainsCancelAndPause) {
  const std::string path = temp_sqlite_path();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql =
      "CREATE TABLE schema_version (version INTEGER NOT NULL);"
      "INSERT INTO schema_version (version) VALUES (3);";
  for (std::size_t v = 0; v < 3; ++v) {
    sql += detail::schema::migration_sql(detail::schema::migrations()[v],
                                         detail::schema::Dialect::sqlite);
    sql += ";";
  }
  sql +=
      "INSERT INTO payouts (client_transaction_id, prefix, phone, amount, notify_url, "
      "payment_method, state, created_at, updated_at, position) VALUES ('V3-1', '225', "
      "'0102030405', 500, 'http://127.0.0.1:9/n', '', 'pending', 1, 1, 1);"
      "INSERT INTO history (client_transaction_id, at, to_state, worker_id, lease_until, reason, "
      "api_code, treatment_status) VALUES ('V3-1', 1, 'pending', '', 0, 'submitted', 0, '');";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);

  PayoutLedger ledger = PayoutLedger::open("sqlite:" + path);
  EXPECT_EQ(sqlite_schema_version(path), 5);
  std::optional<Payout> kept = ledger.get("V3-1");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->request.amount, 500);
  EXPECT_EQ(kept->history.size(), 1U);
  EXPECT_EQ(ledger.cancel("V3-1", "migrated").outcome, CancelOutcome::cancelled);
  ledger.pause("after the migration");
  EXPECT_TRUE(ledger.paused().paused);
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE payouts SET state = 'bogus'", nullptr, nullptr, nullptr),
            SQLITE_OK)
      << "the state's CHECK must survive the rebuild";
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// The forward-only rule, on rows as the store gives them.
detail::PayoutRow row_in(PayoutState state, const std::string& treatment) {
  detail::PayoutRow r;
  r.payout.request = payout_to("0102030405", 500, "R-1");
  r.payout.state = state;
  r.payout.treatment_status = treatment;
  return r;
}

TransferStatus status_of(const char* word) {
  TransferStatus s;
  s.client_transaction_id = "R-1";
  s.transaction_id = "T1";
  s.amount = 500;
  s.treatment_status = TreatmentStatus(word);
  return s;
}

TEST(LedgerRules, ALateRecNeverOverwritesVal) {
  auto now = std::chrono::system_clock::now();
  EXPECT_FALSE(
      detail::advance(row_in(PayoutState::paid, "VAL"), status_of("REC"), now, now, "", "x"));
  EXPECT_FALSE(
      detail::advance(row_in(PayoutState::failed, "REJ"), status_of("VAL"), now, now, "", "x"));
  EXPECT_FALSE(
      detail::advance(row_in(PayoutState::accepted, "REC"), status_of("NEW"), now, now, "", "x"));
  EXPECT_FALSE(
      detail::advance(row_in(PayoutState::accepted, "REC"), status_of("REC"), now, now, "", "x"));
}

TEST(LedgerRules, StatusesMoveForward) {
  auto now = std::chrono::system_clock::now();
  auto t =
      detail::advance(row_in(PayoutState::accepted, "NEW"), status_of("REC"), now, now, "w", "x");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->next.payout.state, PayoutState::accepted);
  EXPECT_EQ(t->next.payout.treatment_status, "REC");
  EXPECT_EQ(t->expected_treatment_status, "NEW");

  auto paid =
      detail::advance(row_in(PayoutState::sending, ""), status_of("VAL"), now, now, "w", "x");
  ASSERT_TRUE(paid.has_value());
  EXPECT_EQ(paid->next.payout.state, PayoutState::paid);
  EXPECT_EQ(paid->next.payout.transaction_id, "T1");
  ASSERT_TRUE(paid->event.has_value());
  EXPECT_EQ(paid->event->from, PayoutState::sending);

  auto failed =
      detail::advance(row_in(PayoutState::unknown, ""), status_of("REJ"), now, now, "w", "x");
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->next.payout.state, PayoutState::failed);
}

TEST(LedgerRules, StateWordsRoundTrip) {
  for (PayoutState s : all_payout_states()) EXPECT_EQ(payout_state_from(to_string(s)), s);
  EXPECT_FALSE(payout_state_from("done").has_value());
  EXPECT_TRUE(is_final(PayoutState::rejected));
  EXPECT_TRUE(is_final(PayoutState::cancelled));
  EXPECT_EQ(to_string(PayoutState::cancelled), "cancelled");
  EXPECT_FALSE(is_final(PayoutState::unknown));
}

}  // namespace
}  // namespace cinetpay::mocks
