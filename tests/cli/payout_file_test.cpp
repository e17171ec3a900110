// The CLI's file reader, in-process: CSV (RFC 4180) and JSON payout and contact files.
#include "payout_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <limits>

namespace cinetpay::cli {
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

class FileTest : public ::testing::Test {
 protected:
  std::string file(const std::string& content) {
    std::ofstream(path_, std::ios::binary) << content;
    return path_;
  }
  void SetUp() override {
    char tmpl[] = "/tmp/cinetpay-file-XXXXXX";
    int fd = ::mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    ::close(fd);
    path_ = tmpl;
  }
  void TearDown() override { std::remove(path_.c_str()); }

  std::string path_;
};

constexpr const char* kHeader =
    "prefix,phone,amount,notify_url,client_transaction_id,payment_method\n";

TEST(ParseCsv, QuotedCommasQuotesAndLineBreaks) {
  auto records =
      parse_csv("a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n\"\",,last", "f.csv");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"x,1", "say \"hi\"", "two\r\nlines"}));
  EXPECT_EQ(records[1].lines, (std::vector<std::size_t>{2, 2, 2}));
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"", "", "last"}));
  EXPECT_EQ(records[2].lines[0], 4u) << "the physical line, after the quoted line break";
}

TEST(ParseCsv, BomDroppedEmptyLinesSkippedLastLineEndOptional) {
  auto records = parse_csv(
      "\xEF\xBB\xBF"
      "a,b\n\n1,2\n\r\n3,4\n",
      "f.csv");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields[0], "a");
  EXPECT_EQ(records[1].lines[0], 3u);
  EXPECT_EQ(records[2].lines[0], 5u);
  EXPECT_EQ(parse_csv("a,b", "f.csv").size(), 1u);
  EXPECT_TRUE(parse_csv("", "f.csv").empty());
}

TEST(ParseCsv, MalformedRecordsNameLineAndColumn) {
  struct Case {
    const char* text;
    const char* message;
    std::size_t line;
    std::size_t column;
  };
  const Case cases[] = {
      {"a,b\n1,\"open\n\n", "f.csv:2: column 2 (b): unclosed quote", 2, 2},
      {"a,b\n1,2\n\"x\"y,2\n", "f.csv:3: column 1 (a): text after the closing quote", 3, 1},
      {"a,b\n1,x\"y\n", "f.csv:2: column 2 (b): a quote inside a field that does not start", 2, 2},
      {"a,b\n1,2\r3,4\n", "f.csv:2: column 2 (b): a carriage return without a line feed", 2, 2},
      {"a,b\n1,2\n1,2,3\n", "f.csv:3: 3 fields, the header has 2", 3, 0},
      {"a,b\n\"1\n2\",2\n1\n", "f.csv:4: 1 fields, the header has 2", 4, 0},
  };
  for (const Case& c : cases) {
    FileError e = error_of([&] { parse_csv(c.text, "f.csv"); });
    EXPECT_THAT(e.what(), HasSubstr(c.message)) << c.text;
    EXPECT_EQ(e.place().line, c.line) << c.text;
    EXPECT_EQ(e.place().column, c.column) << c.text;
  }
}

TEST(ParseWholeNumber, DigitsOnlyWithinInt64) {
  EXPECT_EQ(parse_whole_number("0"), 0);
  EXPECT_EQ(parse_whole_number("500"), 500);
  EXPECT_EQ(parse_whole_number("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  for (const char* bad : {"", " 500", "500 ", "+500", "-500", "5e2", "5OO", "0x10",
                          "9223372036854775808", "99999999999999999999"}) {
    EXPECT_FALSE(parse_whole_number(bad)) << bad;
  }
}

TEST_F(FileTest, CsvPayoutsWithTheirPlaces) {
  PayoutFile f = read_payout_file(
      file(std::string(kHeader) + "225,0102030405,500,http://x.test/n,A-1,\n"
                                  "225,0102030405,1000,\"http://x.test/n?a=1,b\",A-2,WAVECI\n"));
  ASSERT_EQ(f.items.size(), 2u);
  EXPECT_EQ(f.items[1].amount, 1000);
  EXPECT_EQ(f.items[1].notify_url, "http://x.test/n?a=1,b");
  EXPECT_EQ(f.items[1].client_transaction_id, "A-2");
  EXPECT_EQ(f.items[1].payment_method, "WAVECI");
  EXPECT_EQ(f.places[1].line, 3u);
}

TEST_F(FileTest, ColumnsInAnyOrderPaymentMethodOptional) {
  PayoutFile f = read_payout_file(file(
      "client_transaction_id,amount,notify_url,phone,prefix\nB-1,500,http://x.test/n,0102030405,"
      "225\n"));
  ASSERT_EQ(f.items.size(), 1u);
  EXPECT_EQ(f.items[0].prefix, "225");
  EXPECT_EQ(f.items[0].client_transaction_id, "B-1");
  EXPECT_EQ(f.items[0].payment_method, "");
}

TEST_F(FileTest, BadCsvPayoutFiles) {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"", ": is empty"},
      {kHeader, ": has no rows"},
      {"prefix,phone,amount,notify_url,client_transaction_id,payment_method,note\n",
       ":1: column 7 (note): unknown column"},
      {"prefix,phone,amount,amount,notify_url,client_transaction_id\n",
       ":1: column 4 (amount): the column appears twice"},
      {"prefix,phone,notify_url,client_transaction_id\n", ":1: no amount column"},
      {std::string(kHeader) + "225,0102030405,500,http://x.test/n,,\n",
       ":2: column 5 (client_transaction_id): every payout needs its own id"},
      {std::string(kHeader) + "225,0102030405,500,http://x.test/n,C-1,\n"
                              "225,0102030405,500,http://x.test/n,C-1,\n",
       ":3: column 5 (client_transaction_id): C-1 is also on line 2"},
      {std::string(kHeader) + "225,0102030405,,http://x.test/n,C-1,\n",
       ":2: column 3 (amount): must be a whole number written with digits only, got ''"},
      {std::string(kHeader) + "225,0102030405,502,http://x.test/n,C-1,\n",
       ":2: column 3 (amount): must be a multiple of 5"},
      {std::string(kHeader) + "225,0102030405,500,ftp://x.test/n,C-1,\n",
       ":2: column 4 (notify_url):"},
  };
  for (const Case& c : cases) {
    FileError e = error_of([&] { read_payout_file(file(c.text)); });
    EXPECT_THAT(e.what(), HasSubstr(path_ + c.message)) << c.text;
    EXPECT_EQ(e.path(), path_);
  }
}

TEST_F(FileTest, JsonPayouts) {
  PayoutFile f = read_payout_file(
      file("\xEF\xBB\xBF [{\"prefix\":\"225\",\"phone\":\"0102030405\",\"amount\":500,"
           "\"notify_url\":\"http://x.test/n\",\"client_transaction_id\":\"J-1\","
           "\"payment_method\":\"WAVECI\"}]"));
  ASSERT_EQ(f.items.size(), 1u);
  EXPECT_EQ(f.items[0].amount, 500);
  EXPECT_EQ(f.items[0].payment_method, "WAVECI");
  EXPECT_EQ(f.places[0].item, 1u);
}

TEST_F(FileTest, BadJsonPayoutFiles) {
  const std::string ok =
      R"({"prefix":"225","phone":"0102030405","amount":500,"notify_url":"http://x.test/n","client_transaction_id":"J-1"})";
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"[]", ": has no rows"},
      {"[1]", ": item 1: must be an object"},
      {"[\n" + ok + ",\n{\"prefix\"}]", ":3: not valid JSON"},
      {"[" + ok + "," +
           R"({"prefix":"225","phone":"0102030405","amount":500,"notify_url":"http://x.test/n"})" +
           "]",
       ": item 2: client_transaction_id: missing"},
      {"[" + ok + "," + ok + "]", ": item 2: client_transaction_id: J-1 is also on item 1"},
      {R"([{"prefix":"225","phone":"0102030405","amount":1e3,"notify_url":"http://x.test/n","client_transaction_id":"J-1"}])",
       ": item 1: amount: must be a whole number, got 1000.0"},
      {R"([{"prefix":"225","phone":"0102030405","amount":9223372036854775808,"notify_url":"http://x.test/n","client_transaction_id":"J-1"}])",
       ": item 1: amount: must be a whole number"},
      {R"([{"prefix":"225","phone":null,"amount":500,"notify_url":"http://x.test/n","client_transaction_id":"J-1"}])",
       ": item 1: phone: must be a string, got null"},
      {R"([{"prefix":"225","phone":"0102030405","amount":505,"notify_url":"http://x.test/n","client_transaction_id":"J 1"}])",
       ": item 1: client_transaction_id:"},
  };
  for (const Case& c : cases) {
    FileError e = error_of([&] { read_payout_file(file(c.text)); });
    EXPECT_THAT(e.what(), HasSubstr(path_ + c.message)) << c.text;
  }
  EXPECT_THAT(error_of([&] { read_payout_file(file("{}")); }).what(),
              HasSubstr("must be a JSON array of objects"));
  EXPECT_THAT(error_of([] { read_payout_file("/nonexistent/file.csv"); }).what(),
              HasSubstr("/nonexistent/file.csv: cannot be read"));
}

TEST_F(FileTest, ContactFiles) {
  auto contacts = read_contact_file(
      file("prefix,phone,name,surname,email\n225,0102030405,\"Yao, Jr\",Koffi,k@example.com\n"));
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0].name, "Yao, Jr");
  EXPECT_THAT(error_of([&] {
                read_contact_file(
                    file("prefix,phone,name,surname,email\n"
                         "225,0102030405,Yao,Koffi,no-at-sign\n"));
              }).what(),
              HasSubstr(path_ + ":2: column 5 (email)"));
  EXPECT_THAT(error_of([&] { read_contact_file(file(R"([{"prefix":"225"}])")); }).what(),
              HasSubstr(path_ + ": item 1: phone: missing"));
}

// A file read in chunks: each chunk is checked and handed over in file order, and a problem
// in a later chunk names its own line (CSV, past an empty line and quoted fields) or item
// (JSON).
TEST_F(FileTest, ChunksKeepTheFilesOwnLinesAndItems) {
  const std::string csv_text =
      "prefix,phone,amount,notify_url,client_transaction_id,payment_method\n"
      "225,0102030405,500,http://127.0.0.1:9/n,K-1,\n"
      "\n"
      "225,0102030405,500,http://127.0.0.1:9/n,\"K-2\",\"\"\n"
      "225,0102030405,500,http://127.0.0.1:9/n,K-3,\n"
      "225,0102030405,5x,http://127.0.0.1:9/n,K-4,\n";
  std::vector<std::size_t> sizes;
  FileError csv = error_of([&] {
    for_each_payout_chunk(file(csv_text), 2,
                          [&](const PayoutFile& part) { sizes.push_back(part.items.size()); });
  });
  EXPECT_EQ(sizes, std::vector<std::size_t>{2});
  EXPECT_EQ(csv.place().line, 6U);
  EXPECT_EQ(csv.place().field, "amount");

  std::string json_text = "[";
  for (int i = 1; i <= 4; ++i) {
    json_text += R"({"prefix":"225","phone":"0102030405","amount":500,)"
                 R"("notify_url":"http://127.0.0.1:9/n","client_transaction_id":"J-)" +
                 std::to_string(i) + "\"},";
  }
  json_text += "7]";
  sizes.clear();
  std::vector<std::string> ids;
  FileError json = error_of([&] {
    for_each_payout_chunk(file(json_text), 3, [&](const PayoutFile& part) {
      sizes.push_back(part.items.size());
      for (const TransferRequest& t : part.items) ids.push_back(t.client_transaction_id);
    });
  });
  EXPECT_EQ(sizes, std::vector<std::size_t>{3});
  EXPECT_EQ(ids, (std::vector<std::string>{"J-1", "J-2", "J-3"}));
  EXPECT_EQ(json.place().item, 5U);
  EXPECT_THAT(json.what(), HasSubstr("must be an object"));

  FileError twice = error_of([&] {
    for_each_payout_chunk(file("prefix,phone,amount,notify_url,client_transaction_id\n"
                               "225,0102030405,500,http://127.0.0.1:9/n,T-1\n"
                               "225,0102030405,500,http://127.0.0.1:9/n,T-2\n"
                               "225,0102030405,500,http://127.0.0.1:9/n,T-1\n"),
                          1, [](const PayoutFile&) {});
  });
  EXPECT_THAT(twice.what(),
              HasSubstr(":4: column 5 (client_transaction_id): T-1 is also on line 2"));
}

}  // namespace
}  // namespace cinetpay::cli
