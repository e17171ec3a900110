// cinetpay-sandbox: serves the simulated Transfer API until SIGINT or SIGTERM.
#include <pthread.h>

#include <csignal>

#include <iostream>
#include <map>
#include <stdexcept>
#include <string>

#include "sandbox.hpp"

namespace {

constexpr const char* kUsage = R"(usage: cinetpay-sandbox [options]

A stateful local simulator of CinetPay's Transfer API (login, balance, contacts, send,
check), with notifications and fault injection. Prints "listening on http://HOST:PORT"
as its first line, then serves until SIGINT or SIGTERM.

options:
  --host HOST                 address to listen on (default 127.0.0.1)
  --port PORT                 port; 0 picks a free one (default 0)
  --api-key KEY               the accepted apikey (default sandbox-key)
  --password PASSWORD         the accepted password (default sandbox-password)
  --balance AMOUNT            starting transfer balance (default 1000000)
  --token-ttl SECONDS         token lifetime (default 300)
  --settle-ms MS              time per status step NEW -> REC -> VAL (default 500)
  --visibility-delay-ms MS    check/money answers 723 this long after a send (default 0)
  --require-confirmation      transfers wait in NOS (sending_status PENDING) until
                              POST /_sandbox/confirm?transaction_id=...
  --seed N                    seed for ids and tokens (default: random)
  --help                      this text

magic phone numbers: ending in 99 -> the transfer ends REJ; ending in 98 -> it stays REC.
admin API (JSON) under /_sandbox/: GET ledger, requests, notifications, faults;
POST reset, balance {"available":N}, revoke_tokens, confirm?transaction_id=,
reject?transaction_id=, faults {"kind":..., "path":..., "count":N, "delay_ms":..,
"status":..} with kind drop_before | process_then_drop | delay_ms | http_status |
invalid_token, faults/clear.
)";

long long number(const std::string& flag, const std::string& value) {
  try {
    std::size_t used = 0;
    long long n = std::stoll(value, &used);
    if (used == value.size() && n >= 0) return n;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(flag + " needs a non-negative number, got '" + value + "'");
}

}  // namespace

int main(int argc, char** argv) {
  cinetpay::sandbox::SandboxOptions o;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string flag = argv[i];
      if (flag == "--help" || flag == "-h") {
        std::cout << kUsage;
        return 0;
      }
      if (flag == "--require-confirmation") {
        o.require_confirmation = true;
        continue;
      }
      if (i + 1 >= argc) {
        std::cerr << "cinetpay-sandbox: unknown option or missing value: " << flag << "\n"
                  << kUsage;
        return 2;
      }
      std::string value = argv[++i];
      if (flag == "--host") {
        o.host = value;
      } else if (flag == "--port") {
        o.port = static_cast<int>(number(flag, value));
      } else if (flag == "--api-key") {
        o.api_key = value;
      } else if (flag == "--password") {
        o.password = value;
      } else if (flag == "--balance") {
        o.balance = number(flag, value);
      } else if (flag == "--token-ttl") {
        o.token_ttl = std::chrono::seconds(number(flag, value));
      } else if (flag == "--settle-ms") {
        o.settle = std::chrono::milliseconds(number(flag, value));
      } else if (flag == "--visibility-delay-ms") {
        o.visibility_delay = std::chrono::milliseconds(number(flag, value));
      } else if (flag == "--seed") {
        o.seed = static_cast<std::uint64_t>(number(flag, value));
      } else {
        std::cerr << "cinetpay-sandbox: unknown option: " << flag << "\n" << kUsage;
        return 2;
      }
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "cinetpay-sandbox: " << e.what() << "\n";
    return 2;
  }

  // Signals are taken by this thread alone, through sigwait, before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  cinetpay::sandbox::Sandbox sandbox(o);
  try {
    sandbox.start();
  } catch (const std::exception& e) {
    std::cerr << "cinetpay-sandbox: " << e.what() << "\n";
    return 1;
  }
  std::cout << "listening on " << sandbox.base_url() << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  sandbox.stop();
  std::cerr << "cinetpay-sandbox: stopped\n";
  return 0;
}
