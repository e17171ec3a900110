// The ledger's rules, shared by PayoutLedger and PayoutWorker: what a status means for a
// payout, and that a payout only moves forward. Internal: not installed.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cinetpay/detail/evidence.hpp"
#include "cinetpay/export.hpp"
#include "cinetpay/ledger.hpp"
#include "store.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {

/// Calls `observer`, when set, with `observation`, swallowing whatever it throws: an
/// observer never changes what happens to a payout. Every observer of the ledger and of
/// its workers is called through here.
void tell(const PayoutObserver& observer, const PayoutObservation& observation) noexcept;

/// What `activity` did to `payout` (as it stands after it), by `worker_id` (empty for the
/// ledger's own calls) at `at`, for an observer.
PayoutObservation observation(PayoutActivity activity, const Payout& payout,
                              const std::string& worker_id, std::string detail, TimePoint at);

/// The store, the clock and the observer a PayoutLedger and its copies share. Thread-safe.
class LedgerCore {
 public:
  LedgerCore(std::unique_ptr<LedgerStore> store, WallClock clock, PayoutObserver observer = {})
      : store_(std::move(store)), clock_(std::move(clock)), observer_(std::move(observer)) {}
  [[nodiscard]] LedgerStore& store() const { return *store_; }
  [[nodiscard]] TimePoint now() const { return clock_(); }
  /// Tells LedgerOptions::observer what `activity` did to `payout`.
  void tell(PayoutActivity activity, const Payout& payout, std::string detail) const {
    if (observer_) {
      detail::tell(observer_, observation(activity, payout, "", std::move(detail), now()));
    }
  }

 private:
  std::unique_ptr<LedgerStore> store_;
  WallClock clock_;
  PayoutObserver observer_;
};

/// paid for VAL, failed for REJ, accepted otherwise.
PayoutState state_for(const TreatmentStatus& status);

/// A transition from `before` (compare-and-set on its state, holder and treatment status)
/// to `next`, with an event from `before`'s state to `next`'s, or none when `reason` is
/// empty (bookkeeping only).
Transition transition(const PayoutRow& before, const PayoutRow& next, TimePoint at,
                      const std::string& actor, const std::string& reason, int api_code = 0);

/// What CinetPay's word on a payout's transfer says against the final state the ledger
/// holds it in, or "" when nothing: held rejected (nothing paid) though CinetPay has its
/// transfer, other than refused; held failed though paid, or paid though refused.
std::string contradicted_final(const PayoutRow& row, const TransferStatus& status);

/// `row` moved forward to what CinetPay says of it, released by its holder, next looked
/// at `next_check_at`; nullopt when that would not move it forward (a late REC never
/// overwrites VAL; an answer about a final payout changes nothing).
std::optional<Transition> advance(const PayoutRow& row, const TransferStatus& status, TimePoint now,
                                  TimePoint next_check_at, const std::string& actor,
                                  const std::string& reason);

/// `row` rejected: the id belongs to a different transfer at CinetPay (`conflict`, a
/// refused proof of evidence::of_record, says which and how it differs); nothing of this
/// payout was paid.
Transition reject_reused_id(const PayoutRow& row, const evidence::Proof& conflict, TimePoint now,
                            const std::string& actor);

}  // namespace detail
CINETPAY_END_NAMESPACE
