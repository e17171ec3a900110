// The libpq wrapper and the private PostgreSQL server the ledger's tests run against.
#include "ledger/pq.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "postgres_server.hpp"

namespace cinetpay::detail::pq {
namespace {

using mocks::PostgresServer;
using ::testing::HasSubstr;
using ::testing::Not;

class PqTest : public ::testing::Test {
 protected:
  Connection db = Connection::open(mocks::test_database());
};

TEST_F(PqTest, ParametersTravelApartFromTheStatement) {
  Result r = db.exec_with("SELECT $1::text AS name, $2::bigint, $3::text IS NULL, $4::bool",
                          "O'Brien'); DROP TABLE x; --", std::int64_t{9'007'199'254'740'993},
                          std::nullopt, true);
  ASSERT_EQ(r.rows(), 1);
  EXPECT_EQ(r.text(0, r.column("name")), "O'Brien'); DROP TABLE x; --");
  EXPECT_EQ(r.integer(0, 1), 9'007'199'254'740'993);
  EXPECT_TRUE(r.boolean(0, 2));
  EXPECT_TRUE(r.boolean(0, 3));
}

TEST_F(PqTest, OptionalValuesBecomeNullAndBack) {
  std::optional<std::string> none;
  std::optional<std::int64_t> seven = 7;
  Result r = db.exec_with("SELECT $1::text, $2::bigint", none, seven);
  EXPECT_TRUE(r.is_null(0, 0));
  EXPECT_EQ(r.optional_text(0, 0), std::nullopt);
  EXPECT_EQ(r.optional_integer(0, 1), 7);
  EXPECT_THROW(r.integer(0, 0), Error);
  EXPECT_THROW(r.column("missing"), Error);
}

TEST_F(PqTest, AStatementsErrorCarriesItsSqlstate) {
  db.exec("CREATE TABLE payouts (id text PRIMARY KEY)");
  EXPECT_EQ(db.exec_with("INSERT INTO payouts VALUES ($1)", "a").affected(), 1);
  try {
    db.exec_with("INSERT INTO payouts VALUES ($1)", "a");
    FAIL() << "a duplicate key was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_FALSE(e.connection_lost());
    EXPECT_FALSE(e.retryable());
    EXPECT_THAT(e.what(), HasSubstr("payouts_pkey"));
  }
  EXPECT_THROW(db.exec("SELECT * FROM nowhere"), Error);
  EXPECT_TRUE(db.ok());
}

TEST_F(PqTest, ATransactionRollsBackUnlessCommitted) {
  db.exec("CREATE TABLE payouts (id text PRIMARY KEY)");
  {
    Transaction tx(db);
    db.exec_with("INSERT INTO payouts VALUES ($1)", "dropped");
  }
  {
    Transaction tx(db);
    db.exec_with("INSERT INTO payouts VALUES ($1)", "kept");
    tx.commit();
  }
  Result r = db.exec("SELECT id FROM payouts");
  ASSERT_EQ(r.rows(), 1);
  EXPECT_EQ(r.text(0, 0), "kept");
}

TEST_F(PqTest, CommittingAFailedTransactionThrows) {
  db.exec("CREATE TABLE payouts (id text PRIMARY KEY)");
  Transaction tx(db);
  db.exec_with("INSERT INTO payouts VALUES ($1)", "a");
  EXPECT_THROW(db.exec("SELECT * FROM nowhere"), Error);
  try {
    tx.commit();
    FAIL() << "the commit of a failed transaction passed";
  } catch (const Error& e) {
    EXPECT_EQ(e.sqlstate(), "25P02");
  }
  EXPECT_EQ(db.exec("SELECT count(*) FROM payouts").integer(0, 0), 0);
}

TEST_F(PqTest, ABrokenConnectionIsReportedAsLost) {
  Connection other = Connection::open(mocks::test_server_url());
  std::int64_t pid = db.exec("SELECT pg_backend_pid()").integer(0, 0);
  other.exec_with("SELECT pg_terminate_backend($1)", pid);
  try {
    db.exec("SELECT 1");
    FAIL() << "a terminated connection still answered";
  } catch (const Error& e) {
    EXPECT_TRUE(e.connection_lost());
  }
  EXPECT_FALSE(db.ok());
}

TEST(PqConnect, ErrorsNameTheServerButNeverThePassword) {
  std::string url = mocks::test_server_url("no_such_db");
  url.replace(url.find(":///"), 4, "://postgres:sekret-pw@/");
  try {
    Connection::open(url);
    FAIL() << "connected to a database that does not exist";
  } catch (const Error& e) {
    EXPECT_TRUE(e.connection_lost());
    EXPECT_THAT(e.what(), HasSubstr("no_such_db"));
    EXPECT_THAT(e.what(), Not(HasSubstr("sekret-pw")));
  }
}

TEST(PostgresServer, RestartsOnItsDataAndRemovesItAtTheEnd) {
  std::string dir;
  {
    PostgresServer server;
    dir = server.dir();
    std::string url = server.create_database();
    Connection::open(url).exec("CREATE TABLE kept (id int)");
    server.stop();
    EXPECT_THROW(Connection::open(url), Error);
    server.start();
    EXPECT_EQ(Connection::open(url).exec("SELECT count(*) FROM kept").integer(0, 0), 0);
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(PostgresServer, AServerThatCannotStartSaysWhy) {
  mocks::PostgresOptions options;
  options.bin_dir = "/nonexistent/bin";
  try {
    PostgresServer server(options);
    FAIL() << "a server without binaries started";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/bin/initdb"));
  }
}

}  // namespace
}  // namespace cinetpay::detail::pq
