#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <cstdint>

#include "cinetpay/detail/http.hpp"
#include "cinetpay/detail/protocol.hpp"
#include "cinetpay/detail/utf8.hpp"
#include "cinetpay/testing/answers.hpp"
#include "cinetpay/transfer.hpp"

namespace cinetpay::detail {
namespace {

namespace answers = mocks::answers;

Envelope parse(const std::string& body, int status = 200) {
  return parse_envelope(answers::json(status, body));
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
  EXPECT_EQ(amount_field(j, "missing"), 0);
  EXPECT_THROW(amount_field(j, "f"), ProtocolError);
  EXPECT_THROW(amount_field(j, "d"), ProtocolError);
  EXPECT_THROW(amount_field(j, "e"), ProtocolError);
}

TEST(Fields, UnreadableItemCodeNeverPassesForSuccess) {
  auto j = nlohmann::json::parse(R"({"code":"oops"})");
  EXPECT_THROW(code_field(j, "code", 0), ProtocolError);
  EXPECT_EQ(code_field(nlohmann::json::parse(R"({"code":"726"})"), "code", 0), 726);
}

// Numbers are read strictly: never wrapped, never 0 by accident.
TEST(Numbers, EnvelopeCodeOutOfRangeOrMalformedIsAProtocolError) {
  for (const char* code :
       {R"("9999999999")", "9999999999", "4294967296", "18446744073709551615", "-2147483649",
        R"("0x10")", R"(" 701")", R"("701 ")", R"("+701")", R"("")", R"("-")", "701.0", "7.01e2",
        "null", "true", "[701]", R"({"a":701})", "1e400"}) {
    EXPECT_THROW(parse(std::string(R"({"code":)") + code + "}"), ProtocolError) << code;
  }
  EXPECT_EQ(parse(R"({"code":"701"})").code, 701);
  EXPECT_EQ(parse(R"({"code":701})").code, 701);
  EXPECT_EQ(parse(R"({"code":-1})").code, -1);
  EXPECT_EQ(parse(R"({"code":"-1"})").code, -1);
}

TEST(Numbers, ItemCodeOutOfRangeOrMalformedIsAProtocolError) {
  for (const char* code : {R"("9999999999")", "4294967296", "18446744073709551615", R"("0x10")",
                           R"(" 0")", R"("+0")", "0.5", "null", "false", "[]"}) {
    auto item = nlohmann::json::parse(std::string(R"({"code":)") + code + "}");
    EXPECT_THROW(code_field(item, "code", 0), ProtocolError) << code;
    EXPECT_THROW(parse_sent_item(item), ProtocolError) << code;
  }
  EXPECT_EQ(code_field(nlohmann::json::parse(R"({"code":0})"), "code", 7), 0);
  EXPECT_EQ(code_field(nlohmann::json::parse(R"({})"), "code", 7), 7);
}

TEST(Numbers, AmountsOverflowNegativeHexOrFractionAreProtocolErrors) {
  for (const char* amount : {"18446744073709551615",
                             "9223372036854775808",
                             "-500",
                             R"("-500")",
                             R"("0x10")",
                             R"("1e3")",
                             R"(" 500")",
                             R"("500 ")",
                             R"("+500")",
                             R"("")",
                             "12.5",
                             R"("12.50")",
                             "null",
                             "1e300",
                             "-0.5",
                             "true",
                             R"(["500"])",
                             R"("inf")",
                             R"("nan")",
                             R"("99999999999999999999")"}) {
    auto item = nlohmann::json::parse(std::string(R"({"amount":)") + amount + "}");
    EXPECT_THROW(amount_field(item, "amount"), ProtocolError) << amount;
    EXPECT_THROW(parse_transfer_status(item), ProtocolError) << amount;
  }
  auto j = nlohmann::json::parse(
      R"({"a":500,"b":"500","c":500.0,"d":"500.00","e":0,"f":9223372036854775807})");
  EXPECT_EQ(amount_field(j, "a"), 500);
  EXPECT_EQ(amount_field(j, "b"), 500);
  EXPECT_EQ(amount_field(j, "c"), 500);
  EXPECT_EQ(amount_field(j, "d"), 500);
  EXPECT_EQ(amount_field(j, "e"), 0);
  EXPECT_EQ(amount_field(j, "f"), INT64_MAX);
}

// Variants tried from outside: a zero written as "-0" or with leading zeros is not a number
// a server writes, and read loosely it is a success; a BOM, a lone surrogate escape, an
// overlong form and a NUL byte never crash the reader.
TEST(Numbers, NegativeZeroAndLeadingZerosInTextAreProtocolErrors) {
  for (const char* code : {R"("-0")", R"("00")", R"("0701")", R"("-01")"}) {
    EXPECT_THROW(parse(std::string(R"({"code":)") + code + "}"), ProtocolError) << code;
    auto item = nlohmann::json::parse(std::string(R"({"code":)") + code + "}");
    EXPECT_THROW(code_field(item, "code", 0), ProtocolError) << code;
  }
  for (const char* amount : {R"("-0")", R"("0500")", R"("-0.00")", R"("00.00")"}) {
    auto item = nlohmann::json::parse(std::string(R"({"amount":)") + amount + "}");
    EXPECT_THROW(amount_field(item, "amount"), ProtocolError) << amount;
  }
  EXPECT_EQ(parse(R"({"code":"0"})").code, 0);
  EXPECT_EQ(parse(R"({"code":-0})").code, 0) << "-0 as a JSON number is zero";
  EXPECT_EQ(amount_field(nlohmann::json::parse(R"({"a":"0.00"})"), "a"), 0);
}

TEST(Hostile, BomSurrogateOverlongAndNulNeverCrashTheReader) {
  using namespace std::string_literals;
  EXPECT_EQ(parse("\xEF\xBB\xBF{\"code\":701}").code, 701) << "a BOM before the JSON";
  const std::string bodies[] = {
      R"({"code":0,"message":"\ud800"})",       // lone surrogate escape
      "{\"code\":0,\"message\":\"\xC0\xAF\"}",  // overlong '/'
      "{\"code\":0,\"message\":\"a\0b\"}"s,     // raw NUL in a string
      "{\"code\":0}\0"s,                        // NUL after the JSON
      R"({"code":0,"data":{"amount":1e400}})",  // beyond a double
  };
  for (const std::string& body : bodies) {
    try {
      Envelope env = parse(body);
      EXPECT_TRUE(is_valid_utf8(env.message)) << body;
    } catch (const ProtocolError& e) {
      EXPECT_TRUE(is_valid_utf8(e.what())) << body;
    }
  }
}

TEST(Numbers, BalanceWithAWrappedAmountIsAProtocolError) {
  EXPECT_THROW(
      parse_balance(
          parse(R"({"code":0,"data":{"amount":1,"inUsing":0,"available":18446744073709551615}})")),
      ProtocolError);
  EXPECT_THROW(
      parse_balance(parse(R"({"code":0,"data":{"amount":1,"inUsing":0,"available":null}})")),
      ProtocolError);
}

TEST(Numbers, TextFieldsKeepLargeNumbersAsWritten) {
  auto j = nlohmann::json::parse(R"({"phone":18446744073709551615,"lot":-3,"n":1.5})");
  EXPECT_EQ(text_field(j, "phone"), "18446744073709551615");
  EXPECT_EQ(text_field(j, "lot"), "-3");
  EXPECT_EQ(text_field(j, "n"), "1.5");
}

// Answers whose bytes are not UTF-8: read leniently, and every message built from them is
// valid UTF-8 (a caller can put it in JSON).
TEST(Utf8, Latin1ErrorPageGivesAProtocolErrorWithValidUtf8) {
  std::string page = "<html>Erreur interne: \xE9\xE8\xE0 serveur indisponible</html>";
  try {
    parse(page, 500);
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_NO_THROW(nlohmann::json(e.what()).dump()) << e.what();
    EXPECT_THAT(e.what(), ::testing::HasSubstr("serveur indisponible"));
  }
}

TEST(Utf8, Latin1InsideAnEnvelopeIsReadWithReplacementCharacters) {
  Envelope e =
      parse("{\"code\":723,\"message\":\"NOT_FOUND\",\"description\":\"Aucun \xE9l\xE9ment\"}");
  EXPECT_EQ(e.code, 723);
  EXPECT_EQ(e.description, "Aucun \xEF\xBF\xBDl\xEF\xBF\xBDment");
  EXPECT_NO_THROW(nlohmann::json(e.description).dump());
}

TEST(Utf8, BodyCutInTheMiddleOfACharacterIsAProtocolErrorWithValidUtf8) {
  std::string body = "{\"code\":0,\"message\":\"Transfert effectu\xC3";
  for (std::size_t cut = 1; cut <= body.size(); ++cut) {
    try {
      parse(body.substr(0, cut));
      ADD_FAILURE() << cut;
    } catch (const ProtocolError& e) {
      EXPECT_NO_THROW(nlohmann::json(e.what()).dump()) << cut;
    }
  }
}

TEST(Utf8, ExcerptNeverEndsInTheMiddleOfACharacter) {
  std::string body(159, 'a');
  body += "\xC3\xA9\xC3\xA9";
  std::string excerpt = redact_excerpt(body, 160);
  EXPECT_NO_THROW(nlohmann::json(excerpt).dump()) << excerpt;
  EXPECT_EQ(excerpt, std::string(159, 'a') + "...");
}

// Nesting is bounded before the parser runs: no stack grows with the answer.
std::string nested(std::size_t depth, const std::string& open, const std::string& close) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += open;
  for (std::size_t i = 0; i < depth; ++i) s += close;
  return s;
}

TEST(Depth, DeepDataOrMessageIsAProtocolError) {
  for (const auto& [open, close] :
       std::vector<std::pair<std::string, std::string>>{{"[", "]"}, {R"({"a":)", "}"}}) {
    for (const char* field : {"data", "message", "description", "code"}) {
      std::string body =
          std::string(R"({"code":0,")") + field + R"(":)" + nested(100000, open, close) + "}";
      if (std::string(field) == "code")
        body = R"({")" + std::string(field) + R"(":)" + nested(100000, open, close) + "}";
      try {
        parse(body);
        ADD_FAILURE() << field;
      } catch (const ProtocolError& e) {
        EXPECT_THAT(e.what(), ::testing::HasSubstr("nested deeper than"));
      }
    }
  }
}

TEST(Depth, TheLimitIsExactAndBracketsInsideStringsDoNotCount) {
  std::string at_limit = R"({"code":0,"data":)" + nested(kMaxAnswerDepth - 1, "[", "]") + "}";
  EXPECT_NO_THROW(parse(at_limit));
  std::string over = R"({"code":0,"data":)" + nested(kMaxAnswerDepth, "[", "]") + "}";
  EXPECT_THROW(parse(over), ProtocolError);
  std::string in_strings =
      R"({"code":0,"message":")" + std::string(100000, '[') + R"(\"[[[","description":"{{{{"})";
  EXPECT_EQ(parse(in_strings).code, 0);
}

TEST(Depth, DeepAnswerWithRawControlsIsStillBounded) {
  // The lenient second reading must not let depth through either.
  std::string body = "{\"code\":0,\"message\":\"a\nb\",\"data\":" + nested(100000, "[", "]") + "}";
  EXPECT_THROW(parse(body), ProtocolError);
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

TEST(Redaction, SecretsAreMaskedWhereverTheExcerptEnds) {
  std::string body = std::string(150, 'a') + " token=ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  EXPECT_EQ(redact_excerpt(body, 160), std::string(150, 'a') + " token=***");
  for (std::size_t max : {1u, 10u, 155u, 158u, 170u, 4000u}) {
    std::string excerpt = redact_excerpt(body, max);
    EXPECT_EQ(excerpt.find("ABC"), std::string::npos) << max << ": " << excerpt;
  }
  // Cut inside a value: the part that is shown is masked.
  std::string many;
  for (int i = 0; i < 100; ++i) many += "password=SECRET" + std::to_string(i) + " ";
  std::string excerpt = redact_excerpt(many, 500);
  EXPECT_EQ(excerpt.find("SECRET"), std::string::npos) << excerpt;
  EXPECT_THAT(excerpt, ::testing::StartsWith("password=*** password=*** "));
}

// An excerpt of a huge error page reads only a bounded start of it: every byte past that
// start is unreadable memory here, so reading one crashes the test. Masking is a single
// pass, so the cost is bounded by that start (bench/ measures it against a copy).
TEST(Redaction, ExcerptReadsABoundedStartOfAHugeBody) {
  const std::size_t huge = std::size_t{256} << 20;
  const std::size_t readable = std::size_t{1} << 20;
  void* region =
      ::mmap(nullptr, huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(region, MAP_FAILED);
  ASSERT_EQ(::mprotect(region, readable, PROT_READ | PROT_WRITE), 0);
  char* bytes = static_cast<char*>(region);
  const std::string pattern = "apikey=K password: P token=\"T\" \xE9 ";
  for (std::size_t i = 0; i < readable; ++i) bytes[i] = pattern[i % pattern.size()];
  std::string excerpt = redact_excerpt(std::string_view(bytes, huge), 300);
  EXPECT_THAT(excerpt,
              ::testing::StartsWith("apikey=*** password: *** token=\"***\" \xEF\xBF\xBD "));
  EXPECT_THAT(excerpt, ::testing::EndsWith("..."));
  EXPECT_LE(excerpt.size(), 303u);
  ::munmap(region, huge);
}

TEST(Redaction, UrlKeepsOnlyHarmlessFields) {
  EXPECT_EQ(redact_url("https://h/v1/x?token=abc&lang=fr&lot=1&apikey=k"),
            "https://h/v1/x?token=***&lang=fr&lot=1&apikey=***");
  EXPECT_EQ(redact_url("https://h/v1/x"), "https://h/v1/x");
}

}  // namespace
}  // namespace cinetpay::detail
