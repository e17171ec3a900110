// Stateful flows of the SDK against the sandbox, and the sandbox's protocol as any HTTP
// client sees it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "bounded_wait.hpp"
#include "sandbox_fixture.hpp"
#include "scripted_server.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using mocks::payout_to;
using mocks::SandboxFixture;
using nlohmann::json;

TEST(SandboxFlow, SendCheckWaitVal) {
  SandboxFixture sb;
  auto client = sb.client();
  EXPECT_EQ(client.balance().available, 1'000'000);
  auto added = client.add_contacts({{"225", "0102030405", "Kouassi", "Awa", "awa@example.com"},
                                    {"225", "0702030405", "Yao", "Koffi", "koffi@example.com"}});
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(added[0].code, 0);
  auto again = client.add_contacts({{"225", "0102030405", "Kouassi", "Awa", "awa@example.com"}});
  EXPECT_TRUE(again[0].already_exists());
  EXPECT_TRUE(again[0].ok());

  auto sent = client.send_money(
      {payout_to("0102030405", 500, "ORDER-1"), payout_to("0702030405", 1000, "ORDER-2")});
  ASSERT_EQ(sent.size(), 2u);
  for (auto& r : sent) {
    EXPECT_EQ(r.outcome, TransferOutcome::accepted) << r.detail;
    EXPECT_EQ(r.treatment_status, TreatmentStatus::Code::NEW);
    EXPECT_FALSE(r.transaction_id.empty());
  }
  EXPECT_EQ(sent[0].lot, sent[1].lot);
  EXPECT_EQ(client.balance().available, 1'000'000 - 1500);

  auto fin = client.wait_for_final(TransferQuery::by_client_transaction_id("ORDER-1"), 10s);
  EXPECT_EQ(fin.treatment_status, TreatmentStatus::Code::VAL);
  EXPECT_EQ(fin.transaction_id, sent[0].transaction_id);
  EXPECT_EQ(fin.amount, 500);
  EXPECT_EQ(fin.receiver_e164, "+2250102030405");
  EXPECT_EQ(fin.transfer_valid, "Y");
  auto by_lot = client.check_transfer(TransferQuery::by_lot(sent[0].lot));
  EXPECT_EQ(by_lot.size(), 2u);
  auto by_id = client.wait_for_final(TransferQuery::by_transaction_id(sent[1].transaction_id), 10s);
  EXPECT_EQ(by_id.operator_code, "OM");
  Balance b = client.balance();
  EXPECT_EQ(b.available, 1'000'000 - 1500);
  EXPECT_EQ(b.in_using, 0);
  EXPECT_EQ(b.amount, 1'000'000 - 1500);
}

TEST(SandboxFlow, PhoneEndingIn99EndsRejectedAndIsRefunded) {
  SandboxFixture sb;
  sb.add_contact("0102030499");
  auto client = sb.client();
  auto sent = client.send_money({payout_to("0102030499", 700, "R-1")});
  EXPECT_EQ(sent[0].outcome, TransferOutcome::accepted);
  auto fin = client.wait_for_final(TransferQuery::by_client_transaction_id("R-1"), 10s);
  EXPECT_EQ(fin.treatment_status, TreatmentStatus::Code::REJ);
  EXPECT_EQ(client.balance().available, 1'000'000);
}

TEST(SandboxFlow, NosUntilConfirmed) {
  auto o = mocks::fast_sandbox();
  o.require_confirmation = true;
  SandboxFixture sb(o);
  sb.add_contact("0102030405");
  auto client = sb.client();
  auto sent = client.send_money({payout_to("0102030405", 500, "C-1")});
  auto waiting = client.wait_for_final(TransferQuery::by_client_transaction_id("C-1"), 300ms);
  EXPECT_EQ(waiting.treatment_status, TreatmentStatus::Code::NOS);
  EXPECT_EQ(waiting.sending_status, "PENDING");
  sb.post("/_sandbox/confirm?transaction_id=" + sent[0].transaction_id);
  auto fin = client.wait_for_final(TransferQuery::by_client_transaction_id("C-1"), 10s);
  EXPECT_EQ(fin.treatment_status, TreatmentStatus::Code::VAL);
  EXPECT_EQ(fin.sending_status, "CONFIRM");
}

TEST(SandboxFlow, ReusedIdIsTheSamePayoutNeverASecondOne) {
  SandboxFixture sb;
  sb.add_contact("0102030405");
  auto client = sb.client();
  auto first = client.send_money({payout_to("0102030405", 500, "SAME")});
  auto second = client.send_money({payout_to("0102030405", 500, "SAME")});
  EXPECT_EQ(second[0].outcome, TransferOutcome::accepted) << second[0].detail;
  EXPECT_EQ(second[0].transaction_id, first[0].transaction_id);
  EXPECT_EQ(sb.transfers_with("SAME"), 1);
  auto other = client.send_money({payout_to("0102030405", 900, "SAME")});
  EXPECT_EQ(other[0].outcome, TransferOutcome::rejected);
  EXPECT_EQ(other[0].error->code, kCodeClientTransactionIdConflict);
  EXPECT_EQ(sb.transfers_with("SAME"), 1);
}

TEST(SandboxFlow, InsufficientBalanceLeavesTheBalanceUntouched) {
  SandboxFixture sb;
  sb.add_contact("0102030405");
  sb.post("/_sandbox/balance", {{"available", 1000}});
  auto client = sb.client();
  auto results =
      client.send_money({payout_to("0102030405", 600, "B-1"), payout_to("0102030405", 600, "B-2")});
  ASSERT_EQ(results.size(), 2u);
  for (const TransferResult& r : results) {
    EXPECT_EQ(r.outcome, TransferOutcome::rejected);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, 602);
    EXPECT_THAT(r.error->description, ::testing::HasSubstr("1200"));
  }
  EXPECT_EQ(client.balance().available, 1000);
  EXPECT_TRUE(sb.ledger()["transfers"].empty());
}

TEST(SandboxFlow, PayoutToANonContactIsRefused) {
  SandboxFixture sb;
  auto results = sb.client().send_money({payout_to("0555555555", 500, "N-1")});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, TransferOutcome::rejected);
  ASSERT_TRUE(results[0].error.has_value());
  EXPECT_EQ(results[0].error->code, 724);
  EXPECT_EQ(sb.transfers_with("N-1"), 0);
}

TEST(SandboxFlow, RevokedTokenIsReplacedTransparently) {
  SandboxFixture sb;
  auto client = sb.client();
  (void)client.balance();
  sb.post("/_sandbox/revoke_tokens");
  EXPECT_EQ(client.balance().available, 1'000'000);
  EXPECT_EQ(sb.api_requests("/v1/auth/login"), 2);
}

TEST(SandboxFlow, ExpiredTokensAreRefused) {
  auto o = mocks::fast_sandbox();
  o.token_ttl = 0s;
  SandboxFixture sb(o);
  EXPECT_THROW((void)sb.client().balance(), AuthenticationError);
  EXPECT_EQ(sb.api_requests("/v1/auth/login"), 2) << "one fresh login after the first 706";
  EXPECT_EQ(sb.api_requests("/v1/transfer/check/balance"), 2);
}

TEST(SandboxFlow, NotVisibleRightAfterTheSend) {
  auto o = mocks::fast_sandbox();
  o.visibility_delay = 200ms;
  SandboxFixture sb(o);
  sb.add_contact("0102030405");
  auto client = sb.client();
  (void)client.send_money({payout_to("0102030405", 500, "V-1")});
  EXPECT_THROW(client.check_transfer(TransferQuery::by_client_transaction_id("V-1")),
               NotFoundError);
  auto fin = client.wait_for_final(TransferQuery::by_client_transaction_id("V-1"), 10s);
  EXPECT_EQ(fin.treatment_status, TreatmentStatus::Code::VAL);
}

TEST(SandboxFlow, NotificationsArriveAndVerify) {
  mocks::ScriptedServer receiver;
  receiver.answer("/notify", 200, "OK", "text/plain");
  SandboxFixture sb;
  sb.add_contact("0102030405");
  auto client = sb.client();
  (void)client.send_money({payout_to("0102030405", 500, "W-1", receiver.base_url() + "/notify")});
  (void)client.wait_for_final(TransferQuery::by_client_transaction_id("W-1"), 10s);
  // Notifications are posted off the API's path: wait for the last one, bounded.
  EXPECT_TRUE(mocks::eventually([&] { return receiver.requests("/notify").size() >= 4; }))
      << "the receiver did not get the ping and the three notifications within the bound";
  auto seen = receiver.requests("/notify");
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].method, "GET");
  std::vector<std::string> steps;
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].method, "POST");
    Notification n = parse_notification(seen[i].body);
    EXPECT_EQ(n.client_transaction_id, "W-1");
    EXPECT_EQ(n.amount, "500");
    steps.push_back(n.treatment_status);
  }
  EXPECT_THAT(steps, ::testing::ElementsAre("NEW", "REC", "VAL"));
  TransferStatus trusted = client.verify_notification(parse_notification(seen.back().body));
  EXPECT_EQ(trusted.treatment_status, TreatmentStatus::Code::VAL);
}

// The protocol as any HTTP client sees it: the documented codes in their documented forms.
class SandboxProtocol : public ::testing::Test {
 protected:
  SandboxProtocol()
      : http("127.0.0.1", std::stoi(sb.base_url().substr(sb.base_url().rfind(':') + 1))) {}
  json post(const std::string& path, const httplib::Params& form) {
    auto r = http.Post(path, form);
    return json::parse(r->body);
  }
  json get(const std::string& path) { return json::parse(http.Get(path)->body); }
  std::string token() {
    return post("/v1/auth/login?lang=en",
                {{"apikey", "sandbox-key"}, {"password", "sandbox-password"}})["data"]["token"];
  }
  json send(const json& items) {
    return post("/v1/transfer/money/send/contact?lang=en&token=" + token(),
                {{"data", items.dump()}});
  }
  SandboxFixture sb;
  httplib::Client http;
};

TEST_F(SandboxProtocol, LoginAndTokenErrorsUseStringCodes) {
  json bad = post("/v1/auth/login", {{"apikey", "sandbox-key"}, {"password", "wrong"}});
  EXPECT_EQ(bad["code"], "701");
  EXPECT_EQ(bad["message"], "INVALID_CREDENTIALS");
  EXPECT_EQ(bad["data"], json::array());
  json invalid = get("/v1/transfer/check/balance?token=nope&lang=en");
  EXPECT_EQ(invalid["code"], "706");
  json balance = get("/v1/transfer/check/balance?lang=en&token=" + token());
  EXPECT_EQ(balance["code"], 0);
  EXPECT_EQ(balance["data"]["inUsing"], 0);
}

TEST_F(SandboxProtocol, SendRefusals) {
  sb.add_contact("0102030405");
  json item{{"prefix", "225"},
            {"phone", "0102030405"},
            {"amount", 500},
            {"notify_url", "http://x.test/n"},
            {"client_transaction_id", "P-1"}};
  auto with = [&](const char* key, json value) {
    json i = item;
    if (value.is_null()) {
      i.erase(key);
    } else {
      i[key] = value;
    }
    return json::array({i});
  };
  EXPECT_EQ(send(with("prefix", "+225"))["code"], "-1");
  EXPECT_EQ(send(with("amount", 502))["code"], "801");
  EXPECT_EQ(send(with("notify_url", nullptr))["code"], "725");
  EXPECT_EQ(send(with("phone", "0999999999"))["code"], "724");
  json ok = send(json::array({item}));
  EXPECT_EQ(ok["code"], 0);
  EXPECT_TRUE(ok["data"][0].is_array()) << "send answers use the nested data form";
  EXPECT_EQ(ok["data"][0][0]["treatment_status"], "NEW");
  EXPECT_EQ(send(json::array({item}))["code"], "805");
  EXPECT_EQ(
      post("/v1/transfer/money/send/contact?token=" + token(), {{"data", "{not json"}})["code"],
      "718");
  json missing =
      get("/v1/transfer/check/money?lang=en&client_transaction_id=NOPE&token=" + token());
  EXPECT_EQ(missing["code"], 723) << "723 is numeric, as in the API text";
  json found = get("/v1/transfer/check/money?lang=en&client_transaction_id=P-1&token=" + token());
  EXPECT_EQ(found["data"][0]["amount"], "500") << "check/money amounts are strings";
  sb.post("/_sandbox/balance", {{"available", 100}});
  json poor = send(with("client_transaction_id", "P-2"));
  EXPECT_EQ(poor["code"], 602);
  EXPECT_EQ(sb.ledger()["balance"]["available"], 100);
}

TEST_F(SandboxProtocol, ContactsKnownAnswer726PerItem) {
  std::string t = token();
  json c = json::array({{{"prefix", "225"},
                         {"phone", "0102030405"},
                         {"name", "A"},
                         {"surname", "B"},
                         {"email", "a@b.c"}}});
  EXPECT_EQ(post("/v1/transfer/contact?token=" + t, {{"data", c.dump()}})["data"][0][0]["code"], 0);
  json again = post("/v1/transfer/contact?token=" + t, {{"data", c.dump()}});
  EXPECT_EQ(again["code"], 0);
  EXPECT_EQ(again["data"][0][0]["code"], 726);
  c[0]["prefix"] = "+225";
  EXPECT_EQ(post("/v1/transfer/contact?token=" + t, {{"data", c.dump()}})["code"], "-1");
}

}  // namespace
}  // namespace cinetpay
