// The metrics registry, its Prometheus text exposition, and request_metrics().
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cinetpay/testing/answers.hpp"
#include "cinetpay/transfer.hpp"
#include "fakes.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using mocks::FakeWorld;
namespace answers = mocks::answers;
namespace paths = mocks::paths;
using ::testing::HasSubstr;

TEST(MetricsRegistry, ExposesEachTypeInTheTextFormat) {
  MetricsRegistry registry;
  registry.counter("jobs_total", "Jobs done,\nby \"kind\" \\ path", {"kind", "path"})
      .with({"a\"b", "C:\\x\nnext"})
      .increment(2);
  registry.gauge("in_flight", "Payouts in flight").with({}).set(-1.5);
  auto& h = registry.histogram("wait_seconds", "Waits", {0.1, 1}, {"op"});
  h.with({"send"}).observe(0.1);  // on a bound: counted in that bucket
  h.with({"send"}).observe(0.5);
  h.with({"send"}).observe(7);
  EXPECT_EQ(registry.expose(),
            "# HELP in_flight Payouts in flight\n"
            "# TYPE in_flight gauge\n"
            "in_flight -1.5\n"
            "# HELP jobs_total Jobs done,\\nby \"kind\" \\\\ path\n"
            "# TYPE jobs_total counter\n"
            "jobs_total{kind=\"a\\\"b\",path=\"C:\\\\x\\nnext\"} 2\n"
            "# HELP wait_seconds Waits\n"
            "# TYPE wait_seconds histogram\n"
            "wait_seconds_bucket{op=\"send\",le=\"0.1\"} 1\n"
            "wait_seconds_bucket{op=\"send\",le=\"1\"} 2\n"
            "wait_seconds_bucket{op=\"send\",le=\"+Inf\"} 3\n"
            "wait_seconds_sum{op=\"send\"} 7.6\n"
            "wait_seconds_count{op=\"send\"} 3\n");
}

TEST(MetricsRegistry, UnlabelledFamilyIsExposedAtZeroAndLabelledOneWithoutSeries) {
  MetricsRegistry registry;
  registry.counter("starts_total", "Starts");
  registry.counter("errors_total", "Errors", {"code"});
  registry.histogram("size", "Sizes", {});
  EXPECT_EQ(registry.expose(),
            "# HELP errors_total Errors\n# TYPE errors_total counter\n"
            "# HELP size Sizes\n# TYPE size histogram\n"
            "size_bucket{le=\"+Inf\"} 0\nsize_sum 0\nsize_count 0\n"
            "# HELP starts_total Starts\n# TYPE starts_total counter\nstarts_total 0\n");
}

TEST(MetricsRegistry, NumbersReadBackAsTheSameDouble) {
  MetricsRegistry registry;
  auto& g = registry.gauge("g", "G", {"v"});
  g.with({"tenth"}).set(0.1);
  g.with({"big"}).set(1e21);
  g.with({"inf"}).set(std::numeric_limits<double>::infinity());
  g.with({"nan"}).set(std::numeric_limits<double>::quiet_NaN());
  g.with({"neg_inf"}).set(-std::numeric_limits<double>::infinity());
  const std::string text = registry.expose();
  EXPECT_THAT(text, HasSubstr("g{v=\"tenth\"} 0.1\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"big\"} 1e+21\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"inf\"} +Inf\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"nan\"} NaN\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"neg_inf\"} -Inf\n"));
}

TEST(MetricsRegistry, RefusesWhatPrometheusWouldNotRead) {
  MetricsRegistry registry;
  EXPECT_THROW(registry.counter("", "x"), std::invalid_argument);
  EXPECT_THROW(registry.counter("1st", "x"), std::invalid_argument);
  EXPECT_THROW(registry.counter("a-b", "x"), std::invalid_argument);
  EXPECT_NO_THROW(registry.counter("ns:sub_total9", "x"));
  EXPECT_THROW(registry.counter("c", "x", {"bad-label"}), std::invalid_argument);
  EXPECT_THROW(registry.counter("c", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry.counter("c", "x", {"a:b"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "x", {1}, {"le"}), std::invalid_argument);
  EXPECT_NO_THROW(registry.counter("c", "x", {"le"}));  // only a histogram's is reserved
  EXPECT_THROW(registry.histogram("h", "x", {1, 1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "x", {2, 1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "x", {1, std::numeric_limits<double>::infinity()}),
               std::invalid_argument);
  EXPECT_THROW(registry.counter("c", "x", {"le"}).with({}), std::invalid_argument);
  EXPECT_THROW(registry.counter("c", "x", {"le"}).with({"1"}).increment(-1), std::invalid_argument);
  EXPECT_EQ(registry.expose().find("# HELP h "), std::string::npos);  // nothing half-made
}

TEST(MetricsRegistry, SameRegistrationIsTheSameFamilyAndAnotherOneThrows) {
  MetricsRegistry registry;
  auto& a = registry.counter("x_total", "X", {"k"});
  EXPECT_EQ(&a, &registry.counter("x_total", "X", {"k"}));
  EXPECT_EQ(&a.with({"1"}), &registry.counter("x_total", "X", {"k"}).with({"1"}));
  EXPECT_THROW(registry.gauge("x_total", "X", {"k"}), std::invalid_argument);
  EXPECT_THROW(registry.counter("x_total", "other help", {"k"}), std::invalid_argument);
  EXPECT_THROW(registry.counter("x_total", "X", {"k", "j"}), std::invalid_argument);
  auto& h = registry.histogram("h", "H", {1, 2});
  EXPECT_EQ(&h, &registry.histogram("h", "H", {1, 2}));
  EXPECT_THROW(registry.histogram("h", "H", {1, 3}), std::invalid_argument);
}

TEST(MetricsRegistry, ConcurrentUpdatesAreAllCountedAndHistogramsStayConsistent) {
  MetricsRegistry registry;
  auto& c = registry.counter("n_total", "N", {"t"});
  auto& h = registry.histogram("v", "V", {0.5});
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  threads.reserve(2);
  std::vector<std::string> expositions;
  expositions.reserve(50);
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        c.with({"shared"}).increment();
        h.with({}).observe(t == 0 ? 0.25 : 1.0);
      }
    });
  }
  // Expositions taken meanwhile: in each, the +Inf bucket is the count.
  for (int i = 0; i < 50; ++i) expositions.push_back(registry.expose());
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.with({"shared"}).value(), 2.0 * kPerThread);
  Histogram::Snapshot s = h.with({}).snapshot();
  EXPECT_EQ(s.count, 2U * kPerThread);
  EXPECT_EQ(s.cumulative, std::vector<std::uint64_t>{kPerThread});
  for (const std::string& text : expositions) {
    auto value_after = [&](const std::string& key) {
      auto at = text.find(key);
      return text.substr(at + key.size(), text.find('\n', at) - at - key.size());
    };
    EXPECT_EQ(value_after("v_bucket{le=\"+Inf\"} "), value_after("v_count "));
  }
}

// Every family and series, each type with its own fields, and numbers JSON cannot write
// as strings Prometheus reads.
TEST(MetricsRegistry, ToJsonHoldsEveryFamilyAndSeries) {
  MetricsRegistry registry;
  registry.counter("jobs_total", "Jobs", {"kind"}).with({"a\"b"}).increment(2);
  registry.gauge("level", "Level").with({}).set(std::numeric_limits<double>::infinity());
  registry.histogram("wait_seconds", "Waits", {0.1, 1}, {"op"}).with({"send"}).observe(0.5);
  const nlohmann::json doc = nlohmann::json::parse(registry.to_json());
  ASSERT_EQ(doc.size(), 3U);
  EXPECT_EQ(doc["jobs_total"]["type"], "counter");
  EXPECT_EQ(doc["jobs_total"]["help"], "Jobs");
  EXPECT_EQ(doc["jobs_total"]["labels"], nlohmann::json({"kind"}));
  EXPECT_EQ(doc["jobs_total"]["series"][0]["labels"], nlohmann::json({"a\"b"}));
  EXPECT_EQ(doc["jobs_total"]["series"][0]["value"], 2.0);
  EXPECT_EQ(doc["level"]["type"], "gauge");
  EXPECT_EQ(doc["level"]["series"][0]["value"], "+Inf");
  const nlohmann::json& h = doc["wait_seconds"];
  EXPECT_EQ(h["type"], "histogram");
  EXPECT_EQ(h["bounds"], nlohmann::json({0.1, 1.0}));
  EXPECT_EQ(h["series"][0]["cumulative"], nlohmann::json({0, 1}));
  EXPECT_EQ(h["series"][0]["sum"], 0.5);
  EXPECT_EQ(h["series"][0]["count"], 1);
  EXPECT_EQ(MetricsRegistry().to_json(), "{}");
}

// Another process's snapshot joins a family of this registry under its HELP and TYPE, and
// brings a family of its own once; the source's name is escaped as a label value.
TEST(MetricsRegistry, ExposeWithMergesSnapshotsUnderOneHeader) {
  MetricsRegistry mine;
  mine.counter("jobs_total", "Jobs", {"kind"}).with({"a"}).increment(1);
  MetricsRegistry theirs;
  theirs.counter("jobs_total", "Jobs of theirs", {"kind"}).with({"a"}).increment(4);
  theirs.gauge("level", "Level").with({}).set(3);
  theirs.histogram("wait_seconds", "Waits", {1}).with({}).observe(0.5);
  EXPECT_EQ(mine.expose_with({}, "worker"), mine.expose());
  EXPECT_EQ(mine.expose_with({{"w\"1\\\n", theirs.to_json()}}, "worker"),
            "# HELP jobs_total Jobs\n"
            "# TYPE jobs_total counter\n"
            "jobs_total{kind=\"a\"} 1\n"
            "jobs_total{kind=\"a\",worker=\"w\\\"1\\\\\\n\"} 4\n"
            "# HELP level Level\n"
            "# TYPE level gauge\n"
            "level{worker=\"w\\\"1\\\\\\n\"} 3\n"
            "# HELP wait_seconds Waits\n"
            "# TYPE wait_seconds histogram\n"
            "wait_seconds_bucket{worker=\"w\\\"1\\\\\\n\",le=\"1\"} 1\n"
            "wait_seconds_bucket{worker=\"w\\\"1\\\\\\n\",le=\"+Inf\"} 1\n"
            "wait_seconds_sum{worker=\"w\\\"1\\\\\\n\"} 0.5\n"
            "wait_seconds_count{worker=\"w\\\"1\\\\\\n\"} 1\n");
  // Two sources: the series of one family stay together, in the order given.
  MetricsRegistry other;
  other.gauge("level", "Level").with({}).set(5);
  EXPECT_THAT(mine.expose_with({{"b", theirs.to_json()}, {"a", other.to_json()}}, "worker"),
              HasSubstr("# TYPE level gauge\nlevel{worker=\"b\"} 3\nlevel{worker=\"a\"} 5\n#"));
}

// A snapshot comes from a database: whatever it holds, nothing throws, and what cannot be
// read is left out, family by family, the rest still exposed.
TEST(MetricsRegistry, ExposeWithLeavesOutWhatItCannotRead) {
  MetricsRegistry mine;
  mine.counter("jobs_total", "Jobs").with({}).increment(1);
  const std::string alone = mine.expose();
  const std::string good = R"({"ok_total":{"type":"counter","help":"h","labels":[],"bounds":[],
      "series":[{"labels":[],"value":1}]}})";
  const std::vector<std::string> bad = {
      "",
      "not json",
      "[1, 2]",
      R"({"jobs_total":{"type":"gauge","help":"Jobs","labels":[],"series":[{"labels":[],"value":2}]}})",
      R"({"x_total":{"type":"counter","help":"h","labels":["a"],"series":[{"labels":[],"value":1}]}})",
      R"({"x_total":{"type":"counter","help":"h","labels":[],"series":[{"labels":[],"value":"1"}]}})",
      R"({"x_total":{"type":"counter","help":"h","labels":["worker"],"series":[{"labels":["w"],"value":1}]}})",
      R"({"x_total":{"type":"counter","help":"h","labels":["a","a"],"series":[{"labels":["1","2"],"value":1}]}})",
      R"({"x_total":{"type":"counter","help":"h","labels":["a"],"series":[{"labels":["\u0000"],"value":1}]}})",
      R"({"x_total":{"type":"counter","help":"h","labels":[],"series":[{"labels":[],"value":1},{"labels":[],"value":2}]}})",
      R"({"x total":{"type":"counter","help":"h","labels":[],"series":[]}})",
      R"({"x_total":{"type":"summary","help":"h","labels":[],"series":[]}})",
      R"({"x_total":{"type":"counter","help":7,"labels":[],"series":[]}})",
      R"({"h":{"type":"histogram","help":"h","labels":[],"bounds":[1],"series":[{"labels":[],"cumulative":[1e30],"sum":1,"count":1}]}})",
      R"({"h":{"type":"histogram","help":"h","labels":[],"bounds":[1],"series":[{"labels":[],"cumulative":[5],"sum":1,"count":2}]}})",
      R"({"h":{"type":"histogram","help":"h","labels":[],"bounds":[2,1],"series":[]}})",
      R"({"h":{"type":"histogram","help":"h","labels":[],"bounds":[1],"series":[{"labels":[],"cumulative":[99999999999999999999999],"sum":1,"count":1}]}})",
      std::string(100000, '[') + std::string(100000, ']'),
  };
  for (const std::string& snapshot : bad) {
    std::string out;
    ASSERT_NO_THROW(out = mine.expose_with({{"w", snapshot}}, "worker")) << snapshot;
    EXPECT_EQ(out, alone) << snapshot;
    // Beside a bad one, a good snapshot is still read.
    ASSERT_NO_THROW(out = mine.expose_with({{"w", snapshot}, {"v", good}}, "worker"));
    EXPECT_THAT(out, HasSubstr("ok_total{worker=\"v\"} 1\n")) << snapshot;
  }
  // A family left out does not take the snapshot's others with it.
  const std::string mixed = R"({"jobs_total":{"type":"gauge","help":"J","labels":[],
      "series":[{"labels":[],"value":2}]},"ok_total":{"type":"counter","help":"h","labels":[],
      "bounds":[],"series":[{"labels":[],"value":1}]}})";
  EXPECT_THAT(mine.expose_with({{"w", mixed}}, "worker"), HasSubstr("ok_total{worker=\"w\"} 1"));
  // A source without a name, or named twice, would repeat or shadow series: left out.
  EXPECT_EQ(mine.expose_with({{"", good}}, "worker"), alone);
  EXPECT_EQ(mine.expose_with({{"v", good}, {"v", good}}, "worker"),
            alone + "# HELP ok_total h\n# TYPE ok_total counter\nok_total{worker=\"v\"} 1\n");
  EXPECT_THROW((void)mine.expose_with({{"v", good}}, "le"), std::invalid_argument);
  EXPECT_THROW((void)mine.expose_with({{"v", good}}, "not a label"), std::invalid_argument);
}

TEST(RequestMetrics, CountsRequestsRefusalsFaultsAndLatencyByOperation) {
  FakeWorld w;
  w.transport->on(paths::kLogin, [&w](const HttpRequest&) {
    w.clock.advance(30ms);
    return answers::login();
  });
  w.transport->on_json(paths::kBalance, 503, "{}")
      .then(paths::kBalance,
            [&w](const HttpRequest&) {
              w.clock.advance(2s);
              return answers::balance(1000);
            })
      .then(paths::kBalance, answers::error(708))
      .then(paths::kBalance, answers::unreachable());
  auto registry = std::make_shared<MetricsRegistry>();
  auto o = w.options();
  o.request_observer = request_metrics(registry);
  o.retry.max_attempts = 2;
  auto client = w.client(o);
  (void)client.balance();
  EXPECT_THROW((void)client.balance(), ApiError);
  EXPECT_THROW((void)client.balance(), TransportError);
  // A second client feeds the same families.
  auto o2 = o;
  o2.request_observer = request_metrics(registry);
  // check/money is scripted nowhere: the transport refuses it before it leaves, twice.
  EXPECT_THROW((void)w.client(o2).check_transfer(TransferQuery::by_transaction_id("EA1")),
               TransportError);
  const std::string text = registry->expose();
  for (const char* line : {
           "cinetpay_requests_total{operation=\"balance\",outcome=\"ok\"} 1\n",
           "cinetpay_requests_total{operation=\"balance\",outcome=\"refused\"} 1\n",
           "cinetpay_requests_total{operation=\"balance\",outcome=\"server_error\"} 1\n",
           "cinetpay_requests_total{operation=\"balance\",outcome=\"transport\"} 2\n",
           "cinetpay_requests_total{operation=\"login\",outcome=\"ok\"} 2\n",
           "cinetpay_refusals_total{operation=\"balance\",code=\"708\"} 1\n",
           "cinetpay_faults_total{operation=\"balance\",kind=\"server_error\"} 1\n",
           "cinetpay_faults_total{operation=\"balance\",kind=\"transport\"} 2\n",
           "cinetpay_request_duration_seconds_bucket{operation=\"balance\",le=\"1\"} 4\n",
           "cinetpay_request_duration_seconds_bucket{operation=\"balance\",le=\"2.5\"} 5\n",
           "cinetpay_request_duration_seconds_sum{operation=\"balance\"} 2\n",
           "cinetpay_request_duration_seconds_count{operation=\"balance\"} 5\n",
           "cinetpay_request_duration_seconds_bucket{operation=\"login\",le=\"0.05\"} 2\n",
           "cinetpay_request_duration_seconds_sum{operation=\"login\"} 0.06\n",
       }) {
    EXPECT_THAT(text, HasSubstr(line));
  }
  EXPECT_THAT(text,
              HasSubstr("cinetpay_requests_total{operation=\"check\",outcome=\"transport\"} 2\n"));
  EXPECT_THROW(request_metrics(nullptr), std::invalid_argument);
}

TEST(RequestMetrics, RegistryHoldingOneOfItsNamesOtherwiseIsRefused) {
  auto registry = std::make_shared<MetricsRegistry>();
  registry->gauge("cinetpay_requests_total", "mine");
  EXPECT_THROW(request_metrics(registry), std::invalid_argument);
}

}  // namespace
}  // namespace cinetpay
