// Payout and contact files: a CSV with a header (RFC 4180) or a JSON array of objects.
//
// A file is read and checked whole before anything is sent: every error names the file
// and where in it (CSV: the physical line, 1-based, and the column; JSON: the item, 1-based,
// and the field). Plain functions over plain values: safe to call from several threads.
#pragma once

#include <cinetpay/errors.hpp>
#include <cinetpay/models.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cinetpay::cli {

/// A place in a file. Zero (or empty) means "not about that".
struct FilePlace {
  std::size_t line = 0;    ///< CSV, and JSON syntax errors: physical line, 1-based
  std::size_t column = 0;  ///< CSV: the column's position in the header, 1-based
  std::size_t item = 0;    ///< JSON: the item's position in the array, 1-based
  std::string field;       ///< the column's (or key's) name
};

/// A file that cannot be used as it is; nothing was sent. Immutable: safe to share.
/// what() reads `FILE:LINE: column N (NAME): PROBLEM` or `FILE: item K: NAME: PROBLEM`.
class FileError : public std::runtime_error {
 public:
  FileError(std::string path, FilePlace place, std::string problem);
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const FilePlace& place() const noexcept { return place_; }
  /// What is wrong there, without the place.
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

 private:
  std::string path_;
  FilePlace place_;
  std::string problem_;
};

/// Payouts read from a file, each with the place it came from (for later messages).
struct PayoutFile {
  std::vector<TransferRequest> items;
  std::vector<FilePlace> places;  ///< the row (or item) of items[i]
};

/// The SDK's words about the field of `e`, without its own "item N: field:" frame.
std::string problem_of(const ValidationError& e);

/// Reads and checks a payout file: columns prefix, phone, amount, notify_url,
/// client_transaction_id and optionally payment_method. Every row needs its own
/// client_transaction_id (so that running the file again can never pay twice); amounts are
/// digits only; the SDK's validate_transfers runs too. Throws FileError.
PayoutFile read_payout_file(const std::string& path);

/// Reads a payout file as read_payout_file does, and hands it to `each` in chunks of up to
/// `chunk` payouts, in file order, each chunk checked before it is handed over (ids are
/// unique across the whole file). The file is read as a stream, CSV or JSON: memory holds
/// one chunk and the ids seen so far. Throws FileError at the first problem, after the
/// chunks before it were handed over.
void for_each_payout_chunk(const std::string& path, std::size_t chunk,
                           const std::function<void(const PayoutFile&)>& each);

/// Reads and checks a contact file: columns prefix, phone, name, surname, email; the SDK's
/// validate_contacts runs too. Throws FileError.
std::vector<Contact> read_contact_file(const std::string& path);

/// A whole number written with digits only (no sign, no spaces) that fits in an int64_t.
std::optional<std::int64_t> parse_whole_number(std::string_view text);

/// One CSV record: its fields, and the physical line each field starts on.
struct CsvRecord {
  std::vector<std::string> fields;
  std::vector<std::size_t> lines;
};

/// Splits CSV text (RFC 4180: quoted fields with commas, "" and line breaks; CRLF or LF; a
/// UTF-8 BOM dropped; empty lines skipped) into records. The first record is the header,
/// whose names are used in messages. Throws FileError for an unclosed quote, text after a
/// closing quote, a quote inside an unquoted field, or a record whose field count differs
/// from the header's.
std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& path);

}  // namespace cinetpay::cli
