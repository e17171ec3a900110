// What the fleet's tests share: a temporary directory per test, and the CLI as a process
// against the sandbox process with the sandbox's credentials.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "worker_harness.hpp"

namespace cinetpay::mocks {

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/cinetpay-fleet-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
  }
  // Kept when the test failed: its logs are there.
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  std::string dir_;
};

/// `cinetpay ARGS...` against `sandbox` (a second of grace before reconciling), with the
/// sandbox's credentials; its output appended to `log`.
inline pid_t cli(const SandboxProcess& sandbox, std::vector<std::string> args,
                 const std::string& log) {
  args.insert(args.begin(),
              {CINETPAY_CLI_PATH, "--base-url", sandbox.url(), "--reconcile-grace-seconds", "1"});
  return spawn(args, {"CINETPAY_API_KEY=sandbox-key", "CINETPAY_PASSWORD=sandbox-password"}, log);
}

/// True when `cinetpay ARGS...` exited 0 within `bound`.
inline bool cli_succeeds(const SandboxProcess& sandbox, std::vector<std::string> args,
                         const std::string& log,
                         std::chrono::milliseconds bound = std::chrono::seconds(60)) {
  auto status = wait_for_exit(cli(sandbox, std::move(args), log), bound);
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

}  // namespace cinetpay::mocks
