# SPDX-License-Identifier: MIT
# Shared set-up for the integration test scripts: lib.sh, a config and a
# database with the demo master data in $SO_T_DIR, and small query helpers.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
D=$SO_T_DIR
cat > "$D/so.ini" <<INI
[general]
database = $D/so.db
templates = $SO_REPO_ROOT/templates
[imap]
url = imap://127.0.0.1:$SO_IMAP_PORT/INBOX
user = bestellung@exempla.test
password = $SO_MAIL_PASSWORD
poll_interval = 2
[smtp]
url = smtp://127.0.0.1:$SO_SMTP_PORT
from = bestellung@exempla.test
retry_base = 1
[approval]
threshold = 250,00
INI
SO="$SO_BIN -c $D/so.ini"
$SO import "$SO_REPO_ROOT/contrib/demo/stammdaten" >/dev/null || { echo "not ok - import"; exit 1; }
sql() { sqlite3 -batch -noheader "$D/so.db" "$@"; }
# Subject of every message in a user's folder, decoded, one per line.
subjects() {
	local out="$D/fetch-$1-$2"
	rm -rf "$out"; mkdir -p "$out"
	so_imap_fetch_all "$1" "$2" "$out" >/dev/null
	for m in "$out"/*.eml; do
		[ -e "$m" ] || continue
		python3 -c 'import email,sys; from email import policy; print(email.message_from_binary_file(open(sys.argv[1],"rb"),policy=policy.default)["Subject"])' "$m"
	done
}
# All messages of a user's folder, bodies decoded, concatenated.
bodies() {
	local out="$D/fetch-$1-$2"
	rm -rf "$out"; mkdir -p "$out"
	so_imap_fetch_all "$1" "$2" "$out" >/dev/null
	for m in "$out"/*.eml; do
		[ -e "$m" ] || continue
		python3 -c 'import email,sys; from email import policy; m=email.message_from_binary_file(open(sys.argv[1],"rb"),policy=policy.default); print("Subject:", m["Subject"]); print("To:", m["To"]); print("Auto-Submitted:", m["Auto-Submitted"]); print(m.get_body(preferencelist=("plain",)).get_content())' "$m"
	done
}
