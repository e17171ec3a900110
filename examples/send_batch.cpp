// Pays everyone listed in a CSV file:  send_batch PAYOUTS.csv NOTIFY_URL
//
// PAYOUTS.csv has a header line, then one payout a line:
//   client_transaction_id,prefix,phone,amount,name,surname,email
// Every receiver is registered as a contact first (CinetPay pays only contacts). Each
// payout is sent under its own client_transaction_id, so running the same file again
// never pays anyone twice: CinetPay refuses the repeat and the library finds the first one.
#include <cinetpay/transfer.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Row {
  int line = 0;
  cinetpay::Contact contact;
  cinetpay::TransferRequest payout;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
  return fields;
}

std::vector<Row> read_csv(const std::string& path, const std::string& notify_url) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Row> rows;
  std::string line;
  std::getline(in, line);  // the header
  for (int number = 2; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> f = split(line);
    if (f.size() != 7 || f[3].find_first_not_of("0123456789") != std::string::npos) {
      throw std::runtime_error(path + " line " + std::to_string(number) +
                               ": expected client_transaction_id,prefix,phone,amount,name,"
                               "surname,email with a whole amount");
    }
    Row row;
    row.line = number;
    row.contact = {f[1], f[2], f[4], f[5], f[6]};
    row.payout.client_transaction_id = f[0];
    row.payout.prefix = f[1];
    row.payout.phone = f[2];
    row.payout.amount = std::stoll(f[3]);
    row.payout.notify_url = notify_url;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: send_batch PAYOUTS.csv NOTIFY_URL\n";
    return 2;
  }
  std::vector<Row> rows;
  try {
    rows = read_csv(argv[1], argv[2]);
    std::vector<cinetpay::Contact> contacts;
    std::vector<cinetpay::TransferRequest> payouts;
    for (const Row& row : rows) {
      contacts.push_back(row.contact);
      payouts.push_back(row.payout);
    }

    cinetpay::TransferClient client = cinetpay::TransferClient::from_env();
    for (const cinetpay::ContactResult& added : client.add_contacts(contacts)) {
      if (!added.ok()) {
        std::cerr << "contact " << added.contact.phone << " refused: " << added.code << " "
                  << added.message << "\n";
        return 1;
      }
    }

    bool all_accepted = true;
    for (const cinetpay::TransferResult& r : client.send_money(payouts)) {
      std::cout << r.client_transaction_id << " " << to_string(r.outcome);
      switch (r.outcome) {
        case cinetpay::TransferOutcome::accepted:
          std::cout << ": transaction " << r.transaction_id << ", "
                    << to_string(r.treatment_status);
          break;
        case cinetpay::TransferOutcome::rejected:
          std::cout << ": " << r.error->code << " " << r.error->message;
          break;
        case cinetpay::TransferOutcome::not_sent:
          std::cout << ": never reached CinetPay, run the file again";
          break;
        case cinetpay::TransferOutcome::unknown:
          std::cout << ": settle it with check_status later; do not pay it another way";
          break;
      }
      std::cout << "\n";
      all_accepted = all_accepted && r.outcome == cinetpay::TransferOutcome::accepted;
    }
    return all_accepted ? 0 : 1;
  } catch (const cinetpay::ValidationError& e) {
    // Nothing was sent.
    std::cerr << "send_batch: "
              << (e.index() ? "line " + std::to_string(rows.at(*e.index()).line) + ": "
                            : std::string())
              << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "send_batch: " << e.what() << "\n";
    return 1;
  }
}
