// The fleet test: 2,000 payouts in a PostgreSQL ledger, four worker processes (`cinetpay
// payouts run`) on it against one sandbox process with latency and with faults on a good
// share of the sends; workers killed with SIGKILL at random instants and restarted. Then:
// one transfer per submitted id at the sandbox and no other, every payout final and
// agreeing with the sandbox, every history legal, and no two workers ever holding the
// same payout at once (from the history's claims and leases).
#include <gtest/gtest.h>

#include <chrono>
#include <cinetpay/ledger.hpp>
#include <cinetpay/transfer.hpp>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fleet_harness.hpp"
#include "postgres_server.hpp"

namespace cinetpay::mocks {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr int kPayouts = 2000;
constexpr int kRecipientPayouts = 40;
constexpr int kWorkers = 4;
constexpr int kKills = 24;
constexpr double kFaultedShare = 0.20;
// A fault is queued only while at most this share of the sends so far met one: at a fixed
// rate a slow machine (a sanitizer's build) meets more faults per send, and under ASan the
// fleet once overran its budget with 208 of 292 sends faulted.
constexpr double kFaultedShareMax = 0.5;
constexpr auto kFaultEvery = 20ms;
constexpr const char* kSendPath = "/v1/transfer/money/send/contact";

// Where one payout was held by a worker that had not let go of it when another took it, or
// a worker wrote to a payout another held; empty when holds never overlapped. A claim
// (an event into sending or unknown, by a worker) holds the payout until its lease or until
// the holder records it elsewhere; a takeover is legal only after the lease it took over.
std::string overlapping_hold(const Payout& p) {
  std::string holder;
  std::chrono::system_clock::time_point held_until;
  for (const PayoutEvent& e : p.history) {
    const bool claim =
        !e.worker_id.empty() && (e.to == PayoutState::sending || e.to == PayoutState::unknown);
    if (!holder.empty() && !e.worker_id.empty() && e.worker_id != holder && e.at < held_until) {
      return p.request.client_transaction_id + ": " + e.worker_id + " moved it to " +
             std::string(to_string(e.to)) + " while " + holder + " held it";
    }
    if (claim) {
      holder = e.worker_id;
      held_until = e.lease_until;
    } else if (e.worker_id == holder || e.to != PayoutState::unknown) {
      holder.clear();
    }
  }
  return {};
}

PayoutEvent event(int at_s, PayoutState from, PayoutState to, const std::string& worker,
                  int lease_s = 0) {
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::hours(500'000));
  PayoutEvent e;
  e.at = t0 + std::chrono::seconds(at_s);
  e.from = from;
  e.to = to;
  e.worker_id = worker;
  e.lease_until = t0 + std::chrono::seconds(lease_s);
  return e;
}

TEST(FleetHolds, ATakeoverBeforeTheLeaseEndedIsAnOverlap) {
  using S = PayoutState;
  Payout p;
  p.request.client_transaction_id = "H-1";
  p.history = {event(0, S::pending, S::sending, "w1", 30),
               event(31, S::sending, S::unknown, "w2", 61),
               event(32, S::unknown, S::accepted, "w2"), event(40, S::accepted, S::paid, "w3")};
  EXPECT_EQ(overlapping_hold(p), "");
  p.history[1] = event(10, S::sending, S::unknown, "w2", 40);
  EXPECT_NE(overlapping_hold(p), "");
  p.history[1] = event(10, S::sending, S::accepted, "w1");
  p.history.insert(p.history.begin() + 1, event(5, S::sending, S::sending, "w2", 35));
  EXPECT_NE(overlapping_hold(p), "") << "a write by a worker that did not hold it";
}

TEST_F(FleetTest, KilledWorkersOnPostgresNeverLoseOrDoubleAPayout) {
  const std::string db = test_database();
  const std::string log = dir_ + "/workers.log";
  SandboxProcess sandbox(CINETPAY_SANDBOX_PATH, dir_,
                         {"--settle-ms", "30", "--seed", "11", "--latency-ms", "20",
                          "--latency-jitter-ms", "30", "--log-capacity", "1000000"});
  const std::vector<std::string> ids =
      write_payouts(sandbox, dir_ + "/payouts.csv", "FLEET-", kPayouts);
  ASSERT_TRUE(cli_succeeds(
      sandbox, {"payouts", "submit", "--db", db, "--file", dir_ + "/payouts.csv"}, log));
  const RecipientPayouts recipients =
      submit_to_new_recipients(PayoutLedger::open(db), "FLEET-", kRecipientPayouts);
  std::vector<std::string> all = ids;
  all.insert(all.end(), recipients.ids.begin(), recipients.ids.end());

  struct Requests {
    int sends = 0;
    int faulted = 0;
    int faulted_logins = 0;
  };
  auto requests = [&] {
    Requests n;
    for (const auto& r : sandbox.get("/_sandbox/requests")) {
      if (r["path"] == "/v1/auth/login") n.faulted_logins += r["fault"] != "" ? 1 : 0;
      if (r["path"] != kSendPath) continue;
      ++n.sends;
      n.faulted += r["fault"] != "" ? 1 : 0;
    }
    return n;
  };

  int started = 0;
  auto worker = [&] {
    return cli(sandbox,
               {"payouts", "run", "--db", db, "--until-idle", "--max-seconds", "140",
                "--lease-seconds", "1", "--resend-grace-seconds", "1", "--batch-size", "25",
                "--worker-id", "fleet-" + std::to_string(++started)},
               log);
  };
  std::vector<pid_t> running(kWorkers);
  std::vector<bool> idle(kWorkers, false);
  for (pid_t& pid : running) pid = worker();

  std::mt19937 rng(20261129);
  std::uniform_int_distribution<int> pause_ms(150, 600);
  std::uniform_int_distribution<int> pick(0, kWorkers - 1);
  const std::vector<json> faults = {
      {{"kind", "drop_before"}, {"path", kSendPath}},
      {{"kind", "process_then_drop"}, {"path", kSendPath}},
      {{"kind", "http_status"}, {"path", kSendPath}, {"status", 503}},
      {{"kind", "invalid_token"}, {"path", kSendPath}},
      {{"kind", "delay_ms"}, {"path", kSendPath}, {"delay_ms", 300}},
  };
  // The login's outages, queued at some restarts for the new worker's first login.
  const std::vector<json> login_faults = {
      {{"kind", "http_status"}, {"path", "login"}, {"status", 503}},
      {{"kind", "invalid_token"}, {"path", "login"}},
      {{"kind", "drop_before"}, {"path", "login"}},
  };
  std::uniform_int_distribution<std::size_t> fault_kind(0, faults.size() - 1);

  int kills = 0;
  const auto budget = Steady::now() + 150s;
  auto next_kill = Steady::now() + std::chrono::milliseconds(pause_ms(rng));
  auto next_fault = Steady::now();
  while (Steady::now() < budget) {
    // A fault waits for the next send at most every kFaultEvery, and only while at most
    // kFaultedShareMax of the sends met one; kills come often enough that 24 land even when
    // the fleet finishes in 15 s.
    if (Steady::now() >= next_fault && sandbox.get("/_sandbox/faults").empty()) {
      const Requests so_far = requests();
      if (so_far.faulted <= kFaultedShareMax * so_far.sends) {
        sandbox.post("/_sandbox/faults", faults[fault_kind(rng)]);
      }
      next_fault = Steady::now() + kFaultEvery;
    }
    if (kills < kKills && Steady::now() >= next_kill) {
      int slot = pick(rng);
      if (!idle[slot]) {
        ::kill(running[slot], SIGKILL);
        auto status = wait_for_exit(running[slot], 10s);
        ASSERT_TRUE(status.has_value());
        kills += killed_by_sigkill(status) ? 1 : 0;
        // Every third restart: each login fault also puts a worker in its outage back-off,
        // and at every restart (with the send faults) the fleet once overran its budget.
        if (kills % 3 == 0) {
          sandbox.post("/_sandbox/faults",
                       login_faults[static_cast<std::size_t>(kills / 3) % login_faults.size()]);
        }
        running[slot] = worker();
      }
      next_kill = Steady::now() + std::chrono::milliseconds(pause_ms(rng));
    }
    for (int slot = 0; slot < kWorkers; ++slot) {
      if (idle[slot]) continue;
      auto status = wait_for_exit(running[slot], 10ms);
      if (!status) continue;
      // 6: done, and payouts ended rejected or failed during its run.
      if (WIFEXITED(*status) && (WEXITSTATUS(*status) == 0 || WEXITSTATUS(*status) == 6)) {
        idle[slot] = true;
      } else {
        running[slot] = worker();  // it died of something else: another takes its place
      }
    }
    if (std::all_of(idle.begin(), idle.end(), [](bool b) { return b; })) break;
  }
  for (int slot = 0; slot < kWorkers; ++slot) {
    if (idle[slot]) continue;
    end_child(running[slot]);
    ADD_FAILURE() << "worker slot " << slot << " did not finish in time; log: " << log;
  }

  const auto [sends, faulted, faulted_logins] = requests();
  PayoutLedger ledger = PayoutLedger::open(db);
  Audit a = audit(sandbox, ledger, all, "FLEET-", recipients.refused);
  int overlaps = 0;
  for (const std::string& id : all) {
    std::optional<Payout> p = ledger.get(id);
    std::string problem = p ? overlapping_hold(*p) : std::string();
    if (problem.empty()) continue;
    ++overlaps;
    a.problems.push_back(problem);
  }
  std::printf(
      "fleet: %d payouts (%d to new recipients, %zu of them refused as contacts), %d workers, %d "
      "kills, %d duplicates, %d lost, %d mismatches\n",
      kPayouts + kRecipientPayouts, kRecipientPayouts, recipients.refused.size(), kWorkers, kills,
      a.duplicates, a.lost, a.mismatches);
  std::printf(
      "fleet: %d of %d sends faulted, %d logins faulted, %d transfers at the sandbox, %d "
      "overlapping holds, %d workers started\n",
      faulted, sends, faulted_logins, a.transfers, overlaps, started);
  for (const auto& [state, total] : ledger.summary().by_state) {
    if (total.count > 0)
      std::printf("fleet: %zu %s\n", total.count, std::string(to_string(state)).c_str());
  }
  for (std::size_t i = 0; i < a.rejections.size() && i < 3; ++i) {
    std::printf("fleet: %s", a.rejections[i].c_str());
  }
  for (std::size_t i = 0; i < a.problems.size() && i < 10; ++i) {
    std::printf("  %s\n", a.problems[i].c_str());
  }
  EXPECT_GE(kills, 20);
  EXPECT_GE(faulted, kFaultedShare * sends);
  EXPECT_GE(faulted_logins, kKills / 6) << "the login's outages were met";
  EXPECT_EQ(a.duplicates, 0);
  EXPECT_EQ(a.lost, 0);
  EXPECT_EQ(a.mismatches, 0);
  EXPECT_EQ(overlaps, 0);
  EXPECT_EQ(a.rejections.size(), 0U) << "a payout CinetPay would have taken ended rejected";
}

}  // namespace
}  // namespace cinetpay::mocks
