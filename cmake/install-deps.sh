#!/usr/bin/env bash
# Installs the Debian 12 packages that `make demo` and `make test` need. As root it runs
# apt-get; otherwise it prints the one command to run and fails.
set -euo pipefail

packages=(g++ make cmake ninja-build pkg-config libcurl4-openssl-dev nlohmann-json3-dev
          libgtest-dev libgmock-dev libcpp-httplib-dev libsqlite3-dev openssl
          libpq-dev postgresql-15  # the ledger's PostgreSQL store and its tests
          doxygen   # make docs, and the test that keeps the API reference free of warnings
          dpkg-dev  # dpkg-shlibdeps, for cpack -G DEB
          curl)     # the examples' test posts notifications to webhook_receiver
if [ "${CINETPAY_WITH_BENCH:-0}" = 1 ]; then packages+=(libbenchmark-dev); fi
# `make fuzz`: clang++ and its libFuzzer and sanitizer runtimes.
if [ "${CINETPAY_WITH_FUZZ:-0}" = 1 ]; then packages+=(clang libclang-rt-14-dev); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "Missing Debian packages. Run:" >&2
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
