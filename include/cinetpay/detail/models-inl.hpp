#pragma once

#include <array>
#include <utility>

#include "cinetpay/detail/codes.hpp"
#include "cinetpay/models.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

inline constexpr std::array<std::pair<TreatmentStatus::Code, const char*>, 5> kStatusWords = {{
    {TreatmentStatus::Code::NEW, "NEW"},
    {TreatmentStatus::Code::REC, "REC"},
    {TreatmentStatus::Code::NOS, "NOS"},
    {TreatmentStatus::Code::VAL, "VAL"},
    {TreatmentStatus::Code::REJ, "REJ"},
}};

}  // namespace detail

CINETPAY_INLINE bool ContactResult::ok() const noexcept {
  return detail::codes::is_contact_success(code);
}

CINETPAY_INLINE bool ContactResult::already_exists() const noexcept {
  return code == detail::codes::kContactAlreadyThere;
}

CINETPAY_INLINE TreatmentStatus::TreatmentStatus(std::string raw) : raw_(std::move(raw)) {
  for (const auto& [code, word] : detail::kStatusWords) {
    if (raw_ == word) code_ = code;
  }
}

CINETPAY_INLINE TreatmentStatus::TreatmentStatus(Code code) : code_(code) {
  for (const auto& [known, word] : detail::kStatusWords) {
    if (known == code) raw_ = word;
  }
}

CINETPAY_INLINE const std::string& to_string(const TreatmentStatus& status) noexcept {
  return status.raw();
}

CINETPAY_INLINE std::string_view to_string(TransferOutcome outcome) noexcept {
  switch (outcome) {
    case TransferOutcome::accepted:
      return "accepted";
    case TransferOutcome::rejected:
      return "rejected";
    case TransferOutcome::not_sent:
      return "not_sent";
    case TransferOutcome::unknown:
      return "unknown";
  }
  return "unknown";
}

CINETPAY_INLINE std::string_view to_string(ReconcileResult::State state) noexcept {
  switch (state) {
    case ReconcileResult::State::found:
      return "found";
    case ReconcileResult::State::not_found:
      return "not_found";
    case ReconcileResult::State::unknown:
      return "unknown";
  }
  return "unknown";
}

CINETPAY_INLINE std::string_view TransferQuery::key_name() const noexcept {
  switch (key_) {
    case Key::transaction_id:
      return "transaction_id";
    case Key::client_transaction_id:
      return "client_transaction_id";
    case Key::lot:
      return "lot";
  }
  return "transaction_id";
}

// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
