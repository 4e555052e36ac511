# SPDX-License-Identifier: MIT
# Intake end to end: every sample and fixture shape is delivered through
# Postfix, one "poll" processes them, and the mailboxes are read over IMAP.
set -u
. "$(dirname "$0")/common.sh"
S=$SO_REPO_ROOT/contrib/demo/mails
F=$SO_REPO_ROOT/tests/data/integration
n=0
for f in "$S"/*.eml "$F"/*.eml; do
	case $(basename "$f") in
	18-bounce.eml) so_send_eml "$f" bestellung@exempla.test "" ;;   # null return path
	*) so_send_eml "$f" ;;
	esac
	n=$((n + 1))
done
# The same form delivered twice (e.g. a resend by the form engine).
so_send_eml "$S/01-standard.eml"; n=$((n + 1))
so_wait_count bestellung@exempla.test INBOX $n 30

$SO poll; so_assert_eq "$?" 0 "poll exits 0"
so_wait_queue_empty "$D/mail" 30

so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX)" 0 "INBOX is empty after poll"
moved=$(( $(so_imap_count bestellung@exempla.test Verarbeitet) + $(so_imap_count bestellung@exempla.test Fehlgeschlagen) ))
so_assert_eq "$moved" "$n" "no mail lost or deleted: all $n in Verarbeitet + Fehlgeschlagen"
so_assert_eq "$(so_imap_count bestellung@exempla.test Fehlgeschlagen)" 4 "rejected, unreadable and foreign mails are in Fehlgeschlagen"

# Cases: 01 02 03 04 05 06 and fixtures 10-16, 21 = 14 valid forms; the duplicate adds none.
so_assert_eq "$(sql 'SELECT count(*) FROM vorgang')" 14 "14 cases for 14 valid forms, duplicate ignored"
so_assert_eq "$(sql "SELECT count(*) FROM vorgang WHERE nr GLOB 'SO-[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]'")" 14 "case numbers look like SO-YYYY-NNNNNN"
so_assert_eq "$(sql "SELECT count(*) FROM vorgang WHERE source_msgid = '01-standard@intranet.exempla.test'")" 1 "duplicate delivery gives one case"
so_assert_eq "$(sql "SELECT state FROM vorgang WHERE source_msgid = '02-freitext@intranet.exempla.test'")" wartet_auf_genehmigung "free-text item waits for approval"
so_assert_eq "$(sql "SELECT state FROM vorgang WHERE source_msgid = '03-ueber-schwelle@intranet.exempla.test'")" wartet_auf_genehmigung "over threshold waits for approval"
so_assert_eq "$(sql "SELECT state FROM vorgang WHERE source_msgid = '01-standard@intranet.exempla.test'")" freigegeben "standard items are released"
so_assert_eq "$(sql "SELECT count(*) FROM history h JOIN vorgang v ON v.id = h.vorgang_id WHERE v.source_msgid = '01-standard@intranet.exempla.test'")" 2 "history: eingegangen and freigegeben"
so_assert_eq "$(sql "SELECT count(*) FROM ledger")" "$n" "every mail has a ledger row"
so_assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state <> 'sent'")" 0 "every outgoing mail was sent"

# What the requesters got.
bodies requester1@exempla.test INBOX > "$D/r1.txt"
nr1=$(sql "SELECT nr FROM vorgang WHERE source_msgid = '01-standard@intranet.exempla.test'")
so_assert_contains "$D/r1.txt" "Vorgangsnummer $nr1" "requester1 got the confirmation for 01 with its number"
so_assert_contains "$D/r1.txt" "Status: freigegeben" "confirmation names the state"
so_assert_contains "$D/r1.txt" "Kopierpapier A4 80 g/m², 500 Blatt" "confirmation lists positions in UTF-8"
so_assert_contains "$D/r1.txt" "Kostenstelle \"9999\" ist unbekannt" "invalid sample: unknown Kostenstelle named"
so_assert_contains "$D/r1.txt" "Lieferort \"RH-999\" ist unbekannt" "invalid sample: unknown Lieferort named"
so_assert_contains "$D/r1.txt" "Artikelnummer \"999999\" ist nicht im Katalog" "several problems in one answer"
so_assert_contains "$D/r1.txt" "gehört nicht zur Organisationseinheit" "Kostenstelle of another OE named"
so_assert_contains "$D/r1.txt" "Stand des Vorgangs SO-" "status command answered with the case's state"
so_assert_contains "$D/r1.txt" "Auto-Submitted: auto-replied" "answers carry Auto-Submitted"
so_assert_eq "$(grep -c '^Subject: Eingangsbestätigung' "$D/r1.txt")" 11 "requester1: 11 confirmations"
bodies requester2@exempla.test INBOX > "$D/r2.txt"
so_assert_contains "$D/r2.txt" "Status: wartet_auf_genehmigung" "requester2 told that approval is needed"
so_assert_contains "$D/r2.txt" "Hilfe zu Social Order" "HILFE answered with the help text"
# sgl102 (approver of OE 10.2) got the confirmation for fixture 16 and the
# approval request for fixture 21, but no answer to its auto-reply (sample 09).
so_assert_eq "$(so_imap_count sgl102@exempla.test INBOX)" 2 "auto-reply sample not answered"
so_assert_eq "$(subjects sgl102@exempla.test INBOX | grep -c '^Genehmigung erforderlich: SO-')" 1 "approval request for the case needing approval (fixture 21)"
so_assert_eq "$(subjects amtsleitung60@exempla.test INBOX | grep -c '^Genehmigung erforderlich: SO-')" 2 "approval requests for the two waiting samples of OE 60 (02, 03)"
so_assert_eq "$(so_imap_count mallory@evil.test INBOX)" 0 "foreign sender gets no answer"
so_assert_eq "$(so_imap_count mailer-daemon@exempla.test INBOX)" 0 "bounce not answered"
so_assert_eq "$(so_imap_count news@exempla.test INBOX)" 0 "list mail not answered"

# A second poll changes and sends nothing.
sent_before=$(sql "SELECT count(*) FROM outbox")
$SO poll; so_assert_eq "$?" 0 "second poll exits 0"
sleep 1
so_assert_eq "$(sql "SELECT count(*) FROM outbox")" "$sent_before" "second poll sends nothing"
so_assert_eq "$(sql 'SELECT count(*) FROM vorgang')" 14 "second poll creates no case"

# The administrator's view.
$SO list > "$D/list.txt"; so_assert_contains "$D/list.txt" "$nr1" "list shows the case"
$SO show "$nr1" > "$D/show.txt"; so_assert_contains "$D/show.txt" "eingegangen" "show prints the history"
so_summary
