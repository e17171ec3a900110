// The operator's side of a ledger, on each store: big submits beside a worker, runs limited
// to some payouts or to their sending, named change-feed consumers, the reason a payout
// failed, and a webhook's deadline.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cinetpay/ledger.hpp>
#include <cinetpay/transfer.hpp>
#include <exception>
#include <thread>

#include "sandbox_fixture.hpp"
#include "stores.hpp"

namespace cinetpay::mocks {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class OperationsTest : public LedgerOnStore {
 protected:
  void SetUp() override {
    LedgerOnStore::SetUp();
    sandbox_.add_contact("0102030405");
    sandbox_.add_contact("0102030499");  // the sandbox refuses (REJ) transfers to this one
  }
  SandboxFixture sandbox_;
};

std::vector<TransferRequest> many(std::size_t n, const std::string& prefix) {
  std::vector<TransferRequest> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(payout_to("0102030405", 100, prefix + std::to_string(i)));
  }
  return out;
}

// A 400,000-row submit held SQLite's write lock for its whole transaction (about 64 s), and
// a worker beside it gave up after its busy timeout with "database is locked", leaving its
// payouts `sending`; a webhook's apply_notification would fail the same way. Submit now
// writes in chunks and leaves a gap between them: a worker and a webhook whose lock wait is
// far shorter than the whole submit keep working.
TEST_P(OperationsTest, AWorkerAndAWebhookBesideABigSubmitKeepWorking) {
  open().submit(many(3, "EARLY-"));
  // How long one chunk holds the lock on this machine and build (a sanitizer slows it many
  // times): the worker's wait is a few chunks, far shorter than the whole submit.
  const auto warm_started = std::chrono::steady_clock::now();
  open().submit(many(PayoutLedger::kSubmitChunk, "WARM-"));
  const auto chunk = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - warm_started);
  // Enough rows that one transaction of them all would hold SQLite's lock for several
  // times the worker's wait; PostgreSQL's inserts take no lock a worker waits for.
  const std::size_t rows = (GetParam().name == "sqlite" ? 30 : 3) * std::size_t{2000};
  std::atomic<bool> submitting{true};
  std::exception_ptr submit_failure;
  std::thread submitter([&] {
    try {
      EXPECT_EQ(open().submit(many(rows, "BIG-")).size(), rows);
    } catch (...) {
      submit_failure = std::current_exception();
    }
    submitting = false;
  });
  LedgerOptions impatient;
  impatient.lock_wait = std::max<std::chrono::milliseconds>(250ms, 4 * chunk);
  PayoutLedger ledger = PayoutLedger::open(url(), impatient);
  WorkerOptions options = fast_worker("beside");
  options.batch_size = 2;
  options.batches_per_pass = 1;
  PayoutWorker worker(sandbox_.client(), ledger, options);
  Notification webhook;  // EARLY-0 is sent by the first pass: its notifications verify
  webhook.client_transaction_id = "EARLY-0";
  std::size_t passes = 0;
  try {
    while (submitting) {
      (void)worker.run_once();
      (void)ledger.apply_notification(sandbox_.client(), webhook);
      ++passes;
    }
  } catch (const LedgerError& e) {
    submitter.join();
    FAIL() << "the worker or the webhook failed beside the submit: " << e.what();
  }
  submitter.join();
  if (submit_failure) std::rethrow_exception(submit_failure);
  EXPECT_GT(passes, 0U);
  EXPECT_EQ(ledger.summary().by_state[PayoutState::sending].count, 0U);
  std::size_t total = 0;
  for (const auto& [state, t] : ledger.summary().by_state) total += t.count;
  EXPECT_EQ(total, rows + PayoutLedger::kSubmitChunk + 3);
}

// Submit checks every id against the ledger before it writes anything: a batch spanning
// several chunks whose last payout conflicts with a recorded one records nothing.
TEST_P(OperationsTest, ABatchOfSeveralChunksWithAConflictRecordsNothing) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "C-LAST")});
  std::vector<TransferRequest> batch = many(PayoutLedger::kSubmitChunk + 5, "C-");
  batch.push_back(payout_to("0102030405", 1000, "C-LAST"));
  try {
    ledger.submit(batch);
    FAIL() << "expected a ValidationError";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.index(), batch.size() - 1);
    EXPECT_THAT(e.what(), HasSubstr("nothing of this batch was recorded"));
  }
  EXPECT_EQ(ledger.list().size(), 1U);

  std::vector<TransferRequest> twice = many(3, "D-");
  twice.push_back(payout_to("0102030405", 5, "D-1"));
  EXPECT_THROW(ledger.submit(twice), ValidationError);
  EXPECT_EQ(ledger.list().size(), 1U);
}

// run_until_idle waited for every payout of the ledger and could not be limited to some.
TEST_P(OperationsTest, ARunLimitedToIdsSendsAndWaitsForThoseOnly) {
  PayoutLedger ledger = open();
  ledger.submit(many(4, "R-"));
  PayoutWorker worker(sandbox_.client(), ledger, fast_worker("scoped"));
  RunScope scope;
  scope.client_transaction_ids = {"R-1", "R-3"};
  LedgerSummary s = worker.run_until_idle(std::chrono::steady_clock::now() + 30s, scope);
  EXPECT_TRUE(s.idle());
  EXPECT_EQ(s.by_state[PayoutState::paid].count, 2U);
  EXPECT_EQ(ledger.get("R-1")->state, PayoutState::paid);
  EXPECT_EQ(ledger.get("R-3")->state, PayoutState::paid);
  for (const char* left : {"R-0", "R-2"}) {
    Payout p = *ledger.get(left);
    EXPECT_EQ(p.state, PayoutState::pending) << left;
    EXPECT_EQ(p.sends, 0) << left;
  }
  EXPECT_EQ(sandbox_.transfers_with("R-0"), 0);

  scope.client_transaction_ids = {"R-0", "NOT-THERE"};
  EXPECT_THROW(worker.run_until_idle(std::chrono::steady_clock::now() + 30s, scope),
               std::invalid_argument);
  EXPECT_EQ(ledger.get("R-0")->sends, 0);
}

// One payout CinetPay holds before its final status made every run sit to its deadline.
TEST_P(OperationsTest, ARunUntilSentDoesNotWaitForAcceptedPayoutsToTurnFinal) {
  sandbox::SandboxOptions holding = fast_sandbox();
  holding.require_confirmation = true;  // transfers wait in NOS until confirmed
  SandboxFixture held(holding);
  held.add_contact("0102030405");
  PayoutLedger ledger = open();
  ledger.submit(many(3, "H-"));
  PayoutWorker worker(held.client(), ledger, fast_worker("until-sent"));
  RunScope scope;
  scope.until = RunUntil::sent;
  const auto started = std::chrono::steady_clock::now();
  LedgerSummary s = worker.run_until_idle(started + 60s, scope);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  EXPECT_TRUE(s.sent());
  EXPECT_FALSE(s.idle());
  EXPECT_EQ(s.by_state[PayoutState::accepted].count, 3U);
}

// The change feed's cursor was the merchant's to keep: a consumer restarted with a fresh
// cursor was told old payouts again. The ledger keeps each named consumer's place.
TEST_P(OperationsTest, ANamedConsumerResumesWhereItAcknowledged) {
  PayoutLedger ledger = open();
  ledger.submit(many(5, "F-"));
  PayoutWorker worker(sandbox_.client(), ledger, fast_worker("feed"));
  ASSERT_TRUE(worker.run_until_idle(std::chrono::steady_clock::now() + 30s).idle());

  std::vector<PayoutChange> first = open().changes_for("orders", 2);
  ASSERT_EQ(first.size(), 2U);
  EXPECT_EQ(open().changes_for("orders").size(), 5U);  // reading moves nothing
  open().acknowledge("orders", first.back().cursor);
  EXPECT_EQ(open().acknowledged("orders"), first.back().cursor);

  std::vector<PayoutChange> rest = open().changes_for("orders");  // as after a restart
  ASSERT_EQ(rest.size(), 3U);
  EXPECT_GT(rest.front().cursor, first.back().cursor);
  EXPECT_EQ(open().changes_for("accounting").size(), 5U);  // each consumer its own place

  open().acknowledge("orders", rest.back().cursor);
  open().acknowledge("orders", first.front().cursor);  // never moves back
  EXPECT_TRUE(open().changes_for("orders").empty());
  EXPECT_THROW(open().acknowledge("orders", rest.back().cursor + 1), std::invalid_argument);
  EXPECT_EQ(open().acknowledged("orders"), rest.back().cursor);
  EXPECT_THROW((void)open().changes_for(""), std::invalid_argument);

  LedgerOptions reader;
  reader.access = LedgerAccess::read_only;
  EXPECT_EQ(PayoutLedger::open(url(), reader).changes_for("accounting").size(), 5U);
}

// A REJ in the feed carried no reason: CinetPay's comment on the status was dropped.
TEST_P(OperationsTest, AFailedPayoutInTheFeedCarriesCinetPaysComment) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "Q-PAID"), payout_to("0102030499", 500, "Q-REJ")});
  PayoutWorker worker(sandbox_.client(), ledger, fast_worker("reasons"));
  ASSERT_TRUE(worker.run_until_idle(std::chrono::steady_clock::now() + 30s).idle());
  std::map<std::string, PayoutChange> by_id;
  for (PayoutChange& c : ledger.changes_since(0)) by_id[c.client_transaction_id] = c;
  ASSERT_EQ(by_id.at("Q-REJ").state, PayoutState::failed);
  EXPECT_THAT(by_id.at("Q-REJ").reason, HasSubstr("Transfert rejet"));
  EXPECT_EQ(by_id.at("Q-PAID").state, PayoutState::paid);
  EXPECT_THAT(ledger.get("Q-REJ")->history.back().reason, HasSubstr("Transfert rejet"));
}

// A webhook that must answer within 2 s could not bound apply_notification.
TEST_P(OperationsTest, ANotificationIsAppliedWithinTheCallersDeadline) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "N-1")});
  PayoutWorker worker(sandbox_.client(), ledger, fast_worker("notified"));
  (void)worker.run_once();
  Notification n;
  n.client_transaction_id = "N-1";
  const Payout before = *ledger.get("N-1");
  EXPECT_THROW((void)ledger.apply_notification(
                   sandbox_.client(), n, CallOptions::until(std::chrono::steady_clock::now() - 1s)),
               TransportError);
  EXPECT_EQ(ledger.get("N-1")->history.size(), before.history.size());
  NotificationResult r = ledger.apply_notification(sandbox_.client(), n, CallOptions(2s));
  EXPECT_NE(r.outcome, NotificationOutcome::not_ours);
}

INSTANTIATE_TEST_SUITE_P(Stores, OperationsTest, ::testing::ValuesIn(ledger_stores()), store_name);

// A ledger of schema version 1 (before named consumers and the feed's reasons) is migrated:
// its feed keeps every entry and gains the payouts' last reasons.
TEST(SqliteMigration, AVersionOneLedgerGainsConsumersAndReasons) {
  SandboxFixture sandbox;
  sandbox.add_contact("0102030499");
  const std::string path = temp_sqlite_path();
  {
    PayoutLedger ledger = PayoutLedger::open("sqlite:" + path);
    ledger.submit({payout_to("0102030499", 500, "M-1")});
    PayoutWorker worker(sandbox.client(), ledger, fast_worker("old"));
    ASSERT_TRUE(worker.run_until_idle(std::chrono::steady_clock::now() + 30s).idle());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE workers; DROP INDEX changes_by_at; "
                         "DROP TABLE settings; "
                         "DROP TABLE consumers; ALTER TABLE changes DROP COLUMN reason; "
                         "DROP TABLE contacts; ALTER TABLE history DROP COLUMN repeats; "
                         "ALTER TABLE history DROP COLUMN last_at; "
                         "ALTER TABLE payouts DROP COLUMN name; "
                         "ALTER TABLE payouts DROP COLUMN surname; "
                         "ALTER TABLE payouts DROP COLUMN email; "
                         "ALTER TABLE payouts DROP COLUMN metadata; "
                         "UPDATE schema_version SET version = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  PayoutLedger ledger = PayoutLedger::open("sqlite:" + path);
  std::vector<PayoutChange> feed = ledger.changes_for("orders");
  ASSERT_EQ(feed.size(), 1U);
  EXPECT_EQ(feed[0].reason, ledger.get("M-1")->detail);
  EXPECT_THAT(feed[0].reason, HasSubstr("Transfert rejet"));
  ledger.acknowledge("orders", feed[0].cursor);
  EXPECT_TRUE(ledger.changes_for("orders").empty());
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

}  // namespace
}  // namespace cinetpay::mocks
