// The sandbox as a merchant's tests use it: in-process on port 0, read and faulted through
// C++ calls, with its limits, logs and latency set in SandboxOptions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "bounded_wait.hpp"
#include "cinetpay/sandbox.hpp"
#include "raw_client.hpp"
#include "sandbox_fixture.hpp"
#include "scripted_server.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using mocks::eventually;
using mocks::payout_to;
using mocks::ready_within;
using mocks::SandboxFixture;
using ::testing::HasSubstr;

TEST(EmbeddedSandbox, TheLedgerReadsThroughCppCalls) {
  SandboxFixture sb;
  sb.add_contact("0102030405");
  auto sent = sb.client().send_money({payout_to("0102030405", 500, "E-1")});
  sandbox::Sandbox& s = sb.sandbox();

  auto by_client = s.transfer_by_client_transaction_id("E-1");
  ASSERT_TRUE(by_client);
  EXPECT_EQ(by_client->transaction_id, sent[0].transaction_id);
  EXPECT_EQ(by_client->amount, 500);
  auto by_id = s.transfer_by_transaction_id(sent[0].transaction_id);
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->client_transaction_id, "E-1");
  EXPECT_FALSE(s.transfer_by_client_transaction_id("NOPE"));
  EXPECT_EQ(s.balance().available, 1'000'000 - 500);
  ASSERT_EQ(s.contacts().size(), 1u);
  EXPECT_EQ(s.contacts()[0].phone, "0102030405");
  EXPECT_TRUE(eventually([&] {
    return s.transfer_by_client_transaction_id("E-1")->status == sandbox::TreatmentStatus::VAL;
  }));
  EXPECT_EQ(s.transfers().size(), 1u);
}

TEST(EmbeddedSandbox, FaultsInjectedThroughCppFireAndShowInTheAdminApi) {
  SandboxFixture sb;
  sb.add_contact("0102030405");
  sandbox::Sandbox& s = sb.sandbox();
  s.inject({sandbox::FaultKind::process_then_drop, "send"});
  ASSERT_EQ(s.faults().size(), 1u);
  EXPECT_EQ(s.faults()[0].path, "/v1/transfer/money/send/contact");
  EXPECT_EQ(sb.get("/_sandbox/faults")[0]["kind"], "process_then_drop");

  auto results = sb.client().send_money({payout_to("0102030405", 500, "F-1")});
  EXPECT_EQ(results[0].outcome, TransferOutcome::accepted);
  EXPECT_TRUE(s.faults().empty());
  int faulted = 0;
  for (const auto& r : s.requests()) faulted += r.fault == sandbox::FaultKind::process_then_drop;
  EXPECT_EQ(faulted, 1);
  EXPECT_EQ(s.transfers().size(), 1u);

  sb.fault("delay_ms", "check", 2, {{"delay_ms", 10}});
  EXPECT_EQ(s.faults()[0].count, 2) << "the admin API goes through the same queue";
  s.clear_faults();
  EXPECT_TRUE(sb.get("/_sandbox/faults").empty());
}

TEST(EmbeddedSandbox, AFaultThatCouldNeverFireIsRefusedNamingTheField) {
  sandbox::Sandbox s;
  try {
    s.inject({sandbox::FaultKind::drop_before, "money/send"});
    FAIL() << "accepted a path that is no API path";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("money/send"));
    EXPECT_THAT(e.what(), HasSubstr("/v1/transfer/money/send/contact"));
  }
  EXPECT_THROW(s.inject({sandbox::FaultKind::drop_before, "send", 0}), std::invalid_argument);
  EXPECT_THROW(s.inject({sandbox::FaultKind::http_status, "", 1, 0ms, 42}), std::invalid_argument);
  EXPECT_THROW(s.inject({sandbox::FaultKind::delay_ms, "", 1, -1ms}), std::invalid_argument);
  EXPECT_TRUE(s.faults().empty());
  EXPECT_EQ(sandbox::Sandbox::api_paths().size(), 5u);
}

TEST(EmbeddedSandbox, ConfirmRejectAndResetThroughCpp) {
  auto o = mocks::fast_sandbox();
  o.require_confirmation = true;
  SandboxFixture sb(o);
  sb.add_contact("0102030405");
  auto sent = sb.client().send_money(
      {payout_to("0102030405", 500, "K-1"), payout_to("0102030405", 300, "K-2")});
  sandbox::Sandbox& s = sb.sandbox();
  EXPECT_EQ(s.confirm(sent[0].transaction_id).sending_status, "CONFIRM");
  EXPECT_EQ(s.reject(sent[1].transaction_id).status, sandbox::TreatmentStatus::REJ);
  EXPECT_THROW(s.confirm("NOPE"), std::out_of_range);
  EXPECT_THROW(s.reject(sent[1].transaction_id), std::logic_error);
  EXPECT_TRUE(eventually([&] {
    return s.transfer_by_client_transaction_id("K-1")->status == sandbox::TreatmentStatus::VAL;
  }));
  EXPECT_EQ(s.balance().available, 1'000'000 - 500);
  EXPECT_EQ(s.revoke_tokens(), 2u) << "the contact's client and the sender each logged in";
  s.set_available(42);
  EXPECT_EQ(sb.ledger()["balance"]["available"], 42);
  EXPECT_THROW(s.set_available(-1), std::invalid_argument);
  s.reset();
  EXPECT_TRUE(s.transfers().empty());
  EXPECT_TRUE(s.contacts().empty());
  EXPECT_TRUE(s.requests().empty());
  EXPECT_EQ(s.balance().available, 1'000'000);
}

TEST(EmbeddedSandbox, TheLogsKeepTheLastN) {
  mocks::ScriptedServer receiver;
  receiver.answer("/notify", 200, "OK", "text/plain");
  auto o = mocks::fast_sandbox();
  o.log_capacity = 3;
  SandboxFixture sb(o);
  sb.add_contact("0102030405");
  auto client = sb.client();
  for (int i = 0; i < 10; ++i) (void)client.balance();
  auto seen = sb.sandbox().requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen.back().path, "/v1/transfer/check/balance");
  EXPECT_EQ(seen.back().code, 0);
  EXPECT_EQ(sb.get("/_sandbox/requests").size(), 3u);

  (void)client.send_money({payout_to("0102030405", 500, "L-1", receiver.base_url() + "/notify"),
                           payout_to("0102030405", 500, "L-2", receiver.base_url() + "/notify")});
  // 2 pings and 6 steps go out; only the last 3 are kept.
  EXPECT_TRUE(eventually([&] { return receiver.requests("/notify").size() >= 8; }));
  EXPECT_TRUE(eventually([&] {
    auto n = sb.sandbox().notifications();
    if (n.size() != 3u) return false;
    for (const auto& [name, value] : n.back().fields) {
      if (name == "treatment_status") return value == "VAL";
    }
    return false;
  }));
  EXPECT_LE(sb.get("/_sandbox/notifications").size(), 3u);
}

TEST(EmbeddedSandbox, TheBodyLimitIsAnOption) {
  auto o = mocks::fast_sandbox();
  o.max_body_bytes = 4096;
  SandboxFixture sb(o);
  httplib::Client http("127.0.0.1", sb.sandbox().port());
  auto small = http.Post("/v1/auth/login?lang=en", std::string(4000, 'a'),
                         "application/x-www-form-urlencoded");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  auto big = http.Post("/v1/auth/login?lang=en", std::string(4097, 'a'),
                       "application/x-www-form-urlencoded");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_THAT(big->body, HasSubstr("4096"));
}

TEST(EmbeddedSandbox, LatencyDelaysApiAnswersOnlyAndConcurrentClientsWaitTogether) {
  auto o = mocks::fast_sandbox();
  o.latency = 1000ms;
  o.latency_jitter = 20ms;
  SandboxFixture sb(o);
  httplib::Client http("127.0.0.1", sb.sandbox().port());
  http.set_read_timeout(20, 0);

  auto started = std::chrono::steady_clock::now();
  auto admin = http.Get("/_sandbox/ledger");
  auto admin_took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(admin);
  EXPECT_LT(admin_took, 1000ms) << "the admin API is not delayed";

  // Eight clients at once: served side by side, they take far less than 8 × 1 s.
  started = std::chrono::steady_clock::now();
  std::vector<std::future<int>> answers;
  for (int i = 0; i < 8; ++i) {
    answers.push_back(std::async(std::launch::async, [&] {
      httplib::Client c("127.0.0.1", sb.sandbox().port());
      c.set_read_timeout(20, 0);
      auto r = c.Get("/v1/transfer/check/balance?lang=en&token=nope");
      return r ? r->status : 0;
    }));
  }
  for (auto& a : answers) {
    ASSERT_TRUE(ready_within(a)) << "a client got no answer within the bound";
    EXPECT_EQ(a.get(), 200);
  }
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 1000ms) << "every API answer waits the latency";
  EXPECT_LT(took, 8000ms) << "the clients were served one after another";
}

}  // namespace
}  // namespace cinetpay
