// The libcurl transport: the only file that includes curl.h.
#pragma once

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cinetpay/detail/http.hpp"
#include "cinetpay/errors.hpp"
#include "cinetpay/http.hpp"
#include "cinetpay/version.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

// curl_global_init once per process; never curl_global_cleanup, which would break other
// users of libcurl in the same process.
CINETPAY_INLINE void init_curl_once() {
  static const CURLcode kInitResult = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (kInitResult != CURLE_OK) throw TransportError("libcurl could not be initialised", false);
}

struct HandleDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using Handle = std::unique_ptr<CURL, HandleDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// What one request receives. The callbacks below run inside libcurl's C frames, where no
// C++ exception may pass: they record what went wrong and make libcurl abort, and send()
// reports it once curl_easy_perform has returned.
struct Receiver {
  HttpResponse* response;
  std::size_t limit;  // header and body bytes together
  std::size_t received = 0;
  bool too_large = false;
  std::exception_ptr failure;
};

// Runs `take` on `n` received bytes; returns what libcurl must be told: `n` to go on,
// any other count to abort the transfer.
template <typename Take>
CINETPAY_INLINE size_t receive(void* user, size_t n, Take take) noexcept {
  auto* r = static_cast<Receiver*>(user);
  const size_t abort = n == 0 ? 1 : 0;
  if (n > r->limit - r->received) {
    r->too_large = true;
    return abort;
  }
  r->received += n;
  try {
    take(*r->response);
    return n;
  } catch (...) {
    r->failure = std::current_exception();
    return abort;
  }
}

CINETPAY_INLINE size_t on_body(char* data, size_t size, size_t count, void* user) noexcept {
  const size_t n = size * count;
  return receive(user, n, [&](HttpResponse& response) { response.body.append(data, n); });
}

CINETPAY_INLINE size_t on_header(char* data, size_t size, size_t count, void* user) noexcept {
  const size_t n = size * count;
  return receive(user, n, [&](HttpResponse& response) {
    std::string_view line(data, n);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    auto first = value.find_first_not_of(" \t");
    auto last = value.find_last_not_of(" \t\r\n");
    response.headers[name] =
        first == std::string_view::npos ? "" : std::string(value.substr(first, last - first + 1));
  });
}

// True when curl failed before any byte of the request could have left this machine.
CINETPAY_INLINE bool certainly_not_sent(CURLcode rc, CURL* handle) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return true;
    default:
      break;
  }
  long request_size = 0;
  curl_easy_getinfo(handle, CURLINFO_REQUEST_SIZE, &request_size);
  return rc == CURLE_OPERATION_TIMEDOUT && request_size == 0;
}

CINETPAY_INLINE std::string without_query(const std::string& url) {
  return url.substr(0, url.find('?'));
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const ClientOptions& options)
      : connect_timeout_(options.connect_timeout),
        request_timeout_(options.request_timeout),
        max_response_bytes_(options.max_response_bytes),
        ca_bundle_(options.ca_bundle),
        proxy_(options.proxy),
        user_agent_(std::string("cinetpay-cpp/") + kVersion +
                    (options.user_agent_suffix.empty() ? "" : " " + options.user_agent_suffix)) {
    init_curl_once();
  }

  HttpResponse send(const HttpRequest& request) override {
    Handle handle = acquire();
    CURL* h = handle.get();
    HttpResponse response;
    Receiver receiver{&response, max_response_bytes_, 0, false, nullptr};
    char error_buffer[CURL_ERROR_SIZE] = {0};

    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto add_header = [&headers](const char* line) {
      headers.reset(curl_slist_append(headers.release(), line));
    };
    // An empty Expect stops libcurl from sending `Expect: 100-continue` (seen to cause 417).
    add_header("Expect:");
    add_header("Accept: application/json");

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_IPRESOLVE, CURL_IPRESOLVE_V4);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!ca_bundle_.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca_bundle_.c_str());
    // An empty proxy disables the *_proxy environment variables too.
    curl_easy_setopt(h, CURLOPT_PROXY, proxy_.c_str());
    auto whole = request_timeout_;
    if (request.timeout.count() > 0) whole = std::min(whole, request.timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min(connect_timeout_, whole).count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(whole.count()));
    curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent_.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &receiver);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &receiver);
    if (request.method == HttpMethod::post) {
      add_header("Content-Type: application/x-www-form-urlencoded");
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    } else {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    // A send travels alone on a new connection: libcurl resends a request by itself when a
    // reused connection turns out dead, and a payout must never be resent blindly.
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, request.fresh_connection ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, request.fresh_connection ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

    CURLcode rc = curl_easy_perform(h);
    // The handle saw an error in each of these cases: it is not returned to the pool.
    if (receiver.failure) std::rethrow_exception(receiver.failure);
    if (receiver.too_large) {
      long status = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      // The request was received: for a send, an unreadable answer, which is reconciled.
      throw ProtocolError(std::string(method_name(request)) + " " + without_query(request.url) +
                              ": the answer (HTTP " + std::to_string(status) +
                              ") is larger than max_response_bytes (" +
                              std::to_string(max_response_bytes_) + "); refused while receiving it",
                          static_cast<int>(status));
    }
    if (rc != CURLE_OK) {
      bool not_sent = certainly_not_sent(rc, h);
      std::string reason = error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(rc);
      throw TransportError(
          std::string(method_name(request)) + " " + without_query(request.url) +
              " failed: " + detail::redact_excerpt(reason, 200) +
              (not_sent ? " (nothing was sent)" : " (the request may have arrived)"),
          !not_sent, rc == CURLE_OPERATION_TIMEDOUT);
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    release(std::move(handle));
    return response;
  }

 private:
  static constexpr std::size_t kMaxIdleHandles = 16;

  Handle acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        Handle h = std::move(idle_.back());
        idle_.pop_back();
        // reset keeps the handle's live connections, DNS and TLS session caches.
        curl_easy_reset(h.get());
        return h;
      }
    }
    Handle h(curl_easy_init());
    if (!h) throw TransportError("libcurl could not create a handle", false);
    return h;
  }

  void release(Handle handle) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(handle));
  }

  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds request_timeout_;
  std::size_t max_response_bytes_;
  std::string ca_bundle_;
  std::string proxy_;
  std::string user_agent_;
  std::mutex mu_;
  std::vector<Handle> idle_;
};

}  // namespace detail

CINETPAY_INLINE std::shared_ptr<HttpTransport> make_curl_transport(const ClientOptions& options) {
  return std::make_shared<detail::CurlTransport>(options);
}

// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
