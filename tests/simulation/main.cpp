// cinetpay_simulation: runs seeds of the deterministic simulation and prints one line.
//
//   cinetpay_simulation --seeds 10000 [--first 1] [--jobs 2]   a range of seeds
//   cinetpay_simulation --seed 4242 [--verbose]                one seed, replayed step by step
//   cinetpay_simulation --seed-file regression_seeds.txt       the seeds that ever failed
//   ... --without late-listing,bad-bytes --without-file known_defects.txt
//
// Exit status: 0 when no seed found a duplicate, a lost or a misreported payout.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "simulation.hpp"

namespace {

using cinetpay::simulation::run_seed;
using cinetpay::simulation::SeedReport;
using cinetpay::simulation::Settings;
using cinetpay::simulation::Shape;

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "cinetpay_simulation: " << problem << "\n"
            << "usage: cinetpay_simulation [--seeds N] [--first S] [--jobs J] [--seed N]\n"
            << "         [--seed-file FILE] [--verbose] [--without SHAPE,...] [--without-file FILE]\n"
            << "shapes:";
  for (int i = 0; i < cinetpay::simulation::kShapeCount; ++i)
    std::cerr << " " << cinetpay::simulation::shape_name(static_cast<Shape>(i));
  std::cerr << "\n";
  std::exit(2);  // NOLINT(concurrency-mt-unsafe): before any thread starts
}

void disable(Settings& settings, const std::string& name) {
  auto shape = cinetpay::simulation::shape_from(name);
  if (!shape) usage("unknown shape '" + name + "'");
  settings.disabled.insert(*shape);
}

// Shape names, one a line; '#' starts a comment.
void disable_listed(Settings& settings, const std::string& path) {
  std::ifstream in(path);
  if (!in) usage("cannot read " + path);
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    line.erase(std::remove_if(line.begin(), line.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }), line.end());
    if (!line.empty()) disable(settings, line);
  }
}

std::vector<std::uint64_t> seeds_listed(const std::string& path) {
  std::ifstream in(path);
  if (!in) usage("cannot read " + path);
  std::vector<std::uint64_t> seeds;
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    for (std::uint64_t seed = 0; words >> seed;) seeds.push_back(seed);
  }
  return seeds;
}

// A folder of its own for the seeds' SQLite files, in memory when the machine has /dev/shm.
std::string make_work_dir() {
  std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                   ? std::filesystem::path("/dev/shm")
                                   : std::filesystem::temp_directory_path();
  std::filesystem::path dir = base / ("cinetpay-simulation-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

void print_failure(const SeedReport& r, const std::string& replay) {
  std::cout << "seed " << r.seed << " FAILED:\n";
  for (const std::string& v : r.violations) std::cout << "  " << v << "\n";
  std::cout << "  replay: cinetpay_simulation --seed " << r.seed << replay << " --verbose\n";
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  std::uint64_t first = 1;
  std::uint64_t count = 10000;
  std::vector<std::uint64_t> seeds;
  bool one = false;
  bool verbose = false;
  unsigned jobs = std::max(1U, std::thread::hardware_concurrency());
  std::string replay;  // the flags a replay needs
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) usage(args[i] + " needs a value");
      return args[++i];
    };
    const std::string& a = args[i];
    if (a == "--seeds") {
      count = std::stoull(value());
    } else if (a == "--first") {
      first = std::stoull(value());
    } else if (a == "--seed") {
      seeds = {std::stoull(value())};
      one = true;
    } else if (a == "--seed-file") {
      seeds = seeds_listed(value());
    } else if (a == "--jobs") {
      jobs = static_cast<unsigned>(std::max(1ULL, std::stoull(value())));
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "--without") {
      std::istringstream names(value());
      for (std::string name; std::getline(names, name, ',');) disable(settings, name);
      replay += " --without " + args[i];
    } else if (a == "--without-file") {
      disable_listed(settings, value());
      replay += " --without-file " + args[i];
    } else {
      usage("unknown argument '" + a + "'");
    }
  }
  if (seeds.empty()) {
    for (std::uint64_t s = first; s < first + count; ++s) seeds.push_back(s);
  }
  settings.work_dir = make_work_dir();
  settings.trace = one;

  // Each seed runs on one thread alone, deterministic; threads only share the totals.
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  SeedReport total;
  std::vector<SeedReport> failed;
  auto run = [&] {
    for (std::size_t i = next++; i < seeds.size(); i = next++) {
      SeedReport r = run_seed(seeds[i], settings);
      std::lock_guard<std::mutex> lock(mu);
      total.payouts += r.payouts;
      total.crashes += r.crashes;
      total.faults += r.faults;
      total.duplicates += r.duplicates;
      total.lost += r.lost;
      total.misreported += r.misreported;
      if (r.failed()) failed.push_back(std::move(r));
    }
  };
  {
    std::vector<std::thread> threads;
    for (unsigned j = 1; j < std::min<std::size_t>(jobs, seeds.size()); ++j) threads.emplace_back(run);
    run();
    for (std::thread& t : threads) t.join();
  }
  std::sort(failed.begin(), failed.end(),
            [](const SeedReport& a, const SeedReport& b) { return a.seed < b.seed; });

  // A failing seed is run again with its trace: the replay is the proof it is deterministic.
  Settings tracing = settings;
  tracing.trace = true;
  std::size_t traced = 0;
  for (const SeedReport& r : failed) {
    print_failure(r, replay);
    if (one || traced++ < 3) {
      SeedReport again = run_seed(r.seed, tracing);
      for (const std::string& line : again.trace) std::cout << "    " << line << "\n";
      if (again.violations != r.violations) std::cout << "  (the replay differed: not deterministic)\n";
    }
  }
  if (one && verbose && failed.empty()) {
    for (const std::string& line : run_seed(seeds.front(), tracing).trace) std::cout << "    " << line << "\n";
  }
  std::filesystem::remove_all(settings.work_dir);
  std::cout << "simulation: " << seeds.size() << " seeds, " << total.payouts << " payouts, "
            << total.crashes << " crashes, " << total.faults << " faults, " << total.duplicates
            << " duplicates, " << total.lost << " lost, " << total.misreported << " misreported\n";
  return failed.empty() ? 0 : 1;
}
