// cinetpay-sandbox the program: its flags reach SandboxOptions, and it refuses bad ones.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>

#include "bounded_wait.hpp"
#include "raw_client.hpp"
#include "sandbox_fixture.hpp"

extern char** environ;

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Runs the program with `args`; its stdout is readable from `out` until it is stopped.
class Program {
 public:
  explicit Program(std::vector<std::string> args) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe() failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    args.insert(args.begin(), CINETPAY_SANDBOX_PATH);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = fds[0];
    if (spawned != 0) throw std::runtime_error("posix_spawn failed");
  }
  ~Program() {
    if (pid_ > 0) stop();
    ::close(out_);
  }
  /// The next line of its output, or a failure once the bound passes without one.
  std::string line() {
    std::optional<std::string> line = mocks::line_within(out_);
    if (!line) ADD_FAILURE() << "cinetpay-sandbox printed no whole line within the bound";
    return line.value_or("");
  }
  /// Its whole output, once it has closed it, or a failure once the bound passes.
  std::string rest() {
    std::optional<std::string> all = mocks::rest_within(out_);
    if (!all) ADD_FAILURE() << "cinetpay-sandbox kept its output open past the bound";
    return all.value_or("");
  }
  /// Waits for the program to end by itself; returns its exit status. One still running
  /// at the bound fails the test and is killed.
  int wait() {
    std::optional<int> status = mocks::wait_for_exit(pid_);
    if (!status) {
      ADD_FAILURE() << "cinetpay-sandbox did not exit within the bound";
      mocks::end_child(pid_);
    }
    pid_ = 0;
    return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  }
  int stop() {
    ::kill(pid_, SIGTERM);
    return wait();
  }

 private:
  pid_t pid_ = 0;
  int out_ = -1;
};

TEST(SandboxProgram, HelpListsTheLimitsAndLatency) {
  Program p({"--help"});
  std::string help = p.rest();
  EXPECT_EQ(p.wait(), 0);
  for (const char* flag :
       {"--latency-ms", "--latency-jitter-ms", "--max-body-bytes", "--max-json-depth",
        "--max-connections", "--keep-alive-seconds", "--read-timeout-seconds", "--log-capacity"}) {
    EXPECT_THAT(help, HasSubstr(flag));
  }
}

TEST(SandboxProgram, BadNumbersAreRefused) {
  for (const char* bad : {"-5", "12abc", "99999999999999999999", " 7"}) {
    Program p({"--latency-ms", bad});
    std::string said = p.rest();
    EXPECT_EQ(p.wait(), 2) << bad;
    EXPECT_THAT(said, HasSubstr("--latency-ms")) << bad;
  }
  Program port({"--port", "70000"});
  port.rest();
  EXPECT_EQ(port.wait(), 2);
}

TEST(SandboxProgram, FlagsReachTheServer) {
  Program p(
      {"--port", "0", "--latency-ms", "300", "--max-body-bytes", "2048", "--log-capacity", "2"});
  std::string line = p.line();
  ASSERT_THAT(line, ::testing::MatchesRegex("listening on http://127\\.0\\.0\\.1:[0-9]+"));
  int port = std::stoi(line.substr(line.rfind(':') + 1));
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(10, 0);

  auto big =
      http.Post("/v1/auth/login", std::string(3000, 'a'), "application/x-www-form-urlencoded");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);

  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(http.Get("/v1/transfer/check/balance?token=x"));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms) << "3 answers × 300 ms";
  auto log = http.Get("/_sandbox/requests");
  ASSERT_TRUE(log);
  EXPECT_EQ(nlohmann::json::parse(log->body).size(), 2u);
  EXPECT_EQ(p.stop(), 0);
}

}  // namespace
}  // namespace cinetpay
