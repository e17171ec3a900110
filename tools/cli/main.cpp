// cinetpay: a command-line tool over the SDK, for operations. Credentials come from the
// environment only (CINETPAY_API_KEY, CINETPAY_PASSWORD), never from flags, so that they
// stay out of shell histories and process lists.
#include <cerrno>
#include <cinetpay/errors.hpp>
#include <cinetpay/ledger.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"

namespace cinetpay::cli {
namespace {

using nlohmann::json;

// The longest reconciliation grace a flag may ask for: an hour.
constexpr std::int64_t kMaxGraceSeconds = 3600;

// The command table. A command group lives in its own file and hands its commands over
// through a function declared at the end of cli.hpp. To add one (say tools/cli/payouts.cpp
// with `std::vector<Command> payout_commands()`): declare that function in cli.hpp, add it to
// the list below, and add the file to cinetpay_cli_core in tools/CMakeLists.txt. Dispatch,
// --help and the error handling (exit codes, --json) then cover it with no other change.
std::vector<Command> all_commands() {
  std::vector<Command> commands;
  for (auto group : {transfer_commands, payout_commands, console_commands}) {
    std::vector<Command> part = group();
    commands.insert(commands.end(), part.begin(), part.end());
  }
  return commands;
}

constexpr const char* kUsageHead =
    R"(usage: cinetpay [--base-url URL] [--lang en|fr] [--reconcile-grace-seconds N] [--json] COMMAND

Credentials come from CINETPAY_API_KEY and CINETPAY_PASSWORD (never from flags); the base
URL from --base-url, else CINETPAY_BASE_URL, else https://client.cinetpay.com; the language
from --lang, else CINETPAY_LANG, else en. --reconcile-grace-seconds: 0 to 3600 (digits only).
With --json (anywhere on the line) stdout holds one JSON document on every path, errors
included ({"error": {"type", "message", ...}}); bytes that are not UTF-8 become U+FFFD.
Tables and messages on stderr escape control characters and bytes that are not UTF-8 (ESC
as \x1b, U+009B as \u009b, a backslash as \\): no server text can repaint a line.

commands:
)";

constexpr const char* kUsageTail = R"(
a payout's outcome (send): accepted; already sent (CinetPay already had this
client_transaction_id for this very payout: nothing new was paid); rejected (nothing paid);
not sent (it never reached CinetPay: run the same file again); unknown (settle it with
`status --client-transaction-id`, never by sending it under a new id).

exit codes:
  0 ok (wait: the payout is VAL)
  1 the API refused: an error code, or a payout rejected
  2 usage or validation error, or a bad file: nothing was sent
  3 transport or protocol error
  4 a payout's outcome is unknown; wait: not final when the time ran out
  5 some payouts were not sent (they certainly never reached CinetPay): safe to run again
  6 wait: the payout was rejected (REJ)
  7 send: the balance was too low (602) for every payout: nothing was paid (each was refused
    with 602, or not attempted after a batch refused with it); top up, run the same file again.
    payouts run: a send was refused with 602; its payouts wait in pending, nothing lost: top
    up, run again
  8 a ledger or database error (payouts): the database failed or cannot be reached, or there
    is no ledger at --db (only `payouts submit` creates one); JSON error type "ledger"
  9 stdout or stderr could not be written (a full disk, a closed stream): what was printed is
    incomplete; stderr says which code the command would have exited with. `send` of one
    payout prints its client_transaction_id on stderr before its table, to settle it with
    `status --client-transaction-id`
 10 payouts cancel: not cancelled, the payout is claimed, sent or final (it may be paid);
    nothing changed
  When the payouts of a send end differently, the most serious code wins: 4, then 5, then 1.
)";

std::string usage_text() {
  std::string text = kUsageHead;
  for (const Command& c : all_commands()) {
    std::string words;
    for (const std::string& w : c.words) words += (words.empty() ? "" : " ") + w;
    for (const std::string& synopsis : c.synopses)
      text += "  " + words + (synopsis.empty() ? "" : " " + synopsis) + "\n";
    std::string::size_type from = 0;
    while (from < c.notes.size()) {
      auto end = c.notes.find('\n', from);
      if (end == std::string::npos) end = c.notes.size();
      text += "      " + c.notes.substr(from, end - from) + "\n";
      from = end + 1;
    }
  }
  return text + kUsageTail;
}

// nullopt when unset: set-but-empty is not the same as unset.
std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at start-up
  return v == nullptr ? std::nullopt : std::optional<std::string>(v);
}

Lang lang_of(const std::string& word, const std::string& source) {
  if (word == "en") return Lang::en;
  if (word == "fr") return Lang::fr;
  throw UsageError(source + " must be en or fr, got '" + word + "'");
}

// Global flags come before the command; --json and --help were taken out already.
// A flag wins over its environment variable; both go straight into ClientOptions.
int run(const std::vector<std::string>& args, const Output& out) {
  std::map<std::string, std::string> global;
  std::size_t i = 0;
  for (; i < args.size() && args[i].rfind("--", 0) == 0; i += 2) {
    const std::string& flag = args[i];
    if (flag != "--base-url" && flag != "--lang" && flag != "--reconcile-grace-seconds")
      throw UsageError("unknown option " + flag);
    if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
    if (!global.emplace(flag, args[i + 1]).second) throw UsageError(flag + " is given twice");
  }
  // A flag, else its variable when set at all: a set-but-empty CINETPAY_BASE_URL is a
  // ConfigError from the client, never a silent fallback to the live API.
  auto setting = [&global](
                     const std::string& flag,
                     const char* variable) -> std::optional<std::pair<std::string, std::string>> {
    if (auto it = global.find(flag); it != global.end()) return std::make_pair(it->second, flag);
    if (auto value = env(variable)) return std::make_pair(*value, std::string(variable));
    return std::nullopt;
  };
  ClientOptions options;
  if (auto url = setting("--base-url", "CINETPAY_BASE_URL")) options.base_url = url->first;
  if (auto lang = setting("--lang", "CINETPAY_LANG"); lang && !lang->first.empty())
    options.lang = lang_of(lang->first, lang->second);
  if (auto it = global.find("--reconcile-grace-seconds"); it != global.end()) {
    options.reconcile_grace =
        std::chrono::seconds(parse_seconds(it->first, it->second, kMaxGraceSeconds));
  }
  if (i >= args.size()) throw UsageError("no command");

  // The command whose words match the most words of the line.
  const std::vector<Command> commands = all_commands();
  const Command* best = nullptr;
  for (const Command& c : commands) {
    bool match = i + c.words.size() <= args.size();
    for (std::size_t w = 0; match && w < c.words.size(); ++w) match = args[i + w] == c.words[w];
    if (match && (best == nullptr || c.words.size() > best->words.size())) best = &c;
  }
  if (best == nullptr) throw UsageError("unknown command: " + args[i]);
  Context ctx(
      Credentials{env("CINETPAY_API_KEY").value_or(""), env("CINETPAY_PASSWORD").value_or("")},
      std::move(options), out);
  return best->run(
      ctx, Flags({args.begin() + static_cast<std::ptrdiff_t>(i + best->words.size()), args.end()},
                 best->switches, best->repeatable));
}

int fail(const Output& out, int code, const std::string& type, const std::string& message,
         const json& extra = json::object()) {
  // The message may quote a server's text.
  std::cerr << "cinetpay: " << printable(message) << "\n";
  if (out.as_json()) {
    json doc{{"error", {{"type", type}, {"message", message}}}};
    doc["error"].update(extra);
    Output::document(doc);
  }
  return code;
}

json api_fields(const ApiError& e) {
  return {{"code", e.code()}, {"api_message", e.api_message()}, {"description", e.description()}};
}

int main_of(std::vector<std::string> args) {
  bool as_json = false;
  bool help = false;
  std::vector<std::string> rest;
  for (std::string& a : args) {
    if (a == "--json") {
      as_json = true;
    } else if (a == "--help") {
      help = true;
    } else {
      rest.push_back(std::move(a));
    }
  }
  const Output out(as_json);
  try {
    if (help) {
      if (as_json) {
        Output::document({{"usage", usage_text()}});
      } else {
        std::cout << usage_text();
      }
      return kOk;
    }
    return run(rest, out);
  } catch (const UsageError& e) {
    std::cerr << usage_text() << "\n";
    return fail(out, kUsage, "usage", e.what());
  } catch (const FileError& e) {
    const FilePlace& p = e.place();
    json extra{{"file", e.source()}};
    if (p.line != 0) extra["line"] = p.line;
    if (p.column != 0) extra["column"] = p.column;
    if (p.item != 0) extra["item"] = p.item;
    if (!p.field.empty()) extra["field"] = p.field;
    return fail(out, kUsage, "validation", std::string(e.what()) + " (nothing was sent)", extra);
  } catch (const ValidationError& e) {
    return fail(out, kUsage, "validation", e.what(), {{"field", e.field()}});
  } catch (const ConfigError& e) {
    return fail(out, kUsage, "config", e.what());
  } catch (const InsufficientBalanceError& e) {
    // Only `payouts run` lets 602 out: its payouts wait in pending for the top-up.
    return fail(out, kInsufficientBalance, "api", e.what(), api_fields(e));
  } catch (const ApiError& e) {
    return fail(out, kRefused, "api", e.what(), api_fields(e));
  } catch (const TransportError& e) {
    return fail(out, kTransport, "transport", e.what());
  } catch (const ProtocolError& e) {
    return fail(out, kTransport, "protocol", e.what());
  } catch (const LedgerError& e) {
    return fail(out, kLedger, "ledger", e.what());
  } catch (const std::exception& e) {
    return fail(out, kTransport, "internal", e.what());
  }
}

// `code`, unless stdout or stderr failed to take what was written to them: then a script
// must not read success (or a definite refusal) from an output it never got.
int checked_output(int code) {
  // Cleared first: a write that failed earlier in the run leaves no reason to report now.
  errno = 0;
  std::cout.flush();
  const bool out_lost = !std::cout || std::fflush(stdout) != 0 || std::ferror(stdout) != 0;
  const int why = errno;
  const bool err_lost = !std::cerr || std::ferror(stderr) != 0;
  if (!out_lost && !err_lost) return code;
  if (out_lost) {
    std::cerr.clear();
    std::cerr << "cinetpay: cannot write stdout"
              << (why != 0 ? std::string(": ") +
                                 std::strerror(why)  // NOLINT(concurrency-mt-unsafe): at exit
                           : std::string())
              << "; the command's exit code was " << code << "\n";
  }
  return kOutputLost;
}

}  // namespace
}  // namespace cinetpay::cli

int main(int argc, char** argv) {
  return cinetpay::cli::checked_output(
      cinetpay::cli::main_of(std::vector<std::string>(argv + 1, argv + argc)));
}
