// `cinetpay payouts serve`, run as a program over a SQLite ledger and spoken to over HTTP:
// who may ask, what actions need, what every answer carries, what the pages show and
// escape, the live feed and /metrics. Its browser tests are in tests/console.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cinetpay/ledger.hpp>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "../sandbox/raw_client.hpp"
#include "bounded_wait.hpp"
#include "sandbox_fixture.hpp"
#include "worker_harness.hpp"

namespace cinetpay::mocks {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "console-token-0123456789";

// The console as a process: started with `flags`, its address read from its first line,
// stopped with SIGTERM at the end (and the test fails unless it then exits 0).
class ConsoleProcess {
 public:
  // `env`: variables beside the test's; `global`: the CLI's flags before the command.
  ConsoleProcess(const std::string& dir, const std::vector<std::string>& flags,
                 const std::vector<std::string>& env = {},
                 const std::vector<std::string>& global = {}) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    std::vector<std::string> argv = {CINETPAY_CLI_PATH};
    argv.insert(argv.end(), global.begin(), global.end());
    argv.insert(argv.end(), {"payouts", "serve"});
    argv.insert(argv.end(), flags.begin(), flags.end());
    pid_ = spawn(argv, env, dir + "/console.log", fds[1]);
    ::close(fds[1]);
    first_line_ = line_within(fds[0]).value_or("");
    ::close(fds[0]);
    std::smatch m;
    if (std::regex_search(first_line_, m, std::regex(R"(console: http://[^:]+:(\d+)/)")))
      port_ = std::stoi(m[1]);
  }
  ~ConsoleProcess() {
    if (pid_ > 0 && !exited_) (void)stop();
  }
  ConsoleProcess(const ConsoleProcess&) = delete;
  ConsoleProcess& operator=(const ConsoleProcess&) = delete;

  // SIGTERM; its exit status (nullopt when it had to be killed).
  std::optional<int> stop() {
    ::kill(pid_, SIGTERM);
    std::optional<int> status = wait_for_exit(pid_, std::chrono::seconds(10));
    if (!status) end_child(pid_);
    exited_ = true;
    return status;
  }
  // Its exit status when it ended by itself within a few seconds.
  std::optional<int> exit_status() {
    exited_ = true;
    return wait_for_exit(pid_, std::chrono::seconds(10));
  }

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const std::string& first_line() const { return first_line_; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  bool exited_ = false;
  std::string first_line_;
};

// The Location header of an answer as sent: cpp-httplib's client hands it over decoded.
std::string raw_location(int port, const std::string& request) {
  RawConnection raw(port);
  raw.send(request);
  const std::string answer = raw.receive();
  std::smatch m;
  if (!std::regex_search(answer, m, std::regex("\r\nLocation: ([^\r]*)\r\n"))) return {};
  return m[1];
}

// The CSRF token of a page's action forms.
std::string csrf_of(const std::string& page) {
  std::smatch m;
  if (!std::regex_search(page, m, std::regex(R"re(name="csrf" value="([0-9a-f]+)")re"))) return {};
  return m[1];
}

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/cinetpay-console-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    db_ = "sqlite:" + dir_ + "/payouts.db";
    ledger_.emplace(PayoutLedger::open(db_));
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  void submit(const std::string& id, std::int64_t amount, const std::string& metadata = "") {
    (void)ledger_->submit(
        std::vector<PayoutRequest>{{payout_to("0102030405", amount, id), std::nullopt, metadata}});
  }

  std::string dir_;
  std::string db_;
  std::optional<PayoutLedger> ledger_;
};

TEST_F(ConsoleTest, PrintsItsAddressFirstServesThePagesAndStopsOnSigterm) {
  submit("C-1", 1000);
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  ASSERT_GT(console.port(), 0) << console.first_line();
  httplib::Client c = console.client();
  for (const char* path : {"/", "/payouts", "/payouts/C-1", "/console.js", "/console.css"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    const std::string csp = r->get_header_value("Content-Security-Policy");
    EXPECT_THAT(csp, HasSubstr("default-src 'none'")) << path;
    EXPECT_THAT(csp, HasSubstr("script-src 'self'")) << path;
    EXPECT_THAT(csp, Not(HasSubstr("unsafe-inline"))) << path;
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store") << path;
  }
  auto page = c.Get("/payouts");
  EXPECT_THAT(page->body, HasSubstr("data-id=\"C-1\""));
  EXPECT_THAT(page->body, Not(HasSubstr("<script>"))) << "no inline script: the CSP forbids it";
  auto missing = c.Get("/payouts/NOPE");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(console.stop(), std::optional<int>(0));
}

TEST_F(ConsoleTest, AnotherAddressThanLoopbackNeedsAToken) {
  ConsoleProcess refused(dir_, {"--db", db_, "--listen", "0.0.0.0:0"});
  std::optional<int> status = refused.exit_status();
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_THAT(refused.first_line(), Not(HasSubstr("console: http")));

  ConsoleProcess console(dir_, {"--db", db_, "--listen", "0.0.0.0:0"},
                         {std::string("CINETPAY_CONSOLE_TOKEN=") + kToken});
  ASSERT_GT(console.port(), 0) << console.first_line();
  httplib::Client c = console.client();
  for (const char* path : {"/", "/payouts", "/metrics", "/events"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 401) << path;
  }
  auto wrong = c.Get("/?token=console-token-wrong-wrong");
  EXPECT_EQ(wrong->status, 401);
  // The token is traded for a session cookie, and the address loses it.
  auto traded = c.Get(std::string("/payouts?state=pending&token=") + kToken);
  ASSERT_TRUE(traded);
  EXPECT_EQ(traded->status, 303);
  EXPECT_EQ(traded->get_header_value("Location"), "/payouts?state=pending");
  const std::string set_cookie = traded->get_header_value("Set-Cookie");
  EXPECT_THAT(set_cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(set_cookie, HasSubstr("SameSite=Lax"));
  EXPECT_THAT(set_cookie, Not(HasSubstr(kToken)));
  const std::string session = set_cookie.substr(0, set_cookie.find(';'));
  auto with_cookie = c.Get("/payouts", {{"Cookie", session}});
  EXPECT_EQ(with_cookie->status, 200);
  EXPECT_THAT(with_cookie->body, Not(HasSubstr(kToken)));
  // The cookie held already, a link with the token still loses it from the address.
  auto again = c.Get(std::string("/payouts?token=") + kToken, {{"Cookie", session}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 303);
  EXPECT_EQ(again->get_header_value("Location"), "/payouts");
  auto with_bearer = c.Get("/metrics", {{"Authorization", std::string("Bearer ") + kToken}});
  EXPECT_EQ(with_bearer->status, 200);
  EXPECT_THAT(with_bearer->body, Not(HasSubstr(kToken)));
}

TEST_F(ConsoleTest, LoopbackAnswersOnlyToItsOwnNames) {
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  httplib::Client c = console.client();
  auto rebound = c.Get("/", {{"Host", "attacker.example:" + std::to_string(console.port())}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 421);
  auto own = c.Get("/", {{"Host", "localhost:" + std::to_string(console.port())}});
  EXPECT_EQ(own->status, 200);
}

TEST_F(ConsoleTest, ActionsArePostsWithTheCsrfTokenAndDoWhatTheySay) {
  submit("C-1", 1000);
  submit("C-2", 2000);
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  httplib::Client c = console.client();
  const std::string csrf = csrf_of(c.Get("/payouts/C-1")->body);
  ASSERT_FALSE(csrf.empty());

  auto forged = c.Post("/payouts/C-1/cancel", "reason=x", "application/x-www-form-urlencoded");
  EXPECT_EQ(forged->status, 403) << "no CSRF token";
  auto cross = c.Post("/payouts/C-1/cancel", {{"Origin", "http://attacker.example"}},
                      "csrf=" + csrf, "application/x-www-form-urlencoded");
  EXPECT_EQ(cross->status, 403) << "another origin";
  EXPECT_EQ(c.Get("/payouts/C-1/cancel")->status, 404) << "a GET acts on nothing";
  EXPECT_EQ(ledger_->get("C-1")->state, PayoutState::pending);

  auto cancelled = c.Post("/payouts/C-1/cancel", "csrf=" + csrf + "&reason=fraud+suspected",
                          "application/x-www-form-urlencoded");
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, 303);
  EXPECT_EQ(ledger_->get("C-1")->state, PayoutState::cancelled);
  EXPECT_EQ(ledger_->get("C-1")->history.back().reason, "cancelled: fraud suspected");
  auto shown = c.Get(cancelled->get_header_value("Location").c_str());
  EXPECT_THAT(shown->body, HasSubstr("Cancelled: it will never be sent."));
  EXPECT_THAT(shown->body, Not(HasSubstr("id=\"cancel\""))) << "a final payout offers no cancel";

  auto paused =
      c.Post("/pause", "csrf=" + csrf + "&reason=audit", "application/x-www-form-urlencoded");
  EXPECT_EQ(paused->status, 303);
  EXPECT_TRUE(ledger_->paused().paused);
  EXPECT_EQ(ledger_->paused().reason, "audit");
  EXPECT_THAT(c.Get("/")->body, HasSubstr("id=\"resume\""));
  // From the page of a proxy that ends TLS and keeps the Host: https://host.
  auto resumed =
      c.Post("/resume", {{"Origin", "https://127.0.0.1:" + std::to_string(console.port())}},
             "csrf=" + csrf, "application/x-www-form-urlencoded");
  EXPECT_EQ(resumed->status, 303);
  EXPECT_FALSE(ledger_->paused().paused);
  auto other = c.Post("/pause", {{"Origin", "https://attacker.example"}}, "csrf=" + csrf,
                      "application/x-www-form-urlencoded");
  EXPECT_EQ(other->status, 403);
  EXPECT_FALSE(ledger_->paused().paused);
}

TEST_F(ConsoleTest, ReadOnlyOffersNoActionAndRefusesThem) {
  submit("C-1", 1000);
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0", "--read-only"});
  httplib::Client c = console.client();
  const std::string page = c.Get("/payouts/C-1")->body;
  EXPECT_THAT(page, Not(HasSubstr("<form id=\"cancel\"")));
  EXPECT_THAT(c.Get("/")->body, Not(HasSubstr("<form id=\"pause\"")));
  auto refused = c.Post("/pause", "csrf=" + csrf_of(page), "application/x-www-form-urlencoded");
  EXPECT_EQ(refused->status, 403);
  EXPECT_FALSE(ledger_->paused().paused);
}

TEST_F(ConsoleTest, EveryTextIsEscapedAndBadFiltersNameTheirField) {
  submit("C-X", 1000, R"({"note":"<script>alert(1)</script>","q":"\"'&"})");
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  httplib::Client c = console.client();
  const std::string page = c.Get("/payouts/C-X")->body;
  EXPECT_THAT(page, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  auto searched = c.Get("/payouts?meta=%3Cscript%3E");
  EXPECT_THAT(searched->body, HasSubstr("data-id=\"C-X\"")) << "metadata is searched";
  EXPECT_THAT(searched->body, Not(HasSubstr("value=\"<script>"))) << "the typed text too";
  EXPECT_THAT(c.Get("/payouts?q=C-X")->body, HasSubstr("data-id=\"C-X\"")) << "an exact id";
  EXPECT_THAT(c.Get("/payouts?q=C-")->body, Not(HasSubstr("data-id=\"C-X\""))) << "q is exact";
  auto bad = c.Get("/payouts?min=12a%3Cb%3E");
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("min: whole digits"));
  EXPECT_THAT(bad->body, Not(HasSubstr("<b>")));
  EXPECT_EQ(c.Get("/payouts?state=lost")->status, 400);
  EXPECT_EQ(c.Get("/payouts?from=2026-13-01")->status, 400);
  EXPECT_EQ(c.Get("/payouts?until=2026-02-31")->status, 400) << "no such day";
  EXPECT_EQ(c.Get("/payouts?until=2028-02-29")->status, 200);
}

TEST_F(ConsoleTest, PagesThroughEveryPayoutNewestFirst) {
  std::vector<TransferRequest> many;
  for (int i = 0; i < 120; ++i)
    many.push_back(payout_to("0102030405", 100 + 5 * i, "P-" + std::to_string(i)));
  (void)ledger_->submit(many);
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  httplib::Client c = console.client();
  const std::regex row(R"re(tr data-id="([^"]+)")re");
  std::vector<std::string> seen;
  std::string path = "/payouts";
  for (int pages = 0; pages < 10 && !path.empty(); ++pages) {
    const std::string body = c.Get(path.c_str())->body;
    for (std::sregex_iterator it(body.begin(), body.end(), row), end; it != end; ++it)
      seen.push_back((*it)[1]);
    std::smatch next;
    path = std::regex_search(body, next, std::regex(R"re(id="next" href="([^"]+)")re"))
               ? std::regex_replace(next[1].str(), std::regex("&amp;"), "&")
               : "";
  }
  ASSERT_EQ(seen.size(), 120U);
  EXPECT_EQ(seen.front(), "P-119");
  EXPECT_EQ(seen.back(), "P-0");
  const std::string filtered = c.Get("/payouts?min=200&max=210")->body;
  EXPECT_THAT(filtered, HasSubstr("data-id=\"P-20\""));
  EXPECT_THAT(filtered, HasSubstr("data-id=\"P-22\""));
  EXPECT_THAT(filtered, Not(HasSubstr("data-id=\"P-23\"")));
}

// What /events streamed from its first event until it told of `id`'s cancel, which the test
// makes once the stream is open.
std::string feed_until_cancelled(httplib::Client c, const PayoutLedger& ledger,
                                 const std::string& id) {
  std::string seen;
  bool cancelled = false;
  c.Get("/events?cursor=0", [&](const char* data, std::size_t n) {
    seen.append(data, n);
    if (!cancelled && seen.find("\"counts\"") != std::string::npos) {
      (void)ledger.cancel(id, "by the test");
      cancelled = true;
    }
    return seen.find("\"state\":\"cancelled\"") == std::string::npos;
  });
  return seen;
}

TEST_F(ConsoleTest, TheLiveFeedTellsAPageWhatEnded) {
  submit("C-1", 1000);
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  const std::string seen = feed_until_cancelled(console.client(), *ledger_, "C-1");
  EXPECT_THAT(seen, HasSubstr("data: {"));
  EXPECT_THAT(seen, HasSubstr(R"({"id":"C-1","state":"cancelled"})"));
  EXPECT_EQ(console.stop(), std::optional<int>(0));
}

// An id the pages show escaped (a backslash doubled, a hidden character as \uXXXX) comes
// through the feed as the pages show it, or the script finds no row to update.
TEST_F(ConsoleTest, TheLiveFeedNamesAPayoutAsItsPagesDo) {
  submit("C\\1", 1000);
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  EXPECT_THAT(console.client().Get("/payouts")->body, HasSubstr(R"(data-id="C\\1")"));
  const std::string seen = feed_until_cancelled(console.client(), *ledger_, "C\\1");
  EXPECT_THAT(seen, HasSubstr(R"({"id":"C\\\\1","state":"cancelled"})"));
  EXPECT_EQ(console.stop(), std::optional<int>(0));
}

// The ledger refuses spaces and controls in an id, not slashes: such a payout has its page
// and its cancel like any other.
TEST_F(ConsoleTest, APayoutWhoseIdHoldsASlashHasItsPageAndItsActions) {
  submit("A/B", 1000);
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  httplib::Client c = console.client();
  auto list = c.Get("/payouts");
  EXPECT_THAT(list->body, HasSubstr("href=\"/payouts/A%2FB\""));
  auto shown = c.Get("/payouts/A%2FB");
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->status, 200);
  const std::string csrf = csrf_of(shown->body);
  ASSERT_FALSE(csrf.empty());
  const std::string form = "csrf=" + csrf + "&reason=typo";
  EXPECT_EQ(raw_location(console.port(),
                         "POST /payouts/A%2FB/cancel HTTP/1.1\r\nHost: 127.0.0.1:" +
                             std::to_string(console.port()) +
                             "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                             "Content-Length: " +
                             std::to_string(form.size()) + "\r\nConnection: close\r\n\r\n" + form),
            "/payouts/A%2FB?done=cancelled");
  EXPECT_EQ(ledger_->get("A/B")->state, PayoutState::cancelled);
}

// cpp-httplib reads a body whole before the handler checks the CSRF token: a page anywhere
// could post gigabytes of text/plain to 127.0.0.1 (a "simple" request, sent without asking).
TEST_F(ConsoleTest, ABodyLargerThanAFormIsRefusedUnread) {
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  httplib::Client c = console.client();
  auto big = c.Post("/pause", {{"Origin", "http://attacker.example"}},
                    std::string(1024 * 1024, 'a'), "text/plain");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_FALSE(ledger_->paused().paused);
  EXPECT_EQ(console.stop(), std::optional<int>(0));
}

// The token's exchange sends the browser back to the address it asked for, on the console:
// never to another site through a path such as //host or /\host.
TEST_F(ConsoleTest, TheTokensExchangeRedirectsWithinTheConsoleOnly) {
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"},
                         {std::string("CINETPAY_CONSOLE_TOKEN=") + kToken});
  ASSERT_GT(console.port(), 0) << console.first_line();
  const std::string token = std::string("token=") + kToken;
  for (const std::string& path :
       {"//attacker.example/?" + token, "/%2F%2Fattacker.example?" + token,
        "/%5Cattacker.example?" + token, "/payouts?a%2F%2Fb=1&" + token}) {
    const std::string location =
        raw_location(console.port(), "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                         "Connection: close\r\n\r\n");
    EXPECT_EQ(location.rfind('/', 0), 0U) << path << " -> " << location;
    EXPECT_NE(location.rfind("//", 0), 0U) << path << " -> " << location;
    EXPECT_EQ(location.find('\\'), std::string::npos) << path << " -> " << location;
    EXPECT_THAT(location, Not(HasSubstr(kToken)));
  }
  EXPECT_EQ(raw_location(console.port(), "GET /payouts/A%3FB?state=pending&" + token +
                                             " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                             "Connection: close\r\n\r\n"),
            "/payouts/A%3FB?state=pending");
}

// A client that trickles its request's headers (cpp-httplib times out each read, not the
// request) does not keep the console from ending on SIGTERM within seconds.
TEST_F(ConsoleTest, StopsOnSigtermWithinSecondsDespiteASlowClient) {
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  ASSERT_GT(console.port(), 0) << console.first_line();
  RawConnection slow(console.port());
  slow.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    for (int i = 0; i < 300 && !done; ++i) {
      if (i % 10 == 0) slow.send("X-Slow: 1\r\n");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto start = std::chrono::steady_clock::now();
  const std::optional<int> status = console.stop();
  const auto took = std::chrono::steady_clock::now() - start;
  done = true;
  trickle.join();
  EXPECT_EQ(status, std::optional<int>(0));
  EXPECT_LT(took, std::chrono::seconds(6));
}

// Any web page the operator opens may ask 127.0.0.1 (its Host is then the console's own
// name): a link to the console is fine, loading a search, a live stream or a post into
// that page is not. The browser says which by Sec-Fetch-Site and Sec-Fetch-Mode.
TEST_F(ConsoleTest, AnotherSitesPageMayLinkToTheConsoleButNotLoadFromIt) {
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  httplib::Client c = console.client();
  for (const char* site : {"cross-site", "same-site"}) {
    auto loaded =
        c.Get("/payouts?meta=x", {{"Sec-Fetch-Site", site}, {"Sec-Fetch-Mode", "no-cors"}});
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->status, 403) << site;
    int streamed = 0;  // its status, read before any event (a stream never ends)
    (void)c.Get(
        "/events", {{"Sec-Fetch-Site", site}, {"Sec-Fetch-Mode", "cors"}},
        [&](const httplib::Response& r) {
          streamed = r.status;
          return false;
        },
        [](const char*, std::size_t) { return false; });
    EXPECT_EQ(streamed, 403) << site;
    auto posted = c.Post("/pause", {{"Sec-Fetch-Site", site}, {"Sec-Fetch-Mode", "navigate"}},
                         "reason=x", "application/x-www-form-urlencoded");
    ASSERT_TRUE(posted);
    EXPECT_EQ(posted->status, 403) << site;
    auto linked = c.Get("/payouts", {{"Sec-Fetch-Site", site}, {"Sec-Fetch-Mode", "navigate"}});
    ASSERT_TRUE(linked);
    EXPECT_EQ(linked->status, 200) << site;
  }
  auto own = c.Get("/payouts", {{"Sec-Fetch-Site", "same-origin"}, {"Sec-Fetch-Mode", "cors"}});
  EXPECT_EQ(own->status, 200);
  EXPECT_FALSE(ledger_->paused().paused);
}

TEST_F(ConsoleTest, MetricsCountTheLedgersPayoutsItsSwitchAndEachWorkersCounters) {
  SandboxFixture sb;
  sb.add_contact("0102030405");
  submit("C-1", 1000);
  submit("C-2", 2500);
  // A worker with a registry: its heartbeat carries its counters to the console.
  auto registry = std::make_shared<MetricsRegistry>();
  ClientOptions counted = sb.options();
  counted.request_observer = request_metrics(registry);
  WorkerOptions options;
  options.worker_id = "w-metrics";
  options.metrics = registry;
  PayoutWorker worker(sb.client(counted), *ledger_, options);
  (void)worker.run_once();
  submit("C-3", 700);
  ledger_->pause("audit");
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"});
  auto r = console.client().Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(r->body, HasSubstr("cinetpay_payouts{state=\"pending\"} 1\n"));
  EXPECT_THAT(r->body, HasSubstr("cinetpay_payouts_amount{state=\"pending\"} 700\n"));
  EXPECT_THAT(r->body, HasSubstr("cinetpay_sending_paused 1\n"));
  EXPECT_THAT(r->body, HasSubstr("cinetpay_worker_claims_held{worker_id=\"w-metrics\"} 0\n"));
  EXPECT_THAT(r->body, HasSubstr("cinetpay_payout_activity_total{activity=\"claimed\","
                                 "state=\"sending\",worker_id=\"w-metrics\"} 2\n"));
  EXPECT_TRUE(std::regex_search(
      r->body, std::regex(R"(cinetpay_request_duration_seconds_count\{operation="send",)"
                          R"(worker_id="w-metrics"\} 1\n)")))
      << r->body;
  EXPECT_THAT(r->body, Not(HasSubstr("sandbox-password")));
}

TEST_F(ConsoleTest, AskingCinetPayShowsItsAnswerAndSettlesThePayoutByIt) {
  SandboxFixture sb;
  sb.add_contact("0102030405");
  submit("C-SENT", 1000);
  submit("C-NEVER", 1000);
  // CinetPay has C-SENT while the ledger still holds it pending: a worker that died before
  // recording its send, seen from the console.
  ASSERT_EQ(sb.client().send_money({ledger_->get("C-SENT")->request}).front().outcome,
            TransferOutcome::accepted);
  ConsoleProcess console(dir_, {"--db", db_, "--listen", "127.0.0.1:0"},
                         {"CINETPAY_API_KEY=sandbox-key", "CINETPAY_PASSWORD=sandbox-password"},
                         {"--base-url", sb.base_url()});
  httplib::Client c = console.client();
  const std::string overview = c.Get("/")->body;
  EXPECT_THAT(overview, HasSubstr("available <strong>"));
  EXPECT_THAT(overview, Not(HasSubstr("sandbox-password")));
  const std::string csrf = csrf_of(c.Get("/payouts/C-SENT")->body);
  EXPECT_EQ(c.Post("/payouts/C-SENT/lookup", "", "application/x-www-form-urlencoded")->status, 403)
      << "no CSRF token";
  auto sent = c.Post("/payouts/C-SENT/lookup", "csrf=" + csrf, "application/x-www-form-urlencoded");
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->status, 200);
  EXPECT_THAT(sent->body, HasSubstr("What CinetPay says now"));
  EXPECT_THAT(sent->body, HasSubstr("the ledger moved it to "));
  EXPECT_THAT(ledger_->get("C-SENT")->state,
              ::testing::AnyOf(PayoutState::accepted, PayoutState::paid));
  // A payout that left (sent, as a claimed one is) is not cancelled, though a stale page
  // still offered the button.
  const PayoutState left = ledger_->get("C-SENT")->state;
  auto late = c.Post("/payouts/C-SENT/cancel", "csrf=" + csrf + "&reason=late",
                     "application/x-www-form-urlencoded");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 303);
  EXPECT_THAT(late->get_header_value("Location"), HasSubstr("done=not-cancelled"));
  EXPECT_EQ(ledger_->get("C-SENT")->state, left);
  auto never =
      c.Post("/payouts/C-NEVER/lookup", "csrf=" + csrf, "application/x-www-form-urlencoded");
  EXPECT_THAT(never->body, HasSubstr("CinetPay has no transfer under this client_transaction_id"));
  EXPECT_EQ(ledger_->get("C-NEVER")->state, PayoutState::pending);
  EXPECT_THAT(never->body, Not(HasSubstr("sandbox-key")));
}

}  // namespace
}  // namespace cinetpay::mocks
