#!/bin/bash
# Integration tests against a real Dovecot (IMAP) and a real Postfix (SMTP,
# delivering to Dovecot over LMTP), started privately on loopback high ports
# by contrib/mailstack.sh.  Each tests/integration/t-*.sh gets a fresh mail
# stack and a fresh database; the stack is stopped afterwards, also on failure.
#
#   tests/integration/run.sh [./socialorder] [t-name ...]
set -uo pipefail
cd "$(dirname "$0")/../.."
export SO_BIN=$(realpath "${1:-./socialorder}")
shift || true
export SO_IMAP_PORT=${SO_IMAP_PORT:-11143} SO_SMTP_PORT=${SO_SMTP_PORT:-11025} SO_LMTP_PORT=${SO_LMTP_PORT:-11024}
export SO_IMAPS_PORT=${SO_IMAPS_PORT:-$((SO_IMAP_PORT + 850))}
export SO_MAIL_PASSWORD=secret
ROOT=${SO_TEST_DIR:-/tmp/socialorder-it}
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(tests/integration/t-*.sh)
pass=0; fail=0; failed=""
for t in "${scripts[@]}"; do
	[ -f "$t" ] || t="tests/integration/$t.sh"
	name=$(basename "$t" .sh)
	dir="$ROOT/$name"
	contrib/mailstack.sh stop "$dir/mail" >/dev/null 2>&1 || true
	rm -rf "$dir"
	mkdir -p "$dir"
	echo "# $name"
	if ! contrib/mailstack.sh start "$dir/mail" >"$dir/mailstack.log" 2>&1; then
		cat "$dir/mailstack.log"
		echo "not ok - $name: mail stack did not start"
		fail=$((fail + 1)); failed="$failed $name"
		continue
	fi
	SO_T_DIR="$dir" bash "$t"
	rc=$?
	contrib/mailstack.sh stop "$dir/mail" >/dev/null 2>&1 || true
	if [ $rc -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $name"; fi
done
echo "integration test scripts: $pass passed, $fail failed${failed:+ ($failed )}"
[ $fail -eq 0 ]
