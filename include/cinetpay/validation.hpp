/// @file
/// Client-side checks, run on a whole batch before any byte goes on the wire.
/// Each throws ValidationError naming the field and the item's index (validate_base_url:
/// ConfigError). All are pure functions: thread-safe, they send nothing, and they take time
/// linear in their input.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "cinetpay/export.hpp"
#include "cinetpay/models.hpp"

CINETPAY_BEGIN_NAMESPACE

/// The longest client_transaction_id accepted (CinetPay stores it in a short column).
inline constexpr std::size_t kMaxClientTransactionIdLength = 64;

/// Every text field valid UTF-8 without control characters; amount positive and a
/// multiple of 5; prefix and phone digits only (a '+' is refused with a hint to drop it);
/// notify_url http(s); client_transaction_id at most 64 printable characters without
/// spaces, unique within the batch; the batch not empty.
/// No per-country rule is applied: CinetPay's country table is not official.
/// Throws ValidationError for the first item at fault, naming the field and its index.
CINETPAY_API void validate_transfers(const std::vector<TransferRequest>& items);

/// Every text field valid UTF-8 without control characters; prefix and phone digits only;
/// name and surname not empty; email with an '@'; the batch not empty. Throws
/// ValidationError for the first item at fault, naming the field and its index.
CINETPAY_API void validate_contacts(const std::vector<Contact>& items);

/// A base URL must be `https://host[:port][/path]`, or `http://` to a loopback host
/// (127.0.0.0/8, localhost) or, with `allow_insecure_http`, to any host. Empty, query,
/// fragment, user info, spaces, control characters and IPv6 hosts (the transport is IPv4
/// only) are refused. Throws ConfigError (not a ValidationError: it is about the client).
CINETPAY_API void validate_base_url(std::string_view base_url, bool allow_insecure_http = false);

CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/validation-inl.hpp"
#endif
