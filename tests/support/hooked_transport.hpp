// A transport that hands every request to another, with a hook before and after each send
// of money: a test looks at the ledger while a batch is on the wire.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "cinetpay/http.hpp"

namespace cinetpay::mocks {

constexpr const char* kSendPath = "/v1/transfer/money/send/contact";

class HookedTransport : public HttpTransport {
 public:
  using Hook = std::function<void(const HttpRequest&)>;
  HookedTransport(std::shared_ptr<HttpTransport> inner, Hook before, Hook after)
      : inner_(std::move(inner)), before_(std::move(before)), after_(std::move(after)) {}
  HttpResponse send(const HttpRequest& request) override {
    bool is_send = request.url.find(kSendPath) != std::string::npos;
    if (is_send && before_) before_(request);
    HttpResponse r = inner_->send(request);
    if (is_send && after_) after_(request);
    return r;
  }

 private:
  std::shared_ptr<HttpTransport> inner_;
  Hook before_;
  Hook after_;
};

}  // namespace cinetpay::mocks
