// Form encoding and the redaction of URLs and answer bodies, for the request builder, the
// transport and error messages (http-inl.hpp). Internal: not part of the API.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cinetpay/export.hpp"

CINETPAY_BEGIN_NAMESPACE
// Declared, not included: <cinetpay/http.hpp> ends by including this file's definitions
// in header-only mode.
struct HttpRequest;

namespace detail {

/// `application/x-www-form-urlencoded` encoding of one value (RFC 3986 unreserved kept).
std::string form_encode(std::string_view value);

/// Decodes one form-urlencoded value (`+` is a space).
std::string form_decode(std::string_view value);

/// Encodes name=value pairs joined by `&`, in the given order.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

/// Parses `a=1&b=2` into pairs, decoding each part.
std::vector<std::pair<std::string, std::string>> form_parse(std::string_view body);

/// The URL with the value of every query or form field that is not known to be harmless
/// replaced by `***` (an allow-list: lang, transaction_id, client_transaction_id, lot).
std::string redact_url(std::string_view url);

/// A short, printable excerpt of an answer body with secrets masked, for error messages:
/// at most `max_chars` bytes (then `...`), valid UTF-8 (other bytes become U+FFFD), control
/// characters as spaces. Reads only the first `4 * max_chars + 256` bytes of `body`, so its
/// cost does not grow with the body.
std::string redact_excerpt(std::string_view body, std::size_t max_chars = 160);

/// `text` as an excerpt shows it: valid UTF-8 (other bytes become U+FFFD), control
/// characters as spaces. Linear in the text.
std::string printable(std::string_view text);

/// "POST" or "GET", for log lines and error messages.
const char* method_name(const HttpRequest& request);

}  // namespace detail
CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/http-inl.hpp"
#endif
