// Whether a transfer CinetPay reports under a client_transaction_id contradicts the payout
// asked for under that id: the one rule the send path's reconciliation and the ledger's
// lookups, follow-ups and notifications share. Internal: not part of the API.
#pragma once

#include <string>

#include "cinetpay/export.hpp"
#include "cinetpay/models.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {

/// A phone number as digits only: CinetPay writes receiver_e164 with a '+', receiver without.
inline std::string without_plus(const std::string& number) {
  return !number.empty() && number.front() == '+' ? number.substr(1) : number;
}

/// What in `status` contradicts `request` ("amount: …", "prefix: …" or "phone: …", with
/// CinetPay's value and the payout's), or "" when nothing it says does. Fields CinetPay
/// leaves out (an empty receiver, an amount of 0) contradict nothing. Explicitly inline in
/// both build modes: the ledger calls it without the core exporting a detail symbol.
inline std::string transfer_difference(const TransferRequest& request,
                                       const TransferStatus& status) {
  // check/money never reports a transfer of 0: 0 means it did not say.
  if (status.amount != 0 && status.amount != request.amount) {
    return "amount: " + std::to_string(status.amount) + " at CinetPay, " +
           std::to_string(request.amount) + " in the payout";
  }
  const std::string international = request.prefix + request.phone;
  const std::string e164 = without_plus(status.receiver_e164);
  const std::string receiver = without_plus(status.receiver);
  if ((e164.empty() || e164 == international) &&
      (receiver.empty() || receiver == international || receiver == request.phone)) {
    return {};
  }
  const std::string theirs = e164.empty() || e164 == international ? receiver : e164;
  const bool same_phone = theirs.size() >= request.phone.size() &&
                          theirs.compare(theirs.size() - request.phone.size(), request.phone.size(),
                                         request.phone) == 0;
  return std::string(same_phone ? "prefix" : "phone") + ": " + theirs + " at CinetPay, " +
         request.prefix + " " + request.phone + " in the payout";
}

/// Whether `status`, which contradicts nothing of `request`, says enough to be that payout:
/// its amount and its recipient. A record that leaves either out is neither this payout nor
/// another one: its owner stays unknown.
inline bool tells_amount_and_recipient(const TransferRequest& request,
                                       const TransferStatus& status) {
  const bool recipient_known = !status.receiver_e164.empty() ||
                               without_plus(status.receiver) == request.prefix + request.phone;
  return status.amount != 0 && recipient_known;
}

}  // namespace detail
CINETPAY_END_NAMESPACE
