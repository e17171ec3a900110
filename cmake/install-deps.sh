#!/usr/bin/env bash
# Installs the Debian 12 packages that the named parts of the build need; each `make` target
# names its own (see the Makefile). As root it runs apt-get; otherwise it prints the one
# command to run and fails.
#   usage: install-deps.sh PART...   (no PART: everything `make test` needs)
#   PART:  core     the compiler, CMake, Ninja, and what the client itself needs
#          ledger   the ledger's stores: SQLite and PostgreSQL's client library
#          tools    cinetpay-sandbox and the cinetpay CLI (and the examples that embed a server)
#          testing  cinetpay::testing, the installed test doubles (GoogleTest)
#          tests    what the project's own test suite adds: a PostgreSQL server, doxygen for
#                   the API reference (built with the tests, and its test docs_api_reference),
#                   dpkg-dev and lintian for the package tests, curl and openssl for the
#                   examples' and transport tests
#          docs     make docs     package  make package (the packages, libcinetpay-doc and
#                                          lintian's check of them)
#          bench    make bench    fuzz     make fuzz (clang, its libFuzzer and sanitizers)
set -euo pipefail

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(core ledger tools testing tests)

packages=()
for part in "${parts[@]}"; do
  case "$part" in
    core) packages+=(g++ make cmake ninja-build pkg-config libcurl4-openssl-dev nlohmann-json3-dev) ;;
    ledger) packages+=(libsqlite3-dev libpq-dev) ;;
    tools) packages+=(libcpp-httplib-dev) ;;
    testing) packages+=(libgtest-dev libgmock-dev) ;;
    tests) packages+=(postgresql-15 doxygen dpkg-dev lintian curl openssl) ;;
    docs) packages+=(doxygen) ;;
    package) packages+=(dpkg-dev doxygen lintian) ;;
    bench) packages+=(libbenchmark-dev) ;;
    fuzz) packages+=(clang libclang-rt-14-dev) ;;
    *) echo "install-deps.sh: unknown part '$part'" >&2; exit 2 ;;
  esac
done

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
