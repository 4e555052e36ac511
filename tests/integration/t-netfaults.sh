# SPDX-License-Identifier: MIT
# Network faults between the daemon and the real Dovecot and Postfix, made
# by tests/integration/faultproxy in between, with [imap] and [smtp]
# timeout = 2 s:
# - a slow server (150 ms per answer) still works;
# - an IMAP answer that trickles (10 bytes/s) or stalls during the FETCH of
#   a body, and a connection cut in the middle of the body: poll gives up
#   within the deadline and exits 1, the mail stays in the INBOX;
# - the daemon retries such a cut with backoff, not in a loop, and then
#   processes the mail;
# - SMTP stalled or cut during DATA: the confirmation is deferred, the flush
#   stops instead of trying every mail, and once the server is fine each
#   confirmation arrives exactly once (with one SMTP session; t-smtp-retry
#   has the default four);
# - Postfix answering 450 (retried after the backoff, then delivered) and
#   550 (failed for good, not retried, shown by status, the administrator
#   told once);
# - 1,200 mails are taken in batches of 50, 100, 200, 400 and 450; the
#   MOVE of batch 1 is sent before batch 2 is decided, and its answer read
#   after.  A connection
#   cut at that answer fails the cycle but keeps batch 2's decisions, and
#   the next cycle files the rest without a second case.  (That the MOVE
#   is really under way meanwhile is tested in test_imapc.)
set -u
. "$(dirname "$0")/common.sh"
FP=${SO_FAULTPROXY:-$SO_REPO_ROOT/build/tests/integration/faultproxy}
if [ ! -x "$FP" ] && ! make -s -C "$SO_REPO_ROOT" build/tests/integration/faultproxy >/dev/null; then
	echo "not ok - $FP could not be built"
	exit 1
fi
PI=$((SO_IMAP_PORT + 1))
PS=$((SO_SMTP_PORT + 1))
sed -i -e "s|^url = imap://127.0.0.1:$SO_IMAP_PORT/INBOX|url = imap://127.0.0.1:$PI/INBOX|" \
    -e "s|^url = smtp://127.0.0.1:$SO_SMTP_PORT|url = smtp://127.0.0.1:$PS|" "$D/so.ini"
# One SMTP session, so that which mail meets a fault is certain (with
# several, as many mails as sessions meet it before the flush stops).
printf '[general]\nadmin = admin@exempla.test\n[imap]\ntimeout = 2\n[smtp]\ntimeout = 2\nconnections = 1\n[limits]\nalert_after = 100\n' >> "$D/so.ini"

declare -A proxy_pid=()
stop_proxy() {
	local p=${proxy_pid[$1]:-}
	[ -z "$p" ] && return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	proxy_pid[$1]=
}
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null
	stop_proxy imap
	stop_proxy smtp
}
trap cleanup EXIT

# proxy imap|smtp LABEL [faultproxy options]: (re)start that proxy, its
# log in $D/fp-LABEL.log.
proxy() {
	local slot=$1 label=$2 listen target i
	shift 2
	if [ "$slot" = imap ]; then listen=$PI target=$SO_IMAP_PORT; else listen=$PS target=$SO_SMTP_PORT; fi
	stop_proxy "$slot"
	"$FP" -T 120 "$@" "$listen" "$target" 2> "$D/fp-$label.log" &
	proxy_pid[$slot]=$!
	for i in $(seq 50); do
		grep -q listening "$D/fp-$label.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "not ok - faultproxy $label did not start"; cat "$D/fp-$label.log"
	exit 1
}

# newmail ID [TEMPLATE]: a form mail with its own Message-ID into the INBOX.
newmail() {
	local tmpl=$SO_REPO_ROOT/contrib/demo/mails/${2:-01-standard}.eml
	local n
	n=$(so_imap_count bestellung@exempla.test INBOX)
	sed "s/^Message-ID: <[^@]*@/Message-ID: <nf-$1@/" "$tmpl" > "$D/nf-$1.eml"
	so_send_eml "$D/nf-$1.eml"
	so_wait_count bestellung@exempla.test INBOX $((n + 1)) 20
}

# timed_poll NAME [env...]: poll, log to $D/NAME.log; sets rc and secs.
timed_poll() {
	local name=$1 t0
	shift
	t0=$(date +%s%N)
	env "$@" $SO poll 2> "$D/$name.log"
	rc=$?
	secs=$(( ($(date +%s%N) - t0) / 1000000000 ))
}

cases() { sql 'SELECT count(*) FROM vorgang'; }
# Outbox states and attempts of the confirmations, oldest first.
confirmations() { sql "SELECT group_concat(state || ':' || attempts, ' ') FROM (SELECT state, attempts FROM outbox WHERE kind = 'confirmation' ORDER BY id)"; }

# --- slow but within the timeout ------------------------------------------
proxy imap slow -d 150
proxy smtp slow-smtp -d 150
newmail 1
timed_poll slow
so_assert_eq "$rc" 0 "slow IMAP and SMTP (150 ms per answer): poll works"
so_assert_eq "$(cases) $(so_imap_count bestellung@exempla.test INBOX)" "1 0" "slow server: case made, mail filed"
so_assert_eq "$(confirmations)" "sent:1" "slow server: confirmation sent"

# --- IMAP too slow, stalled, cut: nothing lost ----------------------------
newmail 2
proxy imap trickle -b 1 -d 100
timed_poll trickle
so_assert_eq "$rc" 1 "IMAP answers trickling at 10 bytes/s: poll exits 1"
so_assert_eq "$([ "$secs" -le 6 ] && echo bounded)" bounded "trickle: given up after the deadline, not hanging (${secs}s)"
so_assert_contains "$D/trickle.log" "imap server too slow" "trickle: the reason is logged"

proxy imap stall -m 'BODY[] {' -f stall
timed_poll stall
so_assert_eq "$rc" 1 "IMAP stalling in the FETCH of a body: poll exits 1"
so_assert_eq "$([ "$secs" -le 6 ] && echo bounded)" bounded "stall: timed out after [imap] timeout (${secs}s)"
so_assert_contains "$D/fp-stall.log" "stalled server->client" "stall: the proxy stalled the body"
so_assert_contains "$D/stall.log" "connection lost or timed out" "stall: the reason is logged"

proxy imap cut -m 'BODY[] {' -n 100 -f cut
timed_poll cut
so_assert_eq "$rc" 1 "IMAP connection cut during the FETCH of a body: poll exits 1"
so_assert_contains "$D/fp-cut.log" "cut server->client" "cut: the proxy cut the body"
so_assert_eq "$(cases) $(so_imap_count bestellung@exempla.test INBOX)" "1 1" "after trickle, stall and cut: no case, the mail still in the INBOX"

# --- the daemon retries a cut connection with backoff ---------------------
proxy imap daemon -m 'BODY[] {' -n 100 -f cut -c 2
$SO daemon -f 2> "$D/daemon.log" &
daemon_pid=$!
so_wait_count bestellung@exempla.test Verarbeitet 2 20
sleep 2
conns=$(grep -c ' open' "$D/fp-daemon.log")
kill -TERM "$daemon_pid"; wait "$daemon_pid"; daemon_pid=
so_assert_eq "$(cases) $(so_imap_count bestellung@exempla.test INBOX)" "2 0" "daemon: after two cut connections the mail is processed"
so_assert_eq "$conns" 3 "daemon: three connections in all, no busy loop"
# Seconds between the first and the third connection: backoff 1 s + 2 s.
gap=$(awk '/ open/ { t[++n] = $2 } END { printf "%d", t[3] - t[1] }' "$D/fp-daemon.log")
so_assert_eq "$([ "$gap" -ge 2 ] && echo yes)" yes "daemon: the retries wait with backoff (${gap}s for two)"
so_assert_contains "$D/daemon.log" "cycle failed; retrying in 2 s" "daemon: the backoff is logged"

# --- SMTP stalled or cut during DATA --------------------------------------
proxy imap pass
newmail 3
newmail 4
T=$(date +%s)
proxy smtp data-stall -i c -m DATA -n 300 -f stall
timed_poll data-stall SO_NOW=$T
so_assert_eq "$rc" 0 "SMTP stalled during DATA: the poll completes (intake done)"
so_assert_eq "$([ "$secs" -le 7 ] && echo bounded)" bounded "SMTP stall: one timeout, not one per mail (${secs}s)"
so_assert_eq "$(confirmations)" "sent:1 sent:1 pending:1 pending:0" "SMTP stall: that confirmation deferred, the flush stopped before the next"
so_assert_match "$D/data-stall.log" "send deferred .*timeout" "SMTP stall: the timeout is logged"

proxy smtp data-cut -i c -m DATA -n 300 -f cut
timed_poll data-cut SO_NOW=$((T + 3600))
so_assert_eq "$(confirmations)" "sent:1 sent:1 pending:2 pending:0" "SMTP cut during DATA: deferred again, the flush stopped"
so_assert_contains "$D/fp-data-cut.log" "cut client->server" "SMTP cut: the proxy cut the message"

proxy smtp pass
timed_poll smtp-back SO_NOW=$((T + 7200))
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(confirmations)" "sent:1 sent:1 sent:3 sent:1" "SMTP back: both confirmations sent"
mkdir -p "$D/req1"
so_imap_fetch_all requester1@exempla.test INBOX "$D/req1" >/dev/null
so_assert_eq "$(grep -hi '^Message-ID:' "$D"/req1/*.eml | sort -u | wc -l) $(ls "$D"/req1/*.eml | wc -l)" "4 4" "requester got each of the 4 confirmations exactly once"
so_assert_eq "$(sql 'SELECT count(DISTINCT source_msgid) FROM vorgang') $(cases)" "4 4" "no case twice"

# --- Postfix answers 450 and 550 ------------------------------------------
printf 'requester1@exempla.test 450 4.2.1 Mailbox busy, try again later\nrequester2@exempla.test 550 5.1.1 User unknown\n' > "$D/rcpt_access"
so_postfix_conf "$D/mail" "smtpd_recipient_restrictions = check_recipient_access texthash:$D/rcpt_access, permit_mynetworks, reject"
newmail 5
newmail 6 02-freitext
T=$((T + 10800))
timed_poll refused SO_NOW=$T
so_assert_eq "$rc" 0 "refusals are not a failed cycle"
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(confirmations)" "sent:1 sent:1 sent:3 sent:1 pending:1 failed:1" "450: deferred; 550: failed at once"
so_assert_match "$D/refused.log" "send deferred .*450 4\.2\.1" "450: the server's words are logged"
so_assert_match "$D/refused.log" "send failed .*permanent=1 .*550 5\.1\.1" "550: logged as permanent"
so_assert_eq "$(sql "SELECT state FROM outbox WHERE kind = 'approval_request'")" sent "the approval request of the same case went out"
nr6=$(sql "SELECT nr FROM vorgang WHERE source_msgid LIKE 'nf-6@%'")
$SO status > "$D/status.txt" 2>/dev/null
so_assert_contains "$D/status.txt" "1 endgültig fehlgeschlagen" "status counts the failed mail"
so_assert_match "$D/status.txt" "fehlgeschlagen: Mail [0-9]+ \(confirmation\) an requester2@exempla.test, Vorgang $nr6: .*550 5\.1\.1" "status names the refused confirmation"
so_wait_count admin@exempla.test INBOX 1 20
so_assert_eq "$(so_imap_count admin@exempla.test INBOX)" 1 "administrator alerted once"
bodies admin@exempla.test INBOX > "$D/alert.txt"
so_assert_contains "$D/alert.txt" "confirmation an requester2@exempla.test, Vorgang $nr6" "the alert names the mail and the case"
so_assert_contains "$D/alert.txt" "550 5.1.1" "the alert quotes the server"

timed_poll refused-again SO_NOW=$T
so_assert_eq "$(confirmations)" "sent:1 sent:1 sent:3 sent:1 pending:1 failed:1" "no retry before the backoff is due, none ever for the 550"
printf 'requester2@exempla.test 550 5.1.1 User unknown\n' > "$D/rcpt_access"
so_postfix_conf "$D/mail" "smtpd_recipient_restrictions = check_recipient_access texthash:$D/rcpt_access, permit_mynetworks, reject"
timed_poll accepted SO_NOW=$((T + 3600))
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(confirmations)" "sent:1 sent:1 sent:3 sent:1 sent:2 failed:1" "450 gone: delivered on the retry; the 550 stays failed"
so_assert_eq "$(so_imap_count requester1@exempla.test INBOX)" 5 "requester1 got that confirmation once"
so_assert_eq "$(so_imap_count admin@exempla.test INBOX)" 1 "no second alert"

# --- a MOVE answered after the next batch is decided, then cut -----------
# The confirmations of these mails do not matter here: SMTP is left down.
stop_proxy smtp
before=$(cases)
filed=$(so_imap_count bestellung@exempla.test Verarbeitet)
so_place_mails bestellung "$SO_REPO_ROOT/contrib/demo/mails/01-standard.eml" 1200 pipe
so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX)" 1200 "1,200 mails placed in the INBOX"
# The first MOVE answer ("* OK [COPYUID ...") is the one for batch 1, sent
# while batch 2 was decided.
proxy imap cutmove -m 'COPYUID' -f cut -c 1
timed_poll cutmove SO_NOW=$((T + 3600))
so_assert_eq "$rc" 1 "connection cut at the answer to a pipelined MOVE: poll exits 1"
so_assert_contains "$D/fp-cutmove.log" "cut server->client" "cutmove: the proxy cut the MOVE's answer"
so_assert_eq "$(( $(cases) - before ))" 150 "the batch decided before the MOVE's answer is kept (batches 1 and 2: 150 mails)"
so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX) $(( $(so_imap_count bestellung@exempla.test Verarbeitet) - filed ))" "1150 50" "the server moved batch 1 (50 mails) before the cut"
timed_poll aftercut SO_NOW=$((T + 3600))
so_assert_eq "$rc" 0 "the next poll works"
so_assert_eq "$(( $(cases) - before ))" 1200 "every mail one case"
so_assert_eq "$(sql "SELECT count(DISTINCT source_msgid) FROM vorgang WHERE source_msgid LIKE 'pipe-%'")" 1200 "no case twice"
so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX) $(( $(so_imap_count bestellung@exempla.test Verarbeitet) - filed ))" "0 1200" "all filed, none lost"
so_assert_contains "$D/aftercut.log" "seen=1150 cases=1050 moved=1150" "the decided ones are only filed, the last batch decided"
so_summary
