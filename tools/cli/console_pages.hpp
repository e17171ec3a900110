// The console's pages (`cinetpay payouts serve`): what each shows, as HTML. Every text that
// reaches a page goes through html(), the server's own included. Pages carry no script nor
// style of their own: both come from /console.js and /console.css, so that the
// Content-Security-Policy forbids anything inline. Stateless functions: thread-safe.
#pragma once

#include <chrono>
#include <cinetpay/ledger.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cinetpay::cli::console {

/// A query parameter that cannot be used; the page says which and why.
struct FieldError : std::invalid_argument {
  FieldError(const std::string& field, const std::string& problem)
      : std::invalid_argument(field + ": " + problem) {}
};

/// The payouts page's filters, as typed (to fill the form again) and as a query.
struct Filters {
  std::map<std::string, std::string> typed;  ///< by parameter name: state, q, min, max…
  PayoutQuery query;
};

/// The filters of `params` (a request's query parameters). Throws FieldError.
Filters parse_filters(const std::multimap<std::string, std::string>& params);

/// `text` as HTML text or attribute value: printable() first (no control character nor
/// invalid UTF-8 reaches the browser), then & < > " ' escaped.
std::string html(std::string_view text);
/// `text` percent-encoded for a URL's path segment or query value.
std::string url_part(std::string_view text);

/// What every page shares.
struct Frame {
  std::string title;
  std::string csrf;         ///< the token each action form carries
  bool read_only = false;   ///< no action forms at all
  std::int64_t cursor = 0;  ///< the change feed's last cursor when the page was made
  std::string flash;        ///< what the last action did, for people (may be empty)
};

/// A whole page: head, navigation, `body`, the live-update script.
std::string page(const Frame& frame, const std::string& body);

/// The numbers of the overview.
struct Overview {
  std::string period;  ///< "24h", "7d" or "30d"
  LedgerSummary all;
  LedgerSummary today;
  LedgerSummary in_period;
  std::vector<HourOfOutcomes> hours;  ///< of the period
  std::chrono::system_clock::time_point from, until;
  std::size_t unknown = 0;
  std::size_t sending_past_lease = 0;
  std::size_t accepted_too_long = 0;
  std::chrono::minutes accepted_threshold{60};
  std::vector<WorkerStatus> workers;
  PauseStatus sending;
  std::optional<Balance> balance;
  std::string balance_problem;  ///< why there is no balance (no credentials, an error)
};
std::string overview_body(const Overview& o, const Frame& frame);

/// The payouts table, its filters and the link to the next page.
std::string payouts_body(const PayoutPage& page, const Filters& filters);

/// What CinetPay said of a payout when asked from its page.
struct Lookup {
  std::vector<TransferStatus> statuses;  ///< check/money's answer
  std::string settled;                   ///< what the ledger did with it, for people
  std::string problem;                   ///< why there is no answer
};
/// One payout: every field, its history, the actions it allows.
std::string payout_body(const Payout& p, const Frame& frame, bool can_look_up,
                        const std::optional<Lookup>& lookup);

/// The console's script (live updates from /events) and stylesheet, served at /console.js
/// and /console.css (console_assets.cpp).
extern const std::string_view kScript;
extern const std::string_view kStyle;

}  // namespace cinetpay::cli::console
