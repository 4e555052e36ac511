/* SPDX-License-Identifier: MIT */
/*
 * test_export - retention: a case exported as a folder (case.json that
 * parses, the raw mails), purge only of closed and exported cases with
 * the audit chain intact; and the monthly report mail, sent once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit.h"
#include "export.h"
#include "json.h"
#include "monthly.h"
#include "wfutil.h"

static int64_t
count(struct fx *f, const char *sql)
{
	sqlite3_stmt *s;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->st), sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void
cancel(struct fx *f, const char *nr, int uid)
{
	struct wf_result res;
	char *m = xasprintf("From: requester1@exempla.test\r\nSubject: STORNO %s\r\n"
	    "Message-ID: <st-%d@x.test>\r\n\r\nx\r\n", nr, uid);

	assert_int_equal(workflow_process(&f->wf, 3, uid, m, strlen(m), 0, &res), 0);
	free(m);
}

static void
test_export_and_purge(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char *dir = xasprintf("%s/out", f->dir), *path, *data;
	const char *err;
	size_t len;
	struct json *j;
	int n;
	int64_t records, bad;

	process_file(f, "contrib/demo/mails/01-standard.eml", &res);    /* SO-2026-000001 */
	process_file(f, "contrib/demo/mails/04-latin1.eml", &res);      /* SO-2026-000002 */
	cancel(f, "SO-2026-000001", 1);
	/* One case, any state, into its folder. */
	if (export_case(f->st, "SO-2026-000002", dir, &err) != 0)
		fail_msg("export: %s", err);
	path = xasprintf("%s/SO-2026-000002/case.json", dir);
	if (file_read(path, 1 << 24, &data, &len, &err) != 0)
		fail_msg("%s", err);
	if (json_parse(data, len, &j, &err) != 0)
		fail_msg("case.json: %s\n%s", err, data);
	assert_string_equal(json_get(j, "nr")->str, "SO-2026-000002");
	assert_int_equal(json_get(j, "positions")->n, 2);
	assert_true(json_get(j, "audit")->n > 0);
	json_free(j);
	free(data);
	free(path);
	/* mail_raw id 2: the form of the second case (the first case has id 1). */
	path = xasprintf("%s/SO-2026-000002/mails/001-in-2.eml", dir);
	assert_int_equal(file_read(path, 1 << 24, &data, &len, &err), 0);
	assert_non_null(strstr(data, "04-latin1@intranet.exempla.test"));
	free(data);
	free(path);
	assert_int_equal(export_case(f->st, "../etc", dir, &err), -1);
	assert_int_equal(export_case(f->st, "SO-2026-000999", dir, &err), -1);
	/* Purge: nothing open, nothing unexported. */
	assert_int_equal(export_purge(f->st, INT64_MAX, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(export_before(f->st, INT64_MAX, dir, &n, &err), 0);
	assert_int_equal(n, 1);                 /* only the cancelled one is closed */
	assert_int_equal(export_purge(f->st, INT64_MAX, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM vorgang WHERE nr = 'SO-2026-000001'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM vorgang WHERE nr = 'SO-2026-000002'"), 1);
	/* The audit trail keeps everything and records the purge. */
	assert_int_equal(audit_verify(f->st, &records, &bad, &err), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'purge' "
	    "AND vorgang_nr = 'SO-2026-000001'"), 1);
	free(dir);
}

static void
test_monthly_report_once(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char *raw;

	process_file(f, "contrib/demo/mails/01-standard.eml", &res);
	/* Off by default. */
	assert_int_equal(monthly_run_due(f->st, f->cfg, 1796500000), 0);
	f->cfg->monthly_mail = 1;
	/* 5 December 2026: November's report, once. */
	assert_int_equal(monthly_run_due(f->st, f->cfg, 1796500000), 1);
	assert_int_equal(monthly_run_due(f->st, f->cfg, 1796500000 + 86400), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = "
	    "'monthly_report' AND rcpt = 'einkauf@exempla.test'"), 1);
	{
		sqlite3_stmt *s;
		assert_int_equal(sqlite3_prepare_v2(store_db(f->st), "SELECT raw FROM "
		    "outbox WHERE kind = 'monthly_report'", -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		raw = store_col_text(s, 0);
		sqlite3_finalize(s);
	}
	assert_non_null(strstr(raw, "bericht-2026-11.csv"));
	assert_non_null(strstr(raw, "bericht-2026-11.html"));
	free(raw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_export_and_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monthly_report_once, setup, teardown),
	};
	return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
