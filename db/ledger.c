/* SPDX-License-Identifier: MIT */
/*
 * ledger - intake ledger rows.  See ledger.h.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "ledger.h"
#include "util.h"

static int
entry_from(sqlite3_stmt *s, struct ledger_entry *r)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(s, 0);
		r->outcome = store_col_text(s, 1);
		r->folder = store_col_text(s, 2);
		r->vorgang_nr = store_col_text(s, 3);
		r->moved_at = sqlite3_column_int64(s, 4);
		r->content_hash = store_col_text(s, 5);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
ledger_find_uid(struct store *st, int64_t uidvalidity, int64_t uid,
    struct ledger_entry *r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT id, outcome, folder, "
	    "vorgang_nr, moved_at, content_hash FROM ledger WHERE uidvalidity = ? "
	    "AND uid = ?");

	sqlite3_bind_int64(s, 1, uidvalidity);
	sqlite3_bind_int64(s, 2, uid);
	return entry_from(s, r);
}

int
ledger_find_content(struct store *st, const char *message_id,
    const char *hash, struct ledger_entry *r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT id, outcome, folder, "
	    "vorgang_nr, moved_at, content_hash FROM ledger WHERE content_hash = ? AND "
	    "message_id IS ? AND outcome <> 'duplicate' ORDER BY id LIMIT 1");

	store_bind_text(s, 1, hash);
	store_bind_text(s, 2, message_id);
	return entry_from(s, r);
}

int
ledger_insert(struct store *st, int64_t uidvalidity, int64_t uid,
    const char *message_id, const char *hash, const char *outcome,
    const char *folder, const char *vorgang_nr, const char *sender,
    const char *reason, int64_t now)
{
	sqlite3_stmt *s;

	/* Every mail in is an audit record, in the same transaction. */
	if (audit_append(st, now, sender ? sender : "-", "mail_in", vorgang_nr,
	    NULL, outcome, message_id, reason) == -1)
		return -1;
	s = store_stmt(st, "INSERT INTO ledger (uidvalidity, uid, "
	    "message_id, content_hash, outcome, folder, vorgang_nr, sender, "
	    "reason, at) VALUES (?,?,?,?,?,?,?,?,?,?)");

	sqlite3_bind_int64(s, 1, uidvalidity);
	sqlite3_bind_int64(s, 2, uid);
	store_bind_static(s, 3, message_id);
	store_bind_static(s, 4, hash);
	store_bind_static(s, 5, outcome);
	store_bind_static(s, 6, folder);
	store_bind_static(s, 7, vorgang_nr);
	store_bind_static(s, 8, sender);
	store_bind_static(s, 9, reason);
	sqlite3_bind_int64(s, 10, now);
	return store_step_done(st, s);
}

int
ledger_case_sender(struct store *st, const char *nr, char **sender_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT sender FROM ledger WHERE "
	    "vorgang_nr = ? AND outcome = 'case' ORDER BY id LIMIT 1");
	int rc;

	*sender_r = NULL;
	store_bind_text(s, 1, nr);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*sender_r = store_col_text(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
ledger_mark_moved(struct store *st, int64_t uidvalidity, int64_t lo,
    int64_t hi, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE ledger SET moved_at = ? "
	    "WHERE uidvalidity = ? AND uid BETWEEN ? AND ?");

	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, lo);
	sqlite3_bind_int64(s, 4, hi);
	return store_step_done(st, s);
}

int
ledger_failure_add(struct store *st, int64_t uidvalidity, int64_t uid,
    const char *error, int64_t now, int *attempts_r)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO intake_failure "
	    "(uidvalidity, uid, attempts, last_error, at) VALUES (?,?,1,?,?) "
	    "ON CONFLICT (uidvalidity, uid) DO UPDATE SET "
	    "attempts = attempts + 1, last_error = excluded.last_error, "
	    "at = excluded.at RETURNING attempts");
	int rc;

	sqlite3_bind_int64(s, 1, uidvalidity);
	sqlite3_bind_int64(s, 2, uid);
	store_bind_text(s, 3, error);
	sqlite3_bind_int64(s, 4, now);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*attempts_r = sqlite3_column_int(s, 0);
		sqlite3_step(s);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

void
ledger_entry_clear(struct ledger_entry *r)
{
	free(r->content_hash);
	free(r->outcome);
	free(r->folder);
	free(r->vorgang_nr);
	memset(r, 0, sizeof(*r));
}
