// A merchant's test with no server process: the sandbox runs inside the test
// (cinetpay::sandbox), and the test reads the sandbox's ledger to see what was paid.
#include <cinetpay/sandbox.hpp>
#include <cinetpay/transfer.hpp>

#include <iostream>

int main() {
  cinetpay::sandbox::Sandbox sandbox;
  sandbox.start();
  cinetpay::ClientOptions options;
  options.base_url = sandbox.base_url();
  cinetpay::TransferClient client(cinetpay::Credentials{"sandbox-key", "sandbox-password"},
                                  options);

  if (!client.add_contacts({{"225", "0701020304", "Kouassi", "Awa", "awa@example.com"}})
           .front()
           .ok()) {
    std::cerr << "in-process sandbox: the contact was refused\n";
    return 1;
  }
  cinetpay::TransferRequest payout;
  payout.prefix = "225";
  payout.phone = "0701020304";
  payout.amount = 500;
  payout.notify_url = "http://127.0.0.1:9/notify";  // nobody listens: notifications fail
  payout.client_transaction_id = "ORDER-1";
  cinetpay::TransferResult result = client.send_money({payout}).front();

  auto paid = sandbox.transfer_by_client_transaction_id("ORDER-1");
  if (result.outcome != cinetpay::TransferOutcome::accepted || !paid || paid->amount != 500 ||
      sandbox.balance().available != 1'000'000 - 500) {
    std::cerr << "in-process sandbox: the payout was not recorded as sent\n";
    return 1;
  }
  std::cout << "in-process sandbox ok: " << paid->transaction_id << "\n";
  return 0;
}
