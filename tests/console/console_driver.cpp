// The console's browser test, end to end: a sandbox, a fresh SQLite ledger of payouts
// submitted with the CLI, the console (`cinetpay payouts serve`) over it with a token, and
// console.test.mjs in headless chromium, which starts a worker when its live scenario is
// watching. Everything runs on 127.0.0.1, on ports the system picked, and is stopped here.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "worker_harness.hpp"

namespace {

using namespace std::chrono_literals;
using namespace cinetpay::mocks;

constexpr int kPayouts = 30;
// Secrets of the run, none of which any page or answer of the console may contain.
constexpr const char* kApiKey = "sandbox-key";
constexpr const char* kPassword = "sandbox-password";
constexpr const char* kToken = "console-token-0123456789abcdef";

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

int run(const std::string& dir) {
  const std::string cli = CINETPAY_CLI_PATH;
  const std::string log = dir + "/processes.log";
  const std::filesystem::path script = CINETPAY_CONSOLE_SCRIPT;
  if (!std::filesystem::exists(script.parent_path() / "node_modules/puppeteer-core")) {
    std::cout << "FAIL setup: no puppeteer-core in " << script.parent_path().string()
              << "/node_modules: run `bash cmake/install-deps.sh browser`\n";
    return 1;
  }
  SandboxProcess sandbox(CINETPAY_SANDBOX_PATH, dir, {"--settle-ms", "300"});
  const std::string db = "sqlite:" + dir + "/ledger.db";
  const std::vector<std::string> ids =
      write_payouts(sandbox, dir + "/payouts.csv", "CONSOLE-", kPayouts);
  const std::vector<std::string> credentials = {std::string("CINETPAY_API_KEY=") + kApiKey,
                                                std::string("CINETPAY_PASSWORD=") + kPassword};
  auto submitted =
      wait_for_exit(spawn({cli, "payouts", "submit", "--db", db, "--file", dir + "/payouts.csv"},
                          credentials, log),
                    60s);
  if (!submitted || !WIFEXITED(*submitted) || WEXITSTATUS(*submitted) != 0) {
    std::cout << "FAIL setup: payouts submit failed; see " << log << "\n";
    return 1;
  }

  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  std::vector<std::string> console_env = credentials;
  console_env.push_back(std::string("CINETPAY_CONSOLE_TOKEN=") + kToken);
  pid_t console = spawn(
      {cli, "--base-url", sandbox.url(), "payouts", "serve", "--db", db, "--listen", "127.0.0.1:0"},
      console_env, dir + "/console.log", fds[1]);
  ::close(fds[1]);
  const std::optional<std::string> first = line_within(fds[0]);
  const std::string prefix = "console: ";
  if (!first || first->rfind(prefix, 0) != 0) {
    ::close(fds[0]);
    end_child(console);
    std::cout << "FAIL setup: the console printed no 'console: URL' line; see " << dir
              << "/console.log\n";
    return 1;
  }

  // Payouts 0, 3, 6… go to a phone the sandbox pays: the live one and the cancelled one.
  const nlohmann::json worker = {cli,    "--base-url", sandbox.url(),  "payouts",       "run",
                                 "--db", db,           "--until-idle", "--max-seconds", "80"};
  std::vector<std::string> node_env = credentials;
  node_env.insert(
      node_env.end(),
      {"CONSOLE_URL=" + first->substr(prefix.size()), std::string("CONSOLE_TOKEN=") + kToken,
       "SANDBOX_URL=" + sandbox.url(), "CONSOLE_SECRETS=" + joined({kApiKey, kPassword, kToken}),
       "CONSOLE_IDS=" + joined(ids), "CONSOLE_CANCEL_ID=" + ids[3], "CONSOLE_LIVE_ID=" + ids[0],
       "CONSOLE_WORKER=" + worker.dump()});
  // The script bounds its own run at 180 s; this bound is for a script that hangs anyway.
  pid_t node =
      spawn({CINETPAY_NODE_PATH, script.string()}, node_env, dir + "/node.log", STDOUT_FILENO);
  std::optional<int> status = wait_for_exit(node, 200s);
  if (!status) end_child(node);
  ::kill(console, SIGTERM);
  if (!wait_for_exit(console, 10s)) end_child(console);
  ::close(fds[0]);
  const bool ok = status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  if (!ok) std::cout << "logs: " << dir << "/{node,console,processes,sandbox}.log\n";
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  char dir_template[] = "/tmp/cinetpay-console-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) return 1;
  const std::string dir = dir_template;
  int code = 1;
  try {
    code = run(dir);
  } catch (const std::exception& e) {
    std::cout << "FAIL setup: " << e.what() << "\n";
  }
  // Kept when the test failed, for its logs.
  if (code == 0) std::filesystem::remove_all(dir);
  return code;
}
