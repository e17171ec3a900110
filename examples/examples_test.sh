#!/usr/bin/env bash
# The examples together, as a merchant runs them against the sandbox: webhook_receiver
# serves notify_url, send_batch pays a CSV file twice (the second run pays nobody again),
# check_status follows each payout to its end, and the receiver applies each verified
# status once, refuses a forged notification and answers the GET ping.
# usage: examples_test.sh BIN_DIR WORK_DIR, with the CINETPAY_* variables of a sandbox.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"

fail() { echo "FAILED: $*" >&2; exit 1; }
# Waits up to 20 s (400 × 50 ms) for a line matching PATTERN in FILE.
wait_for() {
  for _ in $(seq 400); do grep -q "$1" "$2" && return 0; sleep 0.05; done
  cat "$2" >&2
  fail "no line '$1' in $2 within 20 s"
}

"$bin/webhook_receiver" 0 > webhook.out 2> webhook.err < /dev/null &
receiver=$!
trap 'kill "$receiver" 2> /dev/null || true' EXIT
wait_for '^listening on ' webhook.out
url=$(sed -n '1s/^listening on //p' webhook.out)
[ "$(curl -fsS "$url")" = OK ] || fail "the GET ping was not answered OK"

cat > payouts.csv << CSV
client_transaction_id,prefix,phone,amount,notify_url,name,surname,email
EX-1,225,0701020304,1500,$url,Kouassi,Awa,awa@example.com
EX-2,225,0501020399,2500,$url,"Yao, Jr",Koffi,koffi@example.com
CSV
# A bad file is refused whole, its place named, before anything is sent.
sed 's/,1500,/,15OO,/' payouts.csv > bad.csv
! "$bin/send_batch" bad.csv 2> bad.err || fail "send_batch took a file with a bad amount"
grep -q 'bad.csv:2: column 4 (amount)' bad.err || fail "the bad amount's place was not named"
"$bin/send_batch" payouts.csv | tee first.out
grep -q '^EX-1 accepted: transaction ' first.out || fail "EX-1 was not accepted"
grep -q '^EX-2 accepted: transaction ' first.out || fail "EX-2 was not accepted"
"$bin/send_batch" payouts.csv | tee second.out
transactions() { sed -n 's/^\(EX-[0-9]\) accepted: transaction \([^,]*\),.*/\1 \2/p' "$1"; }
[ "$(transactions first.out)" = "$(transactions second.out)" ] ||
  fail "running the file again made new transactions"

"$bin/check_status" EX-1 20 | tee status.out
"$bin/check_status" EX-2 20 | tee -a status.out
grep -q '^EX-1: VAL (final), 1500 to ' status.out || fail "EX-1 did not end VAL"
grep -q '^EX-2: REJ (final), 2500 to ' status.out || fail "EX-2 (a number ending in 99) did not end REJ"
! "$bin/check_status" NO-SUCH-PAYOUT 2> missing.err || fail "check_status found a payout that does not exist"
grep -q 'no payout NO-SUCH-PAYOUT' missing.err || fail "check_status did not say the payout is missing"

wait_for '^EX-1 VAL verified: final' webhook.out
wait_for '^EX-2 REJ verified: final' webhook.out
# CinetPay may notify a status again: it is verified, then not applied twice.
tx1=$(transactions first.out | sed -n 's/^EX-1 //p')
repeats=$(grep -c '^EX-1 VAL repeat' webhook.out || true)
curl -fsS -d "transaction_id=$tx1&client_transaction_id=EX-1&treatment_status=VAL" "$url" > /dev/null
wait_for "^EX-1 VAL repeat" webhook.out
[ "$(grep -c '^EX-1 VAL repeat' webhook.out)" -gt "$repeats" ] || fail "the repeat was not seen"
[ "$(grep -c '^EX-1 VAL verified' webhook.out)" = 1 ] || fail "EX-1 VAL was applied twice"
# A forged notification (no such transfer at CinetPay) is refused.
code=$(curl -sS -o /dev/null -w '%{http_code}' -d 'transaction_id=FORGED-1&treatment_status=VAL' "$url")
[ "$code" = 400 ] || fail "a forged notification was answered $code"
echo "examples ok"
