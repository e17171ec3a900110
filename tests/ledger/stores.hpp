// The stores every ledger test runs on. A new store adds one entry to ledger_stores():
// a name and a function that makes a fresh, empty ledger URL for one test.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cinetpay/ledger.hpp"
#include "ledger/store.hpp"
#include "postgres_server.hpp"

namespace cinetpay::mocks {

struct StoreCase {
  std::string name;
  /// A URL of an empty ledger of its own; `cleanup` undoes what it made.
  std::function<std::string()> fresh_url;
  std::function<void(const std::string& url)> cleanup;
};

/// Names the store in test output.
inline void PrintTo(const StoreCase& store, std::ostream* os) { *os << store.name; }

/// A path no ledger is at: a file a killed test left under the same process id (the
/// directory is shared with other runs) is removed first, or the test would find its payouts.
inline std::string temp_sqlite_path() {
  static std::atomic<int> counter{0};
  const std::string path = ::testing::TempDir() + "cinetpay-ledger-" + std::to_string(getpid()) +
                           "-" + std::to_string(counter++) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

/// A worker's options scaled for tests against the in-process sandbox: short leases, grace
/// and pauses, so that a ledger test finishes in a fraction of a second.
inline WorkerOptions fast_worker(const std::string& id) {
  using namespace std::chrono_literals;
  WorkerOptions o;
  o.worker_id = id;
  o.lease = 2s;
  o.resend_grace = 300ms;
  o.settle_interval = 20ms;
  o.follow_initial = 20ms;
  o.follow_max = 200ms;
  o.idle_pause = 10ms;
  return o;
}

/// The store behind a ledger URL of ledger_stores(), for tests of the store seam itself.
inline std::unique_ptr<detail::LedgerStore> store_at(const std::string& url) {
  const std::string sqlite = "sqlite:";
  if (url.rfind(sqlite, 0) == 0) return detail::open_sqlite_store(url.substr(sqlite.size()));
  return detail::open_postgres_store(url);
}

inline std::vector<StoreCase> ledger_stores() {
  return {
      {"sqlite", [] { return "sqlite:" + temp_sqlite_path(); },
       [](const std::string& url) {
         std::string path = url.substr(std::string("sqlite:").size());
         for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
       }},
      // A database of its own on the shared test server, removed with the server.
      {"postgresql", [] { return test_database(); }, [](const std::string&) {}},
  };
}

inline std::string store_name(const ::testing::TestParamInfo<StoreCase>& info) {
  return info.param.name;
}

/// A fresh ledger on the store under test, removed at the end.
class LedgerOnStore : public ::testing::TestWithParam<StoreCase> {
 protected:
  void SetUp() override { url_ = GetParam().fresh_url(); }
  void TearDown() override { GetParam().cleanup(url_); }
  /// Another handle on the same ledger, as another process would open it.
  PayoutLedger open() const { return PayoutLedger::open(url_); }
  const std::string& url() const { return url_; }

 private:
  std::string url_;
};

}  // namespace cinetpay::mocks
