#include "payout_file.hpp"

#include <algorithm>
#include <cinetpay/errors.hpp>
#include <cinetpay/validation.hpp>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>
#include <utility>

namespace cinetpay::cli {
namespace {

using nlohmann::json;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string place_text(const std::string& path, const FilePlace& place) {
  std::string text = path;
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
  const char* name;
  bool amount;
  bool required;
};

const std::vector<Column>& payout_columns() {
  static const std::vector<Column> kColumns = {{"prefix", false, true},
                                               {"phone", false, true},
                                               {"amount", true, true},
                                               {"notify_url", false, true},
                                               {"client_transaction_id", false, true},
                                               {"payment_method", false, false}};
  return kColumns;
}

const std::vector<Column>& contact_columns() {
  static const std::vector<Column> kColumns = {{"prefix", false, true},
                                               {"phone", false, true},
                                               {"name", false, true},
                                               {"surname", false, true},
                                               {"email", false, true}};
  return kColumns;
}

std::string column_list(const std::vector<Column>& columns) {
  std::string text;
  for (const Column& c : columns) text += (text.empty() ? "" : ", ") + std::string(c.name);
  return text;
}

// One row of a file, its values in the order of the columns asked for.
struct Row {
  FilePlace place;  // the row itself: line (CSV) or item (JSON)
  std::vector<std::string> values;
  std::vector<FilePlace> places;  // where each value is
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, {}, "cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.compare(0, kBom.size(), kBom) == 0) text.erase(0, kBom.size());
  return text;
}

// Where each column asked for is in a CSV header; npos for an optional one left out.
std::vector<std::size_t> csv_columns(const CsvRecord& header, const std::string& path,
                                     const std::vector<Column>& columns) {
  const FilePlace header_line{header.lines[0], 0, 0, ""};
  std::vector<std::size_t> at(columns.size(), std::string::npos);
  for (std::size_t h = 0; h < header.fields.size(); ++h) {
    FilePlace place{header.lines[h], h + 1, 0, header.fields[h]};
    std::size_t k = 0;
    while (k < columns.size() && header.fields[h] != columns[k].name) ++k;
    if (k == columns.size()) {
      throw FileError(path, place, "unknown column; the columns are " + column_list(columns));
    }
    if (at[k] != std::string::npos) throw FileError(path, place, "the column appears twice");
    at[k] = h;
  }
  for (std::size_t k = 0; k < columns.size(); ++k) {
    if (columns[k].required && at[k] == std::string::npos)
      throw FileError(path, header_line, std::string("no ") + columns[k].name + " column");
  }
  return at;
}

// The rows of records[first…], whose columns are at `at`.
std::vector<Row> csv_rows(const std::vector<CsvRecord>& records, std::size_t first,
                          const std::vector<std::size_t>& at, const std::vector<Column>& columns) {
  std::vector<Row> rows;
  rows.reserve(records.size() - std::min(first, records.size()));
  for (std::size_t r = first; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    Row row{{record.lines[0], 0, 0, ""}, {}, {}};
    for (std::size_t k = 0; k < columns.size(); ++k) {
      bool present = at[k] != std::string::npos;
      row.values.push_back(present ? record.fields[at[k]] : std::string());
      row.places.push_back(present ? FilePlace{record.lines[at[k]], at[k] + 1, 0, columns[k].name}
                                   : FilePlace{record.lines[0], 0, 0, columns[k].name});
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Row> csv_rows(const std::string& text, const std::string& path,
                          const std::vector<Column>& columns) {
  std::vector<CsvRecord> records = parse_csv(text, path);
  if (records.empty()) throw FileError(path, {}, "is empty");
  return csv_rows(records, 1, csv_columns(records[0], path, columns), columns);
}

// A CSV file read a few records at a time: whole records (a quoted field may span lines),
// each parsed by parse_csv under the file's header, with the file's own line numbers.
class CsvStream {
 public:
  CsvStream(std::istream& in, std::string path) : in_(in), path_(std::move(path)) {
    do {
      header_text_ += next_record();  // empty lines before the header are no record
    } while (in_ && header_text_.find_first_not_of("\r\n") == std::string::npos);
    if (header_text_.compare(0, kBom.size(), kBom) == 0) header_text_.erase(0, kBom.size());
    header_lines_ = line_;
    std::vector<CsvRecord> header = parse_csv(header_text_, path_);
    if (header.empty()) throw FileError(path_, {}, "is empty");
    header_ = header[0];
  }

  [[nodiscard]] const CsvRecord& header() const { return header_; }

  /// Up to `limit` records after the ones already read; none at the end of the file.
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
      parsed = parse_csv(header_text_ + text, path_);
    } catch (const FileError& e) {
      FilePlace place = e.place();
      if (place.line != 0) place.line = file_line(place.line);
      throw FileError(path_, place, e.problem());
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
  std::string path_;
  std::string header_text_;
  std::size_t header_lines_ = 0;
  CsvRecord header_;
  std::size_t line_ = 0;
};

// The row of item `i` (0-based) of a JSON array.
Row json_row(const json& item, std::size_t i, const std::string& path,
             const std::vector<Column>& columns) {
  const FilePlace item_place{0, 0, i + 1, ""};
  if (!item.is_object()) throw FileError(path, item_place, "must be an object");
  for (const auto& [key, value] : item.items()) {
    bool known = false;
    for (const Column& c : columns) known = known || key == c.name;
    if (!known) {
      throw FileError(path, {0, 0, i + 1, key},
                      "unknown field; the fields are " + column_list(columns));
    }
  }
  Row row{item_place, {}, {}};
  for (const Column& c : columns) {
    FilePlace place{0, 0, i + 1, c.name};
    auto it = item.find(c.name);
    std::string value;
    if (it == item.end()) {
      if (c.required) throw FileError(path, place, "missing");
    } else if (c.amount) {
      if (!it->is_number_unsigned() ||
          it->get<std::uint64_t>() >
              static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        throw FileError(path, place, "must be a whole number, got " + it->dump());
      }
      value = std::to_string(it->get<std::uint64_t>());
    } else if (it->is_string()) {
      value = it->get<std::string>();
    } else {
      throw FileError(path, place, "must be a string, got " + it->dump());
    }
    row.values.push_back(std::move(value));
    row.places.push_back(std::move(place));
  }
  return row;
}

// The FileError of a JSON syntax error, on the line of `byte` in `text`.
FileError json_syntax_error(const json::parse_error& e, std::string_view text,
                            const std::string& path) {
  std::size_t end = std::min<std::size_t>(e.byte, text.size());
  std::size_t line = 1;
  for (std::size_t i = 0; i + 1 < end; ++i) line += text[i] == '\n' ? 1 : 0;
  std::string why = e.what();
  if (auto close = why.find("] "); close != std::string::npos) why.erase(0, close + 2);
  return FileError(path, {line, 0, 0, ""}, "not valid JSON: " + why);
}

std::vector<Row> json_rows(const std::string& text, const std::string& path,
                           const std::vector<Column>& columns) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw json_syntax_error(e, text, path);
  }
  if (!doc.is_array()) throw FileError(path, {}, "must be a JSON array of objects");
  std::vector<Row> rows;
  rows.reserve(doc.size());
  for (std::size_t i = 0; i < doc.size(); ++i) rows.push_back(json_row(doc[i], i, path, columns));
  return rows;
}

// The items of the JSON array in `in`, `chunk` rows at a time: each item is made a row as
// soon as it is parsed, and dropped from the document. Returns how many there were.
std::size_t json_chunks(std::istream& in, const std::string& path, std::size_t chunk,
                        const std::vector<Column>& columns,
                        const std::function<void(const std::vector<Row>&)>& each) {
  using Event = json::parse_event_t;
  std::vector<Row> rows;
  std::size_t items = 0;
  const json::parser_callback_t take = [&](int depth, Event event, json& parsed) {
    if (depth == 0 && event != Event::array_start && event != Event::array_end) {
      throw FileError(path, {}, "must be a JSON array of objects");
    }
    if (depth != 1) return true;
    if (event == Event::object_end) {
      rows.push_back(json_row(parsed, items++, path, columns));
      if (rows.size() == chunk) {
        each(rows);
        rows.clear();
      }
      return false;
    }
    if (event == Event::value || event == Event::array_end) {
      throw FileError(path, {0, 0, items + 1, ""}, "must be an object");
    }
    return true;
  };
  try {
    // Every item is taken by the callback and dropped from the document: what is left is
    // an empty array, of no use.
    const json left = json::parse(in, take);
  } catch (const json::parse_error& e) {
    std::ifstream again(path, std::ios::binary);
    std::string text(e.byte, '\0');
    again.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(again.gcount()));
    throw json_syntax_error(e, text, path);
  }
  if (!rows.empty()) each(rows);
  return items;
}

// Rows of a CSV file with a header, or of a JSON array of objects.
std::vector<Row> read_rows(const std::string& path, const std::vector<Column>& columns) {
  std::string text = read_text(path);
  auto first = text.find_first_not_of(" \t\r\n");
  const bool is_json = first != std::string::npos && (text[first] == '[' || text[first] == '{');
  std::vector<Row> rows = is_json ? json_rows(text, path, columns) : csv_rows(text, path, columns);
  if (rows.empty()) throw FileError(path, {}, "has no rows");
  return rows;
}

// Runs one of the SDK's batch validations; its error is told in the file's terms.
template <typename Items, typename Validate>
void validate_in_file(const Items& items, const std::vector<Row>& rows,
                      const std::vector<Column>& columns, const std::string& path,
                      Validate validate) {
  try {
    validate(items);
  } catch (const ValidationError& e) {
    if (!e.index() || *e.index() >= rows.size()) throw FileError(path, {}, problem_of(e));
    const Row& row = rows[*e.index()];
    for (std::size_t k = 0; k < columns.size(); ++k) {
      if (e.field() == columns[k].name) throw FileError(path, row.places[k], problem_of(e));
    }
    throw FileError(path, row.place, e.field() + ": " + problem_of(e));
  }
}

}  // namespace

std::string problem_of(const ValidationError& e) {
  std::string text = e.what();
  const std::string head = e.field() + ": ";
  if (auto at = text.find(head); at != std::string::npos) text.erase(0, at + head.size());
  const std::string tail = " (nothing was sent)";
  if (text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0)
    text.resize(text.size() - tail.size());
  return text;
}

FileError::FileError(std::string path, FilePlace place, std::string problem)
    : std::runtime_error(place_text(path, place) + " " + problem),
      path_(std::move(path)),
      place_(std::move(place)),
      problem_(std::move(problem)) {}

std::optional<std::int64_t> parse_whole_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    int digit = c - '0';
    if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& path) {
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
          if (i >= text.size()) throw FileError(path, place(start, column), "unclosed quote");
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
          throw FileError(path, place(line, column), "text after the closing quote");
      } else {
        for (; i < text.size() && text[i] != ',' && !at_line_end(); ++i) {
          if (text[i] == '"') {
            throw FileError(path, place(line, column),
                            "a quote inside a field that does not start with one");
          }
          if (text[i] == '\r')
            throw FileError(path, place(line, column), "a carriage return without a line feed");
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
      throw FileError(path, {record.lines[0], 0, 0, ""},
                      std::to_string(record.fields.size()) + " fields, the header has " +
                          std::to_string(records[0].fields.size()));
    }
    records.push_back(std::move(record));
  }
  return records;
}

namespace {

// Turns rows into checked payouts, chunk after chunk; remembers the ids seen so that an id
// is unique across the whole file.
class PayoutRows {
 public:
  explicit PayoutRows(std::string path) : path_(std::move(path)) {}

  PayoutFile take(const std::vector<Row>& rows) {
    enum { kPrefix, kPhone, kAmount, kNotifyUrl, kId, kPaymentMethod };
    PayoutFile file;
    file.items.reserve(rows.size());
    file.places.reserve(rows.size());
    for (const Row& row : rows) {
      const std::string& id = row.values[kId];
      if (id.empty()) {
        throw FileError(path_, row.places[kId],
                        "every payout needs its own id, so that running the file again can "
                        "never pay twice");
      }
      const bool on_a_line = row.place.line != 0;
      if (auto [it, fresh] = seen_.emplace(id, on_a_line ? row.place.line : row.place.item);
          !fresh) {
        throw FileError(
            path_, row.places[kId],
            id + " is also on " + (on_a_line ? "line " : "item ") + std::to_string(it->second));
      }
      std::optional<std::int64_t> amount = parse_whole_number(row.values[kAmount]);
      if (!amount) {
        throw FileError(
            path_, row.places[kAmount],
            "must be a whole number written with digits only, got '" + row.values[kAmount] + "'");
      }
      file.items.push_back({row.values[kPrefix], row.values[kPhone], *amount,
                            row.values[kNotifyUrl], id, row.values[kPaymentMethod]});
      file.places.push_back(row.place);
    }
    validate_in_file(file.items, rows, payout_columns(), path_, validate_transfers);
    return file;
  }

 private:
  std::string path_;
  std::unordered_map<std::string, std::size_t> seen_;  // id → its line (CSV) or item (JSON)
};

}  // namespace

void for_each_payout_chunk(const std::string& path, std::size_t chunk,
                           const std::function<void(const PayoutFile&)>& each) {
  if (chunk == 0) chunk = 1;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, {}, "cannot be read");
  // JSON or CSV, by the first character that is not blank (after a BOM).
  std::string start;
  char c = 0;
  while (in.get(c)) {
    start += c;
    if (start.size() <= kBom.size() && kBom.compare(0, start.size(), start) == 0) continue;
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
  }
  const bool is_json = c == '[' || c == '{';
  in.clear();
  in.seekg(0);
  PayoutRows payouts(path);
  if (is_json) {
    const std::size_t items =
        json_chunks(in, path, chunk, payout_columns(),
                    [&](const std::vector<Row>& rows) { each(payouts.take(rows)); });
    if (items == 0) throw FileError(path, {}, "has no rows");
    return;
  }
  CsvStream csv(in, path);
  bool any = false;
  const std::vector<std::size_t> at = csv_columns(csv.header(), path, payout_columns());
  for (std::vector<CsvRecord> records = csv.next(chunk); !records.empty();
       records = csv.next(chunk)) {
    any = true;
    each(payouts.take(csv_rows(records, 0, at, payout_columns())));
  }
  if (!any) throw FileError(path, {}, "has no rows");
}

PayoutFile read_payout_file(const std::string& path) {
  PayoutFile file;
  for_each_payout_chunk(path, std::numeric_limits<std::size_t>::max(), [&](const PayoutFile& part) {
    file.items.insert(file.items.end(), part.items.begin(), part.items.end());
    file.places.insert(file.places.end(), part.places.begin(), part.places.end());
  });
  return file;
}

std::vector<Contact> read_contact_file(const std::string& path) {
  std::vector<Row> rows = read_rows(path, contact_columns());
  std::vector<Contact> contacts;
  contacts.reserve(rows.size());
  for (const Row& row : rows) {
    contacts.push_back({row.values[0], row.values[1], row.values[2], row.values[3], row.values[4]});
  }
  validate_in_file(contacts, rows, contact_columns(), path, validate_contacts);
  return contacts;
}

}  // namespace cinetpay::cli
