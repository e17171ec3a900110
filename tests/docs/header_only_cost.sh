#!/usr/bin/env bash
# What the header-only mode costs, measured on this machine: the compile time (CPU) of one
# translation unit that includes <cinetpay/transfer.hpp> (examples/quickstart.cpp) at -O2,
# best of three, in each mode; and the size of that program built for debugging (-O0 -g) in
# each mode, the compiled one linked with the library built as `make install` builds it
# (-O2, no debug information). docs/packaging.md quotes its output.
#   usage: tests/docs/header_only_cost.sh [COMPILER]     (default: c++)
set -euo pipefail
cxx=${1:-c++}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-std=c++17 -I"$root/include")
src=$root/examples/quickstart.cpp

seconds() {  # the compiler's CPU time (user + system), best of three runs, in seconds: on a
             # busy machine it stays what an idle one would take, where wall time would not
  local best="" t
  for _ in 1 2 3; do
    t=$( { TIMEFORMAT='%U %S'; time "$@" > /dev/null 2>&1; } 2>&1 | awk '{ print $1 + $2 }')
    best=$(echo "$t ${best:-}" | awk '{ if ($2 == "" || $1 < $2) print $1; else print $2 }')
  done
  printf '%.1f' "$best"
}
size_mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.2f", b / 1e6 }'; }

compiled_o2=$(seconds "$cxx" "${flags[@]}" -O2 -c "$src" -o "$work/q.o")
header_only_o2=$(seconds "$cxx" "${flags[@]}" -O2 -DCINETPAY_HEADER_ONLY -c "$src" -o "$work/q_ho.o")
library_o2=$(seconds "$cxx" "${flags[@]}" -O2 -DNDEBUG -c "$root/src/cinetpay.cpp" -o "$work/lib.o")

"$cxx" "${flags[@]}" -O0 -g "$src" "$work/lib.o" -o "$work/compiled" -lcurl -pthread
"$cxx" "${flags[@]}" -O0 -g -DCINETPAY_HEADER_ONLY "$src" -o "$work/header_only" -lcurl -pthread

echo "compiler: $("$cxx" --version | head -n 1)"
echo "one translation unit at -O2: compiled ${compiled_o2} s, header-only ${header_only_o2} s" \
     "(the library itself, once: ${library_o2} s)"
echo "the program at -O0 -g: compiled $(size_mb "$work/compiled") MB," \
     "header-only $(size_mb "$work/header_only") MB"
