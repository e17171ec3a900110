#!/usr/bin/env bash
# make demo: starts cinetpay-sandbox on a free port, runs examples/payout_demo against it,
# stops the sandbox.
set -euo pipefail
build=${1:-build/dev}
out=$(mktemp)
"$build/tools/cinetpay-sandbox" --port 0 --settle-ms 800 > "$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 200); do
  grep -q '^listening on ' "$out" && break
  kill -0 "$pid" 2>/dev/null || { echo "cinetpay-sandbox did not start" >&2; exit 1; }
  sleep 0.05
done
url=$(sed -n 's/^listening on //p' "$out" | head -n 1)
echo "cinetpay-sandbox listening on $url"
CINETPAY_BASE_URL="$url" CINETPAY_API_KEY=sandbox-key CINETPAY_PASSWORD=sandbox-password \
  "$build/examples/payout_demo"
