// `cinetpay payouts serve`: the web console over a ledger. What each page shows lives in
// console_pages.cpp; this file is the HTTP side: who may ask (loopback, or a token), which
// requests may act (POST with the CSRF token, never in read-only mode), the headers every
// answer carries, the live feed, /metrics, and the process's life (SIGINT, SIGTERM).
#include <httplib.h>
#include <csignal>

#include <atomic>
#include <chrono>
#include <cinetpay/ledger.hpp>
#include <cinetpay/metrics.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "cli.hpp"
#include "connection_threads.hpp"
#include "console_pages.hpp"

namespace cinetpay::cli {
namespace {

using nlohmann::json;
using std::chrono::system_clock;
using namespace console;

constexpr auto kFeedEvery = std::chrono::seconds(1);
constexpr auto kKeepAlive = std::chrono::seconds(15);
constexpr std::size_t kKeptChanges = 5000;  // what a browser a little behind can catch up on
constexpr std::size_t kMaxStreams = 32;     // live pages at once; each holds a thread
constexpr std::size_t kMaxConnections = kMaxStreams + 32;
constexpr auto kWorkersSeen = std::chrono::minutes(15);
constexpr std::size_t kMinTokenBytes = 16;
constexpr auto kStopGrace = std::chrono::seconds(3);
// A form's body: a reason of 200 bytes and the CSRF token, with room to spare. cpp-httplib
// reads a body whole before any handler (and before the CSRF check), so a web page
// anywhere could otherwise post a gigabyte of text/plain to 127.0.0.1 for the console to hold.
constexpr std::size_t kMaxBody = std::size_t{64} * 1024;
constexpr const char* kCookie = "cinetpay_console";

// Every answer's headers: nothing but the console's own script and style may run, no page
// may frame it, nothing is cached, no address leaves for another site. (Not no-referrer:
// under it a browser sends `Origin: null` with a form's POST, which the CSRF check refuses.)
const httplib::Headers& security_headers() {
  static const httplib::Headers kHeaders = {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "same-origin"},
      {"Cache-Control", "no-store"},
  };
  return kHeaders;
}

std::string random_hex(std::size_t bytes) {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string raw(bytes, '\0');
  if (!urandom.read(raw.data(), static_cast<std::streamsize>(bytes)))
    throw std::runtime_error("cannot read /dev/urandom");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// Compares secrets in a time that depends on their length only.
bool same_secret(const std::string& given, const std::string& expected) {
  if (given.size() != expected.size() || expected.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return diff == 0;
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string cookie(const httplib::Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  const std::string key = name + "=";
  for (std::string::size_type at = 0; at < header.size();) {
    while (at < header.size() && (header[at] == ' ' || header[at] == ';')) ++at;
    const auto end = std::min(header.find(';', at), header.size());
    if (header.compare(at, key.size(), key) == 0)
      return header.substr(at + key.size(), end - at - key.size());
    at = end;
  }
  return {};
}

// The change feed, counts by state and the sending switch, read once a second for every
// live page at once (a page's stream never queries the ledger itself). Thread-safe.
class LiveFeed {
 public:
  explicit LiveFeed(PayoutLedger ledger) : ledger_(std::move(ledger)) {}
  ~LiveFeed() { stop(); }
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  [[nodiscard]] std::int64_t cursor() const {
    std::lock_guard<std::mutex> lock(mu_);
    return cursor_;
  }

  // The next event for a stream that has seen `version` and changes up to `cursor`, after
  // waiting up to kKeepAlive for one; nullopt when there is none (or when stopping).
  std::optional<std::string> next(std::int64_t& cursor, std::uint64_t& version) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, kKeepAlive, [&] { return stopping_ || version_ != version; });
    if (stopping_ || version_ == version) return std::nullopt;
    version = version_;
    json changes = json::array();
    for (const PayoutChange& c : recent_) {
      if (c.cursor <= cursor) continue;
      // The id as the pages show it (printable(), as in data-id), or the script would not
      // find the row of an id holding a backslash or a hidden character.
      changes.push_back(
          {{"id", printable(c.client_transaction_id)}, {"state", to_string(c.state)}});
    }
    cursor = std::max(cursor, cursor_);
    return json{{"changes", changes}, {"counts", counts_}, {"paused", paused_}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
  }

  [[nodiscard]] bool stopping() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

 private:
  void run() {
    std::int64_t cursor = 0;
    int polls = 0;
    while (!stopping()) {
      try {
        std::vector<PayoutChange> fresh;
        for (auto page = ledger_.changes_since(cursor); !page.empty();
             page = ledger_.changes_since(cursor)) {
          cursor = page.back().cursor;
          fresh.insert(fresh.end(), page.begin(), page.end());
          if (stopping()) return;
        }
        const bool paused = ledger_.paused().paused;
        // The counts scan the ledger: read when payouts ended, and every tenth second else
        // (a claim or a send moves a payout without a change in the feed).
        json counts;
        const bool recount = !fresh.empty() || polls++ % 10 == 0;
        if (recount) {
          for (const auto& [state, total] : ledger_.summary().by_state)
            counts[std::string(to_string(state))] = {{"count", total.count},
                                                     {"amount", total.amount}};
        }
        std::lock_guard<std::mutex> lock(mu_);
        const bool news = !fresh.empty() || paused != paused_ || (recount && counts != counts_);
        for (PayoutChange& c : fresh) recent_.push_back(std::move(c));
        while (recent_.size() > kKeptChanges) recent_.pop_front();
        cursor_ = cursor;
        paused_ = paused;
        if (recount) counts_ = std::move(counts);
        if (news) {
          ++version_;
          cv_.notify_all();
        }
      } catch (const std::exception& e) {
        // A ledger out of reach for a moment: pages keep what they show, and the feed
        // tries again.
        std::cerr << "console: live feed: " << printable(e.what()) << "\n";
      }
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, kFeedEvery, [this] { return stopping_; });
    }
  }

  PayoutLedger ledger_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PayoutChange> recent_;
  std::int64_t cursor_ = 0;
  json counts_ = json::object();
  bool paused_ = false;
  std::uint64_t version_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

struct ConsoleOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;  // empty: loopback only, nobody asked for one
  bool read_only = false;
  std::chrono::minutes accepted_alert{60};
};

class Console {
 public:
  Console(PayoutLedger ledger, std::optional<TransferClient> client, ConsoleOptions options)
      : ledger_(std::move(ledger)),
        client_(std::move(client)),
        options_(std::move(options)),
        feed_(ledger_),
        csrf_(random_hex(32)),
        session_(random_hex(32)) {}

  // Binds; returns the port (the one picked for port 0).
  int bind() {
    server_.new_task_queue = [] { return new tools::ConnectionThreads(kMaxConnections); };
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_max_count(1000);
    server_.set_default_headers(security_headers());
    server_.set_payload_max_length(kMaxBody);
    install();
    port_ = options_.port == 0
                ? server_.bind_to_any_port(options_.host)
                : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
    if (port_ <= 0) {
      throw UsageError("--listen: cannot listen on " + options_.host + ":" +
                       std::to_string(options_.port));
    }
    return port_;
  }

  void serve() {
    feed_.start();
    server_.listen_after_bind();
  }

  void stop() {
    feed_.stop();
    server_.stop();
  }

 private:
  Frame frame(std::string title, std::string flash = {}) const {
    return Frame{std::move(title), csrf_, options_.read_only, feed_.cursor(), std::move(flash)};
  }

  static void html_page(httplib::Response& res, const std::string& text, int status = 200) {
    res.status = status;
    res.set_content(text, "text/html; charset=utf-8");
  }

  void problem(httplib::Response& res, int status, const std::string& message) const {
    html_page(res,
              page(frame("Error"), "<h1>" + std::to_string(status) + "</h1><p id=\"problem\">" +
                                       html(message) + "</p>"),
              status);
  }

  // Who may ask. A page on loopback without a token is the operator's own machine; the Host check
  // keeps a web page elsewhere from reaching it through a name rebound to 127.0.0.1.
  httplib::Server::HandlerResponse guard(const httplib::Request& req, httplib::Response& res) {
    // What a browser says of where a request comes from (Sec-Fetch-Site): a page of another
    // site, or of another port of this host, may link to the console, but not load it
    // into itself, post to it nor hold its live streams; the Host check does not stop
    // those, 127.0.0.1 being the console's own name. Clients that send no such header
    // (curl, Prometheus, old browsers) are judged by the rest alone.
    const std::string site = req.get_header_value("Sec-Fetch-Site");
    if ((site == "cross-site" || site == "same-site") &&
        !(req.method == "GET" && req.get_header_value("Sec-Fetch-Mode") == "navigate")) {
      problem(res, 403, "this console is not served to other sites' pages");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (options_.token.empty()) {
      const std::string host = req.get_header_value("Host");
      const std::string port = ":" + std::to_string(port_);
      bool known = false;
      for (const char* name : {"127.0.0.1", "localhost", "[::1]"})
        known = known || host == name + port;
      if (!known && host != options_.host + port) {
        problem(res, 421, "this console answers to 127.0.0.1 or localhost only");
        return httplib::Server::HandlerResponse::Handled;
      }
    } else {
      if (!same_secret(cookie(req, kCookie), session_)) {
        std::string given = req.get_header_value("Authorization");
        given = given.rfind("Bearer ", 0) == 0 ? given.substr(7) : req.get_param_value("token");
        if (!same_secret(given, options_.token)) {
          res.set_header("WWW-Authenticate", "Bearer");
          problem(res, 401, "a token is required: open the console's address with ?token=…");
          return httplib::Server::HandlerResponse::Handled;
        }
        // The token is traded for a session cookie, and the address loses it, so that the
        // token stays out of the history and of every page. Lax, not Strict: the token's
        // link is opened from a chat or a mail, and a browser sends no Strict cookie on
        // the redirect of another site's navigation (the operator got 401). Lax sends it
        // on top-level GETs only, which never act; actions need the CSRF token besides.
        res.set_header("Set-Cookie",
                       std::string(kCookie) + "=" + session_ + "; HttpOnly; SameSite=Lax; Path=/");
      }
      // Even with the cookie already: a link holding the token must not stay in the history.
      if (req.has_param("token")) {
        // The path is the decoded one: encoded again, and its slashes kept single, so that
        // no address (`//host`, `/\host`) sends the browser to another site.
        std::string location;
        for (char c : req.path) {
          if (c != '/') {
            location += url_part(std::string_view(&c, 1));
          } else if (location.empty() || location.back() != '/') {
            location += '/';
          }
        }
        if (location.empty() || location.front() != '/') location.insert(0, "/");
        std::string query;
        for (const auto& [name, value] : req.params) {
          if (name != "token")
            query += (query.empty() ? "?" : "&") + url_part(name) + "=" + url_part(value);
        }
        res.set_redirect(location + query, 303);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  // Whether a POST may act: never in read-only mode, and only with the CSRF token of the
  // console's own pages and from its own origin. Checked in the handler, not with the
  // access above: cpp-httplib reads a form's body after its pre-routing handler.
  bool may_act(const httplib::Request& req, httplib::Response& res) const {
    if (options_.read_only) {
      problem(res, 403, "this console is read-only");
      return false;
    }
    // https too: behind a proxy that ends TLS and keeps the Host, the page's origin is
    // https://host, and every button was refused.
    const std::string origin = req.get_header_value("Origin");
    const std::string host = req.get_header_value("Host");
    if (!same_secret(req.get_param_value("csrf"), csrf_) ||
        (!origin.empty() && origin != "http://" + host && origin != "https://" + host)) {
      problem(res, 403, "this action did not come from the console's own page");
      return false;
    }
    return true;
  }

  // An action: a POST that may_act() lets through.
  void action(const char* pattern,
              std::function<void(const httplib::Request&, httplib::Response&)> act) {
    server_.Post(pattern,
                 [this, act = std::move(act)](const httplib::Request& req, httplib::Response& res) {
                   if (may_act(req, res)) act(req, res);
                 });
  }

  Overview overview(const std::string& period) const {
    const system_clock::time_point now = system_clock::now();
    Overview o;
    o.period = period == "7d" || period == "30d" ? period : "24h";
    const auto span = o.period == "24h"  ? std::chrono::hours(24)
                      : o.period == "7d" ? std::chrono::hours(24 * 7)
                                         : std::chrono::hours(24 * 30);
    o.until = std::chrono::floor<std::chrono::hours>(now);
    o.from = o.until - span + std::chrono::hours(1);
    o.all = ledger_.summary();
    PayoutQuery today;
    today.created_from =
        std::chrono::floor<std::chrono::hours>(now) -
        std::chrono::hours(std::chrono::floor<std::chrono::hours>(now).time_since_epoch().count() %
                           24);
    o.today = ledger_.summary(today);
    PayoutQuery in_period;
    in_period.created_from = now - span;
    o.in_period = ledger_.summary(in_period);
    o.hours = ledger_.activity(o.from, o.until + std::chrono::hours(1));
    auto count = [](const LedgerSummary& s, PayoutState state) {
      auto it = s.by_state.find(state);
      return it == s.by_state.end() ? std::size_t{0} : it->second.count;
    };
    o.unknown = count(o.all, PayoutState::unknown);
    PayoutQuery stale_claims;
    stale_claims.states = {PayoutState::sending};
    stale_claims.lease_ended_before = now;
    o.sending_past_lease = count(ledger_.summary(stale_claims), PayoutState::sending);
    PayoutQuery slow;
    slow.states = {PayoutState::accepted};
    slow.updated_before = now - options_.accepted_alert;
    o.accepted_too_long = count(ledger_.summary(slow), PayoutState::accepted);
    o.accepted_threshold = options_.accepted_alert;
    o.workers = ledger_.workers(now - kWorkersSeen);
    o.sending = ledger_.paused();
    if (!client_) {
      o.balance_problem =
          "not shown: the console was started without CINETPAY_API_KEY and "
          "CINETPAY_PASSWORD";
    } else {
      try {
        o.balance = client_->balance(CallOptions(std::chrono::seconds(5)));
      } catch (const Error& e) {
        o.balance_problem = std::string("CinetPay did not answer: ") + e.what();
      }
    }
    return o;
  }

  // What check/money says of `p` now; for a payout not final yet, also what the ledger
  // makes of that answer, judged as every answer is (apply_notification re-queries it).
  Lookup look_up(const Payout& p) const {
    Lookup l;
    const std::string& id = p.request.client_transaction_id;
    const CallOptions call(std::chrono::seconds(10));
    try {
      l.statuses = client_->check_transfer(TransferQuery::by_client_transaction_id(id), call);
    } catch (const NotFoundError&) {
      // CinetPay answers 723 for an id it does not hold: the same as an empty list.
    } catch (const Error& e) {
      l.problem = std::string("CinetPay did not answer: ") + e.what();
      return l;
    }
    if (l.statuses.empty()) {
      l.problem =
          "CinetPay has no transfer under this client_transaction_id (yet): the "
          "workers settle it by the ledger's rules";
      return l;
    }
    if (is_final(p.state)) return l;
    try {
      Notification n;
      n.client_transaction_id = id;
      const NotificationResult r = ledger_.apply_notification(*client_, n, call);
      l.settled = r.outcome == NotificationOutcome::applied
                      ? "the ledger moved it to " + std::string(to_string(r.payout->state)) +
                            " by this answer"
                  : r.outcome == NotificationOutcome::refused
                      ? "the ledger refused this answer: " + r.reason
                      : "the ledger holds it as this answer says already";
    } catch (const Error& e) {
      l.settled = std::string("not settled: ") + e.what();
    }
    return l;
  }

  void install() {
    server_.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return guard(req, res); });
    server_.set_exception_handler(
        [this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          try {
            std::rethrow_exception(std::move(ep));
          } catch (const FieldError& e) {
            problem(res, 400, e.what());
          } catch (const std::invalid_argument& e) {
            problem(res, 400, e.what());
          } catch (const std::exception& e) {
            problem(res, 500, std::string("the ledger failed: ") + e.what());
          }
        });
    server_.Get("/console.js", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(kScript), "text/javascript; charset=utf-8");
    });
    server_.Get("/console.css", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(kStyle), "text/css; charset=utf-8");
    });
    server_.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string flash = req.get_param_value("done") == "paused"    ? "Sending is paused."
                                : req.get_param_value("done") == "resumed" ? "Sending resumed."
                                                                           : "";
      html_page(res, page(frame("Overview", flash),
                          overview_body(overview(req.get_param_value("period")), frame({}))));
    });
    server_.Get("/payouts", [this](const httplib::Request& req, httplib::Response& res) {
      const Filters filters = parse_filters(req.params);
      html_page(res, page(frame("Payouts"), payouts_body(ledger_.search(filters.query), filters)));
    });
    // An id may hold a slash (the ledger refuses only spaces and controls), and cpp-httplib
    // matches the decoded path: the id is everything between /payouts/ and the action.
    server_.Get(R"(/payouts/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      show(req.matches[1], req.get_param_value("done"), std::nullopt, res);
    });
    action(R"(/payouts/(.+)/cancel)", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.matches[1];
      const CancelResult r =
          ledger_.cancel(id, req.get_param_value("reason"), "console at " + req.remote_addr);
      if (r.outcome == CancelOutcome::not_found) return problem(res, 404, "no payout " + id);
      res.set_redirect("/payouts/" + url_part(id) + "?done=" +
                           (r.outcome == CancelOutcome::cancelled ? "cancelled" : "not-cancelled"),
                       303);
    });
    action(R"(/payouts/(.+)/lookup)", [this](const httplib::Request& req, httplib::Response& res) {
      if (!client_) return problem(res, 409, "the console has no CinetPay credentials");
      const std::optional<Payout> p = ledger_.get(req.matches[1]);
      if (!p) return problem(res, 404, "no payout " + std::string(req.matches[1]));
      show(req.matches[1], "", look_up(*p), res);
    });
    action("/pause", [this](const httplib::Request& req, httplib::Response& res) {
      ledger_.pause(req.get_param_value("reason"), "console at " + req.remote_addr);
      res.set_redirect("/?done=paused", 303);
    });
    action("/resume", [this](const httplib::Request& req, httplib::Response& res) {
      ledger_.resume("console at " + req.remote_addr);
      res.set_redirect("/?done=resumed", 303);
    });
    server_.Get("/events", [this](const httplib::Request& req, httplib::Response& res) {
      if (streams_.fetch_add(1) >= kMaxStreams) {
        --streams_;
        return problem(res, 503, "too many live pages at once");
      }
      const std::string given = req.get_param_value("cursor");
      auto cursor = std::make_shared<std::int64_t>(!given.empty() && given.size() < 19 &&
                                                           given.find_first_not_of("0123456789") ==
                                                               std::string::npos
                                                       ? std::stoll(given)
                                                       : feed_.cursor());
      auto version = std::make_shared<std::uint64_t>(0);
      res.set_chunked_content_provider(
          "text/event-stream",
          [this, cursor, version](std::size_t, httplib::DataSink& sink) {
            if (feed_.stopping()) return false;
            const std::optional<std::string> event = feed_.next(*cursor, *version);
            const std::string chunk = event ? "data: " + *event + "\n\n" : ": still here\n\n";
            return sink.write(chunk.data(), chunk.size());
          },
          [this](bool) { --streams_; });
    });
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(ledger_exposition(ledger_, system_clock::now() - kWorkersSeen),
                      std::string(kPrometheusContentType));
    });
  }

  void show(const std::string& id, const std::string& done, const std::optional<Lookup>& lookup,
            httplib::Response& res) const {
    const std::optional<Payout> p = ledger_.get(id);
    if (!p) return problem(res, 404, "no payout " + id);
    const std::string flash = done == "cancelled" ? "Cancelled: it will never be sent."
                              : done == "not-cancelled"
                                  ? "Not cancelled: a worker claimed it, or it is final."
                                  : "";
    html_page(res, page(frame("Payout " + id, flash),
                        payout_body(*p, frame({}), client_.has_value(), lookup)));
  }

  PayoutLedger ledger_;
  std::optional<TransferClient> client_;
  const ConsoleOptions options_;
  LiveFeed feed_;
  const std::string csrf_;
  const std::string session_;
  httplib::Server server_;
  std::atomic<std::size_t> streams_{0};
  int port_ = 0;
};

ConsoleOptions console_options(const Flags& f) {
  ConsoleOptions o;
  if (f.has("listen")) {
    const std::string listen = f.need("listen");
    const auto colon = listen.rfind(':');
    const std::string port = colon == std::string::npos ? "" : listen.substr(colon + 1);
    if (colon == 0 || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535)
      throw UsageError("--listen: HOST:PORT, such as 127.0.0.1:8080 (port 0: any free one)");
    o.host = listen.substr(0, colon);
    if (o.host.size() > 2 && o.host.front() == '[' && o.host.back() == ']')
      o.host = o.host.substr(1, o.host.size() - 2);
    o.port = std::stoi(port);
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read before any thread starts
  if (const char* token = std::getenv("CINETPAY_CONSOLE_TOKEN"); token != nullptr) {
    o.token = token;
    if (o.token.size() < kMinTokenBytes)
      throw UsageError("CINETPAY_CONSOLE_TOKEN: at least 16 bytes");
  }
  if (o.token.empty() && !loopback(o.host))
    throw UsageError("--listen " + o.host +
                     ": a console reachable from other machines needs a token; set "
                     "CINETPAY_CONSOLE_TOKEN (at least 16 bytes) or listen on 127.0.0.1");
  o.read_only = f.has("read-only");
  o.accepted_alert = std::chrono::duration_cast<std::chrono::minutes>(
      std::chrono::seconds(f.seconds("accepted-alert-seconds", 3600, std::int64_t{7} * 86400)));
  return o;
}

int serve(Context& ctx, const Flags& f) {
  f.allow({"db", "listen", "read-only", "accepted-alert-seconds"});
  if (!f.positional().empty()) throw UsageError("payouts serve takes no positional argument");
  const ConsoleOptions options = console_options(f);
  LedgerOptions ledger_options;
  ledger_options.access = options.read_only ? LedgerAccess::read_only : LedgerAccess::existing;
  PayoutLedger ledger = [&] {
    try {
      return PayoutLedger::open(f.need("db"), ledger_options);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--db: ") + e.what());
    }
  }();
  std::optional<TransferClient> client;
  try {
    client = ctx.client();
  } catch (const ValidationError&) {
    // Without credentials the console shows the ledger, and no balance nor lookup.
  }
  // SIGINT and SIGTERM are waited for here, on the main thread, after every other thread
  // was started with them blocked: the server stops cleanly, open streams included.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  Console console(ledger, client, options);
  const int port = console.bind();
  const std::string shown_host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::cout << "console: http://" << shown_host << ":" << port << "/"
            << (options.read_only ? " (read-only)" : "") << std::endl;
  std::promise<void> served;
  std::future<void> stopped = served.get_future();
  std::thread server([&] {
    console.serve();
    served.set_value();
  });
  int signal = 0;
  sigwait(&stop_signals, &signal);
  console.stop();
  // cpp-httplib times out each read of a request, not the request: a client trickling its
  // headers a byte at a time holds its connection's thread, and the server's shutdown
  // joins that thread, for as long as the client likes. After a grace the process leaves
  // without it: a write of the ledger cut short (a cancel, a pause) is one transaction,
  // which the store rolls back, as after a crash.
  if (stopped.wait_for(kStopGrace) != std::future_status::ready) {
    std::cout.flush();
    std::cerr << "console: stopped with a slow client still connected\n";
    std::_Exit(kOk);
  }
  server.join();
  return kOk;
}

}  // namespace

std::vector<Command> console_commands() {
  return {
      {{"payouts", "serve"},
       {"--db URL [--listen HOST:PORT] [--read-only] [--accepted-alert-seconds N]"},
       "serves a web console over the ledger until SIGINT or SIGTERM, and prints its address\n"
       "first: the payouts by state with alerts and workers, a searchable table, each payout's\n"
       "history, live from the change feed; cancel, pause and resume (POST, CSRF-checked; none\n"
       "with --read-only); /metrics for Prometheus. Listens on 127.0.0.1:8080 by default (port\n"
       "0: any free one); any other address needs CINETPAY_CONSOLE_TOKEN (16 bytes or more),\n"
       "given once as ?token=… or as `Authorization: Bearer …`. With CINETPAY_API_KEY and\n"
       "CINETPAY_PASSWORD it shows the balance and asks CinetPay about a payout on demand",
       serve,
       {"read-only"}},
  };
}

}  // namespace cinetpay::cli
