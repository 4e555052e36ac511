#!/bin/sh
# Install the Debian packages Social Order needs to build, test and run the
# demo.  Idempotent: does nothing when everything is installed already.
set -eu
PKGS="build-essential pkg-config libetpan-dev libcurl4-gnutls-dev libsqlite3-dev
libpcre2-dev libcmocka-dev nettle-dev libgnutls28-dev libxml2-dev sqlite3 curl dovecot-imapd dovecot-lmtpd postfix
libxml2-utils"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# Postfix asks how to configure itself; we run private instances only.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The Debian packages start system-wide services; our stacks are private.
for s in postfix dovecot; do
	$SUDO systemctl disable --now "$s" >/dev/null 2>&1 || $SUDO service "$s" stop >/dev/null 2>&1 || true
done
echo "packages installed"
