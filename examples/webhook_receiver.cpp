// A merchant's notify_url endpoint:  webhook_receiver [PORT]
//
// CinetPay checks the URL with a GET, then POSTs a form at each step of a transfer. The
// form carries no signature, so each one is verified by asking CinetPay (check/money)
// before it is trusted; CinetPay may notify the same status more than once, so a status
// already applied is not applied again. Prints "listening on URL" first, then a line per
// notification; stops on SIGINT or SIGTERM. Reads the CINETPAY_* variables (from_env).
#include <httplib.h>
#include <pthread.h>

#include <cinetpay/transfer.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace {

// Applies each verified status of a transfer once. Thread-safe: the server calls it from
// several threads.
class Receiver {
 public:
  explicit Receiver(cinetpay::TransferClient client)
      : handler_(std::move(client),
                 [this](const cinetpay::Notification&, const cinetpay::TransferStatus& trusted) {
                   apply(trusted);
                 }) {}

  // The answer to one request to notify_url: CinetPay's GET ping, or a notification that the
  // handler parses, verifies with CinetPay (2 s at most, retries included) and applies.
  cinetpay::NotificationReply handle(const httplib::Request& req) {
    cinetpay::NotificationReply reply =
        handler_.handle(req.method, req.get_header_value("Content-Type"), req.body);
    if (reply.error) log_refusal(reply);
    return reply;
  }

 private:
  void apply(const cinetpay::TransferStatus& trusted) {
    const std::string& status = to_string(trusted.treatment_status);
    std::lock_guard<std::mutex> lock(mu_);
    std::string& applied = applied_[trusted.transaction_id];
    if (applied == status) {
      std::cout << trusted.client_transaction_id << " " << status << " repeat: already applied"
                << std::endl;
      return;
    }
    applied = status;
    // Here a merchant marks the order paid (VAL) or refunds it (REJ), in one transaction
    // with the record of `applied`.
    std::cout << trusted.client_transaction_id << " " << status << " verified"
              << (trusted.is_final() ? ": final" : "") << std::endl;
  }

  // The reply's body says nothing of why; the merchant's own log may.
  void log_refusal(const cinetpay::NotificationReply& reply) {
    std::string why;
    try {
      std::rethrow_exception(reply.error);
    } catch (const std::exception& e) {
      why = e.what();  // a cinetpay::Error's text is redacted: no key, password or token
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::cout << "refused (" << reply.status << "): " << why << std::endl;
  }

  std::mutex mu_;
  std::map<std::string, std::string> applied_;  // transaction_id -> treatment_status
  cinetpay::NotificationHandler handler_;       // last: its `apply` uses the members above
};

}  // namespace

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 8080;
  // Signals go to the main thread alone, through sigwait; the server's threads inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    Receiver receiver(cinetpay::TransferClient::from_env());
    httplib::Server server;
    const auto answer = [&](const httplib::Request& req, httplib::Response& res) {
      cinetpay::NotificationReply reply = receiver.handle(req);
      res.status = reply.status;
      res.set_content(reply.body, "text/plain");
    };
    server.Get("/cinetpay/notify", answer);
    server.Post("/cinetpay/notify", answer);
    const int bound = port == 0 ? server.bind_to_any_port("127.0.0.1")
                                : (server.bind_to_port("127.0.0.1", port) ? port : -1);
    if (bound < 0) {
      std::cerr << "webhook_receiver: cannot listen on port " << port << "\n";
      return 1;
    }
    std::thread serving([&] { server.listen_after_bind(); });
    std::cout << "listening on http://127.0.0.1:" << bound << "/cinetpay/notify" << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
    serving.join();
    return 0;
  } catch (const cinetpay::Error& e) {
    std::cerr << "webhook_receiver: " << e.what() << "\n";
    return 1;
  }
}
