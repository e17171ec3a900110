// cinetpay_simulation: runs seeds of the deterministic simulation and prints one line.
//
//   cinetpay_simulation --seeds 10000 [--first 1] [--jobs 2]   a range of seeds
//   cinetpay_simulation --seed 4242 [--verbose]                one seed, replayed step by step
//   cinetpay_simulation --regressions regression_seeds.txt     the seeds that ever failed
//   ... --without late-listing,bad-bytes --without-file known_defects.txt
//
// Exit status: 0 when no seed found a duplicate, a lost or a misreported payout.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
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
  std::cerr
      << "cinetpay_simulation: " << problem << "\n"
      << "usage: cinetpay_simulation [--seeds N] [--first S] [--jobs J] [--seed N]\n"
      << "         [--regressions FILE] [--verbose] [--without SHAPE,...] [--without-file FILE]\n"
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
    line.erase(
        std::remove_if(line.begin(), line.end(),
                       [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }),
        line.end());
    if (!line.empty()) disable(settings, line);
  }
}

// A whole number given on the command line or in a seed file.
std::uint64_t number(const std::string& text) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) usage("not a number: " + text);
  return n;
}

// One seed to run, with the shapes its world leaves out (a seed replays only with them).
struct Job {
  std::uint64_t seed = 0;
  std::set<Shape> disabled;
  std::string flags;  // the command-line flags that replay it
};

// Lines `SEED SHAPE [without=SHAPE,...]`: a seed that failed through SHAPE when run without
// the shapes listed. It runs only once SHAPE is no longer switched off (`known`): until its
// defect is fixed the seed would fail; after, it must pass.
std::vector<Job> regressions(const std::string& path, const std::set<Shape>& known) {
  std::ifstream in(path);
  if (!in) usage("cannot read " + path);
  std::vector<Job> jobs;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line.substr(0, line.find('#')));
    std::string seed;
    std::string cause;
    if (!(words >> seed >> cause)) continue;
    Settings parsed;
    disable(parsed, cause);
    if (known.count(*parsed.disabled.begin()) != 0) continue;
    Job job{number(seed), {}, ""};
    for (std::string word; words >> word;) {
      if (word.rfind("without=", 0) != 0)
        usage(std::string(path).append(": expected without=SHAPE,…: ").append(word));
      std::istringstream names(word.substr(8));
      Settings s;
      for (std::string name; std::getline(names, name, ',');) disable(s, name);
      job.disabled = s.disabled;
      job.flags = " --without " + word.substr(8);
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

// A folder of its own for the seeds' SQLite files: in memory when /dev/shm takes it.
std::string make_work_dir() {
  const std::string name = "cinetpay-simulation-" + std::to_string(getpid());
  std::error_code error;
  std::filesystem::path dir = std::filesystem::path("/dev/shm") / name;
  if (std::filesystem::create_directories(dir, error) && !error) return dir.string();
  dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::create_directories(dir);
  return dir.string();
}

void print_failure(const SeedReport& r, const std::string& flags) {
  std::cout << "seed " << r.seed << " FAILED:\n";
  for (const std::string& v : r.violations) std::cout << "  " << v << "\n";
  std::cout << "  replay: cinetpay_simulation --seed " << r.seed << flags << " --verbose\n";
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  std::uint64_t first = 1;
  std::uint64_t count = 10000;
  std::optional<std::uint64_t> one;
  std::string regression_file;
  bool verbose = false;
  unsigned jobs = std::max(1U, std::thread::hardware_concurrency());
  std::string flags;  // the shapes left out, as a replay needs them
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) usage(args[i] + " needs a value");
      return args[++i];
    };
    const std::string& a = args[i];
    if (a == "--seeds") {
      count = number(value());
    } else if (a == "--first") {
      first = number(value());
    } else if (a == "--seed") {
      one = number(value());
    } else if (a == "--regressions") {
      regression_file = value();
    } else if (a == "--jobs") {
      jobs = static_cast<unsigned>(std::max<std::uint64_t>(1, number(value())));
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "--without") {
      std::istringstream names(value());
      for (std::string name; std::getline(names, name, ',');) disable(settings, name);
      flags += " --without " + args[i];
    } else if (a == "--without-file") {
      disable_listed(settings, value());
      flags += " --without-file " + args[i];
    } else {
      usage("unknown argument '" + a + "'");
    }
  }
  std::vector<Job> queue;
  if (!regression_file.empty()) {
    queue = regressions(regression_file, settings.disabled);
  } else if (one) {
    queue.push_back({*one, settings.disabled, flags});
  } else {
    for (std::uint64_t s = first; s < first + count; ++s)
      queue.push_back({s, settings.disabled, flags});
  }
  settings.work_dir = make_work_dir();

  // Each seed runs on one thread alone, deterministic; threads share only the totals.
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  SeedReport total;
  std::vector<std::pair<SeedReport, const Job*>> failed;
  auto run = [&] {
    for (std::size_t i = next++; i < queue.size(); i = next++) {
      Settings s = settings;
      s.disabled = queue[i].disabled;
      s.trace = one.has_value();
      SeedReport r = run_seed(queue[i].seed, s);
      std::lock_guard<std::mutex> lock(mu);
      total.payouts += r.payouts;
      total.crashes += r.crashes;
      total.faults += r.faults;
      total.duplicates += r.duplicates;
      total.lost += r.lost;
      total.misreported += r.misreported;
      if (r.failed()) failed.emplace_back(std::move(r), &queue[i]);
    }
  };
  {
    std::vector<std::thread> threads;
    for (unsigned j = 1; j < std::min<std::size_t>(jobs, queue.size()); ++j)
      threads.emplace_back(run);
    run();
    for (std::thread& t : threads) t.join();
  }
  std::sort(failed.begin(), failed.end(),
            [](const auto& a, const auto& b) { return a.first.seed < b.first.seed; });

  // A failing seed runs again with its trace: the replay shows that it is deterministic.
  std::size_t traced = 0;
  for (const auto& [report, job] : failed) {
    print_failure(report, job->flags);
    if (one || traced++ < 3) {
      Settings s = settings;
      s.disabled = job->disabled;
      s.trace = true;
      SeedReport again = run_seed(report.seed, s);
      for (const std::string& line : again.trace) std::cout << "    " << line << "\n";
      if (again.violations != report.violations) {
        std::cout << "  the replay differed: the simulation is not deterministic\n";
      }
    }
  }
  if (one && verbose && failed.empty()) {
    Settings s = settings;
    s.trace = true;
    for (const std::string& line : run_seed(*one, s).trace) std::cout << "    " << line << "\n";
  }
  std::filesystem::remove_all(settings.work_dir);
  std::cout << "simulation: " << queue.size() << " seeds, " << total.payouts << " payouts, "
            << total.crashes << " crashes, " << total.faults << " faults, " << total.duplicates
            << " duplicates, " << total.lost << " lost, " << total.misreported << " misreported\n";
  return failed.empty() ? 0 : 1;
}
