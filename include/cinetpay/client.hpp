/// @file
/// TransferClient: every call of CinetPay's Transfer API.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cinetpay/export.hpp"
#include "cinetpay/models.hpp"
#include "cinetpay/notification.hpp"
#include "cinetpay/options.hpp"
#include "cinetpay/transfer_api.hpp"

CINETPAY_BEGIN_NAMESPACE

/// A client of the Transfer API for one merchant account.
///
/// A cheap-to-copy value over a shared TransferApi: copies share one token and one
/// connection pool. Safe to use from many threads at once. Starts no thread of its own. A
/// moved-from client throws std::logic_error from every call.
///
/// Code that pays through a TransferClient is unit-tested by constructing one over a test
/// double: `TransferClient(std::make_shared<cinetpay::mocks::MockTransferApi>())`. The
/// calls below then forward to that double unchanged; what they document is the contract of
/// the SDK's own implementation, which every TransferApi must honour.
///
/// Every call logs in when needed (one login at a time, its token reused until shortly
/// before it expires) and throws a cinetpay::Error on a definite failure; send_money
/// reports unknown outcomes as values instead. No text that
/// leaves a call (what(), log lines, results) contains the API key, the password or a
/// token the client holds: they are masked by value wherever they appear, also when a
/// server echoes them URL-encoded, JSON-escaped or with their bad bytes replaced, and when
/// an excerpt's `...` cuts one short (nothing of it shows then).
///
/// Durations. Each call ends by its CallOptions (timeout/deadline) when given: every
/// request's timeout is clipped to the time left, no request or backoff starts after it.
/// Without CallOptions, a "read" below takes at most: one login and one request (twice if
/// the token is refused once), each of up to `retry.max_attempts` tries of
/// `request_timeout`, with the backoffs between them (each at most `retry.max_backoff`, or
/// a Retry-After up to `retry.max_retry_after`); plus the wait for a login another thread
/// has in flight, which that login's own bounds end.
///
/// Errors of a read. Unless said otherwise, a call throws: AuthenticationError when
/// CinetPay refuses the credentials (701–703) or refuses the token again after a fresh
/// login (705–707); ApiError for any other non-zero code (its subclasses
/// InsufficientBalanceError for 602, NotFoundError for 723); TransportError when the
/// network failed after the retries that were safe, or when the call's deadline passed
/// before a request could start; ProtocolError for an answer it cannot read (not JSON, an
/// HTML page, missing fields, larger than `max_response_bytes`); std::logic_error on a
/// moved-from client; std::bad_alloc. Over a TransferApi of your own, the calls throw what
/// it throws.
class CINETPAY_API TransferClient {
 public:
  /// Throws ConfigError for an empty or malformed base_url (see ClientOptions::base_url),
  /// ValidationError for empty credentials. Sends nothing.
  explicit TransferClient(Credentials credentials, ClientOptions options = {});

  /// A client over another implementation of the API, typically a test double. Every call
  /// of this client and of its copies goes to `api`, unchanged. Throws
  /// std::invalid_argument for a null `api`. Sends nothing.
  explicit TransferClient(std::shared_ptr<TransferApi> api);

  /// Reads CINETPAY_API_KEY and CINETPAY_PASSWORD (required), CINETPAY_BASE_URL and
  /// CINETPAY_LANG (optional) over the given options. Throws ValidationError naming the
  /// missing variable, ConfigError when CINETPAY_BASE_URL is set but empty or malformed
  /// (it never falls back to the production API).
  static TransferClient from_env(ClientOptions options = {});

  /// Sends payouts (money/send/contact). Never pays anyone twice.
  ///
  /// The contract:
  /// 1. Everything is validated first: a bad item throws ValidationError naming the field
  ///    and the item's index, and nothing is sent.
  /// 2. It throws (AuthenticationError, TransportError…) only while no send request of the
  ///    call has left: a login that failed before the first send, or a first send that the
  ///    transport proves never left. Then nothing was paid.
  /// 3. From the first send on, it never throws, whatever fails (a refusal, an unreadable
  ///    answer, a transport, a logger or a clock that throws, out of memory): every item
  ///    comes back exactly once, in input order, with its client_transaction_id and one
  ///    outcome, and nothing learnt is dropped:
  ///    - accepted: CinetPay has it (`transaction_id`, `lot`); `client_transaction_id_exist`
  ///      when CinetPay had it before this call (805, confirmed by check/money);
  ///    - rejected: CinetPay refused it (`error` holds its code, message and description),
  ///      alone or with its whole batch (602 insufficient balance, a wrong prefix…), or its
  ///      client_transaction_id is held by a transfer to someone else; nothing was paid;
  ///    - not_sent: it certainly never reached CinetPay, or reached it only with a token
  ///      CinetPay refused (nothing processed): safe to send again, same id. `error` says
  ///      why when CinetPay gave a code (the login's refusal, or the earlier batch's);
  ///    - unknown: nobody can tell yet, after every safe means was used; settle it with
  ///      reconcile(), never with a new payout.
  /// 4. A batch refused whole for a reason of the moment (602 insufficient balance, a
  ///    refused login…) ends the call: the later batches are not attempted (not_sent,
  ///    `error` = that refusal), since they would meet the same refusal; send them again
  ///    once its cause is fixed. A batch refused whole for the request itself (724 not a
  ///    contact, a bad prefix or amount…), which may be one item's fault, is sent again in
  ///    halves, same ids (nothing of it was paid), until the refused item stands alone:
  ///    only it is rejected.
  /// A send is repeated only when it certainly did not reach CinetPay, when the token was
  /// refused (nothing processed), when its batch was refused whole for the request itself
  /// (in halves, as above), or once, same id, when the item was looked up and not found for
  /// the whole `reconcile_grace` (unless CallOptions::reconcile is false).
  ///
  /// Duration per batch of `max_batch_size` items, without CallOptions: one send (tried
  /// again only while it never left, as a read is) + `reconcile_grace` of lookups + one
  /// resend + `reconcile_grace`. With CallOptions: the deadline; batches not sent by then
  /// are not_sent.
  [[nodiscard]] std::vector<TransferResult> send_money(const std::vector<TransferRequest>& items,
                                                       const CallOptions& call = {}) const;

  /// The transfer balance (check/balance): the whole amount, the part reserved by transfers
  /// in progress, and what can be sent now. Throws the errors of a read (see the class):
  /// AuthenticationError, ApiError, TransportError, ProtocolError. Duration: a read.
  [[nodiscard]] Balance balance(const CallOptions& call = {}) const;

  /// Registers contacts (transfer/contact); a contact that exists already (726) is a
  /// success. Validated whole before anything is sent; larger inputs are split into
  /// batches of `max_batch_size`. Results are in the order of `contacts`; an item the
  /// answer does not mention has code kCodeMissingFromAnswer; an item CinetPay refused has
  /// its code and message (ContactResult::ok() is false), and does not throw.
  ///
  /// Throws ValidationError (naming the field and the contact's index) before anything is
  /// sent; then the errors of a read (see the class: AuthenticationError, ApiError,
  /// TransportError, ProtocolError) for the first batch that fails as a whole. The batches
  /// before it may be registered: calling again with the same contacts is safe, since an
  /// existing contact is a success. Duration: a read per batch.
  [[nodiscard]] std::vector<ContactResult> add_contacts(const std::vector<Contact>& contacts,
                                                        const CallOptions& call = {}) const;

  /// The transfers matching a query (check/money): only the records that carry the queried
  /// key (an answer may list others, which prove nothing about it). Throws NotFoundError on
  /// 723 or when nothing is listed; ProtocolError when the answer lists only other transfers,
  /// or records of the one transfer asked for (by id) that contradict each other.
  /// Duration: a read.
  [[nodiscard]] std::vector<TransferStatus> check_transfer(const TransferQuery& query,
                                                           const CallOptions& call = {}) const;

  /// Polls check_transfer every `poll_interval` until the (first) transfer is final or
  /// `timeout` passes; returns the last status seen, final or not. A poll that gets no
  /// answer (TransportError, ProtocolError) once a status was seen does not end the wait;
  /// before any status, it is thrown. Throws NotFoundError if the transfer was never found.
  /// A `timeout` of zero looks once. Only records of the queried key count (see
  /// check_transfer).
  /// Duration: `timeout` (or the CallOptions' deadline if earlier); a request in flight is clipped
  /// to it.
  [[nodiscard]] TransferStatus wait_for_final(const TransferQuery& query,
                                              std::chrono::milliseconds timeout,
                                              const CallOptions& call = {}) const;

  /// One lookup of a client_transaction_id, for a payout whose outcome was unknown.
  /// Only a transfer that carries this very id is `found`. Throws only for an empty id:
  /// any failure to ask is State::unknown. Duration: a read.
  [[nodiscard]] ReconcileResult reconcile(const std::string& client_transaction_id,
                                          const CallOptions& call = {}) const;

  /// The trusted status of a notification, re-queried from check/money by its
  /// transaction_id (or client_transaction_id). Throws NotificationMismatchError unless
  /// check/money knows a transfer with that very id whose transaction_id,
  /// client_transaction_id, amount, lot, receiver and operator agree with the
  /// notification's (fields the notification leaves empty are not compared; empty ids
  /// never match). Duration: a read; a webhook handler passes e.g. CallOptions{2s}.
  [[nodiscard]] TransferStatus verify_notification(const Notification& notification,
                                                   const CallOptions& call = {}) const;

 private:
  [[nodiscard]] TransferApi& api() const;

  std::shared_ptr<TransferApi> api_;
};

CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/client_impl.hpp"
#endif
