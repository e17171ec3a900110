// The cinetpay command-line tool, run as a program against an in-process sandbox.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "sandbox_fixture.hpp"

namespace cinetpay {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SandboxFixture;

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
    std::string out = dir_ + "/out";
    std::string err = dir_ + "/err";
    std::string command =
        "env -u CINETPAY_BASE_URL -u CINETPAY_LANG CINETPAY_API_KEY=sandbox-key "
        "CINETPAY_PASSWORD='" +
        password + "' " + CINETPAY_CLI_PATH + " --base-url " + sb.base_url() + " " + args + " >" +
        out + " 2>" + err + " </dev/null";
    int status = std::system(command.c_str());
    return Outcome{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }
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
  EXPECT_EQ(doc["inUsing"], 0);
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
                         "prefix,phone,amount,notify_url\n225,0102030405,500,http://x.test/"
                         "n\n+225,0102030405,500,http://x.test/n\n");
  Outcome batch = cli("send --file " + csv);
  EXPECT_EQ(batch.code, 2);
  EXPECT_THAT(batch.err, HasSubstr("item 1"));
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
  EXPECT_EQ(json::parse(refused.out)["error"]["code"], 724);
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
  Outcome down = cli("--base-url http://127.0.0.1:9 balance");
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
  std::string line;
  char c = 0;
  while (::read(pipe_fds[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(pipe_fds[0]);
  ASSERT_THAT(line, ::testing::MatchesRegex("listening on http://127\\.0\\.0\\.1:[0-9]+"));
  std::string base = line.substr(std::string("listening on ").size());
  ClientOptions o;
  o.base_url = base;
  EXPECT_EQ(TransferClient(Credentials{"sandbox-key", "sandbox-password"}, o).balance().available, 1000000);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace cinetpay
