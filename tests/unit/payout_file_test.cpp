// The library's payout and contact file reader: CSV (RFC 4180) and JSON, from any stream,
// every error naming its line and column (CSV) or item and field (JSON).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cinetpay/payout_file.hpp>
#include <fstream>
#include <limits>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

namespace cinetpay {
namespace {

using ::testing::HasSubstr;

// The FileError `body` throws; fails the test when it throws nothing.
template <typename Body>
FileError error_of(Body body) {
  try {
    body();
  } catch (const FileError& e) {
    return e;
  }
  ADD_FAILURE() << "no FileError";
  return FileError("", {}, "none");
}

PayoutFile payouts(const std::string& text, const PayoutFileOptions& options = {}) {
  std::istringstream in(text);
  return read_payout_file(in, "f.csv", options);
}

FileError payout_error(const std::string& text, const PayoutFileOptions& options = {}) {
  return error_of([&] { (void)payouts(text, options); });
}

std::vector<Contact> contacts(const std::string& text) {
  std::istringstream in(text);
  return read_contact_file(in, "c.csv");
}

constexpr const char* kHeader =
    "prefix,phone,amount,notify_url,client_transaction_id,payment_method\n";

// A payout file with a free-text `note` column, to read fields as the file holds them.
PayoutFileOptions with_note() {
  PayoutFileOptions o;
  o.extra_columns = {"note"};
  return o;
}
constexpr const char* kNoteHeader = "prefix,phone,amount,notify_url,client_transaction_id,note\r\n";

TEST(PayoutFile, QuotedCommasEmbeddedQuotesLineBreaksAndCrlf) {
  PayoutFile f =
      payouts(std::string(kNoteHeader) +
                  "225,0102030405,500,\"http://x.test/n?a=1,b\",A-1,\"say \"\"hi\"\"\"\r\n"
                  "225,0102030405,500,http://x.test/n,A-2,\"two\r\nlines\"\r\n"
                  "225,0102030405,500,http://x.test/n,\"A-3\",\r\n",
              with_note());
  ASSERT_EQ(f.items.size(), 3U);
  EXPECT_EQ(f.items[0].notify_url, "http://x.test/n?a=1,b");
  EXPECT_EQ(f.extra[0].at("note"), "say \"hi\"");
  EXPECT_EQ(f.extra[1].at("note"), "two\r\nlines");
  EXPECT_EQ(f.items[2].client_transaction_id, "A-3");
  EXPECT_EQ(f.places[2].line, 5U) << "the physical line, after the quoted line break";
}

TEST(PayoutFile, BomDroppedEmptyLinesSkippedLastLineEndOptional) {
  PayoutFile f = payouts(
      "\xEF\xBB\xBF\n" + std::string(kHeader) +
      "225,0102030405,500,http://x.test/n,B-1,\n\r\n225,0102030405,500,http://x.test/n,B-2,");
  ASSERT_EQ(f.items.size(), 2U);
  EXPECT_EQ(f.items[0].prefix, "225") << "the BOM is not part of the first column's name";
  EXPECT_EQ(f.places[0].line, 3U);
  EXPECT_EQ(f.places[1].line, 5U);
}

TEST(PayoutFile, MalformedRecordsNameLineAndColumn) {
  struct Case {
    std::string text;
    const char* message;
    std::size_t line;
    std::size_t column;
  };
  const std::string h = kHeader;
  const Case cases[] = {
      {h + "225,\"open\n\n", "f.csv:2: column 2 (phone): unclosed quote", 2, 2},
      {h + "225,\"0102030405\"x,500,http://x.test/n,D-1,\n",
       "f.csv:2: column 2 (phone): text after the closing quote", 2, 2},
      {h + "225,01\"02,500,http://x.test/n,D-1,\n",
       "f.csv:2: column 2 (phone): a quote inside a field that does not start", 2, 2},
      {h + "225,0102030405\r500,http://x.test/n,D-1,\n",
       "f.csv:2: column 2 (phone): a carriage return without a line feed", 2, 2},
      {h + "225,0102030405,500,http://x.test/n,D-1,,extra\n", "f.csv:2: 7 fields, the header has 6",
       2, 0},
      {h + "225,0102030405,500,http://x.test/n\n", "f.csv:2: 4 fields, the header has 6", 2, 0},
      {h + "225,0102030405,500,http://x.test/n,D-1,\xC3\x28\n",
       "f.csv:2: column 6 (payment_method):", 2, 6},
      {h + "225,0102030405,500,http://x.test/n,D-" + std::string(1, '\0') + "1,\n",
       "f.csv:2: column 5 (client_transaction_id):", 2, 5},
  };
  for (const Case& c : cases) {
    FileError e = payout_error(c.text);
    EXPECT_THAT(e.what(), HasSubstr(c.message)) << c.text;
    EXPECT_EQ(e.place().line, c.line) << c.text;
    EXPECT_EQ(e.place().column, c.column) << c.text;
    EXPECT_EQ(e.source(), "f.csv");
  }
}

TEST(PayoutFile, ParseWholeNumberIsDigitsOnlyWithinInt64) {
  EXPECT_EQ(parse_whole_number("0"), 0);
  EXPECT_EQ(parse_whole_number("500"), 500);
  EXPECT_EQ(parse_whole_number("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  for (const char* bad : {"", " 500", "500 ", "+500", "-500", "5e2", "5OO", "0x10",
                          "9223372036854775808", "99999999999999999999"}) {
    EXPECT_FALSE(parse_whole_number(bad)) << bad;
  }
}

TEST(PayoutFile, CsvPayoutsWithTheirPlaces) {
  PayoutFile f = payouts(std::string(kHeader) +
                         "225,0102030405,500,http://x.test/n,A-1,\n"
                         "225,0102030405,1000,http://x.test/n,A-2,WAVECI\n");
  ASSERT_EQ(f.items.size(), 2U);
  EXPECT_EQ(f.items[1].amount, 1000);
  EXPECT_EQ(f.items[1].client_transaction_id, "A-2");
  EXPECT_EQ(f.items[1].payment_method, "WAVECI");
  EXPECT_EQ(f.places[1].line, 3U);
  EXPECT_TRUE(f.extra[1].empty());
}

TEST(PayoutFile, ColumnsInAnyOrderPaymentMethodOptional) {
  PayoutFile f = payouts(
      "client_transaction_id,amount,notify_url,phone,prefix\nB-1,500,http://x.test/n,0102030405,"
      "225\n");
  ASSERT_EQ(f.items.size(), 1U);
  EXPECT_EQ(f.items[0].prefix, "225");
  EXPECT_EQ(f.items[0].client_transaction_id, "B-1");
  EXPECT_EQ(f.items[0].payment_method, "");
}

TEST(PayoutFile, BadCsvPayoutFiles) {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"", "f.csv: is empty"},
      {kHeader, "f.csv: has no rows"},
      {"prefix,phone,amount,notify_url,client_transaction_id,payment_method,note\n",
       "f.csv:1: column 7 (note): unknown column"},
      {"prefix,phone,amount,amount,notify_url,client_transaction_id\n",
       "f.csv:1: column 4 (amount): the column appears twice"},
      {"prefix,phone,notify_url,client_transaction_id\n", "f.csv:1: no amount column"},
      {"prefix,phone,amount,notify_url\n", "f.csv:1: no client_transaction_id column"},
      {std::string(kHeader) + "225,0102030405,500,http://x.test/n,,\n",
       "f.csv:2: column 5 (client_transaction_id): every payout needs its own id"},
      {std::string(kHeader) + "225,0102030405,500,http://x.test/n,C-1,\n"
                              "225,0102030405,500,http://x.test/n,C-1,\n",
       "f.csv:3: column 5 (client_transaction_id): C-1 is also on line 2"},
      {std::string(kHeader) + "225,0102030405,,http://x.test/n,C-1,\n",
       "f.csv:2: column 3 (amount): must be a whole number written with digits only, got ''"},
      {std::string(kHeader) + "225,0102030405,502,http://x.test/n,C-1,\n",
       "f.csv:2: column 3 (amount): must be a multiple of 5"},
      {std::string(kHeader) + "225,0102030405,500,ftp://x.test/n,C-1,\n",
       "f.csv:2: column 4 (notify_url):"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(payout_error(c.text).what(), HasSubstr(c.message)) << c.text;
  }
}

TEST(PayoutFile, JsonPayouts) {
  PayoutFile f = payouts(
      "\xEF\xBB\xBF [{\"prefix\":\"225\",\"phone\":\"0102030405\",\"amount\":500,"
      "\"notify_url\":\"http://x.test/n\",\"client_transaction_id\":\"J-1\","
      "\"payment_method\":\"WAVECI\"}]");
  ASSERT_EQ(f.items.size(), 1U);
  EXPECT_EQ(f.items[0].amount, 500);
  EXPECT_EQ(f.items[0].payment_method, "WAVECI");
  EXPECT_EQ(f.places[0].item, 1U);
}

TEST(PayoutFile, BadJsonPayoutFiles) {
  const std::string ok =
      R"({"prefix":"225","phone":"0102030405","amount":500,"notify_url":"http://x.test/n","client_transaction_id":"J-1"})";
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"[]", "f.csv: has no rows"},
      {"[1]", "f.csv: item 1: must be an object"},
      {"[\n" + ok + ",\n{\"prefix\"}]", "f.csv:3: not valid JSON"},
      {"[\n\n" + ok + ",\n{\"prefix\":\"2\xC3\x28\"}]", "f.csv:4: not valid JSON"},
      {"[\n" + ok + ",\n{\"prefix\":\"2" + std::string(1, '\0') + "\"}]",
       "f.csv:3: not valid JSON"},
      {"[" + ok + "," +
           R"({"prefix":"225","phone":"0102030405","amount":500,"notify_url":"http://x.test/n"})" +
           "]",
       "f.csv: item 2: client_transaction_id: missing"},
      {"[" + ok + "," + ok + "]", "f.csv: item 2: client_transaction_id: J-1 is also on item 1"},
      {R"([{"prefix":"225","phone":"0102030405","amount":1e3,"notify_url":"http://x.test/n","client_transaction_id":"J-1"}])",
       "f.csv: item 1: amount: must be a whole number, got 1000.0"},
      {R"([{"prefix":"225","phone":"0102030405","amount":9223372036854775808,"notify_url":"http://x.test/n","client_transaction_id":"J-1"}])",
       "f.csv: item 1: amount: must be a whole number"},
      {R"([{"prefix":"225","phone":null,"amount":500,"notify_url":"http://x.test/n","client_transaction_id":"J-1"}])",
       "f.csv: item 1: phone: must be a string, got null"},
      {R"([{"prefix":"225","phone":"0102030405","amount":505,"notify_url":"http://x.test/n","client_transaction_id":"J 1"}])",
       "f.csv: item 1: client_transaction_id:"},
      {"{}", "must be a JSON array of objects"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(payout_error(c.text).what(), HasSubstr(c.message)) << c.text;
  }
  std::ifstream missing("/nonexistent/file.csv");
  EXPECT_THAT(error_of([&] { (void)read_payout_file(missing, "/nonexistent/file.csv"); }).what(),
              HasSubstr("/nonexistent/file.csv: cannot be read"));
}

// A format given is obeyed: a CSV whose first column's name starts with `[` stays CSV.
TEST(PayoutFile, AFormatGivenIsNotGuessed) {
  PayoutFileOptions csv;
  csv.format = FileFormat::csv;
  EXPECT_THAT(payout_error("[x\n", csv).what(),
              HasSubstr("f.csv:1: column 1 ([x): unknown column"));
  PayoutFileOptions json;
  json.format = FileFormat::json;
  EXPECT_THAT(payout_error(kHeader, json).what(), HasSubstr("f.csv:1: not valid JSON"));
}

// Columns beyond the payout's own (a payee's contact fields, a reference) come back as text
// when asked for, in CSV and JSON; an optional one may be left out.
TEST(PayoutFile, ExtraColumnsAskedForComeBackPerItem) {
  PayoutFileOptions o;
  o.extra_columns = {"name", "surname", "email"};
  PayoutFile csv = payouts(
      "prefix,phone,amount,notify_url,client_transaction_id,name,email\n"
      "225,0102030405,500,http://x.test/n,E-1,\"Yao, Jr\",k@example.com\n",
      o);
  ASSERT_EQ(csv.extra.size(), 1U);
  EXPECT_EQ(csv.extra[0],
            (std::map<std::string, std::string>{{"name", "Yao, Jr"}, {"email", "k@example.com"}}));
  PayoutFile json = payouts(
      R"([{"prefix":"225","phone":"0102030405","amount":500,"notify_url":"http://x.test/n",)"
      R"("client_transaction_id":"E-1","surname":"Koffi"}])",
      o);
  EXPECT_EQ(json.extra[0], (std::map<std::string, std::string>{{"surname", "Koffi"}}));
  EXPECT_THAT(payout_error(R"([{"prefix":"225","nickname":"x"}])", o).what(),
              HasSubstr("f.csv: item 1: nickname: unknown field"));
}

TEST(PayoutFile, ContactFiles) {
  auto read =
      contacts("prefix,phone,name,surname,email\n225,0102030405,\"Yao, Jr\",Koffi,k@example.com\n");
  ASSERT_EQ(read.size(), 1U);
  EXPECT_EQ(read[0].name, "Yao, Jr");
  EXPECT_THAT(error_of([] {
                (void)contacts(
                    "prefix,phone,name,surname,email\n"
                    "225,0102030405,Yao,Koffi,no-at-sign\n");
              }).what(),
              HasSubstr("c.csv:2: column 5 (email)"));
  EXPECT_THAT(error_of([] { (void)contacts(R"([{"prefix":"225"}])"); }).what(),
              HasSubstr("c.csv: item 1: phone: missing"));
  EXPECT_THAT(error_of([] { (void)contacts("prefix,phone,name,surname\n"); }).what(),
              HasSubstr("c.csv:1: no email column"));
}

// A stream that cannot seek, and hands out a few bytes at a time: a pipe, a socket.
class Trickle : public std::streambuf {
 public:
  explicit Trickle(std::string text) : text_(std::move(text)) {}

 protected:
  int_type underflow() override {
    if (at_ >= text_.size()) return traits_type::eof();
    const std::size_t n = std::min<std::size_t>(3, text_.size() - at_);
    setg(text_.data() + at_, text_.data() + at_, text_.data() + at_ + n);
    at_ += n;
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string text_;
  std::size_t at_ = 0;
};

// A file read in chunks: each chunk is checked and handed over in file order, and a problem
// in a later chunk names its own line (CSV, past an empty line and quoted fields) or item
// (JSON).
TEST(PayoutFile, ChunksKeepTheFilesOwnLinesAndItems) {
  const std::string csv_text =
      "prefix,phone,amount,notify_url,client_transaction_id,payment_method\n"
      "225,0102030405,500,http://127.0.0.1:9/n,K-1,\n"
      "\n"
      "225,0102030405,500,http://127.0.0.1:9/n,\"K-2\",\"\"\n"
      "225,0102030405,500,http://127.0.0.1:9/n,K-3,\n"
      "225,0102030405,5x,http://127.0.0.1:9/n,K-4,\n";
  std::vector<std::size_t> sizes;
  FileError csv = error_of([&] {
    Trickle pipe(csv_text);
    std::istream in(&pipe);
    for_each_payout_chunk(in, "f.csv", 2,
                          [&](const PayoutFile& part) { sizes.push_back(part.items.size()); });
  });
  EXPECT_EQ(sizes, std::vector<std::size_t>{2});
  EXPECT_EQ(csv.place().line, 6U);
  EXPECT_EQ(csv.place().field, "amount");

  std::string json_text = "[";
  for (int i = 1; i <= 4; ++i) {
    json_text += R"({"prefix":"225","phone":"0102030405","amount":500,)"
                 R"("notify_url":"http://127.0.0.1:9/n","client_transaction_id":"J-)" +
                 std::to_string(i) + "\"},\n";
  }
  sizes.clear();
  std::vector<std::string> ids;
  FileError json = error_of([&] {
    Trickle pipe(json_text + "7]");
    std::istream in(&pipe);
    for_each_payout_chunk(in, "f.json", 3, [&](const PayoutFile& part) {
      sizes.push_back(part.items.size());
      for (const TransferRequest& t : part.items) ids.push_back(t.client_transaction_id);
    });
  });
  EXPECT_EQ(sizes, std::vector<std::size_t>{3});
  EXPECT_EQ(ids, (std::vector<std::string>{"J-1", "J-2", "J-3"}));
  EXPECT_EQ(json.place().item, 5U);
  EXPECT_THAT(json.what(), HasSubstr("must be an object"));

  FileError syntax = error_of([&] {
    Trickle pipe(json_text + "{]");
    std::istream in(&pipe);
    for_each_payout_chunk(in, "f.json", 3, [](const PayoutFile&) {});
  });
  EXPECT_EQ(syntax.place().line, 5U) << "read once, from a stream that cannot seek";

  FileError twice = error_of([&] {
    std::istringstream in(
        "prefix,phone,amount,notify_url,client_transaction_id\n"
        "225,0102030405,500,http://127.0.0.1:9/n,T-1\n"
        "225,0102030405,500,http://127.0.0.1:9/n,T-2\n"
        "225,0102030405,500,http://127.0.0.1:9/n,T-1\n");
    for_each_payout_chunk(in, "f.csv", 1, [](const PayoutFile&) {});
  });
  EXPECT_THAT(twice.what(),
              HasSubstr(":4: column 5 (client_transaction_id): T-1 is also on line 2"));
}

}  // namespace
}  // namespace cinetpay
