#pragma once

#include "cinetpay/errors.hpp"

#include <algorithm>
#include <utility>

#include "cinetpay/detail/codes.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

CINETPAY_INLINE std::string validation_text(const std::string& field,
                                            std::optional<std::size_t> index,
                                            const std::string& problem) {
  std::string where = index ? "item " + std::to_string(*index) + ": " : std::string();
  return "invalid request: " + where + field + ": " + problem + " (nothing was sent)";
}

CINETPAY_INLINE std::string api_text(int code, const std::string& message,
                                     const std::string& description, int http_status) {
  std::string text = "CinetPay API error " + std::to_string(code);
  if (!message.empty()) text += " " + message;
  if (!description.empty()) text += ": " + description;
  if (http_status != 0) text += " (HTTP " + std::to_string(http_status) + ")";
  return text;
}

}  // namespace detail

CINETPAY_INLINE ValidationError::ValidationError(std::string field,
                                                 std::optional<std::size_t> index,
                                                 const std::string& problem)
    : Error(detail::validation_text(field, index, problem)),
      field_(std::move(field)),
      index_(index),
      problem_(problem) {}

CINETPAY_INLINE ApiError::ApiError(int code, std::string api_message, std::string description,
                                   int http_status)
    : Error(detail::api_text(code, api_message, description, http_status)),
      code_(code),
      api_message_(std::move(api_message)),
      description_(std::move(description)),
      http_status_(http_status) {}

CINETPAY_INLINE TransportError::TransportError(const std::string& what,
                                               bool may_have_reached_server, bool timed_out)
    : Error(what), may_have_reached_server_(may_have_reached_server), timed_out_(timed_out) {}

CINETPAY_INLINE ProtocolError::ProtocolError(const std::string& what, int http_status)
    : Error(what), http_status_(http_status) {}

CINETPAY_INLINE NotificationMismatchError::NotificationMismatchError(std::string field,
                                                                     const std::string& what)
    : Error(what), field_(std::move(field)) {}

CINETPAY_INLINE const std::vector<ApiCodeInfo>& api_codes() {
  static const std::vector<ApiCodeInfo> kTable = {
      {0, "OPERATION_SUCCES", "success"},
      {-1, "OPERATION_ERROR",
       "request error: unknown prefix, '+' before the prefix, amount under the country "
       "threshold, or number not matching the operator"},
      {701, "INVALID_CREDENTIALS", "wrong apikey or password"},
      {702, "COULD_NOT_CREATE_TOKEN", "token not created"},
      {703, "INVALID_USER", "merchant account invalid"},
      {704, "INVALID_PARAM", "parameters not correct"},
      {705, "EXPIRED_TOKEN", "token expired: log in again"},
      {706, "INVALID_TOKEN", "token invalid: log in again"},
      {707, "CANT_REFRESH_TOKEN", "log in again"},
      {708, "NOT_ALLOWED", "wrong URL or method"},
      {709, "EXECUTION_ERROR", "execution error; also a caller IP that is not allowed"},
      {710, "EXECUTION_ERROR", "execution error"},
      {715, "UNEXPECTED_ERROR", "unknown error"},
      {716, "DATA_NOT_VALID", "a submitted value is incorrect"},
      {717, "ERROR_PHONE_NOT_PARTICULAR", "not an individual's account"},
      {718, "JSON_PARSE_ERROR", "data is not valid JSON"},
      {719, "AMOUNT_TOO_SMALL", "below the country's threshold"},
      {720, "AMOUNT_TOO_LARGE", "above the country's threshold"},
      {721, "OPERATOR_NOT_AVAILABLE", "operator not supported"},
      {602, "INSUFFICIENT_BALANCE", "transfer balance too low"},
      {723, "NOT_FOUND", "nothing found"},
      {724, "ERROR_PHONE_NOT_MY_CONTACT", "add the contact first"},
      {725, "MISSING_NOTIFY_URL", "a valid notify_url is required"},
      {726, "ERROR_PHONE_ALREADY_MY_CONTACT", "the contact exists already"},
      {801, "INVALID_AMOUNT", "amount invalid (not a multiple of 5)"},
      {802, "INVALID_PHONE", "phone invalid"},
      {804, "OPERATOR_UNAVAILABLE", "operator temporarily unavailable"},
      {805, "CLIENT_TRANSACTION_ID_EXIST", "this client_transaction_id was already used"},
  };
  return kTable;
}

CINETPAY_INLINE bool is_authentication_code(int code) noexcept {
  return detail::codes::is_authentication_failure(code);
}

CINETPAY_INLINE std::optional<ApiCodeInfo> find_api_code(int code) {
  const auto& table = api_codes();
  auto it = std::find_if(table.begin(), table.end(),
                         [code](const ApiCodeInfo& row) { return row.code == code; });
  if (it == table.end()) return std::nullopt;
  return *it;
}

namespace detail {

CINETPAY_INLINE void throw_api_error(int code, std::string api_message, std::string description,
                                     int http_status) {
  api_message = codes::message_or_table_word(code, std::move(api_message));
  if (codes::is_authentication_failure(code)) {
    throw AuthenticationError(code, std::move(api_message), std::move(description), http_status);
  }
  if (code == codes::kInsufficientBalance) {
    throw InsufficientBalanceError(code, std::move(api_message), std::move(description),
                                   http_status);
  }
  if (code == codes::kNotFound) {
    throw NotFoundError(code, std::move(api_message), std::move(description), http_status);
  }
  throw ApiError(code, std::move(api_message), std::move(description), http_status);
}

}  // namespace detail

// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
