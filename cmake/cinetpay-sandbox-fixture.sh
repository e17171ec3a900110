#!/usr/bin/env bash
# The one launcher of cinetpay-sandbox for tests: CTest fixtures (CinetpaySandboxFixture.cmake)
# and tools/with-sandbox.sh. The state of one sandbox lives in a directory DIR.
#
#   cinetpay-sandbox-fixture.sh start DIR SANDBOX [FLAGS...]
#       starts `SANDBOX --port 0 FLAGS` in the background, reads its URL from its first
#       line and writes DIR/env: CINETPAY_BASE_URL, CINETPAY_API_KEY, CINETPAY_PASSWORD
#   cinetpay-sandbox-fixture.sh run DIR PROGRAM [ARGS...]
#       runs PROGRAM with the variables of DIR/env in its environment
#   cinetpay-sandbox-fixture.sh stop DIR
#       stops the sandbox with SIGTERM and waits until it has exited
set -euo pipefail

usage() {
  echo "usage: cinetpay-sandbox-fixture.sh start DIR SANDBOX [FLAGS...] | run DIR PROGRAM [ARGS...] | stop DIR" >&2
  exit 2
}

# True while the process runs (a zombie left to a parent that does not reap has exited).
running() {
  local state
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# Waits up to 10 s (200 × 50 ms) for a condition.
wait_until() {
  for _ in $(seq 200); do
    "$@" && return 0
    sleep 0.05
  done
  return 1
}

[ $# -ge 2 ] || usage
command=$1
dir=$2
shift 2

case $command in
  start)
    [ $# -ge 1 ] || usage
    sandbox=$1
    shift
    api_key=sandbox-key
    password=sandbox-password
    flags=("$@")
    while [ $# -gt 0 ]; do
      case $1 in
        --api-key) api_key=${2:-}; shift ;;
        --password) password=${2:-}; shift ;;
      esac
      shift
    done
    mkdir -p "$dir"
    rm -f "$dir/env"
    # Every stream redirected: CTest waits for the test's pipes, not for this process.
    "$sandbox" --port 0 "${flags[@]}" > "$dir/out" 2> "$dir/err" < /dev/null &
    pid=$!
    echo "$pid" > "$dir/pid"
    listening_or_dead() { grep -q '^listening on ' "$dir/out" || ! running "$pid"; }
    if ! wait_until listening_or_dead || ! grep -q '^listening on ' "$dir/out"; then
      echo "cinetpay-sandbox did not start:" >&2
      cat "$dir/err" >&2
      kill "$pid" 2> /dev/null || true
      exit 1
    fi
    url=$(sed -n '1s/^listening on //p' "$dir/out")
    printf 'CINETPAY_BASE_URL=%q\nCINETPAY_API_KEY=%q\nCINETPAY_PASSWORD=%q\n' \
      "$url" "$api_key" "$password" > "$dir/env.new"
    mv "$dir/env.new" "$dir/env"
    echo "cinetpay-sandbox listening on $url"
    ;;
  run)
    [ $# -ge 1 ] || usage
    if [ ! -f "$dir/env" ]; then
      echo "no sandbox in $dir: did its start step (the fixture's setup test) pass?" >&2
      exit 1
    fi
    set -a
    # shellcheck disable=SC1091
    . "$dir/env"
    set +a
    exec "$@"
    ;;
  stop)
    [ -f "$dir/pid" ] || exit 0
    pid=$(cat "$dir/pid")
    kill "$pid" 2> /dev/null || true
    stopped() { ! running "$pid"; }
    if ! wait_until stopped; then
      echo "cinetpay-sandbox (pid $pid) did not stop on SIGTERM within 10 s; killing it" >&2
      kill -9 "$pid" 2> /dev/null || true
      exit 1
    fi
    rm -f "$dir/env" "$dir/pid"
    ;;
  *) usage ;;
esac
