// The legal moves of a payout, written out independently of the library's rules, to check
// histories against.
#pragma once

#include <cinetpay/ledger.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace cinetpay::mocks {

inline bool legal_move(std::optional<PayoutState> from, PayoutState to) {
  using S = PayoutState;
  if (!from) return to == S::pending;
  static const std::set<std::pair<S, S>> kLegal = {
      {S::pending, S::sending},  {S::pending, S::accepted},  {S::pending, S::paid},
      {S::pending, S::failed},   {S::sending, S::accepted},  {S::sending, S::paid},
      {S::sending, S::failed},   {S::sending, S::rejected},  {S::sending, S::unknown},
      {S::sending, S::pending},  {S::unknown, S::unknown},   {S::unknown, S::sending},
      {S::unknown, S::accepted}, {S::unknown, S::paid},      {S::unknown, S::failed},
      {S::unknown, S::rejected}, {S::accepted, S::accepted}, {S::accepted, S::paid},
      {S::accepted, S::failed},  {S::pending, S::cancelled},
  };
  return kLegal.count({*from, to}) != 0;
}

/// Empty when the history is a legal sequence from submission on; otherwise what is wrong.
inline std::string history_problem(const Payout& p) {
  std::optional<PayoutState> at;
  for (std::size_t i = 0; i < p.history.size(); ++i) {
    const PayoutEvent& e = p.history[i];
    // A refused notification is a note that leaves the payout where it was.
    const bool note = e.from == at && e.to == at && e.worker_id.empty() &&
                      e.reason.rfind("notification refused", 0) == 0;
    if (!note && (e.from != at || !legal_move(e.from, e.to))) {
      return p.request.client_transaction_id + ": event " + std::to_string(i) + " " +
             (e.from ? std::string(to_string(*e.from)) : "-") + " -> " +
             std::string(to_string(e.to)) + " after " + (at ? std::string(to_string(*at)) : "-") +
             " (" + e.reason + ")";
    }
    at = e.to;
  }
  if (at != p.state) return p.request.client_transaction_id + ": history does not end in its state";
  return {};
}

}  // namespace cinetpay::mocks
