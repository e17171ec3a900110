/// @file
/// ScriptedTransport: an HttpTransport that answers from a script, for tests of the SDK's
/// real behaviour (logins, retries, reconciliation) on answers the test chooses.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cinetpay/http.hpp"

namespace cinetpay::mocks {

/// The ends of the API's paths, as ScriptedTransport matches them.
namespace paths {
inline constexpr const char* kLogin = "/auth/login";                  ///< auth/login
inline constexpr const char* kBalance = "/transfer/check/balance";    ///< check/balance
inline constexpr const char* kContact = "/transfer/contact";          ///< transfer/contact
inline constexpr const char* kSend = "/transfer/money/send/contact";  ///< money/send/contact
inline constexpr const char* kCheck = "/transfer/check/money";        ///< check/money
}  // namespace paths

/// Answers each request from the script of its path, and records every request.
///
/// A script is a list of handlers; each request to the path uses the next one, and the
/// last one answers every request after it. A request matches the script whose path is
/// the longest end of the request's URL path (query string left out); a request no
/// script matches fails with a TransportError that says it never reached the server.
/// Logins are scripted from the start with answers::login().
///
/// Give it to a client through ClientOptions::transport (see fast_options), then script
/// CinetPay's answers with the builders of <cinetpay/testing/answers.hpp>:
///
///   auto transport = std::make_shared<ScriptedTransport>();
///   transport->on(paths::kBalance, answers::balance(5000));
///
/// Thread-safe; a handler runs outside its lock, so it may block or throw.
class ScriptedTransport : public HttpTransport {
 public:
  /// Answers a request, or throws (e.g. TransportError) as a failing transport does.
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  /// Scripts logins with answers::login().
  ScriptedTransport();

  /// Replaces the script of `path` with `handler`.
  ScriptedTransport& on(const std::string& path, Handler handler);
  /// Replaces the script of `path` with one answer.
  ScriptedTransport& on(const std::string& path, HttpResponse response);
  /// Replaces the script of `path` with a JSON answer given whole (answers::json).
  ScriptedTransport& on_json(const std::string& path, int http_status, std::string body);
  /// Appends `handler` to the script of `path`.
  ScriptedTransport& then(const std::string& path, Handler handler);
  /// Appends one answer to the script of `path`.
  ScriptedTransport& then(const std::string& path, HttpResponse response);
  /// Appends a JSON answer given whole (answers::json) to the script of `path`.
  ScriptedTransport& then_json(const std::string& path, int http_status, std::string body);

  /// Records `request` and answers it from its script.
  HttpResponse send(const HttpRequest& request) override;

  /// Every request received, in order.
  [[nodiscard]] std::vector<HttpRequest> requests() const;
  /// The requests whose URL path ends with `path`, in order.
  [[nodiscard]] std::vector<HttpRequest> requests_to(const std::string& path) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<Handler>> scripts_;
  std::vector<HttpRequest> requests_;
};

}  // namespace cinetpay::mocks
