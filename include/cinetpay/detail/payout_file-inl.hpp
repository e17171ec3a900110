#pragma once

#include "cinetpay/payout_file.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <streambuf>
#include <unordered_map>
#include <utility>

#include "cinetpay/errors.hpp"
#include "cinetpay/validation.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)

namespace detail::files {

using FileJson = nlohmann::json;

inline constexpr std::string_view kBom = "\xEF\xBB\xBF";

CINETPAY_INLINE std::string place_text(const std::string& source, const FilePlace& place) {
  std::string text = source;
  if (place.line != 0) text += ":" + std::to_string(place.line);
  text += ":";
  if (place.item != 0) text += " item " + std::to_string(place.item) + ":";
  if (place.column != 0) {
    text += " column " + std::to_string(place.column) + " (" + place.field + "):";
  } else if (!place.field.empty()) {
    text += " " + place.field + ":";
  }
  return text;
}

// One column a file may have. An amount is a whole number: digits in CSV, an integer in JSON.
struct Column {
  std::string name;
  bool amount;
  bool required;
  // An extra column: in JSON, an object is taken too, as its JSON text (a payout's metadata).
  bool extra = false;
};

// The payout's own columns first, in this order (PayoutRows reads them by position), then
// the extra ones asked for.
CINETPAY_INLINE std::vector<Column> payout_columns(const std::vector<std::string>& extra) {
  std::vector<Column> columns = {{"prefix", false, true},
                                 {"phone", false, true},
                                 {"amount", true, true},
                                 {"notify_url", false, true},
                                 {"client_transaction_id", false, true},
                                 {"payment_method", false, false}};
  for (const std::string& name : extra) {
    const bool known = std::any_of(columns.begin(), columns.end(),
                                   [&](const Column& c) { return c.name == name; });
    if (!known) columns.push_back({name, false, false, true});
  }
  return columns;
}
inline constexpr std::size_t kPayoutOwnColumns = 6;

CINETPAY_INLINE std::vector<Column> contact_columns() {
  return {{"prefix", false, true},
          {"phone", false, true},
          {"name", false, true},
          {"surname", false, true},
          {"email", false, true}};
}

CINETPAY_INLINE std::string column_list(const std::vector<Column>& columns) {
  std::string text;
  for (const Column& c : columns) text += (text.empty() ? "" : ", ") + c.name;
  return text;
}

// One CSV record: its fields, and the physical line each field starts on.
struct CsvRecord {
  std::vector<std::string> fields;
  std::vector<std::size_t> lines;
};

// One row of a file, its values in the order of the columns asked for.
struct Row {
  FilePlace place;  // the row itself: line (CSV) or item (JSON)
  std::vector<std::string> values;
  std::vector<FilePlace> places;  // where each value is
  std::vector<bool> present;      // whether the file has the value at all
};

// RFC 4180 records of `text` (quoted fields with commas, "" and line breaks; CRLF or LF; a
// BOM dropped; empty lines skipped). The first record is the header, whose names are used
// in messages. Throws FileError for an unclosed quote, text after a closing quote, a quote
// inside an unquoted field, a lone CR, or a record whose field count differs from the
// header's.
CINETPAY_INLINE std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& source) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  std::vector<CsvRecord> records;
  auto place = [&records](std::size_t line, std::size_t column) {
    FilePlace p{line, column, 0, ""};
    if (!records.empty() && column <= records[0].fields.size())
      p.field = records[0].fields[column - 1];
    return p;
  };
  std::size_t line = 1;
  std::size_t i = 0;
  auto at_line_end = [&] {
    return text[i] == '\n' || (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n');
  };
  auto skip_line_end = [&] {
    i += text[i] == '\r' ? 2 : 1;
    ++line;
  };
  while (i < text.size()) {
    if (at_line_end()) {  // an empty line is no record
      skip_line_end();
      continue;
    }
    CsvRecord record;
    while (true) {
      const std::size_t column = record.fields.size() + 1;
      const std::size_t start = line;
      std::string field;
      if (i < text.size() && text[i] == '"') {
        for (++i;; ++i) {
          if (i >= text.size()) throw FileError(source, place(start, column), "unclosed quote");
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field += '"';
              ++i;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field += text[i];
        }
        if (i < text.size() && text[i] != ',' && !at_line_end())
          throw FileError(source, place(line, column), "text after the closing quote");
      } else {
        for (; i < text.size() && text[i] != ',' && !at_line_end(); ++i) {
          if (text[i] == '"') {
            throw FileError(source, place(line, column),
                            "a quote inside a field that does not start with one");
          }
          if (text[i] == '\r')
            throw FileError(source, place(line, column), "a carriage return without a line feed");
          field += text[i];
        }
      }
      record.fields.push_back(std::move(field));
      record.lines.push_back(start);
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size()) skip_line_end();
      break;
    }
    if (!records.empty() && record.fields.size() != records[0].fields.size()) {
      throw FileError(source, {record.lines[0], 0, 0, ""},
                      std::to_string(record.fields.size()) + " fields, the header has " +
                          std::to_string(records[0].fields.size()));
    }
    records.push_back(std::move(record));
  }
  return records;
}

// Where each column asked for is in a CSV header; npos for an optional one left out.
CINETPAY_INLINE std::vector<std::size_t> csv_columns(const CsvRecord& header,
                                                     const std::string& source,
                                                     const std::vector<Column>& columns) {
  const FilePlace header_line{header.lines[0], 0, 0, ""};
  std::vector<std::size_t> at(columns.size(), std::string::npos);
  for (std::size_t h = 0; h < header.fields.size(); ++h) {
    FilePlace place{header.lines[h], h + 1, 0, header.fields[h]};
    std::size_t k = 0;
    while (k < columns.size() && header.fields[h] != columns[k].name) ++k;
    if (k == columns.size()) {
      throw FileError(source, place, "unknown column; the columns are " + column_list(columns));
    }
    if (at[k] != std::string::npos) throw FileError(source, place, "the column appears twice");
    at[k] = h;
  }
  for (std::size_t k = 0; k < columns.size(); ++k) {
    if (columns[k].required && at[k] == std::string::npos)
      throw FileError(source, header_line, "no " + columns[k].name + " column");
  }
  return at;
}

// The rows of records[first…], whose columns are at `at`.
CINETPAY_INLINE std::vector<Row> csv_rows(const std::vector<CsvRecord>& records, std::size_t first,
                                          const std::vector<std::size_t>& at,
                                          const std::vector<Column>& columns) {
  std::vector<Row> rows;
  rows.reserve(records.size() - std::min(first, records.size()));
  for (std::size_t r = first; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    Row row{{record.lines[0], 0, 0, ""}, {}, {}, {}};
    for (std::size_t k = 0; k < columns.size(); ++k) {
      const bool present = at[k] != std::string::npos;
      row.values.push_back(present ? record.fields[at[k]] : std::string());
      row.places.push_back(present ? FilePlace{record.lines[at[k]], at[k] + 1, 0, columns[k].name}
                                   : FilePlace{record.lines[0], 0, 0, columns[k].name});
      row.present.push_back(present);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// A stream that gives back the bytes already taken from `rest` to tell the file's format,
// then the rest; it knows the line of each byte of the block it serves, for the line of a
// JSON syntax error without reading the stream twice.
class HeadThenRest : public std::streambuf {
 public:
  HeadThenRest(std::string head, std::streambuf* rest) : head_(std::move(head)), rest_(rest) {
    setg(head_.data(), head_.data(), head_.data() + head_.size());
  }

  // The 1-based line of the byte at `offset` from the start, when it is in the block being
  // served (a parser fails on the byte it has just taken, which is).
  [[nodiscard]] std::size_t line_of(std::size_t offset) const {
    std::size_t line = lines_before_ + 1;
    if (offset < start_) return line;
    const std::size_t in_block =
        std::min<std::size_t>(offset - start_, static_cast<std::size_t>(egptr() - eback()));
    return line + static_cast<std::size_t>(std::count(eback(), eback() + in_block, '\n'));
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    lines_before_ += static_cast<std::size_t>(std::count(eback(), egptr(), '\n'));
    start_ += static_cast<std::size_t>(egptr() - eback());
    const std::streamsize n = rest_->sgetn(block_, sizeof block_);
    if (n <= 0) {
      setg(block_, block_, block_);
      return traits_type::eof();
    }
    setg(block_, block_, block_ + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string head_;
  std::streambuf* rest_;
  char block_[8192] = {};
  std::size_t start_ = 0;         // offset of eback() from the start of the stream
  std::size_t lines_before_ = 0;  // line feeds before eback()
};

// Takes the BOM and blanks that start `in` and tells its format by the next character; the
// bytes taken are returned in `head`, to be read again.
CINETPAY_INLINE FileFormat sniff(std::istream& in, FileFormat asked, std::string& head) {
  char c = 0;
  while (in.get(c)) {
    head += c;
    if (head.size() <= kBom.size() && kBom.compare(0, head.size(), head) == 0) continue;
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
  }
  in.clear(in.rdstate() & ~(std::ios::eofbit | std::ios::failbit));
  if (asked != FileFormat::detect) return asked;
  return !head.empty() && (head.back() == '[' || head.back() == '{') ? FileFormat::json
                                                                     : FileFormat::csv;
}

// A CSV stream read a few records at a time: whole records (a quoted field may span lines),
// each parsed by parse_csv under the file's header, with the file's own line numbers.
class CsvStream {
 public:
  CsvStream(std::istream& in, std::string source) : in_(in), source_(std::move(source)) {
    do {
      header_text_ += next_record();  // empty lines before the header are no record
      if (header_text_.compare(0, kBom.size(), kBom) == 0) header_text_.erase(0, kBom.size());
    } while (in_ && header_text_.find_first_not_of("\r\n") == std::string::npos);
    header_lines_ = line_;
    std::vector<CsvRecord> header = parse_csv(header_text_, source_);
    if (header.empty()) throw FileError(source_, {}, "is empty");
    header_ = header[0];
  }

  [[nodiscard]] const CsvRecord& header() const { return header_; }

  // Up to `limit` records after the ones already read; none at the end of the file.
  std::vector<CsvRecord> next(std::size_t limit) {
    std::string text;
    const std::size_t first_line = line_ + 1;
    std::size_t records = 0;
    while (records < limit && in_) {
      std::string record = next_record();
      if (record.find_first_not_of("\r\n") != std::string::npos) ++records;
      text += record;
    }
    if (records == 0) return {};
    std::vector<CsvRecord> parsed;
    // The file's line of a line of header_text_ + text.
    const auto file_line = [&](std::size_t line) {
      return line <= header_lines_ ? line : line - header_lines_ - 1 + first_line;
    };
    try {
      parsed = parse_csv(header_text_ + text, source_);
    } catch (const FileError& e) {
      FilePlace place = e.place();
      if (place.line != 0) place.line = file_line(place.line);
      throw FileError(source_, place, e.problem());
    }
    for (CsvRecord& r : parsed) {
      for (std::size_t& line : r.lines) line = file_line(line);
    }
    parsed.erase(parsed.begin());  // the header
    return parsed;
  }

 private:
  // The next physical lines up to the end of one record: every quote opened is closed.
  std::string next_record() {
    std::string record;
    std::string line;
    std::size_t quotes = 0;
    do {
      if (!std::getline(in_, line)) break;
      ++line_;
      quotes += static_cast<std::size_t>(std::count(line.begin(), line.end(), '"'));
      record += line;
      if (!in_.eof()) record += '\n';
    } while (quotes % 2 != 0);
    return record;
  }

  std::istream& in_;
  std::string source_;
  std::string header_text_;
  std::size_t header_lines_ = 0;
  CsvRecord header_;
  std::size_t line_ = 0;
};

// The row of item `i` (0-based) of a JSON array.
CINETPAY_INLINE Row json_row(const FileJson& item, std::size_t i, const std::string& source,
                             const std::vector<Column>& columns) {
  const FilePlace item_place{0, 0, i + 1, ""};
  if (!item.is_object()) throw FileError(source, item_place, "must be an object");
  for (const auto& [key, value] : item.items()) {
    const bool known = std::any_of(columns.begin(), columns.end(),
                                   [&, &k = key](const Column& c) { return k == c.name; });
    if (!known) {
      throw FileError(source, {0, 0, i + 1, key},
                      "unknown field; the fields are " + column_list(columns));
    }
  }
  Row row{item_place, {}, {}, {}};
  for (const Column& c : columns) {
    FilePlace place{0, 0, i + 1, c.name};
    auto it = item.find(c.name);
    std::string value;
    if (it == item.end()) {
      if (c.required) throw FileError(source, place, "missing");
    } else if (c.amount) {
      if (!it->is_number_unsigned() ||
          it->get<std::uint64_t>() >
              static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        throw FileError(source, place, "must be a whole number, got " + it->dump());
      }
      value = std::to_string(it->get<std::uint64_t>());
    } else if (it->is_string()) {
      value = it->get<std::string>();
    } else if (c.extra && it->is_object()) {
      value = it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      throw FileError(source, place, "must be a string, got " + it->dump());
    }
    row.values.push_back(std::move(value));
    row.places.push_back(std::move(place));
    row.present.push_back(it != item.end());
  }
  return row;
}

// The FileError of a JSON syntax error, on `line`.
CINETPAY_INLINE FileError json_syntax_error(const FileJson::parse_error& e, std::size_t line,
                                            const std::string& source) {
  std::string why = e.what();
  if (auto close = why.find("] "); close != std::string::npos) why.erase(0, close + 2);
  return FileError(source, {line, 0, 0, ""}, "not valid JSON: " + why);
}

// The items of the JSON array in `in`, `chunk` rows at a time: each item is made a row as
// soon as it is parsed, and dropped from the document. Returns how many there were.
CINETPAY_INLINE std::size_t json_chunks(std::istream& in, const std::string& head,
                                        const std::string& source, std::size_t chunk,
                                        const std::vector<Column>& columns,
                                        const std::function<void(const std::vector<Row>&)>& each) {
  using Event = FileJson::parse_event_t;
  std::vector<Row> rows;
  std::size_t items = 0;
  const FileJson::parser_callback_t take = [&](int depth, Event event, FileJson& parsed) {
    if (depth == 0 && event != Event::array_start && event != Event::array_end) {
      throw FileError(source, {}, "must be a JSON array of objects");
    }
    if (depth != 1) return true;
    if (event == Event::object_end) {
      rows.push_back(json_row(parsed, items++, source, columns));
      if (rows.size() == chunk) {
        each(rows);
        rows.clear();
      }
      return false;
    }
    if (event == Event::value || event == Event::array_end) {
      throw FileError(source, {0, 0, items + 1, ""}, "must be an object");
    }
    return true;
  };
  HeadThenRest all(head, in.rdbuf());
  std::istream text(&all);
  try {
    // Every item is taken by the callback and dropped from the document: what is left is
    // an empty array, of no use.
    const FileJson left = FileJson::parse(text, take);
  } catch (const FileJson::parse_error& e) {
    throw json_syntax_error(e, all.line_of(e.byte == 0 ? 0 : e.byte - 1), source);
  }
  if (!rows.empty()) each(rows);
  return items;
}

// Runs one of the SDK's batch validations; its error is told in the file's terms.
template <typename Items, typename Validate>
void validate_in_file(const Items& items, const std::vector<Row>& rows,
                      const std::vector<Column>& columns, const std::string& source,
                      Validate validate) {
  try {
    validate(items);
  } catch (const ValidationError& e) {
    if (!e.index() || *e.index() >= rows.size()) throw FileError(source, {}, e.problem());
    const Row& row = rows[*e.index()];
    for (std::size_t k = 0; k < columns.size(); ++k) {
      if (e.field() == columns[k].name) throw FileError(source, row.places[k], e.problem());
    }
    throw FileError(source, row.place, e.field() + ": " + e.problem());
  }
}

// Turns rows into checked payouts, chunk after chunk; remembers the ids seen so that an id
// is unique across the whole file.
class PayoutRows {
 public:
  PayoutRows(std::string source, const std::vector<Column>& columns)
      : source_(std::move(source)), columns_(columns) {}

  PayoutFile take(const std::vector<Row>& rows) {
    enum { kPrefix, kPhone, kAmount, kNotifyUrl, kId, kPaymentMethod };
    PayoutFile file;
    file.items.reserve(rows.size());
    file.places.reserve(rows.size());
    file.extra.reserve(rows.size());
    for (const Row& row : rows) {
      const std::string& id = row.values[kId];
      if (id.empty()) {
        throw FileError(source_, row.places[kId],
                        "every payout needs its own id, so that running the file again can "
                        "never pay twice");
      }
      const bool on_a_line = row.place.line != 0;
      if (auto [it, fresh] = seen_.emplace(id, on_a_line ? row.place.line : row.place.item);
          !fresh) {
        throw FileError(
            source_, row.places[kId],
            id + " is also on " + (on_a_line ? "line " : "item ") + std::to_string(it->second));
      }
      std::optional<std::int64_t> amount = parse_whole_number(row.values[kAmount]);
      if (!amount) {
        throw FileError(
            source_, row.places[kAmount],
            "must be a whole number written with digits only, got '" + row.values[kAmount] + "'");
      }
      file.items.push_back({row.values[kPrefix], row.values[kPhone], *amount,
                            row.values[kNotifyUrl], id, row.values[kPaymentMethod]});
      file.places.push_back(row.place);
      std::map<std::string, std::string> extra;
      for (std::size_t k = kPayoutOwnColumns; k < columns_.size(); ++k) {
        if (row.present[k]) extra.emplace(columns_[k].name, row.values[k]);
      }
      file.extra.push_back(std::move(extra));
    }
    validate_in_file(file.items, rows, columns_, source_, validate_transfers);
    return file;
  }

 private:
  std::string source_;
  const std::vector<Column>& columns_;
  std::unordered_map<std::string, std::size_t> seen_;  // id → its line (CSV) or item (JSON)
};

}  // namespace detail::files

CINETPAY_INLINE FileError::FileError(std::string source, FilePlace place, std::string problem)
    : Error(detail::files::place_text(source, place) + " " + problem),
      source_(std::move(source)),
      place_(std::move(place)),
      problem_(std::move(problem)) {}

CINETPAY_INLINE std::optional<std::int64_t> parse_whole_number(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

CINETPAY_INLINE void for_each_payout_chunk(std::istream& in, const std::string& source,
                                           std::size_t chunk,
                                           const std::function<void(const PayoutFile&)>& each,
                                           const PayoutFileOptions& options) {
  using namespace detail::files;  // NOLINT(google-build-using-namespace): this file's parts
  if (chunk == 0) chunk = 1;
  if (!in) throw FileError(source, {}, "cannot be read");
  const std::vector<Column> columns = payout_columns(options.extra_columns);
  std::string head;
  const FileFormat format = sniff(in, options.format, head);
  PayoutRows payouts(source, columns);
  if (format == FileFormat::json) {
    const std::size_t items =
        json_chunks(in, head, source, chunk, columns,
                    [&](const std::vector<Row>& rows) { each(payouts.take(rows)); });
    if (items == 0) throw FileError(source, {}, "has no rows");
    return;
  }
  HeadThenRest all(head, in.rdbuf());
  std::istream text(&all);
  CsvStream csv(text, source);
  bool any = false;
  const std::vector<std::size_t> at = csv_columns(csv.header(), source, columns);
  for (std::vector<CsvRecord> records = csv.next(chunk); !records.empty();
       records = csv.next(chunk)) {
    any = true;
    each(payouts.take(csv_rows(records, 0, at, columns)));
  }
  if (!any) throw FileError(source, {}, "has no rows");
}

CINETPAY_INLINE PayoutFile read_payout_file(std::istream& in, const std::string& source,
                                            const PayoutFileOptions& options) {
  PayoutFile file;
  for_each_payout_chunk(
      in, source, std::numeric_limits<std::size_t>::max(),
      [&](const PayoutFile& part) {
        file.items.insert(file.items.end(), part.items.begin(), part.items.end());
        file.places.insert(file.places.end(), part.places.begin(), part.places.end());
        file.extra.insert(file.extra.end(), part.extra.begin(), part.extra.end());
      },
      options);
  return file;
}

CINETPAY_INLINE std::vector<Contact> read_contact_file(std::istream& in, const std::string& source,
                                                       FileFormat format) {
  using namespace detail::files;  // NOLINT(google-build-using-namespace): this file's parts
  if (!in) throw FileError(source, {}, "cannot be read");
  const std::vector<Column> columns = contact_columns();
  std::string head;
  format = sniff(in, format, head);
  std::vector<Row> rows;
  if (format == FileFormat::json) {
    json_chunks(in, head, source, std::numeric_limits<std::size_t>::max(), columns,
                [&](const std::vector<Row>& all) { rows = all; });
  } else {
    std::string text = head + std::string(std::istreambuf_iterator<char>(in), {});
    std::vector<CsvRecord> records = parse_csv(text, source);
    if (records.empty()) throw FileError(source, {}, "is empty");
    rows = csv_rows(records, 1, csv_columns(records[0], source, columns), columns);
  }
  if (rows.empty()) throw FileError(source, {}, "has no rows");
  std::vector<Contact> contacts;
  contacts.reserve(rows.size());
  for (const Row& row : rows) {
    contacts.push_back({row.values[0], row.values[1], row.values[2], row.values[3], row.values[4]});
  }
  validate_in_file(contacts, rows, columns, source, validate_contacts);
  return contacts;
}

// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
