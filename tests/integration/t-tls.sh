# SPDX-License-Identifier: MIT
# IMAP over TLS: the server certificate must verify against the trust
# store or [imap] ca_file, and match the host name; otherwise the daemon
# does not log in, and the mail stays untouched.
set -u
. "$(dirname "$0")/common.sh"
PORT=$SO_IMAPS_PORT
so_send_eml "$SO_REPO_ROOT/contrib/demo/mails/01-standard.eml"
so_wait_count bestellung@exempla.test INBOX 1 20

sed -i "s|^url = imap://127.0.0.1:$SO_IMAP_PORT/INBOX|url = imaps://localhost:$PORT/INBOX|" "$D/so.ini"
$SO poll 2> "$D/untrusted.log"; rc=$?
so_assert_eq "$rc" 1 "self-signed certificate without ca_file: poll fails"
so_assert_contains "$D/untrusted.log" "not trusted" "the reason is logged"
so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX)" 1 "mail untouched"

sed -i "s|^\[imap\]|[imap]\nca_file = $D/mail/tls/cert.pem|" "$D/so.ini"
sed -i "s|^url = imaps://localhost:|url = imaps://127.0.0.1:|" "$D/so.ini"
$SO poll 2> "$D/mismatch.log"; rc=$?
so_assert_eq "$rc" 1 "trusted certificate for another name (localhost vs 127.0.0.1): poll fails"
so_assert_contains "$D/mismatch.log" "not trusted" "name mismatch is logged"

sed -i "s|^url = imaps://127.0.0.1:|url = imaps://localhost:|" "$D/so.ini"
$SO poll 2> "$D/ok.log"; rc=$?
so_assert_eq "$rc" 0 "with ca_file and the right name: poll works"
so_assert_eq "$(so_imap_count bestellung@exempla.test INBOX)" 0 "mail processed over TLS"
so_assert_eq "$(sql 'SELECT count(*) FROM vorgang')" 1 "case created"
so_summary
