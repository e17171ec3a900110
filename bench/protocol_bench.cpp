// Costs on every request's path, each measured against a reference in the same run so that
// the figure to read is a ratio, not a time on a shared machine:
// - reading an envelope vs a bare nlohmann::json::parse of the same bytes;
// - building a send request vs dumping the same JSON by hand;
// - TokenManager::get on a cached token vs locking a bare mutex;
// - an excerpt of a 5 MB error page full of secrets, and redacting a 5 MB URL, vs copying
//   the same bytes once (both were quadratic: 46 s of CPU for 5 MB).
#include <benchmark/benchmark.h>

#include <mutex>

#include "cinetpay/transfer.hpp"
#include "cinetpay/detail/http.hpp"
#include "cinetpay/detail/protocol.hpp"
#include "cinetpay/detail/token.hpp"

namespace {

using namespace std::chrono_literals;

std::string send_answer(int items) {
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < items; ++i) {
    list.push_back({{"prefix", "225"},
                    {"phone", "0102030405"},
                    {"amount", 500},
                    {"client_transaction_id", "ORDER-" + std::to_string(i)},
                    {"notify_url", "https://shop.example/notify"},
                    {"code", 0},
                    {"status", "success"},
                    {"treatment_status", "NEW"},
                    {"transaction_id", "EA211005.065802.Z794810"},
                    {"lot", "0069229938091633417082"}});
  }
  return nlohmann::json{{"code", 0}, {"message", "OPERATION_SUCCES"}, {"data", {list}}}.dump();
}

void BM_ReferenceJsonParse(benchmark::State& state) {
  std::string body = send_answer(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(body));
}
BENCHMARK(BM_ReferenceJsonParse)->Arg(1)->Arg(50);

void BM_ReadSendAnswer(benchmark::State& state) {
  cinetpay::HttpResponse r{200, {}, send_answer(static_cast<int>(state.range(0)))};
  for (auto _ : state) {
    auto env = cinetpay::detail::parse_envelope(r);
    for (const auto* item : cinetpay::detail::data_items(env))
      benchmark::DoNotOptimize(cinetpay::detail::parse_sent_item(*item));
  }
}
BENCHMARK(BM_ReadSendAnswer)->Arg(1)->Arg(50);

std::vector<cinetpay::TransferRequest> payouts(int n) {
  std::vector<cinetpay::TransferRequest> items;
  for (int i = 0; i < n; ++i) {
    items.push_back({"225", "0102030405", 500, "https://shop.example/notify",
                     "ORDER-" + std::to_string(i), ""});
  }
  return items;
}

void BM_ReferenceDump(benchmark::State& state) {
  auto items = payouts(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& t : items) {
      a.push_back({{"prefix", t.prefix},
                   {"phone", t.phone},
                   {"amount", t.amount},
                   {"notify_url", t.notify_url},
                   {"client_transaction_id", t.client_transaction_id}});
    }
    benchmark::DoNotOptimize(a.dump());
  }
}
BENCHMARK(BM_ReferenceDump)->Arg(1)->Arg(50);

void BM_BuildSendRequest(benchmark::State& state) {
  auto items = payouts(static_cast<int>(state.range(0)));
  cinetpay::detail::RequestBuilder builder("https://client.cinetpay.com", cinetpay::Lang::en);
  for (auto _ : state) benchmark::DoNotOptimize(builder.send_money("token", items));
}
BENCHMARK(BM_BuildSendRequest)->Arg(1)->Arg(50);

void BM_ReferenceMutex(benchmark::State& state) {
  static std::mutex mu;
  std::string value = "0123456789abcdef0123456789abcdef";
  for (auto _ : state) {
    std::lock_guard<std::mutex> lock(mu);
    benchmark::DoNotOptimize(std::string(value));
  }
}
BENCHMARK(BM_ReferenceMutex)->Threads(1)->Threads(2);

void BM_CachedToken(benchmark::State& state) {
  static cinetpay::detail::TokenManager tokens(
      [] { return std::string("0123456789abcdef0123456789abcdef"); },
      [] { return std::chrono::steady_clock::now(); }, 300s, 60s);
  for (auto _ : state) benchmark::DoNotOptimize(tokens.get());
}
BENCHMARK(BM_CachedToken)->Threads(1)->Threads(2);

std::string error_page(std::size_t bytes) {
  const std::string line = "<p>unknown apikey=K-123 password: P-456 token=\"T-789\" &x=1</p>\n";
  std::string page;
  while (page.size() < bytes) page += line;
  return page;
}

void BM_ReferenceCopy5MB(benchmark::State& state) {
  const std::string page = error_page(5 << 20);
  for (auto _ : state) benchmark::DoNotOptimize(std::string(page));
}
BENCHMARK(BM_ReferenceCopy5MB);

void BM_RedactExcerpt5MB(benchmark::State& state) {
  const std::string page = error_page(5 << 20);
  for (auto _ : state) benchmark::DoNotOptimize(cinetpay::detail::redact_excerpt(page));
}
BENCHMARK(BM_RedactExcerpt5MB);

void BM_RedactUrl5MB(benchmark::State& state) {
  std::string url = "https://client.cinetpay.com/v1/transfer/check/money?lang=en";
  while (url.size() < (5u << 20)) url += "&token=T-789&lot=0044557641201530102473";
  for (auto _ : state) benchmark::DoNotOptimize(cinetpay::detail::redact_url(url));
}
BENCHMARK(BM_RedactUrl5MB);

}  // namespace

BENCHMARK_MAIN();
