#include "console_pages.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

#include "output.hpp"

namespace cinetpay::cli::console {
namespace {

using std::chrono::system_clock;

constexpr std::size_t kMaxText = 200;

const std::string& param(const std::multimap<std::string, std::string>& params,
                         const std::string& name) {
  static const std::string kNone;
  auto it = params.find(name);
  return it == params.end() ? kNone : it->second;
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::int64_t whole(const std::string& field, const std::string& text) {
  if (!digits(text) || text.size() > 15) throw FieldError(field, "whole digits, at most 15");
  return std::stoll(text);
}

// "2026-12-06" (midnight UTC) or "2026-12-06T09:40" (an <input type=datetime-local>, UTC).
system_clock::time_point instant(const std::string& field, const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  const bool date_only = text.size() == 10;
  const int matched =
      date_only ? std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                              &consumed)
                : std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                              &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &consumed);
  if (matched != (date_only ? 3 : 5) || static_cast<std::size_t>(consumed) != text.size() ||
      tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_year < 1970) {
    throw FieldError(field, "a date YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const int day = tm.tm_mday;
  const std::time_t t = timegm(&tm);  // normalizes tm: February 31 becomes March 3
  if (tm.tm_mday != day) throw FieldError(field, "no such day");
  return system_clock::from_time_t(t);
}

std::string state_cell(PayoutState s) {
  const std::string word(to_string(s));
  return "<td class=\"state state-" + word + "\">" + word + "</td>";
}

std::string csrf_input(const Frame& frame) {
  return R"(<input type="hidden" name="csrf" value=")" + html(frame.csrf) + "\">";
}

std::string count(std::size_t n) { return std::to_string(n); }

const LedgerSummary::Total& total_of(const LedgerSummary& s, PayoutState state) {
  static const LedgerSummary::Total kZero;
  auto it = s.by_state.find(state);
  return it == s.by_state.end() ? kZero : it->second;
}

// Paid among the payouts that ended in the period, the cancelled ones left out: what
// CinetPay did with what it was sent.
std::string success_rate(const std::vector<HourOfOutcomes>& hours) {
  std::size_t paid = 0;
  std::size_t ended = 0;
  for (const HourOfOutcomes& h : hours) {
    for (const auto& [state, total] : h.by_state) {
      if (state == PayoutState::cancelled) continue;
      ended += total.count;
      if (state == PayoutState::paid) paid += total.count;
    }
  }
  if (ended == 0) return "no payout ended in the period";
  char text[64];
  std::snprintf(text, sizeof text, "%.1f%% paid (%zu of %zu ended)",
                100.0 * static_cast<double>(paid) / static_cast<double>(ended), paid, ended);
  return text;
}

// Payouts ended per hour, stacked by outcome: an SVG drawn here, so that the page needs no
// script to show it (and the CSP allows no inline one).
std::string chart(const Overview& o) {
  const auto hours = std::chrono::duration_cast<std::chrono::hours>(o.until - o.from).count() + 1;
  std::size_t peak = 1;
  for (const HourOfOutcomes& h : o.hours) {
    std::size_t n = 0;
    for (const auto& entry : h.by_state) n += entry.second.count;
    peak = std::max(peak, n);
  }
  constexpr int kWidth = 720;
  constexpr int kHeight = 120;
  const double bar = static_cast<double>(kWidth) / static_cast<double>(std::max<long>(hours, 1));
  std::ostringstream svg;
  svg << R"(<svg id="chart" role="img" viewBox="0 0 )" << kWidth << " " << kHeight
      << R"(" aria-label="payouts ended per hour, by outcome">)";
  for (const HourOfOutcomes& h : o.hours) {
    const auto index = std::chrono::duration_cast<std::chrono::hours>(h.hour - o.from).count();
    double y = kHeight;
    for (const auto& [state, total] : h.by_state) {
      const double height = kHeight * static_cast<double>(total.count) / static_cast<double>(peak);
      y -= height;
      svg << "<rect class=\"bar-" << to_string(state) << "\" x=\""
          << static_cast<double>(index) * bar << "\" y=\"" << y << "\" width=\""
          << std::max(bar - 1, 1.0) << "\" height=\"" << height << "\"><title>"
          << html(timestamp(h.hour)) << ": " << total.count << " " << to_string(state)
          << "</title></rect>";
    }
  }
  svg << "</svg>";
  return svg.str();
}

std::string sending_switch(const Overview& o, const Frame& frame) {
  std::string out = R"(<section id="sending-switch" class=")" +
                    std::string(o.sending.paused ? "paused" : "sending") + "\"><p>";
  if (o.sending.paused) {
    out += "Sending is <strong>paused</strong> since " + html(timestamp(o.sending.at));
    if (!o.sending.by.empty()) out += " by " + html(o.sending.by);
    if (!o.sending.reason.empty()) out += ": " + html(o.sending.reason);
    out += ". No worker claims a payout for sending.";
  } else {
    out += "Workers are <strong>sending</strong>.";
  }
  out += "</p>";
  if (!frame.read_only) {
    if (o.sending.paused) {
      out += R"(<form id="resume" method="post" action="/resume">)" + csrf_input(frame) +
             "<button type=\"submit\">Resume sending</button></form>";
    } else {
      out += R"(<form id="pause" method="post" action="/pause">)" + csrf_input(frame) +
             "<input name=\"reason\" maxlength=\"200\" placeholder=\"why (for the history)\">"
             "<button type=\"submit\">Pause all sending</button></form>";
    }
  }
  return out + "</section>";
}

std::string alerts(const Overview& o) {
  std::string items;
  auto alert = [&](const char* name, std::size_t n, const std::string& what,
                   const std::string& link) {
    if (n == 0) return;
    items += R"(<li class="alert" data-alert=")" + std::string(name) + "\"><a href=\"" + link +
             "\">" + count(n) + " " + what + "</a></li>";
  };
  alert("unknown", o.unknown,
        "payout(s) unknown: sent, outcome not known yet (workers settle them by lookup)",
        "/payouts?state=unknown");
  alert("sending-past-lease", o.sending_past_lease,
        "payout(s) sending past their lease: their worker stopped", "/payouts?state=sending");
  alert("accepted-too-long", o.accepted_too_long,
        "payout(s) accepted for more than " + std::to_string(o.accepted_threshold.count()) +
            " minutes: CinetPay has not paid them yet",
        "/payouts?state=accepted");
  return "<section id=\"alerts\"><h2>Alerts</h2>" +
         (items.empty() ? std::string("<p>None.</p>") : "<ul>" + items + "</ul>") + "</section>";
}

std::string workers(const Overview& o) {
  std::string rows;
  for (const WorkerStatus& w : o.workers) {
    rows += "<tr data-worker=\"" + html(w.worker_id) + "\"><td>" + html(w.worker_id) + "</td><td>" +
            html(timestamp(w.started_at)) + "</td><td>" + html(timestamp(w.last_seen)) +
            "</td><td>" + count(w.claims_held) + "</td></tr>";
  }
  return "<section><h2>Workers seen in the last 15 minutes</h2><table id=\"workers\"><thead>"
         "<tr><th>worker</th><th>started</th><th>last heartbeat</th><th>claims held</th></tr>"
         "</thead><tbody>" +
         rows + "</tbody></table>" + (o.workers.empty() ? "<p>None.</p>" : "") + "</section>";
}

std::string balance(const Overview& o) {
  if (!o.balance)
    return "<section id=\"balance\"><h2>Balance</h2><p>" + html(o.balance_problem) +
           "</p></section>";
  return "<section id=\"balance\"><h2>Balance</h2><p>available <strong>" +
         std::to_string(o.balance->available) + "</strong>, in use " +
         std::to_string(o.balance->in_using) + ", total " + std::to_string(o.balance->amount) +
         "</p></section>";
}

std::string field_row(const char* name, const std::string& value, const char* id = nullptr) {
  return std::string("<dt>") + name + "</dt><dd" +
         (id != nullptr ? std::string(" id=\"") + id + "\"" : std::string()) + ">" + html(value) +
         "</dd>";
}

// The metadata indented, each line through html(): its newlines are the layout's, the
// ones inside its strings stay escaped by the JSON.
std::string pretty_metadata(const std::string& metadata) {
  if (metadata.empty()) return "none";
  nlohmann::json parsed = nlohmann::json::parse(metadata, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return html(metadata);
  const std::string text = parsed.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  std::string::size_type from = 0;
  while (from <= text.size()) {
    const auto end = std::min(text.find('\n', from), text.size());
    out += html(std::string_view(text).substr(from, end - from)) + "\n";
    from = end + 1;
  }
  return out;
}

std::string history(const Payout& p) {
  std::string rows;
  for (const PayoutEvent& e : p.history) {
    rows += "<tr><td>" + html(timestamp(e.at)) + "</td><td>" +
            (e.from ? std::string(to_string(*e.from)) : std::string()) + "</td><td>" +
            std::string(to_string(e.to)) + "</td><td>" + html(e.worker_id) + "</td><td>" +
            (e.api_code != 0 ? std::to_string(e.api_code) : std::string()) + "</td><td>" +
            html(e.treatment_status) + "</td><td>" + html(e.reason) + "</td><td>" +
            (e.repeats > 1 ? std::to_string(e.repeats) + "×, last " + html(timestamp(e.last_at))
                           : std::string()) +
            "</td></tr>";
  }
  return "<h2>History</h2><table id=\"history\"><thead><tr><th>at</th><th>from</th><th>to</th>"
         "<th>worker</th><th>code</th><th>status</th><th>reason</th><th>repeated</th></tr>"
         "</thead><tbody>" +
         rows + "</tbody></table>";
}

std::string lookup_section(const Lookup& l) {
  std::string out = "<section id=\"lookup-result\"><h2>What CinetPay says now</h2>";
  if (!l.problem.empty()) return out + "<p>" + html(l.problem) + "</p></section>";
  for (const TransferStatus& s : l.statuses) {
    out += "<dl>" + field_row("transaction_id", s.transaction_id) +
           field_row("treatment_status", to_string(s.treatment_status)) +
           field_row("amount", std::to_string(s.amount)) + field_row("receiver", s.receiver) +
           field_row("operator", s.operator_code) + field_row("lot", s.lot) +
           field_row("comment", s.comment) + field_row("validated_at", s.validated_at) + "</dl>";
  }
  if (!l.settled.empty()) out += "<p id=\"settled\">" + html(l.settled) + "</p>";
  return out + "</section>";
}

}  // namespace

Filters parse_filters(const std::multimap<std::string, std::string>& params) {
  Filters f;
  for (const char* name :
       {"state", "q", "meta", "min", "max", "method", "prefix", "from", "until"}) {
    const std::string& value = param(params, name);
    if (value.size() > kMaxText) throw FieldError(name, "at most 200 bytes");
    if (!value.empty()) f.typed[name] = value;
  }
  PayoutQuery& q = f.query;
  if (const std::string& s = param(params, "state"); !s.empty()) {
    std::optional<PayoutState> state = payout_state_from(s);
    if (!state) throw FieldError("state", "not a payout state");
    q.states = {*state};
  }
  q.text = param(params, "q");
  q.metadata_contains = param(params, "meta");
  if (const std::string& s = param(params, "min"); !s.empty()) q.amount_min = whole("min", s);
  if (const std::string& s = param(params, "max"); !s.empty()) q.amount_max = whole("max", s);
  q.payment_method = param(params, "method");
  q.prefix = param(params, "prefix");
  if (const std::string& s = param(params, "from"); !s.empty()) q.created_from = instant("from", s);
  if (const std::string& s = param(params, "until"); !s.empty()) {
    // A date names its whole day: until its end.
    q.created_until =
        instant("until", s) + (s.size() == 10 ? std::chrono::hours(24) : std::chrono::hours(0));
  }
  if (const std::string& s = param(params, "after"); !s.empty()) q.after = whole("after", s);
  return f;
}

std::string html(std::string_view text) {
  const std::string safe = printable(text);
  std::string out;
  out.reserve(safe.size());
  for (char c : safe) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string url_part(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string page(const Frame& frame, const std::string& body) {
  return R"(<!doctype html><html lang="en"><head><meta charset="utf-8"><title>)" +
         html(frame.title) +
         " · cinetpay payouts</title><meta name=\"viewport\" content=\"width=device-width\">"
         "<link rel=\"stylesheet\" href=\"/console.css\"><script src=\"/console.js\" defer>"
         "</script></head><body data-cursor=\"" +
         std::to_string(frame.cursor) +
         "\"><nav><a href=\"/\">Overview</a> <a href=\"/payouts\">Payouts</a> "
         "<a href=\"/metrics\">Metrics</a>" +
         (frame.read_only ? " <span id=\"read-only\">read-only</span>" : "") + "</nav><main>" +
         (frame.flash.empty() ? std::string()
                              : R"(<p id="flash" role="status">)" + html(frame.flash) + "</p>") +
         body + "</main></body></html>";
}

std::string overview_body(const Overview& o, const Frame& frame) {
  std::string rows;
  for (PayoutState state : all_payout_states()) {
    const auto& all = total_of(o.all, state);
    const auto& today = total_of(o.today, state);
    const auto& period = total_of(o.in_period, state);
    const std::string word(to_string(state));
    rows += "<tr data-state=\"" + word + "\"><th><a href=\"/payouts?state=" + word + "\">" + word +
            "</a></th><td class=\"count\">" + count(all.count) + "</td><td class=\"amount\">" +
            std::to_string(all.amount) + "</td><td>" + count(today.count) + "</td><td>" +
            std::to_string(today.amount) + "</td><td>" + count(period.count) + "</td><td>" +
            std::to_string(period.amount) + "</td></tr>";
  }
  std::string periods;
  for (const char* p : {"24h", "7d", "30d"}) {
    periods += p == o.period ? std::string("<strong>") + p + "</strong> "
                             : std::string("<a href=\"/?period=") + p + "\">" + p + "</a> ";
  }
  return "<h1>Payouts</h1>" + sending_switch(o, frame) + alerts(o) +
         "<section><h2>By state</h2><table id=\"state-counts\"><thead><tr><th>state</th>"
         "<th>count</th><th>amount</th><th>submitted today</th><th>amount</th>"
         "<th>submitted in the period</th><th>amount</th></tr></thead><tbody>" +
         rows + "</tbody></table></section><section><h2>Ended per hour, " +
         html(timestamp(o.from)) + " to " + html(timestamp(o.until)) +
         "</h2><p>Period: " + periods + "· <span id=\"success-rate\">" + success_rate(o.hours) +
         "</span></p>" + chart(o) + "</section>" + workers(o) + balance(o);
}

std::string payouts_body(const PayoutPage& page, const Filters& filters) {
  auto typed = [&](const char* name) {
    auto it = filters.typed.find(name);
    return it == filters.typed.end() ? std::string() : html(it->second);
  };
  std::string states = "<option value=\"\">any state</option>";
  for (PayoutState s : all_payout_states()) {
    const std::string word(to_string(s));
    states += "<option value=\"" + word + "\"" + (typed("state") == word ? " selected" : "") + ">" +
              word + "</option>";
  }
  auto input = [&](const char* name, const char* label, const char* type) {
    return std::string("<label>") + label + " <input name=\"" + name + "\" type=\"" + type +
           "\" value=\"" + typed(name) + "\"></label> ";
  };
  std::string form =
      "<form id=\"filters\" method=\"get\" action=\"/payouts\"><label>state "
      "<select name=\"state\">" +
      states + "</select></label> " +
      input("q", "id, transaction id, lot, phone or metadata", "search") +
      input("min", "amount from", "text") + input("max", "to", "text") +
      input("method", "operator", "text") + input("prefix", "prefix", "text") +
      input("from", "submitted from", "date") + input("until", "until", "date") +
      R"(<button id="apply" type="submit">Filter</button></form>)";
  std::string rows;
  for (const Payout& p : page.payouts) {
    const std::string& id = p.request.client_transaction_id;
    rows += "<tr data-id=\"" + html(id) + "\"><td><a href=\"/payouts/" + url_part(id) + "\">" +
            html(id) + "</a></td>" + state_cell(p.state) + "<td class=\"amount\">" +
            std::to_string(p.request.amount) + "</td><td>+" + html(p.request.prefix) + " " +
            html(p.request.phone) + "</td><td>" + html(p.request.payment_method) + "</td><td>" +
            html(p.transaction_id) + "</td><td>" + html(p.lot) + "</td><td>" +
            html(timestamp(p.updated_at)) + "</td><td>" + html(p.detail) + "</td></tr>";
  }
  std::string next;
  if (page.next) {
    std::string link = "/payouts?";
    for (const auto& [name, value] : filters.typed) link += name + "=" + url_part(value) + "&";
    next = R"(<p><a id="next" href=")" + html(link) + "after=" + std::to_string(*page.next) +
           "\">Next page</a></p>";
  }
  return "<h1>Payouts</h1>" + form +
         "<table id=\"payouts\"><thead><tr><th>client_transaction_id</th><th>state</th>"
         "<th>amount</th><th>phone</th><th>operator</th><th>transaction_id</th><th>lot</th>"
         "<th>updated</th><th>last reason</th></tr></thead><tbody>" +
         rows + "</tbody></table>" + (page.payouts.empty() ? "<p>No payout matches.</p>" : "") +
         next;
}

std::string payout_body(const Payout& p, const Frame& frame, bool can_look_up,
                        const std::optional<Lookup>& lookup) {
  const std::string& id = p.request.client_transaction_id;
  const std::string action = "/payouts/" + url_part(id);
  std::string actions;
  if (!frame.read_only && p.state == PayoutState::pending) {
    actions += R"(<form id="cancel" method="post" action=")" + action + "/cancel\">" +
               csrf_input(frame) +
               "<input name=\"reason\" maxlength=\"200\" placeholder=\"why (for the history)\">"
               "<button type=\"submit\">Cancel this payout</button></form>";
  }
  if (!frame.read_only && can_look_up) {
    actions += R"(<form id="lookup" method="post" action=")" + action + "/lookup\">" +
               csrf_input(frame) + "<button type=\"submit\">Ask CinetPay now (check/money)" +
               (is_final(p.state) ? "" : ", and settle it by what it says") + "</button></form>";
  }
  std::string recipient;
  if (p.recipient) {
    recipient = field_row("recipient", p.recipient->name + " " + p.recipient->surname) +
                field_row("email", p.recipient->email);
  }
  return "<h1>Payout " + html(id) + R"(</h1><dl id="payout" data-id=")" + html(id) + "\">" +
         field_row("state", std::string(to_string(p.state)), "state") +
         field_row("amount", std::to_string(p.request.amount)) +
         field_row("phone", "+" + p.request.prefix + " " + p.request.phone) +
         field_row("operator", p.request.payment_method) + recipient +
         field_row("transaction_id", p.transaction_id) + field_row("lot", p.lot) +
         field_row("treatment_status", p.treatment_status) +
         field_row("api_code", p.api_code != 0 ? std::to_string(p.api_code) : "") +
         field_row("last reason", p.detail) + field_row("sends", std::to_string(p.sends)) +
         field_row("held by", p.worker_id) +
         field_row("lease until", p.worker_id.empty() ? "" : timestamp(p.lease_until)) +
         field_row("submitted", timestamp(p.created_at)) +
         field_row("updated", timestamp(p.updated_at)) +
         "</dl><h2>Metadata</h2><pre id=\"metadata\">" + pretty_metadata(p.metadata) + "</pre>" +
         actions + (lookup ? lookup_section(*lookup) : "") + history(p);
}

}  // namespace cinetpay::cli::console
