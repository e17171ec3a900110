// One seed of the simulation: a world, the system under test inside it (the client's
// send_money, or payout workers on a SQLite ledger), and the invariants checked as it runs.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "world.hpp"

namespace cinetpay::simulation {

struct Settings {
  std::set<Shape> disabled;  // hostile shapes never drawn
  bool trace = false;        // keep the step-by-step trace
  std::string work_dir;      // where the seed's SQLite file lives
};

struct SeedReport {
  std::uint64_t seed = 0;
  std::uint64_t payouts = 0;
  std::uint64_t crashes = 0;
  std::uint64_t faults = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t lost = 0;
  std::uint64_t misreported = 0;
  std::vector<std::string> violations;  // one line each, for people
  std::vector<std::string> trace;       // when Settings::trace
  [[nodiscard]] bool failed() const { return duplicates + lost + misreported > 0; }
};

SeedReport run_seed(std::uint64_t seed, const Settings& settings);

}  // namespace cinetpay::simulation
