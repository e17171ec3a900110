// Every JSON example of the API text, the broken ones too, served by a real HTTP server
// and read through the libcurl transport; and every code of the table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cinetpay/transfer.hpp"
#include "fakes.hpp"
#include "scripted_server.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using mocks::ScriptedServer;

// The examples, byte for byte as the API text prints them.
const char* kLoginSuccess = R"({
    "code": 0,
    "message": "OPERATION_SUCCES",
    "data": {
        "token": "YOUR_TOKEN_HERE"
    }
})";
const char* kLoginError = R"({
    "code": "701",
    "message": "INVALID_CREDENTIALS",
    "description": "Identifiant de connexion incorrect",
    "data": []
})";
const char* kBalanceSuccess = R"({
    "code": 0,
    "message": "OPERATION_SUCCES",
    "data": {
    "amount": 663,
    "inUsing": 0,
    "available": 663
    }
})";
const char* kBalanceError = R"({
    "code": "706",
    "message": "INVALID_TOKEN",
    "description": "Votre token est invalide",
    "data": []
})";
// Broken in the API text: not JSON.
const char* kContactSuccessBroken = R"({
    "code": 0,
        "message": "OPERATION_SUCCES",
        "data": [
    [
    {
    "prefix": "225",
        "phone": "53798590",
        "name": "Test A",
        "surname": "Test B",
        "email": "testa@exemple.com",
        "code": 0,
        "status": "success",
        "lot": "0044557641201530021279"
    },
    {
        "prefix": "225",
        "phone": "77895086",
        "name": "Test C",
        "surname": "Test D",
        "email": "testb@exemple.com",
    ] }
    } ]
    "code": 0,
    "status": "success",
    "lot": "0044557641201530021279"
})";
// Broken in the API text: a missing comma, a trailing comma, an unclosed object.
const char* kSendSuccessBroken = R"({
    "code": 0,
        "message": "OPERATION_SUCCES",
        "data": [
            [
                {
                    "prefix": "225",
                    "phone": "0102324373",
                    "amount": 500,
                    "client_transaction_id": "TEST-ID1",
                    "notify_url": "https://webhook.site/a38f92c3-7304-4540-82af-db48f06d2000",
                    "code": 0,
                    "status": "success",
                    "treatment_status": "NEW",
                    "transaction_id": "EA211005.065802.Z794810",
                    "lot": "0069229938091633417082"
                },

                {
                    "prefix": "225",
                    "phone": "0102324373",
                    "amount": 350,
                    "client_transaction_id": "MYMERCHANTID2", 
                    "notify_url": "http://93fd59a2.ngrok.io",
                    "payment_method": "WAVECI",
                    "code": 0,
                    "status": "success",
                    "treatment_status": "NEW"
                    "transaction_id": "EA180627.122754.Y707825", 
                }

            ] 
})";
// A raw line break inside a string: not strict JSON, read leniently.
const char* kSendError602 =
    "{\n    \"code\": 602,\n    \"message\": \"INSUFFICIENT_BALANCE\",\n"
    "    \"description\": \"Fonds Insuffisant :disponible 4 233,00,\n"
    "    Total de l'operation \xC3\xA0 effectuer : 32 000,00\",\n    \"data\": []\n}";
const char* kCheckSuccess = R"({
    "code": 0,
    "message": "OPERATION_SUCCES",
    "data": [{
        "transaction_id": "EA180627.122753.M279245",
        "client_transaction_id": "MYMERCHANTID1",
        "lot": "0044557641201530102473",
        "amount": "500",
        "receiver": "07895086",
        "receiver_e164": "+22507895086",
        "operator": "OM",
        "sending_status": "CONFIRM",
        "transfer_valid": "Y",
        "treatment_status": "VAL",
        "comment": "Transfert effectué avec succès",
        "validated_at": "2018-06-27 12:53:26"
    }] 
})";
const char* kCheckError = R"({
     "code": 723,
    "message": "NOT_FOUND",
    "description": "Aucun element trouvé",
    "data": []
})";

class ApiExamples : public ::testing::Test {
 protected:
  ApiExamples() { server.answer("/v1/auth/login", 200, kLoginSuccess); }
  TransferClient client(std::size_t max_response_bytes = ClientOptions().max_response_bytes) {
    ClientOptions o;
    o.max_response_bytes = max_response_bytes;
    o.base_url = server.base_url();
    o.request_timeout = 5s;
    o.reconcile_grace = 5s;  // bounds the whole reconciliation: the lookups answer at once
    o.retry.initial_backoff = 1ms;
    o.sleeper = [](std::chrono::milliseconds) {};
    return TransferClient(Credentials{"the-api-key", "the-password"}, o);
  }
  ScriptedServer server;
};

TEST_F(ApiExamples, LoginSuccessThenBalanceSuccess) {
  server.answer("/v1/transfer/check/balance", 200, kBalanceSuccess);
  Balance b = client().balance();
  EXPECT_EQ(b.amount, 663);
  EXPECT_EQ(b.in_using, 0);
  EXPECT_EQ(b.available, 663);
  auto login = server.requests("/v1/auth/login");
  ASSERT_EQ(login.size(), 1u);
  EXPECT_EQ(login[0].method, "POST");
  EXPECT_EQ(login[0].params.at("apikey"), "the-api-key");
  EXPECT_EQ(login[0].params.at("password"), "the-password");
  EXPECT_EQ(login[0].params.at("lang"), "en");
  auto balance = server.requests("/v1/transfer/check/balance");
  ASSERT_EQ(balance.size(), 1u);
  EXPECT_EQ(balance[0].method, "GET");
  EXPECT_EQ(balance[0].params.at("token"), "YOUR_TOKEN_HERE");
}

TEST_F(ApiExamples, LoginError) {
  server.answer("/v1/auth/login", 200, kLoginError);
  try {
    (void)client().balance();
    FAIL();
  } catch (const AuthenticationError& e) {
    EXPECT_EQ(e.code(), 701);
    EXPECT_EQ(e.api_message(), "INVALID_CREDENTIALS");
    EXPECT_EQ(e.description(), "Identifiant de connexion incorrect");
  }
}

TEST_F(ApiExamples, BalanceErrorAfterAFreshLoginIsAnAuthenticationError) {
  server.answer("/v1/transfer/check/balance", 200, kBalanceError);
  EXPECT_THROW((void)client().balance(), AuthenticationError);
  EXPECT_EQ(server.requests("/v1/auth/login").size(), 2u);
  EXPECT_EQ(server.requests("/v1/transfer/check/balance").size(), 2u);
}

TEST_F(ApiExamples, ContactQueryAndItsBrokenAnswer) {
  server.answer("/v1/transfer/contact", 200, kContactSuccessBroken);
  std::vector<Contact> contacts = {{"225", "01020304", "Test A", "Test B", "testa@exemple.com"},
                                   {"225", "01020304", "Test C", "Test D", "testb@exemple.com"}};
  EXPECT_THROW(client().add_contacts(contacts), ProtocolError);
  auto posted = server.requests("/v1/transfer/contact");
  ASSERT_FALSE(posted.empty());
  EXPECT_EQ(posted[0].method, "POST");
  EXPECT_EQ(posted[0].params.at("token"), "YOUR_TOKEN_HERE");
  auto data = nlohmann::json::parse(posted[0].params.at("data"));
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[1]["name"], "Test C");
  EXPECT_EQ(data[1]["email"], "testb@exemple.com");
}

TEST_F(ApiExamples, SendWithABrokenAnswerIsReconciledNotResent) {
  server.answer("/v1/transfer/money/send/contact", 200, kSendSuccessBroken);
  server.on("/v1/transfer/check/money", [](const httplib::Request& req, httplib::Response& res) {
    std::string id = req.get_param_value("client_transaction_id");
    auto body = nlohmann::json::parse(kCheckSuccess);
    body["data"][0]["client_transaction_id"] = id;
    body["data"][0]["amount"] = id == "TEST-ID1" ? "500" : "2000";
    body["data"][0]["receiver"] = "0102324373";  // the payout's recipient
    body["data"][0]["receiver_e164"] = "+2250102324373";
    res.set_content(body.dump(), "application/json");
  });
  TransferRequest a{"225", "0102324373", 500, "http://yourdomain.com/transfer/notify", "TEST-ID1",
                    ""};
  TransferRequest b{"225",           "0102324373", 2000, "http://yourdomain.com/transfer/notify",
                    "MYMERCHANTID2", "WAVECI"};
  auto results = client().send_money({a, b});
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) {
    EXPECT_EQ(r.outcome, TransferOutcome::accepted) << r.detail;
    EXPECT_EQ(r.treatment_status, TreatmentStatus::Code::VAL);
  }
  EXPECT_EQ(server.requests("/v1/transfer/money/send/contact").size(), 1u);
  auto sent = server.requests("/v1/transfer/money/send/contact")[0];
  auto data = nlohmann::json::parse(sent.params.at("data"));
  EXPECT_EQ(data[1]["payment_method"], "WAVECI");
  EXPECT_EQ(sent.params.at("lang"), "en");
}

// Hostile answers to a send that went out: the payout is looked up, never resent.
void answer_checks_with_the_asked_id(ScriptedServer& server) {
  server.on("/v1/transfer/check/money", [](const httplib::Request& req, httplib::Response& res) {
    auto body = nlohmann::json::parse(kCheckSuccess);
    body["data"][0]["client_transaction_id"] = req.get_param_value("client_transaction_id");
    body["data"][0]["receiver"] = "0102324373";  // the payouts below: 500 to 225 0102324373
    body["data"][0]["receiver_e164"] = "+2250102324373";
    res.set_content(body.dump(), "application/json");
  });
}

TEST_F(ApiExamples, SendAnsweredWithMoreThanMaxResponseBytesIsReconciledNotResent) {
  nlohmann::json ok = nlohmann::json::parse(R"({"code":0,"message":"OPERATION_SUCCES","data":[]})");
  server.answer("/v1/transfer/money/send/contact", 200, ok.dump() + std::string(2 << 20, ' '));
  answer_checks_with_the_asked_id(server);
  TransferRequest a{"225", "0102324373", 500, "http://yourdomain.com/transfer/notify", "TEST-ID1",
                    ""};
  auto results = client(64 * 1024).send_money({a});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted) << results[0].detail;
  EXPECT_THAT(results[0].detail, ::testing::HasSubstr("max_response_bytes"));
  EXPECT_EQ(server.requests("/v1/transfer/money/send/contact").size(), 1u);
  EXPECT_FALSE(server.requests("/v1/transfer/check/money").empty());
}

TEST_F(ApiExamples, SendAnsweredWithDeepNestingIsReconciledNotResent) {
  std::string deep =
      R"({"code":0,"message":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  server.answer("/v1/transfer/money/send/contact", 200, deep);
  answer_checks_with_the_asked_id(server);
  TransferRequest a{"225", "0102324373", 500, "http://yourdomain.com/transfer/notify", "TEST-ID1",
                    ""};
  auto results = client().send_money({a});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted) << results[0].detail;
  EXPECT_THAT(results[0].detail, ::testing::HasSubstr("nested deeper than 64 levels"));
  EXPECT_EQ(server.requests("/v1/transfer/money/send/contact").size(), 1u);
}

TEST_F(ApiExamples, ReadAnsweredWithMoreThanMaxResponseBytesIsNotRetried) {
  server.answer("/v1/transfer/check/balance", 200, std::string(2 << 20, ' '));
  EXPECT_THROW((void)client(64 * 1024).balance(), ProtocolError);
  EXPECT_EQ(server.requests("/v1/transfer/check/balance").size(), 1u);
}

TEST_F(ApiExamples, SendError602WithALineBreakInItsDescription) {
  server.answer("/v1/transfer/money/send/contact", 200, kSendError602);
  TransferRequest a{"225", "0102324373", 500, "http://yourdomain.com/transfer/notify", "TEST-ID1",
                    ""};
  auto results = client().send_money({a});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::rejected);
  ASSERT_TRUE(results[0].error.has_value());
  EXPECT_EQ(results[0].error->code, 602);
  EXPECT_THAT(results[0].error->description, ::testing::HasSubstr("32 000,00"));
  EXPECT_TRUE(server.requests("/v1/transfer/check/money").empty());
}

TEST_F(ApiExamples, CheckSuccess) {
  server.answer("/v1/transfer/check/money", 200, kCheckSuccess);
  auto st = client().check_transfer(TransferQuery::by_client_transaction_id("MYMERCHANTID1"));
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].transaction_id, "EA180627.122753.M279245");
  EXPECT_EQ(st[0].client_transaction_id, "MYMERCHANTID1");
  EXPECT_EQ(st[0].lot, "0044557641201530102473");
  EXPECT_EQ(st[0].amount, 500);
  EXPECT_EQ(st[0].receiver, "07895086");
  EXPECT_EQ(st[0].receiver_e164, "+22507895086");
  EXPECT_EQ(st[0].operator_code, "OM");
  EXPECT_EQ(st[0].sending_status, "CONFIRM");
  EXPECT_EQ(st[0].transfer_valid, "Y");
  EXPECT_EQ(to_string(st[0].treatment_status), "VAL");
  EXPECT_EQ(st[0].comment, "Transfert effectué avec succès");
  EXPECT_EQ(st[0].validated_at, "2018-06-27 12:53:26");
  EXPECT_EQ(server.requests("/v1/transfer/check/money")[0].params.at("client_transaction_id"),
            "MYMERCHANTID1");
}

TEST_F(ApiExamples, CheckError) {
  server.answer("/v1/transfer/check/money", 200, kCheckError);
  try {
    (void)client().check_transfer(TransferQuery::by_transaction_id("nope"));
    FAIL();
  } catch (const NotFoundError& e) {
    EXPECT_EQ(e.code(), 723);
    EXPECT_EQ(e.description(), "Aucun element trouvé");
  }
}

// Every code of the facts table, as a string (the usual form of errors) and as a number,
// on a read: each becomes its typed error.
TEST_F(ApiExamples, EveryCodeOfTheTableIsTyped) {
  for (const ApiCodeInfo& row : api_codes()) {
    if (row.code == 0) continue;
    for (bool as_string : {true, false}) {
      nlohmann::json body{{"message", std::string(row.message)},
                          {"description", "d"},
                          {"data", nlohmann::json::array()}};
      if (as_string) {
        body["code"] = std::to_string(row.code);
      } else {
        body["code"] = row.code;
      }
      server.answer("/v1/transfer/check/balance", 200, body.dump());
      try {
        (void)client().balance();
        ADD_FAILURE() << row.code << " accepted";
      } catch (const ApiError& e) {
        EXPECT_EQ(e.code(), row.code);
        EXPECT_EQ(e.api_message(), row.message);
        bool auth = (row.code >= 701 && row.code <= 703) || (row.code >= 705 && row.code <= 707);
        EXPECT_EQ(dynamic_cast<const AuthenticationError*>(&e) != nullptr, auth) << row.code;
        EXPECT_EQ(dynamic_cast<const InsufficientBalanceError*>(&e) != nullptr, row.code == 602)
            << row.code;
        EXPECT_EQ(dynamic_cast<const NotFoundError*>(&e) != nullptr, row.code == 723) << row.code;
      }
    }
  }
}

TEST_F(ApiExamples, HtmlErrorPageIsAProtocolErrorAfterRetries) {
  server.answer("/v1/transfer/check/balance", 502, "<html><h1>502 Bad Gateway</h1></html>",
                "text/html");
  try {
    (void)client().balance();
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.http_status(), 502);
    EXPECT_THAT(e.what(), ::testing::HasSubstr("Bad Gateway"));
    EXPECT_THAT(e.what(),
                ::testing::HasSubstr(
                    "[HTTP 502, HTTP 502, not retried: HTTP 502, attempts exhausted (3/3)]"));
  }
  EXPECT_EQ(server.requests("/v1/transfer/check/balance").size(), 3u);
}

}  // namespace
}  // namespace cinetpay
