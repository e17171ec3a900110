// A scripted HTTP server on 127.0.0.1 and a port the system picks; it records every
// request and stops when destroyed.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bounded_wait.hpp"

namespace cinetpay::mocks {

struct RecordedRequest {
  std::string method;
  std::string path;
  std::string target;  ///< path and query
  std::map<std::string, std::string> params;
  std::multimap<std::string, std::string, httplib::detail::ci> headers;
  std::string body;
  int remote_port = 0;
};

/// Waits, 10 s at most, for a server started on another thread to accept connections.
inline void wait_until_running(const httplib::Server& server) {
  if (!eventually([&] { return server.is_running(); })) {
    throw std::runtime_error("the local HTTP server did not start within the bound");
  }
}

class ScriptedServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  ScriptedServer() {
    server_.set_tcp_nodelay(true);
    auto route = [this](const httplib::Request& req, httplib::Response& res) {
      Handler handler;
      {
        std::lock_guard<std::mutex> lock(mu_);
        RecordedRequest r{req.method,  req.path, req.target,     {},
                          req.headers, req.body, req.remote_port};
        for (auto& [k, v] : req.params) r.params[k] = v;
        requests_.push_back(std::move(r));
        auto it = handlers_.find(req.path);
        if (it != handlers_.end()) handler = it->second;
      }
      if (handler) {
        handler(req, res);
      } else {
        res.status = 404;
        res.set_content("<html>not found</html>", "text/html");
      }
    };
    server_.Get(".*", route);
    server_.Post(".*", route);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    wait_until_running(server_);
  }
  ~ScriptedServer() {
    server_.stop();
    thread_.join();
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  void on(const std::string& path, Handler handler) {
    std::lock_guard<std::mutex> lock(mu_);
    handlers_[path] = std::move(handler);
  }
  /// Answers `path` with this body and status, whatever the request.
  void answer(const std::string& path, int status, const std::string& body,
              const std::string& type = "application/json") {
    on(path, [=](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      res.set_content(body, type);
    });
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  httplib::Server& raw() { return server_; }

  std::vector<RecordedRequest> requests(const std::string& path = "") const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<RecordedRequest> out;
    for (auto& r : requests_) {
      if (path.empty() || r.path == path) out.push_back(r);
    }
    return out;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, Handler> handlers_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace cinetpay::mocks
