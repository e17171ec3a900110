// PayoutWorker: one pass settles (lookup first), claims and sends, and beside that follows
// accepted payouts to a final status. Every step that may put a request on the wire is
// preceded by a committed claim, so that a crash at any instant leaves a payout either
// never sent (pending) or held by a claim that the next worker settles by lookup.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "cinetpay/detail/codes.hpp"
#include "ledger_core.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace {

namespace evidence = detail::evidence;
using detail::PayoutRow;
using detail::TimePoint;
using detail::Transition;
using std::chrono::milliseconds;

std::string default_worker_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device device;
  return std::string(host) + "-" + std::to_string(getpid()) + "-" +
         std::to_string(device() % 100000);
}

// Records in the ledger that the worker is alive, with its counters (PayoutLedger::workers).
// Only people watching the fleet read it: a heartbeat the store refuses (locked, read-only,
// a lost connection) must never stop a pass or a send, so it is dropped; the next pass or
// renewal writes another.
void heartbeat(detail::LedgerStore& store, const std::string& worker_id, TimePoint at,
               const std::shared_ptr<MetricsRegistry>& metrics) {
  try {
    store.heartbeat(worker_id, at, metrics ? metrics->to_json() : "{}");
  } catch (const LedgerError&) {  // see above: the next heartbeat comes soon
  }
}

// Renews the worker's leases every third of a lease while a pass runs; `renewed` hears how
// many each renewal extended (and writes the worker's heartbeat).
class LeaseRenewer {
 public:
  LeaseRenewer(detail::LedgerStore& store, std::string worker_id, milliseconds lease,
               WallClock clock, std::function<void(std::size_t)> renewed)
      : thread_([this, &store, worker_id = std::move(worker_id), lease, clock = std::move(clock),
                 renewed = std::move(renewed)] {
          std::unique_lock<std::mutex> lock(mu_);
          while (!cv_.wait_for(lock, lease / 3, [this] { return stop_; })) {
            lock.unlock();
            try {
              renewed(store.renew(worker_id, clock() + lease));
            } catch (...) {  // the next renewal tries again; claims expire safely, and an
                             // exception must not leave this thread
            }
            lock.lock();
          }
        }) {}
  ~LeaseRenewer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  LeaseRenewer(const LeaseRenewer&) = delete;
  LeaseRenewer& operator=(const LeaseRenewer&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// CinetPay's refusal of the account rather than of a payout: of the login (701–707, also
// when send_money sent a payout again after a lookup and the token was refused) or of the
// balance (602). Nothing was paid and the payout itself is not at fault, so it waits in
// `pending` to be sent again once the account is mended, never `rejected` for good; the
// error stops the worker, since every other payout would meet the same refusal.
struct AccountRefusal {
  std::exception_ptr error;  // AuthenticationError or InsufficientBalanceError
  std::string why;           // "the login was refused", "the balance is too low (top up)"
  std::string what;          // the error's text
};

// The account's refusal behind the error CinetPay gave a payout, if it is one.
std::optional<AccountRefusal> account_refusal(const ApiErrorInfo& info) {
  auto refusal = [](auto error, const char* why) {
    return AccountRefusal{std::make_exception_ptr(error), why, error.what()};
  };
  if (is_authentication_code(info.code)) {
    return refusal(AuthenticationError(info.code, info.message, info.description, 0),
                   "the login was refused");
  }
  if (info.code == detail::codes::kInsufficientBalance) {
    return refusal(InsufficientBalanceError(info.code, info.message, info.description, 0),
                   "the balance is too low (top up)");
  }
  return {};
}

// Checks of accepted payouts in flight at once, per worker: few enough to stay far below
// CinetPay's rate limits.
constexpr std::size_t kParallelChecks = 4;

// A thread joined when it goes out of scope, however the scope is left.
class ScopedThread {
 public:
  explicit ScopedThread(const std::function<void()>& work) : thread_(work) {}
  ~ScopedThread() { join(); }
  ScopedThread(const ScopedThread&) = delete;
  ScopedThread& operator=(const ScopedThread&) = delete;
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread thread_;
};

}  // namespace

std::size_t WorkerPass::total_moved() const {
  std::size_t n = 0;
  for (const auto& [state, count] : moved) n += count;
  return n;
}

class PayoutWorker::Impl {
 public:
  Impl(TransferClient client, PayoutLedger ledger, WorkerOptions options)
      : client_(std::move(client)),
        ledger_(std::move(ledger)),
        options_(std::move(options)),
        observer_(observer_of(options_)) {
    if (options_.worker_id.empty()) options_.worker_id = default_worker_id();
    jitter_.seed(static_cast<std::uint_fast32_t>(std::hash<std::string>{}(options_.worker_id)));
    if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
    if (!options_.sleeper)
      options_.sleeper = [](milliseconds d) { std::this_thread::sleep_for(d); };
    if (options_.batch_size == 0) options_.batch_size = 1;
    if (options_.batches_per_pass == 0) options_.batches_per_pass = 1;
#ifdef CINETPAY_LEDGER_TEST_SEAMS
    // The tests' build of the ledger only: the crash tests make the worker die at a named
    // point. The released library has no such hook.
    const char* crash = std::getenv("CINETPAY_LEDGER_CRASH_AT");  // NOLINT(concurrency-mt-unsafe)
    if (crash != nullptr) crash_at_ = crash;
#endif
  }

  WorkerPass run_once() {
    heartbeat(store(), options_.worker_id, now(), options_.metrics);
    // Another once the pass ends, however it ends: what it counted reaches the ledger even
    // when no pass follows (the last one of a run).
    struct HeartbeatAfter {
      Impl& worker;
      HeartbeatAfter(const HeartbeatAfter&) = delete;
      HeartbeatAfter& operator=(const HeartbeatAfter&) = delete;
      ~HeartbeatAfter() {
        try {
          heartbeat(worker.store(), worker.options_.worker_id, worker.now(),
                    worker.options_.metrics);
        } catch (...) {  // a destructor throws nothing; the next run writes another
        }
      }
    } after{*this};
    if (!options_.concurrent) {
      WorkerPass pass = settle_and_send();
      follow(pass);
      return pass;
    }
    LeaseRenewer renewer(store(), options_.worker_id, options_.lease, options_.clock,
                         [this](std::size_t n) {
                           tell_renewed(n);
                           heartbeat(store(), options_.worker_id, now(), options_.metrics);
                         });
    // Following accepted payouts waits on CinetPay as long as a send does: it runs beside
    // the settling and sending, so that a pass takes the longer of the two, not their sum.
    WorkerPass followed;
    std::exception_ptr follow_failure;
    ScopedThread follower([&] {
      try {
        follow(followed);
      } catch (...) {
        follow_failure = std::current_exception();
      }
    });
    WorkerPass pass = settle_and_send();
    follower.join();
    if (follow_failure) std::rethrow_exception(follow_failure);
    for (const auto& [state, count] : followed.moved) pass.moved[state] += count;
    pass.checks += followed.checks;
    return pass;
  }

  LedgerSummary run_until_idle(std::chrono::steady_clock::time_point deadline,
                               const RunScope& scope,
                               const std::function<void(const LedgerSummary&)>& progress) {
    for (const std::string& id : scope.client_transaction_ids) {
      if (!store().find(id)) {
        throw std::invalid_argument("run_until_idle: no payout '" + id + "' in this ledger");
      }
    }
    // The claims of every pass of this run take only the payouts of the scope; run_once()
    // called on its own afterwards takes from every payout again, however this run ended.
    only_ = scope.client_transaction_ids;
    struct Unscoped {
      std::vector<std::string>& only;
      ~Unscoped() { only.clear(); }
    } unscoped{only_};
    auto done = [&](const LedgerSummary& s) {
      return scope.until == RunUntil::sent ? s.sent() : s.idle();
    };
    // After a pass that could not reach CinetPay, a pause that doubles up to its cap, with
    // jitter so that a fleet does not come back in step.
    milliseconds outage_pause = options_.idle_pause;
    while (true) {
      WorkerPass pass = run_once();
      LedgerSummary s = ledger_.summary(scope.client_transaction_ids);
      if (progress) progress(s);
      auto now = std::chrono::steady_clock::now();
      if (done(s) || now >= deadline) return s;
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - now);
      if (pass.unreachable) {
        std::uniform_int_distribution<milliseconds::rep> jitter(outage_pause.count() / 2,
                                                                outage_pause.count());
        options_.sleeper(std::min(milliseconds(jitter(jitter_)), left));
        outage_pause =
            std::min(outage_pause * 2, std::max(options_.outage_pause_max, options_.idle_pause));
        continue;
      }
      outage_pause = options_.idle_pause;
      // While sending is paused the payouts left pending never move: a pass that only
      // looked things up must not be followed at once by another.
      if (pass.total_moved() == 0 || pass.paused) {
        options_.sleeper(std::min(options_.idle_pause, left));
      }
    }
  }

  [[nodiscard]] const std::string& worker_id() const { return options_.worker_id; }

 private:
  detail::LedgerStore& store() { return ledger_.core_->store(); }
  [[nodiscard]] TimePoint now() const { return options_.clock(); }

  // WorkerOptions::observer, and payout_metrics() when WorkerOptions::metrics is set: composed
  // once, so that each observation costs one call.
  static PayoutObserver observer_of(const WorkerOptions& options) {
    if (!options.metrics) return options.observer;
    PayoutObserver counted = payout_metrics(options.metrics);
    if (!options.observer) return counted;
    return [mine = options.observer, counted = std::move(counted)](const PayoutObservation& o) {
      detail::tell(mine, o);  // one that throws must not keep the other from hearing
      counted(o);
    };
  }

  // Tells the observer what `activity` did to `payout`, as it stands after it.
  void tell(PayoutActivity activity, const Payout& payout, std::string detail, TimePoint at,
            std::optional<TransferOutcome> outcome = std::nullopt) const {
    if (!observer_) return;
    PayoutObservation o =
        detail::observation(activity, payout, options_.worker_id, std::move(detail), at);
    o.outcome = outcome;
    detail::tell(observer_, o);
  }

  // What an applied transition tells the observer: the send's answer it records, if any,
  // then what it did to the payout. Every transition the worker makes is applied through
  // apply(), and the rule is here once: by where it moved the payout from and to.
  void tell(const Transition& t) const {
    if (!observer_ || !t.event) return;  // bookkeeping (a next look's time) is nobody's news
    const Payout& p = t.next.payout;
    if (t.sent) tell(PayoutActivity::sent, p, t.event->reason, t.event->at, t.sent);
    const PayoutState from = t.expected_state;
    std::optional<PayoutActivity> activity;
    if (p.state == PayoutState::pending) {
      activity = PayoutActivity::released;
    } else if (p.state == PayoutState::sending) {
      activity = PayoutActivity::claimed;  // sent again after lookups found it absent
    } else if (from == PayoutState::unknown) {
      // Claimed for its lookup (settle's claim makes it unknown): settled unless it stays so.
      if (p.state != PayoutState::unknown) activity = PayoutActivity::settled;
    } else if (p.state != from || p.treatment_status != t.expected_treatment_status) {
      activity = PayoutActivity::outcome;
    }
    if (activity) tell(*activity, p, t.event->reason, t.event->at);
  }

  // One per lease a renewal extended: the store says how many, not which.
  void tell_renewed(std::size_t renewed) const {
    if (!observer_) return;
    Payout held;
    held.state = PayoutState::sending;
    for (std::size_t i = 0; i < renewed; ++i) {
      tell(PayoutActivity::renewed, held, "lease renewed", now());
    }
  }

  // Applies `transitions` in one transaction and, once it committed, tells the observer of
  // those that applied. Says which ones did.
  std::vector<bool> apply(const std::vector<Transition>& transitions) {
    std::vector<bool> applied = store().apply(transitions);
    for (std::size_t i = 0; i < transitions.size(); ++i) {
      if (applied[i]) tell(transitions[i]);
    }
    return applied;
  }

  // (a, b, c) Settles what needs a lookup, then claims and sends pending payouts, batch
  // after batch, in a pipeline: while one batch is on the wire, the worker records the
  // outcomes of the previous one and commits the claim of the next one, so that the
  // ledger's writes wait beside CinetPay's round trip instead of after it. A batch leaves
  // only once its own claim is committed.
  WorkerPass settle_and_send() {
    WorkerPass pass;
    // Read for the pass's report and for settle's choice only: what stops a send is the
    // claim's own statement (and the resend's), which reads the switch again.
    pass.paused = store().sending_switch().paused;
    std::deque<std::vector<PayoutRow>> ready = in_batches(settle(pass));
    std::size_t claims = 0;
    bool more_pending = true;
    auto next_batch = [&]() -> std::vector<PayoutRow> {
      if (!ready.empty()) {
        std::vector<PayoutRow> batch = std::move(ready.front());
        ready.pop_front();
        return batch;
      }
      if (!more_pending || claims == options_.batches_per_pass) return {};
      const detail::Claim c = claim(detail::Claim::Kind::send, "claimed for sending");
      std::vector<PayoutRow> batch = store().claim(c);
      crash_point(++claims == 1 ? "after_claim_commit" : "after_next_claim_commit");
      for (const PayoutRow& row : batch) tell(PayoutActivity::claimed, row.payout, c.reason, c.now);
      more_pending = batch.size() == options_.batch_size;  // a short claim took the last ones
      return batch;
    };

    auto record_sent = [&](const Sent& sent) {
      if (!sent.registered.empty()) store().remember(sent.registered, now());
      if (sent.outcomes.empty()) return;
      record(sent.outcomes, pass);
      crash_point("after_record");
    };

    std::vector<PayoutRow> batch = next_batch();
    Sent answered;
    while (!batch.empty()) {
      pass.sent += batch.size();
      std::vector<PayoutRow> following;
      if (!options_.concurrent) {
        // No renewer thread: the leases are renewed here, so that a batch that waited behind
        // earlier ones in this pass leaves under a whole lease.
        record_sent(answered);
        tell_renewed(store().renew(options_.worker_id, now() + options_.lease));
        heartbeat(store(), options_.worker_id, now(), options_.metrics);
        answered = send(batch);
        if (!answered.refused && !answered.unreachable) following = next_batch();
      } else if (answered.outcomes.empty() && ready.empty() &&
                 (!more_pending || claims == options_.batches_per_pass)) {
        answered = send(batch);  // nothing to write meanwhile: no thread for it
      } else {
        std::future<Sent> on_the_wire =
            std::async(std::launch::async, [this, &batch] { return send(batch); });
        try {
          record_sent(answered);
          answered = {};
          following = next_batch();
        } catch (...) {
          on_the_wire.wait();  // its outcomes stay unrecorded: settled by lookup after the lease
          throw;
        }
        answered = on_the_wire.get();
      }
      if (answered.refused || answered.unreachable) {
        // Claimed while the account was refused or CinetPay out of reach: never sent. The
        // pass ends there: every other send would meet the same refusal or outage.
        const std::string why =
            answered.refused ? answered.refused->why : "CinetPay could not be reached";
        for (const PayoutRow& row : following) answered.outcomes.push_back(never_sent(row, why, 0));
        for (std::vector<PayoutRow>& waiting : ready) {
          for (const PayoutRow& row : waiting) answered.outcomes.push_back(never_sent(row, why, 0));
        }
        ready.clear();
        record_sent(answered);
        if (answered.refused) std::rethrow_exception(answered.refused->error);
        pass.unreachable = true;
        return pass;
      }
      batch = std::move(following);
    }
    record_sent(answered);
    return pass;
  }

  [[nodiscard]] std::deque<std::vector<PayoutRow>> in_batches(std::vector<PayoutRow> rows) const {
    std::deque<std::vector<PayoutRow>> batches;
    for (std::size_t start = 0; start < rows.size(); start += options_.batch_size) {
      auto first = rows.begin() + static_cast<std::ptrdiff_t>(start);
      batches.emplace_back(first, first + static_cast<std::ptrdiff_t>(
                                              std::min(options_.batch_size, rows.size() - start)));
    }
    return batches;
  }

  [[nodiscard]] detail::Claim claim(detail::Claim::Kind kind, std::string reason) const {
    detail::Claim c;
    c.kind = kind;
    c.worker_id = options_.worker_id;
    c.now = now();
    c.lease_until = c.now + options_.lease;
    c.limit = options_.batch_size;
    c.reason = std::move(reason);
    c.only = only_;
    return c;
  }

  void crash_point([[maybe_unused]] const char* name) const {
#ifdef CINETPAY_LEDGER_TEST_SEAMS
    if (crash_at_ == name) std::raise(SIGKILL);
#endif
  }

  // The row released by this worker, to be looked at again after `pause`.
  [[nodiscard]] PayoutRow released(const PayoutRow& row, PayoutState state,
                                   milliseconds pause) const {
    PayoutRow next = row;
    next.payout.state = state;
    next.payout.worker_id.clear();
    next.payout.lease_until = {};
    next.next_check_at = now() + pause;
    return next;
  }

  // `row` released into `state`, with `why` and the API's `code` on it and in its history.
  [[nodiscard]] Transition release(const PayoutRow& row, PayoutState state, milliseconds pause,
                                   const std::string& why, int code = 0) const {
    PayoutRow next = released(row, state, pause);
    next.payout.api_code = code;
    next.payout.detail = why;
    return detail::transition(row, next, now(), options_.worker_id, why, code);
  }

  void record(const std::vector<Transition>& transitions, WorkerPass& pass) {
    if (transitions.empty()) return;
    std::vector<bool> applied;
    try {
      applied = apply(transitions);
    } catch (const LedgerError&) {
      if (transitions.size() == 1) {
        set_aside(transitions.front(), std::current_exception(), pass);
        return;
      }
      // One outcome the store refuses must not keep the others of its batch unrecorded.
      for (const Transition& t : transitions) record({t}, pass);
      return;
    }
    for (std::size_t i = 0; i < transitions.size(); ++i) {
      if (applied[i] && transitions[i].event) ++pass.moved[transitions[i].next.payout.state];
    }
  }

  // A transition the store refuses alone (what the answer held cannot be written): its
  // payout is set aside — a send's outcome as unknown, never sent again blindly — and looked
  // at again only after follow_max, so that the same answer cannot make every pass fail; the
  // store's reason is in its history, and the pass goes on. When even that cannot be written, the
  // store itself is failing: `failure` is thrown.
  void set_aside(const Transition& refused, const std::exception_ptr& failure, WorkerPass& pass) {
    std::string why;
    try {
      std::rethrow_exception(failure);
    } catch (const LedgerError& e) {
      why = e.what();
    }
    try {
      const std::optional<PayoutRow> row =
          store().find(refused.next.payout.request.client_transaction_id);
      if (!row || row->payout.state != refused.expected_state ||
          row->payout.worker_id != refused.expected_worker) {
        return;  // moved meanwhile: nothing of this payout is left to record
      }
      // A send whose outcome is lost is unknown; a payout further along keeps its state
      // (it never moves back), only its next look is pushed away.
      const PayoutState kept =
          row->payout.state == PayoutState::sending ? PayoutState::unknown : row->payout.state;
      const Transition aside = release(
          *row, kept, options_.follow_max,
          "set aside: its outcome could not be recorded (" + why + "); looked up again later");
      if (apply({aside}).front()) ++pass.moved[kept];
    } catch (const LedgerError&) {
      std::rethrow_exception(failure);
    }
  }

  // What a send came back with: the outcomes to record, and the account's refusal to
  // throw once they are recorded.
  struct Sent {
    std::vector<Transition> outcomes;
    std::optional<AccountRefusal> refused;
    bool unreachable = false;         ///< the send never reached CinetPay
    std::vector<Contact> registered;  ///< phones CinetPay now has as contacts
  };

  // (c) Payouts of dead workers and of unknown outcome: looked up first. Returns those
  // certainly absent past the grace period, claimed again for sending.
  std::vector<PayoutRow> settle(WorkerPass& pass) {
    std::vector<PayoutRow> rows =
        store().claim(claim(detail::Claim::Kind::settle,
                            "outcome unknown (lease ended or send unsettled): "
                            "looking it up by client_transaction_id"));
    crash_point("after_settle_claim");
    std::vector<Transition> settled;
    std::vector<Transition> resend;
    const std::string& me = options_.worker_id;
    for (const PayoutRow& row : rows) {
      ReconcileResult found;
      try {
        found = client_.reconcile(row.payout.request.client_transaction_id);
      } catch (const Error& e) {
        found.detail = e.what();
      }
      ++pass.looked_up;
      const auto t = now();
      const evidence::Proof proof =
          evidence::of_lookup(row.payout.request, found.status,
                              found.state == ReconcileResult::State::not_found, found.detail);
      switch (evidence::after_lookup(proof.verdict, t - row.last_sent_at >= options_.resend_grace,
                                     /*may_send_again=*/true)) {
        case evidence::Next::settled:
          if (proof.verdict == evidence::Verdict::refused) {
            settled.push_back(detail::reject_reused_id(row, proof, t, me));
          } else if (auto moved =
                         detail::advance(row, *proof.transfer, t, t + options_.follow_initial, me,
                                         "found by lookup")) {
            settled.push_back(*moved);
          }
          break;
        case evidence::Next::send_again: {
          if (pass.paused) {
            // Sending again is a send: not while paused. Looked up again meanwhile, seldom
            // (follow_max), since nothing changes it until sending resumes.
            settled.push_back(detail::transition(
                row, released(row, PayoutState::unknown, options_.follow_max), t, me,
                "certainly absent at CinetPay past the grace period; sending is paused: looked "
                "up again later"));
            break;
          }
          PayoutRow next = row;
          next.payout.state = PayoutState::sending;
          next.payout.lease_until = t + options_.lease;
          ++next.payout.sends;
          next.last_sent_at = t;
          resend.push_back(detail::transition(
              row, next, t, me,
              "certainly absent at CinetPay past the grace period: sending again with the same "
              "id"));
          // A pause committed since the pass began stops it too: left held, it is settled
          // again once its lease ends.
          resend.back().unless_paused = true;
          break;
        }
        case evidence::Next::look_again:
        case evidence::Next::unknown: {
          PayoutRow next = released(row, PayoutState::unknown, options_.settle_interval);
          // Records listed under the id that prove nothing: an absence proves nothing until a
          // whole grace has passed since (the grace counts from then, as from a send).
          if (found.listed) next.last_sent_at = t;
          // A record that proves nothing is worth a line in the history; absence within the
          // grace, or a lookup that could not be made, is not.
          settled.push_back(detail::transition(
              row, next, t, me, found.listed ? proof.why + ": looked up again later" : ""));
          break;
        }
      }
    }
    record(settled, pass);
    std::vector<PayoutRow> to_send;
    if (resend.empty()) return to_send;
    std::vector<bool> applied = apply(resend);
    for (std::size_t i = 0; i < resend.size(); ++i) {
      if (applied[i]) to_send.push_back(resend[i].next);
    }
    return to_send;
  }

  using Phone = std::pair<std::string, std::string>;  // prefix, phone

  // Registers `contacts` at CinetPay. A batch CinetPay refuses whole for the request itself
  // is registered again one contact at a time, so that one bad recipient fails alone: its
  // refusal comes back as its item's code. Throws a refusal of the login or of the moment
  // (the evidence module's table), and what could not reach CinetPay.
  std::vector<ContactResult> register_contacts(const std::vector<Contact>& contacts) const {
    try {
      return client_.add_contacts(contacts);
    } catch (const ApiError& e) {
      if (is_authentication_code(e.code()) || evidence::is_refusal_of_the_moment(e.code())) throw;
      if (contacts.size() == 1) {
        ContactResult refused;
        refused.contact = contacts.front();
        refused.code = e.code();
        refused.message = e.api_message();
        return {refused};
      }
      std::vector<ContactResult> each;
      for (const Contact& c : contacts) {
        std::vector<ContactResult> one = register_contacts({c});
        each.insert(each.end(), one.begin(), one.end());
      }
      return each;
    }
  }

  // (a) CinetPay pays only its contacts: before a payout with a recipient is sent, its phone
  // is registered, unless this ledger registered it before. Returns the payouts to send; a
  // payout whose contact CinetPay refused ends rejected alone (with CinetPay's code) when
  // this is its first send — nothing of it can have left — and is sent anyway when it is
  // sent again (an earlier send may have reached CinetPay: the send's answer, judged by the
  // evidence module, says what became of it). A refused login or an unreachable API ends the
  // send with every payout never sent. Reads the store, never writes it: the phones
  // registered are written with the outcomes (`sent.registered`).
  std::vector<PayoutRow> with_contacts(const std::vector<PayoutRow>& rows, Sent& sent) const {
    std::vector<Contact> wanted;
    std::set<Phone> seen;
    for (const PayoutRow& r : rows) {
      const Payout& p = r.payout;
      if (!p.recipient) continue;
      if (seen.emplace(p.request.prefix, p.request.phone).second) {
        wanted.push_back({p.request.prefix, p.request.phone, p.recipient->name,
                          p.recipient->surname, p.recipient->email});
      }
    }
    if (wanted.empty()) return rows;
    const std::set<Phone> known = ledger_.core_->store().registered(wanted);
    std::vector<Contact> unknown;
    for (const Contact& c : wanted) {
      if (known.count({c.prefix, c.phone}) == 0) unknown.push_back(c);
    }
    if (unknown.empty()) return rows;
    std::vector<ContactResult> results;
    try {
      results = register_contacts(unknown);
    } catch (const ApiError& e) {
      // A refused login, or a refusal of the moment (804, an operator down…): every other
      // payout would meet it too.
      for (const PayoutRow& row : rows)
        sent.outcomes.push_back(never_sent(row, e.what(), e.code()));
      sent.refused = AccountRefusal{std::current_exception(),
                                    is_authentication_code(e.code())
                                        ? "the login was refused"
                                        : "CinetPay refused to register contacts for now",
                                    e.what()};
      return {};
    } catch (const Error& e) {
      for (const PayoutRow& row : rows) {
        sent.outcomes.push_back(
            never_sent(row, std::string("its contact could not be registered: ") + e.what(), 0));
      }
      sent.unreachable = true;
      return {};
    }
    std::map<Phone, const ContactResult*> refused;
    for (const ContactResult& r : results) {
      if (r.ok()) {
        sent.registered.push_back(r.contact);
      } else if (r.code != kCodeMissingFromAnswer) {
        // Unmentioned: sent anyway; CinetPay's refusal to pay a non-contact says the rest.
        refused[{r.contact.prefix, r.contact.phone}] = &r;
      }
    }
    std::vector<PayoutRow> sendable;
    for (const PayoutRow& row : rows) {
      auto it = refused.find({row.payout.request.prefix, row.payout.request.phone});
      if (it == refused.end() || !row.payout.recipient || row.payout.sends > 1) {
        sendable.push_back(row);
        continue;
      }
      const ContactResult& r = *it->second;
      PayoutRow next = released(row, PayoutState::rejected, {});
      next.payout.sends = std::max(0, row.payout.sends - 1);
      next.payout.api_code = r.code;
      next.payout.detail =
          "not sent: CinetPay refused its recipient as a contact: " + std::to_string(r.code) + " " +
          r.message;
      sent.outcomes.push_back(
          detail::transition(row, next, now(), options_.worker_id, next.payout.detail, r.code));
    }
    return sendable;
  }

  // (a, b) Sends claimed payouts; their outcomes, to be recorded in one transaction. Runs
  // beside the ledger's writes: it reads the store (which phones are contacts) but never
  // writes it.
  [[nodiscard]] Sent send(const std::vector<PayoutRow>& claimed) const {
    Sent sent;
    const std::vector<PayoutRow> rows = with_contacts(claimed, sent);
    if (sent.refused || sent.unreachable) return sent;
    if (rows.empty()) return sent;
    std::vector<TransferRequest> requests;
    requests.reserve(rows.size());
    for (const PayoutRow& r : rows) requests.push_back(r.payout.request);

    std::vector<TransferResult> results;
    // Each payout's outcome, with what send_money found of it for the observer.
    auto found = [&sent](Transition outcome, TransferOutcome what) {
      outcome.sent = what;
      sent.outcomes.push_back(std::move(outcome));
    };
    const std::string& me = options_.worker_id;
    // No reconciliation inside the call: an unclear item comes back unknown and is settled
    // by this worker's own lookups (settle), each one recorded in the payout's history.
    CallOptions call;
    call.reconcile = false;
    try {
      results = client_.send_money(requests, call);
    } catch (const ApiError& e) {
      // send_money throws only while no send of its call has left: CinetPay refused the
      // login (701–707, 709 for a caller IP it does not allow…), not these payouts. Every
      // other payout would meet the same refusal: the worker stops.
      for (const PayoutRow& row : rows) {
        found(never_sent(row, e.what(), e.code()), TransferOutcome::not_sent);
      }
      sent.refused = AccountRefusal{std::current_exception(), "the login was refused", e.what()};
      return sent;
    } catch (const TransportError& e) {
      for (const PayoutRow& row : rows) {
        found(never_sent(row, std::string("never reached CinetPay: ") + e.what(), 0),
              TransferOutcome::not_sent);
      }
      sent.unreachable = true;
    } catch (const Error& e) {
      // Thrown before anything left (its contract): an unreadable login answer, a payout
      // the client refuses to send… Nothing was sent, and the next send would meet it too.
      for (const PayoutRow& row : rows) {
        found(never_sent(row, std::string("could not be sent: ") + e.what(), 0),
              TransferOutcome::not_sent);
      }
      sent.unreachable = true;
    } catch (const std::exception& e) {
      for (const PayoutRow& row : rows) {
        found(release(row, PayoutState::unknown, options_.settle_interval,
                      std::string("outcome unknown: ") + e.what()),
              TransferOutcome::unknown);
      }
    }
    crash_point("after_send");
    const auto t = now();
    for (std::size_t i = 0; i < results.size() && i < rows.size(); ++i) {
      const PayoutRow& row = rows[i];
      const TransferResult& r = results[i];
      const std::string why = r.detail.empty() ? std::string(to_string(r.outcome)) : r.detail;
      auto refusal = r.error ? account_refusal(*r.error) : std::nullopt;
      if (refusal && r.outcome != TransferOutcome::accepted) sent.refused = refusal;
      if (row.payout.sends > 1 && !evidence::resend_result_stands(r, /*id_seen=*/false)) {
        // Sent again after lookups found it absent: its earlier send may still be listed
        // late, so this result proves nothing about it. Settled by lookup.
        const std::string answer =
            r.error ? std::to_string(r.error->code) + " " + r.error->message + ": " + why : why;
        found(release(row, PayoutState::unknown, options_.settle_interval,
                      "sent again (" + answer + "), which proves nothing about its earlier send",
                      r.error ? r.error->code : 0),
              r.outcome);
        continue;
      }
      if (refusal && r.outcome == TransferOutcome::rejected) {
        // Nothing paid, and the payout is not at fault: it waits for the account's repair.
        found(release(row, PayoutState::pending, {},
                      "not paid, " + refusal->why + ": " + refusal->what, r.error->code),
              r.outcome);
        continue;
      }
      switch (r.outcome) {
        case TransferOutcome::accepted: {
          TransferStatus s = r.status.value_or(TransferStatus{});
          s.transaction_id = r.transaction_id;
          s.lot = r.lot;
          s.treatment_status = r.treatment_status;
          if (auto moved = detail::advance(
                  row, s, t, t + options_.follow_initial, me,
                  "accepted by CinetPay" + (r.detail.empty() ? "" : ": " + r.detail))) {
            found(*moved, r.outcome);
          }
          break;
        }
        case TransferOutcome::rejected:
          found(r.error
                    ? release(row, PayoutState::rejected, {},
                              std::to_string(r.error->code) + " " + r.error->message + ": " + why,
                              r.error->code)
                    : release(row, PayoutState::rejected, {}, why),
                r.outcome);
          break;
        case TransferOutcome::not_sent:
          found(never_sent(row, why, r.error ? r.error->code : 0), r.outcome);
          break;
        case TransferOutcome::unknown:
          found(release(row, PayoutState::unknown, options_.settle_interval, why), r.outcome);
          break;
      }
    }
    return sent;
  }

  // `row`, whose send certainly never reached CinetPay: back to pending to be sent, unless
  // this was a send made again after lookups, whose earlier send may still surface: then it
  // stays unknown, to be looked up (evidence::resend_result_stands).
  // Its claim counted a send that never left: it is taken back.
  [[nodiscard]] Transition never_sent(const PayoutRow& row, const std::string& why,
                                      int code) const {
    const bool resend = row.payout.sends > 1;
    PayoutRow next = released(row, resend ? PayoutState::unknown : PayoutState::pending,
                              resend ? options_.settle_interval : milliseconds(0));
    next.payout.sends = std::max(0, row.payout.sends - 1);
    next.payout.api_code = code;
    next.payout.detail =
        resend ? "sent again, not sent: " + why + "; its earlier send may still surface"
               : "not sent: " + why;
    return detail::transition(row, next, now(), options_.worker_id, next.payout.detail, code);
  }

  // (d) Accepted payouts followed to VAL or REJ: one check per lot (its answer holds every
  // transfer of the lot), one per payout only when CinetPay gave no lot; a doubling pause
  // between two looks at the same payout.
  void follow(WorkerPass& pass) {
    std::vector<PayoutRow> due =
        store().due_accepted(now(), options_.batch_size * options_.batches_per_pass * 4);
    if (due.empty()) return;
    std::map<std::string, std::vector<const PayoutRow*>> by_lot;
    for (const PayoutRow& r : due) by_lot[r.payout.lot].push_back(&r);

    std::vector<TransferQuery> queries;
    for (const auto& [lot, rows] : by_lot) {
      if (!lot.empty()) {
        queries.push_back(TransferQuery::by_lot(lot));
        continue;
      }
      for (const PayoutRow* r : rows) {
        queries.push_back(
            TransferQuery::by_client_transaction_id(r->payout.request.client_transaction_id));
      }
    }
    pass.checks += queries.size();
    std::vector<std::vector<TransferStatus>> answers(queries.size());
    std::atomic<std::size_t> next_query{0};
    auto ask = [&] {
      for (std::size_t i = next_query++; i < queries.size(); i = next_query++) {
        try {
          answers[i] = client_.check_transfer(queries[i]);
        } catch (...) {  // not visible or not reachable now: the backoff tries again; and an
                         // exception must not leave this thread
        }
      }
    };
    {
      // Each check waits a round trip: a few at once, so that several lots cost one wait.
      std::list<ScopedThread> askers;
      const std::size_t parallel = options_.concurrent ? kParallelChecks : 1;
      while (askers.size() + 1 < std::min(parallel, queries.size())) askers.emplace_back(ask);
      ask();
    }
    std::map<std::string, std::vector<TransferStatus>> seen;  // by client_transaction_id
    for (std::vector<TransferStatus>& answer : answers) {
      for (TransferStatus& s : answer) {
        std::string id = s.client_transaction_id;
        seen[id].push_back(std::move(s));
      }
    }
    std::vector<Transition> updates;
    const auto t = now();
    for (const PayoutRow& row : due) {
      const std::string& id = row.payout.request.client_transaction_id;
      auto it = seen.find(id);
      std::string why;
      std::optional<TransferStatus> record =
          it == seen.end()
              ? std::nullopt
              : evidence::the_record(TransferQuery::by_client_transaction_id(id), it->second, why);
      if (record &&
          evidence::of_record(row.payout.request, *record, row.payout.transaction_id).verdict ==
              evidence::Verdict::transfer) {
        if (auto moved = detail::advance(row, *record, t, t + options_.follow_initial,
                                         options_.worker_id, "followed by check/money")) {
          updates.push_back(*moved);
          continue;
        }
      }
      PayoutRow next = row;
      ++next.checks;
      auto pause = options_.follow_initial * (1LL << std::min(next.checks, 16));
      next.next_check_at = t + std::min<milliseconds>(pause, options_.follow_max);
      updates.push_back(detail::transition(row, next, t, options_.worker_id, ""));
    }
    record(updates, pass);
  }

  TransferClient client_;
  PayoutLedger ledger_;
  WorkerOptions options_;
  PayoutObserver observer_;  // observer_of(options_)
#ifdef CINETPAY_LEDGER_TEST_SEAMS
  std::string crash_at_;
#endif
  // The ids a run_until_idle is limited to; empty: every payout.
  std::vector<std::string> only_;
  // Seeded by the worker's id: workers of a fleet differ, and a run replays.
  std::minstd_rand jitter_;
};

PayoutWorker::PayoutWorker(TransferClient client, PayoutLedger ledger, WorkerOptions options)
    : impl_(std::make_unique<Impl>(std::move(client), std::move(ledger), std::move(options))) {}

PayoutWorker::~PayoutWorker() = default;

WorkerPass PayoutWorker::run_once() { return impl_->run_once(); }

LedgerSummary PayoutWorker::run_until_idle(
    std::chrono::steady_clock::time_point deadline,
    const std::function<void(const LedgerSummary&)>& progress) {
  return impl_->run_until_idle(deadline, RunScope{}, progress);
}

LedgerSummary PayoutWorker::run_until_idle(
    std::chrono::steady_clock::time_point deadline, const RunScope& scope,
    const std::function<void(const LedgerSummary&)>& progress) {
  return impl_->run_until_idle(deadline, scope, progress);
}

const std::string& PayoutWorker::worker_id() const noexcept { return impl_->worker_id(); }

CINETPAY_END_NAMESPACE
