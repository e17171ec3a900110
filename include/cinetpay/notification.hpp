// What CinetPay posts to notify_url. Transfer notifications carry NO signature: never
// trust their body; hand them to TransferClient::verify_notification, which re-queries
// check/money, as CinetPay instructs.
#pragma once

#include <string>
#include <string_view>

namespace cinetpay {

/// The form fields of one notification POST. Every field is as sent: unverified.
/// A plain value, safe to read from many threads.
/// Older CinetPay pages send `operator` instead of the last three fields.
struct Notification {
  std::string transaction_id;
  std::string client_transaction_id;
  std::string lot;
  std::string amount;
  std::string receiver;
  std::string sending_status;
  std::string comment;
  std::string treatment_status;
  std::string operator_transaction_id;
  std::string validated_at;
  std::string operator_code;  ///< the form field `operator`, when sent
};

/// Parses a form-urlencoded notification body. Unknown fields are ignored; a body with
/// neither transaction_id nor client_transaction_id throws ValidationError.
[[nodiscard]] Notification parse_notification(std::string_view form_body);

}  // namespace cinetpay
