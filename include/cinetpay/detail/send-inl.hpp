// send_money: the one call that moves money, and the rules that keep it from paying twice
// or losing a payout (docs/design.md, "Money: never sent twice, never lost").
#pragma once
#include <algorithm>
#include <cstdint>
#include <deque>
#include <exception>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cinetpay/detail/client_impl.hpp"
#include "cinetpay/detail/codes.hpp"
#include "cinetpay/detail/evidence.hpp"
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

// The result a proof that settles a payout (a transfer, or certainly nothing paid) gives.
// `id_exist`: CinetPay answered 805 to the call's first send of it.
CINETPAY_INLINE TransferResult settled_by(const TransferRequest& t, const evidence::Proof& proof,
                                          const std::string& how, bool id_exist) {
  if (proof.verdict == evidence::Verdict::refused) return rejected(t, *proof.refusal, proof.why);
  const TransferStatus& s = *proof.transfer;
  TransferResult r = base_result(t);
  r.outcome = TransferOutcome::accepted;
  r.transaction_id = s.transaction_id;
  r.lot = s.lot;
  r.treatment_status = s.treatment_status;
  r.client_transaction_id_exist = id_exist;
  r.detail = how;
  return r;
}

// A send made once more, after the first was not found within the grace, whose result
// does not stand (evidence::resend_result_stands): the first send may be listed yet.
CINETPAY_INLINE TransferResult first_send_may_stand(const TransferRequest& t,
                                                    const TransferResult& resent,
                                                    const std::string& why) {
  std::string what;
  if (resent.outcome == TransferOutcome::rejected && resent.error) {
    what = "sent again and refused (" + std::to_string(resent.error->code) + " " +
           resent.error->message + ")";
  } else if (resent.outcome == TransferOutcome::not_sent) {
    what = "sending again failed before reaching CinetPay (" + resent.detail + ")";
  } else {
    what = "sent again with an outcome unknown too (" + resent.detail + ")";
  }
  return unknown(t, why + "; not found after the grace period, " + what +
                        ", which proves nothing about the first send");
}

// The outcome of a batch whose send certainly processed nothing, when it cannot be thrown.
// If a request left, it carried a token CinetPay refused, which processes nothing, and the
// error is that of the login that was to let it be repeated.
CINETPAY_INLINE TransferResult unpaid(const TransferRequest& t, const SendAttempt& attempt) {
  const std::string refused_token = "CinetPay refused its token (nothing processed), then ";
  try {
    std::rethrow_exception(attempt.error);
  } catch (const ApiError& e) {
    TransferResult r = with_outcome(t, TransferOutcome::not_sent,
                                    (attempt.refused_token ? refused_token : "never sent: ") +
                                        "the login failed (" + e.what() + ")");
    r.error = info_of(e);
    return r;
  } catch (...) {
    const std::string failure = describe(std::current_exception());
    return with_outcome(t, TransferOutcome::not_sent,
                        attempt.refused_token
                            ? refused_token + "the login could not be made (" + failure + ")"
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

// Whether an answer refusing a whole batch lists in its `data` what may be a transfer all
// the same (evidence::lists_a_transfer); items that cannot be read may be one.
CINETPAY_INLINE bool lists_a_transfer(const Envelope& answer) {
  std::vector<SentItem> listed;
  try {
    for (const auto* item : data_items(answer)) listed.push_back(parse_sent_item(*item));
  } catch (const ProtocolError&) {
    return true;
  }
  return evidence::lists_a_transfer(listed, answer.http_status);
}

CINETPAY_INLINE std::vector<TransferResult> ClientImpl::send(std::vector<TransferRequest> items,
                                                             CallContext& context) {
  validate_transfers(items);
  for (TransferRequest& t : items) {
    if (t.client_transaction_id.empty()) t.client_transaction_id = new_client_transaction_id();
  }
  std::vector<std::optional<TransferResult>> results(items.size());
  // Batches of positions in `items`, sent first to last; a batch split goes back in front.
  std::deque<std::vector<std::size_t>> batches;
  for (std::size_t start = 0; start < items.size(); start += options_.max_batch_size) {
    std::vector<std::size_t>& batch = batches.emplace_back();
    for (std::size_t i = start; i < std::min(items.size(), start + options_.max_batch_size); ++i) {
      batch.push_back(i);
    }
  }
  // Until a send of the call leaves, a failure proves that nothing was paid and is thrown;
  // from then on it would hide outcomes, so every item gets one instead.
  bool any_send_left = false;
  // A batch refused whole for a reason of the moment (602…) ends the call: the next batches
  // would meet the same refusal, and not_sent tells the caller they are safe to send once
  // the cause is fixed.
  std::optional<ApiErrorInfo> refusal;
  while (!batches.empty()) {
    const std::vector<std::size_t> positions = std::move(batches.front());
    batches.pop_front();
    const std::vector<TransferRequest> batch = pick(items, positions);
    std::vector<TransferResult> part;
    if (refusal) {
      for (const TransferRequest& t : batch) part.push_back(not_attempted(t, *refusal));
    } else {
      try {
        SendAttempt attempt = attempt_send(batch, context);
        if (attempt.attempt == evidence::Attempt::never_left && !attempt.refused_token &&
            !any_send_left) {
          std::rethrow_exception(attempt.error);
        }
        any_send_left = true;
        BatchResults settled = settle_batch(batch, attempt, /*may_resend=*/true, context);
        if (settled.refused_whole && positions.size() > 1 &&
            !evidence::is_refusal_of_the_moment(settled.refused_whole->code)) {
          // Refused whole for the request itself (724, a bad prefix or amount…), which may
          // be one item's fault. Nothing of it was paid, so each half is sent again, same
          // ids, until the refused item stands alone: one bad payout fails alone.
          log(LogLevel::warning, "send_refused_whole",
              "send: a batch of " + std::to_string(positions.size()) + " refused whole (" +
                  std::to_string(settled.refused_whole->code) +
                  "); sending each half again to find the item at fault",
              {{"operation", "send"},
               {"items", std::to_string(positions.size())},
               {"api_code", std::to_string(settled.refused_whole->code)}});
          const auto middle = positions.begin() + static_cast<std::ptrdiff_t>(positions.size() / 2);
          batches.emplace_front(middle, positions.end());
          batches.emplace_front(positions.begin(), middle);
          continue;
        }
        if (settled.refused_whole &&
            evidence::is_refusal_of_the_moment(settled.refused_whole->code)) {
          refusal = std::move(settled.refused_whole);
        }
        part = std::move(settled.results);
      } catch (...) {
        if (!any_send_left) throw;
        // Out of memory, or a logger or clock that throws, once a send had left.
        const std::string failure = describe(std::current_exception());
        part.clear();
        for (const TransferRequest& t : batch) {
          part.push_back(unknown(t, "a failure once the send had left (" + failure + ")"));
        }
      }
    }
    for (std::size_t k = 0; k < positions.size(); ++k) results[positions[k]] = std::move(part[k]);
  }
  std::vector<TransferResult> out;
  out.reserve(results.size());
  for (std::optional<TransferResult>& r : results) {
    mask_result(*r);
    out.push_back(std::move(*r));
  }
  return out;
}

CINETPAY_INLINE void ClientImpl::mask_result(TransferResult& r) const {
  r.detail = secrets_.mask(r.detail);
  if (r.error) {
    r.error->message = secrets_.mask(r.error->message);
    r.error->description = secrets_.mask(r.error->description);
  }
  if (r.status) r.status->comment = secrets_.mask(r.status->comment);
}

CINETPAY_INLINE SendAttempt ClientImpl::attempt_send(const std::vector<TransferRequest>& items,
                                                     const CallContext& context) {
  // Whether the send request left is known only inside `call`, which marks it on a context
  // of this attempt's own: it is read here once and becomes the attempt's value.
  CallContext attempt_context{context.deadline, context.reconcile};
  SendAttempt a;
  auto never_left = [&] {
    a.attempt = evidence::Attempt::never_left;
    a.error = std::current_exception();
    // A send that left and was answered with a refused token processed nothing; what
    // failed after it is the login meant to repeat it.
    a.refused_token = attempt_context.send_left;
  };
  auto answer_lost = [&](const std::string& why) {
    a.attempt = evidence::Attempt::left_answer_lost;
    a.why = why;
  };
  try {
    a.answer = call(
        "send", Idempotency::send,
        [&](const std::string& token) { return builder_.send_money(token, items); },
        attempt_context);
    a.attempt = evidence::Attempt::answered;
  } catch (const ApiError&) {
    never_left();  // a login's refusal: before the send, or after its token was refused
  } catch (const TransportError& e) {
    if (!attempt_context.send_left || !e.may_have_reached_server()) {
      never_left();
    } else {
      answer_lost(std::string("a transport failure after the send went out (") + e.what() + ")");
    }
  } catch (...) {
    if (!attempt_context.send_left) {
      never_left();
    } else {
      answer_lost("an unreadable answer or a failure once the send had left (" +
                  describe(std::current_exception()) + ")");
    }
  }
  return a;
}

CINETPAY_INLINE BatchResults ClientImpl::settle_batch(const std::vector<TransferRequest>& items,
                                                      const SendAttempt& attempt, bool may_resend,
                                                      CallContext& context) {
  BatchResults out;
  out.results.reserve(items.size());
  if (attempt.attempt == evidence::Attempt::never_left) {
    for (const TransferRequest& t : items) out.results.push_back(unpaid(t, attempt));
    return out;
  }
  std::vector<evidence::Proof> proofs = judge(items, attempt);
  if (!proofs.empty() && proofs.front().verdict == evidence::Verdict::refused &&
      attempt.answer.code != 0) {
    out.refused_whole = proofs.front().refusal;
  }
  std::vector<std::size_t> unclear;
  std::vector<std::optional<TransferResult>> settled(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const evidence::Proof& p = proofs[i];
    if (p.verdict == evidence::Verdict::transfer || p.verdict == evidence::Verdict::refused) {
      settled[i] = settled_by(items[i], p, p.why, false);
    } else {
      unclear.push_back(i);
    }
  }
  if (!unclear.empty()) {
    std::vector<TransferRequest> open = pick(items, unclear);
    std::vector<evidence::Proof> open_proofs;
    open_proofs.reserve(unclear.size());
    for (std::size_t i : unclear) open_proofs.push_back(proofs[i]);
    try {
      std::vector<TransferResult> found = reconcile_batch(open, open_proofs, may_resend, context);
      for (std::size_t k = 0; k < unclear.size(); ++k) settled[unclear[k]] = std::move(found[k]);
    } catch (...) {  // a clock, sleeper or logger that throws: what the answer settled stays
      const std::string failure = describe(std::current_exception());
      for (std::size_t k = 0; k < unclear.size(); ++k) {
        settled[unclear[k]] =
            unknown(open[k], open_proofs[k].why + ", then reconciliation failed (" + failure + ")");
      }
    }
  }
  for (std::optional<TransferResult>& r : settled) out.results.push_back(std::move(*r));
  return out;
}

CINETPAY_INLINE std::vector<evidence::Proof> ClientImpl::judge(
    const std::vector<TransferRequest>& items, const SendAttempt& attempt) {
  std::vector<evidence::Proof> proofs(items.size());
  if (attempt.attempt != evidence::Attempt::answered) {
    for (evidence::Proof& p : proofs) p.why = attempt.why;
    return proofs;
  }
  const Envelope& env = attempt.answer;
  if (env.code != 0) {
    const evidence::Proof whole =
        evidence::of_batch_refusal(env.code, codes::message_or_table_word(env.code, env.message),
                                   env.description, env.http_status, lists_a_transfer(env));
    std::fill(proofs.begin(), proofs.end(), whole);
    return proofs;
  }
  std::vector<SentItem> answered;
  try {
    for (const auto* item : data_items(env)) answered.push_back(parse_sent_item(*item));
  } catch (const ProtocolError& e) {
    for (evidence::Proof& p : proofs) p.why = std::string("an unreadable item (") + e.what() + ")";
    return proofs;
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    proofs[i] = evidence::of_items(items[i], answered, env.http_status);
  }
  return proofs;
}

CINETPAY_INLINE std::vector<TransferResult> ClientImpl::reconcile_batch(
    const std::vector<TransferRequest>& items, const std::vector<evidence::Proof>& sent,
    bool may_resend, CallContext& context) {
  std::vector<TransferResult> results(items.size());
  if (!context.reconcile) {
    for (std::size_t i = 0; i < items.size(); ++i) results[i] = unknown(items[i], sent[i].why);
    return results;
  }
  log(LogLevel::warning, "send_unclear",
      "send: outcome unknown after " + sent.front().why + "; reconciling " +
          std::to_string(items.size()) + " item(s) by client_transaction_id",
      {{"operation", "send"}, {"items", std::to_string(items.size())}});
  // Per item, the last lookup that was answered: one that could not be made erases no
  // earlier answer (a lookup clipped at the end of the grace would otherwise turn "absent"
  // unknown).
  std::vector<evidence::Proof> last(items.size());
  // Per item, whether CinetPay listed records under its id at any lookup: then an absence
  // seen before or after proves nothing within this grace, and nothing is sent again.
  std::vector<bool> listed(items.size(), false);
  std::vector<std::size_t> pending(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    pending[i] = i;
    last[i].why = "check/money could not be asked";
  }
  auto found_by_lookup = [&](std::size_t i) {
    TransferResult r =
        settled_by(items[i], last[i], "confirmed by check/money after " + sent[i].why,
                   may_resend && sent[i].id_exists);
    if (r.outcome == TransferOutcome::accepted) r.status = last[i].transfer;
    return r;
  };

  // The grace period bounds the whole reconciliation: every lookup is clipped to it. No
  // grace at all means one lookup per item, bounded by the call only.
  const bool one_round = options_.reconcile_grace.count() <= 0;
  CallContext grace{one_round
                        ? context.deadline
                        : std::min(context.deadline, options_.clock() + options_.reconcile_grace)};
  while (true) {
    std::vector<std::size_t> still;
    for (std::size_t i : pending) {
      if (!one_round && options_.clock() >= grace.deadline) {
        still.push_back(i);
        continue;
      }
      ReconcileResult found = lookup(items[i].client_transaction_id, grace);
      listed[i] = listed[i] || found.listed;
      if (found.state != ReconcileResult::State::unknown) {
        last[i] = evidence::of_lookup(
            items[i], found.status, found.state == ReconcileResult::State::not_found, found.detail);
      }
      if (evidence::after_lookup(last[i].verdict, /*grace_over=*/false, may_resend) ==
          evidence::Next::settled) {
        results[i] = found_by_lookup(i);
      } else {
        still.push_back(i);
      }
    }
    pending = std::move(still);
    if (pending.empty() || one_round || options_.clock() >= grace.deadline) break;
    pause(options_.reconcile_interval, grace.deadline);
  }

  std::vector<std::size_t> absent;
  for (std::size_t i : pending) {
    if (evidence::after_lookup(last[i].verdict, /*grace_over=*/!listed[i], may_resend) ==
        evidence::Next::send_again) {
      absent.push_back(i);
    } else {
      std::string why = last[i].verdict == evidence::Verdict::absent
                            ? "; not found after the grace period"
                            : "; " + last[i].why;
      if (listed[i]) why += "; CinetPay listed records under its id meanwhile";
      results[i] = unknown(items[i], sent[i].why + why);
    }
  }
  if (absent.empty()) return results;
  // Certainly absent after the grace period: one more send with the same id, which the API
  // refuses with 805 should the first one surface meanwhile.
  std::vector<TransferRequest> again = pick(items, absent);
  log(LogLevel::warning, "send_again",
      "send: " + std::to_string(again.size()) +
          " item(s) not found after the grace period; sending once more with the same "
          "client_transaction_id",
      {{"operation", "send"}, {"items", std::to_string(again.size())}});
  SendAttempt attempt = attempt_send(again, context);
  std::vector<TransferResult> resent =
      settle_batch(again, attempt, /*may_resend=*/false, context).results;
  for (std::size_t k = 0; k < absent.size(); ++k) {
    results[absent[k]] = evidence::resend_result_stands(resent[k], sent[absent[k]].id_exists)
                             ? std::move(resent[k])
                             : first_send_may_stand(again[k], resent[k], sent[absent[k]].why);
  }
  return results;
}
}  // namespace detail
// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
