/* SPDX-License-Identifier: MIT */
/*
 * masterdata - lookups in the imported master data.  See masterdata.h.
 */
#include <stdlib.h>
#include <string.h>

#include "masterdata.h"
#include "util.h"

/* Run a one-row lookup; 1 found (s still positioned on the row), 0, -1. */
static int
lookup(sqlite3_stmt *s, const char *key)
{
	int rc;

	store_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
masterdata_oe(struct store *st, const char *code, struct md_oe *r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT code, bezeichnung, parent, "
	    "genehmiger, vertretung, schwelle_cents FROM oe WHERE code = ?");
	int rc = lookup(s, code);

	if (rc != 1)
		return rc;
	r->code = store_col_text(s, 0);
	r->bezeichnung = store_col_text(s, 1);
	r->parent = store_col_text(s, 2);
	r->genehmiger = store_col_text(s, 3);
	r->vertretung = store_col_text(s, 4);
	r->schwelle_cents = sqlite3_column_type(s, 5) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, 5);
	sqlite3_reset(s);
	return 1;
}

int
masterdata_kostenstelle(struct store *st, const char *code,
    struct md_kostenstelle *r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT code, bezeichnung, oe, "
	    "budget_cents, jahr FROM kostenstelle WHERE code = ?");
	int rc = lookup(s, code);

	if (rc != 1)
		return rc;
	r->code = store_col_text(s, 0);
	r->bezeichnung = store_col_text(s, 1);
	r->oe = store_col_text(s, 2);
	r->budget_cents = sqlite3_column_int64(s, 3);
	r->jahr = sqlite3_column_int(s, 4);
	sqlite3_reset(s);
	return 1;
}

int
masterdata_lieferort(struct store *st, const char *code, struct md_lieferort *r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT code, bezeichnung, strasse, "
	    "plz, ort, raum, oe FROM lieferort WHERE code = ?");
	int rc = lookup(s, code);

	if (rc != 1)
		return rc;
	r->code = store_col_text(s, 0);
	r->bezeichnung = store_col_text(s, 1);
	r->strasse = store_col_text(s, 2);
	r->plz = store_col_text(s, 3);
	r->ort = store_col_text(s, 4);
	r->raum = store_col_text(s, 5);
	r->oe = store_col_text(s, 6);
	sqlite3_reset(s);
	return 1;
}

int
masterdata_artikel(struct store *st, const char *artikelnr, struct md_artikel *r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT artikelnr, bezeichnung, "
	    "einheit, preis_cents, lieferant, lieferanten_artikelnr, "
	    "genehmigungspflichtig FROM katalog WHERE artikelnr = ?");
	int rc = lookup(s, artikelnr);

	if (rc != 1)
		return rc;
	r->artikelnr = store_col_text(s, 0);
	r->bezeichnung = store_col_text(s, 1);
	r->einheit = store_col_text(s, 2);
	r->preis_cents = sqlite3_column_int64(s, 3);
	r->lieferant = store_col_text(s, 4);
	r->lieferanten_artikelnr = store_col_text(s, 5);
	r->genehmigungspflichtig = sqlite3_column_int(s, 6);
	sqlite3_reset(s);
	return 1;
}

int
masterdata_person(struct store *st, const char *email, struct md_person *r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT email, name, oe, rolle "
	    "FROM person WHERE email = ? COLLATE NOCASE");
	int rc = lookup(s, email);

	if (rc != 1)
		return rc;
	r->email = store_col_text(s, 0);
	r->name = store_col_text(s, 1);
	r->oe = store_col_text(s, 2);
	r->rolle = store_col_text(s, 3);
	sqlite3_reset(s);
	return 1;
}

int
masterdata_lieferant(struct store *st, const char *code, struct md_lieferant *r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT code, name, bestell_email, "
	    "kundennummer, format, mindestbestellwert_cents FROM lieferant "
	    "WHERE code = ?");
	int rc = lookup(s, code);

	if (rc != 1)
		return rc;
	r->code = store_col_text(s, 0);
	r->name = store_col_text(s, 1);
	r->bestell_email = store_col_text(s, 2);
	r->kundennummer = store_col_text(s, 3);
	r->format = store_col_text(s, 4);
	r->mindestbestellwert_cents = sqlite3_column_int64(s, 5);
	sqlite3_reset(s);
	return 1;
}

void
md_lieferant_clear(struct md_lieferant *r)
{
	free(r->code);
	free(r->name);
	free(r->bestell_email);
	free(r->kundennummer);
	free(r->format);
	memset(r, 0, sizeof(*r));
}

void
md_oe_clear(struct md_oe *r)
{
	free(r->code);
	free(r->bezeichnung);
	free(r->parent);
	free(r->genehmiger);
	free(r->vertretung);
	memset(r, 0, sizeof(*r));
}

void
md_kostenstelle_clear(struct md_kostenstelle *r)
{
	free(r->code);
	free(r->bezeichnung);
	free(r->oe);
	memset(r, 0, sizeof(*r));
}

void
md_lieferort_clear(struct md_lieferort *r)
{
	free(r->code);
	free(r->bezeichnung);
	free(r->strasse);
	free(r->plz);
	free(r->ort);
	free(r->raum);
	free(r->oe);
	memset(r, 0, sizeof(*r));
}

void
md_artikel_clear(struct md_artikel *r)
{
	free(r->artikelnr);
	free(r->bezeichnung);
	free(r->einheit);
	free(r->lieferant);
	free(r->lieferanten_artikelnr);
	memset(r, 0, sizeof(*r));
}

void
md_person_clear(struct md_person *r)
{
	free(r->email);
	free(r->name);
	free(r->oe);
	free(r->rolle);
	memset(r, 0, sizeof(*r));
}

int
masterdata_threshold(struct store *st, const char *oe, int64_t def,
    int64_t *cents_r)
{
	char *code = xstrdup(oe);

	for (int depth = 0; code != NULL && depth < 64; depth++) {
		struct md_oe o = { 0 };
		int rc = masterdata_oe(st, code, &o);

		free(code);
		code = NULL;
		if (rc == -1)
			return -1;
		if (rc == 0)
			break;
		if (o.schwelle_cents >= 0) {
			*cents_r = o.schwelle_cents;
			md_oe_clear(&o);
			return 0;
		}
		code = o.parent && *o.parent ? xstrdup(o.parent) : NULL;
		md_oe_clear(&o);
	}
	free(code);
	*cents_r = def;
	return 0;
}

int
masterdata_role_first(struct store *st, const char *rolle, char **email_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT email FROM person WHERE "
	    "rolle = ? ORDER BY email LIMIT 1");
	int rc = lookup(s, rolle);

	if (rc != 1)
		return rc;
	*email_r = store_col_text(s, 0);
	sqlite3_reset(s);
	return 1;
}

int
masterdata_counts(struct store *st, int64_t counts_r[6])
{
	static const char *const sql[6] = {
		"SELECT count(*) FROM oe", "SELECT count(*) FROM kostenstelle",
		"SELECT count(*) FROM lieferort", "SELECT count(*) FROM lieferant",
		"SELECT count(*) FROM katalog", "SELECT count(*) FROM person",
	};

	for (int i = 0; i < 6; i++) {
		sqlite3_stmt *s = store_stmt(st, sql[i]);
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_reset(s);
			return -1;
		}
		counts_r[i] = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return 0;
}
