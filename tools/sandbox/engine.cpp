#include "engine.hpp"

namespace cinetpay::sandbox {
namespace {

// Each transfer makes four notices; a receiver that is down holds each up to 3 s.
constexpr std::size_t kMaxWaitingNotifications = 100'000;

}  // namespace

Engine::Engine(const SandboxOptions& options)
    : options_(options),
      ledger_(LedgerRules{options.balance, options.settle, options.visibility_delay,
                          options.require_confirmation, options.seed}),
      requests_(options.log_capacity),
      notifier_(options.log_capacity, kMaxWaitingNotifications) {
  rng_.seed(options_.seed != 0 ? options_.seed + 1 : std::random_device{}());
}

Engine::~Engine() { stop(); }

void Engine::start() {
  notifier_.start();
  std::lock_guard<std::mutex> lock(mu_);
  if (running_) return;
  running_ = true;
  clock_ = std::thread([this] { run_clock(); });
}

void Engine::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
  }
  clock_cv_.notify_all();
  if (clock_.joinable()) clock_.join();
  notifier_.stop();
}

// Steps are also taken on every read, so that what a caller sees never lags the clock.
void Engine::run_clock() {
  std::unique_lock<std::mutex> lock(mu_);
  while (running_) {
    auto now = SteadyClock::now();
    advance_locked(now);
    clock_cv_.wait_until(lock, std::min(now + std::chrono::milliseconds(200), ledger_.next_step()));
  }
}

void Engine::advance_locked(SteadyClock::time_point now) {
  for (const Transfer& step : ledger_.advance(now)) notifier_.notify(step);
}

std::optional<std::string> Engine::login(const std::string& api_key, const std::string& password) {
  if (api_key != options_.api_key || password != options_.password) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  std::lock_guard<std::mutex> lock(mu_);
  std::string token;
  for (int i = 0; i < 32; ++i) token += kHex[rng_() & 0x0F];
  tokens_[token] = SteadyClock::now() + options_.token_ttl;
  return token;
}

bool Engine::token_valid(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tokens_.find(token);
  return it != tokens_.end() && SteadyClock::now() < it->second;
}

std::variant<ContactsAdded, Refusal> Engine::add_contacts(const std::vector<Contact>& contacts) {
  std::lock_guard<std::mutex> lock(mu_);
  return ledger_.add_contacts(contacts);
}

std::variant<Sent, Refusal> Engine::send(const std::vector<PayoutOrder>& orders) {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = SteadyClock::now();
  advance_locked(now);
  auto result = ledger_.send(orders, now);
  if (const Sent* sent = std::get_if<Sent>(&result)) {
    for (const Transfer& t : sent->transfers) {
      notifier_.ping(t.notify_url);
      notifier_.notify(t);
    }
    clock_cv_.notify_all();
  }
  return result;
}

std::vector<Transfer> Engine::find(LookupKey key, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = SteadyClock::now();
  advance_locked(now);
  return ledger_.find(key, value, now);
}

void Engine::log_request(RequestRecord record) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push(std::move(record));
}

std::chrono::milliseconds Engine::jitter(std::chrono::milliseconds bound) {
  if (bound.count() <= 0) return std::chrono::milliseconds(0);
  std::lock_guard<std::mutex> lock(mu_);
  return std::chrono::milliseconds(
      std::uniform_int_distribution<std::int64_t>(0, bound.count())(rng_));
}

Balance Engine::balance() {
  std::lock_guard<std::mutex> lock(mu_);
  advance_locked(SteadyClock::now());
  return ledger_.balance();
}

void Engine::set_available(std::int64_t available) {
  std::lock_guard<std::mutex> lock(mu_);
  ledger_.set_available(available);
}

std::vector<Contact> Engine::contacts() {
  std::lock_guard<std::mutex> lock(mu_);
  return ledger_.contacts();
}

std::vector<Transfer> Engine::transfers() {
  std::lock_guard<std::mutex> lock(mu_);
  advance_locked(SteadyClock::now());
  return ledger_.transfers();
}

std::optional<Transfer> Engine::by_transaction_id(const std::string& transaction_id) {
  std::lock_guard<std::mutex> lock(mu_);
  advance_locked(SteadyClock::now());
  const Transfer* t = ledger_.by_transaction_id(transaction_id);
  return t ? std::optional<Transfer>(*t) : std::nullopt;
}

std::optional<Transfer> Engine::by_client_transaction_id(const std::string& client_transaction_id) {
  std::lock_guard<std::mutex> lock(mu_);
  advance_locked(SteadyClock::now());
  const Transfer* t = ledger_.by_client_transaction_id(client_transaction_id);
  return t ? std::optional<Transfer>(*t) : std::nullopt;
}

Transfer Engine::confirm(const std::string& transaction_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Transfer t = ledger_.confirm(transaction_id, SteadyClock::now());
  clock_cv_.notify_all();
  return t;
}

Transfer Engine::reject(const std::string& transaction_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Transfer t = ledger_.reject(transaction_id);
  notifier_.notify(t);
  return t;
}

std::size_t Engine::revoke_tokens() {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t n = tokens_.size();
  tokens_.clear();
  return n;
}

void Engine::reset() {
  std::lock_guard<std::mutex> lock(mu_);
  ledger_.reset();
  tokens_.clear();
  requests_.clear();
  faults_.clear();
  notifier_.clear();
}

std::vector<RequestRecord> Engine::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.snapshot();
}

}  // namespace cinetpay::sandbox
