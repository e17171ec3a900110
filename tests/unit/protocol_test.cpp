#include <gtest/gtest.h>

#include "cinetpay/transfer.hpp"
#include "fakes.hpp"
#include "protocol.hpp"

namespace cinetpay::detail {
namespace {

using testing::json_response;

Envelope parse(const std::string& body, int status = 200) {
  return parse_envelope(json_response(status, body));
}

TEST(Envelope, CodeAsNumberOrString) {
  EXPECT_EQ(parse(R"({"code":0,"message":"OPERATION_SUCCES","data":[]})").code, 0);
  Envelope e = parse(
      R"({"code":"701","message":"INVALID_CREDENTIALS","description":"Identifiant de connexion incorrect","data":[]})");
  EXPECT_EQ(e.code, 701);
  EXPECT_EQ(e.message, "INVALID_CREDENTIALS");
  EXPECT_EQ(e.description, "Identifiant de connexion incorrect");
  EXPECT_EQ(parse(R"({"code":"-1","message":"OPERATION_ERROR"})").code, -1);
}

TEST(Envelope, MissingDescriptionAndDataAreFine) {
  Envelope e = parse(R"({"code":723,"message":"NOT_FOUND"})");
  EXPECT_EQ(e.code, 723);
  EXPECT_TRUE(e.description.empty());
  EXPECT_TRUE(data_items(e).empty());
}

TEST(Envelope, DataFlatNestedObjectOrEmpty) {
  EXPECT_EQ(data_items(parse(R"({"code":0,"data":[{"a":1},{"a":2}]})")).size(), 2u);
  EXPECT_EQ(data_items(parse(R"({"code":0,"data":[[{"a":1},{"a":2}],[{"a":3}]]})")).size(), 3u);
  EXPECT_EQ(data_items(parse(R"({"code":0,"data":{"token":"x"}})")).size(), 1u);
  EXPECT_TRUE(data_items(parse(R"({"code":0,"data":[]})")).empty());
  EXPECT_TRUE(data_items(parse(R"({"code":0,"data":null})")).empty());
}

TEST(Envelope, NotAnEnvelopeIsAProtocolErrorWithStatusAndExcerpt) {
  try {
    parse("<html><body>502 Bad Gateway</body></html>", 502);
    FAIL() << "no error";
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.http_status(), 502);
    EXPECT_NE(std::string(e.what()).find("HTTP 502"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("Bad Gateway"), std::string::npos);
  }
  EXPECT_THROW(parse("[1,2]"), ProtocolError);
  EXPECT_THROW(parse(R"({"message":"no code"})"), ProtocolError);
  EXPECT_THROW(parse(R"({"code":"abc"})"), ProtocolError);
  EXPECT_THROW(parse(""), ProtocolError);
}

TEST(Envelope, ExcerptIsShortAndRedacted) {
  std::string body = R"({"token":"SECRET-TOKEN-123", "apikey": "KEY-9", "password":"p4ss" )" +
                     std::string(500, 'x');
  try {
    parse(body, 500);
    FAIL();
  } catch (const ProtocolError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find("SECRET-TOKEN-123"), std::string::npos) << what;
    EXPECT_EQ(what.find("KEY-9"), std::string::npos) << what;
    EXPECT_EQ(what.find("p4ss"), std::string::npos) << what;
    EXPECT_LT(what.size(), 300u);
  }
}

TEST(Fields, AmountsAsNumbersOrStrings) {
  auto j = nlohmann::json::parse(R"({"a":500,"b":"500","c":500.0,"d":"12.50","e":"x","f":null})");
  EXPECT_EQ(amount_field(j, "a"), 500);
  EXPECT_EQ(amount_field(j, "b"), 500);
  EXPECT_EQ(amount_field(j, "c"), 500);
  EXPECT_EQ(amount_field(j, "f"), 0);
  EXPECT_EQ(amount_field(j, "missing"), 0);
  EXPECT_THROW(amount_field(j, "d"), ProtocolError);
  EXPECT_THROW(amount_field(j, "e"), ProtocolError);
}

TEST(Fields, UnreadableItemCodeNeverPassesForSuccess) {
  auto j = nlohmann::json::parse(R"({"code":"oops"})");
  EXPECT_THROW(code_field(j, "code", 0), ProtocolError);
  EXPECT_EQ(code_field(nlohmann::json::parse(R"({"code":"726"})"), "code", 0), 726);
}

TEST(Requests, TokenAndLangInTheQueryDataAsAJsonArray) {
  RequestBuilder b("https://client.cinetpay.com/", Lang::fr);
  TransferRequest t;
  t.prefix = "225";
  t.phone = "0102030405";
  t.amount = 500;
  t.notify_url = "https://shop.example/notify?a=1&b=2";
  t.client_transaction_id = "ORDER-42";
  HttpRequest r = b.send_money("to k+en", {t});
  EXPECT_EQ(r.method, HttpMethod::post);
  EXPECT_TRUE(r.fresh_connection);
  EXPECT_EQ(r.url,
            "https://client.cinetpay.com/v1/transfer/money/send/contact?token=to%20k%2Ben&lang=fr");
  auto fields = form_parse(r.body);
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].first, "data");
  auto data = nlohmann::json::parse(fields[0].second);
  ASSERT_TRUE(data.is_array());
  EXPECT_EQ(data[0]["amount"], 500);
  EXPECT_EQ(data[0]["notify_url"], "https://shop.example/notify?a=1&b=2");
  EXPECT_EQ(data[0]["client_transaction_id"], "ORDER-42");
  EXPECT_FALSE(data[0].contains("payment_method"));
}

TEST(Requests, EveryCall) {
  RequestBuilder b("https://client.cinetpay.com/v1", Lang::en);
  HttpRequest login = b.login({"my key", "p&ss"});
  EXPECT_EQ(login.url, "https://client.cinetpay.com/v1/auth/login?lang=en");
  EXPECT_EQ(login.body, "apikey=my%20key&password=p%26ss");
  EXPECT_FALSE(login.fresh_connection);
  EXPECT_EQ(b.balance("T").url,
            "https://client.cinetpay.com/v1/transfer/check/balance?token=T&lang=en");
  EXPECT_EQ(b.balance("T").method, HttpMethod::get);
  EXPECT_EQ(b.check_money("T", TransferQuery::by_lot("0044")).url,
            "https://client.cinetpay.com/v1/transfer/check/money?token=T&lang=en&lot=0044");
  EXPECT_EQ(b.check_money("T", TransferQuery::by_client_transaction_id("A B")).url,
            "https://client.cinetpay.com/v1/transfer/check/"
            "money?token=T&lang=en&client_transaction_id=A%20B");
  Contact c{"225", "01020304", "Test A", "Test B", "testa@exemple.com"};
  HttpRequest contact = b.add_contacts("T", {c});
  auto data = nlohmann::json::parse(form_parse(contact.body)[0].second);
  EXPECT_EQ(data[0]["surname"], "Test B");
  EXPECT_EQ(contact.url, "https://client.cinetpay.com/v1/transfer/contact?token=T&lang=en");
}

TEST(Form, EncodeDecodeRoundTrip) {
  std::string s = "a b&c=d+é/?%";
  EXPECT_EQ(form_decode(form_encode(s)), s);
  EXPECT_EQ(form_decode("a+b%2"), "a b%2");
  auto fields = form_parse("x=1&y=a+b&&z");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[1].second, "a b");
  EXPECT_EQ(fields[2].first, "z");
}

TEST(Redaction, UrlKeepsOnlyHarmlessFields) {
  EXPECT_EQ(redact_url("https://h/v1/x?token=abc&lang=fr&lot=1&apikey=k"),
            "https://h/v1/x?token=***&lang=fr&lot=1&apikey=***");
  EXPECT_EQ(redact_url("https://h/v1/x"), "https://h/v1/x");
}

}  // namespace
}  // namespace cinetpay::detail
