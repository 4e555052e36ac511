# SPDX-License-Identifier: MIT
# Database faults:
# - another process holds the write lock (sqlite3 with BEGIN EXCLUSIVE)
#   during a poll: the poll waits its busy timeout (10 s) once, gives up
#   the cycle with exit 1 and a readable log line, and the mail stays in the
#   INBOX; a lock released within the busy timeout only delays the poll;
#   afterwards the mail is processed exactly once;
# - the disk is full (the database on a full tmpfs): every poll fails with
#   a readable error and exit 1, the mail stays in the INBOX however often
#   it is tried, and once space is free it is processed exactly once.
set -u
. "$(dirname "$0")/common.sh"

hold_pid=
mounted=
cleanup() {
	{ exec 3>&-; } 2>/dev/null
	[ -n "$hold_pid" ] && kill "$hold_pid" 2>/dev/null && wait "$hold_pid"
	[ -n "$mounted" ] && umount "$D/fs"
}
trap cleanup EXIT

# Another process using the database: an sqlite3 shell reading statements
# from a FIFO, so that the test decides when it acts and when it ends.
hold() {
	rm -f "$D/hold.fifo"
	mkfifo "$D/hold.fifo"
	sqlite3 "$1" < "$D/hold.fifo" > "$D/hold.out" 2>&1 &
	hold_pid=$!
	exec 3> "$D/hold.fifo"
	echo "$2" >&3
}
hold_end() {
	[ -n "${1:-}" ] && echo "$1" >&3
	exec 3>&-
	wait "$hold_pid"
	hold_pid=
}
# Hold the write lock, and wait until it is really held.
lock_take() {
	local i
	hold "$D/so.db" "BEGIN EXCLUSIVE;"
	for i in $(seq 50); do
		sqlite3 -cmd '.timeout 0' "$D/so.db" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	echo "not ok - could not take the write lock"; cat "$D/hold.out"
	exit 1
}
lock_release() {
	hold_end "COMMIT;"
}

# timed_poll NAME [CONFIG]: poll, log to $D/NAME.log; sets rc and secs.
timed_poll() {
	local t0
	t0=$(date +%s%N)
	$SO_BIN -c "${2:-$D/so.ini}" poll 2> "$D/$1.log"
	rc=$?
	secs=$(( ($(date +%s%N) - t0) / 1000000000 ))
}

newmail() {
	sed "s/^Message-ID: <[^@]*@/Message-ID: <db-$1@/" \
	    "$SO_REPO_ROOT/contrib/demo/mails/01-standard.eml" > "$D/db-$1.eml"
	so_send_eml "$D/db-$1.eml"
	so_wait_count bestellung@exempla.test INBOX 1 20
}

# --- the database locked by another process --------------------------------
newmail lock
lock_take
timed_poll locked
so_assert_eq "$rc" 1 "database locked beyond the busy timeout: poll exits 1"
so_assert_eq "$([ "$secs" -ge 9 ] && [ "$secs" -le 16 ] && echo once)" once "the poll waited the busy timeout once, then gave up (${secs}s)"
so_assert_contains "$D/locked.log" "database is locked" "the lock is logged readably"
so_assert_contains "$D/locked.log" "cycle given up, nothing lost" "giving up the cycle is logged"
so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX)" 1 "the mail waits in the INBOX"
lock_release
so_assert_eq "$(sql 'SELECT count(*) FROM vorgang')" 0 "no case while locked"

lock_take
$SO poll 2> "$D/short-lock.log" &
poll_pid=$!
sleep 3
lock_release
wait "$poll_pid"; rc=$?
so_assert_eq "$rc" 0 "a lock released within the busy timeout only delays the poll"
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(sql 'SELECT count(*) FROM vorgang') $(so_imap_count bestellung@exempla.test INBOX) $(so_imap_count bestellung@exempla.test Verarbeitet)" "1 0 1" "after the lock: one case, the mail filed once"
so_assert_eq "$(sql "SELECT group_concat(state || ':' || attempts) FROM outbox")" "sent:1" "one confirmation, sent once"
so_wait_count requester1@exempla.test INBOX 1 20
so_assert_eq "$(so_imap_count requester1@exempla.test INBOX)" 1 "the requester got it once"

# --- disk full ----------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - disk full # skipped: needs root for tmpfs"
	so_summary
	exit
fi
mkdir -p "$D/fs"
if ! mount -t tmpfs -o size=1m tmpfs "$D/fs"; then
	echo "not ok - mount -t tmpfs failed although running as root"
	exit 1
fi
mounted=1
sed "s|^database = .*|database = $D/fs/so.db|" "$D/so.ini" > "$D/full.ini"
$SO_BIN -c "$D/full.ini" import "$SO_REPO_ROOT/contrib/demo/stammdaten" >/dev/null 2>&1
newmail full
fill() {
	dd if=/dev/zero of="$D/fs/fill" bs=4k >/dev/null 2>&1
	so_assert_eq "$(df --output=avail -k "$D/fs" | tail -1 | tr -d ' ')" 0 "the tmpfs is full ($1)"
}
full_polls() {
	local i
	for i in 1 2; do
		timed_poll "full-$1-$i" "$D/full.ini"
		so_assert_eq "$rc" 1 "disk full, $1: poll $i exits 1"
	done
}
# A fresh start on a full disk cannot even open the database.
fill "nothing open"
full_polls fresh
so_assert_contains "$D/full-fresh-1.log" "No space left on device" "disk full, fresh start: the error says so"
# With the database open elsewhere (as in the running daemon), its WAL and
# shared memory exist: the commit of the case is what fails.
rm -f "$D/fs/fill"
hold "$D/fs/so.db" "SELECT count(*) FROM vorgang;"
# The shared memory file must have its full first size (32 KiB): a reader
# that had to grow it would already fail on the full disk when opening.
for i in $(seq 100); do
	[ -e "$D/fs/so.db-wal" ] &&
		[ "$(stat -c %s "$D/fs/so.db-shm" 2>/dev/null || echo 0)" -ge 32768 ] && break
	sleep 0.1
done
fill "database open"
full_polls open
so_assert_contains "$D/full-open-1.log" "database or disk is full" "disk full, database open: the error says so"
so_assert_contains "$D/full-open-1.log" "intake commit failed" "disk full: the failed commit is logged"
so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX) $(so_imap_count bestellung@exempla.test Fehlgeschlagen)" "1 0" "after 4 failed polls the mail is still in the INBOX, not given up"
rm -f "$D/fs/fill"
hold_end
so_assert_eq "$(sqlite3 "$D/fs/so.db" 'SELECT count(*) FROM vorgang'), $(sqlite3 "$D/fs/so.db" 'SELECT count(*) FROM ledger')" "0, 0" "disk full: nothing committed"
timed_poll freed "$D/full.ini"
so_assert_eq "$rc" 0 "space freed: the poll works"
so_wait_queue_empty "$D/mail" 30
so_assert_eq "$(sqlite3 "$D/fs/so.db" 'SELECT count(*) FROM vorgang') $(so_imap_count bestellung@exempla.test INBOX) $(so_imap_count bestellung@exempla.test Verarbeitet)" "1 0 2" "the mail processed exactly once"
so_wait_count requester1@exempla.test INBOX 2 20
so_assert_eq "$(so_imap_count requester1@exempla.test INBOX)" 2 "its confirmation sent once"
so_summary
