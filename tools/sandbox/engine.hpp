// The sandbox without its HTTP: the ledger behind one lock and the clock that moves it, the
// tokens, the faults, the notifier and the request log. Every call is thread-safe; the HTTP
// routes and the public Sandbox both go through it.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "cinetpay/sandbox.hpp"
#include "faults.hpp"
#include "ledger.hpp"
#include "notifier.hpp"
#include "ring_log.hpp"

namespace cinetpay::sandbox {

class Engine {
 public:
  explicit Engine(const SandboxOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Starts and stops the clock that moves transfers along, and the notifier.
  void start();
  void stop();

  // What the API does.
  /// A fresh token, or none for wrong credentials.
  std::optional<std::string> login(const std::string& api_key, const std::string& password);
  bool token_valid(const std::string& token);
  std::variant<ContactsAdded, Refusal> add_contacts(const std::vector<Contact>& contacts);
  std::variant<Sent, Refusal> send(const std::vector<PayoutOrder>& orders);
  std::vector<Transfer> find(LookupKey key, const std::string& value);
  void log_request(RequestRecord record);
  FaultQueue& faults() { return faults_; }
  /// A uniform draw in [0, bound], for the latency's jitter.
  std::chrono::milliseconds jitter(std::chrono::milliseconds bound);

  // What the public Sandbox does.
  Balance balance();
  void set_available(std::int64_t available);
  std::vector<Contact> contacts();
  std::vector<Transfer> transfers();
  std::optional<Transfer> by_transaction_id(const std::string& transaction_id);
  std::optional<Transfer> by_client_transaction_id(const std::string& client_transaction_id);
  Transfer confirm(const std::string& transaction_id);
  Transfer reject(const std::string& transaction_id);
  std::size_t revoke_tokens();
  void reset();
  std::vector<RequestRecord> requests();
  std::vector<NotificationRecord> notifications() { return notifier_.log(); }

 private:
  void advance_locked(SteadyClock::time_point now);
  void run_clock();

  const SandboxOptions options_;
  std::mutex mu_;
  std::condition_variable clock_cv_;
  bool running_ = false;
  Ledger ledger_;
  std::map<std::string, SteadyClock::time_point> tokens_;
  std::mt19937_64 rng_;
  RingLog<RequestRecord> requests_;
  FaultQueue faults_;
  Notifier notifier_;
  std::thread clock_;
};

}  // namespace cinetpay::sandbox
