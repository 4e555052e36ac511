/* SPDX-License-Identifier: MIT */
/*
 * test_orderrun - order runs in process on a real database: bundling per
 * supplier, one order each, attachments in the supplier's format, summed
 * lines, minimum order value, maximum wait, urgent wanted-by dates,
 * free-text items to procurement, notices, dry run, schedule, and
 * all-or-nothing when a run fails halfway.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "casestore.h"
#include "orderrun.h"
#include "wfutil.h"

#define NOW0 1795250000LL       /* Sat 2026-11-21 */
#define DAY 86400LL

/* A released form of OE 10.2 with the given positions table rows. */
static void
form(struct fx *f, int id, const char *wanted, const char *rows)
{
	struct wf_result res;
	char *m = xasprintf("From: Max <requester1@exempla.test>\r\nTo: b@exempla.test\r\n"
	    "Subject: Anforderung\r\nMessage-ID: <or-%d@x.test>\r\n\r\n"
	    "Organisationseinheit: 10.2\r\nKostenstelle: 1020\r\nLieferort: RH-214\r\n"
	    "Gewünscht bis: %s\r\nPositionen:\r\n"
	    "Pos | Artikelnr. | Bezeichnung | Menge | Einheit | Preis\r\n%s", id,
	    wanted, rows);

	assert_int_equal(workflow_process(&f->wf, 1, id, m, strlen(m), 0, &res), 0);
	if (strcmp(res.outcome, "case") != 0)
		fail_msg("form %d: %s", id, res.outcome);
	free(m);
}

static int64_t
count(struct fx *f, const char *sql)
{
	sqlite3_stmt *s;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->st), sql, -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static char *
text(struct fx *f, const char *sql)
{
	sqlite3_stmt *s;
	char *t;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->st), sql, -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	t = store_col_text(s, 0);
	sqlite3_finalize(s);
	return t;
}

#define STANDARD "1 | 100234 | Papier | 5 | Pack | \r\n2 | 200511 | Kuli | 10 | Stück | \r\n" \
	"3 | 300100 | Ordner | 12 | Stück | \r\n"

static void
test_bundle_per_supplier(void **state)
{
	struct fx *f = *state;
	struct orderrun_result res;
	char *raw, *flat;

	/* 5 x sample 01: L01 5 x 34,70 = 173,50 (>= 50), L02 5 x 21,45 = 107,25 (>= 100). */
	for (int i = 1; i <= 5; i++)
		form(f, i, "04.12.2026", STANDARD);
	assert_int_equal(orderrun_execute(f->st, f->cfg, 0, "manual", 0, NULL, &res), 0);
	assert_int_equal(res.orders, 2);
	assert_int_equal(res.positions, 15);
	assert_int_equal(res.waiting, 0);
	assert_int_equal(count(f, "SELECT count(*) FROM bestellung"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM vorgang WHERE state = 'bestellt'"), 5);
	assert_int_equal(count(f, "SELECT count(*) FROM position WHERE bestellung_id IS NULL"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'order'"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'ordered'"), 5);
	/* L01 takes CSV: one summed line per article, all five cases named. */
	raw = text(f, "SELECT raw FROM outbox WHERE kind = 'order' AND rcpt = 'auftrag@buerowelt.test'");
	assert_non_null(strstr(raw, "Content-Type: text/csv"));
	assert_non_null(strstr(raw, "filename=\"B-2026-00000"));
	flat = qp_flat(raw);
	assert_non_null(strstr(flat, "KD-778812"));
	assert_non_null(strstr(flat, "60 Stück"));          /* 5 x 12 Ordner summed */
	assert_non_null(strstr(flat, "SO-2026-000001,SO-2026-000002"));
	free(flat);
	free(raw);
	/* L02 takes openTRANS. */
	raw = text(f, "SELECT raw FROM outbox WHERE kind = 'order' AND rcpt = 'bestellung@papierhaus.test'");
	assert_non_null(strstr(raw, "Content-Type: application/xml"));
	free(raw);
	/* The requester learns what was ordered from whom. */
	raw = text(f, "SELECT raw FROM outbox WHERE kind = 'ordered' ORDER BY id LIMIT 1");
	flat = qp_flat(raw);
	assert_non_null(strstr(flat, "Bürowelt Nord GmbH"));
	assert_non_null(strstr(flat, "Papierhaus Schulze KG"));
	assert_non_null(strstr(flat, "Status: bestellt"));
	free(flat);
	free(raw);
	/* A second run orders nothing. */
	assert_int_equal(orderrun_execute(f->st, f->cfg, 0, "manual", 0, NULL, &res), 0);
	assert_int_equal(res.orders, 0);
	assert_int_equal(count(f, "SELECT count(*) FROM bestellung"), 2);
}

static void
test_minimum_wait_and_urgent(void **state)
{
	struct fx *f = *state;
	struct orderrun_result res;

	form(f, 1, "04.12.2026", STANDARD);
	/* Below both minimums: everything waits, nothing is written. */
	assert_int_equal(orderrun_execute(f->st, f->cfg, 0, "manual", 0, NULL, &res), 0);
	assert_int_equal(res.orders, 0);
	assert_int_equal(res.waiting, 2);
	assert_int_equal(count(f, "SELECT count(*) FROM order_run"), 0);
	/* Wanted by Tuesday (2 working days from Saturday): urgent. */
	form(f, 2, "24.11.2026", "1 | 500300 | Haftnotizen | 1 | Block | \r\n");
	assert_int_equal(orderrun_execute(f->st, f->cfg, 0, "manual", 0, NULL, &res), 0);
	assert_int_equal(res.orders, 1);                /* L01 goes, L02 waits */
	assert_int_equal(res.waiting, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM position p JOIN vorgang v ON "
	    "v.id = p.vorgang_id WHERE p.lieferant = 'L02' AND p.bestellung_id IS NULL"), 1);
	/* Case 1 is partly ordered: still freigegeben. */
	assert_int_equal(count(f, "SELECT count(*) FROM vorgang WHERE nr = "
	    "'SO-2026-000001' AND state = 'freigegeben'"), 1);
	/* 15 days later the oldest L02 position has waited too long. */
	setenv("SO_NOW", "1796546000", 1);
	assert_int_equal(orderrun_execute(f->st, f->cfg, 0, "manual", 0, NULL, &res), 0);
	assert_int_equal(res.orders, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM vorgang WHERE nr = "
	    "'SO-2026-000001' AND state = 'bestellt'"), 1);
}

static void
test_dry_run_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct orderrun_result res;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int64_t outbox = 0;

	for (int i = 1; i <= 5; i++)
		form(f, i, "04.12.2026", STANDARD);
	outbox = count(f, "SELECT count(*) FROM outbox");
	assert_int_equal(orderrun_execute(f->st, f->cfg, 1, "manual", 0, out, &res), 0);
	fclose(out);
	assert_non_null(strstr(buf, "Probelauf"));
	assert_non_null(strstr(buf, "L01 Bürowelt Nord GmbH: 10 Positionen, 173,50 EUR -> wird bestellt"));
	assert_int_equal(count(f, "SELECT count(*) FROM outbox"), outbox);
	assert_int_equal(count(f, "SELECT count(*) FROM bestellung"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM vorgang WHERE state = 'freigegeben'"), 5);
	free(buf);
}

static void
test_freetext_and_atomicity(void **state)
{
	struct fx *f = *state;
	struct orderrun_result res;

	for (int i = 1; i <= 5; i++)
		form(f, i, "04.12.2026", STANDARD);
	/* An approved free-text item: set up directly, approval is tested elsewhere. */
	form(f, 9, "04.12.2026", "1 |  | Monitorarm | 1 | Stück | 89,00\r\n");
	assert_int_equal(store_exec(f->st, "UPDATE vorgang SET state = 'freigegeben' "
	    "WHERE nr = 'SO-2026-000006'; UPDATE position SET state = 'freigegeben' "
	    "WHERE vorgang_id = (SELECT id FROM vorgang WHERE nr = 'SO-2026-000006')"), 0);
	/* Without anybody in role einkauf the run fails ... */
	assert_int_equal(store_exec(f->st, "UPDATE person SET rolle = 'x' WHERE rolle = 'einkauf'"), 0);
	assert_int_equal(orderrun_execute(f->st, f->cfg, 0, "manual", 0, NULL, &res), -1);
	/* ... and leaves nothing behind, the supplier orders made before included. */
	assert_int_equal(count(f, "SELECT count(*) FROM bestellung"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM order_run"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind IN ('order', 'ordered')"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM position WHERE bestellung_id IS NOT NULL"), 0);
	assert_int_equal(store_exec(f->st, "UPDATE person SET rolle = 'einkauf' WHERE rolle = 'x'"), 0);
	assert_int_equal(orderrun_execute(f->st, f->cfg, 0, "manual", 0, NULL, &res), 0);
	assert_int_equal(res.orders, 3);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'freetext_order' "
	    "AND rcpt = 'einkauf@exempla.test'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM bestellung WHERE lieferant IS NULL"), 1);
}

static void
test_schedule_due(void **state)
{
	struct fx *f = *state;
	int64_t when = 0;
	const int64_t tue = NOW0 + 3 * DAY + 10 * 3600;  /* Tue 24.11. about 10:00 */

	free(f->cfg->schedule);
	f->cfg->schedule = xstrdup("Di 10:00");
	/* Nothing released: not due. */
	assert_int_equal(orderrun_due(f->st, f->cfg, tue + 3600, &when), 0);
	for (int i = 1; i <= 5; i++)
		form(f, i, "04.12.2026", STANDARD);
	/* Released on Saturday: before Tuesday's run time it is not due ... */
	assert_int_equal(orderrun_due(f->st, f->cfg, NOW0 + 2 * DAY, &when), 0);
	/* ... after it, it is, once, even if the daemon only wakes on Thursday. */
	assert_int_equal(orderrun_due(f->st, f->cfg, tue + 2 * DAY, &when), 1);
	assert_true(when <= tue + 2 * DAY && when > NOW0);
	assert_int_equal(orderrun_run_due(f->st, f->cfg, tue + 2 * DAY), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM order_run WHERE kind = 'scheduled'"), 1);
	assert_int_equal(orderrun_due(f->st, f->cfg, tue + 2 * DAY, &when), 0);
}

static int
setup_orders(void **state)
{
	setup(state);
	setenv("SO_NOW", "1795250000", 1);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bundle_per_supplier, setup_orders, teardown),
		cmocka_unit_test_setup_teardown(test_minimum_wait_and_urgent, setup_orders, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_changes_nothing, setup_orders, teardown),
		cmocka_unit_test_setup_teardown(test_freetext_and_atomicity, setup_orders, teardown),
		cmocka_unit_test_setup_teardown(test_schedule_due, setup_orders, teardown),
	};
	return cmocka_run_group_tests_name("orderrun", tests, NULL, NULL);
}
