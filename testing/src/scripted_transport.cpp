#include "cinetpay/testing/scripted_transport.hpp"

#include <utility>

#include "cinetpay/errors.hpp"
#include "cinetpay/testing/answers.hpp"

namespace cinetpay::mocks {
namespace {

std::string url_path(const std::string& url) { return url.substr(0, url.find('?')); }

bool ends_with(const std::string& text, const std::string& end) {
  return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

ScriptedTransport::Handler answer_with(HttpResponse response) {
  return [response = std::move(response)](const HttpRequest&) { return response; };
}

}  // namespace

ScriptedTransport::ScriptedTransport() { on(paths::kLogin, answers::login()); }

ScriptedTransport& ScriptedTransport::on(const std::string& path, Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  scripts_[path] = {std::move(handler)};
  return *this;
}

ScriptedTransport& ScriptedTransport::on(const std::string& path, HttpResponse response) {
  return on(path, answer_with(std::move(response)));
}

ScriptedTransport& ScriptedTransport::on_json(const std::string& path, int http_status,
                                              std::string body) {
  return on(path, answers::json(http_status, std::move(body)));
}

ScriptedTransport& ScriptedTransport::then(const std::string& path, Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  scripts_[path].push_back(std::move(handler));
  return *this;
}

ScriptedTransport& ScriptedTransport::then(const std::string& path, HttpResponse response) {
  return then(path, answer_with(std::move(response)));
}

ScriptedTransport& ScriptedTransport::then_json(const std::string& path, int http_status,
                                                std::string body) {
  return then(path, answers::json(http_status, std::move(body)));
}

HttpResponse ScriptedTransport::send(const HttpRequest& request) {
  const std::string path = url_path(request.url);
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    std::deque<Handler>* script = nullptr;
    std::size_t matched = 0;
    for (auto& [key, steps] : scripts_) {
      if (ends_with(path, key) && (script == nullptr || key.size() > matched)) {
        script = &steps;
        matched = key.size();
      }
    }
    if (script != nullptr) {
      handler = script->front();
      if (script->size() > 1) script->pop_front();
    }
  }
  // The path only: the query string carries the token.
  if (!handler) throw TransportError("ScriptedTransport: no script for " + path, false);
  return handler(request);
}

std::vector<HttpRequest> ScriptedTransport::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<HttpRequest> ScriptedTransport::requests_to(const std::string& path) const {
  std::vector<HttpRequest> out;
  for (HttpRequest& r : requests()) {
    if (ends_with(url_path(r.url), path)) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace cinetpay::mocks
