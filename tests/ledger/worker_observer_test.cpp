// Issue 19, event hooks: what a PayoutObserver hears of a worker and of a ledger, on each
// store. An observation follows the committed write that made it true, never a write that
// failed, and an observer that throws changes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cinetpay/ledger.hpp>
#include <cinetpay/metrics.hpp>
#include <cinetpay/transfer.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "cinetpay/testing/mock_transfer_api.hpp"
#include "forwarding_store.hpp"
#include "sandbox_fixture.hpp"
#include "stores.hpp"

namespace cinetpay::mocks {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* kSendPath = "/v1/transfer/money/send/contact";

// Every observation it hears, from any thread.
class Recorder {
 public:
  PayoutObserver observer() {
    return [this](const PayoutObservation& o) {
      std::lock_guard<std::mutex> lock(mu_);
      heard_.push_back(o);
    };
  }
  std::vector<PayoutObservation> of(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<PayoutObservation> out;
    for (const PayoutObservation& o : heard_) {
      if (o.client_transaction_id == id) out.push_back(o);
    }
    return out;
  }
  std::vector<PayoutActivity> activities(const std::string& id) const {
    std::vector<PayoutActivity> out;
    for (const PayoutObservation& o : of(id)) out.push_back(o.activity);
    return out;
  }
  std::size_t count(PayoutActivity activity) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t n = 0;
    for (const PayoutObservation& o : heard_) n += o.activity == activity ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<PayoutObservation> heard_;
};

// Activities by name, for readable failure messages.
std::vector<std::string> names(const std::vector<PayoutActivity>& activities) {
  std::vector<std::string> out;
  out.reserve(activities.size());
  for (PayoutActivity a : activities) out.emplace_back(to_string(a));
  return out;
}

class WorkerObserverTest : public LedgerOnStore {
 protected:
  void SetUp() override {
    LedgerOnStore::SetUp();
    sandbox_.add_contact("0102030405");
    sandbox_.add_contact("0102030499");  // its transfers end REJ
  }
  LedgerSummary run_to_the_end(PayoutWorker& worker) {
    LedgerSummary s = worker.run_until_idle(std::chrono::steady_clock::now() + 30s);
    EXPECT_TRUE(s.idle());
    return s;
  }

  SandboxFixture sandbox_;
};

TEST_P(WorkerObserverTest, APaidPayoutIsClaimedSentThenMovedByEachAnswerInOrder) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "O-paid"), payout_to("0102030499", 505, "O-fail")});
  Recorder heard;
  WorkerOptions options = fast_worker("w1");
  options.observer = heard.observer();
  PayoutWorker worker(sandbox_.client(), ledger, options);
  run_to_the_end(worker);

  for (const auto& [id, final_state] : std::map<std::string, PayoutState>{
           {"O-paid", PayoutState::paid}, {"O-fail", PayoutState::failed}}) {
    const std::vector<PayoutObservation> seen = heard.of(id);
    const std::vector<std::string> order = names(heard.activities(id));
    ASSERT_GE(seen.size(), 3U) << id << ": " << ::testing::PrintToString(order);
    EXPECT_EQ(seen[0].activity, PayoutActivity::claimed) << id;
    EXPECT_EQ(seen[0].state, PayoutState::sending) << id;
    EXPECT_EQ(seen[1].activity, PayoutActivity::sent) << id;
    EXPECT_EQ(seen[1].outcome, std::optional<TransferOutcome>(TransferOutcome::accepted)) << id;
    EXPECT_EQ(seen[1].state, PayoutState::accepted) << id;
    EXPECT_EQ(seen[2].activity, PayoutActivity::outcome) << id;
    EXPECT_EQ(seen[2].state, PayoutState::accepted) << id;
    // Then answers of check/money, the last one final, as the ledger holds it.
    for (std::size_t i = 2; i < seen.size(); ++i) {
      EXPECT_EQ(seen[i].activity, PayoutActivity::outcome) << id << ": " << order[i];
      EXPECT_FALSE(seen[i].outcome) << "only `sent` says what send_money found";
    }
    EXPECT_EQ(seen.back().state, final_state) << id;
    EXPECT_EQ(ledger.get(id)->state, final_state) << id;
    EXPECT_EQ(seen.back().treatment_status, final_state == PayoutState::paid ? "VAL" : "REJ");
    for (const PayoutObservation& o : seen) {
      EXPECT_EQ(o.worker_id, "w1") << id;
      EXPECT_NE(o.at, std::chrono::system_clock::time_point{}) << id;
    }
  }
}

TEST_P(WorkerObserverTest, AnAnswerLostThenFoundByLookupIsReportedSettled) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "O-lost")});
  sandbox_.fault("process_then_drop", kSendPath);
  Recorder heard;
  WorkerOptions options = fast_worker("w1");
  options.observer = heard.observer();
  PayoutWorker worker(sandbox_.client(), ledger, options);
  run_to_the_end(worker);

  const std::vector<PayoutObservation> seen = heard.of("O-lost");
  const std::vector<std::string> order = names(heard.activities("O-lost"));
  ASSERT_GE(seen.size(), 4U) << ::testing::PrintToString(order);
  EXPECT_EQ(seen[0].activity, PayoutActivity::claimed);
  EXPECT_EQ(seen[1].activity, PayoutActivity::sent);
  EXPECT_EQ(seen[1].outcome, std::optional<TransferOutcome>(TransferOutcome::unknown));
  EXPECT_EQ(seen[2].activity, PayoutActivity::outcome);
  EXPECT_EQ(seen[2].state, PayoutState::unknown);
  EXPECT_EQ(seen[3].activity, PayoutActivity::settled) << ::testing::PrintToString(order);
  EXPECT_EQ(seen[3].detail, "found by lookup");
  EXPECT_EQ(seen.back().state, ledger.get("O-lost")->state);
  EXPECT_EQ(heard.count(PayoutActivity::claimed), 1U) << "settled, never sent again";
}

TEST_P(WorkerObserverTest, AnOutageReportsTheClaimReleased) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "O-1"), payout_to("0102030405", 505, "O-2")});
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  ON_CALL(*api, send_money)
      .WillByDefault([](const auto&, const auto&) -> std::vector<TransferResult> {
        throw TransportError("connection refused", false);
      });
  Recorder heard;
  WorkerOptions options = fast_worker("w1");
  options.batch_size = 1;
  options.observer = heard.observer();
  PayoutWorker worker(TransferClient(api), ledger, options);
  EXPECT_TRUE(worker.run_once().unreachable);

  // The first batch's send met the outage; the second, claimed meanwhile, never left.
  const std::vector<PayoutObservation> first = heard.of("O-1");
  ASSERT_EQ(names(heard.activities("O-1")),
            (std::vector<std::string>{"claimed", "sent", "released"}));
  EXPECT_EQ(first[1].outcome, std::optional<TransferOutcome>(TransferOutcome::not_sent));
  EXPECT_EQ(first[2].state, PayoutState::pending);
  EXPECT_THAT(first[2].detail, HasSubstr("never reached CinetPay"));
  EXPECT_EQ(names(heard.activities("O-2")), (std::vector<std::string>{"claimed", "released"}));
  for (const std::string id : {"O-1", "O-2"}) {
    EXPECT_EQ(ledger.get(id)->state, PayoutState::pending) << id;
  }
}

// The same payouts, the same answers, with an observer that throws at every call and with
// none: the same states, codes and histories.
TEST_P(WorkerObserverTest, AnObserverThatThrowsChangesNothing) {
  auto answers = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  ON_CALL(*answers, send_money)
      .WillByDefault([](const std::vector<TransferRequest>& sent, const CallOptions&) {
        std::vector<TransferResult> out;
        for (const TransferRequest& t : sent) {
          TransferResult r;
          r.client_transaction_id = t.client_transaction_id;
          if (t.amount == 505) {
            r.outcome = TransferOutcome::rejected;
            r.error = ApiErrorInfo{724, "ERROR_PHONE_NOT_MY_CONTACT", ""};
          } else {
            r.outcome = TransferOutcome::accepted;
            r.transaction_id = "T" + t.client_transaction_id;
            r.lot = "L1";
            r.treatment_status = TreatmentStatus("NEW");
          }
          out.push_back(r);
        }
        return out;
      });
  PayoutLedger ledger = open();
  auto run = [&](const std::string& prefix, PayoutObserver observer) {
    ledger.submit(
        {payout_to("0102030405", 500, prefix + "1"), payout_to("0102030405", 505, prefix + "2")});
    WorkerOptions options = fast_worker("w1");
    options.observer = std::move(observer);
    PayoutWorker worker(TransferClient(answers), ledger, options);
    (void)worker.run_once();
    std::vector<std::string> payouts;
    for (const std::string n : {"1", "2"}) {
      const Payout p = *ledger.get(prefix + n);
      std::string line = std::string(to_string(p.state)) + " " + std::to_string(p.api_code);
      for (const PayoutEvent& e : p.history) line += " | " + e.reason;
      payouts.push_back(line);
    }
    return payouts;
  };
  std::atomic<int> calls{0};
  const auto quiet = run("QA-", nullptr);
  const auto loud = run("QB-", [&calls](const PayoutObservation&) {
    ++calls;
    throw std::runtime_error("observer failed");
  });
  EXPECT_GE(calls.load(), 6) << "claimed, sent and an outcome for each, at least";
  EXPECT_THAT(quiet[0], ::testing::StartsWith("accepted 0"));
  EXPECT_THAT(quiet[1], ::testing::StartsWith("rejected 724"));
  EXPECT_EQ(loud, quiet);
}

TEST_P(WorkerObserverTest, TheLedgerReportsCancelsAndNotifications) {
  Recorder heard;
  LedgerOptions options;
  options.observer = heard.observer();
  PayoutLedger ledger = PayoutLedger::open(url(), options);
  ledger.submit({payout_to("0102030405", 500, "N-1"), payout_to("0102030405", 505, "N-2")});

  EXPECT_EQ(ledger.cancel("N-2", "customer asked", "ops").outcome, CancelOutcome::cancelled);
  EXPECT_EQ(ledger.cancel("N-2", "again", "ops").outcome,
            CancelOutcome::final);  // nothing done: nothing told
  ASSERT_EQ(names(heard.activities("N-2")), (std::vector<std::string>{"cancelled"}));
  const PayoutObservation cancelled = heard.of("N-2").front();
  EXPECT_EQ(cancelled.state, PayoutState::cancelled);
  EXPECT_EQ(cancelled.detail, "cancelled: customer asked");
  EXPECT_TRUE(cancelled.worker_id.empty());

  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  TransferStatus sparse;  // a record that leaves out amount and recipient: refused
  sparse.transaction_id = "TX-N1";
  sparse.client_transaction_id = "N-1";
  sparse.treatment_status = TreatmentStatus("VAL");
  ON_CALL(*api, verify_notification).WillByDefault(::testing::Return(sparse));
  Notification n;
  n.transaction_id = "TX-N1";
  n.client_transaction_id = "N-1";
  EXPECT_EQ(ledger.apply_notification(TransferClient(api), n).outcome,
            NotificationOutcome::refused);
  ASSERT_EQ(names(heard.activities("N-1")), (std::vector<std::string>{"notified"}));
  EXPECT_EQ(heard.of("N-1").front().detail, "refused");
  EXPECT_EQ(heard.of("N-1").front().state, PayoutState::pending);

  TransferStatus foreign = sparse;
  foreign.client_transaction_id = "N-9";
  ON_CALL(*api, verify_notification).WillByDefault(::testing::Return(foreign));
  n.client_transaction_id = "N-9";
  EXPECT_EQ(ledger.apply_notification(TransferClient(api), n).outcome,
            NotificationOutcome::not_ours);
  ASSERT_EQ(heard.of("N-9").size(), 1U);
  EXPECT_EQ(heard.of("N-9").front().detail, "not_ours");
}

TEST_P(WorkerObserverTest, PayoutMetricsCountWhatTheWorkerAndTheLedgerDid) {
  auto registry = std::make_shared<MetricsRegistry>();
  LedgerOptions ledger_options;
  ledger_options.observer = payout_metrics(registry);
  PayoutLedger ledger = PayoutLedger::open(url(), ledger_options);
  ledger.submit({payout_to("0102030405", 500, "M-1"), payout_to("0102030405", 505, "M-2"),
                 payout_to("0102030405", 510, "M-3")});
  ASSERT_EQ(ledger.cancel("M-3", "", "ops").outcome, CancelOutcome::cancelled);
  // A contact CinetPay refuses to pay: rejected with its code, a refusal counted.
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  ON_CALL(*api, send_money)
      .WillByDefault([](const std::vector<TransferRequest>& sent, const CallOptions&) {
        std::vector<TransferResult> out;
        for (const TransferRequest& t : sent) {
          TransferResult r;
          r.client_transaction_id = t.client_transaction_id;
          r.outcome = TransferOutcome::rejected;
          r.error = ApiErrorInfo{724, "NOT_A_CONTACT", ""};
          out.push_back(r);
        }
        return out;
      });
  Recorder heard;
  WorkerOptions options = fast_worker("w1");
  options.concurrent = false;
  options.metrics = registry;  // counted there, and heard by the observer too
  options.observer = heard.observer();
  PayoutWorker worker(TransferClient(api), ledger, options);
  (void)worker.run_once();
  EXPECT_EQ(heard.count(PayoutActivity::claimed), 2U);

  const std::string text = registry->expose();
  EXPECT_THAT(text, HasSubstr("# TYPE cinetpay_payout_activity_total counter"));
  EXPECT_THAT(
      text, HasSubstr("cinetpay_payout_activity_total{activity=\"claimed\",state=\"sending\"} 2"));
  EXPECT_THAT(text,
              HasSubstr("cinetpay_payout_activity_total{activity=\"sent\",state=\"rejected\"} 2"));
  EXPECT_THAT(
      text, HasSubstr("cinetpay_payout_activity_total{activity=\"outcome\",state=\"rejected\"} 2"));
  EXPECT_THAT(
      text,
      HasSubstr("cinetpay_payout_activity_total{activity=\"cancelled\",state=\"cancelled\"} 1"));
  EXPECT_THAT(text, HasSubstr("cinetpay_payout_refusals_total{code=\"724\"} 2"));
  EXPECT_THAT(text, HasSubstr("# TYPE cinetpay_notifications_total counter"));

  // A notification of no payout here: counted by its result, with no state to count it by.
  TransferStatus foreign;
  foreign.transaction_id = "TX-9";
  foreign.client_transaction_id = "M-9";
  ON_CALL(*api, verify_notification).WillByDefault(::testing::Return(foreign));
  Notification n;
  n.transaction_id = "TX-9";
  n.client_transaction_id = "M-9";
  ASSERT_EQ(ledger.apply_notification(TransferClient(api), n).outcome,
            NotificationOutcome::not_ours);
  const std::string after = registry->expose();
  EXPECT_THAT(after, HasSubstr("cinetpay_notifications_total{result=\"not_ours\"} 1"));
  EXPECT_THAT(after, ::testing::Not(HasSubstr("activity=\"notified\"")));
  EXPECT_THROW((void)payout_metrics(nullptr), std::invalid_argument);
}

// A store whose transitions all fail to commit: the worker's outcomes are never written,
// so the observer must hear of the claim (committed) and of nothing after it.
class UnwritableStore : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  std::vector<bool> apply(const std::vector<detail::Transition>&) override {
    throw LedgerError("ledger (test): the commit failed");
  }
};

TEST_P(WorkerObserverTest, NothingIsToldOfAWriteThatDidNotCommit) {
  PayoutLedger ledger =
      detail::ledger_over_store(std::make_unique<UnwritableStore>(store_at(url())),
                                [] { return std::chrono::system_clock::now(); });
  ledger.submit({payout_to("0102030405", 500, "X-1")});
  Recorder heard;
  WorkerOptions options = fast_worker("w1");
  options.concurrent = false;
  options.observer = heard.observer();
  PayoutWorker worker(sandbox_.client(), ledger, options);
  EXPECT_THROW((void)worker.run_once(), LedgerError);
  EXPECT_EQ(names(heard.activities("X-1")), (std::vector<std::string>{"claimed"}));
  EXPECT_EQ(ledger.get("X-1")->state, PayoutState::sending) << "the claim alone committed";
}

// A store on which every compare-and-set loses (another writer got there first): nothing
// the worker applies is written, and the observer hears of the claim alone.
class LosingStore : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  std::vector<bool> apply(const std::vector<detail::Transition>& transitions) override {
    return std::vector<bool>(transitions.size(), false);
  }
};

TEST_P(WorkerObserverTest, NothingIsToldOfATransitionThatLostItsCompareAndSet) {
  PayoutLedger ledger = detail::ledger_over_store(std::make_unique<LosingStore>(store_at(url())),
                                                  [] { return std::chrono::system_clock::now(); });
  ledger.submit({payout_to("0102030405", 500, "X-1")});
  Recorder heard;
  WorkerOptions options = fast_worker("w1");
  options.concurrent = false;
  options.observer = heard.observer();
  PayoutWorker worker(sandbox_.client(), ledger, options);
  (void)worker.run_once();
  EXPECT_EQ(names(heard.activities("X-1")), (std::vector<std::string>{"claimed"}));
  EXPECT_EQ(ledger.get("X-1")->state, PayoutState::sending) << "the claim alone was written";
}

INSTANTIATE_TEST_SUITE_P(Stores, WorkerObserverTest, ::testing::ValuesIn(ledger_stores()),
                         store_name);

}  // namespace
}  // namespace cinetpay::mocks
