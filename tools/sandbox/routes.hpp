// The sandbox over HTTP: CinetPay's API paths (with faults, latency and the API's
// languages) and the admin API under /_sandbox/, both with bounded bodies and JSON.
#pragma once

#include <httplib.h>

#include <memory>

#include "cinetpay/sandbox.hpp"
#include "engine.hpp"

namespace cinetpay::sandbox {

/// Every route, and the limits on what a request may carry. Installed on a server that
/// must not outlive it; thread-safe once installed.
class Routes {
 public:
  Routes(Engine& engine, const SandboxOptions& options);
  ~Routes();
  Routes(const Routes&) = delete;
  Routes& operator=(const Routes&) = delete;
  void install(httplib::Server& server);

 private:
  struct Handlers;
  std::unique_ptr<Handlers> handlers_;
  const SandboxOptions& options_;
};

}  // namespace cinetpay::sandbox
