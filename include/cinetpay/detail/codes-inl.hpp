#pragma once

#include "cinetpay/detail/codes.hpp"

#include "cinetpay/errors.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail::codes {

CINETPAY_INLINE bool is_token_refusal(int code) { return code >= 705 && code <= 707; }

CINETPAY_INLINE bool is_authentication_failure(int code) {
  return (code >= 701 && code <= 703) || is_token_refusal(code);
}

CINETPAY_INLINE bool is_contact_success(int code) {
  return code == kSuccess || code == kContactAlreadyThere;
}

CINETPAY_INLINE bool send_refusal_is_definite(int code, int http_status) {
  if (http_status >= 500) return false;
  switch (code) {
    case 709:
    case 710:
    case 715:
    case kClientTransactionIdExists:
      return false;
    default:
      return find_api_code(code).has_value();
  }
}

CINETPAY_INLINE bool is_refusal_of_the_moment(int code) {
  switch (code) {
    case kSuccess:
    case -1:   // OPERATION_ERROR: a bad prefix, an amount under the threshold…
    case 704:  // INVALID_PARAM
    case 716:  // DATA_NOT_VALID
    case 717:  // ERROR_PHONE_NOT_PARTICULAR
    case 718:  // JSON_PARSE_ERROR
    case 719:  // AMOUNT_TOO_SMALL
    case 720:  // AMOUNT_TOO_LARGE
    case 721:  // OPERATOR_NOT_AVAILABLE (not supported)
    case 724:  // ERROR_PHONE_NOT_MY_CONTACT
    case 725:  // MISSING_NOTIFY_URL
    case 801:  // INVALID_AMOUNT
    case 802:  // INVALID_PHONE
      return false;
    default:
      return find_api_code(code).has_value();
  }
}

CINETPAY_INLINE std::string message_or_table_word(int code, std::string message) {
  if (message.empty() && code != kSuccess) {
    if (auto row = find_api_code(code)) message = std::string(row->message);
  }
  return message;
}

}  // namespace detail::codes
// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
