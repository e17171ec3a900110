// Masking secrets by value: the API key, the password and the tokens a client holds,
// wherever they appear in a text (a server may echo them in free text). Internal.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cinetpay/export.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {

/// `secrets` as mask_values wants them: longer first (so that a secret containing another
/// is masked whole), without empty ones or duplicates.
std::vector<std::string> longest_first(std::vector<std::string> secrets);

/// `text` with every occurrence of every secret replaced by `***`; and a secret cut short by
/// an excerpt (the start of it right before the `...` that ends an excerpt) masked too,
/// however little of it shows. `secrets` as longest_first gives them. One pass over the
/// text per secret: linear in the text.
std::string mask_values(std::string_view text, const std::vector<std::string>& secrets);

/// The forms a secret takes when a server or a proxy echoes it: as is; form-encoded (as
/// the login sent it, and with `+` and lower-case hex as other encoders write it);
/// JSON-escaped (non-ASCII raw or as u-escapes, `/` raw or escaped as PHP writes it); as an
/// excerpt shows it (bad bytes as U+FFFD, controls as spaces). No duplicates.
std::vector<std::string> echoed_forms(const std::string& secret);

/// The secrets one client knows. Thread-safe.
class SecretMasker {
 public:
  /// Tokens remembered: the current one and a few before it, which may still be echoed.
  static constexpr std::size_t kTokensKept = 4;

  SecretMasker(const std::string& api_key, const std::string& password);

  /// Remembers a token the client now holds.
  void add_token(const std::string& token);
  [[nodiscard]] std::string mask(std::string_view text) const;

 private:
  /// The echoed forms of the API key and the password.
  const std::vector<std::string> credentials_;
  mutable std::mutex mu_;
  /// The echoed forms of each token remembered, oldest first.
  std::deque<std::vector<std::string>> tokens_;
  /// Every form of every secret, longest_first: built when a token comes, not per text
  /// masked (every result and log line is), and shared with the masks under way.
  std::shared_ptr<const std::vector<std::string>> all_;
};

}  // namespace detail
CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/secrets-inl.hpp"
#endif
