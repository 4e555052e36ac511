/* SPDX-License-Identifier: MIT */
/*
 * test_checkpointer - the WAL is copied into the database by the helper
 * process, not by the writer's commits; not before the WAL has
 * CHECKPOINT_PAGES pages; by the writer again once the helper is gone; and
 * the last connection to close leaves no WAL behind.
 *
 * In WAL mode only a checkpoint writes to the database file itself, so its
 * size tells whether one ran.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "checkpointer.h"
#include "testutil.h"

/*
 * The daemon's own connection, opened as store_open() does, but without
 * store_open(): that configures SQLite for the whole process (its page
 * cache in memory a forked child does not get), after which no child of
 * this process may use SQLite, and each test starts a checkpointer.
 */
struct fixture {
	char *dir, *path;
	struct checkpointer *cp;
	sqlite3 *db;
};

static void
exec(sqlite3 *db, const char *sql)
{
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = xstrdup("/tmp/so-test-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		abort();
	f->path = xasprintf("%s/test.db", f->dir);
	/* Before the database exists, as in the daemon's first start. */
	f->cp = checkpointer_start(f->path);
	assert_non_null(f->cp);
	assert_int_equal(sqlite3_open_v2(f->path, &f->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	exec(f->db, "PRAGMA journal_mode = WAL");
	exec(f->db, "PRAGMA synchronous = FULL");
	checkpointer_attach(f->cp, f->db);
	exec(f->db, "CREATE TABLE t (v BLOB)");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	sqlite3_close(f->db);
	/* A failed test may have left the helper stopped. */
	if (f->cp != NULL && checkpointer_pid(f->cp) > 0)
		(void)kill(checkpointer_pid(f->cp), SIGCONT);
	checkpointer_stop(f->cp);
	if (system(cmd) != 0)
		abort();
	free(cmd);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* One transaction of about `pages` WAL pages (a row of 4000 bytes each). */
static void
write_pages(sqlite3 *db, int pages)
{
	exec(db, "BEGIN IMMEDIATE");
	for (int i = 0; i < pages; i++)
		exec(db, "INSERT INTO t VALUES (randomblob(4000))");
	exec(db, "COMMIT");
}

/* Wait up to 10 s for the database file to grow past `than`. */
static off_t
grown(const char *path, off_t than)
{
	double until = testutil_now() + 10;
	off_t size;

	while ((size = file_size(path)) <= than && testutil_now() < until)
		usleep(10000);
	return size;
}

static void
helper_checkpoints_not_the_writer(void **state)
{
	struct fixture *f = *state;
	off_t before = file_size(f->path);

	/* 900 pages: below the mark, nobody checkpoints. */
	for (int i = 0; i < 3; i++)
		write_pages(f->db, 300);
	usleep(300000);
	assert_int_equal(file_size(f->path), before);
	/* Ctrl-C in the terminal and systemd's SIGTERM to the service are
	 * the daemon's to handle, not the helper's. */
	assert_int_equal(kill(checkpointer_pid(f->cp), SIGINT), 0);
	assert_int_equal(kill(checkpointer_pid(f->cp), SIGTERM), 0);
	usleep(100000);
	assert_int_equal(waitpid(checkpointer_pid(f->cp), NULL, WNOHANG), 0);
	/* Past the mark: the writer does not copy them (with the helper
	 * stopped, nothing does) ... */
	assert_int_equal(kill(checkpointer_pid(f->cp), SIGSTOP), 0);
	write_pages(f->db, 300);
	assert_int_equal(file_size(f->path), before);
	/* ... the helper does. */
	assert_int_equal(kill(checkpointer_pid(f->cp), SIGCONT), 0);
	assert_true(grown(f->path, before) >= before + 1000 * 4000);
	assert_int_equal(checkpointer_inline_count(f->cp), 0);
	assert_true(checkpointer_pid(f->cp) > 0);
}

static void
writer_takes_over_when_helper_is_gone(void **state)
{
	struct fixture *f = *state;
	pid_t pid = checkpointer_pid(f->cp);
	off_t before = file_size(f->path);
	int status;

	assert_true(pid > 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	for (int i = 0; i < 4; i++)
		write_pages(f->db, 300);
	/* The commit that crossed the mark found the helper gone and ran
	 * the checkpoint itself, before returning. */
	assert_int_equal(checkpointer_pid(f->cp), 0);
	assert_int_equal(checkpointer_inline_count(f->cp), 1);
	assert_true(file_size(f->path) >= before + 1000 * 4000);
}

static void
last_close_leaves_no_wal(void **state)
{
	struct fixture *f = *state;
	char *wal = xasprintf("%s-wal", f->path);
	off_t before = file_size(f->path);
	sqlite3 *db;
	sqlite3_stmt *s;

	/* The helper has its connection once it has checkpointed. */
	for (int i = 0; i < 4; i++)
		write_pages(f->db, 300);
	assert_true(grown(f->path, before) > before);
	write_pages(f->db, 100);
	/* The daemon closes its connection first: the helper's is open,
	 * so the WAL stays ... */
	sqlite3_close(f->db);
	f->db = NULL;
	assert_true(file_size(wal) > 0);
	/* ... until the helper closes the last connection, which copies the
	 * rest and removes it. */
	checkpointer_stop(f->cp);
	f->cp = NULL;
	assert_int_equal(file_size(wal), -1);
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &s,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 1300);
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(wal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(helper_checkpoints_not_the_writer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    writer_takes_over_when_helper_is_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(last_close_leaves_no_wal, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
