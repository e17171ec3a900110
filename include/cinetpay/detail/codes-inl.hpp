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

CINETPAY_INLINE std::string message_or_table_word(int code, std::string message) {
  if (message.empty() && code != kSuccess) {
    if (auto row = find_api_code(code)) message = std::string(row->message);
  }
  return message;
}

}  // namespace detail::codes
// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
