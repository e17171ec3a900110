// Opening a ledger: what a URL may name, what an open may create or write, and that no
// message ever shows a password of the URL, whatever libpq says about it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cinetpay/ledger.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "ledger/pq.hpp"
#include "sandbox_fixture.hpp"
#include "stores.hpp"

namespace cinetpay::mocks {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

LedgerOptions with_access(LedgerAccess access) {
  LedgerOptions options;
  options.access = access;
  return options;
}

bool is_sqlite(const std::string& url) { return url.rfind("sqlite:", 0) == 0; }

// Whether the store at `url` holds any of the ledger's tables.
bool holds_a_ledger(const std::string& url) {
  if (is_sqlite(url)) return std::filesystem::exists(url.substr(std::string("sqlite:").size()));
  return !detail::pq::Connection::open(url)
              .exec("SELECT to_regclass('schema_version') IS NULL")
              .boolean(0, 0);
}

class LedgerOpenTest : public LedgerOnStore {};

TEST_P(LedgerOpenTest, AnOpenThatMayNotCreateFindsNoLedgerAndCreatesNone) {
  for (LedgerAccess access : {LedgerAccess::existing, LedgerAccess::read_only}) {
    try {
      PayoutLedger::open(url(), with_access(access));
      ADD_FAILURE() << "opened a ledger that does not exist";
    } catch (const LedgerError& e) {
      EXPECT_THAT(e.what(), HasSubstr("no ledger"));
    }
  }
  EXPECT_FALSE(holds_a_ledger(url()));

  PayoutLedger::open(url()).submit({payout_to("0102030405", 500, "O-1")});
  EXPECT_EQ(PayoutLedger::open(url(), with_access(LedgerAccess::existing)).list().size(), 1U);
  EXPECT_EQ(PayoutLedger::open(url(), with_access(LedgerAccess::read_only)).list().size(), 1U);
}

TEST_P(LedgerOpenTest, AReadOnlyOpenReadsEverythingAndWritesNothing) {
  PayoutLedger::open(url()).submit({payout_to("0102030405", 500, "RO-1")});
  PayoutLedger reader = PayoutLedger::open(url(), with_access(LedgerAccess::read_only));
  EXPECT_EQ(reader.list().size(), 1U);
  ASSERT_TRUE(reader.get("RO-1"));
  EXPECT_EQ(reader.get("RO-1")->history.size(), 1U);
  EXPECT_EQ(reader.summary().by_state.at(PayoutState::pending).count, 1U);
  EXPECT_TRUE(reader.changes_since(0).empty());
  EXPECT_THROW(reader.submit({payout_to("0102030405", 500, "RO-2")}), LedgerError);
  EXPECT_EQ(open().list().size(), 1U);
}

INSTANTIATE_TEST_SUITE_P(Stores, LedgerOpenTest, ::testing::ValuesIn(ledger_stores()), store_name);

// A scratch directory of the test's own, removed at the end.
class ScratchDir {
 public:
  ScratchDir() : path_(temp_sqlite_path() + ".d") { std::filesystem::create_directory(path_); }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// SQLite honours URI filenames (its Debian build turns them on for every open), and keeps
// an in-memory database for ":memory:": a ledger that reports payouts recorded and keeps
// nothing, or a file opened without its locks.
TEST(LedgerOpen, InMemoryAndUriFormsOfSqliteAreRefused) {
  ScratchDir dir;
  const std::string& d = dir.path();
  for (const std::string& url : std::vector<std::string>{
           "sqlite::memory:", "sqlite:file:" + d + "/m.db?mode=memory",
           "sqlite:file:" + d + "/f.db", "sqlite:FILE:" + d + "/F.db",
           "sqlite:" + d + "/i.db?immutable=1", "sqlite:" + d + "/n.db?nolock=1"}) {
    try {
      PayoutLedger::open(url).submit({payout_to("0102030405", 500, "M-1")});
      ADD_FAILURE() << url << ": accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr("sqlite:PATH")) << url;
    }
  }
  EXPECT_TRUE(std::filesystem::is_empty(d)) << "nothing was created";
}

TEST(LedgerOpen, AFileThatHoldsNoLedgerIsNoLedger) {
  const std::string path = temp_sqlite_path();
  std::ofstream(path).close();
  EXPECT_THROW(PayoutLedger::open("sqlite:" + path, with_access(LedgerAccess::existing)),
               LedgerError);
  EXPECT_EQ(std::filesystem::file_size(path), 0U) << "nothing was written";
  std::filesystem::remove(path);
}

// A report while another process writes (a big submit holding the write lock): opening a
// ledger that is up to date takes no lock, and reading waits for nobody.
TEST(SqliteStore, OpeningAnUpToDateLedgerTakesNoWriteLock) {
  const std::string path = temp_sqlite_path();
  PayoutLedger::open("sqlite:" + path).submit({payout_to("0102030405", 500, "L-1")});
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  for (LedgerAccess access : {LedgerAccess::create, LedgerAccess::read_only}) {
    try {
      EXPECT_EQ(PayoutLedger::open("sqlite:" + path, with_access(access)).list().size(), 1U);
    } catch (const LedgerError& e) {
      ADD_FAILURE() << e.what();
    }
  }
  sqlite3_exec(writer, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// Runs `read` in a child process that may not write `dir` or what it holds: under root,
// whom file modes do not stop, as `nobody`. Returns its exit status.
int as_reader(const std::function<int()>& read) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(10);
    ::_exit(read());
  }
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// A ledger file the process may not write (a copy for the accountant, a backup): read-only
// opens read it, where SQLite may create the -shm file of a WAL ledger beside it; elsewhere
// the error says why.
TEST(SqliteStore, AFileTheProcessMayNotWriteIsReadOpenedReadOnly) {
  ScratchDir dir;
  const std::string path = dir.path() + "/ledger.db";
  PayoutLedger::open("sqlite:" + path).submit({payout_to("0102030405", 500, "F-1")});
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  const auto read = [&] {
    try {
      const auto ledger =
          PayoutLedger::open("sqlite:" + path, with_access(LedgerAccess::read_only));
      return ledger.list().size() == 1 && ledger.get("F-1") ? 0 : 11;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "read-only open: %s\n", e.what());
      return std::string(e.what()).find("-shm file") != std::string::npos ? 13 : 12;
    }
  };
  ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);
  EXPECT_EQ(as_reader(read), 0) << "10: no nobody; 11: wrong rows; 12: the open failed";
  for (const char* suffix : {"-wal", "-shm"}) std::remove((path + suffix).c_str());
  ASSERT_EQ(::chmod(dir.path().c_str(), 0555), 0);
  EXPECT_EQ(as_reader(read), 13) << "12: an error that does not say why";
  ::chmod(dir.path().c_str(), 0755);
}

// The pieces of each password below: none may appear anywhere in a message.
constexpr const char* kPasswordPieces[] = {"S3cr", "%t!pw", "SECRETPART", "PARTTWO"};

void expect_no_password(const std::string& message, const std::string& url) {
  for (const char* piece : kPasswordPieces) {
    EXPECT_THAT(message, Not(HasSubstr(piece))) << url;
  }
}

// libpq's own messages quote what it could not parse: the password, or the whole URL.
TEST(PostgresLedgerOpen, AUrlLibpqCannotParseNeverShowsItsPassword) {
  for (const char* url : {
           "postgresql://payouts:S3cr%t!pw@127.0.0.1:1/payouts",
           "postgresql://payouts:S3cr3t@[127.0.0.1:1/payouts",
           "postgresql://payouts@127.0.0.1:1/payouts?password=S3cr%t!pw",
           "postgresql://payouts:S3cr3t@127.0.0.1:1/payouts?sslmode",
           // A '/' libpq reads as the end of the host: the password's head becomes a port.
           "postgresql://payouts:Pw9/SECRETPART@127.0.0.1:1/payouts",
       }) {
    try {
      PayoutLedger::open(url);
      ADD_FAILURE() << url << ": opened";
    } catch (const LedgerError& e) {
      expect_no_password(e.what(), url);
      EXPECT_THAT(e.what(), Not(HasSubstr("Pw9"))) << url;
      EXPECT_THAT(e.what(), HasSubstr("PostgreSQL")) << url;
    }
  }
}

// Keyword/value connection strings: what libpq quotes of them may be the password.
TEST(PostgresLedgerOpen, AKeywordValueStringNeverShowsItsPassword) {
  for (const char* conninfo : {
           "host=127.0.0.1 port=1 password='S3cr3t unclosed",
           "host=127.0.0.1 port=1 password=S3cr3t PARTTWO",
           "host=127.0.0.1 port=1 password=S3cr3tKV",
       }) {
    try {
      detail::pq::Connection::open(conninfo);
      ADD_FAILURE() << conninfo << ": connected";
    } catch (const detail::pq::Error& e) {
      expect_no_password(e.what(), conninfo);
    }
  }
  // The ledger takes URLs only; a keyword/value string is an unknown scheme, named only
  // when it looks like one.
  try {
    PayoutLedger::open("password=S3cr:et host=127.0.0.1");
    ADD_FAILURE() << "opened a keyword/value string";
  } catch (const std::invalid_argument& e) {
    expect_no_password(e.what(), "password=S3cr:et");
  }
}

}  // namespace
}  // namespace cinetpay::mocks
