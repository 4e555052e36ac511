/* SPDX-License-Identifier: MIT */
/*
 * test_audit - tests for db/audit.c on a real database: the hash encoding
 * against vectors computed outside this code (Python hashlib over the
 * bytes audit.h describes), NULL against "" and fields that contain the
 * encoding's own separators; a chain of 100 records; and an attacker with
 * the database file who drops the triggers and modifies, deletes, swaps,
 * inserts (naively and with a correctly computed hash), recomputes one
 * hash, rewrites the rest of the chain, or cuts off the tail - each must
 * be reported at the right record, except the cut tail and the rewritten
 * chain, which only the count or the last hash can tell.  Also: the
 * triggers refuse UPDATE and DELETE, and INSERT OR REPLACE, which slips
 * past them, is still caught by the chain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"
#define NRECORDS 100

/* ---- fixture: a fresh database in a temporary directory ---- */

struct db {
	struct store *st;
	char *dir;
};

static void
db_new(struct db *d)
{
	char *path;
	const char *err = NULL;

	d->dir = xstrdup("/tmp/so-test-audit-XXXXXX");
	if (mkdtemp(d->dir) == NULL)
		fail_msg("mkdtemp failed");
	path = xasprintf("%s/test.db", d->dir);
	if (store_open(path, &d->st, &err) != 0)
		fail_msg("store_open(%s): %s", path, err);
	free(path);
}

static void
db_done(struct db *d)
{
	static const char *const files[] = { "test.db", "test.db-wal",
	    "test.db-shm" };

	store_close(d->st);
	for (size_t i = 0; i < SO_NELEM(files); i++) {
		char *p = xasprintf("%s/%s", d->dir, files[i]);

		(void)unlink(p);
		free(p);
	}
	assert_int_equal(rmdir(d->dir), 0);
	free(d->dir);
}

/* Plain SQL as an attacker with the file would run it; must succeed. */
static void
raw(struct store *st, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(store_db(st), sql, NULL, NULL, &err) != SQLITE_OK) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", err ? err : "?");
		sqlite3_free(err);
		fail_msg("sql failed: %s: %s", sql, msg);
	}
}

static void
drop_triggers(struct store *st)
{
	raw(st, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; "
	    "DROP TRIGGER audit_no_replace;");
}

static void
append_ok(struct store *st, int64_t at, const char *actor, const char *action,
    const char *nr, const char *before, const char *after, const char *msgid,
    const char *detail)
{
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(audit_append(st, at, actor, action, nr, before, after,
	    msgid, detail), 0);
	assert_int_equal(store_commit(st), 0);
}

/*
 * NRECORDS records in transactions of ten, with NULLs, empty strings,
 * newlines and umlauts spread over them.  Record i has msgid NULL when
 * i % 5 == 2 (so record 37 has none).
 */
static void
fill(struct store *st)
{
	static const char *const actions[] = { "intake", "state", "approve",
	    "reject", "mail_out", "order" };

	for (int i = 1; i <= NRECORDS; i++) {
		char actor[64], nr[32], msgid[64], detail[128];

		if (i % 10 == 1)
			assert_int_equal(store_begin(st), 0);
		snprintf(actor, sizeof(actor), "person%d@exempla.test", i % 13);
		snprintf(nr, sizeof(nr), "SO-2026-%06d", i % 7 + 1);
		snprintf(msgid, sizeof(msgid), "<m%d@mail.exempla.test>", i);
		snprintf(detail, sizeof(detail), "Zeile eins\nZeile zwei: "
		    "Größe %d, Büro \"A|B\"", i);
		assert_int_equal(audit_append(st, 1795250000 + i * 60, actor,
		    actions[i % SO_NELEM(actions)], i % 11 == 0 ? NULL : nr,
		    i % 3 == 0 ? NULL : "eingegangen",
		    i % 4 == 0 ? "" : "freigegeben",
		    i % 5 == 2 ? NULL : msgid, i % 6 == 0 ? NULL : detail), 0);
		if (i % 10 == 0)
			assert_int_equal(store_commit(st), 0);
	}
}

static char *
hash_of(struct store *st, int64_t id)
{
	sqlite3_stmt *s;
	char *h = NULL;

	assert_int_equal(sqlite3_prepare_v2(store_db(st),
	    "SELECT hash FROM audit WHERE id = ?1", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		h = store_col_text(s, 0);
	sqlite3_finalize(s);
	if (h == NULL)
		fail_msg("no audit record %lld", (long long)id);
	return h;
}

static char *
last_hash(struct store *st)
{
	sqlite3_stmt *s;
	char *h = NULL;

	assert_int_equal(sqlite3_prepare_v2(store_db(st),
	    "SELECT hash FROM audit ORDER BY id DESC LIMIT 1", -1, &s, NULL),
	    SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		h = store_col_text(s, 0);
	sqlite3_finalize(s);
	return h;
}

/* A record as the attacker reads it, with its own copies of the strings. */
struct rec {
	int64_t at;
	char *f[9];     /* actor, action, vorgang_nr, before, after, msgid,
			 * detail, prev_hash, hash */
};

static void
rec_load(struct store *st, int64_t id, struct rec *r)
{
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_prepare_v2(store_db(st),
	    "SELECT at, actor, action, vorgang_nr, before, after, msgid, "
	    "detail, prev_hash, hash FROM audit WHERE id = ?1", -1, &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	r->at = sqlite3_column_int64(s, 0);
	for (int i = 0; i < 9; i++)
		r->f[i] = store_col_text(s, i + 1);
	sqlite3_finalize(s);
}

static void
rec_free(struct rec *r)
{
	for (int i = 0; i < 9; i++)
		free(r->f[i]);
}

static void
rec_hash(const struct rec *r, char out[AUDIT_HASH_LEN + 1])
{
	struct audit_record ar = { 0, r->at, r->f[0], r->f[1], r->f[2],
	    r->f[3], r->f[4], r->f[5], r->f[6], r->f[7], NULL };

	audit_hash(&ar, out);
}

/* Write r as record id (insert, or overwrite all fields). */
static void
rec_store(struct store *st, int64_t id, const struct rec *r, int insert)
{
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_prepare_v2(store_db(st), insert ?
	    "INSERT INTO audit (at, actor, action, vorgang_nr, before, after,"
	    " msgid, detail, prev_hash, hash, id) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " ?6, ?7, ?8, ?9, ?10, ?11)" :
	    "UPDATE audit SET at = ?1, actor = ?2, action = ?3, vorgang_nr = ?4,"
	    " before = ?5, after = ?6, msgid = ?7, detail = ?8, prev_hash = ?9,"
	    " hash = ?10 WHERE id = ?11", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, r->at);
	for (int i = 0; i < 9; i++)
		store_bind_text(s, i + 2, r->f[i]);
	sqlite3_bind_int64(s, 11, id);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(store_db(st)), 1);
	sqlite3_finalize(s);
}

/*
 * The attacker who knows the encoding: change the actor of record from,
 * then recompute the hashes (and the links) of records from..to.
 */
static void
rewrite(struct store *st, int64_t from, int64_t to)
{
	char prev[AUDIT_HASH_LEN + 1] = "";

	for (int64_t id = from; id <= to; id++) {
		struct rec r;

		rec_load(st, id, &r);
		if (id == from) {
			free(r.f[0]);
			r.f[0] = xstrdup("mallory@exempla.test");
		} else {
			free(r.f[7]);
			r.f[7] = xstrdup(prev);
		}
		free(r.f[8]);
		r.f[8] = xmalloc(AUDIT_HASH_LEN + 1);
		rec_hash(&r, r.f[8]);
		memcpy(prev, r.f[8], sizeof(prev));
		rec_store(st, id, &r, 0);
		rec_free(&r);
	}
}

/* ---- the encoding ---- */

/* Digests computed with Python's hashlib over the bytes of audit.h. */
static const struct {
	struct audit_record r;
	const char *expected;
} vectors[] = {
	/* The example in audit.h. */
	{ { 7, 1, "a", "b", NULL, NULL, NULL, NULL, NULL, Z64, NULL },
	  "ca10d683dfc4b73b2ba957337e3cc848a7df906cc4ec6e821501b553faf928a5" },
	{ { 7, 1, "a", "b", "", NULL, NULL, NULL, NULL, Z64, NULL },
	  "6d09d99b2ca9ff7b9a1b6af09e7759d903e47581d50862748c2f28c9a42d40fa" },
	{ { 1, 1795250000, "amtsleitung60@exempla.test", "approve",
	    "SO-2026-000042", "wartet_auf_genehmigung", "genehmigt",
	    "<r1@mail.exempla.test>",
	    "Genehmigt per Antwort: ja\nMit freundlichen Gr\xc3\xbc\xc3\x9f" "en",
	    Z64, NULL },
	  "e9d7c054b552bd50426a793f0901aee09efb659bfd7d47c346be71b85ca991cb" },
	{ { 1, -5, "x,=1:y,", "-", NULL, "", NULL, NULL, NULL, "abc", NULL },
	  "11cedda996a3fc630498dab1071afe35ed0beebfbf011e624d3cef8754959794" },
	{ { 1, 0, "x", "=1:y,-", "", NULL, NULL, NULL, NULL, "abc", NULL },
	  "2c4a0b0c7a79b8786ae94433e8aa5db87d9691ded21053c586a9df8c1bbd3e97" },
};

static void
test_hash_vectors(void **state)
{
	char h[AUDIT_HASH_LEN + 1];

	(void)state;
	for (size_t i = 0; i < SO_NELEM(vectors); i++) {
		struct audit_record r = vectors[i].r;

		r.hash = "ignored";
		r.id = 12345;           /* id and hash must not matter */
		audit_hash(&r, h);
		if (strcmp(h, vectors[i].expected) != 0)
			fail_msg("vector %zu: %s, expected %s", i, h,
			    vectors[i].expected);
	}
}

/*
 * Pairs of records: same = 1 means they must hash alike (the control row),
 * 0 that they must differ.  Each pair would collide under a naive
 * "join with a separator" or "NULL as empty" encoding.
 */
#define R(at, a, b, c, d, e, f, g, p) { 0, at, a, b, c, d, e, f, g, p, NULL }
static const struct {
	struct audit_record x, y;
	int same;
	const char *why;
} pairs[] = {
	{ R(1, "a", "b", NULL, NULL, NULL, NULL, NULL, Z64),
	  R(1, "a", "b", NULL, NULL, NULL, NULL, NULL, Z64), 1, "identical" },
	{ R(1, "a", "b", NULL, NULL, NULL, NULL, NULL, Z64),
	  R(1, "a", "b", "", NULL, NULL, NULL, NULL, Z64), 0, "NULL vs \"\"" },
	{ R(1, "a", "b", "x", NULL, NULL, NULL, NULL, Z64),
	  R(1, "a", "b", "x", "", NULL, NULL, NULL, Z64), 0, "before NULL vs \"\"" },
	{ R(1, "a", "b", NULL, NULL, NULL, NULL, "", Z64),
	  R(1, "a", "b", NULL, NULL, NULL, NULL, NULL, Z64), 0, "detail \"\" vs NULL" },
	{ R(1, "ab", "c", NULL, NULL, NULL, NULL, NULL, Z64),
	  R(1, "a", "bc", NULL, NULL, NULL, NULL, NULL, Z64), 0, "boundary shift" },
	{ R(1, "a,b", "c", NULL, NULL, NULL, NULL, NULL, Z64),
	  R(1, "a", "b,c", NULL, NULL, NULL, NULL, NULL, Z64), 0, "comma shift" },
	{ R(1, "a\n", "b", NULL, NULL, NULL, NULL, NULL, Z64),
	  R(1, "a", "\nb", NULL, NULL, NULL, NULL, NULL, Z64), 0, "newline shift" },
	{ R(1, "a", "b", NULL, NULL, NULL, NULL, NULL, Z64),
	  R(1, "a,=1:b,-", "x", NULL, NULL, NULL, NULL, NULL, Z64), 0,
	  "a field holding encoded fields" },
	{ R(1, "a", "b", "-", NULL, NULL, NULL, NULL, Z64),
	  R(1, "a", "b", NULL, NULL, NULL, NULL, NULL, Z64), 0, "\"-\" vs NULL" },
	{ R(1, "a", "b", NULL, NULL, NULL, "m", NULL, Z64),
	  R(1, "a", "b", NULL, NULL, "m", NULL, NULL, Z64), 0, "field moved" },
	{ R(12, "a", "b", NULL, NULL, NULL, NULL, NULL, Z64),
	  R(1, "2a", "b", NULL, NULL, NULL, NULL, NULL, Z64), 0, "at and actor" },
	{ R(1, "a", "b", NULL, NULL, NULL, NULL, NULL, Z64),
	  R(-1, "a", "b", NULL, NULL, NULL, NULL, NULL, Z64), 0, "sign of at" },
	{ R(1, "a", "b", NULL, NULL, NULL, NULL, NULL, Z64),
	  R(1, "a", "b", NULL, NULL, NULL, NULL, NULL,
	    "1000000000000000000000000000000000000000000000000000000000000000"),
	  0, "prev_hash" },
};
#undef R

static void
test_hash_distinct(void **state)
{
	char hx[AUDIT_HASH_LEN + 1], hy[AUDIT_HASH_LEN + 1];

	(void)state;
	for (size_t i = 0; i < SO_NELEM(pairs); i++) {
		audit_hash(&pairs[i].x, hx);
		audit_hash(&pairs[i].y, hy);
		if ((strcmp(hx, hy) == 0) != pairs[i].same)
			fail_msg("pair %zu (%s): hashes %s", i, pairs[i].why,
			    pairs[i].same ? "differ" : "collide");
	}
}

/* ---- append and verify ---- */

struct walk {
	int64_t n, last_id;
	char prev[AUDIT_HASH_LEN + 1];
};

static int
walk_cb(const struct audit_record *r, void *ctx)
{
	struct walk *w = ctx;
	char h[AUDIT_HASH_LEN + 1];

	assert_true(r->id > w->last_id);
	assert_string_equal(r->prev_hash, w->prev);
	audit_hash(r, h);
	assert_string_equal(r->hash, h);
	memcpy(w->prev, r->hash, sizeof(w->prev));
	w->last_id = r->id;
	w->n++;
	return 0;
}

static void
test_chain_100(void **state)
{
	struct db d;
	struct walk w = { 0, 0, Z64 };
	int64_t count = -1, bad = -1;
	const char *why = "unset";

	(void)state;
	db_new(&d);
	assert_int_equal(audit_verify(d.st, &count, &bad, &why), 0);
	assert_int_equal(count, 0);
	assert_null(why);

	fill(d.st);
	assert_int_equal(audit_verify(d.st, &count, &bad, &why), 0);
	assert_int_equal(count, NRECORDS);
	assert_int_equal(bad, 0);
	assert_null(why);
	/* The chain as audit.h defines it, recomputed independently. */
	assert_int_equal(audit_each(d.st, NULL, walk_cb, &w), 0);
	assert_int_equal(w.n, NRECORDS);
	/* The NULL pointers are fine too. */
	assert_int_equal(audit_verify(d.st, NULL, NULL, NULL), 0);
	db_done(&d);
}

/*
 * audit_append() remembers the last hash for the rest of its transaction.
 * What it remembers must never outlive the record: a record rolled back
 * with its savepoint, or another writer's record between two transactions,
 * must not break the chain.
 */
static void
test_chain_remembered(void **state)
{
	struct db d;
	struct store *other;
	char *path;
	const char *err = NULL, *why = "unset";
	int64_t count = -1, bad = -1;

	(void)state;
	db_new(&d);
	assert_int_equal(store_begin(d.st), 0);
	assert_int_equal(audit_append(d.st, 1, "a", "first", NULL, NULL, NULL,
	    NULL, NULL), 0);
	assert_int_equal(store_begin(d.st), 0);         /* savepoint */
	assert_int_equal(audit_append(d.st, 2, "a", "undone", NULL, NULL, NULL,
	    NULL, NULL), 0);
	store_rollback(d.st);
	assert_int_equal(audit_append(d.st, 3, "a", "after the undone", NULL,
	    NULL, NULL, NULL, NULL), 0);
	assert_int_equal(store_begin(d.st), 0);         /* savepoint, kept */
	assert_int_equal(audit_append(d.st, 4, "a", "kept", NULL, NULL, NULL,
	    NULL, NULL), 0);
	assert_int_equal(store_commit(d.st), 0);
	assert_int_equal(audit_append(d.st, 5, "a", "after the kept", NULL,
	    NULL, NULL, NULL, NULL), 0);
	assert_int_equal(store_commit(d.st), 0);

	/* A second process appends between our transactions. */
	path = xasprintf("%s/test.db", d.dir);
	assert_int_equal(store_open(path, &other, &err), 0);
	assert_int_equal(store_begin(other), 0);
	assert_int_equal(audit_append(other, 6, "b", "other writer", NULL, NULL,
	    NULL, NULL, NULL), 0);
	assert_int_equal(store_commit(other), 0);
	store_close(other);
	free(path);
	assert_int_equal(store_begin(d.st), 0);
	assert_int_equal(audit_append(d.st, 7, "a", "after the other", NULL,
	    NULL, NULL, NULL, NULL), 0);
	assert_int_equal(store_commit(d.st), 0);

	/* A whole transaction rolled back, then a new one. */
	assert_int_equal(store_begin(d.st), 0);
	assert_int_equal(audit_append(d.st, 8, "a", "undone too", NULL, NULL,
	    NULL, NULL, NULL), 0);
	store_rollback(d.st);
	assert_int_equal(store_begin(d.st), 0);
	assert_int_equal(audit_append(d.st, 9, "a", "last", NULL, NULL, NULL,
	    NULL, NULL), 0);
	assert_int_equal(store_commit(d.st), 0);

	assert_int_equal(audit_verify(d.st, &count, &bad, &why), 0);
	assert_int_equal(count, 7);
	assert_int_equal(bad, 0);
	assert_null(why);
	db_done(&d);
}

/*
 * What audit_append() stores, against digests computed outside (Python
 * hashlib): NULL and "" differ, and the second record links to the first.
 */
static void
test_append_stored(void **state)
{
	struct db d1, d2;
	char *h;
	struct rec r;

	(void)state;
	db_new(&d1);
	db_new(&d2);
	append_ok(d1.st, 5, "a", "b", NULL, NULL, NULL, NULL, NULL);
	append_ok(d2.st, 5, "a", "b", NULL, NULL, NULL, NULL, "");
	h = hash_of(d1.st, 1);
	assert_string_equal(h,
	    "1382748c0dd86e409fab5bf2d376b3d92fca00f8c642f33f2717fac3ad0f72ce");
	free(h);
	h = hash_of(d2.st, 1);
	assert_string_equal(h,
	    "5c54e687d251e27f516066dc449eff69d411169b2cfb2864d01ece10e7f00e79");
	free(h);

	append_ok(d1.st, 6, "c", "d", NULL, NULL, NULL, NULL, NULL);
	rec_load(d1.st, 1, &r);
	assert_string_equal(r.f[7], Z64);
	assert_null(r.f[6]);            /* NULL stays NULL in the table */
	rec_free(&r);
	rec_load(d2.st, 1, &r);
	assert_non_null(r.f[6]);
	assert_string_equal(r.f[6], "");
	rec_free(&r);
	rec_load(d1.st, 2, &r);
	assert_string_equal(r.f[7],
	    "1382748c0dd86e409fab5bf2d376b3d92fca00f8c642f33f2717fac3ad0f72ce");
	assert_string_equal(r.f[8],
	    "ef8cfeda6248fa2116a294ca45ae94859c6be0b38bde5428ff58fca8cb601d14");
	rec_free(&r);
	db_done(&d1);
	db_done(&d2);
}

/* Fields made of separators, newlines, NUL-free binary junk and long text. */
static void
test_awkward_fields(void **state)
{
	struct db d;
	struct walk w = { 0, 0, Z64 };
	char *big = xmalloc(300 * 1024 + 1);
	char *max = xmalloc(AUDIT_FIELD_MAX + 1);
	int64_t count;
	struct rec r;

	(void)state;
	for (size_t i = 0; i < 300 * 1024; i++)
		big[i] = "ab,=:-\n\r\t|;\"'x"[i % 15];
	big[300 * 1024] = '\0';
	memset(max, 'm', AUDIT_FIELD_MAX);
	max[AUDIT_FIELD_MAX] = '\0';

	db_new(&d);
	assert_int_equal(store_begin(d.st), 0);
	/* actor, action, vorgang_nr, before, after, msgid, detail */
	assert_int_equal(audit_append(d.st, 1, ",", "=", ":", "-", "\n",
	    "\r\n.\r\n", "=0:,"), 0);
	assert_int_equal(audit_append(d.st, 2, "", "", "", "", "", "", ""), 0);
	assert_int_equal(audit_append(d.st, 3, "a", "b", "=64:" Z64 ",",
	    NULL, NULL, NULL, NULL), 0);
	assert_int_equal(audit_append(d.st, 4, "a", "b", NULL, big, big, NULL,
	    big), 0);
	assert_int_equal(audit_append(d.st, 5, "a", "b", NULL, NULL, NULL,
	    NULL, max), 0);
	assert_int_equal(audit_append(d.st, 6,
	    "\xc3\xa4\xc3\xb6\xc3\xbc\xe2\x82\xac", "\x01\x02\x7f\xff",
	    NULL, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(store_commit(d.st), 0);

	assert_int_equal(audit_verify(d.st, &count, NULL, NULL), 0);
	assert_int_equal(count, 6);
	assert_int_equal(audit_each(d.st, NULL, walk_cb, &w), 0);
	assert_int_equal(w.n, 6);
	/* Stored byte for byte. */
	rec_load(d.st, 1, &r);
	assert_string_equal(r.f[5], "\r\n.\r\n");
	assert_string_equal(r.f[6], "=0:,");
	rec_free(&r);
	rec_load(d.st, 4, &r);
	assert_string_equal(r.f[3], big);
	rec_free(&r);
	rec_load(d.st, 5, &r);
	assert_int_equal(strlen(r.f[6]), AUDIT_FIELD_MAX);
	rec_free(&r);
	free(big);
	free(max);
	db_done(&d);
}

/* Calls audit_append() must refuse; NULL expected means "must fail". */
enum { IN_TXN = 1, NO_TXN = 0 };
static const struct {
	int txn;
	const char *actor, *action;
	size_t detail_len;      /* 0: detail NULL */
	const char *expected;   /* NULL: must fail */
} append_rows[] = {
	{ IN_TXN, "a", "b", 0, "ok" },
	{ IN_TXN, "a", "b", 10, "ok" },
	{ IN_TXN, "a", "b", AUDIT_FIELD_MAX, "ok" },
	{ IN_TXN, "a", "b", AUDIT_FIELD_MAX + 1, NULL },
	{ IN_TXN, NULL, "b", 0, NULL },
	{ IN_TXN, "a", NULL, 0, NULL },
	{ NO_TXN, "a", "b", 0, NULL },
};

static void
test_append_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(append_rows); i++) {
		struct db d;
		char *detail = NULL;
		int64_t count;
		int rc;

		db_new(&d);
		if (append_rows[i].detail_len > 0) {
			detail = xmalloc(append_rows[i].detail_len + 1);
			memset(detail, 'd', append_rows[i].detail_len);
			detail[append_rows[i].detail_len] = '\0';
		}
		if (append_rows[i].txn)
			assert_int_equal(store_begin(d.st), 0);
		rc = audit_append(d.st, 1, append_rows[i].actor,
		    append_rows[i].action, NULL, NULL, NULL, NULL, detail);
		if (append_rows[i].txn)
			assert_int_equal(store_commit(d.st), 0);
		if (rc != (append_rows[i].expected ? 0 : -1))
			fail_msg("row %zu: audit_append returned %d", i, rc);
		assert_int_equal(audit_verify(d.st, &count, NULL, NULL), 0);
		assert_int_equal(count, append_rows[i].expected ? 1 : 0);
		free(detail);
		db_done(&d);
	}
}

/* ---- the attacker with the file ---- */

/* Forge a record between 50 and 51 by renumbering; hash computed right. */
static void
forge_insert(struct store *st)
{
	struct rec r;

	raw(st, "UPDATE audit SET id = id + 1000 WHERE id > 50;"
	    "UPDATE audit SET id = id - 999 WHERE id > 1000;");
	rec_load(st, 50, &r);
	free(r.f[0]);
	r.f[0] = xstrdup("mallory@exempla.test");
	free(r.f[1]);
	r.f[1] = xstrdup("approve");
	free(r.f[7]);
	r.f[7] = r.f[8];                /* links to record 50 */
	r.f[8] = xmalloc(AUDIT_HASH_LEN + 1);
	rec_hash(&r, r.f[8]);
	rec_store(st, 51, &r, 1);
	rec_free(&r);
}

static void
rehash_10(struct store *st)
{
	rewrite(st, 10, 10);
}

/*
 * INSERT OR REPLACE deletes the old row without firing the DELETE trigger;
 * the audit_no_replace trigger refuses it.  With the triggers dropped it
 * goes through, and the chain finds it.
 */
static void
replace_37(struct store *st)
{
	int triggers;
	sqlite3_stmt *q;
	struct rec r;

	assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT count(*) FROM "
	    "sqlite_master WHERE name = 'audit_no_replace'", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	triggers = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	rec_load(st, 37, &r);
	free(r.f[0]);
	r.f[0] = xstrdup("mallory@exempla.test");
	free(r.f[8]);
	r.f[8] = xmalloc(AUDIT_HASH_LEN + 1);
	rec_hash(&r, r.f[8]);           /* even with a correct own hash */
	{
		sqlite3_stmt *s;

		assert_int_equal(sqlite3_prepare_v2(store_db(st),
		    "INSERT OR REPLACE INTO audit (id, at, actor, action, "
		    "vorgang_nr, before, after, msgid, detail, prev_hash, hash) "
		    "VALUES (37, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", -1,
		    &s, NULL), SQLITE_OK);
		sqlite3_bind_int64(s, 1, r.at);
		for (int i = 0; i < 9; i++)
			store_bind_text(s, i + 2, r.f[i]);
		/* (extended result codes: compare the primary code) */
		assert_int_equal(sqlite3_step(s) & 0xff, triggers ? SQLITE_CONSTRAINT :
		    SQLITE_DONE);
		sqlite3_finalize(s);
	}
	rec_free(&r);
}

static const struct {
	const char *name;
	int keep_triggers;
	const char *sql;                        /* run first, may be NULL */
	void (*fn)(struct store *st);           /* then this, may be NULL */
	int rc;                                 /* 0 intact, 1 broken */
	int64_t first_bad, count;
	const char *why;
} tamper[] = {
	{ "untouched", 1, NULL, NULL, 0, 0, NRECORDS, NULL },
	{ "harmless sql", 0, "SELECT count(*) FROM audit", NULL,
	  0, 0, NRECORDS, NULL },
	/* (a) one field of record 37 */
	{ "actor of 37", 0,
	  "UPDATE audit SET actor = 'mallory@exempla.test' WHERE id = 37",
	  NULL, 1, 37, 36, "hash does not match the record" },
	{ "time of 37", 0, "UPDATE audit SET at = at + 1 WHERE id = 37",
	  NULL, 1, 37, 36, "hash does not match the record" },
	{ "msgid of 37 NULL to ''", 0,
	  "UPDATE audit SET msgid = '' WHERE id = 37 AND msgid IS NULL",
	  NULL, 1, 37, 36, "hash does not match the record" },
	{ "text hidden after a NUL", 0,
	  "UPDATE audit SET actor = CAST(CAST(actor AS BLOB) || x'00' || "
	  "CAST('x' AS BLOB) AS TEXT) WHERE id = 37",
	  NULL, 1, 37, 36, "hash does not match the record" },
	{ "actor as blob, same bytes", 0,
	  "UPDATE audit SET actor = CAST(actor AS BLOB) WHERE id = 37",
	  NULL, 1, 37, 36, "hash does not match the record" },
	{ "at as text", 0, "UPDATE audit SET at = 'soon' WHERE id = 37",
	  NULL, 1, 37, 36, "hash does not match the record" },
	{ "hash of 37 upper case", 0,
	  "UPDATE audit SET hash = upper(hash) WHERE id = 37",
	  NULL, 1, 37, 36, "hash does not match the record" },
	{ "prev_hash of 37", 0,
	  "UPDATE audit SET prev_hash = (SELECT hash FROM audit WHERE id = 35)"
	  " WHERE id = 37", NULL, 1, 37, 36, "hash does not match the record" },
	/* (b) deletions */
	{ "delete 50", 0, "DELETE FROM audit WHERE id = 50", NULL,
	  1, 51, 49, "prev_hash does not match record 49" },
	{ "delete 40..60", 0, "DELETE FROM audit WHERE id BETWEEN 40 AND 60",
	  NULL, 1, 61, 39, "prev_hash does not match record 39" },
	{ "delete the first", 0, "DELETE FROM audit WHERE id = 1", NULL,
	  1, 2, 0, "first record does not start the chain" },
	/* (c) swap all fields of 20 and 21 */
	{ "swap 20 and 21", 0,
	  "UPDATE audit SET id = -20 WHERE id = 20;"
	  "UPDATE audit SET id = 20 WHERE id = 21;"
	  "UPDATE audit SET id = 21 WHERE id = -20;",
	  NULL, 1, 20, 19, "prev_hash does not match record 19" },
	/* (d) inserted: a naive forgery, and one with a correct hash */
	{ "insert, bad hash", 0,
	  "UPDATE audit SET id = id + 1000 WHERE id > 50;"
	  "UPDATE audit SET id = id - 999 WHERE id > 1000;"
	  "INSERT INTO audit (id, at, actor, action, prev_hash, hash) SELECT "
	  "51, at, 'mallory@exempla.test', 'approve', hash, "
	  "'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' "
	  "FROM audit WHERE id = 50;",
	  NULL, 1, 51, 50, "hash does not match the record" },
	{ "insert, correct hash", 0, NULL, forge_insert,
	  1, 52, 51, "prev_hash does not match record 51" },
	/* (e) modify 10 and recompute its own hash */
	{ "rehash 10", 0, NULL, rehash_10,
	  1, 11, 10, "prev_hash does not match record 10" },
	/* INSERT OR REPLACE: refused by the audit_no_replace trigger ... */
	{ "replace 37 with triggers", 1, NULL, replace_37,
	  0, 0, NRECORDS, NULL },
	/* ... and without the triggers, found by the chain. */
	{ "replace 37 without triggers", 0, NULL, replace_37,
	  1, 38, 37, "prev_hash does not match record 37" },
	{ "replace 37, bad hash, no triggers", 0,
	  "INSERT OR REPLACE INTO audit (id, at, actor, action, prev_hash, hash)"
	  " SELECT 37, at, 'mallory', action, prev_hash, hash FROM audit"
	  " WHERE id = 37", NULL,
	  1, 37, 36, "hash does not match the record" },
	/* (f) the tail: undetectable by the chain, only the count tells */
	{ "truncate after 90", 0, "DELETE FROM audit WHERE id > 90", NULL,
	  0, 0, 90, NULL },
};

static void
test_tamper(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(tamper); i++) {
		struct db d;
		int64_t count = -1, bad = -1;
		const char *why = NULL;
		int rc;

		db_new(&d);
		fill(d.st);
		if (!tamper[i].keep_triggers)
			drop_triggers(d.st);
		if (tamper[i].sql)
			raw(d.st, tamper[i].sql);
		if (tamper[i].fn)
			tamper[i].fn(d.st);
		rc = audit_verify(d.st, &count, &bad, &why);
		if (rc != tamper[i].rc || count != tamper[i].count ||
		    (rc == 1 && bad != tamper[i].first_bad) ||
		    (tamper[i].why == NULL) != (why == NULL) ||
		    (why && strcmp(why, tamper[i].why) != 0))
			fail_msg("%s: verify %d count %lld first bad %lld (%s); "
			    "expected %d count %lld first bad %lld (%s)",
			    tamper[i].name, rc, (long long)count,
			    (long long)bad, why ? why : "-", tamper[i].rc,
			    (long long)tamper[i].count,
			    (long long)tamper[i].first_bad,
			    tamper[i].why ? tamper[i].why : "-");
		db_done(&d);
	}
}

/*
 * The limit audit.h states: who rewrites every hash from the changed
 * record to the end has a valid chain again; only the last hash, kept
 * outside, shows it.
 */
static void
test_rewrite_needs_anchor(void **state)
{
	struct db d;
	char *anchor, *now;
	int64_t count;

	(void)state;
	db_new(&d);
	fill(d.st);
	anchor = last_hash(d.st);
	drop_triggers(d.st);
	rewrite(d.st, 10, NRECORDS);
	assert_int_equal(audit_verify(d.st, &count, NULL, NULL), 0);
	assert_int_equal(count, NRECORDS);
	now = last_hash(d.st);
	assert_string_not_equal(anchor, now);
	free(anchor);
	free(now);
	db_done(&d);
}

/* After tampering is found, appending goes on from the stored last hash. */
static void
test_append_after_tamper(void **state)
{
	struct db d;
	int64_t count, bad;
	const char *why;

	(void)state;
	db_new(&d);
	fill(d.st);
	drop_triggers(d.st);
	raw(d.st, "UPDATE audit SET hash = 'broken' WHERE id = 100");
	append_ok(d.st, 1, "a", "b", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(audit_verify(d.st, &count, &bad, &why), 1);
	assert_int_equal(bad, 100);
	assert_string_equal(why, "hash does not match the record");
	db_done(&d);
}

/* ---- the triggers ---- */

static const char *const refused_sql[] = {
	"UPDATE audit SET actor = 'mallory' WHERE id = 3",
	"UPDATE audit SET hash = hash",
	"DELETE FROM audit WHERE id = 3",
	"DELETE FROM audit",
	"UPDATE audit SET id = 99 WHERE id = 5",
};

static int
first_actor_cb(const struct audit_record *r, void *ctx)
{
	char **out = ctx;

	if (r->id == 3)
		*out = xstrdup(r->actor);
	return 0;
}

static void
test_triggers(void **state)
{
	struct db d;
	int64_t count;
	char *actor = NULL;

	(void)state;
	db_new(&d);
	for (int i = 1; i <= 5; i++)
		append_ok(d.st, i, i == 3 ? "clerk@exempla.test" : "x", "y",
		    NULL, NULL, NULL, NULL, NULL);
	for (size_t i = 0; i < SO_NELEM(refused_sql); i++) {
		if (store_exec(d.st, refused_sql[i]) != -1)
			fail_msg("not refused: %s", refused_sql[i]);
		assert_string_equal(store_errmsg(d.st), "audit is append-only");
	}
	/* Inside a transaction, too. */
	assert_int_equal(store_begin(d.st), 0);
	assert_int_equal(store_exec(d.st, "DELETE FROM audit WHERE id = 5"), -1);
	store_rollback(d.st);

	assert_int_equal(audit_verify(d.st, &count, NULL, NULL), 0);
	assert_int_equal(count, 5);
	assert_int_equal(audit_each(d.st, NULL, first_actor_cb, &actor), 0);
	assert_non_null(actor);
	assert_string_equal(actor, "clerk@exempla.test");
	free(actor);
	db_done(&d);
}

/* ---- audit_each ---- */

struct collect {
	int64_t ids[NRECORDS];
	size_t n;
	size_t stop_after;      /* 0: never */
};

static int
collect_cb(const struct audit_record *r, void *ctx)
{
	struct collect *c = ctx;

	assert_true(c->n < NRECORDS);
	c->ids[c->n++] = r->id;
	if (c->stop_after && c->n == c->stop_after)
		return 7;
	return 0;
}

static const struct {
	const char *nr;
	size_t stop_after;
	int rc;
	size_t n;
	int64_t first, last;
} each_rows[] = {
	/* fill(): record i has SO-2026-(i%7+1), none when i%11 == 0 */
	{ NULL, 0, 0, NRECORDS, 1, NRECORDS },
	{ "SO-2026-000001", 0, 0, 13, 7, 98 },  /* 7..98 step 7, not 77 */
	{ "SO-2026-000002", 0, 0, 13, 1, 92 },  /* 1..99 step 7, not 22, 99 */
	{ "SO-2026-000001", 2, 7, 2, 7, 14 },
	{ NULL, 5, 7, 5, 1, 5 },
	{ "SO-2026-999999", 0, 0, 0, 0, 0 },
	{ "", 0, 0, 0, 0, 0 },
};

static void
test_each(void **state)
{
	struct db d;

	(void)state;
	db_new(&d);
	fill(d.st);
	for (size_t i = 0; i < SO_NELEM(each_rows); i++) {
		struct collect c;
		int rc;

		memset(&c, 0, sizeof(c));
		c.stop_after = each_rows[i].stop_after;
		rc = audit_each(d.st, each_rows[i].nr, collect_cb, &c);
		if (rc != each_rows[i].rc || c.n != each_rows[i].n)
			fail_msg("row %zu: rc %d n %zu", i, rc, c.n);
		for (size_t k = 1; k < c.n; k++)
			assert_true(c.ids[k] > c.ids[k - 1]);
		if (c.n > 0) {
			assert_int_equal(c.ids[0], each_rows[i].first);
			assert_int_equal(c.ids[c.n - 1], each_rows[i].last);
		}
		/* A stopped walk leaves no statement running (which would
		 * hold a read snapshot open). */
		for (sqlite3_stmt *s = sqlite3_next_stmt(store_db(d.st), NULL);
		    s != NULL; s = sqlite3_next_stmt(store_db(d.st), s))
			if (sqlite3_stmt_busy(s))
				fail_msg("row %zu: still running: %s", i,
				    sqlite3_sql(s));
	}
	db_done(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_hash_distinct),
		cmocka_unit_test(test_chain_100),
		cmocka_unit_test(test_append_stored),
		cmocka_unit_test(test_awkward_fields),
		cmocka_unit_test(test_append_rows),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_rewrite_needs_anchor),
		cmocka_unit_test(test_append_after_tamper),
		cmocka_unit_test(test_chain_remembered),
		cmocka_unit_test(test_triggers),
		cmocka_unit_test(test_each),
	};

	log_init(1, LOG_LVL_WARN);      /* no "db migrated" lines per database */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
