// cinetpay-sandbox: serves the simulated Transfer API until SIGINT or SIGTERM.
#include <pthread.h>

#include <csignal>

#include <cctype>
#include <iostream>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>

#include "cinetpay/sandbox.hpp"

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
  --latency-ms MS             every API answer (not the admin API's) waits this long,
                              as CinetPay's round trips do (default 0)
  --latency-jitter-ms MS      plus a uniform random 0..MS (default 0)
  --max-body-bytes N          largest request body; beyond it 413 and the connection
                              closes unread (default 1048576; a 200-item send is ~48 KB)
  --max-json-depth N          deepest JSON nesting read (default 32)
  --max-connections N         connections served at once, one thread each (default 256)
  --keep-alive-seconds N      an idle keep-alive connection closes after N s (default 1)
  --read-timeout-seconds N    a client silent N s mid-request is dropped (default 5)
  --log-capacity N            the request and notification logs keep the last N
                              entries each (default 10000)
  --help                      this text

magic phone numbers: ending in 99 -> the transfer ends REJ; ending in 98 -> it stays REC.
admin API (JSON in and out) under /_sandbox/: GET ledger, requests, notifications,
faults; POST reset, balance {"available":N}, revoke_tokens, confirm?transaction_id=,
reject?transaction_id=, faults {"kind":..., "path":..., "count":N, "delay_ms":..,
"status":..} with kind drop_before | process_then_drop | delay_ms | http_status |
invalid_token and path an API path or login | balance | contact | send | check (empty:
every API path), faults/clear. POSTs need no body.
)";

long long number(const std::string& flag, const std::string& value,
                 long long max = std::numeric_limits<long long>::max()) {
  try {
    std::size_t used = 0;
    long long n = std::stoll(value, &used);
    if (used == value.size() && n >= 0 && n <= max &&
        std::isdigit(static_cast<unsigned char>(value[0])))
      return n;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(flag + " needs a whole number from 0 to " + std::to_string(max) +
                              ", got '" + value + "'");
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
        o.port = static_cast<int>(number(flag, value, 65535));
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
      } else if (flag == "--latency-ms") {
        o.latency = std::chrono::milliseconds(number(flag, value));
      } else if (flag == "--latency-jitter-ms") {
        o.latency_jitter = std::chrono::milliseconds(number(flag, value));
      } else if (flag == "--max-body-bytes") {
        o.max_body_bytes = static_cast<std::size_t>(number(flag, value));
      } else if (flag == "--max-json-depth") {
        o.max_json_depth = static_cast<int>(number(flag, value, 1'000'000));
      } else if (flag == "--max-connections") {
        o.max_connections = static_cast<std::size_t>(number(flag, value, 100'000));
      } else if (flag == "--keep-alive-seconds") {
        o.keep_alive_timeout = std::chrono::seconds(number(flag, value, 3600));
      } else if (flag == "--read-timeout-seconds") {
        o.read_timeout = std::chrono::seconds(number(flag, value, 3600));
      } else if (flag == "--log-capacity") {
        o.log_capacity = static_cast<std::size_t>(number(flag, value));
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
