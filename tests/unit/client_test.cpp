#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <new>
#include <stdexcept>

#include "cinetpay/detail/http.hpp"
#include "cinetpay/testing/answers.hpp"
#include "cinetpay/transfer.hpp"
#include "fakes.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using detail::form_parse;
using mocks::FakeWorld;
namespace answers = mocks::answers;
using ::testing::HasSubstr;
using ::testing::Not;

const char* kBalanceOk =
    R"({"code":0,"message":"OPERATION_SUCCES","data":{"amount":663,"inUsing":0,"available":663}})";
const char* kNotFound =
    R"({"code":723,"message":"NOT_FOUND","description":"Aucun element trouvé","data":[]})";

std::string query_param(const std::string& url, const std::string& name) {
  auto q = url.find('?');
  for (auto& [k, v] : form_parse(url.substr(q + 1))) {
    if (k == name) return v;
  }
  return {};
}

nlohmann::json sent_data(const HttpRequest& r) {
  return nlohmann::json::parse(form_parse(r.body)[0].second);
}

// Answers a send the way CinetPay does: nested data, each item accepted.
HttpResponse accept_all(const HttpRequest& r) {
  nlohmann::json items = nlohmann::json::array();
  int n = 0;
  for (auto item : sent_data(r)) {
    item["code"] = 0;
    item["status"] = "success";
    item["treatment_status"] = "NEW";
    item["transaction_id"] = "EA" + std::to_string(++n);
    item["lot"] = "LOT1";
    items.push_back(item);
  }
  return answers::json(
      200, nlohmann::json{{"code", 0}, {"message", "OPERATION_SUCCES"}, {"data", {items}}}.dump());
}

// check/money's answer for one transfer, by default to the recipient of payout().
std::string status_body(const std::string& ctid, const std::string& status, int amount = 500,
                        const std::string& phone = "0102030405") {
  return nlohmann::json{{"code", 0},
                        {"message", "OPERATION_SUCCES"},
                        {"data",
                         {{{"transaction_id", "EA-" + ctid},
                           {"client_transaction_id", ctid},
                           {"lot", "L"},
                           {"amount", std::to_string(amount)},
                           {"receiver", phone},
                           {"receiver_e164", "+225" + phone},
                           {"treatment_status", status}}}}}
      .dump();
}

TransferRequest payout(const std::string& id = "ORDER-1", std::int64_t amount = 500) {
  TransferRequest t;
  t.prefix = "225";
  t.phone = "0102030405";
  t.amount = amount;
  t.notify_url = "https://shop.example/notify";
  t.client_transaction_id = id;
  return t;
}

TEST(Client, BalanceLogsInOnceAndSendsTokenAndLang) {
  FakeWorld w;
  w.transport->on_json("/check/balance", 200, kBalanceOk);
  auto o = w.options();
  o.lang = Lang::fr;
  TransferClient client = w.client(o);
  Balance b = client.balance();
  EXPECT_EQ(b.amount, 663);
  EXPECT_EQ(b.available, 663);
  TransferClient copy = client;  // copies share the token
  (void)copy.balance();
  ASSERT_EQ(w.transport->requests_to("/auth/login").size(), 1u);
  auto calls = w.transport->requests_to("/check/balance");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(query_param(calls[0].url, "token"), "tok-secret-1");
  EXPECT_EQ(query_param(calls[0].url, "lang"), "fr");
  EXPECT_EQ(query_param(w.transport->requests_to("/auth/login")[0].url, "lang"), "fr");
}

TEST(Client, RefusedTokenLogsInAgainAndRepeatsOnce) {
  FakeWorld w;
  w.transport
      ->on_json("/check/balance", 200, R"({"code":"706","message":"INVALID_TOKEN","data":[]})")
      .then_json("/check/balance", 200, kBalanceOk);
  EXPECT_EQ(w.client().balance().available, 663);
  EXPECT_EQ(w.transport->requests_to("/auth/login").size(), 2u);
}

TEST(Client, TokenRefusedTwiceIsAnAuthenticationError) {
  FakeWorld w;
  w.transport->on_json("/check/balance", 200,
                       R"({"code":"705","message":"EXPIRED_TOKEN","data":[]})");
  EXPECT_THROW((void)w.client().balance(), AuthenticationError);
  EXPECT_EQ(w.transport->requests_to("/check/balance").size(), 2u);
}

TEST(Client, WrongCredentialsAreNotRetried) {
  FakeWorld w;
  w.transport->on_json(
      "/auth/login", 200,
      R"({"code":"701","message":"INVALID_CREDENTIALS","description":"Identifiant de connexion incorrect","data":[]})");
  try {
    (void)w.client().balance();
    FAIL();
  } catch (const AuthenticationError& e) {
    EXPECT_EQ(e.code(), 701);
  }
  EXPECT_EQ(w.transport->requests_to("/auth/login").size(), 1u);
}

TEST(Client, ReadsAreRetriedWithBackoffAndReasons) {
  FakeWorld w;
  w.transport
      ->on("/check/balance",
           [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); })
      .then("/check/balance",
            [](const HttpRequest&) { return answers::json(503, "<html>busy</html>"); })
      .then_json("/check/balance", 200, kBalanceOk);
  EXPECT_EQ(w.client().balance().available, 663);
  auto sleeps = w.clock.sleeps();
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_EQ(sleeps[0], 250ms) << "full jitter: half of 500 ms with random 0.5";
  EXPECT_EQ(sleeps[1], 500ms) << "doubling";
  EXPECT_THAT(w.all_logs(), HasSubstr("retrying in 250 ms: transport error"));
  EXPECT_THAT(w.all_logs(), HasSubstr("HTTP 503"));
}

TEST(Client, RetryAfterIsHonouredUpToItsCap) {
  FakeWorld w;
  HttpResponse limited = answers::json(429, "");
  limited.headers["retry-after"] = "7";
  w.transport->on("/check/balance", [limited](const HttpRequest&) { return limited; })
      .then_json("/check/balance", 200, kBalanceOk);
  (void)w.client().balance();
  ASSERT_EQ(w.clock.sleeps().size(), 1u);
  EXPECT_EQ(w.clock.sleeps()[0], 7000ms);

  FakeWorld w2;
  limited.headers["retry-after"] = "3600";
  w2.transport->on("/check/balance", [limited](const HttpRequest&) { return limited; });
  EXPECT_THROW((void)w2.client().balance(), ProtocolError);
  EXPECT_TRUE(w2.clock.sleeps().empty());
  EXPECT_THAT(w2.all_logs(), HasSubstr("above max_retry_after"));
}

TEST(Client, ExhaustedRetriesNameEveryReason) {
  FakeWorld w;
  w.transport->on("/check/balance", [](const HttpRequest&) -> HttpResponse {
    throw TransportError("timeout", true);
  });
  try {
    (void)w.client().balance();
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_THAT(e.what(), HasSubstr("transport error, transport error, not retried: transport "
                                    "error, attempts exhausted (3/3)"));
  }
  EXPECT_EQ(w.transport->requests_to("/check/balance").size(), 3u);
}

TEST(Client, ContactsAlreadyThereAreSuccess) {
  FakeWorld w;
  w.transport->on_json("/transfer/contact", 200, R"({"code":0,"message":"OPERATION_SUCCES","data":[[
      {"prefix":"225","phone":"0102030405","code":0,"status":"success","lot":"L1"},
      {"prefix":"225","phone":"0102030406","code":726,"status":"ERROR_PHONE_ALREADY_MY_CONTACT","lot":"L1"},
      {"prefix":"225","phone":"0102030407","code":"802","status":"error"}]]})");
  std::vector<Contact> contacts = {{"225", "0102030405", "A", "B", "a@b.c"},
                                   {"225", "0102030406", "C", "D", "c@d.e"},
                                   {"225", "0102030407", "E", "F", "e@f.g"}};
  auto results = w.client().add_contacts(contacts);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[1].ok());
  EXPECT_TRUE(results[1].already_exists());
  EXPECT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].code, 802);
  EXPECT_EQ(results[2].message, "INVALID_PHONE");
  EXPECT_EQ(results[2].contact.name, "E");
}

TEST(Send, InvalidBatchSendsNothing) {
  FakeWorld w;
  auto bad = payout("B", 502);
  EXPECT_THROW(w.client().send_money({payout("A"), bad}), ValidationError);
  EXPECT_TRUE(w.transport->requests().empty());
}

TEST(Send, AcceptedItemsAndMadeIds) {
  FakeWorld w;
  w.transport->on("/money/send/contact", accept_all);
  auto mine = payout("MINE");
  auto theirs = payout("");
  auto results = w.client().send_money({mine, theirs});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[0].client_transaction_id, "MINE");
  EXPECT_EQ(results[0].transaction_id, "EA1");
  EXPECT_EQ(results[0].treatment_status, TreatmentStatus::Code::NEW);
  EXPECT_EQ(results[1].outcome, TransferOutcome::accepted);
  EXPECT_THAT(results[1].client_transaction_id, ::testing::StartsWith("cp-"));
  EXPECT_EQ(results[1].client_transaction_id.size(), 35u);
  auto sends = w.transport->requests_to("/money/send/contact");
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_TRUE(sends[0].fresh_connection);
  EXPECT_EQ(sent_data(sends[0])[1]["client_transaction_id"], results[1].client_transaction_id);
}

TEST(Send, PerItemRefusalIsRejectedOthersAccepted) {
  FakeWorld w;
  w.transport->on_json("/money/send/contact", 200,
                       R"({"code":0,"message":"OPERATION_SUCCES","data":[
      {"client_transaction_id":"A","code":0,"status":"success","treatment_status":"NEW","transaction_id":"EA1"},
      {"client_transaction_id":"B","code":"724","status":"ERROR_PHONE_NOT_MY_CONTACT"}]})");
  auto results = w.client().send_money({payout("A"), payout("B")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[1].outcome, TransferOutcome::rejected);
  ASSERT_TRUE(results[1].error.has_value());
  EXPECT_EQ(results[1].error->code, 724);
  EXPECT_EQ(results[1].error->message, "ERROR_PHONE_NOT_MY_CONTACT");
}

TEST(Send, RetriedOnlyWhenItCertainlyNeverLeft) {
  FakeWorld w;
  w.transport
      ->on("/money/send/contact",
           [](const HttpRequest&) -> HttpResponse {
             throw TransportError("connection refused", false);
           })
      .then("/money/send/contact", accept_all);
  auto results = w.client().send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  auto sends = w.transport->requests_to("/money/send/contact");
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sent_data(sends[0])[0]["client_transaction_id"],
            sent_data(sends[1])[0]["client_transaction_id"]);
}

TEST(Send, NeverLeftAfterAllRetriesThrows) {
  FakeWorld w;
  w.transport->on("/money/send/contact", [](const HttpRequest&) -> HttpResponse {
    throw TransportError("no route", false);
  });
  try {
    (void)w.client().send_money({payout("A")});
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.may_have_reached_server());
  }
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 3u);
}

TEST(Send, TokenRefusalRepeatsTheSendOnce) {
  FakeWorld w;
  w.transport
      ->on_json("/money/send/contact", 200, R"({"code":"706","message":"INVALID_TOKEN","data":[]})")
      .then("/money/send/contact", accept_all);
  EXPECT_EQ(w.client().send_money({payout("A")})[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(w.transport->requests_to("/auth/login").size(), 2u);
}

// Seen by an audit: a token refusal came back under HTTP 502. Any 5xx proves nothing of a
// send (a proxy's page, a crash half-way), so the send is looked up, never repeated at once
// with a fresh login as a refusal under 200 is.
TEST(Send, ATokenRefusalUnderA5xxIsReconciledNeverRepeated) {
  FakeWorld w;
  w.transport->on_json("/money/send/contact", 502, R"({"code":706,"message":"INVALID_TOKEN"})");
  w.transport->on_json("/check/money", 200, status_body("A", "REC"));
  auto results = w.client().send_money({payout("A")});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted) << results[0].detail;
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u) << "resent blindly";
  EXPECT_EQ(w.transport->requests_to("/auth/login").size(), 1u);
  EXPECT_THAT(w.all_logs(), HasSubstr("outcome unknown after answer 706"));
  EXPECT_THAT(w.all_logs(), HasSubstr("send: not retried: token refused (706) under HTTP 502"));
}

// Seen by an audit: an item answered without its "code" passed for a success (0), so
// {"status":"error"} made the payout accepted. Without a code, an item is a success only if
// it says "success" and names its transfer; otherwise the payout is looked up.
TEST(Send, AnItemWithoutItsCodeIsASuccessOnlyWhenItSaysSoAndNamesItsTransfer) {
  const std::string error_item =
      R"({"code":0,"message":"OPERATION_SUCCES","data":[[{"prefix":"225","phone":"0102030405",)"
      R"("amount":500,"client_transaction_id":"A","status":"error"}]]})";
  FakeWorld w;
  w.transport->on_json("/money/send/contact", 200, error_item);
  w.transport->on_json("/check/money", 200, status_body("A", "REJ"));
  auto results = w.client().send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted) << results[0].detail;
  EXPECT_EQ(results[0].treatment_status, TreatmentStatus::Code::REJ) << "as check/money says";
  EXPECT_EQ(w.transport->requests_to("/check/money").size(), 1u) << "looked up";
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);

  const std::string success_item =
      R"({"code":0,"message":"OPERATION_SUCCES","data":[[{"prefix":"225","phone":"0102030405",)"
      R"("amount":500,"client_transaction_id":"A","status":"success","transaction_id":"EA1"}]]})";
  FakeWorld v;
  v.transport->on_json("/money/send/contact", 200, success_item);
  auto taken = v.client().send_money({payout("A")});
  EXPECT_EQ(taken[0].outcome, TransferOutcome::accepted) << taken[0].detail;
  EXPECT_EQ(taken[0].transaction_id, "EA1");
  EXPECT_TRUE(v.transport->requests_to("/check/money").empty());
}

// Seen by an audit: a batch refused whole with a definite code whose `data` lists one of
// its items as a transfer all the same (CinetPay processing items in order, then failing)
// made every item rejected, "nothing of it was paid". The refusal proves nothing then:
// each item is looked up.
TEST(Send, AWholeBatchRefusalListingATransferIsReconciledNotRejected) {
  FakeWorld w;
  w.transport->on_json(
      "/money/send/contact", 200,
      R"({"code":-1,"message":"OPERATION_ERROR","data":[[{"client_transaction_id":"A",)"
      R"("code":0,"status":"success","transaction_id":"EA-A"}]]})");
  w.transport->on_json("/check/money", 200, status_body("A", "REC"))
      .then_json("/check/money", 200, kNotFound);
  auto o = w.options();
  o.reconcile_grace = 0s;
  auto results = w.client(o).send_money({payout("A"), payout("B")});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted) << results[0].detail;
  EXPECT_EQ(results[0].transaction_id, "EA-A");
  EXPECT_NE(results[1].outcome, TransferOutcome::rejected) << results[1].detail;
  EXPECT_GE(w.transport->requests_to("/check/money").size(), 2u) << "each item looked up";
}

TEST(Send, AmbiguousFailureIsReconciledNotResent) {
  FakeWorld w;
  w.transport->on("/money/send/contact", [](const HttpRequest&) -> HttpResponse {
    throw TransportError("timeout after send", true);
  });
  w.transport->on_json("/check/money", 200, kNotFound)
      .then_json("/check/money", 200, status_body("A", "REC"));
  auto results = w.client().send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[0].transaction_id, "EA-A");
  ASSERT_TRUE(results[0].status.has_value());
  EXPECT_EQ(results[0].treatment_status, TreatmentStatus::Code::REC);
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u) << "resent blindly";
  EXPECT_THAT(w.all_logs(),
              HasSubstr("send: timeout after send; not retried: send may have been processed"));
  EXPECT_THAT(w.all_logs(), HasSubstr("reconciling 1 item(s) by client_transaction_id"));
  EXPECT_EQ(query_param(w.transport->requests_to("/check/money")[0].url, "client_transaction_id"),
            "A");
}

TEST(Send, AbsentAfterGraceIsSentOnceMoreWithTheSameId) {
  FakeWorld w;
  w.transport
      ->on("/money/send/contact",
           [](const HttpRequest&) { return answers::json(502, "<html>Bad Gateway</html>"); })
      .then("/money/send/contact", accept_all);
  w.transport->on_json("/check/money", 200, kNotFound);
  auto o = w.options();
  o.reconcile_grace = 10s;
  o.reconcile_interval = 2s;
  auto results = w.client(o).send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  auto sends = w.transport->requests_to("/money/send/contact");
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sent_data(sends[1])[0]["client_transaction_id"], "A");
  EXPECT_EQ(w.transport->requests_to("/check/money").size(), 5u)
      << "lookups at 0,2,4,6,8 s: the grace ends at 10 s";
}

// The first send's answer is lost, check/money does not show it within the grace, and the
// send made once more is answered `answer` (then `again`, should the library repeat it).
std::vector<TransferResult> resend_answered(const std::string& answer, const std::string& again,
                                            FakeWorld& w) {
  w.transport
      ->on("/money/send/contact",
           [](const HttpRequest&) { return answers::json(502, "<html>Bad Gateway</html>"); })
      .then_json("/money/send/contact", 200, answer)
      .then_json("/money/send/contact", 200, again);
  w.transport->on_json("/check/money", 200, kNotFound);
  auto o = w.options();
  o.reconcile_grace = 4s;
  o.reconcile_interval = 2s;
  return w.client(o).send_money({payout("A")});
}

// The send made once more is refused for a reason of the moment: the balance (which the
// first send may have taken), the token (706 twice, a fresh login did not help), an operator
// down for a while. None proves anything about the first send, which CinetPay may list
// late: the payout is unknown, never `rejected` with "nothing paid". Whole-batch and
// per-item refusals alike.
TEST(Send, AResendRefusedForAReasonOfTheMomentIsUnknownTheFirstSendMayStand) {
  const std::string per_item_602 =
      R"({"code":0,"message":"OPERATION_SUCCES","data":[[{"prefix":"225","phone":"0102030405",)"
      R"("amount":500,"client_transaction_id":"A","code":602,"message":"INSUFFICIENT_BALANCE"}]]})";
  const std::string token = R"({"code":706,"message":"INVALID_TOKEN","data":[]})";
  const std::vector<std::pair<std::string, std::string>> refusals = {
      {R"({"code":602,"message":"INSUFFICIENT_BALANCE","data":[]})", ""},
      {per_item_602, ""},
      {token, token},
      {R"({"code":804,"message":"OPERATOR_UNAVAILABLE","data":[]})", ""},
  };
  for (const auto& [answer, again] : refusals) {
    FakeWorld w;
    auto results = resend_answered(answer, again.empty() ? answer : again, w);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, TransferOutcome::unknown) << answer << "\n" << results[0].detail;
    EXPECT_THAT(results[0].detail, HasSubstr("proves nothing about the first send")) << answer;
  }
}

// A resend refused for the request itself (not a contact) would have met the first send
// too: nothing was paid, and the refusal stands.
TEST(Send, AResendRefusedForTheRequestItselfIsRejected) {
  FakeWorld w;
  const std::string refusal = R"({"code":724,"message":"ERROR_PHONE_NOT_MY_CONTACT","data":[]})";
  auto results = resend_answered(refusal, refusal, w);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::rejected) << results[0].detail;
  ASSERT_TRUE(results[0].error.has_value());
  EXPECT_EQ(results[0].error->code, 724);
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 2u);
}

// Seen in CI: the last lookup of the grace, clipped to the time left, failed and turned an
// item found absent into "unknown" instead of sending it once more.
TEST(Send, ALookupThatCouldNotBeMadeDoesNotEraseAnEarlierAbsence) {
  FakeWorld w;
  w.transport
      ->on("/money/send/contact",
           [](const HttpRequest&) { return answers::json(503, "<html>Unavailable</html>"); })
      .then("/money/send/contact", accept_all);
  w.transport->on_json("/check/money", 200, kNotFound);
  for (int i = 0; i < 10; ++i) {
    w.transport->then("/check/money", [](const HttpRequest&) -> HttpResponse {
      throw TransportError("timeout", true);
    });
  }
  auto o = w.options();
  o.reconcile_grace = 4s;
  o.reconcile_interval = 2s;
  o.retry.max_attempts = 1;
  auto results = w.client(o).send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted) << results[0].detail;
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 2u);
}

TEST(Send, ResendAnswered805IsLookedUpAgain) {
  FakeWorld w;
  w.transport
      ->on("/money/send/contact",
           [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); })
      .then_json("/money/send/contact", 200,
                 R"({"code":805,"message":"CLIENT_TRANSACTION_ID_EXIST","data":[]})");
  auto o = w.options();
  o.reconcile_grace = 1s;
  w.transport->on_json("/check/money", 200, kNotFound)
      .then_json("/check/money", 200, status_body("A", "VAL"));
  auto results = w.client(o).send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[0].treatment_status, TreatmentStatus::Code::VAL);
  EXPECT_FALSE(results[0].client_transaction_id_exist)
      << "805 to the resend: this call's first send made the payout";
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 2u);
}

// --- client_transaction_id_exist: CinetPay had the payout before the call (805) ---

TEST(SendIdExist, BatchAnswered805AndConfirmedIsMarked) {
  FakeWorld w;
  w.transport->on_json("/money/send/contact", 200,
                       R"({"code":805,"message":"CLIENT_TRANSACTION_ID_EXIST","data":[]})");
  w.transport->on_json("/check/money", 200, status_body("A", "VAL"));
  auto results = w.client().send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_TRUE(results[0].client_transaction_id_exist);
  EXPECT_EQ(results[0].transaction_id, "EA-A");
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);
}

TEST(SendIdExist, ItemAnswered805IsMarkedItsNeighbourIsNot) {
  FakeWorld w;
  w.transport->on_json("/money/send/contact", 200,
                       R"({"code":0,"message":"OPERATION_SUCCES","data":[
      {"client_transaction_id":"A","code":0,"status":"success","treatment_status":"NEW","transaction_id":"EA1"},
      {"client_transaction_id":"B","code":"805","status":"CLIENT_TRANSACTION_ID_EXIST"}]})");
  w.transport->on_json("/check/money", 200, status_body("B", "REC"));
  auto results = w.client().send_money({payout("A"), payout("B")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_FALSE(results[0].client_transaction_id_exist);
  EXPECT_EQ(results[1].outcome, TransferOutcome::accepted) << results[1].detail;
  EXPECT_TRUE(results[1].client_transaction_id_exist);
}

TEST(SendIdExist, FoundAfterAnUnclearSendIsNotMarked) {
  FakeWorld w;
  w.transport->on("/money/send/contact",
                  [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); });
  w.transport->on_json("/check/money", 200, status_body("A", "NEW"));
  auto results = w.client().send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_FALSE(results[0].client_transaction_id_exist);
}

TEST(Send, StillUnclearIsReportedUnknownNeverDropped) {
  FakeWorld w;
  w.transport->on("/money/send/contact",
                  [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); });
  w.transport->on("/check/money", [](const HttpRequest&) { return answers::json(503, "down"); });
  auto o = w.options();
  o.reconcile_grace = 4s;
  auto results = w.client(o).send_money({payout("A"), payout("B")});
  ASSERT_EQ(results.size(), 2u);
  for (auto& r : results) {
    EXPECT_EQ(r.outcome, TransferOutcome::unknown);
    EXPECT_THAT(r.detail, HasSubstr("reconcile()"));
  }
  EXPECT_EQ(results[1].client_transaction_id, "B");
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);
}

TEST(Send, ReusedIdOfAnotherPayoutIsRejected) {
  FakeWorld w;
  w.transport->on_json("/money/send/contact", 200,
                       R"({"code":805,"message":"CLIENT_TRANSACTION_ID_EXIST","data":[]})");
  w.transport->on_json("/check/money", 200, status_body("A", "VAL", 9000));
  auto results = w.client().send_money({payout("A", 500)});
  EXPECT_EQ(results[0].outcome, TransferOutcome::rejected);
  EXPECT_EQ(results[0].error->code, kCodeClientTransactionIdConflict);
  EXPECT_THAT(results[0].detail, HasSubstr("transfer EA-A"));
  EXPECT_FALSE(results[0].client_transaction_id_exist) << "the id holds another payout";
}

TEST(Send, LargeBatchesAreSplit) {
  FakeWorld w;
  w.transport->on("/money/send/contact", accept_all);
  auto o = w.options();
  o.max_batch_size = 2;
  std::vector<TransferRequest> items;
  for (int i = 0; i < 5; ++i) items.push_back(payout("ID" + std::to_string(i)));
  auto results = w.client(o).send_money(items);
  ASSERT_EQ(results.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(results[i].client_transaction_id, "ID" + std::to_string(i));
    EXPECT_EQ(results[i].outcome, TransferOutcome::accepted);
  }
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 3u);
}

TEST(Send, LaterBatchRefusalDoesNotHideEarlierOutcomes) {
  FakeWorld w;
  w.transport->on("/money/send/contact", accept_all)
      .then_json("/money/send/contact", 200,
                 R"({"code":602,"message":"INSUFFICIENT_BALANCE","data":[]})");
  auto o = w.options();
  o.max_batch_size = 1;
  auto results = w.client(o).send_money({payout("A"), payout("B")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[1].outcome, TransferOutcome::rejected);
  EXPECT_EQ(results[1].error->code, 602);
}

// Issue 17: one payout to a phone that is not a contact made CinetPay refuse its whole batch
// (724) and every payout of it ended rejected. The batch is split, each half sent again
// with the same ids, until the refused payout stands alone.
TEST(Send, OnePayoutAtFaultInABatchRefusedWholeFailsAlone) {
  FakeWorld w;
  w.transport->on("/money/send/contact", [](const HttpRequest& r) -> HttpResponse {
    for (const auto& item : sent_data(r)) {
      if (item["phone"] == "0700000001") {
        return answers::json(200,
                             R"({"code":724,"message":"ERROR_PHONE_NOT_MY_CONTACT","data":[]})");
      }
    }
    return accept_all(r);
  });
  std::vector<TransferRequest> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(payout("P-" + std::to_string(i)));
  batch[6].phone = "0700000001";
  auto o = w.options();
  o.max_batch_size = 8;
  auto results = w.client(o).send_money(batch);
  ASSERT_EQ(results.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(results[i].client_transaction_id, "P-" + std::to_string(i));
    if (i == 6) {
      EXPECT_EQ(results[i].outcome, TransferOutcome::rejected) << results[i].detail;
      EXPECT_EQ(results[i].error->code, 724);
    } else {
      EXPECT_EQ(results[i].outcome, TransferOutcome::accepted) << i << ": " << results[i].detail;
    }
  }
  // 8 refused, 4 + 4, the second 4 refused, 2 + 2, the first 2 refused, 1 + 1; then the
  // last batch of 2.
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 8u);
  EXPECT_TRUE(w.transport->requests_to("/check/money").empty()) << "every refusal was definite";
}

// A refusal of the moment (602) is the account's, not one item's: the call ends, unsplit.
TEST(Send, ABatchRefusedWholeForTheMomentIsNotSplit) {
  FakeWorld w;
  w.transport->on_json("/money/send/contact", 200,
                       R"({"code":602,"message":"INSUFFICIENT_BALANCE","data":[]})");
  auto results = w.client().send_money({payout("A"), payout("B"), payout("C")});
  for (const TransferResult& r : results) EXPECT_EQ(r.outcome, TransferOutcome::rejected);
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);
}

TEST(Check, StatusesAndNotFound) {
  FakeWorld w;
  w.transport->on_json("/check/money", 200, R"({"code":0,"message":"OPERATION_SUCCES","data":[{
        "transaction_id":"EA180627.122753.M279245","client_transaction_id":"MYMERCHANTID1",
        "lot":"0044557641201530102473","amount":"500","receiver":"07895086","receiver_e164":"+22507895086",
        "operator":"OM","sending_status":"CONFIRM","transfer_valid":"Y","treatment_status":"VAL",
        "comment":"Transfert effectué avec succès","validated_at":"2018-06-27 12:53:26"}]})");
  auto st = w.client().check_transfer(TransferQuery::by_transaction_id("EA180627.122753.M279245"));
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].amount, 500);
  EXPECT_EQ(st[0].operator_code, "OM");
  EXPECT_TRUE(st[0].is_final());
  w.transport->on_json("/check/money", 200, kNotFound);
  EXPECT_THROW(w.client().check_transfer(TransferQuery::by_lot("x")), NotFoundError);
}

TEST(Check, WaitForFinalPollsUntilFinal) {
  FakeWorld w;
  w.transport->on_json("/check/money", 200, kNotFound)
      .then_json("/check/money", 200, status_body("A", "NEW"))
      .then_json("/check/money", 200, status_body("A", "REC"))
      .then_json("/check/money", 200, status_body("A", "VAL"));
  auto o = w.options();
  o.poll_interval = 1s;
  auto st = w.client(o).wait_for_final(TransferQuery::by_client_transaction_id("A"), 1min);
  EXPECT_EQ(st.treatment_status, TreatmentStatus::Code::VAL);
  EXPECT_EQ(w.clock.sleeps().size(), 3u);
}

TEST(Check, WaitForFinalReturnsLastStatusAtTimeout) {
  FakeWorld w;
  w.transport->on_json("/check/money", 200, status_body("A", "REC"));
  auto st = w.client().wait_for_final(TransferQuery::by_client_transaction_id("A"), 10s);
  EXPECT_FALSE(st.is_final());
  w.transport->on_json("/check/money", 200, kNotFound);
  EXPECT_THROW(w.client().wait_for_final(TransferQuery::by_client_transaction_id("A"), 10s),
               NotFoundError);
}

// A poll that fails once a status was seen does not throw that status away: the wait goes
// on, and at its end the last status seen is the answer (seen in CI: a loaded machine's
// last poll timed out and the REC already seen was lost with the TransportError).
TEST(Check, WaitForFinalKeepsTheLastStatusAcrossAFailedPoll) {
  FakeWorld w;
  w.transport->on_json("/check/money", 200, status_body("A", "REC"))
      .then("/check/money", answers::lost_answer());
  auto o = w.options();
  o.poll_interval = 1s;
  TransferStatus st;
  ASSERT_NO_THROW(st =
                      w.client(o).wait_for_final(TransferQuery::by_client_transaction_id("A"), 5s));
  EXPECT_EQ(st.treatment_status, TreatmentStatus::Code::REC);
  EXPECT_GE(w.transport->requests_to("/check/money").size(), 2u);

  w.transport->on_json("/check/money", 200, status_body("A", "REC"))
      .then("/check/money", answers::lost_answer())
      .then_json("/check/money", 200, status_body("A", "VAL"));
  st = w.client(o).wait_for_final(TransferQuery::by_client_transaction_id("A"), 1min);
  EXPECT_EQ(st.treatment_status, TreatmentStatus::Code::VAL) << "a failed poll ends no wait";

  w.transport->on("/check/money", answers::lost_answer());
  EXPECT_THROW((void)w.client(o).wait_for_final(TransferQuery::by_client_transaction_id("A"), 5s),
               TransportError)
      << "with no status seen, the failure is the answer";
}

TEST(Reconcile, FoundNotFoundUnknown) {
  FakeWorld w;
  w.transport->on_json("/check/money", 200, status_body("A", "VAL"))
      .then_json("/check/money", 200, kNotFound)
      .then("/check/money",
            [](const HttpRequest&) -> HttpResponse { throw TransportError("down", false); });
  auto client = w.client();
  auto found = client.reconcile("A");
  EXPECT_EQ(found.state, ReconcileResult::State::found);
  EXPECT_EQ(found.status->treatment_status, TreatmentStatus::Code::VAL);
  EXPECT_EQ(client.reconcile("A").state, ReconcileResult::State::not_found);
  EXPECT_EQ(client.reconcile("A").state, ReconcileResult::State::unknown);
  EXPECT_THROW(client.reconcile(""), ValidationError);
}

TEST(Notifications, VerifiedByReQuerying) {
  FakeWorld w;
  w.transport->on_json("/check/money", 200, status_body("A", "VAL"));
  Notification n = parse_notification("transaction_id=EA-A&treatment_status=REC&amount=500");
  TransferStatus trusted = w.client().verify_notification(n);
  EXPECT_EQ(trusted.treatment_status, TreatmentStatus::Code::VAL) << "the body is never trusted";
  EXPECT_EQ(query_param(w.transport->requests_to("/check/money")[0].url, "transaction_id"), "EA-A");
  Notification forged = parse_notification("transaction_id=FORGED");
  EXPECT_THROW((void)w.client().verify_notification(forged), NotificationMismatchError);
}

TEST(Secrets, NeverInErrorsOrLogs) {
  FakeWorld w;
  w.transport->on("/check/balance", [](const HttpRequest& r) {
    return answers::json(500, "<html>echo " + r.url + " token=tok-secret-1</html>");
  });
  std::string what;
  try {
    (void)w.client().balance();
  } catch (const Error& e) {
    what = e.what();
  }
  EXPECT_FALSE(what.empty());
  for (const std::string& text : {what, w.all_logs()}) {
    EXPECT_THAT(text, Not(HasSubstr("key-secret")));
    EXPECT_THAT(text, Not(HasSubstr("pass-secret")));
    EXPECT_THAT(text, Not(HasSubstr("tok-secret-1")));
  }
  EXPECT_THAT(w.all_logs(), HasSubstr("token=***"));
}

TEST(Options, PlainHttpOnlyToLoopbackAndCredentialsRequired) {
  ClientOptions o;
  o.base_url = "http://client.cinetpay.com";
  EXPECT_THROW(TransferClient(Credentials{"k", "p"}, o), ConfigError);
  o.base_url = "http://127.0.0.1:9";
  EXPECT_NO_THROW(TransferClient(Credentials{"k", "p"}, o));
  EXPECT_THROW(TransferClient(Credentials{"", "p"}, o), ValidationError);
}

TEST(Options, FromEnv) {
  ::setenv("CINETPAY_API_KEY", "k", 1);
  ::setenv("CINETPAY_PASSWORD", "p", 1);
  ::setenv("CINETPAY_BASE_URL", "http://127.0.0.1:1", 1);
  ::setenv("CINETPAY_LANG", "de", 1);
  EXPECT_THROW(TransferClient::from_env(), ValidationError);
  ::setenv("CINETPAY_LANG", "fr", 1);
  EXPECT_NO_THROW(TransferClient::from_env());
  ::unsetenv("CINETPAY_PASSWORD");
  try {
    TransferClient::from_env();
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "CINETPAY_PASSWORD");
  }
}

// --- The contract of send_money: once a send left, it never throws (issue 7) ---

TEST(SendContract, LaterBatchWithAnOverflowingCodeKeepsEarlierOutcomes) {
  FakeWorld w;
  w.transport->on("/money/send/contact", accept_all)
      .then_json("/money/send/contact", 200,
                 R"({"code":"9999999999","message":"OPERATION_SUCCES","data":[]})");
  w.transport->on_json("/check/money", 200, status_body("B", "NEW"));
  auto o = w.options();
  o.max_batch_size = 1;
  std::vector<TransferResult> results;
  ASSERT_NO_THROW(results = w.client(o).send_money({payout("A"), payout("B")}));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[0].transaction_id, "EA1");
  EXPECT_EQ(results[1].outcome, TransferOutcome::accepted) << results[1].detail;
  EXPECT_EQ(results[1].transaction_id, "EA-B") << "learnt from check/money, not resent";
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 2u);
}

TEST(SendContract, Latin1ByteInALaterBatchIsRefusedBeforeAnythingIsSent) {
  FakeWorld w;
  w.transport->on("/money/send/contact", accept_all);
  auto o = w.options();
  o.max_batch_size = 1;
  for (const std::string field : {"client_transaction_id", "notify_url", "payment_method"}) {
    TransferRequest bad = payout("B");
    if (field == "client_transaction_id") bad.client_transaction_id = "caf\xE9";
    if (field == "notify_url") bad.notify_url = "https://shop.example/caf\xE9";
    if (field == "payment_method") bad.payment_method = "WAVE\xC3";
    try {
      (void)w.client(o).send_money({payout("A"), bad});
      ADD_FAILURE() << field << " accepted";
    } catch (const ValidationError& e) {
      EXPECT_EQ(e.field(), field);
      EXPECT_EQ(e.index(), 1u);
    }
  }
  EXPECT_TRUE(w.transport->requests().empty());
}

// A failure of any kind once a batch's send left: the batch is reconciled, earlier and
// later batches keep their outcomes, nothing escapes.
void expect_failure_after_send_is_contained(
    const std::function<HttpResponse(const HttpRequest&)>& failing_send) {
  FakeWorld w;
  w.transport->on("/money/send/contact", accept_all)
      .then("/money/send/contact", failing_send)
      .then("/money/send/contact", accept_all);
  w.transport->on_json("/check/money", 200, status_body("B", "REC"));
  auto o = w.options();
  o.max_batch_size = 1;
  std::vector<TransferResult> results;
  ASSERT_NO_THROW(results = w.client(o).send_money({payout("A"), payout("B"), payout("C")}));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[1].outcome, TransferOutcome::accepted) << results[1].detail;
  EXPECT_EQ(results[1].transaction_id, "EA-B");
  EXPECT_EQ(results[2].outcome, TransferOutcome::accepted);
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 3u) << "B sent once";
}

TEST(SendContract, ForeignExceptionFromTheTransportAfterASendIsContained) {
  expect_failure_after_send_is_contained(
      [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("proxy library failed"); });
}

TEST(SendContract, BadAllocAfterASendIsContained) {
  expect_failure_after_send_is_contained(
      [](const HttpRequest&) -> HttpResponse { throw std::bad_alloc(); });
}

TEST(SendContract, NonStandardExceptionAfterASendIsContained) {
  expect_failure_after_send_is_contained([](const HttpRequest&) -> HttpResponse { throw 42; });
}

TEST(SendContract, ThrowingLoggerChangesNoOutcome) {
  FakeWorld w;
  w.transport->on("/money/send/contact",
                  [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); });
  w.transport->on_json("/check/money", 200, status_body("A", "VAL"));
  auto o = w.options();
  o.logger = [](LogLevel, std::string_view) { throw std::runtime_error("disk full"); };
  std::vector<TransferResult> results;
  ASSERT_NO_THROW(results = w.client(o).send_money({payout("A")}));
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
}

TEST(SendContract, FailureBeforeTheFirstSendLeftMayThrow) {
  FakeWorld w;
  w.transport->on("/money/send/contact",
                  [](const HttpRequest&) -> HttpResponse { throw std::bad_alloc(); });
  w.transport->on("/auth/login", [](const HttpRequest&) -> HttpResponse {
    throw std::runtime_error("resolver crashed");
  });
  EXPECT_THROW((void)w.client().send_money({payout("A")}), std::runtime_error);
  EXPECT_TRUE(w.transport->requests_to("/money/send/contact").empty());
}

TEST(SendContract, LaterBatchWhoseLoginFailsIsNotSent) {
  FakeWorld w;
  w.transport->on("/money/send/contact", accept_all)
      .then_json("/money/send/contact", 200, R"({"code":706,"message":"INVALID_TOKEN"})");
  w.transport->on("/auth/login", answers::login())
      .then_json("/auth/login", 200, R"({"code":"701","message":"INVALID_CREDENTIALS"})");
  auto o = w.options();
  o.max_batch_size = 1;
  auto results = w.client(o).send_money({payout("A"), payout("B")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[1].outcome, TransferOutcome::not_sent)
      << "the send went out with a token CinetPay refused (706: nothing processed), then the "
         "login was refused";
  ASSERT_TRUE(results[1].error.has_value());
  EXPECT_EQ(results[1].error->code, 701);
}

// The contract, literally: a send that left (here refused for its token) means no throw,
// even when nothing was paid.
TEST(SendContract, FirstSendRefusedForItsTokenThenLoginRefusedIsNotSentNotThrown) {
  FakeWorld w;
  w.transport->on_json("/money/send/contact", 200, R"({"code":706,"message":"INVALID_TOKEN"})");
  w.transport->on("/auth/login", answers::login())
      .then_json("/auth/login", 200, R"({"code":"701","message":"INVALID_CREDENTIALS"})");
  std::vector<TransferResult> results;
  ASSERT_NO_THROW(results = w.client().send_money({payout("A")}));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::not_sent) << results[0].detail;
  ASSERT_TRUE(results[0].error.has_value());
  EXPECT_EQ(results[0].error->code, 701);
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);
}

// The send left and was refused for its token (706: nothing processed); the login made to
// repeat it could not even connect. Nothing was paid, and that is known without asking
// check/money: not_sent at once, never unknown.
TEST(SendContract, TokenRefusedThenALoginThatNeverConnectedIsNotSentWithoutLookups) {
  FakeWorld w;
  w.transport->on_json("/money/send/contact", 200, R"({"code":706,"message":"INVALID_TOKEN"})");
  w.transport->on("/auth/login", answers::login())
      .then("/auth/login", [](const HttpRequest&) -> HttpResponse {
        throw TransportError("connection refused", /*may_have_reached_server=*/false);
      });
  std::vector<TransferResult> results;
  ASSERT_NO_THROW(results = w.client().send_money({payout("A")}));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::not_sent) << results[0].detail;
  EXPECT_THAT(results[0].detail, HasSubstr("CinetPay refused its token (nothing processed)"));
  EXPECT_THAT(results[0].detail, HasSubstr("connection refused"));
  EXPECT_TRUE(w.transport->requests_to("/check/money").empty());
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);
}

TEST(SendContract, LoginRefusedBeforeAnySendThrows) {
  FakeWorld w;
  w.transport->on_json("/auth/login", 200, R"({"code":"701","message":"INVALID_CREDENTIALS"})");
  EXPECT_THROW((void)w.client().send_money({payout("A")}), AuthenticationError);
  EXPECT_TRUE(w.transport->requests_to("/money/send/contact").empty());
}

// Was: InsufficientBalanceError thrown although the send had left (issue 7, point 1).
TEST(SendContract, FirstBatchRefusedWholeIsRejectedNotThrown) {
  FakeWorld w;
  w.transport->on_json(
      "/money/send/contact", 200,
      R"({"code":602,"message":"INSUFFICIENT_BALANCE","description":"Fonds Insuffisant","data":[]})");
  std::vector<TransferResult> results;
  ASSERT_NO_THROW(results = w.client().send_money({payout("A"), payout("B")}));
  ASSERT_EQ(results.size(), 2u);
  for (const TransferResult& r : results) {
    EXPECT_EQ(r.outcome, TransferOutcome::rejected);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, 602);
    EXPECT_EQ(r.error->message, "INSUFFICIENT_BALANCE");
    EXPECT_EQ(r.error->description, "Fonds Insuffisant");
    EXPECT_THAT(r.detail, HasSubstr("refused whole"));
  }
  EXPECT_EQ(results[1].client_transaction_id, "B");
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);
  EXPECT_TRUE(w.transport->requests_to("/check/money").empty()) << "a definite refusal";
}

TEST(SendContract, AWholeRefusalWithoutAMessageTakesTheTablesWord) {
  FakeWorld w;
  w.transport->on_json("/money/send/contact", 200, R"({"code":"602","data":[]})");
  auto results = w.client().send_money({payout("A")});
  ASSERT_TRUE(results[0].error.has_value());
  EXPECT_EQ(results[0].error->message, "INSUFFICIENT_BALANCE");
}

// After a batch refused whole with a definite code, the later batches are not attempted:
// they would meet the same refusal (602), and not_sent tells the caller they are safe to send
// again once the cause is fixed.
TEST(SendContract, BatchesAfterAWholeRefusalAreNotSent) {
  FakeWorld w;
  w.transport->on("/money/send/contact", accept_all)
      .then_json("/money/send/contact", 200,
                 R"({"code":602,"message":"INSUFFICIENT_BALANCE","data":[]})")
      .then("/money/send/contact", accept_all);
  auto o = w.options();
  o.max_batch_size = 1;
  auto results = w.client(o).send_money({payout("A"), payout("B"), payout("C"), payout("D")});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[1].outcome, TransferOutcome::rejected);
  EXPECT_EQ(results[1].error->code, 602);
  for (std::size_t i : {2u, 3u}) {
    EXPECT_EQ(results[i].outcome, TransferOutcome::not_sent) << i;
    ASSERT_TRUE(results[i].error.has_value()) << i;
    EXPECT_EQ(results[i].error->code, 602) << i;
    EXPECT_THAT(results[i].detail, HasSubstr("not attempted")) << i;
  }
  EXPECT_EQ(results[3].client_transaction_id, "D");
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 2u);
}

TEST(SendContract, DeadlinePassedBeforeALaterBatchLeavesItNotSent) {
  FakeWorld w;
  w.transport->on("/money/send/contact", [&w](const HttpRequest& r) {
    w.clock.advance(3s);
    return accept_all(r);
  });
  auto o = w.options();
  o.max_batch_size = 1;
  auto results =
      w.client(o).send_money({payout("A"), payout("B")}, CallOptions{std::chrono::seconds(2)});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[1].outcome, TransferOutcome::not_sent);
  EXPECT_THAT(results[1].detail, HasSubstr("deadline"));
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);
}

// --- Matching a found transfer to the payout (issue 7, point 5) ---

TEST(SendMatching, IdReusedForAnotherRecipientWithTheSameAmountIsRejected) {
  FakeWorld w;
  w.transport->on_json("/money/send/contact", 200,
                       R"({"code":805,"message":"CLIENT_TRANSACTION_ID_EXIST","data":[]})");
  w.transport->on_json("/check/money", 200, status_body("A", "VAL", 500, "0709090909"));
  auto results = w.client().send_money({payout("A", 500)});
  EXPECT_EQ(results[0].outcome, TransferOutcome::rejected);
  EXPECT_TRUE(results[0].transaction_id.empty()) << "the other transfer's id is not ours";
  ASSERT_TRUE(results[0].error.has_value());
  EXPECT_EQ(results[0].error->code, kCodeClientTransactionIdConflict);
  EXPECT_THAT(results[0].detail, HasSubstr("EA-A"));
  EXPECT_THAT(results[0].detail, HasSubstr("+2250709090909"));
}

TEST(SendMatching, IdReusedUnderAnotherPrefixIsRejected) {
  FakeWorld w;
  w.transport->on("/money/send/contact",
                  [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); });
  auto found = nlohmann::json::parse(status_body("A", "VAL"));
  found["data"][0]["receiver_e164"] = "+2210102030405";
  w.transport->on_json("/check/money", 200, found.dump());
  auto results = w.client().send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::rejected);
}

TEST(SendMatching, FoundWithoutRecipientIsUnknownNotAccepted) {
  FakeWorld w;
  w.transport->on("/money/send/contact",
                  [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); });
  auto found = nlohmann::json::parse(status_body("A", "VAL"));
  found["data"][0].erase("receiver");
  found["data"][0].erase("receiver_e164");
  w.transport->on_json("/check/money", 200, found.dump());
  auto results = w.client().send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::unknown);
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);
}

// Issue 16: the server pays, then answers the item with an error code naming the transfer.
// The code proves nothing then: the payout is looked up, never reported rejected (with 602,
// `cinetpay send` would have said "top up and run again", and a run without an id would
// have paid the person twice).
TEST(Evidence, AnItemRefusedWithACodeButNamingItsTransferIsLookedUpNeverRejected) {
  for (int code : {724, 602}) {
    FakeWorld w;
    w.transport->on_json(
        "/money/send/contact", 200,
        R"({"code":0,"data":[[{"client_transaction_id":"A","code":)" + std::to_string(code) +
            R"(,"status":"error","transaction_id":"TX0001","lot":"LOT-TX0001"}]]})");
    w.transport->on_json("/check/money", 200, status_body("A", "VAL"));
    auto results = w.client().send_money({payout("A")});
    EXPECT_EQ(results[0].outcome, TransferOutcome::accepted) << code << ": " << results[0].detail;
    EXPECT_EQ(results[0].transaction_id, "EA-A") << code;
    EXPECT_EQ(w.transport->requests_to("/check/money").size(), 1u) << code;
    EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u) << code;
  }
}

// Issue 16: one id listed twice in one answer, refused first and paid second: neither wins.
TEST(Evidence, AnIdListedTwiceWithContradictingItemsIsLookedUp) {
  FakeWorld w;
  w.transport->on_json(
      "/money/send/contact", 200,
      R"({"code":0,"data":[[{"client_transaction_id":"A","code":724,"status":"error"},)"
      R"({"client_transaction_id":"A","code":0,"status":"success","transaction_id":"EA-A"}]]})");
  w.transport->on_json("/check/money", 200, status_body("A", "REC"));
  auto results = w.client().send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted) << results[0].detail;
  EXPECT_EQ(w.transport->requests_to("/check/money").size(), 1u);
}

// Issue 16: a refused item's error described itself with the item's status text ("error").
TEST(Evidence, ARefusedItemsDescriptionIsNotItsStatusText) {
  FakeWorld w;
  w.transport->on_json(
      "/money/send/contact", 200,
      R"({"code":0,"data":[[{"client_transaction_id":"A","code":724,"status":"error",)"
      R"("message":"ERROR_PHONE_NOT_MY_CONTACT"}]]})");
  auto results = w.client().send_money({payout("A")});
  ASSERT_EQ(results[0].outcome, TransferOutcome::rejected) << results[0].detail;
  EXPECT_EQ(results[0].error->code, 724);
  EXPECT_EQ(results[0].error->description, "");
}

// Issue 16: `wait_for_final` (and `cinetpay wait`) reported another transfer's record:
// check/money for ORDER-7 answering [SOMEONE-ELSE VAL, ORDER-7 REJ] returned VAL.
TEST(Evidence, WaitForFinalReportsOnlyTheQueriedTransfer) {
  auto both = nlohmann::json::parse(status_body("SOMEONE-ELSE", "VAL"));
  both["data"].push_back(nlohmann::json::parse(status_body("ORDER-7", "REJ"))["data"][0]);
  FakeWorld w;
  w.transport->on_json("/check/money", 200, both.dump());
  TransferStatus s = w.client().wait_for_final(TransferQuery::by_client_transaction_id("ORDER-7"),
                                               std::chrono::seconds(1));
  EXPECT_EQ(s.client_transaction_id, "ORDER-7");
  EXPECT_EQ(s.treatment_status.raw(), "REJ");
  auto listed = w.client().check_transfer(TransferQuery::by_client_transaction_id("ORDER-7"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].client_transaction_id, "ORDER-7");
}

// `cinetpay wait --timeout-seconds 0` exited 3 "deadline has passed" even for a VAL payout:
// a timeout of zero looks once.
TEST(Check, WaitForFinalWithATimeoutOfZeroLooksOnce) {
  FakeWorld w;
  w.transport->on_json("/check/money", 200, status_body("A", "REC"));
  TransferStatus s = w.client().wait_for_final(TransferQuery::by_client_transaction_id("A"), 0s);
  EXPECT_EQ(s.treatment_status.raw(), "REC");
  EXPECT_EQ(w.transport->requests_to("/check/money").size(), 1u);
}

// Two records that contradict each other about one id prove nothing, on every path.
TEST(Evidence, RecordsThatContradictEachOtherProveNothing) {
  auto both = nlohmann::json::parse(status_body("A", "VAL"));
  auto rej = nlohmann::json::parse(status_body("A", "REJ"))["data"][0];
  rej["transaction_id"] = "EA-OTHER";
  both["data"].push_back(rej);
  FakeWorld w;
  w.transport->on("/money/send/contact",
                  [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); });
  w.transport->on_json("/check/money", 200, both.dump());
  auto o = w.options();
  o.reconcile_grace = 0s;
  auto results = w.client(o).send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::unknown) << results[0].detail;
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u) << "never sent again";
  EXPECT_EQ(w.client(o).reconcile("A").state, ReconcileResult::State::unknown);
  EXPECT_THROW((void)w.client(o).check_transfer(TransferQuery::by_client_transaction_id("A")),
               ProtocolError);
}

// Review of session 6: CinetPay listed records under the id (contradicting each other, or
// one without amount and recipient), and a 723 before or after them was taken for absence:
// the payout was sent again though CinetPay had shown it held the id.
TEST(Evidence, AnIdCinetPayListedIsNeverTakenForAbsentWithinTheGrace) {
  auto contradicting = nlohmann::json::parse(status_body("A", "REC"));
  auto val = nlohmann::json::parse(status_body("A", "VAL"))["data"][0];
  contradicting["data"].push_back(val);
  auto sparse = nlohmann::json::parse(status_body("A", "VAL"));
  sparse["data"][0].erase("amount");
  for (const std::string& seen : {contradicting.dump(), sparse.dump()}) {
    for (bool seen_first : {false, true}) {
      FakeWorld w;
      w.transport->on("/money/send/contact", [](const HttpRequest&) -> HttpResponse {
        throw TransportError("reset", true);
      });
      if (seen_first) {
        w.transport->on_json("/check/money", 200, seen).then_json("/check/money", 200, kNotFound);
      } else {
        w.transport->on_json("/check/money", 200, kNotFound)
            .then_json("/check/money", 200, seen)
            .then_json("/check/money", 200, kNotFound);
      }
      auto o = w.options();
      o.reconcile_grace = 10s;
      o.reconcile_interval = 2s;
      auto results = w.client(o).send_money({payout("A")});
      EXPECT_EQ(results[0].outcome, TransferOutcome::unknown) << results[0].detail;
      EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u)
          << "never sent again: " << seen << (seen_first ? " first" : " second");
    }
  }
}

// Review of session 6: a batch refused whole whose data lists an item as a success without
// its transaction_id was split and its items sent again at once, though CinetPay may have
// processed them before failing. Its items are looked up instead.
TEST(Evidence, AWholeRefusalListingASuccessWithoutItsTransferIsLookedUpNotSplit) {
  FakeWorld w;
  w.transport->on_json(
      "/money/send/contact", 200,
      R"({"code":-1,"message":"OPERATION_ERROR","data":[[{"client_transaction_id":"A",)"
      R"("code":0,"status":"success"}]]})");
  auto both = nlohmann::json::parse(status_body("A", "REC"));
  w.transport->on("/check/money", [](const HttpRequest& r) {
    const std::string id = query_param(r.url, "client_transaction_id");
    return answers::json(200, status_body(id, "REC"));
  });
  auto results = w.client().send_money({payout("A"), payout("B")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted) << results[0].detail;
  EXPECT_EQ(results[1].outcome, TransferOutcome::accepted) << results[1].detail;
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u) << "no split";
}

// Review of session 6: the first send answered 805 (CinetPay held the id), lookups answered
// 723 for the whole grace, and the resend refused with 724 was taken as "nothing paid".
TEST(Evidence, AResendRefusedAfterCinetPayAnswered805ProvesNothing) {
  FakeWorld w;
  w.transport
      ->on_json("/money/send/contact", 200,
                R"({"code":805,"message":"CLIENT_TRANSACTION_ID_EXIST","data":[]})")
      .then_json("/money/send/contact", 200,
                 R"({"code":724,"message":"ERROR_PHONE_NOT_MY_CONTACT","data":[]})");
  w.transport->on_json("/check/money", 200, kNotFound);
  auto o = w.options();
  o.reconcile_grace = 0s;
  auto results = w.client(o).send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::unknown) << results[0].detail;
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 2u);
}

// A record that tells the recipient but not the amount is not this payout (a mutant that
// dropped the amount from the rule survived every test before this one).
TEST(SendMatching, FoundWithoutAmountIsUnknownNotAccepted) {
  FakeWorld w;
  w.transport->on("/money/send/contact",
                  [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); });
  auto found = nlohmann::json::parse(status_body("A", "VAL"));
  found["data"][0].erase("amount");
  w.transport->on_json("/check/money", 200, found.dump());
  auto o = w.options();
  o.reconcile_grace = 0s;
  auto results = w.client(o).send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::unknown) << results[0].detail;
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);
}

// CallOptions::reconcile = false: an unclear item is unknown at once, nothing looked up.
TEST(Send, WithoutReconciliationAnUnclearItemIsUnknownAtOnce) {
  FakeWorld w;
  w.transport->on("/money/send/contact",
                  [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); });
  CallOptions call;
  call.reconcile = false;
  auto results = w.client().send_money({payout("A")}, call);
  EXPECT_EQ(results[0].outcome, TransferOutcome::unknown) << results[0].detail;
  EXPECT_TRUE(w.transport->requests_to("/check/money").empty());
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);
}

TEST(SendMatching, AnswerWithAnEmptyIdIsNotAMatch) {
  FakeWorld w;
  auto found = nlohmann::json::parse(status_body("A", "VAL"));
  found["data"][0]["client_transaction_id"] = "";
  w.transport->on_json("/check/money", 200, found.dump());
  EXPECT_EQ(w.client().reconcile("A").state, ReconcileResult::State::unknown);
}

TEST(Notifications, FieldsMustAgreeWithCheckMoney) {
  FakeWorld w;
  w.transport->on_json("/check/money", 200, status_body("A", "VAL"));
  auto verify = [&](const std::string& body) {
    return w.client().verify_notification(parse_notification(body));
  };
  EXPECT_NO_THROW((void)verify(
      "transaction_id=EA-A&client_transaction_id=A&amount=500&lot=L&receiver=0102030405"));
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {"transaction_id=EA-A&client_transaction_id=OTHER", "client_transaction_id"},
           {"transaction_id=EA-A&amount=999999", "amount"},
           {"transaction_id=EA-A&amount=0x1f4", "amount"},
           {"transaction_id=EA-A&lot=L2", "lot"},
           {"transaction_id=EA-A&receiver=0709090909", "receiver"},
           {"client_transaction_id=A&transaction_id=EA-B", "transaction_id"}}) {
    try {
      (void)verify(body);
      ADD_FAILURE() << body << " was trusted";
    } catch (const NotificationMismatchError& e) {
      EXPECT_EQ(e.field(), field) << body;
    }
  }
  auto no_id = nlohmann::json::parse(status_body("A", "VAL"));
  no_id["data"][0]["transaction_id"] = "";
  w.transport->on_json("/check/money", 200, no_id.dump());
  EXPECT_THROW((void)verify("transaction_id=EA-A"), NotificationMismatchError)
      << "an answer with an empty transaction_id matches nothing";
}

// --- Secrets by value (issue 7, point 7) ---

TEST(Secrets, EchoedInFreeTextAreMaskedEverywhere) {
  FakeWorld w;
  w.transport->on("/check/balance", [](const HttpRequest&) {
    return answers::json(500, "unknown api key key-secret with password pass-secret");
  });
  w.transport->on("/money/send/contact", [](const HttpRequest&) {
    return answers::json(500, "bad token tok-secret-1 for key-secret");
  });
  w.transport->on("/check/money", [](const HttpRequest&) {
    return answers::json(502, "gateway saw tok-secret-1");
  });
  auto o = w.options();
  o.reconcile_grace = 1s;
  auto client = w.client(o);
  std::string texts;
  try {
    (void)client.balance();
  } catch (const Error& e) {
    texts += e.what();
  }
  EXPECT_THAT(texts, HasSubstr("unknown api key *** with password ***"));
  for (const TransferResult& r : client.send_money({payout("A")})) texts += r.detail;
  texts += client.reconcile("A").detail;
  texts += w.all_logs();
  EXPECT_THAT(texts, HasSubstr("bad token ***"));
  for (const char* secret : {"key-secret", "pass-secret", "tok-secret-1"}) {
    EXPECT_THAT(texts, Not(HasSubstr(secret)));
  }
}

TEST(Secrets, ForeignExceptionsLeavingACallAreMasked) {
  FakeWorld w;
  w.transport->on("/check/balance", [](const HttpRequest& r) -> HttpResponse {
    throw std::runtime_error("plugin failed on " + r.url);
  });
  try {
    (void)w.client().balance();
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr("tok-secret-1")));
    EXPECT_THAT(e.what(), HasSubstr("plugin failed"));
  }
}

// --- Time (issue 7, point 8) ---

// A server that takes every request and never answers: each request lasts its timeout.
std::function<HttpResponse(const HttpRequest&)> silent(
    mocks::ManualClock& clock, std::chrono::milliseconds transport_timeout,
    std::vector<std::chrono::milliseconds>* seen) {
  return [&clock, transport_timeout, seen](const HttpRequest& r) -> HttpResponse {
    auto lasts = r.timeout.count() > 0 ? std::min(r.timeout, transport_timeout) : transport_timeout;
    if (seen != nullptr) seen->push_back(r.timeout);
    clock.advance(lasts);
    throw TransportError("timed out", true);
  };
}

TEST(Time, ReconcileGraceBoundsTheWholeReconciliation) {
  FakeWorld w;
  std::vector<std::chrono::milliseconds> lookups;
  w.transport->on("/money/send/contact", silent(w.clock, 1s, nullptr));
  w.transport->on("/check/money", silent(w.clock, 1s, &lookups));
  auto o = w.options();
  o.request_timeout = 1s;
  o.reconcile_grace = 2s;
  std::vector<TransferRequest> items;
  for (int i = 0; i < 5; ++i) items.push_back(payout("ID" + std::to_string(i)));
  auto started = w.clock.now();
  auto results = w.client(o).send_money(items);
  EXPECT_LE(w.clock.now() - started, 3s) << "1 s for the send, 2 s of grace";
  for (const auto& r : results) EXPECT_EQ(r.outcome, TransferOutcome::unknown);
  ASSERT_FALSE(lookups.empty());
  for (auto t : lookups) {
    EXPECT_GT(t.count(), 0);
    EXPECT_LE(t, 2s);
  }
}

TEST(Time, ZeroGraceLooksEachItemUpOnceWithoutWaiting) {
  FakeWorld w;
  w.transport
      ->on("/money/send/contact",
           [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); })
      .then("/money/send/contact", accept_all);
  w.transport->on_json("/check/money", 200, kNotFound)
      .then_json("/check/money", 200, status_body("B", "VAL"));
  auto o = w.options();
  o.reconcile_grace = 0ms;
  auto results = w.client(o).send_money({payout("A"), payout("B")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted) << "not found once, sent once more";
  EXPECT_EQ(results[1].outcome, TransferOutcome::accepted);
  EXPECT_TRUE(w.clock.sleeps().empty());
  EXPECT_EQ(w.transport->requests_to("/check/money").size(), 2u);
}

TEST(Time, FiftyItemsWithDefaultsEndWithinTheGrace) {
  FakeWorld w;
  w.transport->on("/money/send/contact", silent(w.clock, 30s, nullptr));
  w.transport->on("/check/money", silent(w.clock, 30s, nullptr));
  std::vector<TransferRequest> items;
  for (int i = 0; i < 50; ++i) items.push_back(payout("ID" + std::to_string(i)));
  auto started = w.clock.now();
  auto results = w.client().send_money(items);
  EXPECT_LE(w.clock.now() - started, 60s) << "the send's 30 s and a 30 s grace";
  EXPECT_EQ(results.size(), 50u);
}

TEST(Time, VerifyNotificationEndsByItsDeadline) {
  FakeWorld w;
  std::vector<std::chrono::milliseconds> checks;
  w.transport->on("/check/money", silent(w.clock, 30s, &checks));
  auto started = w.clock.now();
  EXPECT_THROW((void)w.client().verify_notification(parse_notification("transaction_id=EA-A"),
                                                    CallOptions{std::chrono::seconds(2)}),
               TransportError);
  EXPECT_LE(w.clock.now() - started, 2s);
  ASSERT_FALSE(checks.empty());
  EXPECT_LE(checks.front(), 2s) << "the request's timeout is clipped to the deadline";
}

TEST(Time, RetriesAndBackoffStopAtTheDeadline) {
  FakeWorld w;
  w.transport->on("/check/balance", [](const HttpRequest&) { return answers::json(503, "busy"); });
  auto o = w.options();
  o.retry.max_attempts = 50;
  o.retry.initial_backoff = 1s;
  auto started = w.clock.now();
  CallOptions call;
  call.deadline = started + 5s;
  EXPECT_THROW((void)w.client(o).balance(call), ProtocolError);
  EXPECT_LE(w.clock.now() - started, 5s);
  EXPECT_LT(w.transport->requests_to("/check/balance").size(), 50u);
}

TEST(Time, WaitForFinalHonoursTheEarlierOfTimeoutAndDeadline) {
  FakeWorld w;
  w.transport->on_json("/check/money", 200, status_body("A", "REC"));
  auto started = w.clock.now();
  auto st = w.client().wait_for_final(TransferQuery::by_client_transaction_id("A"), 1min,
                                      CallOptions{std::chrono::seconds(7)});
  EXPECT_FALSE(st.is_final());
  EXPECT_LE(w.clock.now() - started, 7s);
}

// --- Configuration (issue 7, point 9) ---

TEST(Config, EmptyOrMalformedBaseUrlIsAConfigError) {
  for (const char* url :
       {"", "https://client.cinetpay.com?x=", "https://client.cinetpay.com#frag",
        "https://client.cinetpay.com\r\nX: y", "https://user:pw@client.cinetpay.com",
        "http://[::1]:8080", "https://client.cinetpay.com:99999", "ftp://client.cinetpay.com"}) {
    ClientOptions o;
    o.base_url = url;
    EXPECT_THROW(TransferClient(Credentials{"k", "p"}, o), ConfigError) << url;
  }
  ClientOptions o;
  o.base_url = "http://[::1]:8080";
  try {
    TransferClient(Credentials{"k", "p"}, o);
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("IPv4"));
  }
}

TEST(Config, InsecureHttpToAnotherHostOnlyWhenAllowed) {
  ClientOptions o;
  o.base_url = "http://10.0.0.5:8080";
  EXPECT_THROW(TransferClient(Credentials{"k", "p"}, o), ConfigError);
  o.allow_insecure_http = true;
  EXPECT_NO_THROW(TransferClient(Credentials{"k", "p"}, o));
}

TEST(Config, EmptyBaseUrlInTheEnvironmentIsNotProduction) {
  ::setenv("CINETPAY_API_KEY", "k", 1);
  ::setenv("CINETPAY_PASSWORD", "p", 1);
  ::unsetenv("CINETPAY_LANG");
  ::setenv("CINETPAY_BASE_URL", "", 1);
  EXPECT_THROW(TransferClient::from_env(), ConfigError);
  ::unsetenv("CINETPAY_BASE_URL");
  EXPECT_NO_THROW(TransferClient::from_env());
}

TEST(Config, BaseUrlLoggedAtInfoOnTheFirstCall) {
  FakeWorld w;
  w.transport->on_json("/check/balance", 200, kBalanceOk);
  auto client = w.client();
  (void)client.balance();
  (void)client.balance();
  std::string logs = w.all_logs();
  const std::string line =
      "info: level=info event=client_start msg=\"using the CinetPay API at https://api.test\" "
      "base_url=https://api.test";
  auto first = logs.find(line);
  ASSERT_NE(first, std::string::npos) << logs;
  EXPECT_EQ(logs.find("using the CinetPay API", first + line.size()), std::string::npos);
}

TEST(Config, MovedFromClientThrowsLogicError) {
  FakeWorld w;
  auto client = w.client();
  TransferClient moved = std::move(client);
  // NOLINTNEXTLINE(bugprone-use-after-move): what this test is about
  EXPECT_THROW((void)client.balance(), std::logic_error);
  EXPECT_THROW((void)client.send_money({payout("A")}), std::logic_error);
  EXPECT_TRUE(w.transport->requests().empty());
}

// --- Secrets echoed cut short, encoded or escaped (issue 7 checked from outside) ---

// A password with every character an encoding changes, and a key of the usual shape.
const Credentials kOddCredentials{"Zq8kLw3Xv9TpR2mN7bYc", "p@ss w/rd&\"Hj4\xC3\xA9\\"};

// Whether `text` holds 4 consecutive bytes of `secret`: a part of a secret is a leak too.
bool holds_part_of(const std::string& text, const std::string& secret) {
  for (std::size_t i = 0; i + 4 <= secret.size(); ++i) {
    if (text.find(secret.substr(i, 4)) != std::string::npos) return true;
  }
  return false;
}

// Every text a balance() call over `page` (the answer to check/balance) lets out.
std::string texts_of_balance(HttpResponse page, const Credentials& credentials) {
  FakeWorld w;
  w.transport->on("/check/balance", std::move(page));
  std::string texts;
  try {
    (void)TransferClient(credentials, w.options()).balance();
  } catch (const std::exception& e) {
    texts += e.what();
  }
  return texts + w.all_logs();
}

TEST(Secrets, ASecretCutShortByAnExcerptLeavesNoPartOfIt) {
  for (std::size_t filler = 120; filler <= 170; ++filler) {
    std::string page = std::string(filler, '-') + " key " + kOddCredentials.api_key + " and " +
                       kOddCredentials.password + " end";
    std::string texts = texts_of_balance(answers::json(200, page), kOddCredentials);
    EXPECT_THAT(texts, HasSubstr("not JSON"));
    EXPECT_FALSE(holds_part_of(texts, kOddCredentials.api_key)) << texts;
    EXPECT_FALSE(holds_part_of(texts, kOddCredentials.password)) << texts;
  }
}

TEST(Secrets, UrlEncodedOrJsonEscapedEchoesAreMasked) {
  const std::string& password = kOddCredentials.password;
  const std::string echoes[] = {
      "p%40ss%20w%2Frd%26%22Hj4%C3%A9%5C",  // as the login sent it
      "p%40ss+w%2frd%26%22Hj4%c3%a9%5c",    // another encoder's form
      "p@ss w/rd&\\\"Hj4\xC3\xA9\\\\",      // JSON-escaped
      "p@ss w\\/rd&\\\"Hj4\\u00e9\\\\",     // escaped as PHP's json_encode does
  };
  for (const std::string& echo : echoes) {
    // An unreadable page: the echo reaches what() only through the excerpt.
    std::string texts = texts_of_balance(
        answers::json(502, "{\"error\":\"unknown password " + echo + "\" ..."), kOddCredentials);
    EXPECT_THAT(texts, HasSubstr("unknown password ***")) << echo;
    EXPECT_THAT(texts, Not(HasSubstr(echo))) << texts;
    // A readable refusal: the echo is in the API's message.
    nlohmann::json refusal{
        {"code", 704}, {"message", "INVALID_PARAM"}, {"description", "unknown password " + echo}};
    texts = texts_of_balance(answers::json(200, refusal.dump()), kOddCredentials);
    EXPECT_THAT(texts, HasSubstr("unknown password ***")) << echo;
    EXPECT_THAT(texts, Not(HasSubstr(echo))) << texts;
  }
  EXPECT_FALSE(holds_part_of(
      texts_of_balance(answers::json(200, "echo " + password), kOddCredentials), password));
}

TEST(Secrets, ALatin1PasswordEchoedIsMaskedAfterTheBadBytesAreReplaced) {
  const Credentials latin1{"Zq8kLw3Xv9TpR2mN7bYc", "Kx7mQw\xE9-Hj4sDf6"};
  std::string texts =
      texts_of_balance(answers::json(200, "bad password " + latin1.password + " !"), latin1);
  EXPECT_THAT(texts, HasSubstr("bad password *** !"));
  EXPECT_FALSE(holds_part_of(texts, "Kx7mQw")) << texts;
  EXPECT_FALSE(holds_part_of(texts, "-Hj4sDf6")) << texts;
}

// --- Codes the library makes up (issue 7, point 2) ---

TEST(Codes, LibraryCodesNeverCollideWithCinetPays) {
  for (const ApiCodeInfo& row : api_codes()) {
    EXPECT_NE(row.code, kCodeMissingFromAnswer);
    EXPECT_NE(row.code, kCodeClientTransactionIdConflict);
  }
}

TEST(Codes, ContactMissingFromTheAnswerIsALibraryCode) {
  FakeWorld w;
  w.transport->on_json("/transfer/contact", 200,
                       R"({"code":0,"message":"OPERATION_SUCCES","data":[]})");
  Contact c{"225", "0102030405", "A", "B", "a@b.c"};
  auto results = w.client().add_contacts({c});
  EXPECT_EQ(results[0].code, kCodeMissingFromAnswer);
  EXPECT_FALSE(results[0].ok());
}

}  // namespace
}  // namespace cinetpay
