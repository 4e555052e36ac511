# SPDX-License-Identifier: MIT
# SMTP unreachable: the case is committed and its confirmation waits in the
# outbox with backoff; once SMTP is back and the retry is due, it goes out
# exactly once, with the Message-ID it was given at intake.
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
so_summary
