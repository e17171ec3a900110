// The state a TransferClient and its copies share, and every call's orchestration: the
// public class only forwards here. Internal: not installed.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cinetpay/client.hpp"
#include "cinetpay/detail/evidence.hpp"
#include "cinetpay/detail/protocol.hpp"
#include "cinetpay/detail/retry.hpp"
#include "cinetpay/detail/secrets.hpp"
#include "cinetpay/detail/token.hpp"
#include "cinetpay/export.hpp"
#include "cinetpay/http.hpp"
#include "cinetpay/transfer_api.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {

using TimePoint = std::chrono::steady_clock::time_point;

/// `items` cut into consecutive batches of at most `size` (size > 0), in order.
template <typename T>
std::vector<std::vector<T>> batches_of(const std::vector<T>& items, std::size_t size) {
  std::vector<std::vector<T>> out;
  for (std::size_t start = 0; start < items.size(); start += size) {
    auto first = items.begin() + static_cast<std::ptrdiff_t>(start);
    out.emplace_back(first,
                     first + static_cast<std::ptrdiff_t>(std::min(size, items.size() - start)));
  }
  return out;
}

/// What one call carries through its requests. Belongs to one thread.
struct CallContext {
  /// Nothing of the call starts after it (TimePoint::max(): no bound of the call's own).
  TimePoint deadline = TimePoint::max();
  /// send_money only: whether an item its answer leaves unclear is reconciled (looked up,
  /// and sent once more if certainly absent) or reported unknown at once (CallOptions).
  bool reconcile = true;
  /// Set by `transmit` when a money send has been handed to the transport, and kept unless
  /// the transport proves it never left. Read by attempt_send only, which turns it into
  /// the attempt's value (evidence::Attempt).
  bool send_left = false;
};

/// How one send of a batch ended, as a value.
struct SendAttempt {
  evidence::Attempt attempt = evidence::Attempt::never_left;
  Envelope answer;           ///< when answered
  std::exception_ptr error;  ///< when never_left: what stopped it (it proves nothing was paid)
  /// never_left although the request left: CinetPay refused its token (nothing processed),
  /// and the login meant to repeat it failed.
  bool refused_token = false;
  std::string why;  ///< when left_answer_lost: what happened
};

/// What one batch of send_money came to.
struct BatchResults {
  std::vector<TransferResult> results;  ///< one per item, in order
  /// Set when CinetPay refused the batch whole with a code that proves nothing was paid.
  std::optional<ApiErrorInfo> refused_whole;
};

/// A one-line description of an exception in flight, whatever it is.
std::string describe(const std::exception_ptr& error);

/// The SDK's own TransferApi, behind every TransferClient built from credentials.
/// Thread-safe: every member is either immutable or thread-safe itself.
class ClientImpl final : public TransferApi {
 public:
  ClientImpl(Credentials credentials, ClientOptions options);

  // The public calls: each one is `run` around its step below.
  std::vector<TransferResult> send_money(const std::vector<TransferRequest>& items,
                                         const CallOptions& call) override;
  Balance balance(const CallOptions& call) override;
  std::vector<ContactResult> add_contacts(const std::vector<Contact>& contacts,
                                          const CallOptions& call) override;
  std::vector<TransferStatus> check_transfer(const TransferQuery& query,
                                             const CallOptions& call) override;
  TransferStatus wait_for_final(const TransferQuery& query, std::chrono::milliseconds timeout,
                                const CallOptions& call) override;
  ReconcileResult reconcile(const std::string& client_transaction_id,
                            const CallOptions& call) override;
  TransferStatus verify_notification(const Notification& notification,
                                     const CallOptions& call) override;

  /// Runs one public call: its deadline from `call_options`, the base URL logged on the
  /// first call, and every exception leaving it with the client's secrets masked.
  template <typename F>
  auto run(const CallOptions& call_options, F&& body)
      -> decltype(body(std::declval<CallContext&>())) {
    try {
      CallContext context = start(call_options);
      return body(context);
    } catch (...) {
      rethrow_masked();
    }
  }

  [[nodiscard]] Balance balance(CallContext& context);
  [[nodiscard]] std::vector<ContactResult> add_contacts(const std::vector<Contact>& contacts,
                                                        CallContext& context);
  /// send_money's contract: see TransferClient::send_money.
  [[nodiscard]] std::vector<TransferResult> send(std::vector<TransferRequest> items,
                                                 CallContext& context);
  /// check/money's records about `query` only (evidence::records_for), which must agree
  /// when the key names one transfer: else a ProtocolError. NotFoundError on 723 or none.
  [[nodiscard]] std::vector<TransferStatus> check(const TransferQuery& query, CallContext& context);
  /// check/money's records as answered, whatever key they carry; NotFoundError on 723 or none.
  [[nodiscard]] std::vector<TransferStatus> answered_records(const TransferQuery& query,
                                                             CallContext& context);
  [[nodiscard]] TransferStatus wait_for_final(const TransferQuery& query,
                                              std::chrono::milliseconds timeout,
                                              CallContext& context);
  /// Never throws but for a bad id: whatever fails is State::unknown.
  [[nodiscard]] ReconcileResult lookup(const std::string& client_transaction_id,
                                       CallContext& context);
  [[nodiscard]] TransferStatus verify_notification(const Notification& notification,
                                                   CallContext& context);

 private:
  CallContext start(const CallOptions& call_options);
  [[noreturn]] void rethrow_masked() const;
  /// Logs a record (LogRecord: `event`, `message`, `fields`) with the secrets masked in
  /// every value, to the structured logger and as one line to the logger; a logger that
  /// throws loses its line, nothing more.
  void log(LogLevel level, const char* event, const std::string& message,
           std::vector<LogField> fields = {}) const noexcept;
  /// Whether anyone receives log records: lines are not built for no one.
  [[nodiscard]] bool logging() const noexcept {
    return options_.logger || options_.structured_logger;
  }
  /// Hands `event` to the request observer; what it throws is ignored.
  void observe(const RequestEvent& event) const noexcept;
  /// Sleeps `interval`, or until `deadline` if that comes first.
  void pause(std::chrono::milliseconds interval, TimePoint deadline) const;

  /// Sends a request built around a valid token, and reads the envelope. Repeats the call
  /// once with a fresh login when the token is refused (705–707): nothing was processed.
  Envelope call(const char* operation, Idempotency idempotency,
                const std::function<HttpRequest(const std::string& token)>& build,
                CallContext& context);
  /// `call`, then throws the typed ApiError for a non-zero code.
  Envelope call_ok(const char* operation, Idempotency idempotency,
                   const std::function<HttpRequest(const std::string& token)>& build,
                   CallContext& context);
  /// One request with the retries its idempotency and the deadline allow; every retry
  /// decision's reason is added to `trail`. Each attempt is observed (RequestEvent), but
  /// the one whose answer is returned: its event is left in `answered`, for `exchange` to
  /// add the answer's code and report it.
  HttpResponse transmit(const char* operation, Idempotency idempotency, HttpRequest request,
                        std::string* trail, CallContext& context, RequestEvent* answered);
  /// `transmit`, then the envelope; an unreadable answer names the retries before it.
  Envelope exchange(const char* operation, Idempotency idempotency, HttpRequest request,
                    CallContext& context);
  std::string login(TimePoint deadline);

  /// Sends a batch once (a refused token repeated after a fresh login) and says how it
  /// ended. Throws only what a logger or out of memory throws.
  SendAttempt attempt_send(const std::vector<TransferRequest>& items, const CallContext& context);
  /// Every item's result after `attempt`: what the answer proves (evidence.hpp), and for
  /// what it leaves unclear, reconciliation. `may_resend` is true for the call's first send
  /// of these items, false for the one resend reconciliation allows.
  BatchResults settle_batch(const std::vector<TransferRequest>& items, const SendAttempt& attempt,
                            bool may_resend, CallContext& context);
  /// What `attempt` proves about each item.
  static std::vector<evidence::Proof> judge(const std::vector<TransferRequest>& items,
                                            const SendAttempt& attempt);
  /// The one reconciliation of send_money (evidence::after_lookup decides each step): looks
  /// the items up within the grace period and sends once more those certainly absent.
  /// `sent`: what the send proved of each. Throws only what a clock, sleeper or logger throws.
  std::vector<TransferResult> reconcile_batch(const std::vector<TransferRequest>& items,
                                              const std::vector<evidence::Proof>& sent,
                                              bool may_resend, CallContext& context);
  void mask_result(TransferResult& result) const;

  Credentials credentials_;
  ClientOptions options_;
  RequestBuilder builder_;
  RetryDecider retry_;
  SecretMasker secrets_;
  TokenManager tokens_;
  std::once_flag announced_;
};

}  // namespace detail
CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/client-inl.hpp"
#include "cinetpay/detail/send-inl.hpp"
#endif
