// The request observer (one RequestEvent per HTTP attempt) and structured log records.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "cinetpay/testing/answers.hpp"
#include "cinetpay/transfer.hpp"
#include "fakes.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using mocks::FakeWorld;
namespace answers = mocks::answers;
namespace paths = mocks::paths;
using ::testing::HasSubstr;

constexpr const char* kBalanceOk =
    R"({"code":0,"message":"OPERATION_SUCCES","data":{"amount":663,"inUsing":0,"available":663}})";

// The events a client observed, in order.
struct Recorder {
  std::mutex mu;
  std::vector<RequestEvent> events;
  RequestObserver observer() {
    return [this](const RequestEvent& e) {
      std::lock_guard<std::mutex> lock(mu);
      events.push_back(e);
    };
  }
};

// Every field of an event, as text: what a secret would have to hide in.
std::string every_field(const RequestEvent& e) {
  return e.operation + " " + std::to_string(e.attempt) + " " +
         (e.http_status ? std::to_string(*e.http_status) : "-") + " " +
         (e.api_code ? std::to_string(*e.api_code) : "-") + " " +
         std::to_string(e.duration.count()) + " " + (e.may_have_reached ? "1" : "0") + " " +
         (e.fault ? std::string(to_string(*e.fault)) : "-");
}

TransferRequest payout(const std::string& id) {
  TransferRequest t;
  t.prefix = "225";
  t.phone = "0102030405";
  t.amount = 500;
  t.notify_url = "https://shop.example/notify";
  t.client_transaction_id = id;
  return t;
}

// A handler that takes `ms` of the manual clock, then answers `response`.
mocks::ScriptedTransport::Handler slow(FakeWorld& w, int ms, const HttpResponse& response) {
  return [&w, ms, response](const HttpRequest&) {
    w.clock.advance(std::chrono::milliseconds(ms));
    return response;
  };
}

TEST(RequestObserver, OneEventPerRequestWithItsOperationStatusCodeAndDuration) {
  FakeWorld w;
  Recorder r;
  w.transport->on(paths::kLogin, slow(w, 40, answers::login()));
  w.transport->on(paths::kBalance, slow(w, 120, answers::json(200, kBalanceOk)));
  auto o = w.options();
  o.request_observer = r.observer();
  (void)w.client(o).balance();
  ASSERT_EQ(r.events.size(), 2U);
  EXPECT_EQ(r.events[0].operation, "login");
  EXPECT_EQ(r.events[0].duration, 40ms);
  const RequestEvent& e = r.events[1];
  EXPECT_EQ(e.operation, "balance");
  EXPECT_EQ(e.attempt, 1);
  EXPECT_EQ(e.http_status, 200);
  EXPECT_EQ(e.api_code, 0);
  EXPECT_EQ(e.duration, 120ms);
  EXPECT_TRUE(e.may_have_reached);
  EXPECT_FALSE(e.fault.has_value());
  EXPECT_EQ(request_outcome(e), "ok");
}

TEST(RequestObserver, EachRetryIsAnAttemptAndARetriedAnswerHasNoCode) {
  FakeWorld w;
  Recorder r;
  w.transport->on_json(paths::kBalance, 503, kBalanceOk)
      .then_json(paths::kBalance, 429, "{}")
      .then_json(paths::kBalance, 200, kBalanceOk);
  auto o = w.options();
  o.request_observer = r.observer();
  (void)w.client(o).balance();
  ASSERT_EQ(r.events.size(), 4U);
  EXPECT_EQ(r.events[1].attempt, 1);
  EXPECT_EQ(r.events[1].http_status, 503);
  EXPECT_EQ(r.events[1].fault, RequestFault::server_error);
  EXPECT_FALSE(r.events[1].api_code.has_value());
  EXPECT_EQ(r.events[2].attempt, 2);
  EXPECT_EQ(r.events[2].fault, RequestFault::throttled);
  EXPECT_EQ(r.events[3].attempt, 3);
  EXPECT_EQ(r.events[3].api_code, 0);
}

TEST(RequestObserver, RefusalIsAnAnswerNotAFault) {
  FakeWorld w;
  Recorder r;
  w.transport->on(paths::kBalance, answers::error(708));
  auto o = w.options();
  o.request_observer = r.observer();
  EXPECT_THROW((void)w.client(o).balance(), ApiError);
  ASSERT_EQ(r.events.size(), 2U);
  EXPECT_EQ(r.events[1].api_code, 708);
  EXPECT_FALSE(r.events[1].fault.has_value());
  EXPECT_EQ(request_outcome(r.events[1]), "refused");
}

TEST(RequestObserver, UnreadableAnswerIsAProtocolFaultAndA5xxPageStaysAServerError) {
  FakeWorld w;
  Recorder r;
  w.transport->on(paths::kBalance, HttpResponse{200, {}, "<html>maintenance</html>"});
  auto o = w.options();
  o.request_observer = r.observer();
  o.retry.max_attempts = 1;
  auto client = w.client(o);
  EXPECT_THROW((void)client.balance(), ProtocolError);
  w.transport->on(paths::kBalance, HttpResponse{502, {}, "<html>bad gateway</html>"});
  EXPECT_THROW((void)client.balance(), ProtocolError);
  ASSERT_EQ(r.events.size(), 3U);
  EXPECT_EQ(r.events[1].fault, RequestFault::protocol);
  EXPECT_EQ(r.events[1].http_status, 200);
  EXPECT_FALSE(r.events[1].api_code.has_value());
  EXPECT_EQ(r.events[2].fault, RequestFault::server_error);
}

TEST(RequestObserver, TransportFailuresSayWhetherTheRequestMayHaveReachedCinetPay) {
  FakeWorld w;
  Recorder r;
  w.transport->on(paths::kBalance, answers::unreachable())
      .then(paths::kBalance, answers::lost_answer())
      .then(paths::kBalance, [](const HttpRequest&) -> HttpResponse {
        throw TransportError("timed out", true, /*timed_out=*/true);
      });
  auto o = w.options();
  o.request_observer = r.observer();
  EXPECT_THROW((void)w.client(o).balance(), TransportError);
  ASSERT_EQ(r.events.size(), 4U);
  EXPECT_FALSE(r.events[1].may_have_reached);
  EXPECT_EQ(r.events[1].fault, RequestFault::transport);
  EXPECT_FALSE(r.events[1].http_status.has_value());
  EXPECT_TRUE(r.events[2].may_have_reached);
  EXPECT_EQ(r.events[2].fault, RequestFault::transport);
  EXPECT_TRUE(r.events[3].may_have_reached);
  EXPECT_EQ(r.events[3].fault, RequestFault::timeout);
}

TEST(RequestObserver, TransportThatRefusesALargeAnswerOrThrowsItsOwnErrorIsObserved) {
  FakeWorld w;
  Recorder r;
  w.transport->on(paths::kBalance, [](const HttpRequest&) -> HttpResponse {
    throw ProtocolError("answer larger than max_response_bytes", 200);
  });
  auto o = w.options();
  o.request_observer = r.observer();
  auto client = w.client(o);
  EXPECT_THROW((void)client.balance(), ProtocolError);
  w.transport->on(paths::kBalance,
                  [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("plugin"); });
  EXPECT_THROW((void)client.balance(), std::runtime_error);
  ASSERT_EQ(r.events.size(), 3U);
  EXPECT_EQ(r.events[1].fault, RequestFault::protocol);
  EXPECT_EQ(r.events[1].http_status, 200);
  // Nothing proves the plugin's request never left.
  EXPECT_EQ(r.events[2].fault, RequestFault::transport);
  EXPECT_TRUE(r.events[2].may_have_reached);
}

// may_have_reached is the rule by which send_money decides that its send left: a send that
// certainly never left is thrown as such (nothing paid), one that may have left is unknown.
TEST(RequestObserver, SendMayHaveReachedAgreesWithWhatSendMoneyConcludes) {
  FakeWorld w;
  Recorder r;
  w.transport->on(paths::kSend, answers::unreachable()).then(paths::kSend, answers::lost_answer());
  auto o = w.options();
  o.request_observer = r.observer();
  o.retry.max_attempts = 1;
  auto client = w.client(o);
  CallOptions settle_later;
  settle_later.reconcile = false;
  try {
    (void)client.send_money({payout("A")}, settle_later);
    ADD_FAILURE() << "a send that never left is thrown";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.may_have_reached_server());
  }
  std::vector<TransferResult> results = client.send_money({payout("B")}, settle_later);
  EXPECT_EQ(results[0].outcome, TransferOutcome::unknown);
  std::vector<RequestEvent> sends;
  for (const RequestEvent& e : r.events) {
    if (e.operation == "send") sends.push_back(e);
  }
  ASSERT_EQ(sends.size(), 2U);
  EXPECT_FALSE(sends[0].may_have_reached);
  EXPECT_TRUE(sends[1].may_have_reached);
}

TEST(RequestObserver, TokenRefusedRequestIsANewRequestAfterANewLogin) {
  FakeWorld w;
  Recorder r;
  w.transport->on(paths::kBalance, answers::error(706)).then_json(paths::kBalance, 200, kBalanceOk);
  auto o = w.options();
  o.request_observer = r.observer();
  (void)w.client(o).balance();
  std::vector<std::string> seen;
  for (const RequestEvent& e : r.events) {
    seen.push_back(e.operation + "#" + std::to_string(e.attempt) + ":" +
                   std::to_string(e.api_code.value_or(-1)));
  }
  EXPECT_THAT(seen,
              ::testing::ElementsAre("login#1:0", "balance#1:706", "login#1:0", "balance#1:0"));
}

TEST(RequestObserver, ThrowingObserverChangesNoOutcome) {
  FakeWorld w;
  w.transport->on_json(paths::kBalance, 200, kBalanceOk);
  w.transport->on(paths::kSend, answers::lost_answer());
  auto o = w.options();
  int calls = 0;
  o.request_observer = [&calls](const RequestEvent&) {
    ++calls;
    throw std::runtime_error("metrics backend down");
  };
  auto client = w.client(o);
  EXPECT_EQ(client.balance().available, 663);
  CallOptions settle_later;
  settle_later.reconcile = false;
  std::vector<TransferResult> results;
  ASSERT_NO_THROW(results = client.send_money({payout("A")}, settle_later));
  EXPECT_EQ(results[0].outcome, TransferOutcome::unknown);
  EXPECT_EQ(calls, 3);  // login, balance, send
}

// A server that echoes every secret, in every answer and failure it can: none reaches the
// observer nor a log record.
TEST(RequestObserver, NoSecretInAnyEventOrLogRecord) {
  FakeWorld w;
  const std::string echo = std::string("key-secret pass-secret ") + mocks::kTestToken;
  w.transport->on_json(paths::kBalance, 503, R"({"code":0,"message":")" + echo + R"("})")
      .then(paths::kBalance, HttpResponse{503, {}, "<p>" + echo + "</p>"})
      .then(paths::kBalance,
            [echo](const HttpRequest&) -> HttpResponse { throw TransportError(echo, true); });
  w.transport->on_json(
      paths::kCheck, 200,
      R"({"code":723,"message":")" + echo + R"(","description":")" + echo + R"("})");
  Recorder r;
  std::vector<LogRecord> records;
  auto o = w.options();
  o.request_observer = r.observer();
  o.structured_logger = [&records](const LogRecord& record) { records.push_back(record); };
  o.log_format = LogFormat::json;
  auto client = w.client(o);
  EXPECT_THROW((void)client.balance(), TransportError);
  EXPECT_THROW((void)client.check_transfer(TransferQuery::by_transaction_id("EA1")), ApiError);
  ASSERT_GE(r.events.size(), 5U);
  ASSERT_FALSE(records.empty());
  std::string seen;
  for (const RequestEvent& e : r.events) seen += every_field(e) + "\n";
  for (const LogRecord& record : records) {
    seen += record.event + " " + record.message + "\n";
    for (const LogField& f : record.fields) seen += f.key + "=" + f.value + "\n";
  }
  seen += w.all_logs();
  for (const char* secret : {"key-secret", "pass-secret", mocks::kTestToken}) {
    EXPECT_THAT(seen, ::testing::Not(HasSubstr(secret))) << secret;
  }
  // What was masked was there to mask: the transport's last message reached a record.
  EXPECT_THAT(seen, HasSubstr("*** *** ***"));
}

// --- Structured log records ---------------------------------------------------------------

TEST(LogRecord, KeyValueQuotesOnlyWhatCouldBeMisread) {
  LogRecord record{LogLevel::warning, "retry", "balance: retrying in 250 ms", {}};
  record.fields = {{"operation", "balance"}, {"empty", ""},           {"quote", "a\"b"},
                   {"equals", "a=b"},        {"slash", "a\\b"},       {"lines", "a\nb\tc\r"},
                   {"bell", "a\x07z"},       {"unicode", "Abidjan é"}};
  EXPECT_EQ(format_log_record(record, LogFormat::key_value),
            "level=warning event=retry msg=\"balance: retrying in 250 ms\" operation=balance "
            "empty=\"\" quote=\"a\\\"b\" equals=\"a=b\" slash=\"a\\\\b\" lines=\"a\\nb\\tc\\r\" "
            "bell=\"a\\u0007z\" unicode=\"Abidjan é\"");
}

TEST(LogRecord, JsonIsOneValidObjectWithEveryValueAString) {
  LogRecord record{LogLevel::info, "request", "GET \"x\"", {}};
  record.fields = {{"http_status", "200"}, {"bytes", std::string("a\xff\x01z")}};
  const std::string line = format_log_record(record, LogFormat::json);
  EXPECT_EQ(line,
            "{\"level\":\"info\",\"event\":\"request\",\"msg\":\"GET \\\"x\\\"\","
            "\"http_status\":\"200\",\"bytes\":\"a\xEF\xBF\xBD\\u0001z\"}");
  nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["http_status"], "200");
}

TEST(LogRecord, ClientWritesJsonLinesWithTheRetrysFields) {
  FakeWorld w;
  w.transport->on_json(paths::kBalance, 503, "{}").then_json(paths::kBalance, 200, kBalanceOk);
  auto o = w.options();
  std::vector<std::string> lines;
  o.logger = [&lines](LogLevel, std::string_view line) { lines.emplace_back(line); };
  o.log_format = LogFormat::json;
  (void)w.client(o).balance();
  ASSERT_FALSE(lines.empty());
  bool retry_seen = false;
  for (const std::string& line : lines) {
    nlohmann::json j = nlohmann::json::parse(line);  // every line is one JSON object
    ASSERT_TRUE(j.contains("level") && j.contains("event") && j.contains("msg")) << line;
    if (j["event"] == "retry") {
      retry_seen = true;
      EXPECT_EQ(j["operation"], "balance");
      EXPECT_EQ(j["attempt"], "1");
      EXPECT_EQ(j["delay_ms"], "250");  // half of 500 ms: FakeWorld's jitter is 0.5
      EXPECT_EQ(j["level"], "info");
    }
  }
  EXPECT_TRUE(retry_seen);
}

TEST(LogRecord, StructuredLoggerGetsTheFieldsAndOneThatThrowsChangesNoOutcome) {
  FakeWorld w;
  w.transport->on_json(paths::kBalance, 200, kBalanceOk);
  auto o = w.options();
  std::vector<LogRecord> records;
  o.structured_logger = [&records](const LogRecord& record) {
    records.push_back(record);
    throw std::runtime_error("sink full");
  };
  EXPECT_EQ(w.client(o).balance().available, 663);
  // A throwing structured logger does not keep the line from the plain logger.
  EXPECT_THAT(w.all_logs(), HasSubstr("event=request"));
  const LogRecord* request = nullptr;
  for (const LogRecord& record : records) {
    if (record.event == "request" && record.fields.front().value == "balance") request = &record;
  }
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(request->level, LogLevel::debug);
  std::vector<std::string> keys;
  for (const LogField& f : request->fields) keys.push_back(f.key);
  EXPECT_THAT(keys, ::testing::ElementsAre("operation", "attempt", "method", "url", "http_status",
                                           "duration_ms"));
  EXPECT_THAT(request->fields[3].value, HasSubstr("token=***"));
}

}  // namespace
}  // namespace cinetpay
