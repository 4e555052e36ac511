/* SPDX-License-Identifier: MIT */
/*
 * test_workflow - intake decisions on real .eml files, in process and
 * without network: every sample and fixture gives the expected outcome,
 * folder, case state and answers; idempotence by UID and by content; rate
 * limiting; no header injection through hostile names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "casestore.h"
#include "config.h"
#include "form.h"
#include "ledger.h"
#include "outbox.h"
#include "testutil.h"
#include "wfutil.h"
#include "validate.h"
#include "workflow.h"

struct row {
	const char *file;
	const char *outcome;
	const char *state;      /* case state, NULL if no case */
	int answers;            /* outbox rows added */
	const char *rcpt;       /* recipient of the answer */
	const char *in_answer[3]; /* strings the answer (raw, QP-decoded lossy check) contains */
};

#define S SAMPLES "/mails/"
#define I "tests/data/integration/"

static const struct row rows[] = {
	{ S "01-standard.eml", "case", STATE_FREIGEGEBEN, 1, "requester1@exempla.test",
	    { "freigegeben", "SO-2026-000001", "100234" } },
	/* Waiting cases: the approval request to the approver, then the confirmation. */
	{ S "02-freitext.eml", "case", STATE_WARTET, 2, "requester2@exempla.test",
	    { "wartet_auf_genehmigung", "Freitextposition", NULL } },
	{ S "03-ueber-schwelle.eml", "case", STATE_WARTET, 2, "requester2@exempla.test",
	    { "wartet_auf_genehmigung", "298,80", "250,00" } },
	{ S "04-latin1.eml", "case", STATE_FREIGEGEBEN, 1, "requester1@exempla.test",
	    { "freigegeben", NULL, NULL } },
	{ S "05-html-alternative.eml", "case", STATE_FREIGEGEBEN, 1, "requester1@exempla.test",
	    { "freigegeben", NULL, NULL } },
	{ S "06-json-anhang.eml", "case", STATE_FREIGEGEBEN, 1, "requester1@exempla.test",
	    { "freigegeben", "21,45", NULL } },
	{ S "07-unbekannte-kostenstelle.eml", "rejected", NULL, 1, "requester1@exempla.test",
	    { "9999", "RH-999", NULL } },
	/* STATUS of sample 01's case, asked by its requester. */
	{ S "08-status-anfrage.eml", "command", NULL, 1, "requester1@exempla.test",
	    { "Stand des Vorgangs SO-2026-000001", "Status: freigegeben", "Verlauf:" } },
	{ S "09-abwesenheit.eml", "machine", NULL, 0, NULL, { NULL, NULL, NULL } },
	{ I "10-windows-1252.eml", "case", STATE_FREIGEGEBEN, 1, "requester1@exempla.test", { NULL } },
	{ I "11-undeclared-latin1.eml", "case", STATE_FREIGEGEBEN, 1, "requester1@exempla.test", { NULL } },
	{ I "12-undeclared-utf8.eml", "case", STATE_FREIGEGEBEN, 1, "requester1@exempla.test", { NULL } },
	{ I "13-base64.eml", "case", STATE_FREIGEGEBEN, 1, "requester1@exempla.test", { NULL } },
	{ I "14-format-flowed.eml", "case", STATE_FREIGEGEBEN, 1, "requester1@exempla.test", { NULL } },
	{ I "15-html-only.eml", "case", STATE_FREIGEGEBEN, 1, "requester1@exempla.test",
	    { "300220", "500300", NULL } },
	{ I "16-rfc2047-name.eml", "case", STATE_FREIGEGEBEN, 1, "sgl102@exempla.test", { NULL } },
	{ I "17-fremder-absender.eml", "foreign", NULL, 0, NULL, { NULL } },
	{ I "18-bounce.eml", "machine", NULL, 0, NULL, { NULL } },
	{ I "19-list.eml", "machine", NULL, 0, NULL, { NULL } },
	{ I "20-hilfe.eml", "command", NULL, 1, "requester2@exempla.test", { "STATUS", "STORNO", "HILFE" } },
	{ I "21-genehmigungspflichtig.eml", "case", STATE_WARTET, 2, "requester1@exempla.test",
	    { "genehmigungspflichtiger Artikel", "Freitextposition", NULL } },
	{ I "22-mehrere-fehler.eml", "rejected", NULL, 1, "requester1@exempla.test",
	    { "999999", "Menge", "Preis" } },
	{ I "23-kein-formular.eml", "unreadable", NULL, 1, "requester1@exempla.test", { NULL } },
};

static void
test_samples(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < SO_NELEM(rows); i++) {
		const struct row *r = &rows[i];
		struct wf_result res;
		int64_t before = outbox_last(f, NULL, NULL), after;
		char *raw = NULL, *rcpt = NULL;

		process_file(f, r->file, &res);
		if (strcmp(res.outcome, r->outcome) != 0)
			fail_msg("%s: outcome %s, expected %s", r->file,
			    res.outcome, r->outcome);
		if (r->state) {
			struct vorgang *v;
			assert_int_equal(case_store_load(f->st, res.case_nr, &v), 1);
			if (strcmp(v->state, r->state) != 0)
				fail_msg("%s: state %s, expected %s", r->file,
				    v->state, r->state);
			assert_string_equal(res.folder, "Verarbeitet");
			vorgang_free(v);
		} else
			assert_string_equal(res.case_nr, "");
		if (strcmp(r->outcome, "rejected") == 0 ||
		    strcmp(r->outcome, "foreign") == 0 ||
		    strcmp(r->outcome, "unreadable") == 0)
			assert_string_equal(res.folder, "Fehlgeschlagen");
		after = outbox_last(f, &raw, &rcpt);
		if (after - before != r->answers)
			fail_msg("%s: %lld answers, expected %d", r->file,
			    (long long)(after - before), r->answers);
		if (r->answers) {
			char *flat = qp_flat(raw);
			assert_string_equal(rcpt, r->rcpt);
			assert_non_null(strstr(raw, "Auto-Submitted: auto-replied"));
			assert_non_null(strstr(raw, "In-Reply-To: <"));
			for (int k = 0; k < 3; k++)
				if (r->in_answer[k] && strstr(flat, r->in_answer[k]) == NULL)
					fail_msg("%s: answer lacks \"%s\":\n%s", r->file,
					    r->in_answer[k], flat);
			free(flat);
		}
		free(raw);
		free(rcpt);
	}
}

static void
test_idempotent(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char *data;
	size_t len;
	const char *err;
	int64_t n0, n1;

	assert_int_equal(file_read(S "01-standard.eml", 1 << 20, &data, &len, &err), 0);
	assert_int_equal(workflow_process(&f->wf, 5, 100, data, len, 0, &res), 0);
	assert_string_equal(res.outcome, "case");
	{
		struct vorgang *v;
		assert_int_equal(case_store_load(f->st, res.case_nr, &v), 1);
		assert_string_equal(v->source_msgid, "01-standard@intranet.exempla.test");
		vorgang_free(v);
	}
	n0 = outbox_last(f, NULL, NULL);
	/* Same UID again (crash after commit, before the move). */
	assert_int_equal(workflow_process(&f->wf, 5, 100, data, len, 0, &res), 0);
	assert_int_equal(res.already, 1);
	assert_string_equal(res.folder, "Verarbeitet");
	/* Same mail under a new UIDVALIDITY, and a second delivery with other
	 * trace headers: duplicates, no new case, no answer. */
	assert_int_equal(workflow_process(&f->wf, 6, 1, data, len, 0, &res), 0);
	assert_string_equal(res.outcome, "duplicate");
	{
		char *twice = xasprintf("Received: from x by y; Mon, 16 Nov 2026\r\n"
		    "Delivered-To: bestellung@exempla.test\r\n%s", data);
		assert_int_equal(workflow_process(&f->wf, 5, 101, twice, strlen(twice),
		    0, &res), 0);
		assert_string_equal(res.outcome, "duplicate");
		free(twice);
	}
	n1 = outbox_last(f, NULL, NULL);
	assert_int_equal(n0, n1);
	free(data);
}

static void
test_duplicate_of_rejected_stays_failed(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char *data;
	size_t len;
	const char *err;

	assert_int_equal(file_read(S "07-unbekannte-kostenstelle.eml", 1 << 20,
	    &data, &len, &err), 0);
	assert_int_equal(workflow_process(&f->wf, 5, 1, data, len, 0, &res), 0);
	assert_string_equal(res.folder, "Fehlgeschlagen");
	assert_int_equal(workflow_process(&f->wf, 5, 2, data, len, 0, &res), 0);
	assert_string_equal(res.outcome, "duplicate-failed");
	assert_string_equal(res.folder, "Fehlgeschlagen");
	/* The same UID with other content (a broken server): left in place. */
	{
		const char *other = "From: x\r\n\r\nanders";
		assert_int_equal(workflow_process(&f->wf, 5, 1, other,
		    strlen(other), 0, &res), -1);
	}
	free(data);
}

static void
test_unanswerable_address_is_a_problem(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char *data, *m, *raw = NULL;
	size_t len;
	const char *err;
	int64_t n0 = outbox_last(f, NULL, NULL);

	assert_int_equal(file_read(S "01-standard.eml", 1 << 20, &data, &len, &err), 0);
	m = xstrdup(data);
	memcpy(strstr(m, "E-Mail: requester1@"), "E-Mail: reque(x)r1@", 19);
	memcpy(strstr(m, "<01-standard@"), "<01-sxandard@", 13);
	assert_int_equal(workflow_process(&f->wf, 5, 1, m, strlen(m), 0, &res), 0);
	/* No case without a confirmation: the form is answered instead. */
	assert_string_equal(res.outcome, "rejected");
	assert_int_equal(outbox_last(f, &raw, NULL), n0 + 1);
	assert_non_null(strstr(raw, "To: "));
	free(raw);
	free(m);
	free(data);
}

static void
test_give_up_after_attempts(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	const char *m = "From: x <a@exempla.test>\r\nMessage-ID: <g@x>\r\n\r\nx\r\n";
	struct ledger_entry le = { 0 };

	assert_int_equal(workflow_failed_attempt(&f->wf, 3, 9, m, strlen(m), "kaputt",
	    3, &res), 0);
	assert_int_equal(workflow_failed_attempt(&f->wf, 3, 9, m, strlen(m), "kaputt",
	    3, &res), 0);
	assert_int_equal(workflow_failed_attempt(&f->wf, 3, 9, m, strlen(m), "kaputt",
	    3, &res), 1);
	assert_string_equal(res.folder, "Fehlgeschlagen");
	/* From now on the ledger knows it: the next cycle only moves it. */
	assert_int_equal(ledger_find_uid(f->st, 3, 9, &le), 1);
	assert_string_equal(le.outcome, "failed");
	ledger_entry_clear(&le);
	assert_int_equal(workflow_process(&f->wf, 3, 9, m, strlen(m), 0, &res), 0);
	assert_int_equal(res.already, 1);
	assert_string_equal(res.folder, "Fehlgeschlagen");
}

static void
test_rate_limit(void **state)
{
	struct fx *f = *state;
	int64_t n0 = outbox_last(f, NULL, NULL);

	for (int i = 0; i < 8; i++) {
		struct wf_result res;
		char *m = xasprintf("From: a <spam@exempla.test>\r\nTo: b@exempla.test\r\n"
		    "Subject: hallo %d\r\nMessage-ID: <rl%d@x.test>\r\n\r\nkein Formular\r\n",
		    i, i);
		assert_int_equal(workflow_process(&f->wf, 9, (int64_t)i + 1, m,
		    strlen(m), 0, &res), 0);
		assert_string_equal(res.outcome, "unreadable");
		free(m);
	}
	assert_int_equal(outbox_last(f, NULL, NULL) - n0, 5);
}

static void
test_no_header_injection(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char *raw = NULL, *data;
	size_t len;
	const char *err;
	char *m;

	assert_int_equal(file_read(S "01-standard.eml", 1 << 20, &data, &len, &err), 0);
	/* Display name decoding to CR LF + Bcc. */
	m = xasprintf("From: =?utf-8?q?Max=0D=0ABcc=3A_evil=40evil=2Etest?= "
	    "<requester1@exempla.test>\r\nMessage-ID: <inj@x.test>\r\n%s",
	    strstr(data, "To:"));
	assert_int_equal(workflow_process(&f->wf, 11, 1, m, strlen(m), 0, &res), 0);
	assert_string_equal(res.outcome, "case");
	outbox_last(f, &raw, NULL);
	assert_null(strstr(raw, "\nBcc:"));
	assert_null(strstr(raw, "\r\nBcc"));
	free(raw);
	free(m);
	free(data);
}

static void
test_html_only_command(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char *raw = NULL;
	const char *m = "From: Max <requester1@exempla.test>\r\nTo: b@exempla.test\r\n"
	    "Subject: Frage\r\nMessage-ID: <htmlcmd@x.test>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n\r\n"
	    "<html><body><p>HILFE</p><p>Danke</p></body></html>\r\n";

	assert_int_equal(workflow_process(&f->wf, 13, 1, m, strlen(m), 0, &res), 0);
	assert_string_equal(res.outcome, "command");
	outbox_last(f, &raw, NULL);
	assert_non_null(strstr(raw, "Hilfe zu Social Order"));
	free(raw);
}

static void
test_too_large_is_answered(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	const char *hdr = "From: Max <requester1@exempla.test>\r\nTo: b@exempla.test\r\n"
	    "Subject: riesig\r\nMessage-ID: <big@x.test>\r\n\r\n";
	char *raw = NULL;

	assert_int_equal(workflow_process(&f->wf, 12, 1, hdr, strlen(hdr), 1, &res), 0);
	assert_string_equal(res.outcome, "unreadable");
	assert_string_equal(res.folder, "Fehlgeschlagen");
	outbox_last(f, &raw, NULL);
	assert_non_null(strstr(raw, "To: "));
	free(raw);
}

static void
test_english_templates(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char *raw = NULL;

	free(f->cfg->language);
	f->cfg->language = xstrdup("en");
	process_file(f, S "01-standard.eml", &res);
	assert_string_equal(res.outcome, "case");
	outbox_last(f, &raw, NULL);
	if (strstr(raw, "Subject: Confirmation") == NULL)
		fail_msg("%.600s", raw);
	assert_non_null(strstr(raw, "received as case SO-2026-000001"));
	assert_non_null(strstr(raw, "freigegeben"));
	free(raw);
	process_file(f, S "07-unbekannte-kostenstelle.eml", &res);
	outbox_last(f, &raw, NULL);
	assert_non_null(strstr(raw, "could not be accepted"));
	free(raw);
}

static void
test_validate_helpers(void **state)
{
	static const struct { const char *in, *out; } dates[] = {
		{ "04.12.2026", "2026-12-04" }, { "4.12.2026", "2026-12-04" },
		{ "2026-12-04", "2026-12-04" }, { "29.02.2028", "2028-02-29" },
		{ "29.02.2027", NULL }, { "31.04.2026", NULL }, { "2026-13-01", NULL },
		{ "morgen", NULL }, { "04.12.2026x", NULL }, { "", NULL },
	};
	static const struct { const char *in; int64_t out; } qty[] = {
		{ "5", 5 }, { "5.0", 5 }, { "12", 12 }, { "0", -1 }, { "-2", -1 },
		{ "1,5", -1 }, { "zwei", -1 }, { "", -1 }, { "99999999999", -1 },
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(dates); i++) {
		char out[11];
		int rc = validate_date(dates[i].in, out);
		if (dates[i].out == NULL)
			assert_int_equal(rc, -1);
		else {
			assert_int_equal(rc, 0);
			assert_string_equal(out, dates[i].out);
		}
	}
	for (size_t i = 0; i < SO_NELEM(qty); i++) {
		int64_t n = 0;
		int rc = validate_quantity(qty[i].in, &n);
		if (qty[i].out < 0)
			assert_int_equal(rc, -1);
		else {
			assert_int_equal(rc, 0);
			assert_int_equal(n, qty[i].out);
		}
	}
}

static void
test_content_hash(void **state)
{
	const char *a = "From: x\r\nSubject: y\r\n\r\nbody\r\n";
	const char *b = "Received: from a\r\n by b\r\nFrom: x\r\nReturn-Path: <x>\r\n"
	    "Subject: y\r\n\r\nbody\r\n";
	const char *c = "From: x\r\nSubject: y\r\n\r\nbody!\r\n";
	char ha[65], hb[65], hc[65];

	(void)state;
	workflow_content_hash(a, strlen(a), ha);
	workflow_content_hash(b, strlen(b), hb);
	workflow_content_hash(c, strlen(c), hc);
	assert_string_equal(ha, hb);
	assert_string_not_equal(ha, hc);
}

/* Moved mails are noted in runs of UIDs: exactly those, no neighbour. */
static void
test_moved(void **state)
{
	struct fx *f = *state;
	const uint32_t moved[] = { 1, 2, 3, 5, 7, 8 };
	sqlite3_stmt *s;
	char *got;

	assert_int_equal(store_begin(f->st), 0);
	for (int uid = 1; uid <= 9; uid++) {
		char hash[65];

		snprintf(hash, sizeof(hash), "%064d", uid);
		assert_int_equal(ledger_insert(f->st, 42, uid, NULL, hash,
		    "case", "Verarbeitet", NULL, NULL, NULL, 100), 0);
	}
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(workflow_moved(&f->wf, 42, moved, SO_NELEM(moved)), 0);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->st), "SELECT "
	    "group_concat(uid) FROM (SELECT uid FROM ledger WHERE uidvalidity = 42 "
	    "AND moved_at IS NOT NULL ORDER BY uid)", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	got = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	assert_string_equal(got, "1,2,3,5,7,8");
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_of_rejected_stays_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unanswerable_address_is_a_problem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_give_up_after_attempts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_header_injection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large_is_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_only_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_english_templates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved, setup, teardown),
		cmocka_unit_test(test_validate_helpers),
		cmocka_unit_test(test_content_hash),
	};
	return cmocka_run_group_tests_name("workflow", tests, NULL, NULL);
}
