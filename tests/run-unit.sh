#!/bin/sh
# Runs each cmocka test binary given; prints a summary line and fails if any failed.
pass=0; fail=0; failed=""
cd "$(dirname "$0")/.." || exit 1
for t in "$@"; do
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $t"; fi
done
echo "unit test programs: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "failed:$failed"; exit 1; }
