/* SPDX-License-Identifier: MIT */
/*
 * outbox - queue of rendered outgoing mails and the answer log.  See
 * outbox.h.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "outbox.h"
#include "util.h"

int
outbox_enqueue(struct store *st, int64_t vorgang_id, const char *kind,
    const char *rcpt, const char *message_id, const char *raw, size_t len,
    int64_t now)
{
	sqlite3_stmt *s;
	char *nr = NULL, *to = xstrcat("an ", rcpt, NULL);
	int rc;

	/* Every mail out is an audit record, in the same transaction. */
	if (vorgang_id > 0) {
		s = store_stmt(st, "SELECT nr FROM vorgang WHERE id = ?");
		sqlite3_bind_int64(s, 1, vorgang_id);
		if (sqlite3_step(s) == SQLITE_ROW)
			nr = store_col_text(s, 0);
		sqlite3_reset(s);
	}
	rc = audit_append(st, now, "socialorder", "mail_out", nr, NULL, kind,
	    message_id, to);
	free(nr);
	free(to);
	if (rc == -1)
		return -1;
	s = store_stmt(st, "INSERT INTO outbox (vorgang_id, kind, "
	    "rcpt, message_id, raw, next_attempt_at, created_at) "
	    "VALUES (?,?,?,?,?,?,?)");

	if (vorgang_id > 0)
		sqlite3_bind_int64(s, 1, vorgang_id);
	store_bind_static(s, 2, kind);
	store_bind_static(s, 3, rcpt);
	store_bind_static(s, 4, message_id);
	sqlite3_bind_blob(s, 5, raw, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now);
	sqlite3_bind_int64(s, 7, now);
	return store_step_done(st, s);
}

int
outbox_due(struct store *st, int64_t now, size_t max,
    struct outbox_item **items_r, size_t *n_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT o.id, o.kind, o.rcpt, "
	    "o.message_id, o.raw, o.attempts, v.nr FROM outbox o LEFT JOIN "
	    "vorgang v ON v.id = o.vorgang_id WHERE o.state = 'pending' AND "
	    "o.next_attempt_at <= ? ORDER BY o.id LIMIT ?");
	struct outbox_item *items = NULL;
	size_t n = 0;
	int rc;

	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct outbox_item *it;
		int len = sqlite3_column_bytes(s, 4);

		items = xreallocarray(items, n + 1, sizeof(*items));
		it = &items[n++];
		it->id = sqlite3_column_int64(s, 0);
		it->kind = store_col_text(s, 1);
		it->rcpt = store_col_text(s, 2);
		it->message_id = store_col_text(s, 3);
		it->raw = xmalloc((size_t)len + 1);
		if (len > 0)
			memcpy(it->raw, sqlite3_column_blob(s, 4), (size_t)len);
		it->raw[len] = '\0';
		it->len = (size_t)len;
		it->attempts = sqlite3_column_int(s, 5);
		it->case_nr = store_col_text(s, 6);
	}
	sqlite3_reset(s);
	*items_r = items;
	*n_r = n;
	return rc == SQLITE_DONE ? 0 : -1;
}

void
outbox_items_free(struct outbox_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].kind);
		free(items[i].rcpt);
		free(items[i].message_id);
		free(items[i].raw);
		free(items[i].case_nr);
	}
	free(items);
}

int
outbox_mark_sent(struct store *st, int64_t id, int64_t now)
{
	/* An approval request carries a token in clear: once it is out, keep
	 * only the fact, so the database never holds a usable token. */
	sqlite3_stmt *s = store_stmt(st, "UPDATE outbox SET state = 'sent', "
	    "sent_at = ?, attempts = attempts + 1, last_error = NULL, "
	    "raw = CASE WHEN kind = 'approval_request' THEN "
	    "CAST('(entfernt: enthielt einen Genehmigungstoken)' AS BLOB) "
	    "ELSE raw END WHERE id = ?");

	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
	return store_step_done(st, s);
}

int
outbox_mark_retry(struct store *st, int64_t id, int attempts, int64_t next_at,
    const char *error)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE outbox SET attempts = ?, "
	    "next_attempt_at = ?, last_error = ? WHERE id = ?");

	sqlite3_bind_int(s, 1, attempts);
	sqlite3_bind_int64(s, 2, next_at);
	store_bind_text(s, 3, error);
	sqlite3_bind_int64(s, 4, id);
	return store_step_done(st, s);
}

int
outbox_mark_failed(struct store *st, int64_t id, int attempts,
    const char *error)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE outbox SET state = 'failed', "
	    "attempts = ?, last_error = ? WHERE id = ?");

	sqlite3_bind_int(s, 1, attempts);
	store_bind_text(s, 2, error);
	sqlite3_bind_int64(s, 3, id);
	return store_step_done(st, s);
}

int
outbox_counts(struct store *st, int64_t *pending_r, int64_t *failed_r,
    int64_t *sent_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT "
	    "sum(state = 'pending'), sum(state = 'failed'), sum(state = 'sent') "
	    "FROM outbox");
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		*pending_r = sqlite3_column_int64(s, 0);
		*failed_r = sqlite3_column_int64(s, 1);
		*sent_r = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
outbox_answers_since(struct store *st, const char *addr, int64_t since,
    int64_t *n_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT count(*) FROM answer_log "
	    "WHERE addr = ? AND at >= ?");
	int rc;

	store_bind_text(s, 1, addr);
	sqlite3_bind_int64(s, 2, since);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n_r = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
outbox_answer_record(struct store *st, const char *addr, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO answer_log (addr, at) "
	    "VALUES (?, ?)");

	store_bind_text(s, 1, addr);
	sqlite3_bind_int64(s, 2, now);
	return store_step_done(st, s);
}
