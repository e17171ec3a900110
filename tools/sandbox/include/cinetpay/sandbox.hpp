/// @file
/// cinetpay-sandbox as a library: a stateful local simulator of CinetPay's Transfer API that
/// a merchant's tests start in-process, read and fault through C++ calls.
///
///   cinetpay::sandbox::Sandbox sandbox;            // port 0: the system picks a free one
///   sandbox.start();
///   ClientOptions o; o.base_url = sandbox.base_url();
///   sandbox.inject({cinetpay::sandbox::FaultKind::process_then_drop, "send"});
///   ... run the code under test ...
///   auto t = sandbox.transfer_by_client_transaction_id("ORDER-1");
///   EXPECT_EQ(sandbox.balance().available, 1'000'000 - 500);
///
/// The admin HTTP API under /_sandbox/ (used by the CLI's tests and merchants' CI) is a
/// thin JSON layer over the same calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// The in-process sandbox (target cinetpay::sandbox): Sandbox, a stateful simulator of
/// CinetPay's Transfer API on a local port, its options, its ledger of transfers and the
/// faults a test injects.
namespace cinetpay::sandbox {

/// How a Sandbox behaves. Defaults are those printed by `cinetpay-sandbox --help`. A plain
/// value, copied by the Sandbox.
struct SandboxOptions {
  std::string host = "127.0.0.1";             ///< the address it listens on
  int port = 0;                               ///< 0: the system picks a free port
  std::string api_key = "sandbox-key";        ///< the only API key auth/login accepts
  std::string password = "sandbox-password";  ///< the only password auth/login accepts
  std::int64_t balance = 1'000'000;           ///< the available balance at start
  std::chrono::seconds token_ttl{300};        ///< how long a token is accepted
  /// Time each status step takes (NEW → REC → VAL).
  std::chrono::milliseconds settle{500};
  /// A transfer is answered 723 by check/money for this long after its send.
  std::chrono::milliseconds visibility_delay{0};
  /// Transfers wait in NOS (sending_status PENDING) until confirm() or reject().
  bool require_confirmation = false;
  std::uint64_t seed = 0;  ///< 0: random ids

  /// Every API answer (not the admin API's) waits latency + a uniform [0, jitter] first,
  /// to model CinetPay's round trips on loopback. Waiting holds no lock.
  std::chrono::milliseconds latency{0};         ///< the fixed part of each wait
  std::chrono::milliseconds latency_jitter{0};  ///< the largest random part added to it

  /// Largest request body read; beyond it the answer is 413 and the connection closes
  /// without the rest being read. A 200-item send is about 48 KB.
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  /// Deepest JSON nesting read (the API's own documents are 3 deep).
  int max_json_depth = 32;
  /// Most connections served at once; each has its own thread, so an idle or slow client
  /// holds only its own.
  std::size_t max_connections = 256;
  /// An idle keep-alive connection is closed after this long.
  std::chrono::seconds keep_alive_timeout{1};
  /// A client silent this long in the middle of a request is dropped.
  std::chrono::seconds read_timeout{5};
  /// The request log and the notification log keep the last this many entries.
  std::size_t log_capacity = 10'000;
};

/// CinetPay's `treatment_status`.
enum class TreatmentStatus {
  NEW,  ///< received
  NOS,  ///< awaiting confirmation (require_confirmation)
  REC,  ///< being paid
  VAL,  ///< paid: final
  REJ,  ///< refused and refunded: final
};
/// "NEW", "NOS", "REC", "VAL" or "REJ". Throws nothing.
std::string_view to_string(TreatmentStatus status) noexcept;

/// A transfer as the sandbox's ledger holds it. A plain value (a copy of the ledger's).
struct Transfer {
  std::string transaction_id;         ///< the sandbox's id of the transfer
  std::string client_transaction_id;  ///< the merchant's id, as sent
  std::string lot;                    ///< the batch it was sent in
  std::string prefix;                 ///< as sent
  std::string phone;                  ///< as sent
  std::string notify_url;             ///< as sent
  std::string payment_method;         ///< as sent, possibly empty
  std::string operator_code;          ///< the operator the sandbox chose ("OM", "MOMO"…)
  std::int64_t amount = 0;            ///< as sent
  TreatmentStatus status = TreatmentStatus::NEW;  ///< where it stands now
  /// `CONFIRM`, or `PENDING` while it awaits confirm() under require_confirmation.
  std::string sending_status = "CONFIRM";
  std::string validated_at;  ///< local time of VAL or REJ, "YYYY-MM-DD HH:MM:SS"
};

/// A contact registered through transfer/contact. A plain value.
struct Contact {
  std::string prefix;   ///< as sent
  std::string phone;    ///< as sent
  std::string name;     ///< as sent
  std::string surname;  ///< as sent
  std::string email;    ///< as sent
};

/// The balance in the API's words: `amount` is what is available plus what is reserved.
/// A plain value.
struct Balance {
  std::int64_t available = 0;  ///< what can be sent now
  std::int64_t in_using = 0;   ///< reserved by transfers not final yet
  /// The whole balance, as check/balance answers it.
  [[nodiscard]] std::int64_t amount() const noexcept { return available + in_using; }
};

/// What an injected fault does to a request.
enum class FaultKind {
  drop_before,        ///< the connection drops before anything is processed
  process_then_drop,  ///< processed, then the answer is lost
  delay_ms,           ///< waits `delay`, then processes
  http_status,        ///< an HTML page with `http_status`, nothing processed
  invalid_token,      ///< answers 706, nothing processed
};
/// The fault's name, e.g. "process_then_drop". Throws nothing.
std::string_view to_string(FaultKind kind) noexcept;

/// A fault applied to the next `count` API requests to `path`. A plain value.
struct Fault {
  FaultKind kind = FaultKind::drop_before;  ///< what it does
  /// An API path ("/v1/transfer/money/send/contact"), a short name (login, balance,
  /// contact, send, check), or empty for every API path.
  std::string path;
  int count = 1;                       ///< how many requests it hits, at least 1
  std::chrono::milliseconds delay{0};  ///< for delay_ms
  int http_status = 503;               ///< for http_status
};

/// One API request as the sandbox saw it; secrets (apikey, password, token) are "***".
/// A plain value.
struct RequestRecord {
  std::string method;              ///< "GET" or "POST"
  std::string path;                ///< the API path, without the query
  std::optional<FaultKind> fault;  ///< the fault it met, if any
  /// The query and form fields, in order.
  std::vector<std::pair<std::string, std::string>> params;
  std::optional<int> code;  ///< the API code answered; none when the answer was dropped
};

/// One call to a notify_url and how it went. A plain value.
struct NotificationRecord {
  std::string url;     ///< the notify_url called
  std::string method;  ///< GET for the first ping, POST for each step
  std::vector<std::pair<std::string, std::string>> fields;  ///< the form fields posted
  int http_status = 0;                                      ///< 0 when no answer came
  std::string error;                                        ///< why no answer came, or empty
};

/// The simulator. Every member function is thread-safe and may be called while requests
/// are served; the sandbox serves on its own threads from start() until stop() or its
/// destruction.
class Sandbox {
 public:
  /// A sandbox with these options, not serving yet (see start()). Throws only
  /// std::bad_alloc.
  explicit Sandbox(SandboxOptions options = {});
  /// Stops serving (as stop()) and frees the ledger.
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  /// Binds and starts serving; returns the port. Throws std::runtime_error if it cannot bind.
  int start();
  /// Blocks until stop() is called from another thread (or a signal handler's thread).
  void wait();
  /// Stops serving: closes the listening socket and the connections, joins the threads
  /// (at most `read_timeout` for a request in flight). Safe to call twice.
  void stop();
  /// The port it listens on, once started (0 before).
  [[nodiscard]] int port() const;
  /// "http://HOST:PORT", what ClientOptions::base_url takes.
  [[nodiscard]] std::string base_url() const;

  // The ledger, as it is now (transfers advance with time).
  /// The balance now. Throws nothing but std::bad_alloc; constant time.
  [[nodiscard]] Balance balance() const;
  /// Sets the available balance. Throws std::invalid_argument if negative.
  void set_available(std::int64_t available);
  /// Every contact registered, in the order they were added. Linear in their number.
  [[nodiscard]] std::vector<Contact> contacts() const;
  /// Every transfer, in the order they were sent. Linear in their number.
  [[nodiscard]] std::vector<Transfer> transfers() const;
  /// The transfer with this transaction_id, or nullopt. Logarithmic.
  [[nodiscard]] std::optional<Transfer> transfer_by_transaction_id(
      const std::string& transaction_id) const;
  /// The transfer with this client_transaction_id, or nullopt. Logarithmic.
  [[nodiscard]] std::optional<Transfer> transfer_by_client_transaction_id(
      const std::string& client_transaction_id) const;

  // Settling transfers by hand (require_confirmation).
  /// Lets a transfer awaiting confirmation proceed. Throws std::out_of_range for an unknown
  /// transaction_id, std::logic_error when the transfer does not await confirmation.
  Transfer confirm(const std::string& transaction_id);
  /// Ends a transfer awaiting confirmation in REJ and refunds it; throws as confirm() does.
  Transfer reject(const std::string& transaction_id);

  // Faults.
  /// Queues a fault; its path is resolved to the API path. Throws std::invalid_argument,
  /// naming the field, for an unknown path (listing the valid ones), a count under 1, a
  /// negative or over-a-minute delay, or an HTTP status outside 100–599.
  void inject(Fault fault);
  /// The faults still queued, with what is left of their counts.
  [[nodiscard]] std::vector<Fault> faults() const;
  /// Drops every queued fault.
  void clear_faults();

  /// Every token issued so far becomes invalid (706); returns how many there were.
  std::size_t revoke_tokens();
  /// Back to the starting state: balance, no contacts, transfers, tokens, faults or logs.
  void reset();

  /// The last SandboxOptions::log_capacity API requests and notifications, oldest first.
  [[nodiscard]] std::vector<RequestRecord> requests() const;
  /// The last SandboxOptions::log_capacity notifications sent, oldest first.
  [[nodiscard]] std::vector<NotificationRecord> notifications() const;

  /// The API paths a fault may name, with their short names.
  static std::vector<std::pair<std::string, std::string>> api_paths();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cinetpay::sandbox
