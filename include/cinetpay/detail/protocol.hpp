// The wire format of the Transfer API: the one place that builds requests and the one
// place that reads answers. Internal: not installed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cinetpay/detail/evidence.hpp"
#include "cinetpay/export.hpp"
#include "cinetpay/http.hpp"
#include "cinetpay/models.hpp"
#include "cinetpay/options.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {

inline constexpr const char* kLoginPath = "/v1/auth/login";
inline constexpr const char* kBalancePath = "/v1/transfer/check/balance";
inline constexpr const char* kContactPath = "/v1/transfer/contact";
inline constexpr const char* kSendPath = "/v1/transfer/money/send/contact";
inline constexpr const char* kCheckPath = "/v1/transfer/check/money";

/// Builds every request: token and lang in the query (POSTs included), bodies
/// form-urlencoded with `data` holding a JSON array. Thread-safe (immutable).
class RequestBuilder {
 public:
  RequestBuilder(std::string base_url, Lang lang);

  [[nodiscard]] HttpRequest login(const Credentials& credentials) const;
  [[nodiscard]] HttpRequest balance(const std::string& token) const;
  [[nodiscard]] HttpRequest add_contacts(const std::string& token,
                                         const std::vector<Contact>& items) const;
  /// Marked fresh_connection: a send must never be resent by the transport itself.
  [[nodiscard]] HttpRequest send_money(const std::string& token,
                                       const std::vector<TransferRequest>& items) const;
  [[nodiscard]] HttpRequest check_money(const std::string& token, const TransferQuery& query) const;

 private:
  [[nodiscard]] std::string url(const char* path, const std::string& token) const;
  std::string base_url_;
  std::string lang_;
};

/// Answers nested deeper than this (arrays and objects, the envelope itself counting as
/// one) are refused before they are parsed: CinetPay's deepest answer has 4 levels, and
/// copying or printing a parsed value recurses once per level.
inline constexpr std::size_t kMaxAnswerDepth = 64;

/// The API's envelope `{code, message, description?, data}`, read leniently.
struct Envelope {
  int code = 0;
  std::string message;
  std::string description;
  nlohmann::json data;
  int http_status = 0;
};

/// Reads the envelope whatever the HTTP status: `code` as a number or a string of decimal
/// digits, a missing description or data, raw control characters inside strings, bytes
/// that are not UTF-8 (read as U+FFFD). Throws ProtocolError (HTTP status and a short
/// redacted excerpt) for anything else: not JSON, nested deeper than kMaxAnswerDepth, a
/// code that is not a whole number within int.
Envelope parse_envelope(const HttpResponse& response);

/// The items of `data`: flat `[{…}]`, nested `[[{…}]]`, a lone object, or nothing.
/// They point into `envelope`, which must outlive them.
std::vector<const nlohmann::json*> data_items(const Envelope& envelope);

/// A string field, whether sent as a string or as a number (kept as written); empty when
/// absent or null.
std::string text_field(const nlohmann::json& object, const char* name);
/// An amount, whether sent as 500, 500.0, "500" or "500.00"; 0 when absent. Throws
/// ProtocolError for anything else: null, negative, a fraction, hex, spaces, a sign, beyond
/// int64 (or beyond 2^53 when written as a float).
std::int64_t amount_field(const nlohmann::json& object, const char* name);
/// A code, whether sent as 0 or "0"; `fallback` when absent. Throws ProtocolError when it
/// is anything but a whole number within int (null included): it never passes for 0.
int code_field(const nlohmann::json& object, const char* name, int fallback);

std::string parse_token(const Envelope& envelope);
Balance parse_balance(const Envelope& envelope);
ContactResult parse_contact_item(const nlohmann::json& item);
TransferStatus parse_transfer_status(const nlohmann::json& item);

/// One item of a send answer.
SentItem parse_sent_item(const nlohmann::json& item);

}  // namespace detail
CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/protocol-inl.hpp"
#endif
