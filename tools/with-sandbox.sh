#!/usr/bin/env bash
# Runs a program against a fresh cinetpay-sandbox on a free port, then stops the sandbox.
# The program gets CINETPAY_BASE_URL, CINETPAY_API_KEY and CINETPAY_PASSWORD.
# usage: with-sandbox.sh SANDBOX [SANDBOX_FLAGS...] -- PROGRAM [ARGS...]
set -euo pipefail
sandbox=$1
shift
flags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do flags+=("$1"); shift; done
[ $# -gt 1 ] || { echo "usage: with-sandbox.sh SANDBOX [FLAGS...] -- PROGRAM [ARGS...]" >&2; exit 2; }
shift
out=$(mktemp)
"$sandbox" --port 0 "${flags[@]}" > "$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 200); do
  grep -q '^listening on ' "$out" && break
  kill -0 "$pid" 2>/dev/null || { echo "cinetpay-sandbox did not start" >&2; exit 1; }
  sleep 0.05
done
url=$(sed -n 's/^listening on //p' "$out" | head -n 1)
echo "cinetpay-sandbox listening on $url"
CINETPAY_BASE_URL="$url" CINETPAY_API_KEY=sandbox-key CINETPAY_PASSWORD=sandbox-password "$@"
