// The store seam. The ledger's rules — which transition is legal, what is claimed when,
// when a payout may be sent again — live in ledger_core.cpp and worker.cpp. A store only
// keeps rows and applies what it is told, each operation in one transaction, so that a
// crash leaves it either before or after the operation. A new store is one more file
// implementing LedgerStore (all its SQL in that file) and one line in open_store()
// (ledger_core.cpp); the parameterized suite in tests/ledger runs every test on each.
//
// Thread-safety: a store may be called from several threads at once (it serializes its
// own connection), and several processes may use the same database.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cinetpay/export.hpp"
#include "cinetpay/ledger.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {

using TimePoint = std::chrono::system_clock::time_point;

/// A payout row: the public view plus the worker's bookkeeping.
struct PayoutRow {
  Payout payout;            ///< `history` is not filled by stores
  TimePoint last_sent_at;   ///< the last claim for sending (before its bytes left)
  int checks = 0;           ///< follow-up lookups since the last change
  TimePoint next_check_at;  ///< when the worker may look at it again
};

/// Replace one payout's row by `next`, only if the row is still in the state the
/// decision was made from (state, holder and treatment status, compare-and-set), then
/// append `event` to its history and, when `next` is final and `expected_state` was not,
/// append it to the change feed.
struct Transition {
  PayoutState expected_state = PayoutState::pending;
  std::string expected_worker;
  std::string expected_treatment_status;
  PayoutRow next;
  std::optional<PayoutEvent> event;  ///< none for bookkeeping (next check time)
  /// Not applied while sending is paused, decided in the same statement (or transaction)
  /// as the compare-and-set: for a transition that sends again (unknown → sending), which a
  /// pause committed before it must stop as it stops a claim.
  bool unless_paused = false;
  /// What send_money found of the payout, when this records its send's answer: the worker
  /// tells its observer once the transition is applied. Stores ignore it.
  std::optional<TransferOutcome> sent{};
};

/// What a claim takes, marking each taken payout as held by `worker_id` until
/// `lease_until` and appending an event (from its state, to its new one, the worker, the
/// lease, `reason`) to its history:
/// - send: `pending` payouts, oldest first → `sending`; sends + 1, last_sent_at = now. None
///   while sending is paused: the pause is read by the claim's own statement (or write
///   transaction), so that no claim slips past a pause committed before it.
/// - settle: `sending` payouts whose lease ended before `now` (a dead worker), and
///   `unknown` ones whose lease ended and whose next_check_at has come → `unknown`.
/// A payout is taken by one claim only, even across processes.
struct Claim {
  enum class Kind { send, settle };
  Kind kind = Kind::send;
  std::string worker_id;
  TimePoint now;
  TimePoint lease_until;
  std::size_t limit = 0;
  std::string reason;
  /// Only payouts with these ids; empty: any.
  std::vector<std::string> only;
};

/// What insert() did: the index of a payout recorded before with different fields (then
/// nothing was written), or for each payout whether it was there already.
struct InsertResult {
  std::optional<std::size_t> conflict;
  std::vector<bool> already;
};

/// A payout row and its position (the payouts table's insertion order, search's cursor).
struct PositionedRow {
  std::int64_t position = 0;
  PayoutRow row;
};

/// The payouts that became final in one hour in one state (LedgerStore::activity).
struct HourTotal {
  std::int64_t hour = 0;  ///< hours since the Unix epoch
  PayoutState state = PayoutState::paid;
  LedgerSummary::Total total;
};

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;

  /// Inserts the payouts that are not there yet, each with `submitted` (its `to` is
  /// pending) as first event; all or nothing, in one transaction (PayoutLedger::submit
  /// keeps it to kSubmitChunk rows). Existing ones are compared with same_request().
  virtual InsertResult insert(const std::vector<PayoutRow>& rows, const PayoutEvent& submitted) = 0;
  /// The payouts (as submitted: no progress needed) of those of `ids` the ledger holds,
  /// read without the write lock.
  virtual std::map<std::string, Payout> recorded(const std::vector<std::string>& ids) = 0;

  virtual std::optional<PayoutRow> find(const std::string& client_transaction_id) = 0;
  virtual std::vector<PayoutEvent> history(const std::string& client_transaction_id) = 0;
  /// In submission order.
  virtual std::vector<PayoutRow> list(std::optional<PayoutState> state, std::size_t limit) = 0;
  /// Of the payouts with ids in `only` (of all when it is empty) that `filters` selects
  /// (schema::payout_filter; its limit and after play no part).
  virtual std::map<PayoutState, LedgerSummary::Total> totals(const std::vector<std::string>& only,
                                                             const PayoutQuery& filters) = 0;
  /// At most `query.limit` of the payouts `query` selects, with a position below
  /// `query.after` when it has one, newest submission (highest position) first.
  virtual std::vector<PositionedRow> search(const PayoutQuery& query) = 0;
  /// The change feed's entries with `from` <= at < `until`, counted per hour and final
  /// state, oldest hour first.
  virtual std::vector<HourTotal> activity(TimePoint from, TimePoint until) = 0;
  virtual std::vector<PayoutChange> changes_after(std::int64_t cursor, std::size_t limit) = 0;
  /// The cursor `consumer` acknowledged last, 0 when none.
  virtual std::int64_t consumer_cursor(const std::string& consumer) = 0;
  /// Moves `consumer`'s cursor forward to `cursor` (never back), in one transaction; false,
  /// with nothing written, when `cursor` is past the feed's last entry.
  virtual bool acknowledge(const std::string& consumer, std::int64_t cursor, TimePoint now) = 0;

  virtual std::vector<PayoutRow> claim(const Claim& claim) = 0;
  /// `accepted` payouts whose next_check_at has come, oldest check first.
  virtual std::vector<PayoutRow> due_accepted(TimePoint now, std::size_t limit) = 0;
  /// Applies the transitions in one transaction; says which ones applied.
  virtual std::vector<bool> apply(const std::vector<Transition>& transitions) = 0;
  /// The sending switch as last set; not paused when never set.
  virtual PauseStatus sending_switch() = 0;
  /// Sets the sending switch to `status`, durably, in one transaction.
  virtual void set_sending_switch(const PauseStatus& status) = 0;
  /// Extends the lease of every `sending` or `unknown` payout `worker_id` holds.
  virtual std::size_t renew(const std::string& worker_id, TimePoint lease_until) = 0;
  /// Records that `worker_id` is alive at `at` with counters `stats` (a JSON object): its
  /// started_at is set by its first heartbeat, its last_seen and stats by every one.
  virtual void heartbeat(const std::string& worker_id, TimePoint at, const std::string& stats) = 0;
  /// The workers last seen at or after `since`, most recently seen first, each with the
  /// `sending` or `unknown` payouts it holds under a lease that ends after `now`.
  virtual std::vector<WorkerStatus> workers(TimePoint since, TimePoint now) = 0;

  /// Those of `contacts` whose prefix and phone were registered at CinetPay before.
  virtual std::set<std::pair<std::string, std::string>> registered(
      const std::vector<Contact>& contacts) = 0;
  /// Records the prefix and phone of `contacts` as registered at `at` (kept when known).
  virtual void remember(const std::vector<Contact>& contacts, TimePoint at) = 0;
};

/// True when two payouts were submitted the same (request, recipient and metadata equal).
bool same_submission(const Payout& a, const Payout& b);

/// Milliseconds since the Unix epoch, as stores keep times.
std::int64_t to_millis(TimePoint t);
TimePoint from_millis(std::int64_t ms);

/// The SQLite store; `path` as after "sqlite:". Throws std::invalid_argument for a path
/// that is not a file's (in-memory, a URI filename).
std::unique_ptr<LedgerStore> open_sqlite_store(
    const std::string& path, LedgerAccess access = LedgerAccess::create,
    std::chrono::milliseconds lock_wait = std::chrono::minutes(5));
/// The PostgreSQL store; `conninfo` is the whole URL, as libpq reads it.
std::unique_ptr<LedgerStore> open_postgres_store(const std::string& conninfo,
                                                 LedgerAccess access = LedgerAccess::create);

}  // namespace detail
CINETPAY_END_NAMESPACE
