// A merchant's unit tests of their own payout code (payout_service.cpp), two ways:
//  - over MockTransferApi: the shop's logic alone, each call of CinetPay's API scripted;
//  - over ScriptedTransport and CinetPay's answers: the SDK's real behaviour (login,
//    retries, reconciliation of a lost answer) under the shop's code, with no server and
//    no real time passing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <cinetpay/testing.hpp>
#include <cinetpay/transfer.hpp>

#include <memory>

#include "payout_service.hpp"

namespace {

using cinetpay::mocks::MockTransferApi;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Return;
using ::testing::StrictMock;
namespace answers = cinetpay::mocks::answers;
namespace paths = cinetpay::mocks::paths;

const shop::Seller& seller() {
  static const shop::Seller kSeller{"225", "0701020304", "Awa", "Kouassi", "awa@example.com"};
  return kSeller;
}
constexpr const char* kNotifyUrl = "https://shop.example/cinetpay/notify";

cinetpay::ContactResult registered() {
  cinetpay::ContactResult r;
  r.contact = {seller().prefix, seller().phone, seller().name, seller().surname, seller().email};
  return r;
}

cinetpay::TransferResult outcome(cinetpay::TransferOutcome o, const std::string& id) {
  cinetpay::TransferResult r;
  r.outcome = o;
  r.client_transaction_id = id;
  if (o == cinetpay::TransferOutcome::accepted) r.transaction_id = "TX-1";
  if (o == cinetpay::TransferOutcome::unknown) r.detail = "the answer was lost";
  return r;
}

// --- Over the mock: the shop's logic ---------------------------------------------------

class PayoutServiceWithMock : public ::testing::Test {
 protected:
  std::shared_ptr<StrictMock<MockTransferApi>> api =
      std::make_shared<StrictMock<MockTransferApi>>();
  shop::PayoutService service{cinetpay::TransferClient(api), kNotifyUrl};
};

TEST_F(PayoutServiceWithMock, PaysTheSellerOnceUnderTheOrdersId) {
  EXPECT_CALL(*api, balance(_)).WillOnce(Return(cinetpay::Balance{10'000, 0, 10'000}));
  EXPECT_CALL(*api, add_contacts(ElementsAre(Field(&cinetpay::Contact::phone, "0701020304")), _))
      .WillOnce(Return(std::vector<cinetpay::ContactResult>{registered()}));
  EXPECT_CALL(*api,
              send_money(ElementsAre(AllOf(
                             Field(&cinetpay::TransferRequest::client_transaction_id, "PAYOUT-42"),
                             Field(&cinetpay::TransferRequest::amount, 2500),
                             Field(&cinetpay::TransferRequest::notify_url, kNotifyUrl))),
                         _))
      .WillOnce(Return(std::vector<cinetpay::TransferResult>{
          outcome(cinetpay::TransferOutcome::accepted, "PAYOUT-42")}));

  shop::PayoutReceipt receipt = service.pay_seller(seller(), 2500, "42");
  EXPECT_EQ(receipt.status, shop::PayoutReceipt::Status::sent);
  EXPECT_EQ(receipt.transaction_id, "TX-1");
}

TEST_F(PayoutServiceWithMock, SendsNothingWhenTheBalanceIsTooLow) {
  EXPECT_CALL(*api, balance(_)).WillOnce(Return(cinetpay::Balance{1000, 0, 1000}));
  // StrictMock: any add_contacts or send_money call fails the test.
  EXPECT_EQ(service.pay_seller(seller(), 2500, "42").status, shop::PayoutReceipt::Status::no_funds);
}

TEST_F(PayoutServiceWithMock, AnUnknownOutcomeIsPendingNeverRefused) {
  EXPECT_CALL(*api, balance(_)).WillOnce(Return(cinetpay::Balance{10'000, 0, 10'000}));
  EXPECT_CALL(*api, add_contacts(_, _))
      .WillOnce(Return(std::vector<cinetpay::ContactResult>{registered()}));
  EXPECT_CALL(*api, send_money(_, _))
      .WillOnce(Return(std::vector<cinetpay::TransferResult>{
          outcome(cinetpay::TransferOutcome::unknown, "PAYOUT-42")}));
  shop::PayoutReceipt receipt = service.pay_seller(seller(), 2500, "42");
  EXPECT_EQ(receipt.status, shop::PayoutReceipt::Status::pending);
  EXPECT_EQ(receipt.client_transaction_id, "PAYOUT-42");
}

// --- Over the scripted transport: the SDK's real behaviour ------------------------------

class PayoutServiceOnScriptedAnswers : public ::testing::Test {
 protected:
  std::shared_ptr<cinetpay::mocks::ScriptedTransport> transport =
      std::make_shared<cinetpay::mocks::ScriptedTransport>();
  cinetpay::mocks::ManualClock clock;
  shop::PayoutService service{
      cinetpay::TransferClient(cinetpay::Credentials{"api-key", "api-password"},
                               cinetpay::mocks::fast_options(transport, clock)),
      kNotifyUrl};

  cinetpay::TransferRequest expected_send() const {
    return {seller().prefix, seller().phone, 2500, kNotifyUrl, "PAYOUT-42", ""};
  }
  void script_balance_and_contact() {
    transport->on(paths::kBalance, answers::balance(10'000));
    transport->on(paths::kContact, answers::contacts({registered().contact}, 726));
  }
};

TEST_F(PayoutServiceOnScriptedAnswers, ARefusedItemIsReportedWithCinetPaysReason) {
  script_balance_and_contact();
  transport->on(paths::kSend, answers::send({answers::refused(expected_send(), 721)}));
  shop::PayoutReceipt receipt = service.pay_seller(seller(), 2500, "42");
  EXPECT_EQ(receipt.status, shop::PayoutReceipt::Status::refused);
  EXPECT_EQ(receipt.reason, "OPERATOR_NOT_AVAILABLE");
}

TEST_F(PayoutServiceOnScriptedAnswers, ALostAnswerIsReconciledBySdkWithoutPayingTwice) {
  script_balance_and_contact();
  // The send reaches CinetPay but its answer is lost; check/money then finds the payout.
  transport->on(paths::kSend, answers::lost_answer());
  transport->on(paths::kCheck,
                answers::check({answers::transfer(expected_send(), "TX-9",
                                                  cinetpay::TreatmentStatus::Code::NEW)}));
  shop::PayoutReceipt receipt = service.pay_seller(seller(), 2500, "42");
  EXPECT_EQ(receipt.status, shop::PayoutReceipt::Status::sent);
  EXPECT_EQ(receipt.transaction_id, "TX-9");
  EXPECT_EQ(transport->requests_to(paths::kSend).size(), 1U);
}

TEST_F(PayoutServiceOnScriptedAnswers, ABalanceSpentSinceTheCheckIsARefusalNotACrash) {
  script_balance_and_contact();
  // The balance moved between the check and the send: CinetPay refuses the batch (602),
  // which proves nothing was paid; the SDK reports the payout rejected with that code.
  transport->on(paths::kSend, answers::error(602));
  shop::PayoutReceipt receipt = service.pay_seller(seller(), 2500, "42");
  EXPECT_EQ(receipt.status, shop::PayoutReceipt::Status::refused);
  EXPECT_EQ(receipt.reason, "INSUFFICIENT_BALANCE");
  EXPECT_EQ(transport->requests_to(paths::kSend).size(), 1U);
}

}  // namespace
