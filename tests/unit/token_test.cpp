#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <stdexcept>
#include <thread>

#include "bounded_wait.hpp"
#include "cinetpay/detail/token.hpp"
#include "cinetpay/testing/manual_clock.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using detail::Token;
using detail::TokenManager;
using mocks::eventually;
using mocks::ManualClock;

// A login that blocks until released, so that other threads pile up behind it. A test
// releases it on every path, so that its threads always end.
class GatedLogin {
 public:
  std::string operator()() {
    calls_++;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return open_; });
    if (fail_) {
      fail_ = false;  // only the first login fails: a thread that logs in again succeeds
      throw std::runtime_error("login refused");
    }
    return "token-" + std::to_string(calls_.load());
  }
  void release(bool fail = false) {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    fail_ = fail;
    cv_.notify_all();
  }
  int calls() const { return calls_; }

 private:
  std::atomic<int> calls_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  bool fail_ = false;
};

TEST(TokenManager, SixteenThreadsShareOneLogin) {
  ManualClock clock;
  GatedLogin login;
  TokenManager tokens([&] { return login(); }, clock.clock(), 300s, 60s);
  std::vector<std::string> seen(16);
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] { seen[i] = tokens.get().value; });
  }
  const bool piled_up = eventually([&] { return tokens.waiting() >= 15; });
  login.release();
  for (auto& t : threads) t.join();
  ASSERT_TRUE(piled_up) << "15 threads never waited behind the first login";
  EXPECT_EQ(login.calls(), 1);
  EXPECT_EQ(tokens.login_count(), 1u);
  for (const auto& v : seen) EXPECT_EQ(v, "token-1");
}

TEST(TokenManager, FailedLoginReachesEveryWaiter) {
  ManualClock clock;
  GatedLogin login;
  TokenManager tokens([&] { return login(); }, clock.clock(), 300s, 60s);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      try {
        (void)tokens.get();
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "login refused") failures++;
      }
    });
  }
  const bool piled_up = eventually([&] { return tokens.waiting() >= 7; });
  login.release(/*fail=*/true);
  for (auto& t : threads) t.join();
  ASSERT_TRUE(piled_up) << "7 threads never waited behind the first login";
  EXPECT_EQ(failures, 8);
  EXPECT_EQ(login.calls(), 1) << "a waiter started its own login instead of taking the failure";
}

TEST(TokenManager, ReusesTheTokenUntilTheMarginThenRefreshes) {
  ManualClock clock;
  int logins = 0;
  TokenManager tokens([&] { return "t" + std::to_string(++logins); }, clock.clock(), 300s, 60s);
  EXPECT_EQ(tokens.get().value, "t1");
  clock.advance(239s);
  EXPECT_EQ(tokens.get().value, "t1");
  clock.advance(999ms);
  EXPECT_EQ(tokens.get().value, "t1") << "refreshed before the margin";
  clock.advance(1ms);
  EXPECT_EQ(tokens.get().value, "t2") << "not refreshed at the margin";
  EXPECT_EQ(logins, 2);
}

TEST(TokenManager, LifetimeCountsFromWhenTheLoginWasSent) {
  ManualClock clock;
  int logins = 0;
  TokenManager tokens(
      [&] {
        clock.advance(20s);  // a slow login
        return "t" + std::to_string(++logins);
      },
      clock.clock(), 300s, 60s);
  (void)tokens.get();
  clock.advance(220s);  // 240 s after the login was sent
  EXPECT_EQ(tokens.get().value, "t2");
}

TEST(TokenManager, LateRefusalOfAnOldTokenKeepsTheNewOne) {
  ManualClock clock;
  int logins = 0;
  TokenManager tokens([&] { return "t" + std::to_string(++logins); }, clock.clock(), 300s, 60s);
  Token old_token = tokens.get();
  tokens.invalidate(old_token.generation);
  Token fresh = tokens.get();
  EXPECT_EQ(fresh.value, "t2");
  EXPECT_GT(fresh.generation, old_token.generation);
  tokens.invalidate(old_token.generation);  // a late 706 for t1
  EXPECT_EQ(tokens.get().value, "t2");
  EXPECT_EQ(logins, 2);
}

TEST(TokenManager, OldTokenServesWhileARefreshIsInFlight) {
  ManualClock clock;
  std::atomic<int> logins{0};
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;
  TokenManager tokens(
      [&] {
        int n = ++logins;
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return open; });
        return "t" + std::to_string(n);
      },
      clock.clock(), 300s, 60s);
  EXPECT_EQ(tokens.get().value, "t1");
  {
    std::lock_guard<std::mutex> lock(mu);
    open = false;
  }
  clock.advance(250s);  // past the margin, before expiry
  std::thread refresher([&] { EXPECT_EQ(tokens.get().value, "t2"); });
  const bool refreshing = eventually([&] { return logins >= 2; });
  if (refreshing) {
    EXPECT_EQ(tokens.get().value, "t1");
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
  }
  cv.notify_all();
  refresher.join();
  ASSERT_TRUE(refreshing) << "the refresh never started";
  EXPECT_EQ(tokens.get().value, "t2");
}

}  // namespace
}  // namespace cinetpay
