// The simulated world of the deterministic simulation: one clock, one network and one
// CinetPay whose truth is its own ledger of transfers, all driven by one seed. Nothing in it
// reads real time, real randomness or a real socket, so that a seed replays step for step.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cinetpay/http.hpp"
#include "cinetpay/notification.hpp"

namespace cinetpay::simulation {

// splitmix64: small, fast, and the same sequence on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }
  // Uniform in [0, n); 0 when n is 0.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  std::int64_t between(std::int64_t low, std::int64_t high) {
    return low + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(high - low + 1)));
  }
  // True with probability `per_mille`/1000.
  bool chance(int per_mille) { return static_cast<int>(below(1000)) < per_mille; }
  double unit() { return static_cast<double>(next() >> 11U) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

// The hostile shapes a seed draws from; each can be switched off by name (--without NAME).
enum class Shape {
  lost_before,            // a request lost before CinetPay processed it
  lost_after,             // processed, then the answer lost
  timeout,                // an answer later than the request's timeout
  server_error,           // 5xx with an HTML page or an envelope, processed or not
  token_refusal,          // 705–707 for a token that was fine: nothing processed
  balance,                // 602 for a whole send: nothing processed
  id_exists_whole,        // 805 for a whole send when one of its ids is taken
  late_listing,           // check/money answers 723 for a while after a send
  foreign_records,        // check/money lists other transfers beside (or instead of) the asked one
  contradicting_records,  // check/money lists one transfer twice, VAL and REJ
  contradicting_items,    // a send answer lists one id twice: refused, and paid
  error_naming_transfer,  // a send item with an error code that names its (paid) transfer
  missing_fields,         // check/money records without amount or recipient
  missing_items,          // a send answer that leaves an item out
  bad_bytes,              // NUL, control characters and invalid UTF-8 in text fields
  echo_secrets,           // answers that echo the token or the API key
  forged_notifications,   // notifications forged, repeated, reordered, early, fields left out
  reused_ids,             // ids of payouts already held by someone else's transfer
  reused_id_notifications,  // notifications of those transfers, naming the payout's id
  crashes,                  // a worker dies between two store operations or requests
  clock_jumps,              // a worker's wall clock jumps (within ±kMaxSkewMs of true time)
  several_workers,          // two or three workers share one store
};
inline constexpr int kShapeCount = static_cast<int>(Shape::several_workers) + 1;

const char* shape_name(Shape shape);
std::optional<Shape> shape_from(const std::string& name);

// A process's wall clock never strays further than this from true time.
inline constexpr std::int64_t kMaxSkewMs = 2000;
// A transfer is listed by check/money at most this long after CinetPay processed its send:
// shorter than the client's reconcile_grace and the worker's resend_grace, which assume it.
inline constexpr std::int64_t kMaxListingDelayMs = 8000;

// Everything that happened, for the summary line.
struct Counters {
  std::uint64_t faults = 0;   // hostile answers, lost requests, jumps and forged notices
  std::uint64_t crashes = 0;  // processes killed
};

// A transfer as CinetPay's own books hold it.
struct Transfer {
  std::string transaction_id;
  std::string client_transaction_id;
  std::string lot;
  std::string prefix;
  std::string phone;
  std::int64_t amount = 0;
  std::int64_t visible_ms = 0;  // listed by check/money from then on
  std::int64_t rec_ms = 0;      // NEW until then, REC after
  std::int64_t final_ms = 0;    // VAL or REJ from then on
  bool rejects = false;
  bool foreign = false;  // made by someone else before the run, under a reused id
  std::string notified;  // the last status a notification was queued for
};

// A process of the system under test: its wall clock and whether it is dead. A dead
// process reaches nothing: its requests fail before they leave, and its next store
// operation ends it (SimulatedCrash).
struct Process {
  std::string name;
  bool can_crash = false;  // a worker's process; a merchant's client-level calls do not die
  std::int64_t skew_ms = 0;
  bool dead = false;
};

// Thrown where a process dies. Deliberately not a std::exception: nothing in the library
// may catch it as an error and carry on.
struct SimulatedCrash {
  std::string where;
};

class World {
 public:
  World(std::uint64_t seed, std::set<Shape> disabled, bool trace);

  Rng& rng() { return rng_; }
  [[nodiscard]] std::int64_t now_ms() const { return now_ms_; }
  void advance(std::int64_t ms) { now_ms_ += ms; }
  [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const;
  [[nodiscard]] std::chrono::system_clock::time_point wall_now(const Process& p) const;

  // Whether the world may still lie, crash and jump, and whether `shape` is drawn now.
  [[nodiscard]] bool hostile() const { return now_ms_ < honest_from_ms_; }
  void set_honest_from(std::int64_t ms) { honest_from_ms_ = ms; }
  [[nodiscard]] std::int64_t honest_from() const { return honest_from_ms_; }
  bool draw(Shape shape, int per_mille);
  [[nodiscard]] bool enabled(Shape shape) const { return disabled_.count(shape) == 0; }

  // The credentials CinetPay accepts, and every token it handed out: none may ever show.
  [[nodiscard]] const std::string& api_key() const { return api_key_; }
  [[nodiscard]] const std::string& password() const { return password_; }
  [[nodiscard]] const std::vector<std::string>& secrets() const { return secrets_; }

  // Whether `process` dies now (a crash budget per seed, while the world is hostile).
  bool draw_crash(Process& process, const std::function<std::string()>& where);

  // The ids the merchant's payouts use: forged notifications name them.
  void expect_id(const std::string& id) { payout_ids_.push_back(id); }
  void add_contact(const std::string& prefix, const std::string& phone);
  // Someone else's transfer made before the run under `id` (a reused id).
  void add_foreign_transfer(const std::string& id, const std::string& prefix,
                            const std::string& phone, std::int64_t amount);

  // The transfers CinetPay holds, in the order it made them.
  [[nodiscard]] const std::vector<Transfer>& transfers() const { return transfers_; }
  // The transfer made by a send of this id (not a foreign one), or null.
  [[nodiscard]] const Transfer* own_transfer(const std::string& id) const;
  // Ids under which CinetPay holds more than one transfer: 805 makes this impossible unless
  // the world itself is broken, and a duplicate payment would show here.
  [[nodiscard]] std::vector<std::string> duplicated_ids() const;
  // Sends of a payout CinetPay already held, though the sender was never told it was absent
  // (723 for its id) since its last send: only 805 kept them from paying twice. A merchant's
  // deliberate resend of an unknown payout is not counted (allow_resends).
  [[nodiscard]] const std::vector<std::string>& resent() const { return resent_; }
  void allow_resends(bool allowed) { resends_allowed_ = allowed; }
  [[nodiscard]] static std::string status_of(const Transfer& t, std::int64_t now_ms);
  [[nodiscard]] std::string status_of(const Transfer& t) const { return status_of(t, now_ms_); }

  // Queues the notifications CinetPay posts for what changed, and forged ones.
  void tick();
  // The next notification to deliver (repeated, reordered, early at the world's whim).
  std::optional<Notification> next_notification();

  // A request from `process`: what CinetPay answers, or what the network throws.
  HttpResponse handle(Process& process, const HttpRequest& request,
                      std::chrono::milliseconds default_timeout);

  Counters& counters() { return counters_; }
  // One line of the step-by-step trace, kept only when tracing (a replay of a failing seed).
  void note(const std::function<std::string()>& line);
  [[nodiscard]] const std::vector<std::string>& trace() const { return trace_; }
  [[nodiscard]] bool tracing() const { return tracing_; }
  std::uint64_t step() { return ++steps_; }

 private:
  HttpResponse login(const std::map<std::string, std::string>& form);
  HttpResponse check_balance();
  HttpResponse contacts(const std::string& data);
  HttpResponse send(const std::string& data, const std::string& token);
  HttpResponse check_money(const std::map<std::string, std::string>& query,
                           const std::string& token);
  std::optional<HttpResponse> refused_token(const std::string& token);
  std::string record(const Transfer& t, bool contradict);
  std::string text(const std::string& plain, const std::string& token);
  std::string code(int value);

  Rng rng_;
  std::set<Shape> disabled_;
  bool tracing_;
  std::int64_t now_ms_ = 0;
  std::int64_t honest_from_ms_ = 0;
  int intensity_ = 1;  // every shape's rate is multiplied by it
  std::string api_key_;
  std::string password_;
  std::map<std::string, std::int64_t> tokens_;  // token → expiry
  std::vector<std::string> secrets_;            // the key, the password, every token
  std::set<std::string> contacts_;
  std::vector<Transfer> transfers_;
  std::map<std::string, std::vector<std::size_t>> by_client_id_;
  std::deque<Notification> notices_;
  std::vector<std::string> payout_ids_;
  std::vector<std::string> resent_;
  std::set<std::string> absent_told_;  // ids answered 723 (delivered) since their last send
  std::string told_absent_;            // the id the answer being made says is absent
  bool resends_allowed_ = false;
  int crashes_left_ = 3;
  std::uint64_t next_transfer_ = 0;
  std::uint64_t steps_ = 0;
  Counters counters_;
  std::vector<std::string> trace_;
};

// The network between a process and the world: an HttpTransport, as curl's would be.
class SimTransport : public HttpTransport {
 public:
  SimTransport(World& world, Process& process, std::chrono::milliseconds request_timeout)
      : world_(world), process_(process), request_timeout_(request_timeout) {}
  HttpResponse send(const HttpRequest& request) override;

 private:
  World& world_;
  Process& process_;
  std::chrono::milliseconds request_timeout_;
};

}  // namespace cinetpay::simulation
