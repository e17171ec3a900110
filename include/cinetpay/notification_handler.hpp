// A notify_url endpoint without a web framework: the request's method, content type and body
// in, the HTTP status and body to answer out. Whatever server a merchant runs (httplib,
// Crow, Drogon, a CGI script) calls NotificationHandler::handle and writes back what it says.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <string>
#include <string_view>

#include "cinetpay/client.hpp"
#include "cinetpay/export.hpp"
#include "cinetpay/models.hpp"
#include "cinetpay/notification.hpp"
#include "cinetpay/options.hpp"

CINETPAY_BEGIN_NAMESPACE

/// What became of one request to notify_url.
enum class NotificationVerdict {
  ping,          ///< a GET or HEAD: CinetPay checking that the URL answers (200)
  applied,       ///< verified with CinetPay, and applied when there is something to apply (200)
  wrong_method,  ///< neither POST nor a ping (405)
  wrong_content_type,  ///< not application/x-www-form-urlencoded (415)
  unreadable,          ///< not a notification: no transaction_id nor client_transaction_id (400)
  /// CinetPay does not know that transfer, or knows it otherwise (a forged or foreign
  /// notification, NotFoundError or NotificationMismatchError): nothing applied (400)
  refused,
  unreachable,  ///< CinetPay could not be asked within the deadline (504): it will notify again
  failed,       ///< CinetPay's answer could not be used, or applying failed (503): it will retry
};

/// The answer to give. A plain value: safe to read from many threads.
struct NotificationReply {
  int status = 200;  ///< the HTTP status to answer with
  /// A short text/plain body: a fixed sentence per verdict, never an exception's text, a
  /// secret or anything of the request.
  std::string body;
  NotificationVerdict verdict = NotificationVerdict::applied;  ///< what happened
  /// What went wrong, for the merchant's own log (its what() is redacted as every
  /// cinetpay::Error is; an exception of `apply` is the merchant's own); null on success.
  std::exception_ptr error;
};

/// The handler's bounds. A plain value: safe to read from many threads.
struct NotificationHandlerOptions {
  /// How long verifying may take, retries included: CinetPay waits for the answer, and a
  /// handler that answers late is taken for down. Applying is not bounded by it.
  std::chrono::milliseconds deadline{2000};
};

/// Handles CinetPay's requests to a notify_url: answers its GET ping; takes a POSTed form,
/// parses it (parse_notification), verifies it with CinetPay within the deadline, and
/// applies it. Statuses: 200 ping or applied; 405 another method; 415 another content type;
/// 400 a body that is no notification, or a notification CinetPay does not confirm (a retry
/// would not change that); 504 CinetPay not reached within the deadline, 503 an answer that
/// could not be used or an `apply` that threw (CinetPay notifies again, so nothing is lost).
///
/// Two ways to build one, so that the client library needs no ledger: over a TransferClient,
/// which verifies, and an optional `apply` for what the merchant does with a verified status;
/// or over a `process` that verifies and applies in one step, e.g. a ledger's
/// (cinetpay::ledger_notification_handler in <cinetpay/ledger_notifications.hpp>).
///
/// Thread-safe: handle() may be called from many threads at once, as servers do, provided
/// `apply` or `process` may be. Copies share nothing but what their functions share.
class CINETPAY_API NotificationHandler {
 public:
  /// What is done with a verified notification: `verified` is CinetPay's own status of the
  /// transfer, `claimed` what the notification said. A repeated notification calls it again:
  /// it must be idempotent. An exception it throws answers 503.
  using Apply = std::function<void(const Notification& claimed, const TransferStatus& verified)>;
  /// Verifies a notification with CinetPay within `call` and applies it, throwing what
  /// TransferClient::verify_notification throws when it cannot confirm it.
  using Process = std::function<void(const Notification& claimed, const CallOptions& call)>;

  /// Verifies through `client` (TransferClient::verify_notification), then calls `apply`
  /// when one is given. Throws nothing of its own.
  explicit NotificationHandler(TransferClient client, Apply apply = {},
                               NotificationHandlerOptions options = {});
  /// Hands each notification to `process`, which must verify it, as
  /// PayoutLedger::apply_notification does. Throws std::invalid_argument for an empty one.
  explicit NotificationHandler(Process process, NotificationHandlerOptions options = {});

  /// The answer to one request. `method` as sent (GET, POST…), `content_type` the request's
  /// Content-Type header (parameters such as charset ignored, case ignored), `body` the raw
  /// body. Throws nothing but std::bad_alloc; at most the deadline plus what applying takes.
  [[nodiscard]] NotificationReply handle(std::string_view method, std::string_view content_type,
                                         std::string_view body) const;

 private:
  Process process_;
  NotificationHandlerOptions options_;
};

CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/notification_handler-inl.hpp"
#endif
