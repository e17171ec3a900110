// The console's reads on a SQLite ledger of a million payouts: PayoutLedger::search's first
// page, a page deep in, a state's page, an exact phone, a metadata text many payouts hold
// and one none holds, and summary(); then the console itself (`cinetpay payouts serve`, a
// process over the same file) answering its payouts page, whole, over HTTP, beside the
// search it makes. The ledger is built
// once through the public API (submit() in chunks of kSubmitChunk, then cancel() of one
// payout in 100, so that a state filter selects a few) and kept at CINETPAY_BENCH_LEDGER
// (default /dev/shm/cinetpay-query-bench.db, where fsync costs nothing): a later run reads
// the same file without building it again. Delete the file to build it anew.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cinetpay/ledger.hpp"
#include "worker_harness.hpp"

namespace {

constexpr int kPayouts = 1000000;
constexpr int kCancelEvery = 100;  // 10,000 cancelled payouts
constexpr int kPhones = 100000;    // each phone paid 10 times

std::string phone_of(int i) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "07%08d", i % kPhones);
  return buffer;
}

std::string id_of(int i) { return "B-" + std::to_string(i); }

std::string ledger_path() {
  const char* path = std::getenv("CINETPAY_BENCH_LEDGER");  // NOLINT(concurrency-mt-unsafe)
  return path != nullptr ? path : "/dev/shm/cinetpay-query-bench.db";
}

void build(const cinetpay::PayoutLedger& ledger) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  std::vector<cinetpay::PayoutRequest> batch;
  for (int i = 0; i < kPayouts; ++i) {
    cinetpay::PayoutRequest p;
    p.transfer.prefix = "225";
    p.transfer.phone = phone_of(i);
    p.transfer.amount = 100 + 5 * (i % 1000);
    p.transfer.notify_url = "https://shop.example/notify";
    p.transfer.payment_method = i % 3 == 0 ? "WAVECI" : "OMCI";
    p.transfer.client_transaction_id = id_of(i);
    p.metadata = R"({"order":"O-)" + std::to_string(i) + R"("})";
    batch.push_back(std::move(p));
    if (batch.size() == 20 * cinetpay::PayoutLedger::kSubmitChunk || i + 1 == kPayouts) {
      (void)ledger.submit(batch);
      batch.clear();
    }
  }
  const auto submitted = Clock::now();
  for (int i = 0; i < kPayouts; i += kCancelEvery) {
    (void)ledger.cancel(id_of(i), "benchmark", "bench");
  }
  const auto cancelled = Clock::now();
  auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  std::fprintf(stderr, "built %s: %d payouts submitted in %.1f s, %d cancelled in %.1f s\n",
               ledger_path().c_str(), kPayouts, seconds(submitted - started),
               kPayouts / kCancelEvery, seconds(cancelled - submitted));
}

const cinetpay::PayoutLedger& ledger() {
  static const cinetpay::PayoutLedger kLedger = [] {
    const bool exists = std::filesystem::exists(ledger_path());
    cinetpay::PayoutLedger l = cinetpay::PayoutLedger::open("sqlite:" + ledger_path());
    if (!exists) build(l);
    return l;
  }();
  return kLedger;
}

void search(benchmark::State& state, const cinetpay::PayoutQuery& query) {
  const cinetpay::PayoutLedger& l = ledger();
  std::size_t found = 0;
  for (auto _ : state) {
    cinetpay::PayoutPage page = l.search(query);
    found = page.payouts.size();
    benchmark::DoNotOptimize(page);
  }
  state.counters["payouts"] = static_cast<double>(found);
}

void FirstPage(benchmark::State& state) { search(state, {}); }

void PageDeepIn(benchmark::State& state) {
  cinetpay::PayoutQuery q;
  q.after = kPayouts / 2;  // positions run 1 to kPayouts: half way through
  search(state, q);
}

void StatePage(benchmark::State& state) {
  cinetpay::PayoutQuery q;
  q.states = {cinetpay::PayoutState::cancelled};
  search(state, q);
}

void ExactPhone(benchmark::State& state) {
  cinetpay::PayoutQuery q;
  q.text = phone_of(4242);
  search(state, q);
}

void MetadataManyHold(benchmark::State& state) {
  cinetpay::PayoutQuery q;
  q.metadata_contains = "\"order\"";  // every payout's: the first page fills at once
  search(state, q);
}

void MetadataNoneHolds(benchmark::State& state) {
  cinetpay::PayoutQuery q;
  q.metadata_contains = "no payout holds this";  // the worst case: every metadata read
  search(state, q);
}

// The console over the benchmark's ledger, read-only, for the process's life.
httplib::Client& console() {
  static const std::unique_ptr<httplib::Client> kClient = [] {
    (void)ledger();  // built first, if need be
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    const pid_t pid = cinetpay::mocks::spawn(
        {CINETPAY_CLI_PATH, "payouts", "serve", "--db", "sqlite:" + ledger_path(), "--listen",
         "127.0.0.1:0", "--read-only"},
        {}, "/dev/null", fds[1]);
    ::close(fds[1]);
    const std::string line = cinetpay::mocks::line_within(fds[0]).value_or("");
    ::close(fds[0]);
    static const pid_t kConsole = pid;
    std::atexit([] { ::kill(kConsole, SIGTERM); });
    const auto port = line.rfind(':');
    if (line.rfind("console: http://", 0) != 0 || port == std::string::npos)
      throw std::runtime_error("the console did not start: " + line);
    auto client = std::make_unique<httplib::Client>("127.0.0.1", std::stoi(line.substr(port + 1)));
    client->set_read_timeout(60, 0);
    return client;
  }();
  return *kClient;
}

void get(benchmark::State& state, const std::string& path) {
  httplib::Client& c = console();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto r = c.Get(path.c_str());
    if (!r || r->status != 200) {
      state.SkipWithError(("GET " + path + " failed").c_str());
      return;
    }
    bytes = r->body.size();
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}

void ConsolePayoutsPage(benchmark::State& state) { get(state, "/payouts"); }
void ConsolePayoutsPageDeepIn(benchmark::State& state) {
  get(state, "/payouts?after=" + std::to_string(kPayouts / 2));
}
void ConsolePayoutsPageOfAPhone(benchmark::State& state) {
  get(state, "/payouts?q=" + phone_of(4242));
}
void ConsolePayoutPage(benchmark::State& state) { get(state, "/payouts/" + id_of(4242)); }

void Summary(benchmark::State& state) {
  const cinetpay::PayoutLedger& l = ledger();
  for (auto _ : state) benchmark::DoNotOptimize(l.summary());
}

void SummaryOfAState(benchmark::State& state) {
  const cinetpay::PayoutLedger& l = ledger();
  cinetpay::PayoutQuery q;
  q.states = {cinetpay::PayoutState::cancelled};
  for (auto _ : state) benchmark::DoNotOptimize(l.summary(q));
}

BENCHMARK(FirstPage)->Unit(benchmark::kMillisecond);
BENCHMARK(PageDeepIn)->Unit(benchmark::kMillisecond);
BENCHMARK(StatePage)->Unit(benchmark::kMillisecond);
BENCHMARK(ExactPhone)->Unit(benchmark::kMillisecond);
BENCHMARK(MetadataManyHold)->Unit(benchmark::kMillisecond);
BENCHMARK(MetadataNoneHolds)->Unit(benchmark::kMillisecond);
BENCHMARK(Summary)->Unit(benchmark::kMillisecond);
BENCHMARK(SummaryOfAState)->Unit(benchmark::kMillisecond);
BENCHMARK(ConsolePayoutsPage)->Unit(benchmark::kMillisecond);
BENCHMARK(ConsolePayoutsPageDeepIn)->Unit(benchmark::kMillisecond);
BENCHMARK(ConsolePayoutsPageOfAPhone)->Unit(benchmark::kMillisecond);
BENCHMARK(ConsolePayoutPage)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
