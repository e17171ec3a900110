#!/usr/bin/env bash
# The end of `make demo`: serves the console (`cinetpay payouts serve`) over the demo's
# ledger on a free loopback port, checks that its overview answers and lists the payouts,
# and prints its address. With `keep`, leaves it serving until Ctrl-C; otherwise stops it.
# usage: demo-console.sh CINETPAY LEDGER_URL [keep]
set -euo pipefail
cli=$1 ledger=$2 keep=${3:-}
out=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
"$cli" payouts serve --db "$ledger" --listen 127.0.0.1:0 > "$out" &
pid=$!
for _ in $(seq 100); do grep -q '^console: ' "$out" && break; sleep 0.1; done
url=$(sed -n 's/^console: \(http[^ ]*\).*/\1/p' "$out")
[ -n "$url" ] || { echo "demo: the console did not start" >&2; exit 1; }
port=${url##*:}
port=${port%/}
# One GET by bash itself: the demo needs no HTTP client installed.
exec 3<> "/dev/tcp/127.0.0.1/$port"
printf 'GET /payouts HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$port" >&3
page=$(cat <&3)
exec 3>&-
grep -q '^HTTP/1.1 200' <<< "$page" || { echo "demo: the console did not answer" >&2; exit 1; }
rows=$(grep -o '<tr data-id=' <<< "$page" | wc -l)
echo "7. the console over the demo's ledger shows its $rows payouts: $url"
if [ "$keep" = keep ]; then
  echo "   serving until Ctrl-C"
  wait "$pid"
else
  echo "   (stopped; \`make demo CONSOLE=keep\` leaves it running)"
fi
