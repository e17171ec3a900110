// Everything the CLI prints on stdout: a table by default, one JSON document with --json.
// JSON output is always valid: bytes that are not UTF-8 (a Latin-1 error page, an excerpt
// cut inside a character) are replaced by U+FFFD.
#pragma once

#include <chrono>
#include <cinetpay/models.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace cinetpay::cli {

/// How one payout of a send ended, as the CLI shows it: the SDK's outcome, except that a
/// payout CinetPay already had (TransferResult::client_transaction_id_exist: it answered
/// 805, and check/money confirmed the same payout) is `already_sent`, not a fresh `accepted`.
enum class ShownOutcome { accepted, already_sent, rejected, not_sent, unknown };

ShownOutcome shown_outcome(const TransferResult& result);

/// "accepted", "already_sent", "rejected", "not_sent" or "unknown" (JSON's words).
std::string_view to_string(ShownOutcome outcome) noexcept;

/// `text` safe to print on a terminal: C0 controls, DEL and bytes that are not UTF-8 as \xHH,
/// C1 controls and the characters that reorder or break lines (bidi overrides, U+2028…) as
/// \uHHHH, and `\` as `\\`, so that no text from a server can move the cursor, repaint a
/// line or pass for an escape.
std::string printable(std::string_view text);

/// `t` as "2026-12-06T09:40:00Z" (UTC); empty for the epoch, a time never set.
std::string timestamp(std::chrono::system_clock::time_point t);

/// Prints to stdout in the chosen form. Not thread-safe (it writes to std::cout).
class Output {
 public:
  explicit Output(bool as_json) : json_(as_json) {}

  [[nodiscard]] bool as_json() const noexcept { return json_; }

  /// One JSON document, invalid UTF-8 replaced.
  static void document(const nlohmann::json& doc);

  /// Columns as wide as their widest cell, under a header row; every cell printable().
  static void table(const std::vector<std::string>& header,
                    const std::vector<std::vector<std::string>>& rows);

  /// The results of a send, in the chosen form.
  void results(const std::vector<TransferResult>& results) const;
  /// Statuses from check/money: an array in JSON (or one object when `single`).
  void statuses(const std::vector<TransferStatus>& statuses, bool single = false) const;
  void contact_results(const std::vector<ContactResult>& results) const;
  void balance(const Balance& balance) const;

 private:
  bool json_;
};

}  // namespace cinetpay::cli
