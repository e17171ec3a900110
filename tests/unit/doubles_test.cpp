// cinetpay::mocks (target cinetpay::testing) as a merchant uses it: the answers it builds are read
// by the real client as CinetPay's own, the scripted transport and the manual clock behave as
// documented, and fast_options keep every wait short.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>

#include "cinetpay/testing.hpp"
#include "cinetpay/transfer.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using mocks::ManualClock;
using mocks::ScriptedTransport;
using ::testing::HasSubstr;
using ::testing::Not;
namespace answers = mocks::answers;
namespace paths = mocks::paths;

TransferRequest payout(const std::string& id, std::int64_t amount = 500) {
  return TransferRequest{"225", "0102030405", amount, "https://shop.example/notify", id, ""};
}

class Doubles : public ::testing::Test {
 protected:
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  ManualClock clock;
  TransferClient client{Credentials{"key", "password"}, mocks::fast_options(transport, clock)};
};

TEST_F(Doubles, BalanceIsReadAsCinetPaySendsIt) {
  transport->on(paths::kBalance, answers::balance(5000, 200));
  Balance b = client.balance();
  EXPECT_EQ(b.available, 5000);
  EXPECT_EQ(b.in_using, 200);
  EXPECT_EQ(b.amount, 5200);
  EXPECT_THAT(transport->requests_to(paths::kBalance).at(0).url,
              HasSubstr(std::string("token=") + mocks::kTestToken));
}

TEST_F(Doubles, ABatchRefusedWholeRejectsEachItemWithTheCode) {
  transport->on(paths::kSend, answers::error(602, "Fonds Insuffisant"));
  auto results = client.send_money({payout("ORDER-1"), payout("ORDER-2")});
  ASSERT_EQ(results.size(), 2U);
  for (const TransferResult& r : results) {
    EXPECT_EQ(r.outcome, TransferOutcome::rejected);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, 602);
    EXPECT_EQ(r.error->message, "INSUFFICIENT_BALANCE");
    EXPECT_EQ(r.error->description, "Fonds Insuffisant");
  }
}

TEST_F(Doubles, ErrorCodesOfReadsBecomeTheirTypedErrors) {
  transport->on(paths::kBalance, answers::error(602));
  EXPECT_THROW((void)client.balance(), InsufficientBalanceError);
  transport->on(paths::kCheck, answers::error(723));
  EXPECT_THROW((void)client.check_transfer(TransferQuery::by_client_transaction_id("X")),
               NotFoundError);
  transport->on(paths::kLogin, answers::error(701));
  TransferClient refused(Credentials{"bad", "bad"}, mocks::fast_options(transport, clock));
  try {
    (void)refused.balance();
    FAIL() << "no error";
  } catch (const AuthenticationError& e) {
    EXPECT_EQ(e.code(), 701);
    EXPECT_EQ(e.api_message(), "INVALID_CREDENTIALS");
  }
}

TEST_F(Doubles, ASendIsAcceptedOrRefusedPerItem) {
  TransferRequest a = payout("ORDER-A");
  TransferRequest b = payout("ORDER-B");
  transport->on(paths::kSend,
                answers::send({answers::accepted(a, "TX-A", "LOT-9"), answers::refused(b, 724)}));
  auto results = client.send_money({a, b});
  ASSERT_EQ(results.size(), 2U);
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[0].transaction_id, "TX-A");
  EXPECT_EQ(results[0].lot, "LOT-9");
  EXPECT_EQ(results[1].outcome, TransferOutcome::rejected);
  ASSERT_TRUE(results[1].error.has_value());
  EXPECT_EQ(results[1].error->code, 724);
  EXPECT_EQ(results[1].error->message, "ERROR_PHONE_NOT_MY_CONTACT");
}

TEST_F(Doubles, ALostAnswerIsSettledFromCheckMoneyInNoRealTime) {
  TransferRequest a = payout("ORDER-A");
  transport->on(paths::kSend, answers::lost_answer());
  transport->on(paths::kCheck,
                answers::check({answers::transfer(a, "TX-A", TreatmentStatus::Code::REC)}));
  const auto started = std::chrono::steady_clock::now();
  auto results = client.send_money({a});
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[0].transaction_id, "TX-A");
  EXPECT_EQ(transport->requests_to(paths::kSend).size(), 1U);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(Doubles, ALostAnswerNeverFoundStaysUnknownWithinTheFastGrace) {
  transport->on(paths::kSend, answers::lost_answer());
  transport->on(paths::kCheck, answers::lost_answer());
  auto results = client.send_money({payout("ORDER-A")});
  EXPECT_EQ(results.at(0).outcome, TransferOutcome::unknown);
  // The grace of fast_options (300 ms), on the manual clock, not a default 30 s.
  std::chrono::milliseconds waited{0};
  for (auto d : clock.sleeps()) waited += d;
  EXPECT_GT(waited, 0ms);
  EXPECT_LE(waited, 400ms);
}

TEST_F(Doubles, AnUnreachableServerLeavesTheSendNotMade) {
  transport->on(paths::kSend, answers::unreachable());
  try {
    (void)client.send_money({payout("ORDER-A")});
    FAIL() << "no error";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.may_have_reached_server());
  }
  EXPECT_TRUE(transport->requests_to(paths::kCheck).empty());
}

TEST_F(Doubles, CheckAndContactsAnswersAreReadBack) {
  TransferRequest a = payout("ORDER-A", 1500);
  transport->on(paths::kCheck,
                answers::check({answers::transfer(a, "TX-A", TreatmentStatus::Code::VAL)}));
  TransferStatus s = client.check_transfer(TransferQuery::by_transaction_id("TX-A")).at(0);
  EXPECT_EQ(s.client_transaction_id, "ORDER-A");
  EXPECT_EQ(s.amount, 1500);
  EXPECT_EQ(s.receiver, "0102030405");
  EXPECT_TRUE(s.is_final());
  EXPECT_FALSE(s.validated_at.empty());

  Contact c{"225", "0102030405", "Awa", "Kouassi", "awa@example.com"};
  transport->on(paths::kContact, answers::contacts({c}, 726));
  auto added = client.add_contacts({c});
  ASSERT_EQ(added.size(), 1U);
  EXPECT_TRUE(added[0].ok());
  EXPECT_TRUE(added[0].already_exists());
}

// A record built by check_record is what the client reads: wrapped in check/money's
// envelope by hand, check_transfer gives back the very status it was built from.
TEST_F(Doubles, ACheckRecordIsReadBackByTheClientAsItWasBuilt) {
  TransferStatus built =
      answers::transfer(payout("ORDER-R", 2500), "TX-R", TreatmentStatus::Code::REJ);
  built.comment = "Solde insuffisant & compte bloqué";
  transport->on(paths::kCheck,
                answers::json(200, R"({"code":0,"message":"OPERATION_SUCCES","data":[)" +
                                       answers::check_record(built) + "]}"));
  TransferStatus read = client.check_transfer(TransferQuery::by_transaction_id("TX-R")).at(0);
  EXPECT_EQ(read.transaction_id, built.transaction_id);
  EXPECT_EQ(read.client_transaction_id, built.client_transaction_id);
  EXPECT_EQ(read.lot, built.lot);
  EXPECT_EQ(read.amount, 2500);
  EXPECT_EQ(read.receiver, built.receiver);
  EXPECT_EQ(read.receiver_e164, built.receiver_e164);
  EXPECT_EQ(read.sending_status, built.sending_status);
  EXPECT_EQ(read.transfer_valid, "N");
  EXPECT_EQ(read.treatment_status.code(), TreatmentStatus::Code::REJ);
  EXPECT_EQ(read.comment, built.comment);
  EXPECT_EQ(read.validated_at, built.validated_at);
}

// A notification body built for a transfer is what parse_notification reads, whatever its
// text holds (spaces, &, =, +, %, accents), and verify_notification confirms it against
// the same transfer's check/money record.
TEST_F(Doubles, ANotificationBodyParsesBackAndIsVerifiedAgainstItsTransfer) {
  TransferStatus built =
      answers::transfer(payout("ORDER-N&x=1", 1000), "TX-N", TreatmentStatus::Code::VAL);
  built.comment = "Payé à 100% + frais";
  const std::string body = answers::notification_body(built);
  EXPECT_THAT(body, Not(HasSubstr(" ")));
  Notification n = parse_notification(body);
  EXPECT_EQ(n.transaction_id, "TX-N");
  EXPECT_EQ(n.client_transaction_id, "ORDER-N&x=1");
  EXPECT_EQ(n.lot, built.lot);
  EXPECT_EQ(n.amount, "1000");
  EXPECT_EQ(n.receiver, "0102030405");
  EXPECT_EQ(n.sending_status, "CONFIRM");
  EXPECT_EQ(n.comment, built.comment);
  EXPECT_EQ(n.treatment_status, "VAL");
  EXPECT_EQ(n.operator_transaction_id, "OP-TX-N");
  EXPECT_EQ(n.validated_at, built.validated_at);
  EXPECT_TRUE(n.operator_code.empty());

  transport->on(paths::kCheck, answers::check({built}));
  EXPECT_EQ(client.verify_notification(n).transaction_id, "TX-N");
  EXPECT_TRUE(parse_notification(answers::notification_body(answers::transfer(
                                     payout("ORDER-M"), "TX-M", TreatmentStatus::Code::NEW)))
                  .operator_transaction_id.empty());
}

TEST(Answers, OnlyCodesOfCinetPaysTableAreBuilt) {
  EXPECT_THROW((void)answers::error(4242), std::invalid_argument);
  EXPECT_THROW((void)answers::refused(payout("A"), 0), std::invalid_argument);
  EXPECT_EQ(answers::error(602).status, 200);
  EXPECT_THAT(answers::error(602).body, HasSubstr("\"INSUFFICIENT_BALANCE\""));
}

TEST(ScriptedTransportTest, StepsRunInOrderAndTheLastRepeats) {
  ScriptedTransport t;
  t.on_json("/a", 200, "1").then_json("/a", 200, "2");
  HttpRequest r{HttpMethod::get, "https://x.test/v1/a?token=t", "", false};
  EXPECT_EQ(t.send(r).body, "1");
  EXPECT_EQ(t.send(r).body, "2");
  EXPECT_EQ(t.send(r).body, "2");
  EXPECT_EQ(t.requests_to("/a").size(), 3U);
}

TEST(ScriptedTransportTest, TheLongestMatchingPathAnswersAndNoOtherScriptMoves) {
  ScriptedTransport t;
  t.on_json("/money", 200, "short-1").then_json("/money", 200, "short-2");
  t.on_json("/check/money", 200, "long");
  HttpRequest check{HttpMethod::get, "https://x.test/v1/transfer/check/money?lot=1", "", false};
  HttpRequest other{HttpMethod::get, "https://x.test/v1/other/money", "", false};
  EXPECT_EQ(t.send(check).body, "long");
  EXPECT_EQ(t.send(other).body, "short-1");
}

TEST(ScriptedTransportTest, AnUnscriptedPathNeverReachedTheServerAndItsQueryIsNotShown) {
  ScriptedTransport t;
  HttpRequest r{HttpMethod::get, "https://x.test/v1/nowhere?token=secret-token", "", false};
  try {
    (void)t.send(r);
    FAIL() << "no error";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.may_have_reached_server());
    EXPECT_THAT(e.what(), HasSubstr("/v1/nowhere"));
    EXPECT_THAT(e.what(), Not(HasSubstr("secret-token")));
  }
}

TEST(ManualClockTest, TheSleeperRecordsAndAdvancesWithoutWaiting) {
  ManualClock clock;
  const auto start = clock.now();
  Sleeper sleep = clock.sleeper();
  sleep(2500ms);
  clock.advance(500ms);
  EXPECT_EQ(clock.now() - start, 3000ms);
  EXPECT_EQ(clock.sleeps(), std::vector<std::chrono::milliseconds>{2500ms});
  EXPECT_EQ(clock.clock()(), clock.now());
}

TEST(FastOptions, EveryWaitIsShort) {
  ClientOptions o = mocks::fast_options("http://127.0.0.1:1");
  EXPECT_EQ(o.base_url, "http://127.0.0.1:1");
  EXPECT_LE(o.reconcile_grace, 1s);
  EXPECT_LE(o.poll_interval, 100ms);
  EXPECT_LE(o.retry.max_backoff, 100ms);
  EXPECT_LE(o.request_timeout, 5s);
  EXPECT_FALSE(o.clock);
}

}  // namespace
}  // namespace cinetpay
