#pragma once

#include "cinetpay/metrics.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <iterator>
#include <system_error>

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

// std::atomic<double>::fetch_add is C++20: the same with compare-exchange.
CINETPAY_INLINE void atomic_add(std::atomic<double>& value, double by) noexcept {
  double seen = value.load();
  while (!value.compare_exchange_weak(seen, seen + by)) {
  }
}

// A sample value as Prometheus reads it (Go's ParseFloat): the shortest text that reads
// back as the same double; +Inf, -Inf and NaN by name.
CINETPAY_INLINE std::string prometheus_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  auto [end, error] = std::to_chars(std::begin(buffer), std::end(buffer), value);
  if (error != std::errc()) return "NaN";  // 32 characters hold any double: never taken
  return {std::begin(buffer), end};
}

CINETPAY_INLINE bool is_metric_name(std::string_view name) {
  auto first = [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  };
  auto rest = [&](char c) { return first(c) || std::isdigit(static_cast<unsigned char>(c)); };
  return !name.empty() && first(name[0]) && std::all_of(name.begin() + 1, name.end(), rest);
}

CINETPAY_INLINE bool is_label_name(std::string_view name) {
  auto first = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
  auto rest = [&](char c) { return first(c) || std::isdigit(static_cast<unsigned char>(c)); };
  // Names starting with __ are Prometheus' own.
  return !name.empty() && first(name[0]) && std::all_of(name.begin() + 1, name.end(), rest) &&
         name.rfind("__", 0) != 0;
}

// `text` with `\` and newline escaped, and `"` too when `quote` (label values; help text
// keeps its quotes).
CINETPAY_INLINE std::string prometheus_escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}`, with `extra` (le="…") last; empty without any label.
CINETPAY_INLINE std::string label_set(const std::vector<std::string>& names,
                                      const LabelValues& values, const std::string& extra = {}) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += (out.empty() ? "" : ",") + names[i] + "=\"" + prometheus_escape(values[i], true) + '"';
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? out : "{" + out + "}";
}

}  // namespace detail

CINETPAY_INLINE void Counter::increment(double by) {
  if (!(by >= 0)) throw std::invalid_argument("cinetpay::Counter: increment by a negative value");
  detail::atomic_add(value_, by);
}

CINETPAY_INLINE void Gauge::increment(double by) noexcept { detail::atomic_add(value_, by); }

CINETPAY_INLINE Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i]))) {
      throw std::invalid_argument(
          "cinetpay::Histogram: bounds must be finite and strictly increasing (+Inf is "
          "implicit)");
    }
  }
}

CINETPAY_INLINE void Histogram::observe(double value) {
  // The first bound >= value; past the last, the +Inf bucket. NaN lands there too.
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[bucket];
  sum_ += value;
}

CINETPAY_INLINE Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  std::lock_guard<std::mutex> lock(mu_);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    running += counts_[i];
    s.cumulative.push_back(running);
  }
  s.count = running + counts_.back();
  s.sum = sum_;
  return s;
}

namespace detail {
enum MetricType : int { kCounterType, kGaugeType, kHistogramType };
inline constexpr const char* kTypeNames[] = {"counter", "gauge", "histogram"};
}  // namespace detail

struct MetricsRegistry::Entry {
  int type = detail::kCounterType;
  std::string help;
  std::vector<std::string> label_names;
  std::vector<double> bounds;
  // The one of these the type says.
  std::unique_ptr<MetricFamily<Counter>> counters;
  std::unique_ptr<MetricFamily<Gauge>> gauges;
  std::unique_ptr<MetricFamily<Histogram>> histograms;
};

CINETPAY_INLINE MetricsRegistry::MetricsRegistry() = default;
CINETPAY_INLINE MetricsRegistry::~MetricsRegistry() = default;

CINETPAY_INLINE MetricsRegistry::Entry& MetricsRegistry::find_or_add(
    const std::string& name, const std::string& help, int type,
    const std::vector<std::string>& label_names, const std::vector<double>& bounds) {
  if (!detail::is_metric_name(name)) {
    throw std::invalid_argument("cinetpay::MetricsRegistry: '" + name +
                                "' is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
  }
  for (const std::string& label : label_names) {
    if (!detail::is_label_name(label) || (type == detail::kHistogramType && label == "le")) {
      std::string why = "cinetpay::MetricsRegistry: '";
      why.append(label).append("' of ").append(name).append(" is not a label name it may use");
      throw std::invalid_argument(why);
    }
  }
  std::unique_ptr<Entry>& slot = entries_[name];
  if (slot) {
    if (slot->type != type || slot->help != help || slot->label_names != label_names ||
        slot->bounds != bounds) {
      throw std::invalid_argument("cinetpay::MetricsRegistry: " + name +
                                  " is registered already, with another type, help, labels "
                                  "or buckets");
    }
    return *slot;
  }
  auto entry = std::make_unique<Entry>();
  entry->type = type;
  entry->help = help;
  entry->label_names = label_names;
  entry->bounds = bounds;
  if (type == detail::kCounterType) {
    entry->counters = std::make_unique<MetricFamily<Counter>>(
        label_names, [] { return std::make_unique<Counter>(); });
  } else if (type == detail::kGaugeType) {
    entry->gauges = std::make_unique<MetricFamily<Gauge>>(label_names,
                                                          [] { return std::make_unique<Gauge>(); });
  } else {
    entry->histograms = std::make_unique<MetricFamily<Histogram>>(
        label_names, [bounds] { return std::make_unique<Histogram>(bounds); });
  }
  slot = std::move(entry);
  return *slot;
}

CINETPAY_INLINE MetricFamily<Counter>& MetricsRegistry::counter(
    const std::string& name, const std::string& help, const std::vector<std::string>& label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  return *find_or_add(name, help, detail::kCounterType, label_names, {}).counters;
}

CINETPAY_INLINE MetricFamily<Gauge>& MetricsRegistry::gauge(
    const std::string& name, const std::string& help, const std::vector<std::string>& label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  return *find_or_add(name, help, detail::kGaugeType, label_names, {}).gauges;
}

CINETPAY_INLINE MetricFamily<Histogram>& MetricsRegistry::histogram(
    const std::string& name, const std::string& help, const std::vector<double>& bounds,
    const std::vector<std::string>& label_names) {
  Histogram check(bounds);  // bad bounds throw here, before anything is registered
  std::lock_guard<std::mutex> lock(mu_);
  return *find_or_add(name, help, detail::kHistogramType, label_names, bounds).histograms;
}

CINETPAY_INLINE std::string MetricsRegistry::expose() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, entry] : entries_) {
    const std::vector<std::string>& labels = entry->label_names;
    out += "# HELP " + name + ' ' + detail::prometheus_escape(entry->help, false) + '\n';
    out += "# TYPE " + name + ' ' + detail::kTypeNames[entry->type] + '\n';
    auto sample = [&](const std::string& series, const std::string& label_text, double value) {
      out += series + label_text + ' ' + detail::prometheus_number(value) + '\n';
    };
    if (entry->counters) {
      for (const auto& [values, c] : entry->counters->series()) {
        sample(name, detail::label_set(labels, values), c->value());
      }
    } else if (entry->gauges) {
      for (const auto& [values, g] : entry->gauges->series()) {
        sample(name, detail::label_set(labels, values), g->value());
      }
    } else {
      for (const auto& [values, h] : entry->histograms->series()) {
        const Histogram::Snapshot s = h->snapshot();
        for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
          const std::string le = "le=\"" + detail::prometheus_number(h->bounds()[i]) + '"';
          sample(name + "_bucket", detail::label_set(labels, values, le),
                 static_cast<double>(s.cumulative[i]));
        }
        sample(name + "_bucket", detail::label_set(labels, values, "le=\"+Inf\""),
               static_cast<double>(s.count));
        sample(name + "_sum", detail::label_set(labels, values), s.sum);
        sample(name + "_count", detail::label_set(labels, values), static_cast<double>(s.count));
      }
    }
  }
  return out;
}

CINETPAY_INLINE RequestObserver request_metrics(std::shared_ptr<MetricsRegistry> registry) {
  if (!registry) throw std::invalid_argument("cinetpay::request_metrics: the registry is null");
  auto& requests = registry->counter("cinetpay_requests_total",
                                     "HTTP attempts to CinetPay's API, by operation and outcome",
                                     {"operation", "outcome"});
  auto& refusals = registry->counter("cinetpay_refusals_total",
                                     "Answers of CinetPay with a code other than 0, by code",
                                     {"operation", "code"});
  auto& faults = registry->counter(
      "cinetpay_faults_total",
      "HTTP attempts that failed, by kind: transport, timeout, server_error, throttled, protocol",
      {"operation", "kind"});
  auto& latency = registry->histogram(
      "cinetpay_request_duration_seconds", "Duration of HTTP attempts to CinetPay's API",
      std::vector<double>(std::begin(kRequestLatencyBounds), std::end(kRequestLatencyBounds)),
      {"operation"});
  // The families live as long as the registry, which the observer keeps.
  return [registry = std::move(registry), &requests, &refusals, &faults,
          &latency](const RequestEvent& event) {
    requests.with({event.operation, std::string(request_outcome(event))}).increment();
    if (event.api_code && *event.api_code != 0) {
      refusals.with({event.operation, std::to_string(*event.api_code)}).increment();
    }
    if (event.fault)
      faults.with({event.operation, std::string(to_string(*event.fault))}).increment();
    latency.with({event.operation}).observe(std::chrono::duration<double>(event.duration).count());
  };
}

// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
