# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers for the bash integration tests: send mail into the private mail
# stack (contrib/mailstack.sh) over SMTP, look at mailboxes over IMAP, wait
# for asynchronous delivery, and TAP-like assertions with a failure count.
#
# It does not start or stop the mail stack (the caller does, with
# "$SO_MAILSTACK" start DIR) and it does not change the caller's shell
# options; every function is safe under "set -eu".  Assertions always return
# 0 so that one failure does not end a "set -e" script before so_summary;
# so_summary decides the exit status.
#
# Environment (defaults in brackets), the same names mailstack.sh uses:
#   SO_IMAP_PORT [10143]  SO_SMTP_PORT [10025]  SO_MAIL_PASSWORD [secret]
#   SO_MAIL_HOST [127.0.0.1]
#
# Usage:
#   . tests/integration/lib.sh
#   so_send_eml contrib/demo/mails/01-standard.eml
#   so_wait_count bestellung@exempla.test INBOX 1
#   so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX)" 1 "one mail in INBOX"
#   so_summary

SO_IMAP_PORT=${SO_IMAP_PORT:-10143}
SO_SMTP_PORT=${SO_SMTP_PORT:-10025}
SO_MAIL_PASSWORD=${SO_MAIL_PASSWORD:-secret}
SO_MAIL_HOST=${SO_MAIL_HOST:-127.0.0.1}

SO_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034 # for the test scripts
SO_MAILSTACK=$SO_REPO_ROOT/contrib/mailstack.sh

SO_PASSED=${SO_PASSED:-0}
SO_FAILED=${SO_FAILED:-0}

so__err() {
	echo "$*" >&2
}

# IMAP mailbox names are modified UTF-7 (RFC 3501 5.1.3): printable ASCII
# stays, "&" becomes "&-", and runs of other characters become
# "&" + base64(UTF-16BE) with "," for "/" + "-".
so__mutf7() {
	local LC_ALL=C
	local s=$1 out='' run='' c i b64

	for ((i = 0; i <= ${#s}; i++)); do
		c=${s:i:1}
		if [ -n "$c" ] && [[ $c != [\ -~] ]]; then
			run+=$c
			continue
		fi
		if [ -n "$run" ]; then
			if ! b64=$(set -o pipefail; printf '%s' "$run" | iconv -f UTF-8 -t UTF-16BE 2>/dev/null | base64 -w 0); then
				so__err "so_imap: folder name '$s' is not valid UTF-8"
				return 1
			fi
			b64=${b64%%=*}
			out+="&${b64//\//,}-"
			run=
		fi
		if [ "$c" = "&" ]; then
			out+="&-"
		else
			out+=$c
		fi
	done
	printf '%s' "$out"
}

# The mailbox name as an IMAP quoted string.
so__imap_quote() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

# Percent-encode everything but RFC 3986 unreserved characters, for the
# mailbox part of an imap:// URL.
so__urlencode() {
	local LC_ALL=C
	local s=$1 out='' c i

	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

# curl against the IMAP server as USER; remaining arguments go to curl.
so__imap_curl() {
	local user=$1
	shift
	curl -sS --max-time 30 -u "$user:$SO_MAIL_PASSWORD" "$@"
}

# The address in the first From header of an .eml file, or nothing.
so__eml_from() {
	local val addr

	val=$(awk '
		{ sub(/\r$/, "") }
		$0 == "" { exit }
		/^[ \t]/ { if (infrom) val = val " " $0; next }
		{ infrom = 0 }
		!found && tolower(substr($0, 1, 5)) == "from:" {
			found = 1; infrom = 1; val = substr($0, 6)
		}
		END { print val }
	' "$1") || return 1

	# The last <...> wins: a display name may itself contain "<".
	if [[ $val == *\<*\>* ]]; then
		addr=${val##*<}
		addr=${addr%%>*}
	else
		addr=
		for val in $val; do
			case $val in *@*) addr=$val; break ;; esac
		done
	fi
	printf '%s' "$addr"
}

# so_place_mails USER FILE N PREFIX
# Put N copies of FILE straight into USER's INBOX (the Maildir of the mail
# stack started in $SO_T_DIR/mail), copy i with Message-ID <PREFIX-i@...>:
# many mails in a moment, where SMTP would take minutes.  Dovecot finds
# them at its next access, as it finds mail delivered by LMTP.
so_place_mails() {
	local user=${1-} file=${2-} n=${3-} prefix=${4-}
	local md=$SO_T_DIR/mail/mail/exempla.test/$user
	if [ $# -ne 4 ] || [ ! -f "$file" ]; then
		so__err "usage: so_place_mails USER FILE N PREFIX"
		return 2
	fi
	python3 - "$file" "$md" "$n" "$prefix" <<'PY' || return 1
import os, re, sys
src, md, n, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
mail = open(src, "rb").read()
if not re.search(rb"(?mi)^Message-ID: <[^@>]*@", mail):
    sys.exit("so_place_mails: %s has no Message-ID" % src)
for d in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(md, d), exist_ok=True)
for i in range(1, n + 1):
    m = re.sub(rb"(?mi)^(Message-ID: <)[^@>]*@", lambda g: g.group(1) +
               ("%s-%d@" % (prefix, i)).encode(), mail, count=1)
    name = "%d.M%dP%d.so-test" % (1700000000 + i, i, os.getpid())
    with open(os.path.join(md, "tmp", name), "wb") as f:
        f.write(m)
    os.rename(os.path.join(md, "tmp", name), os.path.join(md, "new", name))
PY
	chown -R "${SO_MAIL_USER:-somail}:" "$SO_T_DIR/mail/mail/exempla.test"
}

# so_send_eml FILE [RCPT] [FROM]
# Send FILE through the private Postfix, as is but for line ends (CRLF on
# the wire, as SMTP wants).  RCPT may be a comma separated list (default
# bestellung@exempla.test).  FROM defaults to the address in the file's From
# header; an explicit "" sends a null sender <>, as bounces and auto-replies
# have.
so_send_eml() {
	local file=${1:-} rcpts=${2:-bestellung@exempla.test} from r rc
	local -a args=() list=()

	if [ -z "$file" ] || [ ! -r "$file" ]; then
		so__err "so_send_eml: cannot read mail file '$file'"
		return 1
	fi
	if [ $# -ge 3 ]; then
		from=$3
	else
		from=$(so__eml_from "$file") || from=
		if [ -z "$from" ]; then
			so__err "so_send_eml: no address in the From header of $file; pass FROM explicitly"
			return 1
		fi
	fi

	IFS=, read -r -a list <<<"$rcpts"
	for r in "${list[@]}"; do
		r=${r# }
		r=${r% }
		if [ -n "$r" ]; then
			args+=(--mail-rcpt "$r")
		fi
	done
	if [ ${#args[@]} -eq 0 ]; then
		so__err "so_send_eml: no recipient given for $file"
		return 1
	fi

	# SMTP wants CRLF, and curl dot-stuffs only after CRLF: a bare-LF file
	# with a line holding just "." would end the message there.  The
	# EHLO name is the URL path; without one curl sends the file name.
	rc=0
	LC_ALL=C awk '{ sub(/\r$/, ""); printf "%s\r\n", $0 }' "$file" |
		curl -sS --max-time 30 "smtp://$SO_MAIL_HOST:$SO_SMTP_PORT/so-integration-test" \
		--mail-from "$from" "${args[@]}" --upload-file - || rc=$?
	if [ "$rc" -ne 0 ]; then
		so__err "so_send_eml: sending $file from <$from> to $rcpts via smtp://$SO_MAIL_HOST:$SO_SMTP_PORT failed (curl exit $rc)"
		return 1
	fi
	return 0
}

# so_imap_count USER FOLDER
# Print the number of messages in FOLDER, 0 if it does not exist.  Uses
# STATUS, so it changes no flags.
so_imap_count() {
	local user=${1-} folder=${2-} name out rc n
	if [ $# -ne 2 ] || [ -z "$user" ]; then
		so__err "usage: so_imap_count USER FOLDER"
		return 2
	fi

	name=$(so__mutf7 "$folder") || return 1
	rc=0
	out=$(so__imap_curl "$user" "imap://$SO_MAIL_HOST:$SO_IMAP_PORT/" \
		-X "STATUS $(so__imap_quote "$name") (MESSAGES)" 2>&1) || rc=$?
	if [ "$rc" -eq 21 ]; then
		# The server said NO: no such mailbox.
		echo 0
		return 0
	fi
	if [ "$rc" -ne 0 ]; then
		so__err "so_imap_count: STATUS of '$folder' for $user failed: $out"
		return 1
	fi
	n=$(printf '%s\n' "$out" | sed -n 's/^\* STATUS .*(.*MESSAGES \([0-9][0-9]*\).*).*/\1/p' | head -n 1)
	if [ -z "$n" ]; then
		so__err "so_imap_count: no message count in the STATUS answer for '$folder' ($user): $out"
		return 1
	fi
	echo "$n"
}

# so_imap_fetch_all USER FOLDER OUTDIR
# Write each message of FOLDER, raw, to OUTDIR/UID.eml and print how many.
# A missing folder counts as empty.  curl's fetch sets \Seen, so messages
# that were unseen before are marked unseen again: the daemon under test
# must not notice that a test looked.
so_imap_fetch_all() {
	local user=${1-} folder=${2-} outdir=${3-} name url out rc uids unseen uid set n
	local -a args=()

	if [ $# -ne 3 ] || [ -z "$user" ] || [ -z "$outdir" ]; then
		so__err "usage: so_imap_fetch_all USER FOLDER OUTDIR"
		return 2
	fi

	name=$(so__mutf7 "$folder") || return 1
	url="imap://$SO_MAIL_HOST:$SO_IMAP_PORT/$(so__urlencode "$name")"

	# curl reports a refused SELECT like a refused login, so ask first.
	n=$(so_imap_count "$user" "$folder") || return 1
	if [ "$n" -eq 0 ]; then
		echo 0
		return 0
	fi

	rc=0
	out=$(so__imap_curl "$user" "$url" -X "UID SEARCH ALL" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		so__err "so_imap_fetch_all: UID SEARCH in '$folder' for $user failed: $out"
		return 1
	fi
	uids=$(printf '%s\n' "$out" | tr -d '\r' | sed -n 's/^\* SEARCH//p' | tr ' ' '\n' | grep -E '^[0-9]+$' || true)
	if [ -z "$uids" ]; then
		echo 0
		return 0
	fi

	rc=0
	out=$(so__imap_curl "$user" "$url" -X "UID SEARCH UNSEEN" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		so__err "so_imap_fetch_all: UID SEARCH UNSEEN in '$folder' for $user failed: $out"
		return 1
	fi
	unseen=$(printf '%s\n' "$out" | tr -d '\r' | sed -n 's/^\* SEARCH//p' | tr ' ' '\n' | grep -E '^[0-9]+$' || true)

	if ! mkdir -p "$outdir"; then
		so__err "so_imap_fetch_all: cannot create $outdir"
		return 1
	fi
	for uid in $uids; do
		args+=("$url/;UID=$uid" -o "$outdir/$uid.eml")
	done
	rc=0
	so__imap_curl "$user" "${args[@]}" || rc=$?
	if [ "$rc" -ne 0 ]; then
		so__err "so_imap_fetch_all: fetching from '$folder' for $user into $outdir failed (curl exit $rc)"
		return 1
	fi

	if [ -n "$unseen" ]; then
		set=$(paste -sd, - <<<"$unseen")
		rc=0
		out=$(so__imap_curl "$user" "$url" -X "UID STORE $set -FLAGS.SILENT (\\Seen)" 2>&1) || rc=$?
		if [ "$rc" -ne 0 ]; then
			so__err "so_imap_fetch_all: could not mark messages $set in '$folder' unseen again: $out"
			return 1
		fi
	fi
	grep -c . <<<"$uids"
}

# so_wait_count USER FOLDER N [SECONDS]
# Wait until FOLDER holds at least N messages; delivery through Postfix is
# asynchronous.  Fails after SECONDS (default 20) with the count it saw.
so_wait_count() {
	local user=${1-} folder=${2-} want=${3-} secs=${4:-20} n=0 deadline out err=''

	if [ -z "$user" ] || [ -z "$folder" ]; then
		so__err "usage: so_wait_count USER FOLDER N [SECONDS]"
		return 2
	fi
	case $want$secs in
	''|*[!0-9]*)
		so__err "usage: so_wait_count USER FOLDER N [SECONDS] (N and SECONDS are numbers)"
		return 2 ;;
	esac

	deadline=$((SECONDS + secs))
	while :; do
		# Report only the last error, not one every quarter second.
		if out=$(so_imap_count "$user" "$folder" 2>&1); then
			n=$out
		else
			n=
			err=$out
		fi
		if [ -n "$n" ] && [ "$n" -ge "$want" ]; then
			return 0
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			so__err "so_wait_count: $user $folder has ${n:-unknown} messages after $secs s, expected at least $want"
			[ -z "$err" ] || so__err "so_wait_count: last error: $err"
			return 1
		fi
		sleep 0.25
	done
}

# so_wait_queue_empty DIR [SECONDS]
# Wait until the queue of the private Postfix of mail stack DIR is empty,
# i.e. everything sent so far was delivered (or bounced and delivered).
so_wait_queue_empty() {
	local dir=${1-} secs=${2:-20} out rc deadline
	local -a pq=(postqueue -c "$dir/postfix" -j)

	if [ -z "$dir" ] || [ ! -d "$dir/postfix" ]; then
		so__err "so_wait_queue_empty: '$dir' is not a mail stack directory (no postfix/ in it)"
		return 2
	fi

	# The private queue belongs to root; a developer goes through sudo.
	if [ "$(id -u)" -ne 0 ]; then
		pq=(sudo -n "${pq[@]}")
	fi
	deadline=$((SECONDS + secs))
	while :; do
		rc=0
		out=$("${pq[@]}" 2>&1) || rc=$?
		if [ "$rc" -ne 0 ]; then
			so__err "so_wait_queue_empty: '${pq[*]}' failed: $out"
			return 1
		fi
		[ -z "$out" ] && return 0
		if [ "$SECONDS" -ge "$deadline" ]; then
			so__err "so_wait_queue_empty: Postfix queue in $dir not empty after $secs s:"
			printf '%s\n' "$out" >&2
			return 1
		fi
		sleep 0.25
	done
}

# so_postfix_conf DIR SETTING...
# Set main.cf parameters ("name = value") of the private Postfix of mail
# stack DIR and reload it, e.g. to refuse test recipients with a
# check_recipient_access map.  mailstack.sh writes a fresh main.cf at every
# start, so nothing outlives the stack.
so_postfix_conf() {
	local dir=${1-} out rc
	local -a pre=()

	if [ -z "$dir" ] || [ ! -d "$dir/postfix" ] || [ $# -lt 2 ]; then
		so__err "usage: so_postfix_conf MAILSTACK_DIR 'name = value' ..."
		return 2
	fi
	shift
	# Postfix belongs to root; a developer goes through sudo.
	if [ "$(id -u)" -ne 0 ]; then
		pre=(sudo -n)
	fi
	rc=0
	out=$("${pre[@]}" postconf -c "$dir/postfix" -e "$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		out=$("${pre[@]}" postfix -c "$dir/postfix" reload 2>&1) || rc=$?
	fi
	if [ "$rc" -ne 0 ]; then
		so__err "so_postfix_conf: changing Postfix in $dir failed: $out"
		return 1
	fi
	return 0
}

so__pass() {
	SO_PASSED=$((SO_PASSED + 1))
	echo "ok - $1"
}

so__fail() {
	SO_FAILED=$((SO_FAILED + 1))
	echo "not ok - $1"
}

# so_assert_eq ACTUAL EXPECTED MSG
so_assert_eq() {
	local got=${1-} want=${2-} msg=${3-}
	if [ "$got" = "$want" ]; then
		so__pass "$msg"
	else
		so__fail "$msg"
		so__err "#   expected: '$want'"
		so__err "#   got:      '$got'"
	fi
	return 0
}

# True if FILE contains STRING literally.  grep -F handles binary files;
# a STRING with a newline would be several patterns to grep, so compare
# whole contents in that case, with CR dropped from both: mail fetched over
# IMAP has CRLF line ends, the test script has LF.
so__file_has() {
	local file=$1 s=$2 content
	if [[ $s == *$'\n'* ]]; then
		content=$(tr -d '\r' <"$file")
		s=${s//$'\r'/}
		[[ $content == *"$s"* ]]
	else
		grep -qF -e "$s" -- "$file"
	fi
}

# so_assert_contains FILE STRING MSG
so_assert_contains() {
	local file=${1-} s=${2-} msg=${3-}
	if [ ! -r "$file" ] || [ -d "$file" ]; then
		so__fail "$msg"
		so__err "#   cannot read file '$file'"
	elif so__file_has "$file" "$s"; then
		so__pass "$msg"
	else
		so__fail "$msg"
		so__err "#   $file does not contain: $s"
	fi
	return 0
}

# so_assert_not_contains FILE STRING MSG
so_assert_not_contains() {
	local file=${1-} s=${2-} msg=${3-}
	if [ ! -r "$file" ] || [ -d "$file" ]; then
		so__fail "$msg"
		so__err "#   cannot read file '$file'"
	elif so__file_has "$file" "$s"; then
		so__fail "$msg"
		so__err "#   $file contains: $s"
	else
		so__pass "$msg"
	fi
	return 0
}

# so_assert_match FILE ERE MSG: some line of FILE matches the extended
# regular expression (grep -E).
so_assert_match() {
	local file=${1-} re=${2-} msg=${3-}
	if [ ! -r "$file" ] || [ -d "$file" ]; then
		so__fail "$msg"
		so__err "#   cannot read file '$file'"
	elif grep -qE -e "$re" -- "$file"; then
		so__pass "$msg"
	else
		so__fail "$msg"
		so__err "#   no line of $file matches: $re"
	fi
	return 0
}

# so_summary: "N passed, M failed"; non-zero if anything failed.
so_summary() {
	echo "$SO_PASSED passed, $SO_FAILED failed"
	[ "$SO_FAILED" -eq 0 ]
}
