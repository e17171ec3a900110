/// @file
/// What CinetPay posts to notify_url. Transfer notifications carry NO signature: never
/// trust their body; hand them to TransferClient::verify_notification, which re-queries
/// check/money, as CinetPay instructs.
#pragma once

#include <string>
#include <string_view>

#include "cinetpay/export.hpp"

CINETPAY_BEGIN_NAMESPACE

/// The form fields of one notification POST. Every field is as sent: unverified.
/// A plain value, safe to read from many threads.
/// Older CinetPay pages send `operator` instead of the last three fields.
struct Notification {
  std::string transaction_id;           ///< CinetPay's id of the transfer
  std::string client_transaction_id;    ///< the merchant's id of the transfer
  std::string lot;                      ///< the batch the transfer was sent in
  std::string amount;                   ///< as sent, a decimal string
  std::string receiver;                 ///< the phone number paid
  std::string sending_status;           ///< "CONFIRM" or "PENDING"
  std::string comment;                  ///< free text from CinetPay
  std::string treatment_status;         ///< NEW, REC, NOS, VAL or REJ, as claimed
  std::string operator_transaction_id;  ///< the operator's own id, once paid
  std::string validated_at;             ///< when the transfer became final, as sent
  std::string operator_code;            ///< the form field `operator`, when sent
};

/// Parses a form-urlencoded notification body. Unknown fields are ignored; a body with
/// neither transaction_id nor client_transaction_id throws ValidationError. Sends nothing,
/// verifies nothing (see TransferClient::verify_notification). Thread-safe; linear in the
/// body.
[[nodiscard]] CINETPAY_API Notification parse_notification(std::string_view form_body);

CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/notification-inl.hpp"
#endif
