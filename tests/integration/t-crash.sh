# SPDX-License-Identifier: MIT
# Crash safety: a few hundred form mails, the daemon killed with SIGKILL at
# random moments while it works, restarted each time; in the end no mail is
# lost, no case exists twice, every case got exactly one confirmation.
set -u
. "$(dirname "$0")/common.sh"
N=${SO_CRASH_MAILS:-300}
tmpl="$SO_REPO_ROOT/contrib/demo/mails/01-standard.eml"
mkdir -p "$D/gen"
for i in $(seq 1 $N); do
	sed "s/^Message-ID: <01-standard@/Message-ID: <crash-$i@/" "$tmpl" > "$D/gen/$i.eml"
done
for i in $(seq 1 $N); do so_send_eml "$D/gen/$i.eml" || echo "send $i failed"; done
so_wait_count bestellung@exempla.test INBOX $N 120

kills=0
for round in $(seq 1 40); do
	left=$(so_imap_count bestellung@exempla.test INBOX)
	[ "$left" = 0 ] && [ "$(sql "SELECT count(*) FROM outbox WHERE state = 'pending'")" = 0 ] && break
	$SO daemon -f 2>> "$D/daemon.log" &
	pid=$!
	# 20 to 250 ms: intake takes a few hundred mails in well under a
	# second, so later kills would find nothing left to interrupt.
	sleep "0.$(printf '%03d' $(( (RANDOM % 231) + 20 )))"
	kill -KILL $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null
done
echo "# killed the daemon $kills times"
so_assert_eq "$([ $kills -ge 3 ] && echo yes)" yes "the daemon was killed at least 3 times while working"
$SO poll; so_assert_eq "$?" 0 "final poll exits 0"
so_wait_queue_empty "$D/mail" 60

so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX)" 0 "INBOX empty"
so_assert_eq "$(so_imap_count bestellung@exempla.test Verarbeitet)" $N "all $N mails in Verarbeitet: none lost, none deleted"
so_assert_eq "$(sql 'SELECT count(*) FROM vorgang')" $N "$N cases"
so_assert_eq "$(sql 'SELECT count(DISTINCT source_msgid) FROM vorgang')" $N "no case twice"
so_assert_eq "$(sql "SELECT count(*) FROM (SELECT vorgang_id FROM outbox WHERE kind = 'confirmation' GROUP BY vorgang_id HAVING count(*) <> 1)")" 0 "exactly one confirmation per case"
so_assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state <> 'sent'")" 0 "every confirmation sent"
# Requester's mailbox: one distinct Message-ID per case (a resend after a
# kill between send and bookkeeping reuses the same Message-ID).
mkdir -p "$D/inbox"
so_imap_fetch_all requester1@exempla.test INBOX "$D/inbox" >/dev/null
so_assert_eq "$(grep -h -i '^Message-ID:' "$D"/inbox/*.eml | sort -u | wc -l)" $N "requester got $N distinct confirmations"
so_summary
