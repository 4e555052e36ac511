/* SPDX-License-Identifier: MIT */
/*
 * masterdata - lookups in the imported master data.  See masterdata.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "masterdata.h"
#include "util.h"

/*
 * Lookups repeat: every mail of an intake asks for the same OEs,
 * Kostenstellen, Lieferorte and articles, several times.  Within a write
 * transaction nobody else can change the master data, and import forgets
 * (store_memo_forget) after each row it writes, so a row read once is
 * remembered until the store's generation moves on: at the end of the
 * transaction, or at any rollback.  Outside a transaction nothing is kept.
 */
#define MD_COLS 8
#define MD_CACHE 256

struct md_row {
	const char *sql;                /* the lookup (a literal: by address) */
	char *key;                      /* as bound; NULL: slot empty */
	int found;
	char *text[MD_COLS];            /* NULL for SQL NULL */
	int64_t num[MD_COLS];
};

static struct {
	const struct store *st;
	uint64_t generation;
	struct md_row rows[MD_CACHE];
} cache;

static void
row_clear(struct md_row *r)
{
	free(r->key);
	for (int i = 0; i < MD_COLS; i++)
		free(r->text[i]);
	memset(r, 0, sizeof(*r));
}

static size_t
slot_of(const char *sql, const char *key, int nocase)
{
	uint64_t h = (uint64_t)(uintptr_t)sql * 0x9e3779b97f4a7c15ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ (nocase && *p >= 'A' && *p <= 'Z' ? *p + 32 : *p)) *
		    0x100000001b3ULL;
	return (size_t)(h % MD_CACHE);
}

static int
key_equal(const char *a, const char *b, int nocase)
{
	return nocase ? str_casecmp(a, b) == 0 : strcmp(a, b) == 0;
}

/*
 * The row that sql (one key parameter, at most MD_COLS columns) finds for
 * key: *row_r points to it, valid until the next lookup.  nocase: the
 * query compares ASCII case-insensitively.  1 found, 0 not, -1 error.
 */
static int
lookup(struct store *st, const char *sql, const char *key, int nocase,
    const struct md_row **row_r)
{
	static struct md_row scratch;
	uint64_t gen = store_generation(st);
	struct md_row *r = &scratch;
	sqlite3_stmt *s;
	int rc;

	if (key == NULL)
		return 0;       /* NULL matches no row */
	if (gen != 0 && (cache.st != st || cache.generation != gen)) {
		for (size_t i = 0; i < MD_CACHE; i++)
			row_clear(&cache.rows[i]);
		cache.st = st;
		cache.generation = gen;
	}
	if (gen != 0) {
		r = &cache.rows[slot_of(sql, key, nocase)];
		if (r->key != NULL && r->sql == sql &&
		    key_equal(r->key, key, nocase)) {
			*row_r = r;
			return r->found;
		}
	}
	row_clear(r);
	s = store_stmt(st, sql);
	store_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int n = sqlite3_column_count(s);

		for (int i = 0; i < n && i < MD_COLS; i++) {
			r->text[i] = store_col_text(s, i);
			r->num[i] = sqlite3_column_type(s, i) == SQLITE_NULL ?
			    -1 : sqlite3_column_int64(s, i);
		}
		r->found = 1;
	} else if (rc != SQLITE_DONE) {
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	r->sql = sql;
	r->key = xstrdup(key);
	*row_r = r;
	return r->found;
}

/* Column i of a row as a new string (NULL for SQL NULL). */
static char *
col(const struct md_row *r, int i)
{
	return r->text[i] ? xstrdup(r->text[i]) : NULL;
}

int
masterdata_oe(struct store *st, const char *code, struct md_oe *r)
{
	const struct md_row *row;
	int rc = lookup(st, "SELECT code, bezeichnung, parent, genehmiger, "
	    "vertretung, schwelle_cents FROM oe WHERE code = ?", code, 0, &row);

	if (rc != 1)
		return rc;
	r->code = col(row, 0);
	r->bezeichnung = col(row, 1);
	r->parent = col(row, 2);
	r->genehmiger = col(row, 3);
	r->vertretung = col(row, 4);
	r->schwelle_cents = row->num[5];        /* -1 for NULL */
	return 1;
}

int
masterdata_kostenstelle(struct store *st, const char *code,
    struct md_kostenstelle *r)
{
	const struct md_row *row;
	int rc = lookup(st, "SELECT code, bezeichnung, oe, budget_cents, jahr "
	    "FROM kostenstelle WHERE code = ?", code, 0, &row);

	if (rc != 1)
		return rc;
	r->code = col(row, 0);
	r->bezeichnung = col(row, 1);
	r->oe = col(row, 2);
	r->budget_cents = row->text[3] ? row->num[3] : 0;
	r->jahr = row->text[4] ? (int)row->num[4] : 0;
	return 1;
}

int
masterdata_lieferort(struct store *st, const char *code, struct md_lieferort *r)
{
	const struct md_row *row;
	int rc = lookup(st, "SELECT code, bezeichnung, strasse, plz, ort, raum, "
	    "oe FROM lieferort WHERE code = ?", code, 0, &row);

	if (rc != 1)
		return rc;
	r->code = col(row, 0);
	r->bezeichnung = col(row, 1);
	r->strasse = col(row, 2);
	r->plz = col(row, 3);
	r->ort = col(row, 4);
	r->raum = col(row, 5);
	r->oe = col(row, 6);
	return 1;
}

int
masterdata_artikel(struct store *st, const char *artikelnr, struct md_artikel *r)
{
	const struct md_row *row;
	int rc = lookup(st, "SELECT artikelnr, bezeichnung, einheit, "
	    "preis_cents, lieferant, lieferanten_artikelnr, "
	    "genehmigungspflichtig FROM katalog WHERE artikelnr = ?", artikelnr,
	    0, &row);

	if (rc != 1)
		return rc;
	r->artikelnr = col(row, 0);
	r->bezeichnung = col(row, 1);
	r->einheit = col(row, 2);
	r->preis_cents = row->text[3] ? row->num[3] : 0;
	r->lieferant = col(row, 4);
	r->lieferanten_artikelnr = col(row, 5);
	r->genehmigungspflichtig = row->text[6] ? (int)row->num[6] : 0;
	return 1;
}

int
masterdata_person(struct store *st, const char *email, struct md_person *r)
{
	const struct md_row *row;
	int rc = lookup(st, "SELECT email, name, oe, rolle FROM person "
	    "WHERE email = ? COLLATE NOCASE", email, 1, &row);

	if (rc != 1)
		return rc;
	r->email = col(row, 0);
	r->name = col(row, 1);
	r->oe = col(row, 2);
	r->rolle = col(row, 3);
	return 1;
}

int
masterdata_lieferant(struct store *st, const char *code, struct md_lieferant *r)
{
	const struct md_row *row;
	int rc = lookup(st, "SELECT code, name, bestell_email, kundennummer, "
	    "format, mindestbestellwert_cents FROM lieferant WHERE code = ?",
	    code, 0, &row);

	if (rc != 1)
		return rc;
	r->code = col(row, 0);
	r->name = col(row, 1);
	r->bestell_email = col(row, 2);
	r->kundennummer = col(row, 3);
	r->format = col(row, 4);
	r->mindestbestellwert_cents = row->text[5] ? row->num[5] : 0;
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
	const struct md_row *row;
	int rc = lookup(st, "SELECT email FROM person WHERE rolle = ? "
	    "ORDER BY email LIMIT 1", rolle, 0, &row);

	if (rc != 1)
		return rc;
	*email_r = col(row, 0);
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
