/* SPDX-License-Identifier: MIT */
/*
 * test_commands - STATUS, STORNO, ERHALTEN by mail and who may see and do
 * what, in process on a real database: requester, approver, einkauf and
 * outsiders; cancelling before and after ordering; receipt; nothing
 * revealed to others, not even whether a case exists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "casestore.h"
#include "orderrun.h"
#include "wfutil.h"

static int64_t seq = 5000;

/* Send a command mail from sender; return the raw answer (caller frees) or NULL. */
static char *
command(struct fx *f, const char *sender, const char *subject)
{
	struct wf_result res;
	int64_t before = outbox_last(f, NULL, NULL), after;
	char *raw = NULL, *flat;
	char *m = xasprintf("From: %s\r\nTo: bestellung@exempla.test\r\nSubject: %s\r\n"
	    "Message-ID: <cmd-%lld@x.test>\r\n\r\nDanke\r\n", sender, subject,
	    (long long)++seq);

	assert_int_equal(workflow_process(&f->wf, 1, seq, m, strlen(m), 0, &res), 0);
	assert_string_equal(res.outcome, "command");
	free(m);
	after = outbox_last(f, &raw, NULL);
	if (after == before) {
		free(raw);
		return NULL;
	}
	flat = qp_flat(raw);
	free(raw);
	return flat;
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

#define R1 "requester1@exempla.test"
#define R2 "requester2@exempla.test"

static void
test_status_who_may_see(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char *a, *b;

	process_file(f, "contrib/demo/mails/01-standard.eml", &res);    /* SO-2026-000001, R1 */
	process_file(f, "contrib/demo/mails/02-freitext.eml", &res);    /* SO-2026-000002, R2, waits */
	/* The requester sees state, positions and history. */
	a = command(f, R1, "STATUS SO-2026-000001");
	assert_non_null(strstr(a, "Status: freigegeben"));
	assert_non_null(strstr(a, "Kopierpapier"));
	assert_non_null(strstr(a, "Verlauf:"));
	assert_non_null(strstr(a, "eingegangen"));
	free(a);
	/* The approver of the waiting case sees it, and who was asked. */
	a = command(f, "amtsleitung60@exempla.test", "status so-2026-000002");
	assert_non_null(strstr(a, "wartet_auf_genehmigung"));
	assert_non_null(strstr(a, "Genehmigung angefordert bei amtsleitung60"));
	free(a);
	/* Einkauf sees everything. */
	a = command(f, "einkauf@exempla.test", "STATUS SO-2026-000002");
	assert_non_null(strstr(a, "Ergonomische Maus"));
	free(a);
	/* A colleague learns nothing - the same answer as for a case that does not exist. */
	a = command(f, R1, "STATUS SO-2026-000002");
	b = command(f, R1, "STATUS SO-2026-000999");
	assert_null(strstr(a, "Musterfrau"));
	assert_null(strstr(a, "wartet"));
	assert_null(strstr(a, "Maus"));
	assert_non_null(strstr(a, "keine Auskunft"));
	{
		/* Identical bodies but for the number. */
		const char *ba = strstr(a, "\r\n\r\n"), *bb = strstr(b, "\r\n\r\n");
		char *x = xstrdup(ba), *y = xstrdup(bb), *p;
		while ((p = strstr(x, "SO-2026-000002")) != NULL)
			memcpy(p, "SO-2026-000999", 14);
		assert_string_equal(x, y);
		free(x);
		free(y);
	}
	free(a);
	free(b);
	/* STATUS alone lists the sender's open cases. */
	a = command(f, R2, "Status");
	assert_non_null(strstr(a, "SO-2026-000002"));
	assert_null(strstr(a, "SO-2026-000001"));
	free(a);
}

static void
test_storno(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	char *a, *s;
	int64_t used;

	process_file(f, "contrib/demo/mails/01-standard.eml", &res);    /* released */
	process_file(f, "contrib/demo/mails/02-freitext.eml", &res);    /* waiting */
	assert_int_equal(case_store_budget_used(f->st, "1020", 2026, &used), 0);
	assert_int_equal(used, 5615);
	/* The approver may see, not cancel. */
	a = command(f, "amtsleitung60@exempla.test", "STORNO SO-2026-000002");
	assert_non_null(strstr(a, "keine Auskunft"));
	free(a);
	s = state_of(f, "SO-2026-000002");
	assert_string_equal(s, STATE_WARTET);
	free(s);
	/* The requester cancels the waiting case: the approver is told. */
	a = command(f, R2, "Storno SO-2026-000002");
	assert_non_null(strstr(a, "storniert"));
	free(a);
	s = state_of(f, "SO-2026-000002");
	assert_string_equal(s, STATE_STORNIERT);
	free(s);
	{
		char *raw = NULL;
		sqlite3_stmt *q = store_stmt(f->st, "SELECT count(*) FROM outbox "
		    "WHERE kind = 'storno_approver' AND rcpt = 'amtsleitung60@exempla.test'");
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(q, 0), 1);
		sqlite3_reset(q);
		free(raw);
	}
	/* Einkauf cancels the released case: its budget is free again. */
	a = command(f, "einkauf@exempla.test", "CANCEL SO-2026-000001");
	free(a);
	assert_int_equal(case_store_budget_used(f->st, "1020", 2026, &used), 0);
	assert_int_equal(used, 0);
	/* The mail behind each change is kept with the case. */
	{
		sqlite3_stmt *q = store_stmt(f->st, "SELECT count(*) FROM mail_raw "
		    "m JOIN vorgang v ON v.id = m.vorgang_id WHERE v.nr = 'SO-2026-000001'");
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(q, 0), 2);    /* form + STORNO */
		sqlite3_reset(q);
	}
}

static void
test_storno_after_order_and_received(void **state)
{
	struct fx *f = *state;
	struct wf_result res;
	struct orderrun_result orr;
	char *a, *s;

	for (int i = 0; i < 5; i++) {
		char *path = xstrdup("contrib/demo/mails/01-standard.eml");
		char *data, *m;
		size_t len;
		const char *err;

		assert_int_equal(file_read(path, 1 << 20, &data, &len, &err), 0);
		m = xstrdup(data);
		memcpy(strstr(m, "<01-standard@") + 1, "01-s", 4);
		m[strstr(m, "<01-s") - m + 5] = (char)('a' + i);
		assert_int_equal(workflow_process(&f->wf, 2, i + 1, m, strlen(m), 0, &res), 0);
		assert_string_equal(res.outcome, "case");
		free(m);
		free(data);
		free(path);
	}
	/* Receipt before anything was ordered is refused. */
	a = command(f, R1, "ERHALTEN SO-2026-000001");
	assert_non_null(strstr(a, "noch nichts bestellt"));
	free(a);
	assert_int_equal(orderrun_execute(f->st, f->cfg, 0, "manual", 0, NULL, &orr), 0);
	assert_int_equal(orr.orders, 2);
	/* Too late to cancel. */
	a = command(f, R1, "STORNO SO-2026-000001");
	assert_non_null(strstr(a, "bereits bestellt"));
	free(a);
	s = state_of(f, "SO-2026-000001");
	assert_string_equal(s, STATE_BESTELLT);
	free(s);
	/* Others cannot confirm receipt. */
	a = command(f, R2, "ERHALTEN SO-2026-000001");
	assert_non_null(strstr(a, "keine Auskunft"));
	free(a);
	/* The requester confirms: delivered, closed. */
	a = command(f, R1, "Erhalten SO-2026-000001");
	assert_non_null(strstr(a, "Status: geliefert"));
	free(a);
	s = state_of(f, "SO-2026-000001");
	assert_string_equal(s, STATE_GELIEFERT);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_who_may_see, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storno_after_order_and_received, setup, teardown),
	};
	return cmocka_run_group_tests_name("commands", tests, NULL, NULL);
}
