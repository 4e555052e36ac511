/* SPDX-License-Identifier: MIT */
/*
 * Tests of casestore's budget figure: the running total that migration 8's
 * triggers keep must equal the sum over all cases, whatever happens to the
 * cases (insert, state changes in and out of the counted states, changed
 * totals, Kostenstelle or intake time, deletion), and migrating a database
 * that already has cases must fill it in.  And storing a case in its first
 * decided state at once must leave what insert-then-transition leaves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "audit.h"
#include "casestore.h"
#include "testutil.h"

/* 2026-03-01 and 2025-06-01, 12:00 UTC: the middle of a year in any zone. */
#define T2026 1772366400
#define T2025 1748779200

static void
sql(struct store *st, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(store_db(st), q, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", q, err);
		sqlite3_free(err);
		fail();
	}
}

static void
add_case(struct store *st, int nr, const char *state, const char *ks,
    int64_t cents, int64_t created)
{
	char *q = xasprintf("INSERT INTO vorgang (nr, state, requester_email, "
	    "oe, kostenstelle, lieferort, total_cents, created_at, updated_at) "
	    "VALUES ('SO-T-%06d', '%s', 'r@exempla.test', 'OE', '%s', 'L', "
	    "%lld, %lld, %lld)", nr, state, ks, (long long)cents,
	    (long long)created, (long long)created);

	sql(st, q);
	free(q);
}

/* The figure by the old definition: a sum over every case. */
static int64_t
scanned(struct store *st, const char *ks, int year)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT coalesce(sum("
	    "total_cents), 0) FROM vorgang WHERE kostenstelle = ? AND state IN "
	    "('genehmigt', 'freigegeben', 'bestellt', 'geliefert') AND CAST("
	    "strftime('%Y', created_at, 'unixepoch', 'localtime') AS INTEGER) = ?",
	    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, ks, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, year);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static const char *const kss[] = { "1020", "2030", "9999" };
static const int years[] = { 2025, 2026 };

static void
assert_consistent(struct store *st)
{
	for (size_t i = 0; i < SO_NELEM(kss); i++)
		for (size_t j = 0; j < SO_NELEM(years); j++) {
			int64_t used = -1;

			assert_int_equal(case_store_budget_used(st, kss[i],
			    years[j], &used), 0);
			assert_int_equal(used, scanned(st, kss[i], years[j]));
		}
}

static int64_t
used_of(struct store *st, const char *ks, int year)
{
	int64_t used = -1;

	assert_int_equal(case_store_budget_used(st, ks, year, &used), 0);
	return used;
}

static void
test_running_total(void **state)
{
	struct store *st;
	char *dir = testutil_db(&st);

	(void)state;
	assert_int_equal(used_of(st, "1020", 2026), 0);  /* no row yet */
	add_case(st, 1, "freigegeben", "1020", 1000, T2026);
	add_case(st, 2, "wartet_auf_genehmigung", "1020", 500, T2026);
	add_case(st, 3, "genehmigt", "1020", 250, T2025);
	add_case(st, 4, "abgelehnt", "2030", 9000, T2026);
	add_case(st, 5, "bestellt", "2030", 70, T2026);
	assert_int_equal(used_of(st, "1020", 2026), 1000);
	assert_int_equal(used_of(st, "1020", 2025), 250);
	assert_int_equal(used_of(st, "2030", 2026), 70);
	assert_consistent(st);

	/* Into a counted state, between counted states, and out again. */
	sql(st, "UPDATE vorgang SET state = 'genehmigt' WHERE nr = 'SO-T-000002'");
	assert_int_equal(used_of(st, "1020", 2026), 1500);
	sql(st, "UPDATE vorgang SET state = 'geliefert' WHERE nr = 'SO-T-000002'");
	assert_int_equal(used_of(st, "1020", 2026), 1500);
	sql(st, "UPDATE vorgang SET state = 'storniert' WHERE nr = 'SO-T-000001'");
	assert_int_equal(used_of(st, "1020", 2026), 500);
	assert_consistent(st);

	/* Other columns that the figure depends on. */
	sql(st, "UPDATE vorgang SET total_cents = 800 WHERE nr = 'SO-T-000002'");
	sql(st, "UPDATE vorgang SET kostenstelle = '2030' WHERE nr = 'SO-T-000003'");
	sql(st, "UPDATE vorgang SET created_at = 1748779200 WHERE nr = 'SO-T-000005'");
	assert_int_equal(used_of(st, "1020", 2026), 800);
	assert_int_equal(used_of(st, "1020", 2025), 0);
	assert_int_equal(used_of(st, "2030", 2025), 320);
	assert_consistent(st);

	/* A column that does not matter changes nothing. */
	sql(st, "UPDATE vorgang SET bemerkung = 'x', updated_at = 1 WHERE 1");
	assert_consistent(st);

	/* Deleting (purge) takes the case out. */
	sql(st, "DELETE FROM vorgang WHERE nr = 'SO-T-000002'");
	assert_int_equal(used_of(st, "1020", 2026), 0);
	assert_consistent(st);

	/* A rolled-back change leaves the figure as it was. */
	sql(st, "BEGIN; UPDATE vorgang SET state = 'freigegeben' WHERE nr = "
	    "'SO-T-000004'; ROLLBACK");
	assert_int_equal(used_of(st, "2030", 2026), 0);
	assert_consistent(st);
	testutil_db_done(st, dir);
}

/* A database of schema 7 with cases gets the running total on migration. */
static void
test_migration_fills_in(void **state)
{
	struct store *st;
	char *dir = testutil_db(&st), *path = xasprintf("%s/test.db", dir);
	const char *err;

	(void)state;
	add_case(st, 1, "freigegeben", "1020", 1000, T2026);
	add_case(st, 2, "bestellt", "1020", 234, T2026);
	add_case(st, 3, "genehmigt", "2030", 99, T2025);
	add_case(st, 4, "eingegangen", "2030", 5, T2025);
	/* Back to schema 7, as an older version left it (without 8 and 9). */
	sql(st, "DROP TRIGGER budget_insert; DROP TRIGGER budget_delete; "
	    "DROP TRIGGER budget_update_old; DROP TRIGGER budget_update_new; "
	    "DROP TABLE budget_used; DROP INDEX ledger_case; "
	    "ALTER TABLE approval_token DROP COLUMN revoked_at; "
	    "ALTER TABLE approval DROP COLUMN refused; PRAGMA user_version = 7");
	store_close(st);
	assert_int_equal(store_open(path, &st, &err), 0);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	assert_int_equal(used_of(st, "1020", 2026), 1234);
	assert_int_equal(used_of(st, "2030", 2025), 99);
	assert_consistent(st);
	free(path);
	testutil_db_done(st, dir);
}

/* A case with two positions, as validation leaves it. */
static struct vorgang *
new_case(void)
{
	struct vorgang *v = xcalloc(1, sizeof(*v));

	v->state = xstrdup(STATE_EINGEGANGEN);
	v->requester_email = xstrdup("r@exempla.test");
	v->oe = xstrdup("OE");
	v->kostenstelle = xstrdup("1020");
	v->lieferort = xstrdup("L");
	v->total_cents = 1234;
	v->npositions = 2;
	v->positions = xcalloc(2, sizeof(*v->positions));
	for (int i = 0; i < 2; i++) {
		v->positions[i].pos = i + 1;
		v->positions[i].artikelnr = xasprintf("A-%d", i);
		v->positions[i].bezeichnung = xstrdup("Papier");
		v->positions[i].einheit = xstrdup("Pack");
		v->positions[i].menge = 1;
		v->positions[i].total_cents = 617;
	}
	return v;
}

/* One row per line: what a query returns for case id (bound as ?1). */
static char *
rows(struct store *st, const char *q, int64_t id)
{
	sqlite3_stmt *s;
	char *out = xstrdup("");

	assert_int_equal(sqlite3_prepare_v2(store_db(st), q, -1, &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(s); c++) {
			const unsigned char *t = sqlite3_column_text(s, c);
			char *n = xasprintf("%s%s|", out, t ? (const char *)t :
			    "NULL");

			free(out);
			out = n;
		}
		{
			char *n = xasprintf("%s\n", out);

			free(out);
			out = n;
		}
	}
	sqlite3_finalize(s);
	return out;
}

/*
 * case_store_insert_to() leaves exactly what case_store_insert() followed
 * by case_store_transition() leaves: rows, history, audit trail, budget.
 */
static void
test_insert_to(void **state)
{
	static const char *const q[] = {
		"SELECT state, total_cents, created_at, updated_at FROM vorgang "
		    "WHERE id = ?1",
		"SELECT pos, artikelnr, state FROM position WHERE vorgang_id = ?1 "
		    "ORDER BY pos",
		"SELECT at, from_state, to_state, actor, reason, msgid FROM "
		    "history WHERE vorgang_id = ?1 ORDER BY id",
		"SELECT at, actor, action, before, after, msgid, detail FROM audit "
		    "WHERE vorgang_nr = (SELECT nr FROM vorgang WHERE id = ?1) "
		    "ORDER BY id",
	};
	struct store *st;
	char *dir = testutil_db(&st);
	struct vorgang *a = new_case(), *b = new_case();
	int64_t count = -1;

	(void)state;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(case_store_insert(st, a, "SO", T2026, "r@exempla.test",
	    "m@x"), 0);
	assert_int_equal(case_store_transition(st, a->id, STATE_EINGEGANGEN,
	    STATE_FREIGEGEBEN, "socialorder", "Standard", "m@x", T2026), 1);
	assert_int_equal(case_store_insert_to(st, b, "SO", T2026,
	    "r@exempla.test", "m@x", STATE_FREIGEGEBEN, "socialorder",
	    "Standard"), 0);
	assert_int_equal(store_commit(st), 0);

	assert_string_equal(b->state, STATE_FREIGEGEBEN);
	assert_string_equal(a->nr, "SO-2026-000001");
	assert_string_equal(b->nr, "SO-2026-000002");
	for (size_t i = 0; i < SO_NELEM(q); i++) {
		char *ra = rows(st, q[i], a->id), *rb = rows(st, q[i], b->id);

		assert_true(strlen(ra) > 0);
		assert_string_equal(ra, rb);
		free(ra);
		free(rb);
	}
	{
		char *h = rows(st, q[2], b->id);

		assert_string_equal(h, "1772366400|NULL|eingegangen|"
		    "r@exempla.test|NULL|m@x|\n1772366400|eingegangen|freigegeben|"
		    "socialorder|Standard|m@x|\n");
		free(h);
	}
	assert_int_equal(used_of(st, "1020", 2026), 2468);
	assert_consistent(st);
	assert_int_equal(audit_verify(st, &count, NULL, NULL), 0);
	assert_int_equal(count, 4);
	vorgang_free(a);
	vorgang_free(b);
	testutil_db_done(st, dir);
}

/* Case numbers count per prefix and year, from 1, without gaps. */
static void
test_numbers(void **state)
{
	static const struct {
		const char *prefix;
		int64_t at;
		const char *nr;
	} rows[] = {
		{ "SO", T2026, "SO-2026-000001" }, { "SO", T2026, "SO-2026-000002" },
		{ "SO", T2025, "SO-2025-000001" }, { "XY", T2026, "XY-2026-000001" },
		{ "SO", T2026, "SO-2026-000003" }, { "SO", T2025, "SO-2025-000002" },
		{ "XY", T2026, "XY-2026-000002" },
	};
	struct store *st;
	char *dir = testutil_db(&st);

	(void)state;
	assert_int_equal(store_begin(st), 0);
	for (size_t i = 0; i < SO_NELEM(rows); i++) {
		struct vorgang *v = new_case();
		char msgid[32];

		snprintf(msgid, sizeof(msgid), "n%zu@x", i);
		assert_int_equal(case_store_insert(st, v, rows[i].prefix,
		    rows[i].at, "r@exempla.test", msgid), 0);
		assert_string_equal(v->nr, rows[i].nr);
		vorgang_free(v);
	}
	assert_int_equal(store_commit(st), 0);
	testutil_db_done(st, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_running_total),
		cmocka_unit_test(test_migration_fills_in),
		cmocka_unit_test(test_insert_to),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
