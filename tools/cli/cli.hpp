// The frame every command of `cinetpay` shares: exit codes, flags, the client, the command
// table's entries. A command group lives in a file of its own and hands its commands to
// main.cpp through a function declared at the end of this header.
#pragma once

#include <cinetpay/client.hpp>
#include <cinetpay/metrics.hpp>
#include <cinetpay/options.hpp>
#include <cinetpay/payout_file.hpp>
#include <cstdint>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "output.hpp"

namespace cinetpay::cli {

/// Exit codes, as documented in `cinetpay --help` and the README. When a send has several
/// outcomes, the most serious code wins: 4, then 5, then 1; 7 when the balance alone stopped
/// a send.
enum Exit {
  kOk = 0,
  kRefused = 1,         ///< the API refused (a payout rejected, an error code)
  kUsage = 2,           ///< usage or validation error: nothing was sent
  kTransport = 3,       ///< transport or protocol error
  kUnknownOutcome = 4,  ///< a payout's outcome is unknown, or `wait` ended before a final status
  kNotSent = 5,         ///< some payouts certainly never reached CinetPay: safe to run again
  kPayoutRejected =
      6,  ///< `wait`: the payout ended REJ; `payouts run`: payouts ended rejected or failed
  /// send: nothing paid for want of balance: every payout was refused with 602, or not
  /// attempted after a batch refused with 602
  kInsufficientBalance = 7,
  kLedger = 8,  ///< the payout ledger or its database failed, or there is no ledger at --db
  /// stdout or stderr could not be written (a full disk…): whatever the command did, what it
  /// printed is incomplete
  kOutputLost = 9,
  /// `payouts cancel`: not cancelled, the payout is claimed, sent or final; nothing changed
  kNotCancelled = 10,
};

/// A command line that cannot be run as written; nothing was sent.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// `--name value` pairs and positional words after a command's words. Each flag at most
/// once, except those named in `repeatable` (`--id A --id B`: all() has every value); a
/// flag's value never starts with `--`. The flags named in `switches` take no value
/// (`--until-idle`): has() tells whether they were given. Immutable once made: safe to share.
class Flags {
 public:
  explicit Flags(const std::vector<std::string>& args,
                 const std::vector<std::string>& switches = {},
                 const std::vector<std::string>& repeatable = {});

  /// Throws UsageError for any flag not in `names`.
  void allow(std::initializer_list<const char*> names) const;
  [[nodiscard]] bool has(const std::string& name) const { return values_.count(name) != 0; }
  /// The value, or an empty string; the first one of a repeatable flag.
  [[nodiscard]] std::string get(const std::string& name) const;
  /// Every value of a repeatable flag, in the order given.
  [[nodiscard]] std::vector<std::string> all(const std::string& name) const;
  /// The value; throws UsageError when it is missing or empty.
  [[nodiscard]] std::string need(const std::string& name) const;
  /// A whole number of seconds from 0 to `max`, digits only; `fallback` when absent.
  [[nodiscard]] std::int64_t seconds(const std::string& name, std::int64_t fallback,
                                     std::int64_t max) const;
  [[nodiscard]] const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> repeated_;
  std::vector<std::string> positional_;
};

/// A whole number of seconds from 0 to `max`, digits only; throws UsageError naming `flag`.
std::int64_t parse_seconds(const std::string& flag, const std::string& text, std::int64_t max);

/// What a command runs with: the options and credentials the global flags and the
/// environment gave, and the output form. Not thread-safe.
class Context {
 public:
  Context(Credentials credentials, ClientOptions options, Output out)
      : credentials_(std::move(credentials)), options_(std::move(options)), out_(out) {}

  /// The client, made on first use: a command checks its input before credentials are
  /// needed. Throws ValidationError naming a missing CINETPAY_API_KEY or CINETPAY_PASSWORD.
  TransferClient& client();
  /// Has the client count its requests into `registry` (request_metrics()); before the
  /// first client(), which makes it with the options as they are then.
  void count_requests(std::shared_ptr<MetricsRegistry> registry) {
    options_.request_observer = request_metrics(std::move(registry));
  }
  [[nodiscard]] const Output& out() const { return out_; }

 private:
  Credentials credentials_;
  ClientOptions options_;
  Output out_;
  std::optional<TransferClient> client_;
};

/// One command: the words that name it ("contact", "add"), its usage for --help, and what
/// it does with the arguments after its words. Returns an Exit code.
struct Command {
  std::vector<std::string> words;
  std::vector<std::string> synopses;  ///< the forms of its flags and arguments
  std::string notes;                  ///< for --help, lines separated by '\n'; may be empty
  std::function<int(Context&, const Flags&)> run;
  std::vector<std::string> switches = {};    ///< its flags without a value, e.g. "until-idle"
  std::vector<std::string> repeatable = {};  ///< its flags that may be given more than once
};

/// balance, contact add|import, send, status, wait (transfers.cpp).
std::vector<Command> transfer_commands();

/// payouts submit|run|list|show|changes|cancel|pause|resume|status, over a payout ledger
/// (payouts.cpp).
std::vector<Command> payout_commands();

/// payouts serve: the web console over a ledger (console.cpp).
std::vector<Command> console_commands();

/// The file at `path`, opened to be read whole (a payout or contact file). Throws FileError
/// naming `path` when it cannot be opened.
std::ifstream open_file(const std::string& path);

}  // namespace cinetpay::cli
