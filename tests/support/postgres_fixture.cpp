// The CTest fixture that gives a whole test run one PostgreSQL server:
//   postgres_fixture start DIR   starts it, writes its URL to DIR/url (for
//                                $CINETPAY_TEST_POSTGRES) and its pid and directory to DIR/server
//   postgres_fixture stop DIR    stops it and removes its directory
// A server left by an interrupted run is stopped before a new one starts.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "postgres_server.hpp"

namespace {

using cinetpay::mocks::PostgresServer;

constexpr std::chrono::seconds kBound{30};

void stop(const std::string& state_dir) {
  std::ifstream in(state_dir + "/server");
  pid_t pid = 0;
  std::string dir;
  if (in >> pid >> dir && pid > 0) PostgresServer::stop_released(pid, dir, kBound);
  std::remove((state_dir + "/server").c_str());
  std::remove((state_dir + "/url").c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc == 3 ? argv[1] : "";
  if (command != "start" && command != "stop") {
    std::cerr << "usage: postgres_fixture start|stop DIR\n";
    return 2;
  }
  const std::string state_dir = argv[2];
  std::filesystem::create_directories(state_dir);
  stop(state_dir);
  if (command == "stop") return 0;
  try {
    cinetpay::mocks::PostgresOptions options;
    options.outlive_parent = true;
    PostgresServer server(options);
    std::ofstream(state_dir + "/server") << server.pid() << " " << server.dir() << "\n";
    std::ofstream(state_dir + "/url") << server.url() << "\n";
    std::cout << "PostgreSQL for the tests: " << server.url() << "\n";
    server.release();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
