#!/usr/bin/env bash
# Runs every libFuzzer target a build defines (its fuzz_targets.txt) for a bounded time
# each, seeded from the target's corpus folder, with the target's own flags (the fourth
# field on); new inputs go to <build>/corpus/<target>, never into the repository. Fails on
# the first target that finds a crash.
#   tests/fuzz/run-all.sh <build folder> <seconds per target>
set -euo pipefail
# Undefined behaviour is a finding like a crash, not a line in the log.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
build=$1
seconds=$2
list="$build/fuzz_targets.txt"
if [ ! -s "$list" ]; then
  echo "no libFuzzer target listed in $list" >&2
  exit 1
fi
while read -r name binary seeds flags; do
  work="$build/corpus/$name"
  mkdir -p "$work" "$build/artifacts"
  log="$build/$name.log"
  echo "fuzz: $name for ${seconds} s (log: $log)"
  # shellcheck disable=SC2086 # the flags are separate words
  if ! "$binary" $flags -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$name-" "$work" "$seeds" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz: $name failed; the input is in $build/artifacts/" >&2
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed "s/^/fuzz: $name: /"
done <"$list"
