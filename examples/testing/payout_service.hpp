// A merchant's own payout code, as a shop would write it: it pays a seller's earnings for
// an order through a cinetpay::TransferClient. payout_service_test.cpp tests it without
// CinetPay.
#pragma once

#include <cinetpay/transfer.hpp>

#include <cstdint>
#include <string>

namespace shop {

struct Seller {
  std::string prefix;  // "225"
  std::string phone;   // "0701020304"
  std::string name;
  std::string surname;
  std::string email;
};

/// What became of a seller's payout.
struct PayoutReceipt {
  enum class Status {
    sent,      // CinetPay has it (transaction_id)
    refused,   // not paid: the reason says why; the order can be paid another way
    pending,   // unknown for now: reconcile later with the same id, never pay again
    no_funds,  // not sent: the transfer balance is too low
  };
  Status status = Status::pending;
  std::string client_transaction_id;  // "PAYOUT-<order id>": one payout per order
  std::string transaction_id;
  std::string reason;
};

class PayoutService {
 public:
  PayoutService(cinetpay::TransferClient client, std::string notify_url)
      : client_(std::move(client)), notify_url_(std::move(notify_url)) {}

  /// Pays `amount` to `seller` for `order_id`, at most once whatever happens.
  PayoutReceipt pay_seller(const Seller& seller, std::int64_t amount, const std::string& order_id);

 private:
  cinetpay::TransferClient client_;
  std::string notify_url_;
};

}  // namespace shop
