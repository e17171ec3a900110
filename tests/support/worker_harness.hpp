// Worker processes against a sandbox process, and the audit that ends the crash and fleet
// tests: every submitted payout final once in the ledger, once at the sandbox, the two
// agreeing, every history a legal sequence.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cinetpay/ledger.hpp>
#include <cinetpay/transfer.hpp>
#include <csignal>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../ledger/history_check.hpp"
#include "bounded_wait.hpp"
#include "httplib.h"

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace cinetpay::mocks {

/// A child process with the test's environment (minus CINETPAY_LEDGER_CRASH_AT) plus
/// `env_extra`; stdout (or `stdout_fd`) and stderr appended to `log`.
inline pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env_extra,
                   const std::string& log, int stdout_fd = -1) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("CINETPAY_LEDGER_CRASH_AT=", 0) != 0) env.emplace_back(*e);
  }
  env.insert(env.end(), env_extra.begin(), env_extra.end());
  std::vector<char*> args;
  std::vector<char*> envp;
  args.reserve(argv.size() + 1);
  envp.reserve(env.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  args.push_back(nullptr);
  envp.push_back(nullptr);
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(stdout_fd >= 0 ? stdout_fd : log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(log_fd);
  return pid;
}

inline bool killed_by_sigkill(const std::optional<int>& status) {
  return status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
}

/// cinetpay-sandbox as a process, on a port of its own, with `flags`; stopped at the end.
class SandboxProcess {
 public:
  SandboxProcess(const std::string& sandbox_path, const std::string& dir,
                 const std::vector<std::string>& flags) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    std::vector<std::string> argv = {sandbox_path, "--port", "0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    pid_ = spawn(argv, {}, dir + "/sandbox.log", fds[1]);
    ::close(fds[1]);
    std::optional<std::string> first = line_within(fds[0]);
    ::close(fds[0]);
    const std::string prefix = "listening on ";
    if (!first || first->rfind(prefix, 0) != 0) {
      end_child(pid_);
      throw std::runtime_error(
          "cinetpay-sandbox printed no 'listening on' line within the bound: " +
          first.value_or(""));
    }
    url_ = first->substr(prefix.size());
    admin_ = std::make_unique<httplib::Client>(url_);
    // The sandbox's whole ledger (thousands of transfers) under a sanitizer on a loaded
    // machine takes longer than httplib's 5 s default to come back.
    admin_->set_read_timeout(60, 0);
  }
  ~SandboxProcess() {
    ::kill(pid_, SIGTERM);
    if (!wait_for_exit(pid_, std::chrono::seconds(10))) end_child(pid_);
  }
  SandboxProcess(const SandboxProcess&) = delete;
  SandboxProcess& operator=(const SandboxProcess&) = delete;

  const std::string& url() const { return url_; }
  nlohmann::json get(const std::string& path) {
    auto r = admin_->Get(path);
    if (!r || r->status != 200) throw std::runtime_error("admin GET " + path + ": " + failure(r));
    return nlohmann::json::parse(r->body);
  }
  void post(const std::string& path, const nlohmann::json& body) {
    auto r = admin_->Post(path, body.dump(), "application/json");
    if (!r || r->status != 200) throw std::runtime_error("admin POST " + path + ": " + failure(r));
  }

 private:
  static std::string failure(const httplib::Result& r) {
    return r ? "HTTP " + std::to_string(r->status) : httplib::to_string(r.error());
  }

  pid_t pid_ = -1;
  std::string url_;
  std::unique_ptr<httplib::Client> admin_;
};

/// Registers the sandbox's test contacts (one of them ending in 99: its transfers end REJ)
/// and writes `n` payouts to them as a CSV for `cinetpay payouts submit`, with the ids
/// `id_prefix`0, 1…; returns the ids.
inline std::vector<std::string> write_payouts(SandboxProcess& sandbox, const std::string& path,
                                              const std::string& id_prefix, int n) {
  const std::vector<std::string> phones = {"0102030405", "0102030406", "0102030499"};
  ClientOptions options;
  options.base_url = sandbox.url();
  TransferClient client(Credentials{"sandbox-key", "sandbox-password"}, options);
  for (const auto& phone : phones) {
    for (const ContactResult& r :
         client.add_contacts({Contact{"225", phone, "Kouassi", "Awa", "awa@example.com"}})) {
      if (!r.ok()) throw std::runtime_error("sandbox refused contact " + phone + ": " + r.message);
    }
  }
  std::vector<std::string> ids;
  std::ofstream csv(path);
  csv << "prefix,phone,amount,notify_url,client_transaction_id\n";
  for (int i = 0; i < n; ++i) {
    ids.push_back(id_prefix + std::to_string(i));
    csv << "225," << phones[static_cast<std::size_t>(i) % phones.size()] << ","
        << 100 + 5 * (i % 40) << ",http://127.0.0.1:9/notify," << ids.back() << "\n";
  }
  return ids;
}

/// Payouts submitted with their recipients, to phones the sandbox never registered.
struct RecipientPayouts {
  std::vector<std::string> ids;   ///< every one
  std::set<std::string> refused;  ///< those to the phone CinetPay refuses as a contact
};

/// Submits `n` payouts with recipients to four phones the sandbox never registered, through
/// the C++ API (the CLI's file carries no recipients): the workers register each phone once
/// before its first send. The fourth phone ends in 97, which the sandbox refuses as a contact
/// (802): its payouts must end rejected, alone, and nothing of them sent.
inline RecipientPayouts submit_to_new_recipients(const PayoutLedger& ledger,
                                                 const std::string& id_prefix, int n) {
  const std::vector<std::string> phones = {"0700001001", "0500001002", "0100001003", "0700001097"};
  RecipientPayouts out;
  std::vector<PayoutRequest> payouts;
  for (int i = 0; i < n; ++i) {
    const std::string& phone = phones[static_cast<std::size_t>(i) % phones.size()];
    TransferRequest t;
    t.prefix = "225";
    t.phone = phone;
    t.amount = 200 + 5 * i;
    t.notify_url = "http://127.0.0.1:9/notify";
    t.client_transaction_id = id_prefix + "R" + std::to_string(i);
    out.ids.push_back(t.client_transaction_id);
    if (phone == phones.back()) out.refused.insert(t.client_transaction_id);
    payouts.push_back(
        {t, Recipient{"Awa", "Kone", "awa@example.com"}, R"({"batch": "new recipients"})"});
  }
  ledger.submit(payouts);
  return out;
}

/// What the audit found.
struct Audit {
  int duplicates = 0;  ///< transfers at the sandbox beyond one per submitted id, or foreign
  int lost = 0;        ///< payouts not final, or final without their transfer
  int mismatches = 0;  ///< ledger and sandbox disagree, or an illegal history
  int transfers = 0;   ///< transfers at the sandbox
  std::vector<std::string> problems;
  /// Each payout that ended `rejected`, with its history. The sandbox's faults (lost
  /// connections, 5xx, refused tokens, delays) never refuse a payout for what it is, and
  /// every payout of these tests is valid and to a registered contact: a rejection there
  /// is a payout lost to a fault.
  std::vector<std::string> rejections;
};

/// `p`'s history, one event a line, for a failure message.
inline std::string history_lines(const Payout& p) {
  std::string out;
  for (const PayoutEvent& e : p.history) {
    out += "    " + (e.from ? std::string(to_string(*e.from)) : std::string("-")) + " -> " +
           std::string(to_string(e.to)) + " by '" + e.worker_id + "'" +
           (e.api_code != 0 ? " code " + std::to_string(e.api_code) : "") + ": " + e.reason + "\n";
  }
  return out;
}

/// Compares the sandbox's transfers with the ledger's payouts `ids`, which all start with
/// `id_prefix` (a transfer at the sandbox under another id is a duplicate).
/// `refused_contacts` are the payouts that must end rejected, their contact refused.
inline Audit audit(SandboxProcess& sandbox, const PayoutLedger& ledger,
                   const std::vector<std::string>& ids, const std::string& id_prefix,
                   const std::set<std::string>& refused_contacts = {}) {
  std::map<std::string, std::vector<std::string>> at_sandbox;  // id → statuses
  const nlohmann::json sandbox_ledger = sandbox.get("/_sandbox/ledger");
  for (const auto& t : sandbox_ledger["transfers"]) {
    at_sandbox[t["client_transaction_id"].get<std::string>()].push_back(t["treatment_status"]);
  }
  Audit a;
  for (const auto& [id, statuses] : at_sandbox) {
    a.transfers += static_cast<int>(statuses.size());
    if (id.rfind(id_prefix, 0) != 0) a.duplicates += static_cast<int>(statuses.size());
    if (statuses.size() > 1) a.duplicates += static_cast<int>(statuses.size()) - 1;
  }
  for (const std::string& id : ids) {
    std::optional<Payout> p = ledger.get(id);
    auto it = at_sandbox.find(id);
    const std::string sandbox_status = it == at_sandbox.end() ? "" : it->second.front();
    if (!p || !is_final(p->state) ||
        (p->state != PayoutState::rejected && sandbox_status.empty())) {
      ++a.lost;
      a.problems.push_back(id + " lost: " + (p ? std::string(to_string(p->state)) : "absent"));
      continue;
    }
    bool agrees = (p->state == PayoutState::paid && sandbox_status == "VAL") ||
                  (p->state == PayoutState::failed && sandbox_status == "REJ") ||
                  (p->state == PayoutState::rejected && sandbox_status.empty());
    if (refused_contacts.count(id) != 0) {
      // 802 when the contact's refusal rejected it before its first send; 724 ("not a
      // contact") when it was sent again after a crash, and CinetPay refused the send.
      if (p->state != PayoutState::rejected || (p->api_code != 802 && p->api_code != 724) ||
          !sandbox_status.empty()) {
        ++a.mismatches;
        a.problems.push_back(id + ": its contact was refused, yet it ended " +
                             std::string(to_string(p->state)) + " (code " +
                             std::to_string(p->api_code) + "), sandbox '" + sandbox_status + "'");
      }
    } else if (p->state == PayoutState::rejected) {
      a.rejections.push_back(id + " rejected, code " + std::to_string(p->api_code) + ":\n" +
                             history_lines(*p));
    }
    std::string history = history_problem(*p);
    if (!agrees || !history.empty()) {
      ++a.mismatches;
      a.problems.push_back(id + ": ledger " + std::string(to_string(p->state)) + ", sandbox " +
                           sandbox_status + " " + history);
    }
  }
  return a;
}

}  // namespace cinetpay::mocks
