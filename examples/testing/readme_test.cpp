#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <cinetpay/testing.hpp>
#include <cinetpay/transfer.hpp>

#include "payout_service.hpp"

using ::testing::_;
using ::testing::Return;
namespace answers = cinetpay::mocks::answers;
namespace paths = cinetpay::mocks::paths;

shop::Seller seller() { return {"225", "0701020304", "Awa", "Kouassi", "awa@example.com"}; }

TEST(PayoutService, SendsNothingWhenTheBalanceIsTooLow) {
  auto api = std::make_shared<::testing::StrictMock<cinetpay::mocks::MockTransferApi>>();
  shop::PayoutService service(cinetpay::TransferClient(api), "https://shop.example/notify");
  EXPECT_CALL(*api, balance(_)).WillOnce(Return(cinetpay::Balance{1000, 0, 1000}));
  // StrictMock: any add_contacts or send_money call fails the test.
  EXPECT_EQ(service.pay_seller(seller(), 2500, "42").status, shop::PayoutReceipt::Status::no_funds);
}

TEST(PayoutService, ALostAnswerIsReconciledBySdkWithoutPayingTwice) {
  auto transport = std::make_shared<cinetpay::mocks::ScriptedTransport>();
  cinetpay::mocks::ManualClock clock;  // outlives the client
  shop::PayoutService service(
      cinetpay::TransferClient({"api-key", "api-password"},
                               cinetpay::mocks::fast_options(transport, clock)),
      "https://shop.example/notify");
  cinetpay::TransferRequest sent{
      "225", "0701020304", 2500, "https://shop.example/notify", "PAYOUT-42", ""};
  transport->on(paths::kBalance, answers::balance(10'000));
  transport->on(
      paths::kContact,
      answers::contacts({{"225", "0701020304", "Awa", "Kouassi", "awa@example.com"}}, 726));
  // The send reaches CinetPay but its answer is lost; check/money then finds the payout.
  transport->on(paths::kSend, answers::lost_answer());
  transport->on(
      paths::kCheck,
      answers::check({answers::transfer(sent, "TX-9", cinetpay::TreatmentStatus::Code::NEW)}));

  shop::PayoutReceipt receipt = service.pay_seller(seller(), 2500, "42");
  EXPECT_EQ(receipt.status, shop::PayoutReceipt::Status::sent);
  EXPECT_EQ(transport->requests_to(paths::kSend).size(), 1u);
}
