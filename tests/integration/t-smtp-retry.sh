# SPDX-License-Identifier: MIT
# SMTP unreachable: the case is committed and its confirmation waits in the
# outbox with backoff; once SMTP is back and the retry is due, it goes out
# exactly once, with the Message-ID it was given at intake.  With several
# SMTP sessions, a flush against a dead server stops after as many attempts
# as sessions, and a good server gets the mails over several sessions, each
# exactly once.
set -u
. "$(dirname "$0")/common.sh"
so_send_eml "$SO_REPO_ROOT/contrib/demo/mails/01-standard.eml"
so_wait_count bestellung@exempla.test INBOX 1 20
good="url = smtp://127.0.0.1:$SO_SMTP_PORT"
sed -i "s|^$good|url = smtp://127.0.0.1:9|" "$D/so.ini"     # nothing listens on port 9
now=$(date +%s)
SO_NOW=$now $SO poll 2> "$D/down.log"; rc=$?
so_assert_eq "$rc" 0 "poll completes while SMTP is down"
so_assert_eq "$(sql 'SELECT count(*) FROM vorgang')" 1 "case committed"
so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX)" 0 "mail filed"
so_assert_eq "$(sql "SELECT state || ' ' || attempts FROM outbox")" "pending 1" "confirmation waits in the outbox"
so_assert_contains "$D/down.log" "send deferred" "deferral logged"
msgid=$(sql "SELECT message_id FROM outbox")

sed -i "s|^url = smtp://127.0.0.1:9|$good|" "$D/so.ini"
SO_NOW=$now $SO poll 2>/dev/null
so_assert_eq "$(sql "SELECT state FROM outbox")" pending "not resent before the retry is due (backoff)"
SO_NOW=$((now + 3600)) $SO poll 2>/dev/null
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(sql "SELECT state FROM outbox")" sent "sent once the retry is due"
so_wait_count requester1@exempla.test INBOX 1 20
mkdir -p "$D/in"; so_imap_fetch_all requester1@exempla.test INBOX "$D/in" >/dev/null
so_assert_eq "$(grep -hi '^Message-ID:' "$D"/in/*.eml | tr -d '\r' | sed 's/^[^<]*<//; s/>.*//')" "$msgid" "delivered with the Message-ID from intake"
so_assert_eq "$(so_imap_count requester1@exempla.test INBOX)" 1 "delivered exactly once"

# Several sessions at once ([smtp] connections, default 4): with SMTP down
# a flush stops after at most that many attempts; once it is back, 12
# confirmations go out exactly once over more than one, at most four,
# connections.
for i in $(seq 1 12); do
	sed "s/^Message-ID: <01-standard@/Message-ID: <par-$i@/" \
		"$SO_REPO_ROOT/contrib/demo/mails/01-standard.eml" > "$D/par-$i.eml"
	so_send_eml "$D/par-$i.eml"
done
so_wait_count bestellung@exempla.test INBOX 12 30
sed -i "s|^$good|url = smtp://127.0.0.1:9|" "$D/so.ini"
SO_NOW=$((now + 7200)) $SO poll 2>/dev/null
so_assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'pending'")" 12 "12 confirmations wait"
tried=$(sql "SELECT sum(attempts) FROM outbox WHERE state = 'pending'")
so_assert_eq "$([ "$tried" -ge 1 ] && [ "$tried" -le 4 ] && echo yes)" yes "SMTP down: the flush stopped after $tried attempts (at most 4)"
sed -i "s|^url = smtp://127.0.0.1:9|$good|" "$D/so.ini"
before=$(grep -c 'smtpd\[[0-9]*\]: connect from' "$D/mail/postfix.log")
SO_NOW=$((now + 86400)) $SO poll 2>/dev/null
so_wait_queue_empty "$D/mail" 30
conns=$(($(grep -c 'smtpd\[[0-9]*\]: connect from' "$D/mail/postfix.log") - before))
so_assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" 13 "all confirmations sent"
so_assert_eq "$([ "$conns" -ge 2 ] && [ "$conns" -le 4 ] && echo yes)" yes "sent over $conns sessions at once (2 to 4)"
so_wait_count requester1@exempla.test INBOX 13 30
so_imap_fetch_all requester1@exempla.test INBOX "$D/in" >/dev/null
so_assert_eq "$(grep -hi '^Message-ID:' "$D"/in/*.eml | sort -u | wc -l) $(ls "$D"/in/*.eml | wc -l)" "13 13" "each delivered exactly once"
so_summary
