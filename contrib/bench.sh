#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark of Social Order against a real Dovecot and a real Postfix
# (contrib/mailstack.sh), as "make bench" runs it.  It places N form mails
# (variations of contrib/demo/mails/01-standard.eml) straight into the
# Dovecot mail store and measures:
#
#   - intake only: "socialorder poll" with SMTP pointing at a closed port, so
#     that every mail is fetched, decided, committed and moved, and the
#     outbox filled, but nothing is sent;
#   - end to end: "socialorder poll" on a fresh mailbox and database against
#     the real Postfix, until poll returns (every confirmation accepted) and
#     until Postfix's queue is empty (every confirmation delivered);
#   - peak memory (maximum resident set size) of the end-to-end poll at
#     several mailbox sizes;
#   - for comparison, on the same servers: Postfix accepting N mails of the
#     confirmations' size from smtp-source, and contrib/bench_baseline.py,
#     the simplest Python script doing the same job.
#
# Every measurement starts from a freshly started mail stack; placing the
# mails and letting Dovecot index them is timed separately and excluded.
# Results go to stdout and to build-bench/results.md.
#
# It is a measurement, not a test: it fails only when a run did not do its
# job (a mail not turned into a case, a confirmation not delivered), never
# because a target was missed.  It does not touch the integration tests' or
# the demo's ports and state directories.
#
# Environment (defaults in brackets):
#   BENCH_MAILS [5000]                 mails for the main comparison
#   BENCH_RUNS [3]                     timed runs of each comparison; the
#                                      median is reported
#   BENCH_MEM_SIZES [1000 5000 10000]  mailbox sizes for the memory figures
#                                      (BENCH_MAILS is always measured)
#   BENCH_DIR [/tmp/socialorder-bench] state directory, removed at start
#   BENCH_BIN [./socialorder]          binary under test (copied at start)
#   BENCH_PYTHON [/usr/bin/python3]    interpreter for the Python baseline
#   BENCH_STRACE [0]                   1: add a syscall summary (strace -c)
#                                      of an extra intake-only poll
#   SO_IMAP_PORT [13143] SO_SMTP_PORT [13025] SO_LMTP_PORT [13024]
#   BENCH_CLOSED_PORT [13026]          must have no listener

set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$PWD
PROG=contrib/bench.sh
CMDLINE="$PROG${*:+ $*}"
for v in BENCH_MAILS BENCH_RUNS BENCH_MEM_SIZES BENCH_DIR BENCH_BIN BENCH_PYTHON BENCH_STRACE \
	SO_IMAP_PORT SO_SMTP_PORT SO_LMTP_PORT BENCH_CLOSED_PORT; do
	if [ -n "${!v+x}" ]; then
		CMDLINE="$v='${!v}' $CMDLINE"
	fi
done

N=${BENCH_MAILS:-5000}
RUNS=${BENCH_RUNS:-3}
MEM_SIZES=${BENCH_MEM_SIZES:-1000 5000 10000}
DIR=${BENCH_DIR:-/tmp/socialorder-bench}
BIN_SRC=${BENCH_BIN:-./socialorder}
PY=${BENCH_PYTHON:-/usr/bin/python3}
STRACE=${BENCH_STRACE:-0}
export SO_IMAP_PORT=${SO_IMAP_PORT:-13143}
export SO_SMTP_PORT=${SO_SMTP_PORT:-13025}
export SO_LMTP_PORT=${SO_LMTP_PORT:-13024}
export SO_MAIL_PASSWORD=${SO_MAIL_PASSWORD:-secret}
CLOSED_PORT=${BENCH_CLOSED_PORT:-13026}
OUTDIR=$REPO/build-bench
RESULTS=$OUTDIR/results.md
STACK=$DIR/mail
MAILDIR=$STACK/mail/exempla.test/bestellung
ADDR=bestellung@exempla.test
NREQ=50                         # requester1 .. requester50
QUEUE_TIMEOUT=900               # seconds to wait for Postfix to deliver

die() {
	echo "$PROG: $*" >&2
	exit 1
}

say() {
	echo "-- $*" >&2
}

case $N in
''|*[!0-9]*|0) die "BENCH_MAILS must be a positive number, got '$N'" ;;
esac
for m in $MEM_SIZES; do
	case $m in
	''|*[!0-9]*|0) die "BENCH_MEM_SIZES must list positive numbers, got '$m'" ;;
	esac
done
case $DIR in
/tmp/?*) ;;
*) die "BENCH_DIR must be a directory under /tmp (it is removed at start), got '$DIR'" ;;
esac
for p in "$SO_IMAP_PORT" "$SO_SMTP_PORT" "$SO_LMTP_PORT"; do
	case $p in 10143|10025|10024|11143|11025|11024|12143|12025|12024)
		die "port $p belongs to the demo or the integration tests; choose others" ;;
	esac
done

# The mail stack, the mail store and Postfix's queue belong to root.
if [ "$(id -u)" -eq 0 ]; then
	asroot() { "$@"; }
else
	sudo -n true 2>/dev/null ||
		die "needs root (Postfix, the mail store) or password-less sudo"
	asroot() { sudo -n -- "$@"; }
fi

# GNU time gives the peak RSS; smtp-source comes with postfix.
need_pkgs=
[ -x /usr/bin/time ] || need_pkgs="$need_pkgs time"
command -v "$PY" >/dev/null 2>&1 || need_pkgs="$need_pkgs python3"
command -v sqlite3 >/dev/null 2>&1 || need_pkgs="$need_pkgs sqlite3"
if [ -n "$need_pkgs" ]; then
	say "installing:$need_pkgs"
	asroot apt-get install -y -qq --no-install-recommends $need_pkgs >/dev/null ||
		die "apt-get could not install$need_pkgs"
fi
command -v "$PY" >/dev/null 2>&1 || PY=python3
for t in smtp-source postqueue doveadm sqlite3; do
	command -v "$t" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
	command -v "$t" >/dev/null 2>&1 || die "$t is not installed (make deps)"
done
[ -x "$BIN_SRC" ] || die "no binary at $BIN_SRC; run make first"
if (exec 3<>"/dev/tcp/127.0.0.1/$CLOSED_PORT") 2>/dev/null; then
	die "BENCH_CLOSED_PORT $CLOSED_PORT has a listener; intake-only needs a closed port"
fi

# ---------------------------------------------------------------- helpers

now_ns() {
	date +%s%N
}

# seconds with three decimals from two now_ns values
secs() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# div A B [DECIMALS]
div() {
	awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "-"; else printf "%.*f", d, a / b }'
}

mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

stack_stop() {
	asroot contrib/mailstack.sh stop "$STACK" >/dev/null 2>&1 || true
}

# A new mail stack with an empty mail store and queue.
stack_fresh() {
	stack_stop
	asroot rm -rf "$STACK"
	mkdir -p "$STACK"
	asroot contrib/mailstack.sh start "$STACK" >"$DIR/mailstack-start.log" 2>&1 ||
		{ cat "$DIR/mailstack-start.log" >&2; die "the mail stack did not start"; }
}

doveadm_() {
	asroot doveadm -c "$STACK/dovecot/dovecot.conf" "$@"
}

# Number of messages in USER's FOLDER, through Dovecot.
mbox_count() {
	doveadm_ mailbox status -u "$1" messages "$2" 2>/dev/null |
		sed -n 's/.*messages=\([0-9]*\).*/\1/p'
}

# Number of mails delivered to requester1..requesterN (the confirmations).
delivered_confirmations() {
	local d=$STACK/mail/exempla.test
	asroot find "$d" -mindepth 3 -maxdepth 3 -type f -path "$d/requester*/*" \
		\( -path '*/new/*' -o -path '*/cur/*' \) 2>/dev/null | wc -l
}

# Write N form mails into the INBOX of bestellung@exempla.test as Maildir
# files, then let Dovecot index them; sets PLACE_S and INDEX_S.
place_mails() {
	local n=$1 t0 t1 t2 got
	t0=$(now_ns)
	asroot "$PY" - "$REPO/contrib/demo/mails/01-standard.eml" "$MAILDIR/tmp" "$n" "$NREQ" <<'PY'
import os, sys
src, tmpdir, n, nreq = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
tpl = open(src, "rb").read().replace(b"\r\n", b"\n")
for s in (b"<requester1@exempla.test>", b"E-Mail: requester1@exempla.test",
          b"<01-standard@intranet.exempla.test>", b"| 5 | Pack |",
          b"| 10 | St=C3=BCck |", b"| 12 | St=C3=BCck |"):
    if tpl.count(s) != 1:
        sys.exit("bench: %s changed; %r not found once" % (src, s))
newdir = os.path.join(os.path.dirname(tmpdir), "new")
os.makedirs(tmpdir, exist_ok=True)
os.makedirs(newdir, exist_ok=True)
pid = os.getpid()
for i in range(1, n + 1):
    k = (i - 1) % nreq + 1
    m = (tpl.replace(b"<requester1@exempla.test>", b"<requester%d@exempla.test>" % k)
            .replace(b"E-Mail: requester1@exempla.test", b"E-Mail: requester%d@exempla.test" % k)
            .replace(b"<01-standard@intranet.exempla.test>",
                     b"<bench-%06d@intranet.exempla.test>" % i)
            .replace(b"| 5 | Pack |", b"| %d | Pack |" % (i % 9 + 1))
            .replace(b"| 10 | St=C3=BCck |", b"| %d | St=C3=BCck |" % (i % 20 + 1))
            .replace(b"| 12 | St=C3=BCck |", b"| %d | St=C3=BCck |" % (i % 17 + 1)))
    # Maildir name with size (S=) and CRLF size (W=), so Dovecot need not
    # read the file to answer RFC822.SIZE; zero-padded so that UIDs
    # follow the numbering.
    name = "1700000000.M%06dP%d.bench,S=%d,W=%d" % (i, pid, len(m), len(m) + m.count(b"\n"))
    with open(os.path.join(tmpdir, name), "wb") as f:
        f.write(m)
    os.rename(os.path.join(tmpdir, name), os.path.join(newdir, name))
PY
	# Written as root: hand the domain's part of the store to the mail user.
	asroot chown -R "${SO_MAIL_USER:-somail}:" "$STACK/mail/exempla.test"
	asroot chmod -R go-rwx "$STACK/mail/exempla.test"
	t1=$(now_ns)
	# The first access syncs the Maildir: new/ -> cur/, UIDs, index.
	got=$(mbox_count "$ADDR" INBOX)
	t2=$(now_ns)
	[ "$got" = "$n" ] || die "placed $n mails, but Dovecot sees ${got:-none} in the INBOX"
	PLACE_S=$(secs "$t0" "$t1")
	INDEX_S=$(secs "$t1" "$t2")
}

# A fresh database with the demo master data, raised so that every mail
# becomes a released case.  Args: SMTP port the daemon sends to, and
# optionally more lines for the [limits] section.
fresh_db() {
	local smtp_port=$1 limits=${2:-}
	rm -f "$DIR"/so.db "$DIR"/so.db-wal "$DIR"/so.db-shm
	cat >"$DIR/so.ini" <<INI
[general]
database = $DIR/so.db
templates = $REPO/templates
[imap]
url = imap://127.0.0.1:$SO_IMAP_PORT/INBOX
user = $ADDR
password = $SO_MAIL_PASSWORD
poll_interval = 2
[smtp]
url = smtp://127.0.0.1:$smtp_port
from = $ADDR
retry_base = 1
[approval]
threshold = 1000000,00
[limits]
answers_per_window = 100000
$limits
INI
	"$BIN" -c "$DIR/so.ini" import "$REPO/contrib/demo/stammdaten" >"$DIR/import.log" 2>&1 ||
		{ cat "$DIR/import.log" >&2; die "import of the demo master data failed"; }
	sqlite3 -batch "$DIR/so.db" \
		"UPDATE kostenstelle SET budget_cents = 1000000000000;
		 UPDATE oe SET schwelle_cents = 100000000 WHERE schwelle_cents IS NOT NULL;" ||
		die "raising budgets and thresholds in $DIR/so.db failed"
}

sql() {
	sqlite3 -batch -noheader "$DIR/so.db" "$1"
}

# Wait until Postfix's queue is empty; prints the time it became empty
# (now_ns).
wait_queue_empty() {
	local deadline=$((SECONDS + QUEUE_TIMEOUT)) out
	while :; do
		out=$(asroot postqueue -c "$STACK/postfix" -j 2>&1) ||
			die "postqueue failed: $out"
		if [ -z "$out" ]; then
			now_ns
			return 0
		fi
		# A deferred mail waits minutes for its retry: report it now.
		case $out in
		*'"delay_reason"'*)
			echo "$out" | head -n 3 >&2
			die "Postfix deferred mail in $STACK (see $STACK/postfix.log and dovecot.log)" ;;
		esac
		[ "$SECONDS" -lt "$deadline" ] ||
			die "Postfix queue in $STACK not empty after $QUEUE_TIMEOUT s"
		sleep 0.1
	done
}

# SMTP sessions Postfix's smtpd accepted so far.
smtpd_sessions() {
	grep -c 'smtpd\[[0-9]*\]: connect from' "$STACK/postfix.log" 2>/dev/null || true
}

# user + system CPU seconds from a GNU time -v file
cpu_of() {
	awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ { s += $2 }
		END { printf "%.2f", s }' "$1"
}

# run_poll LABEL: one timed "socialorder poll" under GNU time; sets
# POLL_S, POLL_START (now_ns), CPU_S and RSS_KB.
run_poll() {
	local label=$1 t0 t1 rc=0
	t0=$(now_ns)
	/usr/bin/time -v -o "$DIR/time-$label.txt" "$BIN" -c "$DIR/so.ini" poll \
		2>"$DIR/poll-$label.log" || rc=$?
	t1=$(now_ns)
	[ "$rc" -eq 0 ] || { tail -n 20 "$DIR/poll-$label.log" >&2; die "poll ($label) exited $rc"; }
	POLL_S=$(secs "$t0" "$t1")
	POLL_START=$t0
	RSS_KB=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$DIR/time-$label.txt")
	CPU_S=$(cpu_of "$DIR/time-$label.txt")
	cp "$DIR/time-$label.txt" "$DIR/poll-$label.log" "$OUTDIR/" 2>/dev/null || true
}

# Every mail must have become a released case and have left the INBOX.
check_intake() {
	local n=$1 label=$2 cases inbox done_
	cases=$(sql "SELECT count(*) FROM vorgang WHERE state = 'freigegeben'")
	[ "$cases" = "$n" ] ||
		die "$label: $n mails, but $cases released cases (see $DIR/poll-$label.log)"
	inbox=$(mbox_count "$ADDR" INBOX)
	done_=$(mbox_count "$ADDR" Verarbeitet)
	[ "$inbox" = 0 ] && [ "$done_" = "$n" ] ||
		die "$label: INBOX has $inbox, Verarbeitet $done_ messages; expected 0 and $n"
}

# ---------------------------------------------------------------- runs

# end_to_end M LABEL: fresh stack, M mails, fresh database, poll against
# Postfix; sets E2E_S, E2E_Q_S, E2E_RSS_KB, E2E_SESSIONS, PLACE_S, INDEX_S.
end_to_end() {
	local m=$1 label=$2 tq s0 sent got
	stack_fresh
	place_mails "$m"
	fresh_db "$SO_SMTP_PORT"
	s0=$(smtpd_sessions)
	say "end to end, $m mails ($label)"
	run_poll "$label"
	tq=$(wait_queue_empty)
	E2E_S=$POLL_S
	E2E_Q_S=$(secs "$POLL_START" "$tq")
	E2E_RSS_KB=$RSS_KB
	E2E_CPU_S=$CPU_S
	E2E_SESSIONS=$(($(smtpd_sessions) - s0))
	check_intake "$m" "$label"
	sent=$(sql "SELECT count(*) FROM outbox WHERE state = 'sent' AND kind = 'confirmation'")
	[ "$sent" = "$m" ] || die "$label: $m cases, but $sent confirmations sent"
	got=$(delivered_confirmations)
	[ "$got" = "$m" ] || die "$label: $m confirmations sent, but $got delivered"
}

mkdir -p "$OUTDIR"
rm -f "$OUTDIR"/poll-*.log "$OUTDIR"/time-*.txt "$OUTDIR"/strace-intake.txt
stack_stop
asroot rm -rf "$DIR"
mkdir -p "$DIR"
chmod 0755 "$DIR"
trap 'stack_stop' EXIT
BIN=$DIR/socialorder
cp "$BIN_SRC" "$BIN"

say "machine"
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
NPROC=$(nproc)
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
FS=$(df -PT "$DIR" | awk 'NR == 2 { print $2 " on " $1 }')
KERNEL=$(uname -r)
VER_DOVECOT=$(dovecot --version 2>/dev/null | awk '{ print $1 }')
VER_POSTFIX=$(postconf -d -h mail_version 2>/dev/null)
VER_SQLITE=$(sqlite3 --version | awk '{ print $1 }')
VER_PY=$("$PY" -c 'import sys; print(sys.version.split()[0])')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- daemon db parsers templates 2>/dev/null)" ]; then
	COMMIT="$COMMIT (with uncommitted changes in daemon/ db/ parsers/ templates/)"
fi
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_START%% *}" -v n="$NPROC" 'BEGIN { exit !(l > n / 4) }'; then
	say "warning: load average $LOAD_START on $NPROC CPUs; the figures will be noisy"
fi
BIN_INFO="$BIN_SRC, built $(date -u -r "$BIN_SRC" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$BIN" | cut -c1-12)"

# The timed runs (intake only, end to end, smtp-source) are made RUNS times,
# interleaved, and the median run is reported: on a shared or virtual
# machine one run can be 20% off either way.

# median_run T1 T2 ...: the index (0-based) of the median of the times.
median_run() {
	local i=0 t
	for t in "$@"; do
		echo "$t $i"
		i=$((i + 1))
	done | sort -g | awk '{ r[NR] = $2 } END { print r[int((NR + 1) / 2)] }'
}

# 1. Intake only: SMTP to a closed port.
intake_only() {
	say "intake only, $N mails (run $1 of $RUNS)"
	stack_fresh
	place_mails "$N"
	SETUP_PLACE_S=$PLACE_S
	SETUP_INDEX_S=$INDEX_S
	fresh_db "$CLOSED_PORT"
	run_poll intake
	INTAKE_ALL+=("$POLL_S")
	INTAKE_RSS_ALL+=("$RSS_KB")
	INTAKE_CPU_ALL+=("$CPU_S")
	check_intake "$N" intake
	pending=$(sql "SELECT count(*) FROM outbox WHERE kind = 'confirmation' AND state <> 'sent'")
	[ "$pending" = "$N" ] || die "intake: expected $N unsent confirmations in the outbox, found $pending"
	CONF_SIZE=$(sql "SELECT CAST(avg(length(raw)) AS INTEGER) FROM outbox WHERE kind = 'confirmation'")
}

if [ "$STRACE" = 1 ]; then
	if command -v strace >/dev/null 2>&1; then
		say "intake only under strace -c (not timed)"
		stack_fresh
		place_mails "$N"
		fresh_db "$CLOSED_PORT"
		strace -c -f -o "$OUTDIR/strace-intake.txt" "$BIN" -c "$DIR/so.ini" poll \
			2>"$DIR/poll-strace.log" || die "poll under strace failed"
	else
		say "strace is not installed; no syscall summary"
		STRACE=0
	fi
fi

# 1b. The same without the parser sandbox, to show what it costs.
say "intake only, $N mails, parser_isolation = no"
stack_fresh
place_mails "$N"
fresh_db "$CLOSED_PORT" "parser_isolation = no"
run_poll intake-nosandbox
NOSB_S=$POLL_S
NOSB_RSS_KB=$RSS_KB
NOSB_CPU_S=$CPU_S
check_intake "$N" intake-nosandbox

# 3. Postfix's own acceptance of N mails of the confirmations' size.
postfix_only() {
	local t0 t1 tq got
	say "Postfix: smtp-source, $N mails of $CONF_SIZE bytes (run $1 of $RUNS)"
	stack_fresh
	SMTPSRC_CMD="smtp-source -c -l $CONF_SIZE -m $N -s 20 -f $ADDR -t $ADDR 127.0.0.1:$SO_SMTP_PORT"
	t0=$(now_ns)
	$SMTPSRC_CMD >"$DIR/smtp-source.log" 2>&1 || { cat "$DIR/smtp-source.log" >&2; die "smtp-source failed"; }
	t1=$(now_ns)
	tq=$(wait_queue_empty)
	PF_ALL+=("$(secs "$t0" "$t1")")
	PF_Q_ALL+=("$(secs "$t0" "$tq")")
	got=$(mbox_count "$ADDR" INBOX)
	[ "$got" = "$N" ] || die "smtp-source sent $N mails, but $got arrived in $ADDR's INBOX"
}

# 1, 2 and 3, RUNS times.
INTAKE_ALL=() INTAKE_RSS_ALL=() INTAKE_CPU_ALL=()
E2E_ALL=() E2E_Q_ALL=() E2E_RSS_ALL=() E2E_CPU_ALL=() E2E_SESSIONS_ALL=()
PF_ALL=() PF_Q_ALL=()
for run in $(seq 1 "$RUNS"); do
	intake_only "$run"
	end_to_end "$N" e2e
	E2E_ALL+=("$E2E_S")
	E2E_Q_ALL+=("$E2E_Q_S")
	E2E_RSS_ALL+=("$E2E_RSS_KB")
	E2E_CPU_ALL+=("$E2E_CPU_S")
	E2E_SESSIONS_ALL+=("$E2E_SESSIONS")
	postfix_only "$run"
done
i=$(median_run "${INTAKE_ALL[@]}")
INTAKE_S=${INTAKE_ALL[$i]}
INTAKE_RSS_KB=${INTAKE_RSS_ALL[$i]}
INTAKE_CPU_S=${INTAKE_CPU_ALL[$i]}
INTAKE_RATE=$(div "$N" "$INTAKE_S" 0)
i=$(median_run "${E2E_ALL[@]}")
E2E_MAIN_S=${E2E_ALL[$i]}
E2E_MAIN_Q_S=${E2E_Q_ALL[$i]}
E2E_MAIN_RSS_KB=${E2E_RSS_ALL[$i]}
E2E_MAIN_CPU_S=${E2E_CPU_ALL[$i]}
E2E_MAIN_SESSIONS=${E2E_SESSIONS_ALL[$i]}
i=$(median_run "${PF_ALL[@]}")
PF_S=${PF_ALL[$i]}
PF_Q_S=${PF_Q_ALL[$i]}

# 4. The Python script doing the same job.
say "Python baseline, $N mails"
stack_fresh
place_mails "$N"
rm -f "$DIR/baseline.db"
s0=$(smtpd_sessions)
t0=$(now_ns)
rc=0
/usr/bin/time -v -o "$DIR/time-python.txt" "$PY" contrib/bench_baseline.py \
	--imap "127.0.0.1:$SO_IMAP_PORT" --smtp "127.0.0.1:$SO_SMTP_PORT" \
	--user "$ADDR" --password "$SO_MAIL_PASSWORD" --db "$DIR/baseline.db" \
	>"$DIR/python.log" 2>&1 || rc=$?
t1=$(now_ns)
[ "$rc" -eq 0 ] || { tail -n 20 "$DIR/python.log" >&2; die "the Python baseline exited $rc"; }
tq=$(wait_queue_empty)
PY_S=$(secs "$t0" "$t1")
PY_Q_S=$(secs "$t0" "$tq")
PY_RSS_KB=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$DIR/time-python.txt")
PY_CPU_S=$(cpu_of "$DIR/time-python.txt")
PY_SESSIONS=$(($(smtpd_sessions) - s0))
got=$(sqlite3 -batch -noheader "$DIR/baseline.db" "SELECT count(*) FROM vorgang")
[ "$got" = "$N" ] || die "Python baseline: $N mails, but $got rows"
[ "$(mbox_count "$ADDR" Verarbeitet)" = "$N" ] || die "Python baseline did not file all $N mails"
got=$(delivered_confirmations)
[ "$got" = "$N" ] || die "Python baseline: $got of $N confirmations delivered"

# 5. Peak memory at several mailbox sizes.
MEM_ROWS=
for m in $(printf '%s\n' $MEM_SIZES "$N" | sort -n -u); do
	if [ "$m" = "$N" ]; then
		s=$E2E_MAIN_S rss=$E2E_MAIN_RSS_KB cpu=$E2E_MAIN_CPU_S
	else
		end_to_end "$m" "mem-$m"
		s=$E2E_S rss=$E2E_RSS_KB cpu=$E2E_CPU_S
	fi
	MEM_ROWS="$MEM_ROWS$m $s $rss $cpu
"
done
stack_stop
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report

# verdict OK: "met" or "NOT met"
verdict() {
	if [ "$1" = 1 ]; then echo "met"; else echo "**NOT met**"; fi
}
le() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? 1 : 0 }'
}

PF_LIMIT=$(awk -v a="$PF_S" 'BEGIN { printf "%.3f", a * 1.5 }')
PY_LIMIT=$(awk -v a="$PY_S" 'BEGIN { printf "%.3f", a / 2 }')
T_PF=$(le "$E2E_MAIN_S" "$PF_LIMIT")
T_PY=$(le "$E2E_MAIN_S" "$PY_LIMIT")
T_RATE=$(awk -v r="$INTAKE_RATE" 'BEGIN { print (r >= 5000) ? 1 : 0 }')
MEM_MIN=$(printf '%s' "$MEM_ROWS" | sort -n | head -n 1)
MEM_MAX=$(printf '%s' "$MEM_ROWS" | sort -n | tail -n 1)
MEM_10K=$(printf '%s' "$MEM_ROWS" | awk '$1 == 10000 { print $3 }')
if [ -n "$MEM_10K" ]; then
	T_MEM=$(awk -v k="$MEM_10K" 'BEGIN { print (k < 32768) ? 1 : 0 }')
	T_MEM_TEXT="$(mib "$MEM_10K") MiB"
else
	T_MEM=
	T_MEM_TEXT="not measured (10000 not in BENCH_MEM_SIZES)"
fi
read -r gm_n _ gm_k _ <<<"$MEM_MIN"
read -r gx_n _ gx_k _ <<<"$MEM_MAX"
T_GROW=$(awk -v a="$gm_k" -v b="$gx_k" 'BEGIN { print (b <= a * 1.1) ? 1 : 0 }')
[ "$gm_n" != "$gx_n" ] || T_GROW=

{
	echo "# Social Order benchmark"
	echo
	echo "Command: \`$CMDLINE\`  "
	echo "Started: $STARTED; repository at commit $COMMIT  "
	echo "Binary: $BIN_INFO  "
	echo "Machine: $NPROC CPUs ($CPU), $MEM RAM, kernel $KERNEL; state directory on $FS  "
	echo "Load average: $LOAD_START at the start, $LOAD_END at the end (anything else running makes the figures noisy)  "
	echo "Servers: Dovecot $VER_DOVECOT, Postfix $VER_POSTFIX (private, on 127.0.0.1:$SO_IMAP_PORT and :$SO_SMTP_PORT); SQLite $VER_SQLITE; Python $VER_PY"
	echo
	echo "$N form mails (variations of contrib/demo/mails/01-standard.eml, $NREQ requesters), every one a released case."
	echo "Setup, not timed: writing them into the Maildir took $SETUP_PLACE_S s, Dovecot's first index $SETUP_INDEX_S s."
	echo "Every run starts on a freshly started mail stack and a fresh database."
	echo "Intake only, end to end and smtp-source were each run $RUNS times, interleaved; the table shows the median run."
	echo "All runs: intake only ${INTAKE_ALL[*]} s; end to end ${E2E_ALL[*]} s; smtp-source ${PF_ALL[*]} s."
	echo
	echo "| Run | Mails | Time | Until Postfix queue empty | Mails/s | CPU (user+sys) | Peak RSS |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	echo "| socialorder poll, intake only (SMTP port closed) | $N | $INTAKE_S s | - | $INTAKE_RATE | $INTAKE_CPU_S s | $(mib "$INTAKE_RSS_KB") MiB |"
	echo "| the same with \`[limits] parser_isolation = no\` (diagnostic) | $N | $NOSB_S s | - | $(div "$N" "$NOSB_S" 0) | $NOSB_CPU_S s | $(mib "$NOSB_RSS_KB") MiB |"
	echo "| socialorder poll, end to end | $N | $E2E_MAIN_S s | $E2E_MAIN_Q_S s | $(div "$N" "$E2E_MAIN_S" 0) | $E2E_MAIN_CPU_S s | $(mib "$E2E_MAIN_RSS_KB") MiB |"
	echo "| Postfix accepting from smtp-source ($CONF_SIZE bytes, 20 sessions) | $N | $PF_S s | $PF_Q_S s | $(div "$N" "$PF_S" 0) | - | - |"
	echo "| Python baseline (contrib/bench_baseline.py) | $N | $PY_S s | $PY_Q_S s | $(div "$N" "$PY_S" 0) | $PY_CPU_S s | $(mib "$PY_RSS_KB") MiB |"
	echo
	SEND_S=$(awk -v a="$E2E_MAIN_S" -v b="$INTAKE_S" 'BEGIN { printf "%.3f", a - b }')
	echo "Sending phase (end to end minus intake only): about $SEND_S s, $(div "$SEND_S" "$N" 5 | awk '{ printf "%.2f", $1 * 1000 }') ms per confirmation.  "
	echo "SMTP sessions opened: socialorder $E2E_MAIN_SESSIONS, Python baseline $PY_SESSIONS for $N confirmations."
	echo "smtp-source: \`$SMTPSRC_CMD\`"
	echo
	echo "Peak memory of the end-to-end poll by mailbox size:"
	echo
	echo "| Mails | Poll time | CPU (user+sys) | Peak RSS |"
	echo "|---:|---:|---:|---:|"
	printf '%s' "$MEM_ROWS" | while read -r m s k c; do
		echo "| $m | $s s | $c s | $(mib "$k") MiB |"
	done
	echo
	echo "| Target | Figure | Verdict |"
	echo "|---|---|---|"
	echo "| end to end within 1.5x Postfix's acceptance time (poll <= $PF_LIMIT s) | $E2E_MAIN_S s = $(div "$E2E_MAIN_S" "$PF_S")x | $(verdict "$T_PF") |"
	echo "| at most half the Python script's time (poll <= $PY_LIMIT s) | $E2E_MAIN_S s = $(div "$E2E_MAIN_S" "$PY_S")x | $(verdict "$T_PY") |"
	echo "| intake at least 5,000 mails/s | $INTAKE_RATE mails/s | $(verdict "$T_RATE") |"
	if [ -n "$T_MEM" ]; then
		echo "| peak memory under 32 MiB at 10,000 mails | $T_MEM_TEXT | $(verdict "$T_MEM") |"
	else
		echo "| peak memory under 32 MiB at 10,000 mails | $T_MEM_TEXT | - |"
	fi
	if [ -n "$T_GROW" ]; then
		echo "| memory not growing with mailbox size (RSS at $gx_n <= 1.1x RSS at $gm_n) | $(mib "$gm_k") -> $(mib "$gx_k") MiB | $(verdict "$T_GROW") |"
	else
		echo "| memory not growing with mailbox size | only one size measured | - |"
	fi
	if [ "$STRACE" = 1 ]; then
		echo
		echo "Syscalls of an extra intake-only poll (strace -c -f, not timed):"
		echo
		echo '```'
		sed -n '1,25p' "$OUTDIR/strace-intake.txt"
		echo '```'
	fi
} >"$RESULTS"
cat "$RESULTS"
