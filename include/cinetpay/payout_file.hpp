// Payout and contact files, as merchants keep them: a CSV with a header (RFC 4180) or a JSON
// array of objects. Read from any std::istream, checked by the SDK's own validation, with
// every error naming its place in the file (CSV: the physical line and the column; JSON: the
// item and the field), so that a file is fixed before anything is sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cinetpay/errors.hpp"
#include "cinetpay/export.hpp"
#include "cinetpay/models.hpp"

CINETPAY_BEGIN_NAMESPACE

/// How a file is written. `detect` reads it as JSON when its first character that is not a
/// BOM or blank is `[` or `{`, as CSV otherwise.
enum class FileFormat {
  detect,  ///< JSON or CSV, by the first character
  csv,     ///< a CSV with a header, whatever it starts with
  json,    ///< a JSON array of objects
};

/// A place in a file. Zero (or empty) means "not about that". A plain value: safe to read
/// from many threads.
struct FilePlace {
  std::size_t line = 0;    ///< CSV, and JSON syntax errors: the physical line, 1-based
  std::size_t column = 0;  ///< CSV: the column's position in the header, 1-based
  std::size_t item = 0;    ///< JSON: the item's position in the array, 1-based
  std::string field;       ///< the column's (or key's) name
};

/// A file that cannot be used as it is. Immutable, like every Error: safe to share.
/// what() reads `SOURCE:LINE: column N (NAME): PROBLEM` (CSV) or
/// `SOURCE: item K: NAME: PROBLEM` (JSON); it never holds more of the file than a field's
/// name and, for an amount or a repeated id, the value at fault.
class CINETPAY_API FileError : public Error {
 public:
  /// `source` names the file in messages (its path, typically).
  FileError(std::string source, FilePlace place, std::string problem);
  /// The name the file was read under.
  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  /// Where in the file.
  [[nodiscard]] const FilePlace& place() const noexcept { return place_; }
  /// What is wrong there, without the place.
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

 private:
  std::string source_;
  FilePlace place_;
  std::string problem_;
};

/// How a payout file is read. A plain value: safe to read from many threads.
struct PayoutFileOptions {
  /// CSV, JSON, or told by its first character.
  FileFormat format = FileFormat::detect;
  /// Optional columns (CSV) or keys (JSON) beyond the payout's own, read as text into
  /// PayoutFile::extra: e.g. name, surname and email, to register each payee as a contact,
  /// or a merchant's reference. Any other column is refused, so that a misspelt one is not
  /// silently dropped.
  std::vector<std::string> extra_columns;
};

/// Payouts read from a file: items[i] came from places[i] (its CSV line or JSON item), with
/// the extra columns of that row in extra[i] (only those present; empty when none were
/// asked for). A plain value: safe to read from many threads.
struct PayoutFile {
  std::vector<TransferRequest> items;                     ///< the payouts, in file order
  std::vector<FilePlace> places;                          ///< the row (or item) of items[i]
  std::vector<std::map<std::string, std::string>> extra;  ///< extra columns of items[i]
};

/// Reads and checks a whole payout file: columns prefix, phone, amount, notify_url,
/// client_transaction_id and optionally payment_method, in any order. Every row needs its own
/// client_transaction_id, so that running the file again can never pay twice; amounts are
/// digits only in CSV and JSON integers; validate_transfers runs too. `source` names the
/// file in errors. Throws FileError (nothing is returned of a bad file). Thread-safe on
/// distinct streams; linear in the file, whose payouts it holds whole (see
/// for_each_payout_chunk for bounded memory).
[[nodiscard]] CINETPAY_API PayoutFile read_payout_file(std::istream& in, const std::string& source,
                                                       const PayoutFileOptions& options = {});

/// Reads a payout file as read_payout_file does, as a stream, and hands it to `each` in
/// chunks of up to `chunk` payouts (0 counts as 1), in file order, each chunk checked before
/// it is handed over; ids are unique across the whole file. Memory holds one chunk and the
/// ids seen so far, never the file. Throws FileError at the first problem, after the chunks
/// before it were handed over; what `each` throws goes through unchanged. Thread-safe on
/// distinct streams.
CINETPAY_API void for_each_payout_chunk(std::istream& in, const std::string& source,
                                        std::size_t chunk,
                                        const std::function<void(const PayoutFile&)>& each,
                                        const PayoutFileOptions& options = {});

/// Reads and checks a contact file: columns prefix, phone, name, surname, email;
/// validate_contacts runs too. Throws FileError. Thread-safe on distinct streams; linear in
/// the file, which it holds whole.
[[nodiscard]] CINETPAY_API std::vector<Contact> read_contact_file(
    std::istream& in, const std::string& source, FileFormat format = FileFormat::detect);

/// A whole number written with digits only (no sign, no blank, no exponent) that fits in an
/// int64_t: how a payout file's CSV writes an amount. Nullopt otherwise. Thread-safe; throws
/// nothing.
[[nodiscard]] CINETPAY_API std::optional<std::int64_t> parse_whole_number(
    std::string_view text) noexcept;

CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/payout_file-inl.hpp"
#endif
