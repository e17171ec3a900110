// A merchant's test with no server process: the sandbox runs inside the test
// (cinetpay::sandbox) on a port the system picks, the test injects a fault through a C++
// call, and reads the sandbox's ledger to see what was paid.
#include <cinetpay/sandbox.hpp>
#include <cinetpay/testing/fast_options.hpp>
#include <cinetpay/transfer.hpp>

#include <algorithm>
#include <iostream>

int main() {
  cinetpay::sandbox::Sandbox sandbox;  // port 0
  sandbox.start();
  cinetpay::TransferClient client(cinetpay::Credentials{"sandbox-key", "sandbox-password"},
                                  cinetpay::mocks::fast_options(sandbox.base_url()));

  if (!client.add_contacts({{"225", "0701020304", "Kouassi", "Awa", "awa@example.com"}})
           .front()
           .ok()) {
    std::cerr << "in-process sandbox: the contact was refused\n";
    return 1;
  }
  // CinetPay processes the send but its answer is lost: the client must find the payout
  // by its id, not pay it again.
  sandbox.inject({cinetpay::sandbox::FaultKind::process_then_drop, "send"});
  cinetpay::TransferRequest payout;
  payout.prefix = "225";
  payout.phone = "0701020304";
  payout.amount = 500;
  payout.notify_url = "http://127.0.0.1:9/notify";  // nobody listens: notifications fail
  payout.client_transaction_id = "ORDER-1";
  cinetpay::TransferResult result = client.send_money({payout}).front();

  auto paid = sandbox.transfer_by_client_transaction_id("ORDER-1");
  auto requests = sandbox.requests();
  const bool dropped = std::any_of(requests.begin(), requests.end(), [](const auto& r) {
    return r.fault == cinetpay::sandbox::FaultKind::process_then_drop;
  });
  if (result.outcome != cinetpay::TransferOutcome::accepted || !paid || paid->amount != 500 ||
      sandbox.transfers().size() != 1 || sandbox.balance().available != 1'000'000 - 500 ||
      !dropped) {
    std::cerr << "in-process sandbox: the payout was not recorded once as sent ("
              << to_string(result.outcome) << ": " << result.detail << ")\n";
    return 1;
  }
  std::cout << "in-process sandbox ok: " << paid->transaction_id
            << ", paid once although its answer was lost\n";
  return 0;
}
