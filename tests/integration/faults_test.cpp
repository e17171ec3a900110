// Each fault the sandbox can inject, on each operation: the ledger must show exactly one
// transfer per client_transaction_id, every payout accounted for, and the outcome the
// rules of docs/design.md give.
#include <gtest/gtest.h>

#include "sandbox_fixture.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using mocks::payout_to;
using mocks::SandboxFixture;
using nlohmann::json;

const char* kSend = "/v1/transfer/money/send/contact";

struct FaultCase {
  std::string kind;
  json extra;
  int expected_send_requests;  // what the sandbox must see for one payout
};

void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.kind; }

std::vector<FaultCase> cases() {
  return {
      {"drop_before", json::object(), 2},        // never processed: found absent, sent once more
      {"process_then_drop", json::object(), 1},  // processed: found by reconciliation
      {"delay_ms", {{"delay_ms", 700}}, 1},      // past the client's timeout, processed late
      {"http_status", {{"status", 503}}, 2},     // a 5xx page: reconciled, then sent once more
      {"invalid_token", json::object(), 2},      // 706: nothing processed, fresh login, repeated
  };
}

class SendFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(SendFaults, ExactlyOneTransferAndTheRightOutcome) {
  const FaultCase& c = GetParam();
  SandboxFixture sb;
  sb.add_contact("0102030405");
  ClientOptions o = sb.options();
  o.request_timeout = 300ms;
  o.reconcile_grace = 2s;
  sb.fault(c.kind, kSend, 1, c.extra);
  auto results = sb.client(o).send_money(
      {payout_to("0102030405", 500, "F-1"), payout_to("0102030405", 1000, "F-2")});
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) {
    EXPECT_EQ(r.outcome, TransferOutcome::accepted) << c.kind << ": " << r.detail;
    EXPECT_FALSE(r.transaction_id.empty());
  }
  EXPECT_EQ(sb.transfers_with("F-1"), 1) << c.kind;
  EXPECT_EQ(sb.transfers_with("F-2"), 1) << c.kind;
  EXPECT_EQ(sb.api_requests(kSend), c.expected_send_requests) << c.kind;
  EXPECT_EQ(sb.ledger()["balance"]["available"], 1'000'000 - 1500)
      << "charged once for each payout";
}

INSTANTIATE_TEST_SUITE_P(EveryFault, SendFaults, ::testing::ValuesIn(cases()),
                         [](const auto& test) { return test.param.kind; });

TEST(SendFaults805, AnIdAlreadyUsedIsSettledByLookupNotByASecondTransfer) {
  SandboxFixture sb;
  sb.add_contact("0102030405");
  auto client = sb.client();
  // The first send was processed but its answer was lost; the caller tries again.
  sb.fault("process_then_drop", kSend, 1);
  ClientOptions no_reconcile = sb.options();
  no_reconcile.reconcile_grace = 0ms;
  (void)sb.client(no_reconcile).send_money({payout_to("0102030405", 500, "D-1")});
  auto again = client.send_money({payout_to("0102030405", 500, "D-1")});
  EXPECT_EQ(again[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(sb.transfers_with("D-1"), 1);
}

TEST(SendFaultsUnknown, StillUnclearAfterEverythingIsUnknownWithItsId) {
  SandboxFixture sb;
  sb.add_contact("0102030405");
  ClientOptions o = sb.options();
  o.reconcile_grace = 100ms;
  o.retry.max_attempts = 1;
  // The send is processed but its answer lost, and every lookup fails too.
  sb.fault("process_then_drop", kSend, 1);
  sb.fault("http_status", "/v1/transfer/check/money", 1000, {{"status", 502}});
  auto results = sb.client(o).send_money({payout_to("0102030405", 500, "U-1")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::unknown);
  EXPECT_EQ(results[0].client_transaction_id, "U-1");
  EXPECT_EQ(sb.api_requests(kSend), 1) << "an unclear payout was sent again";
  sb.post("/_sandbox/faults/clear");
  auto settled = sb.client().reconcile("U-1");
  EXPECT_EQ(settled.state, ReconcileResult::State::found);
  EXPECT_EQ(sb.transfers_with("U-1"), 1);
}

class ReadFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(ReadFaults, ReadsAreRetriedToSuccess) {
  const FaultCase& c = GetParam();
  SandboxFixture sb;
  sb.add_contact("0102030405");
  auto setup = sb.client().send_money({payout_to("0102030405", 500, "R-1")});
  ClientOptions o = sb.options();
  o.request_timeout = 300ms;
  auto client = sb.client(o);

  sb.fault(c.kind, "/v1/transfer/check/balance", 1, c.extra);
  EXPECT_EQ(client.balance().available, 1'000'000 - 500) << c.kind;

  sb.fault(c.kind, "/v1/transfer/check/money", 1, c.extra);
  EXPECT_EQ(client.check_transfer(TransferQuery::by_client_transaction_id("R-1"))[0].transaction_id,
            setup[0].transaction_id)
      << c.kind;

  sb.fault(c.kind, "/v1/transfer/contact", 1, c.extra);
  auto added = client.add_contacts({Contact{"225", "0708091011", "Yao", "Koffi", "k@example.com"}});
  EXPECT_TRUE(added[0].ok()) << c.kind;
  EXPECT_EQ(sb.ledger()["contacts"].size(), 2u) << c.kind;
}

INSTANTIATE_TEST_SUITE_P(EveryFault, ReadFaults, ::testing::ValuesIn(cases()),
                         [](const auto& test) { return test.param.kind; });

TEST(LoginFaults, LoginIsRetried) {
  SandboxFixture sb;
  sb.fault("drop_before", "/v1/auth/login", 1);
  sb.fault("http_status", "/v1/auth/login", 1, {{"status", 429}});
  EXPECT_EQ(sb.client().balance().available, 1'000'000);
  EXPECT_EQ(sb.api_requests("/v1/auth/login"), 3);
}

}  // namespace
}  // namespace cinetpay
