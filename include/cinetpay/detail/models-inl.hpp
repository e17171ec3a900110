#include <array>
#include <utility>

#include "cinetpay/models.hpp"
#include "cinetpay/options.hpp"
#include "codes.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace {

constexpr std::array<std::pair<TreatmentStatus::Code, const char*>, 5> kStatusWords = {{
    {TreatmentStatus::Code::NEW, "NEW"},
    {TreatmentStatus::Code::REC, "REC"},
    {TreatmentStatus::Code::NOS, "NOS"},
    {TreatmentStatus::Code::VAL, "VAL"},
    {TreatmentStatus::Code::REJ, "REJ"},
}};

}  // namespace

bool ContactResult::ok() const noexcept { return detail::codes::is_contact_success(code); }

bool ContactResult::already_exists() const noexcept {
  return code == detail::codes::kContactAlreadyThere;
}

TreatmentStatus::TreatmentStatus(std::string raw) : raw_(std::move(raw)) {
  for (const auto& [code, word] : kStatusWords) {
    if (raw_ == word) code_ = code;
  }
}

TreatmentStatus::TreatmentStatus(Code code) : code_(code) {
  for (const auto& [known, word] : kStatusWords) {
    if (known == code) raw_ = word;
  }
}

const std::string& to_string(const TreatmentStatus& status) noexcept { return status.raw(); }

std::string_view to_string(TransferOutcome outcome) noexcept {
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

std::string_view to_string(ReconcileResult::State state) noexcept {
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

std::string_view TransferQuery::key_name() const noexcept {
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

std::string_view to_string(Lang lang) noexcept { return lang == Lang::fr ? "fr" : "en"; }

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warning:
      return "warning";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

CINETPAY_END_NAMESPACE
