// libFuzzer target: send_money against a server and a network that do anything — fuzzed
// bodies and statuses, well-formed answers of every kind, transport failures before and
// after sending, foreign exceptions, out of memory — on a manual clock (no waiting).
//
// It asserts the contract of send_money:
// - every item comes back exactly once, in order, with its client_transaction_id;
// - no exception once a send request has left (allowed only while every send so far
//   certainly did not arrive);
// - an item is sent again only after it certainly was not received (transport failure
//   before sending, token refused) or was looked up and not found;
// - not_sent only for an item that certainly never reached the server (or reached it only
//   with a refused token);
// - client_transaction_id_exist on accepted results only.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cinetpay/testing/manual_clock.hpp"
#include "cinetpay/transfer.hpp"
#include "cinetpay/detail/codes.hpp"
#include "cinetpay/detail/http.hpp"
#include "cinetpay/detail/protocol.hpp"

namespace {

using cinetpay::HttpRequest;
using cinetpay::HttpResponse;
using nlohmann::json;

[[noreturn]] void violation(const std::string& what) {
  std::cerr << "contract violated: " << what << "\n";
  std::abort();
}

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  // Zero once exhausted: then every request fails before sending, and the run ends.
  std::uint8_t byte() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }
  std::string bytes(std::size_t max) {
    std::size_t n = std::min<std::size_t>(byte() % (max + 1), size_);
    std::string s(reinterpret_cast<const char*>(data_), n);
    data_ += n;
    size_ -= n;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

// Where an item stands, as far as the server side of this test can tell.
enum class Fate {
  not_received,  // its last send certainly did not arrive, or had its token refused
  refused,       // its last send was refused whole with a code that proves nothing was paid
  unresolved,    // its last send may have been processed
  not_found,     // looked up after a send and answered "not found"
};

// The envelope as the client reads it, or nothing when it cannot be read.
std::optional<cinetpay::detail::Envelope> envelope_of(const HttpResponse& response) {
  try {
    return cinetpay::detail::parse_envelope(response);
  } catch (...) {
    return std::nullopt;
  }
}

HttpResponse answer(int status, const json& body) { return {status, {}, body.dump()}; }

class FuzzServer : public cinetpay::HttpTransport {
 public:
  FuzzServer(Input& input, cinetpay::testing::ManualClock& clock) : in_(input), clock_(clock) {}

  HttpResponse send(const HttpRequest& request) override {
    clock_.advance(std::chrono::milliseconds(250 * (in_.byte() % 8)));
    const std::string path = request.url.substr(0, request.url.find('?'));
    if (ends_with(path, cinetpay::detail::kSendPath)) return on_send(request);
    if (ends_with(path, cinetpay::detail::kCheckPath)) return on_check(request);
    return on_login();
  }

  const std::map<std::string, Fate>& fates() const { return fates_; }
  // Whether a send reached this server, as opposed to failing before it left.
  bool a_send_arrived() const { return a_send_arrived_; }

 private:
  static bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  }

  // Failures every path can meet; `ids` are certainly not received by the first one.
  void maybe_fail(std::uint8_t kind, const std::vector<std::string>& ids) {
    switch (kind) {
      case 0:
        for (const auto& id : ids) fates_[id] = Fate::not_received;
        throw cinetpay::TransportError("connection refused", false);
      case 1:
        throw cinetpay::TransportError("timed out after sending", true);
      case 2:
        throw std::runtime_error("a foreign library failed");
      case 3:
        throw std::bad_alloc();
      default:
        return;
    }
  }

  HttpResponse fuzzed() {
    int status = 100 + in_.byte() % 5 * 100 + in_.byte() % 30;
    return {status, {}, in_.bytes(200)};
  }

  HttpResponse on_login() {
    std::uint8_t kind = in_.byte() % 12;
    maybe_fail(kind, {});
    if (kind == 4) return fuzzed();
    if (kind == 5) return answer(200, {{"code", "701"}, {"message", "INVALID_CREDENTIALS"}});
    return answer(200, {{"code", 0}, {"data", {{"token", "tok-" + std::to_string(++logins_)}}}});
  }

  HttpResponse on_send(const HttpRequest& request) {
    json items = json::parse(cinetpay::detail::form_parse(request.body).at(0).second);
    std::vector<std::string> ids;
    for (const auto& item : items) {
      std::string id = item.at("client_transaction_id").get<std::string>();
      auto it = fates_.find(id);
      if (it != fates_.end() && it->second != Fate::not_received && it->second != Fate::not_found) {
        violation("item " + id + " sent again while its first send may have been processed");
      }
      fates_[id] = Fate::unresolved;
      ids.push_back(id);
    }
    std::uint8_t kind = in_.byte() % 12;
    // Every failure but a refused connection may come after the request left.
    a_send_arrived_ = a_send_arrived_ || kind != 0;
    maybe_fail(kind, ids);
    HttpResponse response;
    switch (kind) {
      case 4:
        response = fuzzed();
        break;
      case 5:
        response = answer(200, {{"code", 706}, {"message", "INVALID_TOKEN"}});
        break;
      case 6:
        response = answer(200, {{"code", 602}, {"message", "INSUFFICIENT_BALANCE"}});
        break;
      case 7:
        response = answer(in_.byte() % 2 == 0 ? 500 : 200,
                          {{"code", 805}, {"message", "CLIENT_TRANSACTION_ID_EXIST"}});
        break;
      case 8:
        response = {502, {}, "<html>Bad Gateway</html>"};
        break;
      default:
        response = answer(200, {{"code", 0}, {"data", {per_item(items)}}});
        break;
    }
    record_send_answer(response, ids);
    return response;
  }

  // Each item accepted, refused or unclear, sometimes left out of the answer.
  json per_item(const json& items) {
    static const json kCodes[] = {0, 0, "0", 724, "805", 709, "x", 4294967296.0, -1};
    json out = json::array();
    for (json item : items) {
      std::uint8_t pick = in_.byte();
      if (pick % 7 == 6) continue;
      item["code"] = kCodes[pick % (sizeof(kCodes) / sizeof(kCodes[0]))];
      item["transaction_id"] = "T-" + item["client_transaction_id"].get<std::string>();
      item["treatment_status"] = "NEW";
      out.push_back(item);
    }
    return out;
  }

  void record_send_answer(const HttpResponse& response, const std::vector<std::string>& ids) {
    auto env = envelope_of(response);
    if (!env) return;
    Fate fate = Fate::unresolved;
    if (cinetpay::detail::codes::is_token_refusal(env->code)) {
      fate = Fate::not_received;
    } else if (env->code != 0 &&
               cinetpay::detail::codes::send_refusal_is_definite(env->code, env->http_status)) {
      fate = Fate::refused;
    }
    for (const auto& id : ids) fates_[id] = fate;
  }

  HttpResponse on_check(const HttpRequest& request) {
    std::string id;
    for (auto& [name, value] :
         cinetpay::detail::form_parse(request.url.substr(request.url.find('?') + 1))) {
      if (name == "client_transaction_id") id = value;
    }
    if (fates_.find(id) == fates_.end()) violation("looked up " + id + ", which was never sent");
    std::uint8_t kind = in_.byte() % 12;
    maybe_fail(kind, {});
    HttpResponse response;
    switch (kind) {
      case 4:
        response = fuzzed();
        break;
      case 5:
      case 6:
        response = answer(200, {{"code", 723}, {"message", "NOT_FOUND"}, {"data", json::array()}});
        break;
      case 7:
        response = answer(200, {{"code", 0}, {"data", json::array()}});
        break;
      case 8:
        response = {503, {{"retry-after", std::to_string(in_.byte() % 3)}}, "busy"};
        break;
      default:
        response = answer(200, {{"code", 0}, {"data", {found(id)}}});
        break;
    }
    // A lookup the client cannot read tells it nothing: the item keeps its fate (an
    // absence seen before still allows the one resend).
    if (auto env = envelope_of(response)) {
      if (env->code == cinetpay::detail::codes::kNotFound ||
          (env->code == 0 && cinetpay::detail::data_items(*env).empty())) {
        fates_[id] = Fate::not_found;
      } else if (env->code == 0 && shows(*env, id)) {
        fates_[id] = Fate::unresolved;
      }
    }
    return response;
  }

  // Whether the client reads `id` as found in a check/money answer: every item readable,
  // one of them under this id.
  static bool shows(const cinetpay::detail::Envelope& env, const std::string& id) {
    try {
      bool found = false;
      for (const json* item : cinetpay::detail::data_items(env)) {
        found = cinetpay::detail::parse_transfer_status(*item).client_transaction_id == id || found;
      }
      return found;
    } catch (...) {
      return false;
    }
  }

  // The transfer under `id`: this payout, or one to someone else, or a half-told one.
  json found(const std::string& id) {
    std::uint8_t pick = in_.byte();
    json t = {{"transaction_id", "T-" + id},
              {"client_transaction_id", pick % 9 == 0 ? "" : id},
              {"amount", pick % 5 == 1 ? "1000" : "500"},
              {"receiver", "0700000000"},
              {"receiver_e164", pick % 7 == 2 ? "+2210700000000" : "+2250700000000"},
              {"treatment_status", pick % 2 == 0 ? "VAL" : "NEW"}};
    if (pick % 11 == 3) t.erase("receiver_e164");
    return t;
  }

  Input& in_;
  cinetpay::testing::ManualClock& clock_;
  std::map<std::string, Fate> fates_;
  bool a_send_arrived_ = false;
  int logins_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace std::chrono_literals;
  Input in(data, size);
  cinetpay::testing::ManualClock clock;
  auto server = std::make_shared<FuzzServer>(in, clock);

  cinetpay::ClientOptions o;
  o.base_url = "https://api.test";
  o.transport = server;
  o.clock = clock.clock();
  o.sleeper = clock.sleeper();
  o.random = [] { return 0.5; };
  o.max_batch_size = 1 + in.byte() % 3;
  o.retry.max_attempts = 1 + in.byte() % 3;
  o.reconcile_grace = std::chrono::seconds(in.byte() % 8);
  o.reconcile_interval = std::chrono::seconds(1 + in.byte() % 3);
  o.request_timeout = std::chrono::seconds(1 + in.byte() % 5);
  if (in.byte() % 4 == 0) {
    o.logger = [](cinetpay::LogLevel, std::string_view) { throw std::runtime_error("log full"); };
  }
  cinetpay::CallOptions call;
  if (std::uint8_t d = in.byte(); d % 3 == 0)
    call = cinetpay::CallOptions(std::chrono::seconds(d % 40));

  std::vector<cinetpay::TransferRequest> items(1 + in.byte() % 5);
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].prefix = "225";
    items[i].phone = "0700000000";
    items[i].amount = 500;
    items[i].notify_url = "https://shop.example/notify";
    if (in.byte() % 4 != 0) items[i].client_transaction_id = "F" + std::to_string(i);
  }

  cinetpay::TransferClient client(cinetpay::Credentials{"key", "password"}, o);
  std::vector<cinetpay::TransferResult> results;
  try {
    results = client.send_money(items, call);
  } catch (...) {
    if (server->a_send_arrived()) violation("send_money threw after a send request had left");
    return 0;
  }
  if (results.size() != items.size()) violation("not one outcome per item");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& r = results[i];
    if (r.client_transaction_id.empty()) violation("an outcome without its id");
    if (!items[i].client_transaction_id.empty() &&
        r.client_transaction_id != items[i].client_transaction_id) {
      violation("outcomes out of order");
    }
    if (r.client_transaction_id_exist && r.outcome != cinetpay::TransferOutcome::accepted) {
      violation(r.client_transaction_id + " marked as already at CinetPay but not accepted");
    }
    if (r.outcome == cinetpay::TransferOutcome::not_sent) {
      auto it = server->fates().find(r.client_transaction_id);
      if (it != server->fates().end() && it->second != Fate::not_received) {
        violation(r.client_transaction_id + " reported not_sent but it may have arrived");
      }
    }
  }
  return 0;
}
