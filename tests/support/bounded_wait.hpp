// Waiting in tests for something another thread or process does: always with a bound, so
// that a test whose condition never comes fails instead of hanging.
#pragma once

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <future>
#include <optional>
#include <string>
#include <thread>

namespace cinetpay::testing {

/// The bound of every wait below unless told otherwise: far above what any condition of
/// the suite needs on a loaded machine, far below ctest's own timeout.
inline constexpr std::chrono::seconds kWaitBound{30};

/// Polls `done` until it holds, for `bound` of real time at most. True once it holds,
/// false on timeout: the caller fails the test (and releases whatever it was waiting on).
template <typename Condition>
[[nodiscard]] bool eventually(Condition done, std::chrono::milliseconds bound = kWaitBound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

/// True when `future` is ready within `bound`: a test then calls get() without blocking.
template <typename T>
[[nodiscard]] bool ready_within(const std::future<T>& future,
                                std::chrono::milliseconds bound = kWaitBound) {
  return future.wait_for(bound) == std::future_status::ready;
}

namespace detail {

// Milliseconds left until `deadline`, for poll(): 0 once it has passed.
inline int ms_left(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits until `fd` is readable (or closed) before `deadline`; false on timeout, even
// when a peer that never stops writing keeps it readable past the deadline.
inline bool readable_before(int fd, std::chrono::steady_clock::time_point deadline) {
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, ms_left(deadline));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
  return false;
}

}  // namespace detail

/// The wait status of child `pid` if it ends within `bound`; nullopt while it still runs
/// (the caller then kills it, see end_child). A pidfd is polled, so the wait neither
/// sleeps nor spins.
[[nodiscard]] inline std::optional<int> wait_for_exit(
    pid_t pid, std::chrono::milliseconds bound = kWaitBound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == pid) return status;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    // A kernel without pidfds: poll the child instead.
    bool ended = eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, bound);
    return ended ? std::optional<int>(status) : std::nullopt;
  }
  bool ended = detail::readable_before(pidfd, deadline);
  ::close(pidfd);
  if (ended && ::waitpid(pid, &status, WNOHANG) == pid) return status;
  return std::nullopt;
}

/// Ends child `pid` for good: SIGKILL, then reaps it (SIGKILL cannot be ignored, the
/// bound only guards against a process stuck in the kernel). Its wait status if reaped.
inline std::optional<int> end_child(pid_t pid) {
  ::kill(pid, SIGKILL);
  return wait_for_exit(pid);
}

/// One line from `fd` (without its '\n') if it comes within `bound`; nullopt on timeout,
/// or when the writer closes `fd` before a whole line.
[[nodiscard]] inline std::optional<std::string> line_within(
    int fd, std::chrono::milliseconds bound = kWaitBound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  std::string line;
  char c = 0;
  while (detail::readable_before(fd, deadline) && ::read(fd, &c, 1) == 1) {
    if (c == '\n') return line;
    line += c;
  }
  return std::nullopt;
}

/// Everything `fd` gives until its writer closes it, if that happens within `bound`;
/// nullopt on timeout.
[[nodiscard]] inline std::optional<std::string> rest_within(
    int fd, std::chrono::milliseconds bound = kWaitBound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  std::string all;
  char buf[4096];
  while (detail::readable_before(fd, deadline)) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return all;
    if (n < 0 && errno != EINTR) return std::nullopt;
    if (n > 0) all.append(buf, static_cast<std::size_t>(n));
  }
  return std::nullopt;
}

}  // namespace cinetpay::testing
