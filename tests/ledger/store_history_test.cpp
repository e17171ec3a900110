// How each store counts repeated events (schema::plan_event's rule, and logging() in SQL for
// PostgreSQL): an outage's claim-and-release cycle stays a few rows, and the history still
// reads as the chain of what happened, each event leaving the state the one before reached.
// And what a transition marked unless_paused meets when sending is paused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ledger/store.hpp"
#include "stores.hpp"

namespace cinetpay::mocks {
namespace {

using detail::LedgerStore;
using detail::PayoutRow;
using ::testing::ElementsAre;

const detail::TimePoint kT0 = detail::from_millis(1'800'000'000'000);

// One payout, moved by hand: each move a compare-and-set from where the last one left it.
class StoreHistoryTest : public LedgerOnStore {
 protected:
  void SetUp() override {
    LedgerOnStore::SetUp();
    store_ = store_at(url());
    row_.payout.request = {"225", "0102030405", 500, "http://127.0.0.1:9/n", "H-1", ""};
    row_.payout.created_at = row_.payout.updated_at = kT0;
    PayoutEvent submitted;
    submitted.at = kT0;
    submitted.reason = "submitted";
    store_->insert({row_}, submitted);
  }

  // Moves the payout to `to`, its event saying `reason`.
  void move(PayoutState to, const std::string& reason) {
    PayoutRow next = row_;
    next.payout.state = to;
    PayoutEvent e;
    e.at = kT0 + std::chrono::seconds(++moves_);
    e.from = row_.payout.state;
    e.to = to;
    e.worker_id = "w1";
    e.reason = reason;
    ASSERT_EQ(store_->apply({{row_.payout.state, row_.payout.worker_id,
                              row_.payout.treatment_status, next, e}}),
              std::vector<bool>{true})
        << reason;
    row_ = next;
  }

  // The history as rows "reason xN".
  std::vector<std::string> rows() {
    std::vector<std::string> out;
    for (const PayoutEvent& e : store_->history("H-1")) {
      out.push_back(e.reason + " x" + std::to_string(e.repeats));
    }
    return out;
  }

  std::unique_ptr<LedgerStore> store_;
  PayoutRow row_;
  int moves_ = 0;
};

using S = PayoutState;

// A claim and its release, repeated while CinetPay is out of reach: counted on the first
// pair, whatever the number of cycles.
TEST_P(StoreHistoryTest, ARepeatedClaimAndReleaseIsCountedOnItsFirstPair) {
  for (int cycle = 0; cycle < 3; ++cycle) {
    move(S::sending, "claimed");
    move(S::pending, "released");
  }
  EXPECT_THAT(rows(), ElementsAre("submitted x1", "claimed x3", "released x3"));
}

// X Y X then Z is no repeated pair: the last claim stays a row of its own, or the history
// would end in `pending` while the payout is `unknown`.
TEST_P(StoreHistoryTest, ACycleEndedByAnotherEventKeepsItsLastClaim) {
  move(S::sending, "claimed");
  move(S::pending, "released");
  move(S::sending, "claimed");
  move(S::unknown, "answer lost");
  EXPECT_THAT(rows(), ElementsAre("submitted x1", "claimed x1", "released x1", "claimed x1",
                                  "answer lost x1"));
}

// Y X Y whose X is not the event before the first Y is no repeated pair either: folding it
// would count the first claim twice and drop the resend.
TEST_P(StoreHistoryTest, AnEventEqualToTheOneBeforeLastIsNoPairUnlessThePairRepeats) {
  move(S::sending, "claimed");
  move(S::unknown, "answer lost");
  move(S::sending, "sent again");
  move(S::unknown, "answer lost");
  EXPECT_THAT(rows(), ElementsAre("submitted x1", "claimed x1", "answer lost x1", "sent again x1",
                                  "answer lost x1"));
}

// A folded pair keeps every repeat of the event it folds: X Y X X Y is X three times and Y
// twice.
TEST_P(StoreHistoryTest, AFoldedPairKeepsTheRepeatsOfItsLastEvent) {
  move(S::sending, "claimed");
  move(S::unknown, "answer lost");
  move(S::unknown, "looked up: unclear");
  move(S::unknown, "looked up: listed");
  move(S::unknown, "looked up: unclear");
  move(S::unknown, "looked up: unclear");
  move(S::unknown, "looked up: listed");
  EXPECT_THAT(rows(), ElementsAre("submitted x1", "claimed x1", "answer lost x1",
                                  "looked up: unclear x3", "looked up: listed x2"));
}

// A resend (unknown → sending) reads the pause in its own transaction, as a claim does: a
// pause committed before it stops it, while the transitions beside it still apply.
TEST_P(StoreHistoryTest, ATransitionUnlessPausedIsRefusedWhilePausedAndAppliedOnceResumed) {
  move(S::sending, "claimed");
  move(S::unknown, "answer lost");
  PayoutRow other = row_;
  other.payout.request.client_transaction_id = "H-2";
  PayoutEvent submitted;
  submitted.at = kT0;
  submitted.reason = "submitted";
  other.payout.state = S::pending;
  store_->insert({other}, submitted);
  auto resend = [&] {
    PayoutRow next = row_;
    next.payout.state = S::sending;
    detail::Transition t{S::unknown, row_.payout.worker_id, row_.payout.treatment_status, next,
                         std::nullopt, /*unless_paused=*/true};
    PayoutRow cancelled = other;
    cancelled.payout.state = S::cancelled;
    detail::Transition beside{S::pending, other.payout.worker_id,
                              other.payout.treatment_status, cancelled, std::nullopt};
    return store_->apply({t, beside});
  };
  store_->set_sending_switch({true, "test", "audit", kT0});
  EXPECT_EQ(resend(), (std::vector<bool>{false, true}));
  EXPECT_EQ(store_->find("H-1")->payout.state, S::unknown);
  store_->set_sending_switch({false, "test", "", kT0});
  EXPECT_EQ(resend(), (std::vector<bool>{true, false}));
  EXPECT_EQ(store_->find("H-1")->payout.state, S::sending);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreHistoryTest, ::testing::ValuesIn(ledger_stores()),
                         store_name);

}  // namespace
}  // namespace cinetpay::mocks
