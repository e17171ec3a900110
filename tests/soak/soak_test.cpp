// The promise under load: 1,000 payouts in batches from 4 threads sharing one client, with
// more than 20% of send requests faulted across every fault kind of the sandbox, then the
// reconciliation of every unknown. No payout may be paid twice or lost.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "sandbox_fixture.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using mocks::SandboxFixture;
using nlohmann::json;

constexpr int kPayouts = 1000;
constexpr int kThreads = 4;
constexpr int kBatch = 10;
constexpr int kPhones = 20;
const char* kSendPath = "/v1/transfer/money/send/contact";

std::string phone_of(int i) {
  return "07000000" + std::string(i % kPhones < 10 ? "0" : "") + std::to_string(i % kPhones);
}

TEST(Soak, NoDuplicateNoLoss) {
  auto sandbox_options = mocks::fast_sandbox();
  sandbox_options.balance = 1'000'000'000;
  sandbox_options.settle = 20ms;
  SandboxFixture sb(sandbox_options);
  std::vector<Contact> contacts;
  for (int p = 0; p < kPhones; ++p)
    contacts.push_back({"225", phone_of(p), "Soak", "Test", "soak@example.com"});
  (void)sb.client().add_contacts(contacts);

  ClientOptions o = sb.options();
  o.request_timeout = 400ms;
  o.reconcile_grace = 800ms;
  o.reconcile_interval = 50ms;
  TransferClient client = sb.client(o);

  // Every payout is unique by (phone, amount); half carry the caller's id, half get one made.
  std::vector<TransferRequest> payouts;
  for (int i = 0; i < kPayouts; ++i) {
    payouts.push_back(
        mocks::payout_to(phone_of(i), 1000 + 5 * i, i % 2 == 0 ? "SOAK-" + std::to_string(i) : ""));
  }

  const std::vector<json> faults = {
      {{"kind", "drop_before"}},
      {{"kind", "process_then_drop"}},
      {{"kind", "delay_ms"}, {"delay_ms", 600}},
      {{"kind", "http_status"}, {"status", 503}},
      {{"kind", "http_status"}, {"status", 502}},
      {{"kind", "invalid_token"}},
  };
  std::vector<TransferResult> results(kPayouts);
  std::atomic<int> next_batch{0};
  std::atomic<int> repeats{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      for (int b = next_batch++; b * kBatch < kPayouts; b = next_batch++) {
        if (rng() % 100 < 35) {
          json f = faults[rng() % faults.size()];
          f["path"] = kSendPath;
          f["count"] = 1;
          sb.post("/_sandbox/faults", f);
        } else if (rng() % 100 < 4) {
          // A blackout: the answer of a processed send is lost and check/money fails for a
          // while, so that some payouts end unknown and are settled after the storm.
          sb.fault("process_then_drop", kSendPath, 1);
          sb.fault("http_status", "/v1/transfer/check/money", 500, {{"status", 502}});
        }
        std::vector<TransferRequest> batch(payouts.begin() + b * kBatch,
                                           payouts.begin() + (b + 1) * kBatch);
        auto out = client.send_money(batch);
        for (int k = 0; k < kBatch; ++k) results[b * kBatch + k] = out[k];
        // Now and then the caller repeats a batch it already sent, with the same ids: 805.
        if (rng() % 100 < 5) {
          for (int k = 0; k < kBatch; ++k)
            batch[k].client_transaction_id = out[k].client_transaction_id;
          auto again = client.send_money(batch);
          ++repeats;
          for (int k = 0; k < kBatch; ++k) {
            EXPECT_EQ(
                again[k].transaction_id.empty() ? out[k].transaction_id : again[k].transaction_id,
                out[k].transaction_id.empty() ? again[k].transaction_id : out[k].transaction_id);
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();

  // Settle every unknown after the storm, as a merchant would.
  sb.post("/_sandbox/faults/clear");
  int unknown = 0;
  int resolved = 0;
  std::map<std::string, bool> paid_by_reconcile;
  for (const auto& r : results) {
    if (r.outcome != TransferOutcome::unknown) continue;
    ++unknown;
    auto settled = client.reconcile(r.client_transaction_id);
    if (settled.state != ReconcileResult::State::unknown) {
      ++resolved;
      paid_by_reconcile[r.client_transaction_id] = settled.state == ReconcileResult::State::found;
    }
  }

  json ledger = sb.ledger();
  json requests = sb.get("/_sandbox/requests");
  std::map<std::string, int> by_id;
  std::map<std::string, int> by_content;
  for (const auto& t : ledger["transfers"]) {
    by_id[t["client_transaction_id"].get<std::string>()]++;
    by_content[t["receiver"].get<std::string>() + "/" +
               std::to_string(t["amount"].get<long long>())]++;
  }
  int duplicates = 0;
  for (const auto& [key, n] : by_content) duplicates += n - 1;
  for (const auto& [id, n] : by_id) EXPECT_EQ(n, 1) << id;

  int lost = 0;
  for (int i = 0; i < kPayouts; ++i) {
    const TransferResult& r = results[i];
    bool in_ledger = by_id.count(r.client_transaction_id) != 0;
    bool accounted = false;
    if (r.outcome == TransferOutcome::accepted) {
      accounted = in_ledger;
    } else if (r.outcome == TransferOutcome::rejected) {
      accounted = !in_ledger;
    } else if (paid_by_reconcile.count(r.client_transaction_id) != 0) {
      accounted = paid_by_reconcile[r.client_transaction_id] == in_ledger;
    }
    if (!accounted) {
      ++lost;
      ADD_FAILURE() << "payout " << i << " (" << r.client_transaction_id
                    << ") not accounted for: " << to_string(r.outcome)
                    << ", in ledger: " << in_ledger << ", " << r.detail;
    }
  }

  int sends = 0;
  int faulted = 0;
  std::map<std::string, int> kinds;
  for (const auto& q : requests) {
    if (q["path"] != kSendPath) continue;
    ++sends;
    if (!q["fault"].get<std::string>().empty()) {
      ++faulted;
      kinds[q["fault"].get<std::string>()]++;
    }
  }
  std::cout << "soak: " << kPayouts << " payouts, " << duplicates << " duplicates, " << lost
            << " lost, " << unknown << " unknown (" << resolved << " resolved later)" << std::endl;
  std::cout << "soak: " << sends << " send requests, " << faulted << " faulted ("
            << (100 * faulted / std::max(sends, 1)) << "%), " << repeats << " batches repeated;";
  for (const auto& [kind, n] : kinds) std::cout << " " << kind << "=" << n;
  std::cout << std::endl;

  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(resolved, unknown);
  EXPECT_GE(faulted * 5, sends) << "fewer than 20% of the send requests were faulted";
  EXPECT_EQ(kinds.size(), 5u) << "every fault kind must be exercised";
}

}  // namespace
}  // namespace cinetpay
