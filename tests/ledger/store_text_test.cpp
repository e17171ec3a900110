// What each store keeps of the texts in CinetPay's answers: whatever bytes they hold, a
// transition is recorded, read back (as the bytes, or visibly escaped), and the next
// compare-and-set on it still applies.
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
using detail::Transition;
using ::testing::AnyOf;
using ::testing::Eq;

const detail::TimePoint kT0 = detail::from_millis(1'800'000'000'000);

// `text` with its NUL as the store gives it back: the byte itself, or the six characters
// \u0000.
::testing::Matcher<std::string> kept(const std::string& text) {
  std::string escaped;
  for (char c : text) escaped += c == '\0' ? std::string("\\u0000") : std::string(1, c);
  return AnyOf(Eq(text), Eq(escaped));
}

class StoreTextTest : public LedgerOnStore {};

// Issue 17: a NUL in one answer's lot (or transaction id, status, message) could never be
// recorded on PostgreSQL (jsonb refuses it): every later pass failed on that payout.
TEST_P(StoreTextTest, ATransitionWhoseTextsHoldANulIsRecordedAndReadBack) {
  std::unique_ptr<LedgerStore> store = store_at(url());
  PayoutRow row;
  row.payout.request = {"225", "0102030405", 500, "http://127.0.0.1:9/n", "NUL-1", ""};
  row.payout.created_at = row.payout.updated_at = kT0;
  PayoutEvent submitted;
  submitted.at = kT0;
  submitted.reason = "submitted";
  store->insert({row}, submitted);

  const std::string nul("\0", 1);
  PayoutRow sent = row;
  sent.payout.state = PayoutState::accepted;
  sent.payout.transaction_id = "T" + nul + "1";
  sent.payout.lot = "L" + nul + "1";
  sent.payout.treatment_status = "REC" + nul;
  sent.payout.detail = "accepted" + nul + " by CinetPay";
  PayoutEvent event;
  event.at = kT0;
  event.from = PayoutState::pending;
  event.to = PayoutState::accepted;
  event.reason = "answered" + nul + "REC";
  event.treatment_status = sent.payout.treatment_status;
  Transition accept{PayoutState::pending, "", "", sent, event};
  ASSERT_EQ(store->apply({accept}), std::vector<bool>{true});

  std::optional<PayoutRow> found = store->find("NUL-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->payout.state, PayoutState::accepted);
  EXPECT_THAT(found->payout.transaction_id, kept(sent.payout.transaction_id));
  EXPECT_THAT(found->payout.lot, kept(sent.payout.lot));
  EXPECT_THAT(found->payout.treatment_status, kept(sent.payout.treatment_status));
  EXPECT_THAT(found->payout.detail, kept(sent.payout.detail));
  std::vector<PayoutEvent> history = store->history("NUL-1");
  ASSERT_EQ(history.size(), 2U);
  EXPECT_THAT(history[1].reason, kept(event.reason));
  EXPECT_THAT(history[1].treatment_status, kept(event.treatment_status));

  // Decided on the worker's own copy of the row, then on the row read back.
  PayoutRow checked = sent;
  checked.checks = 1;
  EXPECT_EQ(store->apply({{PayoutState::accepted, "", sent.payout.treatment_status, checked, {}}}),
            std::vector<bool>{true});
  PayoutRow paid = *store->find("NUL-1");
  paid.payout.state = PayoutState::paid;
  paid.payout.treatment_status = "VAL";
  EXPECT_EQ(store->apply({{PayoutState::accepted, "", found->payout.treatment_status, paid, {}}}),
            std::vector<bool>{true});
  EXPECT_EQ(store->find("NUL-1")->payout.state, PayoutState::paid);
  EXPECT_EQ(store->changes_after(0, 10).size(), 1U);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreTextTest, ::testing::ValuesIn(ledger_stores()), store_name);

}  // namespace
}  // namespace cinetpay::mocks
