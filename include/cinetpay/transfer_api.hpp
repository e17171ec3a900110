/// @file
/// TransferApi: the interface a TransferClient forwards every call to. Implement it (or use
/// cinetpay::mocks::MockTransferApi) to put a test double behind a TransferClient.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cinetpay/export.hpp"
#include "cinetpay/models.hpp"
#include "cinetpay/notification.hpp"
#include "cinetpay/options.hpp"

CINETPAY_BEGIN_NAMESPACE

/// Every call of CinetPay's Transfer API, as an interface (google-cloud-cpp's "connection").
///
/// A TransferClient is a cheap value that wraps a `std::shared_ptr<TransferApi>`:
/// `TransferClient(credentials, options)` puts the SDK's own implementation behind it, and
/// `TransferClient(std::shared_ptr<TransferApi>)` any other one. Merchant code takes a
/// TransferClient as usual; its tests construct one over a double
/// (cinetpay::mocks::MockTransferApi from the `testing` component), with no server.
///
/// Thread safety: every copy of a TransferClient calls the same instance, so an
/// implementation must accept calls from many threads at once.
///
/// The contract each override honours is the one its TransferClient call documents (what
/// it returns, what it throws and when, how long it may take); the calls carry no default
/// arguments here, TransferClient supplies them. Above all, send_money:
/// - validates everything before sending, and throws ValidationError naming the field and
///   the item's index for a bad item, having sent nothing;
/// - throws only while no send request of the call has left (then nothing was paid);
/// - from the first send on, never throws, a refusal included: it returns one
///   TransferResult per item, in input order, each with its client_transaction_id and one
///   outcome (accepted, rejected, not_sent, unknown), and never reports an unknown outcome
///   as not_sent.
/// A test double that breaks these rules tests code against a client that cannot exist.
/// TransferClient forwards calls and results unchanged: it does not enforce them.
class CINETPAY_API TransferApi {
 public:
  virtual ~TransferApi() = default;

  /// See TransferClient::send_money.
  [[nodiscard]] virtual std::vector<TransferResult> send_money(
      const std::vector<TransferRequest>& items, const CallOptions& call) = 0;
  /// See TransferClient::balance.
  [[nodiscard]] virtual Balance balance(const CallOptions& call) = 0;
  /// See TransferClient::add_contacts.
  [[nodiscard]] virtual std::vector<ContactResult> add_contacts(
      const std::vector<Contact>& contacts, const CallOptions& call) = 0;
  /// See TransferClient::check_transfer.
  [[nodiscard]] virtual std::vector<TransferStatus> check_transfer(const TransferQuery& query,
                                                                   const CallOptions& call) = 0;
  /// See TransferClient::wait_for_final.
  [[nodiscard]] virtual TransferStatus wait_for_final(const TransferQuery& query,
                                                      std::chrono::milliseconds timeout,
                                                      const CallOptions& call) = 0;
  /// See TransferClient::reconcile.
  [[nodiscard]] virtual ReconcileResult reconcile(const std::string& client_transaction_id,
                                                  const CallOptions& call) = 0;
  /// See TransferClient::verify_notification.
  [[nodiscard]] virtual TransferStatus verify_notification(const Notification& notification,
                                                           const CallOptions& call) = 0;
};

CINETPAY_END_NAMESPACE
