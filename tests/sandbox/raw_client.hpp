// A raw TCP client for the sandbox's hostile-input tests: it says exactly the bytes a test
// wants (idle connections, lying Content-Length, endless chunked bodies), which no HTTP
// library would send.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "bounded_wait.hpp"

namespace cinetpay::mocks {

class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect() failed");
    }
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  /// Sends all of `bytes` unless the peer stops reading for `stall` or closes; returns
  /// how many bytes went out.
  std::size_t send(const std::string& bytes,
                   std::chrono::milliseconds stall = std::chrono::milliseconds(2000)) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(stall.count())) <= 0 || (p.revents & POLLOUT) == 0) break;
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    return sent;
  }

  /// Reads until the peer closes, `bound` passes, or a whole answer with a Content-Length
  /// has arrived.
  std::string receive(std::chrono::milliseconds bound = std::chrono::milliseconds(10000)) {
    std::string in;
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!complete(in) && readable_before(fd_, deadline)) {
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
    }
    return in;
  }

  /// Cuts the connection both ways: a send() or receive() blocked on it in another thread
  /// returns at once.
  void cut() { ::shutdown(fd_, SHUT_RDWR); }

  /// The status of an HTTP answer, 0 when there is none.
  static int status_of(const std::string& answer) {
    if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
    return std::stoi(answer.substr(9, 3));
  }

  static std::string body_of(const std::string& answer) {
    auto end = answer.find("\r\n\r\n");
    return end == std::string::npos ? std::string() : answer.substr(end + 4);
  }

 private:
  static bool complete(const std::string& in) {
    auto end = in.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    auto at = in.find("Content-Length: ");
    if (at == std::string::npos || at > end) return false;
    std::size_t length = std::stoul(in.substr(at + 16));
    return in.size() >= end + 4 + length;
  }

  int fd_;
};

}  // namespace cinetpay::mocks
