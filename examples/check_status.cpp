// Where a payout stands, by your own id:  check_status CLIENT_TRANSACTION_ID [WAIT_SECONDS]
// With WAIT_SECONDS, follows it until it is final (VAL or REJ) or the time is up.
#include <cinetpay/transfer.hpp>

#include <chrono>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  const bool wait = argc == 3;
  if (argc < 2 || argc > 3 ||
      (wait && std::string(argv[2]).find_first_not_of("0123456789") != std::string::npos)) {
    std::cerr << "usage: check_status CLIENT_TRANSACTION_ID [WAIT_SECONDS]\n";
    return 2;
  }
  try {
    cinetpay::TransferClient client = cinetpay::TransferClient::from_env();
    auto query = cinetpay::TransferQuery::by_client_transaction_id(argv[1]);
    cinetpay::TransferStatus status =
        wait ? client.wait_for_final(query, std::chrono::seconds(std::stoll(argv[2])))
             : client.check_transfer(query).front();
    std::cout << status.client_transaction_id << ": " << to_string(status.treatment_status)
              << (status.is_final() ? " (final)" : " (not final yet)") << ", " << status.amount
              << " to " << status.receiver << " by " << status.operator_code << ", transaction "
              << status.transaction_id << "\n";
    return 0;
  } catch (const cinetpay::NotFoundError&) {
    std::cerr << "check_status: CinetPay has no payout " << argv[1] << "\n";
    return 1;
  } catch (const cinetpay::Error& e) {
    std::cerr << "check_status: " << e.what() << "\n";
    return 1;
  }
}
