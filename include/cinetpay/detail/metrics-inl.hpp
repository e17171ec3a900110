#pragma once

#include "cinetpay/metrics.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <system_error>

#include "cinetpay/detail/json_depth.hpp"

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

namespace detail {

// One family of an exposition being written: its HELP and TYPE, then its series' lines,
// kept apart until the end so that the series of several sources stay together.
struct FamilyText {
  int type = kCounterType;
  std::string help;
  std::string lines;
};
using Exposition = std::map<std::string, FamilyText>;

// A sample's line: `series{labels} value`.
CINETPAY_INLINE void add_sample(std::string& out, const std::string& series,
                                const std::string& label_text, double value) {
  out += series + label_text + ' ' + prometheus_number(value) + '\n';
}

// A histogram series' lines: `_bucket` up to le="+Inf", `_sum` and `_count`. `bounds` and
// `snapshot.cumulative` are of one size.
CINETPAY_INLINE void add_histogram(std::string& out, const std::string& name,
                                   const std::vector<std::string>& names, const LabelValues& values,
                                   const std::vector<double>& bounds,
                                   const Histogram::Snapshot& snapshot) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    const std::string le = "le=\"" + prometheus_number(bounds[i]) + '"';
    add_sample(out, name + "_bucket", label_set(names, values, le),
               static_cast<double>(snapshot.cumulative[i]));
  }
  add_sample(out, name + "_bucket", label_set(names, values, "le=\"+Inf\""),
             static_cast<double>(snapshot.count));
  add_sample(out, name + "_sum", label_set(names, values), snapshot.sum);
  add_sample(out, name + "_count", label_set(names, values), static_cast<double>(snapshot.count));
}

CINETPAY_INLINE std::string render(const Exposition& families) {
  std::string out;
  for (const auto& [name, family] : families) {
    out += "# HELP " + name + ' ' + prometheus_escape(family.help, false) + '\n';
    out += "# TYPE " + name + ' ' + kTypeNames[family.type] + '\n';
    out += family.lines;
  }
  return out;
}

// A sample value in a snapshot: a JSON number, or "NaN", "+Inf" or "-Inf" (JSON has no
// such numbers); nullopt for anything else.
CINETPAY_INLINE std::optional<double> snapshot_number(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  const auto& word = value.get_ref<const std::string&>();
  if (word == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (word == "+Inf") return std::numeric_limits<double>::infinity();
  if (word == "-Inf") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

CINETPAY_INLINE nlohmann::json json_number(double value) {
  if (std::isfinite(value)) return value;
  return prometheus_number(value);
}

// The strings of `value`, an array of strings without a NUL (which no exposition may
// carry); nullopt otherwise.
CINETPAY_INLINE std::optional<std::vector<std::string>> snapshot_strings(
    const nlohmann::json& value) {
  if (!value.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const nlohmann::json& item : value) {
    if (!item.is_string()) return std::nullopt;
    const auto& text = item.get_ref<const std::string&>();
    if (text.find('\0') != std::string::npos) return std::nullopt;
    out.push_back(text);
  }
  return out;
}

// The lines of one family of a snapshot, its series labelled `label`="`source`"; nullopt
// when any part of it is not what to_json() writes: no part of a bad family is exposed.
CINETPAY_INLINE std::optional<std::string> snapshot_lines(const std::string& name, int type,
                                                          const nlohmann::json& family,
                                                          const std::string& label,
                                                          const std::string& source) {
  auto names = snapshot_strings(family.value("labels", nlohmann::json()));
  const auto series = family.find("series");
  if (!names || series == family.end() || !series->is_array()) return std::nullopt;
  for (std::size_t i = 0; i < names->size(); ++i) {
    const std::string& n = (*names)[i];
    if (!is_label_name(n) || n == label || (type == kHistogramType && n == "le") ||
        std::find(names->begin(), names->begin() + static_cast<std::ptrdiff_t>(i), n) !=
            names->begin() + static_cast<std::ptrdiff_t>(i)) {
      return std::nullopt;
    }
  }
  std::vector<double> bounds;
  if (type == kHistogramType) {
    const auto given = family.find("bounds");
    if (given == family.end() || !given->is_array()) return std::nullopt;
    for (const nlohmann::json& b : *given) {
      if (!b.is_number() || !std::isfinite(b.get<double>()) ||
          (!bounds.empty() && !(bounds.back() < b.get<double>()))) {
        return std::nullopt;
      }
      bounds.push_back(b.get<double>());
    }
  }
  names->push_back(label);
  std::set<LabelValues> seen;
  std::string lines;
  for (const nlohmann::json& one : *series) {
    if (!one.is_object()) return std::nullopt;
    auto values = snapshot_strings(one.value("labels", nlohmann::json()));
    if (!values || values->size() + 1 != names->size()) return std::nullopt;
    values->push_back(source);
    if (!seen.insert(*values).second) return std::nullopt;  // one series twice
    if (type != kHistogramType) {
      auto value = snapshot_number(one.value("value", nlohmann::json()));
      if (!value) return std::nullopt;
      add_sample(lines, name, label_set(*names, *values), *value);
      continue;
    }
    Histogram::Snapshot h;
    auto sum = snapshot_number(one.value("sum", nlohmann::json()));
    const nlohmann::json count = one.value("count", nlohmann::json());
    const nlohmann::json cumulative = one.value("cumulative", nlohmann::json());
    if (!sum || !count.is_number_unsigned() || !cumulative.is_array() ||
        cumulative.size() != bounds.size()) {
      return std::nullopt;
    }
    for (const nlohmann::json& c : cumulative) {
      if (!c.is_number_unsigned() ||
          (!h.cumulative.empty() && c.get<std::uint64_t>() < h.cumulative.back())) {
        return std::nullopt;
      }
      h.cumulative.push_back(c.get<std::uint64_t>());
    }
    h.count = count.get<std::uint64_t>();
    if (!h.cumulative.empty() && h.count < h.cumulative.back()) return std::nullopt;
    h.sum = *sum;
    add_histogram(lines, name, *names, *values, bounds, h);
  }
  return lines;
}

// Adds the families of `snapshot` (a to_json() text) to `families`, each series labelled
// `label`="`source`". What cannot be read is left out, family by family; nothing throws.
CINETPAY_INLINE void add_snapshot(Exposition& families, const std::string& snapshot,
                                  const std::string& label, const std::string& source) {
  // to_json() nests five deep; a deeper text is not one, and parsing it would recurse.
  constexpr std::size_t kDepth = 5;
  if (nesting_depth(snapshot, kDepth) > kDepth) return;
  const nlohmann::json doc = nlohmann::json::parse(snapshot, nullptr, false);
  if (!doc.is_object()) return;  // also what a text that is not JSON parses to
  for (const auto& [name, family] : doc.items()) {
    if (!is_metric_name(name) || !family.is_object()) continue;
    const nlohmann::json help = family.value("help", nlohmann::json());
    const nlohmann::json type_word = family.value("type", nlohmann::json());
    const auto* type_end = std::end(kTypeNames);
    const auto* type_at = type_word.is_string() ? std::find(std::begin(kTypeNames), type_end,
                                                            type_word.get_ref<const std::string&>())
                                                : type_end;
    if (!help.is_string() || type_at == type_end) continue;
    const int type = static_cast<int>(type_at - std::begin(kTypeNames));
    const auto known = families.find(name);
    if (known != families.end() && known->second.type != type) continue;
    const auto& help_text = help.get_ref<const std::string&>();
    if (help_text.find('\0') != std::string::npos) continue;
    auto lines = snapshot_lines(name, type, family, label, source);
    if (!lines) continue;
    FamilyText& text = families[name];
    if (known == families.end()) {
      text.type = type;
      text.help = help_text;
    }
    text.lines += *lines;
  }
}

}  // namespace detail

// Without others, expose_with() writes this registry alone: one writer of the format.
CINETPAY_INLINE std::string MetricsRegistry::expose() const { return expose_with({}, {}); }

CINETPAY_INLINE std::string MetricsRegistry::to_json() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [name, entry] : entries_) {
    nlohmann::json series = nlohmann::json::array();
    if (entry->counters) {
      for (const auto& [values, c] : entry->counters->series()) {
        series.push_back({{"labels", values}, {"value", detail::json_number(c->value())}});
      }
    } else if (entry->gauges) {
      for (const auto& [values, g] : entry->gauges->series()) {
        series.push_back({{"labels", values}, {"value", detail::json_number(g->value())}});
      }
    } else {
      for (const auto& [values, h] : entry->histograms->series()) {
        const Histogram::Snapshot s = h->snapshot();
        series.push_back({{"labels", values},
                          {"cumulative", s.cumulative},
                          {"sum", detail::json_number(s.sum)},
                          {"count", s.count}});
      }
    }
    doc[name] = {{"type", detail::kTypeNames[entry->type]},
                 {"help", entry->help},
                 {"labels", entry->label_names},
                 {"bounds", entry->bounds},
                 {"series", std::move(series)}};
  }
  // Label values are the caller's bytes: any that are not UTF-8 are replaced, not thrown.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

CINETPAY_INLINE std::string MetricsRegistry::expose_with(
    const std::vector<std::pair<std::string, std::string>>& others,
    const std::string& label) const {
  if (!others.empty() && (!detail::is_label_name(label) || label == "le")) {
    throw std::invalid_argument("cinetpay::MetricsRegistry::expose_with: '" + label +
                                "' is not a label name it may add");
  }
  detail::Exposition families;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, entry] : entries_) {
      detail::FamilyText& family = families[name];
      family.type = entry->type;
      family.help = entry->help;
      const std::vector<std::string>& labels = entry->label_names;
      if (entry->counters) {
        for (const auto& [values, c] : entry->counters->series()) {
          detail::add_sample(family.lines, name, detail::label_set(labels, values), c->value());
        }
      } else if (entry->gauges) {
        for (const auto& [values, g] : entry->gauges->series()) {
          detail::add_sample(family.lines, name, detail::label_set(labels, values), g->value());
        }
      } else {
        for (const auto& [values, h] : entry->histograms->series()) {
          detail::add_histogram(family.lines, name, labels, values, h->bounds(), h->snapshot());
        }
      }
    }
  }
  // A source without a name would write label="", which Prometheus reads as no label: its
  // series would collide with this registry's own. A name seen twice would repeat series.
  std::set<std::string> sources;
  for (const auto& [source, snapshot] : others) {
    if (source.empty() || source.find('\0') != std::string::npos ||
        !sources.insert(source).second) {
      continue;
    }
    detail::add_snapshot(families, snapshot, label, source);
  }
  return detail::render(families);
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
