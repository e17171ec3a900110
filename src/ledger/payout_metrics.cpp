// payout_metrics(): the PayoutObserver that counts what happens to payouts into a
// MetricsRegistry, as request_metrics() (detail/metrics-inl.hpp) counts requests: the
// families registered once, the observer keeping the registry that owns them alive.
#include <stdexcept>
#include <string>
#include <utility>

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

CINETPAY_END_NAMESPACE
