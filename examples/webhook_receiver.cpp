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
  explicit Receiver(cinetpay::TransferClient client) : client_(std::move(client)) {}

  // The HTTP status to answer: 200 once handled, 400 for a body that is not a real
  // notification (forged, or about another transfer), 503 when CinetPay could not be asked.
  int handle(const std::string& body) {
    try {
      cinetpay::Notification claimed = cinetpay::parse_notification(body);
      // CinetPay waits for the answer: the check gets 2 s at most, retries included.
      cinetpay::TransferStatus trusted =
          client_.verify_notification(claimed, cinetpay::CallOptions(std::chrono::seconds(2)));
      const std::string& status = to_string(trusted.treatment_status);
      std::lock_guard<std::mutex> lock(mu_);
      std::string& applied = applied_[trusted.transaction_id];
      if (applied == status) {
        std::cout << trusted.client_transaction_id << " " << status << " repeat: already applied"
                  << std::endl;
        return 200;
      }
      applied = status;
      // Here a merchant marks the order paid (VAL) or refunds it (REJ), in one transaction
      // with the record of `applied`.
      std::cout << trusted.client_transaction_id << " " << status << " verified"
                << (trusted.is_final() ? ": final" : "") << std::endl;
      return 200;
    } catch (const cinetpay::ValidationError& e) {
      return refuse(400, e);
    } catch (const cinetpay::NotificationMismatchError& e) {
      return refuse(400, e);
    } catch (const cinetpay::NotFoundError& e) {
      return refuse(400, e);
    } catch (const cinetpay::Error& e) {
      return refuse(503, e);
    }
  }

 private:
  int refuse(int http_status, const cinetpay::Error& e) {
    std::lock_guard<std::mutex> lock(mu_);
    std::cout << "refused (" << http_status << "): " << e.what() << std::endl;
    return http_status;
  }

  cinetpay::TransferClient client_;
  std::mutex mu_;
  std::map<std::string, std::string> applied_;  // transaction_id -> treatment_status
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
    server.Get("/cinetpay/notify", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("OK", "text/plain");
    });
    server.Post("/cinetpay/notify", [&](const httplib::Request& req, httplib::Response& res) {
      res.status = receiver.handle(req.body);
      res.set_content(res.status == 200 ? "OK" : "refused", "text/plain");
    });
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
