#include <gtest/gtest.h>

#include <functional>

#include "cinetpay/transfer.hpp"

namespace cinetpay {
namespace {

TransferRequest good() {
  TransferRequest t;
  t.prefix = "225";
  t.phone = "0102030405";
  t.amount = 500;
  t.notify_url = "https://shop.example/notify";
  return t;
}

void expect_refused(std::vector<TransferRequest> items, const std::string& field, std::size_t index,
                    const std::string& hint = "") {
  try {
    validate_transfers(items);
    FAIL() << "accepted; expected a complaint about " << field;
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_EQ(e.index(), index) << e.what();
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos);
    if (!hint.empty()) {
      EXPECT_NE(std::string(e.what()).find(hint), std::string::npos) << e.what();
    }
  }
}

TEST(Validation, GoodBatchPasses) { EXPECT_NO_THROW(validate_transfers({good(), good()})); }

TEST(Validation, EachFieldIsCheckedAndNamedWithItsIndex) {
  auto with = [](std::function<void(TransferRequest&)> change) {
    TransferRequest t = good();
    change(t);
    return std::vector<TransferRequest>{good(), t};
  };
  expect_refused(with([](auto& t) { t.amount = 502; }), "amount", 1, "multiple of 5");
  expect_refused(with([](auto& t) { t.amount = 0; }), "amount", 1, "positive");
  expect_refused(with([](auto& t) { t.amount = -5; }), "amount", 1);
  expect_refused(with([](auto& t) { t.prefix = "+225"; }), "prefix", 1, "drop the '+'");
  expect_refused(with([](auto& t) { t.prefix = "22a"; }), "prefix", 1);
  expect_refused(with([](auto& t) { t.prefix = ""; }), "prefix", 1);
  expect_refused(with([](auto& t) { t.phone = "01 02 03 04"; }), "phone", 1);
  expect_refused(with([](auto& t) { t.phone = "+2250102"; }), "phone", 1);
  expect_refused(with([](auto& t) { t.notify_url = "ftp://x/y"; }), "notify_url", 1);
  expect_refused(with([](auto& t) { t.notify_url = ""; }), "notify_url", 1);
  expect_refused(with([](auto& t) { t.notify_url = "https://"; }), "notify_url", 1);
  expect_refused(with([](auto& t) { t.client_transaction_id = std::string(65, 'a'); }),
                 "client_transaction_id", 1, "at most 64");
  expect_refused(with([](auto& t) { t.client_transaction_id = "has space"; }),
                 "client_transaction_id", 1);
  expect_refused(with([](auto& t) { t.payment_method = "WAVE-CI"; }), "payment_method", 1);
}

TEST(Validation, DuplicateIdInOneBatch) {
  auto a = good();
  a.client_transaction_id = "X";
  expect_refused({a, good(), a}, "client_transaction_id", 2, "twice");
}

TEST(Validation, EmptyBatch) {
  EXPECT_THROW(validate_transfers({}), ValidationError);
  EXPECT_THROW(validate_contacts({}), ValidationError);
}

TEST(Validation, Contacts) {
  Contact c{"225", "0102030405", "Kouassi", "Awa", "awa@example.com"};
  EXPECT_NO_THROW(validate_contacts({c}));
  Contact bad = c;
  bad.email = "nope";
  try {
    validate_contacts({c, bad});
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "email");
    EXPECT_EQ(e.index(), 1u);
  }
  bad = c;
  bad.prefix = "+225";
  EXPECT_THROW(validate_contacts({bad}), ValidationError);
  bad = c;
  bad.surname = "";
  EXPECT_THROW(validate_contacts({bad}), ValidationError);
}

TEST(Validation, BaseUrl) {
  EXPECT_NO_THROW(validate_base_url("https://client.cinetpay.com"));
  EXPECT_NO_THROW(validate_base_url("http://127.0.0.1:8080"));
  EXPECT_NO_THROW(validate_base_url("http://localhost:1"));
  EXPECT_THROW(validate_base_url("http://client.cinetpay.com"), ConfigError);
  EXPECT_THROW(validate_base_url("http://127.0.0.1.evil.com"), ConfigError);
  EXPECT_THROW(validate_base_url("http://localhost@evil.com"), ConfigError);
  EXPECT_THROW(validate_base_url("client.cinetpay.com"), ConfigError);
}

TEST(Validation, BaseUrlRefusesWhatWouldMisdirectTheLogin) {
  EXPECT_NO_THROW(validate_base_url("https://client.cinetpay.com/v1"));
  EXPECT_NO_THROW(validate_base_url("https://client.cinetpay.com:8443/v1/"));
  for (const char* url :
       {"", "https://", "https://h?x=1", "https://h/#frag", "https://h/\r\n", "https://h /",
        "https://u:p@h", "https://h:0", "https://h:65536", "https://h:80a", "http://[::1]:8080",
        "https://[2001:db8::1]/", "https://h\xC3\xA9.example"}) {
    EXPECT_THROW(validate_base_url(url), ConfigError) << url;
  }
  EXPECT_THROW(validate_base_url("http://192.168.1.20:8080"), ConfigError);
  EXPECT_NO_THROW(validate_base_url("http://192.168.1.20:8080", /*allow_insecure_http=*/true));
  try {
    validate_base_url("http://[::1]:8080");
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("IPv4 only"), std::string::npos) << e.what();
  }
}

TEST(Validation, EveryTextFieldSentMustBeUtf8WithoutControls) {
  const std::vector<std::string> bad_texts = {
      "caf\xE9",               // Latin-1
      "\xC3",                  // truncated sequence
      "\xC0\xAF",              // overlong '/'
      "\xED\xA0\x80",          // a surrogate
      "\xF4\x90\x80\x80",      // above U+10FFFF
      "a\x01b",                // C0 control
      "a\x7F",                 // DEL
      "a\xC2\x85",             // C1 control (NEL)
      std::string("a\0b", 3),  // NUL
  };
  using TransferField = std::string TransferRequest::*;
  const std::vector<std::pair<const char*, TransferField>> transfer_fields = {
      {"prefix", &TransferRequest::prefix},
      {"phone", &TransferRequest::phone},
      {"notify_url", &TransferRequest::notify_url},
      {"client_transaction_id", &TransferRequest::client_transaction_id},
      {"payment_method", &TransferRequest::payment_method}};
  for (const auto& [field, member] : transfer_fields) {
    for (const std::string& text : bad_texts) {
      TransferRequest t = good();
      t.*member += text;
      expect_refused({good(), t}, field, 1, "UTF-8");
    }
  }
  Contact c{"225", "0102030405", "Zo\xC3\xA9", "N'Guessan", "zoe@example.ci"};
  EXPECT_NO_THROW(validate_contacts({c})) << "UTF-8 names are welcome";
  using ContactField = std::string Contact::*;
  const std::vector<std::pair<const char*, ContactField>> contact_fields = {
      {"prefix", &Contact::prefix},
      {"phone", &Contact::phone},
      {"name", &Contact::name},
      {"surname", &Contact::surname},
      {"email", &Contact::email}};
  for (const auto& [field, member] : contact_fields) {
    for (const std::string& text : bad_texts) {
      Contact bad = c;
      bad.*member += text;
      try {
        validate_contacts({c, bad});
        ADD_FAILURE() << field << " accepted";
      } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), field);
        EXPECT_EQ(e.index(), 1u);
      }
    }
  }
}

TEST(Notification, ParsesTheDocumentedFields) {
  Notification n = parse_notification(
      "transaction_id=EA1&client_transaction_id=ORDER-42&lot=0044&amount=500&receiver=0102030405"
      "&sending_status=CONFIRM&comment=Transfert+effectu%C3%A9&treatment_status=VAL"
      "&operator_transaction_id=OP1&validated_at=2018-06-27+12%3A53%3A26&extra=ignored");
  EXPECT_EQ(n.transaction_id, "EA1");
  EXPECT_EQ(n.client_transaction_id, "ORDER-42");
  EXPECT_EQ(n.amount, "500");
  EXPECT_EQ(n.comment, "Transfert effectué");
  EXPECT_EQ(n.validated_at, "2018-06-27 12:53:26");
  EXPECT_EQ(n.treatment_status, "VAL");
  EXPECT_EQ(parse_notification("transaction_id=A&operator=OM").operator_code, "OM");
  EXPECT_THROW(parse_notification("amount=5"), ValidationError);
}

}  // namespace
}  // namespace cinetpay
