// The fleet's scale, measured (figures, not assertions): payouts per second through a
// PostgreSQL ledger with 1, 2, 4 and 8 worker processes (`cinetpay payouts run`) against
// a sandbox answering after 200 ms like CinetPay, beside a bare send_money loop at the same
// latency; and the ledger's own cost per payout (its database time) beside the network's.
//
// Throughput counts a payout once it is sent and answered (accepted, or final): following
// accepted payouts to VAL waits on CinetPay's own pace, the same for every worker count.
// Each worker process gets the same share (kPerWorker payouts), so that every run carries
// the same start-up per worker (process, database connection, login); the rate after
// start-up (first claim to last answer, from the payouts' histories) is shown beside.
#include <algorithm>
#include <chrono>
#include <cinetpay/ledger.hpp>
#include <cinetpay/transfer.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "postgres_server.hpp"
#include "worker_harness.hpp"

namespace {

using namespace std::chrono_literals;
using cinetpay::mocks::SandboxProcess;
using Steady = std::chrono::steady_clock;

constexpr int kPayouts = 400;
constexpr int kPerWorker = 100;
constexpr int kBatch = 10;
constexpr int kLatencyMs = 200;

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  std::string five;
  in >> one >> five;
  return one + " " + five;
}

std::vector<cinetpay::TransferRequest> payouts(const std::string& prefix, int n = kPayouts) {
  std::vector<cinetpay::TransferRequest> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    out.push_back({"225", "0102030405", 100 + 5 * (i % 40), "http://127.0.0.1:9/notify",
                   prefix + std::to_string(i), ""});
  }
  return out;
}

bool all_sent(const cinetpay::LedgerSummary& s) {
  using cinetpay::PayoutState;
  for (PayoutState waiting : {PayoutState::pending, PayoutState::sending, PayoutState::unknown}) {
    auto it = s.by_state.find(waiting);
    if (it != s.by_state.end() && it->second.count > 0) return false;
  }
  return true;
}

// The time the worker's sending thread spends on the network (and in the sandbox's 200 ms):
// its sends and its login, what a bare send_money loop waits for too. The follow-ups, which
// run beside the sends, are not counted: time not spent in a send or the login is the
// ledger's.
class TimedTransport : public cinetpay::HttpTransport {
 public:
  explicit TimedTransport(std::shared_ptr<cinetpay::HttpTransport> inner)
      : inner_(std::move(inner)) {}
  cinetpay::HttpResponse send(const cinetpay::HttpRequest& request) override {
    if (request.url.find("/transfer/money/send/") == std::string::npos &&
        request.url.find("/auth/login") == std::string::npos) {
      return inner_->send(request);
    }
    auto start = Steady::now();
    struct Add {
      std::atomic<std::int64_t>& total;
      Steady::time_point start;
      ~Add() { total += (Steady::now() - start).count(); }
    } add{total_, start};
    return inner_->send(request);
  }
  double seconds() const { return std::chrono::duration<double>(Steady::duration(total_)).count(); }

 private:
  std::shared_ptr<cinetpay::HttpTransport> inner_;
  std::atomic<std::int64_t> total_{0};
};

cinetpay::TransferClient client_of(const SandboxProcess& sandbox,
                                   std::shared_ptr<cinetpay::HttpTransport> transport = nullptr) {
  cinetpay::ClientOptions options;
  options.base_url = sandbox.url();
  options.transport = std::move(transport);
  return cinetpay::TransferClient(cinetpay::Credentials{"sandbox-key", "sandbox-password"},
                                  options);
}

struct FleetRun {
  double wall = 0;     // from the processes' start to the last payout answered
  double working = 0;  // from the first claim to the last answer
};

// How long `workers` processes take to send every payout of a fresh ledger of
// kPerWorker payouts each.
FleetRun run_fleet(cinetpay::mocks::PostgresServer& postgres, const SandboxProcess& sandbox,
                   const std::string& dir, int workers) {
  const std::string db = postgres.create_database();
  cinetpay::PayoutLedger ledger = cinetpay::PayoutLedger::open(db);
  ledger.submit(payouts("W" + std::to_string(workers) + "-", kPerWorker * workers));
  auto start = Steady::now();
  std::vector<pid_t> pids;
  for (int w = 0; w < workers; ++w) {
    pids.push_back(cinetpay::mocks::spawn(
        {CINETPAY_CLI_PATH, "--base-url", sandbox.url(), "payouts", "run", "--db", db,
         "--until-idle", "--max-seconds", "120", "--batch-size", std::to_string(kBatch),
         "--worker-id", "bench-" + std::to_string(w)},
        {"CINETPAY_API_KEY=sandbox-key", "CINETPAY_PASSWORD=sandbox-password"},
        dir + "/workers.log"));
  }
  while (!all_sent(ledger.summary()) && seconds_since(start) < 120) {
    std::this_thread::sleep_for(10ms);
  }
  FleetRun run;
  run.wall = seconds_since(start);
  for (pid_t pid : pids) {
    ::kill(pid, SIGTERM);
    if (!cinetpay::mocks::wait_for_exit(pid, 10s)) cinetpay::mocks::end_child(pid);
  }
  using cinetpay::PayoutState;
  auto first_claim = std::chrono::system_clock::time_point::max();
  auto last_answer = std::chrono::system_clock::time_point::min();
  for (const cinetpay::Payout& listed : ledger.list(std::nullopt, kPerWorker * workers)) {
    for (const cinetpay::PayoutEvent& e :
         ledger.get(listed.request.client_transaction_id)->history) {
      if (e.to == PayoutState::sending) first_claim = std::min(first_claim, e.at);
      if (e.from == PayoutState::sending && e.to != PayoutState::sending) {
        last_answer = std::max(last_answer, e.at);
      }
    }
  }
  run.working = std::chrono::duration<double>(last_answer - first_claim).count();
  return run;
}

}  // namespace

int main() {
  char dir_template[] = "/tmp/cinetpay-fleet-bench-XXXXXX";
  if (!::mkdtemp(dir_template)) return 1;
  const std::string dir = dir_template;
  cinetpay::mocks::PostgresOptions durable;
  durable.durable = true;
  cinetpay::mocks::PostgresServer postgres(durable);
  SandboxProcess sandbox(CINETPAY_SANDBOX_PATH, dir,
                         {"--latency-ms", std::to_string(kLatencyMs), "--settle-ms", "50",
                          "--balance", "1000000000", "--log-capacity", "100000"});
  for (const cinetpay::ContactResult& r : client_of(sandbox).add_contacts(
           {{"225", "0102030405", "Kouassi", "Awa", "awa@example.com"}})) {
    if (!r.ok()) return 1;
  }

  std::printf(
      "fleet bench: batches of %d, sandbox --latency-ms %d, PostgreSQL 15 (fsync on), %u cores, "
      "load average %s\n",
      kBatch, kLatencyMs, std::thread::hardware_concurrency(), load_average().c_str());
  {
    cinetpay::TransferClient client = client_of(sandbox);
    std::vector<cinetpay::TransferRequest> all = payouts("BARE-");
    auto start = Steady::now();
    std::size_t answered = 0;
    for (std::size_t i = 0; i < all.size(); i += kBatch) {
      answered += client
                      .send_money({all.begin() + static_cast<std::ptrdiff_t>(i),
                                   all.begin() + static_cast<std::ptrdiff_t>(i + kBatch)})
                      .size();
    }
    std::printf("  %-32s %8.1f payouts/s\n",
                ("bare send_money loop, " + std::to_string(kPayouts)).c_str(),
                static_cast<double>(answered) / seconds_since(start));
  }
  double one = 0;
  double one_working = 0;
  for (int workers : {1, 2, 4, 8}) {
    FleetRun run = run_fleet(postgres, sandbox, dir, workers);
    double rate = kPerWorker * workers / run.wall;
    double working = kPerWorker * workers / run.working;
    if (workers == 1) {
      one = rate;
      one_working = working;
    }
    std::printf(
        "  %-32s %8.1f payouts/s  x%.2f   after start-up %6.1f payouts/s  x%.2f\n",
        (std::to_string(workers) + " worker process(es), " + std::to_string(kPerWorker * workers))
            .c_str(),
        rate, rate / one, working, working / one_working);
  }
  {
    // One worker in this process, its network time measured apart: the rest is the ledger.
    auto timed =
        std::make_shared<TimedTransport>(cinetpay::make_curl_transport(cinetpay::ClientOptions{}));
    cinetpay::PayoutLedger ledger = cinetpay::PayoutLedger::open(postgres.create_database());
    ledger.submit(payouts("T-"));
    cinetpay::WorkerOptions options;
    options.batch_size = kBatch;
    cinetpay::PayoutWorker worker(client_of(sandbox, timed), ledger, options);
    auto start = Steady::now();
    double watching = 0;  // this loop's own summary() calls are not the worker's
    for (bool done = false; !done && seconds_since(start) < 120;) {
      worker.run_once();
      auto before = Steady::now();
      done = all_sent(ledger.summary());
      watching += seconds_since(before);
    }
    double wall = seconds_since(start) - watching;
    double ledger_s = wall - timed->seconds();
    std::printf(
        "  per payout: ledger (database and worker) %.2f ms, network (sends, login) %.2f ms: the "
        "ledger adds %.1f%% to a payout's wall time\n",
        1000 * ledger_s / kPayouts, 1000 * timed->seconds() / kPayouts, 100 * ledger_s / wall);
  }
  std::printf("  load average at the end: %s\n", load_average().c_str());
  std::filesystem::remove_all(dir);
  return 0;
}
