// PayoutLedger: submissions, reads, the change feed and notifications; and the rules that
// keep a payout moving forward only.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <utility>

#include "cinetpay/detail/json_depth.hpp"
#include "cinetpay/validation.hpp"
#include "ledger_core.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace {

constexpr std::array<std::pair<PayoutState, std::string_view>, 8> kStateWords = {{
    {PayoutState::pending, "pending"},
    {PayoutState::sending, "sending"},
    {PayoutState::accepted, "accepted"},
    {PayoutState::paid, "paid"},
    {PayoutState::failed, "failed"},
    {PayoutState::rejected, "rejected"},
    {PayoutState::unknown, "unknown"},
    {PayoutState::cancelled, "cancelled"},
}};

// How far along a payout is: it never moves to a lower rank.
int rank(PayoutState s) {
  switch (s) {
    case PayoutState::pending:
      return 0;
    case PayoutState::sending:
    case PayoutState::unknown:
      return 1;
    case PayoutState::accepted:
      return 2;
    default:
      return 3;
  }
}

// How far along CinetPay's treatment is, within `accepted`.
int rank(const std::string& treatment_status) {
  TreatmentStatus s(treatment_status);
  switch (s.code()) {
    case TreatmentStatus::Code::NEW:
      return 1;
    case TreatmentStatus::Code::NOS:
      return 2;
    case TreatmentStatus::Code::REC:
      return 3;
    case TreatmentStatus::Code::VAL:
    case TreatmentStatus::Code::REJ:
      return 4;
    default:
      return treatment_status.empty() ? 0 : 1;
  }
}

// A URL scheme's characters (RFC 3986): what comes before the first ':' of anything else,
// such as a keyword/value string ("password=a:b host=…"), may be a password.
bool is_scheme(const std::string& word) {
  return !word.empty() && std::isalpha(static_cast<unsigned char>(word[0])) != 0 &&
         std::all_of(word.begin(), word.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' ||
                  c == '.';
         });
}

// Every state present, zero when it has no payout: the totals of the payouts with these
// ids (any when empty) that `filters` selects.
LedgerSummary summary_of(detail::LedgerCore& core, const std::vector<std::string>& ids,
                         const PayoutQuery& filters) {
  LedgerSummary s;
  for (PayoutState state : all_payout_states()) s.by_state[state] = {};
  for (const auto& [state, total] : core.store().totals(ids, filters)) s.by_state[state] = total;
  return s;
}

std::unique_ptr<detail::LedgerStore> open_store(const std::string& url,
                                                const LedgerOptions& options) {
  const LedgerAccess access = options.access;
  auto colon = url.find(':');
  std::string scheme = colon == std::string::npos ? "" : url.substr(0, colon);
  if (scheme == "sqlite") {
    return detail::open_sqlite_store(url.substr(colon + 1), access, options.lock_wait);
  }
  if (scheme == "postgresql" || scheme == "postgres") {
    return detail::open_postgres_store(url, access);
  }
  // Names the scheme only: the rest of a mistyped URL may hold a password.
  throw std::invalid_argument(
      (is_scheme(scheme) ? "ledger URL scheme '" + scheme + "': unknown scheme"
                         : std::string("the ledger URL has no scheme")) +
      "; expected sqlite:PATH (e.g. sqlite:payouts.db) or postgresql://… (e.g. "
      "postgresql://user@host/payouts)");
}

// A consumer's name is a key the merchant chooses once; bounded so that a mistake (a
// whole document passed as the name) fails loudly.
void check_consumer(const std::string& consumer) {
  if (consumer.empty() || consumer.size() > 200 || consumer.find('\0') != std::string::npos) {
    throw std::invalid_argument("change-feed consumer name: 1 to 200 bytes, without NUL, got " +
                                std::to_string(consumer.size()) + " bytes");
  }
}

}  // namespace

std::string_view to_string(PayoutState state) noexcept {
  for (const auto& [s, word] : kStateWords) {
    if (s == state) return word;
  }
  return "?";
}

std::optional<PayoutState> payout_state_from(std::string_view word) noexcept {
  for (const auto& [s, w] : kStateWords) {
    if (w == word) return s;
  }
  return std::nullopt;
}

bool is_final(PayoutState state) noexcept { return rank(state) == 3; }

std::string_view to_string(PayoutActivity activity) noexcept {
  switch (activity) {
    case PayoutActivity::claimed:
      return "claimed";
    case PayoutActivity::sent:
      return "sent";
    case PayoutActivity::outcome:
      return "outcome";
    case PayoutActivity::settled:
      return "settled";
    case PayoutActivity::renewed:
      return "renewed";
    case PayoutActivity::released:
      return "released";
    case PayoutActivity::cancelled:
      return "cancelled";
    case PayoutActivity::notified:
      return "notified";
  }
  return "?";
}

std::string_view to_string(NotificationOutcome outcome) noexcept {
  switch (outcome) {
    case NotificationOutcome::applied:
      return "applied";
    case NotificationOutcome::unchanged:
      return "unchanged";
    case NotificationOutcome::refused:
      return "refused";
    case NotificationOutcome::not_ours:
      return "not_ours";
  }
  return "?";
}

const std::vector<PayoutState>& all_payout_states() {
  static const std::vector<PayoutState> kAll = [] {
    std::vector<PayoutState> all;
    all.reserve(kStateWords.size());
    for (const auto& [s, word] : kStateWords) all.push_back(s);
    return all;
  }();
  return kAll;
}

bool LedgerSummary::idle() const {
  for (const auto& [state, total] : by_state) {
    if (!is_final(state) && total.count > 0) return false;
  }
  return true;
}

bool LedgerSummary::sent() const {
  for (const auto& [state, total] : by_state) {
    if (!is_final(state) && state != PayoutState::accepted && total.count > 0) return false;
  }
  return true;
}

namespace detail {

bool same_submission(const Payout& a, const Payout& b) {
  const TransferRequest& x = a.request;
  const TransferRequest& y = b.request;
  auto recipient = [](const Payout& p) {
    Recipient r = p.recipient.value_or(Recipient{});
    return std::make_tuple(std::move(r.name), std::move(r.surname), std::move(r.email));
  };
  return x.client_transaction_id == y.client_transaction_id && x.prefix == y.prefix &&
         x.phone == y.phone && x.amount == y.amount && x.notify_url == y.notify_url &&
         x.payment_method == y.payment_method && recipient(a) == recipient(b) &&
         a.metadata == b.metadata;
}

std::int64_t to_millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_millis(std::int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

PayoutState state_for(const TreatmentStatus& status) {
  if (status == TreatmentStatus::Code::VAL) return PayoutState::paid;
  if (status == TreatmentStatus::Code::REJ) return PayoutState::failed;
  return PayoutState::accepted;
}

Transition transition(const PayoutRow& before, const PayoutRow& next, TimePoint at,
                      const std::string& actor, const std::string& reason, int api_code) {
  Transition t;
  t.expected_state = before.payout.state;
  t.expected_worker = before.payout.worker_id;
  t.expected_treatment_status = before.payout.treatment_status;
  t.next = next;
  t.next.payout.updated_at = at;
  if (!reason.empty()) {
    PayoutEvent e;
    e.at = at;
    e.from = before.payout.state;
    e.to = next.payout.state;
    e.worker_id = actor;
    e.lease_until = next.payout.lease_until;
    e.reason = reason;
    e.api_code = api_code;
    e.treatment_status = next.payout.treatment_status;
    t.event = std::move(e);
  }
  return t;
}

std::string contradicted_final(const PayoutRow& row, const TransferStatus& status) {
  const PayoutState held = row.payout.state;
  const PayoutState says = state_for(status.treatment_status);
  // A cancelled payout was never sent (only a pending one is cancelled): CinetPay holding a
  // transfer of it contradicts it as a rejected one's does.
  const bool nothing_paid = held == PayoutState::rejected || held == PayoutState::cancelled;
  const bool contradicted = (nothing_paid && says != PayoutState::failed) ||
                            (held == PayoutState::failed && says == PayoutState::paid) ||
                            (held == PayoutState::paid && says == PayoutState::failed);
  if (!contradicted) return {};
  return "CinetPay holds transfer " + status.transaction_id + " of this payout as " +
         status.treatment_status.raw() + ", but the ledger holds the payout " +
         std::string(to_string(held)) + (nothing_paid ? " (nothing paid)" : "") +
         ": investigate before paying it any other way";
}

std::optional<Transition> advance(const PayoutRow& row, const TransferStatus& status, TimePoint now,
                                  TimePoint next_check_at, const std::string& actor,
                                  const std::string& reason) {
  const PayoutState target = state_for(status.treatment_status);
  const PayoutState current = row.payout.state;
  if (is_final(current) || rank(target) < rank(current)) return std::nullopt;
  if (target == current && rank(status.treatment_status.raw()) <= rank(row.payout.treatment_status))
    return std::nullopt;
  PayoutRow next = row;
  next.payout.state = target;
  if (!status.transaction_id.empty()) next.payout.transaction_id = status.transaction_id;
  if (!status.lot.empty()) next.payout.lot = status.lot;
  next.payout.treatment_status = status.treatment_status.raw();
  next.payout.worker_id.clear();
  next.payout.lease_until = {};
  // CinetPay's comment is its only word on why it refused a transfer (REJ): kept in the
  // history and the change feed. On other statuses it says nothing the status does not.
  const bool refused = status.treatment_status == TreatmentStatus::Code::REJ;
  const std::string why =
      refused && !status.comment.empty() ? reason + ": " + status.comment : reason;
  next.payout.detail = why;
  next.checks = 0;
  next.next_check_at = next_check_at;
  return transition(row, next, now, actor, why);
}

Transition reject_reused_id(const PayoutRow& row, const evidence::Proof& conflict, TimePoint now,
                            const std::string& actor) {
  PayoutRow next = row;
  next.payout.state = PayoutState::rejected;
  next.payout.worker_id.clear();
  next.payout.lease_until = {};
  next.payout.api_code = codes::kClientTransactionIdExists;
  next.payout.detail =
      "this client_transaction_id belongs to another transfer at CinetPay: " + conflict.why;
  return transition(row, next, now, actor, next.payout.detail, codes::kClientTransactionIdExists);
}

void tell(const PayoutObserver& observer, const PayoutObservation& observation) noexcept {
  if (!observer) return;
  try {
    observer(observation);
  } catch (...) {  // an observer's failure is its own: the write it hears of stands
  }
}

PayoutObservation observation(PayoutActivity activity, const Payout& payout,
                              const std::string& worker_id, std::string detail, TimePoint at) {
  PayoutObservation o;
  o.activity = activity;
  o.client_transaction_id = payout.request.client_transaction_id;
  o.worker_id = worker_id;
  o.state = payout.state;
  o.api_code = payout.api_code;
  o.treatment_status = payout.treatment_status;
  o.detail = std::move(detail);
  o.at = at;
  return o;
}

}  // namespace detail

PayoutLedger::PayoutLedger(std::shared_ptr<detail::LedgerCore> core) : core_(std::move(core)) {}

PayoutLedger PayoutLedger::open(const std::string& url, LedgerOptions options) {
  if (!options.clock) options.clock = [] { return std::chrono::system_clock::now(); };
  return PayoutLedger(std::make_shared<detail::LedgerCore>(open_store(url, options), options.clock,
                                                           options.observer));
}

#ifdef CINETPAY_LEDGER_TEST_SEAMS
PayoutLedger detail::ledger_over_store(std::unique_ptr<LedgerStore> store, WallClock clock) {
  return PayoutLedger(std::make_shared<LedgerCore>(std::move(store), std::move(clock)));
}
#endif

namespace {

// Calls `each(start, end)` for each chunk of `count` items submit() writes at once.
template <typename Each>
void in_chunks(std::size_t count, const Each& each) {
  for (std::size_t start = 0; start < count; start += PayoutLedger::kSubmitChunk) {
    each(start, std::min(count, start + PayoutLedger::kSubmitChunk));
  }
}

// Metadata is a merchant's record (an order, a reference), not a tree.
constexpr std::size_t kMaxMetadataDepth = 16;

std::vector<PayoutRequest> as_payouts(const std::vector<TransferRequest>& transfers) {
  std::vector<PayoutRequest> out;
  out.reserve(transfers.size());
  for (const TransferRequest& t : transfers) out.push_back({t, std::nullopt, {}});
  return out;
}

// The payouts `requests` describe, each checked by the rules of what it will be sent with:
// its transfer by send_money's, its recipient by add_contacts', its metadata a bounded JSON
// object (the merchant's own key-value data, read back by programs).
std::vector<Payout> validated(const std::vector<PayoutRequest>& requests) {
  std::vector<TransferRequest> transfers;
  transfers.reserve(requests.size());
  for (const PayoutRequest& r : requests) transfers.push_back(r.transfer);
  validate_transfers(transfers);
  std::vector<Payout> payouts(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const PayoutRequest& r = requests[i];
    if (r.recipient) {
      try {
        validate_contacts({{r.transfer.prefix, r.transfer.phone, r.recipient->name,
                            r.recipient->surname, r.recipient->email}});
      } catch (const ValidationError& e) {
        throw ValidationError(e.field(), i, e.problem());
      }
    }
    if (!r.metadata.empty()) {
      if (r.metadata.size() > PayoutRequest::kMaxMetadata) {
        throw ValidationError("metadata", i,
                              "is " + std::to_string(r.metadata.size()) + " bytes, more than " +
                                  std::to_string(PayoutRequest::kMaxMetadata));
      }
      // Bounded nesting before parsing: whatever later dumps or compares it recurses.
      if (detail::nesting_depth(r.metadata, kMaxMetadataDepth + 1) > kMaxMetadataDepth) {
        throw ValidationError(
            "metadata", i,
            "is nested more than " + std::to_string(kMaxMetadataDepth) + " levels deep");
      }
      const auto parsed = nlohmann::json::parse(r.metadata, nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_object()) {
        throw ValidationError("metadata", i,
                              "must be a JSON object in UTF-8, such as {\"order\":\"A-17\"}");
      }
    }
    payouts[i].request = r.transfer;
    payouts[i].recipient = r.recipient;
    payouts[i].metadata = r.metadata;
  }
  return payouts;
}

}  // namespace

std::vector<SubmitResult> PayoutLedger::check(const std::vector<TransferRequest>& payouts) const {
  return check(as_payouts(payouts));
}

std::vector<SubmitResult> PayoutLedger::check(const std::vector<PayoutRequest>& requests) const {
  const std::vector<Payout> payouts = validated(requests);
  std::map<std::string_view, std::size_t> first_at;
  for (std::size_t i = 0; i < payouts.size(); ++i) {
    const std::string& id = payouts[i].request.client_transaction_id;
    if (id.empty()) {
      throw ValidationError("client_transaction_id", i,
                            "is required by the ledger: it is the payout's key");
    }
    auto [it, fresh] = first_at.emplace(id, i);
    if (!fresh && !detail::same_submission(payouts[it->second], payouts[i])) {
      throw ValidationError("client_transaction_id", i,
                            "'" + id + "' is also item " + std::to_string(it->second) +
                                " of this batch, with different fields; nothing of this batch "
                                "was recorded");
    }
  }
  std::vector<SubmitResult> results;
  results.reserve(payouts.size());
  in_chunks(payouts.size(), [&](std::size_t start, std::size_t end) {
    std::vector<std::string> ids;
    ids.reserve(end - start);
    for (std::size_t i = start; i < end; ++i)
      ids.push_back(payouts[i].request.client_transaction_id);
    const auto recorded = core_->store().recorded(ids);
    for (std::size_t i = start; i < end; ++i) {
      auto it = recorded.find(payouts[i].request.client_transaction_id);
      if (it != recorded.end() && !detail::same_submission(it->second, payouts[i])) {
        throw ValidationError("client_transaction_id", i,
                              "'" + it->first +
                                  "' was submitted before with different fields; nothing of "
                                  "this batch was recorded");
      }
      results.push_back({payouts[i].request.client_transaction_id, it != recorded.end()});
    }
  });
  return results;
}

std::vector<SubmitResult> PayoutLedger::submit(const std::vector<TransferRequest>& payouts) const {
  return submit(as_payouts(payouts));
}

std::vector<SubmitResult> PayoutLedger::submit(const std::vector<PayoutRequest>& requests) const {
  // Every id against the ledger before the first write, and without the write lock: a
  // batch that conflicts with what is recorded records nothing.
  (void)check(requests);
  const std::vector<Payout> payouts = validated(requests);
  std::vector<SubmitResult> results;
  results.reserve(payouts.size());
  in_chunks(payouts.size(), [&](std::size_t start, std::size_t end) {
    const auto now = core_->now();
    std::vector<detail::PayoutRow> rows(end - start);
    for (std::size_t i = start; i < end; ++i) {
      detail::PayoutRow& row = rows[i - start];
      row.payout = payouts[i];
      row.payout.created_at = now;
      row.payout.updated_at = now;
      row.next_check_at = now;
    }
    PayoutEvent submitted;
    submitted.at = now;
    submitted.to = PayoutState::pending;
    submitted.reason = "submitted";
    detail::InsertResult inserted = core_->store().insert(rows, submitted);
    if (inserted.conflict) {
      // Recorded by another process since the check above.
      const std::size_t at = start + *inserted.conflict;
      throw ValidationError(
          "client_transaction_id", at,
          "'" + payouts[at].request.client_transaction_id +
              "' was just submitted by another process with different fields; the first " +
              std::to_string(start) +
              " payouts of this batch were recorded, none from there on (submitting the batch "
              "again reports those already submitted)");
    }
    for (std::size_t i = start; i < end; ++i) {
      results.push_back({payouts[i].request.client_transaction_id, inserted.already[i - start]});
    }
  });
  return results;
}

std::optional<Payout> PayoutLedger::get(const std::string& client_transaction_id) const {
  auto row = core_->store().find(client_transaction_id);
  if (!row) return std::nullopt;
  row->payout.history = core_->store().history(client_transaction_id);
  return row->payout;
}

std::vector<Payout> PayoutLedger::list(std::optional<PayoutState> state, std::size_t limit) const {
  std::vector<Payout> out;
  for (detail::PayoutRow& r : core_->store().list(state, limit)) out.push_back(std::move(r.payout));
  return out;
}

LedgerSummary PayoutLedger::summary() const { return summary(std::vector<std::string>{}); }

LedgerSummary PayoutLedger::summary(const std::vector<std::string>& client_transaction_ids) const {
  return summary_of(*core_, client_transaction_ids, {});
}

LedgerSummary PayoutLedger::summary(const PayoutQuery& query) const {
  return summary_of(*core_, {}, query);
}

PayoutPage PayoutLedger::search(const PayoutQuery& query) const {
  if (query.limit < 1 || query.limit > PayoutQuery::kMaxLimit) {
    throw std::invalid_argument("PayoutQuery::limit: " + std::to_string(query.limit) +
                                " is not within 1 to " + std::to_string(PayoutQuery::kMaxLimit));
  }
  // One row more than the page: whether another page follows is known, not guessed.
  PayoutQuery one_more = query;
  ++one_more.limit;
  std::vector<detail::PositionedRow> rows = core_->store().search(one_more);
  PayoutPage page;
  const bool more = rows.size() > query.limit;
  if (more) {
    rows.resize(query.limit);
    page.next = rows.back().position;
  }
  page.payouts.reserve(rows.size());
  for (detail::PositionedRow& r : rows) page.payouts.push_back(std::move(r.row.payout));
  return page;
}

std::vector<HourOfOutcomes> PayoutLedger::activity(
    std::chrono::system_clock::time_point from, std::chrono::system_clock::time_point until) const {
  std::vector<HourOfOutcomes> hours;
  for (const detail::HourTotal& t : core_->store().activity(from, until)) {
    const auto start = std::chrono::system_clock::time_point(std::chrono::hours(t.hour));
    if (hours.empty() || hours.back().hour != start) hours.push_back({start, {}});
    hours.back().by_state[t.state] = t.total;
  }
  return hours;
}

std::vector<WorkerStatus> PayoutLedger::workers(std::chrono::system_clock::time_point since) const {
  return core_->store().workers(since, core_->now());
}

std::vector<PayoutChange> PayoutLedger::changes_since(std::int64_t cursor,
                                                      std::size_t limit) const {
  return core_->store().changes_after(cursor, limit);
}

std::vector<PayoutChange> PayoutLedger::changes_for(const std::string& consumer,
                                                    std::size_t limit) const {
  check_consumer(consumer);
  return core_->store().changes_after(core_->store().consumer_cursor(consumer), limit);
}

void PayoutLedger::acknowledge(const std::string& consumer, std::int64_t cursor) const {
  check_consumer(consumer);
  if (!core_->store().acknowledge(consumer, cursor, core_->now())) {
    throw std::invalid_argument("change-feed cursor " + std::to_string(cursor) +
                                " is past the feed's last entry: acknowledging it would skip "
                                "changes not made yet");
  }
}

std::int64_t PayoutLedger::acknowledged(const std::string& consumer) const {
  check_consumer(consumer);
  return core_->store().consumer_cursor(consumer);
}

CancelResult PayoutLedger::cancel(const std::string& client_transaction_id,
                                  const std::string& reason, const std::string& by) const {
  const std::string why = reason.empty() ? "cancelled" : "cancelled: " + reason;
  // A worker may claim the payout between our read and our write: the write is a
  // compare-and-set on the state read (pending, unheld), so one of the two wins; read again
  // to say which.
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto row = core_->store().find(client_transaction_id);
    if (!row) return {};
    const PayoutState state = row->payout.state;
    if (is_final(state)) return {CancelOutcome::final, row->payout};
    // Only a payout no send of which may be at CinetPay: pending means never sent, or
    // certainly never reached CinetPay. Any other state may end paid.
    if (state != PayoutState::pending) return {CancelOutcome::claimed, row->payout};
    detail::PayoutRow next = *row;
    next.payout.state = PayoutState::cancelled;
    next.payout.worker_id.clear();
    next.payout.lease_until = {};
    next.payout.api_code = 0;
    next.payout.detail = why;
    const detail::Transition t = detail::transition(*row, next, core_->now(), by, why);
    if (core_->store().apply({t}).front()) {
      core_->tell(PayoutActivity::cancelled, t.next.payout, why);
      return {CancelOutcome::cancelled, t.next.payout};
    }
  }
  throw LedgerError("cancel " + client_transaction_id +
                    ": the payout kept changing while it was cancelled");
}

void PayoutLedger::pause(const std::string& reason, const std::string& by) const {
  core_->store().set_sending_switch({true, by, reason, core_->now()});
}

void PayoutLedger::resume(const std::string& by) const {
  core_->store().set_sending_switch({false, by, {}, core_->now()});
}

PauseStatus PayoutLedger::paused() const { return core_->store().sending_switch(); }

namespace {

// apply_notification's judgment of `notification`, written to the ledger.
NotificationResult judge_notification(const detail::LedgerCore& core, const TransferClient& client,
                                      const Notification& notification, const CallOptions& call) {
  TransferStatus trusted = client.verify_notification(notification, call);
  const std::string& id = trusted.client_transaction_id.empty() ? notification.client_transaction_id
                                                                : trusted.client_transaction_id;
  // A worker may move the payout between our read and our write: read again and retry.
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto row = core.store().find(id);
    if (!row) return {};
    const auto now = core.now();
    NotificationResult result;
    std::optional<detail::Transition> t;
    const detail::evidence::Proof proof =
        detail::evidence::of_notification(row->payout.request, trusted, row->payout.transaction_id);
    if (proof.verdict != detail::evidence::Verdict::transfer) {
      // Another payout's transfer, or a record that cannot tell: never applied, and kept in
      // the payout's history for the merchant to see.
      result.outcome = NotificationOutcome::refused;
      result.reason = "notification refused: " + proof.why;
      t = detail::transition(*row, *row, now, "", result.reason);
    } else if (std::string contradiction = detail::contradicted_final(*row, trusted);
               !contradiction.empty()) {
      // The one signal that a final outcome was wrong: never dropped as "unchanged".
      result.outcome = NotificationOutcome::refused;
      result.reason = "notification refused: " + contradiction;
      t = detail::transition(*row, *row, now, "", result.reason);
    } else {
      result.outcome = NotificationOutcome::applied;
      t = detail::advance(
          *row, trusted, now, now, "",
          "notification verified by check/money: " + trusted.treatment_status.raw());
    }
    if (!t) return {NotificationOutcome::unchanged, row->payout, {}};
    if (core.store().apply({*t}).front()) {
      result.payout = t->next.payout;
      return result;
    }
  }
  throw LedgerError("notification for " + id + ": the payout kept changing while it was applied");
}

}  // namespace

NotificationResult PayoutLedger::apply_notification(const TransferClient& client,
                                                    const Notification& notification) const {
  return apply_notification(client, notification, CallOptions());
}

NotificationResult PayoutLedger::apply_notification(const TransferClient& client,
                                                    const Notification& notification,
                                                    const CallOptions& call) const {
  NotificationResult result = judge_notification(*core_, client, notification, call);
  Payout judged;
  if (result.payout) {
    judged = *result.payout;
  } else {
    judged.request.client_transaction_id = notification.client_transaction_id;
  }
  core_->tell(PayoutActivity::notified, judged, std::string(to_string(result.outcome)));
  return result;
}

CINETPAY_END_NAMESPACE
