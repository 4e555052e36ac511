# SPDX-License-Identifier: MIT
# Faults: the IMAP server unreachable makes poll fail (exit 1) without
# losing anything; after [limits] alert_after failed cycles the
# administrator is alerted once by mail; when IMAP is back everything is
# processed and the failure count resets.
set -u
. "$(dirname "$0")/common.sh"
printf '[general]\nadmin = admin@exempla.test\n[limits]\nalert_after = 2\n' >> "$D/so.ini"
so_send_eml "$SO_REPO_ROOT/contrib/demo/mails/01-standard.eml"
so_wait_count bestellung@exempla.test INBOX 1 20
good="url = imap://127.0.0.1:$SO_IMAP_PORT/INBOX"
sed -i "s|^$good|url = imap://127.0.0.1:9/INBOX|" "$D/so.ini"
for i in 1 2 3; do $SO poll 2>>"$D/down.log"; echo "$?" >> "$D/rc.txt"; done
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(sort -u "$D/rc.txt" | tr -d '\n')" 1 "poll exits 1 while IMAP is down"
so_assert_contains "$D/down.log" "connection refused" "the reason is logged readably"
so_assert_eq "$(so_imap_count admin@exempla.test INBOX)" 1 "administrator alerted once after 2 failed cycles"
$SO status > "$D/status.txt"
so_assert_contains "$D/status.txt" "Fehlgeschlagene Zyklen in Folge: 3" "status shows the failures"
so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX)" 1 "the mail waits in the INBOX"
sed -i "s|^url = imap://127.0.0.1:9/INBOX|$good|" "$D/so.ini"
$SO poll 2>>"$D/up.log"; so_assert_eq "$?" 0 "poll works again"
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(sql 'SELECT count(*) FROM vorgang')" 1 "the waiting mail became a case"
$SO status > "$D/status2.txt"
so_assert_not_contains "$D/status2.txt" "Fehlgeschlagene Zyklen" "failure count reset"

# An approval deadline does not pass while the mailbox cannot be read: a
# reply may be waiting there.  Once it can, the expiry happens.
so_send_eml "$SO_REPO_ROOT/contrib/demo/mails/02-freitext.eml"
so_wait_count bestellung@exempla.test INBOX 1 20
$SO poll 2>>"$D/up.log"
so_wait_queue_empty "$D/mail" 30
nr=$(sql "SELECT nr FROM vorgang WHERE state = 'wartet_auf_genehmigung'")
so_assert_eq "${nr:0:8}" "SO-2026-" "a case waits for approval"
later=$(($(date +%s) + 20 * 86400))
sed -i "s|^$good|url = imap://127.0.0.1:9/INBOX|" "$D/so.ini"
SO_NOW=$later $SO poll 2>>"$D/down.log"
so_assert_eq "$?" 1 "poll fails while IMAP is down"
so_assert_eq "$(sql "SELECT state FROM vorgang WHERE nr = '$nr'")" wartet_auf_genehmigung "no expiry while the mailbox is unreachable"
sed -i "s|^url = imap://127.0.0.1:9/INBOX|$good|" "$D/so.ini"
SO_NOW=$later $SO poll 2>>"$D/up.log"
so_assert_eq "$(sql "SELECT state FROM vorgang WHERE nr = '$nr'")" abgelehnt "expired once the mailbox was read"
so_summary
