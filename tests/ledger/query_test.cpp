// The console's reads, on each store: search's filters and keyset pages, summary(query),
// activity per hour from the change feed, and the workers' heartbeats.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cinetpay/ledger.hpp>
#include <cinetpay/transfer.hpp>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "forwarding_store.hpp"
#include "hooked_transport.hpp"
#include "sandbox_fixture.hpp"
#include "stores.hpp"

namespace cinetpay::mocks {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using TimePoint = std::chrono::system_clock::time_point;

// 2026-01-01 00:00 UTC: a whole hour, so that activity's buckets are known in advance.
const TimePoint kStart{std::chrono::milliseconds(1767225600000)};

class QueryTest : public LedgerOnStore {
 protected:
  // The ledger's clock: what submissions and workers() read.
  [[nodiscard]] PayoutLedger ledger(LedgerAccess access = LedgerAccess::create) const {
    LedgerOptions o;
    o.access = access;
    o.clock = [this] { return kStart + std::chrono::milliseconds(now_ms_.load()); };
    return PayoutLedger::open(url(), o);
  }
  void at(std::chrono::milliseconds since_start) { now_ms_ = since_start.count(); }

  // Moves payout `id` as `change` says, through the store's compare-and-set, at `when`
  // (a final state enters the change feed then).
  void move(const std::string& id, std::chrono::milliseconds when,
            const std::function<void(Payout&)>& change) const {
    auto store = store_at(url());
    std::optional<detail::PayoutRow> before = store->find(id);
    ASSERT_TRUE(before.has_value()) << id;
    detail::Transition t;
    t.expected_state = before->payout.state;
    t.expected_worker = before->payout.worker_id;
    t.expected_treatment_status = before->payout.treatment_status;
    t.next = *before;
    change(t.next.payout);
    t.next.payout.updated_at = kStart + when;
    PayoutEvent e;
    e.at = kStart + when;
    e.from = before->payout.state;
    e.to = t.next.payout.state;
    e.reason = "moved by the test";
    t.event = e;
    ASSERT_EQ(store->apply({t}), std::vector<bool>{true}) << id;
  }

  // Five payouts, one a minute:
  //   Q-1 0102030405  500 OMCI   225 → paid at +10 min (TX-1, LOT-1)
  //   Q-2 0102030406 1000 WAVECI 225 → sending, held by w-1 until +5 min
  //   Q-3 0102030407 1500 OMCI   226 → failed at +70 min (TX-3, LOT-1)
  //   Q-4 0102030405 2000 WAVECI 225   pending
  //   Q-5 0102030408 2500 OMCI   225 → paid at +20 min (TX-5, LOT-5)
  void five_payouts() {
    struct Row {
      const char* id;
      const char* phone;
      std::int64_t amount;
      const char* method;
      const char* prefix;
      const char* metadata;
    };
    const Row rows[] = {
        {"Q-1", "0102030405", 500, "OMCI", "225", R"({"order":"A-100"})"},
        {"Q-2", "0102030406", 1000, "WAVECI", "225", R"({"order":"B_200%x"})"},
        {"Q-3", "0102030407", 1500, "OMCI", "226", R"({"note":"it's here"})"},
        {"Q-4", "0102030405", 2000, "WAVECI", "225", ""},
        {"Q-5", "0102030408", 2500, "OMCI", "225", R"({"order":"A-500"})"},
    };
    PayoutLedger l = ledger();
    int minute = 0;
    for (const Row& r : rows) {
      at(std::chrono::minutes(minute++));
      PayoutRequest p;
      p.transfer = payout_to(r.phone, r.amount, r.id);
      p.transfer.payment_method = r.method;
      p.transfer.prefix = r.prefix;
      p.metadata = r.metadata;
      (void)l.submit(std::vector<PayoutRequest>{p});
    }
    move("Q-1", 10min, [](Payout& p) {
      p.state = PayoutState::paid;
      p.transaction_id = "TX-1";
      p.lot = "LOT-1";
    });
    move("Q-2", 3min, [](Payout& p) {
      p.state = PayoutState::sending;
      p.worker_id = "w-1";
      p.lease_until = kStart + 5min;
    });
    move("Q-3", 70min, [](Payout& p) {
      p.state = PayoutState::failed;
      p.transaction_id = "TX-3";
      p.lot = "LOT-1";
    });
    move("Q-5", 20min, [](Payout& p) {
      p.state = PayoutState::paid;
      p.transaction_id = "TX-5";
      p.lot = "LOT-5";
    });
  }

  // The ids of search(query)'s first page, in its order.
  [[nodiscard]] std::vector<std::string> ids(const PayoutQuery& query) const {
    std::vector<std::string> out;
    for (const Payout& p : ledger().search(query).payouts)
      out.push_back(p.request.client_transaction_id);
    return out;
  }
  [[nodiscard]] std::vector<std::string> with_text(const std::string& text) const {
    PayoutQuery q;
    q.text = text;
    return ids(q);
  }
  [[nodiscard]] std::vector<std::string> in_metadata(const std::string& text) const {
    PayoutQuery q;
    q.metadata_contains = text;
    return ids(q);
  }

 private:
  std::atomic<std::int64_t> now_ms_{0};
};

TEST_P(QueryTest, NoFilterReadsEveryPayoutNewestFirst) {
  five_payouts();
  EXPECT_THAT(ids({}), ElementsAre("Q-5", "Q-4", "Q-3", "Q-2", "Q-1"));
  PayoutPage page = ledger().search({});
  EXPECT_FALSE(page.next.has_value());
  ASSERT_EQ(page.payouts.size(), 5U);
  EXPECT_EQ(page.payouts[0].metadata, R"({"order":"A-500"})");
  EXPECT_EQ(page.payouts[0].transaction_id, "TX-5");
  EXPECT_TRUE(page.payouts[0].history.empty());
}

TEST_P(QueryTest, EachFilterAlone) {
  five_payouts();
  PayoutQuery q;
  q.states = {PayoutState::paid, PayoutState::pending};
  EXPECT_THAT(ids(q), ElementsAre("Q-5", "Q-4", "Q-1"));

  q = {};
  q.created_from = kStart + 1min;  // at or after
  EXPECT_THAT(ids(q), ElementsAre("Q-5", "Q-4", "Q-3", "Q-2"));
  q = {};
  q.created_until = kStart + 2min;  // before
  EXPECT_THAT(ids(q), ElementsAre("Q-2", "Q-1"));

  q = {};
  q.amount_min = 1500;
  EXPECT_THAT(ids(q), ElementsAre("Q-5", "Q-4", "Q-3"));
  q = {};
  q.amount_max = 1000;
  EXPECT_THAT(ids(q), ElementsAre("Q-2", "Q-1"));

  q = {};
  q.payment_method = "WAVECI";
  EXPECT_THAT(ids(q), ElementsAre("Q-4", "Q-2"));
  q.payment_method = "WAVE";  // exact, not a prefix
  EXPECT_TRUE(ids(q).empty());

  q = {};
  q.prefix = "226";
  EXPECT_THAT(ids(q), ElementsAre("Q-3"));

  q = {};
  q.updated_before = kStart + 4min;  // Q-2 moved at +3, Q-4 submitted at +3, unchanged since
  EXPECT_THAT(ids(q), ElementsAre("Q-4", "Q-2"));

  q = {};
  q.lease_ended_before = kStart + 6min;  // w-1's lease of Q-2 ended at +5
  EXPECT_THAT(ids(q), ElementsAre("Q-2"));
  q.lease_ended_before = kStart + 5min;
  EXPECT_TRUE(ids(q).empty());
}

TEST_P(QueryTest, FiltersCombineAllMustHold) {
  five_payouts();
  PayoutQuery q;
  q.states = {PayoutState::paid, PayoutState::failed};
  q.payment_method = "OMCI";
  q.amount_min = 1000;
  EXPECT_THAT(ids(q), ElementsAre("Q-5", "Q-3"));
  q.prefix = "225";
  EXPECT_THAT(ids(q), ElementsAre("Q-5"));
  q.created_until = kStart + 4min;
  EXPECT_TRUE(ids(q).empty());

  PayoutQuery by_phone;
  by_phone.text = "0102030405";
  by_phone.states = {PayoutState::pending};
  EXPECT_THAT(ids(by_phone), ElementsAre("Q-4"));
}

TEST_P(QueryTest, TextMatchesEachIdExactlyAndMetadataContainsASubstring) {
  five_payouts();
  EXPECT_THAT(with_text("Q-3"), ElementsAre("Q-3"));
  EXPECT_THAT(with_text("TX-5"), ElementsAre("Q-5"));
  EXPECT_THAT(with_text("LOT-1"), ElementsAre("Q-3", "Q-1"));
  EXPECT_THAT(with_text("0102030405"), ElementsAre("Q-4", "Q-1"));
  // Exact on the ids: a part of one is no match, nor is the metadata.
  EXPECT_TRUE(with_text("TX-").empty());
  EXPECT_TRUE(with_text("01020304").empty());
  EXPECT_TRUE(with_text("A-100").empty());
  EXPECT_THAT(in_metadata("A-100"), ElementsAre("Q-1"));
  EXPECT_THAT(in_metadata("\"order\""), ElementsAre("Q-5", "Q-2", "Q-1"));
  EXPECT_TRUE(in_metadata("TX-5").empty()) << "an id is not the metadata";
  // The metadata's case counts, on both stores.
  EXPECT_TRUE(in_metadata("a-100").empty());
}

TEST_P(QueryTest, WildcardsAndQuotesInTheTextAreLiteral) {
  five_payouts();
  EXPECT_THAT(in_metadata("%"), ElementsAre("Q-2"));
  EXPECT_THAT(in_metadata("_"), ElementsAre("Q-2"));
  EXPECT_THAT(in_metadata("B_2"), ElementsAre("Q-2"));
  EXPECT_TRUE(in_metadata("A_100").empty());  // _ is no wildcard: A-100 does not match
  EXPECT_TRUE(in_metadata("A%0").empty());    // nor is %
  EXPECT_THAT(in_metadata("it's"), ElementsAre("Q-3"));
  EXPECT_TRUE(in_metadata("x' OR '1'='1").empty());
  EXPECT_TRUE(with_text("x' OR '1'='1").empty());
  EXPECT_THAT(in_metadata("\\"), ElementsAre());
}

TEST_P(QueryTest, PagesReturnEveryPayoutOnceNewestFirst) {
  PayoutLedger l = ledger();
  std::vector<TransferRequest> batch;
  for (int i = 0; i < 23; ++i) {
    batch.push_back(
        payout_to(i % 2 == 0 ? "0102030405" : "0102030406", 100 + 5 * i, "P-" + std::to_string(i)));
  }
  (void)l.submit(batch);

  auto all_pages = [&](PayoutQuery q) {
    std::vector<std::string> seen;
    int pages = 0;
    while (true) {
      PayoutPage page = l.search(q);
      ++pages;
      EXPECT_LE(page.payouts.size(), q.limit);
      for (const Payout& p : page.payouts) seen.push_back(p.request.client_transaction_id);
      if (!page.next) break;
      EXPECT_EQ(page.payouts.size(), q.limit);
      q.after = page.next;
      if (pages > 30) break;
    }
    return std::make_pair(seen, pages);
  };

  PayoutQuery q;
  q.limit = 5;
  auto [seen, pages] = all_pages(q);
  std::vector<std::string> expected;
  for (int i = 22; i >= 0; --i) expected.push_back("P-" + std::to_string(i));
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(pages, 5);  // 5 + 5 + 5 + 5 + 3

  // A page that ends exactly at the last payout says so: no empty page follows.
  q.limit = 23;
  EXPECT_EQ(all_pages(q).second, 1);

  // With a filter: the even ones, newest first, over pages of 4.
  PayoutQuery even;
  even.text = "0102030405";
  even.limit = 4;
  auto [even_seen, even_pages] = all_pages(even);
  std::vector<std::string> even_expected;
  for (int i = 22; i >= 0; i -= 2) even_expected.push_back("P-" + std::to_string(i));
  EXPECT_EQ(even_seen, even_expected);
  EXPECT_EQ(even_pages, 3);
}

TEST_P(QueryTest, ALimitOutOfRangeIsRefused) {
  five_payouts();
  for (std::size_t bad : {std::size_t{0}, PayoutQuery::kMaxLimit + 1}) {
    PayoutQuery q;
    q.limit = bad;
    try {
      (void)ledger().search(q);
      ADD_FAILURE() << "limit " << bad << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr("limit"));
    }
  }
  PayoutQuery most;
  most.limit = PayoutQuery::kMaxLimit;
  EXPECT_EQ(ledger().search(most).payouts.size(), 5U);
  PayoutQuery one;
  one.limit = 1;
  PayoutPage page = ledger().search(one);
  EXPECT_THAT(page.payouts.size(), 1U);
  EXPECT_TRUE(page.next.has_value());
}

TEST_P(QueryTest, SummaryOfAQueryCountsItsPayoutsByState) {
  five_payouts();
  PayoutQuery q;
  q.payment_method = "OMCI";
  q.limit = 1;  // ignored, as `after` is
  q.after = 1;
  LedgerSummary s = ledger().summary(q);
  EXPECT_EQ(s.by_state.size(), all_payout_states().size());
  EXPECT_EQ(s.by_state[PayoutState::paid].count, 2U);
  EXPECT_EQ(s.by_state[PayoutState::paid].amount, 3000);
  EXPECT_EQ(s.by_state[PayoutState::failed].count, 1U);
  EXPECT_EQ(s.by_state[PayoutState::failed].amount, 1500);
  EXPECT_EQ(s.by_state[PayoutState::pending].count, 0U);
  EXPECT_EQ(s.by_state[PayoutState::sending].count, 0U);

  PayoutQuery text;
  text.text = "0102030405";
  LedgerSummary by_phone = ledger().summary(text);
  EXPECT_EQ(by_phone.by_state[PayoutState::paid].count, 1U);
  EXPECT_EQ(by_phone.by_state[PayoutState::pending].amount, 2000);

  // No filter: the whole ledger, as summary() reads it.
  LedgerSummary all = ledger().summary(PayoutQuery{});
  EXPECT_EQ(all.by_state[PayoutState::paid].count,
            ledger().summary().by_state[PayoutState::paid].count);
  EXPECT_EQ(all.by_state[PayoutState::sending].amount, 1000);
}

TEST_P(QueryTest, ActivityCountsOutcomesPerHour) {
  five_payouts();
  move("Q-4", 59min, [](Payout& p) { p.state = PayoutState::cancelled; });
  std::vector<HourOfOutcomes> hours = ledger().activity(kStart, kStart + 2h);
  ASSERT_EQ(hours.size(), 2U);
  EXPECT_EQ(hours[0].hour, kStart);
  EXPECT_EQ(hours[0].by_state.size(), 2U);  // paid and cancelled: no other state present
  EXPECT_EQ(hours[0].by_state[PayoutState::paid].count, 2U);
  EXPECT_EQ(hours[0].by_state[PayoutState::paid].amount, 3000);
  EXPECT_EQ(hours[0].by_state[PayoutState::cancelled].amount, 2000);
  EXPECT_EQ(hours[1].hour, kStart + 1h);
  ASSERT_EQ(hours[1].by_state.size(), 1U);
  EXPECT_EQ(hours[1].by_state[PayoutState::failed].count, 1U);

  // [from, until): the outcome at +10 min falls out of one that starts at +11.
  std::vector<HourOfOutcomes> later = ledger().activity(kStart + 11min, kStart + 70min);
  ASSERT_EQ(later.size(), 1U);
  EXPECT_EQ(later[0].by_state[PayoutState::paid].count, 1U);
  EXPECT_EQ(later[0].by_state.count(PayoutState::failed), 0U);
  EXPECT_TRUE(ledger().activity(kStart + 2h, kStart + 3h).empty());
}

TEST_P(QueryTest, HeartbeatsAndClaimsHeld) {
  five_payouts();
  auto store = store_at(url());
  store->heartbeat("w-1", kStart + 1min, R"({"a":1})");
  store->heartbeat("w-1", kStart + 4min, R"({"a":2})");  // started_at kept, the rest updated
  store->heartbeat("w-2", kStart + 2min, "{}");

  at(4min);  // w-1's lease of Q-2 holds until +5
  std::vector<WorkerStatus> seen = ledger().workers(kStart);
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].worker_id, "w-1");  // most recently seen first
  EXPECT_EQ(seen[0].started_at, kStart + 1min);
  EXPECT_EQ(seen[0].last_seen, kStart + 4min);
  EXPECT_EQ(seen[0].stats, R"({"a":2})");
  EXPECT_EQ(seen[0].claims_held, 1U);
  EXPECT_EQ(seen[1].worker_id, "w-2");
  EXPECT_EQ(seen[1].claims_held, 0U);

  at(6min);  // the lease ended: no claim held any more
  EXPECT_EQ(ledger().workers(kStart)[0].claims_held, 0U);
  // Only those seen since: w-2 was last seen at +2.
  seen = ledger().workers(kStart + 3min);
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].worker_id, "w-1");
  // A read-only ledger reads them too.
  EXPECT_EQ(ledger(LedgerAccess::read_only).workers(kStart).size(), 2U);
}

// A worker writes a heartbeat when its pass starts and when it renews its leases before
// each send, with its metrics; the console sees the claims it holds while a batch is on
// the wire, and none once the pass recorded the outcomes.
TEST_P(QueryTest, AWorkerBeatsWithItsMetricsAndItsClaimsShow) {
  SandboxFixture sandbox;
  sandbox.add_contact("0102030405");
  PayoutLedger l = ledger();
  (void)l.submit({payout_to("0102030405", 100, "H-1"), payout_to("0102030405", 200, "H-2"),
                  payout_to("0102030405", 300, "H-3")});

  auto registry = std::make_shared<MetricsRegistry>();
  registry->counter("passes_total", "Passes").with({}).increment(7);
  std::vector<WorkerStatus> during;
  ClientOptions co = sandbox.options();
  co.transport = std::make_shared<HookedTransport>(
      make_curl_transport(co),
      [&](const HttpRequest&) {
        at(3s);  // the clock the ledger reads: the leases run until +2 s + lease
        during = l.workers(kStart);
      },
      nullptr);
  WorkerOptions o = fast_worker("beating");
  o.concurrent = false;
  o.metrics = registry;
  std::atomic<int> tick{0};
  o.clock = [&tick] { return kStart + std::chrono::seconds(tick++); };
  PayoutWorker worker(sandbox.client(co), l, o);
  (void)worker.run_once();

  ASSERT_EQ(during.size(), 1U);
  EXPECT_EQ(during[0].worker_id, "beating");
  EXPECT_EQ(during[0].claims_held, 3U);
  EXPECT_EQ(during[0].started_at, kStart);               // the pass's first heartbeat
  EXPECT_GT(during[0].last_seen, during[0].started_at);  // the renewal's, before the send
  nlohmann::json stats = nlohmann::json::parse(during[0].stats);
  EXPECT_EQ(stats["passes_total"]["series"][0]["value"], 7.0);

  std::vector<WorkerStatus> after = l.workers(kStart);
  ASSERT_EQ(after.size(), 1U);
  EXPECT_EQ(after[0].claims_held, 0U);
}

// A store that refuses every heartbeat, as a locked or lost database would.
class NoHeartbeats : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  void heartbeat(const std::string&, detail::TimePoint, const std::string&) override {
    ++refused;
    throw LedgerError("ledger (test): heartbeat refused");
  }
  int refused = 0;
};

// A heartbeat the store refuses stops neither the pass nor its sends.
TEST_P(QueryTest, AFailedHeartbeatStopsNoPass) {
  SandboxFixture sandbox;
  sandbox.add_contact("0102030405");
  auto store = std::make_unique<NoHeartbeats>(store_at(url()));
  NoHeartbeats& refusing = *store;
  PayoutLedger l =
      detail::ledger_over_store(std::move(store), [] { return std::chrono::system_clock::now(); });
  (void)l.submit({payout_to("0102030405", 100, "F-1"), payout_to("0102030405", 200, "F-2")});
  for (bool concurrent : {false, true}) {
    WorkerOptions o = fast_worker("refused");
    o.concurrent = concurrent;
    PayoutWorker worker(sandbox.client(), l, o);
    EXPECT_NO_THROW((void)worker.run_until_idle(std::chrono::steady_clock::now() + 30s));
  }
  EXPECT_GE(refusing.refused, 2);
  EXPECT_TRUE(l.summary().idle());
  EXPECT_EQ(sandbox.transfers_with("F-1"), 1);
  EXPECT_TRUE(l.workers(std::chrono::system_clock::time_point{}).empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, QueryTest, ::testing::ValuesIn(ledger_stores()), store_name);

}  // namespace
}  // namespace cinetpay::mocks
