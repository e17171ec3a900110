// The README's example: check the balance and send one payout, safely.
#include <cinetpay/transfer.hpp>
#include <iostream>

int main() {
  try {
    auto client = cinetpay::TransferClient::from_env();
    std::cout << "available: " << client.balance().available << "\n";

    for (const auto& c :
         client.add_contacts({{"225", "0701020304", "Kouassi", "Awa", "awa@example.com"}})) {
      if (!c.ok()) std::cout << "contact refused: " << c.code << " " << c.message << "\n";
    }

    cinetpay::TransferRequest t;
    t.prefix = "225";
    t.phone = "0701020304";
    t.amount = 500;
    t.notify_url = "https://shop.example/cinetpay/notify";
    t.client_transaction_id = "ORDER-42";  // your id: a repeat can never pay twice
    cinetpay::TransferResult r = client.send_money({t}).front();
    switch (r.outcome) {
      case cinetpay::TransferOutcome::accepted:
        std::cout << "accepted as " << r.transaction_id << "\n";
        break;
      case cinetpay::TransferOutcome::rejected:
        std::cout << "rejected: " << r.error->code << " " << r.error->message << "\n";
        break;
      case cinetpay::TransferOutcome::not_sent:
        std::cout << "not sent (safe to send again with the same id): " << r.detail << "\n";
        break;
      case cinetpay::TransferOutcome::unknown:
        std::cout << "unknown: call client.reconcile(\"" << r.client_transaction_id
                  << "\") later\n";
        break;
    }
  } catch (const cinetpay::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
