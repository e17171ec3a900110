// The commands over the Transfer API: balance, contact add|import, send, status, wait.
#include <unistd.h>

#include <algorithm>
#include <cinetpay/detail/codes.hpp>
#include <cinetpay/errors.hpp>
#include <cinetpay/validation.hpp>
#include <iostream>

#include "cli.hpp"

namespace cinetpay::cli {
namespace {

// The longest `wait` and the longest reconciliation grace a flag may ask for: one day.
constexpr std::int64_t kMaxWaitSeconds = 86400;

// Progress goes to a terminal only: scripts reading stderr see errors alone.
void progress(const std::string& text) {
  if (isatty(STDERR_FILENO) != 0) std::cerr << text << "...\n";
}

// The exit code of a send: kInsufficientBalance when 602 stopped every payout (refused,
// or not attempted after a batch refused with it), else the most serious outcome wins
// (unknown, then not_sent, then rejected).
int send_exit_code(const std::vector<TransferResult>& results) {
  if (!results.empty() && std::all_of(results.begin(), results.end(), [](const TransferResult& r) {
        return r.error && r.error->code == detail::codes::kInsufficientBalance &&
               (r.outcome == TransferOutcome::rejected || r.outcome == TransferOutcome::not_sent);
      })) {
    return kInsufficientBalance;
  }
  int code = kOk;
  for (const TransferResult& r : results) {
    switch (r.outcome) {
      case TransferOutcome::unknown:
        return kUnknownOutcome;
      case TransferOutcome::not_sent:
        code = kNotSent;
        break;
      case TransferOutcome::rejected:
        if (code == kOk) code = kRefused;
        break;
      case TransferOutcome::accepted:
        break;
    }
  }
  return code;
}

TransferQuery query_from(const Flags& f, bool allow_lot) {
  if (f.has("transaction-id")) return TransferQuery::by_transaction_id(f.need("transaction-id"));
  if (f.has("client-transaction-id"))
    return TransferQuery::by_client_transaction_id(f.need("client-transaction-id"));
  if (allow_lot && f.has("lot")) return TransferQuery::by_lot(f.need("lot"));
  throw UsageError(allow_lot ? "give --transaction-id, --client-transaction-id or --lot"
                             : "give --transaction-id or --client-transaction-id");
}

int contacts(Context& ctx, const std::vector<Contact>& items) {
  progress("registering " + std::to_string(items.size()) + " contact(s)");
  auto results = ctx.client().add_contacts(items);
  ctx.out().contact_results(results);
  for (const auto& r : results) {
    if (!r.ok()) return kRefused;
  }
  return kOk;
}

// `announce`: the id of each payout goes to stderr before the table goes to stdout, so that
// a payout whose id the SDK made can still be settled when stdout fails (a full disk).
int send(Context& ctx, const std::vector<TransferRequest>& items, bool announce) {
  progress("sending " + std::to_string(items.size()) + " payout(s)");
  auto results = ctx.client().send_money(items);
  if (announce) {
    for (const TransferResult& r : results) {
      std::cerr << "cinetpay: client_transaction_id " << printable(r.client_transaction_id) << ": "
                << to_string(shown_outcome(r)) << "\n";
    }
  }
  ctx.out().results(results);
  return send_exit_code(results);
}

int balance(Context& ctx, const Flags& f) {
  f.allow({});
  ctx.out().balance(ctx.client().balance());
  return kOk;
}

int contact_add(Context& ctx, const Flags& f) {
  f.allow({"prefix", "phone", "name", "surname", "email"});
  return contacts(ctx, {{f.need("prefix"), f.need("phone"), f.need("name"), f.need("surname"),
                         f.need("email")}});
}

int contact_import(Context& ctx, const Flags& f) {
  f.allow({});
  if (f.positional().size() != 1) throw UsageError("contact import takes one FILE");
  const std::string& path = f.positional()[0];
  std::ifstream in = open_file(path);
  return contacts(ctx, read_contact_file(in, path));
}

int send_command(Context& ctx, const Flags& f) {
  if (f.has("file")) {
    f.allow({"file"});
    // A file names every id itself.
    const std::string path = f.need("file");
    std::ifstream in = open_file(path);
    return send(ctx, read_payout_file(in, path).items, false);
  }
  f.allow({"prefix", "phone", "amount", "notify-url", "client-transaction-id", "payment-method"});
  std::string amount_text = f.need("amount");
  std::optional<std::int64_t> amount = parse_whole_number(amount_text);
  if (!amount) {
    throw ValidationError(
        "amount", std::nullopt,
        "must be a whole number written with digits only, got '" + amount_text + "'");
  }
  return send(ctx,
              {{f.need("prefix"), f.need("phone"), *amount, f.need("notify-url"),
                f.get("client-transaction-id"), f.get("payment-method")}},
              true);
}

int status(Context& ctx, const Flags& f) {
  f.allow({"transaction-id", "client-transaction-id", "lot"});
  ctx.out().statuses(ctx.client().check_transfer(query_from(f, true)));
  return kOk;
}

int wait(Context& ctx, const Flags& f) {
  f.allow({"transaction-id", "client-transaction-id", "timeout-seconds"});
  const std::chrono::seconds timeout(f.seconds("timeout-seconds", 300, kMaxWaitSeconds));
  TransferQuery query = query_from(f, false);
  progress("waiting up to " + std::to_string(timeout.count()) + " s for " + query.value() +
           " to be final");
  TransferStatus s = ctx.client().wait_for_final(query, timeout);
  ctx.out().statuses({s}, /*single=*/true);
  if (s.treatment_status == TreatmentStatus::Code::VAL) return kOk;
  if (s.treatment_status == TreatmentStatus::Code::REJ) return kPayoutRejected;
  return kUnknownOutcome;
}

}  // namespace

std::vector<Command> transfer_commands() {
  return {
      {{"balance"}, {""}, "", balance},
      {{"contact", "add"},
       {"--prefix P --phone N --name X --surname Y --email E"},
       "",
       contact_add},
      {{"contact", "import"},
       {"FILE"},
       "CSV with a header prefix,phone,name,surname,email, or a JSON array of objects",
       contact_import},
      {{"send"},
       {"--prefix P --phone N --amount A --notify-url U [--client-transaction-id ID] "
        "[--payment-method M]",
        "--file FILE"},
       "FILE: CSV with a header prefix,phone,amount,notify_url,client_transaction_id"
       "[,payment_method],\n"
       "or a JSON array of objects with those fields. Every row needs its own\n"
       "client_transaction_id: running the same file again never pays twice (CinetPay answers\n"
       "805 and the payout shows as `already sent`). The whole file is checked first; an error\n"
       "names FILE:LINE: column N (NAME), or FILE: item K: FIELD for JSON, and nothing is sent.\n"
       "Without --client-transaction-id a single payout gets a made-up id, printed: keep it.\n"
       "A single payout's id is also printed on stderr, before the table.",
       send_command},
      {{"status"}, {"--transaction-id ID | --client-transaction-id ID | --lot L"}, "", status},
      {{"wait"},
       {"--transaction-id ID | --client-transaction-id ID [--timeout-seconds N]"},
       "N from 0 to 86400, default 300; 0 looks once. Exits 0 only for VAL, 6 for REJ, 4 if not\n"
       "final in time.",
       wait},
  };
}

}  // namespace cinetpay::cli
