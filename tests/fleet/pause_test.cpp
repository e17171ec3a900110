// A pause stops a fleet within one lease: four worker processes pay 3,000 payouts of a
// PostgreSQL ledger through a sandbox with latency; while sends flow, `cinetpay payouts
// pause` runs. No send may reach the sandbox later than one lease after the pause returned
// (a batch claimed just before it still leaves: docs/ledger.md), and sends must stop with
// payouts left pending. Then `payouts resume`, and the fleet finishes: every payout final,
// sent once, as the sandbox says.
#include <gtest/gtest.h>

#include <chrono>
#include <cinetpay/ledger.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "fleet_harness.hpp"
#include "postgres_server.hpp"

namespace cinetpay::mocks {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr int kPayouts = 3000;
constexpr int kWorkers = 4;
constexpr int kBatch = 10;
constexpr auto kLease = 2s;
// Watched this long past the lease after the pause: a send that late would show.
constexpr auto kMargin = 1500ms;
// The pause comes once this many sends reached the sandbox, a tenth of the whole.
constexpr int kSendsBeforePause = kPayouts / kBatch / 10;
constexpr const char* kSendPath = "/v1/transfer/money/send/contact";

double seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

TEST_F(FleetTest, APauseStopsEverySendWithinOneLease) {
  const std::string db = test_database();
  const std::string log = dir_ + "/workers.log";
  SandboxProcess sandbox(
      CINETPAY_SANDBOX_PATH, dir_,
      {"--settle-ms", "30", "--seed", "7", "--latency-ms", "20", "--log-capacity", "1000000"});
  const std::vector<std::string> ids =
      write_payouts(sandbox, dir_ + "/payouts.csv", "PAUSE-", kPayouts);
  ASSERT_TRUE(cli_succeeds(
      sandbox, {"payouts", "submit", "--db", db, "--file", dir_ + "/payouts.csv"}, log));

  auto sends = [&] {
    int n = 0;
    for (const auto& r : sandbox.get("/_sandbox/requests")) n += r["path"] == kSendPath ? 1 : 0;
    return n;
  };
  std::vector<pid_t> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.push_back(cli(sandbox,
                          {"payouts", "run", "--db", db, "--until-idle", "--max-seconds", "120",
                           "--lease-seconds", std::to_string(kLease.count()), "--batch-size",
                           std::to_string(kBatch), "--worker-id", "pause-" + std::to_string(i)},
                          log));
  }
  ASSERT_TRUE(eventually([&] { return sends() >= kSendsBeforePause; }, 60s))
      << "the fleet sent fewer than " << kSendsBeforePause << " batches in 60 s";

  const int sends_at_pause = sends();
  ASSERT_TRUE(
      cli_succeeds(sandbox, {"payouts", "pause", "--db", db, "--reason", "pause test"}, log));
  const Steady::time_point paused = Steady::now();
  // The request log records no time: it is read over and over until the lease and a margin
  // have passed. A send that arrived is placed between the last read without it and the
  // first read with it.
  int sends_then = sends();
  Steady::time_point last_without = paused;
  Steady::time_point last_with = paused;
  while (Steady::now() < paused + kLease + kMargin) {
    const Steady::time_point before = Steady::now();
    const int n = sends();
    if (n > sends_then) {
      last_without = before;
      last_with = Steady::now();
      sends_then = n;
    }
  }
  const LedgerSummary while_paused = PayoutLedger::open(db).summary();
  const std::size_t pending = while_paused.by_state.at(PayoutState::pending).count;
  std::printf(
      "pause: last send between %.2f s and %.2f s after the pause returned (lease %lld s); %d "
      "sends before it ran, %d after, %zu of %d payouts left pending\n",
      seconds(last_without - paused), seconds(last_with - paused),
      static_cast<long long>(kLease.count()), sends_at_pause, sends_then - sends_at_pause, pending,
      kPayouts);
  EXPECT_LE(last_without - paused, kLease) << "a send arrived more than one lease after the pause";
  EXPECT_GT(pending, 0U) << "the fleet finished before the pause: nothing to stop";

  ASSERT_TRUE(cli_succeeds(sandbox, {"payouts", "resume", "--db", db}, log));
  for (pid_t pid : workers) {
    auto status = wait_for_exit(pid, 120s);
    if (!status) end_child(pid);
    // 6: done, and the payouts to the phone ending 99 ended failed (REJ).
    EXPECT_TRUE(status && WIFEXITED(*status) &&
                (WEXITSTATUS(*status) == 0 || WEXITSTATUS(*status) == 6))
        << "a worker did not finish after the resume; log: " << log;
  }
  Audit a = audit(sandbox, PayoutLedger::open(db), ids, "PAUSE-");
  for (std::size_t i = 0; i < a.problems.size() && i < 10; ++i) {
    std::printf("  %s\n", a.problems[i].c_str());
  }
  EXPECT_EQ(a.duplicates, 0);
  EXPECT_EQ(a.lost, 0);
  EXPECT_EQ(a.mismatches, 0);
  EXPECT_EQ(a.rejections.size(), 0U);
}

}  // namespace
}  // namespace cinetpay::mocks
