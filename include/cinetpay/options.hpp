/// @file
/// Options of a TransferClient: plain structs whose defaults are the documented ones.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cinetpay/export.hpp"
#include "cinetpay/observe.hpp"

CINETPAY_BEGIN_NAMESPACE

class HttpTransport;

/// The API key and the API (transfer) password set in CinetPay's back office.
/// Deliberately has no stream operator: a secret must never reach a log by accident.
/// A plain value.
struct Credentials {
  std::string api_key;   ///< never logged, never in a message
  std::string password;  ///< never logged, never in a message
};

/// The language of the API's messages, sent as `lang=` on every call.
enum class Lang { en, fr };

/// "en" or "fr". Throws nothing.
CINETPAY_API std::string_view to_string(Lang lang) noexcept;

/// How reads (login, balance, check, contacts) are retried; see docs/design.md.
/// A send follows the same backoff but is only repeated when it certainly did not reach
/// the server, or when the server refused the token. A plain value.
struct RetryPolicy {
  /// Attempts in all, the first one included. 1 disables retries.
  int max_attempts = 3;
  /// Backoff before the second attempt; it doubles on each retry ("full jitter": the
  /// actual wait is a uniform random fraction of it).
  std::chrono::milliseconds initial_backoff{500};
  /// The cap of the doubling backoff.
  std::chrono::milliseconds max_backoff{5000};
  /// A `Retry-After` longer than this is not waited for: the call fails instead.
  std::chrono::seconds max_retry_after{60};
};

/// Receives log lines, each a LogRecord written in ClientOptions::log_format (key=value by
/// default). Lines are already redacted: tokens, API keys and passwords are masked.
/// May be called from several threads at once.
using Logger = std::function<void(LogLevel, std::string_view)>;

/// A monotonic clock; injectable so that token expiry and grace periods can be tested
/// without waiting.
using Clock = std::function<std::chrono::steady_clock::time_point()>;

/// Waits for a duration; injectable so that backoff is tested without waiting.
using Sleeper = std::function<void(std::chrono::milliseconds)>;

/// Returns a uniformly distributed number in [0, 1); used for backoff jitter.
using RandomSource = std::function<double()>;

/// Bounds one call of a TransferClient: everything the call does (logins, requests,
/// retries, backoff, reconciliation, polling) ends by the earlier of `timeout` and
/// `deadline`; each request's own timeout is clipped to the time left. A request that
/// cannot start in time is not sent. A plain value.
///
/// A webhook handler that must answer within 2 seconds:
/// `client.verify_notification(n, CallOptions(std::chrono::seconds(2)))`.
struct CallOptions {
  /// No bound of the call's own: the client's options bound it.
  CallOptions() = default;
  /// At most `limit` from when the call starts.
  explicit CallOptions(std::chrono::milliseconds limit) : timeout(limit) {}
  /// By `deadline`, an instant on the client's clock.
  static CallOptions until(std::chrono::steady_clock::time_point deadline) {
    CallOptions o;
    o.deadline = deadline;
    return o;
  }

  /// Time allowed for the whole call, from when it starts; zero means no bound of its own.
  std::chrono::milliseconds timeout{0};
  /// An instant on the client's clock (ClientOptions::clock, steady_clock by default).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  /// send_money only. True (the default): an item whose send's answer proves nothing is
  /// looked up for `reconcile_grace`, and sent once more (same id) if certainly absent.
  /// False: such an item is `unknown` at once, with nothing looked up and nothing sent again,
  /// for a caller that settles it by lookup in its own time, as PayoutWorker does from its
  /// ledger (so that every request it causes is in the payout's history).
  bool reconcile = true;
};

/// Everything a TransferClient can be told. Every field has a working default.
/// A plain value: the client copies it at construction; the callbacks it holds (logger,
/// structured_logger, request_observer, clock, sleeper, random) may then be called from
/// several threads at once.
struct ClientOptions {
  /// Root of the API: `https://host[:port][/path]`, no query, fragment or user info.
  /// `http://` is accepted for 127.0.0.0/8 and localhost (the sandbox), elsewhere only with
  /// `allow_insecure_http`. IPv6 addresses are refused (the transport is IPv4 only). An empty
  /// or malformed one is a ConfigError: there is no fallback to the production API.
  std::string base_url = "https://client.cinetpay.com";
  /// Sent as `lang=` on every call; it changes the language of `description`.
  Lang lang = Lang::en;

  /// Time allowed to open a connection (TCP and TLS).
  std::chrono::milliseconds connect_timeout{10000};
  /// Time allowed for a whole request, connection included.
  std::chrono::milliseconds request_timeout{30000};
  /// A CA bundle file to verify the server against; empty means the system's.
  /// Verification itself cannot be turned off.
  std::string ca_bundle;
  /// A proxy URL (`http://host:port`); empty means none, whatever the environment says.
  std::string proxy;
  /// Added after `cinetpay-cpp/<version>` in the User-Agent, e.g. "myshop/2.1".
  std::string user_agent_suffix;
  /// Plain `http://` to a host that is not loopback, e.g. a sandbox on another machine of a
  /// private network. Off: never turn it on for the real API. Loopback needs no opt-in.
  bool allow_insecure_http = false;
  /// An answer larger than this is refused while it is received (ProtocolError), never
  /// buffered whole. CinetPay's largest answers (a 200-item batch) are a few tens of KiB.
  std::size_t max_response_bytes = std::size_t{4} * 1024 * 1024;

  RetryPolicy retry;  ///< how reads are retried

  /// A token lives this long from the moment its login was sent.
  std::chrono::seconds token_lifetime{300};
  /// A token is refreshed this long before it expires.
  std::chrono::seconds token_refresh_margin{60};

  /// Larger `send_money` and `add_contacts` inputs are split into batches of this size.
  std::size_t max_batch_size = 50;
  /// After a send whose outcome is unknown, how long its items are looked up by
  /// client_transaction_id before one resend is considered (723 right after a send
  /// can mean "not visible yet"). It bounds the whole reconciliation of a batch, every
  /// lookup's request timeout clipped to the time left.
  std::chrono::milliseconds reconcile_grace{30000};
  /// Pause between two lookups during reconciliation.
  std::chrono::milliseconds reconcile_interval{2000};
  /// Pause between two lookups in `wait_for_final`.
  std::chrono::milliseconds poll_interval{3000};

  /// The HTTP transport; null means libcurl (see make_curl_transport).
  std::shared_ptr<HttpTransport> transport;
  /// Null means no logging.
  Logger logger;
  /// How each line given to `logger` is written: key=value (logfmt) or JSON.
  LogFormat log_format = LogFormat::key_value;
  /// Receives the same lines as records, with their fields (null: none). Independent of
  /// `logger`: either, both or neither may be set.
  StructuredLogger structured_logger;
  /// Called once per HTTP attempt (null: none); see RequestEvent. request_metrics()
  /// (<cinetpay/metrics.hpp>) makes one that counts requests into a MetricsRegistry.
  RequestObserver request_observer;
  /// Null means std::chrono::steady_clock::now.
  Clock clock;
  /// Null means std::this_thread::sleep_for.
  Sleeper sleeper;
  /// Null means a thread-safe std::mt19937_64 seeded from std::random_device.
  RandomSource random;
};

CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/options-inl.hpp"
#endif
