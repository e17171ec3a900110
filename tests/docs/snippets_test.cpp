// The C++ blocks of the docs that are not whole files, each between a `docs:begin NAME` and
// a `docs:end NAME` line: the test docs_code_blocks keeps each page's copy equal to its
// region here (dedented by the marker's own indentation), and this file builds, so every
// name a block uses exists. The blocks that can run without CinetPay run as tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cinetpay/ledger.hpp>
#include <cinetpay/ledger_notifications.hpp>
#include <cinetpay/notification_handler.hpp>
#include <cinetpay/payout_file.hpp>
#include <cinetpay/sandbox.hpp>
#include <cinetpay/testing.hpp>
#include <cinetpay/transfer.hpp>
#include <cinetpay/validation.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace docs_snippets {

// docs/client.md, "Notifications". Compiled only: it needs a transfer CinetPay knows.
cinetpay::TransferStatus on_notification(const cinetpay::TransferClient& client,
                                         const std::string& body) {
  // docs:begin webhook
  // In your notify_url handler: body is the POST body CinetPay sent.
  cinetpay::Notification n = cinetpay::parse_notification(body);
  cinetpay::TransferStatus verified =
      client.verify_notification(n, cinetpay::CallOptions(std::chrono::seconds(2)));
  // verified.treatment_status is what CinetPay says now, for that very transfer
  // docs:end webhook
  return verified;
}

// docs/client.md, "Validation before sending".
std::string check(const std::vector<cinetpay::TransferRequest>& payouts) {
  std::string culprit;
  // docs:begin validation
  try {
    cinetpay::validate_transfers(payouts);
  } catch (const cinetpay::ValidationError& e) {
    // e.field() and e.index() name the culprit, e.what() says what is wrong with it
    culprit = e.field();
  }
  // docs:end validation
  return culprit;
}

void mark_order(const std::string& /*client_transaction_id*/, cinetpay::PayoutState /*state*/,
                const std::string& /*metadata*/) {}
void alert(const std::string& /*reason*/) {}

// docs/ledger.md. Compiled only: the block's database path is a production one.
void run_payouts(const cinetpay::TransferClient& client, const cinetpay::TransferRequest& transfer,
                 std::int64_t saved_cursor, const std::string& body) {
  // docs:begin ledger
  auto ledger = cinetpay::PayoutLedger::open("sqlite:/var/lib/shop/payouts.db");

  // CinetPay pays only its contacts: with a recipient, the worker registers the phone (once)
  // before the payout's first send. Metadata is yours, read back in the feed.
  cinetpay::PayoutRequest payout;
  payout.transfer = transfer;  // prefix, phone, amount, notify_url, client_transaction_id
  payout.recipient = cinetpay::Recipient{"Awa", "Kone", "awa@example.com"};
  payout.metadata = R"({"order": "A-17"})";
  ledger.submit({payout});  // validated whole, durable before it returns; ids required

  cinetpay::PayoutWorker worker(client, ledger);  // WorkerOptions: lease, batch, grace…
  worker.run_until_idle(std::chrono::steady_clock::now() + std::chrono::minutes(10));

  // Your order system: each paid, failed or rejected payout exactly once, across restarts.
  for (const cinetpay::PayoutChange& c : ledger.changes_since(saved_cursor)) {
    mark_order(c.client_transaction_id, c.state, c.metadata);
    saved_cursor = c.cursor;  // keep it durably on your side
  }

  // Your webhook: verified by re-querying check/money, then applied (safe while a worker runs).
  cinetpay::NotificationResult r =
      ledger.apply_notification(client, cinetpay::parse_notification(body));
  if (r.outcome == cinetpay::NotificationOutcome::refused) alert(r.reason);
  // docs:end ledger
}

// docs/ledger.md, "Cancel, pause and resume". Compiled only: the path is a production one.
void cancel_and_pause() {
  // docs:begin cancel-pause
  auto ledger = cinetpay::PayoutLedger::open("sqlite:/var/lib/shop/payouts.db");
  cinetpay::CancelResult r = ledger.cancel("ORDER-42", "order refunded", "alice@desk");
  if (r.outcome == cinetpay::CancelOutcome::claimed) {
    // a worker holds it or CinetPay has it: it may be paid; wait for its final state
  }

  ledger.pause("bank incident #311", "alice@desk");  // every worker, every machine
  if (ledger.paused().paused) {
    // no payout is claimed for sending until resume(); lookups and follow-ups go on
  }
  ledger.resume("alice@desk");
  // docs:end cancel-pause
}

// docs/ledger.md, "Reading a big ledger". Compiled only: the path is a production one.
void console_reads(std::chrono::system_clock::time_point from,
                   std::chrono::system_clock::time_point until,
                   std::chrono::system_clock::time_point now) {
  auto ledger = cinetpay::PayoutLedger::open("sqlite:/var/lib/shop/payouts.db");
  // docs:begin console-reads
  cinetpay::PayoutQuery q;
  q.states = {cinetpay::PayoutState::accepted};
  q.updated_before = std::chrono::system_clock::now() - std::chrono::hours(6);  // stuck at CinetPay
  q.limit = 50;
  cinetpay::PayoutPage page = ledger.search(q);  // newest submission first
  while (page.next) {
    q.after = page.next;  // a keyset page: as fast at the end as at the start
    page = ledger.search(q);
  }
  cinetpay::LedgerSummary s = ledger.summary(q);  // counts and amounts of all it selects
  auto hours = ledger.activity(from, until);      // outcomes per hour, from the feed
  auto fleet = ledger.workers(now - std::chrono::minutes(5));  // heartbeats, claims held
  // docs:end console-reads
  (void)s;
  (void)hours;
  (void)fleet;
}

// docs/ledger-operations.md. Compiled only: the block's database path is a production one.
cinetpay::PayoutLedger open_for_a_worker() {
  // docs:begin ledger-open
  cinetpay::LedgerOptions options;
  options.access = cinetpay::LedgerAccess::existing;  // a worker: a mistyped path fails
  auto ledger = cinetpay::PayoutLedger::open("sqlite:/var/lib/payouts/ledger.db", options);
  // docs:end ledger-open
  return ledger;
}

// docs/ledger-operations.md: the operator's calls. Compiled only: the paths are production
// ones.
void operate(const cinetpay::TransferClient& client, const cinetpay::Notification& notification) {
  // docs:begin lock-wait
  cinetpay::LedgerOptions options;
  options.access = cinetpay::LedgerAccess::existing;
  options.lock_wait = std::chrono::seconds(30);  // fail sooner than the default 5 minutes
  auto ledger = cinetpay::PayoutLedger::open("sqlite:/var/lib/payouts/ledger.db", options);
  // docs:end lock-wait
  {
    // docs:begin run-scope
    cinetpay::RunScope scope;
    scope.client_transaction_ids = {"ORDER-42", "ORDER-43"};
    scope.until = cinetpay::RunUntil::sent;
    cinetpay::PayoutWorker worker(client, ledger);
    cinetpay::LedgerSummary s =
        worker.run_until_idle(std::chrono::steady_clock::now() + std::chrono::minutes(5), scope);
    if (!s.sent()) {
      // some are still pending or unknown: run again later
    }
    // docs:end run-scope
  }
  // docs:begin consumer
  for (;;) {
    std::vector<cinetpay::PayoutChange> changes = ledger.changes_for("orders", 100);
    if (changes.empty()) break;
    for (const cinetpay::PayoutChange& c : changes) {
      mark_order(c.client_transaction_id, c.state, c.metadata);  // c.reason says why
    }
    ledger.acknowledge("orders", changes.back().cursor);
  }
  // docs:end consumer
  // docs:begin webhook-deadline
  cinetpay::NotificationResult r = ledger.apply_notification(
      client, notification, cinetpay::CallOptions(std::chrono::seconds(2)));
  // docs:end webhook-deadline
  (void)r;
}

// docs/client.md, "Payout files". Compiled only: the file is a merchant's.
void submit_file(const cinetpay::PayoutLedger& ledger) {
  // docs:begin payout-file
  std::ifstream in("payouts.csv", std::ios::binary);
  cinetpay::PayoutFileOptions options;
  options.extra_columns = {"name", "surname", "email"};  // optional: to register each payee
  cinetpay::for_each_payout_chunk(
      in, "payouts.csv", 2000,
      [&](const cinetpay::PayoutFile& part) {
        (void)ledger.submit(part.items);  // or client.send_money(part.items)
      },
      options);
  // docs:end payout-file
}

// docs/client.md, "Notifications": a ledger's notify_url, run over the mock and a ledger in
// a scratch directory.
TEST(DocsNotificationHandler, TheLedgersHandlerAppliesAVerifiedNotification) {
  char scratch[] = "/tmp/cinetpay-docs-XXXXXX";
  ASSERT_NE(::mkdtemp(scratch), nullptr);
  auto ledger = cinetpay::PayoutLedger::open(std::string("sqlite:") + scratch + "/ledger.db");
  cinetpay::TransferRequest t{"225", "0701020304", 500, "https://shop.example/n", "ORDER-7", ""};
  (void)ledger.submit({t});
  const cinetpay::TransferStatus val =
      cinetpay::mocks::answers::transfer(t, "TX-7", cinetpay::TreatmentStatus::Code::VAL);
  auto api = std::make_shared<::testing::NiceMock<cinetpay::mocks::MockTransferApi>>();
  ON_CALL(*api, verify_notification(::testing::_, ::testing::_))
      .WillByDefault(::testing::Return(val));
  cinetpay::TransferClient client(api);
  const std::string method = "POST";
  const std::string content_type = "application/x-www-form-urlencoded";
  const std::string body = cinetpay::mocks::answers::notification_body(val);

  // docs:begin notification-handler
  cinetpay::NotificationHandler handler = cinetpay::ledger_notification_handler(ledger, client);
  // In your server's route for notify_url (GET and POST), whatever the framework:
  cinetpay::NotificationReply reply = handler.handle(method, content_type, body);
  // Answer reply.status with reply.body as text/plain; log reply.error if it is set.
  // docs:end notification-handler

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(ledger.get("ORDER-7")->state, cinetpay::PayoutState::paid);
  std::filesystem::remove_all(scratch);
}

TEST(DocsValidation, NamesTheCulprit) {
  cinetpay::TransferRequest t{"+225", "0701020304", 500, "https://shop.example/notify", "A-1", ""};
  EXPECT_EQ(check({t}), "prefix");
}

// A stand-in with spdlog's names, so that the adapter of docs/client.md compiles (and runs)
// without spdlog: it keeps what it is given.
namespace spdlog {
namespace level {
enum level_enum { debug, info, warn, err };
}  // namespace level
std::vector<std::string> lines;
template <typename... Args>
void log(level::level_enum /*level*/, const char* /*format*/, const Args&... args) {
  std::string line;
  ((line += std::string(args) + "|"), ...);
  lines.push_back(line);
}
}  // namespace spdlog

// docs/client.md, "Observing the client": a client whose requests are counted, and the body
// of a /metrics endpoint.
std::string metrics_page(const cinetpay::Credentials& credentials, const std::string& base_url) {
  // docs:begin metrics
  auto registry = std::make_shared<cinetpay::MetricsRegistry>();  // one for the process
  cinetpay::ClientOptions options;
  options.base_url = base_url;
  options.request_observer = cinetpay::request_metrics(registry);
  cinetpay::TransferClient client(credentials, options);
  (void)client.balance();

  // Your GET /metrics handler answers this body, with this Content-Type:
  std::string body = registry->expose();
  std::string_view content_type = cinetpay::kPrometheusContentType;
  // docs:end metrics
  (void)content_type;
  return body;
}

void observe(cinetpay::ClientOptions& options,
             const std::shared_ptr<cinetpay::MetricsRegistry>& registry) {
  // docs:begin observer
  options.request_observer =
      [metrics = cinetpay::request_metrics(registry)](const cinetpay::RequestEvent& e) {
        metrics(e);  // observers compose: call each in turn
        if (e.operation == "send" && e.fault && e.may_have_reached) {
          alert("a send may have left unanswered: its payouts are unknown until settled");
        }
      };
  // docs:end observer
}

void log_to_spdlog(cinetpay::ClientOptions& options) {
  // docs:begin structured-logs
  options.log_format = cinetpay::LogFormat::json;  // the lines `logger` gets: JSON objects
  options.structured_logger = [](const cinetpay::LogRecord& r) {
    static constexpr spdlog::level::level_enum kLevels[] = {
        spdlog::level::debug, spdlog::level::info, spdlog::level::warn, spdlog::level::err};
    std::string fields;  // an OpenTelemetry logger takes them as attributes instead
    for (const cinetpay::LogField& f : r.fields) fields += " " + f.key + "=" + f.value;
    spdlog::log(kLevels[static_cast<int>(r.level)], "cinetpay {}: {}{}", r.event, r.message,
                fields);
  };
  // docs:end structured-logs
}

TEST(DocsObserve, MetricsPageCountsTheClientsRequests) {
  cinetpay::sandbox::Sandbox sandbox;
  sandbox.start();
  const std::string page = metrics_page({"sandbox-key", "sandbox-password"}, sandbox.base_url());
  EXPECT_NE(page.find("cinetpay_requests_total{operation=\"balance\",outcome=\"ok\"} 1\n"),
            std::string::npos)
      << page;
}

TEST(DocsObserve, ObserverAndLogAdapterReceiveTheClientsWork) {
  cinetpay::sandbox::Sandbox sandbox;
  sandbox.start();
  auto registry = std::make_shared<cinetpay::MetricsRegistry>();
  cinetpay::ClientOptions o;
  o.base_url = sandbox.base_url();
  observe(o, registry);
  log_to_spdlog(o);
  spdlog::lines.clear();
  (void)cinetpay::TransferClient({"sandbox-key", "sandbox-password"}, o).balance();
  EXPECT_NE(registry->expose().find("operation=\"login\",outcome=\"ok\"} 1"), std::string::npos);
  ASSERT_FALSE(spdlog::lines.empty());
  EXPECT_EQ(spdlog::lines.front().rfind("client_start|", 0), 0U) << spdlog::lines.front();
}

// A stand-in with the shape of OpenTelemetry's Span::AddEvent(name, attributes), so that the
// adapter of docs/ledger.md compiles (and runs) without OpenTelemetry: it keeps what it is
// given. Thread-safe, as a span is.
namespace otel {
struct Span {
  // NOLINTNEXTLINE(readability-identifier-naming): OpenTelemetry's name
  void AddEvent(const std::string& name, const std::map<std::string, std::string>& attributes) {
    std::lock_guard<std::mutex> lock(mu);
    events.emplace_back(name, attributes);
  }
  std::mutex mu;
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> events;
};
}  // namespace otel

// docs/ledger.md, "Observing payouts": a worker whose payouts are logged, traced and counted.
cinetpay::WorkerOptions observed(const std::shared_ptr<otel::Span>& span,
                                 const std::shared_ptr<cinetpay::MetricsRegistry>& registry) {
  // docs:begin payout-observer
  // A structured line per observation, as an spdlog pattern would write it (stdio locks
  // each call: safe from the worker's threads).
  auto log_line = [](const cinetpay::PayoutObservation& o) {
    const std::string_view activity = cinetpay::to_string(o.activity);
    const std::string_view state = cinetpay::to_string(o.state);
    std::fprintf(stderr, "level=info event=payout_%.*s id=%s worker=%s state=%.*s code=%d: %s\n",
                 static_cast<int>(activity.size()), activity.data(),
                 o.client_transaction_id.c_str(), o.worker_id.c_str(),
                 static_cast<int>(state.size()), state.data(), o.api_code, o.detail.c_str());
  };
  // An OpenTelemetry span event per observation, on the span of the job that runs the worker.
  auto span_event = [span](const cinetpay::PayoutObservation& o) {
    span->AddEvent("payout." + std::string(cinetpay::to_string(o.activity)),
                   {{"payout.id", o.client_transaction_id},
                    {"payout.state", std::string(cinetpay::to_string(o.state))},
                    {"cinetpay.code", std::to_string(o.api_code)}});
  };
  cinetpay::WorkerOptions options;
  options.metrics = registry;  // counted too: cinetpay_payout_activity_total…
  options.observer = [log_line, span_event](const cinetpay::PayoutObservation& o) {
    log_line(o);  // observers compose: call each in turn
    span_event(o);
  };
  // docs:end payout-observer
  return options;
}

TEST(DocsObserve, PayoutObserverAdaptersHearTheWorker) {
  cinetpay::sandbox::Sandbox sandbox;
  sandbox.start();
  cinetpay::ClientOptions o;
  o.base_url = sandbox.base_url();
  cinetpay::TransferClient client({"sandbox-key", "sandbox-password"}, o);
  (void)client.add_contacts({{"225", "0102030405", "Kouassi", "Awa", "awa@example.com"}});
  const std::string path =
      ::testing::TempDir() + "docs-observer-" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".db";
  auto ledger = cinetpay::PayoutLedger::open("sqlite:" + path);
  cinetpay::TransferRequest t{"225", "0102030405", 500, "http://127.0.0.1:9/notify", "OBS-1", ""};
  ledger.submit({t});
  auto span = std::make_shared<otel::Span>();
  auto registry = std::make_shared<cinetpay::MetricsRegistry>();
  cinetpay::WorkerOptions options = observed(span, registry);
  options.concurrent = false;
  options.worker_id = "docs";
  cinetpay::PayoutWorker worker(client, ledger, options);
  ::testing::internal::CaptureStderr();
  (void)worker.run_once();
  const std::string lines = ::testing::internal::GetCapturedStderr();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());

  EXPECT_THAT(
      lines, ::testing::HasSubstr("event=payout_claimed id=OBS-1 worker=docs state=sending code=0: "
                                  "claimed for sending\n"));
  ASSERT_FALSE(span->events.empty());
  EXPECT_EQ(span->events.front().first, "payout.claimed");
  // (A worker on the calling thread renews its leases before the send: `renewed` between.)
  auto sent = std::find_if(span->events.begin(), span->events.end(),
                           [](const auto& e) { return e.first == "payout.sent"; });
  ASSERT_NE(sent, span->events.end());
  EXPECT_EQ(sent->second.at("payout.id"), "OBS-1");
  EXPECT_EQ(sent->second.at("payout.state"), "accepted");
  EXPECT_THAT(registry->expose(),
              ::testing::HasSubstr(
                  "cinetpay_payout_activity_total{activity=\"claimed\",state=\"sending\"} 1"));
}

}  // namespace docs_snippets

// docs/sandbox.md, "In your C++ tests".
// docs:begin sandbox
TEST(Payouts, AnAnswerLostAfterTheSendIsFoundNotResent) {
  cinetpay::sandbox::Sandbox sandbox;  // SandboxOptions{} : port 0, balance 1000000
  sandbox.start();
  cinetpay::ClientOptions o;
  o.base_url = sandbox.base_url();
  cinetpay::TransferClient client({"sandbox-key", "sandbox-password"}, o);
  (void)client.add_contacts({{"225", "0102030405", "Kouassi", "Awa", "awa@example.com"}});

  sandbox.inject({cinetpay::sandbox::FaultKind::process_then_drop, "send"});
  cinetpay::TransferRequest t;
  t.prefix = "225";
  t.phone = "0102030405";
  t.amount = 500;
  t.notify_url = "http://127.0.0.1:9/notify";  // a closed local port: notifications fail fast
  t.client_transaction_id = "ORDER-1";
  auto results = client.send_money({t});

  EXPECT_EQ(results[0].outcome, cinetpay::TransferOutcome::accepted);
  EXPECT_EQ(sandbox.transfers().size(), 1u);
  EXPECT_EQ(sandbox.transfer_by_client_transaction_id("ORDER-1")->amount, 500);
  EXPECT_EQ(sandbox.balance().available, 1'000'000 - 500);
}
// docs:end sandbox
