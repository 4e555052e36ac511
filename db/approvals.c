/* SPDX-License-Identifier: MIT */
/*
 * approvals - approval requests and their tokens.  See approvals.h.
 */
#include <stdlib.h>
#include <string.h>

#include "approvals.h"
#include "log.h"
#include "util.h"

static void
bind_opt_time(sqlite3_stmt *s, int idx, int64_t t)
{
	if (t > 0)
		sqlite3_bind_int64(s, idx, t);
	else
		sqlite3_bind_null(s, idx);
}

int
approvals_insert(struct store *st, const struct approval *a)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO approval (vorgang_id, oe, "
	    "approver, deputy, reason, requested_at, expires_at) "
	    "VALUES (?,?,?,?,?,?,?)");

	sqlite3_bind_int64(s, 1, a->vorgang_id);
	store_bind_text(s, 2, a->oe);
	store_bind_text(s, 3, a->approver);
	store_bind_text(s, 4, a->deputy);
	store_bind_text(s, 5, a->reason);
	sqlite3_bind_int64(s, 6, a->requested_at);
	sqlite3_bind_int64(s, 7, a->expires_at);
	return store_step_done(st, s);
}

int
approvals_get(struct store *st, int64_t vorgang_id, struct approval *a)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT vorgang_id, oe, approver, "
	    "deputy, reason, requested_at, expires_at, coalesce(reminded_at, 0), "
	    "coalesce(escalated_at, 0), coalesce(handed_over_at, 0), "
	    "coalesce(alerted_at, 0), coalesce(decided_at, 0), decided_by, "
	    "decision FROM approval WHERE vorgang_id = ?");
	int rc;

	sqlite3_bind_int64(s, 1, vorgang_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		a->vorgang_id = sqlite3_column_int64(s, 0);
		a->oe = store_col_text(s, 1);
		a->approver = store_col_text(s, 2);
		a->deputy = store_col_text(s, 3);
		a->reason = store_col_text(s, 4);
		a->requested_at = sqlite3_column_int64(s, 5);
		a->expires_at = sqlite3_column_int64(s, 6);
		a->reminded_at = sqlite3_column_int64(s, 7);
		a->escalated_at = sqlite3_column_int64(s, 8);
		a->handed_over_at = sqlite3_column_int64(s, 9);
		a->alerted_at = sqlite3_column_int64(s, 10);
		a->decided_at = sqlite3_column_int64(s, 11);
		a->decided_by = store_col_text(s, 12);
		a->decision = store_col_text(s, 13);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
approvals_mark(struct store *st, int64_t vorgang_id, enum approval_mark m,
    int64_t now)
{
	static const char *const sql[] = {
		[APPROVAL_REMINDED] = "UPDATE approval SET reminded_at = ? "
		    "WHERE vorgang_id = ? AND reminded_at IS NULL",
		[APPROVAL_ESCALATED] = "UPDATE approval SET escalated_at = ? "
		    "WHERE vorgang_id = ? AND escalated_at IS NULL",
		[APPROVAL_HANDED_OVER] = "UPDATE approval SET handed_over_at = ? "
		    "WHERE vorgang_id = ? AND handed_over_at IS NULL",
		[APPROVAL_ALERTED] = "UPDATE approval SET alerted_at = ? "
		    "WHERE vorgang_id = ? AND alerted_at IS NULL",
	};
	sqlite3_stmt *s = store_stmt(st, sql[m]);

	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, vorgang_id);
	if (store_step_done(st, s) == -1)
		return -1;
	return sqlite3_changes(store_db(st)) == 1;
}

int
approvals_decide(struct store *st, int64_t vorgang_id, const char *by,
    const char *decision, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE approval SET decided_at = ?, "
	    "decided_by = ?, decision = ? WHERE vorgang_id = ?");

	sqlite3_bind_int64(s, 1, now);
	store_bind_text(s, 2, by);
	store_bind_text(s, 3, decision);
	sqlite3_bind_int64(s, 4, vorgang_id);
	return store_step_done(st, s);
}

int
approvals_readdress(struct store *st, const struct approval *a)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE approval SET oe = ?, "
	    "approver = ?, deputy = ?, requested_at = ?, expires_at = ?, "
	    "reminded_at = ?, escalated_at = ?, handed_over_at = ?, "
	    "alerted_at = ? WHERE vorgang_id = ?");

	store_bind_text(s, 1, a->oe);
	store_bind_text(s, 2, a->approver);
	store_bind_text(s, 3, a->deputy);
	sqlite3_bind_int64(s, 4, a->requested_at);
	sqlite3_bind_int64(s, 5, a->expires_at);
	bind_opt_time(s, 6, a->reminded_at);
	bind_opt_time(s, 7, a->escalated_at);
	bind_opt_time(s, 8, a->handed_over_at);
	bind_opt_time(s, 9, a->alerted_at);
	sqlite3_bind_int64(s, 10, a->vorgang_id);
	return store_step_done(st, s);
}

int
approvals_refused_add(struct store *st, int64_t vorgang_id, int64_t *count_r)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE approval SET refused = "
	    "refused + 1 WHERE vorgang_id = ? RETURNING refused");
	int rc;

	sqlite3_bind_int64(s, 1, vorgang_id);
	rc = sqlite3_step(s);
	*count_r = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		log_error("db approval refused count failed: %s",
		    store_errmsg(st));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
approvals_token_add(struct store *st, const struct approval_token *t)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO approval_token "
	    "(vorgang_id, addressee, token_hash, issued_at, expires_at, "
	    "request_msgid) VALUES (?,?,?,?,?,?)");

	sqlite3_bind_int64(s, 1, t->vorgang_id);
	store_bind_text(s, 2, t->addressee);
	store_bind_text(s, 3, t->token_hash);
	sqlite3_bind_int64(s, 4, t->issued_at);
	bind_opt_time(s, 5, t->expires_at);
	store_bind_text(s, 6, t->request_msgid);
	return store_step_done(st, s);
}

#define TOKEN_COLS "id, vorgang_id, addressee, token_hash, issued_at, " \
	"expires_at, request_msgid, coalesce(revoked_at, 0)"

static void
token_from_row(sqlite3_stmt *s, struct approval_token *t)
{
	t->id = sqlite3_column_int64(s, 0);
	t->vorgang_id = sqlite3_column_int64(s, 1);
	t->addressee = store_col_text(s, 2);
	t->token_hash = store_col_text(s, 3);
	t->issued_at = sqlite3_column_int64(s, 4);
	t->expires_at = sqlite3_column_int64(s, 5);
	t->request_msgid = store_col_text(s, 6);
	t->revoked_at = sqlite3_column_int64(s, 7);
}

static int
token_row(sqlite3_stmt *s, struct approval_token *t)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		token_from_row(s, t);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
approvals_tokens(struct store *st, int64_t vorgang_id,
    struct approval_token **t_r, size_t *n_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT " TOKEN_COLS " FROM "
	    "approval_token WHERE vorgang_id = ? ORDER BY id");
	struct approval_token *t = NULL;
	size_t n = 0;
	int rc;

	sqlite3_bind_int64(s, 1, vorgang_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		t = xreallocarray(t, n + 1, sizeof(*t));
		token_from_row(s, &t[n++]);
	}
	sqlite3_reset(s);
	*t_r = t;
	*n_r = n;
	return rc == SQLITE_DONE ? 0 : -1;
}

void
approval_tokens_free(struct approval_token *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		approval_token_clear(&t[i]);
	free(t);
}

int
approvals_tokens_revoke(struct store *st, int64_t vorgang_id,
    const char *keep1, const char *keep2, int64_t now, int *n_r)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE approval_token SET "
	    "revoked_at = ? WHERE vorgang_id = ? AND revoked_at IS NULL AND "
	    "addressee IS NOT ? AND addressee IS NOT ?");

	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, vorgang_id);
	store_bind_text(s, 3, keep1);
	store_bind_text(s, 4, keep2);
	if (store_step_done(st, s) == -1)
		return -1;
	*n_r = sqlite3_changes(store_db(st));
	return 0;
}

int
approvals_token_by_msgid(struct store *st, const char *msgid,
    struct approval_token *t)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT " TOKEN_COLS " FROM "
	    "approval_token WHERE request_msgid = ?");

	store_bind_text(s, 1, msgid);
	return token_row(s, t);
}

int
approvals_pending(struct store *st, int64_t **ids_r, size_t *n_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT a.vorgang_id FROM approval a "
	    "JOIN vorgang v ON v.id = a.vorgang_id WHERE a.decided_at IS NULL "
	    "AND v.state = 'wartet_auf_genehmigung' ORDER BY a.vorgang_id");
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof(*ids));
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	*ids_r = ids;
	*n_r = n;
	return rc == SQLITE_DONE ? 0 : -1;
}

void
approval_clear(struct approval *a)
{
	free(a->oe);
	free(a->approver);
	free(a->deputy);
	free(a->reason);
	free(a->decided_by);
	free(a->decision);
	memset(a, 0, sizeof(*a));
}

void
approval_token_clear(struct approval_token *t)
{
	free(t->addressee);
	free(t->token_hash);
	free(t->request_msgid);
	memset(t, 0, sizeof(*t));
}
