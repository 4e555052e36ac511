/* SPDX-License-Identifier: MIT */
/*
 * orderrun - bundling, delivery logic and the exactly-once order run.
 * See orderrun.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "casestore.h"
#include "log.h"
#include "masterdata.h"
#include "notify.h"
#include "orderdoc.h"
#include "orderrun.h"
#include "orders.h"
#include "schedule.h"
#include "util.h"
#include "workdays.h"

#define ACTOR_SYSTEM "socialorder"

/* One supplier's share of the open positions: p[first .. first+count). */
struct group {
	size_t first, count;
	int64_t total;
	int order;              /* 1: goes out in this run */
	char why[160];
	struct md_lieferant sup;        /* empty for the free-text group */
	int freetext;
};

struct run {
	struct store *st;
	const struct config *cfg;
	int64_t now;
	struct order_pos *p;
	size_t np;
	struct group *g;
	size_t ng;
	struct workdays wd;
};

/* Local midnight of an ISO date, or -1. */
static int64_t
date_time(const char *iso)
{
	struct tm tm;
	int y, m, d;

	if (iso == NULL || sscanf(iso, "%d-%d-%d", &y, &m, &d) != 3)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
fmt_date(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(out, 16, "%d.%m.%Y", localtime_r(&tt, &tm));
}

/* Split the positions into supplier groups and decide for each. */
static int
plan(struct run *r)
{
	for (size_t i = 0; i < r->np; ) {
		struct group *g;
		size_t j = i;
		int64_t oldest = INT64_MAX;
		const char *urgent = NULL;
		char m1[32], m2[32];
		int rc;

		while (j < r->np && ((r->p[j].lieferant == NULL &&
		    r->p[i].lieferant == NULL) || (r->p[j].lieferant &&
		    r->p[i].lieferant && strcmp(r->p[j].lieferant,
		    r->p[i].lieferant) == 0)))
			j++;
		r->g = xreallocarray(r->g, r->ng + 1, sizeof(*r->g));
		g = &r->g[r->ng++];
		memset(g, 0, sizeof(*g));
		g->first = i;
		g->count = j - i;
		for (size_t k = i; k < j; k++) {
			int64_t due = date_time(r->p[k].gewuenscht_bis);

			g->total += r->p[k].total_cents;
			if (r->p[k].released_at < oldest)
				oldest = r->p[k].released_at;
			if (due >= 0 && urgent == NULL && (due <= r->now ||
			    workdays_between(&r->wd, r->now, due) <=
			    r->cfg->urgent_workdays))
				urgent = r->p[k].nr;
		}
		i = j;
		if (r->p[g->first].lieferant == NULL) {
			g->freetext = 1;
			g->order = 1;
			snprintf(g->why, sizeof(g->why), "Freitextpositionen gehen "
			    "mit jedem Lauf an die Zentrale Beschaffung");
			continue;
		}
		if ((rc = masterdata_lieferant(r->st, r->p[g->first].lieferant,
		    &g->sup)) != 1) {
			log_error("order run: supplier %s of case %s is unknown",
			    r->p[g->first].lieferant, r->p[g->first].nr);
			return -1;
		}
		if (g->total >= g->sup.mindestbestellwert_cents) {
			g->order = 1;
			snprintf(g->why, sizeof(g->why), "Mindestbestellwert %s EUR "
			    "erreicht", money_format(g->sup.mindestbestellwert_cents, m1));
		} else if (urgent) {
			g->order = 1;
			snprintf(g->why, sizeof(g->why), "unter Mindestbestellwert, "
			    "aber dringend (%s: Gewünscht-bis-Datum naht)", urgent);
		} else if (r->now - oldest > (int64_t)r->cfg->max_wait_days * 86400) {
			g->order = 1;
			snprintf(g->why, sizeof(g->why), "unter Mindestbestellwert, "
			    "aber älteste Position wartet länger als %d Tage",
			    r->cfg->max_wait_days);
		} else
			snprintf(g->why, sizeof(g->why), "wartet: %s EUR unter dem "
			    "Mindestbestellwert von %s EUR", money_format(g->total, m1),
			    money_format(g->sup.mindestbestellwert_cents, m2));
	}
	return 0;
}

/* Lines of one order document, summed if configured; strings owned here. */
struct lines {
	struct orderdoc_line *l;
	char **own;
	size_t n, nown;
	struct orderdoc_party *d;
	struct md_lieferort *lo;
	size_t nd;
};

static char *
keep(struct lines *ls, char *s)
{
	ls->own = xreallocarray(ls->own, ls->nown + 1, sizeof(*ls->own));
	ls->own[ls->nown++] = s;
	return s;
}

static void
lines_free(struct lines *ls)
{
	for (size_t i = 0; i < ls->nown; i++)
		free(ls->own[i]);
	for (size_t i = 0; i < ls->nd; i++)
		md_lieferort_clear(&ls->lo[i]);
	free(ls->own);
	free(ls->l);
	free(ls->d);
	free(ls->lo);
}

static int
same_line(const struct orderdoc_line *l, const struct order_pos *p)
{
	return strcmp(l->delivery_id, p->lieferort) == 0 &&
	    strcmp(l->kostenstelle, p->kostenstelle) == 0 &&
	    l->price_cents == p->preis_cents &&
	    strcmp(l->unit, p->einheit) == 0 &&
	    strcmp(l->description, p->bezeichnung) == 0 &&
	    ((l->buyer_aid == NULL && p->artikelnr == NULL) ||
	    (l->buyer_aid && p->artikelnr && strcmp(l->buyer_aid, p->artikelnr) == 0));
}

static int
build_lines(struct run *r, const struct group *g, struct lines *ls)
{
	memset(ls, 0, sizeof(*ls));
	for (size_t k = g->first; k < g->first + g->count; k++) {
		const struct order_pos *p = &r->p[k];
		struct orderdoc_line *l = NULL;
		size_t d;

		for (d = 0; d < ls->nd && strcmp(ls->d[d].id, p->lieferort) != 0; d++)
			;
		if (d == ls->nd) {
			struct md_lieferort lo = { 0 };
			struct orderdoc_party *party;

			if (masterdata_lieferort(r->st, p->lieferort, &lo) != 1) {
				log_error("order run: Lieferort %s of case %s is "
				    "unknown", p->lieferort, p->nr);
				return -1;
			}
			ls->d = xreallocarray(ls->d, ls->nd + 1, sizeof(*ls->d));
			ls->lo = xreallocarray(ls->lo, ls->nd + 1, sizeof(*ls->lo));
			ls->lo[ls->nd] = lo;
			party = &ls->d[ls->nd];
			party->id = lo.code;
			party->name = lo.bezeichnung;
			party->street = lo.strasse;
			party->zip = lo.plz;
			party->city = lo.ort;
			party->room = lo.raum;
			ls->nd++;
		}
		if (r->cfg->sum_lines)
			for (size_t i = 0; i < ls->n && l == NULL; i++)
				if (same_line(&ls->l[i], p))
					l = &ls->l[i];
		if (l) {
			l->quantity += p->menge;
			l->total_cents += p->total_cents;
			if (strstr(l->case_nr, p->nr) == NULL)
				l->case_nr = keep(ls, xasprintf("%s,%s", l->case_nr,
				    p->nr));
			continue;
		}
		ls->l = xreallocarray(ls->l, ls->n + 1, sizeof(*ls->l));
		l = &ls->l[ls->n++];
		memset(l, 0, sizeof(*l));
		l->supplier_aid = p->lieferanten_artikelnr ? p->lieferanten_artikelnr :
		    (p->artikelnr ? p->artikelnr : "");
		l->buyer_aid = p->artikelnr;
		l->description = p->bezeichnung;
		l->quantity = p->menge;
		l->unit = p->einheit;
		l->price_cents = p->preis_cents;
		l->total_cents = p->total_cents;
		l->kostenstelle = p->kostenstelle;
		l->case_nr = keep(ls, xstrdup(p->nr));
		l->delivery_id = p->lieferort;
	}
	return 0;
}

/* The readable order: deliveries with their lines. */
static void
order_vars(struct tvars *v, const struct run *r, const struct group *g,
    const struct lines *ls, const char *nr, int64_t total)
{
	char m[32], date[16];

	tvars_set(v, "order_nr", nr);
	tvars_set(v, "buyer_name", r->cfg->buyer_name);
	fmt_date(r->now, date);
	tvars_set(v, "date", date);
	tvars_set(v, "total", money_format(total, m));
	if (!g->freetext) {
		tvars_set(v, "supplier_name", g->sup.name);
		tvars_set(v, "customer_number", g->sup.kundennummer);
		tvars_set(v, g->sup.format, "1");       /* csv / opentrans / text */
	}
	for (size_t d = 0; d < ls->nd; d++) {
		struct tvars *dv = tvars_add_item(v, "deliveries");
		int pos = 0;

		tvars_set(dv, "lieferort", ls->d[d].id);
		tvars_set(dv, "lieferort_name", ls->d[d].name);
		tvars_setf(dv, "lieferort_address", "%s, %s %s%s%s", ls->d[d].street,
		    ls->d[d].zip, ls->d[d].city, ls->d[d].room ? ", Raum " : "",
		    ls->d[d].room ? ls->d[d].room : "");
		for (size_t i = 0; i < ls->n; i++) {
			const struct orderdoc_line *l = &ls->l[i];
			struct tvars *lv;

			if (strcmp(l->delivery_id, ls->d[d].id) != 0)
				continue;
			lv = tvars_add_item(dv, "lines");
			tvars_setf(lv, "pos", "%d", ++pos);
			tvars_set(lv, "supplier_aid", l->supplier_aid);
			tvars_set(lv, "artikelnr", l->buyer_aid);
			tvars_set(lv, "bezeichnung", l->description);
			tvars_setf(lv, "menge", "%lld", (long long)l->quantity);
			tvars_set(lv, "einheit", l->unit);
			tvars_set(lv, "preis", money_format(l->price_cents, m));
			tvars_set(lv, "summe", money_format(l->total_cents, m));
			tvars_set(lv, "kostenstelle", l->kostenstelle);
			tvars_set(lv, "cases", l->case_nr);
		}
	}
}

/* Write one group's order: document, mail, order row, positions marked. */
static int
send_order(struct run *r, const struct group *g, int64_t run_id, int *positions)
{
	struct notify_ctx n = { r->st, r->cfg, r->now, NULL, NULL, 0 };
	struct mailout_attachment att = { 0 };
	struct orderdoc doc = { 0 };
	struct lines ls;
	struct buf docbuf;
	struct tvars *v = NULL;
	char nr[32], *rcpt = NULL, *msgid = NULL, *fname = NULL;
	const char *err, *format = g->freetext ? "text" : g->sup.format;
	int64_t order_id;
	int rc = -1;

	buf_init(&docbuf, 32 * 1024 * 1024);
	if (build_lines(r, g, &ls) == -1)
		goto out;
	if (g->freetext) {
		if (masterdata_role_first(r->st, "einkauf", &rcpt) != 1) {
			log_error("order run: free-text items but no person with "
			    "role einkauf in personen.csv");
			goto out;
		}
	} else
		rcpt = xstrdup(g->sup.bestell_email);
	if (orders_insert(r->st, run_id, r->cfg->order_prefix, g->freetext ? NULL :
	    g->sup.code, rcpt, format, g->total, r->now, &order_id, nr) == -1)
		goto out;
	doc.order_id = nr;
	doc.order_date = r->now;
	doc.buyer_id = r->cfg->buyer_id;
	doc.buyer_name = r->cfg->buyer_name;
	doc.buyer_email = r->cfg->smtp_from;
	doc.supplier_id = g->sup.code;
	doc.supplier_name = g->sup.name;
	doc.supplier_email = g->sup.bestell_email;
	doc.customer_number = g->sup.kundennummer;
	doc.deliveries = ls.d;
	doc.ndeliveries = ls.nd;
	doc.lines = ls.l;
	doc.nlines = ls.n;
	doc.total_cents = g->total;
	if (strcmp(format, "csv") == 0) {
		if (orderdoc_csv(&doc, &docbuf, &err) == -1)
			goto docfail;
		att.content_type = "text/csv; charset=utf-8";
		fname = xasprintf("%s.csv", nr);
	} else if (strcmp(format, "opentrans") == 0) {
		if (orderdoc_opentrans(&doc, &docbuf, &err) == -1)
			goto docfail;
		att.content_type = "application/xml; charset=utf-8";
		fname = xasprintf("%s.xml", nr);
	}
	att.filename = fname;
	att.data = docbuf.data;
	att.len = docbuf.len;
	v = tvars_new();
	notify_common_vars(v, &n);
	order_vars(v, r, g, &ls, nr, g->total);
	if (notify_send_att(&n, g->freetext ? "freetext_order" : "order", v, 0, 0,
	    nr, rcpt, g->freetext ? NULL : g->sup.name, fname ? &att : NULL,
	    fname ? 1 : 0, &msgid) != 1 || orders_set_message_id(r->st, order_id,
	    msgid) == -1)
		goto out;
	for (size_t k = g->first; k < g->first + g->count; k++) {
		int m = orders_mark_position(r->st, r->p[k].position_id, order_id);
		if (m != 1) {
			/* Ordered meanwhile by someone else: abort the run. */
			log_error("order run: position %lld of %s could not be "
			    "marked (%d)", (long long)r->p[k].position_id, r->p[k].nr, m);
			goto out;
		}
		(*positions)++;
	}
	log_info("order %s supplier=%s rcpt=%s format=%s positions=%zu total=%lld",
	    nr, g->freetext ? "(freitext)" : g->sup.code, rcpt, format, g->count,
	    (long long)g->total);
	rc = 0;
	goto out;
docfail:
	log_error("order run: %s document for %s failed: %s", format, nr, err);
out:
	/* Remember the order on the positions for the notices. */
	if (rc == 0)
		for (size_t k = g->first; k < g->first + g->count; k++)
			r->p[k].order_id = order_id;
	tvars_free(v);
	buf_free(&docbuf);
	lines_free(&ls);
	free(fname);
	free(rcpt);
	free(msgid);
	return rc;
}

/* Tell each requester what was ordered; close cases fully ordered. */
static int
notify_cases(struct run *r, int64_t *case_ids, size_t ncases)
{
	for (size_t c = 0; c < ncases; c++) {
		struct vorgang *vg = NULL;
		struct tvars *v;
		struct notify_ctx n = { r->st, r->cfg, r->now, NULL, NULL, 0 };
		int64_t open;
		int rc;

		if (case_store_load_id(r->st, case_ids[c], &vg) != 1 ||
		    orders_case_open(r->st, vg->id, &open) == -1) {
			vorgang_free(vg);
			return -1;
		}
		if (open == 0) {
			if (case_store_transition(r->st, vg->id, STATE_FREIGEGEBEN,
			    STATE_BESTELLT, ACTOR_SYSTEM, "alle Positionen bestellt",
			    NULL, r->now) != 1) {
				vorgang_free(vg);
				return -1;
			}
			free(vg->state);
			vg->state = xstrdup(STATE_BESTELLT);
		}
		n.thread_msgid = vg->source_msgid;
		v = tvars_new();
		notify_common_vars(v, &n);
		notify_case_vars(r->st, v, vg);
		if (open > 0)
			tvars_set(v, "partly", "1");
		for (size_t g = 0; g < r->ng; g++) {
			const struct group *gr = &r->g[g];

			if (!gr->order)
				continue;
			for (size_t k = gr->first; k < gr->first + gr->count; k++) {
				const struct order_pos *p = &r->p[k];
				struct tvars *it;
				sqlite3_stmt *s;

				if (p->vorgang_id != vg->id)
					continue;
				it = tvars_add_item(v, "ordered");
				tvars_setf(it, "pos", "%d", p->pos);
				tvars_set(it, "bezeichnung", p->bezeichnung);
				tvars_setf(it, "menge", "%lld", (long long)p->menge);
				tvars_set(it, "einheit", p->einheit);
				tvars_set(it, "supplier", gr->freetext ?
				    "Zentrale Beschaffung (Bestellung von Hand)" :
				    gr->sup.name);
				s = store_stmt(r->st, "SELECT nr FROM bestellung "
				    "WHERE id = ?");
				sqlite3_bind_int64(s, 1, p->order_id);
				if (sqlite3_step(s) == SQLITE_ROW)
					tvars_set(it, "order_nr",
					    (const char *)sqlite3_column_text(s, 0));
				sqlite3_reset(s);
			}
		}
		rc = notify_send(&n, "ordered", v, 0, vg->id, vg->nr,
		    vg->requester_email, vg->requester_name, NULL);
		tvars_free(v);
		vorgang_free(vg);
		if (rc != 1)
			return -1;
	}
	return 0;
}

static void
print_plan(FILE *out, const struct run *r, int dry_run)
{
	char m[32];

	if (out == NULL)
		return;
	fprintf(out, "%s: %zu offene Positionen, %zu Lieferanten\n", dry_run ?
	    "Probelauf (es wird nichts bestellt oder gesendet)" : "Bestelllauf",
	    r->np, r->ng);
	for (size_t g = 0; g < r->ng; g++) {
		const struct group *gr = &r->g[g];

		fprintf(out, "\n%s %s: %zu Positionen, %s EUR -> %s (%s)\n",
		    gr->freetext ? "Freitext" : gr->sup.code,
		    gr->freetext ? "an die Zentrale Beschaffung" : gr->sup.name,
		    gr->count, money_format(gr->total, m),
		    gr->order ? "wird bestellt" : "wartet", gr->why);
		for (size_t k = gr->first; k < gr->first + gr->count; k++) {
			const struct order_pos *p = &r->p[k];
			fprintf(out, "  %-16s %2d  %-10s %-40.40s %5lld %-9s %10s  "
			    "KSt %s  -> %s\n", p->nr, p->pos, p->artikelnr ?
			    p->artikelnr : "(frei)", p->bezeichnung,
			    (long long)p->menge, p->einheit,
			    money_format(p->total_cents, m), p->kostenstelle,
			    p->lieferort);
		}
	}
}

int
orderrun_execute(struct store *st, const struct config *cfg, int dry_run,
    const char *kind, int64_t scheduled_for, FILE *out,
    struct orderrun_result *res)
{
	struct run r = { .st = st, .cfg = cfg, .now = so_now() };
	int64_t *cases = NULL;
	size_t ncases = 0;
	const char *err;
	int rc = -1, began = 0;

	memset(res, 0, sizeof(*res));
	if (cfg->holidays && workdays_parse_holidays(cfg->holidays, &r.wd, &err) == -1)
		return -1;
	/* Dry or not: read and decide inside one transaction, so what is
	 * printed is exactly what is ordered. */
	if (store_begin(st) == -1)
		goto out;
	began = 1;
	if (orders_open_positions(st, &r.p, &r.np) == -1 || plan(&r) == -1)
		goto out;
	for (size_t g = 0; g < r.ng; g++)
		if (!r.g[g].order)
			res->waiting++;
	print_plan(out, &r, dry_run);
	if (dry_run) {
		rc = 0;
		goto out;
	}
	if (res->waiting == (int)r.ng && strcmp(kind, "scheduled") != 0) {
		/* A manual run with nothing to send leaves no trace. */
		rc = 0;
		goto out;
	}
	/* A scheduled run is recorded even if everything waits, so that the
	 * same schedule time is not taken up again. */
	if (orders_run_insert(st, r.now, scheduled_for, kind, &res->run_id) == -1)
		goto out;
	for (size_t g = 0; g < r.ng; g++) {
		if (!r.g[g].order)
			continue;
		if (send_order(&r, &r.g[g], res->run_id, &res->positions) == -1)
			goto out;
		res->orders++;
		for (size_t k = r.g[g].first; k < r.g[g].first + r.g[g].count; k++) {
			size_t c;
			for (c = 0; c < ncases && cases[c] != r.p[k].vorgang_id; c++)
				;
			if (c == ncases) {
				cases = xreallocarray(cases, ncases + 1, sizeof(*cases));
				cases[ncases++] = r.p[k].vorgang_id;
			}
		}
	}
	if (notify_cases(&r, cases, ncases) == -1 ||
	    orders_run_finish(st, res->run_id, res->orders, res->positions) == -1)
		goto out;
	if (store_commit(st) == -1) {
		began = 0;
		goto out;
	}
	began = 0;
	log_info("order run %lld done kind=%s orders=%d positions=%d waiting=%d",
	    (long long)res->run_id, kind, res->orders, res->positions,
	    res->waiting);
	rc = 0;
out:
	if (began)
		store_rollback(st);
	if (rc == -1)
		memset(res, 0, sizeof(*res));
	for (size_t g = 0; g < r.ng; g++)
		md_lieferant_clear(&r.g[g].sup);
	free(r.g);
	free(cases);
	orders_positions_free(r.p, r.np);
	workdays_free(&r.wd);
	return rc;
}

int
orderrun_due(struct store *st, const struct config *cfg, int64_t now,
    int64_t *scheduled_for_r)
{
	struct schedule *s;
	const char *err;
	int64_t prev, last;
	sqlite3_stmt *q;
	int rc;

	if (schedule_parse(cfg->schedule, &s, &err) == -1) {
		log_error("[orders] schedule: %s", err);
		return -1;
	}
	prev = schedule_prev(s, now);
	schedule_free(s);
	if (prev <= 0 || orders_last_scheduled(st, &last) == -1)
		return prev <= 0 ? 0 : -1;
	if (prev <= last)
		return 0;
	/*
	 * Positions released after the schedule time wait for the next one.
	 * A case is released when (or after) it is created, so the cases
	 * created later are left out before their history is looked at: with
	 * thousands of cases waiting, that history was most of the check.
	 */
	q = store_stmt(st, "SELECT EXISTS (SELECT 1 FROM position p JOIN "
	    "vorgang v ON v.id = p.vorgang_id WHERE v.state = 'freigegeben' AND "
	    "v.created_at <= ?1 AND p.state = 'freigegeben' AND "
	    "p.bestellung_id IS NULL AND coalesce((SELECT max(h.at) FROM "
	    "history h WHERE h.vorgang_id = v.id AND h.to_state = "
	    "'freigegeben'), v.created_at) <= ?1)");
	sqlite3_bind_int64(q, 1, prev);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(q);
		return -1;
	}
	rc = sqlite3_column_int64(q, 0) > 0;
	sqlite3_reset(q);
	*scheduled_for_r = prev;
	return rc;
}

int
orderrun_run_due(struct store *st, const struct config *cfg, int64_t now)
{
	struct orderrun_result res;
	int64_t when;
	int rc = orderrun_due(st, cfg, now, &when);

	if (rc != 1)
		return rc;
	log_info("order run due (scheduled for %lld)", (long long)when);
	return orderrun_execute(st, cfg, 0, "scheduled", when, NULL, &res);
}
