// Masking secrets by value: the API key, the password and the tokens a client holds,
// wherever they appear in a text (a server may echo them in free text). Internal.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cinetpay/export.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {

/// `text` with every occurrence of every non-empty secret replaced by `***`, longer
/// secrets first. One pass over the text per secret: linear in the text.
std::string mask_values(std::string_view text, std::vector<std::string> secrets);

/// The secrets one client knows. Thread-safe.
class SecretMasker {
 public:
  /// Tokens remembered: the current one and a few before it, which may still be echoed.
  static constexpr std::size_t kTokensKept = 4;

  SecretMasker(std::string api_key, std::string password);

  /// Remembers a token the client now holds.
  void add_token(std::string token);
  [[nodiscard]] std::string mask(std::string_view text) const;

 private:
  const std::string api_key_;
  const std::string password_;
  mutable std::mutex mu_;
  std::deque<std::string> tokens_;
};

}  // namespace detail
CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/secrets-inl.hpp"
#endif
