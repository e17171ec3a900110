#include "simulation.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "cinetpay/ledger.hpp"
#include "cinetpay/transfer.hpp"
#include "ledger/store.hpp"

namespace cinetpay::simulation {
namespace {

using std::chrono::milliseconds;

// A store that dies with its process: before or after any operation (the operation itself,
// one transaction, is whole or not at all), and at the first operation after the process
// died elsewhere (on a request), so that nothing learnt after death is recorded.
class CrashingStore : public detail::LedgerStore {
 public:
  // `written` runs after each operation that may change a payout: the invariants then see
  // every state the ledger ever held, not only those a pass ends with.
  CrashingStore(std::unique_ptr<LedgerStore> inner, World& world, Process& process,
                std::function<void()> written)
      : inner_(std::move(inner)), world_(world), process_(process), written_(std::move(written)) {}

  detail::InsertResult insert(const std::vector<detail::PayoutRow>& rows,
                              const PayoutEvent& submitted) override {
    return op("insert", /*writes=*/true, [&] { return inner_->insert(rows, submitted); });
  }
  std::map<std::string, Payout> recorded(const std::vector<std::string>& ids) override {
    return op("recorded", /*writes=*/false, [&] { return inner_->recorded(ids); });
  }
  std::optional<detail::PayoutRow> find(const std::string& id) override {
    return op("find", /*writes=*/false, [&] { return inner_->find(id); });
  }
  std::vector<PayoutEvent> history(const std::string& id) override {
    return op("history", /*writes=*/false, [&] { return inner_->history(id); });
  }
  std::vector<detail::PayoutRow> list(std::optional<PayoutState> state,
                                      std::size_t limit) override {
    return op("list", /*writes=*/false, [&] { return inner_->list(state, limit); });
  }
  std::map<PayoutState, LedgerSummary::Total> totals(const std::vector<std::string>& only,
                                                     const PayoutQuery& filters) override {
    return op("totals", /*writes=*/false, [&] { return inner_->totals(only, filters); });
  }
  std::vector<detail::PositionedRow> search(const PayoutQuery& query) override {
    return op("search", /*writes=*/false, [&] { return inner_->search(query); });
  }
  std::vector<detail::HourTotal> activity(detail::TimePoint from,
                                          detail::TimePoint until) override {
    return op("activity", /*writes=*/false, [&] { return inner_->activity(from, until); });
  }
  std::vector<PayoutChange> changes_after(std::int64_t cursor, std::size_t limit) override {
    return op("changes_after", /*writes=*/false,
              [&] { return inner_->changes_after(cursor, limit); });
  }
  std::int64_t consumer_cursor(const std::string& consumer) override {
    return op("consumer_cursor", /*writes=*/false,
              [&] { return inner_->consumer_cursor(consumer); });
  }
  bool acknowledge(const std::string& consumer, std::int64_t cursor,
                   detail::TimePoint now) override {
    return op("acknowledge", /*writes=*/true,
              [&] { return inner_->acknowledge(consumer, cursor, now); });
  }
  std::vector<detail::PayoutRow> claim(const detail::Claim& claim) override {
    return op("claim", /*writes=*/true, [&] { return inner_->claim(claim); });
  }
  std::vector<detail::PayoutRow> due_accepted(detail::TimePoint now, std::size_t limit) override {
    return op("due_accepted", /*writes=*/false, [&] { return inner_->due_accepted(now, limit); });
  }
  std::vector<bool> apply(const std::vector<detail::Transition>& transitions) override {
    return op("apply", /*writes=*/true, [&] { return inner_->apply(transitions); });
  }
  PauseStatus sending_switch() override {
    return op("sending_switch", /*writes=*/false, [&] { return inner_->sending_switch(); });
  }
  void set_sending_switch(const PauseStatus& status) override {
    op("set_sending_switch", /*writes=*/true, [&] {
      inner_->set_sending_switch(status);
      return true;
    });
  }
  void heartbeat(const std::string& worker_id, detail::TimePoint at,
                 const std::string& stats) override {
    op("heartbeat", /*writes=*/true, [&] {
      inner_->heartbeat(worker_id, at, stats);
      return true;
    });
  }
  std::vector<WorkerStatus> workers(detail::TimePoint since, detail::TimePoint now) override {
    return op("workers", /*writes=*/false, [&] { return inner_->workers(since, now); });
  }
  std::size_t renew(const std::string& worker_id, detail::TimePoint lease_until) override {
    return op("renew", /*writes=*/true, [&] { return inner_->renew(worker_id, lease_until); });
  }
  std::set<std::pair<std::string, std::string>> registered(
      const std::vector<Contact>& contacts) override {
    return op("registered", /*writes=*/false, [&] { return inner_->registered(contacts); });
  }
  void remember(const std::vector<Contact>& contacts, detail::TimePoint at) override {
    op("remember", /*writes=*/true, [&] {
      inner_->remember(contacts, at);
      return true;
    });
  }

 private:
  template <typename F>
  std::invoke_result_t<F&> op(const char* name, bool writes, F perform) {
    world_.step();
    if (process_.dead) throw SimulatedCrash{std::string("dead before ") + name};
    if (world_.draw_crash(process_, [&] { return std::string("before store ") + name; }))
      throw SimulatedCrash{std::string("before ") + name};
    auto result = perform();
    world_.note([&] { return "  " + process_.name + " store " + name; });
    if (writes) written_();
    if (world_.draw_crash(process_, [&] { return std::string("after store ") + name; }))
      throw SimulatedCrash{std::string("after ") + name};
    return result;
  }

  std::unique_ptr<LedgerStore> inner_;
  World& world_;
  Process& process_;
  std::function<void()> written_;
};

// What the invariants found, and the secrets no text may carry.
class Judge {
 public:
  Judge(World& world, SeedReport& report) : world_(world), report_(report) {}

  void duplicate(const std::string& what) { add(report_.duplicates, "duplicate: " + what); }
  void lost(const std::string& what) { add(report_.lost, "lost: " + what); }
  void misreported(const std::string& what) { add(report_.misreported, "misreported: " + what); }

  // A text the system under test produced (a result, an error, a log line, a history).
  void scan(const std::string& text, const char* where) {
    for (const std::string& secret : world_.secrets()) {
      if (std::size_t at = text.find(secret); at != std::string::npos) {
        // Shown where it leaked, but not itself: the harness's output holds no secret either.
        std::string shown = text.substr(0, 200);
        if (at < shown.size()) shown.replace(at, secret.size(), "<SECRET>");
        misreported(std::string("a secret shows in ") + where + ": " + shown);
        return;
      }
    }
  }

  // What a report of `outcome` about payout `t` claims against CinetPay's books.
  void check_claim(const TransferRequest& t, const std::string& outcome,
                   const std::string& transaction_id, const std::string& detail) {
    const Transfer* own = world_.own_transfer(t.client_transaction_id);
    const std::string id = t.client_transaction_id;
    if (outcome == "accepted" || outcome == "paid" || outcome == "failed") {
      if (own == nullptr) {
        if (outcome == "failed") return;  // failed with nothing paid is the truth too
        misreported(id + " reported " + outcome + " but CinetPay has no transfer of it (" + detail +
                    ")");
        return;
      }
      if (own->amount != t.amount || own->phone != t.phone || own->prefix != t.prefix) {
        misreported(id + " reported " + outcome + " but CinetPay's transfer differs");
      }
      if (!transaction_id.empty() && transaction_id != own->transaction_id) {
        misreported(id + " reported " + outcome + " as transfer " + transaction_id +
                    " but CinetPay's is " + own->transaction_id);
      }
      const std::string status = world_.status_of(*own);
      if ((outcome == "paid" && status != "VAL") || (outcome == "failed" && status != "REJ")) {
        misreported(id + " reported " + outcome + " but CinetPay holds it " + status + " (" +
                    detail + ")");
      }
      return;
    }
    if ((outcome == "rejected" || outcome == "not_sent" || outcome == "pending") &&
        own != nullptr && world_.status_of(*own) != "REJ") {
      misreported(id + " reported " + outcome + " but CinetPay has transfer " +
                  own->transaction_id + " (" + world_.status_of(*own) + "): " + detail);
    }
  }

 private:
  // Counted once: the invariants run after every step and see a lasting wrong again.
  void add(std::uint64_t& count, const std::string& line) {
    if (!seen_.insert(line).second) return;
    ++count;
    world_.note([&] { return "VIOLATION " + line; });
    if (report_.violations.size() < 20) report_.violations.push_back(line);
  }

  World& world_;
  SeedReport& report_;
  std::set<std::string> seen_;
};

std::string phone_for(Rng& rng, const std::string& prefix) {
  std::string phone = prefix == "225" ? "07" : "7";
  const std::size_t digits = prefix == "225" ? 10 : 9;
  while (phone.size() < digits) phone += static_cast<char>('0' + rng.below(10));
  return phone;
}

// The seed's payouts, and CinetPay's side of them: contacts (a few missing) and, for a few
// ids, someone else's transfer made under the same id before the run.
std::vector<TransferRequest> make_payouts(World& world, std::uint64_t seed, const char* kind,
                                          std::size_t n) {
  Rng& rng = world.rng();
  std::vector<TransferRequest> payouts;
  for (std::size_t i = 0; i < n; ++i) {
    TransferRequest t;
    t.prefix = rng.chance(700) ? "225" : "221";
    t.phone = phone_for(rng, t.prefix);
    t.amount = rng.between(40, 2000) * 5;
    t.notify_url = "https://shop.example/notify";
    t.client_transaction_id =
        std::string(kind) + "-" + std::to_string(seed) + "-" + std::to_string(i);
    if (!rng.chance(80)) world.add_contact(t.prefix, t.phone);
    if (world.enabled(Shape::reused_ids) && rng.chance(80)) {
      const bool other_amount = rng.chance(500);
      world.add_foreign_transfer(t.client_transaction_id, t.prefix,
                                 other_amount ? t.phone : phone_for(rng, t.prefix),
                                 other_amount ? t.amount + 5 : t.amount);
      ++world.counters().faults;
    }
    world.expect_id(t.client_transaction_id);
    payouts.push_back(std::move(t));
  }
  return payouts;
}

ClientOptions client_options(World& world, Process& process, Judge& judge) {
  ClientOptions o;
  o.base_url = "https://client.cinetpay.com";
  o.request_timeout = milliseconds(10000);
  o.connect_timeout = milliseconds(5000);
  o.retry.max_attempts = 3;
  o.retry.initial_backoff = milliseconds(200);
  o.retry.max_backoff = milliseconds(2000);
  o.retry.max_retry_after = std::chrono::seconds(10);
  o.reconcile_grace = milliseconds(10000);
  o.reconcile_interval = milliseconds(2000);
  o.poll_interval = milliseconds(3000);
  o.max_batch_size = static_cast<std::size_t>(world.rng().between(1, 4));
  o.transport = std::make_shared<SimTransport>(world, process, o.request_timeout);
  o.logger = [&judge](LogLevel, std::string_view line) {
    judge.scan(std::string(line), "a log line");
  };
  o.clock = [&world] { return world.steady_now(); };
  o.sleeper = [&world](milliseconds d) { world.advance(d.count()); };
  o.random = [&world] { return world.rng().unit(); };
  return o;
}

std::string describe(const TransferResult& r) {
  std::string s = std::string(to_string(r.outcome));
  if (r.error) s += " (" + std::to_string(r.error->code) + " " + r.error->message + ")";
  return s + ": " + r.detail;
}

// --- Client level: a merchant's code calling send_money, then settling what stayed open.

void check_results(Judge& judge, const std::vector<TransferRequest>& sent,
                   const std::vector<TransferResult>& results) {
  if (results.size() != sent.size()) {
    judge.lost("send_money returned " + std::to_string(results.size()) + " results for " +
               std::to_string(sent.size()) + " payouts");
    return;
  }
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const TransferResult& r = results[i];
    if (r.client_transaction_id != sent[i].client_transaction_id) {
      judge.lost("result " + std::to_string(i) + " is " + r.client_transaction_id + ", not " +
                 sent[i].client_transaction_id);
      continue;
    }
    judge.scan(r.detail, "a result's detail");
    if (r.error) {
      judge.scan(r.error->message, "a result's error");
      judge.scan(r.error->description, "a result's error");
    }
    if (r.status) judge.scan(r.status->comment, "a result's status");
    if (r.outcome == TransferOutcome::unknown && r.detail.empty()) {
      judge.lost(r.client_transaction_id + " unknown without a reason");
    }
    judge.check_claim(sent[i], std::string(to_string(r.outcome)), r.transaction_id, r.detail);
  }
}

void run_client_seed(World& world, std::uint64_t seed, Judge& judge, SeedReport& report) {
  Rng& rng = world.rng();
  Process process{"merchant"};
  std::vector<TransferRequest> payouts =
      make_payouts(world, seed, "C", static_cast<std::size_t>(rng.between(1, 6)));
  report.payouts = payouts.size();
  world.set_honest_from(rng.chance(100) ? 0 : rng.between(0, 120000));
  world.note([&] {
    return std::to_string(payouts.size()) + " payouts, honest from " +
           std::to_string(world.honest_from()) + " ms";
  });
  TransferClient client(Credentials{world.api_key(), world.password()},
                        client_options(world, process, judge));
  auto call = [&](const char* what, const std::function<void()>& body) {
    try {
      body();
    } catch (const std::exception& e) {
      world.note([&] { return std::string(what) + " threw: " + e.what(); });
      judge.scan(e.what(), "an exception");
    }
  };

  std::map<std::string, TransferResult> outcome;
  auto send = [&](const std::vector<TransferRequest>& items) {
    call("send_money", [&] {
      std::vector<TransferResult> results = client.send_money(items);
      check_results(judge, items, results);
      for (const TransferResult& r : results) {
        world.note([&] { return "  " + r.client_transaction_id + ": " + describe(r); });
        outcome[r.client_transaction_id] = r;
      }
    });
  };
  send(payouts);

  // Follow one accepted payout while the world may still lie: whatever wait_for_final
  // reports must be that payout's transfer.
  for (const TransferRequest& t : payouts) {
    auto it = outcome.find(t.client_transaction_id);
    if (it == outcome.end() || it->second.outcome != TransferOutcome::accepted || rng.chance(500))
      continue;
    call("wait_for_final", [&] {
      TransferStatus s = client.wait_for_final(
          TransferQuery::by_client_transaction_id(t.client_transaction_id), milliseconds(30000));
      if (s.client_transaction_id != t.client_transaction_id) {
        judge.misreported("wait_for_final for " + t.client_transaction_id + " reported transfer " +
                          s.transaction_id + " of " + s.client_transaction_id);
      } else if (s.is_final()) {
        judge.check_claim(t, s.treatment_status.raw() == "VAL" ? "paid" : "failed",
                          s.transaction_id, "wait_for_final");
      }
    });
    break;
  }

  // A notification, verified by re-query: what it trusts must be CinetPay's truth.
  world.tick();
  if (auto n = world.next_notification()) {
    call("verify_notification", [&] {
      TransferStatus s = client.verify_notification(*n);
      for (const Transfer& t : world.transfers()) {
        if (t.transaction_id == s.transaction_id && s.is_final() &&
            s.treatment_status.raw() != world.status_of(t)) {
          judge.misreported("verify_notification trusted " + s.treatment_status.raw() +
                            " for transfer " + t.transaction_id + ", CinetPay holds it " +
                            world.status_of(t));
        }
      }
    });
  }

  // Honest from now on: what stayed open must settle. Sending again with the same id is
  // safe (805), and the library reconciles it.
  if (world.now_ms() < world.honest_from()) world.advance(world.honest_from() - world.now_ms());
  world.allow_resends(true);
  for (int round = 0; round < 4; ++round) {
    std::vector<TransferRequest> open;
    for (const TransferRequest& t : payouts) {
      auto it = outcome.find(t.client_transaction_id);
      if (it == outcome.end() || it->second.outcome == TransferOutcome::unknown ||
          it->second.outcome == TransferOutcome::not_sent) {
        open.push_back(t);
      }
    }
    if (open.empty()) break;
    world.advance(35000);  // past the grace: an earlier send is listed by now
    send(open);
  }
  for (const TransferRequest& t : payouts) {
    auto it = outcome.find(t.client_transaction_id);
    if (it == outcome.end()) {
      judge.lost(t.client_transaction_id + " never got an outcome");
    } else if (it->second.outcome == TransferOutcome::unknown ||
               it->second.outcome == TransferOutcome::not_sent) {
      judge.lost(t.client_transaction_id + " still " + describe(it->second) +
                 " with an honest CinetPay");
    } else {
      judge.check_claim(t, std::string(to_string(it->second.outcome)), it->second.transaction_id,
                        it->second.detail);
    }
  }
}

// --- Worker level: payout workers on one SQLite ledger, dying and coming back.

struct Node {
  Process process;
  int incarnation = 0;
  std::int64_t down_until_ms = 0;
  std::optional<TransferClient> client;
  std::optional<PayoutLedger> ledger;
  std::unique_ptr<PayoutWorker> worker;
};

bool legal(PayoutState from, PayoutState to) {
  using S = PayoutState;
  if (from == to) return true;
  switch (from) {
    case S::pending:
      return to == S::sending;
    case S::sending:
      return true;
    case S::unknown:
      return to != S::pending;
    case S::accepted:
      return to == S::paid || to == S::failed;
    default:
      return false;
  }
}

class WorkerSeed {
 public:
  WorkerSeed(World& world, std::uint64_t seed, Judge& judge, SeedReport& report, std::string path)
      : world_(world), seed_(seed), judge_(judge), report_(report), path_(std::move(path)) {}

  void run() {
    Rng& rng = world_.rng();
    payouts_ = make_payouts(world_, seed_, "P", static_cast<std::size_t>(rng.between(1, 8)));
    report_.payouts = payouts_.size();
    world_.set_honest_from(rng.chance(100) ? 0 : rng.between(0, 240000));
    const int workers = world_.enabled(Shape::several_workers) && rng.chance(300)
                            ? static_cast<int>(rng.between(2, 3))
                            : 1;
    world_.note([&] {
      return std::to_string(payouts_.size()) + " payouts, " + std::to_string(workers) +
             " worker(s), honest from " + std::to_string(world_.honest_from()) + " ms";
    });
    for (int i = 0; i < workers; ++i) {
      nodes_.push_back(std::make_unique<Node>());
      nodes_.back()->process.name = "w" + std::to_string(i + 1);
      nodes_.back()->process.can_crash = true;
    }
    LedgerOptions lo;
    lo.clock = [this] { return world_.wall_now(Process{}); };
    observer_.emplace(PayoutLedger::open("sqlite:" + path_, lo));
    // Some payouts are submitted while the workers already run.
    submitted_ = rng.chance(300) ? std::max<std::size_t>(1, payouts_.size() / 2) : payouts_.size();
    observer_->submit(std::vector<TransferRequest>(
        payouts_.begin(), payouts_.begin() + static_cast<std::ptrdiff_t>(submitted_)));

    const std::int64_t end = world_.honest_from() + std::int64_t{15} * 60 * 1000;
    for (int step = 0; step < 10000 && world_.now_ms() < end; ++step) {
      world_.tick();
      if (submitted_ < payouts_.size() && rng.chance(50)) {
        observer_->submit(std::vector<TransferRequest>(
            payouts_.begin() + static_cast<std::ptrdiff_t>(submitted_), payouts_.end()));
        submitted_ = payouts_.size();
      }
      if (!world_.hostile() && submitted_ == payouts_.size() && observer_->summary().idle()) break;
      act(*nodes_[rng.below(nodes_.size())]);
      check_states();
    }
    finish();
  }

 private:
  void start(Node& n) {
    Process& p = n.process;
    p.dead = false;
    ++n.incarnation;
    p.skew_ms =
        world_.enabled(Shape::clock_jumps) ? world_.rng().between(-kMaxSkewMs, kMaxSkewMs) : 0;
    world_.note(
        [&] { return "start " + p.name + " incarnation " + std::to_string(n.incarnation); });
    n.client.emplace(Credentials{world_.api_key(), world_.password()},
                     client_options(world_, p, judge_));
    WallClock clock = [this, &p] { return world_.wall_now(p); };
    n.ledger.emplace(detail::ledger_over_store(
        std::make_unique<CrashingStore>(detail::open_sqlite_store(path_), world_, p,
                                        [this] { check_states(); }),
        clock));
    WorkerOptions o;
    o.worker_id = p.name + "." + std::to_string(n.incarnation);
    o.batch_size = static_cast<std::size_t>(world_.rng().between(1, 4));
    o.batches_per_pass = static_cast<std::size_t>(world_.rng().between(1, 3));
    o.lease = milliseconds(30000);
    o.resend_grace = milliseconds(30000);
    o.settle_interval = milliseconds(2000);
    o.follow_initial = milliseconds(2000);
    o.follow_max = milliseconds(20000);
    o.clock = clock;
    o.sleeper = [this](milliseconds d) { world_.advance(d.count()); };
    o.concurrent = false;
    n.worker = std::make_unique<PayoutWorker>(*n.client, *n.ledger, o);
  }

  void kill(Node& n, const SimulatedCrash& crash) {
    world_.note([&] { return n.process.name + " died (" + crash.where + ")"; });
    n.worker.reset();
    n.ledger.reset();
    n.client.reset();
    n.process.dead = true;
    n.down_until_ms = world_.now_ms() + world_.rng().between(0, 40000);
  }

  // One step of one worker process: a pass, a notification, a pause or a clock jump.
  void act(Node& n) {
    Rng& rng = world_.rng();
    if (!n.worker) {
      if (world_.now_ms() < n.down_until_ms) {
        world_.advance(std::min<std::int64_t>(n.down_until_ms - world_.now_ms(), 5000));
        return;
      }
      start(n);
    }
    const auto roll = rng.below(100);
    try {
      if (roll < 70) {
        world_.note([&] { return "pass of " + n.process.name; });
        try {
          n.worker->run_once();
        } catch (const std::exception& e) {  // a refused account: mended, and run again
          world_.note([&] { return "  run_once threw: " + std::string(e.what()); });
          judge_.scan(e.what(), "run_once's exception");
        }
        world_.advance(rng.between(0, 3000));
      } else if (roll < 85) {
        deliver(n);
      } else if (roll < 95) {
        world_.advance(rng.between(1000, 10000));
      } else if (world_.draw(Shape::clock_jumps, 1000)) {
        n.process.skew_ms = rng.between(-kMaxSkewMs, kMaxSkewMs);
        world_.note([&] {
          return n.process.name + "'s clock jumps to " + std::to_string(n.process.skew_ms) + " ms";
        });
      }
    } catch (const SimulatedCrash& crash) {
      kill(n, crash);
    }
  }

  void deliver(Node& n) {
    std::optional<Notification> notice = world_.next_notification();
    if (!notice) return;
    world_.note([&] {
      return "notification " + notice->client_transaction_id + " " + notice->transaction_id + " " +
             notice->treatment_status;
    });
    try {
      NotificationResult r = n.ledger->apply_notification(*n.client, *notice);
      judge_.scan(r.reason, "a notification's reason");
    } catch (const std::exception& e) {
      judge_.scan(e.what(), "apply_notification's exception");
    }
  }

  [[nodiscard]] const TransferRequest* payout(const std::string& id) const {
    for (const TransferRequest& t : payouts_) {
      if (t.client_transaction_id == id) return &t;
    }
    return nullptr;
  }

  void check_states() {
    for (const Payout& p : observer_->list(std::nullopt, 1000)) {
      const TransferRequest* t = payout(p.request.client_transaction_id);
      if (t == nullptr) continue;
      judge_.scan(p.detail, "a payout's detail");
      judge_.check_claim(*t, std::string(to_string(p.state)), p.transaction_id, p.detail);
    }
  }

  void finish() {
    check_states();
    // The change feed tells each final outcome once, as the ledger holds it.
    std::map<std::string, std::vector<PayoutState>> told;
    for (const PayoutChange& c : observer_->changes_since(0, 100000)) {
      told[c.client_transaction_id].push_back(c.state);
    }
    for (const TransferRequest& t : payouts_) {
      std::optional<Payout> p = observer_->get(t.client_transaction_id);
      if (!p) {
        judge_.lost(t.client_transaction_id + " is not in the ledger");
        continue;
      }
      const std::vector<PayoutState>& feed = told[t.client_transaction_id];
      if (is_final(p->state) ? feed != std::vector<PayoutState>{p->state} : !feed.empty()) {
        judge_.misreported(t.client_transaction_id + ": the change feed told " +
                           std::to_string(feed.size()) + " outcome(s) of a payout " +
                           std::string(to_string(p->state)));
      }
      if (!is_final(p->state)) {
        judge_.lost(t.client_transaction_id + " still " + std::string(to_string(p->state)) +
                    " with an honest CinetPay: " + p->detail);
      }
      judge_.check_claim(t, std::string(to_string(p->state)), p->transaction_id, p->detail);
      std::optional<PayoutState> at;
      for (const PayoutEvent& e : p->history) {
        judge_.scan(e.reason, "a history's reason");
        const bool ok =
            at ? e.from == at && legal(*at, e.to) : !e.from && e.to == PayoutState::pending;
        if (!ok) {
          judge_.misreported(t.client_transaction_id + ": illegal history step " +
                             (e.from ? std::string(to_string(*e.from)) : "-") + " -> " +
                             std::string(to_string(e.to)) + " (" + e.reason + ")");
        }
        at = e.to;
      }
      if (at != p->state) judge_.misreported(t.client_transaction_id + ": history ends elsewhere");
    }
    for (const Transfer& tr : world_.transfers()) {
      if (!tr.foreign && payout(tr.client_transaction_id) == nullptr) {
        judge_.duplicate("transfer " + tr.transaction_id + " under an id no payout has");
      }
    }
  }

  World& world_;
  std::uint64_t seed_;
  Judge& judge_;
  SeedReport& report_;
  std::string path_;
  std::vector<TransferRequest> payouts_;
  std::size_t submitted_ = 0;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::optional<PayoutLedger> observer_;
};

void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::remove((path + suffix).c_str());
  }
}

}  // namespace

SeedReport run_seed(std::uint64_t seed, const Settings& settings) {
  SeedReport report;
  report.seed = seed;
  World world(seed, settings.disabled, settings.trace);
  Judge judge(world, report);
  // A file of this run's own: a regression list may run one seed twice at once (under
  // different shapes), and the name has no part in what the seed does.
  static std::atomic<unsigned> runs{0};
  const std::string path =
      settings.work_dir + "/seed-" + std::to_string(seed) + "-" + std::to_string(runs++) + ".db";
  // What escapes a seed (the observer's store failing, a SimulatedCrash where no process
  // should die) stops that seed alone: its payouts count as lost, the run goes on.
  try {
    if (world.rng().chance(300)) {
      world.note([] { return "client-level seed"; });
      run_client_seed(world, seed, judge, report);
    } else {
      world.note([] { return "worker-level seed"; });
      remove_database(path);
      WorkerSeed(world, seed, judge, report, path).run();
    }
  } catch (const std::exception& e) {
    judge.lost(std::string("the seed stopped: ") + e.what());
  } catch (const SimulatedCrash& crash) {
    judge.lost("the seed stopped: a crash outside a worker (" + crash.where + ")");
  }
  remove_database(path);
  for (const std::string& id : world.duplicated_ids()) {
    judge.duplicate("CinetPay holds more than one transfer under " + id);
  }
  for (const std::string& what : world.resent()) {
    judge.duplicate("sent again though CinetPay held it, only 805 kept it from paying twice: " +
                    what);
  }
  report.crashes = world.counters().crashes;
  report.faults = world.counters().faults;
  report.trace = world.trace();
  return report;
}

}  // namespace cinetpay::simulation
