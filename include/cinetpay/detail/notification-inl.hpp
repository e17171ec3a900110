#pragma once

#include "cinetpay/notification.hpp"

#include <map>

#include "cinetpay/detail/http.hpp"
#include "cinetpay/errors.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)

CINETPAY_INLINE Notification parse_notification(std::string_view form_body) {
  Notification n;
  const std::map<std::string_view, std::string*> fields = {
      {"transaction_id", &n.transaction_id},
      {"client_transaction_id", &n.client_transaction_id},
      {"lot", &n.lot},
      {"amount", &n.amount},
      {"receiver", &n.receiver},
      {"sending_status", &n.sending_status},
      {"comment", &n.comment},
      {"treatment_status", &n.treatment_status},
      {"operator_transaction_id", &n.operator_transaction_id},
      {"validated_at", &n.validated_at},
      {"operator", &n.operator_code},
  };
  for (auto& [name, value] : detail::form_parse(form_body)) {
    auto it = fields.find(name);
    if (it != fields.end()) *it->second = std::move(value);
  }
  if (n.transaction_id.empty() && n.client_transaction_id.empty()) {
    throw ValidationError("transaction_id", std::nullopt,
                          "a notification must carry transaction_id or client_transaction_id");
  }
  return n;
}

// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
