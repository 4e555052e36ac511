/* SPDX-License-Identifier: MIT */
/*
 * casestore - persistence of cases, positions and history.  See casestore.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "casestore.h"
#include "log.h"
#include "util.h"

/* The case number of an id, for the audit trail; caller frees. */
static char *
nr_of(struct store *st, int64_t id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT nr FROM vorgang WHERE id = ?");
	char *nr = NULL;

	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		nr = store_col_text(s, 0);
	sqlite3_reset(s);
	return nr;
}

/*
 * Every history row is also an audit record, in the same transaction.  nr:
 * the case's number when the caller knows it, else NULL.
 */
static int
history_add(struct store *st, int64_t id, const char *nr, const char *from,
    const char *to, const char *actor, const char *reason, const char *msgid,
    int64_t now)
{
	sqlite3_stmt *s;
	char *looked_up = nr ? NULL : nr_of(st, id);
	int rc = audit_append(st, now, actor, from && strcmp(from, to) == 0 ?
	    "note" : "state", nr ? nr : looked_up, from, to, msgid, reason);

	free(looked_up);
	if (rc == -1)
		return -1;
	s = store_stmt(st, "INSERT INTO history (vorgang_id, at, from_state, "
	    "to_state, actor, reason, msgid) VALUES (?,?,?,?,?,?,?)");
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	store_bind_static(s, 3, from);
	store_bind_static(s, 4, to);
	store_bind_static(s, 5, actor);
	store_bind_static(s, 6, reason);
	store_bind_static(s, 7, msgid);
	return store_step_done(st, s);
}

static int
next_number(struct store *st, const char *prefix, int year, int64_t *seq_r)
{
	/* Not UPDATE ... RETURNING: SQLite makes a temporary table for that,
	 * at every case. */
	sqlite3_stmt *s = store_stmt(st, "UPDATE case_seq SET last = last + 1 "
	    "WHERE prefix = ? AND year = ?");
	int rc;

	store_bind_text(s, 1, prefix);
	sqlite3_bind_int(s, 2, year);
	if (store_step_done(st, s) == -1)
		return -1;
	/* The year's row exists but for the first case of a year. */
	if (sqlite3_changes(store_db(st)) == 0) {
		s = store_stmt(st, "INSERT INTO case_seq (prefix, year, last) "
		    "VALUES (?, ?, 1)");
		store_bind_text(s, 1, prefix);
		sqlite3_bind_int(s, 2, year);
		*seq_r = 1;
		return store_step_done(st, s);
	}
	s = store_stmt(st, "SELECT last FROM case_seq WHERE prefix = ? AND "
	    "year = ?");
	store_bind_text(s, 1, prefix);
	sqlite3_bind_int(s, 2, year);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		log_error("db case number failed: %s", store_errmsg(st));
		sqlite3_reset(s);
		return -1;
	}
	*seq_r = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

/* The rows of v with a new number, case and positions in state state. */
static int
insert_rows(struct store *st, struct vorgang *v, const char *prefix,
    int64_t now, const char *state)
{
	time_t t = (time_t)now;
	struct tm tm;
	int64_t seq;
	sqlite3_stmt *s;

	localtime_r(&t, &tm);
	if (next_number(st, prefix, tm.tm_year + 1900, &seq) == -1)
		return -1;
	if (seq > 999999) {
		log_error("case numbers for %s-%d exhausted", prefix,
		    tm.tm_year + 1900);
		return -1;
	}
	{
		/* "%.16s-%04d-%06lld", at most 31 bytes. */
		size_t pl = strnlen(prefix, 16);
		char nr[16 + 1 + 20 + 1 + 20 + 1], *p = nr;

		memcpy(p, prefix, pl);
		p += pl;
		*p++ = '-';
		p += dec_put(p, (uint64_t)tm.tm_year + 1900, 4);
		*p++ = '-';
		p += dec_put(p, (uint64_t)seq, 6);
		*p = '\0';
		pl = strnlen(nr, sizeof(v->nr) - 1);
		memcpy(v->nr, nr, pl);
		v->nr[pl] = '\0';
	}
	v->created_at = now;
	s = store_stmt(st, "INSERT INTO vorgang (nr, state, requester_email, "
	    "requester_name, telefon, oe, kostenstelle, lieferort, "
	    "gewuenscht_bis, bemerkung, total_cents, approval_reason, "
	    "source_msgid, created_at, updated_at) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	store_bind_static(s, 1, v->nr);
	store_bind_static(s, 2, state);
	store_bind_static(s, 3, v->requester_email);
	store_bind_static(s, 4, v->requester_name);
	store_bind_static(s, 5, v->telefon);
	store_bind_static(s, 6, v->oe);
	store_bind_static(s, 7, v->kostenstelle);
	store_bind_static(s, 8, v->lieferort);
	store_bind_static(s, 9, v->gewuenscht_bis);
	store_bind_static(s, 10, v->bemerkung);
	sqlite3_bind_int64(s, 11, v->total_cents);
	store_bind_static(s, 12, v->approval_reason);
	store_bind_static(s, 13, v->source_msgid);
	sqlite3_bind_int64(s, 14, now);
	sqlite3_bind_int64(s, 15, now);
	if (store_step_done(st, s) == -1)
		return -1;
	v->id = sqlite3_last_insert_rowid(store_db(st));

	s = store_stmt(st, "INSERT INTO position (vorgang_id, pos, artikelnr, "
	    "bezeichnung, menge, einheit, preis_cents, total_cents, lieferant, "
	    "lieferanten_artikelnr, freitext, genehmigungspflichtig, state) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
	for (size_t i = 0; i < v->npositions; i++) {
		const struct vorgang_position *p = &v->positions[i];

		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		sqlite3_bind_int64(s, 1, v->id);
		sqlite3_bind_int(s, 2, p->pos);
		store_bind_static(s, 3, p->artikelnr);
		store_bind_static(s, 4, p->bezeichnung);
		sqlite3_bind_int64(s, 5, p->menge);
		store_bind_static(s, 6, p->einheit);
		sqlite3_bind_int64(s, 7, p->preis_cents);
		sqlite3_bind_int64(s, 8, p->total_cents);
		store_bind_static(s, 9, p->lieferant);
		store_bind_static(s, 10, p->lieferanten_artikelnr);
		sqlite3_bind_int(s, 11, p->freitext);
		sqlite3_bind_int(s, 12, p->genehmigungspflichtig);
		store_bind_static(s, 13, state);
		if (store_step_done(st, s) == -1)
			return -1;
	}
	return 0;
}

int
case_store_insert(struct store *st, struct vorgang *v, const char *prefix,
    int64_t now, const char *actor, const char *msgid)
{
	if (insert_rows(st, v, prefix, now, v->state) == -1)
		return -1;
	return history_add(st, v->id, v->nr, NULL, v->state, actor, NULL,
	    msgid, now);
}

int
case_store_insert_to(struct store *st, struct vorgang *v, const char *prefix,
    int64_t now, const char *actor, const char *msgid, const char *to,
    const char *to_actor, const char *reason)
{
	if (insert_rows(st, v, prefix, now, to) == -1 ||
	    history_add(st, v->id, v->nr, NULL, v->state, actor, NULL, msgid,
	    now) == -1 ||
	    history_add(st, v->id, v->nr, v->state, to, to_actor, reason, msgid,
	    now) == -1)
		return -1;
	{
		char *state = xstrdup(to);    /* to may be v->state itself */

		free(v->state);
		v->state = state;
	}
	return 0;
}

int
case_store_transition(struct store *st, int64_t id, const char *from,
    const char *to, const char *actor, const char *reason, const char *msgid,
    int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE vorgang SET state = ?, "
	    "updated_at = ? WHERE id = ? AND state = ?");

	store_bind_text(s, 1, to);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, id);
	store_bind_text(s, 4, from);
	if (store_step_done(st, s) == -1)
		return -1;
	if (sqlite3_changes(store_db(st)) != 1)
		return 0;
	s = store_stmt(st, "UPDATE position SET state = ? WHERE vorgang_id = ? "
	    "AND state = ?");
	store_bind_text(s, 1, to);
	sqlite3_bind_int64(s, 2, id);
	store_bind_text(s, 3, from);
	if (store_step_done(st, s) == -1)
		return -1;
	if (history_add(st, id, NULL, from, to, actor, reason, msgid, now) == -1)
		return -1;
	return 1;
}

int
case_store_note(struct store *st, int64_t id, const char *state,
    const char *actor, const char *reason, const char *msgid, int64_t now)
{
	return history_add(st, id, NULL, state, state, actor, reason, msgid,
	    now);
}

int
case_store_budget_used(struct store *st, const char *ks, int year,
    int64_t *cents_r)
{
	/* Kept by the triggers of migration 8. */
	sqlite3_stmt *s = store_stmt(st, "SELECT cents FROM budget_used "
	    "WHERE kostenstelle = ? AND jahr = ?");
	int rc;

	store_bind_text(s, 1, ks);
	sqlite3_bind_int(s, 2, year);
	rc = sqlite3_step(s);
	*cents_r = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

#define VORGANG_COLS "id, nr, state, requester_email, requester_name, " \
	"telefon, oe, kostenstelle, lieferort, gewuenscht_bis, bemerkung, " \
	"total_cents, approval_reason, source_msgid, created_at"

static struct vorgang *
vorgang_from_row(sqlite3_stmt *s)
{
	struct vorgang *v = xcalloc(1, sizeof(*v));

	v->id = sqlite3_column_int64(s, 0);
	snprintf(v->nr, sizeof(v->nr), "%s", sqlite3_column_text(s, 1));
	v->state = store_col_text(s, 2);
	v->requester_email = store_col_text(s, 3);
	v->requester_name = store_col_text(s, 4);
	v->telefon = store_col_text(s, 5);
	v->oe = store_col_text(s, 6);
	v->kostenstelle = store_col_text(s, 7);
	v->lieferort = store_col_text(s, 8);
	v->gewuenscht_bis = store_col_text(s, 9);
	v->bemerkung = store_col_text(s, 10);
	v->total_cents = sqlite3_column_int64(s, 11);
	v->approval_reason = store_col_text(s, 12);
	v->source_msgid = store_col_text(s, 13);
	v->created_at = sqlite3_column_int64(s, 14);
	return v;
}

static int
load_positions(struct store *st, struct vorgang *v)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT pos, artikelnr, bezeichnung, "
	    "menge, einheit, preis_cents, total_cents, lieferant, "
	    "lieferanten_artikelnr, freitext, genehmigungspflichtig "
	    "FROM position WHERE vorgang_id = ? ORDER BY pos, id");
	int rc;

	sqlite3_bind_int64(s, 1, v->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vorgang_position *p;

		v->positions = xreallocarray(v->positions, v->npositions + 1,
		    sizeof(*v->positions));
		p = &v->positions[v->npositions++];
		p->pos = sqlite3_column_int(s, 0);
		p->artikelnr = store_col_text(s, 1);
		p->bezeichnung = store_col_text(s, 2);
		p->menge = sqlite3_column_int64(s, 3);
		p->einheit = store_col_text(s, 4);
		p->preis_cents = sqlite3_column_int64(s, 5);
		p->total_cents = sqlite3_column_int64(s, 6);
		p->lieferant = store_col_text(s, 7);
		p->lieferanten_artikelnr = store_col_text(s, 8);
		p->freitext = sqlite3_column_int(s, 9);
		p->genehmigungspflichtig = sqlite3_column_int(s, 10);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
case_store_load(struct store *st, const char *nr, struct vorgang **v_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT " VORGANG_COLS
	    " FROM vorgang WHERE nr = ?");
	struct vorgang *v;
	int rc;

	store_bind_text(s, 1, nr);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	v = vorgang_from_row(s);
	sqlite3_reset(s);
	if (load_positions(st, v) == -1) {
		vorgang_free(v);
		return -1;
	}
	*v_r = v;
	return 1;
}

int
case_store_load_id(struct store *st, int64_t id, struct vorgang **v_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT nr FROM vorgang WHERE id = ?");
	char *nr;
	int rc;

	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return 0;
	}
	nr = store_col_text(s, 0);
	sqlite3_reset(s);
	rc = case_store_load(st, nr, v_r);
	free(nr);
	return rc;
}

int
case_store_history(struct store *st, int64_t id, struct vorgang_history **h_r,
    size_t *n_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT at, from_state, to_state, "
	    "actor, reason, msgid FROM history WHERE vorgang_id = ? ORDER BY id");
	struct vorgang_history *h = NULL;
	size_t n = 0;
	int rc;

	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		h = xreallocarray(h, n + 1, sizeof(*h));
		h[n].at = sqlite3_column_int64(s, 0);
		h[n].from_state = store_col_text(s, 1);
		h[n].to_state = store_col_text(s, 2);
		h[n].actor = store_col_text(s, 3);
		h[n].reason = store_col_text(s, 4);
		h[n].msgid = store_col_text(s, 5);
		n++;
	}
	sqlite3_reset(s);
	*h_r = h;
	*n_r = n;
	return rc == SQLITE_DONE ? 0 : -1;
}

void
vorgang_history_free(struct vorgang_history *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].from_state);
		free(h[i].to_state);
		free(h[i].actor);
		free(h[i].reason);
		free(h[i].msgid);
	}
	free(h);
}

int
case_store_list(struct store *st, const char *state, int limit,
    int (*cb)(const struct vorgang *v, void *ctx), void *ctx)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT " VORGANG_COLS " FROM vorgang "
	    "WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2");
	int rc;

	store_bind_text(s, 1, state);
	sqlite3_bind_int(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vorgang *v = vorgang_from_row(s);
		int stop = cb(v, ctx);

		vorgang_free(v);
		if (stop)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

void
vorgang_free(struct vorgang *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->npositions; i++) {
		struct vorgang_position *p = &v->positions[i];
		free(p->artikelnr);
		free(p->bezeichnung);
		free(p->einheit);
		free(p->lieferant);
		free(p->lieferanten_artikelnr);
	}
	free(v->positions);
	free(v->state);
	free(v->requester_email);
	free(v->requester_name);
	free(v->telefon);
	free(v->oe);
	free(v->kostenstelle);
	free(v->lieferort);
	free(v->gewuenscht_bis);
	free(v->bemerkung);
	free(v->approval_reason);
	free(v->source_msgid);
	free(v);
}
