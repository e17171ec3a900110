# The two commands of the README, and a few more. Each installs missing Debian packages
# first (as root; otherwise it prints the apt-get command to run).
PRESET ?= dev

.PHONY: demo test deps build bench sanitize install clean

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

# The whole suite under AddressSanitizer+UBSan, then ThreadSanitizer.
sanitize: deps
	cmake --preset asan > /dev/null && cmake --build --preset asan && ctest --preset asan
	cmake --preset tsan > /dev/null && cmake --build --preset tsan && ctest --preset tsan

install: build
	cmake --install build/$(PRESET) --prefix $(or $(PREFIX),/usr/local)

clean:
	rm -rf build
