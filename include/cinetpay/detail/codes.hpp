// What CinetPay's codes mean for this library's calls: the one place the error mapper
// (throw_api_error), the retry decider and the contact results ask. What a code proves
// about a payout is evidence.hpp's to say. Internal: not installed. The code table itself
// (names, meanings, for people) is api_codes(): no decision reads it.
#pragma once

#include <string>

#include "cinetpay/export.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {
namespace codes {

inline constexpr int kSuccess = 0;
inline constexpr int kInsufficientBalance = 602;
inline constexpr int kNotFound = 723;
/// A contact item: "already a contact", which is a success for add_contacts.
inline constexpr int kContactAlreadyThere = 726;
/// A send: the client_transaction_id was used already (by this payout or another one).
inline constexpr int kClientTransactionIdExists = 805;

/// 705–707: the token was refused; nothing was processed, a fresh login may repeat it.
[[nodiscard]] bool is_token_refusal(int code);
/// 701–703 and the token refusals: the credentials or the account are at fault.
[[nodiscard]] bool is_authentication_failure(int code);
/// A contact item that is registered now, whether added (0) or already there (726).
[[nodiscard]] bool is_contact_success(int code);
/// The answer's `message`, or the code table's word for `code` when the answer gave none.
[[nodiscard]] std::string message_or_table_word(int code, std::string message);

}  // namespace codes

/// Throws the ApiError subclass that fits `code` (must be non-zero). This is the one
/// place where API codes become exception types (errors-inl.hpp).
[[noreturn]] void throw_api_error(int code, std::string api_message, std::string description,
                                  int http_status);
}  // namespace detail
CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/codes-inl.hpp"
#endif
