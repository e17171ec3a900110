// The state a TransferClient and its copies share. Internal: not installed.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cinetpay/client.hpp"
#include "cinetpay/http.hpp"
#include "cinetpay/token.hpp"
#include "protocol.hpp"
#include "retry.hpp"

namespace cinetpay::detail {

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

/// Thread-safe: every member is either immutable or thread-safe itself.
class ClientImpl {
 public:
  ClientImpl(Credentials credentials, ClientOptions options);

  /// Sends a request built around a valid token, and reads the envelope. Repeats the call
  /// once with a fresh login when the token is refused (705–707): nothing was processed.
  Envelope call(const char* operation, Idempotency idempotency,
                const std::function<HttpRequest(const std::string& token)>& build);

  /// `call`, then throws the typed ApiError for a non-zero code.
  Envelope call_ok(const char* operation, Idempotency idempotency,
                   const std::function<HttpRequest(const std::string& token)>& build);

  std::vector<TransferStatus> check(const TransferQuery& query);
  ReconcileResult lookup(const std::string& client_transaction_id);
  std::vector<TransferResult> send(std::vector<TransferRequest> items);

  const ClientOptions& options() const { return options_; }
  /// Sleeps `interval`, or until `deadline` if that comes first.
  void pause(std::chrono::milliseconds interval,
             std::chrono::steady_clock::time_point deadline) const;
  const RequestBuilder& builder() const { return builder_; }
  void log(LogLevel level, const std::string& line) const;

 private:
  /// One request with the retries its idempotency allows; every retry decision's reason
  /// is added to `trail`.
  HttpResponse transmit(const char* operation, Idempotency idempotency, const HttpRequest& request,
                        std::string* trail);
  /// `transmit`, then the envelope; an unreadable answer names the retries before it.
  Envelope exchange(const char* operation, Idempotency idempotency, const HttpRequest& request);
  std::string login();

  std::vector<TransferResult> send_batch(const std::vector<TransferRequest>& items,
                                         bool may_resend);
  std::vector<TransferResult> reconcile_batch(const std::vector<TransferRequest>& items,
                                              const std::string& why, bool may_resend);

  Credentials credentials_;
  ClientOptions options_;
  RequestBuilder builder_;
  RetryDecider retry_;
  TokenManager tokens_;
};

}  // namespace cinetpay::detail
