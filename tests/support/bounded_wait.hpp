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

namespace cinetpay::mocks {

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

/// Waits until `fd` is readable (a connection to accept, bytes, or its close) before
/// `deadline`; false on timeout, even when a peer that never stops writing keeps it
/// readable past the deadline.
[[nodiscard]] inline bool readable_before(int fd, std::chrono::steady_clock::time_point deadline) {
  for (auto now = std::chrono::steady_clock::now(); now < deadline;
       now = std::chrono::steady_clock::now()) {
    pollfd p{fd, POLLIN, 0};
    // Rounded up: a wait of less than a millisecond must not poll with 0 and spin.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
  return false;
}

namespace wait_detail {

// Waits for process `pid` to end: its pidfd turns readable then, so the wait neither
// sleeps nor spins. On a kernel without pidfds (or a pid already gone), polls `ended`.
template <typename Ended>
bool ends_within(pid_t pid, std::chrono::milliseconds bound, Ended ended) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return eventually(ended, bound);
  bool ends = mocks::readable_before(pidfd, deadline);
  ::close(pidfd);
  return ends;
}

}  // namespace wait_detail

/// The wait status of child `pid` if it ends within `bound`; nullopt while it still runs
/// (the caller then kills it, see end_child).
[[nodiscard]] inline std::optional<int> wait_for_exit(
    pid_t pid, std::chrono::milliseconds bound = kWaitBound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  int status = 0;
  bool reaped = false;
  auto reap = [&] { return reaped = reaped || ::waitpid(pid, &status, WNOHANG) == pid; };
  auto left = [&] {
    return std::chrono::ceil<std::chrono::milliseconds>(deadline -
                                                        std::chrono::steady_clock::now());
  };
  // An ended process can be held from its parent a while longer: a tracer (LeakSanitizer's,
  // checking an ASan process at exit) reaps it first, though its pidfd is readable already.
  if (reap() || (wait_detail::ends_within(pid, bound, reap) && eventually(reap, left()))) {
    return status;
  }
  return std::nullopt;
}

/// True once process `pid`, which need not be a child of this one (a server another
/// process started), has ended within `bound`.
[[nodiscard]] inline bool gone_within(pid_t pid, std::chrono::milliseconds bound = kWaitBound) {
  return wait_detail::ends_within(pid, bound, [pid] { return ::kill(pid, 0) != 0; });
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
  while (readable_before(fd, deadline) && ::read(fd, &c, 1) == 1) {
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
  while (readable_before(fd, deadline)) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return all;
    if (n < 0 && errno != EINTR) return std::nullopt;
    if (n > 0) all.append(buf, static_cast<std::size_t>(n));
  }
  return std::nullopt;
}

}  // namespace cinetpay::mocks
