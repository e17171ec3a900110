#include "notifier.hpp"

#include "ledger.hpp"

#include <httplib.h>

namespace cinetpay::sandbox {

Notifier::Notifier(std::size_t log_capacity, std::size_t max_waiting)
    : max_waiting_(max_waiting), log_(log_capacity) {}

Notifier::~Notifier() { stop(); }

void Notifier::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void Notifier::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::ping(const std::string& url) { enqueue({url, true, {}}); }

void Notifier::notify(const Transfer& t) {
  enqueue({t.notify_url,
           false,
           {{"transaction_id", t.transaction_id},
            {"client_transaction_id", t.client_transaction_id},
            {"lot", t.lot},
            {"amount", std::to_string(t.amount)},
            {"receiver", t.phone},
            {"sending_status", t.sending_status},
            {"comment", std::string(comment_for(t.status))},
            {"treatment_status", std::string(to_string(t.status))},
            {"operator_transaction_id",
             t.status == TreatmentStatus::VAL ? "OP" + t.transaction_id : ""},
            {"validated_at", t.validated_at}}});
}

void Notifier::enqueue(Notice notice) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (waiting_.size() >= max_waiting_) {
      log_.push({notice.url, notice.ping ? "GET" : "POST", notice.fields, 0,
                 "dropped: too many notifications waiting"});
      return;
    }
    waiting_.push_back(std::move(notice));
  }
  cv_.notify_one();
}

void Notifier::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return !running_ || !waiting_.empty(); });
    if (!running_) return;
    Notice notice = std::move(waiting_.front());
    waiting_.pop_front();
    lock.unlock();
    NotificationRecord record = deliver(notice);
    lock.lock();
    log_.push(std::move(record));
  }
}

NotificationRecord Notifier::deliver(const Notice& notice) {
  NotificationRecord record{notice.url, notice.ping ? "GET" : "POST", notice.fields, 0, {}};
  auto scheme_end = notice.url.find("://");
  auto path_start = notice.url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  std::string origin = notice.url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "/" : notice.url.substr(path_start);
  try {
    httplib::Client client(origin);
    client.set_connection_timeout(1, 0);
    client.set_read_timeout(2, 0);
    client.set_write_timeout(2, 0);
    httplib::Params form(notice.fields.begin(), notice.fields.end());
    auto result = notice.ping ? client.Get(path) : client.Post(path, form);
    record.http_status = result ? result->status : 0;
    if (!result) record.error = httplib::to_string(result.error());
  } catch (const std::exception& e) {
    record.error = e.what();
  }
  return record;
}

std::vector<NotificationRecord> Notifier::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_.snapshot();
}

void Notifier::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  waiting_.clear();
  log_.clear();
}

}  // namespace cinetpay::sandbox
