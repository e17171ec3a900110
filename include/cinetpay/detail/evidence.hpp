// What an answer proves about one payout, decided in one place. Every path that reads an
// answer about a payout asks here and nowhere else: send_money's items and whole-batch
// refusals, its reconciliation, lookups, check_transfer's and wait_for_final's records,
// verify_notification, and the ledger (apply_notification, the worker's settle, send and
// follow). Pure functions over plain values: no I/O, no clock, no state. Everything is
// inline so that the ledger library uses the very same rules without the client library
// exporting a detail symbol. Internal: not part of the API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cinetpay/detail/codes.hpp"
#include "cinetpay/errors.hpp"
#include "cinetpay/export.hpp"
#include "cinetpay/models.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {

/// What a send's answer says of one item, read leniently (protocol-inl.hpp reads it).
struct SentItem {
  int code = 0;
  std::string status;
  std::string message;  ///< the item's, else the code table's
  std::string client_transaction_id;
  std::string transaction_id;
  std::string lot;
  std::string treatment_status;
  std::string phone;
  std::int64_t amount = 0;
};

namespace evidence {

/// What an answer proves about one payout.
enum class Verdict {
  /// CinetPay has this payout as a transfer (`transfer` says which and where it stands).
  transfer,
  /// Certainly nothing was paid under this payout (`refusal` says why).
  refused,
  /// CinetPay answered that it has no transfer under the payout's id (now: it lists
  /// transfers late, so absence becomes proof only past a grace period).
  absent,
  /// Proves nothing either way (`why` says what was seen): look it up.
  unclear,
};

/// A verdict with what backs it. A plain value.
struct Proof {
  Verdict verdict = Verdict::unclear;
  std::optional<TransferStatus> transfer;  ///< for `transfer`
  std::optional<ApiErrorInfo> refusal;     ///< for `refused`
  /// CinetPay answered 805: it had a transfer under this id before this send.
  bool id_exists = false;
  /// CinetPay listed records under the payout's id (whatever they prove): absence seen
  /// before or after proves nothing until a whole grace has passed since.
  bool listed = false;
  std::string why;  ///< for people: what was seen
};

/// How one attempt to send a batch ended: a value, decided where the request was made.
enum class Attempt {
  never_left,        ///< certainly not processed: the request never reached CinetPay
  left_answer_lost,  ///< it may have been processed; nothing was read back
  answered,          ///< CinetPay's answer was read
};

// --- Tables -------------------------------------------------------------------------------

/// Whether a send refused with `code` under `http_status` certainly paid nothing. Only the
/// codes listed here prove it: a code CinetPay never documented, one added to the code
/// table for people, an execution error (709, 710, 715), 805 (the id may be this very
/// payout) and anything under a 5xx prove nothing.
constexpr bool proves_nothing_paid(int code, int http_status) {
  if (http_status >= 500) return false;
  switch (code) {
    case -1:   // OPERATION_ERROR: a bad prefix, an amount under the threshold…
    case 602:  // INSUFFICIENT_BALANCE
    case 701:  // INVALID_CREDENTIALS
    case 702:  // COULD_NOT_CREATE_TOKEN
    case 703:  // INVALID_USER
    case 704:  // INVALID_PARAM
    case 705:  // EXPIRED_TOKEN
    case 706:  // INVALID_TOKEN
    case 707:  // CANT_REFRESH_TOKEN
    case 708:  // NOT_ALLOWED
    case 716:  // DATA_NOT_VALID
    case 717:  // ERROR_PHONE_NOT_PARTICULAR
    case 718:  // JSON_PARSE_ERROR
    case 719:  // AMOUNT_TOO_SMALL
    case 720:  // AMOUNT_TOO_LARGE
    case 721:  // OPERATOR_NOT_AVAILABLE (not supported)
    case 724:  // ERROR_PHONE_NOT_MY_CONTACT
    case 725:  // MISSING_NOTIFY_URL
    case 801:  // INVALID_AMOUNT
    case 802:  // INVALID_PHONE
    case 804:  // OPERATOR_UNAVAILABLE (for a while)
      return true;
    default:
      return false;
  }
}

/// Whether a refusal describes CinetPay's state at that moment (the balance, the login or
/// token, an operator down for a while…) rather than the request itself (prefix, phone,
/// amount, contact, notify_url, format), which every send of the same payout meets. An
/// earlier send of the payout may have escaped, or caused, a refusal of the moment.
constexpr bool is_refusal_of_the_moment(int code) {
  switch (code) {
    case 602:  // INSUFFICIENT_BALANCE
    case 701:  // INVALID_CREDENTIALS
    case 702:  // COULD_NOT_CREATE_TOKEN
    case 703:  // INVALID_USER
    case 705:  // EXPIRED_TOKEN
    case 706:  // INVALID_TOKEN
    case 707:  // CANT_REFRESH_TOKEN
    case 708:  // NOT_ALLOWED
    case 709:  // EXECUTION_ERROR (also a caller IP not allowed)
    case 710:  // EXECUTION_ERROR
    case 715:  // UNEXPECTED_ERROR
    case 804:  // OPERATOR_UNAVAILABLE
      return true;
    default:
      return false;
  }
}

// --- Records ------------------------------------------------------------------------------

/// A phone number as digits only: CinetPay writes receiver_e164 with a '+', receiver without.
inline std::string without_plus(const std::string& number) {
  return !number.empty() && number.front() == '+' ? number.substr(1) : number;
}

/// What in `record` contradicts `payout` ("amount: …", "prefix: …" or "phone: …", with
/// CinetPay's value and the payout's), or "" when nothing it says does. Fields CinetPay
/// leaves out (an empty receiver, an amount of 0) contradict nothing.
inline std::string transfer_difference(const TransferRequest& payout,
                                       const TransferStatus& record) {
  // check/money never reports a transfer of 0: 0 means it did not say.
  if (record.amount != 0 && record.amount != payout.amount) {
    return "amount: " + std::to_string(record.amount) + " at CinetPay, " +
           std::to_string(payout.amount) + " in the payout";
  }
  const std::string international = payout.prefix + payout.phone;
  const std::string e164 = without_plus(record.receiver_e164);
  const std::string receiver = without_plus(record.receiver);
  if ((e164.empty() || e164 == international) &&
      (receiver.empty() || receiver == international || receiver == payout.phone)) {
    return {};
  }
  const std::string theirs = e164.empty() || e164 == international ? receiver : e164;
  const bool same_phone =
      theirs.size() >= payout.phone.size() &&
      theirs.compare(theirs.size() - payout.phone.size(), payout.phone.size(), payout.phone) == 0;
  return std::string(same_phone ? "prefix" : "phone") + ": " + theirs + " at CinetPay, " +
         payout.prefix + " " + payout.phone + " in the payout";
}

/// Whether `record`, which contradicts nothing of `payout`, says enough to be that payout:
/// its amount and its recipient. A record that leaves either out is neither this payout nor
/// another one: its owner stays unknown.
inline bool tells_amount_and_recipient(const TransferRequest& payout,
                                       const TransferStatus& record) {
  const bool recipient_known = !record.receiver_e164.empty() ||
                               without_plus(record.receiver) == payout.prefix + payout.phone;
  return record.amount != 0 && recipient_known;
}

/// The value of `record` under `key`.
inline const std::string& key_of(const TransferStatus& record, TransferQuery::Key key) {
  switch (key) {
    case TransferQuery::Key::transaction_id:
      return record.transaction_id;
    case TransferQuery::Key::lot:
      return record.lot;
    case TransferQuery::Key::client_transaction_id:
      break;
  }
  return record.client_transaction_id;
}

/// The records of a check/money answer that are about `query`: an answer may carry other
/// transfers, which prove nothing about the one asked for. Empty keys match nothing.
inline std::vector<TransferStatus> records_for(const TransferQuery& query,
                                               std::vector<TransferStatus> records) {
  std::vector<TransferStatus> kept;
  for (TransferStatus& r : records) {
    if (!query.value().empty() && key_of(r, query.key()) == query.value()) {
      kept.push_back(std::move(r));
    }
  }
  return kept;
}

/// Whether two records of one transfer key say different things about it.
inline bool contradict(const TransferStatus& a, const TransferStatus& b) {
  return a.transaction_id != b.transaction_id ||
         a.client_transaction_id != b.client_transaction_id || a.amount != b.amount ||
         a.receiver != b.receiver || a.receiver_e164 != b.receiver_e164 ||
         a.treatment_status.raw() != b.treatment_status.raw();
}

/// What a check/money answer says of the one transfer under `query` (a transaction id or
/// a client_transaction_id, which name one transfer each): its record, or nullopt with
/// `why` when it has none for that key or records that contradict each other.
inline std::optional<TransferStatus> the_record(const TransferQuery& query,
                                                std::vector<TransferStatus> records,
                                                std::string& why) {
  std::vector<TransferStatus> mine = records_for(query, std::move(records));
  if (mine.empty()) {
    why = "check/money answered no transfer with this " + std::string(query.key_name());
    return std::nullopt;
  }
  for (const TransferStatus& other : mine) {
    if (contradict(mine.front(), other)) {
      why = "check/money answered records that contradict each other for this " +
            std::string(query.key_name()) + " (" + mine.front().transaction_id + " " +
            mine.front().treatment_status.raw() + ", " + other.transaction_id + " " +
            other.treatment_status.raw() + ")";
      return std::nullopt;
    }
  }
  return std::move(mine.front());
}

/// What a record of a transfer under the payout's client_transaction_id proves about the
/// payout: the payout's transfer when it says its amount and recipient and contradicts
/// nothing (nor the transaction id the payout is known by, when it has one); refused when
/// it is another payout's (the id was reused: CinetPay keeps one transfer per id, so this
/// payout was never made); unclear otherwise.
inline Proof of_record(const TransferRequest& payout, const TransferStatus& record,
                       const std::string& known_transaction_id = {}) {
  Proof p;
  const std::string holder =
      "transfer " + record.transaction_id + " to " +
      (record.receiver_e164.empty() ? record.receiver : record.receiver_e164) + " of amount " +
      std::to_string(record.amount);
  if (record.client_transaction_id != payout.client_transaction_id) {
    p.why = "a record of another client_transaction_id (" + record.client_transaction_id + ")";
    return p;
  }
  if (std::string difference = transfer_difference(payout, record); !difference.empty()) {
    p.verdict = Verdict::refused;
    p.refusal = ApiErrorInfo{kCodeClientTransactionIdConflict, "CLIENT_TRANSACTION_ID_CONFLICT",
                             "client_transaction_id " + payout.client_transaction_id +
                                 " is held by " + holder + " (" + difference + ")"};
    p.transfer = record;
    p.why = "the id was already used for a different payout (" + difference + "; " + holder +
            "): nothing was paid to this recipient";
    return p;
  }
  if (!known_transaction_id.empty() && record.transaction_id != known_transaction_id) {
    p.why = "check/money names transfer " + record.transaction_id +
            " under this id, but the "
            "payout is known as transfer " +
            known_transaction_id;
    return p;
  }
  if (!tells_amount_and_recipient(payout, record)) {
    p.why = "check/money found " + holder +
            " under this id without saying enough (amount and recipient) to tell whether it "
            "is this payout";
    return p;
  }
  p.verdict = Verdict::transfer;
  p.transfer = record;
  p.why = "check/money has " + holder + " as " + record.treatment_status.raw();
  return p;
}

/// What a lookup by the payout's client_transaction_id proves: `record` is the one record
/// check/money gave for the id (the_record), absent after 723, unclear when the lookup
/// could not be made or its records proved nothing (`failure` says why).
inline Proof of_lookup(const TransferRequest& payout, const std::optional<TransferStatus>& record,
                       bool not_found, const std::string& failure, bool listed = false,
                       const std::string& known_transaction_id = {}) {
  Proof p;
  if (record) {
    p = of_record(payout, *record, known_transaction_id);
  } else {
    p.verdict = not_found ? Verdict::absent : Verdict::unclear;
    p.why = not_found ? "check/money: 723 NOT_FOUND" : failure;
  }
  p.listed = record.has_value() || listed;
  return p;
}

// --- Sends --------------------------------------------------------------------------------

/// What one item of a send's answer proves about the payout it names.
inline Proof of_item(const TransferRequest& payout, const SentItem& item, int http_status) {
  Proof p;
  const std::string code = std::to_string(item.code);
  if (item.code == codes::kSuccess) {
    if (item.transaction_id.empty()) {
      p.why = "an item that says success without naming its transfer";
      return p;
    }
    TransferStatus s;
    s.transaction_id = item.transaction_id;
    s.client_transaction_id = payout.client_transaction_id;
    s.lot = item.lot;
    s.treatment_status = TreatmentStatus(item.treatment_status);
    p.verdict = Verdict::transfer;
    p.transfer = std::move(s);
    p.why = "accepted by CinetPay as transfer " + item.transaction_id;
    return p;
  }
  if (!item.transaction_id.empty()) {
    // Refused, yet naming a transfer: CinetPay may have paid it, then answered an error.
    p.why = "an item refused with " + code + " " + item.message + " that names transfer " +
            item.transaction_id;
    return p;
  }
  if (item.code == codes::kClientTransactionIdExists) {
    p.id_exists = true;
    p.why = "answer 805 CLIENT_TRANSACTION_ID_EXIST (the id may be this very payout)";
    return p;
  }
  if (proves_nothing_paid(item.code, http_status)) {
    p.verdict = Verdict::refused;
    p.refusal = ApiErrorInfo{item.code, item.message, {}};
    p.why = "refused by CinetPay";
    return p;
  }
  p.why = "an item answered " + code + " " + item.message + ", which proves nothing";
  return p;
}

/// Whether two proofs of one answer agree: same verdict about the same transfer or code.
inline bool agree(const Proof& a, const Proof& b) {
  if (a.verdict != b.verdict) return false;
  if (a.transfer && b.transfer) return a.transfer->transaction_id == b.transfer->transaction_id;
  if (a.refusal && b.refusal) return a.refusal->code == b.refusal->code;
  return true;
}

/// What the items of a send's answer prove about `payout`: those that name its id count,
/// and only when they agree; an answer that does not list it proves nothing.
inline Proof of_items(const TransferRequest& payout, const std::vector<SentItem>& items,
                      int http_status) {
  std::optional<Proof> proof;
  for (const SentItem& item : items) {
    if (item.client_transaction_id != payout.client_transaction_id) continue;
    Proof p = of_item(payout, item, http_status);
    if (!proof) {
      proof = std::move(p);
    } else if (!agree(*proof, p)) {
      Proof unclear;
      unclear.id_exists = proof->id_exists || p.id_exists;
      unclear.why = "an answer that lists the id twice with items that contradict each other";
      return unclear;
    }
  }
  if (proof) return *proof;
  Proof missing;
  missing.why = "an answer that did not settle the item";
  return missing;
}

/// Whether the items an answer refusing a whole batch lists in its `data` may be a transfer
/// all the same: anything but an item refused with a code that proves nothing paid, naming
/// no transfer and no lot (a success without its transaction_id, an item without a code) may
/// be a payout processed before the failure. Then the refusal does not prove nothing paid.
inline bool lists_a_transfer(const std::vector<SentItem>& listed, int http_status) {
  for (const SentItem& s : listed) {
    // A success (code 0) is in no table of codes that prove nothing paid.
    if (!s.transaction_id.empty() || !s.lot.empty() || !proves_nothing_paid(s.code, http_status)) {
      return true;
    }
  }
  return false;
}

/// What an answer refusing a whole batch (a non-zero envelope code) proves about each of
/// its payouts. `message`: the answer's, else the code table's word. `lists_a_transfer`:
/// its data names a transfer all the same (items processed in order, then a failure), so
/// the refusal proves nothing.
inline Proof of_batch_refusal(int code, const std::string& message, const std::string& description,
                              int http_status, bool lists_a_transfer) {
  Proof p;
  if (proves_nothing_paid(code, http_status) && !lists_a_transfer) {
    p.verdict = Verdict::refused;
    p.refusal = ApiErrorInfo{code, message, description};
    p.why = "the batch was refused whole by CinetPay: nothing of it was paid";
    return p;
  }
  p.id_exists = code == codes::kClientTransactionIdExists;
  p.why = "answer " + std::to_string(code) + " " + message;
  return p;
}

// --- Notifications ------------------------------------------------------------------------

/// What a verified notification (the record check/money gave for the transfer it names)
/// proves about the payout the ledger holds under its client_transaction_id: the same
/// rules as any record under the id.
inline Proof of_notification(const TransferRequest& payout, const TransferStatus& verified,
                             const std::string& known_transaction_id = {}) {
  return of_record(payout, verified, known_transaction_id);
}

// --- Reconciliation -----------------------------------------------------------------------
// One engine for send_money's reconciliation (within one call) and the worker's (across
// passes, from its ledger): the drivers differ in how they wait, never in what they decide.

/// What to do next with a payout whose send's outcome is unknown.
enum class Next {
  settled,     ///< the proof settles it (a transfer, or certainly nothing paid)
  look_again,  ///< look it up again after a pause
  send_again,  ///< certainly absent past the grace period: send once more, same id (805 guards)
  unknown,     ///< stop for now: unknown, to be settled later, never by a new payout
};

/// The decision after `lookup`, the last lookup that was answered (a lookup that could not
/// be made erases no earlier answer). `grace_over`: the grace period since the last send
/// has passed. `may_send_again`: this reconciliation may send once more.
constexpr Next after_lookup(Verdict lookup, bool grace_over, bool may_send_again) {
  switch (lookup) {
    case Verdict::transfer:
    case Verdict::refused:
      return Next::settled;
    case Verdict::absent:
      if (!grace_over) return Next::look_again;
      return may_send_again ? Next::send_again : Next::unknown;
    case Verdict::unclear:
      break;
  }
  return grace_over ? Next::unknown : Next::look_again;
}

/// Whether the result of a send made once more, after the payout was found absent, stands.
/// A refusal of the moment (the balance, the token, an operator down…) proves nothing about
/// the earlier send, which CinetPay may list late and which may even be what took the
/// balance; nor does a resend that never left. A refusal of the request itself would have
/// met the earlier send too, and stands.
/// `id_seen`: CinetPay said it held the id before (805, or records listed under it): then
/// no refusal of the resend proves anything about the earlier send.
inline bool resend_result_stands(const TransferResult& resent, bool id_seen) {
  switch (resent.outcome) {
    case TransferOutcome::accepted:
      return true;
    case TransferOutcome::rejected:
      return !id_seen && (!resent.error || !is_refusal_of_the_moment(resent.error->code));
    case TransferOutcome::not_sent:
    case TransferOutcome::unknown:
      break;
  }
  return false;
}

}  // namespace evidence
}  // namespace detail
CINETPAY_END_NAMESPACE
