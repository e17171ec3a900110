#include "ledger.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>

namespace cinetpay::sandbox {
namespace {

constexpr auto kNever = SteadyClock::time_point::max();

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string wall_time(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string contact_key(const std::string& prefix, const std::string& phone) {
  return prefix + ':' + phone;
}

std::string operator_for(const Transfer& t) {
  if (!t.payment_method.empty()) return t.payment_method;
  if (t.prefix == "225") {
    if (t.phone.rfind("07", 0) == 0) return "OM";
    if (t.phone.rfind("05", 0) == 0) return "MOMO";
    if (t.phone.rfind("01", 0) == 0) return "FLOOZ";
  }
  return "OM";
}

Refusal refusal(Refusal::Reason reason, std::size_t item, std::string value = {}) {
  Refusal r;
  r.reason = reason;
  r.item = item;
  r.value = std::move(value);
  return r;
}

}  // namespace

std::string_view to_string(TreatmentStatus status) noexcept {
  switch (status) {
    case TreatmentStatus::NEW:
      return "NEW";
    case TreatmentStatus::NOS:
      return "NOS";
    case TreatmentStatus::REC:
      return "REC";
    case TreatmentStatus::VAL:
      return "VAL";
    case TreatmentStatus::REJ:
      return "REJ";
  }
  return "NEW";
}

std::string_view comment_for(TreatmentStatus status) noexcept {
  switch (status) {
    case TreatmentStatus::NEW:
      return "En attente de traitement";
    case TreatmentStatus::NOS:
      return "En attente de confirmation";
    case TreatmentStatus::REC:
      return "En cours de traitement";
    case TreatmentStatus::VAL:
      return "Transfert effectué avec succès";
    case TreatmentStatus::REJ:
      return "Transfert rejeté par l'opérateur";
  }
  return {};
}

int Refusal::code() const noexcept {
  switch (reason) {
    case Reason::plus_prefix:
    case Reason::unknown_country:
    case Reason::invalid_contact:
      return -1;
    case Reason::invalid_phone:
      return 802;
    case Reason::invalid_amount:
      return 801;
    case Reason::missing_notify_url:
      return 725;
    case Reason::not_a_contact:
      return 724;
    case Reason::id_already_used:
      return 805;
    case Reason::insufficient_balance:
      return 602;
  }
  return -1;
}

Ledger::Ledger(LedgerRules rules) : rules_(rules) {
  rng_.seed(rules_.seed != 0 ? rules_.seed : std::random_device{}());
  reset();
}

void Ledger::reset() {
  balance_ = Balance{rules_.balance, 0};
  contacts_.clear();
  entries_.clear();
  by_client_id_.clear();
  by_transaction_id_.clear();
}

std::variant<ContactsAdded, Refusal> Ledger::add_contacts(const std::vector<Contact>& contacts) {
  for (std::size_t i = 0; i < contacts.size(); ++i) {
    const Contact& c = contacts[i];
    if (!c.prefix.empty() && c.prefix[0] == '+')
      return refusal(Refusal::Reason::plus_prefix, i, c.prefix);
    if (!all_digits(c.prefix) || !all_digits(c.phone))
      return refusal(Refusal::Reason::invalid_contact, i);
  }
  ContactsAdded added{new_lot(), {}};
  for (const Contact& c : contacts) {
    if (ends_with(c.phone, "97")) {
      added.codes.push_back(802);  // INVALID_PHONE, item by item, as for a wrong operator
      continue;
    }
    added.codes.push_back(contacts_.emplace(contact_key(c.prefix, c.phone), c).second ? 0 : 726);
  }
  return added;
}

std::optional<Refusal> Ledger::check(const PayoutOrder& o, std::size_t item) const {
  using R = Refusal::Reason;
  if (!o.prefix.empty() && o.prefix[0] == '+') return refusal(R::plus_prefix, item, o.prefix);
  if (!all_digits(o.prefix)) return refusal(R::unknown_country, item, o.prefix);
  if (!all_digits(o.phone)) return refusal(R::invalid_phone, item);
  if (!o.amount || *o.amount <= 0 || *o.amount % 5 != 0) return refusal(R::invalid_amount, item);
  if (o.notify_url.rfind("http://", 0) != 0 && o.notify_url.rfind("https://", 0) != 0)
    return refusal(R::missing_notify_url, item);
  if (contacts_.count(contact_key(o.prefix, o.phone)) == 0) return refusal(R::not_a_contact, item);
  if (!o.client_transaction_id.empty() && by_client_id_.count(o.client_transaction_id) != 0)
    return refusal(R::id_already_used, item, o.client_transaction_id);
  return std::nullopt;
}

std::variant<Sent, Refusal> Ledger::send(const std::vector<PayoutOrder>& orders,
                                         SteadyClock::time_point now) {
  advance(now);
  std::map<std::string, std::size_t> batch_ids;
  std::optional<std::int64_t> total = 0;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const PayoutOrder& o = orders[i];
    if (auto refusal = check(o, i)) return *refusal;
    if (!o.client_transaction_id.empty() && !batch_ids.emplace(o.client_transaction_id, i).second) {
      return refusal(Refusal::Reason::id_already_used, i, o.client_transaction_id);
    }
    // A sum past 64 bits is more than any balance can hold.
    std::int64_t sum = 0;
    if (total && __builtin_add_overflow(*total, *o.amount, &sum)) {
      total.reset();
    } else if (total) {
      total = sum;
    }
  }
  if (!total || *total > balance_.available) {
    Refusal r = refusal(Refusal::Reason::insufficient_balance, 0);
    r.available = balance_.available;
    r.total = total;
    return r;
  }
  Sent sent{new_lot(), {}};
  for (const PayoutOrder& o : orders) {
    Entry e;
    Transfer& t = e.transfer;
    t.transaction_id = new_transaction_id();
    t.client_transaction_id = o.client_transaction_id;
    t.lot = sent.lot;
    t.prefix = o.prefix;
    t.phone = o.phone;
    t.notify_url = o.notify_url;
    t.payment_method = o.payment_method;
    t.operator_code = operator_for(t);
    t.amount = *o.amount;
    e.visible_at = now + rules_.visibility_delay;
    e.next_step = now + rules_.settle;
    if (rules_.require_confirmation) {
      e.confirmed = false;
      t.sending_status = "PENDING";
    }
    balance_.available -= t.amount;
    balance_.in_using += t.amount;
    if (!t.client_transaction_id.empty()) by_client_id_[t.client_transaction_id] = entries_.size();
    by_transaction_id_[t.transaction_id] = entries_.size();
    sent.transfers.push_back(t);
    entries_.push_back(std::move(e));
  }
  return sent;
}

std::vector<Transfer> Ledger::find(LookupKey key, const std::string& value,
                                   SteadyClock::time_point now) const {
  std::vector<Transfer> found;
  for (const Entry& e : entries_) {
    const Transfer& t = e.transfer;
    const std::string& field = key == LookupKey::transaction_id ? t.transaction_id
                               : key == LookupKey::lot          ? t.lot
                                                                : t.client_transaction_id;
    if (field == value && now >= e.visible_at) found.push_back(t);
  }
  return found;
}

// NEW → REC → VAL; REJ for a phone ending in 99, REC forever for 98; NEW → NOS until
// confirmed when confirmation is required.
std::vector<Transfer> Ledger::advance(SteadyClock::time_point now) {
  std::vector<Transfer> steps;
  for (Entry& e : entries_) {
    Transfer& t = e.transfer;
    while (e.next_step <= now) {
      auto at = e.next_step;
      switch (t.status) {
        case TreatmentStatus::NEW:
          if (!e.confirmed) {
            t.status = TreatmentStatus::NOS;
            e.next_step = kNever;
            break;
          }
          [[fallthrough]];
        case TreatmentStatus::NOS:
          t.status = TreatmentStatus::REC;
          e.next_step = ends_with(t.phone, "98") ? kNever : at + rules_.settle;
          break;
        case TreatmentStatus::REC:
          settle(e, ends_with(t.phone, "99") ? TreatmentStatus::REJ : TreatmentStatus::VAL);
          break;
        case TreatmentStatus::VAL:
        case TreatmentStatus::REJ:
          e.next_step = kNever;
          continue;
      }
      steps.push_back(t);
    }
  }
  return steps;
}

void Ledger::settle(Entry& e, TreatmentStatus final_status) {
  Transfer& t = e.transfer;
  t.status = final_status;
  t.validated_at = wall_time("%Y-%m-%d %H:%M:%S");
  e.next_step = kNever;
  balance_.in_using -= t.amount;
  if (final_status == TreatmentStatus::REJ) balance_.available += t.amount;
}

SteadyClock::time_point Ledger::next_step() const {
  auto next = kNever;
  for (const Entry& e : entries_) next = std::min(next, e.next_step);
  return next;
}

Ledger::Entry* Ledger::entry(const std::string& transaction_id) {
  auto it = by_transaction_id_.find(transaction_id);
  return it == by_transaction_id_.end() ? nullptr : &entries_[it->second];
}

Ledger::Entry& Ledger::awaiting_confirmation(const std::string& transaction_id) {
  Entry* e = entry(transaction_id);
  if (e == nullptr) throw std::out_of_range("no transfer with transaction_id " + transaction_id);
  TreatmentStatus s = e->transfer.status;
  if (s != TreatmentStatus::NOS && s != TreatmentStatus::NEW) {
    throw std::logic_error("transfer " + transaction_id + " is " + std::string(to_string(s)) +
                           ", not awaiting confirmation");
  }
  return *e;
}

Transfer Ledger::confirm(const std::string& transaction_id, SteadyClock::time_point now) {
  Entry& e = awaiting_confirmation(transaction_id);
  e.confirmed = true;
  e.transfer.sending_status = "CONFIRM";
  if (e.transfer.status == TreatmentStatus::NOS) e.next_step = now;
  return e.transfer;
}

Transfer Ledger::reject(const std::string& transaction_id) {
  Entry& e = awaiting_confirmation(transaction_id);
  e.confirmed = true;
  e.transfer.sending_status = "CONFIRM";
  settle(e, TreatmentStatus::REJ);
  return e.transfer;
}

void Ledger::set_available(std::int64_t available) {
  if (available < 0) throw std::invalid_argument("available must not be negative");
  balance_.available = available;
}

std::vector<Contact> Ledger::contacts() const {
  std::vector<Contact> all;
  for (const auto& [key, c] : contacts_) all.push_back(c);
  return all;
}

std::vector<Transfer> Ledger::transfers() const {
  std::vector<Transfer> all;
  for (const Entry& e : entries_) all.push_back(e.transfer);
  return all;
}

const Transfer* Ledger::by_transaction_id(const std::string& transaction_id) const {
  auto it = by_transaction_id_.find(transaction_id);
  return it == by_transaction_id_.end() ? nullptr : &entries_[it->second].transfer;
}

const Transfer* Ledger::by_client_transaction_id(const std::string& client_transaction_id) const {
  auto it = by_client_id_.find(client_transaction_id);
  return it == by_client_id_.end() ? nullptr : &entries_[it->second].transfer;
}

std::string Ledger::new_transaction_id() {
  return "SB" + wall_time("%y%m%d.%H%M%S") + "." + static_cast<char>('A' + rng_() % 26) +
         std::to_string(100000 + (++counter_ % 900000));
}

// 22 digits, as CinetPay's lots: random digits, then a counter that keeps them unique.
std::string Ledger::new_lot() {
  std::string counter = std::to_string(++counter_);
  std::string lot;
  while (lot.size() + counter.size() < 22) lot += static_cast<char>('0' + rng_() % 10);
  return lot + counter;
}

}  // namespace cinetpay::sandbox
