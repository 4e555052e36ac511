/* SPDX-License-Identifier: MIT */
/*
 * orders - order runs, orders and ordered positions.  See orders.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "orders.h"
#include "util.h"

int
orders_open_positions(struct store *st, struct order_pos **p_r, size_t *n_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT p.id, v.id, v.nr, p.pos, "
	    "p.lieferant, p.artikelnr, p.lieferanten_artikelnr, p.bezeichnung, "
	    "p.einheit, p.menge, p.preis_cents, p.total_cents, v.kostenstelle, "
	    "v.lieferort, v.gewuenscht_bis, v.requester_email, v.requester_name, "
	    "v.source_msgid, coalesce((SELECT max(h.at) FROM history h WHERE "
	    "h.vorgang_id = v.id AND h.to_state = 'freigegeben'), v.created_at) "
	    "FROM position p JOIN vorgang v ON v.id = p.vorgang_id "
	    "WHERE v.state = 'freigegeben' AND p.state = 'freigegeben' AND "
	    "p.bestellung_id IS NULL ORDER BY coalesce(p.lieferant, '~'), "
	    "v.lieferort, v.id, p.pos");
	struct order_pos *p = NULL;
	size_t n = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct order_pos *o;

		p = xreallocarray(p, n + 1, sizeof(*p));
		o = &p[n++];
		memset(o, 0, sizeof(*o));
		o->position_id = sqlite3_column_int64(s, 0);
		o->vorgang_id = sqlite3_column_int64(s, 1);
		snprintf(o->nr, sizeof(o->nr), "%s", sqlite3_column_text(s, 2));
		o->pos = sqlite3_column_int(s, 3);
		o->lieferant = store_col_text(s, 4);
		o->artikelnr = store_col_text(s, 5);
		o->lieferanten_artikelnr = store_col_text(s, 6);
		o->bezeichnung = store_col_text(s, 7);
		o->einheit = store_col_text(s, 8);
		o->menge = sqlite3_column_int64(s, 9);
		o->preis_cents = sqlite3_column_int64(s, 10);
		o->total_cents = sqlite3_column_int64(s, 11);
		o->kostenstelle = store_col_text(s, 12);
		o->lieferort = store_col_text(s, 13);
		o->gewuenscht_bis = store_col_text(s, 14);
		o->requester_email = store_col_text(s, 15);
		o->requester_name = store_col_text(s, 16);
		o->source_msgid = store_col_text(s, 17);
		o->released_at = sqlite3_column_int64(s, 18);
	}
	sqlite3_reset(s);
	*p_r = p;
	*n_r = n;
	return rc == SQLITE_DONE ? 0 : -1;
}

void
orders_positions_free(struct order_pos *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].lieferant);
		free(p[i].artikelnr);
		free(p[i].lieferanten_artikelnr);
		free(p[i].bezeichnung);
		free(p[i].einheit);
		free(p[i].kostenstelle);
		free(p[i].lieferort);
		free(p[i].gewuenscht_bis);
		free(p[i].requester_email);
		free(p[i].requester_name);
		free(p[i].source_msgid);
	}
	free(p);
}

int
orders_run_insert(struct store *st, int64_t now, int64_t scheduled_for,
    const char *kind, int64_t *id_r)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO order_run (started_at, "
	    "scheduled_for, kind, orders, positions) VALUES (?,?,?,0,0)");

	sqlite3_bind_int64(s, 1, now);
	if (scheduled_for > 0)
		sqlite3_bind_int64(s, 2, scheduled_for);
	store_bind_text(s, 3, kind);
	if (store_step_done(st, s) == -1)
		return -1;
	*id_r = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
orders_run_finish(struct store *st, int64_t run_id, int orders, int positions)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE order_run SET orders = ?, "
	    "positions = ? WHERE id = ?");

	sqlite3_bind_int(s, 1, orders);
	sqlite3_bind_int(s, 2, positions);
	sqlite3_bind_int64(s, 3, run_id);
	return store_step_done(st, s);
}

int
orders_last_scheduled(struct store *st, int64_t *t_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT coalesce(max(scheduled_for), 0) "
	    "FROM order_run");
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		*t_r = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
orders_insert(struct store *st, int64_t run_id, const char *prefix,
    const char *lieferant, const char *rcpt, const char *format,
    int64_t total_cents, int64_t now, int64_t *id_r, char nr_r[32])
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO case_seq (prefix, year, "
	    "last) VALUES (?, ?, 1) ON CONFLICT (prefix, year) DO UPDATE SET "
	    "last = last + 1 RETURNING last");
	time_t t = (time_t)now;
	struct tm tm;
	int64_t seq;
	char buf[96];

	localtime_r(&t, &tm);
	store_bind_text(s, 1, prefix);
	sqlite3_bind_int(s, 2, tm.tm_year + 1900);
	if (sqlite3_step(s) != SQLITE_ROW) {
		log_error("db order number failed: %s", store_errmsg(st));
		sqlite3_reset(s);
		return -1;
	}
	seq = sqlite3_column_int64(s, 0);
	sqlite3_step(s);
	sqlite3_reset(s);
	snprintf(buf, sizeof(buf), "%.16s-%04d-%06lld", prefix, tm.tm_year + 1900,
	    (long long)seq);
	snprintf(nr_r, 32, "%.31s", buf);
	s = store_stmt(st, "INSERT INTO bestellung (nr, run_id, lieferant, rcpt, "
	    "format, total_cents, created_at) VALUES (?,?,?,?,?,?,?)");
	store_bind_text(s, 1, nr_r);
	sqlite3_bind_int64(s, 2, run_id);
	store_bind_text(s, 3, lieferant);
	store_bind_text(s, 4, rcpt);
	store_bind_text(s, 5, format);
	sqlite3_bind_int64(s, 6, total_cents);
	sqlite3_bind_int64(s, 7, now);
	if (store_step_done(st, s) == -1)
		return -1;
	*id_r = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
orders_set_message_id(struct store *st, int64_t order_id, const char *msgid)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE bestellung SET message_id = ? "
	    "WHERE id = ?");

	store_bind_text(s, 1, msgid);
	sqlite3_bind_int64(s, 2, order_id);
	return store_step_done(st, s);
}

int
orders_mark_position(struct store *st, int64_t position_id, int64_t order_id)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE position SET state = 'bestellt', "
	    "bestellung_id = ? WHERE id = ? AND bestellung_id IS NULL AND "
	    "state = 'freigegeben'");

	sqlite3_bind_int64(s, 1, order_id);
	sqlite3_bind_int64(s, 2, position_id);
	if (store_step_done(st, s) == -1)
		return -1;
	return sqlite3_changes(store_db(st)) == 1;
}

int
orders_case_open(struct store *st, int64_t vorgang_id, int64_t *n_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT count(*) FROM position WHERE "
	    "vorgang_id = ? AND bestellung_id IS NULL");
	int rc;

	sqlite3_bind_int64(s, 1, vorgang_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n_r = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}
