/// @file
/// Builders for CinetPay's answers, in the shapes the API really sends, so that a test
/// scripts a ScriptedTransport without writing CinetPay's JSON by hand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cinetpay/http.hpp"
#include "cinetpay/models.hpp"
#include "cinetpay/testing/scripted_transport.hpp"

namespace cinetpay::mocks {

/// The token answers::login() hands out unless told otherwise. A test may assert that it
/// never appears in a log line or an error message.
inline constexpr const char* kTestToken = "tok-secret-1";

/// CinetPay's answers, for ScriptedTransport::on and ScriptedTransport::then. Each returns a whole
/// HTTP answer (status, `content-type: application/json`, the envelope `{code, message,
/// description?, data}`) or, for failures of the transport, a handler. Plain functions:
/// thread-safe.
namespace answers {

/// Any JSON body with `http_status`, for answers the builders below do not cover
/// (e.g. a malformed one).
[[nodiscard]] HttpResponse json(int http_status, std::string body);

/// auth/login: success, with `token`.
[[nodiscard]] HttpResponse login(const std::string& token = kTestToken);

/// check/balance: `available` to send now, `in_using` reserved by transfers in progress;
/// the whole `amount` is their sum.
[[nodiscard]] HttpResponse balance(std::int64_t available, std::int64_t in_using = 0);

/// A whole call refused with a code of CinetPay's table (api_codes()): its message, the
/// code written as a string as CinetPay does, `data: []`. E.g. error(602) for an
/// insufficient balance, error(701) for wrong credentials, error(723) for nothing found.
[[nodiscard]] HttpResponse error(int code, const std::string& description = "",
                                 int http_status = 200);

/// transfer/contact: every contact echoed with `code`: 0 (added) or 726 (already a
/// contact, a success too), or another code of the table for a contact refused.
[[nodiscard]] HttpResponse contacts(const std::vector<Contact>& contacts, int code = 0);

/// How money/send/contact answers one item of a batch: build it with accepted() or
/// refused().
struct SendItem {
  TransferRequest request;     ///< the item as it was sent, echoed in the answer
  int code = 0;                ///< 0: accepted; otherwise the code refusing this item
  std::string transaction_id;  ///< CinetPay's id of the transfer, when accepted
  std::string lot;             ///< the batch's id
};

/// An item CinetPay accepted: it now has a transfer `transaction_id` (status NEW).
[[nodiscard]] SendItem accepted(const TransferRequest& request, std::string transaction_id,
                                std::string lot = "LOT-1");
/// An item CinetPay refused with `code` (e.g. 724: not a contact, 801: invalid amount)
/// while the batch as a whole succeeded; nothing was paid for it.
[[nodiscard]] SendItem refused(const TransferRequest& request, int code);

/// money/send/contact: code 0 and one item per SendItem, in order, nested as CinetPay
/// nests them (`data: [[…]]`). A whole batch refused is error() instead (e.g. 602).
[[nodiscard]] HttpResponse send(const std::vector<SendItem>& items);

/// A transfer as check/money describes it once `request` was accepted as
/// `transaction_id`, now at `status`: amount, receiver and client_transaction_id from the
/// request; a final status (VAL, REJ) has `validated_at` set.
[[nodiscard]] TransferStatus transfer(const TransferRequest& request, std::string transaction_id,
                                      TreatmentStatus::Code status, std::string lot = "LOT-1");

/// check/money: these transfers (a lookup by lot may find several). No transfer at all is
/// error(723) instead, which is how CinetPay says "not found".
[[nodiscard]] HttpResponse check(const std::vector<TransferStatus>& transfers);

/// One record of check/money's `data`, as CinetPay writes it (amount as a string,
/// `operator`, every field present), as JSON text: what TransferClient::check_transfer
/// reads back into `transfer`. For a test of code that reads CinetPay's records itself, or
/// that stores them.
[[nodiscard]] std::string check_record(const TransferStatus& transfer);

/// The form CinetPay POSTs to notify_url about `transfer` (e.g. built by transfer()),
/// form-encoded as it sends it (content type application/x-www-form-urlencoded):
/// transaction_id, client_transaction_id, lot, amount, receiver, sending_status, comment,
/// treatment_status, operator_transaction_id (`OP-` and the transaction id once VAL, empty
/// before) and validated_at. parse_notification reads it back; a handler under test gets it
/// as its body.
[[nodiscard]] std::string notification_body(const TransferStatus& transfer);

/// A transport failure after the request may have reached CinetPay (a timeout, a dropped
/// connection): for a send, its outcome is unknown until reconciled.
[[nodiscard]] ScriptedTransport::Handler lost_answer();
/// A transport failure before any byte reached CinetPay (connection refused): a send is
/// then certainly not made.
[[nodiscard]] ScriptedTransport::Handler unreachable();

}  // namespace answers
}  // namespace cinetpay::mocks
