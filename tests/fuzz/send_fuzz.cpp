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
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cinetpay/detail/codes.hpp"
#include "cinetpay/detail/evidence.hpp"
#include "cinetpay/detail/http.hpp"
#include "cinetpay/detail/protocol.hpp"
#include "cinetpay/testing/manual_clock.hpp"
#include "cinetpay/transfer.hpp"

namespace {

using cinetpay::HttpRequest;
using cinetpay::HttpResponse;
using nlohmann::json;

// What one input may ask for. Past kMaxExchanges the input reads as exhausted (every
// request fails before it leaves, as at the end of a short input), so that no input costs
// dozens of exchanges; four items still make up to four batches, enough for a batch
// accepted before one that fails, and a login, sends, retries and lookups fit in sixteen.
constexpr int kMaxItems = 4;
constexpr int kMaxExchanges = 16;

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
  void exhaust() { size_ = 0; }

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

// The fixed answers, written once rather than built and dumped on every exchange.
const std::string kInvalidCredentials = R"({"code":"701","message":"INVALID_CREDENTIALS"})";
const std::string kInvalidToken = R"({"code":706,"message":"INVALID_TOKEN"})";
const std::string kInsufficientBalance = R"({"code":602,"message":"INSUFFICIENT_BALANCE"})";
const std::string kIdExists = R"({"code":805,"message":"CLIENT_TRANSACTION_ID_EXIST"})";
const std::string kNotFound = R"({"code":723,"message":"NOT_FOUND","data":[]})";
const std::string kNoData = R"({"code":0,"data":[]})";

class FuzzServer : public cinetpay::HttpTransport {
 public:
  FuzzServer(Input& input, cinetpay::mocks::ManualClock& clock) : in_(input), clock_(clock) {}

  HttpResponse send(const HttpRequest& request) override {
    if (++exchanges_ > kMaxExchanges) in_.exhaust();
    clock_.advance(std::chrono::milliseconds(250 * (in_.byte() % 8)));
    const std::string path = request.url.substr(0, request.url.find('?'));
    if (ends_with(path, cinetpay::detail::kSendPath)) return on_send(request);
    if (ends_with(path, cinetpay::detail::kCheckPath)) return on_check(request);
    return on_login();
  }

  const std::map<std::string, Fate>& fates() const { return fates_; }
  // Whether `id` was sent again after a send of it that may have been processed (and was
  // then looked up in vain): a refusal of the moment proves nothing about that first send.
  bool resent_after_an_absence(const std::string& id) const {
    return resent_after_an_absence_.count(id) != 0;
  }
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
    if (kind == 5) return {200, {}, kInvalidCredentials};
    return {200, {}, R"({"code":0,"data":{"token":"tok-)" + std::to_string(++logins_) + R"("}})"};
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
      if (it != fates_.end() && it->second == Fate::not_found) resent_after_an_absence_.insert(id);
      fates_[id] = Fate::unresolved;
      ids.push_back(id);
    }
    std::uint8_t kind = in_.byte() % 12;
    // Every failure but a refused connection may come after the request left.
    a_send_arrived_ = a_send_arrived_ || kind != 0;
    maybe_fail(kind, ids);
    // Only a fuzzed body is parsed here to learn what the client reads from it; the
    // fixed ones say it by construction.
    switch (kind) {
      case 4: {
        HttpResponse response = fuzzed();
        if (auto env = envelope_of(response)) record_send_answer(env->code, env->http_status, ids);
        return response;
      }
      case 5:
        record_send_answer(706, 200, ids);
        return {200, {}, kInvalidToken};
      case 6:
        record_send_answer(602, 200, ids);
        return {200, {}, kInsufficientBalance};
      case 7: {
        int status = in_.byte() % 2 == 0 ? 500 : 200;
        record_send_answer(805, status, ids);
        return {status, {}, kIdExists};
      }
      case 8:  // not an envelope: the client learns nothing from it
        return {502, {}, "<html>Bad Gateway</html>"};
      default:
        record_send_answer(0, 200, ids);
        return answer(200, {{"code", 0}, {"data", {per_item(items)}}});
    }
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

  void record_send_answer(int code, int http_status, const std::vector<std::string>& ids) {
    Fate fate = Fate::unresolved;
    if (cinetpay::detail::codes::is_token_refusal(code) &&
        cinetpay::detail::evidence::proves_nothing_paid(code, http_status)) {
      fate = Fate::not_received;
    } else if (code != 0 && cinetpay::detail::evidence::proves_nothing_paid(code, http_status)) {
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
    // A lookup the client cannot read tells it nothing: the item keeps its fate (an
    // absence seen before still allows the one resend). As on send, only a fuzzed body is
    // parsed to learn what the client reads.
    switch (kind) {
      case 4: {
        HttpResponse response = fuzzed();
        if (auto env = envelope_of(response)) record_lookup(*env, id);
        return response;
      }
      case 5:
      case 6:
        fates_[id] = Fate::not_found;
        return {200, {}, kNotFound};
      case 7:
        fates_[id] = Fate::not_found;
        return {200, {}, kNoData};
      case 8:  // not an envelope
        return {503, {{"retry-after", std::to_string(in_.byte() % 3)}}, "busy"};
      default: {
        cinetpay::detail::Envelope env;
        env.http_status = 200;
        env.data = json::array({found(id)});
        record_lookup(env, id);
        return answer(200, {{"code", 0}, {"data", env.data}});
      }
    }
  }

  void record_lookup(const cinetpay::detail::Envelope& env, const std::string& id) {
    if (env.code == cinetpay::detail::codes::kNotFound ||
        (env.code == 0 && cinetpay::detail::data_items(env).empty())) {
      fates_[id] = Fate::not_found;
    } else if (env.code == 0 && shows(env, id)) {
      fates_[id] = Fate::unresolved;
    }
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
  cinetpay::mocks::ManualClock& clock_;
  std::map<std::string, Fate> fates_;
  std::set<std::string> resent_after_an_absence_;
  bool a_send_arrived_ = false;
  int logins_ = 0;
  int exchanges_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace std::chrono_literals;
  Input in(data, size);
  cinetpay::mocks::ManualClock clock;
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

  std::vector<cinetpay::TransferRequest> items(1 + in.byte() % kMaxItems);
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
    if (r.outcome == cinetpay::TransferOutcome::rejected && r.error &&
        cinetpay::detail::evidence::is_refusal_of_the_moment(r.error->code) &&
        server->resent_after_an_absence(r.client_transaction_id)) {
      violation(r.client_transaction_id + " rejected with " + std::to_string(r.error->code) +
                " when sent again, although its first send may have been processed");
    }
  }
  return 0;
}
