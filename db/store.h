/* SPDX-License-Identifier: MIT */
/*
 * store - the SQLite database: opening, schema migrations, transactions and
 * a cache of prepared statements.
 *
 * The database runs in WAL mode with synchronous=FULL, foreign keys on and a
 * busy timeout, so that a committed case survives a power cut and a second
 * process (the administrator's "socialorder list") never fails on a lock.
 * Every write goes through store_begin() (BEGIN IMMEDIATE) so that two
 * writers never deadlock on a lock upgrade.
 *
 * The schema is versioned with PRAGMA user_version; store_open() applies the
 * missing migrations in order, each in its own transaction.
 */
#ifndef SO_STORE_H
#define SO_STORE_H

#include <sqlite3.h>
#include <stdint.h>

struct store;

/* Open (and create/migrate) the database at path.  -1 with *error_r (static). */
int store_open(const char *path, struct store **st_r, const char **error_r);
void store_close(struct store *st);

/* Schema version after migration; the number of migrations known. */
int store_schema_version(struct store *st);
int store_schema_latest(void);

/*
 * BEGIN IMMEDIATE / COMMIT / ROLLBACK.  -1 on error (logged).  Inside an
 * open transaction they nest as SAVEPOINT / RELEASE / ROLLBACK TO, so a
 * caller can run many mails in one transaction (one fsync) while each
 * mail still commits or rolls back on its own.
 */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/*
 * BEGIN IMMEDIATE for bookkeeping that a power cut may lose, never for a
 * decision: its COMMIT does not wait for the disk (synchronous = NORMAL
 * until the transaction ends).  It stays atomic, and the next synced
 * commit makes it durable too.  Inside a transaction it is a nested level
 * like store_begin().
 */
int store_begin_unsynced(struct store *st);

/*
 * In an open transaction (not nested), on: the nested levels that follow
 * make no savepoints, which cost a copy of every page they touch.  A
 * nested rollback then cannot undo its own level; it spoils the
 * transaction instead (store_spoiled()), and the caller must roll all of
 * it back.  Off again with on = 0, or by the outer rollback.
 */
void store_optimistic(struct store *st, int on);
int store_spoiled(struct store *st);

/* Whether a transaction is open: after some errors (disk full, I/O, out of
 * memory) SQLite rolls all of it back by itself. */
int store_in_transaction(struct store *st);

/*
 * How many store_begin() calls so far failed because another process held
 * the write lock for longer than the busy timeout (10 s).  A caller that
 * sees it grow may give up its cycle rather than wait again for every write.
 */
uint64_t store_lock_timeouts(struct store *st);

/*
 * A prepared statement for sql, reset and with bindings cleared.  sql must
 * be a string literal (the cache is keyed on its address).  Aborts on a
 * statement that does not compile: that is a programming error.
 */
sqlite3_stmt *store_stmt(struct store *st, const char *sql);

/* Run sql (no results); -1 on error (logged with sql's first words). */
int store_exec(struct store *st, const char *sql);

/* Step a statement expecting SQLITE_DONE; -1 on error (logged). */
int store_step_done(struct store *st, sqlite3_stmt *s);

/*
 * For callers that remember what they read or wrote within the current
 * write transaction (the audit chain's last hash, master data rows): a
 * number that changes at every BEGIN, COMMIT and (savepoint) rollback, and
 * at store_memo_forget(), unique over all stores of the process; 0
 * outside a write transaction, where nothing may be remembered.  What was
 * remembered under another number is stale.
 */
uint64_t store_generation(struct store *st);

/* Make everything remembered stale now: the caller changed what it describes. */
void store_memo_forget(struct store *st);

sqlite3 *store_db(struct store *st);
const char *store_errmsg(struct store *st);

/* Bind a text that may be NULL. */
void store_bind_text(sqlite3_stmt *s, int idx, const char *text);
/*
 * The same without SQLite's copy, for the hot inserts: text must stay
 * unchanged until the statement has been stepped.
 */
void store_bind_static(sqlite3_stmt *s, int idx, const char *text);
/* Copy of column idx as a new string (NULL for SQL NULL). */
char *store_col_text(sqlite3_stmt *s, int idx);

#endif
