#include "sandbox.hpp"

#include <httplib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace cinetpay::sandbox {
namespace {

using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;
constexpr auto kNever = SteadyClock::time_point::max();

// The envelope as CinetPay sends it: success with a numeric 0; errors with the code as a
// string, except 602 and 723, which the API text shows as numbers.
json success(json data) {
  return json{{"code", 0}, {"message", "OPERATION_SUCCES"}, {"data", std::move(data)}};
}

json failure(int code, const std::string& message, const std::string& description) {
  json code_value = (code == 602 || code == 723) ? json(code) : json(std::to_string(code));
  return json{{"code", code_value},
              {"message", message},
              {"description", description},
              {"data", json::array()}};
}

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string wall_time(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string text(const json& item, const char* name) {
  auto it = item.find(name);
  if (it == item.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// An amount sent as 500 or "500"; nullopt when it is not a whole number.
std::optional<std::int64_t> whole_amount(const json& item) {
  auto it = item.find("amount");
  if (it == item.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string() && all_digits(it->get<std::string>()) && it->get<std::string>().size() < 16) {
    return std::stoll(it->get<std::string>());
  }
  return std::nullopt;
}

struct Transfer {
  std::string transaction_id;
  std::string client_transaction_id;
  std::string lot;
  std::string prefix;
  std::string phone;
  std::string notify_url;
  std::string payment_method;
  std::string operator_code;
  std::int64_t amount = 0;
  std::string status = "NEW";
  std::string sending_status = "CONFIRM";
  std::string validated_at;
  bool confirmed = true;
  SteadyClock::time_point visible_at;
  SteadyClock::time_point next_step = kNever;
};

std::string comment_for(const std::string& status) {
  if (status == "NEW") return "En attente de traitement";
  if (status == "NOS") return "En attente de confirmation";
  if (status == "REC") return "En cours de traitement";
  if (status == "VAL") return "Transfert effectué avec succès";
  return "Transfert rejeté par l'opérateur";
}

json record(const Transfer& t) {
  return json{{"transaction_id", t.transaction_id},
              {"client_transaction_id", t.client_transaction_id},
              {"lot", t.lot},
              {"amount", std::to_string(t.amount)},
              {"receiver", t.phone},
              {"receiver_e164", "+" + t.prefix + t.phone},
              {"operator", t.operator_code},
              {"sending_status", t.sending_status},
              {"transfer_valid", t.status == "VAL" ? "Y" : "N"},
              {"treatment_status", t.status},
              {"comment", comment_for(t.status)},
              {"validated_at", t.validated_at}};
}

struct Fault {
  std::string kind;
  std::string path;
  int remaining = 1;
  int delay_ms = 0;
  int status = 503;
};

constexpr std::array<std::string_view, 5> kFaultKinds = {
    "drop_before", "process_then_drop", "delay_ms", "http_status", "invalid_token"};

bool is_fault_kind(const std::string& kind) {
  return std::find(kFaultKinds.begin(), kFaultKinds.end(), kind) != kFaultKinds.end();
}

std::string contact_key(const std::string& prefix, const std::string& phone) {
  std::string key = prefix;
  key += ':';
  key += phone;
  return key;
}

// One call to notify_url, made off the request path.
struct Notice {
  std::string url;
  bool ping = false;
  httplib::Params fields;
};

}  // namespace

class Sandbox::Impl {
 public:
  explicit Impl(SandboxOptions options) : options_(std::move(options)) {
    rng_.seed(options_.seed != 0 ? options_.seed : std::random_device{}());
    reset_locked();
  }

  ~Impl() { stop(); }

  int start() {
    server_.set_tcp_nodelay(true);
    routes();
    if (options_.port == 0) {
      port_ = server_.bind_to_any_port(options_.host);
    } else if (server_.bind_to_port(options_.host, options_.port)) {
      port_ = options_.port;
    }
    if (port_ <= 0)
      throw std::runtime_error("cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port));
    running_ = true;
    server_thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
    worker_ = std::thread([this] { run_clock(); });
    notifier_ = std::thread([this] { run_notifier(); });
    return port_;
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!running_) return;
      running_ = false;
    }
    server_.stop();
    cv_.notify_all();
    notices_cv_.notify_all();
    if (server_thread_.joinable()) server_thread_.join();
    if (worker_.joinable()) worker_.join();
    if (notifier_.joinable()) notifier_.join();
    stopped_cv_.notify_all();
  }

  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    stopped_cv_.wait(lock, [this] { return !running_; });
  }

  int port() const { return port_; }
  std::string base_url() const { return "http://" + options_.host + ":" + std::to_string(port_); }

 private:
  using Process = std::function<json(const httplib::Request&)>;

  void routes() {
    api("/v1/auth/login", [this](const httplib::Request& r) { return login(r); });
    api("/v1/transfer/check/balance",
        [this](const httplib::Request& r) { return authed(r, [this] { return balance_json(); }); });
    api("/v1/transfer/contact",
        [this](const httplib::Request& r) { return authed(r, [&] { return add_contacts(r); }); });
    api("/v1/transfer/money/send/contact",
        [this](const httplib::Request& r) { return authed(r, [&] { return send(r); }); });
    api("/v1/transfer/check/money",
        [this](const httplib::Request& r) { return authed(r, [&] { return check(r); }); });
    admin();
  }

  // Every API path answers GET and POST, as the API does, through the fault injector.
  void api(const std::string& path, Process process) {
    auto handler = [this, path, process = std::move(process)](const httplib::Request& req,
                                                              httplib::Response& res) {
      serve(path, req, res, process);
    };
    server_.Get(path, handler);
    server_.Post(path, handler);
  }

  void serve(const std::string& path, const httplib::Request& req, httplib::Response& res,
             const Process& process) {
    std::optional<Fault> fault = take_fault(path);
    json entry{{"method", req.method}, {"path", path}, {"fault", fault ? fault->kind : ""}};
    for (const auto& [name, value] : req.params) {
      bool secret = name == "apikey" || name == "password" || name == "token";
      entry["params"][name] = secret ? "***" : value;
    }
    auto log = [&](const json& code) {
      entry["code"] = code;
      std::lock_guard<std::mutex> lock(mu_);
      request_log_.push_back(entry);
    };
    if (fault && fault->kind == "drop_before") {
      log(nullptr);
      return drop(res);
    }
    if (fault && fault->kind == "http_status") {
      log(nullptr);
      res.status = fault->status;
      res.set_content("<html><head><title>" + std::to_string(fault->status) +
                          "</title></head><body><h1>Service Unavailable</h1></body></html>",
                      "text/html");
      return;
    }
    if (fault && fault->kind == "invalid_token") {
      json body = failure(706, "INVALID_TOKEN", "Votre token est invalide");
      log(body["code"]);
      res.set_content(body.dump(), "application/json");
      return;
    }
    if (fault && fault->kind == "delay_ms") {
      std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
    }
    json body = process(req);
    log(body["code"]);
    if (fault && fault->kind == "process_then_drop") return drop(res);
    res.set_content(body.dump(), "application/json");
  }

  // Headers go out, then the connection closes before the promised body.
  static void drop(httplib::Response& res) {
    res.set_content_provider(1024, "application/json",
                             [](size_t, size_t, httplib::DataSink&) { return false; });
  }

  std::optional<Fault> take_fault(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (!it->path.empty() && it->path != path) continue;
      Fault f = *it;
      if (--it->remaining <= 0) faults_.erase(it);
      return f;
    }
    return std::nullopt;
  }

  json login(const httplib::Request& req) {
    if (req.get_param_value("apikey") != options_.api_key ||
        req.get_param_value("password") != options_.password) {
      return failure(701, "INVALID_CREDENTIALS", "Identifiant de connexion incorrect");
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::string token = random_hex(32);
    tokens_[token] = SteadyClock::now() + options_.token_ttl;
    return success(json{{"token", token}});
  }

  json authed(const httplib::Request& req, const std::function<json()>& then) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = tokens_.find(req.get_param_value("token"));
      if (it == tokens_.end() || SteadyClock::now() >= it->second) {
        return failure(706, "INVALID_TOKEN", "Votre token est invalide");
      }
    }
    return then();
  }

  json balance_json() {
    std::lock_guard<std::mutex> lock(mu_);
    advance_locked(SteadyClock::now());
    return success(balance_locked());
  }

  // The balance in the API's words; `amount` is what is available plus what is reserved.
  json balance_locked() const {
    return json{
        {"amount", available_ + in_using_}, {"inUsing", in_using_}, {"available", available_}};
  }

  // The `data` field as a non-empty JSON array; otherwise `refusal` is the API's answer.
  static std::optional<json> data_array(const httplib::Request& req, json* refusal) {
    json data = json::parse(req.get_param_value("data"), nullptr, false);
    if (data.is_discarded()) {
      *refusal = failure(718, "JSON_PARSE_ERROR", "Le champ data n'est pas un JSON valide");
      return std::nullopt;
    }
    if (!data.is_array() || data.empty()) {
      *refusal = failure(704, "INVALID_PARAM", "Paramètres incorrects");
      return std::nullopt;
    }
    return data;
  }

  json add_contacts(const httplib::Request& req) {
    json refusal;
    std::optional<json> parsed = data_array(req, &refusal);
    if (!parsed) return refusal;
    const json& data = *parsed;
    for (const json& item : data) {
      std::string prefix = item.is_object() ? text(item, "prefix") : "";
      if (!prefix.empty() && prefix[0] == '+') return plus_prefix(prefix);
      if (!item.is_object() || !all_digits(prefix) || !all_digits(text(item, "phone"))) {
        return failure(-1, "OPERATION_ERROR", "Erreur dans la requête");
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::string lot = new_lot();
    json items = json::array();
    for (const json& item : data) {
      json out = item;
      std::string key = contact_key(text(item, "prefix"), text(item, "phone"));
      bool known = !contacts_.emplace(key, item).second;
      out["code"] = known ? 726 : 0;
      out["status"] = known ? "ERROR_PHONE_ALREADY_MY_CONTACT" : "success";
      out["lot"] = lot;
      items.push_back(out);
    }
    return success(json::array({items}));
  }

  static json plus_prefix(const std::string& prefix) {
    return failure(-1, "OPERATION_ERROR",
                   "The prefix \"" + prefix + "\" belongs to a country not taken into account");
  }

  json send(const httplib::Request& req) {
    json refusal;
    std::optional<json> parsed = data_array(req, &refusal);
    if (!parsed) return refusal;
    const json& data = *parsed;
    std::lock_guard<std::mutex> lock(mu_);
    auto now = SteadyClock::now();
    advance_locked(now);
    // All or nothing: the first faulty item refuses the whole batch.
    std::set<std::string> batch_ids;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
      const json& item = data[i];
      std::string where = " (item " + std::to_string(i) + ")";
      if (!item.is_object()) return failure(704, "INVALID_PARAM", "Paramètres incorrects" + where);
      std::string prefix = text(item, "prefix");
      std::string phone = text(item, "phone");
      if (!prefix.empty() && prefix[0] == '+') return plus_prefix(prefix);
      if (!all_digits(prefix))
        return failure(-1, "OPERATION_ERROR", "Undefined index: country" + where);
      if (!all_digits(phone))
        return failure(802, "INVALID_PHONE", "Numéro de téléphone invalide" + where);
      auto amount = whole_amount(item);
      if (!amount || *amount <= 0 || *amount % 5 != 0) {
        return failure(801, "INVALID_AMOUNT", "Le montant doit être un multiple de 5" + where);
      }
      std::string url = text(item, "notify_url");
      if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
        return failure(725, "MISSING_NOTIFY_URL", "notify_url manquant ou invalide" + where);
      }
      if (contacts_.count(contact_key(prefix, phone)) == 0) {
        return failure(724, "ERROR_PHONE_NOT_MY_CONTACT",
                       "Ce numéro n'est pas dans vos contacts" + where);
      }
      std::string id = text(item, "client_transaction_id");
      if (!id.empty() && (by_client_id_.count(id) != 0 || !batch_ids.insert(id).second)) {
        return failure(805, "CLIENT_TRANSACTION_ID_EXIST",
                       "client_transaction_id déjà utilisé : " + id);
      }
      total += *amount;
    }
    if (total > available_) {
      return failure(602, "INSUFFICIENT_BALANCE",
                     "Fonds Insuffisant :disponible " + std::to_string(available_) +
                         ", Total de l'operation à effectuer : " + std::to_string(total));
    }
    std::string lot = new_lot();
    json items = json::array();
    for (const json& item : data) {
      Transfer t;
      t.transaction_id = new_transaction_id();
      t.client_transaction_id = text(item, "client_transaction_id");
      t.lot = lot;
      t.prefix = text(item, "prefix");
      t.phone = text(item, "phone");
      t.notify_url = text(item, "notify_url");
      t.payment_method = text(item, "payment_method");
      t.operator_code = operator_for(t);
      t.amount = *whole_amount(item);
      t.visible_at = now + options_.visibility_delay;
      t.next_step = now + options_.settle;
      if (options_.require_confirmation) {
        t.confirmed = false;
        t.sending_status = "PENDING";
      }
      available_ -= t.amount;
      in_using_ += t.amount;
      json out = item;
      out["code"] = 0;
      out["status"] = "success";
      out["treatment_status"] = "NEW";
      out["transaction_id"] = t.transaction_id;
      out["lot"] = lot;
      items.push_back(out);
      notices_.push_back({t.notify_url, true, {}});
      notify_locked(t);
      if (!t.client_transaction_id.empty())
        by_client_id_[t.client_transaction_id] = transfers_.size();
      transfers_.push_back(std::move(t));
    }
    notices_cv_.notify_all();
    cv_.notify_all();
    return success(json::array({items}));
  }

  json check(const httplib::Request& req) {
    std::string key;
    for (const char* name : {"transaction_id", "client_transaction_id", "lot"}) {
      if (!req.get_param_value(name).empty()) key = name;
    }
    if (key.empty())
      return failure(704, "INVALID_PARAM", "transaction_id, client_transaction_id ou lot requis");
    std::string value = req.get_param_value(key.c_str());
    std::lock_guard<std::mutex> lock(mu_);
    auto now = SteadyClock::now();
    advance_locked(now);
    json found = json::array();
    for (const Transfer& t : transfers_) {
      const std::string& field = key == "transaction_id" ? t.transaction_id
                                 : key == "lot"          ? t.lot
                                                         : t.client_transaction_id;
      if (field == value && now >= t.visible_at) found.push_back(record(t));
    }
    if (found.empty()) return failure(723, "NOT_FOUND", "Aucun element trouvé");
    return success(found);
  }

  // Status steps: NEW → REC → VAL (REJ for a phone ending in 99, REC forever for 98);
  // NEW → NOS until confirmed when confirmation is required.
  void advance_locked(SteadyClock::time_point now) {
    bool queued = false;
    for (Transfer& t : transfers_) {
      while (t.next_step <= now) {
        auto at = t.next_step;
        if (t.status == "NEW" && !t.confirmed) {
          t.status = "NOS";
          t.next_step = kNever;
        } else if (t.status == "NEW" || t.status == "NOS") {
          t.status = "REC";
          t.next_step = ends_with(t.phone, "98") ? kNever : at + options_.settle;
        } else if (t.status == "REC") {
          t.status = ends_with(t.phone, "99") ? "REJ" : "VAL";
          t.validated_at = wall_time("%Y-%m-%d %H:%M:%S");
          t.next_step = kNever;
          in_using_ -= t.amount;
          if (t.status == "REJ") available_ += t.amount;
        } else {
          t.next_step = kNever;
        }
        notify_locked(t);
        queued = true;
      }
    }
    if (queued) notices_cv_.notify_all();
  }

  void notify_locked(const Transfer& t) {
    httplib::Params fields = {
        {"transaction_id", t.transaction_id},
        {"client_transaction_id", t.client_transaction_id},
        {"lot", t.lot},
        {"amount", std::to_string(t.amount)},
        {"receiver", t.phone},
        {"sending_status", t.sending_status},
        {"comment", comment_for(t.status)},
        {"treatment_status", t.status},
        {"operator_transaction_id", t.status == "VAL" ? "OP" + t.transaction_id : ""},
        {"validated_at", t.validated_at}};
    notices_.push_back({t.notify_url, false, std::move(fields)});
  }

  void run_clock() {
    std::unique_lock<std::mutex> lock(mu_);
    while (running_) {
      auto now = SteadyClock::now();
      advance_locked(now);
      auto next = now + std::chrono::milliseconds(200);
      for (const Transfer& t : transfers_) next = std::min(next, t.next_step);
      cv_.wait_until(lock, next);
    }
  }

  // Notifications go out one by one on this thread: a receiver that is down or slow
  // delays only other notifications, never the API.
  void run_notifier() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      notices_cv_.wait(lock, [this] { return !running_ || !notices_.empty(); });
      if (!running_) return;
      Notice notice = std::move(notices_.front());
      notices_.pop_front();
      lock.unlock();
      json entry = deliver(notice);
      lock.lock();
      notification_log_.push_back(std::move(entry));
    }
  }

  static json deliver(const Notice& notice) {
    json entry{{"url", notice.url}, {"method", notice.ping ? "GET" : "POST"}};
    for (const auto& [k, v] : notice.fields) entry["fields"][k] = v;
    auto scheme_end = notice.url.find("://");
    auto path_start = notice.url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
    std::string origin = notice.url.substr(0, path_start);
    std::string path = path_start == std::string::npos ? "/" : notice.url.substr(path_start);
    try {
      httplib::Client client(origin);
      client.set_connection_timeout(1, 0);
      client.set_read_timeout(2, 0);
      client.set_write_timeout(2, 0);
      auto result = notice.ping ? client.Get(path) : client.Post(path, notice.fields);
      entry["status"] = result ? result->status : 0;
      if (!result) entry["error"] = httplib::to_string(result.error());
    } catch (const std::exception& e) {
      entry["status"] = 0;
      entry["error"] = e.what();
    }
    return entry;
  }

  void admin() {
    auto reply = [](httplib::Response& res, const json& body, int status = 200) {
      res.status = status;
      res.set_content(body.dump(2), "application/json");
    };
    server_.Get("/_sandbox/ledger", [this, reply](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      advance_locked(SteadyClock::now());
      json transfers = json::array();
      for (const Transfer& t : transfers_) {
        json r = record(t);
        r["amount"] = t.amount;
        r["prefix"] = t.prefix;
        r["notify_url"] = t.notify_url;
        r["payment_method"] = t.payment_method;
        transfers.push_back(r);
      }
      json contacts = json::array();
      for (const auto& [key, c] : contacts_) contacts.push_back(c);
      reply(res,
            json{{"balance", balance_locked()}, {"contacts", contacts}, {"transfers", transfers}});
    });
    server_.Get("/_sandbox/requests",
                [this, reply](const httplib::Request&, httplib::Response& res) {
                  std::lock_guard<std::mutex> lock(mu_);
                  reply(res, request_log_);
                });
    server_.Get("/_sandbox/notifications",
                [this, reply](const httplib::Request&, httplib::Response& res) {
                  std::lock_guard<std::mutex> lock(mu_);
                  reply(res, notification_log_);
                });
    server_.Post("/_sandbox/reset", [this, reply](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      reset_locked();
      reply(res, json{{"reset", true}});
    });
    server_.Post("/_sandbox/balance",
                 [this, reply](const httplib::Request& req, httplib::Response& res) {
                   json body = json::parse(req.body, nullptr, false);
                   if (body.is_discarded() || !body.contains("available") ||
                       !body["available"].is_number_integer()) {
                     return reply(res, json{{"error", "expected {\"available\": N}"}}, 400);
                   }
                   std::lock_guard<std::mutex> lock(mu_);
                   available_ = body["available"].get<std::int64_t>();
                   reply(res, json{{"available", available_}});
                 });
    server_.Post("/_sandbox/revoke_tokens",
                 [this, reply](const httplib::Request&, httplib::Response& res) {
                   std::lock_guard<std::mutex> lock(mu_);
                   std::size_t n = tokens_.size();
                   tokens_.clear();
                   reply(res, json{{"revoked", n}});
                 });
    for (const char* action : {"confirm", "reject"}) {
      bool confirm = std::string(action) == "confirm";
      server_.Post(
          std::string("/_sandbox/") + action,
          [this, reply, confirm](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard<std::mutex> lock(mu_);
            Transfer* t = find_locked(req);
            if (t == nullptr) return reply(res, json{{"error", "no such transfer"}}, 404);
            if (t->status != "NOS" && t->status != "NEW") {
              return reply(
                  res, json{{"error", "transfer is " + t->status + ", not awaiting confirmation"}},
                  409);
            }
            auto now = SteadyClock::now();
            t->confirmed = true;
            t->sending_status = "CONFIRM";
            if (confirm) {
              if (t->status == "NOS") t->next_step = now;
            } else {
              t->status = "REJ";
              t->validated_at = wall_time("%Y-%m-%d %H:%M:%S");
              t->next_step = kNever;
              in_using_ -= t->amount;
              available_ += t->amount;
              notify_locked(*t);
              notices_cv_.notify_all();
            }
            cv_.notify_all();
            reply(res, record(*t));
          });
    }
    server_.Get("/_sandbox/faults", [this, reply](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      json list = json::array();
      for (const Fault& f : faults_) {
        list.push_back({{"kind", f.kind},
                        {"path", f.path},
                        {"count", f.remaining},
                        {"delay_ms", f.delay_ms},
                        {"status", f.status}});
      }
      reply(res, list);
    });
    server_.Post(
        "/_sandbox/faults", [this, reply](const httplib::Request& req, httplib::Response& res) {
          json body = json::parse(req.body, nullptr, false);
          if (body.is_discarded() || !body.is_object() || !is_fault_kind(text(body, "kind"))) {
            return reply(res,
                         json{{"error",
                               "expected {\"kind\": "
                               "drop_before|process_then_drop|delay_ms|http_status|invalid_token, "
                               "\"path\", \"count\", \"delay_ms\", \"status\"}"}},
                         400);
          }
          Fault f;
          f.kind = text(body, "kind");
          f.path = text(body, "path");
          f.remaining = body.value("count", 1);
          f.delay_ms = body.value("delay_ms", 0);
          f.status = body.value("status", 503);
          std::lock_guard<std::mutex> lock(mu_);
          faults_.push_back(f);
          reply(res, json{{"queued", faults_.size()}});
        });
    server_.Post("/_sandbox/faults/clear",
                 [this, reply](const httplib::Request&, httplib::Response& res) {
                   std::lock_guard<std::mutex> lock(mu_);
                   faults_.clear();
                   reply(res, json{{"cleared", true}});
                 });
  }

  Transfer* find_locked(const httplib::Request& req) {
    std::string tid = req.get_param_value("transaction_id");
    std::string cid = req.get_param_value("client_transaction_id");
    for (Transfer& t : transfers_) {
      if ((!tid.empty() && t.transaction_id == tid) ||
          (!cid.empty() && t.client_transaction_id == cid))
        return &t;
    }
    return nullptr;
  }

  void reset_locked() {
    available_ = options_.balance;
    in_using_ = 0;
    tokens_.clear();
    contacts_.clear();
    transfers_.clear();
    by_client_id_.clear();
    faults_.clear();
    request_log_ = json::array();
    notification_log_ = json::array();
  }

  std::string random_hex(int n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < n; ++i) s += kHex[rng_() & 0x0F];
    return s;
  }

  std::string new_transaction_id() {
    return "SB" + wall_time("%y%m%d.%H%M%S") + "." + static_cast<char>('A' + rng_() % 26) +
           std::to_string(100000 + (++counter_ % 900000));
  }

  // 22 digits, as CinetPay's lots: random digits, then a counter that keeps them unique.
  std::string new_lot() {
    std::string counter = std::to_string(++counter_);
    std::string lot;
    while (lot.size() + counter.size() < 22) lot += static_cast<char>('0' + rng_() % 10);
    return lot + counter;
  }

  static std::string operator_for(const Transfer& t) {
    if (!t.payment_method.empty()) return t.payment_method;
    if (t.prefix == "225") {
      if (t.phone.rfind("07", 0) == 0) return "OM";
      if (t.phone.rfind("05", 0) == 0) return "MOMO";
      if (t.phone.rfind("01", 0) == 0) return "FLOOZ";
    }
    return "OM";
  }

  SandboxOptions options_;
  httplib::Server server_;
  int port_ = 0;
  std::thread server_thread_;
  std::thread worker_;
  std::thread notifier_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable notices_cv_;
  std::condition_variable stopped_cv_;
  bool running_ = false;
  std::mt19937_64 rng_;
  std::uint64_t counter_ = 0;
  std::int64_t available_ = 0;
  std::int64_t in_using_ = 0;
  std::map<std::string, SteadyClock::time_point> tokens_;
  std::map<std::string, json> contacts_;
  std::vector<Transfer> transfers_;
  std::map<std::string, std::size_t> by_client_id_;
  std::vector<Fault> faults_;
  std::deque<Notice> notices_;
  json request_log_ = json::array();
  json notification_log_ = json::array();
};

Sandbox::Sandbox(SandboxOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Sandbox::~Sandbox() = default;
int Sandbox::start() { return impl_->start(); }
void Sandbox::wait() { impl_->wait(); }
void Sandbox::stop() { impl_->stop(); }
int Sandbox::port() const { return impl_->port(); }
std::string Sandbox::base_url() const { return impl_->base_url(); }

}  // namespace cinetpay::sandbox
