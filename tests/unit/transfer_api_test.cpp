// TransferClient over a TransferApi of the caller's: every call reaches it unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "cinetpay/testing/mock_transfer_api.hpp"
#include "cinetpay/transfer.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using mocks::MockTransferApi;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Property;
using ::testing::Return;
using ::testing::StrictMock;
using ::testing::Throw;

// CallOptions has no operator==: compare what a call is bounded by.
MATCHER_P(BoundedBy, timeout, "") { return arg.timeout == timeout && !arg.deadline; }

TEST(TransferClientOverApi, EveryCallReachesTheApiWithItsArgumentsAndReturnsItsAnswer) {
  auto api = std::make_shared<StrictMock<MockTransferApi>>();
  TransferClient client(api);
  const CallOptions call(1500ms);

  TransferRequest request{"225", "0102030405", 500, "", "ORDER-1", ""};
  TransferResult accepted;
  accepted.outcome = TransferOutcome::accepted;
  accepted.client_transaction_id = "ORDER-1";
  accepted.transaction_id = "TX-1";
  EXPECT_CALL(*api,
              send_money(ElementsAre(Field(&TransferRequest::client_transaction_id, "ORDER-1")),
                         BoundedBy(1500ms)))
      .WillOnce(Return(std::vector<TransferResult>{accepted}));
  EXPECT_CALL(*api, balance(BoundedBy(1500ms))).WillOnce(Return(Balance{700, 100, 600}));
  Contact contact{"225", "0102030405", "Awa", "Kouassi", "awa@example.com"};
  ContactResult added;
  added.contact = contact;
  added.code = 726;
  EXPECT_CALL(*api,
              add_contacts(ElementsAre(Field(&Contact::phone, "0102030405")), BoundedBy(1500ms)))
      .WillOnce(Return(std::vector<ContactResult>{added}));
  TransferStatus val;
  val.transaction_id = "TX-1";
  val.treatment_status = TreatmentStatus(TreatmentStatus::Code::VAL);
  EXPECT_CALL(*api, check_transfer(Property(&TransferQuery::value, "TX-1"), BoundedBy(1500ms)))
      .WillOnce(Return(std::vector<TransferStatus>{val}));
  EXPECT_CALL(*api, wait_for_final(Property(&TransferQuery::key, TransferQuery::Key::lot),
                                   std::chrono::milliseconds(20s), BoundedBy(1500ms)))
      .WillOnce(Return(val));
  ReconcileResult found;
  found.state = ReconcileResult::State::found;
  found.status = val;
  EXPECT_CALL(*api, reconcile("ORDER-1", BoundedBy(1500ms))).WillOnce(Return(found));
  Notification notification;
  notification.transaction_id = "TX-1";
  EXPECT_CALL(*api,
              verify_notification(Field(&Notification::transaction_id, "TX-1"), BoundedBy(1500ms)))
      .WillOnce(Return(val));

  auto results = client.send_money({request}, call);
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(results[0].transaction_id, "TX-1");
  EXPECT_EQ(client.balance(call).available, 600);
  EXPECT_TRUE(client.add_contacts({contact}, call).at(0).already_exists());
  EXPECT_TRUE(
      client.check_transfer(TransferQuery::by_transaction_id("TX-1"), call).at(0).is_final());
  EXPECT_EQ(client.wait_for_final(TransferQuery::by_lot("LOT-1"), 20s, call).transaction_id,
            "TX-1");
  EXPECT_EQ(client.reconcile("ORDER-1", call).state, ReconcileResult::State::found);
  EXPECT_EQ(client.verify_notification(notification, call).transaction_id, "TX-1");
}

TEST(TransferClientOverApi, CallsWithoutCallOptionsPassUnboundedOnes) {
  auto api = std::make_shared<StrictMock<MockTransferApi>>();
  EXPECT_CALL(*api, balance(BoundedBy(0ms))).WillOnce(Return(Balance{1, 0, 1}));
  EXPECT_EQ(TransferClient(api).balance().amount, 1);
}

TEST(TransferClientOverApi, WhatTheApiThrowsReachesTheCallerUnchanged) {
  auto api = std::make_shared<StrictMock<MockTransferApi>>();
  EXPECT_CALL(*api, check_transfer(_, _))
      .WillOnce(Throw(NotFoundError(723, "NOT_FOUND", "no such transfer", 200)));
  TransferClient client(api);
  try {
    (void)client.check_transfer(TransferQuery::by_client_transaction_id("ORDER-9"));
    FAIL() << "check_transfer did not throw";
  } catch (const NotFoundError& e) {
    EXPECT_EQ(e.code(), 723);
  }
}

TEST(TransferClientOverApi, CopiesShareOneApiAndAMovedFromClientSaysSo) {
  auto api = std::make_shared<StrictMock<MockTransferApi>>();
  EXPECT_CALL(*api, balance(_)).Times(2).WillRepeatedly(Return(Balance{5, 0, 5}));
  TransferClient client(api);
  TransferClient copy = client;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.balance().amount, 5);
  TransferClient moved = std::move(client);
  EXPECT_EQ(moved.balance().amount, 5);
  // NOLINTNEXTLINE(bugprone-use-after-move): a moved-from client must say so
  EXPECT_THROW((void)client.balance(), std::logic_error);
}

TEST(TransferClientOverApi, ANullApiIsRefusedAtConstruction) {
  EXPECT_THROW(TransferClient(std::shared_ptr<TransferApi>()), std::invalid_argument);
}

}  // namespace
}  // namespace cinetpay
