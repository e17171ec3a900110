// libFuzzer target: whatever the server answers, reading it gives a value or a
// cinetpay::Error, never a crash, a hang or another exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cinetpay/transfer.hpp"
#include "protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  try {
    cinetpay::detail::Envelope env = cinetpay::detail::parse_envelope({200, {}, body});
    for (const auto* item : cinetpay::detail::data_items(env)) {
      cinetpay::detail::parse_sent_item(*item);
      cinetpay::detail::parse_transfer_status(*item);
      cinetpay::detail::parse_contact_item(*item);
    }
    if (env.code == 0) {
      try {
        cinetpay::detail::parse_balance(env);
        cinetpay::detail::parse_token(env);
      } catch (const cinetpay::ProtocolError&) {
      }
    }
  } catch (const cinetpay::Error&) {
  }
  try {
    cinetpay::parse_notification(body);
  } catch (const cinetpay::ValidationError&) {
  }
  cinetpay::redact_excerpt(body);
  cinetpay::redact_url(body);
  return 0;
}
