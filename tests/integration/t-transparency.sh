# SPDX-License-Identifier: MIT
# Transparency against the real Dovecot + Postfix: STATUS for requester,
# approver and an outsider; STORNO before and after ordering; ERHALTEN;
# HILFE; the audit chain verifies and detects tampering; the finance
# report matches the cases.
set -u
. "$(dirname "$0")/common.sh"
R1=requester1@exempla.test
A=amtsleitung60@exempla.test
N=0

poll() { $SO poll 2>>"$D/poll.log"; so_wait_queue_empty "$D/mail" 60; }
cmd() {      # from, subject
	N=$((N + 1))
	printf 'From: %s\r\nTo: bestellung@exempla.test\r\nSubject: %s\r\nMessage-ID: <t-%d@client.test>\r\n\r\nDanke\r\n' "$1" "$2" "$N" > "$D/c-$N.eml"
	so_send_eml "$D/c-$N.eml"
	so_wait_count bestellung@exempla.test INBOX 1 20 >/dev/null
	poll
}
# The newest mail in $1's INBOX whose subject contains $2, decoded.  (Postfix
# may deliver in another order than we sent, so "newest" alone is no help.)
last_body() {
	local out="$D/last-$1"
	rm -rf "$out"; mkdir -p "$out"
	so_imap_fetch_all "$1" INBOX "$out" >/dev/null
	python3 - "$out" "$2" <<'PY'
import email, os, sys
from email import policy
out, want = sys.argv[1], sys.argv[2]
found = None
for f in sorted(os.listdir(out), key=lambda n: int(n.split(".")[0])):
    m = email.message_from_binary_file(open(os.path.join(out, f), "rb"), policy=policy.default)
    if want in str(m["Subject"]):
        found = m
if found is not None:
    print("Subject:", found["Subject"])
    print(found.get_body(preferencelist=("plain",)).get_content())
PY
}
deliver() {     # file, new message-id
	sed "s/^Message-ID: <[^@]*@/Message-ID: <$2@/" "$1" > "$D/$2.eml"
	so_send_eml "$D/$2.eml"
}

# Six commands from one person within minutes: above the default rate limit.
printf '[limits]\nanswers_per_window = 50\n' >> "$D/so.ini"
M=$SO_REPO_ROOT/contrib/demo/mails
# 6 copies: after one is cancelled, both suppliers still reach their minimum.
for i in 1 2 3 4 5 6; do deliver "$M/01-standard.eml" "std-$i"; done
deliver "$M/02-freitext.eml" free
so_wait_count bestellung@exempla.test INBOX 7 30
poll
c1=$(sql "SELECT nr FROM vorgang WHERE source_msgid = 'std-1@intranet.exempla.test'")
c2=$(sql "SELECT nr FROM vorgang WHERE source_msgid = 'std-2@intranet.exempla.test'")
cf=$(sql "SELECT nr FROM vorgang WHERE source_msgid = 'free@intranet.exempla.test'")

# --- STATUS
cmd $R1 "STATUS $c1"
last_body $R1 "Stand des Vorgangs $c1" > "$D/s1.txt"
so_assert_contains "$D/s1.txt" "Status: freigegeben" "requester: state"
so_assert_contains "$D/s1.txt" "Verlauf:" "requester: history"
so_assert_contains "$D/s1.txt" "mit dem nächsten Bestelllauf" "requester: what happens next"
cmd $A "Status $cf"
last_body $A "Stand des Vorgangs $cf" > "$D/sa.txt"
so_assert_contains "$D/sa.txt" "wartet_auf_genehmigung" "approver sees the waiting case"
cmd requester2@exempla.test "STATUS $c1"
last_body requester2@exempla.test "keine Auskunft" > "$D/so.txt"
so_assert_contains "$D/so.txt" "keine Auskunft" "outsider gets no information"
so_assert_not_contains "$D/so.txt" "Kopierpapier" "outsider learns nothing about the positions"
so_assert_not_contains "$D/so.txt" "freigegeben" "outsider learns nothing about the state"
cmd $R1 "STATUS"
last_body $R1 "offenen Vorg" > "$D/sl.txt"
so_assert_contains "$D/sl.txt" "$c1" "STATUS alone lists the sender's open cases"

# --- HILFE
cmd $R1 "HILFE"
last_body $R1 "Hilfe" > "$D/h.txt"
so_assert_contains "$D/h.txt" "STORNO" "help explains the commands"

# --- STORNO before ordering (the free-text case, waiting: the approver is told)
cmd requester2@exempla.test "STORNO $cf"
so_assert_eq "$(sql "SELECT state FROM vorgang WHERE nr = '$cf'")" storniert "STORNO before ordering cancels"
so_assert_eq "$(subjects $A INBOX | grep -c "Vorgang $cf storniert")" 1 "approver told that the request is withdrawn"
cmd $R1 "STORNO $c2"
so_assert_eq "$(sql "SELECT state FROM vorgang WHERE nr = '$c2'")" storniert "requester cancels a released case"

# --- order, then STORNO after ordering, then ERHALTEN
$SO order-run >/dev/null 2>>"$D/poll.log"
so_wait_queue_empty "$D/mail" 60
so_assert_eq "$(sql "SELECT state FROM vorgang WHERE nr = '$c1'")" bestellt "ordered"
so_assert_eq "$(sql "SELECT count(*) FROM position p JOIN vorgang v ON v.id = p.vorgang_id WHERE v.nr = '$c2' AND p.bestellung_id IS NOT NULL")" 0 "cancelled case left out of the run"
cmd $R1 "STORNO $c1"
last_body $R1 "Storno $c1" > "$D/st.txt"
so_assert_contains "$D/st.txt" "bereits bestellt" "STORNO after ordering is refused"
so_assert_eq "$(sql "SELECT state FROM vorgang WHERE nr = '$c1'")" bestellt "still bestellt"
cmd $R1 "ERHALTEN $c1"
so_assert_eq "$(sql "SELECT state FROM vorgang WHERE nr = '$c1'")" geliefert "ERHALTEN closes the case"

# --- audit chain
$SO audit verify > "$D/av.txt"; rc=$?
so_assert_eq "$rc" 0 "audit verify: intact"
so_assert_contains "$D/av.txt" "Kette vollständig" "audit verify reports the count"
$SO show "$c1" > "$D/show.txt"
so_assert_contains "$D/show.txt" "mail_in" "show prints the audit records of the case"
so_assert_eq "$(sql "SELECT count(*) FROM mail_raw m JOIN vorgang v ON v.id = m.vorgang_id WHERE v.nr = '$c1'")" 3 "raw mails kept: form, STORNO attempt, ERHALTEN"
cp "$D/so.db" "$D/tampered.db"
sqlite3 "$D/tampered.db" "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'someone else' WHERE id = 5"
sed "s|^database = .*|database = $D/tampered.db|" "$D/so.ini" > "$D/tampered.ini"
$SO_BIN -c "$D/tampered.ini" audit verify > "$D/at.txt" 2>&1; rc=$?
so_assert_eq "$rc" 1 "audit verify detects a modified record"
so_assert_contains "$D/at.txt" "Eintrag 5" "and names the first broken record"

# --- finance report against the cases
year=$(date +%Y)
$SO report --from "$year-01-01" --to "$year-12-31" --by kostenstelle --format csv > "$D/report.csv"
so_assert_eq "$?" 0 "report exits 0"
# Released and not cancelled: 5 copies of sample 01 on Kostenstelle 1020 (56,15 EUR each).
row=$(grep '^1020;' "$D/report.csv" | head -1)
so_assert_eq "$(echo "$row" | cut -d';' -f3)" "$(sql "SELECT count(*) FROM vorgang WHERE kostenstelle = '1020' AND state IN ('freigegeben', 'bestellt', 'geliefert')")" "report: number of cases of 1020 matches the database"
so_assert_eq "$(echo "$row" | cut -d';' -f5)" "280,75" "report: spending of 1020 = 5 x 56,15 EUR"
$SO report --from "$year-01-01" --to "$year-12-31" --by lieferant --format html > "$D/report.html"
so_assert_contains "$D/report.html" "<svg" "HTML report has an inline SVG chart"
so_assert_contains "$D/report.html" "Bürowelt Nord GmbH" "HTML report names the suppliers"

# --- retention: export a closed case, purge only exported closed cases
$SO export "$c1" "$D/export" > /dev/null; so_assert_eq "$?" 0 "export of a case"
so_assert_eq "$([ -f "$D/export/$c1/case.json" ] && echo yes)" yes "case.json written"
so_assert_eq "$(ls "$D/export/$c1/mails" | wc -l | tr -d ' ')" "$(( $(sql "SELECT count(*) FROM mail_raw m JOIN vorgang v ON v.id = m.vorgang_id WHERE v.nr = '$c1'") + $(sql "SELECT count(*) FROM outbox o JOIN vorgang v ON v.id = o.vorgang_id WHERE v.nr = '$c1'") ))" "all mails of the case exported"
so_assert_eq "$(ls "$D/export/$c1/orders" | wc -l | tr -d ' ')" 2 "both order mails exported"
$SO purge --before "$((year + 1))-01-01" > /dev/null 2>&1; so_assert_eq "$?" 2 "purge wants --yes"
$SO purge --before "$((year + 1))-01-01" --yes > "$D/purge.txt"
so_assert_contains "$D/purge.txt" "1 Vorgänge gelöscht" "purge removes only the exported closed case"
so_assert_eq "$(sql "SELECT count(*) FROM vorgang WHERE nr = '$c2'")" 1 "closed but unexported case kept"
$SO audit verify > /dev/null; so_assert_eq "$?" 0 "audit chain intact after purge"

so_summary
