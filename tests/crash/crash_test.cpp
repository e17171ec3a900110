// The crash test: 300 payouts in a ledger, and 24 to new recipients (one phone of which
// CinetPay refuses as a contact); a worker process (`cinetpay payouts run`) against the
// sandbox binary with faults of every kind (the login's outages among them), killed with SIGKILL at
// random instants and, through the test-only CINETPAY_LEDGER_CRASH_AT hook, at each dangerous
// point; restarted until the ledger is idle. Then: exactly one transfer per submitted id at
// the sandbox and no other, every payout final and agreeing with the sandbox, every
// history a legal sequence.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cinetpay/ledger.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "worker_harness.hpp"

namespace cinetpay::mocks {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr int kPayouts = 300;
constexpr int kRandomKills = 26;
constexpr int kRecipientPayouts = 24;
constexpr const char* kSendPath = "/v1/transfer/money/send/contact";
constexpr const char* kCheckPath = "/v1/transfer/check/money";

// One fault of each kind, in a random order, on the send and check paths.
void queue_faults(SandboxProcess& sandbox, std::mt19937& rng) {
  std::vector<json> faults = {
      {{"kind", "drop_before"}, {"path", kSendPath}},
      {{"kind", "process_then_drop"}, {"path", kSendPath}},
      {{"kind", "http_status"}, {"path", kSendPath}, {"status", 503}},
      {{"kind", "invalid_token"}, {"path", kSendPath}},
      {{"kind", "delay_ms"}, {"path", kSendPath}, {"delay_ms", 300}},
      {{"kind", "drop_before"}, {"path", kCheckPath}},
      {{"kind", "process_then_drop"}, {"path", kCheckPath}},
      {{"kind", "http_status"}, {"path", kCheckPath}, {"status", 502}},
      // The login's outages: the first login of a worker meets them.
      {{"kind", "http_status"}, {"path", "login"}, {"status", 503}},
      {{"kind", "drop_before"}, {"path", "login"}},
      {{"kind", "invalid_token"}, {"path", "login"}},
  };
  std::shuffle(faults.begin(), faults.end(), rng);
  for (std::size_t i = 0; i < 3; ++i) sandbox.post("/_sandbox/faults", faults[i]);
}

TEST(Crash, KilledWorkersNeverLoseOrDoubleAPayout) {
  char dir_template[] = "/tmp/cinetpay-crash-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string db = "sqlite:" + dir + "/ledger.db";
  const std::string log = dir + "/workers.log";
  SandboxProcess sandbox(CINETPAY_SANDBOX_PATH, dir, {"--settle-ms", "30", "--seed", "7"});
  const std::vector<std::string> credentials = {"CINETPAY_API_KEY=sandbox-key",
                                                "CINETPAY_PASSWORD=sandbox-password"};

  const std::vector<std::string> ids =
      write_payouts(sandbox, dir + "/payouts.csv", "CRASH-", kPayouts);
  auto cli = [&](std::vector<std::string> args, std::vector<std::string> env) {
    args.insert(args.begin(),
                {CINETPAY_CLI_PATH, "--base-url", sandbox.url(), "--reconcile-grace-seconds", "1"});
    env.insert(env.end(), credentials.begin(), credentials.end());
    return spawn(args, env, log);
  };
  for (int round = 0; round < 2; ++round) {  // the second submit changes nothing
    auto status = wait_for_exit(
        cli({"payouts", "submit", "--db", db, "--file", dir + "/payouts.csv"}, {}), 30s);
    ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  }
  ASSERT_EQ(PayoutLedger::open(db).list().size(), static_cast<std::size_t>(kPayouts));
  // And a batch to new recipients, one of whom CinetPay refuses as a contact.
  const RecipientPayouts recipients =
      submit_to_new_recipients(PayoutLedger::open(db), "CRASH-", kRecipientPayouts);
  std::vector<std::string> all = ids;
  all.insert(all.end(), recipients.ids.begin(), recipients.ids.end());

  int workers = 0;
  auto worker = [&](std::vector<std::string> env) {
    return cli({"payouts", "run", "--db", db, "--until-idle", "--max-seconds", "60",
                "--lease-seconds", "1", "--resend-grace-seconds", "1", "--batch-size", "20",
                "--worker-id", "crash-" + std::to_string(++workers)},
               std::move(env));
  };
  auto killed = [](const std::optional<int>& status) {
    return status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
  };

  std::mt19937 rng(20261129);
  int kills = 0;
  const auto budget = Steady::now() + 75s;
  // Deterministic: the worker kills itself at each dangerous point.
  for (const char* point :
       {"after_claim_commit", "after_next_claim_commit", "after_send", "after_record",
        "after_settle_claim", "after_claim_commit", "after_next_claim_commit", "after_send"}) {
    queue_faults(sandbox, rng);
    auto status = wait_for_exit(worker({std::string("CINETPAY_LEDGER_CRASH_AT=") + point}), 30s);
    ASSERT_TRUE(status.has_value()) << "a worker did not reach " << point;
    if (killed(status)) ++kills;
  }
  // Random instants.
  std::uniform_int_distribution<int> instant_ms(50, 600);
  for (int k = 0; k < kRandomKills && Steady::now() < budget; ++k) {
    queue_faults(sandbox, rng);
    pid_t pid = worker({});
    auto status = wait_for_exit(pid, std::chrono::milliseconds(instant_ms(rng)));
    if (!status) {
      kill(pid, SIGKILL);
      status = wait_for_exit(pid, 10s);
      ASSERT_TRUE(status.has_value());
    }
    if (killed(status)) ++kills;
  }
  // Restarted until idle, faults still queued.
  bool idle = false;
  while (!idle && Steady::now() < budget) {
    auto status = wait_for_exit(worker({}), 70s);
    ASSERT_TRUE(status.has_value());
    // 6: done, and payouts ended rejected or failed during the run (the REJ phone's).
    idle = WIFEXITED(*status) && (WEXITSTATUS(*status) == 0 || WEXITSTATUS(*status) == 6);
  }
  EXPECT_TRUE(idle) << "the ledger did not become idle; workers' log: " << log;

  Audit a = audit(sandbox, PayoutLedger::open(db), all, "CRASH-", recipients.refused);
  std::printf(
      "crash: %d payouts (%d to new recipients, %zu of them refused as contacts), %d kills, %d "
      "duplicates, %d lost, %d mismatches\n",
      kPayouts + kRecipientPayouts, kRecipientPayouts, recipients.refused.size(), kills,
      a.duplicates, a.lost, a.mismatches);
  for (std::size_t i = 0; i < a.problems.size() && i < 10; ++i) {
    std::printf("  %s\n", a.problems[i].c_str());
  }
  for (std::size_t i = 0; i < a.rejections.size() && i < 3; ++i) {
    std::printf("crash: %s", a.rejections[i].c_str());
  }
  EXPECT_GE(kills, 25);
  EXPECT_EQ(a.rejections.size(), 0U) << "a payout CinetPay would have taken ended rejected";
  EXPECT_EQ(a.duplicates, 0);
  EXPECT_EQ(a.lost, 0);
  EXPECT_EQ(a.mismatches, 0);
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cinetpay::mocks
