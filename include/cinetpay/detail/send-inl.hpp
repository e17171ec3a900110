// send_money: the one call that moves money, and the rules that keep it from paying twice
// or losing a payout (docs/design.md, "Money: never sent twice, never lost").
#pragma once
#include <algorithm>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cinetpay/detail/client_impl.hpp"
#include "cinetpay/detail/codes.hpp"
#include "cinetpay/detail/matching.hpp"
#include "cinetpay/errors.hpp"
#include "cinetpay/validation.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

// 128 random bits: unique without coordination, made once before the first attempt.
CINETPAY_INLINE std::string new_client_transaction_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;
  std::string id = "cp-";
  for (int i = 0; i < 4; ++i) {
    std::uint32_t word = device();
    for (int j = 0; j < 8; ++j) id += kHex[(word >> (j * 4)) & 0x0F];
  }
  return id;
}

CINETPAY_INLINE TransferResult base_result(const TransferRequest& t) {
  TransferResult r;
  r.client_transaction_id = t.client_transaction_id;
  r.prefix = t.prefix;
  r.phone = t.phone;
  r.amount = t.amount;
  return r;
}

CINETPAY_INLINE TransferResult rejected(const TransferRequest& t, const ApiErrorInfo& error,
                                        const std::string& detail) {
  TransferResult r = base_result(t);
  r.outcome = TransferOutcome::rejected;
  r.error = error;
  r.detail = detail;
  return r;
}

CINETPAY_INLINE std::vector<TransferRequest> pick(const std::vector<TransferRequest>& items,
                                                  const std::vector<std::size_t>& positions) {
  std::vector<TransferRequest> picked;
  picked.reserve(positions.size());
  for (std::size_t i : positions) picked.push_back(items[i]);
  return picked;
}

CINETPAY_INLINE ApiErrorInfo info_of(const ApiError& e) {
  return {e.code(), e.api_message(), e.description()};
}

CINETPAY_INLINE TransferResult with_outcome(const TransferRequest& t, TransferOutcome outcome,
                                            std::string detail) {
  TransferResult r = base_result(t);
  r.outcome = outcome;
  r.detail = std::move(detail);
  return r;
}

CINETPAY_INLINE TransferResult unknown(const TransferRequest& t, const std::string& why) {
  return with_outcome(
      t, TransferOutcome::unknown,
      "outcome unknown after " + why + ": settle it with reconcile(), never with a new payout");
}

// A send made once more, after the first was not found within the grace, refused for a
// reason of the moment (the balance, the token, an operator down for a while…): the first
// send may have been processed (CinetPay lists a transfer late), and may even be what took
// the balance, so the refusal proves nothing about it. A refusal of the request itself
// would have met the first send too, and stands.
CINETPAY_INLINE bool refused_for_the_moment(const TransferResult& r) {
  return r.outcome == TransferOutcome::rejected && r.error &&
         codes::is_refusal_of_the_moment(r.error->code);
}

CINETPAY_INLINE TransferResult first_send_may_stand(const TransferRequest& t,
                                                    const TransferResult& refused,
                                                    const std::string& why) {
  return unknown(t, why + "; not found after the grace period, sent again and refused (" +
                        std::to_string(refused.error->code) + " " + refused.error->message +
                        "), which proves nothing about the first send");
}

// Whether a transfer found under a payout's client_transaction_id is this payout.
enum class Match { same, other, unclear };

CINETPAY_INLINE Match match(const TransferRequest& t, const TransferStatus& s) {
  if (!transfer_difference(t, s).empty()) return Match::other;
  return tells_amount_and_recipient(t, s) ? Match::same : Match::unclear;
}

// What a lookup that found the id tells about this payout.
// `id_exist`: CinetPay answered 805 to the call's first send of it.
CINETPAY_INLINE TransferResult from_found(const TransferRequest& t, const TransferStatus& s,
                                          const std::string& why, bool id_exist) {
  const std::string holder = "transfer " + s.transaction_id + " to " +
                             (s.receiver_e164.empty() ? s.receiver : s.receiver_e164) +
                             " of amount " + std::to_string(s.amount);
  switch (match(t, s)) {
    case Match::other:
      // The caller reused the id: CinetPay refuses a second transfer under it (805), so
      // this payout was never made.
      return rejected(
          t,
          {kCodeClientTransactionIdConflict, "CLIENT_TRANSACTION_ID_CONFLICT",
           "client_transaction_id " + t.client_transaction_id + " is held by " + holder},
          "the id was already used for a different payout (" + holder +
              "): nothing was paid to this recipient");
    case Match::unclear:
      return unknown(t, why + "; check/money found " + holder +
                            " under this id without saying enough to tell whether it is this "
                            "payout");
    case Match::same:
      break;
  }
  TransferResult r = base_result(t);
  r.outcome = TransferOutcome::accepted;
  r.transaction_id = s.transaction_id;
  r.lot = s.lot;
  r.treatment_status = s.treatment_status;
  r.status = s;
  r.client_transaction_id_exist = id_exist;
  r.detail = "confirmed by check/money after " + why;
  return r;
}

// Whether `error`, thrown while sending a batch, proves that nothing of it was paid.
CINETPAY_INLINE bool proves_unpaid(const std::exception_ptr& error, bool send_left) {
  try {
    std::rethrow_exception(error);
  } catch (const ApiError&) {
    return true;  // a login failure, or a whole-batch refusal that is definite
  } catch (const TransportError& e) {
    return !send_left || !e.may_have_reached_server();
  } catch (...) {
    return !send_left;
  }
}

// The outcome of a batch that certainly paid nothing, when it cannot be thrown. If its send
// left, it carried a token CinetPay refused, which processes nothing, and the error is that
// of the login that was to let it be repeated.
CINETPAY_INLINE TransferResult unpaid(const TransferRequest& t, const std::exception_ptr& error,
                                      bool send_left) {
  const std::string refused_token = "CinetPay refused its token (nothing processed), then ";
  try {
    std::rethrow_exception(error);
  } catch (const ApiError& e) {
    TransferResult r = with_outcome(
        t, TransferOutcome::not_sent,
        (send_left ? refused_token : "never sent: ") + "the login failed (" + e.what() + ")");
    r.error = info_of(e);
    return r;
  } catch (...) {
    const std::string failure = describe(std::current_exception());
    return with_outcome(t, TransferOutcome::not_sent,
                        send_left ? refused_token + "the login could not be made (" + failure + ")"
                                  : "never reached CinetPay: " + failure);
  }
}

// A payout of a batch after one that CinetPay refused whole: never sent.
CINETPAY_INLINE TransferResult not_attempted(const TransferRequest& t,
                                             const ApiErrorInfo& refusal) {
  TransferResult r = with_outcome(
      t, TransferOutcome::not_sent,
      "not attempted: an earlier batch of this call was refused whole by CinetPay (" +
          std::to_string(refusal.code) + " " + refusal.message + "); safe to send again, same id");
  r.error = refusal;
  return r;
}

CINETPAY_INLINE std::vector<TransferResult> ClientImpl::send(std::vector<TransferRequest> items,
                                                             CallContext& context) {
  validate_transfers(items);
  for (TransferRequest& t : items) {
    if (t.client_transaction_id.empty()) t.client_transaction_id = new_client_transaction_id();
  }
  std::vector<TransferResult> results;
  results.reserve(items.size());
  // Until a send of the call leaves, an exception proves that nothing was paid; from then
  // on it would hide outcomes, so every item gets one instead.
  bool any_send_left = false;
  // A batch refused whole with a definite code (602…) ends the call: the next batches would
  // meet the same refusal, and not_sent tells the caller they are safe to send once the
  // cause is fixed.
  std::optional<ApiErrorInfo> refusal;
  for (const std::vector<TransferRequest>& batch : batches_of(items, options_.max_batch_size)) {
    if (refusal) {
      for (const TransferRequest& t : batch) results.push_back(not_attempted(t, *refusal));
      continue;
    }
    CallContext batch_context{context.deadline};
    try {
      BatchResults part = send_batch(batch, /*may_resend=*/true, batch_context);
      refusal = std::move(part.refused_whole);
      results.insert(results.end(), part.results.begin(), part.results.end());
    } catch (...) {
      std::exception_ptr error = std::current_exception();
      const bool left = batch_context.send_left;
      if (!any_send_left && !left) throw;
      if (proves_unpaid(error, left)) {
        for (const TransferRequest& t : batch) results.push_back(unpaid(t, error, left));
      } else {
        for (const TransferRequest& t : batch) {
          results.push_back(
              unknown(t, "a failure once the send had left (" + describe(error) + ")"));
        }
      }
    }
    any_send_left = any_send_left || batch_context.send_left;
  }
  for (TransferResult& r : results) mask_result(r);
  return results;
}

CINETPAY_INLINE void ClientImpl::mask_result(TransferResult& r) const {
  r.detail = secrets_.mask(r.detail);
  if (r.error) {
    r.error->message = secrets_.mask(r.error->message);
    r.error->description = secrets_.mask(r.error->description);
  }
  if (r.status) r.status->comment = secrets_.mask(r.status->comment);
}

CINETPAY_INLINE BatchResults ClientImpl::send_batch(const std::vector<TransferRequest>& items,
                                                    bool may_resend, CallContext& context) {
  std::vector<std::optional<TransferResult>> settled(items.size());
  Posted posted;
  try {
    posted = post_batch(items, settled, context);
  } catch (...) {
    if (proves_unpaid(std::current_exception(), context.send_left)) throw;
    posted.why = "a failure once the send had left (" + describe(std::current_exception()) + ")";
    posted.id_exist.assign(items.size(), false);
  }
  settle_unclear(items, settled, posted, may_resend, context);
  BatchResults out;
  out.refused_whole = std::move(posted.refused_whole);
  out.results.reserve(items.size());
  for (std::optional<TransferResult>& r : settled) out.results.push_back(std::move(*r));
  return out;
}

// Whether an answer refusing a whole batch lists a transfer in its `data` all the same (an
// item with a transaction_id): then the refusal does not prove that nothing was paid.
CINETPAY_INLINE bool lists_a_transfer(const Envelope& answer) {
  const auto items = data_items(answer);
  return std::any_of(items.begin(), items.end(),
                     [](const auto* item) { return !text_field(*item, "transaction_id").empty(); });
}

CINETPAY_INLINE Posted ClientImpl::post_batch(const std::vector<TransferRequest>& items,
                                              std::vector<std::optional<TransferResult>>& settled,
                                              CallContext& context) {
  Posted posted;
  posted.id_exist.assign(items.size(), false);
  Envelope env;
  try {
    env = call(
        "send", Idempotency::send,
        [&](const std::string& token) { return builder_.send_money(token, items); }, context);
  } catch (const TransportError& e) {
    if (!context.send_left || !e.may_have_reached_server()) throw;
    posted.why = std::string("a transport failure after the send went out (") + e.what() + ")";
    return posted;
  } catch (const ProtocolError& e) {
    if (!context.send_left) throw;
    posted.why = std::string("an unreadable answer (") + e.what() + ")";
    return posted;
  }
  if (env.code != 0) {
    if (codes::send_refusal_is_definite(env.code, env.http_status) && !lists_a_transfer(env)) {
      ApiErrorInfo refusal{env.code, codes::message_or_table_word(env.code, env.message),
                           env.description};
      for (std::size_t i = 0; i < items.size(); ++i) {
        settled[i] = rejected(items[i], refusal,
                              "the batch was refused whole by CinetPay: nothing of it was paid");
      }
      posted.refused_whole = std::move(refusal);
      return posted;
    }
    if (env.code == codes::kClientTransactionIdExists) posted.id_exist.assign(items.size(), true);
    posted.why = "answer " + std::to_string(env.code) + " " + env.message;
    return posted;
  }

  std::vector<SentItem> answered;
  try {
    for (const auto* item : data_items(env)) answered.push_back(parse_sent_item(*item));
  } catch (const ProtocolError& e) {
    posted.why = std::string("an unreadable item (") + e.what() + ")";
    return posted;
  }
  std::map<std::string, const SentItem*> by_id;
  for (const SentItem& s : answered) by_id.emplace(s.client_transaction_id, &s);

  for (std::size_t i = 0; i < items.size(); ++i) {
    const TransferRequest& t = items[i];
    auto it = by_id.find(t.client_transaction_id);
    if (it == by_id.end()) continue;
    const SentItem& s = *it->second;
    if (s.code == codes::kSuccess) {
      TransferResult r = base_result(t);
      r.outcome = TransferOutcome::accepted;
      r.transaction_id = s.transaction_id;
      r.lot = s.lot;
      r.treatment_status = TreatmentStatus(s.treatment_status);
      settled[i] = std::move(r);
    } else if (codes::send_refusal_is_definite(s.code, env.http_status)) {
      settled[i] = rejected(t, {s.code, s.message, s.status}, "refused by CinetPay");
    } else if (s.code == codes::kClientTransactionIdExists) {
      posted.id_exist[i] = true;
    }
  }
  posted.why = "an answer that did not settle the item";
  return posted;
}

CINETPAY_INLINE void ClientImpl::settle_unclear(const std::vector<TransferRequest>& items,
                                                std::vector<std::optional<TransferResult>>& settled,
                                                const Posted& posted, bool may_resend,
                                                CallContext& context) {
  std::vector<std::size_t> unclear;
  std::vector<bool> id_exist;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (settled[i]) continue;
    unclear.push_back(i);
    id_exist.push_back(posted.id_exist[i]);
  }
  if (unclear.empty()) return;
  const std::string& why = posted.why;
  try {
    auto found = reconcile_batch(pick(items, unclear), id_exist, why, may_resend, context);
    for (std::size_t k = 0; k < unclear.size(); ++k) settled[unclear[k]] = std::move(found[k]);
  } catch (...) {
    const std::string failure =
        why + ", then reconciliation failed (" + describe(std::current_exception()) + ")";
    for (std::size_t i : unclear) {
      if (!settled[i]) settled[i] = unknown(items[i], failure);
    }
  }
}

CINETPAY_INLINE std::vector<TransferResult> ClientImpl::reconcile_batch(
    const std::vector<TransferRequest>& items, const std::vector<bool>& id_exist,
    const std::string& why, bool may_resend, CallContext& context) {
  log(LogLevel::warning, "send: outcome unknown after " + why + "; reconciling " +
                             std::to_string(items.size()) + " item(s) by client_transaction_id");
  std::vector<TransferResult> results(items.size());
  std::vector<ReconcileResult::State> last(items.size(), ReconcileResult::State::unknown);
  std::vector<std::size_t> pending(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) pending[i] = i;

  // The grace period bounds the whole reconciliation: every lookup is clipped to it. No
  // grace at all means one lookup per item, bounded by the call only.
  const bool one_round = options_.reconcile_grace.count() <= 0;
  CallContext grace{one_round
                        ? context.deadline
                        : std::min(context.deadline, options_.clock() + options_.reconcile_grace)};
  while (true) {
    std::vector<std::size_t> still;
    for (std::size_t i : pending) {
      if (!one_round && options_.clock() >= grace.deadline) {  // keeps the last lookup's word
        still.push_back(i);
        continue;
      }
      ReconcileResult found = lookup(items[i].client_transaction_id, grace);
      // A lookup that could not be made says nothing: it never erases an earlier answer
      // (a lookup clipped at the end of the grace would otherwise turn "absent" unknown).
      if (found.state != ReconcileResult::State::unknown) last[i] = found.state;
      if (found.state == ReconcileResult::State::found) {
        results[i] = from_found(items[i], *found.status, why, may_resend && id_exist[i]);
      } else {
        still.push_back(i);
      }
    }
    pending = std::move(still);
    if (pending.empty() || one_round || options_.clock() >= grace.deadline) break;
    pause(options_.reconcile_interval, grace.deadline);
  }

  // Certainly absent after the grace period: one more send with the same id, which the
  // API refuses with 805 should the first one surface meanwhile.
  std::vector<std::size_t> absent;
  for (std::size_t i : pending) {
    if (may_resend && last[i] == ReconcileResult::State::not_found) {
      absent.push_back(i);
    } else {
      results[i] = unknown(items[i], why + (last[i] == ReconcileResult::State::not_found
                                                ? "; not found after the grace period"
                                                : "; check/money could not be asked"));
    }
  }
  if (!absent.empty()) {
    std::vector<TransferRequest> again = pick(items, absent);
    log(LogLevel::warning, "send: " + std::to_string(again.size()) +
                               " item(s) not found after the grace period; sending once more "
                               "with the same client_transaction_id");
    std::vector<TransferResult> resent;
    CallContext resend_context{context.deadline};
    try {
      resent = send_batch(again, /*may_resend=*/false, resend_context).results;
    } catch (...) {
      // The resend never left, or only with a refused token: the first send may surface yet.
      const std::string failure = "not found after " + why +
                                  ", and sending again failed before reaching CinetPay (" +
                                  describe(std::current_exception()) + ")";
      for (const TransferRequest& t : again) resent.push_back(unknown(t, failure));
    }
    for (std::size_t k = 0; k < absent.size(); ++k) {
      results[absent[k]] = refused_for_the_moment(resent[k])
                               ? first_send_may_stand(again[k], resent[k], why)
                               : std::move(resent[k]);
    }
  }
  return results;
}

}  // namespace detail
// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
