// The sandbox against what merchants' CI and attackers send it: the SDK's largest batches,
// amounts that overflow, deep JSON, bodies far over the limit, idle connections, admin
// requests that are wrong, and a bounded flood of all of these at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <limits>
#include <memory>
#include <thread>

#include "bounded_wait.hpp"
#include "raw_client.hpp"
#include "sandbox_fixture.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using mocks::payout_to;
using mocks::RawConnection;
using mocks::SandboxFixture;
using nlohmann::json;
using ::testing::HasSubstr;

int port_of(const SandboxFixture& sb) {
  const std::string url = sb.base_url();
  return std::stoi(url.substr(url.rfind(':') + 1));
}

// The sandbox's protocol as any HTTP client sees it, through its own short-lived client.
class Hostile : public ::testing::Test {
 protected:
  Hostile() : http("127.0.0.1", port_of(sb)) {
    http.set_read_timeout(10, 0);
    sb.add_contact("0102030405");
  }
  json post_form(const std::string& path, const httplib::Params& form) {
    auto r = http.Post(path, form);
    if (!r) throw std::runtime_error("no answer to POST " + path);
    return json::parse(r->body);
  }
  std::string token() {
    return post_form("/v1/auth/login?lang=en", {{"apikey", "sandbox-key"},
                                                {"password", "sandbox-password"}})["data"]["token"];
  }
  json send(const json& items) {
    return post_form("/v1/transfer/money/send/contact?lang=en&token=" + token(),
                     {{"data", items.dump()}});
  }
  static json item(std::int64_t amount, const std::string& id) {
    return json{{"prefix", "225"},
                {"phone", "0102030405"},
                {"amount", amount},
                {"notify_url", "http://127.0.0.1:9/n"},
                {"client_transaction_id", id}};
  }
  /// Answers a balance request within a generous bound, or fails.
  void still_answers() {
    httplib::Client probe("127.0.0.1", port_of(sb));
    probe.set_connection_timeout(5, 0);
    probe.set_read_timeout(5, 0);
    auto r = probe.Get("/_sandbox/ledger");
    ASSERT_TRUE(r) << "the sandbox no longer answers";
    EXPECT_EQ(r->status, 200);
  }

  SandboxFixture sb;
  httplib::Client http;
};

TEST_F(Hostile, TheSdksDefaultAndLargestBatchesGoThrough) {
  for (std::size_t size : {50u, 200u}) {
    ClientOptions o = sb.options();
    o.max_batch_size = size;
    std::vector<TransferRequest> batch;
    for (std::size_t i = 0; i < size; ++i) {
      batch.push_back(payout_to("0102030405", 100,
                                "BATCH-" + std::to_string(size) + "-" + std::to_string(i),
                                "http://127.0.0.1:9/notify/with/a/rather/long/path?x=1"));
    }
    auto results = sb.client(o).send_money(batch);
    ASSERT_EQ(results.size(), size);
    for (const auto& r : results) EXPECT_EQ(r.outcome, TransferOutcome::accepted) << r.detail;
    EXPECT_EQ(sb.api_requests("/v1/transfer/money/send/contact"), size == 50u ? 1 : 2)
        << "one request for the whole batch";
  }
}

TEST_F(Hostile, AmountsWhoseSumOverflowsAreRefusedAndTheBalanceStaysPositive) {
  const std::int64_t huge = std::numeric_limits<std::int64_t>::max() - 2;  // a multiple of 5
  json answer = send(json::array({item(huge, "O-1"), item(huge, "O-2")}));
  EXPECT_THAT(answer["code"].dump(), ::testing::AnyOf("602", "\"602\"", "\"801\""));
  json one = send(json::array({item(huge, "O-3")}));
  EXPECT_THAT(one["code"].dump(), ::testing::AnyOf("602", "\"801\""));
  json text_amount = send(json::array({json{{"prefix", "225"},
                                            {"phone", "0102030405"},
                                            {"amount", "99999999999999999999999995"},
                                            {"notify_url", "http://127.0.0.1:9/n"},
                                            {"client_transaction_id", "O-4"}}}));
  EXPECT_EQ(text_amount["code"], "801");
  json balance = sb.ledger()["balance"];
  EXPECT_EQ(balance["available"], 1'000'000);
  EXPECT_GE(balance["amount"].get<std::int64_t>(), 0);
  EXPECT_TRUE(sb.ledger()["transfers"].empty());
}

TEST_F(Hostile, DeeplyNestedJsonIsRefusedNotFatal) {
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  auto r = http.Post("/_sandbox/faults", deep, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(send(json::parse(std::string(300, '[') + std::string(300, ']')))["code"], "718")
      << "a data field nested too deep is not JSON the sandbox reads";
  auto in_data =
      http.Post("/v1/transfer/money/send/contact?lang=en&token=" + token(),
                httplib::Params{{"data", std::string(50'000, '[') + std::string(50'000, ']')}});
  ASSERT_TRUE(in_data);
  EXPECT_EQ(json::parse(in_data->body)["code"], "718");
  still_answers();
}

TEST_F(Hostile, ADeclaredBodyOverTheLimitIsRefusedBeforeItIsSent) {
  RawConnection raw(port_of(sb));
  // 500 MB promised; only the headers and a few bytes ever go out.
  raw.send(
      "POST /v1/transfer/money/send/contact HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 524288000\r\n\r\ndata=");
  std::string answer = raw.receive(8s);
  EXPECT_EQ(RawConnection::status_of(answer), 413) << answer;
  EXPECT_THAT(RawConnection::body_of(answer), HasSubstr("max-body-bytes"));
  still_answers();
}

TEST_F(Hostile, AChunkedBodyOverTheLimitIsCutOffNotBuffered) {
  RawConnection raw(port_of(sb));
  raw.send(
      "POST /v1/transfer/money/send/contact HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n"
      "Transfer-Encoding: chunked\r\n\r\n");
  // 64 MiB offered in 64 KiB chunks; the sandbox stops reading after its limit (1 MiB).
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'a') + "\r\n";
  std::atomic<std::size_t> sent{0};
  auto writer = std::async(std::launch::async, [&] {
    for (int i = 0; i < 1024; ++i) {
      std::size_t n = raw.send(chunk, 1500ms);
      sent += n;
      if (n < chunk.size()) return;
    }
  });
  std::string answer = raw.receive(15s);
  bool writer_stopped = mocks::ready_within(writer);
  if (!writer_stopped) raw.cut();  // releases the writer, so that the test ends
  EXPECT_TRUE(writer_stopped) << "the sandbox kept reading the chunked body past the bound";
  EXPECT_EQ(RawConnection::status_of(answer), 413) << answer.substr(0, 200);
  EXPECT_LT(sent.load(), 1024u * chunk.size()) << "the sandbox read the whole 64 MiB";
  still_answers();
}

TEST_F(Hostile, IdleConnectionsDoNotStallOthers) {
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 64; ++i) idle.push_back(std::make_unique<RawConnection>(port_of(sb)));
  // 32 clients at once, each with a generous bound, while 64 connections say nothing.
  std::vector<std::future<bool>> answers;
  for (int i = 0; i < 32; ++i) {
    answers.push_back(std::async(std::launch::async, [this] {
      httplib::Client c("127.0.0.1", port_of(sb));
      c.set_read_timeout(4, 0);
      auto r = c.Get("/_sandbox/faults");
      return r && r->status == 200;
    }));
  }
  int answered = 0;
  for (auto& a : answers) {
    ASSERT_TRUE(mocks::ready_within(a)) << "a client got no answer within the bound";
    answered += a.get();
  }
  EXPECT_EQ(answered, 32);
}

TEST_F(Hostile, AFaultPathIsAnApiPathOrAShortNameOrRefused) {
  auto bad = http.Post("/_sandbox/faults", R"({"kind":"drop_before","path":"money/send"})",
                       "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  json why = json::parse(bad->body);
  EXPECT_THAT(why["error"].get<std::string>(), HasSubstr("money/send"));
  EXPECT_THAT(why["valid_paths"].dump(), HasSubstr("/v1/transfer/money/send/contact"));
  EXPECT_THAT(why["valid_paths"].dump(), HasSubstr("\"send\""));
  EXPECT_TRUE(sb.get("/_sandbox/faults").empty());

  sb.fault("http_status", "balance", 1, {{"status", 502}});
  EXPECT_EQ(sb.get("/_sandbox/faults")[0]["path"], "/v1/transfer/check/balance");
  auto r = http.Get("/v1/transfer/check/balance?lang=en&token=" + token());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 502) << "the short name fires on its API path";
}

TEST_F(Hostile, AdminPostsWorkWithoutABody) {
  sb.fault("drop_before", "send", 3);
  RawConnection raw(port_of(sb));
  raw.send("POST /_sandbox/faults/clear HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string answer = raw.receive(8s);
  EXPECT_EQ(RawConnection::status_of(answer), 200) << answer;
  EXPECT_EQ(json::parse(RawConnection::body_of(answer))["cleared"], true);
  EXPECT_TRUE(sb.get("/_sandbox/faults").empty());
}

TEST_F(Hostile, EveryAdminAnswerIsJson) {
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/_sandbox/nope"},
           {"POST", "/_sandbox/nope"},
           {"POST", "/_sandbox/balance"},
           {"POST", "/_sandbox/confirm?transaction_id=NOPE"},
           {"POST", "/_sandbox/faults"}}) {
    auto r = method == "GET" ? http.Get(path) : http.Post(path, "{nope", "application/json");
    ASSERT_TRUE(r) << method << " " << path;
    EXPECT_GE(r->status, 400) << method << " " << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << method << " " << path;
    json body = json::parse(r->body, nullptr, false);
    EXPECT_TRUE(body.is_object() && body.contains("error"))
        << method << " " << path << ": " << r->body;
  }
}

TEST_F(Hostile, MessagesFollowLang) {
  auto in = [&](const std::string& lang) {
    return post_form("/v1/auth/login?lang=" + lang,
                     {{"apikey", "sandbox-key"}, {"password", "wrong"}})["description"]
        .get<std::string>();
  };
  EXPECT_EQ(in("en"), "Incorrect login credentials");
  EXPECT_EQ(in("fr"), "Identifiant de connexion incorrect");
  json missing = json::parse(
      http.Get("/v1/transfer/check/money?lang=en&client_transaction_id=NOPE&token=" + token())
          ->body);
  EXPECT_EQ(missing["description"], "No element found");
}

TEST_F(Hostile, ABoundedFloodOfMalformedHugeDeepAndIdleRequestsLeavesItAnswering) {
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 40; ++i) idle.push_back(std::make_unique<RawConnection>(port_of(sb)));
  const std::vector<std::string> garbage = {
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  // a TLS hello
      "GET / HTTP/9.9\r\n\r\n",
      "POST /v1/auth/login HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
      "POST /v1/auth/login HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
      "POST /_sandbox/faults HTTP/1.1\r\nContent-Length: 2000\r\n\r\n" + std::string(1000, '{') +
          std::string(1000, '}'),
      "POST /v1/transfer/contact HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /v1/transfer/check/balance HTTP/1.1\r\nContent-Length: 100000000\r\n\r\nxx",
      "POST /_sandbox/balance HTTP/1.1\r\nContent-Length: 9\r\n\r\n{\"a\":1}}}",
  };
  std::vector<std::future<void>> flood;
  for (int round = 0; round < 5; ++round) {
    for (const std::string& g : garbage) {
      flood.push_back(std::async(std::launch::async, [this, g] {
        RawConnection raw(port_of(sb));
        raw.send(g, 1000ms);
        raw.receive(3s);
      }));
    }
  }
  for (auto& f : flood) {
    ASSERT_TRUE(mocks::ready_within(f)) << "a garbage sender did not finish within the bound";
    f.get();
  }
  still_answers();
  EXPECT_EQ(sb.client().balance().available, 1'000'000);
}

}  // namespace
}  // namespace cinetpay
