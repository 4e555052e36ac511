/* SPDX-License-Identifier: MIT */
/*
 * import - master data CSV import, all-or-nothing.  See import.h.  Parsing
 * is parsers/csv.c; this module knows the six files' columns, checks values
 * and references, and writes with upserts.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "bmecat.h"
#include "csv.h"
#include "import.h"
#include "log.h"
#include "util.h"

const char *const import_files[6] = {
	"organisationseinheiten.csv", "kostenstellen.csv", "lieferorte.csv",
	"lieferanten.csv", "katalog.csv", "personen.csv",
};

static char errbuf[1024];

struct ctx {
	struct store *st;
	const char *file;
	const struct csv_table *t;
	const struct csv_row *row;
};

static int
row_fail(struct ctx *c, const char *col, const char *fmt, ...)
    SO_ATTR_PRINTF(3, 4);

static int
row_fail(struct ctx *c, const char *col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(errbuf, sizeof(errbuf), "%s:%u: %s%s%s", c->file,
	    c->row ? c->row->line : 1, col ? col : "", col ? ": " : "", msg);
	return -1;
}

/* Value of a column in the current row ("" if the column is absent). */
static const char *
col(struct ctx *c, const char *name)
{
	int i = csv_col(c->t, name);

	return i < 0 ? "" : c->row->field[i];
}

static int
exists(struct ctx *c, const char *sql, const char *key)
{
	sqlite3_stmt *s = store_stmt(c->st, sql);
	int rc;

	store_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW;
}

static int
mail_ok(const char *s)
{
	const char *at = strchr(s, '@');

	return at && at != s && at[1] && strchr(at + 1, '@') == NULL &&
	    strpbrk(s, " \t<>,;\"") == NULL;
}

/*
 * The six files as data.  A row is checked in three rounds, each over the
 * fields in order, so that the first problem of a row is the one reported:
 * missing values and amounts, then formats, then references.  Then ?1..?n
 * of the upsert are bound to the fields in order: an empty optional value
 * as NULL, an amount in cents (an empty optional amount as NULL), a value
 * a check turned into a number as that number, else the text.
 */
#define F_HEADER        0x01    /* the header row must have the column */
#define F_NEED          0x02    /* a value is required */
#define F_MONEY         0x04    /* an amount, required */
#define F_MONEY_OPT     0x08    /* an amount, optional */
#define F_MAIL          0x10    /* a mail address, if given */
#define F_LOWER         0x20    /* bound lower-cased */
#define F_KEY           (F_HEADER | F_NEED)

#define MAX_FIELDS      7

/* A value, if given, must name an existing row. */
struct ref {
	const char *sql, *what;
};

static const struct ref ref_oe = { "SELECT 1 FROM oe WHERE code = ?", "OE" };
static const struct ref ref_lieferant = {
	"SELECT 1 FROM lieferant WHERE code = ?", "Lieferant"
};

struct field {
	const char *name;
	unsigned flags;
	/* Further check: -1 refused (error set), 1 bind *n_r instead, 0 ok. */
	int (*check)(struct ctx *c, const char *name, const char *v,
	    int64_t *n_r);
	const struct ref *ref;
};

#define COL(name, flags)                { name, flags, NULL, NULL }
#define CHECKED(name, flags, check)     { name, flags, check, NULL }
#define REFERS(name, flags, ref)        { name, flags, NULL, ref }

struct importer {
	const char *upsert;
	struct field fields[MAX_FIELDS + 1];    /* ends with a NULL name */
	int (*after)(struct ctx *c);            /* checks across all rows */
};

static int
check_year(struct ctx *c, const char *name, const char *v, int64_t *n_r)
{
	char *end;
	long y;

	errno = 0;
	y = strtol(v, &end, 10);
	if (errno || *end || y < 2000 || y > 2999)
		return row_fail(c, name, "\"%.20s\" ist kein Jahr", v);
	*n_r = y;
	return 1;
}

static int
check_format(struct ctx *c, const char *name, const char *v, int64_t *n_r)
{
	(void)n_r;
	if (strcmp(v, "csv") && strcmp(v, "opentrans") && strcmp(v, "text"))
		return row_fail(c, name, "\"%.30s\" ist kein Format "
		    "(csv, opentrans oder text)", v);
	return 0;
}

static int
check_yes_no(struct ctx *c, const char *name, const char *v, int64_t *n_r)
{
	if (*v == '\0' || !str_casecmp(v, "nein") || !str_casecmp(v, "no") ||
	    !strcmp(v, "0"))
		*n_r = 0;
	else if (!str_casecmp(v, "ja") || !str_casecmp(v, "yes") ||
	    !strcmp(v, "1"))
		*n_r = 1;
	else
		return row_fail(c, name, "\"%.20s\" ist weder ja noch nein", v);
	return 1;
}

/* OE parents may come later in the file, and must not form a cycle. */
static int
check_oe_tree(struct ctx *c)
{
	for (size_t i = 0; i < c->t->nrows; i++) {
		const char *parent;

		c->row = &c->t->rows[i];
		parent = col(c, "uebergeordnet");
		if (*parent && !exists(c, ref_oe.sql, parent))
			return row_fail(c, "uebergeordnet", "OE \"%.60s\" ist "
			    "unbekannt", parent);
	}
	/* A cycle would make threshold and approver lookups meaningless. */
	for (size_t i = 0; i < c->t->nrows; i++) {
		char *cur;
		int depth = 0;

		c->row = &c->t->rows[i];
		cur = xstrdup(col(c, "oe"));
		while (cur && depth++ < 64) {
			sqlite3_stmt *p = store_stmt(c->st,
			    "SELECT parent FROM oe WHERE code = ?");
			store_bind_text(p, 1, cur);
			free(cur);
			cur = NULL;
			if (sqlite3_step(p) == SQLITE_ROW)
				cur = store_col_text(p, 0);
			sqlite3_reset(p);
		}
		free(cur);
		if (depth >= 64)
			return row_fail(c, "uebergeordnet", "Zyklus in der "
			    "OE-Hierarchie");
	}
	return 0;
}

/* In the order of import_files[]. */
static const struct importer importers[6] = {
	{ "INSERT INTO oe (code, bezeichnung, parent, genehmiger, vertretung, "
	    "schwelle_cents) VALUES (?,?,?,?,?,?) ON CONFLICT (code) DO UPDATE "
	    "SET bezeichnung = excluded.bezeichnung, parent = excluded.parent, "
	    "genehmiger = excluded.genehmiger, vertretung = excluded.vertretung, "
	    "schwelle_cents = excluded.schwelle_cents", {
		COL("oe", F_KEY), COL("bezeichnung", F_KEY),
		COL("uebergeordnet", F_HEADER),
		COL("genehmiger", F_HEADER | F_MAIL),
		COL("vertretung", F_HEADER | F_MAIL),
		COL("schwelle_eur", F_HEADER | F_MONEY_OPT),
	}, check_oe_tree },
	{ "INSERT INTO kostenstelle (code, bezeichnung, oe, budget_cents, jahr) "
	    "VALUES (?,?,?,?,?) ON CONFLICT (code) DO UPDATE SET "
	    "bezeichnung = excluded.bezeichnung, oe = excluded.oe, "
	    "budget_cents = excluded.budget_cents, jahr = excluded.jahr", {
		COL("kostenstelle", F_KEY), COL("bezeichnung", F_KEY),
		REFERS("oe", F_KEY, &ref_oe),
		COL("budget_eur", F_HEADER | F_MONEY),
		CHECKED("jahr", F_KEY, check_year),
	}, NULL },
	{ "INSERT INTO lieferort (code, bezeichnung, strasse, plz, ort, raum, oe) "
	    "VALUES (?,?,?,?,?,?,?) ON CONFLICT (code) DO UPDATE SET "
	    "bezeichnung = excluded.bezeichnung, strasse = excluded.strasse, "
	    "plz = excluded.plz, ort = excluded.ort, raum = excluded.raum, "
	    "oe = excluded.oe", {
		COL("code", F_KEY), COL("bezeichnung", F_KEY), COL("strasse", F_KEY),
		COL("plz", F_KEY), COL("ort", F_KEY), COL("raum", 0),
		REFERS("oe", 0, &ref_oe),
	}, NULL },
	{ "INSERT INTO lieferant (code, name, bestell_email, kundennummer, "
	    "format, mindestbestellwert_cents) VALUES (?,?,?,?,?,coalesce(?,0)) "
	    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
	    "bestell_email = excluded.bestell_email, "
	    "kundennummer = excluded.kundennummer, format = excluded.format, "
	    "mindestbestellwert_cents = excluded.mindestbestellwert_cents", {
		COL("lieferant", F_KEY), COL("name", F_KEY),
		COL("bestell_email", F_KEY | F_MAIL), COL("kundennummer", 0),
		CHECKED("format", F_KEY, check_format),
		COL("mindestbestellwert_eur", F_MONEY_OPT),
	}, NULL },
	{ "INSERT INTO katalog (artikelnr, bezeichnung, einheit, preis_cents, "
	    "lieferant, lieferanten_artikelnr, genehmigungspflichtig) "
	    "VALUES (?,?,?,?,?,?,?) ON CONFLICT (artikelnr) DO UPDATE SET "
	    "bezeichnung = excluded.bezeichnung, einheit = excluded.einheit, "
	    "preis_cents = excluded.preis_cents, lieferant = excluded.lieferant, "
	    "lieferanten_artikelnr = excluded.lieferanten_artikelnr, "
	    "genehmigungspflichtig = excluded.genehmigungspflichtig", {
		COL("artikelnr", F_KEY), COL("bezeichnung", F_KEY),
		COL("einheit", F_KEY), COL("preis_eur", F_HEADER | F_MONEY),
		REFERS("lieferant", F_KEY, &ref_lieferant),
		COL("lieferanten_artikelnr", 0),
		CHECKED("genehmigungspflichtig", 0, check_yes_no),
	}, NULL },
	{ "INSERT INTO person (email, name, oe, rolle) VALUES (?,?,?,?) "
	    "ON CONFLICT (email) DO UPDATE SET name = excluded.name, "
	    "oe = excluded.oe, rolle = excluded.rolle", {
		COL("email", F_KEY | F_MAIL | F_LOWER), COL("name", F_KEY),
		REFERS("oe", 0, &ref_oe), COL("rolle", F_KEY),
	}, NULL },
};

/* Check one row (c->row) and upsert it. */
static int
import_row(struct ctx *c, const struct importer *im)
{
	const struct field *f;
	const char *v[MAX_FIELDS];
	int64_t num[MAX_FIELDS];
	int isnum[MAX_FIELDS] = { 0 }, rc;
	sqlite3_stmt *s;
	size_t n;

	for (n = 0, f = im->fields; f->name; f++, n++) {
		v[n] = col(c, f->name);
		if ((f->flags & F_NEED) && *v[n] == '\0')
			return row_fail(c, f->name, "Wert fehlt");
		if (f->flags & (F_MONEY | F_MONEY_OPT)) {
			num[n] = -1;
			if ((*v[n] || (f->flags & F_MONEY)) &&
			    money_parse(v[n], &num[n]) == -1)
				return row_fail(c, f->name, "\"%.60s\" ist kein "
				    "Geldbetrag (z. B. 4,29)", v[n]);
			isnum[n] = num[n] >= 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		f = &im->fields[i];
		if ((f->flags & F_MAIL) && *v[i] && !mail_ok(v[i]))
			return row_fail(c, f->name, "\"%.60s\" ist keine "
			    "Mail-Adresse", v[i]);
		if (f->check && (rc = f->check(c, f->name, v[i], &num[i])) != 0) {
			if (rc == -1)
				return -1;
			isnum[i] = 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		f = &im->fields[i];
		if (f->ref && *v[i] && !exists(c, f->ref->sql, v[i]))
			return row_fail(c, f->name, "%s \"%.60s\" ist unbekannt",
			    f->ref->what, v[i]);
	}
	s = store_stmt(c->st, im->upsert);
	for (size_t i = 0; i < n; i++) {
		f = &im->fields[i];
		if (isnum[i])
			sqlite3_bind_int64(s, (int)i + 1, num[i]);
		else if (*v[i] && (f->flags & F_LOWER)) {
			char *lower = xstrdup(v[i]);

			str_lower(lower);
			sqlite3_bind_text(s, (int)i + 1, lower, -1, free);
		} else if (*v[i])
			store_bind_text(s, (int)i + 1, v[i]);
	}
	if (store_step_done(c->st, s) == -1)
		return row_fail(c, NULL, "Datenbankfehler: %s",
		    store_errmsg(c->st));
	store_memo_forget(c->st);       /* what masterdata remembered is old */
	return 0;
}

/* One parsed file: its header, every row, then the checks across rows. */
static int
import_table(struct ctx *c, const struct importer *im)
{
	for (const struct field *f = im->fields; f->name; f++)
		if ((f->flags & F_HEADER) && csv_col(c->t, f->name) < 0)
			return row_fail(c, NULL, "Spalte \"%s\" fehlt in der "
			    "Kopfzeile", f->name);
	for (size_t i = 0; i < c->t->nrows; i++) {
		c->row = &c->t->rows[i];
		if (import_row(c, im) == -1)
			return -1;
	}
	return im->after ? im->after(c) : 0;
}

struct bmectx {
	struct ctx *c;
	const char *lieferant;
	const char *path;
	size_t n;
	char err[512];
};

static int
bmecat_article_cb(const struct bmecat_article *a, void *vctx)
{
	struct bmectx *b = vctx;
	const char *nr = a->buyer_aid && *a->buyer_aid ? a->buyer_aid : a->supplier_aid;
	int64_t cents;
	sqlite3_stmt *s;

	if (a->currency && *a->currency && str_casecmp(a->currency, "EUR") != 0) {
		snprintf(b->err, sizeof(b->err), "%s:%u: Artikel %.60s: Währung "
		    "%.10s statt EUR", b->path, a->line, a->supplier_aid, a->currency);
		return 1;
	}
	if (money_parse(a->price, &cents) == -1) {
		snprintf(b->err, sizeof(b->err), "%s:%u: Artikel %.60s: Preis "
		    "\"%.30s\" ist kein Geldbetrag", b->path, a->line,
		    a->supplier_aid, a->price);
		return 1;
	}
	s = store_stmt(b->c->st, "INSERT INTO katalog (artikelnr, bezeichnung, "
	    "einheit, preis_cents, lieferant, lieferanten_artikelnr, "
	    "genehmigungspflichtig) VALUES (?,?,?,?,?,?,0) ON CONFLICT "
	    "(artikelnr) DO UPDATE SET bezeichnung = excluded.bezeichnung, "
	    "einheit = excluded.einheit, preis_cents = excluded.preis_cents, "
	    "lieferant = excluded.lieferant, "
	    "lieferanten_artikelnr = excluded.lieferanten_artikelnr");
	store_bind_text(s, 1, nr);
	store_bind_text(s, 2, a->description && *a->description ?
	    a->description : a->supplier_aid);
	store_bind_text(s, 3, bmecat_unit_name(a->order_unit ? a->order_unit : "C62"));
	sqlite3_bind_int64(s, 4, cents);
	store_bind_text(s, 5, b->lieferant);
	store_bind_text(s, 6, a->supplier_aid);
	if (store_step_done(b->c->st, s) == -1) {
		snprintf(b->err, sizeof(b->err), "%s:%u: Datenbankfehler: %s",
		    b->path, a->line, store_errmsg(b->c->st));
		return 1;
	}
	store_memo_forget(b->c->st);
	b->n++;
	return 0;
}

/* Every bmecat-<LIEFERANT>.xml of dir, into the catalogue. */
static int
import_bmecat(struct ctx *c, const char *dir, struct import_stats *stats)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (d == NULL)
		return 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		struct bmecat_header hdr = { 0 };
		struct bmectx b = { .c = c };
		char *code, *path;
		const char *err;

		if (n <= 11 || str_ncasecmp(e->d_name, "bmecat-", 7) != 0 ||
		    str_casecmp(e->d_name + n - 4, ".xml") != 0)
			continue;
		code = xstrndup(e->d_name + 7, n - 11);
		path = xasprintf("%s/%s", dir, e->d_name);
		b.lieferant = code;
		b.path = e->d_name;
		if (!exists(c, ref_lieferant.sql, code)) {
			snprintf(errbuf, sizeof(errbuf), "%s: Lieferant \"%.40s\" "
			    "ist unbekannt (Dateiname bmecat-<LIEFERANT>.xml)",
			    e->d_name, code);
			rc = -1;
		} else if (bmecat_read_file(path, &hdr, bmecat_article_cb, &b,
		    &err) == -1) {
			snprintf(errbuf, sizeof(errbuf), "%s", *b.err ? b.err : err);
			rc = -1;
		} else {
			stats->bmecat_files++;
			stats->bmecat_articles += b.n;
		}
		bmecat_header_clear(&hdr);
		free(code);
		free(path);
	}
	closedir(d);
	return rc;
}

static void
warn_unknown_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		int known = 0;

		if (n < 4 || str_casecmp(e->d_name + n - 4, ".csv") != 0)
			continue;
		for (int i = 0; i < 6; i++)
			known |= strcmp(e->d_name, import_files[i]) == 0;
		if (!known)
			log_warn("import: %s/%s is not one of the master-data files "
			    "(%s, %s, %s, %s, %s, %s); ignored", dir, e->d_name,
			    import_files[0], import_files[1], import_files[2],
			    import_files[3], import_files[4], import_files[5]);
	}
	closedir(d);
}

int
import_dir(struct store *st, const char *dir, struct import_stats *stats,
    const char **error_r)
{
	return import_dir_then(st, dir, NULL, NULL, stats, error_r);
}

int
import_dir_then(struct store *st, const char *dir,
    int (*after)(struct store *st, void *ctx, const char **error_r),
    void *ctx, struct import_stats *stats, const char **error_r)
{
	struct ctx c = { .st = st };
	int rc = -1;

	memset(stats, 0, sizeof(*stats));
	*error_r = errbuf;
	if (store_begin(st) == -1) {
		snprintf(errbuf, sizeof(errbuf), "database: %s", store_errmsg(st));
		return -1;
	}
	for (int i = 0; i < 6; i++) {
		char *path = xasprintf("%s/%s", dir, import_files[i]);
		char *data;
		size_t len;
		const char *err;
		struct csv_table *t;
		struct stat sb;

		if (stat(path, &sb) == -1 && errno == ENOENT) {
			free(path);
			continue;
		}
		if (file_read(path, 64 * 1024 * 1024, &data, &len, &err) == -1) {
			snprintf(errbuf, sizeof(errbuf), "%s", err);
			free(path);
			goto out;
		}
		free(path);
		if (csv_parse(data, len, ';', 1000000, &t, &err) == -1) {
			/* csv says "line N: ..."; we say "file:N: ...". */
			snprintf(errbuf, sizeof(errbuf), "%s:%s", import_files[i],
			    strncmp(err, "line ", 5) == 0 ? err + 5 : err);
			free(data);
			goto out;
		}
		free(data);
		c.file = import_files[i];
		c.t = t;
		c.row = NULL;
		if (import_table(&c, &importers[i]) == -1) {
			csv_free(t);
			goto out;
		}
		stats->rows[i] = t->nrows;
		stats->files++;
		csv_free(t);
	}
	c.file = "bmecat";
	c.row = NULL;
	if (import_bmecat(&c, dir, stats) == -1)
		goto out;
	/* A misnamed file (Katalog.csv, katalog.CSV) would be silently ignored. */
	warn_unknown_files(dir);
	if (stats->files == 0 && stats->bmecat_files == 0) {
		snprintf(errbuf, sizeof(errbuf), "%s: keine der Stammdaten-Dateien "
		    "gefunden (%s, ...)", dir, import_files[0]);
		goto out;
	}
	{
		char *what = xasprintf("%zu Dateien, %zu BMEcat-Artikel", stats->files,
		    stats->bmecat_articles);
		int arc = audit_append(st, so_now(), "admin", "import", NULL, NULL,
		    NULL, NULL, what);

		free(what);
		if (arc == -1) {
			snprintf(errbuf, sizeof(errbuf), "audit: %s", store_errmsg(st));
			goto out;
		}
	}
	if (after != NULL) {
		const char *err = NULL;

		if (after(st, ctx, &err) == -1) {
			snprintf(errbuf, sizeof(errbuf), "%s", err ? err : "?");
			goto out;
		}
	}
	if (store_commit(st) == -1) {
		snprintf(errbuf, sizeof(errbuf), "database commit: %s",
		    store_errmsg(st));
		return -1;
	}
	return 0;
out:
	store_rollback(st);
	return rc;
}
