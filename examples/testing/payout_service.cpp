#include "payout_service.hpp"

namespace shop {

PayoutReceipt PayoutService::pay_seller(const Seller& seller, std::int64_t amount,
                                        const std::string& order_id) {
  PayoutReceipt receipt;
  // The order's own id: sending it again can never pay the seller twice.
  receipt.client_transaction_id = "PAYOUT-" + order_id;
  if (client_.balance().available < amount) {
    receipt.status = PayoutReceipt::Status::no_funds;
    receipt.reason = "transfer balance too low";
    return receipt;
  }
  auto contact = client_.add_contacts(
      {{seller.prefix, seller.phone, seller.name, seller.surname, seller.email}});
  if (contact.empty() || !contact.front().ok()) {
    receipt.status = PayoutReceipt::Status::refused;
    receipt.reason = contact.empty() ? "contact not registered" : contact.front().message;
    return receipt;
  }

  cinetpay::TransferRequest request;
  request.prefix = seller.prefix;
  request.phone = seller.phone;
  request.amount = amount;
  request.notify_url = notify_url_;
  request.client_transaction_id = receipt.client_transaction_id;
  cinetpay::TransferResult result = client_.send_money({request}).front();
  switch (result.outcome) {
    case cinetpay::TransferOutcome::accepted:
      receipt.status = PayoutReceipt::Status::sent;
      receipt.transaction_id = result.transaction_id;
      break;
    case cinetpay::TransferOutcome::rejected:
      receipt.status = PayoutReceipt::Status::refused;
      receipt.reason = result.error ? result.error->message : result.detail;
      break;
    case cinetpay::TransferOutcome::not_sent:
    case cinetpay::TransferOutcome::unknown:
      // Either way the same id settles it later (reconcile, or send again if not_sent).
      receipt.status = PayoutReceipt::Status::pending;
      receipt.reason = result.detail;
      break;
  }
  return receipt;
}

}  // namespace shop
