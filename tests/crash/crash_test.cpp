// The crash test: 300 payouts in a ledger; a worker process (`cinetpay payouts run`)
// against the sandbox binary with faults of every kind, killed with SIGKILL at random
// instants and, through the test-only CINETPAY_LEDGER_CRASH_AT hook, at each dangerous
// point; restarted until the ledger is idle. Then: exactly one transfer per submitted id at
// the sandbox and no other, every payout final and agreeing with the sandbox, every
// history a legal sequence.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cinetpay/ledger.hpp>
#include <cinetpay/transfer.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../ledger/history_check.hpp"

extern char** environ;

namespace cinetpay::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr int kPayouts = 300;
constexpr int kRandomKills = 26;
constexpr const char* kSendPath = "/v1/transfer/money/send/contact";
constexpr const char* kCheckPath = "/v1/transfer/check/money";

// A child process with its own environment additions; stdout and stderr to `log`.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env_extra,
            const std::string& log, int stdout_fd = -1) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("CINETPAY_LEDGER_CRASH_AT=", 0) != 0) env.emplace_back(*e);
  }
  env.insert(env.end(), env_extra.begin(), env_extra.end());
  std::vector<char*> args;
  std::vector<char*> envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  args.push_back(nullptr);
  envp.push_back(nullptr);
  int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(stdout_fd >= 0 ? stdout_fd : log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  return pid;
}

// Waits for `pid` up to `bound`; the wait status, or nullopt if it is still running.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds bound) {
  auto deadline = Steady::now() + bound;
  while (true) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    if (Steady::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

// cinetpay-sandbox as a process, on a port of its own.
class SandboxProcess {
 public:
  SandboxProcess(const std::string& dir) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = spawn({CINETPAY_SANDBOX_PATH, "--port", "0", "--settle-ms", "30", "--seed", "7"}, {},
                 dir + "/sandbox.log", fds[1]);
    close(fds[1]);
    std::string first;
    char c = 0;
    pollfd p{fds[0], POLLIN, 0};
    while (first.find('\n') == std::string::npos && poll(&p, 1, 10000) > 0 &&
           read(fds[0], &c, 1) == 1) {
      first += c;
    }
    close(fds[0]);
    const std::string prefix = "listening on ";
    if (first.rfind(prefix, 0) != 0) throw std::runtime_error("sandbox did not start: " + first);
    url_ = first.substr(prefix.size(), first.size() - prefix.size() - 1);
    admin_ = std::make_unique<httplib::Client>(url_);
  }
  ~SandboxProcess() {
    kill(pid_, SIGTERM);
    if (!wait_for_exit(pid_, 10s)) {
      kill(pid_, SIGKILL);
      wait_for_exit(pid_, 10s);
    }
  }
  const std::string& url() const { return url_; }
  json get(const std::string& path) {
    auto r = admin_->Get(path);
    if (!r || r->status != 200) throw std::runtime_error("admin GET " + path);
    return json::parse(r->body);
  }
  void post(const std::string& path, const json& body) {
    auto r = admin_->Post(path, body.dump(), "application/json");
    if (!r || r->status != 200) throw std::runtime_error("admin POST " + path);
  }

 private:
  pid_t pid_ = -1;
  std::string url_;
  std::unique_ptr<httplib::Client> admin_;
};

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
  SandboxProcess sandbox(dir);
  const std::vector<std::string> credentials = {"CINETPAY_API_KEY=sandbox-key",
                                                "CINETPAY_PASSWORD=sandbox-password"};

  const std::vector<std::string> phones = {"0102030405", "0102030406", "0102030499"};
  ClientOptions options;
  options.base_url = sandbox.url();
  TransferClient client(Credentials{"sandbox-key", "sandbox-password"}, options);
  for (const auto& phone : phones) {
    client.add_contacts({Contact{"225", phone, "Kouassi", "Awa", "awa@example.com"}});
  }
  {
    std::ofstream csv(dir + "/payouts.csv");
    csv << "prefix,phone,amount,notify_url,client_transaction_id\n";
    for (int i = 0; i < kPayouts; ++i) {
      csv << "225," << phones[i % phones.size()] << "," << 100 + 5 * (i % 40)
          << ",http://127.0.0.1:9/notify,CRASH-" << i << "\n";
    }
  }
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
  for (const char* point : {"after_claim_commit", "after_send", "after_record",
                            "after_settle_claim", "after_claim_commit", "after_send"}) {
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
    idle = WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  }
  EXPECT_TRUE(idle) << "the ledger did not become idle; workers' log: " << log;

  std::map<std::string, std::vector<std::string>> at_sandbox;  // id → statuses
  const json sandbox_ledger = sandbox.get("/_sandbox/ledger");
  for (const auto& t : sandbox_ledger["transfers"]) {
    at_sandbox[t["client_transaction_id"].get<std::string>()].push_back(t["treatment_status"]);
  }
  PayoutLedger ledger = PayoutLedger::open(db);
  int duplicates = 0;
  int lost = 0;
  int mismatches = 0;
  std::vector<std::string> problems;
  for (const auto& [id, statuses] : at_sandbox) {
    if (id.rfind("CRASH-", 0) != 0) duplicates += static_cast<int>(statuses.size());
    if (statuses.size() > 1) duplicates += static_cast<int>(statuses.size()) - 1;
  }
  for (int i = 0; i < kPayouts; ++i) {
    const std::string id = "CRASH-" + std::to_string(i);
    std::optional<Payout> p = ledger.get(id);
    auto it = at_sandbox.find(id);
    const std::string sandbox_status = it == at_sandbox.end() ? "" : it->second.front();
    if (!p || !is_final(p->state) ||
        (p->state != PayoutState::rejected && sandbox_status.empty())) {
      ++lost;
      problems.push_back(id + " lost: " + (p ? std::string(to_string(p->state)) : "absent"));
      continue;
    }
    bool agrees = (p->state == PayoutState::paid && sandbox_status == "VAL") ||
                  (p->state == PayoutState::failed && sandbox_status == "REJ") ||
                  (p->state == PayoutState::rejected && sandbox_status.empty());
    std::string history = history_problem(*p);
    if (!agrees || !history.empty()) {
      ++mismatches;
      problems.push_back(id + ": ledger " + std::string(to_string(p->state)) + ", sandbox " +
                         sandbox_status + " " + history);
    }
  }
  std::printf("crash: %d payouts, %d kills, %d duplicates, %d lost, %d mismatches\n", kPayouts,
              kills, duplicates, lost, mismatches);
  for (std::size_t i = 0; i < problems.size() && i < 10; ++i) {
    std::printf("  %s\n", problems[i].c_str());
  }
  EXPECT_GE(kills, 25);
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(mismatches, 0);
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cinetpay::testing
