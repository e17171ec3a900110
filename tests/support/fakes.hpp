// Test doubles: a scripted transport, a manual clock and a sleeper that advances it.
// Tests built on them never sleep.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cinetpay/transfer.hpp"

namespace cinetpay::testing {

/// A clock that moves only when told; thread-safe.
class ManualClock {
 public:
  std::chrono::steady_clock::time_point now() const {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  void advance(std::chrono::milliseconds d) { ms_ += d.count(); }
  Clock clock() {
    return [this] { return now(); };
  }
  /// A sleeper that records the waits and advances this clock instead of sleeping.
  Sleeper sleeper() {
    return [this](std::chrono::milliseconds d) {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(d);
      advance(d);
    };
  }
  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  std::atomic<long long> ms_{1'000'000};
  mutable std::mutex mu_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

inline HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  r.body = std::move(body);
  return r;
}

inline const char* kLoginOk =
    R"({"code":0,"message":"OPERATION_SUCCES","data":{"token":"tok-secret-1"}})";

/// Answers each request with a handler chosen by path; records every request.
/// Handlers for one path are used in order, the last one repeatedly. Thread-safe.
class ScriptedTransport : public HttpTransport {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  ScriptedTransport() {
    on("/auth/login", [](const HttpRequest&) { return json_response(200, kLoginOk); });
  }

  /// Replaces the script of a path (matched as a substring of the URL's path).
  ScriptedTransport& on(const std::string& path, Handler handler) {
    std::lock_guard<std::mutex> lock(mu_);
    scripts_[path] = {std::move(handler)};
    return *this;
  }
  /// Appends a step to the script of a path.
  ScriptedTransport& then(const std::string& path, Handler handler) {
    std::lock_guard<std::mutex> lock(mu_);
    scripts_[path].push_back(std::move(handler));
    return *this;
  }
  ScriptedTransport& on_json(const std::string& path, int status, std::string body) {
    return on(path, [status, body](const HttpRequest&) { return json_response(status, body); });
  }
  ScriptedTransport& then_json(const std::string& path, int status, std::string body) {
    return then(path, [status, body](const HttpRequest&) { return json_response(status, body); });
  }

  HttpResponse send(const HttpRequest& request) override {
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      std::string path = request.url.substr(0, request.url.find('?'));
      for (auto& [key, steps] : scripts_) {
        if (path.size() >= key.size() &&
            path.compare(path.size() - key.size(), key.size(), key) == 0) {
          handler = steps.front();
          if (steps.size() > 1) steps.pop_front();
        }
      }
    }
    if (!handler) throw TransportError("no script for " + request.url, false);
    return handler(request);
  }

  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  /// Requests whose URL path ends with `path`.
  std::vector<HttpRequest> requests_to(const std::string& path) const {
    std::vector<HttpRequest> out;
    for (auto& r : requests()) {
      std::string p = r.url.substr(0, r.url.find('?'));
      if (p.size() >= path.size() && p.compare(p.size() - path.size(), path.size(), path) == 0)
        out.push_back(r);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<Handler>> scripts_;
  std::vector<HttpRequest> requests_;
};

/// A client over a scripted transport and a manual clock; no real time passes.
struct FakeWorld {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  ManualClock clock;
  std::vector<std::string> log_lines;
  std::mutex log_mu;

  ClientOptions options() {
    ClientOptions o;
    o.base_url = "https://api.test";
    o.transport = transport;
    o.clock = clock.clock();
    o.sleeper = clock.sleeper();
    o.random = [] { return 0.5; };
    o.logger = [this](LogLevel level, std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mu);
      log_lines.push_back(std::string(to_string(level)) + ": " + std::string(line));
    };
    return o;
  }
  TransferClient client() {
    return TransferClient(Credentials{"key-secret", "pass-secret"}, options());
  }
  TransferClient client(ClientOptions o) {
    return TransferClient(Credentials{"key-secret", "pass-secret"}, std::move(o));
  }
  std::string all_logs() {
    std::lock_guard<std::mutex> lock(log_mu);
    std::string s;
    for (auto& l : log_lines) s += l + "\n";
    return s;
  }
};

}  // namespace cinetpay::testing
