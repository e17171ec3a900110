#include "world.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "cinetpay/detail/http.hpp"
#include "cinetpay/detail/protocol.hpp"
#include "cinetpay/errors.hpp"

namespace cinetpay::simulation {
namespace {

using nlohmann::json;
using namespace std::string_view_literals;

constexpr std::array<const char*, kShapeCount> kShapeNames = {
    "lost-before",
    "lost-after",
    "timeout",
    "server-error",
    "token-refusal",
    "balance",
    "id-exists-whole",
    "late-listing",
    "foreign-records",
    "contradicting-records",
    "contradicting-items",
    "error-naming-transfer",
    "missing-fields",
    "missing-items",
    "bad-bytes",
    "echo-secrets",
    "forged-notifications",
    "reused-ids",
    "reused-id-notifications",
    "crashes",
    "clock-jumps",
    "several-workers",
};

// Stands for bytes JSON text cannot carry through nlohmann's dump: replaced once dumped.
constexpr std::string_view kBadBytesMark = "@@bad-bytes@@";
// A NUL written as JSON escapes it, a raw control character, a lone continuation byte, a
// truncated sequence and an overlong encoding.
constexpr std::string_view kBadBytes = "\\u0000 \x01 \xff \xc3\x28 \xc0\xaf \0 end"sv;

std::string hex(std::uint64_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < digits; ++i) s += kHex[(value >> (4 * i)) & 0xFU];
  return s;
}

std::map<std::string, std::string> as_map(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  return {pairs.begin(), pairs.end()};
}

// An envelope as CinetPay writes it; `code` as rendered (a number or a string).
std::string envelope(const std::string& code, const char* message, const std::string& description,
                     const std::string& data = "[]") {
  std::string body = R"({"code":)" + code + R"(,"message":")" + message + '"';
  if (!description.empty()) body.append(R"(,"description":")").append(description) += '"';
  return body.append(R"(,"data":)").append(data) += '}';
}

HttpResponse with_body(int status, std::string body) { return {status, {}, std::move(body)}; }

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

}  // namespace

const char* shape_name(Shape shape) { return kShapeNames.at(static_cast<std::size_t>(shape)); }

std::optional<Shape> shape_from(const std::string& name) {
  for (int i = 0; i < kShapeCount; ++i) {
    if (name == kShapeNames.at(static_cast<std::size_t>(i))) return static_cast<Shape>(i);
  }
  return std::nullopt;
}

World::World(std::uint64_t seed, std::set<Shape> disabled, bool trace)
    : rng_(seed), disabled_(std::move(disabled)), tracing_(trace) {
  // Some worlds are far more hostile than others, as in TigerBeetle's VOPR: a rare path
  // (every lookup of a payout failing) needs many faults in one seed.
  intensity_ = 1 << rng_.below(4);
  api_key_ = "SIMKEY" + hex(rng_.next(), 16);
  password_ = "SIMPWD" + hex(rng_.next(), 16);
  secrets_ = {api_key_, password_};
}

std::chrono::steady_clock::time_point World::steady_now() const {
  // Well after the epoch: the client subtracts durations from it.
  return std::chrono::steady_clock::time_point(std::chrono::milliseconds(1'000'000'000 + now_ms_));
}

std::chrono::system_clock::time_point World::wall_now(const Process& p) const {
  // 2026-01-01T00:00:00Z, then the world's time as the process's clock reads it.
  return std::chrono::system_clock::time_point(
      std::chrono::milliseconds(1'767'225'600'000 + now_ms_ + p.skew_ms));
}

bool World::draw(Shape shape, int per_mille) {
  if (!hostile() || !enabled(shape) || !rng_.chance(std::min(600, per_mille * intensity_)))
    return false;
  ++counters_.faults;
  note([&] { return std::string("  fault: ") + shape_name(shape); });
  return true;
}

bool World::draw_crash(Process& process, const std::function<std::string()>& where) {
  if (!process.can_crash || process.dead || !hostile() || !enabled(Shape::crashes) ||
      crashes_left_ == 0 || !rng_.chance(12)) {
    return false;
  }
  --crashes_left_;
  ++counters_.crashes;
  process.dead = true;
  note([&] { return "  CRASH of " + process.name + " " + where(); });
  return true;
}

void World::add_contact(const std::string& prefix, const std::string& phone) {
  contacts_.insert(prefix + phone);
}

void World::add_foreign_transfer(const std::string& id, const std::string& prefix,
                                 const std::string& phone, std::int64_t amount) {
  Transfer t;
  t.transaction_id = "EAFOREIGN" + hex(rng_.next(), 8);
  t.client_transaction_id = id;
  t.lot = "LOTF" + hex(rng_.next(), 8);
  t.prefix = prefix;
  t.phone = phone;
  t.amount = amount;
  t.rec_ms = rng_.between(0, 5000);
  t.final_ms = t.rec_ms + rng_.between(0, 20000);
  t.rejects = rng_.chance(300);
  t.foreign = true;
  by_client_id_[id].push_back(transfers_.size());
  transfers_.push_back(std::move(t));
}

const Transfer* World::own_transfer(const std::string& id) const {
  auto it = by_client_id_.find(id);
  if (it == by_client_id_.end()) return nullptr;
  for (std::size_t i : it->second) {
    if (!transfers_[i].foreign) return &transfers_[i];
  }
  return nullptr;
}

std::vector<std::string> World::duplicated_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, indices] : by_client_id_) {
    if (indices.size() > 1) ids.push_back(id);
  }
  return ids;
}

std::string World::status_of(const Transfer& t, std::int64_t now_ms) {
  if (now_ms < t.rec_ms) return "NEW";
  if (now_ms < t.final_ms) return "REC";
  return t.rejects ? "REJ" : "VAL";
}

void World::note(const std::function<std::string()>& line) {
  if (tracing_) trace_.push_back("[" + std::to_string(now_ms_) + " ms] " + line());
}

void World::tick() {
  for (Transfer& t : transfers_) {
    std::string status = status_of(t);
    if (status == t.notified) continue;
    t.notified = status;
    if (t.foreign && !enabled(Shape::reused_id_notifications)) continue;
    Notification n;
    n.transaction_id = t.transaction_id;
    n.client_transaction_id = t.client_transaction_id;
    n.lot = t.lot;
    n.amount = std::to_string(t.amount);
    n.receiver = t.phone;
    n.sending_status = "CONFIRM";
    n.treatment_status = status;
    if (draw(Shape::forged_notifications, 200)) {
      n.amount.clear();  // older pages leave fields out; nothing in them is trusted
      n.receiver.clear();
    }
    notices_.push_back(std::move(n));
  }
  if (!payout_ids_.empty() && draw(Shape::forged_notifications, 15)) {
    Notification n;
    n.client_transaction_id = payout_ids_[rng_.below(payout_ids_.size())];
    const Transfer* named = transfers_.empty() || rng_.chance(300)
                                ? nullptr
                                : &transfers_[rng_.below(transfers_.size())];
    // Naming someone else's transfer under a payout's id would be that transfer's genuine
    // notification: a shape of its own.
    if (named != nullptr && named->foreign && !enabled(Shape::reused_id_notifications))
      named = nullptr;
    n.transaction_id = named != nullptr ? named->transaction_id : "EAFORGED" + hex(rng_.next(), 8);
    n.treatment_status = rng_.chance(800) ? "VAL" : "REJ";
    if (rng_.chance(500)) n.amount = std::to_string(rng_.between(1, 400) * 5);
    notices_.push_back(std::move(n));
  }
}

std::optional<Notification> World::next_notification() {
  if (notices_.empty()) return std::nullopt;
  std::size_t at = draw(Shape::forged_notifications, 300) ? rng_.below(notices_.size()) : 0;
  Notification n = notices_[at];
  if (!draw(Shape::forged_notifications, 200)) {
    notices_.erase(notices_.begin() + static_cast<std::ptrdiff_t>(at));
  }
  return n;
}

std::string World::code(int value) {
  return rng_.chance(500) ? std::to_string(value) : '"' + std::to_string(value) + '"';
}

// `plain`, as a hostile server may garble it: bad bytes, echoed secrets.
std::string World::text(const std::string& plain, const std::string& token) {
  std::string s = plain;
  if (draw(Shape::bad_bytes, 60)) s.append(" ").append(kBadBytesMark);
  if (draw(Shape::echo_secrets, 40)) {
    s += rng_.chance(500) ? " (token " + token + ")" : " apikey=" + api_key_;
  }
  return s;
}

HttpResponse World::handle(Process& process, const HttpRequest& request,
                           std::chrono::milliseconds default_timeout) {
  const std::int64_t timeout =
      (request.timeout.count() > 0 ? request.timeout : default_timeout).count();
  const std::string path = request.url.substr(0, request.url.find('?'));
  const std::string route = path.substr(std::min(path.size(), path.find("/v1/")));
  const std::size_t q = request.url.find('?');
  auto query =
      as_map(q == std::string::npos ? std::vector<std::pair<std::string, std::string>>{}
                                    : cinetpay::detail::form_parse(request.url.substr(q + 1)));
  auto form = as_map(cinetpay::detail::form_parse(request.body));
  const std::string token = query.count("token") != 0 ? query["token"] : "";
  note([&] {
    return process.name + " -> " + route +
           (query.count("client_transaction_id") != 0 ? " id=" + query["client_transaction_id"]
                                                      : "");
  });

  told_absent_.clear();
  const std::int64_t latency = rng_.between(2, 300);
  const bool crash = draw_crash(process, [&] { return "on a request to " + route; });
  if (draw(Shape::lost_before, 25)) {
    advance(std::min(latency, timeout));
    throw TransportError("simulated: connection failed", rng_.chance(500));
  }
  if (draw(Shape::timeout, 10)) {
    advance(timeout);
    throw TransportError("simulated: timed out before CinetPay read the request", true);
  }
  if (draw(Shape::server_error, 15)) {
    advance(std::min(latency, timeout));
    return with_body(502, "<html><body><h1>502 Bad Gateway</h1></body></html>");
  }
  const bool processed = !crash || rng_.chance(500);
  HttpResponse answer;
  if (processed) {
    if (route == cinetpay::detail::kLoginPath) {
      answer = login(form);
    } else if (route == cinetpay::detail::kBalancePath) {
      answer = refused_token(token).value_or(HttpResponse{});
      if (answer.status == 0) answer = check_balance();
    } else if (route == cinetpay::detail::kContactPath) {
      answer = refused_token(token).value_or(HttpResponse{});
      if (answer.status == 0) answer = contacts(form["data"]);
    } else if (route == cinetpay::detail::kSendPath) {
      answer = refused_token(token).value_or(HttpResponse{});
      if (answer.status == 0) answer = send(form["data"], token);
    } else if (route == cinetpay::detail::kCheckPath) {
      answer = refused_token(token).value_or(HttpResponse{});
      if (answer.status == 0) answer = check_money(query, token);
    } else {
      answer = with_body(404, "<html>Not Found</html>");
    }
  }
  if (crash) throw TransportError("simulated: the process died with the request in flight", true);
  if (latency >= timeout || draw(Shape::timeout, 10)) {
    advance(timeout);
    throw TransportError("simulated: timed out waiting for the answer", true);
  }
  advance(latency);
  const std::string told_absent = std::exchange(told_absent_, {});
  if (draw(Shape::lost_after, 25)) {
    throw TransportError("simulated: connection reset after the request was sent", true);
  }
  if (draw(Shape::server_error, 15)) {
    if (rng_.chance(500)) return with_body(500, "<html><body>Internal Server Error</body></html>");
    return with_body(503, envelope(code(715), "UNEXPECTED_ERROR", "Erreur"));
  }
  answer.body = replace_all(answer.body, std::string(kBadBytesMark), std::string(kBadBytes));
  if (!told_absent.empty()) absent_told_.insert(told_absent);
  note([&] {
    return "  <- HTTP " + std::to_string(answer.status) + " " +
           cinetpay::detail::printable(answer.body.substr(0, 400));
  });
  return answer;
}

std::optional<HttpResponse> World::refused_token(const std::string& token) {
  auto refusal = [&](int c, const char* message) {
    return with_body(200, envelope(code(c), message, "Votre token est invalide"));
  };
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return refusal(706, "INVALID_TOKEN");
  if (it->second <= now_ms_) return refusal(705, "EXPIRED_TOKEN");
  if (draw(Shape::token_refusal, 20)) {
    const int c = static_cast<int>(rng_.between(705, 707));
    return refusal(c, c == 705   ? "EXPIRED_TOKEN"
                      : c == 706 ? "INVALID_TOKEN"
                                 : "CANT_REFRESH_TOKEN");
  }
  return std::nullopt;
}

HttpResponse World::login(const std::map<std::string, std::string>& form) {
  auto field = [&](const char* name) {
    auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  };
  if (field("apikey") != api_key_ || field("password") != password_) {
    return with_body(200, R"({"code":"701","message":"INVALID_CREDENTIALS",)"
                          R"("description":"Identifiant de connexion incorrect","data":[]})");
  }
  std::string token = "tok" + hex(rng_.next(), 16) + hex(rng_.next(), 8);
  tokens_[token] = now_ms_ + 300'000;
  secrets_.push_back(token);
  return with_body(200, envelope(code(0), "OPERATION_SUCCES", "", R"({"token":")" + token + "\"}"));
}

HttpResponse World::check_balance() {
  return with_body(200, R"({"code":0,"message":"OPERATION_SUCCES",)"
                        R"("data":{"amount":"1000000","inUsing":0,"available":1000000}})");
}

HttpResponse World::contacts(const std::string& data) {
  json items = json::parse(data, nullptr, false);
  json out = json::array();
  for (const json& item : items) {
    std::string key = item.value("prefix", "") + item.value("phone", "");
    json echoed = item;
    echoed["code"] = contacts_.count(key) != 0 ? 726 : 0;
    echoed["status"] = "success";
    echoed["lot"] = "LOTC" + hex(rng_.next(), 8);
    contacts_.insert(key);
    out.push_back(echoed);
  }
  json envelope = {{"code", 0}, {"message", "OPERATION_SUCCES"}, {"data", json::array({out})}};
  return with_body(200, envelope.dump());
}

HttpResponse World::send(const std::string& data, const std::string& token) {
  json items = json::parse(data, nullptr, false);
  if (draw(Shape::balance, 20)) {
    const std::string c = code(602);
    return with_body(200, envelope(c, "INSUFFICIENT_BALANCE",
                                   text("Fonds Insuffisant :disponible 4 233,00", token)));
  }
  const bool any_taken = std::any_of(items.begin(), items.end(), [&](const json& item) {
    return by_client_id_.count(item.value("client_transaction_id", "")) != 0;
  });
  if (any_taken && draw(Shape::id_exists_whole, 150)) {
    const std::string c = code(805);
    return with_body(200, envelope(c, "CLIENT_TRANSACTION_ID_EXIST",
                                   text("client_transaction_id deja utilise", token)));
  }
  const std::string lot = "LOT" + hex(rng_.next(), 12);
  json out = json::array();
  auto amount_value = [&](std::int64_t amount) {
    return rng_.chance(500) ? json(amount) : json(std::to_string(amount));
  };
  for (const json& item : items) {
    const std::string id = item.value("client_transaction_id", "");
    const std::string prefix = item.value("prefix", "");
    const std::string phone = item.value("phone", "");
    const std::int64_t amount = item.value("amount", std::int64_t{0});
    json echoed = item;
    echoed["amount"] = amount_value(amount);
    if (by_client_id_.count(id) != 0) {
      if (const Transfer* own = own_transfer(id);
          own != nullptr && !resends_allowed_ && absent_told_.count(id) == 0) {
        resent_.push_back(id + " (CinetPay holds " + own->transaction_id + ")");
        note([&] { return "  a send of " + id + " that CinetPay holds, never said absent: 805"; });
      }
      absent_told_.erase(id);
      echoed["code"] = 805;
      echoed["status"] = "error";
      echoed["message"] = "CLIENT_TRANSACTION_ID_EXIST";
      out.push_back(echoed);
      continue;
    }
    if (contacts_.count(prefix + phone) == 0) {
      echoed["code"] = rng_.chance(500) ? json(724) : json("724");
      echoed["status"] = "error";
      echoed["message"] = "ERROR_PHONE_NOT_MY_CONTACT";
      out.push_back(echoed);
      continue;
    }
    absent_told_.erase(id);
    Transfer t;
    t.transaction_id = "EA" + hex(++next_transfer_, 4) + "." + hex(rng_.next(), 8);
    t.client_transaction_id = id;
    t.lot = lot;
    t.prefix = prefix;
    t.phone = phone;
    t.amount = amount;
    t.visible_ms =
        now_ms_ + (draw(Shape::late_listing, 300) ? rng_.between(500, kMaxListingDelayMs) : 0);
    t.rec_ms = now_ms_ + rng_.between(500, 20000);
    t.final_ms = t.rec_ms + rng_.between(500, 40000);
    t.rejects = rng_.chance(150);
    note([&] { return "  CinetPay makes transfer " + t.transaction_id + " for " + id; });
    by_client_id_[id].push_back(transfers_.size());
    transfers_.push_back(t);

    echoed["code"] = 0;
    echoed["status"] = "success";
    echoed["treatment_status"] = "NEW";
    echoed["transaction_id"] = t.transaction_id;
    echoed["lot"] = lot;
    if (draw(Shape::missing_items, 40)) continue;
    if (draw(Shape::error_naming_transfer, 40)) {
      static constexpr std::array<int, 4> kCodes = {724, -1, 602, 715};
      echoed["code"] = kCodes.at(rng_.below(kCodes.size()));
      echoed["status"] = "error";
    }
    if (draw(Shape::contradicting_items, 40)) {
      json refused = item;
      refused["code"] = 724;
      refused["status"] = "error";
      refused["message"] = "ERROR_PHONE_NOT_MY_CONTACT";
      out.push_back(rng_.chance(500) ? refused : echoed);
      out.push_back(out.back() == refused ? echoed : refused);
      continue;
    }
    out.push_back(echoed);
  }
  const std::string listed = (rng_.chance(500) ? json::array({out}) : out).dump();
  return with_body(200, envelope(rng_.chance(700) ? "0" : code(0), "OPERATION_SUCCES", "", listed));
}

std::string World::record(const Transfer& t, bool contradict) {
  std::string status = status_of(t);
  if (contradict) status = status == "VAL" ? "REJ" : "VAL";
  json r = {{"transaction_id", t.transaction_id},
            {"client_transaction_id", t.client_transaction_id},
            {"lot", t.lot},
            {"amount", rng_.chance(700) ? json(std::to_string(t.amount)) : json(t.amount)},
            {"receiver", rng_.chance(500) ? t.phone : t.prefix + t.phone},
            {"receiver_e164", "+" + t.prefix + t.phone},
            {"operator", "OM"},
            {"sending_status", "CONFIRM"},
            {"transfer_valid", "Y"},
            {"treatment_status", status},
            {"comment", status == "VAL" ? "Transfert effectue avec succes" : "En cours"},
            {"validated_at", status == "VAL" || status == "REJ" ? "2026-01-01 12:00:00" : ""}};
  if (draw(Shape::missing_fields, 40)) {
    const auto which = rng_.below(3);
    if (which != 1) r.erase("amount");
    if (which != 0) {
      r.erase("receiver");
      r.erase("receiver_e164");
    }
  }
  if (draw(Shape::bad_bytes, 40))
    r["comment"] = r["comment"].get<std::string>().append(kBadBytesMark);
  return r.dump();
}

HttpResponse World::check_money(const std::map<std::string, std::string>& query,
                                const std::string& token) {
  std::string key;
  std::string value;
  for (const char* name : {"transaction_id", "client_transaction_id", "lot"}) {
    auto it = query.find(name);
    if (it != query.end()) {
      key = name;
      value = it->second;
    }
  }
  std::vector<std::string> records;
  for (const Transfer& t : transfers_) {
    const std::string& field = key == "transaction_id"          ? t.transaction_id
                               : key == "client_transaction_id" ? t.client_transaction_id
                                                                : t.lot;
    if (field != value || now_ms_ < t.visible_ms) continue;
    records.push_back(record(t, false));
    if (draw(Shape::contradicting_records, 40)) {
      std::string contradiction = record(t, true);
      const auto at = static_cast<std::ptrdiff_t>(rng_.below(records.size() + 1));
      records.insert(records.begin() + at, std::move(contradiction));
    }
  }
  if (draw(Shape::foreign_records, 60)) {
    Transfer stranger;
    stranger.transaction_id = "EASTRANGER" + hex(rng_.next(), 6);
    stranger.client_transaction_id = "SOMEONE-ELSE-" + hex(rng_.next(), 4);
    stranger.lot = "LOTS" + hex(rng_.next(), 6);
    stranger.prefix = "225";
    stranger.phone = "0700000000";
    stranger.amount = 1000;
    stranger.rejects = rng_.chance(500);
    const Transfer& other = transfers_.empty() || rng_.chance(500)
                                ? stranger
                                : transfers_[rng_.below(transfers_.size())];
    records.insert(records.begin(), record(other, false));
  }
  if (records.empty()) {
    if (key == "client_transaction_id") told_absent_ = value;
    const int status = rng_.chance(800) ? 200 : 404;
    const std::string c = code(723);
    return with_body(status, envelope(c, "NOT_FOUND", text("Aucun element trouve", token)));
  }
  std::string list = "[";
  for (std::size_t i = 0; i < records.size(); ++i) list += (i == 0 ? "" : ",") + records[i];
  list += "]";
  if (rng_.chance(200)) list = "[" + list + "]";
  return with_body(200, envelope(code(0), "OPERATION_SUCCES", "", list));
}

HttpResponse SimTransport::send(const HttpRequest& request) {
  if (process_.dead) throw TransportError("simulated: this process is dead", false);
  return world_.handle(process_, request, request_timeout_);
}

}  // namespace cinetpay::simulation
