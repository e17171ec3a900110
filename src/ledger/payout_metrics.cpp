// payout_metrics(): the PayoutObserver that counts what happens to payouts into a
// MetricsRegistry, as request_metrics() (detail/metrics-inl.hpp) counts requests: the
// families registered once, the observer keeping the registry that owns them alive. And
// ledger_exposition(): the ledger's own gauges and its workers' counters, for /metrics.
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cinetpay/ledger.hpp"
#include "cinetpay/metrics.hpp"

CINETPAY_BEGIN_NAMESPACE

PayoutObserver payout_metrics(std::shared_ptr<MetricsRegistry> registry) {
  if (!registry) throw std::invalid_argument("cinetpay::payout_metrics: the registry is null");
  auto& activity = registry->counter(
      "cinetpay_payout_activity_total",
      "What happened to payouts (claimed, sent, outcome, settled, renewed, released, "
      "cancelled, notified), by the state each reached",
      {"activity", "state"});
  auto& refusals = registry->counter(
      "cinetpay_payout_refusals_total",
      "Outcomes and settlements of payouts with a CinetPay code other than 0, by code", {"code"});
  auto& notifications = registry->counter(
      "cinetpay_notifications_total",
      "Notifications apply_notification judged, by result: applied, unchanged, refused, "
      "not_ours",
      {"result"});
  // The families live as long as the registry, which the observer keeps.
  return [registry = std::move(registry), &activity, &refusals,
          &notifications](const PayoutObservation& o) {
    if (o.activity == PayoutActivity::notified) {
      notifications.with({o.detail}).increment();
      // A notification of no payout of this ledger has no state to count it by.
      if (o.detail == to_string(NotificationOutcome::not_ours)) return;
    }
    activity.with({std::string(to_string(o.activity)), std::string(to_string(o.state))})
        .increment();
    if (o.api_code != 0 &&
        (o.activity == PayoutActivity::outcome || o.activity == PayoutActivity::settled)) {
      refusals.with({std::to_string(o.api_code)}).increment();
    }
  };
}

// A registry made afresh at each call: a worker gone is gone from the gauges, where a
// long-lived registry would keep its series for ever.
std::string ledger_exposition(const PayoutLedger& ledger,
                              std::chrono::system_clock::time_point workers_since) {
  MetricsRegistry now;
  auto& count = now.gauge("cinetpay_payouts", "Payouts in the ledger, by state", {"state"});
  auto& amount =
      now.gauge("cinetpay_payouts_amount", "Total amount of the payouts, by state", {"state"});
  for (const auto& [state, total] : ledger.summary().by_state) {
    count.with({std::string(to_string(state))}).set(static_cast<double>(total.count));
    amount.with({std::string(to_string(state))}).set(static_cast<double>(total.amount));
  }
  now.gauge("cinetpay_sending_paused", "1 while sending is paused in the ledger")
      .with({})
      .set(ledger.paused().paused ? 1 : 0);
  auto& seen = now.gauge("cinetpay_worker_last_heartbeat_seconds",
                         "When each worker wrote its last heartbeat, in seconds since the Unix "
                         "epoch",
                         {"worker_id"});
  auto& held = now.gauge("cinetpay_worker_claims_held", "Payouts each worker holds under a lease",
                         {"worker_id"});
  std::vector<std::pair<std::string, std::string>> snapshots;
  for (const WorkerStatus& w : ledger.workers(workers_since)) {
    seen.with({w.worker_id})
        .set(std::chrono::duration<double>(w.last_seen.time_since_epoch()).count());
    held.with({w.worker_id}).set(static_cast<double>(w.claims_held));
    snapshots.emplace_back(w.worker_id, w.stats);
  }
  return now.expose_with(snapshots, "worker_id");
}

CINETPAY_END_NAMESPACE
