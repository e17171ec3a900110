#include "routes.hpp"

#include <strings.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cinetpay/detail/json_depth.hpp"

namespace cinetpay::sandbox {
namespace {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------
// What a request may carry.

// Answers `body` and then closes the connection instead of reading on: the unread rest of
// a refused body must never be parsed as the next request (httplib would buffer it as a
// request line). The provider sends the whole answer, then reports failure, which is how
// httplib 0.11 is told to close.
void refuse_and_close(httplib::Response& res, int status, const json& body) {
  auto text = std::make_shared<std::string>(body.dump());
  res.status = status;
  res.set_header("Connection", "close");
  res.set_content_provider(text->size(), "application/json",
                           [text](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                             sink.write(text->data() + offset, length);
                             return false;
                           });
}

bool is_chunked(const httplib::Request& req) {
  return strcasecmp(req.get_header_value("Transfer-Encoding").c_str(), "chunked") == 0;
}

std::optional<std::uint64_t> declared_length(const std::string& value) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty()) return std::nullopt;
  return n;
}

json too_large(std::size_t max) {
  return json{
      {"error", "request body larger than --max-body-bytes (" + std::to_string(max) + " bytes)"}};
}

// Runs before any byte of a body is read.
httplib::Server::HandlerResponse gate(const httplib::Request& req, httplib::Response& res,
                                      std::size_t max) {
  std::optional<std::uint64_t> length;
  if (req.has_header("Content-Length")) {
    length = declared_length(req.get_header_value("Content-Length"));
    if (!length) {
      refuse_and_close(res, 400, json{{"error", "Content-Length is not a number"}});
      return httplib::Server::HandlerResponse::Handled;
    }
    if (*length > max) {
      refuse_and_close(res, 413, too_large(max));
      return httplib::Server::HandlerResponse::Handled;
    }
  }
  if (req.method != "POST" && (is_chunked(req) || length.value_or(0) > 0)) {
    refuse_and_close(res, 400, json{{"error", "only POST requests carry a body"}});
    return httplib::Server::HandlerResponse::Handled;
  }
  if (req.is_multipart_form_data()) {
    refuse_and_close(res, 415, json{{"error", "multipart bodies are not read; send a form"}});
    return httplib::Server::HandlerResponse::Handled;
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

// The body, read up to `max` bytes; none (and the answer made) when it is too large or
// broken. A request with neither Content-Length nor chunked encoding has no body.
std::optional<std::string> read_body(const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& reader, std::size_t max) {
  std::string body;
  if (!is_chunked(req) && !req.has_header("Content-Length")) return body;
  bool over = false;
  bool read = reader([&](const char* data, std::size_t n) {
    if (n > max - body.size()) {
      over = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (over) {
    refuse_and_close(res, 413, too_large(max));
    return std::nullopt;
  }
  if (!read) {
    refuse_and_close(res, 400, json{{"error", "the request body could not be read"}});
    return std::nullopt;
  }
  return body;
}

// JSON nested deeper than `max_depth` is refused before it is parsed: nesting is what
// makes a small document cost a deep recursion.
json parse_json(const std::string& text, int max_depth) {
  const auto limit = static_cast<std::size_t>(max_depth);
  if (cinetpay::detail::nesting_depth(text, limit) > limit) return json::value_t::discarded;
  return json::parse(text, nullptr, false);
}

// ---------------------------------------------------------------------------------------
// The API's words, in the language of `lang`.

enum class Lang { en, fr };

struct Words {
  const char* en;
  const char* fr;
};

std::string say(Lang lang, Words words) { return lang == Lang::en ? words.en : words.fr; }

// The envelope as CinetPay sends it: success with a numeric 0; errors with the code as a
// string, except 602 and 723, which the API text shows as numbers.
json code_value(int code) {
  return (code == 0 || code == 602 || code == 723) ? json(code) : json(std::to_string(code));
}

json success(json data) {
  return json{{"code", 0}, {"message", "OPERATION_SUCCES"}, {"data", std::move(data)}};
}

json failure(int code, const std::string& message, const std::string& description) {
  return json{{"code", code_value(code)},
              {"message", message},
              {"description", description},
              {"data", json::array()}};
}

json invalid_token(Lang lang) {
  return failure(706, "INVALID_TOKEN",
                 say(lang, {"Your token is invalid", "Votre token est invalide"}));
}

json refused(const Refusal& r, Lang lang) {
  using R = Refusal::Reason;
  std::string where = say(lang, {" (item ", " (élément "}) + std::to_string(r.item) + ")";
  switch (r.reason) {
    case R::plus_prefix:
      return failure(-1, "OPERATION_ERROR",
                     say(lang, {"The prefix \"", "Le préfixe \""}) + r.value +
                         say(lang, {"\" belongs to a country not taken into account",
                                    "\" appartient à un pays non pris en compte"}));
    case R::unknown_country:
      return failure(-1, "OPERATION_ERROR", "Undefined index: country" + where);
    case R::invalid_contact:
      return failure(-1, "OPERATION_ERROR",
                     say(lang, {"Error in the request", "Erreur dans la requête"}) + where);
    case R::invalid_phone:
      return failure(802, "INVALID_PHONE",
                     say(lang, {"Invalid phone number", "Numéro de téléphone invalide"}) + where);
    case R::invalid_amount:
      return failure(801, "INVALID_AMOUNT",
                     say(lang, {"The amount must be a multiple of 5",
                                "Le montant doit être un multiple de 5"}) +
                         where);
    case R::missing_notify_url:
      return failure(
          725, "MISSING_NOTIFY_URL",
          say(lang, {"notify_url missing or invalid", "notify_url manquant ou invalide"}) + where);
    case R::not_a_contact:
      return failure(724, "ERROR_PHONE_NOT_MY_CONTACT",
                     say(lang, {"This number is not in your contacts",
                                "Ce numéro n'est pas dans vos contacts"}) +
                         where);
    case R::id_already_used:
      return failure(805, "CLIENT_TRANSACTION_ID_EXIST",
                     say(lang, {"client_transaction_id already used: ",
                                "client_transaction_id déjà utilisé : "}) +
                         r.value);
    case R::insufficient_balance: {
      std::string total = r.total ? std::to_string(*r.total)
                                  : say(lang, {"more than ", "plus de "}) +
                                        std::to_string(std::numeric_limits<std::int64_t>::max());
      return failure(
          602, "INSUFFICIENT_BALANCE",
          say(lang, {"Insufficient funds: available ", "Fonds Insuffisant :disponible "}) +
              std::to_string(r.available) +
              say(lang, {", total of the operation: ", ", Total de l'operation à effectuer : "}) +
              total);
    }
  }
  return failure(-1, "OPERATION_ERROR", "");
}

// ---------------------------------------------------------------------------------------
// Reading the API's fields.

std::string text(const json& item, const char* name) {
  auto it = item.find(name);
  if (it == item.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// An amount sent as 500 or "500"; empty when it is not a whole number within 64 bits.
std::optional<std::int64_t> whole_amount(const json& item) {
  auto it = item.find("amount");
  if (it == item.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    auto n = it->get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(n);
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (!it->is_string()) return std::nullopt;
  const auto& s = it->get_ref<const std::string&>();
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || s[0] == '-')
    return std::nullopt;
  return n;
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
              {"transfer_valid", t.status == TreatmentStatus::VAL ? "Y" : "N"},
              {"treatment_status", std::string(to_string(t.status))},
              {"comment", std::string(comment_for(t.status))},
              {"validated_at", t.validated_at}};
}

json balance_json(const Balance& b) {
  return json{{"amount", b.amount()}, {"inUsing", b.in_using}, {"available", b.available}};
}

// ---------------------------------------------------------------------------------------
// The API.

struct Call {
  const httplib::Params& params;
  Lang lang;
  std::string param(const char* name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

class Api {
 public:
  Api(Engine& engine, const SandboxOptions& options) : engine_(engine), options_(options) {}

  void install(httplib::Server& server) {
    route(server, "login", [this](const Call& c) { return login(c); });
    route(server, "balance", [this](const Call& c) {
      return authed(c, [&] { return success(balance_json(engine_.balance())); });
    });
    route(server, "contact",
          [this](const Call& c) { return authed(c, [&] { return contacts(c); }); });
    route(server, "send", [this](const Call& c) { return authed(c, [&] { return send(c); }); });
    route(server, "check", [this](const Call& c) { return authed(c, [&] { return check(c); }); });
  }

 private:
  using Process = std::function<json(const Call&)>;

  // Every API path answers GET and POST, as the API does.
  void route(httplib::Server& server, std::string_view name, Process process) {
    auto known = std::find_if(kApiPaths.begin(), kApiPaths.end(),
                              [&](const ApiPath& p) { return p.name == name; });
    std::string path(known->path);
    auto shared = std::make_shared<Process>(std::move(process));
    server.Get(path, [this, path, shared](const httplib::Request& req, httplib::Response& res) {
      serve(path, req, req.params, res, *shared);
    });
    server.Post(path, [this, path, shared](const httplib::Request& req, httplib::Response& res,
                                           const httplib::ContentReader& reader) {
      auto body = read_body(req, res, reader, options_.max_body_bytes);
      if (!body) return;
      httplib::Params params = req.params;
      if (req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0)
        httplib::detail::parse_query_text(*body, params);
      serve(path, req, params, res, *shared);
    });
  }

  void serve(const std::string& path, const httplib::Request& req, const httplib::Params& params,
             httplib::Response& res, const Process& process) {
    Call call{params, req.get_param_value("lang") == "en" ? Lang::en : Lang::fr};
    std::optional<Fault> fault = engine_.faults().take(path);
    RequestRecord entry{req.method, path, std::nullopt, {}, std::nullopt};
    if (fault) entry.fault = fault->kind;
    for (const auto& [name, value] : params) {
      bool secret = name == "apikey" || name == "password" || name == "token";
      entry.params.emplace_back(name, secret ? "***" : value);
    }
    answer(call, fault, res, process, entry);
    engine_.log_request(std::move(entry));
    // The round trip's wait, outside every lock: other requests proceed meanwhile.
    auto wait = options_.latency + engine_.jitter(options_.latency_jitter);
    if (wait.count() > 0) std::this_thread::sleep_for(wait);
  }

  void answer(const Call& call, const std::optional<Fault>& fault, httplib::Response& res,
              const Process& process, RequestRecord& entry) {
    std::optional<FaultKind> kind;
    if (fault) kind = fault->kind;
    if (kind == FaultKind::drop_before) return drop(res);
    if (kind == FaultKind::http_status) {
      res.status = fault->http_status;
      res.set_content("<html><head><title>" + std::to_string(fault->http_status) +
                          "</title></head><body><h1>Service Unavailable</h1></body></html>",
                      "text/html");
      return;
    }
    if (kind == FaultKind::delay_ms) std::this_thread::sleep_for(fault->delay);
    json body = kind == FaultKind::invalid_token ? invalid_token(call.lang) : process(call);
    const json& code = body["code"];
    entry.code = code.is_number() ? code.get<int>() : std::stoi(code.get<std::string>());
    if (kind == FaultKind::process_then_drop) return drop(res);
    res.set_content(body.dump(), "application/json");
  }

  // Headers go out, then the connection closes before the promised body.
  static void drop(httplib::Response& res) {
    res.set_content_provider(1024, "application/json",
                             [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
  }

  json login(const Call& c) {
    auto token = engine_.login(c.param("apikey"), c.param("password"));
    if (!token) {
      return failure(
          701, "INVALID_CREDENTIALS",
          say(c.lang, {"Incorrect login credentials", "Identifiant de connexion incorrect"}));
    }
    return success(json{{"token", *token}});
  }

  json authed(const Call& c, const std::function<json()>& then) {
    if (!engine_.token_valid(c.param("token"))) return invalid_token(c.lang);
    return then();
  }

  // The `data` field as a non-empty JSON array; otherwise the API's refusal.
  std::optional<json> data_array(const Call& c, json* refusal) const {
    json data = parse_json(c.param("data"), options_.max_json_depth);
    if (data.is_discarded()) {
      *refusal = failure(718, "JSON_PARSE_ERROR",
                         say(c.lang, {"The data field is not valid JSON",
                                      "Le champ data n'est pas un JSON valide"}));
      return std::nullopt;
    }
    if (!data.is_array() || data.empty()) {
      *refusal = failure(704, "INVALID_PARAM",
                         say(c.lang, {"Incorrect parameters", "Paramètres incorrects"}));
      return std::nullopt;
    }
    return data;
  }

  json contacts(const Call& c) {
    json refusal;
    std::optional<json> data = data_array(c, &refusal);
    if (!data) return refusal;
    std::vector<Contact> contacts;
    for (const json& item : *data) {
      if (!item.is_object()) {
        contacts.emplace_back();
        continue;
      }
      contacts.push_back({text(item, "prefix"), text(item, "phone"), text(item, "name"),
                          text(item, "surname"), text(item, "email")});
    }
    auto result = engine_.add_contacts(contacts);
    if (const Refusal* r = std::get_if<Refusal>(&result)) return refused(*r, c.lang);
    const auto& added = std::get<ContactsAdded>(result);
    json items = json::array();
    for (std::size_t i = 0; i < data->size(); ++i) {
      json out = (*data)[i];
      const int code = added.codes[i];
      out["code"] = code;
      out["status"] = code == 0     ? "success"
                      : code == 726 ? "ERROR_PHONE_ALREADY_MY_CONTACT"
                                    : "INVALID_PHONE";
      out["lot"] = added.lot;
      items.push_back(out);
    }
    return success(json::array({items}));
  }

  json send(const Call& c) {
    json refusal;
    std::optional<json> data = data_array(c, &refusal);
    if (!data) return refusal;
    std::vector<PayoutOrder> orders;
    for (std::size_t i = 0; i < data->size(); ++i) {
      const json& item = (*data)[i];
      if (!item.is_object()) {
        return failure(704, "INVALID_PARAM",
                       say(c.lang, {"Incorrect parameters", "Paramètres incorrects"}) +
                           say(c.lang, {" (item ", " (élément "}) + std::to_string(i) + ")");
      }
      orders.push_back({text(item, "prefix"), text(item, "phone"), whole_amount(item),
                        text(item, "notify_url"), text(item, "client_transaction_id"),
                        text(item, "payment_method")});
    }
    auto result = engine_.send(orders);
    if (const Refusal* r = std::get_if<Refusal>(&result)) return refused(*r, c.lang);
    const auto& sent = std::get<Sent>(result);
    json items = json::array();
    for (std::size_t i = 0; i < data->size(); ++i) {
      json out = (*data)[i];
      out["code"] = 0;
      out["status"] = "success";
      out["treatment_status"] = "NEW";
      out["transaction_id"] = sent.transfers[i].transaction_id;
      out["lot"] = sent.lot;
      items.push_back(out);
    }
    return success(json::array({items}));
  }

  json check(const Call& c) {
    std::optional<LookupKey> key;
    std::string value;
    for (auto [name, k] : {std::pair{"transaction_id", LookupKey::transaction_id},
                           std::pair{"client_transaction_id", LookupKey::client_transaction_id},
                           std::pair{"lot", LookupKey::lot}}) {
      if (!c.param(name).empty()) {
        key = k;
        value = c.param(name);
      }
    }
    if (!key) {
      return failure(704, "INVALID_PARAM",
                     say(c.lang, {"transaction_id, client_transaction_id or lot required",
                                  "transaction_id, client_transaction_id ou lot requis"}));
    }
    json found = json::array();
    for (const Transfer& t : engine_.find(*key, value)) found.push_back(record(t));
    if (found.empty())
      return failure(723, "NOT_FOUND", say(c.lang, {"No element found", "Aucun element trouvé"}));
    return success(found);
  }

  Engine& engine_;
  const SandboxOptions& options_;
};

// ---------------------------------------------------------------------------------------
// The admin API: JSON in, JSON out, through the same calls as the C++ API.

json fault_json(const Fault& f) {
  return json{{"kind", std::string(to_string(f.kind))},
              {"path", f.path},
              {"count", f.count},
              {"delay_ms", f.delay.count()},
              {"status", f.http_status}};
}

int whole(const json& body, const char* name, int otherwise) {
  auto it = body.find(name);
  if (it == body.end()) return otherwise;
  if (!it->is_number_integer() || *it > std::numeric_limits<int>::max() ||
      *it < std::numeric_limits<int>::min()) {
    throw std::invalid_argument(std::string(name) + " must be a whole number");
  }
  return it->get<int>();
}

json valid_paths() {
  json paths = json::array();
  for (const ApiPath& p : kApiPaths) {
    paths.push_back(std::string(p.name));
    paths.push_back(std::string(p.path));
  }
  return paths;
}

Fault fault_from(const json& body) {
  if (!body.is_object()) throw std::invalid_argument("expected a JSON object");
  std::optional<FaultKind> kind = body.contains("kind") && body["kind"].is_string()
                                      ? fault_kind(body["kind"].get<std::string>())
                                      : std::nullopt;
  if (!kind) {
    throw std::invalid_argument(
        "kind must be drop_before, process_then_drop, delay_ms, http_status or invalid_token");
  }
  Fault f;
  f.kind = *kind;
  if (body.contains("path")) {
    if (!body["path"].is_string()) throw std::invalid_argument("path must be a string");
    f.path = body["path"].get<std::string>();
  }
  f.count = whole(body, "count", 1);
  f.delay = std::chrono::milliseconds(whole(body, "delay_ms", 0));
  f.http_status = whole(body, "status", 503);
  return f;
}

class Admin {
 public:
  Admin(Engine& engine, const SandboxOptions& options) : engine_(engine), options_(options) {}

  void install(httplib::Server& server) {
    get(server, "/_sandbox/ledger", [this](const httplib::Request&) { return ledger(); });
    get(server, "/_sandbox/requests", [this](const httplib::Request&) { return requests(); });
    get(server, "/_sandbox/notifications",
        [this](const httplib::Request&) { return notifications(); });
    get(server, "/_sandbox/faults", [this](const httplib::Request&) {
      json list = json::array();
      for (const Fault& f : engine_.faults().list()) list.push_back(fault_json(f));
      return list;
    });
    post(server, "/_sandbox/reset", [this](const httplib::Request&, const json&) {
      engine_.reset();
      return json{{"reset", true}};
    });
    post(server, "/_sandbox/balance", [this](const httplib::Request&, const json& body) {
      if (!body.is_object() || !body.contains("available") ||
          !body["available"].is_number_integer())
        throw std::invalid_argument("expected {\"available\": N}");
      engine_.set_available(body["available"].get<std::int64_t>());
      return json{{"available", engine_.balance().available}};
    });
    post(server, "/_sandbox/revoke_tokens", [this](const httplib::Request&, const json&) {
      return json{{"revoked", engine_.revoke_tokens()}};
    });
    post(server, "/_sandbox/confirm", [this](const httplib::Request& req, const json&) {
      return record(engine_.confirm(transaction_id(req)));
    });
    post(server, "/_sandbox/reject", [this](const httplib::Request& req, const json&) {
      return record(engine_.reject(transaction_id(req)));
    });
    post(server, "/_sandbox/faults", [this](const httplib::Request&, const json& body) {
      engine_.faults().inject(fault_from(body));
      return json{{"queued", engine_.faults().list().size()}};
    });
    post(server, "/_sandbox/faults/clear", [this](const httplib::Request&, const json&) {
      engine_.faults().clear();
      return json{{"cleared", true}};
    });
  }

 private:
  using Read = std::function<json(const httplib::Request&)>;
  using Write = std::function<json(const httplib::Request&, const json&)>;

  static void reply(httplib::Response& res, const json& body, int status = 200) {
    res.status = status;
    res.set_content(body.dump(2), "application/json");
  }

  // Errors become JSON answers: 400 for what the request says, 404 for what is not there,
  // 409 for a transfer in the wrong state.
  template <typename F>
  static void guarded(httplib::Response& res, F&& f) {
    try {
      reply(res, f());
    } catch (const std::out_of_range& e) {
      reply(res, json{{"error", e.what()}}, 404);
    } catch (const UnknownApiPath& e) {
      reply(res, json{{"error", e.what()}, {"valid_paths", valid_paths()}}, 400);
    } catch (const std::invalid_argument& e) {
      reply(res, json{{"error", e.what()}}, 400);
    } catch (const std::logic_error& e) {
      reply(res, json{{"error", e.what()}}, 409);
    }
  }

  void get(httplib::Server& server, const std::string& path, Read read) {
    server.Get(path, [read = std::move(read)](const httplib::Request& req, httplib::Response& res) {
      guarded(res, [&] { return read(req); });
    });
  }

  // A POST without a body reads as {}.
  void post(httplib::Server& server, const std::string& path, Write write) {
    server.Post(
        path, [this, write = std::move(write)](const httplib::Request& req, httplib::Response& res,
                                               const httplib::ContentReader& reader) {
          auto text = read_body(req, res, reader, options_.max_body_bytes);
          if (!text) return;
          json body = text->find_first_not_of(" \t\r\n") == std::string::npos
                          ? json::object()
                          : parse_json(*text, options_.max_json_depth);
          if (body.is_discarded()) {
            return reply(res,
                         json{{"error", "the body is not JSON (or nested deeper than " +
                                            std::to_string(options_.max_json_depth) + ")"}},
                         400);
          }
          guarded(res, [&] { return write(req, body); });
        });
  }

  std::string transaction_id(const httplib::Request& req) {
    std::string tid = req.get_param_value("transaction_id");
    if (!tid.empty()) return tid;
    std::string cid = req.get_param_value("client_transaction_id");
    if (cid.empty())
      throw std::invalid_argument("transaction_id or client_transaction_id required");
    auto t = engine_.by_client_transaction_id(cid);
    if (!t) throw std::out_of_range("no transfer with client_transaction_id " + cid);
    return t->transaction_id;
  }

  json ledger() {
    json transfers = json::array();
    for (const Transfer& t : engine_.transfers()) {
      json r = record(t);
      r["amount"] = t.amount;
      r["prefix"] = t.prefix;
      r["notify_url"] = t.notify_url;
      r["payment_method"] = t.payment_method;
      transfers.push_back(r);
    }
    json contacts = json::array();
    for (const Contact& c : engine_.contacts()) {
      contacts.push_back(json{{"prefix", c.prefix},
                              {"phone", c.phone},
                              {"name", c.name},
                              {"surname", c.surname},
                              {"email", c.email}});
    }
    return json{{"balance", balance_json(engine_.balance())},
                {"contacts", contacts},
                {"transfers", transfers}};
  }

  json requests() {
    json list = json::array();
    for (const RequestRecord& r : engine_.requests()) {
      json entry{{"method", r.method},
                 {"path", r.path},
                 {"fault", r.fault ? std::string(to_string(*r.fault)) : ""},
                 {"code", r.code ? code_value(*r.code) : json()}};
      for (const auto& [name, value] : r.params) entry["params"][name] = value;
      list.push_back(entry);
    }
    return list;
  }

  json notifications() {
    json list = json::array();
    for (const NotificationRecord& n : engine_.notifications()) {
      json entry{{"url", n.url}, {"method", n.method}, {"status", n.http_status}};
      for (const auto& [name, value] : n.fields) entry["fields"][name] = value;
      if (!n.error.empty()) entry["error"] = n.error;
      list.push_back(entry);
    }
    return list;
  }

  Engine& engine_;
  const SandboxOptions& options_;
};

}  // namespace

struct Routes::Handlers {
  Api api;
  Admin admin;
};

Routes::Routes(Engine& engine, const SandboxOptions& options)
    : handlers_(std::make_unique<Handlers>(Handlers{Api(engine, options), Admin(engine, options)})),
      options_(options) {}

Routes::~Routes() = default;

void Routes::install(httplib::Server& server) {
  server.set_payload_max_length(options_.max_body_bytes);
  std::size_t max = options_.max_body_bytes;
  server.set_pre_routing_handler(
      [max](const httplib::Request& req, httplib::Response& res) { return gate(req, res, max); });
  // Every refusal httplib makes by itself (404, 400 for a broken request) is JSON too.
  httplib::Server::HandlerWithResponse as_json = [](const httplib::Request&,
                                                    httplib::Response& res) {
    if (res.body.empty() && !res.content_provider_) {
      res.set_content(json{{"error", "HTTP " + std::to_string(res.status)}}.dump(),
                      "application/json");
    }
    return httplib::Server::HandlerResponse::Handled;
  };
  server.set_error_handler(as_json);
  handlers_->api.install(server);
  handlers_->admin.install(server);
  // Anything else is read (bounded) and answered 404, so that no body is left unread.
  server.Post(".*", [max](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) {
    if (!read_body(req, res, reader, max)) return;
    res.status = 404;
    res.set_content(json{{"error", "no such path: " + req.path}}.dump(), "application/json");
  });
  server.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
    res.status = 404;
    res.set_content(json{{"error", "no such path: " + req.path}}.dump(), "application/json");
  });
}

}  // namespace cinetpay::sandbox
