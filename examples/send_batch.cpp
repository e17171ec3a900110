// Pays everyone listed in a payout file:  send_batch PAYOUTS.csv
//
// PAYOUTS.csv (CSV with a header, or a JSON array) has the columns of a payout
// (client_transaction_id, prefix, phone, amount, notify_url) and the payee's name, surname
// and email, in any order. The library reads and checks it whole, naming the line and column
// of any problem, before anything is sent. Every receiver is registered as a contact first
// (CinetPay pays only contacts). Each payout is sent under its own client_transaction_id, so
// running the same file again never pays anyone twice: CinetPay refuses the repeat and the
// library finds the first one.
#include <cinetpay/transfer.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

std::string column(const std::map<std::string, std::string>& extra, const std::string& name) {
  auto it = extra.find(name);
  return it == extra.end() ? std::string() : it->second;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: send_batch PAYOUTS.csv\n";
    return 2;
  }
  cinetpay::PayoutFile file;
  try {
    std::ifstream in(argv[1], std::ios::binary);
    cinetpay::PayoutFileOptions options;
    options.extra_columns = {"name", "surname", "email"};
    file = cinetpay::read_payout_file(in, argv[1], options);
    const std::vector<cinetpay::TransferRequest>& payouts = file.items;
    std::vector<cinetpay::Contact> contacts;
    for (std::size_t i = 0; i < payouts.size(); ++i) {
      contacts.push_back({payouts[i].prefix, payouts[i].phone, column(file.extra[i], "name"),
                          column(file.extra[i], "surname"), column(file.extra[i], "email")});
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
  } catch (const cinetpay::FileError& e) {
    std::cerr << "send_batch: " << e.what() << " (nothing was sent)\n";
    return 2;
  } catch (const cinetpay::ValidationError& e) {
    // A contact's name, surname or email, checked by add_contacts: nothing was sent.
    std::string where;
    if (e.index()) {
      const cinetpay::FilePlace& at = file.places.at(*e.index());
      where = at.line != 0 ? "line " + std::to_string(at.line) : "item " + std::to_string(at.item);
      where += ": ";
    }
    std::cerr << "send_batch: " << where << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "send_batch: " << e.what() << "\n";
    return 1;
  }
}
