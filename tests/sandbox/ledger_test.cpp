// The sandbox's ledger on its own: the balance, contacts, the status machine and the rules
// of a send, with time passed in by hand.
#include "ledger.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace cinetpay::sandbox {
namespace {

using namespace std::chrono_literals;

const SteadyClock::time_point t0{};

PayoutOrder order(const std::string& phone, std::int64_t amount, const std::string& id) {
  return PayoutOrder{"225", phone, amount, "https://shop.example/notify", id, ""};
}

class LedgerTest : public ::testing::Test {
 protected:
  LedgerTest() : ledger(LedgerRules{1'000'000, 100ms, 0ms, false, 7}) {
    add({"0102030405", "0102030499", "0102030498"});
  }
  void add(const std::vector<std::string>& phones) {
    std::vector<Contact> contacts;
    for (const auto& p : phones) contacts.push_back({"225", p, "N", "S", "e@x.y"});
    ASSERT_TRUE(std::holds_alternative<ContactsAdded>(ledger.add_contacts(contacts)));
  }
  Sent sent(const std::vector<PayoutOrder>& orders, SteadyClock::time_point at = t0) {
    auto result = ledger.send(orders, at);
    if (auto* r = std::get_if<Refusal>(&result)) {
      ADD_FAILURE() << "refused with " << r->code();
      return {};
    }
    return std::get<Sent>(result);
  }
  Refusal refused(const std::vector<PayoutOrder>& orders) {
    auto result = ledger.send(orders, t0);
    EXPECT_TRUE(std::holds_alternative<Refusal>(result));
    return std::holds_alternative<Refusal>(result) ? std::get<Refusal>(result) : Refusal{};
  }
  TreatmentStatus status_of(const std::string& id) {
    return ledger.by_client_transaction_id(id)->status;
  }
  Ledger ledger;
};

TEST_F(LedgerTest, ASendReservesThenStepsNewRecVal) {
  Sent s = sent({order("0102030405", 500, "A")});
  ASSERT_EQ(s.transfers.size(), 1u);
  EXPECT_EQ(s.lot.size(), 22u);
  EXPECT_EQ(ledger.balance().available, 1'000'000 - 500);
  EXPECT_EQ(ledger.balance().in_using, 500);
  EXPECT_EQ(status_of("A"), TreatmentStatus::NEW);
  EXPECT_EQ(ledger.next_step(), t0 + 100ms);

  EXPECT_TRUE(ledger.advance(t0 + 99ms).empty());
  auto steps = ledger.advance(t0 + 250ms);
  ASSERT_EQ(steps.size(), 2u) << "two steps due: REC at 100 ms, VAL at 200 ms";
  EXPECT_EQ(steps[0].status, TreatmentStatus::REC);
  EXPECT_EQ(steps[1].status, TreatmentStatus::VAL);
  EXPECT_FALSE(steps[1].validated_at.empty());
  EXPECT_EQ(ledger.balance().in_using, 0);
  EXPECT_EQ(ledger.balance().available, 1'000'000 - 500);
  EXPECT_EQ(ledger.balance().amount(), 1'000'000 - 500);
  EXPECT_EQ(ledger.next_step(), SteadyClock::time_point::max());
}

TEST_F(LedgerTest, APhoneEndingIn99IsRejectedAndRefundedOneIn98StaysRec) {
  sent({order("0102030499", 700, "R"), order("0102030498", 300, "S")});
  ledger.advance(t0 + 10s);
  EXPECT_EQ(status_of("R"), TreatmentStatus::REJ);
  EXPECT_EQ(status_of("S"), TreatmentStatus::REC);
  EXPECT_EQ(ledger.balance().available, 1'000'000 - 300);
  EXPECT_EQ(ledger.balance().in_using, 300);
}

TEST_F(LedgerTest, AmountsWhoseSumOverflowsAreRefused602AndNothingIsCharged) {
  const std::int64_t huge = std::numeric_limits<std::int64_t>::max() - 2;
  ledger.set_available(std::numeric_limits<std::int64_t>::max());
  Refusal r = refused({order("0102030405", huge, "O-1"), order("0102030405", huge, "O-2")});
  EXPECT_EQ(r.code(), 602);
  EXPECT_FALSE(r.total.has_value()) << "the total is past 64 bits";
  EXPECT_EQ(ledger.balance().available, std::numeric_limits<std::int64_t>::max());
  EXPECT_TRUE(ledger.transfers().empty());
}

TEST_F(LedgerTest, AnAmountThatIsNotAWholeMultipleOf5Is801) {
  for (std::optional<std::int64_t> amount :
       {std::optional<std::int64_t>(502), std::optional<std::int64_t>(0),
        std::optional<std::int64_t>(-5), std::optional<std::int64_t>()}) {
    PayoutOrder o = order("0102030405", 5, "X");
    o.amount = amount;
    EXPECT_EQ(refused({o}).code(), 801);
  }
}

TEST_F(LedgerTest, OneFaultyItemRefusesTheWholeBatch) {
  Refusal r = refused({order("0102030405", 500, "B-1"), order("0555555555", 500, "B-2")});
  EXPECT_EQ(r.code(), 724);
  EXPECT_EQ(r.item, 1u);
  EXPECT_TRUE(ledger.transfers().empty());
  EXPECT_EQ(ledger.balance().available, 1'000'000);

  PayoutOrder plus = order("0102030405", 500, "B-3");
  plus.prefix = "+225";
  EXPECT_EQ(refused({plus}).code(), -1);
  PayoutOrder no_url = order("0102030405", 500, "B-4");
  no_url.notify_url = "ftp://x";
  EXPECT_EQ(refused({no_url}).code(), 725);
  EXPECT_EQ(refused({order("01x", 500, "B-5")}).code(), 802);
}

TEST_F(LedgerTest, AnIdIsUsedOnceInABatchAndAcrossBatches) {
  Refusal twice = refused({order("0102030405", 500, "D"), order("0102030405", 500, "D")});
  EXPECT_EQ(twice.code(), 805);
  EXPECT_EQ(twice.value, "D");
  sent({order("0102030405", 500, "D")});
  EXPECT_EQ(refused({order("0102030405", 500, "D")}).code(), 805);
  EXPECT_EQ(ledger.transfers().size(), 1u);
}

TEST_F(LedgerTest, InsufficientBalanceNamesAvailableAndTotal) {
  ledger.set_available(1000);
  Refusal r = refused({order("0102030405", 600, "I-1"), order("0102030405", 600, "I-2")});
  EXPECT_EQ(r.code(), 602);
  EXPECT_EQ(r.available, 1000);
  EXPECT_EQ(r.total, 1200);
  EXPECT_THROW(ledger.set_available(-1), std::invalid_argument);
}

TEST_F(LedgerTest, ATransferIsNotFoundBeforeItIsVisible) {
  Ledger slow(LedgerRules{1'000'000, 100ms, 50ms, false, 7});
  ASSERT_TRUE(std::holds_alternative<ContactsAdded>(
      slow.add_contacts({{"225", "0102030405", "", "", ""}})));
  auto result = slow.send({order("0102030405", 500, "V")}, t0);
  ASSERT_TRUE(std::holds_alternative<Sent>(result));
  EXPECT_TRUE(slow.find(LookupKey::client_transaction_id, "V", t0 + 49ms).empty());
  auto found = slow.find(LookupKey::client_transaction_id, "V", t0 + 50ms);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(slow.find(LookupKey::lot, found[0].lot, t0 + 50ms).size(), 1u);
  EXPECT_EQ(slow.find(LookupKey::transaction_id, found[0].transaction_id, t0 + 50ms).size(), 1u);
}

TEST(LedgerConfirmation, NosUntilConfirmedOrRejected) {
  Ledger ledger(LedgerRules{1'000'000, 100ms, 0ms, true, 7});
  ASSERT_TRUE(std::holds_alternative<ContactsAdded>(
      ledger.add_contacts({{"225", "0102030405", "", "", ""}})));
  auto result = ledger.send({order("0102030405", 500, "C-1"), order("0102030405", 400, "C-2")}, t0);
  const Sent& s = std::get<Sent>(result);
  EXPECT_EQ(s.transfers[0].sending_status, "PENDING");
  ledger.advance(t0 + 10s);
  EXPECT_EQ(ledger.by_client_transaction_id("C-1")->status, TreatmentStatus::NOS);

  Transfer confirmed = ledger.confirm(s.transfers[0].transaction_id, t0 + 10s);
  EXPECT_EQ(confirmed.sending_status, "CONFIRM");
  ledger.advance(t0 + 20s);
  EXPECT_EQ(ledger.by_client_transaction_id("C-1")->status, TreatmentStatus::VAL);

  Transfer rejected = ledger.reject(s.transfers[1].transaction_id);
  EXPECT_EQ(rejected.status, TreatmentStatus::REJ);
  EXPECT_EQ(ledger.balance().available, 1'000'000 - 500);
  EXPECT_EQ(ledger.balance().in_using, 0);

  EXPECT_THROW(ledger.confirm("NOPE", t0), std::out_of_range);
  EXPECT_THROW(ledger.reject(s.transfers[0].transaction_id), std::logic_error);
}

TEST(LedgerContacts, AKnownContactIsReportedNotAddedTwice) {
  Ledger ledger(LedgerRules{});
  auto first = ledger.add_contacts({{"225", "0102030405", "A", "B", "c@d.e"}});
  auto again = ledger.add_contacts(
      {{"225", "0102030405", "A", "B", "c@d.e"}, {"225", "0708091011", "F", "G", "h@i.j"}});
  EXPECT_EQ(std::get<ContactsAdded>(first).codes, std::vector<int>{0});
  EXPECT_EQ(std::get<ContactsAdded>(again).codes, (std::vector<int>{726, 0}));
  EXPECT_EQ(ledger.contacts().size(), 2u);
  // The magic number ending in 97 is refused alone (802), the rest of its batch registered.
  auto magic = ledger.add_contacts(
      {{"225", "0102030497", "A", "B", "c@d.e"}, {"225", "0504030201", "F", "G", "h@i.j"}});
  EXPECT_EQ(std::get<ContactsAdded>(magic).codes, (std::vector<int>{802, 0}));
  EXPECT_EQ(ledger.contacts().size(), 3u);
  auto bad = ledger.add_contacts({{"+225", "0102030405", "", "", ""}});
  EXPECT_EQ(std::get<Refusal>(bad).code(), -1);
  ledger.reset();
  EXPECT_TRUE(ledger.contacts().empty());
}

}  // namespace
}  // namespace cinetpay::sandbox
