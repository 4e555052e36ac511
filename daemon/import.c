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
need_columns(struct ctx *c, const char *const *names)
{
	for (; *names; names++)
		if (csv_col(c->t, *names) < 0)
			return row_fail(c, NULL, "Spalte \"%s\" fehlt in der "
			    "Kopfzeile", *names);
	return 0;
}

static int
need(struct ctx *c, const char *name, const char **v_r)
{
	const char *v = col(c, name);

	if (*v == '\0')
		return row_fail(c, name, "Wert fehlt");
	*v_r = v;
	return 0;
}

static int
money(struct ctx *c, const char *name, int optional, int64_t *cents_r)
{
	const char *v = col(c, name);

	if (*v == '\0' && optional) {
		*cents_r = -1;
		return 0;
	}
	if (money_parse(v, cents_r) == -1)
		return row_fail(c, name, "\"%.60s\" ist kein Geldbetrag "
		    "(z. B. 4,29)", v);
	return 0;
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

static int
step(struct ctx *c, sqlite3_stmt *s)
{
	if (store_step_done(c->st, s) == -1)
		return row_fail(c, NULL, "Datenbankfehler: %s",
		    store_errmsg(c->st));
	return 0;
}

static int
import_oe(struct ctx *c)
{
	static const char *const cols[] = { "oe", "bezeichnung",
	    "uebergeordnet", "genehmiger", "vertretung", "schwelle_eur", NULL };
	const char *code, *name, *g, *v;
	int64_t schwelle;
	sqlite3_stmt *s;

	if (need_columns(c, cols) == -1)
		return -1;
	for (size_t i = 0; i < c->t->nrows; i++) {
		c->row = &c->t->rows[i];
		if (need(c, "oe", &code) == -1 || need(c, "bezeichnung", &name) == -1 ||
		    money(c, "schwelle_eur", 1, &schwelle) == -1)
			return -1;
		g = col(c, "genehmiger");
		v = col(c, "vertretung");
		if (*g && !mail_ok(g))
			return row_fail(c, "genehmiger", "\"%.60s\" ist keine "
			    "Mail-Adresse", g);
		if (*v && !mail_ok(v))
			return row_fail(c, "vertretung", "\"%.60s\" ist keine "
			    "Mail-Adresse", v);
		s = store_stmt(c->st, "INSERT INTO oe (code, bezeichnung, parent, "
		    "genehmiger, vertretung, schwelle_cents) VALUES (?,?,?,?,?,?) "
		    "ON CONFLICT (code) DO UPDATE SET bezeichnung = excluded.bezeichnung, "
		    "parent = excluded.parent, genehmiger = excluded.genehmiger, "
		    "vertretung = excluded.vertretung, "
		    "schwelle_cents = excluded.schwelle_cents");
		store_bind_text(s, 1, code);
		store_bind_text(s, 2, name);
		store_bind_text(s, 3, *col(c, "uebergeordnet") ? col(c, "uebergeordnet") : NULL);
		store_bind_text(s, 4, *g ? g : NULL);
		store_bind_text(s, 5, *v ? v : NULL);
		if (schwelle >= 0)
			sqlite3_bind_int64(s, 6, schwelle);
		if (step(c, s) == -1)
			return -1;
	}
	/* Parents may come later in the file: check them after all rows. */
	for (size_t i = 0; i < c->t->nrows; i++) {
		const char *parent;

		c->row = &c->t->rows[i];
		parent = col(c, "uebergeordnet");
		if (*parent && !exists(c, "SELECT 1 FROM oe WHERE code = ?", parent))
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

static int
import_ks(struct ctx *c)
{
	static const char *const cols[] = { "kostenstelle", "bezeichnung", "oe",
	    "budget_eur", "jahr", NULL };
	const char *code, *name, *oe, *jahr;
	int64_t budget;
	char *end;
	long y;
	sqlite3_stmt *s;

	if (need_columns(c, cols) == -1)
		return -1;
	for (size_t i = 0; i < c->t->nrows; i++) {
		c->row = &c->t->rows[i];
		if (need(c, "kostenstelle", &code) == -1 ||
		    need(c, "bezeichnung", &name) == -1 || need(c, "oe", &oe) == -1 ||
		    money(c, "budget_eur", 0, &budget) == -1 ||
		    need(c, "jahr", &jahr) == -1)
			return -1;
		errno = 0;
		y = strtol(jahr, &end, 10);
		if (errno || *end || y < 2000 || y > 2999)
			return row_fail(c, "jahr", "\"%.20s\" ist kein Jahr", jahr);
		if (!exists(c, "SELECT 1 FROM oe WHERE code = ?", oe))
			return row_fail(c, "oe", "OE \"%.60s\" ist unbekannt", oe);
		s = store_stmt(c->st, "INSERT INTO kostenstelle (code, bezeichnung, "
		    "oe, budget_cents, jahr) VALUES (?,?,?,?,?) ON CONFLICT (code) "
		    "DO UPDATE SET bezeichnung = excluded.bezeichnung, oe = excluded.oe, "
		    "budget_cents = excluded.budget_cents, jahr = excluded.jahr");
		store_bind_text(s, 1, code);
		store_bind_text(s, 2, name);
		store_bind_text(s, 3, oe);
		sqlite3_bind_int64(s, 4, budget);
		sqlite3_bind_int(s, 5, (int)y);
		if (step(c, s) == -1)
			return -1;
	}
	return 0;
}

static int
import_lieferort(struct ctx *c)
{
	static const char *const cols[] = { "code", "bezeichnung", "strasse",
	    "plz", "ort", NULL };
	const char *code, *name, *str, *plz, *ort, *oe;
	sqlite3_stmt *s;

	if (need_columns(c, cols) == -1)
		return -1;
	for (size_t i = 0; i < c->t->nrows; i++) {
		c->row = &c->t->rows[i];
		if (need(c, "code", &code) == -1 || need(c, "bezeichnung", &name) == -1 ||
		    need(c, "strasse", &str) == -1 || need(c, "plz", &plz) == -1 ||
		    need(c, "ort", &ort) == -1)
			return -1;
		oe = col(c, "oe");
		if (*oe && !exists(c, "SELECT 1 FROM oe WHERE code = ?", oe))
			return row_fail(c, "oe", "OE \"%.60s\" ist unbekannt", oe);
		s = store_stmt(c->st, "INSERT INTO lieferort (code, bezeichnung, "
		    "strasse, plz, ort, raum, oe) VALUES (?,?,?,?,?,?,?) "
		    "ON CONFLICT (code) DO UPDATE SET bezeichnung = excluded.bezeichnung, "
		    "strasse = excluded.strasse, plz = excluded.plz, ort = excluded.ort, "
		    "raum = excluded.raum, oe = excluded.oe");
		store_bind_text(s, 1, code);
		store_bind_text(s, 2, name);
		store_bind_text(s, 3, str);
		store_bind_text(s, 4, plz);
		store_bind_text(s, 5, ort);
		store_bind_text(s, 6, *col(c, "raum") ? col(c, "raum") : NULL);
		store_bind_text(s, 7, *oe ? oe : NULL);
		if (step(c, s) == -1)
			return -1;
	}
	return 0;
}

static int
import_lieferant(struct ctx *c)
{
	static const char *const cols[] = { "lieferant", "name", "bestell_email",
	    "format", NULL };
	const char *code, *name, *mail, *fmt;
	int64_t minimum;
	sqlite3_stmt *s;

	if (need_columns(c, cols) == -1)
		return -1;
	for (size_t i = 0; i < c->t->nrows; i++) {
		c->row = &c->t->rows[i];
		if (need(c, "lieferant", &code) == -1 || need(c, "name", &name) == -1 ||
		    need(c, "bestell_email", &mail) == -1 ||
		    need(c, "format", &fmt) == -1 ||
		    money(c, "mindestbestellwert_eur", 1, &minimum) == -1)
			return -1;
		if (!mail_ok(mail))
			return row_fail(c, "bestell_email", "\"%.60s\" ist keine "
			    "Mail-Adresse", mail);
		if (strcmp(fmt, "csv") && strcmp(fmt, "opentrans") && strcmp(fmt, "text"))
			return row_fail(c, "format", "\"%.30s\" ist kein Format "
			    "(csv, opentrans oder text)", fmt);
		s = store_stmt(c->st, "INSERT INTO lieferant (code, name, "
		    "bestell_email, kundennummer, format, mindestbestellwert_cents) "
		    "VALUES (?,?,?,?,?,?) ON CONFLICT (code) DO UPDATE SET "
		    "name = excluded.name, bestell_email = excluded.bestell_email, "
		    "kundennummer = excluded.kundennummer, format = excluded.format, "
		    "mindestbestellwert_cents = excluded.mindestbestellwert_cents");
		store_bind_text(s, 1, code);
		store_bind_text(s, 2, name);
		store_bind_text(s, 3, mail);
		store_bind_text(s, 4, *col(c, "kundennummer") ? col(c, "kundennummer") : NULL);
		store_bind_text(s, 5, fmt);
		sqlite3_bind_int64(s, 6, minimum < 0 ? 0 : minimum);
		if (step(c, s) == -1)
			return -1;
	}
	return 0;
}

static int
import_katalog(struct ctx *c)
{
	static const char *const cols[] = { "artikelnr", "bezeichnung", "einheit",
	    "preis_eur", "lieferant", NULL };
	const char *nr, *name, *unit, *lief, *gp;
	int64_t preis;
	int flag;
	sqlite3_stmt *s;

	if (need_columns(c, cols) == -1)
		return -1;
	for (size_t i = 0; i < c->t->nrows; i++) {
		c->row = &c->t->rows[i];
		if (need(c, "artikelnr", &nr) == -1 || need(c, "bezeichnung", &name) == -1 ||
		    need(c, "einheit", &unit) == -1 ||
		    money(c, "preis_eur", 0, &preis) == -1 ||
		    need(c, "lieferant", &lief) == -1)
			return -1;
		gp = col(c, "genehmigungspflichtig");
		if (*gp == '\0' || !str_casecmp(gp, "nein") || !str_casecmp(gp, "no") ||
		    !strcmp(gp, "0"))
			flag = 0;
		else if (!str_casecmp(gp, "ja") || !str_casecmp(gp, "yes") ||
		    !strcmp(gp, "1"))
			flag = 1;
		else
			return row_fail(c, "genehmigungspflichtig", "\"%.20s\" ist "
			    "weder ja noch nein", gp);
		if (!exists(c, "SELECT 1 FROM lieferant WHERE code = ?", lief))
			return row_fail(c, "lieferant", "Lieferant \"%.60s\" ist "
			    "unbekannt", lief);
		s = store_stmt(c->st, "INSERT INTO katalog (artikelnr, bezeichnung, "
		    "einheit, preis_cents, lieferant, lieferanten_artikelnr, "
		    "genehmigungspflichtig) VALUES (?,?,?,?,?,?,?) ON CONFLICT "
		    "(artikelnr) DO UPDATE SET bezeichnung = excluded.bezeichnung, "
		    "einheit = excluded.einheit, preis_cents = excluded.preis_cents, "
		    "lieferant = excluded.lieferant, "
		    "lieferanten_artikelnr = excluded.lieferanten_artikelnr, "
		    "genehmigungspflichtig = excluded.genehmigungspflichtig");
		store_bind_text(s, 1, nr);
		store_bind_text(s, 2, name);
		store_bind_text(s, 3, unit);
		sqlite3_bind_int64(s, 4, preis);
		store_bind_text(s, 5, lief);
		store_bind_text(s, 6, *col(c, "lieferanten_artikelnr") ?
		    col(c, "lieferanten_artikelnr") : NULL);
		sqlite3_bind_int(s, 7, flag);
		if (step(c, s) == -1)
			return -1;
	}
	return 0;
}

static int
import_person(struct ctx *c)
{
	static const char *const cols[] = { "email", "name", "rolle", NULL };
	const char *mail, *name, *rolle, *oe;
	char *lower;
	sqlite3_stmt *s;
	int rc;

	if (need_columns(c, cols) == -1)
		return -1;
	for (size_t i = 0; i < c->t->nrows; i++) {
		c->row = &c->t->rows[i];
		if (need(c, "email", &mail) == -1 || need(c, "name", &name) == -1 ||
		    need(c, "rolle", &rolle) == -1)
			return -1;
		if (!mail_ok(mail))
			return row_fail(c, "email", "\"%.60s\" ist keine "
			    "Mail-Adresse", mail);
		oe = col(c, "oe");
		if (*oe && !exists(c, "SELECT 1 FROM oe WHERE code = ?", oe))
			return row_fail(c, "oe", "OE \"%.60s\" ist unbekannt", oe);
		s = store_stmt(c->st, "INSERT INTO person (email, name, oe, rolle) "
		    "VALUES (?,?,?,?) ON CONFLICT (email) DO UPDATE SET "
		    "name = excluded.name, oe = excluded.oe, rolle = excluded.rolle");
		lower = xstrdup(mail);
		str_lower(lower);
		store_bind_text(s, 1, lower);
		store_bind_text(s, 2, name);
		store_bind_text(s, 3, *oe ? oe : NULL);
		store_bind_text(s, 4, rolle);
		rc = step(c, s);
		free(lower);
		if (rc == -1)
			return -1;
	}
	return 0;
}

static int (*const importers[6])(struct ctx *) = {
	import_oe, import_ks, import_lieferort, import_lieferant,
	import_katalog, import_person,
};

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
		if (!exists(c, "SELECT 1 FROM lieferant WHERE code = ?", code)) {
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
		if (importers[i](&c) == -1) {
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
