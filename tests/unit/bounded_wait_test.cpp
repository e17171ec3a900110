// The bounded waits the suite relies on: each returns what it waited for when it comes,
// and gives up at its bound when it does not, leaving nothing running.
#include "bounded_wait.hpp"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

#include <csignal>

namespace cinetpay::mocks {
namespace {

using namespace std::chrono_literals;

struct Pipe {
  Pipe() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe() failed");
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read_end >= 0) ::close(read_end);
    read_end = -1;
  }
  void close_write() {
    if (write_end >= 0) ::close(write_end);
    write_end = -1;
  }
  void write(const std::string& text) const {
    ASSERT_EQ(::write(write_end, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  int read_end = -1;
  int write_end = -1;
};

// A child that waits until every write end of `release` is closed, then exits with `code`.
// Its output goes nowhere, so that a child left behind cannot hold the test's output open.
pid_t child_waiting_on(const Pipe& release, int code) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(release.write_end);
    ::close(STDOUT_FILENO);
    ::close(STDERR_FILENO);
    char c = 0;
    while (::read(release.read_end, &c, 1) > 0) {
    }
    ::_exit(code);
  }
  return pid;
}

TEST(BoundedWait, WaitForExitGivesTheStatusOfAChildThatEnds) {
  Pipe release;
  pid_t pid = child_waiting_on(release, 7);
  ASSERT_GT(pid, 0);
  release.close_write();
  std::optional<int> status = wait_for_exit(pid);
  if (!status) end_child(pid);
  ASSERT_TRUE(status) << "the child did not end within the bound";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 7);
}

TEST(BoundedWait, WaitForExitGivesUpOnAChildThatRunsOnAndEndChildStopsIt) {
  Pipe release;
  pid_t pid = child_waiting_on(release, 0);
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(wait_for_exit(pid, 50ms)) << "the child is still waiting for its release";
  std::optional<int> status = end_child(pid);
  ASSERT_TRUE(status) << "SIGKILL did not end the child";
  ASSERT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
  EXPECT_EQ(::kill(pid, 0), -1) << "the child was not reaped";
}

// A child traced by a grandchild of its own that never waits for it, as LeakSanitizer's
// tracer holds a process under ASan while it checks for leaks at exit: once killed, the
// child's pidfd turns readable but its parent cannot reap it until the tracer lets go
// (when `release` is closed). The child, once the tracer holds it; -1 if it could not.
pid_t child_held_by_a_tracer(const Pipe& release) {
  Pipe seized;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(release.write_end);
    ::close(seized.read_end);
    ::close(STDOUT_FILENO);
    ::close(STDERR_FILENO);
    ::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY);
    const pid_t tracee = ::getpid();
    if (::fork() == 0) {
      if (::ptrace(PTRACE_SEIZE, tracee, nullptr, nullptr) != 0) ::_exit(1);
      if (::write(seized.write_end, "seized\n", 7) != 7) ::_exit(1);
      char c = 0;
      while (::read(release.read_end, &c, 1) > 0) {
      }
      ::_exit(0);
    }
    ::close(seized.write_end);
    for (;;) ::pause();
  }
  seized.close_write();
  if (pid > 0 && line_within(seized.read_end) != "seized") {
    end_child(pid);
    return -1;
  }
  return pid;
}

TEST(BoundedWait, WaitForExitWaitsForAnEndedChildItCannotReapYet) {
  Pipe release;
  pid_t pid = child_held_by_a_tracer(release);
  ASSERT_GT(pid, 0) << "no child held by a tracer (is ptrace refused here?)";
  ::kill(pid, SIGKILL);
  const auto bound = 300ms;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(wait_for_exit(pid, bound)) << "the tracer still holds the child";
  EXPECT_GE(std::chrono::steady_clock::now() - started, bound)
      << "wait_for_exit gave up before its bound on a child that had ended";
  release.close_write();
  std::optional<int> status = wait_for_exit(pid);
  ASSERT_TRUE(status) << "the child was not reaped once its tracer let go";
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
}

TEST(BoundedWait, GoneWithinSeesAProcessEndAndGivesUpOnOneThatRuns) {
  Pipe release;
  pid_t pid = child_waiting_on(release, 0);
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(gone_within(pid, 50ms)) << "the child is still waiting for its release";
  release.close_write();
  EXPECT_TRUE(gone_within(pid)) << "the child's end was not seen within the bound";
  if (!wait_for_exit(pid)) end_child(pid);
}

TEST(BoundedWait, LineWithinReadsOneLineAndLeavesTheRest) {
  Pipe out;
  out.write("listening on x\nmore");
  EXPECT_EQ(line_within(out.read_end), "listening on x");
  out.close_write();
  EXPECT_EQ(rest_within(out.read_end), "more");
}

TEST(BoundedWait, LineWithinGivesUpWhenNoLineComes) {
  Pipe out;
  out.write("no newline yet");
  EXPECT_FALSE(line_within(out.read_end, 50ms)) << "a line without its end was taken";
  out.close_write();
  EXPECT_FALSE(line_within(out.read_end)) << "a closed pipe gave a line";
}

TEST(BoundedWait, RestWithinGivesUpWhileTheWriterKeepsThePipeOpen) {
  Pipe out;
  out.write("partial");
  EXPECT_FALSE(rest_within(out.read_end, 50ms));
}

TEST(BoundedWait, EventuallyAndReadyWithinReportTheirCondition) {
  int polls = 0;
  EXPECT_TRUE(eventually([&] { return ++polls == 3; }));
  EXPECT_EQ(polls, 3);
  EXPECT_FALSE(eventually([] { return false; }, 20ms));
  std::promise<int> never;
  EXPECT_FALSE(ready_within(never.get_future(), 20ms));
}

}  // namespace
}  // namespace cinetpay::mocks
