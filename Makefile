# The two commands of the README, and a few more. Each installs missing Debian packages
# first (as root; otherwise it prints the apt-get command to run).
PRESET ?= dev
# Time given to each libFuzzer target by `make fuzz`.
FUZZ_SECONDS ?= 60

.PHONY: demo test deps build bench sanitize fuzz mutate install docs package clean

demo: build
	tools/with-sandbox.sh build/$(PRESET)/tools/cinetpay-sandbox --settle-ms 800 -- \
	  build/$(PRESET)/examples/payout_demo
	tools/with-sandbox.sh build/$(PRESET)/tools/cinetpay-sandbox --settle-ms 300 -- \
	  build/$(PRESET)/examples/ledger_demo

test: build
	ctest --preset $(PRESET)

deps:
	@bash cmake/install-deps.sh

build: deps
	cmake --preset $(PRESET) > /dev/null
	cmake --build --preset $(PRESET)

bench:
	@CINETPAY_WITH_BENCH=1 bash cmake/install-deps.sh
	cmake --preset release -DCINETPAY_BUILD_BENCH=ON > /dev/null
	cmake --build --preset release
	build/release/bench/cinetpay_bench
	build/release/bench/cinetpay_fleet_bench

# The whole suite under AddressSanitizer+UBSan, then ThreadSanitizer.
sanitize: deps
	cmake --preset asan > /dev/null && cmake --build --preset asan && ctest --preset asan
	cmake --preset tsan > /dev/null && cmake --build --preset tsan && ctest --preset tsan

# Every libFuzzer target for FUZZ_SECONDS each, seeded from tests/fuzz/corpus (clang).
fuzz:
	@CINETPAY_WITH_FUZZ=1 bash cmake/install-deps.sh
	cmake --preset fuzz > /dev/null && cmake --build --preset fuzz
	tests/fuzz/run-all.sh build/fuzz $(FUZZ_SECONDS)

# Breaks each money rule of tests/mutation/mutants.txt in turn and checks that a test or the
# simulation notices (build/mutate); prints `mutants: K of N killed`. Not in CI: it takes
# longer than the whole suite (docs/development.md has its figure).
mutate: deps
	bash tests/mutation/run.sh

# A Release build of what is installed, nothing more (no tests, no examples), installed
# under PREFIX; COMPONENT=runtime|dev|tools|testing installs one component only.
install: deps
	cmake --preset release > /dev/null
	cmake --build --preset release
	cmake --install build/release --prefix $(or $(PREFIX),/usr/local) $(if $(COMPONENT),--component $(COMPONENT))

# The API reference (Doxygen, warnings as errors) in build/dev/docs/html.
docs: deps
	cmake --preset dev > /dev/null
	cmake --build build/dev --target docs

# The Debian packages libcinetpay-dev, cinetpay-tools and libcinetpay-testing-dev, in build/release.
package: deps
	cmake --preset release > /dev/null
	cmake --build --preset release
	cd build/release && cpack -G DEB

clean:
	rm -rf build
