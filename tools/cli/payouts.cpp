// The commands over a payout ledger: payouts submit, run, list, show, changes, cancel, pause,
// resume, status.
#include <unistd.h>

#include <chrono>
#include <cinetpay/ledger.hpp>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli.hpp"

namespace cinetpay::cli {
namespace {

using nlohmann::json;

// The longest --max-seconds, --lease-seconds and --resend-grace-seconds: one day.
constexpr std::int64_t kMaxSeconds = 86400;

// A payout's metadata as the JSON object it is (checked at submit); null when it has none.
json metadata_json(const std::string& metadata) {
  if (metadata.empty()) return nullptr;
  json parsed = json::parse(metadata, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(metadata) : parsed;
}

json payout_json(const Payout& p) {
  json j{{"client_transaction_id", p.request.client_transaction_id},
         {"state", std::string(to_string(p.state))},
         {"prefix", p.request.prefix},
         {"phone", p.request.phone},
         {"amount", p.request.amount},
         {"transaction_id", p.transaction_id},
         {"lot", p.lot},
         {"treatment_status", p.treatment_status},
         {"api_code", p.api_code},
         {"detail", p.detail},
         {"sends", p.sends},
         {"updated_at", timestamp(p.updated_at)},
         {"metadata", metadata_json(p.metadata)},
         {"recipient", p.recipient ? json{{"name", p.recipient->name},
                                          {"surname", p.recipient->surname},
                                          {"email", p.recipient->email}}
                                   : json(nullptr)}};
  if (!p.history.empty()) {
    json history = json::array();
    for (const PayoutEvent& e : p.history) {
      history.push_back({{"at", timestamp(e.at)},
                         {"from", e.from ? std::string(to_string(*e.from)) : ""},
                         {"to", std::string(to_string(e.to))},
                         {"worker_id", e.worker_id},
                         {"lease_until", timestamp(e.lease_until)},
                         {"reason", e.reason},
                         {"api_code", e.api_code},
                         {"treatment_status", e.treatment_status},
                         {"repeats", e.repeats},
                         {"last_at", timestamp(e.last_at)}});
    }
    j["history"] = history;
  }
  return j;
}

// "pending 3  sending 0  accepted 12 …", in the order of the states.
std::string counts_line(const LedgerSummary& s) {
  std::string line;
  for (PayoutState state : all_payout_states()) {
    auto it = s.by_state.find(state);
    if (!line.empty()) line += "  ";
    line += std::string(to_string(state)) + " " +
            std::to_string(it == s.by_state.end() ? 0 : it->second.count);
  }
  return line;
}

json summary_json(const LedgerSummary& s) {
  json j = json::object();
  for (const auto& [state, total] : s.by_state) {
    j[std::string(to_string(state))] = {{"count", total.count}, {"amount", total.amount}};
  }
  return j;
}

// The ledger of --db; an unknown scheme is a usage error (nothing was done). Only submit
// creates a ledger, so that a mistyped --db fails instead of running or listing an empty
// one; list and show only read, and work on a file they may not write.
PayoutLedger open_ledger(const Flags& f, LedgerAccess access) {
  LedgerOptions options;
  options.access = access;
  try {
    return PayoutLedger::open(f.need("db"), options);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--db: ") + e.what());
  }
}

// Payouts read from a file, checked and recorded at a time: what memory holds of it.
constexpr std::size_t kFileChunk = PayoutLedger::kSubmitChunk;

// The ledger's ValidationError about payout `index` of `part`, told at its place in the file.
template <typename Call>
void at_file_place(const std::string& path, const PayoutFile& part, const Call& call) {
  try {
    call();
  } catch (const ValidationError& e) {
    if (!e.index() || *e.index() >= part.places.size()) throw;
    FilePlace place = part.places[*e.index()];
    place.field = e.field();
    throw FileError(path, place, e.problem());
  }
}

// The columns of a payout file beyond the transfer's own that the ledger keeps: the
// recipient, registered as a contact before the first send, and the merchant's metadata.
const PayoutFileOptions& ledger_columns() {
  static const PayoutFileOptions kOptions{FileFormat::detect,
                                          {"name", "surname", "email", "metadata"}};
  return kOptions;
}

// The payouts of a part of a file, with their recipients (when a row names any of name,
// surname or email) and metadata.
std::vector<PayoutRequest> payout_requests(const PayoutFile& part) {
  std::vector<PayoutRequest> out;
  out.reserve(part.items.size());
  for (std::size_t i = 0; i < part.items.size(); ++i) {
    const auto& extra = part.extra[i];
    auto text = [&](const char* column) {
      auto it = extra.find(column);
      return it == extra.end() ? std::string() : it->second;
    };
    PayoutRequest r{part.items[i], std::nullopt, text("metadata")};
    Recipient who{text("name"), text("surname"), text("email")};
    if (!who.name.empty() || !who.surname.empty() || !who.email.empty()) r.recipient = who;
    out.push_back(std::move(r));
  }
  return out;
}

// The file is read three times, a chunk at a time, so that memory never holds it whole:
// checked alone (a bad file creates no ledger), checked against the ledger (a file whose id
// was submitted with other fields records nothing), then recorded chunk by chunk.
int submit(Context& ctx, const Flags& f) {
  f.allow({"db", "file"});
  const std::string path = f.need("file");
  std::ifstream alone = open_file(path);
  for_each_payout_chunk(
      alone, path, kFileChunk, [](const PayoutFile&) {}, ledger_columns());
  PayoutLedger ledger = open_ledger(f, LedgerAccess::create);
  std::ifstream against = open_file(path);
  for_each_payout_chunk(
      against, path, kFileChunk,
      [&](const PayoutFile& part) {
        at_file_place(path, part, [&] { (void)ledger.check(payout_requests(part)); });
      },
      ledger_columns());
  std::size_t fresh = 0;
  std::size_t already = 0;
  json out = json::array();
  std::ifstream recorded = open_file(path);
  for_each_payout_chunk(
      recorded, path, kFileChunk,
      [&](const PayoutFile& part) {
        std::vector<SubmitResult> results;
        at_file_place(path, part, [&] { results = ledger.submit(payout_requests(part)); });
        for (const SubmitResult& r : results) {
          ++(r.already_submitted ? already : fresh);
          if (ctx.out().as_json()) {
            out.push_back({{"client_transaction_id", r.client_transaction_id},
                           {"already_submitted", r.already_submitted}});
          }
        }
      },
      ledger_columns());
  if (ctx.out().as_json()) {
    Output::document(out);
  } else {
    std::cout << "submitted " << fresh << " payout(s); " << already << " already submitted\n";
  }
  return kOk;
}

// Who runs this command, for the ledger's history and its pause: USER@host. Names a
// person, never a credential.
std::string who() {
  const char* user = std::getenv("USER");  // NOLINT(concurrency-mt-unsafe): read before threads
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(user != nullptr ? user : "?") + "@" + host + " (cinetpay CLI)";
}

json pause_json(const PauseStatus& p) {
  return {{"paused", p.paused}, {"by", p.by}, {"reason", p.reason}, {"at", timestamp(p.at)}};
}

// "sending paused since … by …: reason", or "sending running".
std::string pause_line(const PauseStatus& p) {
  if (!p.paused) return "sending: running";
  return "sending: PAUSED since " + timestamp(p.at) + " by " + (p.by.empty() ? "?" : p.by) +
         (p.reason.empty() ? "" : ": " + p.reason);
}

int run(Context& ctx, const Flags& f) {
  f.allow({"db", "until-idle", "until-sent", "id", "max-seconds", "lease-seconds",
           "resend-grace-seconds", "batch-size", "worker-id"});
  if (!f.positional().empty()) throw UsageError("payouts run takes no positional argument");
  WorkerOptions options;
  options.worker_id = f.get("worker-id");
  options.lease = std::chrono::seconds(f.seconds("lease-seconds", 30, kMaxSeconds));
  if (options.lease.count() == 0) throw UsageError("--lease-seconds must be at least 1");
  options.resend_grace = std::chrono::seconds(f.seconds("resend-grace-seconds", 30, kMaxSeconds));
  if (f.has("batch-size")) {
    auto n = parse_whole_number(f.need("batch-size"));
    if (!n || *n == 0 || *n > 1000) throw UsageError("--batch-size must be from 1 to 1000");
    options.batch_size = static_cast<std::size_t>(*n);
  }
  const auto max = std::chrono::seconds(f.seconds("max-seconds", 3600, kMaxSeconds));
  RunScope scope;
  scope.client_transaction_ids = f.all("id");
  if (f.has("until-sent")) scope.until = RunUntil::sent;
  // Naming payouts, or waiting for their sending only, is a run until idle.
  const bool until_idle =
      f.has("until-idle") || f.has("until-sent") || !scope.client_transaction_ids.empty();
  // One registry for the client's requests and the worker's payouts: the worker's heartbeats
  // carry it to the ledger, where the console exposes the fleet's counts.
  options.metrics = std::make_shared<MetricsRegistry>();
  ctx.count_requests(options.metrics);
  PayoutLedger ledger = open_ledger(f, LedgerAccess::existing);
  PayoutWorker worker(ctx.client(), ledger, options);

  // A live progress line on a terminal only: scripts reading stderr see errors alone.
  const bool tty = isatty(STDERR_FILENO) != 0;
  auto progress = [tty](const LedgerSummary& s) {
    if (tty) std::cerr << "\r" << counts_line(s) << "   " << std::flush;
  };
  // Payouts that end refused while this run runs make its exit code 6: a script that only
  // checks the code must not take a run with rejected payouts for a clean one (1 stays the
  // API's refusal of the run itself, a login).
  auto refused = [](const LedgerSummary& summary) {
    std::size_t n = 0;
    for (PayoutState state : {PayoutState::rejected, PayoutState::failed}) {
      auto it = summary.by_state.find(state);
      if (it != summary.by_state.end()) n += it->second.count;
    }
    return n;
  };
  const std::size_t refused_before = refused(ledger.summary(scope.client_transaction_ids));
  // A paused ledger sends nothing: said at once, so that nobody waits on a run that cannot pay.
  if (const PauseStatus p = ledger.paused(); p.paused) std::cerr << pause_line(p) << "\n";
  LedgerSummary s;
  if (until_idle) {
    try {
      s = worker.run_until_idle(std::chrono::steady_clock::now() + max, scope, progress);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--id: ") + e.what());
    }
  } else {
    worker.run_once();
    s = ledger.summary();
    progress(s);
  }
  if (tty) std::cerr << "\n";
  const bool done = scope.until == RunUntil::sent ? s.sent() : s.idle();
  if (ctx.out().as_json()) {
    Output::document({{"worker_id", worker.worker_id()},
                      {"paused", ledger.paused().paused},
                      {"idle", s.idle()},
                      {"sent", s.sent()},
                      {"states", summary_json(s)}});
  } else {
    std::cout << counts_line(s) << "\n";
  }
  if (until_idle && !done) return kUnknownOutcome;
  return refused(until_idle ? s : ledger.summary(scope.client_transaction_ids)) > refused_before
             ? kPayoutRejected
             : kOk;
}

int cancel(Context& ctx, const Flags& f) {
  f.allow({"db", "reason"});
  if (f.positional().size() != 1)
    throw UsageError("payouts cancel takes one client_transaction_id");
  const std::string& id = f.positional()[0];
  CancelResult r = open_ledger(f, LedgerAccess::existing).cancel(id, f.get("reason"), who());
  if (r.outcome == CancelOutcome::not_found)
    throw UsageError("no payout '" + id + "' in this ledger");
  const char* word = r.outcome == CancelOutcome::cancelled ? "cancelled"
                     : r.outcome == CancelOutcome::final   ? "final"
                                                           : "claimed";
  if (ctx.out().as_json()) {
    Output::document({{"client_transaction_id", id},
                      {"cancelled", r.outcome == CancelOutcome::cancelled},
                      {"outcome", word},
                      {"state", std::string(to_string(r.payout->state))}});
  } else if (r.outcome == CancelOutcome::cancelled) {
    std::cout << "cancelled " << id << ": it will never be sent\n";
  } else {
    std::cout << "not cancelled " << id << ": it is " << to_string(r.payout->state)
              << (r.outcome == CancelOutcome::final ? " (final)"
                                                    : " (claimed or sent: it may be paid)")
              << "\n";
  }
  return r.outcome == CancelOutcome::cancelled ? kOk : kNotCancelled;
}

int pause(Context& ctx, const Flags& f) {
  f.allow({"db", "reason"});
  if (!f.positional().empty()) throw UsageError("payouts pause takes no positional argument");
  PayoutLedger ledger = open_ledger(f, LedgerAccess::existing);
  ledger.pause(f.get("reason"), who());
  const PauseStatus p = ledger.paused();
  if (ctx.out().as_json()) {
    Output::document(pause_json(p));
  } else {
    std::cout << pause_line(p)
              << "\nno worker claims a payout for sending until `payouts resume`; sends claimed "
                 "before now may still leave (within one lease)\n";
  }
  return kOk;
}

int resume(Context& ctx, const Flags& f) {
  f.allow({"db"});
  if (!f.positional().empty()) throw UsageError("payouts resume takes no positional argument");
  PayoutLedger ledger = open_ledger(f, LedgerAccess::existing);
  ledger.resume(who());
  const PauseStatus p = ledger.paused();
  if (ctx.out().as_json()) {
    Output::document(pause_json(p));
  } else {
    std::cout << pause_line(p) << "\n";
  }
  return kOk;
}

int status(Context& ctx, const Flags& f) {
  f.allow({"db"});
  if (!f.positional().empty()) throw UsageError("payouts status takes no positional argument");
  PayoutLedger ledger = open_ledger(f, LedgerAccess::read_only);
  const PauseStatus p = ledger.paused();
  const LedgerSummary s = ledger.summary();
  if (ctx.out().as_json()) {
    Output::document({{"sending", pause_json(p)}, {"states", summary_json(s)}});
  } else {
    std::cout << pause_line(p) << "\n" << counts_line(s) << "\n";
  }
  return kOk;
}

int changes(Context& ctx, const Flags& f) {
  f.allow({"db", "since", "consumer", "ack", "limit"});
  if (!f.positional().empty()) throw UsageError("payouts changes takes no positional argument");
  if (f.has("since") && f.has("consumer"))
    throw UsageError("--since and --consumer: give one (a consumer's place is kept by the ledger)");
  if (f.has("ack") && !f.has("consumer")) throw UsageError("--ack needs --consumer");
  std::int64_t since = 0;
  if (f.has("since")) {
    auto n = parse_whole_number(f.need("since"));
    if (!n) throw UsageError("--since must be a cursor: a whole number");
    since = *n;
  }
  std::size_t limit = 1000;
  if (f.has("limit")) {
    auto n = parse_whole_number(f.need("limit"));
    if (!n || *n == 0) throw UsageError("--limit must be a positive whole number");
    limit = static_cast<std::size_t>(*n);
  }
  const std::string consumer = f.get("consumer");
  // Acknowledging writes; reading alone works on a ledger it may not write.
  PayoutLedger ledger =
      open_ledger(f, f.has("ack") ? LedgerAccess::existing : LedgerAccess::read_only);
  std::vector<PayoutChange> feed;
  try {
    feed =
        consumer.empty() ? ledger.changes_since(since, limit) : ledger.changes_for(consumer, limit);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--consumer: ") + e.what());
  }
  if (ctx.out().as_json()) {
    json out = json::array();
    for (const PayoutChange& c : feed) {
      out.push_back({{"cursor", c.cursor},
                     {"client_transaction_id", c.client_transaction_id},
                     {"state", std::string(to_string(c.state))},
                     {"transaction_id", c.transaction_id},
                     {"amount", c.amount},
                     {"api_code", c.api_code},
                     {"at", timestamp(c.at)},
                     {"reason", c.reason},
                     {"metadata", metadata_json(c.metadata)}});
    }
    Output::document(out);
  } else {
    std::vector<std::vector<std::string>> rows;
    rows.reserve(feed.size());
    for (const PayoutChange& c : feed) {
      rows.push_back({std::to_string(c.cursor), c.client_transaction_id,
                      std::string(to_string(c.state)), std::to_string(c.amount), c.transaction_id,
                      c.api_code != 0 ? std::to_string(c.api_code) : "", timestamp(c.at),
                      c.reason});
    }
    Output::table({"cursor", "client_transaction_id", "state", "amount", "transaction_id", "code",
                   "at", "reason"},
                  rows);
  }
  // Only what surely reached stdout is acknowledged: a change printed nowhere is told again.
  std::cout.flush();
  if (f.has("ack") && !feed.empty() && std::cout.good()) {
    ledger.acknowledge(consumer, feed.back().cursor);
  }
  return kOk;
}

int list(Context& ctx, const Flags& f) {
  f.allow({"db", "state", "limit"});
  std::optional<PayoutState> state;
  if (f.has("state")) {
    state = payout_state_from(f.need("state"));
    if (!state) {
      throw UsageError(
          "--state: expected pending, sending, accepted, paid, failed, rejected, unknown or "
          "cancelled, got '" +
          f.get("state") + "'");
    }
  }
  std::size_t limit = 1000;
  if (f.has("limit")) {
    auto n = parse_whole_number(f.need("limit"));
    if (!n || *n == 0) throw UsageError("--limit must be a positive whole number");
    limit = static_cast<std::size_t>(*n);
  }
  std::vector<Payout> payouts = open_ledger(f, LedgerAccess::read_only).list(state, limit);
  if (ctx.out().as_json()) {
    json out = json::array();
    for (const Payout& p : payouts) out.push_back(payout_json(p));
    Output::document(out);
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(payouts.size());
  for (const Payout& p : payouts) {
    rows.push_back({p.request.client_transaction_id, std::string(to_string(p.state)),
                    std::to_string(p.request.amount), p.request.prefix + p.request.phone,
                    p.transaction_id, p.treatment_status, p.detail});
  }
  Output::table({"client_transaction_id", "state", "amount", "receiver", "transaction_id", "status",
                 "detail"},
                rows);
  return kOk;
}

int show(Context& ctx, const Flags& f) {
  f.allow({"db"});
  if (f.positional().size() != 1) throw UsageError("payouts show takes one client_transaction_id");
  const std::string& id = f.positional()[0];
  std::optional<Payout> p = open_ledger(f, LedgerAccess::read_only).get(id);
  if (!p) throw UsageError("no payout '" + id + "' in this ledger");
  if (ctx.out().as_json()) {
    Output::document(payout_json(*p));
    return kOk;
  }
  Output::table(
      {"client_transaction_id", "state", "amount", "receiver", "transaction_id", "status", "sends"},
      {{id, std::string(to_string(p->state)), std::to_string(p->request.amount),
        p->request.prefix + p->request.phone, p->transaction_id, p->treatment_status,
        std::to_string(p->sends)}});
  std::cout << "\nhistory:\n";
  std::vector<std::vector<std::string>> rows;
  for (const PayoutEvent& e : p->history) {
    rows.push_back({timestamp(e.at), e.from ? std::string(to_string(*e.from)) : "",
                    std::string(to_string(e.to)), e.worker_id,
                    e.api_code != 0 ? std::to_string(e.api_code) : "", e.treatment_status,
                    e.reason});
  }
  Output::table({"at", "from", "to", "worker", "code", "status", "reason"}, rows);
  return kOk;
}

}  // namespace

std::vector<Command> payout_commands() {
  return {
      {{"payouts", "submit"},
       {"--db URL --file FILE"},
       "records the payouts of a file (the same CSV or JSON as `send --file`; every row needs\n"
       "its client_transaction_id) in a ledger, durably; sends nothing. URL: sqlite:PATH (a\n"
       "file: no :memory:, file: URI or ?query) or postgresql://… (libpq). The one command that\n"
       "creates a ledger: run, list and show exit 8 when there is none at --db",
       submit},
      {{"payouts", "run"},
       {"--db URL [--until-idle | --until-sent] [--id ID]... [--max-seconds N] "
        "[--lease-seconds N] [--resend-grace-seconds N] [--batch-size N] [--worker-id ID]"},
       "sends the ledger's payouts and follows them until final; safe to kill and run again,\n"
       "and to run several at once. --id (repeatable) sends and waits for those payouts only;\n"
       "--until-sent stops once every payout is accepted or final, without waiting for VAL or\n"
       "REJ. Exit 6 when payouts ended rejected or failed (REJ) during the run; exit 4 when\n"
       "the run ends (--max-seconds) before the payouts are final (or sent); exit 2 for an\n"
       "--id the ledger does not hold",
       run,
       {"until-idle", "until-sent"},
       {"id"}},
      {{"payouts", "list"},
       {"--db URL [--state STATE] [--limit N]"},
       "reads only: works on a ledger file it may not write",
       list},
      {{"payouts", "show"}, {"--db URL ID"}, "one payout and its history; reads only", show},
      {{"payouts", "changes"},
       {"--db URL [--since CURSOR | --consumer NAME [--ack]] [--limit N]"},
       "payouts that became final, oldest first, with their cursor and reason. --consumer: after\n"
       "the last cursor NAME acknowledged, a place the ledger keeps; --ack acknowledges what was\n"
       "printed, once stdout took it. Reads only without --ack",
       changes,
       {"ack"}},
      {{"payouts", "cancel"},
       {"--db URL ID [--reason TEXT]"},
       "cancels a payout that is still pending: it will never be sent, and enters the change\n"
       "feed as cancelled with the reason. A payout claimed, sent or final is left as it is:\n"
       "exit 10. A worker's claim and a cancel never both win",
       cancel},
      {{"payouts", "pause"},
       {"--db URL [--reason TEXT]"},
       "pauses all sending, for every worker of the ledger, until `payouts resume`: no payout\n"
       "is claimed for sending after it returns (a batch claimed before may still leave, within\n"
       "one lease). Lookups and following accepted payouts go on",
       pause},
      {{"payouts", "resume"}, {"--db URL"}, "lets workers send again", resume},
      {{"payouts", "status"},
       {"--db URL"},
       "whether sending is paused (by whom, when, why) and the payouts by state; reads only",
       status},
  };
}

}  // namespace cinetpay::cli
