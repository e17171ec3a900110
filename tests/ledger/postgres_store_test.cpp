// What only the PostgreSQL store has to get right: several workers on one database at once
// (migrations, claims that skip each other's rows, change-feed order), and a lost server.
// Everything both stores do is in the parameterized suite (ledger_test.cpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <optional>
#include <set>
#include <thread>

#include "bounded_wait.hpp"
#include "cinetpay/ledger.hpp"
#include "ledger/pq.hpp"
#include "ledger/schema.hpp"
#include "ledger/store.hpp"
#include "postgres_server.hpp"

namespace cinetpay::detail {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

const TimePoint kT0 = from_millis(1'800'000'000'000);

std::string id_of(int i) { return "P-" + std::to_string(i); }

std::vector<PayoutRow> pending_rows(int n) {
  std::vector<PayoutRow> rows(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    Payout& p = rows[static_cast<std::size_t>(i)].payout;
    p.request = {"225", "0102030405", 100 + 5 * i, "http://127.0.0.1:9/notify", id_of(i + 1), ""};
    p.created_at = p.updated_at = kT0;
  }
  return rows;
}

PayoutEvent submitted() {
  PayoutEvent e;
  e.at = kT0;
  e.reason = "submitted";
  return e;
}

Claim claim_of(Claim::Kind kind, const std::string& worker, TimePoint now, std::size_t limit) {
  return {kind, worker, now, now + 30s, limit, "claimed", {}};
}

std::vector<std::string> ids(const std::vector<PayoutRow>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const PayoutRow& r : rows) out.push_back(r.payout.request.client_transaction_id);
  return out;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  std::string url = mocks::test_database();
  std::unique_ptr<LedgerStore> store = open_postgres_store(url);
  pq::Connection raw = pq::Connection::open(url);
};

TEST_F(PostgresStoreTest, ManyWorkersStartingAtOnceMigrateOnce) {
  std::string fresh = mocks::test_database();
  std::promise<void> go;
  std::shared_future<void> started = go.get_future().share();
  std::vector<std::future<void>> workers;
  workers.reserve(6);
  for (int i = 0; i < 6; ++i) {
    workers.push_back(std::async(std::launch::async, [&] {
      started.wait();
      open_postgres_store(fresh);
    }));
  }
  go.set_value();
  for (auto& w : workers) {
    ASSERT_TRUE(mocks::ready_within(w)) << "a store did not open within the bound";
    EXPECT_NO_THROW(w.get());
  }
  pq::Result versions = pq::Connection::open(fresh).exec("SELECT version FROM schema_version");
  ASSERT_EQ(versions.rows(), 1);
  EXPECT_EQ(versions.integer(0, 0), static_cast<int>(schema::migrations().size()))
      << "every migration, once";
}

TEST_F(PostgresStoreTest, AClaimSkipsRowsAnotherWorkerHoldsInsteadOfWaiting) {
  store->insert(pending_rows(20), submitted());
  std::optional<pq::Transaction> holding(std::in_place, raw);
  raw.exec("SELECT 1 FROM payouts ORDER BY position LIMIT 5 FOR UPDATE");

  auto claimed = std::async(
      std::launch::async, [&] { return store->claim(claim_of(Claim::Kind::send, "w1", kT0, 10)); });
  bool skipped = mocks::ready_within(claimed);
  holding.reset();  // a claim stuck on the locks ends now, and the test with it
  ASSERT_TRUE(skipped) << "the claim waited for a lock";
  std::vector<std::string> expected;
  for (int i = 6; i <= 15; ++i) expected.push_back(id_of(i));
  std::vector<PayoutRow> rows = claimed.get();
  EXPECT_EQ(ids(rows), expected);
  EXPECT_EQ(rows[0].payout.state, PayoutState::sending);
  EXPECT_EQ(rows[0].payout.worker_id, "w1");
  EXPECT_EQ(rows[0].payout.sends, 1);
  EXPECT_EQ(rows[0].last_sent_at, kT0);
}

TEST_F(PostgresStoreTest, WorkersClaimingAtOnceNeverTakeOnePayoutTwice) {
  constexpr int kPayouts = 300;
  store->insert(pending_rows(kPayouts), submitted());
  std::vector<std::future<std::vector<std::string>>> workers;
  workers.reserve(4);
  for (int w = 0; w < 4; ++w) {
    workers.push_back(std::async(std::launch::async, [this, w] {
      std::unique_ptr<LedgerStore> own = open_postgres_store(url);
      std::vector<std::string> mine;
      // Each claim takes one payout at least: more claims than payouts is a store that
      // hands out the same rows again, which the counts below catch.
      for (int claims = 0; claims <= kPayouts; ++claims) {
        auto rows = own->claim(claim_of(Claim::Kind::send, "w" + std::to_string(w), kT0, 7));
        if (rows.empty()) break;
        for (const std::string& id : ids(rows)) mine.push_back(id);
      }
      return mine;
    }));
  }
  std::multiset<std::string> all;
  for (auto& w : workers) {
    ASSERT_TRUE(mocks::ready_within(w)) << "a worker did not run out of payouts within the bound";
    for (const std::string& id : w.get()) all.insert(id);
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kPayouts));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  pq::Result claims = raw.exec(
      "SELECT count(*), count(DISTINCT client_transaction_id) FROM history "
      "WHERE to_state = 'sending'");
  EXPECT_EQ(claims.integer(0, 0), kPayouts);
  EXPECT_EQ(claims.integer(0, 1), kPayouts);
}

TEST_F(PostgresStoreTest, OnlyExpiredLeasesAreTakenForSettling) {
  store->insert(pending_rows(5), submitted());
  store->claim(claim_of(Claim::Kind::send, "dead", kT0, 3));
  EXPECT_TRUE(store->claim(claim_of(Claim::Kind::settle, "w2", kT0 + 29s, 10)).empty());

  std::vector<PayoutRow> taken = store->claim(claim_of(Claim::Kind::settle, "w2", kT0 + 31s, 10));
  EXPECT_EQ(ids(taken), (std::vector<std::string>{id_of(1), id_of(2), id_of(3)}));
  EXPECT_EQ(taken[0].payout.state, PayoutState::unknown);
  EXPECT_EQ(taken[0].payout.worker_id, "w2");
  EXPECT_EQ(taken[0].payout.sends, 1);
  std::vector<PayoutEvent> history = store->history(id_of(1));
  ASSERT_EQ(history.size(), 3U);
  EXPECT_EQ(history[2].from, PayoutState::sending);
  EXPECT_EQ(history[2].to, PayoutState::unknown);
  EXPECT_EQ(history[2].worker_id, "w2");
  EXPECT_EQ(history[2].lease_until, kT0 + 61s);
  EXPECT_EQ(store->find(id_of(4))->payout.state, PayoutState::pending);
}

// apply() sends a batch in one statement; a payout named twice in one batch has its second
// transition decided on what the first left, as if they came one by one.
TEST_F(PostgresStoreTest, ABatchNamingAPayoutTwiceAppliesItInOrder) {
  store->insert(pending_rows(2), submitted());
  std::vector<PayoutRow> rows = store->claim(claim_of(Claim::Kind::send, "w1", kT0, 2));
  ASSERT_EQ(rows.size(), 2U);
  auto to = [](const PayoutRow& from, PayoutState state, const std::string& treatment) {
    Transition t{from.payout.state, from.payout.worker_id, from.payout.treatment_status, from,
                 PayoutEvent{}};
    t.next.payout.state = state;
    t.next.payout.treatment_status = treatment;
    t.next.payout.worker_id.clear();
    t.event->from = from.payout.state;
    t.event->to = state;
    t.event->reason = "to " + std::string(to_string(state)) + " \"quoted\" \\ é";
    return t;
  };
  Transition accepted = to(rows[0], PayoutState::accepted, "NEW");
  Transition paid = to(accepted.next, PayoutState::paid, "VAL");
  Transition stale = to(rows[0], PayoutState::failed, "REJ");  // decided on the claimed row
  Transition other = to(rows[1], PayoutState::accepted, "NEW");
  EXPECT_EQ(store->apply({accepted, other, paid, stale}),
            (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(store->find(id_of(1))->payout.state, PayoutState::paid);
  EXPECT_EQ(store->find(id_of(2))->payout.state, PayoutState::accepted);
  std::vector<PayoutEvent> events = store->history(id_of(1));
  ASSERT_EQ(events.size(), 4U);
  EXPECT_EQ(events[2].reason, "to accepted \"quoted\" \\ é");
  EXPECT_EQ(events[3].to, PayoutState::paid);
  std::vector<PayoutChange> feed = store->changes_after(0, 10);
  ASSERT_EQ(feed.size(), 1U);
  EXPECT_EQ(feed[0].client_transaction_id, id_of(1));
}

// A feed reader must never pass a cursor that is still uncommitted: it would never see it.
TEST_F(PostgresStoreTest, ChangeFeedCursorsBecomeVisibleInCommitOrder) {
  store->insert(pending_rows(2), submitted());
  PayoutRow row = store->claim(claim_of(Claim::Kind::send, "w1", kT0, 1)).at(0);
  Transition paid{PayoutState::sending, "w1", "", row, std::nullopt};
  paid.next.payout.state = PayoutState::paid;
  paid.next.payout.treatment_status = "VAL";
  paid.next.payout.worker_id.clear();

  // A slower writer got cursor 1 first and has not committed yet.
  std::optional<pq::Transaction> slow(std::in_place, raw);
  raw.exec("SELECT pg_advisory_xact_lock(x'63696e6574706179'::bigint + 1)");
  raw.exec_with("INSERT INTO changes (client_transaction_id, state, at) VALUES ($1, 'failed', 0)",
                id_of(2));
  auto applied = std::async(std::launch::async, [&] { return store->apply({paid}); });
  pq::Connection watcher = pq::Connection::open(url);
  bool queued = mocks::eventually([&] {
    return watcher.exec("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
               .rows() != 0;
  });
  if (!queued) slow.reset();  // releases apply(), so that the test ends
  ASSERT_TRUE(queued) << "apply() did not queue for the feed";
  EXPECT_TRUE(open_postgres_store(url)->changes_after(0, 10).empty());

  slow->commit();
  ASSERT_TRUE(mocks::ready_within(applied)) << "apply() did not finish within the bound";
  EXPECT_EQ(applied.get(), std::vector<bool>{true});
  std::vector<PayoutChange> feed = store->changes_after(0, 10);
  ASSERT_EQ(feed.size(), 2U);
  EXPECT_EQ(feed[0].client_transaction_id, id_of(2));
  EXPECT_EQ(feed[1].client_transaction_id, id_of(1));
  EXPECT_EQ(feed[1].state, PayoutState::paid);
  EXPECT_LT(feed[0].cursor, feed[1].cursor);
}

TEST_F(PostgresStoreTest, ALostConnectionFailsOneCallAndTheNextReconnects) {
  store->insert(pending_rows(1), submitted());
  raw.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  try {
    store->find(id_of(1));
    FAIL() << "a terminated connection answered";
  } catch (const LedgerError& e) {
    EXPECT_THAT(e.what(), HasSubstr("postgresql"));
  }
  EXPECT_EQ(store->find(id_of(1))->payout.state, PayoutState::pending);
}

TEST(PostgresLedgerOpen, ErrorsNeverShowThePassword) {
  std::string url = mocks::test_server_url("no_such_db");
  url.replace(url.find(":///"), 4, "://postgres:sekret-pw@/");
  try {
    PayoutLedger::open(url);
    FAIL() << "opened a database that does not exist";
  } catch (const LedgerError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no_such_db"));
    EXPECT_THAT(e.what(), Not(HasSubstr("sekret-pw")));
  }
}

TEST(PostgresLedgerOpen, AMistypedSchemeNeverShowsThePassword) {
  try {
    PayoutLedger::open("postgresq://payouts:sekret-pw@db.internal/payouts");
    FAIL() << "opened a URL of an unknown scheme";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("postgresq"));
    EXPECT_THAT(e.what(), Not(HasSubstr("sekret-pw")));
  }
}

}  // namespace
}  // namespace cinetpay::detail
