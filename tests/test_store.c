/* SPDX-License-Identifier: MIT */
/*
 * test_store - transactions: nested levels are savepoints that commit and
 * roll back on their own; in optimistic mode they are not, a nested
 * rollback spoils the transaction, and the mode ends with it.  An unsynced
 * transaction does not make the next one unsynced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "store.h"
#include "testutil.h"

static void
exec(struct store *st, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(store_db(st), q, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", q, err);
		sqlite3_free(err);
		fail();
	}
}

/* The values of table t, in order, as "1,2,3". */
static char *
values(struct store *st)
{
	sqlite3_stmt *s;
	char *out = xstrdup(""), *n;

	assert_int_equal(sqlite3_prepare_v2(store_db(st),
	    "SELECT group_concat(v) FROM (SELECT v FROM t ORDER BY v)", -1, &s,
	    NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
		n = xstrdup((const char *)sqlite3_column_text(s, 0));
		free(out);
		out = n;
	}
	sqlite3_finalize(s);
	return out;
}

static void
insert(struct store *st, int v)
{
	char q[64];

	snprintf(q, sizeof(q), "INSERT INTO t VALUES (%d)", v);
	exec(st, q);
}

static void
expect(struct store *st, const char *want)
{
	char *got = values(st);

	assert_string_equal(got, want);
	free(got);
}

static void
test_savepoints(void **state)
{
	struct store *st;
	char *dir = testutil_db(&st);

	(void)state;
	exec(st, "CREATE TABLE t (v INTEGER)");
	assert_int_equal(store_begin(st), 0);
	insert(st, 1);
	assert_int_equal(store_begin(st), 0);           /* mail 2 */
	insert(st, 2);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_begin(st), 0);           /* mail 3 fails */
	insert(st, 3);
	store_rollback(st);
	assert_int_equal(store_begin(st), 0);           /* mail 4 */
	insert(st, 4);
	assert_int_equal(store_commit(st), 0);
	assert_false(store_spoiled(st));
	assert_int_equal(store_commit(st), 0);
	expect(st, "1,2,4");
	testutil_db_done(st, dir);
}

static void
test_optimistic(void **state)
{
	struct store *st;
	char *dir = testutil_db(&st);

	(void)state;
	exec(st, "CREATE TABLE t (v INTEGER)");

	/* All levels commit: everything stays. */
	assert_int_equal(store_begin(st), 0);
	store_optimistic(st, 1);
	for (int v = 1; v <= 3; v++) {
		assert_int_equal(store_begin(st), 0);
		insert(st, v);
		assert_int_equal(store_commit(st), 0);
	}
	assert_false(store_spoiled(st));
	store_optimistic(st, 0);
	assert_int_equal(store_commit(st), 0);
	expect(st, "1,2,3");

	/* A nested rollback cannot undo its level alone: it spoils. */
	assert_int_equal(store_begin(st), 0);
	store_optimistic(st, 1);
	assert_int_equal(store_begin(st), 0);
	insert(st, 4);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_begin(st), 0);
	insert(st, 5);
	store_rollback(st);
	assert_true(store_spoiled(st));
	expect(st, "1,2,3,4,5");        /* nothing was undone yet */
	store_rollback(st);             /* the caller's part: all of it */
	expect(st, "1,2,3");
	assert_false(store_spoiled(st));

	/* The outer rollback ended the mode: savepoints again. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin(st), 0);
	insert(st, 6);
	store_rollback(st);
	assert_false(store_spoiled(st));
	insert(st, 7);
	assert_int_equal(store_commit(st), 0);
	expect(st, "1,2,3,7");

	/* Only at the outer level, and a new transaction starts without. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin(st), 0);
	store_optimistic(st, 1);        /* nested: refused */
	assert_int_equal(store_begin(st), 0);
	insert(st, 8);
	store_rollback(st);
	assert_false(store_spoiled(st));
	assert_int_equal(store_commit(st), 0);
	store_optimistic(st, 1);
	assert_int_equal(store_commit(st), 0);
	store_optimistic(st, 1);        /* outside a transaction: refused */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin(st), 0);
	insert(st, 9);
	store_rollback(st);
	assert_false(store_spoiled(st));
	assert_int_equal(store_commit(st), 0);
	expect(st, "1,2,3,7");
	testutil_db_done(st, dir);
}

/* PRAGMA synchronous: 1 NORMAL, 2 FULL. */
static int
sync_level(struct store *st)
{
	sqlite3_stmt *s;
	int v;

	assert_int_equal(sqlite3_prepare_v2(store_db(st), "PRAGMA synchronous",
	    -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/*
 * An unsynced transaction is NORMAL while it lasts, however it ends; the
 * next one waits for the disk again (FULL), even when SQLite ended the
 * unsynced one by itself.
 */
static void
test_unsynced(void **state)
{
	struct store *st;
	char *dir = testutil_db(&st);

	(void)state;
	exec(st, "CREATE TABLE t (v INTEGER)");
	assert_int_equal(sync_level(st), 2);

	assert_int_equal(store_begin_unsynced(st), 0);
	assert_int_equal(sync_level(st), 1);
	insert(st, 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(sync_level(st), 2);
	expect(st, "1");

	assert_int_equal(store_begin_unsynced(st), 0);
	assert_int_equal(store_begin(st), 0);   /* nested: a savepoint */
	insert(st, 2);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(sync_level(st), 1);
	store_rollback(st);
	assert_int_equal(sync_level(st), 2);
	expect(st, "1");

	/* Inside a transaction it is a level of it, synced with it. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin_unsynced(st), 0);
	insert(st, 4);
	store_rollback(st);
	assert_int_equal(sync_level(st), 2);
	assert_int_equal(store_commit(st), 0);
	expect(st, "1");

	/* Ended behind the store's back (as SQLite does on disk full). */
	assert_int_equal(store_begin_unsynced(st), 0);
	exec(st, "ROLLBACK");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(sync_level(st), 2);
	insert(st, 3);
	assert_int_equal(store_commit(st), 0);
	expect(st, "1,3");
	testutil_db_done(st, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_savepoints),
		cmocka_unit_test(test_optimistic),
		cmocka_unit_test(test_unsynced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
