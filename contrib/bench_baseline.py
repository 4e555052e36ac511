#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Baseline for contrib/bench.sh: the simplest straight Python script doing
the job of "socialorder poll" on the benchmark's form mails.

It logs in over IMAP, fetches every message of the INBOX, parses it with the
email package, reads the form's fields and positions with two regular
expressions, and per mail: inserts a row with a unique case number into
SQLite (one committed transaction, with the daemon's durability: WAL and
synchronous=FULL), sends a confirmation through one SMTP
connection, and moves the mail to the processed folder.

It is a yardstick, not a second implementation: it validates nothing against
master data, knows only the plain-text form layout, has no ledger, no
duplicate detection, no retries and no crash safety beyond SQLite's commit.
Python standard library only.
"""

import argparse
import email
import email.policy
import imaplib
import re
import smtplib
import sqlite3
import sys
import time
from email.message import EmailMessage
from email.utils import format_datetime, localtime, parseaddr

FIELD_RE = re.compile(
    r"^(Besteller|E-Mail|Organisationseinheit|Kostenstelle|Lieferort|"
    r"Gewünscht bis|Bemerkung):[ \t]*(.*?)[ \t]*$", re.M)
POS_RE = re.compile(
    r"^[ \t]*(\d+)[ \t]*\|[ \t]*([^|]*?)[ \t]*\|[ \t]*([^|]*?)[ \t]*\|"
    r"[ \t]*(\d+)[ \t]*\|[ \t]*([^|]*?)[ \t]*\|", re.M)
FETCH_UID_RE = re.compile(rb"UID (\d+)")


def host_port(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--imap", required=True, help="HOST:PORT (no TLS)")
    p.add_argument("--smtp", required=True, help="HOST:PORT (no TLS)")
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--db", required=True, help="SQLite file")
    p.add_argument("--folder", default="Verarbeitet")
    return p.parse_args()


def fetch_all(imap):
    """Every message of the selected mailbox as (uid, bytes), one FETCH."""
    typ, data = imap.uid("SEARCH", None, "ALL")
    if typ != "OK":
        sys.exit("baseline: UID SEARCH failed: %r" % data)
    if not data[0].split():
        return []
    typ, data = imap.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
    if typ != "OK":
        sys.exit("baseline: UID FETCH failed: %r" % data)
    msgs = []
    for item in data:
        if isinstance(item, tuple):
            m = FETCH_UID_RE.search(item[0])
            if m is None:
                sys.exit("baseline: FETCH answer without UID: %r" % item[0])
            msgs.append((m.group(1).decode(), item[1]))
    return msgs


def confirmation(nr, sender, msg, fields, positions):
    out = EmailMessage()
    out["From"] = "Social Order <%s>" % sender
    out["To"] = fields.get("E-Mail") or parseaddr(msg["From"])[1]
    out["Subject"] = "Bestätigung %s: Ihre Bürobedarf-Anforderung" % nr
    out["Date"] = format_datetime(localtime())
    out["Message-ID"] = "<%s.baseline@%s>" % (nr.lower(),
                                              sender.rpartition("@")[2])
    if msg["Message-ID"]:
        out["In-Reply-To"] = msg["Message-ID"]
        out["References"] = msg["Message-ID"]
    out["Auto-Submitted"] = "auto-replied"
    lines = ["Guten Tag %s," % fields.get("Besteller", ""), "",
             "Ihre Anforderung ist als %s eingegangen." % nr, "",
             "Kostenstelle: %s" % fields.get("Kostenstelle", ""),
             "Lieferort: %s" % fields.get("Lieferort", ""), "", "Positionen:"]
    for pos, art, text, qty, unit in positions:
        lines.append("%s. %s x %s %s (%s)" % (pos, qty, unit, text, art))
    lines += ["", "Status: freigegeben", ""]
    out.set_content("\n".join(lines), cte="quoted-printable")
    return out


def main():
    a = parse_args()
    year = time.localtime().tm_year
    db = sqlite3.connect(a.db)
    # As the daemon has it: the default rollback journal would cost several
    # fsyncs per commit and make the comparison one of journal modes.
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("CREATE TABLE IF NOT EXISTS vorgang (id INTEGER PRIMARY KEY, "
               "nr TEXT NOT NULL UNIQUE, message_id TEXT, requester TEXT, "
               "oe TEXT, kostenstelle TEXT, lieferort TEXT, positions TEXT, "
               "created_at INTEGER NOT NULL)")
    db.commit()
    seq = db.execute("SELECT count(*) FROM vorgang").fetchone()[0]

    imap = imaplib.IMAP4(*host_port(a.imap))
    imap.login(a.user, a.password)
    imap.create(a.folder)           # NO when it exists: fine
    typ, data = imap.select("INBOX")
    if typ != "OK":
        sys.exit("baseline: SELECT INBOX failed: %r" % data)
    msgs = fetch_all(imap)

    smtp = smtplib.SMTP(*host_port(a.smtp))
    done = 0
    for uid, raw in msgs:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain",))
        text = part.get_content() if part is not None else ""
        fields = dict(FIELD_RE.findall(text))
        positions = POS_RE.findall(text)
        seq += 1
        nr = "PY-%d-%06d" % (year, seq)
        with db:
            db.execute("INSERT INTO vorgang (nr, message_id, requester, oe, "
                       "kostenstelle, lieferort, positions, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (nr, msg["Message-ID"], fields.get("E-Mail"),
                        fields.get("Organisationseinheit"),
                        fields.get("Kostenstelle"), fields.get("Lieferort"),
                        repr(positions), int(time.time())))
        smtp.send_message(confirmation(nr, a.user, msg, fields, positions))
        typ, data = imap.uid("MOVE", uid, a.folder)
        if typ != "OK":
            sys.exit("baseline: UID MOVE %s failed: %r" % (uid, data))
        done += 1
    smtp.quit()
    imap.logout()
    db.close()
    print("baseline: %d mails, %d cases, %d confirmations sent" %
          (len(msgs), done, done))


if __name__ == "__main__":
    main()
