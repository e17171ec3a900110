// cinetpay-sandbox: a stateful local simulator of CinetPay's Transfer API, for the demo,
// the tests, and merchants' own CI (what stripe-mock is to Stripe).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace cinetpay::sandbox {

/// Defaults are those printed by `cinetpay-sandbox --help`.
struct SandboxOptions {
  std::string host = "127.0.0.1";
  int port = 0;  ///< 0: the system picks a free port
  std::string api_key = "sandbox-key";
  std::string password = "sandbox-password";
  std::int64_t balance = 1'000'000;
  std::chrono::seconds token_ttl{300};
  /// Time each status step takes (NEW → REC → VAL).
  std::chrono::milliseconds settle{500};
  /// A transfer is answered 723 by check/money for this long after its send.
  std::chrono::milliseconds visibility_delay{0};
  /// Transfers wait in NOS (sending_status PENDING) until confirmed through the admin API.
  bool require_confirmation = false;
  std::uint64_t seed = 0;  ///< 0: random ids
};

/// The simulator. Thread-safe; serves on its own threads until stop() or destruction.
class Sandbox {
 public:
  explicit Sandbox(SandboxOptions options);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  /// Binds and starts serving; returns the port. Throws std::runtime_error if it cannot bind.
  int start();
  /// Blocks until stop() is called from another thread (or a signal handler's thread).
  void wait();
  void stop();

  int port() const;
  std::string base_url() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cinetpay::sandbox
