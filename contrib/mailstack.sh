#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Private mail stack for the Social Order demo and integration tests: a real
# Dovecot (IMAP + LMTP) and a real Postfix (SMTP) on loopback high ports, with
# all configuration, logs, queue and mail store under one state directory.
# Postfix relays every recipient at every domain to Dovecot over LMTP, so mail
# never leaves the machine, and Dovecot accepts any address as a mailbox user
# with one shared password.
#
# It does not touch /etc/dovecot, /etc/postfix or the system services, and it
# is not meant for production: no TLS, plaintext passwords on loopback.
#
# Usage: mailstack.sh start|stop|status DIR
#
# Environment (defaults in brackets):
#   SO_IMAP_PORT [10143]  SO_SMTP_PORT [10025]  SO_LMTP_PORT [10024]
#   SO_MAIL_PASSWORD [secret]  password for every mailbox user
#   SO_MAIL_USER [somail]      system user owning the mail store (created if
#                              missing; Dovecot refuses to access mail as root)
#   SO_MAILSTACK_TIMEOUT [20]  seconds to wait for start and for stop
#   SO_IMAPS_PORT [none]       also serve IMAP over TLS on this port, with a
#                              self-signed certificate for "localhost" made
#                              at start in DIR/tls/ (cert.pem is its own CA)

set -eu

PROG=${0##*/}
SO_IMAP_PORT=${SO_IMAP_PORT:-10143}
SO_SMTP_PORT=${SO_SMTP_PORT:-10025}
SO_LMTP_PORT=${SO_LMTP_PORT:-10024}
SO_MAIL_PASSWORD=${SO_MAIL_PASSWORD:-secret}
SO_MAIL_USER=${SO_MAIL_USER:-somail}
SO_MAILSTACK_TIMEOUT=${SO_MAILSTACK_TIMEOUT:-20}
HOST=127.0.0.1

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH

die() {
	echo "$PROG: $*" >&2
	exit 1
}

usage() {
	echo "usage: $PROG start|stop|status DIR" >&2
	exit 2
}

# Print the last lines of a log file to stderr, labelled, if it has any.
log_tail() {
	if [ -s "$1" ]; then
		echo "---- last lines of $1 ----" >&2
		tail -n "${2:-25}" "$1" >&2
		echo "----" >&2
	fi
}

check_port_number() {
	case $2 in
	''|*[!0-9]*) die "$1 must be a port number, got '$2'" ;;
	esac
	if [ "$2" -lt 1 ] || [ "$2" -gt 65535 ]; then
		die "$1 must be between 1 and 65535, got '$2'"
	fi
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() {
	(exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# Who listens on a port, for error messages.
port_owner() {
	if command -v ss >/dev/null 2>&1; then
		ss -Hltnp "sport = :$1" 2>/dev/null || true
	fi
}

# Read the server greeting on port $1 and check that it starts with $2.
# Say goodbye properly ($3) so the server logs stay free of "lost
# connection" noise.
greeting_ok() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 5 bash -c '
		exec 3<>"/dev/tcp/$0/$1" || exit 1
		IFS= read -r line <&3 || exit 1
		printf "%s\r\n" "$3" >&3
		case $line in "$2"*) exit 0 ;; *) exit 1 ;; esac
	' "$HOST" "$1" "$2" "$3" 2>/dev/null
}

# True if process $1 exists and is not a zombie: a stopped server stays a
# zombie until its parent (often init) reaps it, but holds nothing by then.
pid_alive() {
	local state
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# The pid in pid file $1 if that process is alive and named $2.  A pid file
# left behind by a killed run, or whose pid now belongs to some other
# program, yields nothing.
live_pid() {
	local pidfile=$1 name=$2 pid comm
	[ -r "$pidfile" ] || return 1
	pid=$(sed -n '1{s/[^0-9]//g;p;q}' "$pidfile" 2>/dev/null) || return 1
	[ -n "$pid" ] || return 1
	pid_alive "$pid" || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	[ "$comm" = "$name" ] || return 1
	echo "$pid"
}

# Wait until process $1 is gone; true if it went within $2 seconds.
wait_pid_gone() {
	local pid=$1 n=$(($2 * 10))
	while pid_alive "$pid" && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	! pid_alive "$pid"
}

dovecot_pid() {
	live_pid "$DIR/dovecot/run/master.pid" dovecot
}

postfix_pid() {
	live_pid "$DIR/postfix-queue/pid/master.pid" master
}

# Postfix only starts as root, and the mail store must belong to an
# unprivileged user, so start and stop run as root: directly, or through sudo
# with our settings passed along (sudo resets the environment).
become_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	if ! command -v sudo >/dev/null 2>&1; then
		die "'$CMD' needs root (Postfix runs only as root) and sudo is not installed; run it as root"
	fi
	exec sudo -- env \
		SO_IMAP_PORT="$SO_IMAP_PORT" SO_SMTP_PORT="$SO_SMTP_PORT" \
		SO_LMTP_PORT="$SO_LMTP_PORT" SO_MAIL_PASSWORD="$SO_MAIL_PASSWORD" \
		SO_MAIL_USER="$SO_MAIL_USER" SO_MAILSTACK_TIMEOUT="$SO_MAILSTACK_TIMEOUT" \
		"$SELF" "$CMD" "$DIR"
}

ensure_mail_user() {
	if ! getent passwd "$SO_MAIL_USER" >/dev/null; then
		useradd --system --user-group --no-create-home \
			--home-dir /nonexistent --shell /usr/sbin/nologin \
			--comment "Social Order test mail store" "$SO_MAIL_USER" ||
			die "cannot create system user '$SO_MAIL_USER'; create it or set SO_MAIL_USER to an existing unprivileged user"
	fi
	MAIL_UID=$(id -u "$SO_MAIL_USER")
	MAIL_GID=$(id -g "$SO_MAIL_USER")
	if [ "$MAIL_UID" -eq 0 ]; then
		die "SO_MAIL_USER '$SO_MAIL_USER' is root; Dovecot refuses to access mail as root"
	fi
}

# Both servers drop privileges, so every parent of DIR must be searchable by
# the mail user and by postfix (a state directory under /root is not).
check_reachable() {
	if ! runuser -u "$1" -- test -x "$2" 2>/dev/null; then
		die "user '$1' cannot reach $2; choose a state directory whose parents are world-searchable (e.g. under /tmp)"
	fi
}

write_dovecot_conf() {
	local SSL_CONF="ssl = no" IMAPS_PORT=0
	if [ -n "${SO_IMAPS_PORT:-}" ]; then
		mkdir -p "$DIR/tls"
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
			-addext subjectAltName=DNS:localhost \
			-keyout "$DIR/tls/key.pem" -out "$DIR/tls/cert.pem" >/dev/null 2>&1 ||
			die "openssl could not make a test certificate"
		chmod 0644 "$DIR/tls/cert.pem"
		SSL_CONF="ssl = yes
ssl_cert = <$DIR/tls/cert.pem
ssl_key = <$DIR/tls/key.pem"
		IMAPS_PORT=$SO_IMAPS_PORT
	fi
	cat >"$DIR/dovecot/dovecot.conf" <<EOF
# Generated by contrib/mailstack.sh on every start; edits are lost.
# Private Dovecot for Social Order tests: any user, one password, loopback only.

instance_name = socialorder-mailstack
base_dir = $DIR/dovecot/run
state_dir = $DIR/dovecot/state
protocols = imap lmtp
listen = $HOST
log_path = $DIR/dovecot.log
info_log_path = $DIR/dovecot.log
debug_log_path = $DIR/dovecot.log
login_greeting = Dovecot (Social Order test stack) ready.

$SSL_CONF
disable_plaintext_auth = no
auth_mechanisms = plain login

passdb {
  driver = static
  args = password=$SO_MAIL_PASSWORD
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=$DIR/mail/%d/%n allow_all_users=yes
}

mail_location = maildir:$DIR/mail/%d/%n
first_valid_uid = $MAIL_UID
first_valid_gid = $MAIL_GID
# Tests and the daemon open many short connections as the same user.
mail_max_userip_connections = 100

namespace inbox {
  inbox = yes
}

service imap-login {
  inet_listener imap {
    address = $HOST
    port = $SO_IMAP_PORT
  }
  inet_listener imaps {
    address = $HOST
    port = $IMAPS_PORT
  }
}

service lmtp {
  inet_listener lmtp {
    address = $HOST
    port = $SO_LMTP_PORT
  }
}

protocol lmtp {
  lmtp_save_to_detail_mailbox = no
}
EOF
	# It holds the password.
	chmod 0640 "$DIR/dovecot/dovecot.conf"
}

write_postfix_conf() {
	local pfdir=$DIR/postfix master_src=/etc/postfix/master.cf
	local lmtp="lmtp:inet:$HOST:$SO_LMTP_PORT"

	[ -r "$master_src" ] || master_src=/usr/share/postfix/master.cf.dist
	[ -r "$master_src" ] ||
		die "no Postfix master.cf to copy (looked at /etc/postfix/master.cf and $master_src)"

	cat >"$pfdir/main.cf" <<EOF
# Generated by contrib/mailstack.sh on every start; edits are lost.
# Private Postfix for Social Order tests: accepts mail from loopback only and
# hands every recipient at every domain to the private Dovecot over LMTP.
compatibility_level = 3.6
queue_directory = $DIR/postfix-queue
data_directory = $DIR/postfix-data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-socialorder
maillog_file = $DIR/postfix.log
maillog_file_prefixes = $DIR

myhostname = mailstack.socialorder.test
mydomain = socialorder.test
myorigin = \$myhostname
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:local delivery is disabled in the Social Order test stack
default_transport = $lmtp
relay_transport = $lmtp

inet_interfaces = $HOST
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_banner = \$myhostname ESMTP Postfix (Social Order test stack)

smtputf8_enable = no
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
smtpd_peername_lookup = no
smtpd_tls_security_level = none
smtp_tls_security_level = none
lmtp_tls_security_level = none
biff = no
append_dot_mydomain = no
readme_directory = no

# Postfix and Dovecot start together; retry a deferred delivery soon.
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 30s
EOF

	cp "$master_src" "$pfdir/master.cf"
	# Only our own listener, and no chroot: a chroot jail would need copies
	# of /etc files inside the private queue directory.
	postconf -c "$pfdir" -MX smtp/inet
	postconf -c "$pfdir" -M "$HOST:$SO_SMTP_PORT/inet = $HOST:$SO_SMTP_PORT inet n - n - - smtpd"
	postconf -c "$pfdir" -F '*/*/chroot = n'
	postconf -c "$pfdir" -M postlog/unix-dgram >/dev/null ||
		die "no postlog service in $pfdir/master.cf, but maillog_file needs it"
}

start_failed() {
	echo "$PROG: $*" >&2
	log_tail "$DIR/dovecot-start.log"
	log_tail "$DIR/dovecot.log"
	log_tail "$DIR/postfix-start.log"
	log_tail "$DIR/postfix.log"
	do_stop quiet || true
	exit 1
}

# Wait for a server greeting on port $2, or give up at $DEADLINE.
wait_greeting() {
	local what=$1 port=$2 prefix=$3 bye=$4
	until greeting_ok "$port" "$prefix" "$bye"; do
		if [ "$SECONDS" -ge "$DEADLINE" ]; then
			start_failed "$what on $HOST:$port did not answer within $SO_MAILSTACK_TIMEOUT s"
		fi
		sleep 0.1
	done
}

do_start() {
	local p pid

	do_stop quiet

	# Postfix listens with SO_REUSEPORT, so a second instance on a busy
	# port starts without complaint and then gets every other connection:
	# refuse to start next to anything that already answers.  Children of a
	# leftover server just stopped may take a moment to let go.
	DEADLINE=$((SECONDS + 3))
	for p in "SO_IMAP_PORT=$SO_IMAP_PORT" "SO_SMTP_PORT=$SO_SMTP_PORT" "SO_LMTP_PORT=$SO_LMTP_PORT"; do
		while port_open "${p#*=}" && [ "$SECONDS" -lt "$DEADLINE" ]; do
			sleep 0.1
		done
		if port_open "${p#*=}"; then
			echo "$PROG: port $HOST:${p#*=} (${p%%=*}) is already in use:" >&2
			explain_port "${p#*=}"
			exit 1
		fi
	done

	command -v dovecot >/dev/null 2>&1 ||
		die "dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)"
	command -v postfix >/dev/null 2>&1 ||
		die "postfix is not installed (apt-get install postfix)"
	getent passwd postfix >/dev/null ||
		die "system user 'postfix' is missing; is the postfix package installed?"
	getent group postdrop >/dev/null ||
		die "system group 'postdrop' is missing; is the postfix package installed?"

	ensure_mail_user

	mkdir -p "$DIR/dovecot/run" "$DIR/dovecot/state" "$DIR/mail" \
		"$DIR/postfix" "$DIR/postfix-queue" "$DIR/postfix-data"
	chmod 0755 "$DIR" "$DIR/dovecot" "$DIR/dovecot/run" "$DIR/postfix" "$DIR/postfix-queue"
	chown root:root "$DIR/postfix" "$DIR/postfix-queue"
	chown "$MAIL_UID:$MAIL_GID" "$DIR/mail"
	chmod 0750 "$DIR/mail"
	chown postfix: "$DIR/postfix-data"
	chmod 0700 "$DIR/postfix-data"
	check_reachable "$SO_MAIL_USER" "$DIR/mail"
	check_reachable postfix "$DIR/postfix-data"

	# do_stop stopped a live Dovecot; a pid file still here is stale, and
	# Dovecot refuses to start if its pid now belongs to any live process.
	rm -f "$DIR/dovecot/run/master.pid"
	# Created here so that a developer can read them; the servers append.
	touch "$DIR/dovecot.log" "$DIR/postfix.log"
	chmod 0644 "$DIR/dovecot.log" "$DIR/postfix.log"
	: >"$DIR/dovecot-start.log"
	: >"$DIR/postfix-start.log"

	write_dovecot_conf
	write_postfix_conf
	printf 'SO_IMAP_PORT=%s\nSO_SMTP_PORT=%s\nSO_LMTP_PORT=%s\n' \
		"$SO_IMAP_PORT" "$SO_SMTP_PORT" "$SO_LMTP_PORT" >"$DIR/ports"

	if ! dovecot -c "$DIR/dovecot/dovecot.conf" >>"$DIR/dovecot-start.log" 2>&1; then
		start_failed "dovecot did not start"
	fi
	if ! postfix -c "$DIR/postfix" start >>"$DIR/postfix-start.log" 2>&1; then
		start_failed "postfix did not start"
	fi

	DEADLINE=$((SECONDS + SO_MAILSTACK_TIMEOUT))
	wait_greeting IMAP "$SO_IMAP_PORT" "* OK" "a LOGOUT"
	wait_greeting LMTP "$SO_LMTP_PORT" "220" "QUIT"
	wait_greeting SMTP "$SO_SMTP_PORT" "220" "QUIT"

	# Both write their pid files 0600; status should work without root.
	chmod 0644 "$DIR/dovecot/run/master.pid" \
		"$DIR/postfix-queue/pid/master.pid" 2>/dev/null || true

	pid=$(dovecot_pid) ||
		start_failed "dovecot answers, but $DIR/dovecot/run/master.pid names no live dovecot"
	echo "dovecot: imap $HOST:$SO_IMAP_PORT, lmtp $HOST:$SO_LMTP_PORT, pid $pid, log $DIR/dovecot.log"
	pid=$(postfix_pid) ||
		start_failed "postfix answers, but $DIR/postfix-queue/pid/master.pid names no live master"
	echo "postfix: smtp $HOST:$SO_SMTP_PORT, pid $pid, log $DIR/postfix.log"
}

# Masters of a stack for DIR that no pid file names any more: DIR was
# deleted (or re-created) while the stack ran.  Dovecot carries its config
# path on the command line, the Postfix master its config directory in
# MAIL_CONFIG (readable only by root).
orphan_pids() {
	local d pid comm
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		comm=
		read -r comm 2>/dev/null <"$d/comm" || continue
		case $comm in
		dovecot)
			if tr '\0' '\n' 2>/dev/null <"$d/cmdline" | grep -qxF "$DIR/dovecot/dovecot.conf"; then
				pid_alive "$pid" && echo "$pid"
			fi
			;;
		master)
			if tr '\0' '\n' 2>/dev/null <"$d/environ" | grep -qxF "MAIL_CONFIG=$DIR/postfix"; then
				pid_alive "$pid" && echo "$pid"
			fi
			;;
		esac
	done
	return 0
}

# The state directory of the mail stack a process belongs to, if any.
stack_dir_of() {
	local d=/proc/$1 comm='' v
	read -r comm 2>/dev/null <"$d/comm" || return 1
	case $comm in
	dovecot)
		v=$(tr '\0' '\n' 2>/dev/null <"$d/cmdline" | grep -x '/.*/dovecot/dovecot\.conf' | head -n 1)
		[ -n "$v" ] && echo "${v%/dovecot/dovecot.conf}"
		;;
	master)
		v=$(tr '\0' '\n' 2>/dev/null <"$d/environ" | sed -n 's|^MAIL_CONFIG=\(/.*\)/postfix$|\1|p' | head -n 1)
		[ -n "$v" ] && echo "$v"
		;;
	*)
		return 1
		;;
	esac
}

# Explain who holds a port, and how to stop it if it is another mail stack.
explain_port() {
	local p=$1 pid other
	port_owner "$p" >&2
	for pid in $(port_owner "$p" | grep -o 'pid=[0-9]*' | sed 's/pid=//' | sort -u); do
		if other=$(stack_dir_of "$pid"); then
			echo "it belongs to the mail stack in $other; stop it with: $SELF stop $other" >&2
			return 0
		fi
	done
}

# Wait for a master we sent SIGTERM to; force it after the timeout.
reap_master() {
	local pid=$1 what=$2
	wait_pid_gone "$pid" "$SO_MAILSTACK_TIMEOUT" && return 0
	echo "$PROG: $what master (pid $pid) ignores SIGTERM; killing it and its children" >&2
	pkill -KILL -P "$pid" 2>/dev/null || true
	kill -KILL "$pid" 2>/dev/null || true
	wait_pid_gone "$pid" 5 || die "$what master (pid $pid) does not stop"
}

# Stop whatever runs for DIR.  "quiet" is for start, where nothing running
# is the normal case.  Fails only if a server we stopped does not go away.
do_stop() {
	local quiet=${1:-} pf='' dc='' orphans p pid
	# The ports the stack was started with, not the ones the environment
	# names now; locals so that a following start keeps its own.
	local SO_IMAP_PORT=$SO_IMAP_PORT SO_SMTP_PORT=$SO_SMTP_PORT SO_LMTP_PORT=$SO_LMTP_PORT

	load_ports

	# All at once: each takes a second or two to wind down.
	if pf=$(postfix_pid); then
		postfix -c "$DIR/postfix" stop >/dev/null 2>&1 || kill -TERM "$pf" 2>/dev/null || true
	else
		pf=
	fi
	if dc=$(dovecot_pid); then
		kill -TERM "$dc" 2>/dev/null || true
	else
		dc=
	fi
	orphans=
	for pid in $(orphan_pids); do
		if [ "$pid" != "$pf" ] && [ "$pid" != "$dc" ]; then
			echo "$PROG: stopping a leftover server for $DIR whose pid file is gone (pid $pid)" >&2
			kill -TERM "$pid" 2>/dev/null || true
			orphans="$orphans $pid"
		fi
	done

	[ -z "$pf" ] || reap_master "$pf" postfix
	[ -z "$dc" ] || reap_master "$dc" dovecot
	for pid in $orphans; do
		reap_master "$pid" leftover
	done
	rm -f "$DIR/dovecot/run/master.pid"

	if [ -z "$pf$dc$orphans" ]; then
		[ -n "$quiet" ] || echo "mail stack for $DIR is not running"
		return 0
	fi

	# Children (imap, lmtp, smtpd) may hold a listener a moment longer.
	# Without DIR/ports (deleted with DIR) the ports are unknown, and the
	# environment's may belong to another stack: trust the masters' exit.
	if [ -z "$PORTS_KNOWN" ]; then
		[ -n "$quiet" ] || echo "mail stack for $DIR stopped"
		return 0
	fi
	DEADLINE=$((SECONDS + SO_MAILSTACK_TIMEOUT))
	for p in "$SO_IMAP_PORT" "$SO_LMTP_PORT" "$SO_SMTP_PORT"; do
		while port_open "$p"; do
			if [ "$SECONDS" -ge "$DEADLINE" ]; then
				echo "$PROG: port $HOST:$p is still in use after stopping the mail stack:" >&2
				explain_port "$p"
				exit 1
			fi
			sleep 0.1
		done
	done
	[ -n "$quiet" ] || echo "mail stack for $DIR stopped"
	return 0
}

do_status() {
	local pid rc=0

	if pid=$(dovecot_pid); then
		echo "dovecot: running, pid $pid, imap $HOST:$SO_IMAP_PORT, lmtp $HOST:$SO_LMTP_PORT"
	else
		echo "dovecot: not running"
		rc=1
	fi
	if pid=$(postfix_pid); then
		echo "postfix: running, pid $pid, smtp $HOST:$SO_SMTP_PORT"
	else
		echo "postfix: not running"
		rc=1
	fi
	for pid in $(orphan_pids); do
		if [ "$pid" != "$(dovecot_pid)" ] && [ "$pid" != "$(postfix_pid)" ]; then
			echo "leftover server for $DIR without pid file: pid $pid ('$PROG stop $DIR' ends it)"
			rc=1
		fi
	done
	return $rc
}

# stop and status use the ports the stack was started with, whatever the
# environment says now.
load_ports() {
	local v
	PORTS_KNOWN=
	[ -r "$DIR/ports" ] || return 0
	PORTS_KNOWN=1
	v=$(sed -n 's/^SO_IMAP_PORT=\([0-9][0-9]*\)$/\1/p' "$DIR/ports")
	SO_IMAP_PORT=${v:-$SO_IMAP_PORT}
	v=$(sed -n 's/^SO_SMTP_PORT=\([0-9][0-9]*\)$/\1/p' "$DIR/ports")
	SO_SMTP_PORT=${v:-$SO_SMTP_PORT}
	v=$(sed -n 's/^SO_LMTP_PORT=\([0-9][0-9]*\)$/\1/p' "$DIR/ports")
	SO_LMTP_PORT=${v:-$SO_LMTP_PORT}
}

[ $# -eq 2 ] || usage
CMD=$1
DIR=$2
[ -n "$DIR" ] || usage
SELF=$(cd "$(dirname "$0")" && pwd -P)/${0##*/}

check_port_number SO_IMAP_PORT "$SO_IMAP_PORT"
check_port_number SO_SMTP_PORT "$SO_SMTP_PORT"
check_port_number SO_LMTP_PORT "$SO_LMTP_PORT"
if [ "$SO_IMAP_PORT" -eq "$SO_SMTP_PORT" ] || [ "$SO_IMAP_PORT" -eq "$SO_LMTP_PORT" ] ||
	[ "$SO_SMTP_PORT" -eq "$SO_LMTP_PORT" ]; then
	die "SO_IMAP_PORT ($SO_IMAP_PORT), SO_SMTP_PORT ($SO_SMTP_PORT) and SO_LMTP_PORT ($SO_LMTP_PORT) must differ"
fi
case $SO_MAILSTACK_TIMEOUT in
''|*[!0-9]*) die "SO_MAILSTACK_TIMEOUT must be a whole number of seconds, got '$SO_MAILSTACK_TIMEOUT'" ;;
esac
# Both go into config files unquoted, so keep them plain.
case $SO_MAIL_PASSWORD in
''|*[!A-Za-z0-9._+=,:@%-]*)
	die "SO_MAIL_PASSWORD may only contain letters, digits and ._+=,:@%-" ;;
esac
case $DIR in
*[!A-Za-z0-9._/-]*) die "state directory '$DIR' may only contain letters, digits and ._/-" ;;
esac

# Absolute, with symlinks resolved, whether or not it exists: the pid files
# and the leftover-server search go by this exact path.
DIR=$(realpath -m -- "$DIR")
[ "$DIR" != / ] || die "refusing to use / as state directory"

case $CMD in
start)
	become_root
	mkdir -p "$DIR" || die "cannot create state directory $DIR"
	do_start
	;;
stop)
	# Nothing to do, and no sudo prompt, when nothing runs.  Without root
	# a leftover Postfix master is invisible here; its ports are not.
	if ! dovecot_pid >/dev/null && ! postfix_pid >/dev/null &&
		[ -z "$(orphan_pids)" ]; then
		load_ports
		if [ "$(id -u)" -eq 0 ] || ! port_open "$SO_SMTP_PORT"; then
			echo "mail stack for $DIR is not running"
			exit 0
		fi
	fi
	become_root
	do_stop
	;;
status)
	load_ports
	do_status
	;;
*)
	usage
	;;
esac
