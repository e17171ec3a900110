// The sandbox's books: the balance, contacts, transfers and their status machine, with the
// business rules of a send. Pure: no HTTP, no JSON, no threads, time passed in by the
// caller. Not thread-safe: its owner serialises calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "cinetpay/sandbox.hpp"

namespace cinetpay::sandbox {

using SteadyClock = std::chrono::steady_clock;

/// The `comment` CinetPay gives a transfer in this state.
std::string_view comment_for(TreatmentStatus status) noexcept;

struct LedgerRules {
  std::int64_t balance = 1'000'000;
  std::chrono::milliseconds settle{500};
  std::chrono::milliseconds visibility_delay{0};
  bool require_confirmation = false;
  std::uint64_t seed = 0;  ///< 0: random ids
};

/// One item of a send, as read from the request. `amount` is empty when the request's
/// value is not a whole number that fits in 64 bits.
struct PayoutOrder {
  std::string prefix;
  std::string phone;
  std::optional<std::int64_t> amount;
  std::string notify_url;
  std::string client_transaction_id;
  std::string payment_method;
};

/// Why a whole request was refused; the API code and the item it is about.
struct Refusal {
  enum class Reason {
    plus_prefix,           // -1: "+225" instead of "225"
    unknown_country,       // -1: a prefix that is not digits
    invalid_contact,       // -1: a contact without digits for prefix or phone
    invalid_phone,         // 802
    invalid_amount,        // 801: not a positive whole multiple of 5 within 64 bits
    missing_notify_url,    // 725
    not_a_contact,         // 724
    id_already_used,       // 805
    insufficient_balance,  // 602
  };
  Reason reason = Reason::plus_prefix;
  std::size_t item = 0;
  std::string value;                  ///< the prefix, or the client_transaction_id
  std::int64_t available = 0;         ///< for insufficient_balance
  std::optional<std::int64_t> total;  ///< for insufficient_balance; empty past 64 bits
  [[nodiscard]] int code() const noexcept;
};

struct Sent {
  std::string lot;
  std::vector<Transfer> transfers;
};

struct ContactsAdded {
  std::string lot;
  /// Per item: 0 (added), 726 (already a contact) or 802 (a magic number CinetPay refuses).
  std::vector<int> codes;
};

enum class LookupKey { transaction_id, client_transaction_id, lot };

class Ledger {
 public:
  explicit Ledger(LedgerRules rules);

  /// Adds what is new; all or nothing when an item is invalid.
  std::variant<ContactsAdded, Refusal> add_contacts(const std::vector<Contact>& contacts);
  /// All or nothing: the first faulty item refuses the whole batch and nothing is charged.
  std::variant<Sent, Refusal> send(const std::vector<PayoutOrder>& orders,
                                   SteadyClock::time_point now);
  /// Transfers visible at `now` with that key (check/money).
  [[nodiscard]] std::vector<Transfer> find(LookupKey key, const std::string& value,
                                           SteadyClock::time_point now) const;

  /// Moves every transfer due by `now` one or more steps; returns each step taken, in
  /// order, as the transfer stood after it (what notify_url is told).
  std::vector<Transfer> advance(SteadyClock::time_point now);
  /// When the next step is due; time_point::max() when none is.
  [[nodiscard]] SteadyClock::time_point next_step() const;

  /// Throws std::out_of_range (unknown id) or std::logic_error (not awaiting confirmation).
  Transfer confirm(const std::string& transaction_id, SteadyClock::time_point now);
  Transfer reject(const std::string& transaction_id);

  [[nodiscard]] Balance balance() const noexcept { return balance_; }
  /// Throws std::invalid_argument if negative.
  void set_available(std::int64_t available);
  [[nodiscard]] std::vector<Contact> contacts() const;
  [[nodiscard]] std::vector<Transfer> transfers() const;
  [[nodiscard]] const Transfer* by_transaction_id(const std::string& transaction_id) const;
  [[nodiscard]] const Transfer* by_client_transaction_id(
      const std::string& client_transaction_id) const;
  void reset();

 private:
  struct Entry {
    Transfer transfer;
    SteadyClock::time_point visible_at;
    SteadyClock::time_point next_step = SteadyClock::time_point::max();
    bool confirmed = true;
  };

  [[nodiscard]] std::optional<Refusal> check(const PayoutOrder& order, std::size_t item) const;
  Entry* entry(const std::string& transaction_id);
  Entry& awaiting_confirmation(const std::string& transaction_id);
  void settle(Entry& e, TreatmentStatus final_status);
  std::string new_transaction_id();
  std::string new_lot();

  LedgerRules rules_;
  std::mt19937_64 rng_;
  std::uint64_t counter_ = 0;
  Balance balance_;
  std::map<std::string, Contact> contacts_;
  std::vector<Entry> entries_;
  std::map<std::string, std::size_t> by_client_id_;
  std::map<std::string, std::size_t> by_transaction_id_;
};

}  // namespace cinetpay::sandbox
