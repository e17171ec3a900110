// The whole payout flow, as `make demo` shows it against cinetpay-sandbox:
// balance, contacts, a batch of payouts, notifications verified by re-query, a live view
// until every payout is final, the final table and the new balance.
//
// Reads CINETPAY_BASE_URL, CINETPAY_API_KEY and CINETPAY_PASSWORD (TransferClient::from_env).
#include <httplib.h>

#include <cinetpay/transfer.hpp>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

namespace {

using namespace std::chrono_literals;

// A merchant's webhook: answers CinetPay's GET ping, and never trusts a POSTed body —
// each notification is verified by re-querying check/money.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(cinetpay::TransferClient client) : client_(std::move(client)) {
    server_.set_tcp_nodelay(true);
    server_.Get("/cinetpay/notify", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("OK", "text/plain");
    });
    server_.Post("/cinetpay/notify", [this](const httplib::Request& req, httplib::Response& res) {
      handle(req.body);
      res.set_content("OK", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~WebhookReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/cinetpay/notify";
  }
  int verified() const {
    std::lock_guard<std::mutex> lock(mu_);
    return verified_;
  }

 private:
  void handle(const std::string& body) {
    try {
      cinetpay::Notification n = cinetpay::parse_notification(body);
      cinetpay::TransferStatus trusted = client_.verify_notification(n);
      std::lock_guard<std::mutex> lock(mu_);
      ++verified_;
      std::printf("  webhook   %-10s says %-3s  verified by check/money: %s\n",
                  n.client_transaction_id.c_str(), n.treatment_status.c_str(),
                  cinetpay::to_string(trusted.treatment_status).c_str());
    } catch (const cinetpay::Error& e) {
      std::printf("  webhook   rejected a notification: %s\n", e.what());
    }
  }

  cinetpay::TransferClient client_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  int verified_ = 0;
};

}  // namespace

int main() {
  try {
    cinetpay::TransferClient client = cinetpay::TransferClient::from_env();
    WebhookReceiver webhook(client);

    cinetpay::Balance before = client.balance();
    std::printf("1. balance: %lld available (%lld in use)\n",
                static_cast<long long>(before.available), static_cast<long long>(before.in_using));

    std::vector<cinetpay::Contact> contacts = {
        {"225", "0701020304", "Kouassi", "Awa", "awa@example.com"},
        {"225", "0501020304", "Yao", "Koffi", "koffi@example.com"},
        {"225", "0101020399", "Traore", "Fanta",
         "fanta@example.com"},  // ends in 99: the sandbox rejects it
    };
    std::printf("2. contacts:\n");
    for (const cinetpay::ContactResult& r : client.add_contacts(contacts)) {
      std::printf("  %s %s %-8s %s\n", r.contact.prefix.c_str(), r.contact.phone.c_str(),
                  r.contact.name.c_str(),
                  r.already_exists() ? "already a contact"
                  : r.ok()           ? "added"
                                     : r.message.c_str());
    }

    std::vector<cinetpay::TransferRequest> payouts;
    const std::int64_t amounts[] = {5000, 2500, 1000};
    for (std::size_t i = 0; i < contacts.size(); ++i) {
      cinetpay::TransferRequest t;
      t.prefix = contacts[i].prefix;
      t.phone = contacts[i].phone;
      t.amount = amounts[i];
      t.notify_url = webhook.url();
      t.client_transaction_id = "DEMO-" + std::to_string(i + 1);
      payouts.push_back(t);
    }
    std::printf("3. sending a batch of %zu payouts\n", payouts.size());
    std::vector<cinetpay::TransferResult> sent = client.send_money(payouts);
    for (const cinetpay::TransferResult& r : sent) {
      std::printf("  %-8s %-8s %s\n", r.client_transaction_id.c_str(),
                  std::string(cinetpay::to_string(r.outcome)).c_str(), r.transaction_id.c_str());
      if (r.outcome == cinetpay::TransferOutcome::unknown) {
        std::printf("  outcome unknown: settle with reconcile(\"%s\") later, never resend\n",
                    r.client_transaction_id.c_str());
      }
    }

    std::printf("4. live statuses until every payout is final\n");
    std::map<std::string, cinetpay::TransferStatus> last;
    const auto deadline = std::chrono::steady_clock::now() + 45s;
    while (std::chrono::steady_clock::now() < deadline) {
      bool all_final = true;
      for (const cinetpay::TransferResult& r : sent) {
        if (r.outcome != cinetpay::TransferOutcome::accepted) continue;
        auto st = client
                      .check_transfer(cinetpay::TransferQuery::by_client_transaction_id(
                          r.client_transaction_id))
                      .front();
        auto& seen = last[r.client_transaction_id];
        if (to_string(seen.treatment_status) != to_string(st.treatment_status)) {
          std::printf(
              "  status    %-10s %s -> %s\n", r.client_transaction_id.c_str(),
              seen.treatment_status.raw().empty() ? "sent" : seen.treatment_status.raw().c_str(),
              st.treatment_status.raw().c_str());
        }
        seen = st;
        all_final = all_final && st.is_final();
      }
      if (all_final) break;
      std::this_thread::sleep_for(200ms);
    }
    // Let the last notifications of the sandbox arrive.
    for (int i = 0; i < 50 && webhook.verified() < static_cast<int>(3 * sent.size()); ++i)
      std::this_thread::sleep_for(50ms);

    std::printf("5. final table\n");
    std::printf("  %-8s %-12s %8s  %-6s %-8s %s\n", "id", "phone", "amount", "status", "operator",
                "transaction_id");
    bool all_final = true;
    for (const auto& [id, st] : last) {
      std::printf("  %-8s %-12s %8lld  %-6s %-8s %s\n", id.c_str(), st.receiver.c_str(),
                  static_cast<long long>(st.amount), st.treatment_status.raw().c_str(),
                  st.operator_code.c_str(), st.transaction_id.c_str());
      all_final = all_final && st.is_final();
    }
    cinetpay::Balance after = client.balance();
    std::printf("6. balance: %lld available (was %lld; rejected payouts are refunded)\n",
                static_cast<long long>(after.available), static_cast<long long>(before.available));
    std::printf("   notifications verified: %d\n", webhook.verified());
    if (!all_final || last.size() != sent.size()) {
      std::printf("demo: not every payout reached a final status\n");
      return 1;
    }
    return 0;
  } catch (const cinetpay::Error& e) {
    std::fprintf(stderr, "demo failed: %s\n", e.what());
    return 1;
  }
}
