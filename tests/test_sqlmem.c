/* SPDX-License-Identifier: MIT */
/*
 * test_sqlmem - the allocator store.c gives SQLite: sizes as SQLite sees
 * them, reuse of freed small blocks, the cap on what is kept, realloc that
 * keeps the content, and a database that works on top of it, with its
 * page cache in memory that a forked child does not get.
 */
#include <sys/wait.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sqlmem.h"
#include "testutil.h"

static int
setup(void **state)
{
	(void)state;
	/* Before SQLite's first use; store_open() would install it too. */
	return sqlmem_install() == 0 && sqlmem_pagecache(64) == 0 ? 0 : -1;
}

static void
test_sizes_and_reuse(void **state)
{
	void *a, *b, *c;
	size_t kept0;

	(void)state;
	a = sqlite3_malloc(100);
	assert_non_null(a);
	assert_int_equal(sqlite3_msize(a), 128);        /* its class */
	memset(a, 0xab, 128);
	kept0 = sqlmem_kept();
	sqlite3_free(a);
	assert_int_equal(sqlmem_kept(), kept0 + 128);
	b = sqlite3_malloc(120);                        /* same class: reused */
	assert_ptr_equal(b, a);
	assert_int_equal(sqlmem_kept(), kept0);
	c = sqlite3_malloc(1024 + 8);                   /* a journal chunk */
	assert_int_equal(sqlite3_msize(c), 1088);
	sqlite3_free(c);
	sqlite3_free(b);
	/* Large blocks go straight back to malloc. */
	a = sqlite3_malloc(100000);
	assert_non_null(a);
	assert_true(sqlite3_msize(a) >= 100000);
	kept0 = sqlmem_kept();
	sqlite3_free(a);
	assert_int_equal(sqlmem_kept(), kept0);
	assert_null(sqlite3_malloc(0));
	assert_null(sqlite3_malloc(-1));
}

static void
test_realloc_keeps_content(void **state)
{
	unsigned char *p = sqlite3_malloc(10), *q;

	(void)state;
	for (int i = 0; i < 10; i++)
		p[i] = (unsigned char)i;
	q = sqlite3_realloc(p, 60);             /* still the 64-byte class */
	assert_ptr_equal(q, p);
	q = sqlite3_realloc(p, 5000);           /* grows into a large block */
	assert_non_null(q);
	for (int i = 0; i < 10; i++)
		assert_int_equal(q[i], i);
	p = sqlite3_realloc(q, 20);             /* and shrinks again */
	for (int i = 0; i < 10; i++)
		assert_int_equal(p[i], i);
	assert_int_equal(sqlite3_msize(p), 64);
	sqlite3_free(p);
}

static void
test_cap(void **state)
{
	enum { N = 5000 };
	static void *blocks[N];

	(void)state;
	/* 5000 blocks of 1 KiB: more than the 2 MiB the lists may keep. */
	for (int i = 0; i < N; i++)
		assert_non_null(blocks[i] = sqlite3_malloc(1000));
	for (int i = 0; i < N; i++)
		sqlite3_free(blocks[i]);
	assert_true(sqlmem_kept() <= 2 * 1024 * 1024);
	assert_true(sqlmem_kept() >= 2 * 1024 * 1024 - 1024);
}

/* A database on top of it: many rows in and out, content intact. */
static void
test_database(void **state)
{
	struct store *st;
	char *dir = testutil_db(&st);
	sqlite3_stmt *s;
	int64_t sum = 0;

	(void)state;
	assert_int_equal(store_exec(st, "CREATE TABLE t (id INTEGER PRIMARY "
	    "KEY, v TEXT)"), 0);
	assert_int_equal(store_begin(st), 0);
	for (int i = 0; i < 3000; i++) {
		char v[40];

		snprintf(v, sizeof(v), "value-%d", i);
		assert_int_equal(store_begin(st), 0);
		s = store_stmt(st, "INSERT INTO t (v) VALUES (?)");
		store_bind_text(s, 1, v);
		assert_int_equal(store_step_done(st, s), 0);
		if (i % 3 == 0)
			store_rollback(st);
		else
			assert_int_equal(store_commit(st), 0);
	}
	assert_int_equal(store_commit(st), 0);
	s = store_stmt(st, "SELECT count(*), sum(CAST(substr(v, 7) AS INTEGER))"
	    " FROM t");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 2000);
	sum = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	/* 0..2999 without the multiples of 3 */
	assert_int_equal(sum, 4498500 - 1498500);
	testutil_db_done(st, dir);
}

/* SQLite's pages are in the slots, and a forked child has no such memory. */
static void
test_pagecache_not_forked(void **state)
{
	const unsigned char *p;
	size_t len, used = 0;
	pid_t pid;
	int status;

	(void)state;
	sqlmem_pagecache_region((void **)&p, &len);
	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		used += p[i] != 0;
	assert_true(used > 4096);       /* test_database's pages were here */
	if ((pid = fork()) == 0) {
		(void)signal(SIGSEGV, SIG_DFL);
		if (*(volatile const unsigned char *)p == 0)
			_exit(0);
		_exit(1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_and_reuse),
		cmocka_unit_test(test_realloc_keeps_content),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_database),
		cmocka_unit_test(test_pagecache_not_forked),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
