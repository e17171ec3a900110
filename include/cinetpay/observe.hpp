// What a TransferClient tells about itself while it works: one RequestEvent per HTTP
// attempt (for metrics and tracing), and its log lines as structured records.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cinetpay/export.hpp"

CINETPAY_BEGIN_NAMESPACE

/// How much a log line matters.
enum class LogLevel {
  debug,    ///< every request, with its HTTP status and duration
  info,     ///< logins, retries and their delays
  warning,  ///< what was not retried, and why
  error,    ///< reserved for what a call could not settle
};

/// "debug", "info", "warning" or "error". Throws nothing.
CINETPAY_API std::string_view to_string(LogLevel level) noexcept;

/// How an HTTP attempt failed, when it did.
enum class RequestFault {
  transport,     ///< the network failed: DNS, connect, TLS, reset (not a timeout)
  timeout,       ///< the request's time ran out (its own timeout, clipped to the call's)
  server_error,  ///< CinetPay answered HTTP 5xx
  throttled,     ///< CinetPay answered HTTP 429
  protocol,      ///< the answer could not be read (not JSON, too large, a hostile shape)
};

/// "transport", "timeout", "server_error", "throttled" or "protocol". Throws nothing.
CINETPAY_API std::string_view to_string(RequestFault fault) noexcept;

/// One HTTP attempt of a TransferClient, as a value; RequestObserver receives it.
///
/// It holds no text from the wire nor from the credentials: no token, API key, password,
/// URL, body or message can be in it, whatever CinetPay answers. A plain value.
struct RequestEvent {
  /// The API's operation, as the client's log lines name it: "login" (auth/login),
  /// "balance" (check/balance), "contacts" (transfer/contact), "send"
  /// (money/send/contact) or "check" (check/money).
  std::string operation;
  /// 1 for the first attempt of a request, 2 for its first retry… A request repeated after
  /// CinetPay refused its token is a new request: its attempts count from 1 again.
  int attempt = 1;
  /// The HTTP status, when an answer came back (none for a transport failure or timeout).
  std::optional<int> http_status;
  /// CinetPay's code (0 for success), when the answer was read: none when it could not
  /// be (`fault` is then `protocol`), and for a 429 or 5xx answer that is retried unread.
  std::optional<int> api_code;
  /// From just before the request was handed to the transport until its answer or failure,
  /// on ClientOptions::clock.
  std::chrono::milliseconds duration{0};
  /// False only when the request certainly never reached CinetPay (the transport proved
  /// nothing was delivered: DNS or connect failure). For a send this is the rule by which
  /// the client decides that a send left (and may have paid): the same value.
  bool may_have_reached = true;
  /// How the attempt failed; none when CinetPay's answer was read (a refusal, code != 0,
  /// is not a fault: it is an answer).
  std::optional<RequestFault> fault;
};

/// What an attempt came to, in one word: the fault's name (to_string(RequestFault)) when it
/// failed; else "ok" (CinetPay answered code 0) or "refused" (another code). Throws nothing.
CINETPAY_API std::string_view request_outcome(const RequestEvent& event) noexcept;

/// Called once per HTTP attempt of a client, after the attempt ends and before the client
/// acts on it (retries, throws, returns). Called from the thread of the call, so from
/// several threads at once for a client used by several: it must be thread-safe, and
/// quick (it runs inside the call). What it throws is caught and ignored: an observer can
/// never change an outcome (a send whose request left still never throws).
using RequestObserver = std::function<void(const RequestEvent&)>;

/// One field of a log record: a key (lower_snake_case) and its value as text.
/// A plain value.
struct LogField {
  std::string key;    ///< e.g. "operation", "attempt", "http_status", "duration_ms"
  std::string value;  ///< already redacted: no token, API key or password
};

/// A log line as data. The client masks its secrets (token, API key, password) in every
/// value before anyone sees the record. A plain value.
struct LogRecord {
  LogLevel level = LogLevel::info;  ///< how much the line matters
  /// What happened, one lower_snake_case word that stays the same across releases:
  /// "client_start", "request", "retry", "not_retried", "token_refused", "login",
  /// "send_unclear", "send_refused_whole", "send_again"…
  std::string event;
  /// The same line for people, as the client wrote it before it had fields.
  std::string message;
  /// What the line is about, in the order the client wrote them.
  std::vector<LogField> fields;
};

/// How a LogRecord becomes the one line a Logger receives.
enum class LogFormat {
  /// `level=info event=retry operation=balance … msg="balance: retrying in 250 ms"`
  /// (logfmt): a value with a space, `"`, `=`, `\` or a control character, or an empty
  /// one, is quoted, with `\\`, `\"`, `\n`, `\r`, `\t` and `\u00XX` escapes inside.
  key_value,
  /// One JSON object per line: `{"level":"info","event":"retry","msg":"…","operation":…}`,
  /// every value a string, valid UTF-8 (a byte that is not is written as U+FFFD).
  json,
};

/// `record` as one line (no newline at its end), in `format`. Keys `level`, `event` and
/// `msg` come first, then the fields in their order. Throws only std::bad_alloc.
CINETPAY_API std::string format_log_record(const LogRecord& record, LogFormat format);

/// Receives every log record of a client, as data, already redacted. May be called from
/// several threads at once. What it throws is caught and ignored.
using StructuredLogger = std::function<void(const LogRecord&)>;

CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/observe-inl.hpp"
#endif
