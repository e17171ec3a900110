// NotificationHandler: each HTTP status it answers, what it calls, and what it never says.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cinetpay/errors.hpp>
#include <cinetpay/notification_handler.hpp>
#include <cinetpay/testing.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cinetpay {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;
using ::testing::StrictMock;
using ::testing::Throw;

constexpr const char* kForm = "application/x-www-form-urlencoded";
// A secret an exception may carry: no reply may show it.
constexpr const char* kSecret = "s3cret-pa55word";

TransferStatus paid() {
  TransferRequest r{"225", "0701020304", 500, "https://shop.example/n", "ORDER-1", ""};
  return mocks::answers::transfer(r, "TX-1", TreatmentStatus::Code::VAL);
}

struct Handled {
  std::shared_ptr<StrictMock<mocks::MockTransferApi>> api =
      std::make_shared<StrictMock<mocks::MockTransferApi>>();
  std::vector<TransferStatus> applied;
  NotificationHandler handler{
      TransferClient(api),
      [this](const Notification&, const TransferStatus& verified) { applied.push_back(verified); },
      NotificationHandlerOptions{std::chrono::milliseconds(1500)}};
};

void expect_no_secret(const NotificationReply& r) {
  EXPECT_THAT(r.body, Not(HasSubstr(kSecret)));
  EXPECT_THAT(r.body, Not(HasSubstr("TX-1")));
}

TEST(NotificationHandler, AVerifiedNotificationIsAppliedWithinTheDeadlineAnd200) {
  Handled h;
  EXPECT_CALL(*h.api, verify_notification(_, _))
      .WillOnce([](const Notification& n, const CallOptions& call) {
        EXPECT_EQ(n.transaction_id, "TX-1");
        EXPECT_EQ(call.timeout, std::chrono::milliseconds(1500));
        return paid();
      });
  NotificationReply r = h.handler.handle("POST", "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
                                         mocks::answers::notification_body(paid()));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.verdict, NotificationVerdict::applied);
  EXPECT_FALSE(r.error);
  ASSERT_EQ(h.applied.size(), 1U);
  EXPECT_EQ(h.applied[0].treatment_status.code(), TreatmentStatus::Code::VAL);
}

TEST(NotificationHandler, CinetPaysGetPingIs200AndAsksNothing) {
  Handled h;  // StrictMock: any call fails the test
  for (const char* method : {"GET", "HEAD"}) {
    NotificationReply r = h.handler.handle(method, "", "");
    EXPECT_EQ(r.status, 200) << method;
    EXPECT_EQ(r.verdict, NotificationVerdict::ping);
  }
  EXPECT_TRUE(h.applied.empty());
}

TEST(NotificationHandler, AnotherMethodIs405) {
  Handled h;
  for (const char* method : {"PUT", "DELETE", "post", ""}) {
    NotificationReply r =
        h.handler.handle(method, kForm, mocks::answers::notification_body(paid()));
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.verdict, NotificationVerdict::wrong_method);
  }
}

TEST(NotificationHandler, AnotherContentTypeIs415) {
  Handled h;
  for (const char* type :
       {"application/json", "", "text/plain; x=application/x-www-form-urlencoded",
        "application/x-www-form-urlencodedx"}) {
    NotificationReply r = h.handler.handle("POST", type, mocks::answers::notification_body(paid()));
    EXPECT_EQ(r.status, 415) << type;
    EXPECT_EQ(r.verdict, NotificationVerdict::wrong_content_type);
  }
}

TEST(NotificationHandler, ABodyThatIsNoNotificationIs400) {
  Handled h;
  for (const char* body : {"", "amount=500&lot=L", R"({"transaction_id":"TX-1"})"}) {
    NotificationReply r = h.handler.handle("POST", kForm, body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(r.verdict, NotificationVerdict::unreadable);
    EXPECT_TRUE(r.error);
  }
}

TEST(NotificationHandler, ANotificationCinetPayDoesNotConfirmIs400AndNothingApplied) {
  Handled h;
  EXPECT_CALL(*h.api, verify_notification(_, _))
      .WillOnce(Throw(NotificationMismatchError("amount", std::string("forged ") + kSecret)))
      .WillOnce(Throw(NotFoundError(723, "NOT_FOUND", kSecret, 200)));
  for (int i = 0; i < 2; ++i) {
    NotificationReply r =
        h.handler.handle("POST", kForm, mocks::answers::notification_body(paid()));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.verdict, NotificationVerdict::refused);
    expect_no_secret(r);
  }
  EXPECT_TRUE(h.applied.empty());
}

// CinetPay notifies again when it gets no 2xx: a verification that could not be done is
// never answered 200, and never 400 (which would say the notification was false).
TEST(NotificationHandler, CinetPayNotReachedInTimeIs504) {
  Handled h;
  EXPECT_CALL(*h.api, verify_notification(_, _))
      .WillOnce(Throw(TransportError(std::string("timed out, password=") + kSecret, true)));
  NotificationReply r = h.handler.handle("POST", kForm, mocks::answers::notification_body(paid()));
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.verdict, NotificationVerdict::unreachable);
  expect_no_secret(r);
  EXPECT_TRUE(h.applied.empty());
}

TEST(NotificationHandler, AnUnusableAnswerOrAFailedApplyIs503WithTheErrorKeptForTheLog) {
  Handled h;
  EXPECT_CALL(*h.api, verify_notification(_, _))
      .WillOnce(Throw(ProtocolError(std::string("<html>") + kSecret, 502)))
      .WillOnce(Throw(AuthenticationError(701, "INVALID_CREDENTIALS", kSecret, 200)));
  for (int i = 0; i < 2; ++i) {
    NotificationReply r =
        h.handler.handle("POST", kForm, mocks::answers::notification_body(paid()));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.verdict, NotificationVerdict::failed);
    expect_no_secret(r);
  }

  auto api = std::make_shared<StrictMock<mocks::MockTransferApi>>();
  EXPECT_CALL(*api, verify_notification(_, _)).WillOnce(Return(paid()));
  NotificationHandler failing(TransferClient(api), [](const Notification&, const TransferStatus&) {
    throw std::runtime_error(std::string("database at postgresql://shop:") + kSecret + "@db");
  });
  NotificationReply r = failing.handle("POST", kForm, mocks::answers::notification_body(paid()));
  EXPECT_EQ(r.status, 503);
  expect_no_secret(r);
  ASSERT_TRUE(r.error);
  EXPECT_THROW(std::rethrow_exception(r.error), std::runtime_error);
}

TEST(NotificationHandler, AProcessOfItsOwnGetsTheParsedNotificationAndTheDeadline) {
  std::vector<std::string> seen;
  NotificationHandler handler(
      NotificationHandler::Process([&](const Notification& n, const CallOptions& call) {
        seen.push_back(n.client_transaction_id);
        EXPECT_EQ(call.timeout, std::chrono::milliseconds(2000));
      }));
  EXPECT_EQ(handler.handle("POST", kForm, mocks::answers::notification_body(paid())).status, 200);
  EXPECT_EQ(seen, std::vector<std::string>{"ORDER-1"});
  EXPECT_THROW(NotificationHandler{NotificationHandler::Process{}}, std::invalid_argument);
}

}  // namespace
}  // namespace cinetpay
