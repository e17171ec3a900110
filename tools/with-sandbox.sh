#!/usr/bin/env bash
# Runs a program against a fresh cinetpay-sandbox on a free port, then stops the sandbox.
# The program gets CINETPAY_BASE_URL, CINETPAY_API_KEY and CINETPAY_PASSWORD.
# usage: with-sandbox.sh SANDBOX [SANDBOX_FLAGS...] -- PROGRAM [ARGS...]
set -euo pipefail
fixture="$(dirname "$0")/../cmake/cinetpay-sandbox-fixture.sh"
sandbox=$1
shift
flags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do flags+=("$1"); shift; done
[ $# -gt 1 ] || { echo "usage: with-sandbox.sh SANDBOX [FLAGS...] -- PROGRAM [ARGS...]" >&2; exit 2; }
shift
dir=$(mktemp -d)
trap 'bash "$fixture" stop "$dir"; rm -rf "$dir"' EXIT
bash "$fixture" start "$dir" "$sandbox" "${flags[@]}"
bash "$fixture" run "$dir" "$@"
