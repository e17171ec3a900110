// The cinetpay command-line tool, run as a program against an in-process sandbox.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cinetpay/ledger.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "bounded_wait.hpp"
#include "cinetpay/detail/http.hpp"
#include "ledger/store.hpp"
#include "output.hpp"
#include "sandbox_fixture.hpp"
#include "scripted_server.hpp"

namespace cinetpay {
namespace {

using detail::form_parse;
using mocks::SandboxFixture;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CliTest : public ::testing::Test {
 protected:
  // Runs the CLI with the sandbox's credentials (or `password`) in its environment.
  Outcome cli(const std::string& args, const std::string& password = "sandbox-password") {
    return cli_at(sb.base_url(), args, password);
  }
  // Runs the CLI against another server (a scripted one, or nothing at all).
  Outcome cli_at(const std::string& base_url, const std::string& args,
                 const std::string& password = "sandbox-password") {
    return run("CINETPAY_API_KEY=sandbox-key CINETPAY_PASSWORD='" + password + "'",
               "--base-url " + base_url + " " + args);
  }
  // Where the CLI's streams go, and what it runs under.
  struct Streams {
    std::string out;      ///< a path (/dev/full…), or empty for a file read into Outcome::out
    std::string err;      ///< likewise for stderr; "&1" joins it to stdout
    std::string wrapper;  ///< a command the CLI runs under (setpriv…), empty for none
  };
  // Runs the CLI with these environment variables only (CINETPAY_* ones unset otherwise).
  Outcome run(const std::string& variables, const std::string& args, const Streams& to = {}) {
    std::string out = dir_ + "/out";
    std::string err = dir_ + "/err";
    std::remove(out.c_str());
    std::remove(err.c_str());
    std::string command =
        "env -u CINETPAY_BASE_URL -u CINETPAY_LANG -u CINETPAY_API_KEY "
        "-u CINETPAY_PASSWORD " +
        variables + " " + to.wrapper + " " + CINETPAY_CLI_PATH + " " + args + " >" +
        (to.out.empty() ? out : to.out) + " 2>" + (to.err.empty() ? err : to.err) + " </dev/null";
    int status = std::system(command.c_str());
    return Outcome{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }
  // Runs the CLI against the sandbox with its streams sent as `to` says.
  Outcome cli_to(const std::string& args, const Streams& to) {
    return run("CINETPAY_API_KEY=sandbox-key CINETPAY_PASSWORD=sandbox-password",
               "--base-url " + sb.base_url() + " " + args, to);
  }
  // The `lang` of the last API request the sandbox saw.
  std::string last_lang() { return sb.get("/_sandbox/requests").back()["params"]["lang"]; }
  std::string file(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }
  void SetUp() override {
    char tmpl[] = "/tmp/cinetpay-cli-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  SandboxFixture sb;
  std::string dir_;
};

TEST_F(CliTest, BalanceAsTableAndAsJson) {
  Outcome table = cli("balance");
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("available"));
  EXPECT_THAT(table.out, HasSubstr("1000000"));
  Outcome js = cli("--json balance");
  ASSERT_EQ(js.code, 0) << js.err;
  json doc = json::parse(js.out);
  EXPECT_EQ(doc["available"], 1000000);
  EXPECT_EQ(doc["in_using"], 0);
  EXPECT_FALSE(doc.contains("inUsing")) << "the sandbox's wire word leaked into our output";
}

TEST_F(CliTest, ContactsSendStatusWait) {
  Outcome add =
      cli("--json contact add --prefix 225 --phone 0102030405 --name Kouassi --surname Awa --email "
          "awa@example.com");
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(json::parse(add.out)[0]["code"], 0);
  std::string csv = file("contacts.csv",
                         "prefix,phone,name,surname,email\n225,0102030405,Kouassi,Awa,awa@example."
                         "com\n225,0708091011,\"Yao, Jr\",Koffi,k@example.com\n");
  Outcome imported = cli("--json contact import " + csv);
  ASSERT_EQ(imported.code, 0) << imported.err;
  json contacts = json::parse(imported.out);
  EXPECT_EQ(contacts[0]["code"], 726);
  EXPECT_EQ(contacts[1]["name"], "Yao, Jr");

  Outcome sent =
      cli("--json send --prefix 225 --phone 0102030405 --amount 500 --notify-url "
          "http://127.0.0.1:9/n --client-transaction-id CLI-1");
  ASSERT_EQ(sent.code, 0) << sent.err;
  json result = json::parse(sent.out)[0];
  EXPECT_EQ(result["outcome"], "accepted");
  EXPECT_EQ(result["client_transaction_id"], "CLI-1");
  std::string tid = result["transaction_id"];

  Outcome status = cli("--json status --client-transaction-id CLI-1");
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_EQ(json::parse(status.out)[0]["transaction_id"], tid);

  Outcome waited = cli("--json wait --transaction-id " + tid + " --timeout-seconds 20");
  ASSERT_EQ(waited.code, 0) << waited.err;
  json fin = json::parse(waited.out);
  EXPECT_EQ(fin["treatment_status"], "VAL");
  EXPECT_EQ(fin["amount"], 500);
  EXPECT_EQ(fin["operator"], "FLOOZ");

  Outcome table = cli("status --lot " + result["lot"].get<std::string>());
  EXPECT_EQ(table.code, 0);
  EXPECT_THAT(table.out, HasSubstr("CLI-1"));
}

TEST_F(CliTest, SendFromCsvAndJsonFiles) {
  sb.add_contact("0102030405");
  std::string csv = file("payouts.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id,payment_method\n"
                         "225,0102030405,500,http://127.0.0.1:9/n,F-1,\n"
                         "225,0102030405,1000,http://127.0.0.1:9/n,F-2,WAVECI\n");
  Outcome a = cli("--json send --file " + csv);
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(json::parse(a.out).size(), 2u);
  std::string js = file(
      "payouts.json",
      R"([{"prefix":"225","phone":"0102030405","amount":1500,"notify_url":"http://127.0.0.1:9/n","client_transaction_id":"F-3"}])");
  Outcome b = cli("--json send --file " + js);
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(sb.ledger()["transfers"].size(), 3u);
  EXPECT_EQ(sb.ledger()["transfers"][1]["payment_method"], "WAVECI");
}

TEST_F(CliTest, ValidationErrorSendsNothing) {
  sb.add_contact("0102030405");
  Outcome r = cli(
      "--json send --prefix 225 --phone 0102030405 --amount 502 --notify-url http://127.0.0.1:9/n");
  EXPECT_EQ(r.code, 2);
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["error"]["type"], "validation");
  EXPECT_EQ(doc["error"]["field"], "amount");
  EXPECT_THAT(r.err, HasSubstr("multiple of 5"));
  std::string csv = file("bad.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id\n"
                         "225,0102030405,500,http://x.test/n,V-1\n"
                         "+225,0102030405,500,http://x.test/n,V-2\n");
  Outcome batch = cli("send --file " + csv);
  EXPECT_EQ(batch.code, 2);
  EXPECT_THAT(batch.err, HasSubstr(csv + ":3: column 1 (prefix)"))
      << "the file's line, not the item's index";
  EXPECT_EQ(sb.api_requests("/v1/transfer/money/send/contact"), 0);
  EXPECT_EQ(sb.api_requests("/v1/auth/login"), 1) << "only the fixture's own login";
}

TEST_F(CliTest, UsageErrors) {
  EXPECT_EQ(cli("").code, 2);
  EXPECT_EQ(cli("fly").code, 2);
  EXPECT_EQ(cli("status").code, 2);
  EXPECT_EQ(cli("send --prefix 225").code, 2);
  EXPECT_EQ(cli("balance --password x").code, 2) << "no flag takes a password";
  EXPECT_EQ(cli("--help").code, 0);
}

TEST_F(CliTest, RefusalsAndMissingCredentials) {
  Outcome refused = cli(
      "--json send --prefix 225 --phone 0555555555 --amount 500 --notify-url http://127.0.0.1:9/n");
  EXPECT_EQ(refused.code, 1);
  json refusal = json::parse(refused.out);
  ASSERT_EQ(refusal.size(), 1u) << refusal;
  EXPECT_EQ(refusal[0]["outcome"], "rejected");
  EXPECT_EQ(refusal[0]["error"]["code"], 724);
  Outcome missing = cli("--json status --client-transaction-id NOPE");
  EXPECT_EQ(missing.code, 1);
  std::string command = std::string("env -u CINETPAY_API_KEY -u CINETPAY_PASSWORD ") +
                        CINETPAY_CLI_PATH + " balance 2>&1";
  FILE* p = ::popen(command.c_str(), "r");
  char buf[512] = {0};
  std::string text;
  while (std::fgets(buf, sizeof buf, p) != nullptr) text += buf;
  EXPECT_EQ(WEXITSTATUS(::pclose(p)), 2);
  EXPECT_THAT(text, HasSubstr("CINETPAY_API_KEY"));
}

TEST_F(CliTest, TransportErrorAndUnknownOutcome) {
  Outcome down = cli_at("http://127.0.0.1:9", "balance");
  EXPECT_EQ(down.code, 3) << down.err;
  sb.add_contact("0102030405");
  sb.fault("process_then_drop", "/v1/transfer/money/send/contact", 1);
  sb.fault("http_status", "/v1/transfer/check/money", 100, {{"status", 502}});
  Outcome unknown =
      cli("--json --reconcile-grace-seconds 0 send --prefix 225 --phone 0102030405 --amount 500 "
          "--notify-url http://127.0.0.1:9/n --client-transaction-id UNK-1");
  EXPECT_EQ(unknown.code, 4) << unknown.err;
  json doc = json::parse(unknown.out);
  EXPECT_EQ(doc[0]["outcome"], "unknown");
  EXPECT_EQ(doc[0]["client_transaction_id"], "UNK-1");
  EXPECT_EQ(sb.api_requests("/v1/transfer/money/send/contact"), 1);
}

TEST_F(CliTest, PasswordIsNeverPrinted) {
  for (const char* args : {"balance", "--json balance",
                           "--json send --prefix 225 --phone 0102030405 --amount 500 --notify-url "
                           "http://127.0.0.1:9/n"}) {
    Outcome r = cli(args, "S3CRET-PASSWORD");
    EXPECT_EQ(r.code, 1) << args;
    EXPECT_THAT(r.out + r.err, HasSubstr("701"));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("S3CRET-PASSWORD")));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("sandbox-key")));
  }
}

// A payout file with the header every test below uses.
constexpr const char* kHeader =
    "prefix,phone,amount,notify_url,client_transaction_id,payment_method\n";

TEST_F(CliTest, CsvUnclosedQuoteIsRefusedNamingItsLineAndNothingIsSent) {
  sb.add_contact("0102030405");
  std::string csv = file("uq.csv", std::string(kHeader) +
                                       "225,0102030405,500,http://127.0.0.1:9/n,UQ-0,\n"
                                       "225,0102030405,500,\"https://shop.example/notify,UQ-1,\n");
  Outcome r = cli("--json send --file " + csv);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_THAT(r.err, HasSubstr(csv + ":3: column 4 (notify_url): unclosed quote"));
  EXPECT_EQ(json::parse(r.out)["error"]["line"], 3);
  EXPECT_EQ(sb.api_requests("/v1/transfer/money/send/contact"), 0);
}

TEST_F(CliTest, CsvStrictFieldsNameLineAndColumn) {
  sb.add_contact("0102030405");
  struct Case {
    std::string rows;
    std::string expected;
  };
  const Case cases[] = {
      {"225,0102030405, 500,http://127.0.0.1:9/n,P-1,\n", ":2: column 3 (amount)"},
      {"225,0102030405,5OO,http://127.0.0.1:9/n,P-1,\n", ":2: column 3 (amount)"},
      {"225,0102030405,500 ,http://127.0.0.1:9/n,P-1,\n", ":2: column 3 (amount)"},
      {"225,0102030405,99999999999999999999,http://127.0.0.1:9/n,P-1,\n", ":2: column 3 (amount)"},
      {"225,0102030405,500,http://127.0.0.1:9/n,P-1,,\n", ":2: 7 fields, the header has 6"},
      {"225,0102030405,500,http://127.0.0.1:9/n\n", ":2: 4 fields, the header has 6"},
      {"225,0102030405,500,http://127.0.0.1:9/n,P-1,\n\"225\"x,0102030405,500,http://x.test/"
       "n,P-2,\n",
       ":3: column 1 (prefix)"},
  };
  for (const Case& c : cases) {
    std::string csv = file("strict.csv", std::string(kHeader) + c.rows);
    Outcome r = cli("send --file " + csv);
    EXPECT_EQ(r.code, 2) << c.rows;
    EXPECT_THAT(r.err, HasSubstr(csv + c.expected)) << c.rows;
  }
  EXPECT_EQ(sb.api_requests("/v1/transfer/money/send/contact"), 0);
}

TEST_F(CliTest, CsvQuotedFieldsBomCrlfAndLinesAfterAQuotedNewline) {
  sb.add_contact("0102030405");
  std::string good = file(
      "good.csv", "\xEF\xBB\xBF" +
                      std::string(kHeader).replace(std::string(kHeader).size() - 1, 1, "\r\n") +
                      "\"225\",\"0102030405\",500,\"http://127.0.0.1:9/n?a=1,b\","
                      "\"Q,\"\"1\"\"\",\r\n"
                      "225,0102030405,1000,http://127.0.0.1:9/n,Q-2,WAVECI\r\n");
  Outcome r = cli("--json send --file " + good);
  ASSERT_EQ(r.code, 0) << r.err;
  json ledger = sb.ledger()["transfers"];
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[0]["client_transaction_id"], "Q,\"1\"");
  EXPECT_EQ(ledger[0]["notify_url"], "http://127.0.0.1:9/n?a=1,b");
  EXPECT_EQ(ledger[1]["payment_method"], "WAVECI");

  // A quoted newline belongs to its field (the SDK then refuses this wallet code).
  std::string multi =
      file("multi.csv", std::string(kHeader) +
                            "225,0102030405,500,http://127.0.0.1:9/n,M-1,\"WAVE\nCI\"\n"
                            "225,0102030405,500,http://127.0.0.1:9/n,M-2,\n");
  Outcome bad = cli("send --file " + multi);
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr(multi + ":2: column 6 (payment_method)"));
  // Errors name the physical line; a line break inside a name is refused by the SDK.
  std::string contacts = file("contacts.csv",
                              "prefix,phone,name,surname,email\n"
                              "225,0102030405,\"Kouassi\nAwa\",Awa,awa@example.com\n"
                              "225,0102030406,Yao,Koffi,no-at-sign\n");
  Outcome later = cli("contact import " + contacts);
  EXPECT_EQ(later.code, 2);
  EXPECT_THAT(later.err, HasSubstr(contacts + ":2: column 3 (name)"));
  EXPECT_EQ(sb.api_requests("/v1/transfer/money/send/contact"), 1);
  EXPECT_EQ(sb.api_requests("/v1/transfer/contact"), 1) << "only the fixture's own contact";
}

TEST_F(CliTest, FileRowsNeedUniqueIds) {
  sb.add_contact("0102030405");
  std::string missing = file("missing.csv", std::string(kHeader) +
                                                "225,0102030405,500,http://127.0.0.1:9/n,I-1,\n"
                                                "225,0102030405,500,http://127.0.0.1:9/n,,\n");
  Outcome a = cli("send --file " + missing);
  EXPECT_EQ(a.code, 2);
  EXPECT_THAT(a.err, HasSubstr(missing + ":3: column 5 (client_transaction_id)"));
  std::string no_column =
      file("nocolumn.csv", "prefix,phone,amount,notify_url\n225,0102030405,500,http://x.test/n\n");
  Outcome b = cli("send --file " + no_column);
  EXPECT_EQ(b.code, 2);
  EXPECT_THAT(b.err, HasSubstr(no_column + ":1: no client_transaction_id column"));
  std::string twice = file("twice.csv", std::string(kHeader) +
                                            "225,0102030405,500,http://127.0.0.1:9/n,D-1,\n"
                                            "225,0102030405,500,http://127.0.0.1:9/n,D-2,\n"
                                            "225,0102030405,700,http://127.0.0.1:9/n,D-1,\n");
  Outcome c = cli("send --file " + twice);
  EXPECT_EQ(c.code, 2);
  EXPECT_THAT(c.err,
              HasSubstr(twice + ":4: column 5 (client_transaction_id): D-1 is also on line 2"));
  std::string js = file(
      "missing.json",
      R"([{"prefix":"225","phone":"0102030405","amount":500,"notify_url":"http://x.test/n"}])");
  Outcome d = cli("send --file " + js);
  EXPECT_EQ(d.code, 2);
  EXPECT_THAT(d.err, HasSubstr(js + ": item 1: client_transaction_id"));
  EXPECT_EQ(sb.api_requests("/v1/transfer/money/send/contact"), 0);
}

TEST_F(CliTest, AFileRunTwicePaysOnceAndSaysAlreadySent) {
  sb.add_contact("0102030405");
  std::string csv = file("twice.csv", std::string(kHeader) +
                                          "225,0102030405,500,http://127.0.0.1:9/n,T-1,\n"
                                          "225,0102030405,1000,http://127.0.0.1:9/n,T-2,\n");
  Outcome first = cli("--json send --file " + csv);
  ASSERT_EQ(first.code, 0) << first.err;
  json sent = json::parse(first.out);
  EXPECT_EQ(sent[0]["outcome"], "accepted");
  Outcome again = cli("--json --reconcile-grace-seconds 0 send --file " + csv);
  ASSERT_EQ(again.code, 0) << again.err;
  json second = json::parse(again.out);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(second[i]["outcome"], "already_sent");
    EXPECT_EQ(second[i]["transaction_id"], sent[i]["transaction_id"]);
  }
  Outcome table = cli("--reconcile-grace-seconds 0 send --file " + csv);
  EXPECT_EQ(table.code, 0);
  EXPECT_THAT(table.out, HasSubstr("already sent"));
  EXPECT_THAT(table.out, HasSubstr(sent[1]["transaction_id"].get<std::string>()));
  EXPECT_THAT(table.out, Not(HasSubstr("accepted")));
  EXPECT_EQ(sb.transfers_with("T-1"), 1);
  EXPECT_EQ(sb.transfers_with("T-2"), 1);
}

// A batch refused whole for the balance (602) is no exception (its send had left): each
// payout is rejected with 602, and the exit code says the balance stopped them all.
TEST_F(CliTest, InsufficientBalanceForEveryPayoutHasItsOwnExitCode) {
  sb.add_contact("0102030405");
  sb.post("/_sandbox/balance", {{"available", 1000}});
  std::string csv = file("poor.csv", std::string(kHeader) +
                                         "225,0102030405,600,http://127.0.0.1:9/n,P-1,\n"
                                         "225,0102030405,600,http://127.0.0.1:9/n,P-2,\n");
  Outcome r = cli("--json send --file " + csv);
  EXPECT_EQ(r.code, 7) << r.err;
  json doc = json::parse(r.out);
  ASSERT_EQ(doc.size(), 2u);
  for (const json& item : doc) {
    EXPECT_EQ(item["outcome"], "rejected") << item;
    EXPECT_EQ(item["error"]["code"], 602) << item;
  }
  Outcome table = cli("send --file " + csv);
  EXPECT_EQ(table.code, 7) << table.err;
  EXPECT_THAT(table.out, ::testing::ContainsRegex("P-2 +rejected .*602 INSUFFICIENT_BALANCE"));
  EXPECT_EQ(sb.transfers_with("P-1") + sb.transfers_with("P-2"), 0);
}

TEST_F(CliTest, JsonFileTypeErrorsNameItemAndField) {
  sb.add_contact("0102030405");
  struct Case {
    std::string doc;
    std::string expected;
  };
  const Case cases[] = {
      {R"([{"prefix":"225","phone":"0102030405","amount":"500","notify_url":"http://x.test/n","client_transaction_id":"J-1"}])",
       ": item 1: amount: must be a whole number"},
      {R"([{"prefix":"225","phone":"0102030405","amount":500,"notify_url":"http://x.test/n","client_transaction_id":"J-1"},{"prefix":225,"phone":"0102030405","amount":500,"notify_url":"http://x.test/n","client_transaction_id":"J-2"}])",
       ": item 2: prefix: must be a string"},
      {R"([{"prefix":"225","phone":"0102030405","amount":500.5,"notify_url":"http://x.test/n","client_transaction_id":"J-1"}])",
       ": item 1: amount: must be a whole number"},
      {R"([{"prefix":"225","phone":"0102030405","amount":500,"notify_url":"http://x.test/n","client_transaction_id":"J-1","amout":5}])",
       ": item 1: amout: unknown field"},
      {R"([{"prefix":"225","phone":"0102030405","amount":-500,"notify_url":"http://x.test/n","client_transaction_id":"J-1"}])",
       ": item 1: amount"},
      {"[{\"prefix\":\"225\",\n\"phone\" \"0102030405\"}]", ":2: not valid JSON"},
  };
  for (const Case& c : cases) {
    std::string path = file("items.json", c.doc);
    Outcome r = cli("--json send --file " + path);
    EXPECT_EQ(r.code, 2) << c.doc;
    EXPECT_THAT(r.err, HasSubstr(path + c.expected)) << c.doc;
    EXPECT_EQ(json::parse(r.out)["error"]["type"], "validation") << c.doc;
  }
  EXPECT_EQ(sb.api_requests("/v1/transfer/money/send/contact"), 0);
}

TEST_F(CliTest, JsonStaysValidWhenAnErrorHoldsInvalidUtf8) {
  mocks::ScriptedServer latin1;
  latin1.answer("/v1/auth/login", 502,
                "<html><body>Passerelle d\xE9"
                "faillante</body></html>",
                "text/html");
  Outcome r = cli_at(latin1.base_url(), "--json balance");
  EXPECT_EQ(r.code, 3) << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["error"]["type"], "protocol");
  EXPECT_THAT(doc["error"]["message"].get<std::string>(), HasSubstr("Passerelle d\xEF\xBF\xBD"));

  // A UTF-8 page whose excerpt is cut inside a two-byte character.
  mocks::ScriptedServer cut;
  std::string page = "<html>" + std::string(153, 'a') + "\xC3\xA9\xC3\xA9\xC3\xA9</html>";
  cut.answer("/v1/auth/login", 502, page, "text/html");
  Outcome c = cli_at(cut.base_url(), "--json balance");
  EXPECT_EQ(c.code, 3) << c.err;
  EXPECT_NO_THROW(json::parse(c.out)) << c.out;
}

TEST_F(CliTest, WaitExitsZeroOnlyForVal) {
  sb.add_contact("0102030499");  // the sandbox rejects (REJ) payouts to numbers ending in 99
  sb.add_contact("0102030498");  // and keeps those to numbers ending in 98 in REC forever
  Outcome rej = cli(
      "--json send --prefix 225 --phone 0102030499 --amount 500 --notify-url http://127.0.0.1:9/n "
      "--client-transaction-id W-REJ");
  ASSERT_EQ(rej.code, 0) << rej.err;
  Outcome waited = cli("--json wait --client-transaction-id W-REJ --timeout-seconds 20");
  EXPECT_EQ(waited.code, 6) << "wait && mark_paid must not mark a rejected payout paid";
  EXPECT_EQ(json::parse(waited.out)["treatment_status"], "REJ");

  Outcome rec =
      cli("send --prefix 225 --phone 0102030498 --amount 500 --notify-url http://127.0.0.1:9/n "
          "--client-transaction-id W-REC");
  ASSERT_EQ(rec.code, 0) << rec.err;
  Outcome timed_out = cli("--json wait --client-transaction-id W-REC --timeout-seconds 1");
  EXPECT_EQ(timed_out.code, 4);
  // NEW until the sandbox's first step, REC after it: either way not final.
  EXPECT_THAT(json::parse(timed_out.out)["treatment_status"].get<std::string>(),
              ::testing::AnyOf("NEW", "REC"));
}

TEST_F(CliTest, NumericFlagsAreStrict) {
  for (const char* args :
       {"wait --client-transaction-id X --timeout-seconds 9223372036854775807",
        "wait --client-transaction-id X --timeout-seconds -5",
        "wait --client-transaction-id X --timeout-seconds 10s",
        "wait --client-transaction-id X --timeout-seconds ' 10'",
        "wait --client-transaction-id X --timeout-seconds ''",
        "--reconcile-grace-seconds 99999999999999999999 balance",
        "--reconcile-grace-seconds -1 balance",
        "send --prefix 225 --phone 0102030405 --amount 9223372036854775808 --notify-url "
        "http://127.0.0.1:9/n --client-transaction-id N-1",
        "send --prefix 225 --phone 0102030405 --amount +500 --notify-url "
        "http://127.0.0.1:9/n --client-transaction-id N-1"}) {
    Outcome r = cli(std::string("--json ") + args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_NO_THROW(json::parse(r.out)) << args;
  }
  EXPECT_EQ(sb.api_requests("/v1/transfer/check/money"), 0);
  EXPECT_EQ(sb.api_requests("/v1/transfer/money/send/contact"), 0);
}

TEST_F(CliTest, EveryErrorPathPrintsJson) {
  for (const char* args : {"", "fly", "--lang de balance", "status", "balance --password x",
                           "send --file /nonexistent/payouts.csv", "--json --help"}) {
    Outcome r = cli(std::string("--json ") + args);
    EXPECT_NO_THROW(json::parse(r.out)) << args << ": " << r.out;
  }
  Outcome ftp = cli_at("ftp://x", "--json balance");
  EXPECT_EQ(ftp.code, 2);
  EXPECT_NO_THROW(json::parse(ftp.out)) << ftp.out;
  Outcome help = cli("--json --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(json::parse(help.out)["usage"].get<std::string>(), HasSubstr("exit codes"));
}

TEST_F(CliTest, FlagsWinOverTheEnvironment) {
  const std::string key = "CINETPAY_API_KEY=sandbox-key CINETPAY_PASSWORD=sandbox-password ";
  Outcome from_env =
      run(key + "CINETPAY_BASE_URL=" + sb.base_url() + " CINETPAY_LANG=fr", "balance");
  EXPECT_EQ(from_env.code, 0) << from_env.err;
  EXPECT_EQ(last_lang(), "fr");
  Outcome flags = run(key + "CINETPAY_BASE_URL=http://127.0.0.1:9 CINETPAY_LANG=de",
                      "--base-url " + sb.base_url() + " --lang en balance");
  EXPECT_EQ(flags.code, 0) << flags.err;
  EXPECT_EQ(last_lang(), "en");
  Outcome bad =
      run(key + "CINETPAY_BASE_URL=" + sb.base_url() + " CINETPAY_LANG=de", "--json balance");
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("CINETPAY_LANG must be en or fr"));
  EXPECT_EQ(cli("--lang en --lang fr balance").code, 2) << "a flag at most once";
}

// A CI job whose sandbox failed to start must not send test payouts to the live API.
TEST_F(CliTest, AnEmptyBaseUrlIsAConfigErrorNeverProduction) {
  const std::string key = "CINETPAY_API_KEY=sandbox-key CINETPAY_PASSWORD=sandbox-password ";
  Outcome empty = run(key + "CINETPAY_BASE_URL=", "--json balance");
  EXPECT_EQ(empty.code, 2) << empty.out << empty.err;
  EXPECT_EQ(json::parse(empty.out)["error"]["type"], "config") << empty.out;
  Outcome flag = run(key, "--base-url '' balance");
  EXPECT_EQ(flag.code, 2) << flag.err;
}

// Issue 7 checked from outside: a hostile CINETPAY_BASE_URL sends nothing anywhere.
TEST_F(CliTest, AHostileBaseUrlInTheEnvironmentSendsNothing) {
  mocks::ScriptedServer server;
  const std::string key = "CINETPAY_API_KEY=sandbox-key CINETPAY_PASSWORD=sandbox-password ";
  const std::string at = server.base_url();
  for (const std::string& url :
       std::vector<std::string>{at + "/?x=", at + "/#frag", "http://u:USERINFO-SECRET@127.0.0.1:1",
                                "'" + at + "\\@x.org'", "'http://[::1]:1'", "'" + at + "/\r\nX: y'",
                                "' " + at + "'", "'https://'"}) {
    Outcome r = run(key + "CINETPAY_BASE_URL=" + url, "--json balance");
    EXPECT_EQ(r.code, 2) << url << ": " << r.out << r.err;
    EXPECT_EQ(json::parse(r.out)["error"]["type"], "config") << url << ": " << r.out;
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("USERINFO-SECRET")));
  }
  EXPECT_TRUE(server.requests().empty()) << "nothing reached the server";
}

// A server that echoes the secrets back, whole, URL-encoded or cut short: the CLI's
// output shows none of them.
TEST_F(CliTest, AServerEchoingTheSecretsNeverGetsThemPrinted) {
  const std::string password = "S3cr/t p@ss&Hj4";
  const std::string encoded = detail::form_encode(password);
  mocks::ScriptedServer server;
  auto holds_part_of = [](const std::string& text, const std::string& secret) {
    for (std::size_t i = 0; i + 4 <= secret.size(); ++i) {
      if (text.find(secret.substr(i, 4)) != std::string::npos) return true;
    }
    return false;
  };
  const std::string pages[] = {
      // a readable refusal quoting the login's body and the secrets in free text
      json{{"code", "701"},
           {"message", "INVALID_CREDENTIALS"},
           {"description", "key sandbox-key, password " + password + " or " + encoded}}
          .dump(),
      // an unreadable page whose excerpt ends inside the password
      std::string(140, '-') + " key sandbox-key password " + encoded + " " + password,
  };
  for (const std::string& page : pages) {
    server.on("/v1/auth/login", [&](const httplib::Request& req, httplib::Response& res) {
      res.set_content(page + " body: " + req.body, "text/plain");
    });
    for (const char* args : {"balance", "--json balance"}) {
      Outcome r = cli_at(server.base_url(), args, password);
      EXPECT_NE(r.code, 0) << args;
      const std::string printed = r.out + r.err;
      EXPECT_THAT(printed, HasSubstr("***")) << printed;
      EXPECT_FALSE(holds_part_of(printed, password)) << printed;
      EXPECT_FALSE(holds_part_of(printed, encoded)) << printed;
      EXPECT_THAT(printed, Not(HasSubstr("sandbox-key"))) << printed;
    }
  }
}

TEST_F(CliTest, HelpDocumentsEveryExitCode) {
  Outcome help = cli("--help");
  ASSERT_EQ(help.code, 0);
  for (const char* code : {"0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "7 ", "8 ", "9 "})
    EXPECT_THAT(help.out, HasSubstr(std::string("\n  ") + code)) << code;
  EXPECT_THAT(help.out, HasSubstr("\n 10 payouts cancel"));
  EXPECT_THAT(help.out, HasSubstr("already sent"));
  EXPECT_THAT(help.out, HasSubstr("client_transaction_id"));
}

// A server that accepts the first batch of payouts, then goes away.
class AcceptOneBatchThenStop {
 public:
  AcceptOneBatchThenStop() {
    server_.answer("/v1/auth/login", 200,
                   R"({"code":0,"message":"OPERATION_SUCCES","data":{"token":"T"}})");
    // Read as a stream: httplib refuses form bodies over 8 KiB, and a batch of 50 is more.
    server_.raw().Post("/v1/transfer/money/send/contact",
                       [this](const httplib::Request&, httplib::Response& res,
                              const httplib::ContentReader& read) {
                         std::string body;
                         read([&](const char* data, std::size_t size) {
                           body.append(data, size);
                           return true;
                         });
                         res.set_content(answer(body), "application/json");
                         if (sends_++ == 0) server_.raw().stop();
                       });
  }
  std::string base_url() const { return server_.base_url(); }
  int sends() const { return sends_.load(); }

 private:
  // Every item of the form's `data` accepted.
  static std::string answer(const std::string& form) {
    json data = json::array();
    for (const auto& [name, value] : form_parse(form)) {
      if (name != "data") continue;
      for (const json& item : json::parse(value)) {
        std::string id = item["client_transaction_id"];
        data.push_back({{"prefix", item["prefix"]},
                        {"phone", item["phone"]},
                        {"amount", item["amount"]},
                        {"client_transaction_id", id},
                        {"code", 0},
                        {"status", "success"},
                        {"treatment_status", "NEW"},
                        {"transaction_id", "T-" + id},
                        {"lot", "L-1"}});
      }
    }
    return json{{"code", 0}, {"message", "OPERATION_SUCCES"}, {"data", json::array({data})}}.dump();
  }

  std::atomic<int> sends_{0};  // before the server, which stops (and joins) first
  mocks::ScriptedServer server_;
};

// The second batch certainly never reached CinetPay (connection refused): not_sent, with
// its own word and exit code.
TEST_F(CliTest, NotSentHasItsOwnDisplayAndExitCode) {
  std::string rows = kHeader;
  for (int i = 0; i < 60; ++i)
    rows += "225,0102030405,500,http://127.0.0.1:9/n,NS-" + std::to_string(i) + ",\n";
  std::string csv = file("sixty.csv", rows);

  AcceptOneBatchThenStop as_json;
  Outcome r = cli_at(as_json.base_url(), "--json send --file " + csv);
  EXPECT_EQ(r.code, 5) << r.err;
  json doc = json::parse(r.out);
  ASSERT_EQ(doc.size(), 60u);
  EXPECT_EQ(doc[49]["outcome"], "accepted") << doc[49];
  EXPECT_EQ(doc[50]["outcome"], "not_sent") << doc[50];
  EXPECT_EQ(doc[59]["outcome"], "not_sent") << doc[59];
  EXPECT_EQ(as_json.sends(), 1);
  Outcome again = cli_at(as_json.base_url(), "send --file " + csv);
  EXPECT_EQ(again.code, 3) << "nothing reached the server: the whole call failed";

  AcceptOneBatchThenStop as_table;
  Outcome table = cli_at(as_table.base_url(), "send --file " + csv);
  EXPECT_EQ(table.code, 5) << table.err;
  EXPECT_THAT(table.out, ::testing::ContainsRegex("NS-59 +not sent"));
}

TEST(SandboxBinary, PrintsItsUrlFirstServesAndStopsOnSigterm) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::string path = CINETPAY_SANDBOX_PATH;
  char* argv[] = {path.data(), const_cast<char*>("--port"), const_cast<char*>("0"), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  std::optional<std::string> line = mocks::line_within(pipe_fds[0]);
  ::close(pipe_fds[0]);
  bool listening =
      line && std::regex_match(*line, std::regex("listening on http://127\\.0\\.0\\.1:[0-9]+"));
  if (!listening) mocks::end_child(pid);
  ASSERT_TRUE(listening) << "cinetpay-sandbox printed no 'listening on' line within the bound: "
                         << line.value_or("");
  std::string base = line->substr(std::string("listening on ").size());
  ClientOptions o;
  o.base_url = base;
  try {
    EXPECT_EQ(TransferClient(Credentials{"sandbox-key", "sandbox-password"}, o).balance().available,
              1000000);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the sandbox did not serve: " << e.what();
  }
  ::kill(pid, SIGTERM);
  std::optional<int> status = mocks::wait_for_exit(pid);
  if (!status) mocks::end_child(pid);
  ASSERT_TRUE(status) << "cinetpay-sandbox did not stop within the bound of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

// payouts submit|run|list|show, over a SQLite ledger in the test's directory.
TEST_F(CliTest, PayoutsSubmitRunListShow) {
  for (const char* phone : {"0102030405", "0102030499"}) {
    ASSERT_EQ(cli(std::string("contact add --prefix 225 --phone ") + phone +
                  " --name Kouassi --surname Awa --email awa@example.com")
                  .code,
              0);
  }
  const std::string db = "sqlite:" + dir_ + "/ledger.db";
  std::string csv = file("payouts.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id\n"
                         "225,0102030405,500,http://127.0.0.1:9/n,LP-1\n"
                         "225,0102030499,1000,http://127.0.0.1:9/n,LP-2\n");
  Outcome submitted = cli("--json payouts submit --db " + db + " --file " + csv);
  ASSERT_EQ(submitted.code, 0) << submitted.err;
  EXPECT_EQ(json::parse(submitted.out)[0]["already_submitted"], false);
  Outcome again = cli("--json payouts submit --db " + db + " --file " + csv);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)[1]["already_submitted"], true);
  Outcome pending = cli("--json payouts list --db " + db + " --state pending");
  ASSERT_EQ(pending.code, 0) << pending.err;
  EXPECT_EQ(json::parse(pending.out).size(), 2U);

  Outcome run =
      cli("--json payouts run --db " + db + " --until-idle --max-seconds 60 --worker-id cli-w");
  // Issue 17: a run in which a payout ended failed (REJ) exited 0.
  ASSERT_EQ(run.code, 6) << "LP-2 ended failed during the run: " << run.err;
  Outcome quiet = cli("payouts run --db " + db + " --until-idle --max-seconds 60");
  EXPECT_EQ(quiet.code, 0) << "nothing ended refused during this one: " << quiet.err;
  json summary = json::parse(run.out);
  EXPECT_EQ(summary["idle"], true);
  EXPECT_EQ(summary["worker_id"], "cli-w");
  EXPECT_EQ(summary["states"]["paid"]["count"], 1);
  EXPECT_EQ(summary["states"]["failed"]["count"], 1);
  EXPECT_EQ(summary["states"]["paid"]["amount"], 500);

  Outcome shown = cli("--json payouts show --db " + db + " LP-1");
  ASSERT_EQ(shown.code, 0) << shown.err;
  json p = json::parse(shown.out);
  EXPECT_EQ(p["state"], "paid");
  EXPECT_EQ(p["treatment_status"], "VAL");
  ASSERT_GE(p["history"].size(), 4U);
  EXPECT_EQ(p["history"][1]["to"], "sending");
  EXPECT_EQ(p["history"][1]["worker_id"], "cli-w");
  Outcome table = cli("payouts show --db " + db + " LP-2");
  EXPECT_EQ(table.code, 0);
  EXPECT_THAT(table.out, HasSubstr("history:"));
  EXPECT_THAT(table.out, HasSubstr("claimed for sending"));
  EXPECT_THAT(table.out, HasSubstr("failed"));
  Outcome paid = cli("payouts list --db " + db + " --state paid");
  EXPECT_THAT(paid.out, HasSubstr("LP-1"));
  EXPECT_THAT(paid.out, Not(HasSubstr("LP-2")));
}

// Every key of every JSON document the CLI prints is snake_case, whatever CinetPay's own word
// (check/balance says `inUsing`; the CLI says `in_using`).
void expect_snake_case_keys(const json& doc, const std::string& command) {
  if (doc.is_object()) {
    for (const auto& [key, value] : doc.items()) {
      bool snake = !key.empty() && key.front() >= 'a' && key.front() <= 'z';
      for (char c : key)
        snake = snake && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
      EXPECT_TRUE(snake) << command << ": key '" << key << "' is not snake_case";
      expect_snake_case_keys(value, command);
    }
  } else if (doc.is_array()) {
    for (const json& item : doc) expect_snake_case_keys(item, command);
  }
}

TEST_F(CliTest, EveryJsonKeyItPrintsIsSnakeCase) {
  const std::string db = "sqlite:" + dir_ + "/ledger.db";
  std::string csv = file("payouts.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id\n"
                         "225,0102030405,500,http://127.0.0.1:9/n,SC-1\n");
  std::string bad = file("bad.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id\n"
                         "225,0102030405,5OO,http://127.0.0.1:9/n,SC-9\n");
  const std::vector<std::string> commands = {
      "balance",
      "contact add --prefix 225 --phone 0102030405 --name Kouassi --surname Awa --email a@b.ci",
      "send --prefix 225 --phone 0102030405 --amount 500 --notify-url http://127.0.0.1:9/n "
      "--client-transaction-id SC-0",
      "status --client-transaction-id SC-0",
      "wait --client-transaction-id SC-0 --timeout-seconds 20",
      "send --file " + bad,
      "payouts submit --db " + db + " --file " + csv,
      "payouts run --db " + db + " --until-idle --max-seconds 60",
      "payouts list --db " + db,
      "payouts show --db " + db + " SC-1",
      "payouts changes --db " + db + " --since 0",
      "payouts status --db " + db,
      "payouts cancel --db " + db + " SC-1",
      "--help"};
  for (const std::string& command : commands) {
    Outcome r = cli("--json " + command);
    json doc = json::parse(r.out);
    expect_snake_case_keys(doc, command);
  }
}

// Issue 17: a payout file carried no recipient, so the ledger never registered anyone and a
// payout to a new phone ended rejected (724). Its name, surname and email columns register
// the phone before the first send; its metadata column (a JSON object, as text in CSV) is
// read back everywhere. The phone CinetPay refuses as a contact fails alone.
TEST_F(CliTest, PayoutsSubmitCarriesRecipientsAndMetadataAndTheWorkerRegistersThem) {
  const std::string db = "sqlite:" + dir_ + "/ledger.db";
  std::string csv =
      file("recipients.csv",
           "prefix,phone,amount,notify_url,client_transaction_id,name,surname,email,"
           "metadata\n"
           "225,0700002001,500,http://127.0.0.1:9/n,RC-1,Awa,Kone,awa@example.com,"
           "\"{\"\"order\"\": \"\"A-17\"\"}\"\n"
           "225,0700002097,600,http://127.0.0.1:9/n,RC-2,Ali,Traore,ali@example.com,\n");
  Outcome submitted = cli("payouts submit --db " + db + " --file " + csv);
  ASSERT_EQ(submitted.code, 0) << submitted.err;
  Outcome run = cli("payouts run --db " + db + " --until-idle --max-seconds 60");
  EXPECT_EQ(run.code, 6) << "RC-2's contact is refused: " << run.err;
  Outcome shown = cli("--json payouts show --db " + db + " RC-1");
  ASSERT_EQ(shown.code, 0) << shown.err;
  json p = json::parse(shown.out);
  EXPECT_EQ(p["state"], "paid");
  EXPECT_EQ(p["metadata"]["order"], "A-17");
  EXPECT_EQ(p["recipient"]["surname"], "Kone");
  json refused = json::parse(cli("--json payouts show --db " + db + " RC-2").out);
  EXPECT_EQ(refused["state"], "rejected");
  EXPECT_EQ(refused["api_code"], 802);
  EXPECT_EQ(refused["metadata"], nullptr);
  json feed = json::parse(cli("--json payouts changes --db " + db + " --since 0").out);
  ASSERT_EQ(feed.size(), 2U);
  const json& paid = feed[0]["client_transaction_id"] == "RC-1" ? feed[0] : feed[1];
  EXPECT_EQ(paid["metadata"]["order"], "A-17");

  // Bad metadata is named with its line before anything is recorded.
  std::string bad = file("bad.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id,metadata\n"
                         "225,0700002001,500,http://127.0.0.1:9/n,RC-3,[1]\n");
  Outcome refusedfile = cli("payouts submit --db " + db + " --file " + bad);
  EXPECT_EQ(refusedfile.code, 2);
  EXPECT_THAT(refusedfile.err, HasSubstr("bad.csv:2: metadata: must be a JSON object"));
  EXPECT_FALSE(json::parse(cli("--json payouts list --db " + db).out).dump().find("RC-3") !=
               std::string::npos);
}

// A ledger's run meeting 602 stops with the balance's exit code; its payouts wait in
// pending, and the same run after the top-up pays them.
TEST_F(CliTest, PayoutsRunStoppedByTheBalanceExitsSevenAndPaysAfterTheTopUp) {
  sb.add_contact("0102030405");
  sb.post("/_sandbox/balance", {{"available", 100}});
  const std::string db = "sqlite:" + dir_ + "/ledger.db";
  std::string csv = file("poor.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id\n"
                         "225,0102030405,500,http://127.0.0.1:9/n,LB-1\n"
                         "225,0102030405,700,http://127.0.0.1:9/n,LB-2\n");
  ASSERT_EQ(cli("payouts submit --db " + db + " --file " + csv).code, 0);
  Outcome poor = cli("--json payouts run --db " + db + " --until-idle --max-seconds 60");
  EXPECT_EQ(poor.code, 7) << poor.err;
  json error = json::parse(poor.out)["error"];
  EXPECT_EQ(error["code"], 602) << error;
  EXPECT_EQ(json::parse(cli("--json payouts list --db " + db + " --state pending").out).size(), 2U);
  EXPECT_EQ(sb.transfers_with("LB-1") + sb.transfers_with("LB-2"), 0);

  sb.post("/_sandbox/balance", {{"available", 1'000'000}});
  Outcome run = cli("--json payouts run --db " + db + " --until-idle --max-seconds 60");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(json::parse(run.out)["states"]["paid"]["count"], 2);
  EXPECT_EQ(sb.transfers_with("LB-1") + sb.transfers_with("LB-2"), 2);
}

TEST_F(CliTest, PayoutsRefuseWhatTheyCannotUse) {
  const std::string db = "sqlite:" + dir_ + "/ledger.db";
  Outcome scheme = cli("payouts list --db mysql://localhost/x");
  EXPECT_EQ(scheme.code, 2);
  EXPECT_THAT(scheme.err, HasSubstr("unknown scheme"));
  EXPECT_EQ(cli("payouts list --db " + db + " --state done").code, 2);
  std::string no_id = file("no-id.csv",
                           "prefix,phone,amount,notify_url,client_transaction_id\n"
                           "225,0102030405,500,http://127.0.0.1:9/n,LP-1\n"
                           "225,0102030405,500,http://127.0.0.1:9/n,\n");
  EXPECT_EQ(cli("payouts submit --db " + db + " --file " + no_id).code, 2);
  std::string one = file("one.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id\n"
                         "225,0102030405,500,http://127.0.0.1:9/n,LP-1\n");
  ASSERT_EQ(cli("payouts submit --db " + db + " --file " + one).code, 0);
  Outcome missing = cli("payouts show --db " + db + " NOPE");
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("NOPE"));
  Outcome none = cli("--json payouts list --db " + db + " --state paid");
  ASSERT_EQ(none.code, 0) << none.err;
  EXPECT_TRUE(json::parse(none.out).empty());
  EXPECT_EQ(cli("payouts run --db " + db + " --lease-seconds 0").code, 2);
}

TEST_F(CliTest, PayoutsRunWithoutUntilIdleMakesOnePass) {
  ASSERT_EQ(cli("contact add --prefix 225 --phone 0102030405 --name Kouassi --surname Awa "
                "--email awa@example.com")
                .code,
            0);
  const std::string db = "sqlite:" + dir_ + "/ledger.db";
  std::string csv = file("one.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id\n"
                         "225,0102030405,500,http://127.0.0.1:9/n,ONE-1\n");
  ASSERT_EQ(cli("payouts submit --db " + db + " --file " + csv).code, 0);
  Outcome run = cli("--json payouts run --db " + db);
  ASSERT_EQ(run.code, 0) << run.err;
  json summary = json::parse(run.out);
  EXPECT_EQ(summary["states"]["accepted"]["count"], 1);
  EXPECT_EQ(summary["idle"], false);
  EXPECT_EQ(sb.transfers_with("ONE-1"), 1);
}

// Issue 17: a 10 MB CSV took about 300 MB to submit, read and held whole. The file is now
// streamed a chunk at a time, and still checked whole before anything is recorded: a bad
// row, or an id recorded before with other fields, in its last chunk records nothing.
TEST_F(CliTest, PayoutsSubmitOfAFileOfSeveralChunksChecksItWholeFirst) {
  const std::string db = "sqlite:" + dir_ + "/ledger.db";
  const std::size_t rows = 2 * PayoutLedger::kSubmitChunk + 500;
  auto big = [&](const std::string& name, const std::string& last_amount) {
    std::string csv = "prefix,phone,amount,notify_url,client_transaction_id\n";
    for (std::size_t i = 0; i + 1 < rows; ++i) {
      csv += "225,0102030405,500,http://127.0.0.1:9/n,BF-" + std::to_string(i) + "\n";
    }
    csv += "225,0102030405," + last_amount + ",http://127.0.0.1:9/n,BF-LAST\n";
    return file(name, csv);
  };
  Outcome bad = cli("payouts submit --db " + db + " --file " + big("bad.csv", "50x"));
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("bad.csv:" + std::to_string(rows + 1) + ": column 3 (amount)"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/ledger.db"));  // a bad file creates no ledger

  std::string one = file("one.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id\n"
                         "225,0102030405,700,http://127.0.0.1:9/n,BF-LAST\n");
  ASSERT_EQ(cli("payouts submit --db " + db + " --file " + one).code, 0);
  Outcome conflict = cli("payouts submit --db " + db + " --file " + big("good.csv", "500"));
  EXPECT_EQ(conflict.code, 2);
  EXPECT_THAT(conflict.err, HasSubstr("good.csv:" + std::to_string(rows + 1) + ":"));
  EXPECT_THAT(conflict.err, HasSubstr("nothing of this batch was recorded"));
  EXPECT_EQ(json::parse(cli("--json payouts list --db " + db).out).size(), 1U);

  std::string fresh_db = "sqlite:" + dir_ + "/fresh.db";
  Outcome recorded = cli("payouts submit --db " + fresh_db + " --file " + dir_ + "/good.csv");
  ASSERT_EQ(recorded.code, 0) << recorded.err;
  EXPECT_THAT(recorded.out, HasSubstr("submitted " + std::to_string(rows) + " payout(s); 0"));
  Outcome listed = cli("--json payouts list --db " + fresh_db + " --limit 100000");
  EXPECT_EQ(json::parse(listed.out).size(), rows);
}

// Issue 17: a 10 MB CSV took about 300 MB of memory to submit: the file, its records, its
// rows and its payouts were all held at once. It is now read a chunk at a time, CSV or
// JSON; a file of many chunks is recorded whole. (Memory is a figure, not an assertion:
// docs/ledger-operations.md gives it, 262 MB before and 31 MB after for 10 MB of CSV.)
TEST_F(CliTest, PayoutsSubmitStreamsItsFile) {
  const std::string db = "sqlite:" + dir_ + "/ledger.db";
  std::string csv = "prefix,phone,amount,notify_url,client_transaction_id\n";
  std::size_t rows = 0;
  for (; csv.size() < 2'500'000; ++rows) {
    csv += "225,0102030405,500,https://shop.example.com/notify,SM-" + std::to_string(rows) + "\n";
  }
  Outcome big = cli("payouts submit --db " + db + " --file " + file("big.csv", csv));
  ASSERT_EQ(big.code, 0) << big.err;

  std::string doc = "[";
  std::size_t items = 0;
  for (; doc.size() < 2'500'000; ++items) {
    doc += R"({"prefix": "225", "phone": "0102030405", "amount": 500, )"
           R"("notify_url": "https://shop.example.com/notify", "client_transaction_id": "SJ-)" +
           std::to_string(items) + "\"},\n";
  }
  doc.replace(doc.size() - 2, 2, "]");
  Outcome big_json = cli("payouts submit --db " + db + " --file " + file("big.json", doc));
  ASSERT_EQ(big_json.code, 0) << big_json.err;
  LedgerSummary summary = PayoutLedger::open(db).summary();
  EXPECT_EQ(summary.by_state[PayoutState::pending].count, rows + items);
  EXPECT_GT(rows, PayoutLedger::kSubmitChunk) << "several chunks";
}

// Issue 17: a run could not be limited to given payouts, and waited for every payout of
// the ledger to turn final.
TEST_F(CliTest, PayoutsRunWithIdsSendsThoseOnlyAndUntilSentStopsAtAccepted) {
  sb.add_contact("0102030405");
  const std::string db = "sqlite:" + dir_ + "/ledger.db";
  std::string csv = file("three.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id\n"
                         "225,0102030405,500,http://127.0.0.1:9/n,LI-1\n"
                         "225,0102030405,600,http://127.0.0.1:9/n,LI-2\n"
                         "225,0102030405,700,http://127.0.0.1:9/n,LI-3\n");
  ASSERT_EQ(cli("payouts submit --db " + db + " --file " + csv).code, 0);
  Outcome some = cli("--json payouts run --db " + db + " --id LI-1 --id LI-3 --max-seconds 60");
  ASSERT_EQ(some.code, 0) << some.err;
  json summary = json::parse(some.out);
  EXPECT_EQ(summary["idle"], true);
  EXPECT_EQ(summary["states"]["paid"]["count"], 2);
  EXPECT_EQ(summary["states"]["pending"]["count"], 0);
  EXPECT_EQ(sb.transfers_with("LI-2"), 0);
  EXPECT_EQ(json::parse(cli("--json payouts show --db " + db + " LI-2").out)["state"], "pending");

  Outcome missing = cli("payouts run --db " + db + " --id LI-2 --id NOPE");
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("NOPE"));
  EXPECT_EQ(sb.transfers_with("LI-2"), 0);

  Outcome sent = cli("--json payouts run --db " + db + " --until-sent --max-seconds 60");
  ASSERT_EQ(sent.code, 0) << sent.err;
  EXPECT_EQ(json::parse(sent.out)["sent"], true);
  EXPECT_EQ(sb.transfers_with("LI-2"), 1);
}

// Issue 19: pause stops every send until resume, status shows who paused and why, cancel
// takes a pending payout out for good and refuses (exit 10) one that is sent or final.
TEST_F(CliTest, PayoutsPauseResumeStatusAndCancel) {
  sb.add_contact("0102030405");
  const std::string db = "sqlite:" + dir_ + "/ledger.db";
  std::string csv = file("three.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id\n"
                         "225,0102030405,500,http://127.0.0.1:9/n,CP-1\n"
                         "225,0102030405,600,http://127.0.0.1:9/n,CP-2\n"
                         "225,0102030405,700,http://127.0.0.1:9/n,CP-3\n");
  ASSERT_EQ(cli("payouts submit --db " + db + " --file " + csv).code, 0);
  Outcome paused = cli("payouts pause --db " + db + " --reason 'bank incident'");
  ASSERT_EQ(paused.code, 0) << paused.err;
  EXPECT_THAT(paused.out, HasSubstr("PAUSED"));
  Outcome status = cli("payouts status --db " + db);
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("bank incident"));
  EXPECT_THAT(status.out, HasSubstr("pending 3"));
  json doc = json::parse(cli("--json payouts status --db " + db).out);
  EXPECT_EQ(doc["sending"]["paused"], true);
  EXPECT_EQ(doc["sending"]["reason"], "bank incident");
  EXPECT_THAT(doc["sending"]["by"].get<std::string>(), HasSubstr("@"));

  Outcome run = cli("--json payouts run --db " + db + " --until-idle --max-seconds 2");
  EXPECT_EQ(run.code, 4) << run.err;
  EXPECT_EQ(json::parse(run.out)["paused"], true);
  EXPECT_THAT(run.err, HasSubstr("PAUSED"));
  for (const char* id : {"CP-1", "CP-2", "CP-3"}) EXPECT_EQ(sb.transfers_with(id), 0) << id;

  Outcome cancelled = cli("payouts cancel --db " + db + " CP-1 --reason 'order refunded'");
  EXPECT_EQ(cancelled.code, 0) << cancelled.err;
  EXPECT_EQ(cli("payouts cancel --db " + db + " CP-1").code, 10);
  EXPECT_EQ(cli("payouts cancel --db " + db + " NOPE").code, 2);
  EXPECT_EQ(cli("payouts cancel --db " + db).code, 2);

  Outcome resumed = cli("payouts resume --db " + db);
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_THAT(resumed.out, HasSubstr("running"));
  Outcome paid = cli("payouts run --db " + db + " --until-idle --max-seconds 60");
  ASSERT_EQ(paid.code, 0) << paid.err;
  EXPECT_EQ(sb.transfers_with("CP-1"), 0);
  EXPECT_EQ(sb.transfers_with("CP-2"), 1);
  Outcome refused = cli("--json payouts cancel --db " + db + " CP-2");
  EXPECT_EQ(refused.code, 10);
  EXPECT_EQ(json::parse(refused.out)["state"], "paid");
  EXPECT_EQ(json::parse(refused.out)["cancelled"], false);

  json feed = json::parse(cli("--json payouts changes --db " + db + " --since 0").out);
  ASSERT_FALSE(feed.empty());
  EXPECT_EQ(feed[0]["client_transaction_id"], "CP-1");
  EXPECT_EQ(feed[0]["state"], "cancelled");
  EXPECT_EQ(feed[0]["reason"], "cancelled: order refunded");
  json shown = json::parse(cli("--json payouts show --db " + db + " CP-1").out);
  EXPECT_THAT(shown["history"].back()["worker_id"].get<std::string>(), HasSubstr("cinetpay CLI"));
  EXPECT_EQ(json::parse(cli("--json payouts list --db " + db + " --state cancelled").out).size(),
            1U);
}

// Issue 17: the change feed's cursor was the merchant's to keep; a consumer's place is now
// the ledger's, moved by --ack once what was printed reached stdout.
TEST_F(CliTest, PayoutsChangesForAConsumerResumeAfterItsAck) {
  for (const char* phone : {"0102030405", "0102030499"}) sb.add_contact(phone);
  const std::string db = "sqlite:" + dir_ + "/ledger.db";
  std::string csv = file("two.csv",
                         "prefix,phone,amount,notify_url,client_transaction_id\n"
                         "225,0102030405,500,http://127.0.0.1:9/n,LC-1\n"
                         "225,0102030499,600,http://127.0.0.1:9/n,LC-2\n");
  ASSERT_EQ(cli("payouts submit --db " + db + " --file " + csv).code, 0);
  ASSERT_EQ(cli("payouts run --db " + db + " --until-idle --max-seconds 60").code, 6)
      << "LC-2 ends failed (REJ)";

  const std::string orders = "--json payouts changes --db " + db + " --consumer orders";
  Outcome peek = cli(orders + " --limit 1");
  ASSERT_EQ(peek.code, 0) << peek.err;
  ASSERT_EQ(json::parse(peek.out).size(), 1U);
  Outcome first = cli(orders + " --limit 1 --ack");
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_EQ(json::parse(first.out), json::parse(peek.out));  // not acknowledged before
  Outcome second = cli(orders + " --ack");
  ASSERT_EQ(second.code, 0) << second.err;
  json rest = json::parse(second.out);
  ASSERT_EQ(rest.size(), 1U);
  EXPECT_NE(rest[0]["client_transaction_id"], json::parse(first.out)[0]["client_transaction_id"]);
  EXPECT_TRUE(json::parse(cli(orders).out).empty());

  Outcome all = cli("payouts changes --db " + db + " --since 0");
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("Transfert rejet"));  // the REJ's comment
  EXPECT_EQ(cli("payouts changes --db " + db + " --ack").code, 2);
  EXPECT_EQ(cli("payouts changes --db " + db + " --since 0 --consumer orders").code, 2);
}

// One payout file for the ledger's commands.
constexpr const char* kOnePayout =
    "prefix,phone,amount,notify_url,client_transaction_id\n"
    "225,0102030405,500,http://127.0.0.1:9/n,ST-1\n";

// Issue 17: an in-memory database or a URI filename reported payouts recorded and kept none.
TEST_F(CliTest, PayoutsRefuseStorageThatIsNotStorage) {
  const std::string csv = file("one.csv", kOnePayout);
  const std::string store = dir_ + "/store";
  ASSERT_EQ(::mkdir(store.c_str(), 0700), 0);
  for (const std::string& db : std::vector<std::string>{
           "sqlite::memory:", "'sqlite:file:" + store + "/m.db?mode=memory'",
           "'sqlite:file:" + store + "/f.db'", "'sqlite:" + store + "/n.db?nolock=1'",
           "'sqlite:" + store + "/i.db?immutable=1'"}) {
    Outcome r = cli("--json payouts submit --db " + db + " --file " + csv);
    EXPECT_EQ(r.code, 2) << db << ": " << r.out << r.err;
    json doc = json::parse(r.out);
    ASSERT_TRUE(doc.is_object()) << db << ": " << doc;
    EXPECT_EQ(doc["error"]["type"], "usage") << db;
    EXPECT_THAT(doc["error"]["message"].get<std::string>(), HasSubstr("sqlite:PATH")) << db;
  }
  EXPECT_TRUE(std::filesystem::is_empty(store)) << "nothing was created";
}

// Issue 17: `payouts run --db sqlite:typo.db` made an empty ledger and exited 0.
TEST_F(CliTest, PayoutsRunListAndShowNeverCreateALedger) {
  const std::string path = dir_ + "/typo.db";
  for (const std::string& args :
       {"payouts run --db sqlite:" + path, "payouts run --until-idle --db sqlite:" + path,
        "payouts list --db sqlite:" + path, "payouts show --db sqlite:" + path + " ST-1"}) {
    Outcome r = cli("--json " + args);
    EXPECT_EQ(r.code, 8) << args << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("no ledger")) << args;
    EXPECT_EQ(json::parse(r.out)["error"]["type"], "ledger") << args;
    EXPECT_FALSE(std::filesystem::exists(path)) << args;
  }
  ASSERT_EQ(
      cli("payouts submit --db sqlite:" + path + " --file " + file("one.csv", kOnePayout)).code, 0);
  EXPECT_EQ(cli("payouts list --db sqlite:" + path).code, 0);
}

// Issue 17: `payouts list` failed on a file it may not write, since opening always took the
// write lock to migrate. Under root, whom file modes do not stop, it runs as `nobody`; the
// directory is the reader's to write, as SQLite needs for the -shm file of a WAL ledger.
TEST_F(CliTest, PayoutsListAndShowReadALedgerTheyMayNotWrite) {
  const std::string path = dir_ + "/ledger.db";
  ASSERT_EQ(
      cli("payouts submit --db sqlite:" + path + " --file " + file("one.csv", kOnePayout)).code, 0);
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  ASSERT_EQ(::chmod(dir_.c_str(), 0777), 0);
  Streams as_reader;
  as_reader.out = dir_ + "/reader-out";
  if (::geteuid() == 0) as_reader.wrapper = "setpriv --reuid=65534 --regid=65534 --clear-groups";
  const std::string before = slurp(path);
  Outcome list = cli_to("payouts list --db sqlite:" + path, as_reader);
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_THAT(slurp(as_reader.out), HasSubstr("ST-1"));
  Outcome show = cli_to("payouts show --db sqlite:" + path + " ST-1", as_reader);
  EXPECT_EQ(show.code, 0) << show.err;
  EXPECT_THAT(slurp(as_reader.out), HasSubstr("submitted"));
  EXPECT_EQ(slurp(path), before) << "nothing was written";
  Outcome run = cli_to("payouts run --db sqlite:" + path, as_reader);
  EXPECT_EQ(run.code, 8) << "a worker must write: " << run.err;
}

// Issue 17: any ledger error exited 3, "transport or protocol error".
TEST_F(CliTest, LedgerErrorsHaveTheirOwnExitCodeAndType) {
  Outcome r = cli("--json payouts submit --db sqlite:/nonexistent-dir/x/ledger.db --file " +
                  file("one.csv", kOnePayout));
  EXPECT_EQ(r.code, 8) << r.err;
  EXPECT_EQ(json::parse(r.out)["error"]["type"], "ledger");
  Outcome help = cli("--help");
  EXPECT_THAT(help.out, HasSubstr("\n  8 a ledger or database error"));
}

// Issue 17: libpq's parse error quoted the password, or the whole URL, to stderr and into
// the JSON error.
TEST_F(CliTest, ADatabaseUrlsPasswordIsNeverPrinted) {
  for (const char* db : {"'postgresql://payouts:S3cr%t!pw@127.0.0.1:1/payouts'",
                         "'postgresql://payouts:S3cr3t-pw@[127.0.0.1:1/payouts'",
                         "'postgresql://payouts@127.0.0.1:1/payouts?password=S3cr%t!pw'",
                         "'password=S3cr:et host=127.0.0.1 port=1'"}) {
    for (const char* command : {"list", "run"}) {
      Outcome r = cli(std::string("--json payouts ") + command + " --db " + db);
      EXPECT_NE(r.code, 0) << db;
      EXPECT_NO_THROW(json::parse(r.out)) << r.out;
      EXPECT_THAT(r.out + r.err, Not(HasSubstr("S3cr"))) << db << ": " << r.out << r.err;
      EXPECT_THAT(r.out + r.err, Not(HasSubstr("%t!pw"))) << db;
    }
  }
}

// Issue 17: with stdout on a full disk, `send` paid, exited 0, and the id it made was
// written nowhere.
TEST_F(CliTest, AFailedWriteIsAnErrorAndASendPrintsItsIdOnStderrFirst) {
  sb.add_contact("0102030405");
  const std::string send =
      "send --prefix 225 --phone 0102030405 --amount 500 --notify-url http://127.0.0.1:9/n";
  Outcome full = cli_to(send, {"/dev/full", "", ""});
  EXPECT_EQ(full.code, 9) << full.err;
  std::smatch id;
  ASSERT_TRUE(std::regex_search(full.err, id, std::regex("client_transaction_id (cp-[0-9a-f]+)")))
      << full.err;
  EXPECT_EQ(sb.transfers_with(id[1].str()), 1);
  EXPECT_THAT(full.err, HasSubstr("cannot write"));

  Outcome balance = cli_to("--json balance", {"/dev/full", "", ""});
  EXPECT_EQ(balance.code, 9) << balance.err;
  Outcome err_full = cli_to(send + " --client-transaction-id FULL-2", {"", "/dev/full", ""});
  EXPECT_EQ(err_full.code, 9);
  EXPECT_THAT(err_full.out, HasSubstr("FULL-2"));

  Outcome joined = cli_to(send + " --client-transaction-id FULL-3", {"", "&1", ""});
  EXPECT_EQ(joined.code, 0) << joined.out;
  EXPECT_THAT(joined.out, ::testing::MatchesRegex("cinetpay: client_transaction_id FULL-3[^\n]*\n"
                                                  "client_transaction_id +outcome(.|\n)*"));
}

// A server's text that carries ESC, CR, BEL, DEL and a C1 code (U+009B, CSI), as a hostile or
// broken gateway may send.
constexpr const char* kHostile =
    "\x1b[2K\r\x07\x7f\xc2\x9b"
    "accepted";

// Issue 17: server text was printed raw in tables, so that it could repaint a line.
TEST_F(CliTest, ControlCharactersFromTheServerAreEscapedInTables) {
  mocks::ScriptedServer server;
  server.answer("/v1/auth/login", 200,
                R"({"code":0,"message":"OPERATION_SUCCES","data":{"token":"HOSTILE-TOKEN"}})");
  server.answer("/v1/transfer/check/money", 200,
                json{{"code", 0},
                     {"message", "OPERATION_SUCCES"},
                     {"data",
                      {{{"transaction_id", "EA-1"},
                        {"client_transaction_id", "H-1"},
                        {"lot", "L"},
                        {"amount", "500"},
                        {"receiver", "0102030405"},
                        {"receiver_e164", "+2250102030405"},
                        {"treatment_status", "REJ"},
                        {"comment", std::string("REJ") + kHostile}}}}}
                    .dump());
  Outcome status = cli_at(server.base_url(), "status --client-transaction-id H-1");
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("REJ\\x1b[2K\\x0d\\x07\\x7f\\u009baccepted"));
  for (const char* raw : {"\x1b", "\r", "\x07", "\x7f", "\xc2\x9b"}) {
    EXPECT_EQ(status.out.find(raw), std::string::npos) << status.out;
  }

  server.answer("/v1/transfer/check/money", 200,
                json{{"code", "723"},
                     {"message", std::string("NOT_FOUND") + kHostile},
                     {"description", std::string("gone") + kHostile}}
                    .dump());
  Outcome refused = cli_at(server.base_url(), "status --client-transaction-id H-1");
  EXPECT_EQ(refused.code, 1) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("\\x1b[2K"));
  EXPECT_EQ(refused.err.find('\x1b'), std::string::npos) << refused.err;
}

// The same through the ledger: a payout whose detail, status and history reason came from
// such an answer, written in the ledger as a worker would record it.
TEST_F(CliTest, ControlCharactersInALedgersHistoryAreEscapedInTables) {
  const std::string path = dir_ + "/ledger.db";
  ASSERT_EQ(
      cli("payouts submit --db sqlite:" + path + " --file " + file("one.csv", kOnePayout)).code, 0);
  {
    std::unique_ptr<detail::LedgerStore> store = detail::open_sqlite_store(path);
    detail::PayoutRow row = *store->find("ST-1");
    detail::PayoutRow next = row;
    next.payout.state = PayoutState::rejected;
    next.payout.api_code = 724;
    next.payout.detail = std::string("refused") + kHostile;
    next.payout.treatment_status = std::string("REJ") + kHostile;
    PayoutEvent event;
    event.from = PayoutState::pending;
    event.to = PayoutState::rejected;
    event.reason = std::string("724 ") + kHostile;
    ASSERT_EQ(store->apply({{PayoutState::pending, "", "", next, event}}), std::vector<bool>{true});
  }
  for (const char* command : {"list", "show"}) {
    Outcome r = cli(std::string("payouts ") + command + " --db sqlite:" + path +
                    (command == std::string("show") ? " ST-1" : ""));
    ASSERT_EQ(r.code, 0) << command << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr("\\x1b[2K\\x0d\\x07\\x7f\\u009baccepted")) << command;
    for (const char* raw : {"\x1b", "\r", "\x07", "\x7f", "\xc2\x9b"}) {
      EXPECT_EQ(r.out.find(raw), std::string::npos) << command << ": " << r.out;
    }
  }
}

TEST(Printable, EscapesWhatATerminalWouldObeyAndKeepsTheRest) {
  using cli::printable;
  EXPECT_EQ(printable("Kouassi Awa, 500 XOF"), "Kouassi Awa, 500 XOF");
  EXPECT_EQ(printable("d\xC3\xA9j\xC3\xA0 pay\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x92\xB8"),
            "d\xC3\xA9j\xC3\xA0 pay\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x92\xB8")
      << "UTF-8 letters, symbols and emoji are kept";
  EXPECT_EQ(printable(std::string("a\0b\tc\nd\x1b"
                                  "e\x7f",
                                  10)),
            "a\\x00b\\x09c\\x0ad\\x1be\\x7f");
  EXPECT_EQ(printable("\xC2\x9B"
                      "1m \xC2\x85"),
            "\\u009b1m \\u0085")
      << "C1 controls";
  EXPECT_EQ(printable("\xE2\x80\xAE"
                      "detpecca \xE2\x81\xA6x\xE2\x80\xA8"),
            "\\u202edetpecca \\u2066x\\u2028")
      << "bidi overrides and isolates, line separators";
  EXPECT_EQ(printable("\x9B"
                      "1m"),
            "\\x9b1m")
      << "a lone C1 byte, as Latin-1 terminals read it";
  EXPECT_EQ(printable("\xC0\xAF \xE0\x80\xAF \xED\xA0\x80 \xF4\x90\x80\x80 \xE2\x82"),
            "\\xc0\\xaf \\xe0\\x80\\xaf \\xed\\xa0\\x80 \\xf4\\x90\\x80\\x80 \\xe2\\x82")
      << "overlong forms, surrogates, past U+10FFFF, cut short";
  EXPECT_EQ(printable("C:\\x1b"), "C:\\\\x1b") << "a backslash never passes for an escape";
}

// Issue 17: `wait --timeout-seconds 0` exited 3 "deadline has passed", even for a VAL payout.
TEST_F(CliTest, WaitWithTimeoutZeroChecksOnce) {
  sb.add_contact("0102030405");
  sb.add_contact("0102030498");  // the sandbox keeps payouts to it in REC forever
  const std::string send =
      "send --prefix 225 --phone 0102030405 --amount 500 --notify-url http://127.0.0.1:9/n";
  ASSERT_EQ(cli(send + " --client-transaction-id W0-VAL").code, 0);
  ASSERT_EQ(cli("wait --client-transaction-id W0-VAL --timeout-seconds 20").code, 0);
  const int checks = sb.api_requests("/v1/transfer/check/money");
  Outcome val = cli("--json wait --client-transaction-id W0-VAL --timeout-seconds 0");
  EXPECT_EQ(val.code, 0) << val.err;
  EXPECT_EQ(json::parse(val.out)["treatment_status"], "VAL");
  EXPECT_EQ(sb.api_requests("/v1/transfer/check/money"), checks + 1);

  ASSERT_EQ(cli("send --prefix 225 --phone 0102030498 --amount 500 --notify-url "
                "http://127.0.0.1:9/n --client-transaction-id W0-REC")
                .code,
            0);
  Outcome not_final = cli("--json wait --client-transaction-id W0-REC --timeout-seconds 0");
  EXPECT_EQ(not_final.code, 4) << not_final.err;
  EXPECT_THAT(json::parse(not_final.out)["treatment_status"].get<std::string>(),
              ::testing::AnyOf("NEW", "REC"));
}

}  // namespace
}  // namespace cinetpay
