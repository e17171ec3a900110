// Durable payouts: a ledger that records each payout before it is sent, and a worker that
// moves payouts along and survives a crash at any instant. Target cinetpay::ledger.
//
//   auto ledger = cinetpay::PayoutLedger::open("sqlite:payouts.db");
//   ledger.submit(payouts);                        // durable before it returns
//   cinetpay::PayoutWorker worker(client, ledger);
//   worker.run_until_idle(std::chrono::steady_clock::now() + std::chrono::minutes(10));
//   for (const auto& c : ledger.changes_for("orders")) { /* tell the order system */ }
//   ledger.acknowledge("orders", last_cursor);     // the ledger keeps the consumer's place
//
// Rules: a claim is committed before any byte of its send leaves; a payout whose claim
// expired, or whose outcome is unknown, is looked up by client_transaction_id before
// anything else, and sent again (same id) only when certainly absent past a grace period;
// a payout never moves backwards; every transition is kept in its history.
/// @file
/// Durable payouts (target cinetpay::ledger, find_package COMPONENTS ledger): PayoutLedger
/// records each payout before it is sent, PayoutWorker moves payouts along and survives a
/// crash at any instant.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cinetpay/client.hpp"
#include "cinetpay/errors.hpp"
#include "cinetpay/export.hpp"
#include "cinetpay/metrics.hpp"
#include "cinetpay/models.hpp"
#include "cinetpay/notification.hpp"

CINETPAY_BEGIN_NAMESPACE

namespace detail {
class LedgerCore;
}

/// Where a payout stands. Forward only: pending → sending → accepted → paid | failed,
/// or rejected; `unknown` is being settled by lookup; pending → cancelled by
/// PayoutLedger::cancel, never from any other state.
enum class PayoutState {
  pending,   ///< submitted, not sent yet (or certainly never reached CinetPay)
  sending,   ///< claimed by a worker, whose send may be on the wire
  accepted,  ///< CinetPay has it (NEW, REC or NOS); followed until final
  paid,      ///< final: VAL
  failed,    ///< final: REJ, nothing paid
  rejected,  ///< final: CinetPay refused it, nothing paid
  unknown,   ///< a send whose outcome nobody knows yet: settled by lookup, never resent blindly
  /// final: cancelled while pending (PayoutLedger::cancel), nothing paid. Last of the list,
  /// so that the other states keep their values.
  cancelled,
};

/// "pending", "sending"…
CINETPAY_API std::string_view to_string(PayoutState state) noexcept;
/// The state named `word`, or nullopt.
CINETPAY_API std::optional<PayoutState> payout_state_from(std::string_view word) noexcept;
/// True for paid, failed, rejected and cancelled.
CINETPAY_API bool is_final(PayoutState state) noexcept;
/// Every state, in the order above.
CINETPAY_API const std::vector<PayoutState>& all_payout_states();

/// A wall clock; injectable so that leases and backoff are tested without waiting.
using WallClock = std::function<std::chrono::system_clock::time_point()>;

#ifdef CINETPAY_LEDGER_TEST_SEAMS
class PayoutLedger;
namespace detail {
class LedgerStore;
// Only in the tests' second build of the ledger (tests/simulation): a ledger over a store
// the test wraps, to crash between any two of its operations. The released library has none.
PayoutLedger ledger_over_store(std::unique_ptr<LedgerStore> store, WallClock clock);
}  // namespace detail
#endif

/// One transition of a payout's history: an audit trail an accountant can read.
struct PayoutEvent {
  std::chrono::system_clock::time_point at;  ///< when it happened
  std::optional<PayoutState> from;           ///< empty for the submission
  PayoutState to = PayoutState::pending;     ///< the state it moved to
  /// The worker that made it, empty for submissions and notifications; for a cancel, who
  /// cancelled (PayoutLedger::cancel's `by`).
  std::string worker_id;
  std::chrono::system_clock::time_point lease_until;  ///< for claims: until when it is held
  std::string reason;                                 ///< why, for people
  int api_code = 0;                                   ///< the API's code, when it gave one
  std::string treatment_status;  ///< the API's word (NEW, REC, VAL, REJ…), when known
  /// How many times this very event happened in a row (an outage's claim and release,
  /// repeated): the ledger keeps one row for them, so that no outage grows the history
  /// without bound. An event equal to one of the two before it (all but its times) is
  /// counted there.
  int repeats = 1;
  /// When it happened last, for a repeated event; equal to `at` otherwise.
  std::chrono::system_clock::time_point last_at;
};

/// Who receives a payout, as CinetPay registers a contact: CinetPay pays only registered
/// contacts. A plain value.
struct Recipient {
  std::string name;     ///< the receiver's first name
  std::string surname;  ///< the receiver's family name
  std::string email;    ///< the receiver's email address
};

/// A payout as a merchant submits it to the ledger. A plain value.
struct PayoutRequest {
  TransferRequest transfer;  ///< what is sent; its client_transaction_id is the payout's key
  /// With a recipient, the worker registers the phone as a CinetPay contact (once per
  /// prefix and phone and ledger; "already a contact", 726, counts as registered) before
  /// the payout's first send; a payout whose contact CinetPay refuses ends `rejected` alone,
  /// with CinetPay's code. Without one, the phone must be a contact already.
  std::optional<Recipient> recipient;
  /// The merchant's own data about the payout (an order id, a reference…): a JSON object of
  /// at most kMaxMetadata bytes and 16 levels of nesting, or empty for none. Kept as given, never sent to CinetPay,
  /// read back in get(), list(), the change feed and notification results.
  std::string metadata;
  /// The longest metadata accepted, in bytes.
  static constexpr std::size_t kMaxMetadata = 4096;
};

/// A payout as the ledger knows it. A plain value.
struct Payout {
  TransferRequest request;                            ///< the payout as submitted
  std::optional<Recipient> recipient;                 ///< as submitted: registered before sending
  std::string metadata;                               ///< as submitted: a JSON object, or empty
  PayoutState state = PayoutState::pending;           ///< where it stands
  std::string transaction_id;                         ///< CinetPay's, once known
  std::string lot;                                    ///< CinetPay's batch id, once known
  std::string treatment_status;                       ///< the API's last word for it, when known
  int api_code = 0;                                   ///< why it was rejected, when it was
  std::string detail;                                 ///< the last reason, for people
  std::string worker_id;                              ///< the worker holding its claim, if any
  std::chrono::system_clock::time_point lease_until;  ///< until when that claim holds
  int sends = 0;  ///< claims for sending: each one may have put a request on the wire
  std::chrono::system_clock::time_point created_at;  ///< when it was submitted
  std::chrono::system_clock::time_point updated_at;  ///< when it last changed
  std::vector<PayoutEvent> history;                  ///< filled by get() only
};

/// What submit() did with one payout.
struct SubmitResult {
  std::string client_transaction_id;  ///< the payout's id
  bool already_submitted = false;     ///< the same payout was in the ledger: nothing changed
};

/// One entry of the change feed: a payout that became final.
struct PayoutChange {
  std::int64_t cursor = 0;                   ///< pass the last one seen to changes_since
  std::string client_transaction_id;         ///< the payout's id
  PayoutState state = PayoutState::paid;     ///< paid, failed, rejected or cancelled
  std::string transaction_id;                ///< CinetPay's id, when it has one
  std::int64_t amount = 0;                   ///< the payout's amount
  int api_code = 0;                          ///< why it was rejected, when it was
  std::chrono::system_clock::time_point at;  ///< when it became final
  /// Why it ended so, as the payout's last reason: for a failed payout (REJ) the status's
  /// comment CinetPay gave, for a rejected one CinetPay's code and message (or what the
  /// ledger found: an id that belongs to another transfer); for a cancelled one, "cancelled"
  /// and the reason given to PayoutLedger::cancel.
  std::string reason;
  std::string metadata;  ///< the payout's metadata, as submitted
};

/// What apply_notification did with a verified notification.
enum class NotificationOutcome {
  applied,    ///< the payout moved forward to what check/money says of its transfer
  unchanged,  ///< the payout was there already or further along (a repeated or late one)
  /// CinetPay's transfer under that client_transaction_id is not the ledger's payout (its
  /// amount, phone or prefix differ), or its record cannot tell (it leaves out the amount
  /// or the recipient, or names another transfer than the one the payout is known by), or
  /// it contradicts the final state the ledger holds it in (a payout held rejected that
  /// CinetPay has, paid though held failed…): not applied, the payout did not move, and the
  /// refusal is kept in its history with the reason.
  refused,
  not_ours,  ///< no payout of this ledger has that client_transaction_id
};

/// "applied", "unchanged", "refused", "not_ours". Throws nothing.
CINETPAY_API std::string_view to_string(NotificationOutcome outcome) noexcept;

/// The result of apply_notification. A plain value.
struct NotificationResult {
  NotificationOutcome outcome = NotificationOutcome::not_ours;  ///< what was done
  std::optional<Payout> payout;  ///< the payout as it now stands (no history); empty if not_ours
  std::string reason;            ///< for `refused`: what differs or contradicts, and both sides
};

/// What PayoutLedger::cancel did with a payout.
enum class CancelOutcome {
  cancelled,  ///< it was pending: now cancelled (final, in the change feed), and never sent
  not_found,  ///< no payout of this ledger has that client_transaction_id
  /// a worker claimed it (sending, unknown) or CinetPay has it (accepted): it may be paid,
  /// so it is not cancelled; nothing changed
  claimed,
  final,  ///< it is final already (paid, failed, rejected or cancelled); nothing changed
};

/// The result of PayoutLedger::cancel. A plain value.
struct CancelResult {
  CancelOutcome outcome = CancelOutcome::not_found;  ///< what was done
  std::optional<Payout> payout;  ///< the payout as it now stands (no history); empty if not_found
};

/// Whether workers may claim payouts for sending (PayoutLedger::pause, resume). A plain value.
struct PauseStatus {
  bool paused = false;  ///< true: no worker claims a payout for sending
  /// Who switched it last, as they named themselves to pause() or resume(); may be empty.
  std::string by;
  std::string reason;                        ///< why it was paused; empty once resumed
  std::chrono::system_clock::time_point at;  ///< when it was switched last; zero if never
};

/// Counts and amounts of payouts by state.
struct CINETPAY_API LedgerSummary {
  /// The payouts in one state.
  struct Total {
    std::size_t count = 0;    ///< how many
    std::int64_t amount = 0;  ///< their total amount
  };
  std::map<PayoutState, Total> by_state;  ///< every state present, zero when empty
  /// True when every payout is final.
  [[nodiscard]] bool idle() const;
  /// True when no payout is pending, sending or unknown: each is accepted by CinetPay or
  /// final.
  [[nodiscard]] bool sent() const;
};

/// Which payouts PayoutLedger::search and summary(query) read: every filter given must
/// hold (AND); an empty one reads all. A plain value.
struct PayoutQuery {
  std::vector<PayoutState> states;  ///< in any of these states; empty: any state
  /// Submitted at or after this instant.
  std::optional<std::chrono::system_clock::time_point> created_from;
  /// Submitted before this instant.
  std::optional<std::chrono::system_clock::time_point> created_until;
  std::optional<std::int64_t> amount_min;  ///< amount at least this
  std::optional<std::int64_t> amount_max;  ///< amount at most this
  /// The operator, as TransferRequest::payment_method names it (exact: "OMCI", "WAVECI"…).
  std::string payment_method;
  std::string prefix;  ///< the recipient's country prefix (exact: "225")
  /// Equal to the client_transaction_id, CinetPay's transaction_id, the lot or the phone
  /// (each through an index: fast on any ledger).
  std::string text;
  /// Found in the metadata, as a substring of its JSON text, case-sensitive. A scan of the
  /// payouts' metadata, newest first, that stops once a page is full: quick for a text
  /// many payouts hold, about half a second on a million payouts for one none holds.
  std::string metadata_contains;
  /// Unchanged since before this instant: an `accepted` payout CinetPay keeps for hours.
  std::optional<std::chrono::system_clock::time_point> updated_before;
  /// Held by a worker whose lease ended before this instant: a `sending` payout whose
  /// worker died.
  std::optional<std::chrono::system_clock::time_point> lease_ended_before;
  /// A page holds at most this many payouts: 1 to kMaxLimit, else std::invalid_argument.
  std::size_t limit = 50;
  /// The page after the one that returned this PayoutPage::next; empty: the first page.
  std::optional<std::int64_t> after;
  /// The longest page.
  static constexpr std::size_t kMaxLimit = 1000;
};

/// One page of PayoutLedger::search. A plain value.
struct PayoutPage {
  std::vector<Payout> payouts;       ///< newest submission first, without history
  std::optional<std::int64_t> next;  ///< pass as PayoutQuery::after for the next page; empty at the end
};

/// The payouts that became final in one hour (PayoutLedger::activity). A plain value.
struct HourOfOutcomes {
  std::chrono::system_clock::time_point hour;  ///< the hour's start (UTC)
  /// Counts and amounts by final state (paid, failed, rejected, cancelled), those present.
  std::map<PayoutState, LedgerSummary::Total> by_state;
};

/// A worker as its heartbeats show it (PayoutLedger::workers). A plain value.
struct WorkerStatus {
  std::string worker_id;                            ///< WorkerOptions::worker_id
  std::chrono::system_clock::time_point started_at;  ///< its first heartbeat
  std::chrono::system_clock::time_point last_seen;   ///< its last heartbeat (each pass, each renewal)
  std::size_t claims_held = 0;  ///< payouts it holds now under a lease not yet ended
  /// Its counters at the last heartbeat, a JSON object (WorkerStats::to_json); "{}" when none.
  std::string stats;
};

/// What a PayoutObserver hears of.
enum class PayoutActivity {
  claimed,  ///< a worker claimed the payout for sending (pending → sending), before its send
  sent,     ///< its send was answered, or could not be: `outcome` says what send_money found
  outcome,  ///< an answer moved it (to accepted, paid, failed, rejected or unknown): `state`
  settled,  ///< a lookup settled an unknown or expired claim (to `state`)
  /// Its worker renewed its lease. The store's renewal says how many leases it extended,
  /// not which: one observation per lease renewed, without client_transaction_id, `state`
  /// sending (an unknown payout held for its lookup is counted there too).
  renewed,
  released,   ///< a claim went back to pending, nothing sent (an outage, a refused account)
  cancelled,  ///< PayoutLedger::cancel cancelled it
  notified,   ///< PayoutLedger::apply_notification judged a notification of it: `detail`
};

/// "claimed", "sent"… Throws nothing.
CINETPAY_API std::string_view to_string(PayoutActivity activity) noexcept;

/// One thing that happened to one payout, told to a PayoutObserver once the ledger's write
/// that made it true has committed (never of a write that failed). It holds no credentials:
/// no API key, password or token. A plain value.
struct PayoutObservation {
  PayoutActivity activity = PayoutActivity::claimed;  ///< what happened
  std::string client_transaction_id;                  ///< the payout's id
  std::string worker_id;                              ///< the worker that did it; empty otherwise
  /// Where the payout stands after it; pending for a notification that is not_ours (no
  /// payout has its id).
  PayoutState state = PayoutState::pending;
  /// For `sent`: what send_money found (accepted, rejected, not_sent, unknown).
  std::optional<TransferOutcome> outcome;
  int api_code = 0;              ///< CinetPay's code, when an answer gave one
  std::string treatment_status;  ///< CinetPay's word (NEW, VAL, REJ…), when known
  std::string detail;            ///< the reason, for people (for `notified`: the outcome's name)
  std::chrono::system_clock::time_point at;  ///< when
};

/// Called for each PayoutObservation, on the thread that made it (a worker's own, or its
/// lease renewer's): it must be quick, thread-safe and throw nothing (what it throws is
/// swallowed, so that an observer never changes what happens to a payout). An OpenTelemetry
/// span event, an spdlog line or a counter is a few lines (docs/ledger.md, "Observing
/// payouts").
using PayoutObserver = std::function<void(const PayoutObservation&)>;

/// What PayoutLedger::open may do to the store at its URL.
enum class LedgerAccess {
  /// Create the ledger when there is none, migrate it when its schema is older: for what
  /// records payouts (a submit). The default.
  create,
  /// A ledger that exists, migrated when older; LedgerError when there is none, and nothing
  /// is created: for workers, so that a mistyped path fails instead of running an empty
  /// ledger.
  existing,
  /// A ledger that exists and is up to date, read without writing anything, not even a
  /// lock: for reports, and for a file the process may not write. LedgerError when there
  /// is none or when it needs migrating; a write (submit, a worker's pass) throws LedgerError.
  read_only,
};

/// How a ledger is opened. A plain value.
struct LedgerOptions {
  /// Null means std::chrono::system_clock::now.
  WallClock clock;
  /// What opening may do: create, migrate, or only read.
  LedgerAccess access = LedgerAccess::create;
  /// SQLite: how long an operation waits for another connection's write lock (a submit
  /// between two of its chunks, another worker) before it throws LedgerError. A worker
  /// recording what it sent, or a webhook, waits this long rather than fail. PostgreSQL
  /// waits for row locks without a bound of the ledger's own.
  std::chrono::milliseconds lock_wait{std::chrono::minutes(5)};
  /// Hears what this ledger's cancel() and apply_notification() do (workers have their
  /// own: WorkerOptions::observer). Null: nobody.
  PayoutObserver observer;
};

/// A durable record of payouts. Open it with a URL: `sqlite:PATH` (the embedded default,
/// one machine) or `postgresql://…` (libpq's URIs and parameters; a fleet of workers on
/// several machines). Thread-safe: one ledger may be shared by the threads of a process, and
/// several processes may open the same SQLite file at once. Copies share one connection.
class CINETPAY_API PayoutLedger {
 public:
  /// Opens the ledger at `url`, creating and migrating it when `options.access` allows.
  /// SQLite's in-memory database and URI filenames (`sqlite::memory:`, `sqlite:file:…`,
  /// `?mode=`, `?immutable=`…) are refused: a ledger is a file that outlives the process.
  /// Throws std::invalid_argument for such a URL or an unknown scheme, LedgerError when the
  /// store fails or holds no ledger that `options.access` may use. No message names a
  /// password of the URL.
  static PayoutLedger open(const std::string& url, LedgerOptions options = {});

  /// Records payouts, validated whole first (the rules of send_money, the client_transaction_id
  /// required; a recipient by the rules of add_contacts; metadata a JSON object of at most
  /// PayoutRequest::kMaxMetadata bytes: ValidationError naming the field and the item),
  /// durable before it returns. The same id with the
  /// same fields is reported already_submitted; the same id with different fields (in the
  /// ledger or twice in `payouts`) throws ValidationError naming the id, and nothing is
  /// recorded: every id is checked before the first write, without the write lock.
  /// Written in chunks of `kSubmitChunk` payouts, each its own transaction, so that no
  /// write lock is held long (workers and webhooks write between two chunks): all or
  /// nothing per chunk. Only when another process records one of these ids with different
  /// fields between the check and the write does the ValidationError come after some
  /// chunks were recorded; it says how many. Submitting the same batch again is safe: what
  /// was recorded is reported already_submitted.
  /// Its result may be ignored: what matters is that the payouts are recorded.
  std::vector<SubmitResult> submit(  // NOLINT(modernize-use-nodiscard)
      const std::vector<PayoutRequest>& payouts) const;
  /// The same, for payouts to phones that are contacts already and without metadata.
  std::vector<SubmitResult> submit(  // NOLINT(modernize-use-nodiscard)
      const std::vector<TransferRequest>& payouts) const;

  /// What submit(payouts) would do, without writing anything and without the write lock:
  /// throws the ValidationError submit would throw, and says of each payout whether it is
  /// already submitted. For a caller that records a big batch in parts (a file read a chunk
  /// at a time) and wants every part checked before the first is written.
  [[nodiscard]] std::vector<SubmitResult> check(const std::vector<PayoutRequest>& payouts) const;
  /// The same, for payouts without recipient nor metadata.
  [[nodiscard]] std::vector<SubmitResult> check(const std::vector<TransferRequest>& payouts) const;

  /// The payout with its history, or nullopt.
  [[nodiscard]] std::optional<Payout> get(const std::string& client_transaction_id) const;
  /// Payouts in submission order, all states when `state` is empty (no history).
  [[nodiscard]] std::vector<Payout> list(std::optional<PayoutState> state = std::nullopt,
                                         std::size_t limit = 1000) const;
  /// Counts and amounts by state.
  [[nodiscard]] LedgerSummary summary() const;
  /// Counts and amounts by state of the payouts with these ids (of all when it is empty).
  [[nodiscard]] LedgerSummary summary(const std::vector<std::string>& client_transaction_ids) const;

  /// One page of the payouts `query` selects, newest submission first (a keyset page: fast
  /// on any page of a ledger of millions). Throws std::invalid_argument for a bad limit.
  [[nodiscard]] PayoutPage search(const PayoutQuery& query) const;
  /// Counts and amounts by state of every payout `query` selects (its limit and after
  /// ignored).
  [[nodiscard]] LedgerSummary summary(const PayoutQuery& query) const;
  /// The payouts that became final in [from, until), per hour, oldest hour first; hours
  /// without any are left out. Read from the change feed.
  [[nodiscard]] std::vector<HourOfOutcomes> activity(
      std::chrono::system_clock::time_point from,
      std::chrono::system_clock::time_point until) const;
  /// The workers whose last heartbeat is at or after `since`, most recently seen first.
  [[nodiscard]] std::vector<WorkerStatus> workers(
      std::chrono::system_clock::time_point since) const;

  /// Payouts submit() writes in one transaction, at most.
  static constexpr std::size_t kSubmitChunk = 2000;

  /// Payouts that became final (paid, failed, rejected) after `cursor`, oldest first, each
  /// exactly once: keep the last cursor durably on your side and pass it again.
  [[nodiscard]] std::vector<PayoutChange> changes_since(std::int64_t cursor,
                                                        std::size_t limit = 1000) const;

  /// The change feed for a named consumer whose place the ledger keeps: the changes after
  /// the last cursor `consumer` acknowledged (from the start for a name never seen),
  /// oldest first. Reading moves nothing: a consumer that dies before acknowledge() gets
  /// the same changes again when it restarts (at least once). Names are 1 to 200 bytes;
  /// std::invalid_argument otherwise.
  [[nodiscard]] std::vector<PayoutChange> changes_for(const std::string& consumer,
                                                      std::size_t limit = 1000) const;
  /// Records that `consumer` has handled every change up to `cursor` (a PayoutChange's),
  /// durably. A consumer never moves back: an older cursor changes nothing. Throws
  /// std::invalid_argument for a cursor past the feed's last entry (it would skip changes
  /// not yet made) or a bad name; LedgerError when the store fails or is read-only.
  void acknowledge(const std::string& consumer, std::int64_t cursor) const;
  /// The last cursor `consumer` acknowledged; 0 for a name never seen.
  [[nodiscard]] std::int64_t acknowledged(const std::string& consumer) const;

  /// Cancels the payout `client_transaction_id` if it is still pending, in one
  /// compare-and-set on its state: a worker's claim and a cancel never both win, so a
  /// cancelled payout is never sent. A payout claimed, sent or final is left as it is (the
  /// outcome says which). A cancelled payout is final, nothing paid: it enters the change
  /// feed with "cancelled: `reason`", and its history names `by` and the reason. Throws
  /// LedgerError when the store fails or is read-only.
  [[nodiscard]] CancelResult cancel(const std::string& client_transaction_id,
                                    const std::string& reason, const std::string& by = {}) const;

  /// Pauses all sending: from the moment it returns, no worker of this ledger (any process,
  /// any machine) claims a payout for sending, nor sends one again after a lookup; a batch
  /// claimed before it still leaves (within one lease). Looking up unknown payouts and
  /// following accepted ones go on: they send no money. Kept in the ledger until resume().
  /// `by` names who paused, for people. Throws LedgerError when the store fails.
  void pause(const std::string& reason, const std::string& by = {}) const;
  /// Lets workers send again. Throws LedgerError when the store fails.
  void resume(const std::string& by = {}) const;
  /// Whether sending is paused, by whom, when and why.
  [[nodiscard]] PauseStatus paused() const;

  /// Applies a notification after verifying it by re-query through `client`. Safe while a
  /// worker runs, even before that worker recorded the send. What the verified record
  /// proves is judged as every answer is (a transfer whose amount, phone or prefix differs
  /// from the ledger's payout of the same client_transaction_id, or a record that leaves
  /// out its amount or recipient, is `refused`: never applied, recorded in the payout's
  /// history as a refused notification).
  /// Throws what verify_notification throws (NotFoundError or NotificationMismatchError
  /// for a forged notification).
  [[nodiscard]] NotificationResult apply_notification(const TransferClient& client,
                                                      const Notification& notification) const;
  /// The same, with `call` bounding the re-query (verify_notification's CallOptions): a
  /// webhook that must answer within 2 s passes `CallOptions(std::chrono::seconds(2))`.
  /// The ledger's write that follows is not bounded by it (see LedgerOptions::lock_wait).
  [[nodiscard]] NotificationResult apply_notification(const TransferClient& client,
                                                      const Notification& notification,
                                                      const CallOptions& call) const;

 private:
  friend class PayoutWorker;
#ifdef CINETPAY_LEDGER_TEST_SEAMS
  friend PayoutLedger detail::ledger_over_store(std::unique_ptr<detail::LedgerStore> store,
                                                WallClock clock);
#endif
  explicit PayoutLedger(std::shared_ptr<detail::LedgerCore> core);
  std::shared_ptr<detail::LedgerCore> core_;
};

/// The store failed (cannot open, disk full, corrupt, schema newer than this library).
class CINETPAY_API LedgerError : public Error {
 public:
  using Error::Error;
};

/// How a worker paces itself; every field has a working default. A plain value.
struct WorkerOptions {
  /// Names this worker in claims and history; empty means host-pid-random.
  std::string worker_id;
  /// Payouts claimed, and sent in one send_money call, at a time.
  std::size_t batch_size = 50;
  /// Batches claimed and sent per pass, one after another: while a batch is on the wire,
  /// the worker records the previous batch's outcomes and claims (and commits) the next
  /// batch, so that the ledger's writes overlap CinetPay's round trips. A pass ends sooner
  /// when nothing is left to claim.
  std::size_t batches_per_pass = 8;
  /// How long a claim holds without renewal; renewed every third of it while the worker
  /// lives. A dead worker's claims are taken over (by lookup) after this.
  std::chrono::milliseconds lease{30000};
  /// A payout certainly absent from CinetPay this long after its last send is sent again
  /// with the same id (805 guards it). Before that, absence may mean "not visible yet".
  std::chrono::milliseconds resend_grace{30000};
  /// Pause before looking up an unknown payout again.
  std::chrono::milliseconds settle_interval{2000};
  /// Following accepted payouts: the first pause, doubling up to the cap.
  std::chrono::milliseconds follow_initial{2000};
  std::chrono::milliseconds follow_max{60000};  ///< the cap of that pause
  /// run_until_idle's longest pause when nothing is due, and its pause between two passes
  /// while sending is paused in the ledger (no pass spins on payouts it may not send).
  std::chrono::milliseconds idle_pause{1000};
  /// After a pass whose send could not reach CinetPay (the pass stops sending then),
  /// run_until_idle pauses `idle_pause`, doubling after each such pass up to this cap, with
  /// jitter; the first pass that reaches CinetPay again resets it.
  std::chrono::milliseconds outage_pause_max{60000};
  /// Null means std::chrono::system_clock::now.
  WallClock clock;
  /// Null means std::this_thread::sleep_for.
  Sleeper sleeper;
  /// True: a pass renews its leases on a thread of its own, sends a batch while it records
  /// the previous one and claims the next, and follows accepted payouts beside all that.
  /// False: a pass runs on the calling thread alone — no lease renewer thread (the pass
  /// renews its leases itself before each send), no pipelining, following after sending —
  /// for deterministic tests and for callers that own their threads.
  bool concurrent = true;
  /// Hears each payout's claim, send, outcome, settlement, renewal and release. Null: nobody.
  PayoutObserver observer;
  /// When set, the worker counts what it does there (payout_metrics()) and each heartbeat
  /// it writes in the ledger carries a snapshot of the registry (MetricsRegistry::to_json),
  /// which `cinetpay payouts serve` exposes at /metrics with a `worker` label: one scrape
  /// sees the whole fleet. Give it the registry its client's request_metrics() feeds, and
  /// the requests' counts and latencies travel too.
  std::shared_ptr<MetricsRegistry> metrics;
};

/// What one pass did: how many payouts it moved into each state, and requests it made.
struct CINETPAY_API WorkerPass {
  std::map<PayoutState, std::size_t> moved;  ///< payouts moved, by the state they reached
  std::size_t sent = 0;                      ///< payouts handed to send_money
  std::size_t looked_up = 0;                 ///< reconcile() lookups
  std::size_t checks = 0;                    ///< check_transfer requests to follow accepted payouts
  /// A send could not reach CinetPay: the pass sent nothing more, and every payout it had
  /// claimed went back to pending, with its send not counted.
  bool unreachable = false;
  /// Sending was paused in the ledger when the pass began (PayoutLedger::pause): it
  /// settled and followed payouts but sent none.
  bool paused = false;
  /// Total of `moved`.
  [[nodiscard]] std::size_t total_moved() const;
};

/// What run_until_idle waits for.
enum class RunUntil {
  final,  ///< every payout in scope final (paid, failed, rejected)
  /// every payout in scope accepted or final: a payout CinetPay keeps in REC for hours does
  /// not hold the run to its deadline. Accepted payouts are still followed while it runs.
  sent,
};

/// Which payouts run_until_idle works on and waits for. A plain value.
struct RunScope {
  /// Only these payouts are claimed (to be sent, or settled by lookup) and waited for;
  /// the others are left as they are. Empty: every payout of the ledger. Following accepted
  /// payouts is not limited: a pass follows every accepted payout that is due.
  std::vector<std::string> client_transaction_ids;
  /// What "idle" means for the run.
  RunUntil until = RunUntil::final;
};

/// Moves a ledger's payouts along. One worker is used by one thread at a time; run as many
/// workers (threads or processes) on one ledger as you like: claims keep them apart.
class CINETPAY_API PayoutWorker {
 public:
  /// A worker that sends through `client` the payouts of `ledger`. Sends nothing until run.
  PayoutWorker(TransferClient client, PayoutLedger ledger, WorkerOptions options = {});
  ~PayoutWorker();
  PayoutWorker(const PayoutWorker&) = delete;
  PayoutWorker& operator=(const PayoutWorker&) = delete;

  /// One pass: settle unknown and expired claims by lookup, claim and send pending ones
  /// (up to `batches_per_pass` batches; none while sending is paused), follow accepted ones. Throws
  /// the ApiError of a refused login (AuthenticationError for 701–707; any code, such as 709 for a
  /// caller IP CinetPay does not allow), and InsufficientBalanceError when CinetPay refuses a send
  /// for want of balance (602): the payouts refused, and those claimed meanwhile, are put back to
  /// pending (a refused account is never a refused payout: top up or mend the login, and run
  /// again). LedgerError when the store fails.
  WorkerPass run_once();

  /// Passes until every payout is final or `deadline` passes; returns the summary then.
  /// Throws what run_once throws, at once: a refused login or balance ends the run.
  LedgerSummary run_until_idle(std::chrono::steady_clock::time_point deadline,
                               const std::function<void(const LedgerSummary&)>& progress = {});
  /// Passes until the payouts of `scope` are idle as `scope.until` says, or `deadline`
  /// passes; returns their summary then (of the named payouts only, when it names some).
  /// Throws std::invalid_argument, before any pass, for a named id the ledger does not
  /// hold; otherwise what run_once throws.
  LedgerSummary run_until_idle(std::chrono::steady_clock::time_point deadline,
                               const RunScope& scope,
                               const std::function<void(const LedgerSummary&)>& progress = {});

  /// The name this worker writes in claims and history.
  [[nodiscard]] const std::string& worker_id() const noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// A PayoutObserver (for WorkerOptions::observer, LedgerOptions::observer) that counts
/// what happens to payouts into `registry`:
///
/// - `cinetpay_payout_activity_total{activity,state}`: claims, sends, outcomes… by the state
///   the payout reached
/// - `cinetpay_payout_refusals_total{code}`: outcomes and settlements with CinetPay code != 0
/// - `cinetpay_notifications_total{result}`: apply_notification's outcomes
///
/// Thread-safe; keeps `registry` alive. Throws std::invalid_argument if the registry holds
/// one of these names otherwise.
CINETPAY_API PayoutObserver payout_metrics(std::shared_ptr<MetricsRegistry> registry);

/// What `cinetpay payouts serve` answers at /metrics, for a merchant's own endpoint, in
/// Prometheus' text format 0.0.4 (serve it with kPrometheusContentType):
///
/// - `cinetpay_payouts{state}`, `cinetpay_payouts_amount{state}`: the ledger's payouts
/// - `cinetpay_sending_paused`: 1 while sending is paused
/// - `cinetpay_worker_last_heartbeat_seconds{worker_id}`, `cinetpay_worker_claims_held{worker_id}`:
///   each worker whose last heartbeat is at or after `workers_since`
/// - the counters those workers' heartbeats carry (WorkerOptions::metrics), each series
///   labelled with its `worker_id` (MetricsRegistry::expose_with)
///
/// The values themselves are in summary(), paused() and workers(), for an exporter of
/// another kind. Reads the ledger: the counts scan it (about 80 ms for a million payouts
/// on SQLite). Thread-safe. Throws LedgerError when the store fails.
CINETPAY_API std::string ledger_exposition(const PayoutLedger& ledger,
                                           std::chrono::system_clock::time_point workers_since);

CINETPAY_END_NAMESPACE
