// libFuzzer target: whatever the server answers, reading it gives a value or a
// cinetpay::Error, never a crash, a hang or another exception; and every text it yields
// (fields, error messages, excerpts) is valid UTF-8 that a caller can put in JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cinetpay/transfer.hpp"
#include "cinetpay/detail/http.hpp"
#include "cinetpay/detail/protocol.hpp"
#include "cinetpay/detail/utf8.hpp"

namespace {

void check_text(const std::string& text) {
  if (!cinetpay::detail::is_valid_utf8(text)) __builtin_trap();
}

void read_items(const cinetpay::detail::Envelope& env) {
  for (const auto* item : cinetpay::detail::data_items(env)) {
    cinetpay::detail::SentItem sent = cinetpay::detail::parse_sent_item(*item);
    check_text(sent.message);
    check_text(sent.client_transaction_id);
    cinetpay::TransferStatus status = cinetpay::detail::parse_transfer_status(*item);
    check_text(status.comment);
    if (status.amount < 0) __builtin_trap();
    check_text(cinetpay::detail::parse_contact_item(*item).message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  try {
    cinetpay::detail::Envelope env = cinetpay::detail::parse_envelope({200, {}, body});
    check_text(env.message);
    check_text(env.description);
    try {
      read_items(env);
    } catch (const cinetpay::ProtocolError& e) {
      check_text(e.what());
    }
    if (env.code == 0) {
      try {
        cinetpay::Balance b = cinetpay::detail::parse_balance(env);
        if (b.amount < 0 || b.in_using < 0 || b.available < 0) __builtin_trap();
        check_text(cinetpay::detail::parse_token(env));
      } catch (const cinetpay::ProtocolError& e) {
        check_text(e.what());
      }
    }
  } catch (const cinetpay::Error& e) {
    check_text(e.what());
  }
  try {
    (void)cinetpay::parse_notification(body);  // any input: a Notification or a ValidationError
  } catch (const cinetpay::ValidationError&) {
  }
  const std::string excerpt = cinetpay::detail::redact_excerpt(body);
  check_text(excerpt);
  if (excerpt.size() > 160 + 3) __builtin_trap();
  cinetpay::detail::redact_url(body);
  return 0;
}
