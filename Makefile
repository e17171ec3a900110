# The two commands of the README, and a few more. Each installs the missing Debian packages
# of what it builds first (as root; otherwise it prints the apt-get command to run).
PRESET ?= dev
# Parallel jobs of the build (and of ctest in `make test`): `make test JOBS=1` on a busy
# machine. Empty: Ninja's default (the number of cores, plus two).
JOBS ?=
jobs = $(if $(JOBS),-j $(JOBS))
# Time given to each libFuzzer target by `make fuzz`.
FUZZ_SECONDS ?= 60
# Seeds run by `make simulate`.
SEEDS ?= 10000

.PHONY: demo test deps build bench sanitize fuzz mutate install docs package clean simulate

# Builds only what it runs (the library, the sandbox, the CLI, the two demo programs) in
# build/demo: no test program, no GoogleTest, no optimisation nor debug information (the
# quickest build). Ends by serving the console over the demo's ledger, showing that it
# answers, and printing its address; `make demo CONSOLE=keep` leaves it running.
demo:
	@bash cmake/install-deps.sh core ledger tools
	cmake --preset demo > /dev/null
	cmake --build --preset demo $(jobs)
	tools/with-sandbox.sh build/demo/tools/cinetpay-sandbox --settle-ms 800 -- \
	  build/demo/examples/payout_demo
	CINETPAY_DEMO_LEDGER=$(CURDIR)/build/demo/demo-payouts.db \
	  tools/with-sandbox.sh build/demo/tools/cinetpay-sandbox --settle-ms 300 -- \
	  build/demo/examples/ledger_demo
	tools/demo-console.sh build/demo/tools/cinetpay sqlite:build/demo/demo-payouts.db $(CONSOLE)

test: build
	ctest --preset $(PRESET) $(jobs)

# Everything `make test` needs.
deps:
	@bash cmake/install-deps.sh core ledger tools testing tests js browser

build: deps
	cmake --preset $(PRESET) > /dev/null
	cmake --build --preset $(PRESET) $(jobs)

bench:
	@bash cmake/install-deps.sh core ledger tools testing bench
	cmake --preset release -DCINETPAY_BUILD_BENCH=ON > /dev/null
	cmake --build --preset release $(jobs)
	build/release/bench/cinetpay_bench
	build/release/bench/cinetpay_fleet_bench
	build/release/bench/cinetpay_query_bench

# The whole suite under AddressSanitizer+UBSan, then ThreadSanitizer.
sanitize: deps
	cmake --preset asan > /dev/null && cmake --build --preset asan $(jobs) && ctest --preset asan $(jobs)
	cmake --preset tsan > /dev/null && cmake --build --preset tsan $(jobs) && ctest --preset tsan $(jobs)

# The deterministic simulation (docs/simulation.md): SEEDS seeds on every core, without the
# hostile shapes of tests/simulation/known_defects.txt. One line: S seeds, P payouts, …
simulate: deps
	cmake --preset $(PRESET) > /dev/null
	cmake --build --preset $(PRESET) --target cinetpay_simulation $(jobs)
	build/$(PRESET)/tests/simulation/cinetpay_simulation --seeds $(SEEDS) \
	  --without-file tests/simulation/known_defects.txt

# Every libFuzzer target for FUZZ_SECONDS each, seeded from tests/fuzz/corpus (clang).
fuzz:
	@bash cmake/install-deps.sh core ledger tools testing tests js browser fuzz
	cmake --preset fuzz > /dev/null && cmake --build --preset fuzz $(jobs)
	tests/fuzz/run-all.sh build/fuzz $(FUZZ_SECONDS)

# Breaks each money rule of tests/mutation/mutants.txt in turn and checks that a test or the
# simulation notices (build/mutate); prints `mutants: K of N killed`. Not in CI: it takes
# longer than the whole suite (docs/development.md has its figure).
mutate: deps
	bash tests/mutation/run.sh

# A Release build of what is installed, nothing more (no tests, no examples), installed
# under PREFIX; COMPONENT=runtime|dev|ledger|tools|testing installs one component only. Asks only
# for the build dependencies of what it installs (no PostgreSQL server, no doxygen).
install:
	@bash cmake/install-deps.sh core ledger tools testing
	cmake --preset release > /dev/null
	cmake --build --preset release $(jobs)
	cmake --install build/release --prefix $(or $(PREFIX),/usr/local) $(if $(COMPONENT),--component $(COMPONENT))

# The API reference (Doxygen, warnings as errors) in build/dev/docs/html.
docs: deps
	cmake --preset dev > /dev/null
	cmake --build build/dev --target docs $(jobs)

# The Debian packages libcinetpay-dev, libcinetpay-ledger-dev, cinetpay-tools,
# libcinetpay-testing-dev and libcinetpay-doc in build/release, then lintian's check of them.
package:
	@bash cmake/install-deps.sh core ledger tools testing package
	cmake --preset release -DCINETPAY_BUILD_DOCS=ON > /dev/null
	cmake --build --preset release $(jobs)
	cd build/release && cpack -G DEB && lintian *.deb

clean:
	rm -rf build
