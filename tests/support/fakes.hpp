// FakeWorld: the project's unit tests' client over the installed test doubles
// (cinetpay::mocks), with the SDK's default waits and every log line kept.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cinetpay/testing/manual_clock.hpp"
#include "cinetpay/testing/scripted_transport.hpp"
#include "cinetpay/transfer.hpp"

namespace cinetpay::mocks {

/// A client over a scripted transport and a manual clock; no real time passes. Unlike
/// fast_options, it keeps the default timeouts and grace: tests count the lookups they
/// give.
struct FakeWorld {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  ManualClock clock;
  std::vector<std::string> log_lines;
  std::mutex log_mu;

  ClientOptions options() {
    ClientOptions o;
    o.base_url = "https://api.test";
    o.transport = transport;
    o.clock = clock.clock();
    o.sleeper = clock.sleeper();
    o.random = [] { return 0.5; };
    o.logger = [this](LogLevel level, std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mu);
      log_lines.push_back(std::string(to_string(level)) + ": " + std::string(line));
    };
    return o;
  }
  TransferClient client() {
    return TransferClient(Credentials{"key-secret", "pass-secret"}, options());
  }
  TransferClient client(ClientOptions o) {
    return TransferClient(Credentials{"key-secret", "pass-secret"}, std::move(o));
  }
  std::string all_logs() {
    std::lock_guard<std::mutex> lock(log_mu);
    std::string s;
    for (auto& l : log_lines) s += l + "\n";
    return s;
  }
};

}  // namespace cinetpay::mocks
