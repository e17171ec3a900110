// Durable payouts, as `make demo` shows them against cinetpay-sandbox: payouts submitted to
// a ledger, a worker process killed with SIGKILL while its sends are on the wire, a new
// worker that settles them by lookup (never by sending again), every payout paid or failed
// exactly once, the change feed, and the sandbox's own ledger agreeing.
//
// Reads CINETPAY_BASE_URL, CINETPAY_API_KEY and CINETPAY_PASSWORD (TransferClient::from_env).
// With CINETPAY_DEMO_LEDGER=PATH the ledger is that file (made afresh) and is kept, for
// `make demo` to show in the console; otherwise it is a temporary file, removed at the end.
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cinetpay/ledger.hpp>
#include <cinetpay/transfer.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

namespace {

using namespace std::chrono_literals;

cinetpay::WorkerOptions worker_options(const std::string& id) {
  cinetpay::WorkerOptions o;
  o.worker_id = id;
  o.lease = 2s;  // short, so that the demo's second worker takes over quickly
  o.resend_grace = 3s;
  o.follow_initial = 300ms;
  o.follow_max = 1s;
  o.idle_pause = 200ms;
  return o;
}

void print_counts(const cinetpay::LedgerSummary& s) {
  std::printf("  ");
  for (const auto& [state, total] : s.by_state) {
    std::printf("%s %zu  ", std::string(cinetpay::to_string(state)).c_str(), total.count);
  }
  std::printf("\n");
}

}  // namespace

int main() {
  try {
    cinetpay::TransferClient client = cinetpay::TransferClient::from_env();
    const std::string base_url = std::getenv("CINETPAY_BASE_URL");  // NOLINT(concurrency-mt-unsafe)
    const char* kept = std::getenv("CINETPAY_DEMO_LEDGER");  // NOLINT(concurrency-mt-unsafe)
    const auto dir = std::filesystem::temp_directory_path() /
                     ("cinetpay-ledger-demo-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const std::filesystem::path file = kept != nullptr ? kept : dir / "payouts.db";
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
    const std::string url = "sqlite:" + file.string();

    for (const cinetpay::ContactResult& c :
         client.add_contacts({{"225", "0701020304", "Kouassi", "Awa", "awa@example.com"},
                              {"225", "0101020399", "Traore", "Fanta", "fanta@example.com"}})) {
      if (!c.ok()) throw std::runtime_error("contact refused: " + c.message);
    }
    std::vector<cinetpay::TransferRequest> payouts;
    for (int i = 1; i <= 12; ++i) {
      cinetpay::TransferRequest t;
      t.prefix = "225";
      t.phone = i % 4 == 0 ? "0101020399" : "0701020304";  // ends in 99: the sandbox says REJ
      t.amount = 500 * i;
      t.notify_url = "https://shop.example/cinetpay/notify";
      t.client_transaction_id = "PAYOUT-" + std::to_string(i);
      payouts.push_back(t);
    }
    cinetpay::PayoutLedger::open(url).submit(payouts);  // closed before the fork below
    std::printf("1. %zu payouts submitted to the ledger %s (durable before submit returns)\n",
                payouts.size(), url.c_str());

    // The sandbox holds the next send for 1.5 s: the first worker dies with it on the wire.
    httplib::Client admin(base_url);
    admin.Post("/_sandbox/faults",
               R"({"kind":"delay_ms","path":"/v1/transfer/money/send/contact","delay_ms":1500})",
               "application/json");
    pid_t child = fork();
    if (child == 0) {
      cinetpay::PayoutWorker first(cinetpay::TransferClient::from_env(),
                                   cinetpay::PayoutLedger::open(url), worker_options("worker-A"));
      first.run_until_idle(std::chrono::steady_clock::now() + 30s);
      _exit(0);
    }
    cinetpay::PayoutLedger ledger = cinetpay::PayoutLedger::open(url);
    for (int i = 0; i < 200 && ledger.list(cinetpay::PayoutState::sending).empty(); ++i) {
      std::this_thread::sleep_for(20ms);
    }
    std::this_thread::sleep_for(300ms);  // its request is on the wire now
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    std::printf("2. worker-A (pid %d) killed with SIGKILL in the middle of its send:\n",
                static_cast<int>(child));
    print_counts(ledger.summary());

    std::printf(
        "3. worker-B starts: claims of the dead worker are taken over when their lease "
        "ends, and looked up first\n");
    cinetpay::PayoutWorker second(client, ledger, worker_options("worker-B"));
    cinetpay::LedgerSummary last;
    cinetpay::LedgerSummary end = second.run_until_idle(
        std::chrono::steady_clock::now() + 60s, [&](const cinetpay::LedgerSummary& s) {
          bool changed = false;
          for (const auto& [state, total] : s.by_state)
            changed = changed || last.by_state[state].count != total.count;
          if (changed) print_counts(s);
          last = s;
        });

    std::printf("4. final table\n");
    std::printf("  %-10s %-8s %6s  %-6s %5s  %s\n", "id", "state", "amount", "status", "sends",
                "how its send was settled");
    for (const cinetpay::Payout& listed : ledger.list()) {
      cinetpay::Payout p = *ledger.get(listed.request.client_transaction_id);
      std::string how;
      for (const cinetpay::PayoutEvent& e : p.history) {
        if (e.reason == "found by lookup") how = "found by lookup after worker-A died";
      }
      std::printf("  %-10s %-8s %6lld  %-6s %5d  %s\n", p.request.client_transaction_id.c_str(),
                  std::string(cinetpay::to_string(p.state)).c_str(),
                  static_cast<long long>(p.request.amount), p.treatment_status.c_str(), p.sends,
                  how.c_str());
    }

    auto changes = ledger.changes_since(0);
    std::printf("5. change feed: %zu final outcomes, each told once (next cursor %lld)\n",
                changes.size(),
                static_cast<long long>(changes.empty() ? 0 : changes.back().cursor));

    auto answer = admin.Get("/_sandbox/ledger");
    std::map<std::string, std::vector<std::string>> at_sandbox;
    const nlohmann::json sandbox_ledger = nlohmann::json::parse(answer->body);
    for (const auto& t : sandbox_ledger["transfers"]) {
      at_sandbox[t["client_transaction_id"].get<std::string>()].push_back(
          t["treatment_status"].get<std::string>());
    }
    int agree = 0;
    int duplicates = 0;
    for (const cinetpay::TransferRequest& t : payouts) {
      const auto& seen = at_sandbox[t.client_transaction_id];
      duplicates += seen.size() > 1 ? static_cast<int>(seen.size()) - 1 : 0;
      auto state = ledger.get(t.client_transaction_id)->state;
      bool same =
          seen.size() == 1 && ((state == cinetpay::PayoutState::paid && seen[0] == "VAL") ||
                               (state == cinetpay::PayoutState::failed && seen[0] == "REJ"));
      agree += same ? 1 : 0;
    }
    std::printf("6. the sandbox agrees: %d of %zu payouts, %d duplicates\n", agree, payouts.size(),
                duplicates);
    std::filesystem::remove_all(dir);
    if (!end.idle() || agree != static_cast<int>(payouts.size()) || duplicates != 0) {
      std::printf("demo: the ledger and the sandbox disagree\n");
      return 1;
    }
    return 0;
  } catch (const cinetpay::Error& e) {
    std::fprintf(stderr, "demo failed: %s\n", e.what());
    return 1;
  }
}
