# SPDX-License-Identifier: MIT
# Daemon mode: new mail is picked up promptly through IMAP IDLE, SIGHUP
# reloads the configuration, SIGTERM ends the daemon cleanly.
set -u
. "$(dirname "$0")/common.sh"
# A long poll interval: only IDLE can make the daemon react within seconds.
sed -i 's/^poll_interval = .*/poll_interval = 300/' "$D/so.ini"
$SO daemon -f 2> "$D/daemon.log" &
pid=$!
sleep 2
so_send_eml "$SO_REPO_ROOT/contrib/demo/mails/01-standard.eml"
ok=0
for i in $(seq 1 40); do
	[ "$(so_imap_count requester1@exempla.test INBOX)" = 1 ] && { ok=1; break; }
	sleep 0.5
done
so_assert_eq "$ok" 1 "IDLE: confirmation delivered within 20 s although poll_interval is 300 s"
so_assert_eq "$(sql 'SELECT count(*) FROM vorgang')" 1 "one case"

# SIGHUP with a broken config keeps the old one and the daemon running.
cp "$D/so.ini" "$D/so.ini.good"
echo "[general]" >> "$D/so.ini"; echo "bogus = 1" >> "$D/so.ini"
kill -HUP $pid; sleep 1
so_assert_eq "$(kill -0 $pid 2>/dev/null && echo alive)" alive "daemon survives a reload with a broken config"
so_assert_contains "$D/daemon.log" "bogus: unknown key" "broken reload is logged with key"
cp "$D/so.ini.good" "$D/so.ini"
kill -HUP $pid; sleep 1
so_assert_contains "$D/daemon.log" "configuration reloaded" "good reload is applied"
so_send_eml "$SO_REPO_ROOT/contrib/demo/mails/04-latin1.eml"
so_wait_count requester1@exempla.test INBOX 2 20
so_assert_eq "$(sql 'SELECT count(*) FROM vorgang')" 2 "works after reload"

kill -TERM $pid
rc=timeout
for i in $(seq 1 20); do
	if ! kill -0 $pid 2>/dev/null; then wait $pid; rc=$?; break; fi
	sleep 0.5
done
so_assert_eq "$rc" 0 "SIGTERM ends the daemon with exit 0"
so_assert_contains "$D/daemon.log" "daemon stopping" "stop is logged"

# Polling fallback: with IDLE off, the daemon polls every poll_interval.
sed -i 's/^poll_interval = .*/poll_interval = 2\nidle = no/' "$D/so.ini"
$SO daemon -f 2> "$D/daemon-poll.log" &
pid=$!
so_send_eml "$SO_REPO_ROOT/contrib/demo/mails/05-html-alternative.eml"
ok=0
for i in $(seq 1 30); do
	[ "$(so_imap_count requester1@exempla.test INBOX)" = 3 ] && { ok=1; break; }
	sleep 0.5
done
so_assert_eq "$ok" 1 "polling without IDLE: confirmation within 15 s at poll_interval 2"
kill -TERM $pid; wait $pid
so_assert_eq "$?" 0 "polling daemon stops with exit 0"

# A bad config stops start-up naming file, line and key.
printf '[imap]\nurl = imap://x\nuser = u@x\npassword = p\npoll_interval = often\n[smtp]\nurl = smtp://x\nfrom = a@x\n' > "$D/bad.ini"
$SO_BIN -c "$D/bad.ini" poll 2> "$D/bad.log"; rc=$?
so_assert_eq "$rc" 78 "bad config: exit 78"
so_assert_contains "$D/bad.log" "bad.ini:5: [imap] poll_interval" "bad config: file, line and key named"
so_summary
