# SPDX-License-Identifier: MIT
# Order runs against the real Dovecot + Postfix: one mail per supplier with
# the right attachment (the openTRANS one validated with xmllint as it
# arrived), the free-text list to procurement, notices to requesters, a
# dry run that sends nothing, a second run that sends nothing, waiting and
# cancelled cases left out, a supplier under its minimum waiting, and
# SIGKILL during runs followed by a rerun ordering every position once.
set -u
. "$(dirname "$0")/common.sh"
SCHEMA=$SO_REPO_ROOT/tests/data/schemas/opentrans-2.1/opentrans_2_1.xsd
L01=auftrag@buerowelt.test
L02=bestellung@papierhaus.test
N=0

deliver_standard() {     # deliver N copies of sample 01 with new Message-IDs
	local i
	for i in $(seq 1 "$1"); do
		N=$((N + 1))
		sed "s/^Message-ID: <01-standard@/Message-ID: <ord-$N@/" \
			"$SO_REPO_ROOT/contrib/demo/mails/01-standard.eml" > "$D/f-$N.eml"
		so_send_eml "$D/f-$N.eml"
	done
}
poll() { $SO poll 2>>"$D/poll.log"; so_wait_queue_empty "$D/mail" 60; }
# Attachments of every message in USER's INBOX into DIR.
attachments() {
	mkdir -p "$2"
	so_imap_fetch_all "$1" INBOX "$2/raw" >/dev/null 2>&1 || { mkdir -p "$2/raw"; so_imap_fetch_all "$1" INBOX "$2/raw" >/dev/null; }
	python3 - "$2" <<'PY'
import email, glob, os, sys
from email import policy
out = sys.argv[1]
for f in sorted(glob.glob(os.path.join(out, "raw", "*.eml"))):
    m = email.message_from_binary_file(open(f, "rb"), policy=policy.default)
    for part in m.iter_attachments():
        open(os.path.join(out, part.get_filename()), "wb").write(part.get_payload(decode=True))
PY
}

deliver_standard 5
so_send_eml "$SO_REPO_ROOT/contrib/demo/mails/02-freitext.eml"     # free text, needs approval
so_wait_count bestellung@exempla.test INBOX 6 30
poll
so_assert_eq "$(sql "SELECT count(*) FROM vorgang WHERE state = 'freigegeben'")" 5 "5 released cases"
# Approve the free-text case so that its item goes to procurement.
nr2=$(sql "SELECT nr FROM vorgang WHERE source_msgid = '02-freitext@intranet.exempla.test'")
tok=$(subjects amtsleitung60@exempla.test INBOX | grep "$nr2" | sed 's/.*\[\([0-9a-f]*\)\].*/\1/' | tail -1)
printf 'From: amtsleitung60@exempla.test\r\nTo: bestellung@exempla.test\r\nSubject: GENEHMIGT %s %s\r\nMessage-ID: <appr-ord@x.test>\r\n\r\n\r\n' "$nr2" "$tok" > "$D/appr.eml"
so_send_eml "$D/appr.eml"
so_wait_count bestellung@exempla.test INBOX 1 20
poll
so_assert_eq "$(sql "SELECT state FROM vorgang WHERE nr = '$nr2'")" freigegeben "free-text case approved"

# --- dry run
$SO order-run --dry-run > "$D/dry.txt" 2>>"$D/poll.log"
so_assert_eq "$?" 0 "order-run --dry-run exits 0"
# 5 x sample 01 plus the highlighter of the approved free-text case 02.
so_assert_contains "$D/dry.txt" "L01 Bürowelt Nord GmbH: 11 Positionen, 176,66 EUR -> wird bestellt" "dry run shows the L01 bundle"
so_assert_contains "$D/dry.txt" "Freitext an die Zentrale Beschaffung" "dry run shows the free-text list"
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(so_imap_count $L01 INBOX)" 0 "dry run sends nothing"
so_assert_eq "$(sql 'SELECT count(*) FROM bestellung')" 0 "dry run orders nothing"

# --- the run
$SO order-run > "$D/run.txt" 2>>"$D/poll.log"
so_assert_eq "$?" 0 "order-run exits 0"
so_wait_queue_empty "$D/mail" 60
so_wait_count $L01 INBOX 1 30
so_assert_eq "$(so_imap_count $L01 INBOX)" 1 "one order mail to supplier L01"
so_assert_eq "$(so_imap_count $L02 INBOX)" 1 "one order mail to supplier L02"
so_assert_eq "$(so_imap_count einkauf@exempla.test INBOX)" 1 "free-text list to procurement"
attachments $L01 "$D/a01"
attachments $L02 "$D/a02"
csv=$(ls "$D"/a01/*.csv 2>/dev/null | head -1)
xml=$(ls "$D"/a02/*.xml 2>/dev/null | head -1)
so_assert_eq "$([ -n "$csv" ] && echo yes)" yes "L01 (format csv) got a CSV attachment"
so_assert_contains "${csv:-/dev/null}" "bestellnummer;" "CSV has its header row"
so_assert_contains "${csv:-/dev/null}" "KD-778812" "CSV carries the customer number"
so_assert_eq "$([ -n "$xml" ] && echo yes)" yes "L02 (format opentrans) got an XML attachment"
if [ -n "$xml" ] && xmllint --nonet --noout --schema "$SCHEMA" "$xml" 2>"$D/xmllint.txt"; then
	so_assert_eq ok ok "openTRANS order as received validates against the 2.1 schema"
else
	cat "$D/xmllint.txt"; so_assert_eq invalid valid "openTRANS order as received validates against the 2.1 schema"
fi
so_assert_contains "${xml:-/dev/null}" "COST_CATEGORY_ID" "Kostenstelle per item in openTRANS"
so_assert_eq "$(sql "SELECT count(*) FROM vorgang WHERE state = 'bestellt'")" 6 "all 6 cases bestellt"
bodies requester1@exempla.test INBOX > "$D/r1.txt"
so_assert_contains "$D/r1.txt" "bei Bürowelt Nord GmbH, Bestellung B-" "requester told what was ordered from whom"
so_assert_contains "$D/r1.txt" "Status: bestellt" "notice names the state"

# --- a second run sends nothing
$SO order-run >/dev/null 2>>"$D/poll.log"
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(sql 'SELECT count(*) FROM bestellung')" 3 "second run orders nothing"
so_assert_eq "$(so_imap_count $L01 INBOX)" 1 "second run sends nothing"

# --- under the minimum: waits; cancelled and waiting cases stay out
deliver_standard 2
so_send_eml "$SO_REPO_ROOT/contrib/demo/mails/03-ueber-schwelle.eml"     # waits for approval
so_wait_count bestellung@exempla.test INBOX 3 30
poll
cancelled=$(sql "SELECT nr FROM vorgang WHERE source_msgid = 'ord-$N@intranet.exempla.test'")
sql "UPDATE vorgang SET state = 'storniert' WHERE nr = '$cancelled'; UPDATE position SET state = 'storniert' WHERE vorgang_id = (SELECT id FROM vorgang WHERE nr = '$cancelled')"
$SO order-run > "$D/wait.txt" 2>>"$D/poll.log"
so_assert_contains "$D/wait.txt" "wartet: 34,70 EUR unter dem Mindestbestellwert von 50,00 EUR" "supplier under its minimum waits"
so_assert_not_contains "$D/wait.txt" "$cancelled" "cancelled case stays out"
so_assert_not_contains "$D/wait.txt" "SO-2026-000009" "case waiting for approval stays out"
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(so_imap_count $L01 INBOX)" 1 "nothing sent while waiting"

# --- SIGKILL during runs, then a rerun: every position ordered exactly once
# (enough budget on Kostenstelle 1020 that the copies need no approval)
sql "UPDATE kostenstelle SET budget_cents = 100000000 WHERE code = '1020'"
kills=0
for round in 1 2 3; do
	deliver_standard 10
	so_wait_count bestellung@exempla.test INBOX 10 60
	poll
	for i in $(seq 1 6); do
		$SO order-run >/dev/null 2>>"$D/crash.log" &
		pid=$!
		sleep "0.00$(( (RANDOM % 9) + 1 ))"
		kill -KILL $pid 2>/dev/null && kills=$((kills + 1))
		wait $pid 2>/dev/null
	done
done
echo "# killed order-run $kills times"
$SO order-run >/dev/null 2>>"$D/poll.log"
poll
so_assert_eq "$(sql "SELECT count(*) FROM position p JOIN vorgang v ON v.id = p.vorgang_id WHERE v.state = 'freigegeben' AND p.bestellung_id IS NULL")" 0 "no released position left unordered"
so_assert_eq "$(sql "SELECT count(*) FROM position WHERE state = 'bestellt' AND bestellung_id IS NULL")" 0 "every ordered position has its order"
so_assert_eq "$(sql "SELECT count(*) FROM bestellung")" "$(sql "SELECT count(*) FROM outbox WHERE kind IN ('order', 'freetext_order')")" "one order mail per order"
mkdir -p "$D/l01"; so_imap_fetch_all $L01 INBOX "$D/l01" >/dev/null
so_assert_eq "$(grep -hi '^Message-ID:' "$D"/l01/*.eml | sort -u | wc -l)" "$(sql "SELECT count(*) FROM bestellung WHERE lieferant = 'L01'")" "L01 received each of its orders exactly once"
so_assert_eq "$(sql "SELECT count(*) FROM vorgang WHERE source_msgid LIKE 'ord-%' AND state NOT IN ('bestellt', 'storniert')")" 0 "every released copy is bestellt"
so_assert_eq "$(sql "SELECT sum(p.menge) FROM position p JOIN vorgang v ON v.id = p.vorgang_id WHERE v.state = 'bestellt' AND p.artikelnr = '300100'")" "$(sql "SELECT sum(p.menge) FROM position p WHERE p.artikelnr = '300100' AND p.bestellung_id IS NOT NULL")" "Ordner ordered exactly as requested"
so_summary
