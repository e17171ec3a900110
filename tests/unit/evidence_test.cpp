// The evidence module's rules, table by table: what each answer proves about a payout.
// These are the rules every path asks (send_money, reconciliation, lookups, wait_for_final,
// notifications, the ledger): a rule broken here is broken everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>

#include "cinetpay/detail/evidence.hpp"
#include "cinetpay/errors.hpp"

namespace cinetpay {
namespace {

namespace evidence = detail::evidence;
using evidence::Next;
using evidence::Verdict;

TransferRequest payout(const std::string& id = "A", std::int64_t amount = 500) {
  TransferRequest t;
  t.prefix = "225";
  t.phone = "0102030405";
  t.amount = amount;
  t.client_transaction_id = id;
  return t;
}

TransferStatus record(const std::string& id = "A", const std::string& status = "VAL") {
  TransferStatus s;
  s.transaction_id = "TX-" + id;
  s.client_transaction_id = id;
  s.lot = "L";
  s.amount = 500;
  s.receiver = "0102030405";
  s.receiver_e164 = "+2250102030405";
  s.treatment_status = TreatmentStatus(status);
  return s;
}

detail::SentItem item(int code, const std::string& transaction_id = "",
                      const std::string& id = "A") {
  detail::SentItem s;
  s.code = code;
  s.client_transaction_id = id;
  s.transaction_id = transaction_id;
  s.status = code == 0 ? "success" : "error";
  s.message = code == 0 ? "OPERATION_SUCCES" : "SOME_ERROR";
  return s;
}

// Every code that proves a send paid nothing, and nothing else: a code's presence in the
// table for people (api_codes) must not make it one.
constexpr std::array<int, 21> kProveNothingPaid = {-1,  602, 701, 702, 703, 704, 705,
                                                   706, 707, 708, 716, 717, 718, 719,
                                                   720, 721, 724, 725, 801, 802, 804};
constexpr std::array<int, 12> kOfTheMoment = {602, 701, 702, 703, 705, 706,
                                              707, 708, 709, 710, 715, 804};

template <std::size_t N>
bool listed(const std::array<int, N>& list, int code) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

TEST(EvidenceTables, OnlyListedCodesProveThatNothingWasPaid) {
  std::set<int> codes(kProveNothingPaid.begin(), kProveNothingPaid.end());
  for (const ApiCodeInfo& row : api_codes()) codes.insert(row.code);
  for (int extra : {0, 1, 600, 722, 727, 803, 806, 999, -2, kCodeMissingFromAnswer,
                    kCodeClientTransactionIdConflict}) {
    codes.insert(extra);
  }
  for (int code : codes) {
    EXPECT_EQ(evidence::proves_nothing_paid(code, 200), listed(kProveNothingPaid, code)) << code;
    EXPECT_EQ(evidence::proves_nothing_paid(code, 400), listed(kProveNothingPaid, code)) << code;
    EXPECT_FALSE(evidence::proves_nothing_paid(code, 500)) << code << " under a 5xx";
    EXPECT_FALSE(evidence::proves_nothing_paid(code, 503)) << code << " under a 5xx";
  }
  // In the table for people, yet proving nothing of a send.
  for (int code : {709, 710, 715, 723, 726, 805}) {
    EXPECT_TRUE(find_api_code(code).has_value()) << code;
    EXPECT_FALSE(evidence::proves_nothing_paid(code, 200)) << code;
  }
}

TEST(EvidenceTables, OnlyListedCodesAreRefusalsOfTheMoment) {
  std::set<int> codes(kOfTheMoment.begin(), kOfTheMoment.end());
  for (const ApiCodeInfo& row : api_codes()) codes.insert(row.code);
  for (int extra : {0, 999, 803, kCodeMissingFromAnswer}) codes.insert(extra);
  for (int code : codes) {
    EXPECT_EQ(evidence::is_refusal_of_the_moment(code), listed(kOfTheMoment, code)) << code;
  }
}

// A whole-batch refusal proves nothing paid only when all it lists are refusals that do:
// a success (code 0) without its transaction_id or lot may be a payout processed before the
// failure.
TEST(EvidenceBatchRefusal, ListingASuccessWithoutItsTransferProvesNothingPaid) {
  detail::SentItem success;
  success.code = 0;
  success.client_transaction_id = "B-1";
  EXPECT_TRUE(evidence::lists_a_transfer({success}, 200));
  detail::SentItem refused;
  refused.code = 724;
  refused.client_transaction_id = "B-2";
  EXPECT_FALSE(evidence::lists_a_transfer({refused}, 200));
  EXPECT_TRUE(evidence::lists_a_transfer({refused, success}, 200));
}

TEST(EvidenceItems, EveryShapeOfAnItem) {
  struct Row {
    const char* what;
    detail::SentItem item;
    int http_status;
    Verdict verdict;
    bool id_exists;
  };
  const std::vector<Row> rows = {
      {"success naming its transfer", item(0, "TX1"), 200, Verdict::transfer, false},
      {"success without a transfer id", item(0), 200, Verdict::unclear, false},
      {"refused with a listed code", item(724), 200, Verdict::refused, false},
      {"refused for the balance", item(602), 200, Verdict::refused, false},
      {"refused, yet naming a transfer", item(724, "TX1"), 200, Verdict::unclear, false},
      {"602, yet naming a transfer", item(602, "TX1"), 200, Verdict::unclear, false},
      {"805", item(805), 200, Verdict::unclear, true},
      {"an execution error", item(709), 200, Verdict::unclear, false},
      {"a code nobody documented", item(999), 200, Verdict::unclear, false},
      {"no code at all", item(kCodeMissingFromAnswer), 200, Verdict::unclear, false},
      {"a listed code under a 5xx", item(724), 502, Verdict::unclear, false},
      {"another id only", item(0, "TX1", "B"), 200, Verdict::unclear, false},
  };
  for (const Row& row : rows) {
    evidence::Proof p = evidence::of_items(payout(), {row.item}, row.http_status);
    EXPECT_EQ(p.verdict, row.verdict) << row.what << ": " << p.why;
    EXPECT_EQ(p.id_exists, row.id_exists) << row.what;
    EXPECT_FALSE(p.why.empty()) << row.what;
  }
}

TEST(EvidenceItems, ARefusalCarriesTheCodeAndMessageNotTheStatusText) {
  evidence::Proof p = evidence::of_items(payout(), {item(724)}, 200);
  ASSERT_EQ(p.verdict, Verdict::refused);
  EXPECT_EQ(p.refusal->code, 724);
  EXPECT_EQ(p.refusal->message, "SOME_ERROR");
  EXPECT_EQ(p.refusal->description, "") << "the item's status is not a description";
}

TEST(EvidenceItems, AnIdListedTwiceCountsOnlyWhenItsItemsAgree) {
  EXPECT_EQ(evidence::of_items(payout(), {item(724), item(0, "TX1")}, 200).verdict,
            Verdict::unclear);
  EXPECT_EQ(evidence::of_items(payout(), {item(0, "TX1"), item(724)}, 200).verdict,
            Verdict::unclear);
  EXPECT_EQ(evidence::of_items(payout(), {item(0, "TX1"), item(0, "TX2")}, 200).verdict,
            Verdict::unclear);
  EXPECT_EQ(evidence::of_items(payout(), {item(724), item(802)}, 200).verdict, Verdict::unclear);
  EXPECT_EQ(evidence::of_items(payout(), {item(0, "TX1"), item(0, "TX1")}, 200).verdict,
            Verdict::transfer);
  EXPECT_EQ(evidence::of_items(payout(), {item(0, "TX9", "B"), item(0, "TX1")}, 200).verdict,
            Verdict::transfer)
      << "another payout's item changes nothing";
}

TEST(EvidenceBatch, AWholeRefusalProvesNothingPaidOnlyWhenListedAndListingNoTransfer) {
  EXPECT_EQ(evidence::of_batch_refusal(602, "INSUFFICIENT_BALANCE", "", 200, false).verdict,
            Verdict::refused);
  EXPECT_EQ(evidence::of_batch_refusal(602, "INSUFFICIENT_BALANCE", "", 200, true).verdict,
            Verdict::unclear);
  EXPECT_EQ(evidence::of_batch_refusal(602, "INSUFFICIENT_BALANCE", "", 503, false).verdict,
            Verdict::unclear);
  EXPECT_EQ(evidence::of_batch_refusal(715, "UNEXPECTED_ERROR", "", 200, false).verdict,
            Verdict::unclear);
  evidence::Proof exists = evidence::of_batch_refusal(805, "EXIST", "", 200, false);
  EXPECT_EQ(exists.verdict, Verdict::unclear);
  EXPECT_TRUE(exists.id_exists);
}

TEST(EvidenceRecords, EveryShapeOfARecordUnderThePayoutsId) {
  auto without = [](auto erase) {
    TransferStatus s = record();
    erase(s);
    return s;
  };
  struct Row {
    const char* what;
    TransferStatus record;
    Verdict verdict;
  };
  const std::vector<Row> rows = {
      {"the payout's", record(), Verdict::transfer},
      {"only receiver_e164", without([](TransferStatus& s) { s.receiver.clear(); }),
       Verdict::transfer},
      {"only the international receiver", without([](TransferStatus& s) {
         s.receiver_e164.clear();
         s.receiver = "2250102030405";
       }),
       Verdict::transfer},
      {"without amount", without([](TransferStatus& s) { s.amount = 0; }), Verdict::unclear},
      {"without recipient", without([](TransferStatus& s) {
         s.receiver.clear();
         s.receiver_e164.clear();
       }),
       Verdict::unclear},
      {"only the local receiver", without([](TransferStatus& s) { s.receiver_e164.clear(); }),
       Verdict::unclear},
      {"another amount", without([](TransferStatus& s) { s.amount = 700; }), Verdict::refused},
      {"another phone", without([](TransferStatus& s) { s.receiver_e164 = "+2250102030499"; }),
       Verdict::refused},
      {"another prefix", without([](TransferStatus& s) { s.receiver_e164 = "+2210102030405"; }),
       Verdict::refused},
      {"another id", without([](TransferStatus& s) { s.client_transaction_id = "B"; }),
       Verdict::unclear},
  };
  for (const Row& row : rows) {
    evidence::Proof p = evidence::of_record(payout(), row.record);
    EXPECT_EQ(p.verdict, row.verdict) << row.what << ": " << p.why;
    if (p.verdict == Verdict::refused) {
      EXPECT_EQ(p.refusal->code, kCodeClientTransactionIdConflict) << row.what;
    }
  }
  // A payout known by its transfer: a record of another transfer under its id proves nothing.
  EXPECT_EQ(evidence::of_record(payout(), record(), "TX-A").verdict, Verdict::transfer);
  EXPECT_EQ(evidence::of_record(payout(), record(), "TX-OTHER").verdict, Verdict::unclear);
  EXPECT_EQ(evidence::of_notification(payout(), record(), "TX-OTHER").verdict, Verdict::unclear);
}

TEST(EvidenceRecords, OnlyRecordsOfTheQueriedKeyCountAndTheyMustAgree) {
  const auto by_id = TransferQuery::by_client_transaction_id("A");
  std::string why;
  auto one = evidence::the_record(by_id, {record("B", "VAL"), record("A", "REJ")}, why);
  ASSERT_TRUE(one.has_value()) << why;
  EXPECT_EQ(one->treatment_status.raw(), "REJ");

  EXPECT_FALSE(evidence::the_record(by_id, {record("B", "VAL")}, why).has_value());
  EXPECT_FALSE(evidence::the_record(by_id, {record("A", "VAL"), record("A", "REJ")}, why));
  EXPECT_FALSE(why.empty());
  TransferStatus twin = record("A", "VAL");
  twin.transaction_id = "TX-TWIN";
  EXPECT_FALSE(evidence::the_record(by_id, {record("A", "VAL"), twin}, why).has_value());
  EXPECT_TRUE(evidence::the_record(by_id, {record("A", "VAL"), record("A", "VAL")}, why));

  const auto by_transaction = TransferQuery::by_transaction_id("TX-A");
  EXPECT_TRUE(evidence::the_record(by_transaction, {record("B"), record("A")}, why));
  EXPECT_EQ(evidence::records_for(TransferQuery::by_lot("L"), {record("A"), record("B")}).size(),
            2U);
  TransferStatus elsewhere = record("C");
  elsewhere.lot = "M";
  EXPECT_EQ(evidence::records_for(TransferQuery::by_lot("L"), {record("A"), elsewhere}).size(), 1U);
  EXPECT_TRUE(
      evidence::records_for(TransferQuery::by_client_transaction_id(""), {record(""), record("A")})
          .empty())
      << "an empty key matches nothing";
}

TEST(EvidenceRecords, ALookupProvesAbsenceOnlyBy723) {
  EXPECT_EQ(evidence::of_lookup(payout(), std::nullopt, true, "").verdict, Verdict::absent);
  EXPECT_EQ(evidence::of_lookup(payout(), std::nullopt, false, "timeout").verdict,
            Verdict::unclear);
  EXPECT_EQ(evidence::of_lookup(payout(), record(), false, "").verdict, Verdict::transfer);
  EXPECT_TRUE(evidence::of_lookup(payout(), record(), false, "").listed);
  EXPECT_TRUE(evidence::of_lookup(payout(), std::nullopt, false, "contradict", true).listed);
  EXPECT_FALSE(evidence::of_lookup(payout(), std::nullopt, true, "").listed);
}

TEST(EvidenceReconciliation, EveryDecisionAfterALookup) {
  struct Row {
    Verdict lookup;
    bool grace_over;
    bool may_send_again;
    Next next;
  };
  const std::vector<Row> rows = {
      {Verdict::transfer, false, true, Next::settled},
      {Verdict::transfer, true, false, Next::settled},
      {Verdict::refused, false, false, Next::settled},
      {Verdict::refused, true, true, Next::settled},
      {Verdict::absent, false, true, Next::look_again},
      {Verdict::absent, false, false, Next::look_again},
      {Verdict::absent, true, true, Next::send_again},
      {Verdict::absent, true, false, Next::unknown},
      {Verdict::unclear, false, true, Next::look_again},
      {Verdict::unclear, true, true, Next::unknown},
      {Verdict::unclear, true, false, Next::unknown},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(evidence::after_lookup(row.lookup, row.grace_over, row.may_send_again), row.next)
        << static_cast<int>(row.lookup) << " " << row.grace_over << " " << row.may_send_again;
  }
}

TEST(EvidenceReconciliation, WhichResultsOfASendMadeAgainStand) {
  auto result = [](TransferOutcome outcome, std::optional<int> code) {
    TransferResult r;
    r.outcome = outcome;
    if (code) r.error = ApiErrorInfo{*code, "X", ""};
    return r;
  };
  EXPECT_TRUE(
      evidence::resend_result_stands(result(TransferOutcome::accepted, std::nullopt), false));
  EXPECT_TRUE(evidence::resend_result_stands(result(TransferOutcome::rejected, 724), false));
  EXPECT_TRUE(evidence::resend_result_stands(
      result(TransferOutcome::rejected, kCodeClientTransactionIdConflict), false));
  EXPECT_FALSE(evidence::resend_result_stands(result(TransferOutcome::rejected, 724), true))
      << "CinetPay had said it held the id";
  EXPECT_TRUE(
      evidence::resend_result_stands(result(TransferOutcome::accepted, std::nullopt), true));
  for (int code : kOfTheMoment) {
    EXPECT_FALSE(evidence::resend_result_stands(result(TransferOutcome::rejected, code), false))
        << code;
  }
  EXPECT_FALSE(
      evidence::resend_result_stands(result(TransferOutcome::not_sent, std::nullopt), false));
  EXPECT_FALSE(
      evidence::resend_result_stands(result(TransferOutcome::unknown, std::nullopt), false));
}

}  // namespace
}  // namespace cinetpay
