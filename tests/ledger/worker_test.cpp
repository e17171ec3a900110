// PayoutWorker against an in-process sandbox, on each store: every payout paid or failed
// exactly once, through deaths, notifications, refusals and concurrent workers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cinetpay/ledger.hpp>
#include <cinetpay/transfer.hpp>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "bounded_wait.hpp"
#include "cinetpay/testing/mock_transfer_api.hpp"
#include "forwarding_store.hpp"
#include "history_check.hpp"
#include "hooked_transport.hpp"
#include "sandbox_fixture.hpp"
#include "stores.hpp"

namespace cinetpay::mocks {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* kCheckPath = "/v1/transfer/check/money";

// A wall clock `offset` ahead of the real one.
WallClock ahead_by(std::chrono::milliseconds offset) {
  return [offset] { return std::chrono::system_clock::now() + offset; };
}

// Every payout final and legal, and exactly one transfer per id at the sandbox.
void expect_exactly_once(SandboxFixture& sandbox, const PayoutLedger& ledger) {
  std::map<std::string, int> at_sandbox;
  nlohmann::json all = sandbox.ledger();
  for (const auto& t : all["transfers"]) ++at_sandbox[t["client_transaction_id"]];
  auto payouts = ledger.list();
  for (const Payout& listed : payouts) {
    Payout p = *ledger.get(listed.request.client_transaction_id);
    EXPECT_TRUE(is_final(p.state)) << p.request.client_transaction_id;
    EXPECT_EQ(history_problem(p), "");
    const bool nothing_sent = p.state == PayoutState::rejected || p.state == PayoutState::cancelled;
    int expected = nothing_sent ? 0 : 1;
    EXPECT_EQ(at_sandbox[p.request.client_transaction_id], expected)
        << p.request.client_transaction_id;
  }
  EXPECT_EQ(all["transfers"].size(), payouts.size() - ledger.list(PayoutState::rejected).size() -
                                         ledger.list(PayoutState::cancelled).size());
}

class WorkerTest : public LedgerOnStore {
 protected:
  void SetUp() override {
    LedgerOnStore::SetUp();
    sandbox_.add_contact("0102030405");
    sandbox_.add_contact("0102030499");
  }

  [[nodiscard]] WorkerOptions fast(const std::string& id) const { return fast_worker(id); }
  TransferClient hooked(HookedTransport::Hook before, HookedTransport::Hook after) {
    ClientOptions o = sandbox_.options();
    o.transport = std::make_shared<HookedTransport>(make_curl_transport(o), std::move(before),
                                                    std::move(after));
    return sandbox_.client(o);
  }
  // A worker process killed (SIGKILL) at one of the worker's crash points: a forked child
  // with its own ledger connection and client, talking to this test's sandbox. Nothing of
  // the library can catch it, so its claims stay exactly as the crash left them.
  // `client` and `options` are made in the child (null: the sandbox's client, fast()).
  void die_at(const char* point, const std::function<TransferClient()>& client = nullptr,
              const std::function<WorkerOptions()>& options = nullptr) {
    GTEST_FLAG_SET(death_test_style, "fast");
    EXPECT_EXIT(
        {
          setenv("CINETPAY_LEDGER_CRASH_AT", point, 1);  // NOLINT(concurrency-mt-unsafe)
          PayoutWorker dying(client ? client() : sandbox_.client(), PayoutLedger::open(url()),
                             options ? options() : fast("dying"));
          (void)dying.run_once();
          std::_Exit(0);
        },
        ::testing::KilledBySignal(SIGKILL), "");
  }
  // A worker started an hour later, once every lease of the dead one has ended: its first
  // pass (what it looked up and sent), then the rest until nothing is left.
  WorkerPass heir_takes_over(const PayoutLedger& ledger) {
    WorkerOptions later = fast("heir");
    later.clock = ahead_by(1h);
    PayoutWorker heir(sandbox_.client(), ledger, later);
    WorkerPass first = heir.run_once();
    run_to_the_end(heir);
    return first;
  }
  LedgerSummary run_to_the_end(PayoutWorker& worker) {
    LedgerSummary s = worker.run_until_idle(std::chrono::steady_clock::now() + 30s);
    EXPECT_TRUE(s.idle());
    return s;
  }
  void expect_exactly_once(const PayoutLedger& ledger) {
    mocks::expect_exactly_once(sandbox_, ledger);
  }

  SandboxFixture sandbox_;
};

std::vector<TransferRequest> payouts(int n, const std::string& prefix = "W-") {
  std::vector<TransferRequest> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out.push_back(payout_to(i % 4 == 3 ? "0102030499" : "0102030405", 100 + 5 * i,
                            prefix + std::to_string(i)));
  }
  return out;
}

TEST_P(WorkerTest, EveryPayoutEndsPaidOrFailedExactlyOnce) {
  PayoutLedger ledger = open();
  ledger.submit(payouts(20));
  PayoutWorker worker(sandbox_.client(), ledger, fast("w1"));
  LedgerSummary s = run_to_the_end(worker);
  EXPECT_EQ(s.by_state[PayoutState::paid].count, 15U);
  EXPECT_EQ(s.by_state[PayoutState::failed].count, 5U);
  expect_exactly_once(ledger);

  Payout p = *ledger.get("W-0");
  EXPECT_EQ(p.state, PayoutState::paid);
  EXPECT_EQ(p.treatment_status, "VAL");
  EXPECT_FALSE(p.transaction_id.empty());
  EXPECT_EQ(p.sends, 1);
  ASSERT_GE(p.history.size(), 4U);
  EXPECT_EQ(p.history[1].to, PayoutState::sending);
  EXPECT_EQ(p.history[1].worker_id, "w1");
  EXPECT_GT(p.history[1].lease_until, p.history[1].at);
  EXPECT_EQ(ledger.get("W-3")->state, PayoutState::failed);
}

TEST_P(WorkerTest, TheChangeFeedTellsEachFinalPayoutOnceAcrossReopens) {
  {
    PayoutLedger ledger = open();
    ledger.submit(payouts(8));
    PayoutWorker worker(sandbox_.client(), ledger, fast("w1"));
    run_to_the_end(worker);
  }
  auto first = open().changes_since(0, 3);
  ASSERT_EQ(first.size(), 3U);
  auto rest = open().changes_since(first.back().cursor);
  ASSERT_EQ(rest.size(), 5U);
  std::set<std::string> ids;
  for (const auto* part : {&first, &rest}) {
    for (const PayoutChange& c : *part) {
      ids.insert(c.client_transaction_id);
      EXPECT_TRUE(is_final(c.state));
      EXPECT_EQ(c.state, open().get(c.client_transaction_id)->state);
    }
  }
  EXPECT_EQ(ids.size(), 8U);
  EXPECT_TRUE(open().changes_since(rest.back().cursor).empty());
}

TEST_P(WorkerTest, TheClaimIsCommittedBeforeAnyByteIsSent) {
  PayoutLedger ledger = open();
  ledger.submit(payouts(3));
  std::vector<std::string> seen;
  auto client = hooked(
      [&](const HttpRequest&) {
        for (const Payout& p : open().list()) {
          seen.push_back(std::string(to_string(p.state)) + "/" + p.worker_id);
        }
      },
      nullptr);
  PayoutWorker worker(client, ledger, fast("w1"));
  worker.run_once();
  EXPECT_THAT(seen, ::testing::ElementsAre("sending/w1", "sending/w1", "sending/w1"));
}

// The pipeline: while a batch is on the wire, the next batch's claim is committed and the
// previous batch's outcomes are recorded. Each send waits (bounded) for what must happen
// beside it; a worker that wrote only between its sends would keep it waiting in vain.
TEST_P(WorkerTest, WhileABatchIsOnTheWireTheNextIsClaimedAndThePreviousRecorded) {
  PayoutLedger ledger = open();
  ledger.submit(payouts(3, "P-"));
  PayoutLedger observer = open();
  auto state_of = [&](const std::string& id) { return observer.get(id)->state; };
  std::atomic<int> sends{0};
  std::vector<std::string> seen;  // written by the one sending thread, read after run_once
  auto client = hooked(
      [&](const HttpRequest&) {
        int k = ++sends;
        std::string id = "P-" + std::to_string(k - 1);
        seen.push_back(id + " " + std::string(to_string(state_of(id))));
        if (k == 1) {
          seen.emplace_back(eventually([&] { return state_of("P-1") == PayoutState::sending; }, 10s)
                                ? "P-1 claimed meanwhile"
                                : "P-1 not claimed");
        }
        if (k == 2) {
          seen.emplace_back(eventually([&] { return state_of("P-0") != PayoutState::sending; }, 10s)
                                ? "P-0 recorded meanwhile"
                                : "P-0 not recorded");
        }
      },
      nullptr);
  WorkerOptions o = fast("w1");
  o.batch_size = 1;
  o.batches_per_pass = 3;
  PayoutWorker worker(client, ledger, o);
  WorkerPass pass = worker.run_once();
  EXPECT_EQ(pass.sent, 3U);
  EXPECT_THAT(seen, ::testing::ElementsAre("P-0 sending", "P-1 claimed meanwhile", "P-1 sending",
                                           "P-0 recorded meanwhile", "P-2 sending"));
  for (const std::string id : {"P-0", "P-1", "P-2"}) EXPECT_NE(state_of(id), PayoutState::sending);
  run_to_the_end(worker);
  expect_exactly_once(ledger);
}

TEST_P(WorkerTest, APassSendsAtMostItsBatchesAndStopsWhenNothingIsLeft) {
  PayoutLedger ledger = open();
  ledger.submit(payouts(7, "B-"));
  WorkerOptions o = fast("w1");
  o.batch_size = 2;
  o.batches_per_pass = 3;
  PayoutWorker worker(sandbox_.client(), ledger, o);
  EXPECT_EQ(worker.run_once().sent, 6U);
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 3);
  EXPECT_EQ(worker.run_once().sent, 1U);
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 4);
  run_to_the_end(worker);
  expect_exactly_once(ledger);
}

// Killed once the next batch's claim is committed, before its send, while the previous
// batch is still on its way (held here before it leaves): the heir looks both up, finds
// them certainly absent past the grace, and only then sends each again with its id.
TEST_P(WorkerTest, AWorkerDeadBetweenTheNextClaimAndItsSendIsSettledByLookup) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "K-1"), payout_to("0102030405", 505, "K-2")});
  die_at(
      "after_next_claim_commit",
      [&] {
        // The first send waits (bounded) for the second claim, which kills the worker.
        return hooked(
            [url = url()](const HttpRequest&) {
              PayoutLedger observer = PayoutLedger::open(url);
              (void)eventually([&] { return observer.get("K-2")->state == PayoutState::sending; },
                               10s);
            },
            nullptr);
      },
      [&] {
        WorkerOptions o = fast("dying");
        o.batch_size = 1;
        return o;
      });
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 0);
  for (const std::string id : {"K-1", "K-2"}) {
    EXPECT_EQ(ledger.get(id)->state, PayoutState::sending) << id;
    EXPECT_EQ(ledger.get(id)->worker_id, "dying") << id;
  }

  const WorkerPass pass = heir_takes_over(ledger);
  EXPECT_EQ(pass.looked_up, 2U);
  EXPECT_EQ(pass.sent, 2U);
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 1);
  expect_exactly_once(ledger);
  for (const std::string id : {"K-1", "K-2"}) {
    const Payout p = *ledger.get(id);
    EXPECT_EQ(p.sends, 2) << id;
    ASSERT_GE(p.history.size(), 4U) << id;
    EXPECT_EQ(p.history[2].to, PayoutState::unknown) << id << ": looked up first";
    EXPECT_EQ(p.history[3].from, PayoutState::unknown) << id;
    EXPECT_EQ(p.history[3].to, PayoutState::sending) << id;
  }
}

// The login is refused on the first batch while the second is already claimed: the second
// was never sent, so it goes back to pending with the first, and nothing else is sent.
TEST_P(WorkerTest, ABatchClaimedWhileTheLoginWasRefusedGoesBackToPending) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "L-1"), payout_to("0102030405", 505, "L-2")});
  PayoutLedger observer = open();
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  EXPECT_CALL(*api, send_money)
      .WillOnce([&](const std::vector<TransferRequest>&,
                    const CallOptions&) -> std::vector<TransferResult> {
        (void)eventually([&] { return observer.get("L-2")->state == PayoutState::sending; }, 10s);
        throw AuthenticationError(701, "INVALID_LOGIN", "", 200);
      });
  WorkerOptions o = fast("w1");
  o.batch_size = 1;
  PayoutWorker worker(TransferClient(api), ledger, o);
  EXPECT_THROW((void)worker.run_once(), AuthenticationError);
  for (const std::string id : {"L-1", "L-2"}) {
    Payout p = *ledger.get(id);
    EXPECT_EQ(p.state, PayoutState::pending) << id;
    EXPECT_EQ(p.history.back().from, PayoutState::sending) << id;
    EXPECT_EQ(history_problem(p), "") << id;
  }
  EXPECT_EQ(ledger.get("L-2")->history.back().reason, "not sent: the login was refused");
  EXPECT_TRUE(ledger.changes_since(0).empty());
}

TEST_P(WorkerTest, AWorkerDeadAfterItsSendIsSettledByLookupNeverBySendingAgain) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "D-1")});
  die_at("after_send");
  EXPECT_EQ(ledger.get("D-1")->state, PayoutState::sending);
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 1);

  // Within the lease, nobody touches it.
  PayoutWorker early(sandbox_.client(), ledger, fast("early"));
  EXPECT_EQ(early.run_once().looked_up, 0U);
  EXPECT_EQ(ledger.get("D-1")->state, PayoutState::sending);

  const WorkerPass pass = heir_takes_over(ledger);
  EXPECT_EQ(pass.looked_up, 1U);
  EXPECT_EQ(pass.sent, 0U);
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 1);
  expect_exactly_once(ledger);
  Payout p = *ledger.get("D-1");
  ASSERT_GE(p.history.size(), 4U);
  EXPECT_EQ(p.history[2].from, PayoutState::sending);
  EXPECT_EQ(p.history[2].to, PayoutState::unknown);
  EXPECT_EQ(p.history[2].worker_id, "heir");
  EXPECT_EQ(p.history[3].reason, "found by lookup");
}

TEST_P(WorkerTest, AWorkerDeadBeforeItsSendIsSentAgainOnlyWhenAbsentPastTheGrace) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "D-2")});
  die_at("after_claim_commit");
  EXPECT_EQ(ledger.get("D-2")->state, PayoutState::sending);

  WorkerOptions past_lease = fast("heir");
  past_lease.clock = ahead_by(3s);
  past_lease.resend_grace = 1h;
  PayoutWorker heir(sandbox_.client(), ledger, past_lease);
  WorkerPass pass = heir.run_once();
  EXPECT_EQ(pass.looked_up, 1U);
  EXPECT_EQ(pass.sent, 0U);
  EXPECT_EQ(ledger.get("D-2")->state, PayoutState::unknown);
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 0);

  WorkerOptions past_grace = fast("heir2");
  past_grace.clock = ahead_by(2h);
  PayoutWorker heir2(sandbox_.client(), ledger, past_grace);
  run_to_the_end(heir2);
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 1);
  expect_exactly_once(ledger);
  Payout p = *ledger.get("D-2");
  EXPECT_EQ(p.sends, 2);
  bool resent = false;
  for (const PayoutEvent& e : p.history) {
    resent = resent || (e.from == PayoutState::unknown && e.to == PayoutState::sending);
  }
  EXPECT_TRUE(resent);
}

TEST_P(WorkerTest, ANotificationBeforeTheWorkerRecordsItsSendIsApplied) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "N-1")});
  TransferClient plain = sandbox_.client();
  std::optional<NotificationResult> applied;
  auto client = hooked(nullptr, [&](const HttpRequest&) {
    Notification n;
    n.client_transaction_id = "N-1";
    n.treatment_status = "VAL";  // what the body claims is not trusted
    applied = ledger.apply_notification(plain, n);
  });
  PayoutWorker worker(client, ledger, fast("w1"));
  worker.run_once();
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(applied->outcome, NotificationOutcome::applied);
  ASSERT_TRUE(applied->payout.has_value());
  // What check/money said then: NEW, or further along on a loaded machine (settle: 40 ms).
  EXPECT_THAT(applied->payout->state, ::testing::AnyOf(PayoutState::accepted, PayoutState::paid));
  EXPECT_FALSE(applied->payout->treatment_status.empty());
  run_to_the_end(worker);
  expect_exactly_once(ledger);
  Payout p = *ledger.get("N-1");
  EXPECT_EQ(p.state, PayoutState::paid);
  EXPECT_THAT(p.history[2].reason, HasSubstr("notification verified"));
  EXPECT_EQ(p.history[2].from, PayoutState::sending);
  Notification late;  // CinetPay repeats its notifications
  late.client_transaction_id = "N-1";
  NotificationResult repeated = ledger.apply_notification(plain, late);
  EXPECT_EQ(repeated.outcome, NotificationOutcome::unchanged);
  ASSERT_TRUE(repeated.payout.has_value());
  EXPECT_EQ(repeated.payout->state, PayoutState::paid);
  EXPECT_EQ(ledger.get("N-1")->history.size(), p.history.size());
}

TEST_P(WorkerTest, NotificationsOfForeignOrForgedTransfersChangeNothing) {
  PayoutLedger ledger = open();
  TransferClient client = sandbox_.client();
  (void)client.send_money({payout_to("0102030405", 500, "NOT-MINE")});
  Notification foreign;
  foreign.client_transaction_id = "NOT-MINE";
  NotificationResult r = ledger.apply_notification(client, foreign);
  EXPECT_EQ(r.outcome, NotificationOutcome::not_ours);
  EXPECT_FALSE(r.payout.has_value());
  Notification forged;
  forged.transaction_id = "FORGED-1";
  EXPECT_THROW((void)ledger.apply_notification(client, forged), NotFoundError);
  EXPECT_TRUE(ledger.list().empty());
}

// CinetPay's transfer under a payout's id went to someone else or for another amount (the
// id was reused): its notification, genuine as it is, says nothing about this payout.
TEST_P(WorkerTest, ANotificationOfAnotherTransferUnderThePayoutsIdIsRefusedAndKept) {
  PayoutLedger ledger = open();
  TransferClient client = sandbox_.client();
  (void)client.send_money({payout_to("0102030405", 500, "X-AMOUNT"),
                           payout_to("0102030405", 500, "X-PHONE"),
                           payout_to("0102030405", 500, "X-PREFIX")});
  TransferRequest other_prefix = payout_to("0102030405", 500, "X-PREFIX");
  other_prefix.prefix = "221";
  ledger.submit({payout_to("0102030405", 700, "X-AMOUNT"), payout_to("0102030499", 500, "X-PHONE"),
                 other_prefix});
  const std::vector<std::pair<std::string, std::string>> differing = {
      {"X-AMOUNT", "amount"}, {"X-PHONE", "phone"}, {"X-PREFIX", "prefix"}};
  for (const auto& [id, field] : differing) {
    Notification n;
    n.client_transaction_id = id;
    NotificationResult r = ledger.apply_notification(client, n);
    EXPECT_EQ(r.outcome, NotificationOutcome::refused) << id;
    EXPECT_THAT(r.reason, HasSubstr("(" + field + ": ")) << id;
    ASSERT_TRUE(r.payout.has_value());
    EXPECT_EQ(r.payout->state, PayoutState::pending);
    Payout p = *ledger.get(id);
    EXPECT_EQ(p.state, PayoutState::pending);
    ASSERT_EQ(p.history.size(), 2U);
    EXPECT_EQ(p.history[1].from, PayoutState::pending);
    EXPECT_EQ(p.history[1].to, PayoutState::pending);
    EXPECT_EQ(p.history[1].reason, r.reason);
    EXPECT_EQ(history_problem(p), "");
  }
  EXPECT_TRUE(ledger.changes_since(0).empty());
}

TEST_P(WorkerTest, APayoutThatNeverReachedCinetPayGoesBackToPending) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "P-1")});
  ClientOptions nowhere = sandbox_.options();
  nowhere.base_url = "http://127.0.0.1:1";
  nowhere.retry.max_attempts = 1;
  PayoutWorker cut_off(sandbox_.client(nowhere), ledger, fast("cut"));
  WorkerPass pass = cut_off.run_once();
  EXPECT_EQ(pass.moved[PayoutState::pending], 1U);
  Payout p = *ledger.get("P-1");
  EXPECT_EQ(p.state, PayoutState::pending);
  EXPECT_EQ(p.history.back().from, PayoutState::sending);

  PayoutWorker worker(sandbox_.client(), ledger, fast("w1"));
  run_to_the_end(worker);
  expect_exactly_once(ledger);
}

TEST_P(WorkerTest, ARefusedPayoutIsRejectedForGood) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0700000001", 500, "R-1")});  // not a contact: 724
  PayoutWorker worker(sandbox_.client(), ledger, fast("w1"));
  run_to_the_end(worker);
  Payout p = *ledger.get("R-1");
  EXPECT_EQ(p.state, PayoutState::rejected);
  EXPECT_EQ(p.api_code, 724);
  worker.run_once();
  EXPECT_EQ(ledger.get("R-1")->history.size(), p.history.size());
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 1);
  expect_exactly_once(ledger);
  auto changes = ledger.changes_since(0);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].state, PayoutState::rejected);
  EXPECT_EQ(changes[0].api_code, 724);
}

// Seen in the fleet test: a send lost on the way, absent past the grace, sent again and
// answered 706 twice (a fresh login did not help). CinetPay refused the login, not the
// payout, and the first send may yet be listed: the worker leaves it unknown and settles it
// by lookup, never ending it `rejected` for good. The worker's send looks nothing up and
// sends nothing again inside send_money: the resend is the worker's own, in its history.
TEST_P(WorkerTest, ALoginRefusedWhenSentAgainLeavesThePayoutUnknownNeverRejectsIt) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "A-1")});
  sandbox_.fault("drop_before", kSendPath);
  sandbox_.fault("invalid_token", kSendPath, 2);
  // The worker's grace passes on its own clock, moved ahead between passes (no thread then).
  std::chrono::milliseconds ahead{0};
  WorkerOptions options = fast("w1");
  options.clock = [&ahead] { return std::chrono::system_clock::now() + ahead; };
  PayoutWorker worker(sandbox_.client(), ledger, options);
  (void)worker.run_once();
  EXPECT_EQ(ledger.get("A-1")->state, PayoutState::unknown);
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 1);
  EXPECT_EQ(sandbox_.api_requests(kCheckPath), 0);
  // The resend's refused login stops the worker, as any refused login does.
  bool stopped = false;
  for (int pass = 0; pass < 20 && sandbox_.api_requests(kSendPath) < 3; ++pass) {
    ahead += 1s;
    try {
      (void)worker.run_once();
    } catch (const AuthenticationError&) {
      stopped = true;
    }
  }
  EXPECT_TRUE(stopped);
  Payout p = *ledger.get("A-1");
  EXPECT_EQ(p.state, PayoutState::unknown);
  EXPECT_EQ(p.history.back().from, PayoutState::sending);
  EXPECT_THAT(p.detail, HasSubstr("706"));
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 3);
  EXPECT_EQ(p.sends, 2);

  run_to_the_end(worker);
  expect_exactly_once(ledger);
  // A copy: a loop over a member of get()'s temporary would read freed memory (ASan).
  const Payout settled = *ledger.get("A-1");
  EXPECT_EQ(settled.state, PayoutState::paid);
  for (const PayoutEvent& e : settled.history) EXPECT_NE(e.to, PayoutState::rejected);
}

// Issue 17: ten payouts, one to a phone that is not a contact; the sandbox refuses the whole
// batch with 724. Only that payout ends rejected; the nine others are paid, same ids.
TEST_P(WorkerTest, OnePayoutNotToAContactFailsAloneTheOthersArePaid) {
  PayoutLedger ledger = open();
  std::vector<TransferRequest> payouts;
  for (int i = 0; i < 10; ++i) {
    payouts.push_back(
        payout_to(i == 3 ? "0700000001" : "0102030405", 100 + 5 * i, "C-" + std::to_string(i)));
  }
  ledger.submit(payouts);
  PayoutWorker worker(sandbox_.client(), ledger, fast("w1"));
  run_to_the_end(worker);
  expect_exactly_once(ledger);
  for (int i = 0; i < 10; ++i) {
    const Payout p = *ledger.get("C-" + std::to_string(i));
    if (i == 3) {
      EXPECT_EQ(p.state, PayoutState::rejected);
      EXPECT_EQ(p.api_code, 724);
    } else {
      EXPECT_EQ(p.state, PayoutState::paid) << i << ": " << p.detail;
    }
  }
  EXPECT_EQ(ledger.changes_since(0).size(), 10U);
}

// WorkerOptions::concurrent = false: a pass on the calling thread alone (what the
// simulation runs) pays every payout exactly once, through a send lost on the way.
TEST_P(WorkerTest, AWorkerOnTheCallingThreadAlonePaysEveryPayoutOnce) {
  PayoutLedger ledger = open();
  ledger.submit(payouts(12, "S-"));
  sandbox_.fault("process_then_drop", kSendPath);
  WorkerOptions options = fast("w1");
  options.concurrent = false;
  options.batch_size = 5;
  PayoutWorker worker(sandbox_.client(), ledger, options);
  run_to_the_end(worker);
  expect_exactly_once(ledger);
  EXPECT_TRUE(ledger.summary().idle());
}

// Issue 17: a login refused with 709 (caller IP not allowed) made the worker log in again
// and again (208 logins and 20,900 history rows in 10 s). Any refused login stops it, its
// payouts back to pending with no send counted.
TEST_P(WorkerTest, ALoginRefusedWithAnyCodeStopsTheWorkerNothingCounted) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "O-1"), payout_to("0102030405", 505, "O-2")});
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  EXPECT_CALL(*api, send_money)
      .WillOnce(::testing::Throw(ApiError(709, "EXECUTION_ERROR", "ip not allowed", 200)));
  WorkerOptions options = fast("w1");
  options.batch_size = 1;
  PayoutWorker worker(TransferClient(api), ledger, options);
  EXPECT_THROW((void)worker.run_until_idle(std::chrono::steady_clock::now() + 1min), ApiError);
  for (const char* id : {"O-1", "O-2"}) {
    const Payout p = *ledger.get(id);
    EXPECT_EQ(p.state, PayoutState::pending) << id;
    EXPECT_EQ(p.sends, 0) << id;
  }
}

// Issue 17: with the API out of reach, every pass claimed and released every payout without
// a pause (1,700 history rows in 10 s). The pass stops at the first send that could not
// reach CinetPay, no send is counted, and run_until_idle backs off, doubling to its cap.
TEST_P(WorkerTest, AnUnreachableApiEndsThePassAndTheRunBacksOff) {
  PayoutLedger ledger = open();
  std::vector<TransferRequest> payouts;
  for (int i = 0; i < 6; ++i)
    payouts.push_back(payout_to("0102030405", 500, "U-" + std::to_string(i)));
  ledger.submit(payouts);
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  int sends = 0;
  ON_CALL(*api, send_money)
      .WillByDefault([&sends](const auto&, const auto&) -> std::vector<TransferResult> {
        ++sends;
        throw TransportError("connection refused", false);
      });
  // The sleeper records each pause and ends the run after six: no real time passes.
  struct Enough {};
  std::vector<std::chrono::milliseconds> pauses;
  WorkerOptions options = fast("w1");
  options.batch_size = 2;
  options.idle_pause = 100ms;
  options.outage_pause_max = 400ms;
  options.sleeper = [&pauses](std::chrono::milliseconds d) {
    pauses.push_back(d);
    if (pauses.size() == 6) throw Enough{};
  };
  PayoutWorker worker(TransferClient(api), ledger, options);
  WorkerPass pass = worker.run_once();
  EXPECT_TRUE(pass.unreachable);
  EXPECT_EQ(sends, 1) << "the pass stopped sending";
  for (const TransferRequest& t : payouts) {
    const Payout p = *ledger.get(t.client_transaction_id);
    EXPECT_EQ(p.state, PayoutState::pending) << t.client_transaction_id;
    EXPECT_EQ(p.sends, 0) << t.client_transaction_id;
  }
  // Each pause about double the last (with jitter down to half), never over the cap.
  EXPECT_THROW((void)worker.run_until_idle(std::chrono::steady_clock::now() + 1h), Enough);
  ASSERT_EQ(pauses.size(), 6U);
  EXPECT_GE(pauses[0], 50ms);
  EXPECT_LE(pauses[0], 100ms);
  EXPECT_GE(pauses[1], 100ms);
  EXPECT_LE(pauses[1], 200ms);
  for (std::size_t i = 2; i < pauses.size(); ++i) {
    EXPECT_GE(pauses[i], 200ms) << i;
    EXPECT_LE(pauses[i], 400ms) << i;
  }
  EXPECT_EQ(sends, 7) << "one send a pass, each ended by the outage";
  // Issue 17: each claim and its release were a history row (20,900 rows in 10 s of
  // outage). A repeated cycle is counted on its first rows: the history stays a chain of
  // three rows, whatever the outage's length.
  const Payout first = *ledger.get("U-0");
  ASSERT_EQ(first.history.size(), 3U) << history_problem(first);
  EXPECT_EQ(history_problem(first), "");
  EXPECT_EQ(first.history[1].to, PayoutState::sending);
  EXPECT_EQ(first.history[1].repeats, 7);
  EXPECT_EQ(first.history[2].to, PayoutState::pending);
  EXPECT_EQ(first.history[2].repeats, 7);
  EXPECT_GT(first.history[2].last_at, first.history[2].at);
}

// Issue 17: CinetPay pays only its contacts, and the ledger never registered any: ten
// payouts with one non-contact all ended rejected (724). A payout carries its recipient; the
// worker registers each phone once, before the first send, and a phone CinetPay refuses as a
// contact (the sandbox's magic …97, refused with 802) fails its payouts alone.
TEST_P(WorkerTest, RecipientsAreRegisteredOnceAndOneRefusedContactFailsAlone) {
  PayoutLedger ledger = open();
  const std::vector<std::string> phones = {"0700000011", "0500000012", "0100000097"};
  std::vector<PayoutRequest> payouts;
  for (int i = 0; i < 6; ++i) {
    const std::string n = std::to_string(i);
    payouts.push_back({payout_to(phones[static_cast<std::size_t>(i / 2)], 100 + 5 * i, "R-" + n),
                       Recipient{"Awa", "Kone", "awa@example.com"}, R"({"order":"A-)" + n + "\"}"});
  }
  ledger.submit(payouts);
  const int before = sandbox_.api_requests("/v1/transfer/contact");  // the fixture's own
  WorkerOptions options = fast("w1");
  options.batch_size = 10;
  PayoutWorker worker(sandbox_.client(), ledger, options);
  run_to_the_end(worker);
  expect_exactly_once(ledger);
  for (int i = 0; i < 6; ++i) {
    const Payout p = *ledger.get("R-" + std::to_string(i));
    EXPECT_EQ(p.metadata, payouts[static_cast<std::size_t>(i)].metadata);
    ASSERT_TRUE(p.recipient.has_value());
    EXPECT_EQ(p.recipient->surname, "Kone");
    if (i < 4) {
      EXPECT_EQ(p.state, PayoutState::paid) << i << ": " << p.detail;
    } else {
      EXPECT_EQ(p.state, PayoutState::rejected) << i;
      EXPECT_EQ(p.api_code, 802) << i;
      EXPECT_THAT(p.detail, HasSubstr("contact")) << i;
      EXPECT_EQ(p.sends, 0) << i << ": nothing was sent";
    }
  }
  EXPECT_EQ(sandbox_.api_requests("/v1/transfer/contact"), before + 1)
      << "three phones, one request";
  for (const PayoutChange& c : ledger.changes_since(0)) {
    EXPECT_THAT(c.metadata, HasSubstr("A-")) << c.client_transaction_id;
  }
  // A later payout to a phone the ledger registered asks nothing more of transfer/contact.
  ledger.submit(std::vector<PayoutRequest>{
      {payout_to(phones[0], 500, "R-late"), Recipient{"Awa", "Kone", "awa@example.com"}, ""}});
  run_to_the_end(worker);
  EXPECT_EQ(ledger.get("R-late")->state, PayoutState::paid);
  EXPECT_EQ(sandbox_.api_requests("/v1/transfer/contact"), before + 1);
}

// The answers of a send whose answer was lost: every item's outcome unknown.
std::vector<TransferResult> lost_answers(const std::vector<TransferRequest>& items) {
  std::vector<TransferResult> out;
  for (const TransferRequest& r : items) {
    TransferResult lost;
    lost.outcome = TransferOutcome::unknown;
    lost.client_transaction_id = r.client_transaction_id;
    lost.detail = "answer lost";
    out.push_back(lost);
  }
  return out;
}

// Each contact refused with `code`, item by item.
std::vector<ContactResult> contacts_refused(const std::vector<Contact>& contacts, int code) {
  std::vector<ContactResult> out;
  for (const Contact& c : contacts) {
    ContactResult r;
    r.contact = c;
    r.code = code;
    r.status = "error";
    r.message = "INVALID_PHONE";
    out.push_back(r);
  }
  return out;
}

// A payout sent once already may have reached CinetPay: when it is sent again and CinetPay
// now refuses its recipient as a contact, it is sent anyway (what the send's answer proves
// says what became of it), never rejected as if nothing had left.
TEST_P(WorkerTest, APayoutSentAgainIsSentEvenWhenItsContactIsRefused) {
  PayoutLedger ledger = open();
  ledger.submit(std::vector<PayoutRequest>{
      {payout_to("0700000011", 500, "C-1"), Recipient{"Awa", "Kone", "awa@example.com"}, ""}});
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  // The first registration's answer does not mention the contact; the second refuses it.
  EXPECT_CALL(*api, add_contacts)
      .WillOnce(::testing::Return(std::vector<ContactResult>{}))
      .WillRepeatedly(
          ::testing::Invoke([](const std::vector<Contact>& contacts, const CallOptions&) {
            return contacts_refused(contacts, 802);
          }));
  EXPECT_CALL(*api, send_money)
      .Times(2)
      .WillRepeatedly(::testing::Invoke([](const std::vector<TransferRequest>& items,
                                           const CallOptions&) { return lost_answers(items); }));
  ReconcileResult absent;
  absent.state = ReconcileResult::State::not_found;
  absent.detail = "check/money: 723";
  ON_CALL(*api, reconcile).WillByDefault(::testing::Return(absent));
  std::chrono::milliseconds ahead{0};
  WorkerOptions options = fast("w1");
  options.clock = [&ahead] { return std::chrono::system_clock::now() + ahead; };
  PayoutWorker worker(TransferClient(api), ledger, options);
  (void)worker.run_once();  // sent; its answer lost
  ASSERT_EQ(ledger.get("C-1")->sends, 1);
  ahead += 10min;
  (void)worker.run_once();  // certainly absent past the grace: sent again
  const Payout p = *ledger.get("C-1");
  EXPECT_NE(p.state, PayoutState::rejected) << p.detail;
  EXPECT_EQ(p.sends, 2);
  EXPECT_EQ(history_problem(p), "");
}

// A whole contact batch refused for a reason of the moment (here the operator, 804) says
// nothing of any recipient: nothing is registered one contact at a time, no payout is
// rejected, and the worker stops as for a refused login with every payout never sent.
TEST_P(WorkerTest, AWholeContactRefusalOfTheMomentRejectsNoPayout) {
  PayoutLedger ledger = open();
  const Recipient awa{"Awa", "Kone", "awa@example.com"};
  ledger.submit(std::vector<PayoutRequest>{{payout_to("0700000011", 500, "C-2"), awa, ""},
                                           {payout_to("0500000012", 505, "C-3"), awa, ""}});
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  EXPECT_CALL(*api, add_contacts)
      .Times(1)
      .WillRepeatedly(::testing::Throw(
          ApiError(804, "OPERATOR_UNAVAILABLE", "operator temporarily unavailable", 200)));
  EXPECT_CALL(*api, send_money).Times(0);
  PayoutWorker worker(TransferClient(api), ledger, fast("w1"));
  EXPECT_THROW((void)worker.run_once(), ApiError);
  for (const std::string id : {"C-2", "C-3"}) {
    const Payout p = *ledger.get(id);
    EXPECT_EQ(p.state, PayoutState::pending) << id << ": " << p.detail;
    EXPECT_EQ(p.sends, 0) << id;
    EXPECT_EQ(history_problem(p), "") << id;
  }
  EXPECT_TRUE(ledger.changes_since(0).empty()) << "nothing final happened";
}

// A whole contact batch refused for the request itself (716) is registered again one
// contact at a time: the one bad recipient, last of the batch, fails alone; the others are
// sent.
TEST_P(WorkerTest, AWholeContactBatchRefusedForTheRequestIsRegisteredOneByOne) {
  PayoutLedger ledger = open();
  const Recipient awa{"Awa", "Kone", "awa@example.com"};
  ledger.submit(std::vector<PayoutRequest>{{payout_to("0700000011", 500, "C-4"), awa, ""},
                                           {payout_to("0500000012", 505, "C-5"), awa, ""},
                                           {payout_to("0100000097", 510, "C-6"), awa, ""}});
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  std::vector<std::size_t> batches;
  ON_CALL(*api, add_contacts)
      .WillByDefault(
          ::testing::Invoke([&batches](const std::vector<Contact>& contacts, const CallOptions&) {
            batches.push_back(contacts.size());
            for (const Contact& c : contacts) {
              if (c.phone == "0100000097") {
                throw ApiError(716, "DATA_NOT_VALID", "a submitted value is incorrect", 200);
              }
            }
            std::vector<ContactResult> added;
            for (const Contact& c : contacts) {
              ContactResult r;
              r.contact = c;
              r.status = "success";
              added.push_back(r);
            }
            return added;
          }));
  std::vector<std::string> sent;
  EXPECT_CALL(*api, send_money)
      .WillOnce(
          ::testing::Invoke([&sent](const std::vector<TransferRequest>& items, const CallOptions&) {
            for (const TransferRequest& r : items) sent.push_back(r.client_transaction_id);
            return lost_answers(items);
          }));
  WorkerOptions options = fast("w1");
  options.batch_size = 10;
  PayoutWorker worker(TransferClient(api), ledger, options);
  (void)worker.run_once();
  EXPECT_EQ(batches, (std::vector<std::size_t>{3, 1, 1, 1}));
  EXPECT_EQ(sent, (std::vector<std::string>{"C-4", "C-5"}));
  const Payout bad = *ledger.get("C-6");
  EXPECT_EQ(bad.state, PayoutState::rejected);
  EXPECT_EQ(bad.api_code, 716);
  EXPECT_EQ(bad.sends, 0);
  for (const std::string id : {"C-4", "C-5"}) {
    const Payout p = *ledger.get(id);
    EXPECT_EQ(p.state, PayoutState::unknown) << id << ": " << p.detail;
    EXPECT_EQ(p.sends, 1) << id;
  }
}

// The sandbox's transport, answering each send's items with an error code though CinetPay
// paid them (the items still name their transfers).
class PaidButRefusedTransport : public HttpTransport {
 public:
  explicit PaidButRefusedTransport(std::shared_ptr<HttpTransport> inner)
      : inner_(std::move(inner)) {}
  HttpResponse send(const HttpRequest& request) override {
    HttpResponse r = inner_->send(request);
    if (request.url.find(kSendPath) == std::string::npos) return r;
    nlohmann::json answer = nlohmann::json::parse(r.body);
    std::function<void(nlohmann::json&)> refuse = [&](nlohmann::json& v) {
      if (v.is_array()) {
        for (auto& e : v) refuse(e);
      } else if (v.is_object()) {
        v["code"] = 724;
        v["status"] = "error";
      }
    };
    refuse(answer["data"]);
    r.body = answer.dump();
    return r;
  }

 private:
  std::shared_ptr<HttpTransport> inner_;
};

// Issue 16: the server pays, then answers the item with an error code naming its transfer:
// the payout ended `rejected` and the feed said so while CinetPay had it VAL.
TEST_P(WorkerTest, AnItemRefusedButNamingItsTransferIsSettledByLookupNeverRejected) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "T-1")});
  ClientOptions o = sandbox_.options();
  o.transport = std::make_shared<PaidButRefusedTransport>(make_curl_transport(o));
  PayoutWorker worker(sandbox_.client(o), ledger, fast("w1"));
  run_to_the_end(worker);
  expect_exactly_once(ledger);
  const Payout p = *ledger.get("T-1");
  EXPECT_EQ(p.state, PayoutState::paid) << p.detail;
  for (const PayoutEvent& e : p.history) EXPECT_NE(e.to, PayoutState::rejected);
  auto changes = ledger.changes_since(0);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].state, PayoutState::paid);
}

// Issue 16: apply_notification marked a payout that was never sent `paid` when check/money's
// record for the notified transfer said VAL but left out its amount and recipient.
TEST_P(WorkerTest, ANotificationWhoseRecordLeavesOutAmountAndRecipientIsNotApplied) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "N-1")});
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  TransferStatus sparse;
  sparse.transaction_id = "TX-N1";
  sparse.client_transaction_id = "N-1";
  sparse.treatment_status = TreatmentStatus("VAL");
  ON_CALL(*api, verify_notification).WillByDefault(::testing::Return(sparse));
  Notification n;
  n.transaction_id = "TX-N1";
  n.client_transaction_id = "N-1";
  NotificationResult r = ledger.apply_notification(TransferClient(api), n);
  EXPECT_EQ(r.outcome, NotificationOutcome::refused);
  EXPECT_THAT(r.reason, HasSubstr("amount and recipient"));
  EXPECT_EQ(ledger.get("N-1")->state, PayoutState::pending);
  EXPECT_TRUE(ledger.changes_since(0).empty());
}

// A lookup that could not be made says nothing: however long it keeps failing, the payout
// is never sent again (a mutant that took it for absence survived every test before this).
// The worker's send asks send_money not to reconcile: its lookups are its own.
TEST_P(WorkerTest, ALookupThatFailsIsNeverTakenForAbsence) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "L-1")});
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  TransferResult lost;
  lost.outcome = TransferOutcome::unknown;
  lost.client_transaction_id = "L-1";
  lost.detail = "answer lost";
  EXPECT_CALL(*api, send_money(::testing::_, ::testing::Field(&CallOptions::reconcile, false)))
      .WillOnce(::testing::Return(std::vector<TransferResult>{lost}));
  ReconcileResult failed;
  failed.state = ReconcileResult::State::unknown;
  failed.detail = "check/money: HTTP 503";
  EXPECT_CALL(*api, reconcile).WillRepeatedly(::testing::Return(failed));
  std::chrono::milliseconds ahead{0};
  WorkerOptions options = fast("w1");
  options.clock = [&ahead] { return std::chrono::system_clock::now() + ahead; };
  PayoutWorker worker(TransferClient(api), ledger, options);
  for (int pass = 0; pass < 6; ++pass) {
    (void)worker.run_once();
    ahead += 10min;
  }
  const Payout p = *ledger.get("L-1");
  EXPECT_EQ(p.state, PayoutState::unknown);
  EXPECT_EQ(p.sends, 1);
}

// The worker's own rule, whatever path of the client leads there: an item CinetPay refused
// for the login (an authentication code) is not a refused payout.
TEST_P(WorkerTest, AnItemRefusedForTheLoginIsNeverARefusedPayout) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "A-2")});
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  TransferResult refused;
  refused.outcome = TransferOutcome::rejected;
  refused.client_transaction_id = "A-2";
  refused.error = ApiErrorInfo{706, "INVALID_TOKEN", ""};
  EXPECT_CALL(*api, send_money).WillOnce(::testing::Return(std::vector<TransferResult>{refused}));
  PayoutWorker worker(TransferClient(api), ledger, fast("w1"));
  EXPECT_THROW((void)worker.run_once(), AuthenticationError);
  Payout p = *ledger.get("A-2");
  EXPECT_EQ(p.state, PayoutState::pending);
  EXPECT_EQ(p.api_code, 706);
  EXPECT_EQ(p.history.back().from, PayoutState::sending);
  EXPECT_EQ(p.history.back().api_code, 706);
  EXPECT_TRUE(ledger.changes_since(0).empty());
}

// The balance is an account's state, not a payout's fault: a batch refused with 602, and
// the batch claimed while it was on the wire, wait in pending, the worker stops with
// InsufficientBalanceError, and after the top-up each is paid once, never `rejected`.
TEST_P(WorkerTest, PayoutsRefusedForWantOfBalanceWaitForTheTopUpNeverEndRejected) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 600, "B-1"), payout_to("0102030405", 605, "B-2"),
                 payout_to("0102030405", 610, "B-3")});
  sandbox_.post("/_sandbox/balance", {{"available", 100}});
  WorkerOptions o = fast("w1");
  o.batch_size = 1;
  PayoutWorker worker(sandbox_.client(), ledger, o);
  EXPECT_THROW((void)worker.run_once(), InsufficientBalanceError);
  for (const std::string id : {"B-1", "B-2", "B-3"}) {
    Payout p = *ledger.get(id);
    EXPECT_EQ(p.state, PayoutState::pending) << id;
    EXPECT_EQ(history_problem(p), "") << id;
  }
  const Payout refused = *ledger.get("B-1");
  EXPECT_EQ(refused.api_code, 602);
  EXPECT_EQ(refused.history.back().from, PayoutState::sending);
  EXPECT_THAT(refused.detail, HasSubstr("the balance is too low (top up)"));
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 1) << "the worker stopped at the first 602";
  EXPECT_TRUE(ledger.changes_since(0).empty()) << "nothing final happened";

  sandbox_.post("/_sandbox/balance", {{"available", 1'000'000}});
  run_to_the_end(worker);
  expect_exactly_once(ledger);
  for (const std::string id : {"B-1", "B-2", "B-3"}) {
    EXPECT_EQ(ledger.get(id)->state, PayoutState::paid) << id;
  }
}

// CinetPay took one payout of a batch and refused the next for want of balance: the first
// is accepted as it is, the second waits for the top-up.
TEST_P(WorkerTest, AnItemRefusedForWantOfBalanceWaitsWhileTheOthersGoOn) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "B-4"), payout_to("0102030405", 900, "B-5")});
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  TransferResult taken;
  taken.outcome = TransferOutcome::accepted;
  taken.client_transaction_id = "B-4";
  taken.transaction_id = "TX-4";
  TransferResult refused;
  refused.outcome = TransferOutcome::rejected;
  refused.client_transaction_id = "B-5";
  refused.error = ApiErrorInfo{602, "INSUFFICIENT_BALANCE", ""};
  EXPECT_CALL(*api, send_money)
      .WillOnce(::testing::Return(std::vector<TransferResult>{taken, refused}));
  PayoutWorker worker(TransferClient(api), ledger, fast("w1"));
  EXPECT_THROW((void)worker.run_once(), InsufficientBalanceError);
  EXPECT_EQ(ledger.get("B-4")->state, PayoutState::accepted);
  Payout p = *ledger.get("B-5");
  EXPECT_EQ(p.state, PayoutState::pending);
  EXPECT_EQ(p.api_code, 602);
  EXPECT_EQ(history_problem(p), "");
}

// A worker over `api` whose wall clock jumps an hour ahead on `later()`: past every lease,
// grace and pause of fast(), so that its next pass settles what the last one left.
struct SteppedWorker {
  SteppedWorker(std::shared_ptr<MockTransferApi> api, const PayoutLedger& ledger, WorkerOptions o)
      : hours(std::make_shared<std::atomic<int>>(0)),
        worker(TransferClient(std::move(api)), ledger, [&o, this] {
          o.clock = [h = hours] {
            return std::chrono::system_clock::now() + std::chrono::hours(*h);
          };
          return o;
        }()) {}
  void later() { ++*hours; }
  std::shared_ptr<std::atomic<int>> hours;
  PayoutWorker worker;
};

TransferResult outcome_of(const std::string& id, TransferOutcome outcome, int code = 0) {
  TransferResult r;
  r.client_transaction_id = id;
  r.outcome = outcome;
  if (code != 0) r.error = ApiErrorInfo{code, "REFUSED", ""};
  return r;
}

// A test double whose one send answers payout `id` with `outcome` (refused with `code`).
std::shared_ptr<::testing::NiceMock<MockTransferApi>> api_sending_once(const std::string& id,
                                                                       TransferOutcome outcome,
                                                                       int code = 0) {
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  EXPECT_CALL(*api, send_money)
      .WillOnce(::testing::Return(std::vector<TransferResult>{outcome_of(id, outcome, code)}));
  return api;
}

// Seen by an audit: a payout whose send was lost, looked up in vain past the grace, and
// sent again, then refused for a reason of the moment (the balance, the login, an operator
// down). Its first send may still be listed late: the payout stays unknown, to be looked up
// again, never `pending` ("not paid") nor `rejected`. A refusal of the request itself
// (724) would have met the first send too, and stands.
TEST_P(WorkerTest, AResendRefusedForAReasonOfTheMomentStaysUnknown) {
  PayoutLedger ledger = open();
  for (int code : {602, 706, 804, 724}) {
    const std::string id = "M-" + std::to_string(code);
    ledger.submit({payout_to("0102030405", 500, id)});
    auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
    EXPECT_CALL(*api, send_money)
        .WillOnce(::testing::Return(
            std::vector<TransferResult>{outcome_of(id, TransferOutcome::unknown)}))
        .WillOnce(::testing::Return(
            std::vector<TransferResult>{outcome_of(id, TransferOutcome::rejected, code)}));
    ReconcileResult absent;
    absent.state = ReconcileResult::State::not_found;
    ON_CALL(*api, reconcile).WillByDefault(::testing::Return(absent));
    SteppedWorker w(api, ledger, fast("w1"));
    (void)w.worker.run_once();
    ASSERT_EQ(ledger.get(id)->state, PayoutState::unknown) << code;
    w.later();
    try {
      (void)w.worker.run_once();
    } catch (const ApiError& e) {
      EXPECT_EQ(e.code(), code) << "only the account's refusals stop the worker";
    }
    Payout p = *ledger.get(id);
    EXPECT_EQ(p.sends, 2) << code;
    EXPECT_EQ(p.state, code == 724 ? PayoutState::rejected : PayoutState::unknown)
        << code << ": " << p.detail;
    EXPECT_EQ(history_problem(p), "") << code;
  }
}

// Seen by an audit: settling by lookup took any record under the id that contradicted
// nothing, also one that leaves out the amount and the recipient (another payout's under a
// reused id?), and wrote the payout paid. send_money's reconciliation calls such a record
// unclear; so does the worker now: the payout stays unknown and nothing reaches the feed.
TEST_P(WorkerTest, ALookupFindingARecordWithoutAmountOrRecipientSettlesNothing) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "S-1")});
  auto api = api_sending_once("S-1", TransferOutcome::unknown);
  ReconcileResult sparse;
  sparse.state = ReconcileResult::State::found;
  sparse.status = TransferStatus{};
  sparse.status->client_transaction_id = "S-1";
  sparse.status->transaction_id = "TX-OTHER";
  sparse.status->treatment_status = TreatmentStatus(TreatmentStatus::Code::VAL);
  ON_CALL(*api, reconcile).WillByDefault(::testing::Return(sparse));
  SteppedWorker w(api, ledger, fast("w1"));
  (void)w.worker.run_once();
  w.later();
  (void)w.worker.run_once();
  Payout p = *ledger.get("S-1");
  EXPECT_EQ(p.state, PayoutState::unknown) << p.detail;
  EXPECT_EQ(p.sends, 1) << "found under its id: never sent again";
  EXPECT_TRUE(ledger.changes_since(0).empty());
}

// Seen by an audit: a verified notification that CinetPay paid a payout the ledger holds
// rejected ("nothing paid") came back `unchanged` and left no trace, though it is the one
// signal that the rejection was wrong. It is refused, with the reason kept in the history
// for the merchant's alert; the payout and the change feed stay as they were.
TEST_P(WorkerTest, ANotificationContradictingAFinalPayoutIsRefusedAndKept) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "F-1")});
  auto api = api_sending_once("F-1", TransferOutcome::rejected, 724);
  TransferStatus paid;
  paid.client_transaction_id = "F-1";
  paid.transaction_id = "TX-F1";
  paid.amount = 500;
  paid.receiver_e164 = "+2250102030405";
  paid.treatment_status = TreatmentStatus(TreatmentStatus::Code::VAL);
  ON_CALL(*api, verify_notification).WillByDefault(::testing::Return(paid));
  TransferClient client(api);
  PayoutWorker worker(client, ledger, fast("w1"));
  (void)worker.run_once();
  ASSERT_EQ(ledger.get("F-1")->state, PayoutState::rejected);
  Notification n;
  n.client_transaction_id = "F-1";
  NotificationResult r = ledger.apply_notification(client, n);
  EXPECT_EQ(r.outcome, NotificationOutcome::refused);
  EXPECT_THAT(r.reason, HasSubstr("holds the payout rejected (nothing paid)"));
  EXPECT_THAT(r.reason, HasSubstr("TX-F1"));
  Payout p = *ledger.get("F-1");
  EXPECT_EQ(p.state, PayoutState::rejected);
  EXPECT_EQ(p.history.back().reason, r.reason);
  EXPECT_EQ(history_problem(p), "");
  EXPECT_EQ(ledger.changes_since(0).size(), 1U) << "the feed told the rejection once, no more";

  paid.treatment_status = TreatmentStatus(TreatmentStatus::Code::REJ);
  ON_CALL(*api, verify_notification).WillByDefault(::testing::Return(paid));
  EXPECT_EQ(ledger.apply_notification(client, n).outcome, NotificationOutcome::unchanged)
      << "CinetPay refused its transfer too: nothing paid, nothing contradicted";
}

// send_money throws only while nothing of its call left (its contract): an ApiError then is
// a login's refusal (here an unexpected code), never CinetPay refusing the payout, so the
// payout waits to be sent again instead of ending rejected, and the worker stops.
TEST_P(WorkerTest, AnApiErrorThrownBySendMoneyLeavesThePayoutToSendAgain) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "A-3")});
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  EXPECT_CALL(*api, send_money)
      .WillOnce(::testing::Throw(ApiError(1005, "SERVICE_UNAVAILABLE", "", 200)));
  PayoutWorker worker(TransferClient(api), ledger, fast("w1"));
  EXPECT_THROW((void)worker.run_once(), ApiError);
  Payout p = *ledger.get("A-3");
  EXPECT_EQ(p.state, PayoutState::pending) << p.detail;
  EXPECT_EQ(p.api_code, 1005);
  EXPECT_TRUE(ledger.changes_since(0).empty()) << "nothing final happened to it";
}

// Two sends of 10 make two lots: each pass asks check/money at most once per lot, never
// once per payout.
TEST_P(WorkerTest, AcceptedPayoutsAreFollowedWithOneCheckPerLot) {
  PayoutLedger ledger = open();
  ledger.submit(payouts(20, "F-"));
  WorkerOptions o = fast("w1");
  o.batch_size = 10;
  PayoutWorker worker(sandbox_.client(), ledger, o);
  std::size_t passes = 0;
  LedgerSummary s = worker.run_until_idle(std::chrono::steady_clock::now() + 30s,
                                          [&](const LedgerSummary&) { ++passes; });
  EXPECT_TRUE(s.idle());
  expect_exactly_once(ledger);
  std::set<std::string> lots;
  for (const Payout& p : ledger.list()) lots.insert(p.lot);
  EXPECT_EQ(lots.size(), 2U);
  int by_lot = 0;
  int other = 0;
  for (const auto& r : sandbox_.get("/_sandbox/requests")) {
    if (r["path"] != "/v1/transfer/check/money") continue;
    (r["params"].contains("lot") ? by_lot : other) += 1;
  }
  EXPECT_EQ(other, 0);
  EXPECT_GE(by_lot, 2);
  EXPECT_LE(static_cast<std::size_t>(by_lot), lots.size() * passes);
}

TEST_P(WorkerTest, LeasesAreRenewedWhileTheWorkerLives) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "L-1")});
  // The send outlasts two leases; a renewal (every third of a lease) may come a whole lease
  // late on a loaded machine before the claim expires.
  sandbox_.fault("delay_ms", kSendPath, 1, {{"delay_ms", 4000}});
  WorkerOptions slow = fast("slow");
  slow.lease = 1500ms;
  std::atomic<bool> done{false};
  std::thread first([&] {
    PayoutWorker worker(sandbox_.client(), ledger, slow);
    worker.run_once();
    done = true;
  });
  // "other" starts once "slow" holds the payout: otherwise it could claim it first.
  if (!eventually([&] { return ledger.get("L-1")->worker_id == "slow"; }, 20s)) {
    first.join();
    FAIL() << "the slow worker never claimed the payout";
  }
  auto bound = std::chrono::steady_clock::now() + 20s;
  WorkerOptions other = fast("other");
  other.lease = 1500ms;
  PayoutWorker second(sandbox_.client(), open(), other);
  std::size_t looked_up = 0;
  while (!done && std::chrono::steady_clock::now() < bound)
    looked_up += second.run_once().looked_up;
  first.join();
  EXPECT_EQ(looked_up, 0U);
  // "other" may follow the payout once "slow" has settled it (before `done` is set), but it
  // never claims it and never settles the send.
  const Payout kept = *ledger.get("L-1");
  for (const PayoutEvent& e : kept.history) {
    if (e.worker_id != "other") continue;
    EXPECT_NE(e.to, PayoutState::sending) << e.reason;
    EXPECT_NE(e.from, std::optional<PayoutState>{PayoutState::sending}) << e.reason;
  }
  EXPECT_THAT(kept.state, ::testing::AnyOf(PayoutState::accepted, PayoutState::paid));
}

TEST_P(WorkerTest, TwoWorkersOnOneLedgerSendEachPayoutOnce) {
  open().submit(payouts(60, "T-"));
  auto run = [&](const std::string& id) {
    WorkerOptions o = fast(id);
    o.batch_size = 7;
    PayoutWorker worker(sandbox_.client(), open(), o);
    worker.run_until_idle(std::chrono::steady_clock::now() + 30s);
  };
  std::thread a(run, "a");
  std::thread b(run, "b");
  a.join();
  b.join();
  PayoutLedger ledger = open();
  EXPECT_TRUE(ledger.summary().idle());
  expect_exactly_once(ledger);
}

// Issue 19: a cancelled payout is never sent, even by a worker running right after; the
// others are paid as usual.
TEST_P(WorkerTest, ACancelledPayoutIsNeverSent) {
  PayoutLedger ledger = open();
  ledger.submit(payouts(4, "C-"));
  EXPECT_EQ(ledger.cancel("C-1", "customer asked").outcome, CancelOutcome::cancelled);
  PayoutWorker worker(sandbox_.client(), ledger, fast("w1"));
  run_to_the_end(worker);
  EXPECT_EQ(sandbox_.transfers_with("C-1"), 0);
  EXPECT_EQ(sandbox_.api_requests(kSendPath), 1);  // one batch: the three others
  EXPECT_EQ(ledger.get("C-1")->state, PayoutState::cancelled);
  EXPECT_EQ(ledger.get("C-1")->sends, 0);
  expect_exactly_once(ledger);
}

// Issue 19: a payout a worker holds (its send on the wire) or that ended final is not
// cancelled, and the refused cancel writes nothing.
TEST_P(WorkerTest, ACancelOfAClaimedOrFinalPayoutIsRefusedAndChangesNothing) {
  PayoutLedger ledger = open();
  ledger.submit({payout_to("0102030405", 500, "CR-1")});
  std::optional<CancelResult> while_sending;
  std::size_t events_before = 0;
  std::size_t events_after = 0;
  auto client = hooked(
      [&](const HttpRequest&) {
        PayoutLedger other = open();
        events_before = other.get("CR-1")->history.size();
        while_sending = other.cancel("CR-1", "too late");
        events_after = other.get("CR-1")->history.size();
      },
      nullptr);
  PayoutWorker worker(client, ledger, fast("w1"));
  run_to_the_end(worker);
  ASSERT_TRUE(while_sending.has_value());
  EXPECT_EQ(while_sending->outcome, CancelOutcome::claimed);
  EXPECT_EQ(while_sending->payout->state, PayoutState::sending);
  EXPECT_EQ(events_after, events_before);
  EXPECT_EQ(ledger.get("CR-1")->state, PayoutState::paid);

  const Payout paid = *ledger.get("CR-1");
  CancelResult after = ledger.cancel("CR-1", "too late");
  EXPECT_EQ(after.outcome, CancelOutcome::final);
  EXPECT_EQ(after.payout->state, PayoutState::paid);
  EXPECT_EQ(ledger.get("CR-1")->history.size(), paid.history.size());
  EXPECT_EQ(ledger.changes_since(0).size(), 1U);
  expect_exactly_once(ledger);
}

// Issue 19: cancels racing a worker's claims (threads, two connections): for every payout
// exactly one wins. A payout cancelled is never at CinetPay; one the cancel found claimed is
// there once.
TEST_P(WorkerTest, ConcurrentCancelAndClaimNeverBothWin) {
  PayoutLedger ledger = open();
  const int n = 60;
  ledger.submit(payouts(n, "CC-"));
  std::map<std::string, CancelOutcome> told;
  std::thread canceller([&] {
    PayoutLedger other = open();
    for (int i = n - 1; i >= 0; --i) {
      const std::string id = "CC-" + std::to_string(i);
      told[id] = other.cancel(id, "race").outcome;
    }
  });
  WorkerOptions o = fast("w1");
  o.batch_size = 5;
  PayoutWorker worker(sandbox_.client(), ledger, o);
  worker.run_once();
  canceller.join();
  run_to_the_end(worker);
  int cancelled = 0;
  for (const auto& [id, outcome] : told) {
    const Payout p = *ledger.get(id);
    if (outcome == CancelOutcome::cancelled) {
      ++cancelled;
      EXPECT_EQ(p.state, PayoutState::cancelled) << id;
      EXPECT_EQ(sandbox_.transfers_with(id), 0) << id;
    } else {
      EXPECT_NE(p.state, PayoutState::cancelled) << id;
      EXPECT_NE(outcome, CancelOutcome::not_found) << id;
    }
  }
  EXPECT_EQ(ledger.summary().by_state[PayoutState::cancelled].count,
            static_cast<std::size_t>(cancelled));
  expect_exactly_once(ledger);
}

// Issue 19: while paused, no send leaves — neither a first send nor a send again after a
// lookup — and a paused run waits idle_pause between passes; lookups and following go on.
// Resumed, the payouts are paid, each once.
TEST_P(WorkerTest, WhilePausedNothingIsSentButSettlingAndFollowingGoOn) {
  PayoutLedger ledger = open();
  ledger.submit(payouts(4, "PA-"));
  // Accepted (not final yet): to be followed while paused.
  {
    PayoutWorker first(sandbox_.client(), ledger, fast("first"));
    RunScope scope;
    scope.until = RunUntil::sent;
    ASSERT_TRUE(first.run_until_idle(std::chrono::steady_clock::now() + 30s, scope).sent());
  }
  const int sends_before = sandbox_.api_requests(kSendPath);
  ledger.submit(payouts(3, "PB-"));
  ledger.pause("bank incident", "ops");
  EXPECT_EQ(ledger.paused().by, "ops");
  {
    PayoutWorker paused(sandbox_.client(), ledger, fast("paused"));
    const WorkerPass pass = paused.run_once();
    EXPECT_TRUE(pass.paused);
    EXPECT_EQ(pass.sent, 0U);
  }
  EXPECT_EQ(ledger.list(PayoutState::pending).size(), 3U);
  // The first of them claimed by a worker that dies before sending it: the heir looks it
  // up, finds it certainly absent, and would send it again were sending not paused.
  ledger.resume();
  die_at("after_claim_commit", nullptr, [&] {
    WorkerOptions o = fast("dying");
    o.batch_size = 1;
    return o;
  });
  const std::string held = ledger.list(PayoutState::sending).at(0).request.client_transaction_id;
  ledger.pause("bank incident", "ops");

  WorkerOptions later = fast("heir");
  later.clock = ahead_by(1h);
  std::atomic<int> sleeps{0};
  later.sleeper = [&](std::chrono::milliseconds d) {
    ++sleeps;
    std::this_thread::sleep_for(d);
  };
  PayoutWorker heir(sandbox_.client(), ledger, later);
  int passes = 0;
  LedgerSummary s = heir.run_until_idle(std::chrono::steady_clock::now() + 1500ms,
                                        [&](const LedgerSummary&) { ++passes; });
  EXPECT_FALSE(s.idle());
  EXPECT_EQ(sandbox_.api_requests(kSendPath), sends_before) << "a send left while paused";
  EXPECT_GE(sleeps.load(), passes - 1) << "a paused run must wait between passes";
  EXPECT_LE(passes, 200) << "a paused run spins";
  Payout h = *ledger.get(held);
  EXPECT_EQ(h.state, PayoutState::unknown) << "looked up, not sent again";
  EXPECT_THAT(h.history.back().reason, HasSubstr("sending is paused"));
  EXPECT_EQ(ledger.list(PayoutState::accepted).size(), 0U) << "accepted ones were followed";
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(is_final(ledger.get("PA-" + std::to_string(i))->state));
  }

  ledger.resume("ops");
  WorkerOptions resumed = fast("resumed");
  resumed.clock = ahead_by(2h);
  PayoutWorker after(sandbox_.client(), ledger, resumed);
  run_to_the_end(after);
  expect_exactly_once(ledger);
}

INSTANTIATE_TEST_SUITE_P(Stores, WorkerTest, ::testing::ValuesIn(ledger_stores()), store_name);

// PostgreSQL crashes and comes back (an immediate shutdown, then recovery from its log)
// while a worker is in the middle of a run. Each call caught by the outage fails with
// LedgerError; the same PayoutWorker just runs again, reconnects, and settles whatever the
// outage left held (a claim or an outcome whose commit was lost) by lookup, after its lease.
TEST(WorkerOnARestartedDatabase, NeverLosesOrDoublesAPayoutAndCarriesOn) {
  PostgresOptions durable;  // acknowledged commits survive the crash, as in production
  durable.durable = true;
  PostgresServer server(durable);
  const std::string url = server.create_database();
  sandbox::SandboxOptions slow = fast_sandbox();
  slow.latency = 20ms;
  SandboxFixture sandbox(slow);
  sandbox.add_contact("0102030405");
  sandbox.add_contact("0102030499");
  PayoutLedger::open(url).submit(payouts(150, "DB-"));

  std::mutex mu;
  std::condition_variable cv;
  bool under_way = false;
  bool restarted = false;
  int ledger_errors = 0;
  bool idle = false;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::thread worker_thread([&] {
    WorkerOptions o = fast_worker("survivor");
    o.lease = 1s;
    o.batch_size = 10;
    PayoutWorker worker(sandbox.client(), PayoutLedger::open(url), o);
    auto moved = [&](const LedgerSummary& s) {
      if (s.by_state.at(PayoutState::pending).count < 100) {
        std::lock_guard<std::mutex> lock(mu);
        under_way = true;
        cv.notify_all();
      }
    };
    while (!idle && std::chrono::steady_clock::now() < deadline) {
      try {
        idle = worker.run_until_idle(deadline, moved).idle();
      } catch (const LedgerError&) {
        std::unique_lock<std::mutex> lock(mu);
        ++ledger_errors;
        cv.wait_until(lock, deadline, [&] { return restarted; });
      }
    }
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_until(lock, deadline, [&] { return under_way; }));
  }
  server.crash_and_restart();
  {
    std::lock_guard<std::mutex> lock(mu);
    restarted = true;
    cv.notify_all();
  }
  worker_thread.join();

  EXPECT_TRUE(idle) << "the worker did not finish after the restart";
  EXPECT_GE(ledger_errors, 1) << "the restart did not reach the worker";
  PayoutLedger ledger = PayoutLedger::open(url);
  EXPECT_EQ(ledger.list().size(), 150U);
  expect_exactly_once(sandbox, ledger);
}

// Issue 17: an answer the store could not write (PostgreSQL's jsonb refused a NUL) made the
// outcome unrecordable; every later pass settled that payout first and threw, and no other
// payout moved again. Now the payout is set aside with the store's reason and the pass goes
// on: here a store that refuses any transition carrying the lot "POISON".
class PoisonedStore : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  std::vector<bool> apply(const std::vector<detail::Transition>& transitions) override {
    for (const detail::Transition& t : transitions) {
      if (t.next.payout.lot == "POISON") {
        throw LedgerError("ledger (test): this lot cannot be stored");
      }
    }
    return ForwardingStore::apply(transitions);
  }
};

TEST(WorkerSetAside, APayoutWhoseOutcomeCannotBeRecordedIsSetAsideAndThePassGoesOn) {
  PayoutLedger ledger = detail::ledger_over_store(
      std::make_unique<PoisonedStore>(detail::open_sqlite_store(temp_sqlite_path())),
      [] { return std::chrono::system_clock::now(); });
  ledger.submit({payout_to("0102030405", 500, "P-0"), payout_to("0102030405", 505, "P-1"),
                 payout_to("0102030405", 510, "P-2")});
  auto api = std::make_shared<::testing::NiceMock<MockTransferApi>>();
  ON_CALL(*api, send_money)
      .WillByDefault([](const std::vector<TransferRequest>& sent, const CallOptions&) {
        std::vector<TransferResult> out;
        for (const TransferRequest& t : sent) {
          TransferResult r;
          r.outcome = TransferOutcome::accepted;
          r.client_transaction_id = t.client_transaction_id;
          r.transaction_id = "T" + t.client_transaction_id;
          r.lot = t.client_transaction_id == "P-1" ? "POISON" : "L1";
          r.treatment_status = TreatmentStatus("NEW");
          out.push_back(r);
        }
        return out;
      });
  WorkerOptions options = fast_worker("w1");
  options.concurrent = false;
  PayoutWorker worker(TransferClient(api), ledger, options);
  WorkerPass pass;
  ASSERT_NO_THROW(pass = worker.run_once());
  EXPECT_EQ(ledger.get("P-0")->state, PayoutState::accepted);
  EXPECT_EQ(ledger.get("P-2")->state, PayoutState::accepted);
  const Payout aside = *ledger.get("P-1");
  EXPECT_EQ(aside.state, PayoutState::unknown) << "never sent again blindly";
  EXPECT_THAT(aside.detail, HasSubstr("set aside"));
  EXPECT_THAT(aside.detail, HasSubstr("this lot cannot be stored"));
  EXPECT_THAT(aside.history.back().reason, HasSubstr("set aside"));
  // The next pass does not trip on it again: it is not due before follow_max.
  EXPECT_NO_THROW((void)worker.run_once());
  EXPECT_EQ(ledger.get("P-1")->state, PayoutState::unknown);
}

}  // namespace
}  // namespace cinetpay::mocks
