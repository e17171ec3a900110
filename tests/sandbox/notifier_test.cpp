// The notifier on its own: what it sends, and that a receiver that never answers cannot
// make its memory grow.
#include "notifier.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "bounded_wait.hpp"
#include "scripted_server.hpp"

namespace cinetpay::sandbox {
namespace {

using namespace std::chrono_literals;

TEST(Notifier, PastTheWaitingBoundNoticesAreLoggedAsDropped) {
  Notifier notifier(10, 2);  // not started: nothing is sent, everything waits
  Transfer t;
  t.notify_url = "http://127.0.0.1:9/n";
  for (int i = 0; i < 5; ++i) notifier.notify(t);
  auto log = notifier.log();
  ASSERT_EQ(log.size(), 3u) << "two wait, three are dropped";
  for (const auto& entry : log) EXPECT_EQ(entry.error.rfind("dropped", 0), 0u) << entry.error;
}

TEST(Notifier, APingThenTheStepsAsForms) {
  mocks::ScriptedServer receiver;
  receiver.answer("/n", 200, "OK", "text/plain");
  Notifier notifier(10, 10);
  notifier.start();
  Transfer t;
  t.notify_url = receiver.base_url() + "/n";
  t.transaction_id = "T-1";
  t.status = TreatmentStatus::REC;
  notifier.ping(t.notify_url);
  notifier.notify(t);
  EXPECT_TRUE(mocks::eventually([&] { return notifier.log().size() >= 2; }))
      << "the ping and the notification were not both logged within the bound";
  auto log = notifier.log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].method, "GET");
  EXPECT_EQ(log[1].method, "POST");
  EXPECT_EQ(log[1].http_status, 200);
  auto seen = receiver.requests("/n");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].params.at("treatment_status"), "REC");
  EXPECT_EQ(seen[1].params.at("transaction_id"), "T-1");
  EXPECT_EQ(seen[1].params.at("comment"), "En cours de traitement");
  notifier.stop();
}

}  // namespace
}  // namespace cinetpay::sandbox
