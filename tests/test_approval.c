/* SPDX-License-Identifier: MIT */
/*
 * test_approval - approval by reply, in process on a real database: the
 * request and its token, approve and reject (link and plain reply), the
 * deputy, replay, tampered and expired tokens, outsiders with a forwarded
 * link, out-of-office hand-over, reminder, escalation, expiry, budget,
 * Authentication-Results, re-addressing after a master data import, and the
 * cap on refused attempts in the history.  The same flows run against real mail servers in
 * tests/integration/t-approval.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "approval.h"
#include "approvals.h"
#include "casestore.h"
#include "ledger.h"
#include "outbox.h"
#include "wfutil.h"

#define APPROVER "amtsleitung60@exempla.test"
#define DEPUTY "stv60@exempla.test"
#define NOW0 1795250000LL       /* Sat 2026-11-21 */
#define DAY 86400LL

static int64_t uidseq = 1000;

/* Feed a mail given as text (LF line ends are fine). */
static void
feed(struct fx *f, const char *text, struct wf_result *res)
{
	if (workflow_process(&f->wf, 1, ++uidseq, text, strlen(text), 0, res) != 0)
		fail_msg("workflow_process failed for:\n%.300s", text);
}

static char *
state_of(struct fx *f, const char *nr)
{
	struct vorgang *v;
	char *s;

	assert_int_equal(case_store_load(f->st, nr, &v), 1);
	s = xstrdup(v->state);
	vorgang_free(v);
	return s;
}

static void
assert_state(struct fx *f, const char *nr, const char *want)
{
	char *s = state_of(f, nr);

	if (strcmp(s, want) != 0)
		fail_msg("%s is %s, expected %s", nr, s, want);
	free(s);
}

/* Outbox rows to rcpt (of kind, or any if NULL). */
static int64_t
mails_to(struct fx *f, const char *rcpt, const char *kind)
{
	sqlite3_stmt *s = store_stmt(f->st, "SELECT count(*) FROM outbox WHERE "
	    "rcpt = ? AND (?2 IS NULL OR kind = ?2)");
	int64_t n;

	store_bind_text(s, 1, rcpt);
	store_bind_text(s, 2, kind);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/* The token in the newest approval request to rcpt. */
static void
latest_token(struct fx *f, const char *rcpt, char out[33])
{
	sqlite3_stmt *s = store_stmt(f->st, "SELECT raw FROM outbox WHERE "
	    "rcpt = ? AND kind = 'approval_request' ORDER BY id DESC LIMIT 1");
	const char *raw, *p;

	store_bind_text(s, 1, rcpt);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	raw = (const char *)sqlite3_column_text(s, 0);
	p = strstr(raw, "[");
	assert_non_null(p);
	memcpy(out, p + 1, 32);
	out[32] = '\0';
	assert_int_equal(p[33], ']');
	sqlite3_reset(s);
}

static char *
request_msgid(struct fx *f, const char *rcpt)
{
	sqlite3_stmt *s = store_stmt(f->st, "SELECT request_msgid FROM "
	    "approval_token WHERE addressee = ? ORDER BY id DESC LIMIT 1");
	char *id;

	store_bind_text(s, 1, rcpt);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	id = store_col_text(s, 0);
	sqlite3_reset(s);
	return id;
}

static int64_t
history_rows(struct fx *f, const char *nr, const char *like)
{
	sqlite3_stmt *s = store_stmt(f->st, "SELECT count(*) FROM history h "
	    "JOIN vorgang v ON v.id = h.vorgang_id WHERE v.nr = ? AND "
	    "coalesce(h.reason, '') LIKE ?");
	int64_t n;

	store_bind_text(s, 1, nr);
	store_bind_text(s, 2, like);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/* Intake of the free-text sample: a case of OE 60 waiting for approval. */
static void
waiting_case(struct fx *f, char nr[32], char token[33])
{
	struct wf_result res;

	process_file(f, "contrib/demo/mails/02-freitext.eml", &res);
	assert_string_equal(res.outcome, "case");
	snprintf(nr, 32, "%s", res.case_nr);
	assert_state(f, nr, STATE_WARTET);
	latest_token(f, APPROVER, token);
}

static char *
reply(const char *from, const char *subject, const char *body, const char *extra)
{
	static int seq;

	return xasprintf("From: %s\r\nTo: bestellung@exempla.test\r\nSubject: %s\r\n"
	    "Message-ID: <reply-%d@client.test>\r\n%sContent-Type: text/plain; "
	    "charset=utf-8\r\n\r\n%s\r\n", from, subject, ++seq, extra ? extra : "",
	    body);
}

static void
test_request_mail(void **state)
{
	struct fx *f = *state;
	char nr[32], tok[33], *raw = NULL;
	struct approval a = { 0 };
	struct vorgang *v;

	waiting_case(f, nr, tok);
	assert_int_equal(mails_to(f, APPROVER, "approval_request"), 1);
	assert_int_equal(case_store_load(f->st, nr, &v), 1);
	assert_int_equal(approvals_get(f->st, v->id, &a), 1);
	assert_string_equal(a.approver, APPROVER);
	assert_string_equal(a.deputy, DEPUTY);
	assert_int_equal(a.expires_at - a.requested_at, 14 * DAY);
	approval_clear(&a);
	vorgang_free(v);
	/* The token is stored only as its hash. */
	{
		sqlite3_stmt *s = store_stmt(f->st, "SELECT count(*) FROM "
		    "approval_token WHERE token_hash = ? OR token_hash LIKE ?");
		char *like = xasprintf("%%%s%%", tok);
		store_bind_text(s, 1, tok);
		store_bind_text(s, 2, like);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s, 0), 0);
		sqlite3_reset(s);
		free(like);
	}
	{
		sqlite3_stmt *s = store_stmt(f->st, "SELECT raw FROM outbox WHERE "
		    "kind = 'approval_request'");
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		raw = store_col_text(s, 0);
		sqlite3_reset(s);
	}
	/* mailto links with command, case number and token; no HTTP link. */
	{
		char *flat = qp_flat(raw), *want = xasprintf("mailto:bestellung@"
		    "exempla.test?subject=GENEHMIGT%%20%s%%20%s", nr, tok);
		if (strstr(flat, want) == NULL)
			fail_msg("no approve link %s in:\n%s", want, flat);
		assert_non_null(strstr(flat, "ABGELEHNT%20"));
		free(want);
		free(flat);
	}
	assert_null(strstr(raw, "http://"));
	assert_null(strstr(raw, "https://"));
	/* Out-of-office replies must not be suppressed for requests. */
	assert_null(strstr(raw, "X-Auto-Response-Suppress"));
	assert_non_null(strstr(raw, "Freitextposition"));
	assert_non_null(strstr(raw, "Budget 2026"));
	free(raw);
	assert_int_equal(history_rows(f, nr, "Genehmigung angefordert bei amtsleitung60%"), 1);
}

static void
test_approve_by_link_then_replay(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char nr[32], tok[33], *m;

	waiting_case(f, nr, tok);
	m = xasprintf("GENEHMIGT %s %s", nr, tok);
	{
		char *mail = reply("Björn <" APPROVER ">", m, "", NULL);
		feed(f, mail, &res);
		free(mail);
	}
	assert_string_equal(res.outcome, "reply");
	assert_state(f, nr, STATE_FREIGEGEBEN);
	assert_int_equal(mails_to(f, "requester2@exempla.test", "decision"), 1);
	assert_int_equal(mails_to(f, APPROVER, "decision_ack"), 1);
	/* History: wartet -> genehmigt by the approver, then freigegeben. */
	{
		struct vorgang *v;
		struct vorgang_history *h;
		size_t nh;
		int found = 0;

		assert_int_equal(case_store_load(f->st, nr, &v), 1);
		assert_int_equal(case_store_history(f->st, v->id, &h, &nh), 0);
		for (size_t i = 0; i < nh; i++)
			if (strcmp(h[i].to_state, STATE_GENEHMIGT) == 0) {
				assert_string_equal(h[i].actor, APPROVER);
				assert_non_null(h[i].msgid);
				found = 1;
			}
		assert_true(found);
		vorgang_history_free(h, nh);
		vorgang_free(v);
	}
	/* Replay: the same reply again changes nothing. */
	{
		char *mail = reply(APPROVER, m, "", NULL);
		feed(f, mail, &res);
		free(mail);
	}
	assert_state(f, nr, STATE_FREIGEGEBEN);
	assert_int_equal(mails_to(f, APPROVER, "already_decided"), 1);
	assert_int_equal(mails_to(f, "requester2@exempla.test", "decision"), 1);
	assert_int_equal(history_rows(f, nr, "erneute Entscheidung abgewiesen%"), 1);
	free(m);
}

static void
test_reject_by_plain_reply(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char nr[32], tok[33], *subject, *mail, *raw = NULL;

	waiting_case(f, nr, tok);
	/* Outlook-style reply: the quoted request contains GENEHMIGT too. */
	subject = xasprintf("AW: Genehmigung erforderlich: %s [%s]", nr, tok);
	mail = reply(APPROVER, subject, "Abgelehnt, bitte beim Einkauf nachfragen\n\n"
	    "-----Ursprüngliche Nachricht-----\nVon: Social Order\n"
	    "Genehmigen: GENEHMIGT\n", NULL);
	feed(f, mail, &res);
	assert_state(f, nr, STATE_ABGELEHNT);
	outbox_last(f, NULL, NULL);
	{
		sqlite3_stmt *s = store_stmt(f->st, "SELECT raw FROM outbox WHERE "
		    "kind = 'decision'");
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		raw = store_col_text(s, 0);
		sqlite3_reset(s);
	}
	assert_non_null(strstr(raw, "abgelehnt"));
	assert_non_null(strstr(raw, "beim Einkauf nachfragen"));
	free(raw);
	free(subject);
	free(mail);
}

static void
test_outsiders_change_nothing(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char nr[32], tok[33], *m, *mail;
	int64_t before;

	waiting_case(f, nr, tok);
	m = xasprintf("GENEHMIGT %s %s", nr, tok);
	before = mails_to(f, APPROVER, NULL);
	/* A forwarded link used from outside the organisation ... */
	mail = reply("Mallory <mallory@evil.test>", m, "", NULL);
	feed(f, mail, &res);
	free(mail);
	assert_state(f, nr, STATE_WARTET);
	assert_int_equal(mails_to(f, "mallory@evil.test", NULL), 0);
	assert_int_equal(mails_to(f, APPROVER, "approval_alert"), 1);
	/* ... and by a colleague inside: recorded, the approver told only once. */
	mail = reply("requester1@exempla.test", m, "", NULL);
	feed(f, mail, &res);
	free(mail);
	assert_state(f, nr, STATE_WARTET);
	assert_int_equal(mails_to(f, "requester1@exempla.test", NULL), 0);
	assert_int_equal(mails_to(f, APPROVER, "approval_alert"), 1);
	assert_int_equal(mails_to(f, APPROVER, NULL), before + 1);
	assert_int_equal(history_rows(f, nr, "Entscheidung abgewiesen: der Absender%"), 2);
	free(m);
}

static void
test_tampered_and_foreign_tokens(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char nr[32], tok[33], nr2[32], tok2[33], *m, *mail;

	waiting_case(f, nr, tok);
	process_file(f, "contrib/demo/mails/03-ueber-schwelle.eml", &res);
	snprintf(nr2, sizeof(nr2), "%s", res.case_nr);
	latest_token(f, APPROVER, tok2);
	/* One character changed. */
	tok[5] = tok[5] == 'a' ? 'b' : 'a';
	m = xasprintf("GENEHMIGT %s %s", nr, tok);
	mail = reply(APPROVER, m, "", NULL);
	feed(f, mail, &res);
	free(mail);
	free(m);
	assert_state(f, nr, STATE_WARTET);
	assert_int_equal(mails_to(f, APPROVER, "approval_refused"), 1);
	/* The valid token of another case does not open this one. */
	m = xasprintf("GENEHMIGT %s %s", nr, tok2);
	mail = reply(APPROVER, m, "", NULL);
	feed(f, mail, &res);
	free(mail);
	free(m);
	assert_state(f, nr, STATE_WARTET);
	assert_state(f, nr2, STATE_WARTET);
	assert_int_equal(history_rows(f, nr, "%Token gehört nicht%"), 2);
}

static void
test_deputy_and_expiry(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char nr[32], tok[33], nr2[32], tok2[33], *m, *mail;

	waiting_case(f, nr, tok);
	/* The deputy may decide with the approver's request. */
	m = xasprintf("APPROVE %s %s", nr, tok);
	mail = reply(DEPUTY, m, "", NULL);
	feed(f, mail, &res);
	free(mail);
	free(m);
	assert_state(f, nr, STATE_FREIGEGEBEN);
	/* After 14 days the token no longer counts. */
	process_file(f, "contrib/demo/mails/03-ueber-schwelle.eml", &res);
	snprintf(nr2, sizeof(nr2), "%s", res.case_nr);
	latest_token(f, APPROVER, tok2);
	setenv("SO_NOW", "1796500000", 1);      /* 2026-12-05 */
	m = xasprintf("GENEHMIGT %s %s", nr2, tok2);
	mail = reply(APPROVER, m, "", NULL);
	feed(f, mail, &res);
	free(mail);
	free(m);
	assert_state(f, nr2, STATE_WARTET);
	assert_int_equal(history_rows(f, nr2, "%abgelaufen%"), 1);
}

/* Feed a mail that the mailbox says was delivered at arrived. */
static void
feed_arrived(struct fx *f, const char *text, int64_t arrived,
    struct wf_result *res)
{
	struct wf_input in = { 1, ++uidseq, text, strlen(text), 0, arrived, NULL };

	if (workflow_process_mail(&f->wf, &in, res) != 0)
		fail_msg("workflow_process_mail failed for:\n%.300s", text);
}

/*
 * The deadline is judged by the reply's delivery time: an approval that
 * arrived in time counts even when it is read after the deadline (daemon
 * down, mailbox unreachable); one that arrived late does not, and a
 * delivery time in the future is no excuse.
 */
static void
test_deadline_by_arrival(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char nr[32], tok[33], nr2[32], tok2[33], *m, *mail;
	const int64_t t0 = 1795250000, late = 1796500000; /* +14.5 days */
	struct approval a = { 0 };
	int64_t expires;
	struct vorgang *vg;

	waiting_case(f, nr, tok);
	process_file(f, "contrib/demo/mails/03-ueber-schwelle.eml", &res);
	snprintf(nr2, sizeof(nr2), "%s", res.case_nr);
	latest_token(f, APPROVER, tok2);
	assert_int_equal(case_store_load(f->st, nr, &vg), 1);
	assert_int_equal(approvals_get(f->st, vg->id, &a), 1);
	assert_true(a.expires_at > t0 + 86400 && a.expires_at < late);
	expires = a.expires_at;
	approval_clear(&a);
	vorgang_free(vg);
	setenv("SO_NOW", "1796500000", 1);
	/* Delivered a day before the deadline, read after it: counts. */
	m = xasprintf("GENEHMIGT %s %s", nr, tok);
	mail = reply(APPROVER, m, "", NULL);
	feed_arrived(f, mail, expires - 86400, &res);
	free(mail);
	free(m);
	assert_state(f, nr, STATE_FREIGEGEBEN);
	/* Delivered a second after the deadline: refused. */
	m = xasprintf("GENEHMIGT %s %s", nr2, tok2);
	mail = reply(APPROVER, m, "", NULL);
	feed_arrived(f, mail, expires + 1, &res);
	free(mail);
	free(m);
	assert_state(f, nr2, STATE_WARTET);
	assert_int_equal(history_rows(f, nr2, "%abgelaufen%"), 1);
	/* A delivery time after now is not believed: now counts. */
	m = xasprintf("GENEHMIGT %s %s", nr2, tok2);
	mail = reply(APPROVER, m, "", NULL);
	feed_arrived(f, mail, late + 86400 * 30, &res);
	free(mail);
	free(m);
	assert_state(f, nr2, STATE_WARTET);
	assert_int_equal(history_rows(f, nr2, "%abgelaufen%"), 2);
	setenv("SO_NOW", "1795250000", 1);
}

static void
test_out_of_office_hands_over(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char nr[32], tok[33], *msgid, *extra, *mail, dtok[33];

	waiting_case(f, nr, tok);
	msgid = request_msgid(f, APPROVER);
	extra = xasprintf("Auto-Submitted: auto-replied\r\nIn-Reply-To: <%s>\r\n", msgid);
	mail = reply(APPROVER, "Automatische Antwort: Genehmigung erforderlich",
	    "Ich bin bis zum 30.11. nicht im Dienst.", extra);
	feed(f, mail, &res);
	assert_string_equal(res.outcome, "machine");
	assert_int_equal(mails_to(f, DEPUTY, "approval_request"), 1);
	assert_int_equal(mails_to(f, APPROVER, "approval_refused"), 0);
	assert_int_equal(history_rows(f, nr, "Abwesenheitsnotiz%"), 1);
	/* A second out-of-office reply does not hand over twice. */
	free(mail);
	mail = reply(APPROVER, "Automatische Antwort: Genehmigung erforderlich",
	    "Ich bin bis zum 30.11. nicht im Dienst.", extra);
	feed(f, mail, &res);
	assert_int_equal(mails_to(f, DEPUTY, "approval_request"), 1);
	/* The deputy decides with the token of the hand-over mail. */
	latest_token(f, DEPUTY, dtok);
	free(mail);
	{
		char *m = xasprintf("ABGELEHNT %s %s kein Bedarf", nr, dtok);
		mail = reply(DEPUTY, m, "", NULL);
		free(m);
	}
	feed(f, mail, &res);
	assert_state(f, nr, STATE_ABGELEHNT);
	free(mail);
	free(extra);
	free(msgid);
}

static void
test_reminder_escalation_expiry(void **state)
{
	struct fx *f = *state;
	char nr[32], tok[33];

	waiting_case(f, nr, tok);
	/* Requested Saturday; 2 working days later (Tue) nothing is due. */
	assert_int_equal(approval_run_due(f->st, f->cfg, NOW0 + 3 * DAY), 0);
	/* Wednesday: 3 working days -> reminder to the approver. */
	assert_int_equal(approval_run_due(f->st, f->cfg, NOW0 + 4 * DAY), 1);
	assert_int_equal(mails_to(f, APPROVER, "approval_request"), 2);
	assert_int_equal(approval_run_due(f->st, f->cfg, NOW0 + 4 * DAY), 0);
	/* Friday: 5 working days -> escalation to the deputy. */
	assert_int_equal(approval_run_due(f->st, f->cfg, NOW0 + 6 * DAY), 1);
	assert_int_equal(mails_to(f, DEPUTY, "approval_request"), 1);
	assert_int_equal(history_rows(f, nr, "Erinnerung%"), 1);
	assert_int_equal(history_rows(f, nr, "eskaliert%"), 1);
	/* After 14 days: expired, rejected, requester told. */
	assert_int_equal(approval_run_due(f->st, f->cfg, NOW0 + 15 * DAY), 1);
	assert_state(f, nr, STATE_ABGELEHNT);
	assert_int_equal(mails_to(f, "requester2@exempla.test", "decision"), 1);
	assert_int_equal(approval_run_due(f->st, f->cfg, NOW0 + 16 * DAY), 0);
}

/* A form of OE 10.2 for 9 cartons of envelopes: 224,10 EUR. */
static char *
budget_form(int i)
{
	return xasprintf("From: Max <requester1@exempla.test>\r\nTo: b@exempla.test\r\n"
	    "Subject: Anforderung\r\nMessage-ID: <budget-%d@x.test>\r\n\r\n"
	    "Organisationseinheit: 10.2\r\nKostenstelle: 1020\r\nLieferort: RH-214\r\n"
	    "Positionen:\r\nPos | Artikelnr. | Bezeichnung | Menge | Einheit | Preis\r\n"
	    "1 | 610050 | Umschläge | 9 | Karton | \r\n", i);
}

static void
test_budget_exceeded_needs_approval(void **state)
{
	struct fx *f = *state;
	struct wf_result res;

	/* 8 x 224,10 EUR released, each within the threshold of 250,00. */
	for (int i = 0; i < 8; i++) {
		char *m = budget_form(i);
		feed(f, m, &res);
		free(m);
		assert_string_equal(res.outcome, "case");
		assert_state(f, res.case_nr, STATE_FREIGEGEBEN);
	}
	/* 1.800,00 - 1.792,80 = 7,20 EUR left: the ninth needs approval. */
	{
		char *m = budget_form(99);
		struct vorgang *v;
		feed(f, m, &res);
		free(m);
		assert_int_equal(case_store_load(f->st, res.case_nr, &v), 1);
		assert_string_equal(v->state, STATE_WARTET);
		assert_non_null(strstr(v->approval_reason, "Budget der Kostenstelle 1020"));
		vorgang_free(v);
	}
	assert_int_equal(mails_to(f, "sgl102@exempla.test", "approval_request"), 1);
}

static void
test_authentication_results(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char nr[32], tok[33], *m, *mail;

	f->cfg->authserv_id = xstrdup("mx.exempla.test");
	waiting_case(f, nr, tok);
	m = xasprintf("GENEHMIGT %s %s", nr, tok);
	/* Without our MTA's verdict: refused. */
	mail = reply(APPROVER, m, "", NULL);
	feed(f, mail, &res);
	free(mail);
	assert_state(f, nr, STATE_WARTET);
	/* A forged second header claiming our id: refused. */
	mail = reply(APPROVER, m, "", "Authentication-Results: mx.exempla.test; dkim=pass\r\n"
	    "Authentication-Results: mx.exempla.test; dkim=fail\r\n");
	feed(f, mail, &res);
	free(mail);
	assert_state(f, nr, STATE_WARTET);
	/* Exactly one, with dkim=pass: accepted. */
	mail = reply(APPROVER, m, "", "Authentication-Results: mx.exempla.test; "
	    "dkim=pass header.d=exempla.test\r\n");
	feed(f, mail, &res);
	free(mail);
	assert_state(f, nr, STATE_FREIGEGEBEN);
	free(m);
}

static void
test_four_eyes(void **state)
{
	static const struct {
		const char *oe, *requester, *approver, *deputy;
	} rows[] = {
		{ "60", "requester2@exempla.test", APPROVER, DEPUTY },
		/* The approver orders: the deputy decides alone. */
		{ "60", APPROVER, DEPUTY, NULL },
		/* The deputy orders: the approver decides, no deputy. */
		{ "60", DEPUTY, APPROVER, NULL },
		/* 10.2: its genehmiger, with amtsleitung10 as deputy. */
		{ "10.2", "requester1@exempla.test", "sgl102@exempla.test", "amtsleitung10@exempla.test" },
		/* Dezernat 1 has no deputy: its genehmiger's own order goes to einkauf. */
		{ "1", "dezernent1@exempla.test", "einkauf@exempla.test", NULL },
	};
	struct fx *f = *state;

	for (size_t i = 0; i < SO_NELEM(rows); i++) {
		char *oe, *ap, *dep;

		assert_int_equal(approval_approvers(f->st, rows[i].oe, rows[i].requester,
		    &oe, &ap, &dep), 1);
		if (strcmp(ap, rows[i].approver) != 0)
			fail_msg("row %zu: approver %s, expected %s", i, ap, rows[i].approver);
		if (rows[i].deputy == NULL)
			assert_null(dep);
		else
			assert_string_equal(dep, rows[i].deputy);
		free(oe);
		free(ap);
		free(dep);
	}
}

static void
test_review_attacks(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char nr[32], tok[33], *m, *mail;

	waiting_case(f, nr, tok);
	m = xasprintf("GENEHMIGT %s %s", nr, tok);
	/* The approver's address hidden in a comment of someone else's From. */
	mail = reply("mallory@evil.test (<" APPROVER ">)", m, "", NULL);
	feed(f, mail, &res);
	free(mail);
	assert_state(f, nr, STATE_WARTET);
	/* Two From headers: the first one must not win. */
	mail = reply(APPROVER, m, "", "From: mallory@evil.test\r\n");
	feed(f, mail, &res);
	free(mail);
	assert_state(f, nr, STATE_WARTET);
	/* With the check on: a valid signature of another domain proves nothing. */
	f->cfg->authserv_id = xstrdup("mx.exempla.test");
	mail = reply(APPROVER, m, "", "Authentication-Results: mx.exempla.test; "
	    "dkim=pass header.d=evil.test; dmarc=fail header.from=exempla.test\r\n");
	feed(f, mail, &res);
	free(mail);
	assert_state(f, nr, STATE_WARTET);
	/* Guessed tokens from outside neither alert the approver nor burn the alert. */
	mail = reply("mallory@evil.test", "GENEHMIGT SO-2026-000001 "
	    "00000000000000000000000000000001", "", NULL);
	feed(f, mail, &res);
	free(mail);
	assert_int_equal(mails_to(f, APPROVER, "approval_alert"), 0);
	free(m);
}

static void
test_four_eyes_with_form_address(void **state)
{
	struct fx *f = *state;
	char *oe, *ap, *dep;

	/* The approver submits, naming a colleague as requester: still not his call. */
	assert_int_equal(approval_approvers2(f->st, "60", "requester2@exempla.test",
	    APPROVER, &oe, &ap, &dep), 1);
	assert_string_equal(ap, DEPUTY);
	assert_null(dep);
	free(oe);
	free(ap);
	free(dep);
	/* A sub-address is the same person. */
	assert_int_equal(approval_approvers2(f->st, "60", "AmtsLeitung60+x@exempla.test",
	    NULL, &oe, &ap, &dep), 1);
	assert_string_equal(ap, DEPUTY);
	free(oe);
	free(ap);
	free(dep);
}

static void
test_no_token_left_after_sending(void **state)
{
	struct fx *f = *state;
	char nr[32], tok[33];
	sqlite3_stmt *s;

	waiting_case(f, nr, tok);
	s = store_stmt(f->st, "SELECT id FROM outbox WHERE kind = 'approval_request'");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	{
		int64_t id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		assert_int_equal(outbox_mark_sent(f->st, id, NOW0), 0);
	}
	s = store_stmt(f->st, "SELECT count(*) FROM outbox WHERE instr(raw, ?) > 0");
	store_bind_text(s, 1, tok);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_reset(s);
}

static int readdressed;

static int
readdress_cb(struct store *st, void *ctx, const char **error_r)
{
	struct fx *f = ctx;

	readdressed = approval_readdress(st, f->cfg, so_now());
	*error_r = "readdress failed";
	return readdressed == -1 ? -1 : 0;
}

#define NEW_APPROVER "neu60@exempla.test"
#define NEW_DEPUTY "neustv60@exempla.test"

/* Import OE 60 with genehmiger g and vertretung v, as the daemon does. */
static void
import_oe60(struct fx *f, const char *g, const char *v)
{
	char *dir = xasprintf("%s/md-%s", f->dir, g), *oe;
	struct import_stats stats;
	const char *err;

	mkdir(dir, 0700);
	oe = xasprintf("oe;bezeichnung;uebergeordnet;genehmiger;vertretung;"
	    "schwelle_eur\n60;Bauamt;1;%s;%s;\n", g, v);
	testutil_write_file(dir, "organisationseinheiten.csv", oe);
	testutil_write_file(dir, "personen.csv", "email;name;oe;rolle\n"
	    NEW_APPROVER ";Nora Neu;60;genehmiger\n"
	    NEW_DEPUTY ";Paul Neu;60;genehmiger\n");
	if (import_dir_then(f->st, dir, readdress_cb, f, &stats, &err) != 0)
		fail_msg("import: %s", err);
	free(oe);
	free(dir);
}

static int64_t
token_revoked(struct fx *f, const char *addressee)
{
	sqlite3_stmt *s = store_stmt(f->st, "SELECT count(*) FROM approval_token "
	    "WHERE addressee = ? AND revoked_at IS NOT NULL");
	int64_t n;

	store_bind_text(s, 1, addressee);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

static void
decide_as(struct fx *f, const char *from, const char *cmd, const char *nr,
    const char *tok)
{
	struct wf_result res;
	char *m = xasprintf("%s %s %s", cmd, nr, tok);
	char *mail = reply(from, m, "", NULL);

	feed(f, mail, &res);
	assert_string_equal(res.outcome, "reply");
	free(mail);
	free(m);
}

static void
test_readdress_new_approver(void **state)
{
	struct fx *f = *state;
	char nr[32], tok[33], ntok[33], *raw;
	struct approval a = { 0 };
	struct vorgang *v;

	waiting_case(f, nr, tok);
	/* The reminder went out; then the approver leaves. */
	assert_int_equal(approval_run_due(f->st, f->cfg, NOW0 + 4 * DAY), 1);
	setenv("SO_NOW", "1795595600", 1);      /* NOW0 + 4 days */
	import_oe60(f, NEW_APPROVER, DEPUTY);
	assert_int_equal(readdressed, 1);
	assert_int_equal(case_store_load(f->st, nr, &v), 1);
	assert_int_equal(approvals_get(f->st, v->id, &a), 1);
	assert_string_equal(a.approver, NEW_APPROVER);
	assert_string_equal(a.deputy, DEPUTY);
	/* A new request: its own full period, reminders start over. */
	assert_int_equal(a.requested_at, NOW0 + 4 * DAY);
	assert_int_equal(a.expires_at, NOW0 + 18 * DAY);
	assert_int_equal(a.reminded_at, 0);
	approval_clear(&a);
	vorgang_free(v);
	assert_int_equal(mails_to(f, NEW_APPROVER, "approval_request"), 1);
	outbox_last(f, &raw, NULL);
	{
		char *flat = qp_flat(raw);
		assert_non_null(strstr(flat, "neuen Stammdaten"));
		free(flat);
	}
	free(raw);
	/* The old approver's request and reminder are withdrawn, the deputy's not. */
	assert_int_equal(token_revoked(f, APPROVER), 2);
	assert_int_equal(history_rows(f, nr, "Genehmigung nach Änderung der "
	    "Stammdaten neu adressiert: entscheidet " NEW_APPROVER "%bisher "
	    APPROVER "%2 frühere%"), 1);
	{
		sqlite3_stmt *s = store_stmt(f->st, "SELECT count(*) FROM audit "
		    "WHERE vorgang_nr = ? AND detail LIKE '%neu adressiert%'");
		store_bind_text(s, 1, nr);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s, 0), 1);
		sqlite3_reset(s);
	}
	/* The old approver can no longer decide, and is told so. */
	decide_as(f, APPROVER, "GENEHMIGT", nr, tok);
	assert_state(f, nr, STATE_WARTET);
	assert_int_equal(history_rows(f, nr, "%zurückgezogen"), 1);
	assert_int_equal(mails_to(f, APPROVER, "approval_refused"), 1);
	outbox_last(f, &raw, NULL);
	{
		char *flat = qp_flat(raw);
		assert_non_null(strstr(flat, "nicht mehr zuständig"));
		assert_null(strstr(flat, "Link aus der letzten"));
		free(flat);
	}
	free(raw);
	assert_int_equal(mails_to(f, NEW_APPROVER, "approval_alert"), 0);
	/* Reminder and escalation count from the new request. */
	assert_int_equal(approval_run_due(f->st, f->cfg, NOW0 + 6 * DAY), 0);
	/* A second import of the same data changes nothing. */
	import_oe60(f, NEW_APPROVER, DEPUTY);
	assert_int_equal(readdressed, 0);
	assert_int_equal(mails_to(f, NEW_APPROVER, "approval_request"), 1);
	/* The new approver decides. */
	latest_token(f, NEW_APPROVER, ntok);
	decide_as(f, NEW_APPROVER, "GENEHMIGT", nr, ntok);
	assert_state(f, nr, STATE_FREIGEGEBEN);
	assert_int_equal(mails_to(f, "requester2@exempla.test", "decision"), 1);
	/* Decided cases are left alone by later imports. */
	import_oe60(f, APPROVER, DEPUTY);
	assert_int_equal(readdressed, 0);
}

static void
test_readdress_new_deputy(void **state)
{
	struct fx *f = *state;
	char nr[32], tok[33], dtok[33], ndtok[33];

	waiting_case(f, nr, tok);
	/* Escalated to the deputy, who then leaves. */
	assert_int_equal(approval_run_due(f->st, f->cfg, NOW0 + 6 * DAY), 1);
	latest_token(f, DEPUTY, dtok);
	import_oe60(f, APPROVER, NEW_DEPUTY);
	assert_int_equal(readdressed, 1);
	/* The new deputy is asked at once; the approver keeps the request. */
	assert_int_equal(mails_to(f, NEW_DEPUTY, "approval_request"), 1);
	assert_int_equal(mails_to(f, APPROVER, "approval_request"), 1);
	assert_int_equal(token_revoked(f, DEPUTY), 1);
	assert_int_equal(token_revoked(f, APPROVER), 0);
	decide_as(f, DEPUTY, "GENEHMIGT", nr, dtok);
	assert_state(f, nr, STATE_WARTET);
	decide_as(f, DEPUTY, "GENEHMIGT", nr, tok);
	assert_state(f, nr, STATE_WARTET);
	assert_int_equal(history_rows(f, nr, "%darf diesen Vorgang nicht%"), 1);
	latest_token(f, NEW_DEPUTY, ndtok);
	decide_as(f, NEW_DEPUTY, "ABGELEHNT", nr, ndtok);
	assert_state(f, nr, STATE_ABGELEHNT);
}

static void
test_readdress_keeps_four_eyes(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	struct approval a = { 0 };
	struct vorgang *v;
	char *data, *mail, *sender;
	size_t len;
	const char *err;

	/* The old deputy submits a form for a colleague of OE 60. */
	assert_int_equal(file_read("contrib/demo/mails/02-freitext.eml", 1 << 20,
	    &data, &len, &err), 0);
	mail = xasprintf("From: %s\r\n%s", DEPUTY, strstr(data, "To:"));
	feed(f, mail, &res);
	assert_string_equal(res.outcome, "case");
	assert_int_equal(ledger_case_sender(f->st, res.case_nr, &sender), 1);
	assert_string_equal(sender, DEPUTY);
	free(sender);
	/* Re-addressing must not make the submitter the deputy of his own order. */
	import_oe60(f, NEW_APPROVER, DEPUTY);
	assert_int_equal(readdressed, 1);
	assert_int_equal(case_store_load(f->st, res.case_nr, &v), 1);
	assert_int_equal(approvals_get(f->st, v->id, &a), 1);
	assert_string_equal(a.approver, NEW_APPROVER);
	assert_null(a.deputy);
	approval_clear(&a);
	vorgang_free(v);
	free(mail);
	free(data);
}

static void
test_refused_attempts_capped(void **state)
{
	struct fx *f = *state;
	char nr[32], tok[33];
	struct vorgang *v;
	int64_t kept;
	sqlite3_stmt *s;

	waiting_case(f, nr, tok);
	tok[3] = tok[3] == 'a' ? 'b' : 'a';
	for (int i = 0; i < APPROVAL_REFUSED_NOTES + 5; i++)
		decide_as(f, "mallory@evil.test", "GENEHMIGT", nr, tok);
	assert_state(f, nr, STATE_WARTET);
	assert_int_equal(history_rows(f, nr, "Entscheidung abgewiesen%"),
	    APPROVAL_REFUSED_NOTES);
	assert_int_equal(history_rows(f, nr, "mehr als 20 abgewiesene%"), 1);
	/* Every mail is still in the ledger and kept with the case. */
	s = store_stmt(f->st, "SELECT count(*) FROM ledger WHERE outcome = "
	    "'reply' AND sender = 'mallory@evil.test' AND reason LIKE ?");
	store_bind_text(s, 1, "%Entscheidung abgewiesen%");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), APPROVAL_REFUSED_NOTES + 5);
	sqlite3_reset(s);
	assert_int_equal(case_store_load(f->st, nr, &v), 1);
	s = store_stmt(f->st, "SELECT count(*) FROM mail_raw WHERE vorgang_id = ?");
	sqlite3_bind_int64(s, 1, v->id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	kept = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	vorgang_free(v);
	assert_int_equal(kept, 1 + APPROVAL_REFUSED_NOTES + 5);
	/* The real approver still decides. */
	latest_token(f, APPROVER, tok);
	decide_as(f, APPROVER, "GENEHMIGT", nr, tok);
	assert_state(f, nr, STATE_FREIGEGEBEN);
}

static int
setup_approval(void **state)
{
	setup(state);
	setenv("SO_NOW", "1795250000", 1);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_mail, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_approve_by_link_then_replay, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_reject_by_plain_reply, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_outsiders_change_nothing, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_and_foreign_tokens, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_deputy_and_expiry, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_office_hands_over, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_by_arrival, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_reminder_escalation_expiry, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_budget_exceeded_needs_approval, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_authentication_results, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_four_eyes, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_review_attacks, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_four_eyes_with_form_address, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_no_token_left_after_sending, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_readdress_new_approver, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_readdress_new_deputy, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_readdress_keeps_four_eyes, setup_approval, teardown),
		cmocka_unit_test_setup_teardown(test_refused_attempts_capped, setup_approval, teardown),
	};
	return cmocka_run_group_tests_name("approval", tests, NULL, NULL);
}
