# SPDX-License-Identifier: MIT
# A mail that fails in the middle of a batch.  A batch is decided first
# without a savepoint per mail; when one mail fails (here: the database
# refuses its case, through a trigger the test adds), all of the batch is
# rolled back and decided again mail by mail.  The other mails get one
# case, one confirmation and one log line each, as if nothing had
# happened; the failing mail stays in the INBOX for the next attempt, and
# once the fault is gone it goes through.  A mail that fails without
# writing anything does not make the batch go again.
set -u
. "$(dirname "$0")/common.sh"
S=$SO_REPO_ROOT/contrib/demo/mails
for i in 1 2 3 4; do
	sed "s/^Message-ID: <[^@]*@/Message-ID: <bf-$i@/" "$S/01-standard.eml" > "$D/bf-$i.eml"
	so_send_eml "$D/bf-$i.eml"
	so_wait_count bestellung@exempla.test INBOX $i 20
done
sql "CREATE TRIGGER test_fault BEFORE INSERT ON vorgang WHEN NEW.source_msgid LIKE 'bf-3@%' BEGIN SELECT RAISE(ABORT, 'test fault'); END"

$SO poll 2> "$D/poll1.log"; so_assert_eq "$?" 0 "poll exits 0"
so_assert_contains "$D/poll1.log" "failed in a batch of 4 mails; the batch is decided again" "the failure makes the batch go again, mail by mail"
so_assert_eq "$(sql 'SELECT count(*) FROM vorgang')" 3 "three cases for the three other forms"
so_assert_eq "$(grep -c ' intake case uid=' "$D/poll1.log")" 3 "one log line per case: the undone first pass left none"
so_assert_eq "$(grep -c 'not processed; will retry' "$D/poll1.log")" 1 "the failing mail is logged once"
so_assert_eq "$(sql "SELECT count(*) FROM outbox WHERE kind = 'confirmation'")" 3 "one confirmation per case"
# The import's row, and per case two state changes, the confirmation, the mail.
so_assert_eq "$(sql "SELECT count(*) FROM audit")" 13 "the audit trail has no trace of the undone pass"
so_assert_eq "$(sql "SELECT max(CAST(substr(nr, -6) AS INTEGER)) FROM vorgang")" 3 "no case number was used up by it"
so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX) $(so_imap_count bestellung@exempla.test Verarbeitet)" "1 3" "the failing mail waits in the INBOX, the others are filed"
so_assert_eq "$(sql "SELECT attempts FROM intake_failure")" 1 "its first attempt is counted"
$SO audit verify > "$D/verify.txt" 2>&1; so_assert_eq "$?" 0 "the audit chain verifies"

# A mail that fails before it writes anything (here: its UID is in the
# ledger with other content, as after a server reused it) does not make
# the batch go again.
sql "DROP TRIGGER test_fault"
sed "s/^Message-ID: <[^@]*@/Message-ID: <bf-5@/" "$S/01-standard.eml" > "$D/bf-5.eml"
so_send_eml "$D/bf-5.eml"
so_wait_count bestellung@exempla.test INBOX 2 20
sql "INSERT INTO ledger (uidvalidity, uid, message_id, content_hash, outcome, folder, at) SELECT uidvalidity, 5, 'other@exempla.test', 'not-this-content', 'case', 'Verarbeitet', 0 FROM ledger LIMIT 1"
$SO poll 2> "$D/poll2.log"; so_assert_eq "$?" 0 "without the fault: poll exits 0"
so_assert_contains "$D/poll2.log" "reused a UID for different content" "the reused UID is reported"
so_assert_not_contains "$D/poll2.log" "decided again" "a failure that wrote nothing does not redo the batch"
so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX) $(so_imap_count bestellung@exempla.test Verarbeitet)" "1 4" "the mail is processed and filed; the other one left in place"
so_assert_eq "$(sql "SELECT count(*) FROM vorgang WHERE source_msgid LIKE 'bf-3@%'")" 1 "it has its case now"
so_assert_eq "$(sql "SELECT count(*) FROM vorgang WHERE source_msgid LIKE 'bf-5@%'")" 0 "no case for the mail under a reused UID"
so_summary
