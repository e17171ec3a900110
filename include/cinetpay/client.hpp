// TransferClient: every call of CinetPay's Transfer API.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cinetpay/models.hpp"
#include "cinetpay/notification.hpp"
#include "cinetpay/options.hpp"

namespace cinetpay {

namespace detail {
class ClientImpl;
}

/// A client of the Transfer API for one merchant account.
///
/// A cheap-to-copy value: copies share one token and one connection pool. Safe to use
/// from many threads at once. Starts no thread of its own.
///
/// Every call logs in when needed (see TokenManager) and throws a cinetpay::Error on a
/// definite failure; send_money reports unknown outcomes as values instead.
class TransferClient {
 public:
  /// Throws ValidationError for a base_url that is not https (or http to loopback).
  explicit TransferClient(Credentials credentials, ClientOptions options = {});

  /// Reads CINETPAY_API_KEY and CINETPAY_PASSWORD (required), CINETPAY_BASE_URL and
  /// CINETPAY_LANG (optional) over the given options. Throws ValidationError naming the
  /// missing variable.
  static TransferClient from_env(ClientOptions options = {});

  /// The transfer balance (check/balance).
  Balance balance() const;

  /// Registers contacts (transfer/contact); a contact that exists already (726) is a
  /// success. Validated whole before anything is sent; larger inputs are split into
  /// batches of `max_batch_size`. Results are in the order of `contacts`.
  std::vector<ContactResult> add_contacts(const std::vector<Contact>& contacts) const;

  /// Sends payouts (money/send/contact). Never pays anyone twice: see docs/design.md.
  ///
  /// The batch is validated whole before anything is sent. Each item comes back with
  /// its client_transaction_id and an outcome: accepted, rejected (with `error`) or
  /// unknown — the last one after every safe means to learn the truth was used; settle
  /// it later with reconcile(), never by sending a new payout.
  ///
  /// Throws (ApiError, TransportError…) only when the first batch fails in a way that
  /// proves nothing was paid (a wrong login, 602, a DNS failure…). Once a batch has gone
  /// out, a later batch's certain failure marks its items rejected (refused by the API) or
  /// not_sent (never reached it), so that no outcome is hidden by an exception.
  std::vector<TransferResult> send_money(const std::vector<TransferRequest>& items) const;

  /// The transfers matching a query (check/money). Throws NotFoundError on 723.
  std::vector<TransferStatus> check_transfer(const TransferQuery& query) const;

  /// Polls check_transfer every `poll_interval` until the (first) transfer is final or
  /// `timeout` passes; returns the last status seen, final or not. Throws NotFoundError if
  /// the transfer was never found.
  TransferStatus wait_for_final(const TransferQuery& query,
                                std::chrono::milliseconds timeout) const;

  /// One lookup of a client_transaction_id, for a payout whose outcome was unknown.
  ReconcileResult reconcile(const std::string& client_transaction_id) const;

  /// The trusted status of a notification, re-queried from check/money by its
  /// transaction_id (or client_transaction_id). Throws NotFoundError for a forged one.
  TransferStatus verify_notification(const Notification& notification) const;

 private:
  std::shared_ptr<detail::ClientImpl> impl_;
};

}  // namespace cinetpay
