#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cinetpay/transfer.hpp"
#include "fakes.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using testing::FakeWorld;
using ::testing::HasSubstr;
using testing::json_response;
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
  return json_response(
      200, nlohmann::json{{"code", 0}, {"message", "OPERATION_SUCCES"}, {"data", {items}}}.dump());
}

std::string status_body(const std::string& ctid, const std::string& status, int amount = 500) {
  return nlohmann::json{{"code", 0},
                        {"message", "OPERATION_SUCCES"},
                        {"data",
                         {{{"transaction_id", "EA-" + ctid},
                           {"client_transaction_id", ctid},
                           {"lot", "L"},
                           {"amount", std::to_string(amount)},
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
  copy.balance();
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
  EXPECT_THROW(w.client().balance(), AuthenticationError);
  EXPECT_EQ(w.transport->requests_to("/check/balance").size(), 2u);
}

TEST(Client, WrongCredentialsAreNotRetried) {
  FakeWorld w;
  w.transport->on_json(
      "/auth/login", 200,
      R"({"code":"701","message":"INVALID_CREDENTIALS","description":"Identifiant de connexion incorrect","data":[]})");
  try {
    w.client().balance();
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
            [](const HttpRequest&) { return json_response(503, "<html>busy</html>"); })
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
  HttpResponse limited = json_response(429, "");
  limited.headers["retry-after"] = "7";
  w.transport->on("/check/balance", [limited](const HttpRequest&) { return limited; })
      .then_json("/check/balance", 200, kBalanceOk);
  w.client().balance();
  ASSERT_EQ(w.clock.sleeps().size(), 1u);
  EXPECT_EQ(w.clock.sleeps()[0], 7000ms);

  FakeWorld w2;
  limited.headers["retry-after"] = "3600";
  w2.transport->on("/check/balance", [limited](const HttpRequest&) { return limited; });
  EXPECT_THROW(w2.client().balance(), ProtocolError);
  EXPECT_TRUE(w2.clock.sleeps().empty());
  EXPECT_THAT(w2.all_logs(), HasSubstr("above max_retry_after"));
}

TEST(Client, ExhaustedRetriesNameEveryReason) {
  FakeWorld w;
  w.transport->on("/check/balance", [](const HttpRequest&) -> HttpResponse {
    throw TransportError("timeout", true);
  });
  try {
    w.client().balance();
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

TEST(Send, WholeBatchRefusalThrowsTypedError) {
  FakeWorld w;
  w.transport->on_json(
      "/money/send/contact", 200,
      R"({"code":602,"message":"INSUFFICIENT_BALANCE","description":"Fonds Insuffisant","data":[]})");
  EXPECT_THROW(w.client().send_money({payout("A")}), InsufficientBalanceError);
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 1u);
  EXPECT_TRUE(w.transport->requests_to("/check/money").empty());
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
    w.client().send_money({payout("A")});
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
           [](const HttpRequest&) { return json_response(502, "<html>Bad Gateway</html>"); })
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
  EXPECT_EQ(w.transport->requests_to("/check/money").size(), 6u) << "lookups at 0,2,4,6,8,10 s";
}

TEST(Send, ResendAnswered805IsLookedUpAgain) {
  FakeWorld w;
  w.transport
      ->on("/money/send/contact",
           [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); })
      .then_json("/money/send/contact", 200,
                 R"({"code":805,"message":"CLIENT_TRANSACTION_ID_EXIST","data":[]})");
  auto o = w.options();
  o.reconcile_grace = 0ms;
  w.transport->on_json("/check/money", 200, kNotFound)
      .then_json("/check/money", 200, status_body("A", "VAL"));
  auto results = w.client(o).send_money({payout("A")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_EQ(results[0].treatment_status, TreatmentStatus::Code::VAL);
  EXPECT_EQ(w.transport->requests_to("/money/send/contact").size(), 2u);
}

TEST(Send, StillUnclearIsReportedUnknownNeverDropped) {
  FakeWorld w;
  w.transport->on("/money/send/contact",
                  [](const HttpRequest&) -> HttpResponse { throw TransportError("reset", true); });
  w.transport->on("/check/money", [](const HttpRequest&) { return json_response(503, "down"); });
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
  EXPECT_EQ(results[0].error->code, 805);
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
  Notification n = parse_notification("transaction_id=EA-A&treatment_status=VAL&amount=999999");
  TransferStatus trusted = w.client().verify_notification(n);
  EXPECT_EQ(trusted.amount, 500) << "the body is never trusted";
  EXPECT_EQ(query_param(w.transport->requests_to("/check/money")[0].url, "transaction_id"), "EA-A");
  Notification forged = parse_notification("transaction_id=FORGED");
  EXPECT_THROW(w.client().verify_notification(forged), NotFoundError);
}

TEST(Secrets, NeverInErrorsOrLogs) {
  FakeWorld w;
  w.transport->on("/check/balance", [](const HttpRequest& r) {
    return json_response(500, "<html>echo " + r.url + " token=tok-secret-1</html>");
  });
  std::string what;
  try {
    w.client().balance();
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
  EXPECT_THROW(TransferClient(Credentials{"k", "p"}, o), ValidationError);
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

}  // namespace
}  // namespace cinetpay
