#!/bin/bash
# Social Order demo on the embedded default: a private Dovecot + Postfix on
# loopback, a fresh SQLite database with the demo master data, the demo form
# mails delivered through Postfix, one "socialorder poll", and then what
# happened: the cases, the mailbox folders, and the mails that went out.
#
#   contrib/demo.sh           run the demo, stop the mail stack at the end
#   contrib/demo.sh --keep    leave the mail stack running to look around
set -euo pipefail
cd "$(dirname "$0")/.."
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1
DIR=${SO_DEMO_DIR:-/tmp/socialorder-demo}
export SO_IMAP_PORT=${SO_IMAP_PORT:-10143} SO_SMTP_PORT=${SO_SMTP_PORT:-10025} SO_LMTP_PORT=${SO_LMTP_PORT:-10024}
export SO_MAIL_PASSWORD=${SO_MAIL_PASSWORD:-secret}
. tests/integration/lib.sh

contrib/mailstack.sh stop "$DIR/mail" >/dev/null 2>&1 || true
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$KEEP" = 1 ] || trap 'contrib/mailstack.sh stop "$DIR/mail" >/dev/null 2>&1 || true' EXIT

if [ -t 1 ]; then
	section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	section() { printf '\n== %s\n' "$*"; }
fi

section "Starting a private Dovecot (IMAP :$SO_IMAP_PORT) and Postfix (SMTP :$SO_SMTP_PORT)"
contrib/mailstack.sh start "$DIR/mail"

cat > "$DIR/socialorder.ini" <<INI
[general]
database = $DIR/socialorder.db
templates = $PWD/templates
[imap]
url = imap://127.0.0.1:$SO_IMAP_PORT/INBOX
user = bestellung@exempla.test
password = $SO_MAIL_PASSWORD
poll_interval = 5
[smtp]
url = smtp://127.0.0.1:$SO_SMTP_PORT
from = bestellung@exempla.test
[approval]
threshold = 250,00
INI
SO="./socialorder -c $DIR/socialorder.ini"

section "Importing the demo master data (contrib/demo/stammdaten)"
$SO import contrib/demo/stammdaten

section "Delivering the demo form mails through Postfix to bestellung@exempla.test"
n=0
for f in contrib/demo/mails/*.eml; do
	so_send_eml "$f"
	echo "  sent $(basename "$f")"
	n=$((n + 1))
done
so_wait_count bestellung@exempla.test INBOX "$n" 30

section "Running: socialorder poll"
$SO poll
so_wait_queue_empty "$DIR/mail" 30

section "Cases (socialorder list)"
$SO list
for nr in $($SO list | awk '/^SO-/{print $1}' | sort | head -3); do
	section "socialorder show $nr"
	$SO show "$nr"
done

section "What happened to each mail (from the intake ledger)"
sqlite3 -batch -separator ' | ' "$DIR/socialorder.db" \
	"SELECT printf('%-45.45s', coalesce(message_id, '-')), printf('%-10s', outcome),
	        printf('%-14s', folder), coalesce(vorgang_nr, ''), substr(coalesce(reason, ''), 1, 90)
	 FROM ledger ORDER BY id"
echo "(outcome: case = confirmed; rejected = answered with the problems; command = answered;"
echo " machine = auto-reply, never answered)"

section "Mailbox bestellung@exempla.test after the poll"
for folder in INBOX Verarbeitet Fehlgeschlagen; do
	printf '  %-16s %s messages\n' "$folder" "$(so_imap_count bestellung@exempla.test "$folder")"
done

section "Mails that went out (as delivered by Postfix to each recipient's INBOX)"
out="$DIR/delivered"
for user in requester1@exempla.test requester2@exempla.test amtsleitung60@exempla.test sgl102@exempla.test; do
	mkdir -p "$out/$user"
	cnt=$(so_imap_fetch_all "$user" INBOX "$out/$user")
	echo "  $user: $cnt mails"
	for m in "$out/$user"/*.eml; do
		[ -e "$m" ] || continue
		subj=$(python3 -c 'import email,sys; from email import policy; print(email.message_from_binary_file(open(sys.argv[1],"rb"),policy=policy.default)["Subject"])' "$m" 2>/dev/null ||
			grep -m1 -i '^Subject:' "$m" | cut -c10- | tr -d '\r')
		echo "    - $subj"
	done
done
first=$(ls "$out/requester1@exempla.test"/*.eml 2>/dev/null | head -1 || true)
if [ -n "$first" ]; then
	section "One of them in full: $(basename "$first") to requester1@exempla.test"
	python3 - "$first" <<'PY' 2>/dev/null || cat "$first"
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
for h in ('From', 'To', 'Subject', 'Date', 'Message-ID', 'In-Reply-To', 'Auto-Submitted'):
    print(f"{h}: {m[h]}")
print()
print(m.get_body(preferencelist=('plain',)).get_content())
PY
fi
section "Done"
echo "Database: $DIR/socialorder.db   Config: $DIR/socialorder.ini"
if [ "$KEEP" = 1 ]; then
	echo "The mail stack keeps running; stop it with: contrib/mailstack.sh stop $DIR/mail"
else
	echo "The mail stack is stopped (contrib/demo.sh --keep leaves it running)."
fi
exit 0
