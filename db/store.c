/* SPDX-License-Identifier: MIT */
/*
 * store - SQLite connection, pragmas, migrations, transactions and the
 * prepared-statement cache.  See store.h.  Knows no table but through the
 * migrations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "migrations.h"
#include "sqlmem.h"
#include "store.h"
#include "util.h"

struct stmt_cache {
	const char *sql;
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	struct stmt_cache *cache;
	size_t ncache;
	int depth;              /* open transactions: 1 = BEGIN, >1 = savepoints */
	uint64_t lock_timeouts; /* BEGINs that timed out on another's lock */
	uint64_t generation;            /* see store_generation() */
	int optimistic;                 /* nested levels without savepoints */
	int spoiled;                    /* ... and one of them rolled back */
	int unsynced;                   /* synchronous = NORMAL: 2 for the
					 * next BEGIN, 1 until its end */
};

/* Page slots outside the parser children's copy of the process. */
#define STORE_CACHE_PAGES 512

/* Unique over all stores of the process, so that no two share a number. */
static uint64_t generations;

static void
memo_forget(struct store *st)
{
	st->generation = ++generations;
}

void
store_memo_forget(struct store *st)
{
	memo_forget(st);
}

uint64_t
store_generation(struct store *st)
{
	if (st->depth == 0 || sqlite3_get_autocommit(st->db))
		return 0;
	return st->generation;
}

static char errbuf[1024];

int
store_schema_latest(void)
{
	return (int)migrations_count;
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st, "PRAGMA user_version");
	int v = 0;

	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return v;
}

/*
 * SQLite's message, with the system's reason when a system call failed:
 * "disk I/O error" alone does not say that the disk is full.  The errno is
 * only fresh after an I/O or open error.
 */
static const char *
errtext(struct store *st)
{
	static char buf[512];
	int code = sqlite3_errcode(st->db) & 0xff;

	if ((code != SQLITE_IOERR && code != SQLITE_CANTOPEN) ||
	    sqlite3_system_errno(st->db) == 0)
		return sqlite3_errmsg(st->db);
	snprintf(buf, sizeof(buf), "%s (%s)", sqlite3_errmsg(st->db),
	    strerror(sqlite3_system_errno(st->db)));
	return buf;
}

int
store_exec(struct store *st, const char *sql)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_error("db exec failed: %s (sql: %.60s)", errtext(st), sql);
		return -1;
	}
	return 0;
}

static int
migrate(struct store *st, const char **error_r)
{
	int v = store_schema_version(st);

	if (v > (int)migrations_count) {
		snprintf(errbuf, sizeof(errbuf), "database schema version %d is "
		    "newer than this program knows (%zu)", v, migrations_count);
		*error_r = errbuf;
		return -1;
	}
	for (; v < (int)migrations_count; v++) {
		char *err = NULL, pragma[64];

		if (store_begin(st) == -1)
			goto fail;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (sqlite3_exec(st->db, migrations[v], NULL, NULL, &err) !=
		    SQLITE_OK || sqlite3_exec(st->db, pragma, NULL, NULL, &err) !=
		    SQLITE_OK) {
			snprintf(errbuf, sizeof(errbuf), "migration %d failed: %s",
			    v + 1, err ? err : "?");
			sqlite3_free(err);
			store_rollback(st);
			*error_r = errbuf;
			return -1;
		}
		if (store_commit(st) == -1)
			goto fail;
		log_info("db migrated to schema version %d", v + 1);
	}
	return 0;
fail:
	snprintf(errbuf, sizeof(errbuf), "migration %d failed: %s", v + 1,
	    sqlite3_errmsg(st->db));
	*error_r = errbuf;
	return -1;
}

int
store_open(const char *path, struct store **st_r, const char **error_r)
{
	static int configured;
	struct store *st = xcalloc(1, sizeof(*st));

	st->generation = ++generations;
	/*
	 * One thread uses a connection, so SQLite's mutexes and its memory
	 * statistics are pure cost (a tenth of intake's time).  Only possible
	 * before SQLite's first use in the process.
	 */
	if (!configured) {
		(void)sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
		(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
#ifndef __SANITIZE_ADDRESS__
		/* Under ASan, SQLite's blocks stay visible to it one by one. */
		(void)sqlmem_install();
		/* The default cache_size, 2000 KiB, in pages and their headers. */
		(void)sqlmem_pagecache(STORE_CACHE_PAGES);
#endif
		configured = 1;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(errbuf, sizeof(errbuf), "sqlite3_open(%s) failed: %s",
		    path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 1);
	if (store_exec(st, "PRAGMA journal_mode = WAL") == -1 ||
	    store_exec(st, "PRAGMA synchronous = FULL") == -1 ||
	    store_exec(st, "PRAGMA foreign_keys = ON") == -1 ||
	    store_exec(st, "PRAGMA temp_store = MEMORY") == -1) {
		snprintf(errbuf, sizeof(errbuf), "%s: setting up the database "
		    "failed: %s", path, errtext(st));
		goto fail;
	}
	if (migrate(st, error_r) == -1) {
		store_close(st);
		return -1;
	}
	*st_r = st;
	return 0;
fail:
	*error_r = errbuf;
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->ncache; i++)
		sqlite3_finalize(st->cache[i].stmt);
	free(st->cache);
	memo_forget(st);
	sqlite3_close(st->db);
	free(st);
}

/*
 * Savepoint statements of the usual nesting depths as fixed strings, so
 * that they are prepared once (store_stmt caches by address): intake takes
 * a savepoint per mail.  Deeper nesting is parsed each time.
 */
static const char *const savepoint_sql[][3] = {
	{ "SAVEPOINT so1", "RELEASE so1", "ROLLBACK TO so1" },
	{ "SAVEPOINT so2", "RELEASE so2", "ROLLBACK TO so2" },
	{ "SAVEPOINT so3", "RELEASE so3", "ROLLBACK TO so3" },
	{ "SAVEPOINT so4", "RELEASE so4", "ROLLBACK TO so4" },
};

/* Run savepoint statement what (0 begin, 1 release, 2 roll back) of level. */
static int
savepoint(struct store *st, int level, int what)
{
	static const char *const verb[] = { "SAVEPOINT", "RELEASE", "ROLLBACK TO" };
	char sql[48];

	if (level >= 1 && level <= (int)SO_NELEM(savepoint_sql))
		return store_step_done(st, store_stmt(st,
		    savepoint_sql[level - 1][what]));
	snprintf(sql, sizeof(sql), "%s so%d", verb[what], level);
	return store_exec(st, sql);
}

/* Back to synchronous = FULL after an unsynced transaction, or stop. */
static void
resync(struct store *st)
{
	if (!st->unsynced)
		return;
	if (store_exec(st, "PRAGMA synchronous = FULL") == -1)
		fatalx("database: cannot make commits wait for the disk again");
	st->unsynced = 0;
}

int
store_begin_unsynced(struct store *st)
{
	/* Inside a transaction: a level of it, synced with it. */
	if (st->depth > 0 && !sqlite3_get_autocommit(st->db))
		return store_begin(st);
	resync(st);
	/* The safety level can only change outside a transaction. */
	if (store_exec(st, "PRAGMA synchronous = NORMAL") == 0)
		st->unsynced = 2;
	if (store_begin(st) == -1) {
		resync(st);
		return -1;
	}
	return 0;
}

int
store_begin(struct store *st)
{
	if (st->depth > 0 && !sqlite3_get_autocommit(st->db)) {
		if (!st->optimistic && savepoint(st, st->depth, 0) == -1)
			return -1;
		st->depth++;
		return 0;
	}
	st->depth = 0;
	st->optimistic = st->spoiled = 0;
	memo_forget(st);
	/* An unsynced transaction SQLite ended by itself is over too. */
	if (st->unsynced == 1)
		resync(st);
	else if (st->unsynced == 2)
		st->unsynced = 1;
	if (store_exec(st, "BEGIN IMMEDIATE") == -1) {
		if ((sqlite3_errcode(st->db) & 0xff) == SQLITE_BUSY)
			st->lock_timeouts++;
		return -1;
	}
	st->depth = 1;
	return 0;
}

int
store_commit(struct store *st)
{
	if (st->depth > 1 && st->optimistic) {
		st->depth--;
		return 0;
	}
	if (st->depth > 1) {
		if (savepoint(st, st->depth - 1, 1) == -1) {
			store_rollback(st);
			return -1;
		}
		st->depth--;
		return 0;
	}
	memo_forget(st);
	if (store_exec(st, "COMMIT") == -1) {
		store_rollback(st);
		return -1;
	}
	st->depth = 0;
	st->optimistic = st->spoiled = 0;
	resync(st);
	return 0;
}

void
store_rollback(struct store *st)
{
	memo_forget(st);
	if (st->depth > 1 && st->optimistic &&
	    !sqlite3_get_autocommit(st->db)) {
		/* Nothing to roll back to: all of the transaction must go. */
		st->spoiled = 1;
		st->depth--;
		return;
	}
	if (st->depth > 1 && !sqlite3_get_autocommit(st->db)) {
		(void)savepoint(st, st->depth - 1, 2);
		(void)savepoint(st, st->depth - 1, 1);
		st->depth--;
		return;
	}
	if (!sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->depth = 0;
	st->optimistic = st->spoiled = 0;
	resync(st);
}

void
store_optimistic(struct store *st, int on)
{
	st->optimistic = on && st->depth == 1;
	st->spoiled = 0;
}

int
store_spoiled(struct store *st)
{
	return st->spoiled;
}

int
store_in_transaction(struct store *st)
{
	return !sqlite3_get_autocommit(st->db);
}

sqlite3_stmt *
store_stmt(struct store *st, const char *sql)
{
	sqlite3_stmt *s;

	for (size_t i = 0; i < st->ncache; i++)
		if (st->cache[i].sql == sql) {
			s = st->cache[i].stmt;
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
	    NULL) != SQLITE_OK)
		fatalx("db prepare failed: %s (sql: %.80s)",
		    sqlite3_errmsg(st->db), sql);
	st->cache = xreallocarray(st->cache, st->ncache + 1, sizeof(*st->cache));
	st->cache[st->ncache].sql = sql;
	st->cache[st->ncache].stmt = s;
	st->ncache++;
	return s;
}

int
store_step_done(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE) {
		log_error("db step failed: %s (sql: %.80s)", errtext(st),
		    sqlite3_sql(s));
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	return 0;
}

uint64_t
store_lock_timeouts(struct store *st)
{
	return st->lock_timeouts;
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}

void
store_bind_text(sqlite3_stmt *s, int idx, const char *text)
{
	if (text)
		sqlite3_bind_text(s, idx, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, idx);
}

void
store_bind_static(sqlite3_stmt *s, int idx, const char *text)
{
	if (text)
		sqlite3_bind_text(s, idx, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, idx);
}

char *
store_col_text(sqlite3_stmt *s, int idx)
{
	const unsigned char *t = sqlite3_column_text(s, idx);

	return t ? xstrdup((const char *)t) : NULL;
}
