#!/usr/bin/env bash
# Runs a program with the URL of a fresh cinetpay-sandbox as its last argument.
# usage: with_sandbox.sh SANDBOX PROGRAM [ARGS...]
set -euo pipefail
sandbox=$1
shift
out=$(mktemp)
"$sandbox" --port 0 > "$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 200); do
  grep -q '^listening on ' "$out" && break
  sleep 0.05
done
"$@" "$(sed -n 's/^listening on //p' "$out" | head -n 1)"
