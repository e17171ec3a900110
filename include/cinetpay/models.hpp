// The values that go to and come from the API, named with the API's own words.
// All are plain values: copyable, and safe to read from many threads.
/// @file
/// The values that go to and come from the Transfer API (TransferRequest, TransferResult,
/// TransferStatus, Contact, Balance…) and the to_string() of their states; plain, copyable
/// values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "cinetpay/export.hpp"

CINETPAY_BEGIN_NAMESPACE

/// The transfer balance. `in_using` is the API's word for the reserved part.
struct Balance {
  std::int64_t amount = 0;     ///< the whole balance
  std::int64_t in_using = 0;   ///< reserved by transfers in progress
  std::int64_t available = 0;  ///< what can be sent now
};

/// A contact to register before sending money to its phone.
struct Contact {
  std::string prefix;   ///< country prefix, digits only ("225")
  std::string phone;    ///< national number, digits only
  std::string name;     ///< the receiver's first name
  std::string surname;  ///< the receiver's family name
  std::string email;    ///< the receiver's email address
};

/// The API's answer for one contact of a batch.
struct CINETPAY_API ContactResult {
  Contact contact;  ///< the contact as sent
  /// 0 (added) or 726 (already a contact) are success; kCodeMissingFromAnswer when the
  /// answer did not mention this contact.
  int code = 0;
  std::string status;   ///< the item's `status`, e.g. "success"
  std::string lot;      ///< the API's batch id
  std::string message;  ///< the API's message for a failed item, empty otherwise

  /// True when the contact is registered now, whether added or already there (726).
  /// Throws nothing.
  [[nodiscard]] bool ok() const noexcept;
  /// True when the contact was there already (726).
  [[nodiscard]] bool already_exists() const noexcept;
};

/// `treatment_status` of a transfer. Keeps the server's word: an unknown one is carried.
/// A plain value: safe to read from several threads.
class CINETPAY_API TreatmentStatus {
 public:
  /// The statuses CinetPay documents; `other` for a word it never documented.
  enum class Code { NEW, REC, NOS, VAL, REJ, other };

  TreatmentStatus() = default;
  /// From the server's word; an unknown word is kept with Code::other.
  explicit TreatmentStatus(std::string raw);
  /// From a code, with its canonical word.
  explicit TreatmentStatus(Code code);

  /// The status as a code; Code::other for an undocumented word.
  [[nodiscard]] Code code() const noexcept { return code_; }
  /// The word the server sent ("VAL"), or the canonical word of a constructed value.
  [[nodiscard]] const std::string& raw() const noexcept { return raw_; }
  /// True for VAL and REJ only.
  [[nodiscard]] bool is_final() const noexcept { return code_ == Code::VAL || code_ == Code::REJ; }

  /// Compares the code, whatever the raw word.
  friend bool operator==(const TreatmentStatus& a, Code b) noexcept { return a.code_ == b; }
  /// Compares the code, whatever the raw word.
  friend bool operator!=(const TreatmentStatus& a, Code b) noexcept { return a.code_ != b; }

 private:
  Code code_ = Code::other;
  std::string raw_;
};

/// The API word, e.g. "VAL". Throws nothing.
CINETPAY_API const std::string& to_string(const TreatmentStatus& status) noexcept;
/// True for VAL and REJ only. Throws nothing.
inline bool is_final(const TreatmentStatus& status) noexcept { return status.is_final(); }

/// One payout to send.
struct TransferRequest {
  std::string prefix;       ///< digits only, no '+'
  std::string phone;        ///< digits only; must be a registered contact
  std::int64_t amount = 0;  ///< positive multiple of 5, in the currency of the country
  std::string notify_url;   ///< http(s) URL CinetPay notifies at each step
  /// Your own id for the payout: it makes sending safe to repeat (the API refuses a
  /// reused one with 805). Made for you (random, unique) when empty; always returned.
  std::string client_transaction_id;
  std::string payment_method;  ///< optional wallet, e.g. "WAVECI"
};

/// What happened to a payout.
enum class TransferOutcome {
  accepted,  ///< CinetPay has it: follow it with check_transfer / wait_for_final
  rejected,  ///< CinetPay refused it; nothing was paid: see `error`
  /// it certainly never reached CinetPay, or reached it only with a refused token (nothing
  /// processed): safe to send again (same id)
  not_sent,
  unknown,  ///< nobody can tell yet: settle it later with reconcile(), never resend blindly
};

/// "accepted", "rejected", "not_sent" or "unknown". Throws nothing.
CINETPAY_API std::string_view to_string(TransferOutcome outcome) noexcept;

/// A code and message from the API (or from this library for items never sent).
struct ApiErrorInfo {
  int code = 0;             ///< the API's code
  std::string message;      ///< e.g. "ERROR_PHONE_NOT_MY_CONTACT"
  std::string description;  ///< free text, possibly French
};

/// A transfer as check/money describes it.
struct TransferStatus {
  std::string transaction_id;         ///< CinetPay's id of the transfer
  std::string client_transaction_id;  ///< the merchant's id of the transfer
  std::string lot;                    ///< the API's batch id
  std::int64_t amount = 0;            ///< in the currency of the receiver's country
  std::string receiver;               ///< the phone number paid, as CinetPay writes it
  std::string receiver_e164;          ///< the same number in E.164 form
  std::string operator_code;          ///< the API's `operator` ("OM", "MOMO"…)
  std::string sending_status;         ///< "CONFIRM" or "PENDING"
  std::string transfer_valid;         ///< "Y" or "N"
  TreatmentStatus treatment_status;   ///< where the transfer stands: NEW, REC, NOS, VAL or REJ
  std::string comment;                ///< free text from CinetPay
  std::string validated_at;           ///< when the transfer became final, as CinetPay writes it

  /// True once VAL or REJ.
  [[nodiscard]] bool is_final() const noexcept { return treatment_status.is_final(); }
};

/// The result of one payout of a send_money call.
struct TransferResult {
  TransferOutcome outcome = TransferOutcome::unknown;  ///< what happened to it
  std::string client_transaction_id;  ///< always set, yours or the one made for you
  std::string transaction_id;         ///< CinetPay's id, when accepted
  std::string lot;                    ///< the API's batch id
  TreatmentStatus treatment_status;   ///< where the transfer stands: NEW, REC, NOS, VAL or REJ
  std::string prefix;                 ///< as sent
  std::string phone;                  ///< as sent
  std::int64_t amount = 0;            ///< as sent
  /// Why it was rejected; for not_sent, the code that stopped it when CinetPay gave one
  /// (a login's refusal, or the whole-batch refusal that ended the call).
  std::optional<ApiErrorInfo> error;
  /// The full status when it was learnt by reconciliation.
  std::optional<TransferStatus> status;
  /// True when CinetPay answered this call's first send of the payout with 805
  /// (CLIENT_TRANSACTION_ID_EXIST) and check/money showed that the transfer under this
  /// client_transaction_id is this very payout: CinetPay had it before the call (an earlier
  /// run sent it), so the call paid nothing new. Set on accepted results only.
  bool client_transaction_id_exist = false;
  /// For people: how the outcome was reached ("reconciled after a timeout"…).
  std::string detail;
};

/// What check_transfer and wait_for_final look up: one of the three keys of check/money.
/// A plain value: safe to read from several threads.
class CINETPAY_API TransferQuery {
 public:
  /// The three keys check/money accepts.
  enum class Key { transaction_id, client_transaction_id, lot };

  /// By CinetPay's id of the transfer.
  static TransferQuery by_transaction_id(std::string id) {
    return {Key::transaction_id, std::move(id)};
  }
  /// By the merchant's id of the transfer.
  static TransferQuery by_client_transaction_id(std::string id) {
    return {Key::client_transaction_id, std::move(id)};
  }
  /// Every transfer of a batch.
  static TransferQuery by_lot(std::string lot) { return {Key::lot, std::move(lot)}; }

  /// Which key is looked up.
  [[nodiscard]] Key key() const noexcept { return key_; }
  /// The value looked up.
  [[nodiscard]] const std::string& value() const noexcept { return value_; }
  /// The query parameter's name: "transaction_id", "client_transaction_id" or "lot".
  [[nodiscard]] std::string_view key_name() const noexcept;

 private:
  TransferQuery(Key key, std::string value) : key_(key), value_(std::move(value)) {}
  Key key_;
  std::string value_;
};

/// The answer of reconcile(): where a payout of unknown outcome stands.
struct ReconcileResult {
  /// Where the payout stands.
  enum class State {
    found,      ///< CinetPay has it; `status` says where it is
    not_found,  ///< CinetPay answered that it has no such transfer (723)
    unknown,    ///< CinetPay could not be asked: try again later
  };
  State state = State::unknown;          ///< found, not_found or unknown
  std::optional<TransferStatus> status;  ///< when found
  /// CinetPay listed records under this id: when found, and when its records contradict
  /// each other (state unknown). A payout whose id CinetPay listed is never taken for absent
  /// until a whole grace has passed since.
  bool listed = false;
  std::string detail;  ///< for people: how it was settled
};

/// "found", "not_found" or "unknown". Throws nothing.
CINETPAY_API std::string_view to_string(ReconcileResult::State state) noexcept;

CINETPAY_END_NAMESPACE

#ifdef CINETPAY_HEADER_ONLY
#include "cinetpay/detail/models-inl.hpp"
#endif
