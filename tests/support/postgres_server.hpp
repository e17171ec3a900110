// A private PostgreSQL 15 for tests and benchmarks: initdb into a temporary directory, the
// server on its own port with its socket in that directory (no TCP), stopped and removed
// at the end. PostgreSQL refuses to run as root, so under root (CI) the server runs as the
// `postgres` system user that Debian's postgresql-15 package creates; otherwise as the
// current user. A server that cannot start throws with the reason: a test that needs it
// fails, it is never skipped.
//
// Under ctest, one server serves the whole run: a CTest fixture (postgres_fixture.cpp)
// starts it and stops it, and the tests find it through $CINETPAY_TEST_POSTGRES. A test
// program run by hand starts a private one instead.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bounded_wait.hpp"

namespace cinetpay::mocks {

struct PostgresOptions {
  std::string bin_dir = "/usr/lib/postgresql/15/bin";
  /// fsync and synchronous commits on, as in production: for benchmarks that measure the
  /// database's cost. Tests run without them (nothing here survives a power cut anyway).
  bool durable = false;
  /// The bound on initdb, on the server's start and on its stop.
  std::chrono::seconds timeout{60};
  /// Keep the server when the starting thread ends (a CTest fixture, see release()).
  bool outlive_parent = false;
};

/// `server_url` (any URL of this file's form) with its database replaced by `database`.
inline std::string database_url(const std::string& server_url, const std::string& database) {
  std::size_t start = server_url.find(":///") + 4;
  return server_url.substr(0, start) + database + server_url.substr(server_url.find('?'));
}

/// Creates an empty database of its own on the server at `server_url`; returns its URL.
inline std::string create_database(const std::string& server_url) {
  static std::atomic<int> counter{0};
  std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  PGconn* conn = PQconnectdb(server_url.c_str());
  PGresult* result = PQexec(conn, ("CREATE DATABASE " + name + " STRATEGY FILE_COPY").c_str());
  bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string error = PQerrorMessage(conn);
  PQclear(result);
  PQfinish(conn);
  if (!ok) throw std::runtime_error("PostgreSQL: CREATE DATABASE failed: " + error);
  return database_url(server_url, name);
}

/// One running server. Not thread-safe: start, stop and destroy it from one thread (the
/// server is told to quit when the thread that started it ends, so that a test killed on
/// a timeout leaves no server behind). url() and create_database() are safe from any thread.
class PostgresServer {
 public:
  explicit PostgresServer(PostgresOptions options = {}) : options_(std::move(options)) {
    remove_abandoned();
    char tmpl[] = "/tmp/cinetpay-pg-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("PostgreSQL: cannot create a temporary dir");
    dir_ = tmpl;
    write_owner(::getpid());
    try {
      become_owner();
      initdb();
      port_ = free_port();
      start();
    } catch (...) {
      stop();
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      throw;
    }
  }
  ~PostgresServer() {
    if (dir_.empty()) return;  // released
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  /// A libpq connection URI for `database` as the superuser `postgres`.
  std::string url(const std::string& database = "postgres") const {
    return "postgresql:///" + database + "?host=" + dir_ + "&port=" + std::to_string(port_) +
           "&user=postgres";
  }

  /// Creates an empty database of its own and returns its URI.
  std::string create_database() { return mocks::create_database(url()); }

  /// Starts the server again after stop(), on the same port and data.
  void start() {
    std::vector<std::string> args = {options_.bin_dir + "/postgres",
                                     "-D",
                                     dir_ + "/data",
                                     "-p",
                                     std::to_string(port_),
                                     "-k",
                                     dir_,
                                     "-c",
                                     "listen_addresses=",
                                     "-c",
                                     "max_connections=200"};
    if (!options_.durable) {
      for (const char* setting : {"fsync=off", "synchronous_commit=off", "full_page_writes=off"}) {
        args.insert(args.end(), {"-c", setting});
      }
    }
    pid_ = spawn(args, dir_ + "/server.log", !options_.outlive_parent);
    auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    while (PQping(url().c_str()) != PQPING_OK) {
      if (auto status = wait_for_exit(pid_, std::chrono::milliseconds(20))) {
        pid_ = 0;
        throw std::runtime_error("PostgreSQL did not start (" + describe(*status) +
                                 "): " + log_tail("server.log"));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("PostgreSQL did not answer within the bound: " +
                                 log_tail("server.log"));
      }
    }
  }

  /// A crash: an immediate shutdown (no checkpoint, clients cut off mid-statement), then a
  /// start on the same data, which recovers from the write-ahead log.
  void crash_and_restart() {
    stop(SIGQUIT);
    start();
  }

  /// A fast shutdown (SIGINT; SIGQUIT for an immediate one): clients are disconnected,
  /// the data stays.
  void stop(int signal = SIGINT) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    if (!wait_for_exit(pid_, options_.timeout)) end_child(pid_);
    pid_ = 0;
  }

  const std::string& dir() const { return dir_; }
  pid_t pid() const { return pid_; }

  /// Leaves the server running (started with outlive_parent) after this object; stop it
  /// later with stop_released(pid(), dir()).
  void release() {
    write_owner(pid_);
    pid_ = 0;
    dir_.clear();
  }

  /// Stops a released server (fast shutdown, then SIGKILL past `bound`) and removes its
  /// directory.
  static void stop_released(pid_t pid, const std::string& dir, std::chrono::seconds bound) {
    ::kill(pid, SIGINT);
    if (!gone_within(pid, bound)) ::kill(pid, SIGKILL);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

 private:
  // The process that owns the directory: a test process, or a released server itself.
  void write_owner(pid_t owner) const { std::ofstream(dir_ + "/owner") << owner << "\n"; }

  // A test process that died without its destructors (abort, SIGKILL) left its directory
  // behind; its server quit with it (see spawn). Such a directory is garbage.
  static void remove_abandoned() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/tmp", ec)) {
      if (entry.path().filename().string().rfind("cinetpay-pg-", 0) != 0) continue;
      pid_t owner = 0;
      std::ifstream(entry.path() / "owner") >> owner;
      if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) {
        std::filesystem::remove_all(entry.path(), ec);
      }
    }
  }

  // Under root, everything the server touches belongs to the `postgres` user.
  void become_owner() {
    if (::geteuid() != 0) return;
    passwd entry{};
    passwd* user = nullptr;
    std::array<char, 4096> buffer{};
    if (::getpwnam_r("postgres", &entry, buffer.data(), buffer.size(), &user) != 0 || !user) {
      throw std::runtime_error(
          "PostgreSQL cannot run as root and there is no `postgres` user (Debian's "
          "postgresql-15 package creates it; make deps installs it)");
    }
    run_as_ = std::make_pair(user->pw_uid, user->pw_gid);
    if (::chown(dir_.c_str(), user->pw_uid, user->pw_gid) != 0) {
      throw std::runtime_error("PostgreSQL: cannot give " + dir_ + " to the postgres user");
    }
  }

  void initdb() {
    if (::access((options_.bin_dir + "/initdb").c_str(), X_OK) != 0) {
      throw std::runtime_error("PostgreSQL: no " + options_.bin_dir +
                               "/initdb (is postgresql-15 installed? make deps installs it)");
    }
    pid_t pid = spawn({options_.bin_dir + "/initdb", "-D", dir_ + "/data", "-A", "trust", "-U",
                       "postgres", "-N", "--no-instructions"},
                      dir_ + "/initdb.log", true);
    std::optional<int> status = wait_for_exit(pid, options_.timeout);
    if (!status) {
      end_child(pid);
      throw std::runtime_error("PostgreSQL: initdb did not finish within the bound");
    }
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
      throw std::runtime_error("PostgreSQL: initdb failed (" + describe(*status) +
                               "): " + log_tail("initdb.log"));
    }
  }

  static int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
              ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    if (fd >= 0) ::close(fd);
    if (!ok) throw std::runtime_error("PostgreSQL: no free port on 127.0.0.1");
    return ntohs(addr.sin_port);
  }

  // fork+exec with the output in `log`, as the server's user; with `die_with_parent` the
  // child gets SIGQUIT (PostgreSQL's immediate shutdown) when the starting thread ends.
  pid_t spawn(const std::vector<std::string>& args, const std::string& log,
              bool die_with_parent) const {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("PostgreSQL: fork failed");
    if (pid > 0) return pid;
    // Only async-signal-safe calls from here to exec.
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) {
      ::_exit(126);
    }
    if (run_as_ && (::setgroups(0, nullptr) != 0 || ::setgid(run_as_->second) != 0 ||
                    ::setuid(run_as_->first) != 0)) {
      static const char kMessage[] = "cannot switch to the postgres user\n";
      (void)!::write(2, kMessage, sizeof kMessage - 1);
      ::_exit(126);
    }
    if (::chdir(dir_.c_str()) != 0) ::_exit(126);
    // Set after setuid, which clears it; a parent that died in between is caught by getppid.
    if (die_with_parent && (::prctl(PR_SET_PDEATHSIG, SIGQUIT) != 0 || ::getppid() != parent)) {
      ::_exit(126);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }

  static std::string describe(int status) {
    if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
    return "signal " + std::to_string(WTERMSIG(status));
  }

  std::string log_tail(const char* name) const {
    std::ifstream in(dir_ + "/" + name);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  }

  PostgresOptions options_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = 0;
  std::optional<std::pair<uid_t, gid_t>> run_as_;
};

/// The URL of `database` on the server this process's tests share: the CTest fixture's
/// (the URL in the file $CINETPAY_TEST_POSTGRES names), or else a private one started on
/// first use and stopped at exit.
inline std::string test_server_url(const std::string& database = "postgres") {
  static const std::string kUrl = [] {
    if (const char* file = std::getenv("CINETPAY_TEST_POSTGRES")) {
      std::ifstream in(file);
      std::string url;
      if (!std::getline(in, url) || url.empty()) {
        throw std::runtime_error(std::string("PostgreSQL: no server URL in ") + file +
                                 " (did the postgres_start fixture fail?)");
      }
      return url;
    }
    static PostgresServer server;
    return server.url();
  }();
  return database_url(kUrl, database);
}

/// An empty database of its own on the shared server; its URL.
inline std::string test_database() { return create_database(test_server_url()); }

}  // namespace cinetpay::mocks
