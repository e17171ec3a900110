// Prints the transfer balance. Reads CINETPAY_API_KEY, CINETPAY_PASSWORD and, for the
// sandbox, CINETPAY_BASE_URL.
#include <cinetpay/transfer.hpp>

#include <iostream>

int main() {
  try {
    cinetpay::TransferClient client = cinetpay::TransferClient::from_env();
    cinetpay::Balance balance = client.balance();
    std::cout << "amount:    " << balance.amount << "\n"
              << "in use:    " << balance.in_using << "\n"
              << "available: " << balance.available << "\n";
    return 0;
  } catch (const cinetpay::Error& e) {
    std::cerr << "balance: " << e.what() << "\n";
    return 1;
  }
}
