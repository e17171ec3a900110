#include "cinetpay/sandbox.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <condition_variable>
#include <stdexcept>
#include <thread>

#include "connection_threads.hpp"
#include "engine.hpp"
#include "faults.hpp"
#include "routes.hpp"

namespace cinetpay::sandbox {

class Sandbox::Impl {
 public:
  explicit Impl(SandboxOptions options)
      : options_(std::move(options)), engine_(options_), routes_(engine_, options_) {}
  ~Impl() { stop(); }

  int start() {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_) return port_;
    std::size_t max = options_.max_connections;
    server_.new_task_queue = [max] { return new tools::ConnectionThreads(max); };
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_timeout(options_.keep_alive_timeout.count());
    server_.set_read_timeout(options_.read_timeout.count(), 0);
    server_.set_socket_options([this](socket_t sock) {
      httplib::default_socket_options(sock);
      listen_socket_ = sock;
    });
    routes_.install(server_);
    if (options_.port == 0) {
      port_ = server_.bind_to_any_port(options_.host);
    } else if (server_.bind_to_port(options_.host, options_.port)) {
      port_ = options_.port;
    }
    if (port_ <= 0) {
      throw std::runtime_error("cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port));
    }
    // httplib listens with a backlog of 5: a burst of connections beyond it waits for SYN
    // retransmits (1 s, 3 s, ...). Listening again only raises the backlog.
    ::listen(listen_socket_, SOMAXCONN);
    engine_.start();
    running_ = true;
    server_thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
    return port_;
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!running_) return;
      running_ = false;
    }
    server_.stop();
    if (server_thread_.joinable()) server_thread_.join();
    engine_.stop();
    stopped_cv_.notify_all();
  }

  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    stopped_cv_.wait(lock, [this] { return !running_; });
  }

  int port() const { return port_; }
  std::string base_url() const { return "http://" + options_.host + ":" + std::to_string(port_); }
  Engine& engine() { return engine_; }

 private:
  const SandboxOptions options_;
  Engine engine_;
  Routes routes_;
  httplib::Server server_;
  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool running_ = false;
  int port_ = 0;
  socket_t listen_socket_ = INVALID_SOCKET;
  std::thread server_thread_;
};

Sandbox::Sandbox(SandboxOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Sandbox::~Sandbox() = default;
int Sandbox::start() { return impl_->start(); }
void Sandbox::wait() { impl_->wait(); }
void Sandbox::stop() { impl_->stop(); }
int Sandbox::port() const { return impl_->port(); }
std::string Sandbox::base_url() const { return impl_->base_url(); }

Balance Sandbox::balance() const { return impl_->engine().balance(); }
void Sandbox::set_available(std::int64_t available) { impl_->engine().set_available(available); }
std::vector<Contact> Sandbox::contacts() const { return impl_->engine().contacts(); }
std::vector<Transfer> Sandbox::transfers() const { return impl_->engine().transfers(); }
std::optional<Transfer> Sandbox::transfer_by_transaction_id(
    const std::string& transaction_id) const {
  return impl_->engine().by_transaction_id(transaction_id);
}
std::optional<Transfer> Sandbox::transfer_by_client_transaction_id(
    const std::string& client_transaction_id) const {
  return impl_->engine().by_client_transaction_id(client_transaction_id);
}
Transfer Sandbox::confirm(const std::string& transaction_id) {
  return impl_->engine().confirm(transaction_id);
}
Transfer Sandbox::reject(const std::string& transaction_id) {
  return impl_->engine().reject(transaction_id);
}
void Sandbox::inject(Fault fault) { impl_->engine().faults().inject(std::move(fault)); }
std::vector<Fault> Sandbox::faults() const { return impl_->engine().faults().list(); }
void Sandbox::clear_faults() { impl_->engine().faults().clear(); }
std::size_t Sandbox::revoke_tokens() { return impl_->engine().revoke_tokens(); }
void Sandbox::reset() { impl_->engine().reset(); }
std::vector<RequestRecord> Sandbox::requests() const { return impl_->engine().requests(); }
std::vector<NotificationRecord> Sandbox::notifications() const {
  return impl_->engine().notifications();
}
std::vector<std::pair<std::string, std::string>> Sandbox::api_paths() {
  std::vector<std::pair<std::string, std::string>> paths;
  paths.reserve(kApiPaths.size());
  for (const ApiPath& p : kApiPaths) paths.emplace_back(p.name, p.path);
  return paths;
}

}  // namespace cinetpay::sandbox
