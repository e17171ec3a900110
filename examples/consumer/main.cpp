// The smallest program over an installed cinetpay-cpp. With CINETPAY_BASE_URL set (the
// sandbox, through tools/with-sandbox.sh) it reads the balance; in any case it shows that a
// bad payout is refused before anything is sent.
#include <cinetpay/transfer.hpp>

#include <cstdlib>
#include <iostream>

int main() {
  const char* sandbox = std::getenv("CINETPAY_BASE_URL");
  cinetpay::ClientOptions options;
  options.base_url = sandbox != nullptr ? sandbox : "http://127.0.0.1:9";
  options.retry.max_attempts = 1;
  cinetpay::TransferClient client(cinetpay::Credentials{"sandbox-key", "sandbox-password"},
                                  options);

  cinetpay::TransferRequest payout;
  payout.prefix = "+225";
  payout.phone = "0102030405";
  payout.amount = 500;
  payout.notify_url = "https://shop.example/notify";
  try {
    client.send_money({payout});
    std::cerr << "a '+' in the prefix was not refused\n";
    return 1;
  } catch (const cinetpay::ValidationError& e) {
    std::cout << "refused before sending: " << e.what() << "\n";
  }

  if (sandbox != nullptr) {
    cinetpay::Balance balance = client.balance();
    std::cout << "balance: " << balance.available << " available\n";
  }
  std::cout << "consumer ok: cinetpay-cpp " << cinetpay::kVersion << "\n";
  return 0;
}
