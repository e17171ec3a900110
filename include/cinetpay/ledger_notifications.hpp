// The ledger's notify_url endpoint: a NotificationHandler whose every verified notification
// moves the ledger's payout forward (PayoutLedger::apply_notification). Part of the ledger
// library (cinetpay::ledger), so that the client library never depends on the ledger.
#pragma once

#include <functional>
#include <utility>

#include "cinetpay/client.hpp"
#include "cinetpay/ledger.hpp"
#include "cinetpay/notification_handler.hpp"

CINETPAY_BEGIN_NAMESPACE

/// A NotificationHandler that hands each notification to `ledger.apply_notification(client,
/// n, call)`, which verifies it with CinetPay within the handler's deadline and applies it.
/// `then`, when given, receives what the ledger did (applied, unchanged, refused, not_ours:
/// all answered 200, since a retry would change nothing); a LedgerError (the database
/// failed) answers 503, so that CinetPay notifies again. Copies of `ledger` and `client`
/// are kept: both are handles. Thread-safe, as the ledger and the client are.
[[nodiscard]] inline NotificationHandler ledger_notification_handler(
    PayoutLedger ledger, TransferClient client,
    std::function<void(const NotificationResult&)> then = {},
    NotificationHandlerOptions options = {}) {
  return NotificationHandler(
      NotificationHandler::Process(
          [ledger = std::move(ledger), client = std::move(client), then = std::move(then)](
              const Notification& n, const CallOptions& call) {
            NotificationResult result = ledger.apply_notification(client, n, call);
            if (then) then(result);
          }),
      options);
}

CINETPAY_END_NAMESPACE
