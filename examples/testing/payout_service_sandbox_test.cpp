// The merchant's payout code against CinetPay's simulator running inside the test
// (cinetpay::sandbox): a real HTTP round trip on a port the system picks, a ledger the test
// reads, and faults injected through C++ calls.
#include <gtest/gtest.h>
#include <cinetpay/sandbox.hpp>
#include <cinetpay/testing/fast_options.hpp>
#include <cinetpay/transfer.hpp>

#include "payout_service.hpp"

namespace {

const shop::Seller& seller() {
  static const shop::Seller kSeller{"225", "0701020304", "Awa", "Kouassi", "awa@example.com"};
  return kSeller;
}

class PayoutServiceOnSandbox : public ::testing::Test {
 protected:
  cinetpay::sandbox::Sandbox sandbox;  // port 0; stops when the test ends
  const int port = sandbox.start();    // before the client below reads its URL
  // Nobody listens at this notify_url: the sandbox's notifications fail, which is harmless.
  shop::PayoutService service{
      cinetpay::TransferClient(cinetpay::Credentials{"sandbox-key", "sandbox-password"},
                               cinetpay::mocks::fast_options(sandbox.base_url())),
      "http://127.0.0.1:9/notify"};
};

TEST_F(PayoutServiceOnSandbox, PaysTheSellerOnceEvenWhenTheAnswerIsLost) {
  sandbox.inject({cinetpay::sandbox::FaultKind::process_then_drop, "send"});
  shop::PayoutReceipt receipt = service.pay_seller(seller(), 2500, "42");
  EXPECT_EQ(receipt.status, shop::PayoutReceipt::Status::sent);

  auto paid = sandbox.transfer_by_client_transaction_id("PAYOUT-42");
  ASSERT_TRUE(paid.has_value());
  EXPECT_EQ(paid->transaction_id, receipt.transaction_id);
  EXPECT_EQ(paid->amount, 2500);
  EXPECT_EQ(sandbox.transfers().size(), 1U);
  EXPECT_EQ(sandbox.balance().available, 1'000'000 - 2500);
}

TEST_F(PayoutServiceOnSandbox, SendsNothingWhenTheBalanceIsTooLow) {
  sandbox.set_available(1000);
  EXPECT_EQ(service.pay_seller(seller(), 2500, "42").status, shop::PayoutReceipt::Status::no_funds);
  EXPECT_TRUE(sandbox.transfers().empty());
}

}  // namespace
