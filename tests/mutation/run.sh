#!/usr/bin/env bash
# make mutate: breaks each money rule of tests/mutation/mutants.txt in turn (one mutant at a
# time, in the source tree, always restored), rebuilds what it touches in build/mutate, and
# runs the unit, integration, ledger, crash and simulation tests. A mutant is killed when a
# test fails. Prints one line per mutant and `mutants: K of N killed`, naming each survivor;
# exits 1 if any survived, 2 if a mutant no longer applies (its text is not found once).
# Usage: tests/mutation/run.sh [NAME-SUBSTRING]
set -uo pipefail
cd "$(dirname "$0")/../.."
readonly list=tests/mutation/mutants.txt
readonly build=build/mutate
readonly labels='^(unit|integration|ledger|crash|simulation)$'
only=${1:-}

launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCINETPAY_TEST_HEADER_ONLY=OFF \
  -DCINETPAY_BUILD_EXAMPLES=OFF "${launcher[@]}" > /dev/null || exit 2
cmake --build "$build" > /dev/null || { echo "mutate: the unmutated tree does not build"; exit 2; }
if ! ctest --test-dir "$build" -L "$labels" -j2 > "$build/baseline.log" 2>&1; then
  echo "mutate: the unmutated tree fails its tests (see $build/baseline.log)"
  exit 2
fi

# The file being mutated, restored whatever ends the script.
current=""
restore() { if [[ -n $current ]]; then cp "$build/original" "$current"; current=""; fi; }
trap restore EXIT INT TERM

# Replaces the one occurrence of $FROM by $TO in $1 ("\n" is a line break); prints the
# number of occurrences found.
mutate() {
  perl -0 -i -ne '
    BEGIN { ($from, $to) = ($ENV{FROM}, $ENV{TO}); s/\\n/\n/g for $from, $to; }
    $n = () = /\Q$from\E/g;
    s/\Q$from\E/$to/ if $n == 1;
    print;
    END { print STDERR "$n\n"; }' "$1" 2>&1 > /dev/null
}

total=0
killed=0
survivors=()
run_one() {
  local name=$1 file=$2 from=$3 to=$4
  [[ -n $only && $name != *"$only"* ]] && return
  total=$((total + 1))
  cp "$file" "$build/original"
  current=$file
  local found
  found=$(FROM=$from TO=$to mutate "$file")
  if [[ $found != 1 ]]; then
    restore
    echo "mutate: '$name': its text occurs $found times in $file, not once"
    exit 2
  fi
  local started=$SECONDS verdict
  if ! cmake --build "$build" > "$build/mutant.log" 2>&1; then
    restore
    echo "mutate: '$name' does not build (see $build/mutant.log)"
    exit 2
  fi
  if ctest --test-dir "$build" -L "$labels" -j2 --stop-on-failure > "$build/mutant.log" 2>&1; then
    verdict="SURVIVED"
    survivors+=("$name")
  else
    verdict="killed by $(grep -m1 -o '[0-9]* - [^ ]*' "$build/mutant.log" | sed 's/^[0-9]* - //')"
    killed=$((killed + 1))
  fi
  restore
  echo "mutant $total: $name: $verdict ($((SECONDS - started)) s)"
}

name="" file="" from=""
while IFS= read -r line; do
  case $line in
    "mutant: "*) name=${line#mutant: } ;;
    "file: "*) file=${line#file: } ;;
    "from: "*) from=${line#from: } ;;
    "to: "*) run_one "$name" "$file" "$from" "${line#to: }" ;;
  esac
done < "$list"

# Leave the build as the tree is.
cmake --build "$build" > /dev/null
echo "mutants: $killed of $total killed"
for s in "${survivors[@]}"; do echo "survivor: $s"; done
[[ ${#survivors[@]} -eq 0 ]]
