// send_money: the one call that moves money, and the rules that keep it from paying twice
// or losing a payout (docs/design.md, "Money: never sent twice, never lost").
#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "cinetpay/errors.hpp"
#include "cinetpay/validation.hpp"
#include "client_impl.hpp"

namespace cinetpay::detail {
namespace {

// 128 random bits: unique without coordination, made once before the first attempt.
std::string new_client_transaction_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;
  std::string id = "cp-";
  for (int i = 0; i < 4; ++i) {
    std::uint32_t word = device();
    for (int j = 0; j < 8; ++j) id += kHex[(word >> (j * 4)) & 0x0F];
  }
  return id;
}

TransferResult base_result(const TransferRequest& t) {
  TransferResult r;
  r.client_transaction_id = t.client_transaction_id;
  r.prefix = t.prefix;
  r.phone = t.phone;
  r.amount = t.amount;
  return r;
}

TransferResult rejected(const TransferRequest& t, const ApiErrorInfo& error,
                        const std::string& detail) {
  TransferResult r = base_result(t);
  r.outcome = TransferOutcome::rejected;
  r.error = error;
  r.detail = detail;
  return r;
}

std::vector<TransferRequest> pick(const std::vector<TransferRequest>& items,
                                  const std::vector<std::size_t>& positions) {
  std::vector<TransferRequest> picked;
  picked.reserve(positions.size());
  for (std::size_t i : positions) picked.push_back(items[i]);
  return picked;
}

ApiErrorInfo info_of(const ApiError& e) { return {e.code(), e.api_message(), e.description()}; }

// What a lookup that found the id tells about this payout.
TransferResult from_found(const TransferRequest& t, const TransferStatus& s,
                          const std::string& why) {
  if (s.amount != 0 && s.amount != t.amount) {
    // The id belongs to another payout (the caller reused it): this one was never made.
    return rejected(t,
                    {805, "CLIENT_TRANSACTION_ID_EXIST",
                     "this client_transaction_id belongs to another transfer of amount " +
                         std::to_string(s.amount)},
                    "the id was already used for a different payout");
  }
  TransferResult r = base_result(t);
  r.outcome = TransferOutcome::accepted;
  r.transaction_id = s.transaction_id;
  r.lot = s.lot;
  r.treatment_status = s.treatment_status;
  r.status = s;
  r.detail = "confirmed by check/money after " + why;
  return r;
}

}  // namespace

std::vector<TransferResult> ClientImpl::send(std::vector<TransferRequest> items) {
  validate_transfers(items);
  for (TransferRequest& t : items) {
    if (t.client_transaction_id.empty()) t.client_transaction_id = new_client_transaction_id();
  }
  std::vector<TransferResult> results;
  results.reserve(items.size());
  for (const std::vector<TransferRequest>& batch : batches_of(items, options_.max_batch_size)) {
    try {
      auto part = send_batch(batch, /*may_resend=*/true);
      results.insert(results.end(), part.begin(), part.end());
    } catch (const Error& e) {
      // Only failures that certainly paid nothing reach here. Before any batch went out
      // the caller gets the exception; after, throwing would hide the earlier outcomes.
      if (results.empty()) throw;
      const auto* api = dynamic_cast<const ApiError*>(&e);
      for (const TransferRequest& t : batch) {
        if (api != nullptr) {
          results.push_back(rejected(t, info_of(*api), "batch refused"));
        } else {
          TransferResult r = base_result(t);
          r.outcome = TransferOutcome::not_sent;
          r.detail = std::string("never reached CinetPay: ") + e.what();
          results.push_back(std::move(r));
        }
      }
    }
  }
  return results;
}

std::vector<TransferResult> ClientImpl::send_batch(const std::vector<TransferRequest>& items,
                                                   bool may_resend) {
  Envelope env;
  try {
    env = call("send", Idempotency::send,
               [&](const std::string& token) { return builder_.send_money(token, items); });
  } catch (const TransportError& e) {
    if (!e.may_have_reached_server()) throw;
    return reconcile_batch(
        items, std::string("a transport failure after the send went out (") + e.what() + ")",
        may_resend);
  } catch (const ProtocolError& e) {
    return reconcile_batch(items, std::string("an unreadable answer (") + e.what() + ")",
                           may_resend);
  }
  if (env.code != 0) {
    if (send_refusal_is_definite(env.code, env.http_status)) {
      throw_api_error(env.code, env.message, env.description, env.http_status);
    }
    return reconcile_batch(items, "answer " + std::to_string(env.code) + " " + env.message,
                           may_resend);
  }

  std::vector<SentItem> answered;
  try {
    for (const auto* item : data_items(env)) answered.push_back(parse_sent_item(*item));
  } catch (const ProtocolError& e) {
    return reconcile_batch(items, std::string("an unreadable item (") + e.what() + ")", may_resend);
  }
  std::map<std::string, const SentItem*> by_id;
  for (const SentItem& s : answered) by_id.emplace(s.client_transaction_id, &s);

  std::vector<TransferResult> results(items.size());
  std::vector<std::size_t> unclear;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const TransferRequest& t = items[i];
    auto it = by_id.find(t.client_transaction_id);
    if (it == by_id.end()) {
      unclear.push_back(i);
      continue;
    }
    const SentItem& s = *it->second;
    if (s.code == 0) {
      TransferResult r = base_result(t);
      r.outcome = TransferOutcome::accepted;
      r.transaction_id = s.transaction_id;
      r.lot = s.lot;
      r.treatment_status = TreatmentStatus(s.treatment_status);
      results[i] = std::move(r);
    } else if (send_refusal_is_definite(s.code, env.http_status)) {
      results[i] = rejected(t, {s.code, s.message, s.status}, "refused by CinetPay");
    } else {
      unclear.push_back(i);
    }
  }
  if (!unclear.empty()) {
    auto settled =
        reconcile_batch(pick(items, unclear), "an answer that did not settle the item", may_resend);
    for (std::size_t k = 0; k < unclear.size(); ++k) results[unclear[k]] = std::move(settled[k]);
  }
  return results;
}

std::vector<TransferResult> ClientImpl::reconcile_batch(const std::vector<TransferRequest>& items,
                                                        const std::string& why, bool may_resend) {
  log(LogLevel::warning, "send: outcome unknown after " + why + "; reconciling " +
                             std::to_string(items.size()) + " item(s) by client_transaction_id");
  std::vector<TransferResult> results(items.size());
  std::vector<ReconcileResult::State> last(items.size(), ReconcileResult::State::unknown);
  std::vector<std::size_t> pending(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) pending[i] = i;

  const auto deadline = options_.clock() + options_.reconcile_grace;
  while (true) {
    std::vector<std::size_t> still;
    for (std::size_t i : pending) {
      ReconcileResult found = lookup(items[i].client_transaction_id);
      last[i] = found.state;
      if (found.state == ReconcileResult::State::found) {
        results[i] = from_found(items[i], *found.status, why);
      } else {
        still.push_back(i);
      }
    }
    pending = std::move(still);
    if (pending.empty() || options_.clock() >= deadline) break;
    pause(options_.reconcile_interval, deadline);
  }

  // Certainly absent after the grace period: one more send with the same id, which the
  // API refuses with 805 should the first one surface meanwhile.
  std::vector<std::size_t> absent;
  for (std::size_t i : pending) {
    if (may_resend && last[i] == ReconcileResult::State::not_found) {
      absent.push_back(i);
    } else {
      TransferResult r = base_result(items[i]);
      r.outcome = TransferOutcome::unknown;
      r.detail =
          "outcome unknown after " + why +
          (last[i] == ReconcileResult::State::not_found ? "; not found after the grace period"
                                                        : "; check/money could not be asked") +
          ": settle it with reconcile(), never with a new payout";
      results[i] = std::move(r);
    }
  }
  if (!absent.empty()) {
    std::vector<TransferRequest> again = pick(items, absent);
    log(LogLevel::warning, "send: " + std::to_string(again.size()) +
                               " item(s) not found after the grace period; sending once more "
                               "with the same client_transaction_id");
    std::vector<TransferResult> resent;
    try {
      resent = send_batch(again, /*may_resend=*/false);
    } catch (const ApiError& e) {
      for (const TransferRequest& t : again)
        resent.push_back(rejected(t, info_of(e), "refused when sent again"));
    } catch (const Error& e) {
      for (const TransferRequest& t : again) {
        TransferResult r = base_result(t);
        r.detail = std::string("outcome unknown: not found after ") + why +
                   ", and sending again failed before reaching CinetPay: " + e.what();
        resent.push_back(std::move(r));
      }
    }
    for (std::size_t k = 0; k < absent.size(); ++k) results[absent[k]] = std::move(resent[k]);
  }
  return results;
}

}  // namespace cinetpay::detail
