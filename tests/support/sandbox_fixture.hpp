// An in-process cinetpay-sandbox on a port of its own, and its admin API.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "cinetpay/sandbox.hpp"
#include "cinetpay/testing/fast_options.hpp"
#include "cinetpay/transfer.hpp"

namespace cinetpay::mocks {

inline sandbox::SandboxOptions fast_sandbox() {
  sandbox::SandboxOptions o;
  o.settle = std::chrono::milliseconds(40);
  o.seed = 42;
  return o;
}

class SandboxFixture {
 public:
  explicit SandboxFixture(sandbox::SandboxOptions options = fast_sandbox())
      : sandbox_(std::move(options)), admin_("127.0.0.1", sandbox_.start()) {}

  /// Options for a client of this sandbox, with short waits so that tests stay quick.
  ClientOptions options() const { return fast_options(sandbox_.base_url()); }
  TransferClient client() const { return client(options()); }
  TransferClient client(ClientOptions o) const {
    return TransferClient(Credentials{"sandbox-key", "sandbox-password"}, std::move(o));
  }

  nlohmann::json get(const std::string& path) {
    auto r = admin_.Get(path);
    if (!r || r->status != 200) throw std::runtime_error("admin GET " + path + " failed");
    return nlohmann::json::parse(r->body);
  }
  nlohmann::json post(const std::string& path,
                      const nlohmann::json& body = nlohmann::json::object()) {
    auto r = admin_.Post(path, body.dump(), "application/json");
    if (!r || r->status != 200) throw std::runtime_error("admin POST " + path + " failed");
    return nlohmann::json::parse(r->body);
  }
  nlohmann::json ledger() { return get("/_sandbox/ledger"); }
  /// Transfers of the ledger with this client_transaction_id.
  int transfers_with(const std::string& client_transaction_id) {
    nlohmann::json all = ledger();
    int n = 0;
    for (const auto& t : all["transfers"]) n += t["client_transaction_id"] == client_transaction_id;
    return n;
  }
  int api_requests(const std::string& path) {
    nlohmann::json all = get("/_sandbox/requests");
    int n = 0;
    for (const auto& r : all) n += r["path"] == path;
    return n;
  }
  void fault(const std::string& kind, const std::string& path, int count = 1,
             nlohmann::json extra = nlohmann::json::object()) {
    extra["kind"] = kind;
    extra["path"] = path;
    extra["count"] = count;
    post("/_sandbox/faults", extra);
  }
  /// Registers the contact every payout of these tests goes to.
  void add_contact(const std::string& phone) {
    auto added =
        client().add_contacts({Contact{"225", phone, "Kouassi", "Awa", "awa@example.com"}});
    if (added.size() != 1 || !added[0].ok())
      throw std::runtime_error("sandbox refused contact " + phone);
  }

  const std::string base_url() const { return sandbox_.base_url(); }
  sandbox::Sandbox& sandbox() { return sandbox_; }

 private:
  sandbox::Sandbox sandbox_;
  httplib::Client admin_;
};

inline TransferRequest payout_to(const std::string& phone, std::int64_t amount,
                                 const std::string& id,
                                 const std::string& notify_url = "http://127.0.0.1:9/notify") {
  TransferRequest t;
  t.prefix = "225";
  t.phone = phone;
  t.amount = amount;
  t.notify_url = notify_url;
  t.client_transaction_id = id;
  return t;
}

}  // namespace cinetpay::mocks
