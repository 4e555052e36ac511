# SPDX-License-Identifier: MIT
# Approvals by reply against the real Dovecot + Postfix: approve with the
# link's subject, reject with a plain "AW:" reply, a forwarded link used by
# an outsider, a tampered token, a replay, the deputy deciding, an
# out-of-office reply handing over, reminder / escalation / expiry with a
# controllable clock, a reply read after the deadline that arrived before
# it, a budget that is used up, a master data import that replaces the
# approver of a waiting case, and forged replies in bulk.
set -u
. "$(dirname "$0")/common.sh"
A=amtsleitung60@exempla.test      # approver of OE 60
DEP=stv60@exempla.test            # deputy of OE 60
R2=requester2@exempla.test
N=0

# Deliver a copy of sample 02 (OE 60, free-text item: needs approval) with a
# new Message-ID, poll, and print the new case number.  It runs in a
# subshell, so its counter lives in a file.
new_case() {
	local k
	k=$(($(cat "$D/cases" 2>/dev/null || echo 0) + 1))
	echo "$k" > "$D/cases"
	sed "s/^Message-ID: <02-freitext@/Message-ID: <appr-$k@/" \
		"$SO_REPO_ROOT/contrib/demo/mails/02-freitext.eml" > "$D/form-$k.eml"
	so_send_eml "$D/form-$k.eml"
	so_wait_count bestellung@exempla.test INBOX 1 20 >/dev/null
	$SO poll 2>>"$D/poll.log"
	so_wait_queue_empty "$D/mail" 30
	sql "SELECT nr FROM vorgang WHERE source_msgid = 'appr-$k@intranet.exempla.test'"
}
state() { sql "SELECT state FROM vorgang WHERE nr = '$1'"; }
# The token from the newest approval request for case $2 in $1's INBOX.
token_for() {
	subjects "$1" INBOX | grep "Genehmigung erforderlich: $2 " | tail -1 |
		sed 's/.*\[\([0-9a-f]*\)\].*/\1/'
}
# Message-ID of the newest approval request for case $2 in $1's INBOX.
request_msgid_for() {
	local f out="$D/fetch-$1-INBOX"
	subjects "$1" INBOX >/dev/null
	for f in $(ls -v "$out"/*.eml); do
		grep -q "$2" "$f" && grep -i '^Message-ID:' "$f" | tr -d '\r' | sed 's/^[^<]*<//; s/>.*//'
	done | tail -1
}
# Send a reply: from, subject, body, [extra header lines]
send_reply() {
	N=$((N + 1))
	printf 'From: %s\r\nTo: bestellung@exempla.test\r\nSubject: %s\r\nMessage-ID: <rep-%d@client.test>\r\n%bContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' \
		"$1" "$2" "$N" "${4:-}" "$3" > "$D/reply-$N.eml"
	so_send_eml "$D/reply-$N.eml"
	so_wait_count bestellung@exempla.test INBOX 1 20 >/dev/null
	SO_NOW=${POLL_NOW:-} $SO poll 2>>"$D/poll.log"
	so_wait_queue_empty "$D/mail" 30
}
count_subject() { subjects "$1" INBOX | grep -c "$2"; }

# --- approve with the subject the mailto link produces
c1=$(new_case)
so_assert_eq "$(state "$c1")" wartet_auf_genehmigung "case waits for approval"
t1=$(token_for $A "$c1")
so_assert_eq "${#t1}" 32 "approval request with a 128-bit token reached the approver"
bodies $A INBOX > "$D/req.txt"
so_assert_contains "$D/req.txt" "mailto:bestellung@exempla.test?subject=GENEHMIGT%20$c1%20$t1" "request carries the approve link"
so_assert_contains "$D/req.txt" "Budget 2026" "request shows the budget"
so_assert_not_contains "$D/req.txt" "http" "no HTTP links"
send_reply "Björn Ødegård <$A>" "GENEHMIGT $c1 $t1" ""
so_assert_eq "$(state "$c1")" freigegeben "approved via link: freigegeben"
so_assert_eq "$(count_subject $R2 "Ihre Anforderung $c1: freigegeben")" 1 "requester told"
so_assert_eq "$(count_subject $A "Entscheidung zu $c1 erfasst")" 1 "approver gets a receipt"

# --- replay of the same approval
send_reply "$A" "GENEHMIGT $c1 $t1" ""
so_assert_eq "$(count_subject $A "$c1 ist bereits entschieden")" 1 "replay answered with 'already decided'"
so_assert_eq "$(count_subject $R2 "Ihre Anforderung $c1")" 1 "requester not told twice"

# --- reject with a plain Outlook-style reply, quoted request below
c2=$(new_case)
t2=$(token_for $A "$c2")
send_reply "$A" "AW: Genehmigung erforderlich: $c2 [$t2]" "Abgelehnt - bitte Modell aus dem Katalog nehmen

-----Ursprüngliche Nachricht-----
Von: Social Order
Genehmigen: GENEHMIGT"
so_assert_eq "$(state "$c2")" abgelehnt "plain AW: reply rejects"
bodies $R2 INBOX > "$D/r2.txt"
so_assert_contains "$D/r2.txt" "bitte Modell aus dem Katalog nehmen" "requester gets the reason"

# --- forwarded link used by an outsider, then by a colleague
c3=$(new_case)
t3=$(token_for $A "$c3")
send_reply "Mallory <mallory@evil.test>" "GENEHMIGT $c3 $t3" ""
send_reply "requester1@exempla.test" "GENEHMIGT $c3 $t3" ""
so_assert_eq "$(state "$c3")" wartet_auf_genehmigung "outsiders change nothing"
so_assert_eq "$(so_imap_count mallory@evil.test INBOX)" 0 "outsider learns nothing"
so_assert_eq "$(count_subject $A "fremder Entscheidungsversuch zu $c3")" 1 "real approver told once"
so_assert_eq "$(sql "SELECT count(*) FROM history h JOIN vorgang v ON v.id = h.vorgang_id WHERE v.nr = '$c3' AND h.reason LIKE 'Entscheidung abgewiesen%'")" 2 "both attempts in the case history"

# --- tampered token from the approver
bad=$(printf '%s' "$t3" | sed 's/^./0/; t; s/^/0/')
[ "$bad" = "$t3" ] && bad=$(printf '%s' "$t3" | sed 's/^./1/')
send_reply "$A" "GENEHMIGT $c3 $bad" ""
so_assert_eq "$(state "$c3")" wartet_auf_genehmigung "tampered token changes nothing"
so_assert_eq "$(count_subject $A "Ihre Antwort zu $c3 wurde nicht verarbeitet")" 1 "approver told why"

# --- the deputy decides with the approver's request
send_reply "$DEP" "APPROVE $c3 $t3" ""
so_assert_eq "$(state "$c3")" freigegeben "deputy may decide"

# --- out-of-office reply hands the request to the deputy
c4=$(new_case)
mid=$(request_msgid_for $A "$c4")
send_reply "$A" "Automatische Antwort: Genehmigung erforderlich: $c4" "Ich bin bis 30.11. nicht im Dienst." \
	"Auto-Submitted: auto-replied\r\nIn-Reply-To: <$mid>\r\n"
so_assert_eq "$(count_subject $DEP "Genehmigung erforderlich: $c4 ")" 1 "deputy got the request after the out-of-office reply"
so_assert_eq "$(count_subject $A "$c4")" 1 "no answer to the out-of-office reply"
t4=$(token_for $DEP "$c4")
send_reply "$DEP" "ABGELEHNT $c4 $t4 kein Bedarf" ""
so_assert_eq "$(state "$c4")" abgelehnt "deputy decides with the hand-over token"

# --- reminder, escalation, expiry (clock moved forward with SO_NOW)
c5=$(new_case)
start=$(date +%s)
rem=0; esc=0
for k in 1 2 3 4 5 6 7 8 9 10; do
	SO_NOW=$((start + k * 86400)) $SO poll 2>>"$D/poll.log"
	so_wait_queue_empty "$D/mail" 30
	[ $rem = 0 ] && [ "$(count_subject $A "Erinnerung: Genehmigung erforderlich: $c5")" = 1 ] && rem=$k
	[ $esc = 0 ] && [ "$(count_subject $DEP "Genehmigung erforderlich: $c5 ")" = 1 ] && esc=$k
done
so_assert_eq "$([ $rem -gt 0 ] && echo yes)" yes "approver reminded (after day $rem)"
so_assert_eq "$([ $esc -gt $rem ] && echo yes)" yes "escalated to the deputy later (day $esc)"
SO_NOW=$((start + 15 * 86400)) $SO poll 2>>"$D/poll.log"
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(state "$c5")" abgelehnt "expired request: abgelehnt"
bodies $R2 INBOX > "$D/r2b.txt"
so_assert_contains "$D/r2b.txt" "Genehmigungsfrist ist abgelaufen" "requester told about the expiry"

# --- the deadline goes by delivery time (IMAP INTERNALDATE): a reply that
# arrived in time counts though it is read 20 days later
c6=$(new_case)
t6=$(token_for $A "$c6")
POLL_NOW=$(($(date +%s) + 20 * 86400)) send_reply "$A" "GENEHMIGT $c6 $t6" ""
so_assert_eq "$(state "$c6")" freigegeben "reply delivered in time counts when read after the deadline"

# --- budget: 8 x 224,10 EUR released on Kostenstelle 1020 (1.800,00), the 9th waits
for i in 1 2 3 4 5 6 7 8 9; do
	printf 'From: Max Mustermann <requester1@exempla.test>\r\nTo: bestellung@exempla.test\r\nSubject: Anforderung\r\nMessage-ID: <budget-%d@x.test>\r\n\r\nOrganisationseinheit: 10.2\r\nKostenstelle: 1020\r\nLieferort: RH-214\r\nPositionen:\r\nPos | Artikelnr. | Bezeichnung | Menge | Einheit | Preis\r\n1 | 610050 | Umschlaege | 9 | Karton | \r\n' "$i" > "$D/budget-$i.eml"
	so_send_eml "$D/budget-$i.eml"
done
so_wait_count bestellung@exempla.test INBOX 9 30
$SO poll 2>>"$D/poll.log"
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(sql "SELECT count(*) FROM vorgang WHERE source_msgid LIKE 'budget-%' AND state = 'freigegeben'")" 8 "8 cases within budget released"
so_assert_eq "$(sql "SELECT count(*) FROM vorgang WHERE source_msgid = 'budget-9@x.test' AND state = 'wartet_auf_genehmigung' AND approval_reason LIKE '%Budget der Kostenstelle 1020%'")" 1 "the 9th exceeds the budget and waits"
so_assert_eq "$(count_subject sgl102@exempla.test "Genehmigung erforderlich:")" 1 "approver of OE 10.2 asked, the request says why"

# --- master data change: the approver of OE 60 leaves while a case waits
NEWA=neu60@exempla.test
c6=$(new_case)
t6=$(token_for $A "$c6")
mkdir -p "$D/md2"
printf 'oe;bezeichnung;uebergeordnet;genehmiger;vertretung;schwelle_eur\n60;Bauamt;1;%s;%s;\n' \
	"$NEWA" "$DEP" > "$D/md2/organisationseinheiten.csv"
printf 'email;name;oe;rolle\n%s;Nora Neu;60;genehmiger\n' "$NEWA" > "$D/md2/personen.csv"
$SO import "$D/md2" > "$D/import2.out" 2>>"$D/poll.log"
so_assert_match "$D/import2.out" "Genehmigungen neu adressiert +1 " "import re-addresses the waiting case"
$SO poll 2>>"$D/poll.log"
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(count_subject $NEWA "Genehmigung erforderlich: $c6 ")" 1 "the new approver gets a request with a new token"
send_reply "$A" "GENEHMIGT $c6 $t6" ""
so_assert_eq "$(state "$c6")" wartet_auf_genehmigung "the old approver's reply after the import is refused"
bodies $A INBOX > "$D/old-a.txt"
so_assert_contains "$D/old-a.txt" "nicht mehr zuständig" "the old approver is told he no longer decides"
so_assert_eq "$(sql "SELECT count(*) FROM history h JOIN vorgang v ON v.id = h.vorgang_id WHERE v.nr = '$c6' AND h.reason LIKE 'Genehmigung nach Änderung der Stammdaten neu adressiert%'")" 1 "the case history records the re-addressing"
nt6=$(token_for $NEWA "$c6")
send_reply "$NEWA" "GENEHMIGT $c6 $nt6" ""
so_assert_eq "$(state "$c6")" freigegeben "the new approver's reply decides"
so_assert_eq "$(sql "SELECT h.actor FROM history h JOIN vorgang v ON v.id = h.vorgang_id WHERE v.nr = '$c6' AND h.to_state = 'genehmigt'")" "$NEWA" "approved by the new approver"
so_assert_eq "$(count_subject $R2 "Ihre Anforderung $c6: freigegeben")" 1 "requester told"
$SO audit verify > "$D/av.txt"; rc=$?
so_assert_eq "$rc" 0 "the audit trail still verifies"

# --- forged replies in bulk: the history keeps the first 20, every mail is kept
c7=$(new_case)
t7=$(token_for $NEWA "$c7")
bad7=$(printf '%s' "$t7" | sed 's/^./0/')
[ "$bad7" = "$t7" ] && bad7=$(printf '%s' "$t7" | sed 's/^./1/')
done_before=$(so_imap_count bestellung@exempla.test Verarbeitet)
for i in $(seq 1 23); do
	printf 'From: mallory@evil.test\r\nTo: bestellung@exempla.test\r\nSubject: GENEHMIGT %s %s\r\nMessage-ID: <forged-%d@evil.test>\r\n\r\nGENEHMIGT\r\n' \
		"$c7" "$bad7" "$i" > "$D/forged-$i.eml"
	so_send_eml "$D/forged-$i.eml"
done
so_wait_count bestellung@exempla.test INBOX 23 30 >/dev/null
$SO poll 2>>"$D/poll.log"
so_wait_queue_empty "$D/mail" 30
hist7() { sql "SELECT count(*) FROM history h JOIN vorgang v ON v.id = h.vorgang_id WHERE v.nr = '$c7' AND h.reason LIKE '$1'"; }
so_assert_eq "$(state "$c7")" wartet_auf_genehmigung "forged replies change nothing"
so_assert_eq "$(hist7 'Entscheidung abgewiesen%')" 20 "the first 20 refused attempts are in the case history"
so_assert_eq "$(hist7 'mehr als 20 abgewiesene%')" 1 "the history says once that further attempts are only logged"
so_assert_eq "$(sql "SELECT count(*) FROM ledger WHERE message_id LIKE 'forged-%'")" 23 "every forged reply is in the ledger"
so_assert_eq "$(so_imap_count bestellung@exempla.test Verarbeitet)" $((done_before + 23)) "every forged reply is filed, none deleted"
so_summary
