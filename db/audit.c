/* SPDX-License-Identifier: MIT */
/*
 * audit - append to, walk and verify the hash-chained audit trail.  See
 * audit.h for the chain and its hash encoding, which this file must follow
 * byte for byte: changing it makes every existing trail unverifiable.
 *
 * It does not open transactions (audit_append() runs inside the caller's)
 * and does not anchor the chain outside the database.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "audit.h"
#include "log.h"
#include "util.h"

#define AUDIT_HASH_TAG "socialorder-audit-v1\n"

/* Shared by audit_verify() and audit_each(NULL): one cached statement. */
static const char sql_all[] =
    "SELECT id, at, actor, action, vorgang_nr, before, after, msgid, detail,"
    " prev_hash, hash FROM audit ORDER BY id";

/*
 * The last hash this process appended, and under which store generation:
 * valid for the rest of that write transaction (see store_generation()).
 */
static struct {
	const struct store *st;
	uint64_t generation;            /* 0: nothing remembered */
	char hash[AUDIT_HASH_LEN + 1];
} tail;

static const char zero_hash[AUDIT_HASH_LEN + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* One field as hashed: NULL, or len bytes (which may hold NULs). */
struct field {
	const char *p;
	size_t len;
};

static void
hash_field(struct sha256_ctx *ctx, const struct field *f)
{
	char head[32];
	size_t n = sizeof(head), v = f->len;

	if (f->p == NULL) {
		sha256_update(ctx, 1, (const uint8_t *)"-");
		return;
	}
	/* "=<decimal length>:", built backwards */
	head[--n] = ':';
	do {
		head[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	head[--n] = '=';
	sha256_update(ctx, sizeof(head) - n, (const uint8_t *)head + n);
	sha256_update(ctx, f->len, (const uint8_t *)f->p);
	sha256_update(ctx, 1, (const uint8_t *)",");
}

/*
 * fields: actor, action, vorgang_nr, before, after, msgid, detail,
 * prev_hash - the order of audit.h after at.
 */
static void
hash_fields(int64_t at, const struct field fields[8],
    char out[AUDIT_HASH_LEN + 1])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	char atbuf[32];
	struct field atf;

	sha256_init(&ctx);
	sha256_update(&ctx, sizeof(AUDIT_HASH_TAG) - 1,
	    (const uint8_t *)AUDIT_HASH_TAG);
	/* As "%" PRId64 would write it. */
	if (at < 0) {
		atbuf[0] = '-';
		atf.len = 1 + dec_put(atbuf + 1, (uint64_t)0 - (uint64_t)at, 1);
	} else
		atf.len = dec_put(atbuf, (uint64_t)at, 1);
	atf.p = atbuf;
	hash_field(&ctx, &atf);
	for (size_t i = 0; i < 8; i++)
		hash_field(&ctx, &fields[i]);
	sha256_digest(&ctx, sizeof(digest), digest);
	hex_encode(digest, sizeof(digest), out);
}

static struct field
field_str(const char *s)
{
	struct field f = { s, s ? strlen(s) : 0 };

	return f;
}

void
audit_hash(const struct audit_record *r, char out[AUDIT_HASH_LEN + 1])
{
	struct field f[8] = {
		field_str(r->actor), field_str(r->action),
		field_str(r->vorgang_nr), field_str(r->before),
		field_str(r->after), field_str(r->msgid),
		field_str(r->detail), field_str(r->prev_hash),
	};

	hash_fields(r->at, f, out);
}

int
audit_append(struct store *st, int64_t at, const char *actor,
    const char *action, const char *vorgang_nr, const char *before,
    const char *after, const char *msgid, const char *detail)
{
	const char *text[8] = { actor, action, vorgang_nr, before, after,
	    msgid, detail, NULL };
	static const char *const names[7] = { "actor", "action", "vorgang_nr",
	    "before", "after", "msgid", "detail" };
	struct field f[8];
	sqlite3_stmt *s;
	char *prev = NULL;
	char hash[AUDIT_HASH_LEN + 1];
	int rc;

	/* Outside a transaction another writer could append between our read
	 * of the last hash and our insert, forking the chain. */
	if (sqlite3_get_autocommit(store_db(st))) {
		log_error("audit_append(%.100s) called outside a transaction",
		    action ? action : "(null)");
		return -1;
	}
	if (actor == NULL || action == NULL) {
		log_error("audit_append: %s is NULL",
		    actor == NULL ? "actor" : "action");
		return -1;
	}
	for (size_t i = 0; i < 7; i++)
		if (text[i] && strnlen(text[i], AUDIT_FIELD_MAX + 1) >
		    AUDIT_FIELD_MAX) {
			log_error("audit_append(%.100s): %s longer than %zu "
			    "bytes", action, names[i], AUDIT_FIELD_MAX);
			return -1;
		}

	if (tail.generation != 0 && tail.st == st &&
	    tail.generation == store_generation(st))
		prev = xstrdup(tail.hash);
	else {
		s = store_stmt(st, "SELECT hash FROM audit ORDER BY id DESC "
		    "LIMIT 1");
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			/* Chain onto whatever is stored, even a damaged hash:
			 * the damage then stays visible to audit_verify(). */
			prev = store_col_text(s, 0);
			if (prev == NULL)
				prev = xstrdup("");
		} else if (rc == SQLITE_DONE)
			prev = xstrdup(zero_hash);
		else {
			log_error("audit_append(%.100s): reading the last hash "
			    "failed: %s", action, store_errmsg(st));
			sqlite3_reset(s);
			return -1;
		}
		sqlite3_reset(s);
	}
	text[7] = prev;
	for (size_t i = 0; i < 8; i++)
		f[i] = field_str(text[i]);
	hash_fields(at, f, hash);

	s = store_stmt(st, "INSERT INTO audit (at, actor, action, vorgang_nr,"
	    " before, after, msgid, detail, prev_hash, hash)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	sqlite3_bind_int64(s, 1, at);
	for (int i = 0; i < 8; i++)
		store_bind_static(s, i + 2, text[i]);
	store_bind_static(s, 10, hash);
	rc = store_step_done(st, s);
	free(prev);
	if (rc == -1) {
		log_error("audit_append(%.100s): insert failed", action);
		tail.generation = 0;
		return -1;
	}
	/* The next record chains onto this one (no other writer until the
	 * transaction ends, and a rollback makes it stale). */
	tail.st = st;
	tail.generation = store_generation(st);
	memcpy(tail.hash, hash, sizeof(tail.hash));
	return 0;
}

/* Columns of sql_all. */
enum { COL_ID, COL_AT, COL_ACTOR, COL_ACTION, COL_VORGANG_NR, COL_BEFORE,
    COL_AFTER, COL_MSGID, COL_DETAIL, COL_PREV_HASH, COL_HASH };

static void
row_record(sqlite3_stmt *s, struct audit_record *r)
{
	r->id = sqlite3_column_int64(s, COL_ID);
	r->at = sqlite3_column_int64(s, COL_AT);
	r->actor = (const char *)sqlite3_column_text(s, COL_ACTOR);
	r->action = (const char *)sqlite3_column_text(s, COL_ACTION);
	r->vorgang_nr = (const char *)sqlite3_column_text(s, COL_VORGANG_NR);
	r->before = (const char *)sqlite3_column_text(s, COL_BEFORE);
	r->after = (const char *)sqlite3_column_text(s, COL_AFTER);
	r->msgid = (const char *)sqlite3_column_text(s, COL_MSGID);
	r->detail = (const char *)sqlite3_column_text(s, COL_DETAIL);
	r->prev_hash = (const char *)sqlite3_column_text(s, COL_PREV_HASH);
	r->hash = (const char *)sqlite3_column_text(s, COL_HASH);
}

/*
 * Recompute the hash of the current row of sql_all from the bytes as
 * stored (sqlite3_column_bytes, so text hidden behind a NUL counts).
 * 0 if it matches the stored hash and the column types are those that
 * audit_append() writes, -1 if not.
 */
static int
row_verify(sqlite3_stmt *s)
{
	struct field f[8];
	char hash[AUDIT_HASH_LEN + 1];
	const char *stored;

	if (sqlite3_column_type(s, COL_AT) != SQLITE_INTEGER ||
	    sqlite3_column_type(s, COL_HASH) != SQLITE_TEXT)
		return -1;
	for (int i = 0; i < 8; i++) {
		int col = COL_ACTOR + i;
		int type = sqlite3_column_type(s, col);

		if (type == SQLITE_NULL) {
			f[i].p = NULL;
			f[i].len = 0;
		} else if (type == SQLITE_TEXT) {
			f[i].p = (const char *)sqlite3_column_text(s, col);
			if (f[i].p == NULL)
				return -1;      /* out of memory converting */
			f[i].len = (size_t)sqlite3_column_bytes(s, col);
		} else
			return -1;
	}
	hash_fields(sqlite3_column_int64(s, COL_AT), f, hash);
	stored = (const char *)sqlite3_column_text(s, COL_HASH);
	if (stored == NULL ||
	    sqlite3_column_bytes(s, COL_HASH) != AUDIT_HASH_LEN ||
	    memcmp(stored, hash, AUDIT_HASH_LEN) != 0)
		return -1;
	return 0;
}

int
audit_verify(struct store *st, int64_t *count_r, int64_t *first_bad_r,
    const char **why_r)
{
	static char why[128];
	sqlite3_stmt *s = store_stmt(st, sql_all);
	char prev[AUDIT_HASH_LEN + 1];
	int64_t count = 0, prev_id = 0, bad = 0;
	int rc, ret = 0;

	memcpy(prev, zero_hash, sizeof(prev));
	why[0] = '\0';
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, COL_ID);
		const char *ph;

		/* First the record itself, then its link: a record that is
		 * not what was written is the more precise finding. */
		if (row_verify(s) == -1) {
			snprintf(why, sizeof(why),
			    "hash does not match the record");
			bad = id;
			ret = 1;
			break;
		}
		ph = (const char *)sqlite3_column_text(s, COL_PREV_HASH);
		if (ph == NULL ||
		    sqlite3_column_bytes(s, COL_PREV_HASH) != AUDIT_HASH_LEN ||
		    memcmp(ph, prev, AUDIT_HASH_LEN) != 0) {
			if (count == 0)
				snprintf(why, sizeof(why),
				    "first record does not start the chain");
			else
				snprintf(why, sizeof(why), "prev_hash does not "
				    "match record %" PRId64, prev_id);
			bad = id;
			ret = 1;
			break;
		}
		/* row_verify() checked that hash is 64 bytes of text. */
		memcpy(prev, sqlite3_column_text(s, COL_HASH), AUDIT_HASH_LEN);
		prev_id = id;
		count++;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		log_error("audit_verify: reading the audit trail failed after "
		    "%" PRId64 " records: %s", count, store_errmsg(st));
		ret = -1;
	}
	/* Reset at once: a statement left running would hold a read
	 * snapshot open and keep the WAL from being checkpointed. */
	sqlite3_reset(s);
	if (ret == -1)
		return -1;
	if (count_r)
		*count_r = count;
	if (first_bad_r)
		*first_bad_r = bad;
	if (why_r)
		*why_r = ret == 1 ? why : NULL;
	return ret;
}

int
audit_each(struct store *st, const char *vorgang_nr,
    int (*cb)(const struct audit_record *r, void *ctx), void *ctx)
{
	sqlite3_stmt *s;
	struct audit_record r;
	int rc, ret = 0;

	if (vorgang_nr == NULL)
		s = store_stmt(st, sql_all);
	else {
		s = store_stmt(st, "SELECT id, at, actor, action, vorgang_nr,"
		    " before, after, msgid, detail, prev_hash, hash FROM audit"
		    " WHERE vorgang_nr = ?1 ORDER BY id");
		store_bind_text(s, 1, vorgang_nr);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_record(s, &r);
		if ((ret = cb(&r, ctx)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		log_error("audit_each(%.100s): reading the audit trail failed: "
		    "%s", vorgang_nr ? vorgang_nr : "all", store_errmsg(st));
		ret = -1;
	}
	sqlite3_reset(s);
	return ret;
}
