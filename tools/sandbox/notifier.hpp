// Calls to notify_url, made one by one on a thread of their own: a receiver that is down
// or slow delays only other notifications, never the API. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "cinetpay/sandbox.hpp"
#include "ring_log.hpp"

namespace cinetpay::sandbox {

class Notifier {
 public:
  /// Keeps the last `log_capacity` deliveries; past `max_waiting` notices not yet sent,
  /// new ones are logged as dropped, so that a dead receiver cannot make memory grow.
  Notifier(std::size_t log_capacity, std::size_t max_waiting);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void start();
  void stop();
  /// The GET with no data that announces a transfer's notify_url.
  void ping(const std::string& url);
  /// The POST of one step of a transfer.
  void notify(const Transfer& transfer);
  std::vector<NotificationRecord> log() const;
  void clear();

 private:
  struct Notice {
    std::string url;
    bool ping = false;
    std::vector<std::pair<std::string, std::string>> fields;
  };
  void enqueue(Notice notice);
  void run();
  static NotificationRecord deliver(const Notice& notice);

  const std::size_t max_waiting_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  std::deque<Notice> waiting_;
  RingLog<NotificationRecord> log_;
  std::thread thread_;
};

}  // namespace cinetpay::sandbox
