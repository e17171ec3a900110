/// @file
/// The HTTP layer: what a request and an answer are, and the transport interface that
/// carries them. libcurl is the default; tests and users can plug their own.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cinetpay/export.hpp"
#include "cinetpay/options.hpp"

CINETPAY_BEGIN_NAMESPACE

/// The two HTTP methods the Transfer API uses.
enum class HttpMethod {
  get,   ///< reads: login, balance, check/money
  post,  ///< forms: contacts, money sends
};

/// One request, fully built: the transport adds nothing but what HTTP needs. A plain value.
struct HttpRequest {
  HttpMethod method = HttpMethod::get;  ///< GET for reads, POST for forms
  /// Absolute URL, query string included.
  std::string url;
  /// Form-urlencoded body for POST; empty for GET.
  std::string body;
  /// True for requests that must not travel over a reused connection (money sends): a
  /// transport must then never resend the request on its own.
  bool fresh_connection = false;
  /// When positive, the whole request (connection included) must end within it, tighter
  /// than the transport's own timeouts: the caller's deadline clips it.
  std::chrono::milliseconds timeout{0};
};

/// An answer, whatever its status: the API puts its envelope in error statuses too. A plain
/// value: safe to read from several threads, not to change while others read it.
struct CINETPAY_API HttpResponse {
  int status = 0;  ///< the HTTP status
  /// Header names in lower case.
  std::map<std::string, std::string> headers;
  std::string body;  ///< the body as received, at most `max_response_bytes`

  /// The value of a header (name in lower case), or an empty string. Throws only
  /// std::bad_alloc; logarithmic in the number of headers.
  [[nodiscard]] std::string header(const std::string& lower_case_name) const;
};

/// Carries requests. Implementations must be safe to call from several threads at once.
///
/// On failure, `send` throws cinetpay::TransportError and says, through
/// `TransportError::may_have_reached_server()`, whether any byte of the request may have
/// been delivered: the retry rules for money depend on it. An answer that cannot be taken
/// (larger than `ClientOptions::max_response_bytes`) is a cinetpay::ProtocolError: the
/// request was received, so a send's outcome is unknown and is reconciled.
class CINETPAY_API HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  /// Carries one request; throws TransportError on failure, ProtocolError for an answer
  /// that cannot be taken (see above). Must end within the request's `timeout` when it is
  /// positive, and within the transport's own timeouts otherwise.
  [[nodiscard]] virtual HttpResponse send(const HttpRequest& request) = 0;
};

/// The libcurl transport: a pool of keep-alive handles owned by the transport, TLS
/// verification always on, no redirects, no `Expect: 100-continue`, IPv4 only. Answers
/// (headers and body) are refused past `max_response_bytes` while they arrive; an
/// exception while receiving (std::bad_alloc) aborts the transfer and is rethrown once
/// libcurl has returned. Thread-safe. Starts no thread.
///
/// Creating it sends nothing and throws only TransportError, when libcurl could not be
/// initialised. Each `send` takes at most `request_timeout` (or the request's own, shorter
/// `timeout`), connection included, and throws TransportError or ProtocolError as above.
[[nodiscard]] CINETPAY_API std::shared_ptr<HttpTransport> make_curl_transport(
    const ClientOptions& options);

CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/curl_transport-inl.hpp"
#include "cinetpay/detail/http-inl.hpp"
#endif
