// Metrics a merchant's process can expose to Prometheus: a thread-safe registry of
// counters, gauges and histograms, its text exposition (format 0.0.4), and the request
// observer that counts a TransferClient's requests into it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cinetpay/export.hpp"
#include "cinetpay/observe.hpp"

CINETPAY_BEGIN_NAMESPACE

/// The values of one series' labels, in the order of its family's label names.
using LabelValues = std::vector<std::string>;

/// A value that only goes up (requests made, refusals seen). Thread-safe, lock-free.
class CINETPAY_API Counter {
 public:
  /// Adds `by`, which must not be negative (std::invalid_argument: a counter that went
  /// down would read as a restart to Prometheus).
  void increment(double by = 1.0);
  /// The current value.
  [[nodiscard]] double value() const noexcept { return value_.load(); }

 private:
  std::atomic<double> value_{0.0};
};

/// A value that goes up and down (payouts in flight, a balance). Thread-safe, lock-free.
class CINETPAY_API Gauge {
 public:
  /// Sets the value.
  void set(double value) noexcept { value_.store(value); }
  /// Adds `by` (negative to subtract).
  void increment(double by = 1.0) noexcept;
  /// The current value.
  [[nodiscard]] double value() const noexcept { return value_.load(); }

 private:
  std::atomic<double> value_{0.0};
};

/// Observations counted in fixed buckets, with their sum. Thread-safe: one mutex per
/// histogram, so that a snapshot's buckets, sum and count always agree.
class CINETPAY_API Histogram {
 public:
  /// What a histogram holds at one instant.
  struct Snapshot {
    /// Per bound of bounds(), how many observations were <= it (cumulative, as Prometheus
    /// writes them); the +Inf bucket is `count`.
    std::vector<std::uint64_t> cumulative;
    double sum = 0.0;         ///< of every observation
    std::uint64_t count = 0;  ///< observations in all
  };

  /// `bounds`: the buckets' upper bounds, finite and strictly increasing (the +Inf bucket
  /// is implicit); else std::invalid_argument.
  explicit Histogram(std::vector<double> bounds);
  /// Counts `value` in the first bucket whose bound is >= it, and adds it to the sum.
  void observe(double value);
  /// The buckets, sum and count, consistent with each other.
  [[nodiscard]] Snapshot snapshot() const;
  /// The upper bounds given at construction.
  [[nodiscard]] const std::vector<double>& bounds() const noexcept { return bounds_; }

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; the last one is +Inf
  double sum_ = 0.0;
};

/// The series of one metric, one per combination of label values; made by MetricsRegistry.
/// Thread-safe. A series, once made, lives as long as the registry: references to it stay
/// valid, so a hot path may keep one.
template <typename Metric>
class MetricFamily {
 public:
  /// Makes one series of the family (a Histogram needs its bounds).
  using Factory = std::function<std::unique_ptr<Metric>()>;

  /// Called by MetricsRegistry.
  MetricFamily(std::vector<std::string> label_names, Factory make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {
    if (label_names_.empty()) (void)with({});  // exposed at zero before the first update
  }

  /// The series with these label values, made at its first use. std::invalid_argument
  /// unless there is one value per label name.
  Metric& with(const LabelValues& values) {
    if (values.size() != label_names_.size()) {
      throw std::invalid_argument("cinetpay::MetricFamily: " + std::to_string(values.size()) +
                                  " label value(s) for " + std::to_string(label_names_.size()) +
                                  " label name(s)");
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::unique_ptr<Metric>& slot = series_[values];
    if (!slot) slot = make_();
    return *slot;
  }

  /// The label names given at registration.
  [[nodiscard]] const std::vector<std::string>& label_names() const noexcept {
    return label_names_;
  }

  /// Every series made so far, ordered by label values.
  [[nodiscard]] std::vector<std::pair<LabelValues, const Metric*>> series() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::pair<LabelValues, const Metric*>> out;
    out.reserve(series_.size());
    for (const auto& [values, metric] : series_) out.emplace_back(values, metric.get());
    return out;
  }

 private:
  const std::vector<std::string> label_names_;
  const Factory make_;
  mutable std::mutex mu_;
  std::map<LabelValues, std::unique_ptr<Metric>> series_;
};

/// The Content-Type of MetricsRegistry::expose()'s text, for a /metrics endpoint.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

/// Metric families by name, and their exposition in Prometheus' text format 0.0.4.
///
/// Registering a name again with the same type, help, label names (and bounds) returns the
/// family already there, so that several clients (or a client and a worker) can feed one
/// registry; with anything different it throws std::invalid_argument. Names must match
/// `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*` without a leading `__`
/// (and a histogram's may not be `le`): else std::invalid_argument.
///
/// Thread-safe: families are registered, updated and exposed from any threads at once.
/// Families are never removed; a registry must outlive the references it handed out.
class CINETPAY_API MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  /// The counter family `name` (by convention ending in `_total`).
  MetricFamily<Counter>& counter(const std::string& name, const std::string& help,
                                 const std::vector<std::string>& label_names = {});
  /// The gauge family `name`.
  MetricFamily<Gauge>& gauge(const std::string& name, const std::string& help,
                             const std::vector<std::string>& label_names = {});
  /// The histogram family `name`, every series with buckets bounded by `bounds`.
  MetricFamily<Histogram>& histogram(const std::string& name, const std::string& help,
                                     const std::vector<double>& bounds,
                                     const std::vector<std::string>& label_names = {});

  /// Every family, ordered by name, in the text format 0.0.4: `# HELP` and `# TYPE` lines,
  /// then one line per series (a histogram's as `_bucket{…,le="…"}` up to `le="+Inf"`,
  /// `_sum` and `_count`). Help text escapes `\` and newline; label values escape `\`,
  /// `"` and newline. Serve it with kPrometheusContentType.
  [[nodiscard]] std::string expose() const;

  /// Every family and series as JSON, for another process to expose (a worker's heartbeat
  /// carries it to the console): {"name": {"type", "help", "labels", "bounds", "series":
  /// [{"labels": [...], "value"} or {"labels", "cumulative", "sum", "count"}]}}. A value
  /// that is not finite, which JSON cannot write as a number, is the string "NaN", "+Inf"
  /// or "-Inf".
  [[nodiscard]] std::string to_json() const;
  /// expose(), followed by the series of `others` (each a to_json() snapshot from another
  /// process) with one more label, `label`, set to its name: a family of this registry
  /// keeps its HELP and TYPE lines and gains the others' series; a family only the others
  /// have is written once. A snapshot that is not valid JSON, or whose family disagrees in
  /// type with one already written, is left out (never an exception: a snapshot comes from
  /// a database); so is a family whose series are not what to_json() writes, or carry a
  /// NUL, and a second snapshot of one name. Label values are escaped as expose() escapes
  /// them. Throws std::invalid_argument when `others` is not empty and `label` is not a
  /// label name, or is `le` (a histogram's own).
  [[nodiscard]] std::string expose_with(
      const std::vector<std::pair<std::string, std::string>>& others,
      const std::string& label) const;

 private:
  struct Entry;
  Entry& find_or_add(const std::string& name, const std::string& help, int type,
                     const std::vector<std::string>& label_names,
                     const std::vector<double>& bounds);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> entries_;
};

/// A RequestObserver (for ClientOptions::request_observer) that counts every HTTP attempt
/// of a client into `registry`:
///
/// - `cinetpay_requests_total{operation,outcome}`: outcome as request_outcome() names it
/// - `cinetpay_refusals_total{operation,code}`: answers with CinetPay code != 0
/// - `cinetpay_faults_total{operation,kind}`: kind as to_string(RequestFault)
/// - `cinetpay_request_duration_seconds{operation}`: a histogram with kRequestLatencyBounds
///
/// Observers made on one registry share these families: several clients may feed it. The
/// observer keeps `registry` alive. Thread-safe, like the registry. Throws
/// std::invalid_argument if the registry already holds one of these names otherwise.
CINETPAY_API RequestObserver request_metrics(std::shared_ptr<MetricsRegistry> registry);

/// The upper bounds, in seconds, of `cinetpay_request_duration_seconds`: from a quick
/// answer to the 30 s of the default request timeout.
inline constexpr double kRequestLatencyBounds[] = {0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0};

CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/metrics-inl.hpp"
#endif
