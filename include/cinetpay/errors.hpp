/// @file
/// The error hierarchy, and the table of every code the Transfer API is known to answer.
///
/// Definite failures throw a cinetpay::Error. A payout whose outcome is unknown is NOT an
/// exception: it is TransferOutcome::unknown on the item, so that no generic `catch` can
/// turn it into a blind resend. No message here ever contains a key, a password or a token.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cinetpay/export.hpp"

CINETPAY_BEGIN_NAMESPACE

/// Base of every error this library throws. Every error type below is immutable once
/// thrown, so safe to read from several threads at once; none ever holds a secret.
class CINETPAY_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The request is wrong before it is sent; nothing was sent. Immutable, like every Error.
class CINETPAY_API ValidationError : public Error {
 public:
  /// The message names the field, the item index when there is one, and the problem.
  ValidationError(std::string field, std::optional<std::size_t> index, const std::string& problem);
  /// The field at fault, in the API's words ("amount", "prefix", "notify_url"…).
  [[nodiscard]] const std::string& field() const noexcept { return field_; }
  /// The position of the faulty item in the caller's batch, when it is about an item.
  [[nodiscard]] std::optional<std::size_t> index() const noexcept { return index_; }
  /// What is wrong with it, without the field and index.
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

 private:
  std::string field_;
  std::optional<std::size_t> index_;
  std::string problem_;
};

/// The API answered with a non-zero code. Immutable, like every Error.
class CINETPAY_API ApiError : public Error {
 public:
  /// An answer with a non-zero `code`. The client throws the subclass that fits the code
  /// (AuthenticationError, InsufficientBalanceError, NotFoundError), or ApiError itself.
  ApiError(int code, std::string api_message, std::string description, int http_status);
  /// The API's code, whether it was sent as `701` or `"701"`.
  [[nodiscard]] int code() const noexcept { return code_; }
  /// The API's `message`, e.g. "INSUFFICIENT_BALANCE".
  [[nodiscard]] const std::string& api_message() const noexcept { return api_message_; }
  /// The API's `description` (often French), possibly empty.
  [[nodiscard]] const std::string& description() const noexcept { return description_; }
  /// The HTTP status of the answer.
  [[nodiscard]] int http_status() const noexcept { return http_status_; }

 private:
  int code_;
  std::string api_message_;
  std::string description_;
  int http_status_;
};

/// 701, 702, 703; and 705–707 when a fresh login did not help. Immutable, like every Error.
class CINETPAY_API AuthenticationError : public ApiError {
 public:
  using ApiError::ApiError;
};

/// 602: the transfer balance is too low; nothing was sent. send_money never throws it (its
/// send had left): the batch's items are rejected with this code in TransferResult::error.
/// Immutable, like every Error.
class CINETPAY_API InsufficientBalanceError : public ApiError {
 public:
  using ApiError::ApiError;
};

/// 723: nothing matches the query. Immutable, like every Error.
class CINETPAY_API NotFoundError : public ApiError {
 public:
  using ApiError::ApiError;
};

/// The network failed (DNS, connect, TLS, timeout, reset), after the retries that were safe,
/// or the call's deadline passed before a request could start. Immutable, like every Error.
class CINETPAY_API TransportError : public Error {
 public:
  /// `what` must be redacted already: no key, password or token. `timed_out`: the request's
  /// time ran out (rather than the network failing), which RequestEvent::fault reports.
  TransportError(const std::string& what, bool may_have_reached_server, bool timed_out = false);
  /// False only when no byte of the request can have been delivered (DNS or connect
  /// failure): then the request certainly had no effect.
  [[nodiscard]] bool may_have_reached_server() const noexcept { return may_have_reached_server_; }
  /// True when the request's own time (its timeout, clipped to the call's) ran out.
  [[nodiscard]] bool timed_out() const noexcept { return timed_out_; }

 private:
  bool may_have_reached_server_;
  bool timed_out_;
};

/// The answer could not be understood: not JSON, an HTML error page, missing fields, or
/// larger than `max_response_bytes`. Immutable, like every Error.
class CINETPAY_API ProtocolError : public Error {
 public:
  /// `what` holds a short redacted excerpt of the answer.
  ProtocolError(const std::string& what, int http_status);
  /// The HTTP status of the answer.
  [[nodiscard]] int http_status() const noexcept { return http_status_; }

 private:
  int http_status_;
};

/// The client is configured wrongly: an empty or malformed base URL, plain http to a
/// host that is not loopback without `allow_insecure_http`. Thrown at construction.
/// Immutable, like every Error.
class CINETPAY_API ConfigError : public Error {
 public:
  using Error::Error;
};

/// A notification disagrees with what check/money answers for its transfer: it is forged,
/// or it names a transfer that is not the one it claims. Never act on it. Immutable, like
/// every Error.
class CINETPAY_API NotificationMismatchError : public Error {
 public:
  /// `field` names the notification's field at fault; `what` says which transfer.
  NotificationMismatchError(std::string field, const std::string& what);
  /// The notification's field that disagrees ("amount", "client_transaction_id"…).
  [[nodiscard]] const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

/// Codes this library writes into results for what CinetPay never said. They are below
/// -1000, apart from every code of CinetPay's table (0, -1, 6xx–8xx).
/// An item of a contact batch that the answer does not mention.
inline constexpr int kCodeMissingFromAnswer = -1001;
/// A payout whose client_transaction_id is held by a transfer to another recipient or of
/// another amount: this payout was never made (see TransferResult::detail for the holder).
inline constexpr int kCodeClientTransactionIdConflict = -1002;

/// One row of the API's code table. A plain value; its views point into static storage.
struct ApiCodeInfo {
  int code;                  ///< the API's code
  std::string_view message;  ///< e.g. "NOT_FOUND"
  std::string_view meaning;  ///< in English, for people
};

/// Every code documented in CinetPay's code table, in the order of the table. Thread-safe;
/// throws nothing (the table is built once, on first use); constant time after that.
[[nodiscard]] CINETPAY_API const std::vector<ApiCodeInfo>& api_codes();

/// Whether CinetPay's `code` refuses the credentials, the account or the token (701–703,
/// 705–707): the codes a client call throws as AuthenticationError. Thread-safe; throws
/// nothing; constant time.
[[nodiscard]] CINETPAY_API bool is_authentication_code(int code) noexcept;

/// The row for a code, or nullopt for a code nobody documented. Thread-safe; throws nothing;
/// linear in the table's few dozen rows.
[[nodiscard]] CINETPAY_API std::optional<ApiCodeInfo> find_api_code(int code);

CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/errors-inl.hpp"
#endif
