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
#          js       node and npm, and the npm packages of tests/metrics/package-lock.json
#                   (a Prometheus text parser that reads the metrics' exposition), installed
#                   by `npm ci` into tests/metrics/node_modules, as the user running this
#          browser  Debian's chromium (run headless by the console's browser test), node and
#                   npm, and the npm packages of tests/console/package-lock.json (puppeteer-
#                   core, which brings no browser of its own), by `npm ci` as for js
#          docs     make docs     package  make package (the packages, libcinetpay-doc and
#                                          lintian's check of them)
#          bench    make bench    fuzz     make fuzz (clang, its libFuzzer and sanitizers)
set -euo pipefail

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(core ledger tools testing tests js browser)

packages=()
for part in "${parts[@]}"; do
  case "$part" in
    core) packages+=(g++ make cmake ninja-build pkg-config libcurl4-openssl-dev nlohmann-json3-dev) ;;
    ledger) packages+=(libsqlite3-dev libpq-dev) ;;
    tools) packages+=(libcpp-httplib-dev) ;;
    testing) packages+=(libgtest-dev libgmock-dev) ;;
    tests) packages+=(postgresql-15 doxygen dpkg-dev lintian curl openssl) ;;
    # A node and npm of another origin (NodeSource's nodejs ships its own npm, which
    # Debian's npm package conflicts with) do as well.
    js | browser)
      command -v node > /dev/null && command -v npm > /dev/null || packages+=(nodejs npm)
      # fonts-dejavu-core: a font for the pages' text (fontconfig's choice, named here so
      # that it does not rest on a dependency of a dependency).
      [ "$part" = js ] || packages+=(chromium fonts-dejavu-core)
      ;;
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
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "Missing Debian packages. Run:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# The npm packages of each part's directory, exactly as locked; again only when the lock
# changed since the last time.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for part in "${parts[@]}"; do
  case "$part" in
    js) js_dir=tests/metrics ;;
    browser) js_dir=tests/console ;;
    *) continue ;;
  esac
  if ! cmp -s "$root/$js_dir/package-lock.json" \
    "$root/$js_dir/node_modules/.package-lock.json.installed"; then
    echo "installing npm packages of $js_dir (npm ci)"
    (cd "$root/$js_dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$root/$js_dir/package-lock.json" "$root/$js_dir/node_modules/.package-lock.json.installed"
  fi
done
