#!/usr/bin/env bash
# docs/sandbox.md's shell blocks, run as written: the sandbox started, its first line its URL;
# then the "In your CI" block: the sandbox started by hand, its URL read from its first
# line, a program run against it (here `./your-tests` asks the balance through the cinetpay
# CLI), the sandbox stopped.
#   usage: sandbox_by_hand.sh TOOLS_DIR WORK_DIR   (TOOLS_DIR holds cinetpay-sandbox, cinetpay)
set -euo pipefail
PATH="$(cd "$1" && pwd):$PATH"
export PATH
command -v cinetpay-sandbox > /dev/null || { echo "no cinetpay-sandbox in $1" >&2; exit 1; }
rm -rf "$2" && mkdir -p "$2" && cd "$2"
cat > your-tests <<'TESTS'
#!/usr/bin/env bash
set -euo pipefail
cinetpay balance | tee balance.out
grep -q 1000000 balance.out
TESTS
chmod +x your-tests

trap '[ -z "${pid:-}" ] || kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true' EXIT

# docs/sandbox.md's first block: the sandbox's first line is its URL.
start() {
  # docs:begin start
  cinetpay-sandbox --port 0 --settle-ms 200
  # listening on http://127.0.0.1:40123        <- always the first line, flushed
  # docs:end start
}
# In a process group of its own, so that stopping the group stops the sandbox too.
set -m
start > first.out & pid=$!
set +m
until [ -s first.out ]; do sleep 0.1; done
kill -- -"$pid"
wait "$pid" || true
head -n 1 first.out | grep -Eq '^listening on http://127\.0\.0\.1:[0-9]+$'

# docs:begin by-hand
cinetpay-sandbox --port 0 > sandbox.out & pid=$!
until grep -qs '^listening on ' sandbox.out; do sleep 0.1; done
CINETPAY_BASE_URL=$(sed -n 's/^listening on //p' sandbox.out)
export CINETPAY_BASE_URL CINETPAY_API_KEY=sandbox-key CINETPAY_PASSWORD=sandbox-password
./your-tests; kill $pid
# docs:end by-hand
wait $pid || true
grep -q 1000000 balance.out
echo "sandbox by hand: ok"
