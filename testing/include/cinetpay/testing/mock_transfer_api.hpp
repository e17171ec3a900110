/// @file
/// MockTransferApi: a gmock TransferApi, to unit-test code that takes a TransferClient.
#pragma once

#include <gmock/gmock.h>

#include <chrono>
#include <string>
#include <vector>

#include "cinetpay/transfer_api.hpp"

namespace cinetpay::mocks {

/// A gmock implementation of TransferApi. Put it behind a client with
/// `TransferClient client(mock)` (mock a `std::shared_ptr<MockTransferApi>`) and set
/// expectations on the calls; each call receives the CallOptions the client was given
/// (default-constructed when none was).
///
/// An expectation that makes send_money throw for a payout that was sent (lost answer,
/// refusal, error page) describes a client that cannot exist (see TransferApi): return
/// TransferResult values (TransferOutcome::unknown, TransferOutcome::rejected) instead.
///
/// Thread safety: as gmock's mocks, safe to call from several threads once its
/// expectations are set; set expectations before the calls start.
class MockTransferApi : public TransferApi {
 public:
  /// Mocks TransferApi::send_money.
  MOCK_METHOD(std::vector<TransferResult>, send_money,
              (const std::vector<TransferRequest>& items, const CallOptions& call), (override));
  /// Mocks TransferApi::balance.
  MOCK_METHOD(Balance, balance, (const CallOptions& call), (override));
  /// Mocks TransferApi::add_contacts.
  MOCK_METHOD(std::vector<ContactResult>, add_contacts,
              (const std::vector<Contact>& contacts, const CallOptions& call), (override));
  /// Mocks TransferApi::check_transfer.
  MOCK_METHOD(std::vector<TransferStatus>, check_transfer,
              (const TransferQuery& query, const CallOptions& call), (override));
  /// Mocks TransferApi::wait_for_final.
  MOCK_METHOD(TransferStatus, wait_for_final,
              (const TransferQuery& query, std::chrono::milliseconds timeout,
               const CallOptions& call),
              (override));
  /// Mocks TransferApi::reconcile.
  MOCK_METHOD(ReconcileResult, reconcile,
              (const std::string& client_transaction_id, const CallOptions& call), (override));
  /// Mocks TransferApi::verify_notification.
  MOCK_METHOD(TransferStatus, verify_notification,
              (const Notification& notification, const CallOptions& call), (override));
};

}  // namespace cinetpay::mocks
