/* SPDX-License-Identifier: MIT */
/*
 * validate - form against master data; approval decision at intake.  See
 * validate.h.  Reads the database, writes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mailout.h"
#include "masterdata.h"
#include "util.h"
#include "validate.h"

/* Values quoted in problem sentences are cut so a hostile form cannot make a huge answer. */
#define QV(s) ((s) ? (s) : "")
#define QMAX 80

void
problems_add(struct problems *p, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	p->msg = xreallocarray(p->msg, p->n + 1, sizeof(*p->msg));
	p->msg[p->n++] = m;
}

void
problems_free(struct problems *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->msg[i]);
	free(p->msg);
	p->msg = NULL;
	p->n = 0;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
validate_date(const char *s, char out[11])
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int d, m, y, n = 0;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && s[n] == '\0')
		;
	else if (sscanf(s, "%2d.%2d.%4d%n", &d, &m, &y, &n) == 3 && s[n] == '\0')
		;
	else
		return -1;
	if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap(y)))
		return -1;
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u,
	    (unsigned)m % 100u, (unsigned)d % 100u);
	return 0;
}

int
validate_quantity(const char *s, int64_t *n_r)
{
	int64_t n = 0;
	const char *p = s;

	if (*p == '\0')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > 100000000)
			return -1;
		n = n * 10 + (*p - '0');
	}
	/* JSON may say 5.0; a fraction is not a whole number. */
	if (*p == '.' || *p == ',') {
		for (p++; *p == '0'; p++)
			;
	}
	if (*p != '\0' || p == s || n <= 0)
		return -1;
	*n_r = n;
	return 0;
}

static void
add_reason(struct buf *b, const char *r)
{
	if (strstr(buf_cstr(b), r))
		return;
	if (b->len)
		buf_puts(b, "; ");
	buf_puts(b, r);
}

/* -1 on a database error, else 0 (problems go into p). */
static int
check_position(struct store *st, const struct config *cfg,
    const struct form_position *fp, size_t idx, struct vorgang *v,
    struct problems *p, struct buf *reasons)
{
	struct vorgang_position *vp = &v->positions[v->npositions];
	char label[32];
	char *nr = xstrdup(QV(fp->artikelnr));
	int64_t menge = 0;

	snprintf(label, sizeof(label), "Position %.8s", *QV(fp->pos) ?
	    fp->pos : "?");
	if (!*QV(fp->pos))
		snprintf(label, sizeof(label), "Position %zu", idx + 1);
	/* "100 234" and " 100234 " are the same article number. */
	{
		char *w = nr;
		for (char *r = nr; *r; r++)
			if (*r != ' ')
				*w++ = *r;
		*w = '\0';
	}
	if (validate_quantity(QV(fp->menge), &menge) == -1) {
		problems_add(p, "%s: Menge \"%.*s\" ist keine positive ganze Zahl.",
		    label, QMAX, QV(fp->menge));
	} else if (menge > cfg->max_quantity) {
		problems_add(p, "%s: Menge %lld ist größer als das erlaubte "
		    "Maximum von %d.", label, (long long)menge, cfg->max_quantity);
	}
	memset(vp, 0, sizeof(*vp));
	vp->pos = (int)(idx + 1);
	vp->menge = menge;
	if (*nr) {
		struct md_artikel a = { 0 };
		int rc = masterdata_artikel(st, nr, &a);

		if (rc != 1) {
			if (rc == 0)
				problems_add(p, "%s: Artikelnummer \"%.*s\" ist "
				    "nicht im Katalog.", label, QMAX, nr);
			free(nr);
			return rc;
		}
		vp->artikelnr = nr;
		vp->bezeichnung = xstrdup(a.bezeichnung);
		vp->einheit = xstrdup(a.einheit);
		vp->preis_cents = a.preis_cents;
		vp->lieferant = xstrdup(a.lieferant);
		vp->lieferanten_artikelnr = xstrdup(a.lieferanten_artikelnr);
		vp->genehmigungspflichtig = a.genehmigungspflichtig;
		if (a.genehmigungspflichtig)
			add_reason(reasons, "genehmigungspflichtiger Artikel");
		md_artikel_clear(&a);
	} else {
		int64_t preis;

		free(nr);
		vp->freitext = 1;
		if (!*QV(fp->bezeichnung)) {
			problems_add(p, "%s: Ohne Artikelnummer ist eine Bezeichnung "
			    "nötig.", label);
			}
		if (!*QV(fp->preis)) {
			problems_add(p, "%s: Für die Freitextposition \"%.*s\" fehlt "
			    "der Preis (z. B. 39,90).", label, QMAX,
			    QV(fp->bezeichnung));
			} else if (money_parse(fp->preis, &preis) == -1 || preis <= 0 ||
		    preis > 100000000) {
			problems_add(p, "%s: Preis \"%.*s\" ist kein gültiger "
			    "Betrag (z. B. 39,90).", label, QMAX, fp->preis);
			} else
			vp->preis_cents = preis;
		vp->bezeichnung = xstrdup(QV(fp->bezeichnung));
		vp->einheit = xstrdup(*QV(fp->einheit) ? fp->einheit : "Stück");
		add_reason(reasons, "Freitextposition");
	}
	vp->total_cents = vp->preis_cents * vp->menge;
	v->npositions++;
	return 0;
}

int
validate_form(struct store *st, const struct config *cfg,
    const struct form_profile *profile, const struct form *f,
    const char *sender_addr, const char *sender_name, struct vorgang **v_r,
    struct problems *p)
{
	struct vorgang *v = xcalloc(1, sizeof(*v));
	struct md_oe oe = { 0 };
	struct md_kostenstelle ks = { 0 };
	struct md_lieferort lo = { 0 };
	struct buf reasons;
	const char *val;
	char *oecode = NULL, date[11];
	int have_oe = 0, rc = -1;
	int64_t threshold;

	buf_init(&reasons, 4096);

	/* Requester: the form's e-mail if it is one of ours, else the sender. */
	val = f->field[FF_EMAIL];
	if (val && *val) {
		char *e = xstrdup(val);
		str_lower(e);
		/* It must be an address we can answer: the confirmation goes there. */
		if (!mailout_addr_ok(e)) {
			problems_add(p, "E-Mail \"%.*s\" ist keine gültige "
			    "Mail-Adresse.", QMAX, val);
			free(e);
		} else if (!config_addr_in_org(cfg, e)) {
			problems_add(p, "E-Mail \"%.*s\" gehört nicht zur "
			    "Verwaltung; bitte die dienstliche Adresse angeben.",
			    QMAX, val);
			free(e);
		} else
			v->requester_email = e;
	}
	if (v->requester_email == NULL) {
		if (!mailout_addr_ok(sender_addr))
			problems_add(p, "Die Absenderadresse \"%.*s\" kann nicht "
			    "beantwortet werden; bitte die E-Mail-Adresse im "
			    "Formular angeben.", QMAX, sender_addr);
		v->requester_email = xstrdup(sender_addr);
	}
	v->requester_name = xstrdup(f->field[FF_BESTELLER] &&
	    *f->field[FF_BESTELLER] ? f->field[FF_BESTELLER] : sender_name);
	v->telefon = xstrdup(f->field[FF_TELEFON]);
	v->bemerkung = xstrdup(f->field[FF_BEMERKUNG]);

	val = f->field[FF_OE];
	if (val == NULL || *val == '\0')
		problems_add(p, "Die Organisationseinheit fehlt.");
	else {
		oecode = form_oe_code(profile, val);
		if ((rc = masterdata_oe(st, oecode, &oe)) == -1)
			goto dberr;
		if (rc == 0)
			problems_add(p, "Organisationseinheit \"%.*s\" ist "
			    "unbekannt.", QMAX, val);
		have_oe = rc == 1;
	}
	val = f->field[FF_KOSTENSTELLE];
	if (val == NULL || *val == '\0')
		problems_add(p, "Die Kostenstelle fehlt.");
	else {
		if ((rc = masterdata_kostenstelle(st, val, &ks)) == -1)
			goto dberr;
		if (rc == 0)
			problems_add(p, "Kostenstelle \"%.*s\" ist unbekannt.",
			    QMAX, val);
		else if (have_oe && strcmp(ks.oe, oe.code) != 0)
			problems_add(p, "Kostenstelle \"%.*s\" gehört nicht zur "
			    "Organisationseinheit \"%s\", sondern zu \"%s\".",
			    QMAX, val, oe.code, ks.oe);
	}
	val = f->field[FF_LIEFERORT];
	if (val == NULL || *val == '\0')
		problems_add(p, "Der Lieferort fehlt.");
	else {
		if ((rc = masterdata_lieferort(st, val, &lo)) == -1)
			goto dberr;
		if (rc == 0)
			problems_add(p, "Lieferort \"%.*s\" ist unbekannt.", QMAX,
			    val);
	}
	val = f->field[FF_GEWUENSCHT_BIS];
	if (val && *val) {
		if (validate_date(val, date) == -1)
			problems_add(p, "Gewünscht bis: \"%.*s\" ist kein gültiges "
			    "Datum (TT.MM.JJJJ).", QMAX, val);
		else
			v->gewuenscht_bis = xstrdup(date);
	}

	if (f->npositions == 0)
		problems_add(p, "Die Anforderung enthält keine Positionen.");
	else if (f->npositions > (size_t)cfg->max_positions)
		problems_add(p, "Die Anforderung enthält %zu Positionen; erlaubt "
		    "sind höchstens %d.", f->npositions, cfg->max_positions);
	else {
		v->positions = xcalloc(f->npositions, sizeof(*v->positions));
		for (size_t i = 0; i < f->npositions; i++)
			if (check_position(st, cfg, &f->positions[i], i, v, p,
			    &reasons) == -1)
				goto dberr;
	}

	if (p->n > 0) {
		rc = 1;
		goto out;
	}
	v->oe = xstrdup(oe.code);
	v->kostenstelle = xstrdup(ks.code);
	v->lieferort = xstrdup(lo.code);
	for (size_t i = 0; i < v->npositions; i++)
		v->total_cents += v->positions[i].total_cents;
	if (masterdata_threshold(st, oe.code, cfg->threshold_cents, &threshold) == -1)
		goto dberr;
	if (v->total_cents > threshold) {
		char t1[32], t2[32];
		buf_printf(&reasons, "%sSumme %s EUR über der Schwelle %s EUR",
		    reasons.len ? "; " : "", money_format(v->total_cents, t1),
		    money_format(threshold, t2));
	}
	/* Positions are charged against the yearly budget when released. */
	{
		time_t t = (time_t)so_now();
		struct tm tm;
		int64_t used;

		localtime_r(&t, &tm);
		if (ks.jahr == tm.tm_year + 1900) {
			if (case_store_budget_used(st, ks.code, ks.jahr, &used) == -1)
				goto dberr;
			if (v->total_cents > ks.budget_cents - used) {
				char t1[32];
				buf_printf(&reasons, "%sBudget der Kostenstelle %s "
				    "überschritten (noch verfügbar %s EUR)",
				    reasons.len ? "; " : "", ks.code,
				    money_format(ks.budget_cents - used, t1));
			}
		}
	}
	if (reasons.len) {
		v->state = xstrdup(STATE_WARTET);
		v->approval_reason = buf_steal(&reasons);
	} else
		v->state = xstrdup(STATE_FREIGEGEBEN);
	*v_r = v;
	v = NULL;
	rc = 0;
	goto out;
dberr:
	rc = -1;
out:
	buf_free(&reasons);
	free(oecode);
	md_oe_clear(&oe);
	md_kostenstelle_clear(&ks);
	md_lieferort_clear(&lo);
	vorgang_free(v);
	return rc;
}
