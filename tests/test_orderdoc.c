/* SPDX-License-Identifier: MIT */
/*
 * test_orderdoc - tests for templates/orderdoc.c: the unit table (with
 * units that must be refused), one CSV compared byte for byte, a table of
 * documents (one and three Lieferorte, umlauts, hostile text, long texts,
 * free-text positions, many lines, every unit) rendered to CSV and read
 * back with a strict reader of our own, and rendered to openTRANS, where
 * EVERY document is validated with xmllint against the openTRANS 2.1
 * schema and then read back with libxml2 and compared field by field; a
 * table of documents that must be refused; order dates in several time
 * zones; the output buffer limit.  Three broken documents make sure the
 * validator itself can fail.
 *
 * The expected values come from a small model of the cleaning rules in
 * this file (model_clean, model_cut), not from the module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "orderdoc.h"
#include "util.h"

#define SCHEMA "tests/data/schemas/opentrans-2.1/opentrans_2_1.xsd"
#define NS_OT "http://www.opentrans.org/XMLSchema/2.1"
#define NS_BMECAT "http://www.bmecat.org/bmecat/2005"

/* 2026-03-14 09:30:00 in Europe/Berlin, the zone main() sets. */
#define DATE_T 1773477000
#define DATE_CSV "2026-03-14"
#define DATE_OT "2026-03-14T09:30:00+01:00"

/* ---- the unit table ---- */

static const struct {
	const char *in;
	const char *code;       /* NULL: must fail */
} unit_cases[] = {
	{ "Stück", "C62" }, { "stück", "C62" }, { "STÜCK", "C62" },
	{ "  Stück \t", "C62" }, { " stück ", "C62" }, { "Stück\r\n", "C62" },
	{ "Stueck", "C62" }, { "Stk", "C62" }, { "Stk.", "C62" },
	{ "STCK", "C62" }, { "Stck.", "C62" }, { "St.", "C62" },
	{ "Pack", "PK" }, { "PACK", "PK" }, { "Packung", "PK" }, { "Pck", "PK" },
	{ "Pck.", "PK" }, { "Pkg", "PK" }, { "Pkg.", "PK" },
	{ "Karton", "CT" }, { "Ktn", "CT" }, { "Ktn.", "CT" }, { "Krt", "CT" },
	{ "Krt.", "CT" },
	{ "Schachtel", "BX" }, { "Box", "BX" },
	{ "Block", "PD" }, { "Rolle", "RO" }, { "Paar", "PR" },
	{ "Satz", "SET" }, { "Set", "SET" },
	{ "Flasche", "BO" }, { "Dose", "CA" },
	{ "Meter", "MTR" }, { "m", "MTR" }, { "Zentimeter", "CMT" }, { "cm", "CMT" },
	{ "Quadratmeter", "MTK" }, { "m²", "MTK" }, { "qm", "MTK" },
	{ "Liter", "LTR" }, { "l", "LTR" }, { "Milliliter", "MLT" }, { "ml", "MLT" },
	{ "Kilogramm", "KGM" }, { "kg", "KGM" }, { "KG", "KGM" },
	{ "Gramm", "GRM" }, { "g", "GRM" },
	{ "Blatt", "ST" }, { "Bogen", "ST" }, { "Ries", "RM" },
	{ "Beutel", "BG" }, { "Tüte", "BG" }, { "TÜTE", "BG" },
	{ "Dutzend", "DZN" }, { "Tube", "TU" }, { "Eimer", "BJ" }, { "Bund", "BE" },
	{ "Millimeter", "MMT" }, { "Kubikmeter", "MTQ" }, { "Tonne", "TNE" },
	/* the names parsers/bmecat.c gives imported Rec. 20 units */
	{ "Päckchen", "PA" }, { "PÄCKCHEN", "PA" }, { "Kiste", "CS" },
	{ "Kartusche", "CQ" }, { "Bündel", "BE" }, { "Sack", "SA" },
	{ "t", "TNE" }, { "mm", "MMT" }, { "m³", "MTQ" }, { "Stunde", "HUR" },
	{ "Tag", "DAY" }, { "Monat", "MON" }, { "Jahr", "ANN" },
	{ "Pauschale", "LS" },
	/* must fail */
	{ NULL, NULL }, { "", NULL }, { "   ", NULL }, { "Kasten", NULL },
	{ "Palette", NULL }, { "St", NULL }, { "ST", NULL }, { "C62", NULL },
	{ "PK", NULL }, { "H87", NULL },
	{ "km", NULL },                         /* KMT is not in dtPUNIT */
	{ "Stück Pack", NULL }, { "Stückk", NULL }, { "Stü", NULL },
	{ "St\xfc" "ck", NULL },                /* Latin-1, not UTF-8 */
	{ "Stück\x01", NULL }, { "Stück.", NULL }, { "Stk..", NULL },
	{ "Stück                                        x", NULL },
	{ "Stückstückstückstückstückstückstück", NULL },
	{ "\xc3", NULL },
};

/* The code the table above expects for a unit used in a fixture. */
static const char *
unit_expect(const char *unit)
{
	for (size_t i = 0; i < SO_NELEM(unit_cases); i++) {
		if (unit_cases[i].in != NULL && strcmp(unit_cases[i].in, unit) == 0)
			return unit_cases[i].code;
	}
	fail_msg("fixture unit \"%s\" is not in unit_cases", unit);
	return NULL;
}

static void
test_unit_codes(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(unit_cases); i++) {
		const char *got = orderdoc_unit_code(unit_cases[i].in);

		if (unit_cases[i].code == NULL && got != NULL)
			fail_msg("unit row %zu \"%s\": got %s, must fail", i,
			    unit_cases[i].in, got);
		if (unit_cases[i].code != NULL &&
		    (got == NULL || strcmp(got, unit_cases[i].code) != 0))
			fail_msg("unit row %zu \"%s\": got %s, want %s", i,
			    unit_cases[i].in, got ? got : "NULL",
			    unit_cases[i].code);
	}
}

/* ---- the model of what orderdoc must make of a string ---- */

static char *
model_clean(const char *s, int multiline)
{
	const unsigned char *p;
	struct buf b;
	char *r;

	buf_init(&b, 0);
	for (p = (const unsigned char *)(s ? s : ""); *p != '\0'; p++) {
		if (*p == '\t' || *p == '\r' || *p == '\n') {
			if (!multiline)
				buf_putc(&b, ' ');
			else if (*p == '\t')
				buf_putc(&b, '\t');
			else if (!(*p == '\r' && p[1] == '\n'))
				buf_putc(&b, '\n');
		} else if (*p < 0x20 || *p == 0x7f) {
			;
		} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			p++;
		} else if (p[0] == 0xef && p[1] == 0xbf &&
		    (p[2] == 0xbe || p[2] == 0xbf)) {
			p += 2;
		} else
			buf_putc(&b, (char)*p);
	}
	r = buf_steal(&b);
	str_trim(r);
	return r;
}

/* First max characters of s (which model_clean() made), trimmed again. */
static char *
model_cut(const char *s, size_t max, int *cut_r)
{
	size_t n = 0, i;
	char *r;

	for (i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == max)
			break;
	}
	*cut_r = s[i] != '\0';
	r = xstrndup(s, i);
	str_trim(r);
	return r;
}

static char *
model_csv(const char *s)
{
	char *c = model_clean(s, 0), *r;

	if (c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@') {
		r = xasprintf("'%s", c);
		free(c);
		return r;
	}
	return c;
}

/* The case numbers of case_nr; *remark_r the item remark naming them. */
static size_t
model_cases(const char *case_nr, char **remark_r)
{
	char *c = model_clean(case_nr, 0), *save = NULL;
	struct buf b;
	size_t n = 0;

	buf_init(&b, 0);
	for (char *t = strtok_r(c, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		str_trim(t);
		if (*t != '\0')
			buf_printf(&b, "%s%s", n++ ? ", " : "", t);
	}
	*remark_r = xasprintf("%s %s", n == 1 ? "Vorgang" : "Vorgänge",
	    buf_cstr(&b));
	buf_free(&b);
	free(c);
	return n;
}

static void
check_str(const char *ctx, const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", ctx, got, want);
}

/* Compare got with model_clean(raw) (or model_csv) and free the model. */
static void
check_model(const char *ctx, const char *got, char *want)
{
	check_str(ctx, got, want);
	free(want);
}

/* ---- fixtures: documents that must render ---- */

struct fixture {
	struct orderdoc d;
	struct orderdoc_party *p;
	struct orderdoc_line *l;
	char **own;
	size_t nown;
};

static const char *
fx_keep(struct fixture *fx, char *s)
{
	fx->own = xreallocarray(fx->own, fx->nown + 1, sizeof(*fx->own));
	fx->own[fx->nown++] = s;
	return s;
}

/* s repeated n times. */
static char *
str_rep(const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		buf_puts(&b, s);
	return buf_steal(&b);
}

static void
fx_set(struct fixture *fx, const struct orderdoc *d,
    const struct orderdoc_party *p, size_t np,
    const struct orderdoc_line *l, size_t nl)
{
	fx->d = *d;
	fx->p = xcalloc(np ? np : 1, sizeof(*fx->p));
	memcpy(fx->p, p, np * sizeof(*p));
	fx->l = xcalloc(nl ? nl : 1, sizeof(*fx->l));
	memcpy(fx->l, l, nl * sizeof(*l));
	fx->d.deliveries = fx->p;
	fx->d.ndeliveries = np;
	fx->d.lines = fx->l;
	fx->d.nlines = nl;
	fx->d.total_cents = 0;
	for (size_t i = 0; i < nl; i++)
		fx->d.total_cents += l[i].total_cents;
}

static void
fx_free(struct fixture *fx)
{
	for (size_t i = 0; i < fx->nown; i++)
		free(fx->own[i]);
	free(fx->own);
	free(fx->p);
	free(fx->l);
	memset(fx, 0, sizeof(*fx));
}

static const struct orderdoc head_l02 = {
	.order_id = "B-2026-000007", .order_date = DATE_T,
	.buyer_id = "EXEMPLA", .buyer_name = "Kreisstadt Exempla",
	.buyer_email = "bestellung@exempla.test",
	.supplier_id = "L02", .supplier_name = "Papierhaus Schulze KG",
	.supplier_email = "bestellung@papierhaus.test",
	.customer_number = "4711-EX",
	.remark = "Bitte Lieferschein mit Vorgangsnummern.",
};

static const struct orderdoc head_l01 = {
	.order_id = "B-2026-000008", .order_date = DATE_T,
	.buyer_id = "EXEMPLA", .buyer_name = "Kreisstadt Exempla",
	.buyer_email = "bestellung@exempla.test",
	.supplier_id = "L01", .supplier_name = "Bürowelt Nord GmbH",
	.supplier_email = "auftrag@buerowelt.test",
	.customer_number = "KD-778812",
};

static const struct orderdoc_party party_rh214[] = {
	{ "RH-214", "Rathaus, Personalamt", "Marktplatz 1", "12345", "Exempla",
	  "2.14" },
};

static const struct orderdoc_party party_three[] = {
	{ "RH-EG-012", "Rathaus, Poststelle", "Marktplatz 1", "12345",
	  "Exempla", "EG 012" },
	{ "RH-305", "Rathaus, Kämmerei", "Marktplatz 1", "12345", "Exempla",
	  "3.05" },
	{ "BA-101", "Technisches Rathaus, Bauamt", "Am Stadtgraben 7", "12345",
	  "Exempla", "1.01" },
};

static const struct orderdoc_line lines_one[] = {
	{ "PH-A480-500", "100234", "Kopierpapier A4 80 g/m², 500 Blatt", 10,
	  "Pack", 429, 4290, "1020", "SO-2026-000042", "RH-214" },
	{ "PH-A380-500", "100235", "Kopierpapier A3 80 g/m², 500 Blatt", 2,
	  "Pack", 980, 1960, "1020", "SO-2026-000042,SO-2026-000043", "RH-214" },
	{ "PH-DL-1000", "610050", "Briefumschläge DIN lang, 1000 Stück", 1,
	  "Karton", 2490, 2490, "1020", "SO-2026-000043", "RH-214" },
};

static const struct orderdoc_line lines_three[] = {
	{ "BW-KS-B", "200511", "Kugelschreiber blau", 20, "Stück", 89, 1780,
	  "1010", "SO-2026-000050", "RH-EG-012" },
	{ "BW-HK-246", "300220", "Heftklammern 24/6, 1000 Stück", 5,
	  "Schachtel", 95, 475, "2000", "SO-2026-000051", "RH-305" },
	{ "BW-HN-76", "500300", "Haftnotizen 76x76 gelb", 12, "Block", 119,
	  1428, "6000", "SO-2026-000052", "BA-101" },
	{ "BW-ORD-80G", "300100", "Ordner A4 breit, grau", 10, "Stück", 215,
	  2150, "2000", "SO-2026-000051, SO-2026-000053", "RH-305" },
};

static void
fx_one(struct fixture *fx)
{
	fx_set(fx, &head_l02, party_rh214, 1, lines_one, SO_NELEM(lines_one));
}

static void
fx_three(struct fixture *fx)
{
	fx_set(fx, &head_l01, party_three, 3, lines_three,
	    SO_NELEM(lines_three));
}

/* Markup, quotes, CSV separators, formula starters and control characters. */
static void
fx_hostile(struct fixture *fx)
{
	static const struct orderdoc head = {
		.order_id = "B-2026-<7>&'\"", .order_date = DATE_T,
		.buyer_id = "EXEMPLA&<>", .buyer_name =
		    "Kreisstadt \"Exempla\" & Co <Test>\x01",
		.buyer_email = "a&b@exempla.test",
		.supplier_id = "L'02", .supplier_name = "=Papierhaus; \"S\"\x7f",
		.customer_number = "@4711<EX>",
		.remark = "Bitte liefern\r\nan die <Poststelle> & \"Hof\"\x0c\r"
		    "Ende ]]> \xc2\x85 \xef\xbf\xbe\t.",
	};
	static const struct orderdoc_party p[] = {
		{ "LO-<&>\"'", "Lager \"Süd\" & <Nord>\x01\x02", "Straße 'A'; 5",
		  "12345\x1b", "Ex\templa", "=1+1" },
		{ "+LO-2", "Außenstelle\r\nHof", "-Weg 1", "12345", "Exempla",
		  "\"1\";2" },
	};
	static const struct orderdoc_line l[] = {
		{ "=HYPERLINK(\"http://x\")", "@SUM(A1)",
		  "<script>alert('x')</script> & \"Zitat\"; Semikolon\r\n"
		  "Neue Zeile\x07\x1b[31m ]]> \xc2\x85\xef\xbf\xbf Ende", 3,
		  " stück ", 100, 300, "-1010", "+SO-2026-000060", "LO-<&>\"'" },
		{ "-PH-1", NULL, "\t\x01Heft \"A5\" <liniert> & kariert\x0b", 7,
		  "Pack", 55, 385, "<1010>", "SO-2026-000061,SO-2026-<62>",
		  "+LO-2" },
	};

	fx_set(fx, &head, p, SO_NELEM(p), l, SO_NELEM(l));
}

/* Descriptions around the 150-character cut, names over 50 characters. */
static void
fx_long(struct fixture *fx)
{
	static const struct orderdoc_party p[] = {
		{ "RH-214", NULL, "Marktplatz 1", "12345", "Exempla", NULL },
	};
	static const struct orderdoc_line l[] = {
		{ "PH-1", "1", NULL, 1, "Blatt", 1, 1, "1020", "SO-2026-000070",
		  "RH-214" },
		{ "PH-2", "2", NULL, 1, "Blatt", 1, 1, "1020", "SO-2026-000070",
		  "RH-214" },
		{ "PH-3", "3", NULL, 1, "Blatt", 1, 1, "1020", "SO-2026-000070",
		  "RH-214" },
		{ "PH-4", "4", NULL, 1, "Blatt", 1, 1, "1020", "SO-2026-000070",
		  "RH-214" },
	};
	struct orderdoc head = head_l02;

	head.buyer_name = fx_keep(fx, xasprintf("Kreisstadt Exempla – %s",
	    "Zentrale Beschaffung für Ämter und Eigenbetriebe"));
	head.supplier_name = fx_keep(fx, str_rep("Ä", 51));
	fx_set(fx, &head, p, 1, l, SO_NELEM(l));
	fx->p[0].name = fx_keep(fx, str_rep("Rathaus Personalamt ", 4));
	fx->l[0].description = fx_keep(fx, str_rep("é", 150));
	fx->l[1].description = fx_keep(fx, str_rep("é", 151));
	fx->l[2].description = fx_keep(fx, str_rep("Größe ", 80));
	/* The cut falls on a space that must not be left at the end. */
	fx->l[3].description = fx_keep(fx, xasprintf("%s xyz",
	    fx_keep(fx, str_rep("x", 149))));
}

/* Free-text positions: no article numbers; optional fields left out. */
static void
fx_free_text(struct fixture *fx)
{
	static const struct orderdoc head = {
		.order_id = "B-2026-000009", .order_date = DATE_T,
		.buyer_id = "EXEMPLA", .buyer_name = "Kreisstadt Exempla",
		.buyer_email = NULL, .supplier_id = "L03",
		.supplier_name = "Technik-Direkt Handels AG",
		.supplier_email = "", .customer_number = NULL,
		.remark = "Zeile 1\r\nZeile 2\rZeile 3\n\tEingerückt\n",
	};
	static const struct orderdoc_party p[] = {
		{ "BA-101", "Technisches Rathaus, Bauamt", "Am Stadtgraben 7",
		  "12345", "Exempla", NULL },
	};
	static const struct orderdoc_line l[] = {
		{ NULL, NULL, "Whiteboard 120x90 cm, magnetisch", 1, "Stück",
		  8990, 8990, "6000", "SO-2026-000080", "BA-101" },
		{ "", "", "Beamer-Kabel HDMI 5 m", 2, "Stück", 1250, 2500,
		  "6000", "SO-2026-000081", "BA-101" },
	};

	fx_set(fx, &head, p, 1, l, SO_NELEM(l));
}

#define MANY_LINES 500

static void
fx_many(struct fixture *fx)
{
	static const char *const units[] = { "Stück", "Pack", "Karton",
	    "Schachtel", "Block" };
	struct orderdoc_line *l = xcalloc(MANY_LINES, sizeof(*l));

	for (size_t i = 0; i < MANY_LINES; i++) {
		l[i].supplier_aid = fx_keep(fx, xasprintf("BW-%05zu", i));
		l[i].buyer_aid = fx_keep(fx, xasprintf("%zu", 900000 + i));
		l[i].description = fx_keep(fx, xasprintf("Artikel Nr. %zu, "
		    "Größe %zu – „Qualität“", i, i % 7));
		l[i].quantity = (int64_t)(i % 13) + 1;
		l[i].unit = units[i % SO_NELEM(units)];
		l[i].price_cents = (int64_t)(i * 37 % 10000);
		l[i].total_cents = l[i].quantity * l[i].price_cents;
		l[i].kostenstelle = i % 2 ? "1010" : "2000";
		l[i].case_nr = fx_keep(fx, xasprintf("SO-2026-%06zu", 100 + i / 3));
		l[i].delivery_id = party_three[i % 3].id;
	}
	fx_set(fx, &head_l01, party_three, 3, l, MANY_LINES);
	free(l);
}

/* One line per unit the table knows: every code must be in the schema. */
static void
fx_units(struct fixture *fx)
{
	struct orderdoc_line *l = xcalloc(SO_NELEM(unit_cases), sizeof(*l));
	size_t n = 0;

	for (size_t i = 0; i < SO_NELEM(unit_cases); i++) {
		if (unit_cases[i].code == NULL)
			continue;
		l[n] = lines_one[0];
		l[n].unit = unit_cases[i].in;
		n++;
	}
	fx_set(fx, &head_l02, party_rh214, 1, l, n);
	free(l);
}

static const struct {
	const char *name;
	void (*make)(struct fixture *fx);
} fixtures[] = {
	{ "one delivery", fx_one },
	{ "three deliveries", fx_three },
	{ "hostile text", fx_hostile },
	{ "long texts", fx_long },
	{ "free text", fx_free_text },
	{ "many lines", fx_many },
	{ "all units", fx_units },
};

/* ---- a strict CSV reader: RFC 4180 with ';' and CRLF only ---- */

#define CSV_FIELDS_MAX 32

struct csvrow {
	char *f[CSV_FIELDS_MAX];
	size_t n;
};

static void
csv_rows_free(struct csvrow *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < rows[i].n; j++)
			free(rows[i].f[j]);
	}
	free(rows);
}

/* NULL if s is not exactly what RFC 4180 allows (every row ends in CRLF). */
static struct csvrow *
csv_read(const char *s, size_t *nrows_r)
{
	struct csvrow *rows = NULL;
	size_t n = 0;
	const char *p = s;
	struct buf f;

	buf_init(&f, 0);
	while (*p != '\0') {
		struct csvrow *row;

		rows = xreallocarray(rows, n + 1, sizeof(*rows));
		row = &rows[n++];
		row->n = 0;
		for (;;) {
			buf_reset(&f);
			if (*p == '"') {
				for (p++; ; p++) {
					if (*p == '\0')
						goto bad;
					if (*p == '"' && p[1] != '"')
						break;
					if (*p == '"')
						p++;
					buf_putc(&f, *p);
				}
				p++;
			} else {
				for (; *p != ';' && *p != '\r' && *p != '\0'; p++) {
					if (*p == '"' || *p == '\n')
						goto bad;
					buf_putc(&f, *p);
				}
			}
			if (row->n == CSV_FIELDS_MAX)
				goto bad;
			row->f[row->n++] = xstrdup(buf_cstr(&f));
			if (*p == ';') {
				p++;
				continue;
			}
			if (p[0] == '\r' && p[1] == '\n') {
				p += 2;
				break;
			}
			goto bad;
		}
	}
	buf_free(&f);
	*nrows_r = n;
	return rows;
bad:
	buf_free(&f);
	csv_rows_free(rows, n);
	return NULL;
}

static const char *const csv_header[] = {
	"bestellnummer", "bestelldatum", "lieferant", "kundennummer",
	"lieferort", "lieferort_name", "strasse", "plz", "ort", "raum",
	"pos", "lieferanten_artikelnr", "artikelnr", "bezeichnung", "menge",
	"einheit", "einzelpreis_eur", "gesamtpreis_eur", "kostenstelle",
	"vorgang",
};

static const struct orderdoc_party *
party_of(const struct orderdoc *d, const struct orderdoc_line *l)
{
	char *want = model_clean(l->delivery_id, 0);

	for (size_t k = 0; k < d->ndeliveries; k++) {
		char *id = model_clean(d->deliveries[k].id, 0);
		int same = strcmp(id, want) == 0;

		free(id);
		if (same) {
			free(want);
			return &d->deliveries[k];
		}
	}
	fail_msg("fixture line names unknown delivery \"%s\"", want);
	return NULL;
}

/*
 * Nothing but printable text and the line ends we allow: in CSV only the
 * CRLF that ends a row (every field is one line), in XML LF and the TAB
 * that a multi-line remark may keep.
 */
static void
check_no_controls(const char *name, const char *s, int csv)
{
	for (size_t i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != 0x7f)
			continue;
		if (csv && c == '\r' && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (!csv && (c == '\n' || c == '\t'))
			continue;
		fail_msg("%s: control character 0x%02x at offset %zu", name, c, i);
	}
}

static void
check_csv(const char *name, const struct orderdoc *d)
{
	struct buf out;
	struct csvrow *rows;
	size_t nrows = 0;
	const char *err = NULL;
	char ctx[160];

	buf_init(&out, 0);
	if (orderdoc_csv(d, &out, &err) != 0)
		fail_msg("%s: orderdoc_csv failed: %s", name, err);
	if (!utf8_valid(buf_cstr(&out), out.len))
		fail_msg("%s: CSV is not valid UTF-8", name);
	check_no_controls(name, buf_cstr(&out), 1);
	rows = csv_read(buf_cstr(&out), &nrows);
	if (rows == NULL)
		fail_msg("%s: CSV does not parse:\n%s", name, buf_cstr(&out));
	assert_int_equal(nrows, d->nlines + 1);
	assert_int_equal(rows[0].n, SO_NELEM(csv_header));
	for (size_t j = 0; j < SO_NELEM(csv_header); j++)
		check_str("header", rows[0].f[j], csv_header[j]);
	for (size_t i = 0; i < d->nlines; i++) {
		const struct orderdoc_line *l = &d->lines[i];
		const struct orderdoc_party *p = party_of(d, l);
		char **f = rows[i + 1].f;
		char num[64];

		snprintf(ctx, sizeof(ctx), "%s: CSV row %zu", name, i + 1);
		if (rows[i + 1].n != SO_NELEM(csv_header))
			fail_msg("%s: %zu fields", ctx, rows[i + 1].n);
		check_model(ctx, f[0], model_csv(d->order_id));
		check_str(ctx, f[1], DATE_CSV);
		check_model(ctx, f[2], model_csv(d->supplier_name));
		check_model(ctx, f[3], model_csv(d->customer_number));
		check_model(ctx, f[4], model_csv(p->id));
		check_model(ctx, f[5], model_csv(p->name));
		check_model(ctx, f[6], model_csv(p->street));
		check_model(ctx, f[7], model_csv(p->zip));
		check_model(ctx, f[8], model_csv(p->city));
		check_model(ctx, f[9], model_csv(p->room));
		snprintf(num, sizeof(num), "%zu", i + 1);
		check_str(ctx, f[10], num);
		check_model(ctx, f[11], model_csv(l->supplier_aid));
		check_model(ctx, f[12], model_csv(l->buyer_aid));
		check_model(ctx, f[13], model_csv(l->description));
		snprintf(num, sizeof(num), "%lld", (long long)l->quantity);
		check_str(ctx, f[14], num);
		check_model(ctx, f[15], model_csv(l->unit));
		snprintf(num, sizeof(num), "%lld,%02lld",
		    (long long)(l->price_cents / 100),
		    (long long)(l->price_cents % 100));
		check_str(ctx, f[16], num);
		snprintf(num, sizeof(num), "%lld,%02lld",
		    (long long)(l->total_cents / 100),
		    (long long)(l->total_cents % 100));
		check_str(ctx, f[17], num);
		check_model(ctx, f[18], model_csv(l->kostenstelle));
		check_model(ctx, f[19], model_csv(l->case_nr));
	}
	csv_rows_free(rows, nrows);
	buf_free(&out);
}

/* ---- openTRANS: xmllint against the schema, then libxml2 read-back ---- */

static void
require_xmllint(void)
{
	if (system("xmllint --version >/dev/null 2>&1") != 0)
		fail_msg("xmllint not found: it is needed to validate openTRANS "
		    "against the schema; install libxml2-utils "
		    "(contrib/install-deps.sh does)");
	if (access(SCHEMA, R_OK) != 0)
		fail_msg("schema %s not readable (run the tests from the "
		    "repository root)", SCHEMA);
}

/* 0 if xmllint says the document is valid; its report in *report_r. */
static int
xsd_validate(const char *xml, size_t len, char **report_r)
{
	char path[] = "/tmp/test_orderdoc-XXXXXX.xml";
	char line[512], *cmd;
	struct buf rep;
	FILE *p;
	int fd, st;

	fd = mkstemps(path, 4);
	if (fd < 0)
		fail_msg("mkstemps(%s) failed", path);
	if (write(fd, xml, len) != (ssize_t)len || close(fd) != 0)
		fail_msg("write(%s) failed", path);
	cmd = xasprintf("xmllint --nonet --noout --schema %s %s 2>&1", SCHEMA,
	    path);
	p = popen(cmd, "r");
	free(cmd);
	if (p == NULL)
		fail_msg("popen(xmllint) failed");
	buf_init(&rep, 0);
	while (fgets(line, sizeof(line), p) != NULL)
		buf_puts(&rep, line);
	st = pclose(p);
	unlink(path);
	*report_r = buf_steal(&rep);
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	    strstr(*report_r, " validates") != NULL)
		return 0;
	return -1;
}

struct xdoc {
	xmlDocPtr doc;
	xmlXPathContextPtr ctx;
};

static void
xdoc_open(struct xdoc *x, const char *xml, size_t len)
{
	x->doc = xmlReadMemory(xml, (int)len, "order.xml", NULL,
	    XML_PARSE_NONET);
	if (x->doc == NULL)
		fail_msg("libxml2 cannot parse the document");
	x->ctx = xmlXPathNewContext(x->doc);
	if (x->ctx == NULL ||
	    xmlXPathRegisterNs(x->ctx, BAD_CAST "ot", BAD_CAST NS_OT) != 0 ||
	    xmlXPathRegisterNs(x->ctx, BAD_CAST "bmecat",
	    BAD_CAST NS_BMECAT) != 0)
		fail_msg("XPath set-up failed");
}

static void
xdoc_close(struct xdoc *x)
{
	xmlXPathFreeContext(x->ctx);
	xmlFreeDoc(x->doc);
}

static xmlXPathObjectPtr SO_ATTR_PRINTF(2, 0)
xeval(struct xdoc *x, const char *fmt, va_list ap)
{
	char *expr = xvasprintf(fmt, ap);
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, x->ctx);

	if (o == NULL)
		fail_msg("XPath %s failed", expr);
	free(expr);
	return o;
}

/* string(EXPR); caller frees. */
static char * SO_ATTR_PRINTF(2, 3)
xstr(struct xdoc *x, const char *fmt, ...)
{
	char *inner, *expr, *r;
	va_list ap;
	xmlXPathObjectPtr o;

	va_start(ap, fmt);
	inner = xvasprintf(fmt, ap);
	va_end(ap);
	expr = xasprintf("string(%s)", inner);
	o = xmlXPathEvalExpression(BAD_CAST expr, x->ctx);
	if (o == NULL || o->type != XPATH_STRING)
		fail_msg("XPath %s failed", expr);
	r = xstrdup((const char *)o->stringval);
	xmlXPathFreeObject(o);
	free(expr);
	free(inner);
	return r;
}

static long SO_ATTR_PRINTF(2, 3)
xcount(struct xdoc *x, const char *fmt, ...)
{
	va_list ap;
	xmlXPathObjectPtr o;
	long n;

	va_start(ap, fmt);
	o = xeval(x, fmt, ap);
	va_end(ap);
	if (o->type != XPATH_NODESET)
		fail_msg("XPath count: not a node set");
	n = o->nodesetval ? o->nodesetval->nodeNr : 0;
	xmlXPathFreeObject(o);
	return n;
}

static void
check_x(struct xdoc *x, const char *ctx, const char *path, const char *want)
{
	char *got = xstr(x, "%s", path);

	if (strcmp(got, want) != 0)
		fail_msg("%s: %s: got \"%s\", want \"%s\"", ctx, path, got, want);
	free(got);
}

/* Element at path must hold model_clean(raw), or be absent if that is "". */
static void
check_xm(struct xdoc *x, const char *ctx, const char *path, const char *raw,
    int multiline)
{
	char *want = model_clean(raw, multiline);

	if (want[0] == '\0' && xcount(x, "%s", path) != 0)
		fail_msg("%s: %s: present, but the field is empty", ctx, path);
	check_x(x, ctx, path, want);
	free(want);
}

/* Like check_xm, cut to max characters. */
static void
check_xcut(struct xdoc *x, const char *ctx, const char *path,
    const char *raw, size_t max)
{
	char *c = model_clean(raw, 0), *want;
	int cut;

	want = model_cut(c, max, &cut);
	check_x(x, ctx, path, want);
	free(want);
	free(c);
}

#define ITEM "/ot:ORDER/ot:ORDER_ITEM_LIST/ot:ORDER_ITEM[%zu]"
#define INFO "/ot:ORDER/ot:ORDER_HEADER/ot:ORDER_INFO"
#define DELIVERY INFO "/ot:PARTIES/ot:PARTY[ot:PARTY_ROLE='delivery'][%zu]"

static void
check_ot_item(struct xdoc *x, const char *name, const struct orderdoc *d,
    size_t i)
{
	const struct orderdoc_line *l = &d->lines[i];
	char ctx[160], path[256], num[64], *descr, *cut_descr;
	int cut;
	size_t k = i + 1;

	snprintf(ctx, sizeof(ctx), "%s: item %zu", name, k);
#define P(rest) (snprintf(path, sizeof(path), ITEM rest, k), path)
	snprintf(num, sizeof(num), "%zu", k);
	check_x(x, ctx, P("/ot:LINE_ITEM_ID"), num);
	check_xm(x, ctx, P("/ot:PRODUCT_ID/bmecat:SUPPLIER_PID"), l->supplier_aid, 0);
	check_xm(x, ctx, P("/ot:PRODUCT_ID/bmecat:BUYER_PID"), l->buyer_aid, 0);
	descr = model_clean(l->description, 0);
	cut_descr = model_cut(descr, 150, &cut);
	check_x(x, ctx, P("/ot:PRODUCT_ID/bmecat:DESCRIPTION_SHORT"), cut_descr);
	if (cut)
		check_x(x, ctx, P("/ot:PRODUCT_ID/bmecat:DESCRIPTION_LONG"), descr);
	else if (xcount(x, "%s", P("/ot:PRODUCT_ID/bmecat:DESCRIPTION_LONG")) != 0)
		fail_msg("%s: DESCRIPTION_LONG although nothing was cut", ctx);
	free(descr);
	free(cut_descr);
	snprintf(num, sizeof(num), "%lld", (long long)l->quantity);
	check_x(x, ctx, P("/ot:QUANTITY"), num);
	check_x(x, ctx, P("/bmecat:ORDER_UNIT"), unit_expect(l->unit));
	snprintf(num, sizeof(num), "%lld.%02lld", (long long)(l->price_cents / 100),
	    (long long)(l->price_cents % 100));
	check_x(x, ctx, P("/ot:PRODUCT_PRICE_FIX/bmecat:PRICE_AMOUNT"), num);
	snprintf(num, sizeof(num), "%lld.%02lld", (long long)(l->total_cents / 100),
	    (long long)(l->total_cents % 100));
	check_x(x, ctx, P("/ot:PRICE_LINE_AMOUNT"), num);
	check_xm(x, ctx, P("/bmecat:ACCOUNTING_INFO/bmecat:COST_CATEGORY_ID"),
	    l->kostenstelle, 0);
	check_x(x, ctx, P("/bmecat:ACCOUNTING_INFO/bmecat:COST_CATEGORY_ID/@type"),
	    "cost_center");
	check_xm(x, ctx, P("/ot:SHIPMENT_PARTIES_REFERENCE/ot:DELIVERY_IDREF"),
	    l->delivery_id, 0);
	/* The IDREF must name exactly one delivery party of this document. */
	{
		char *ref = xstr(x, ITEM "/ot:SHIPMENT_PARTIES_REFERENCE/"
		    "ot:DELIVERY_IDREF", k);
		size_t hits = 0;

		for (size_t j = 1; j <= d->ndeliveries; j++) {
			char *id = xstr(x, DELIVERY "/bmecat:PARTY_ID", j);

			hits += strcmp(id, ref) == 0;
			free(id);
		}
		if (hits != 1)
			fail_msg("%s: DELIVERY_IDREF \"%s\" names %zu delivery "
			    "parties", ctx, ref, hits);
		free(ref);
	}
	{
		char *remark;
		size_t n = model_cases(l->case_nr, &remark);

		if ((size_t)xcount(x, "%s",
		    P("/ot:CUSTOMER_ORDER_REFERENCE/ot:ORDER_ID")) != n)
			fail_msg("%s: not %zu CUSTOMER_ORDER_REFERENCE", ctx, n);
		check_x(x, ctx, P("/ot:REMARKS"), remark);
		free(remark);
	}
#undef P
}

static void
check_ot(const char *name, const struct orderdoc *d)
{
	struct buf out;
	struct xdoc x;
	const char *err = NULL;
	char *report, num[64], ctx[160];

	require_xmllint();
	buf_init(&out, 0);
	if (orderdoc_opentrans(d, &out, &err) != 0)
		fail_msg("%s: orderdoc_opentrans failed: %s", name, err);
	if (!utf8_valid(buf_cstr(&out), out.len))
		fail_msg("%s: XML is not valid UTF-8", name);
	check_no_controls(name, buf_cstr(&out), 0);
	if (xsd_validate(buf_cstr(&out), out.len, &report) != 0)
		fail_msg("%s: not valid openTRANS 2.1:\n%s\n--- document:\n%s",
		    name, report, buf_cstr(&out));
	free(report);

	xdoc_open(&x, buf_cstr(&out), out.len);
	snprintf(ctx, sizeof(ctx), "%s: header", name);
	check_x(&x, ctx, "/ot:ORDER/@version", "2.1");
	check_x(&x, ctx, "/ot:ORDER/@type", "standard");
	check_x(&x, ctx, "/ot:ORDER/ot:ORDER_HEADER/ot:CONTROL_INFO/"
	    "ot:GENERATOR_INFO", "Social Order");
	check_xm(&x, ctx, INFO "/ot:ORDER_ID", d->order_id, 0);
	check_x(&x, ctx, INFO "/ot:ORDER_DATE", DATE_OT);
	check_x(&x, ctx, INFO "/bmecat:CURRENCY", "EUR");
	check_xm(&x, ctx, INFO "/ot:REMARKS", d->remark, 1);

	/* buyer: our id, and the customer number the supplier gave us */
	check_xm(&x, ctx, INFO "/ot:PARTIES/ot:PARTY[ot:PARTY_ROLE='buyer']/"
	    "bmecat:PARTY_ID[@type='buyer_specific']", d->buyer_id, 0);
	check_xm(&x, ctx, INFO "/ot:PARTIES/ot:PARTY[ot:PARTY_ROLE='buyer']/"
	    "bmecat:PARTY_ID[@type='supplier_specific']", d->customer_number, 0);
	check_xcut(&x, ctx, INFO "/ot:PARTIES/ot:PARTY[ot:PARTY_ROLE='buyer']/"
	    "ot:ADDRESS/bmecat:NAME", d->buyer_name, 50);
	check_xm(&x, ctx, INFO "/ot:PARTIES/ot:PARTY[ot:PARTY_ROLE='buyer']/"
	    "ot:ADDRESS/bmecat:EMAIL", d->buyer_email, 0);
	check_xm(&x, ctx, INFO "/ot:PARTIES/ot:PARTY[ot:PARTY_ROLE='supplier']/"
	    "bmecat:PARTY_ID", d->supplier_id, 0);
	check_xcut(&x, ctx, INFO "/ot:PARTIES/ot:PARTY[ot:PARTY_ROLE='supplier']/"
	    "ot:ADDRESS/bmecat:NAME", d->supplier_name, 50);
	{
		char *cn = model_clean(d->customer_number, 0);

		if (cn[0] != '\0') {
			check_x(&x, ctx, INFO "/ot:ORDER_PARTIES_REFERENCE/"
			    "bmecat:BUYER_IDREF", cn);
			check_x(&x, ctx, INFO "/ot:ORDER_PARTIES_REFERENCE/"
			    "bmecat:BUYER_IDREF/@type", "supplier_specific");
		} else {
			check_xm(&x, ctx, INFO "/ot:ORDER_PARTIES_REFERENCE/"
			    "bmecat:BUYER_IDREF", d->buyer_id, 0);
			check_x(&x, ctx, INFO "/ot:ORDER_PARTIES_REFERENCE/"
			    "bmecat:BUYER_IDREF/@type", "buyer_specific");
		}
		free(cn);
	}
	check_xm(&x, ctx, INFO "/ot:ORDER_PARTIES_REFERENCE/bmecat:SUPPLIER_IDREF",
	    d->supplier_id, 0);
	if (xcount(&x, INFO "/ot:ORDER_PARTIES_REFERENCE/"
	    "ot:SHIPMENT_PARTIES_REFERENCE") != (d->ndeliveries == 1))
		fail_msg("%s: header SHIPMENT_PARTIES_REFERENCE must be there "
		    "exactly when there is one delivery party", ctx);

	if ((size_t)xcount(&x, INFO "/ot:PARTIES/ot:PARTY[ot:PARTY_ROLE="
	    "'delivery']") != d->ndeliveries)
		fail_msg("%s: wrong number of delivery parties", ctx);
	for (size_t k = 1; k <= d->ndeliveries; k++) {
		const struct orderdoc_party *p = &d->deliveries[k - 1];
		char path[256], *room;

		snprintf(ctx, sizeof(ctx), "%s: delivery %zu", name, k);
#define P(rest) (snprintf(path, sizeof(path), DELIVERY rest, k), path)
		check_xm(&x, ctx, P("/bmecat:PARTY_ID"), p->id, 0);
		check_xcut(&x, ctx, P("/ot:ADDRESS/bmecat:NAME"), d->buyer_name, 50);
		check_xcut(&x, ctx, P("/ot:ADDRESS/bmecat:NAME2"), p->name, 50);
		check_xm(&x, ctx, P("/ot:ADDRESS/bmecat:STREET"), p->street, 0);
		check_xm(&x, ctx, P("/ot:ADDRESS/bmecat:ZIP"), p->zip, 0);
		check_xm(&x, ctx, P("/ot:ADDRESS/bmecat:CITY"), p->city, 0);
		check_x(&x, ctx, P("/ot:ADDRESS/bmecat:COUNTRY_CODED"), "DE");
		room = model_clean(p->room, 0);
		if (room[0] == '\0') {
			if (xcount(&x, "%s", P("/ot:ADDRESS/bmecat:DEPARTMENT")) != 0)
				fail_msg("%s: DEPARTMENT without a room", ctx);
		} else {
			char *want = xasprintf("Raum %s", room);

			check_x(&x, ctx, P("/ot:ADDRESS/bmecat:DEPARTMENT"), want);
			free(want);
		}
		free(room);
#undef P
	}

	if ((size_t)xcount(&x, "/ot:ORDER/ot:ORDER_ITEM_LIST/ot:ORDER_ITEM") !=
	    d->nlines)
		fail_msg("%s: wrong number of ORDER_ITEM", name);
	for (size_t i = 0; i < d->nlines; i++)
		check_ot_item(&x, name, d, i);

	snprintf(ctx, sizeof(ctx), "%s: summary", name);
	snprintf(num, sizeof(num), "%zu", d->nlines);
	check_x(&x, ctx, "/ot:ORDER/ot:ORDER_SUMMARY/ot:TOTAL_ITEM_NUM", num);
	snprintf(num, sizeof(num), "%lld.%02lld",
	    (long long)(d->total_cents / 100), (long long)(d->total_cents % 100));
	check_x(&x, ctx, "/ot:ORDER/ot:ORDER_SUMMARY/ot:TOTAL_AMOUNT", num);
	xdoc_close(&x);
	buf_free(&out);
}

static void
test_documents(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(fixtures); i++) {
		struct fixture fx;

		memset(&fx, 0, sizeof(fx));
		fixtures[i].make(&fx);
		check_csv(fixtures[i].name, &fx.d);
		check_ot(fixtures[i].name, &fx.d);
		fx_free(&fx);
	}
}

/* ---- exact output of a small document ---- */

static const struct orderdoc_line lines_exact[] = {
	{ "PH-A480-500", "100234", "Kopierpapier A4 80 g/m², 500 Blatt", 10,
	  "Pack", 429, 4290, "1020", "SO-2026-000042", "RH-214" },
	{ "-PH-X", NULL, "Mappe \"rot\"; A4", 1, "Stück", 123456, 123456,
	  "1020", "SO-2026-000043,SO-2026-000044", "RH-214" },
};

#define EXACT_ROW "B-2026-000007;2026-03-14;Papierhaus Schulze KG;4711-EX;" \
	"RH-214;Rathaus, Personalamt;Marktplatz 1;12345;Exempla;2.14;"

static const char csv_exact[] =
	"bestellnummer;bestelldatum;lieferant;kundennummer;lieferort;"
	"lieferort_name;strasse;plz;ort;raum;pos;lieferanten_artikelnr;"
	"artikelnr;bezeichnung;menge;einheit;einzelpreis_eur;gesamtpreis_eur;"
	"kostenstelle;vorgang\r\n"
	EXACT_ROW "1;PH-A480-500;100234;Kopierpapier A4 80 g/m², 500 Blatt;"
	"10;Pack;4,29;42,90;1020;SO-2026-000042\r\n"
	EXACT_ROW "2;'-PH-X;;\"Mappe \"\"rot\"\"; A4\";1;Stück;1234,56;1234,56;"
	"1020;SO-2026-000043,SO-2026-000044\r\n";

/* Pieces of the openTRANS text for the same document, as written. */
static const char *const ot_exact[] = {
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ORDER xmlns=\"" NS_OT
	"\" xmlns:bmecat=\"" NS_BMECAT "\" version=\"2.1\" type=\"standard\">\n",
	"<ORDER_DATE>2026-03-14T09:30:00+01:00</ORDER_DATE>",
	"<bmecat:PARTY_ID type=\"supplier_specific\">4711-EX</bmecat:PARTY_ID>\n"
	"          <PARTY_ROLE>buyer</PARTY_ROLE>",
	"<bmecat:BUYER_IDREF type=\"supplier_specific\">4711-EX</bmecat:BUYER_IDREF>",
	"<bmecat:SUPPLIER_IDREF type=\"buyer_specific\">L02</bmecat:SUPPLIER_IDREF>",
	"<bmecat:NAME>Kreisstadt Exempla</bmecat:NAME>\n"
	"            <bmecat:NAME2>Rathaus, Personalamt</bmecat:NAME2>\n"
	"            <bmecat:DEPARTMENT>Raum 2.14</bmecat:DEPARTMENT>\n"
	"            <bmecat:STREET>Marktplatz 1</bmecat:STREET>\n"
	"            <bmecat:ZIP>12345</bmecat:ZIP>\n"
	"            <bmecat:CITY>Exempla</bmecat:CITY>\n"
	"            <bmecat:COUNTRY>Deutschland</bmecat:COUNTRY>\n"
	"            <bmecat:COUNTRY_CODED>DE</bmecat:COUNTRY_CODED>\n",
	"<SHIPMENT_PARTIES_REFERENCE>\n"
	"          <DELIVERY_IDREF type=\"buyer_specific\">RH-214</DELIVERY_IDREF>\n",
	"<bmecat:SUPPLIER_PID type=\"supplier_specific\">-PH-X</bmecat:SUPPLIER_PID>\n"
	"        <bmecat:DESCRIPTION_SHORT>Mappe &quot;rot&quot;; A4"
	"</bmecat:DESCRIPTION_SHORT>",
	"<QUANTITY>1</QUANTITY>\n      <bmecat:ORDER_UNIT>C62</bmecat:ORDER_UNIT>\n"
	"      <PRODUCT_PRICE_FIX>\n"
	"        <bmecat:PRICE_AMOUNT>1234.56</bmecat:PRICE_AMOUNT>\n"
	"      </PRODUCT_PRICE_FIX>\n"
	"      <PRICE_LINE_AMOUNT>1234.56</PRICE_LINE_AMOUNT>\n"
	"      <CUSTOMER_ORDER_REFERENCE>\n"
	"        <ORDER_ID>SO-2026-000043</ORDER_ID>\n"
	"      </CUSTOMER_ORDER_REFERENCE>\n"
	"      <CUSTOMER_ORDER_REFERENCE>\n"
	"        <ORDER_ID>SO-2026-000044</ORDER_ID>\n"
	"      </CUSTOMER_ORDER_REFERENCE>\n"
	"      <bmecat:ACCOUNTING_INFO>\n"
	"        <bmecat:COST_CATEGORY_ID type=\"cost_center\">1020"
	"</bmecat:COST_CATEGORY_ID>\n"
	"      </bmecat:ACCOUNTING_INFO>\n"
	"      <SHIPMENT_PARTIES_REFERENCE>\n"
	"        <DELIVERY_IDREF type=\"buyer_specific\">RH-214</DELIVERY_IDREF>\n"
	"      </SHIPMENT_PARTIES_REFERENCE>\n"
	"      <REMARKS type=\"order\">Vorgänge SO-2026-000043, SO-2026-000044"
	"</REMARKS>\n",
	"<ORDER_SUMMARY>\n    <TOTAL_ITEM_NUM>2</TOTAL_ITEM_NUM>\n"
	"    <TOTAL_AMOUNT>1277.46</TOTAL_AMOUNT>\n  </ORDER_SUMMARY>\n"
	"</ORDER>\n",
};

static void
test_exact(void **state)
{
	struct fixture fx;
	struct buf out;
	const char *err = NULL;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx_set(&fx, &head_l02, party_rh214, 1, lines_exact,
	    SO_NELEM(lines_exact));
	assert_int_equal(fx.d.total_cents, 127746);

	buf_init(&out, 0);
	buf_puts(&out, "KEEP");         /* the writers append */
	if (orderdoc_csv(&fx.d, &out, &err) != 0)
		fail_msg("orderdoc_csv: %s", err);
	assert_string_equal(buf_cstr(&out) + 4, csv_exact);
	assert_memory_equal(buf_cstr(&out), "KEEP", 4);

	buf_reset(&out);
	if (orderdoc_opentrans(&fx.d, &out, &err) != 0)
		fail_msg("orderdoc_opentrans: %s", err);
	assert_true(strncmp(buf_cstr(&out), ot_exact[0], strlen(ot_exact[0])) == 0);
	for (size_t i = 1; i < SO_NELEM(ot_exact); i++) {
		if (strstr(buf_cstr(&out), ot_exact[i]) == NULL)
			fail_msg("openTRANS lacks:\n%s\n--- document:\n%s",
			    ot_exact[i], buf_cstr(&out));
	}
	{
		size_t n = strlen(ot_exact[SO_NELEM(ot_exact) - 1]);

		assert_string_equal(buf_cstr(&out) + out.len - n,
		    ot_exact[SO_NELEM(ot_exact) - 1]);
	}
	buf_free(&out);
	fx_free(&fx);
}

/* ---- documents that must be refused ---- */

enum mut {
	M_NONE, M_ORDER_ID, M_BUYER_ID, M_BUYER_NAME, M_BUYER_EMAIL,
	M_SUPPLIER_ID, M_SUPPLIER_NAME, M_CUSTOMER_NUMBER, M_REMARK, M_DATE,
	M_TOTAL, M_NLINES, M_NDELIVERIES,
	M_P_ID, M_P_NAME, M_P_STREET, M_P_ZIP, M_P_CITY, M_P_ROOM,
	M_L_SUPPLIER_AID, M_L_BUYER_AID, M_L_DESCRIPTION, M_L_QUANTITY,
	M_L_UNIT, M_L_PRICE, M_L_TOTAL, M_L_KOSTENSTELLE, M_L_CASE_NR,
	M_L_DELIVERY_ID,
};

/*
 * Changes to the three-delivery document.  The value is s repeated rep
 * times (rep 0: s as it is, which may be NULL), or n for numbers.  For
 * csv_error and ot_error, NULL means the format must render it (and the
 * openTRANS is then validated); a string means it must fail with an error
 * containing that string.
 */
static const struct {
	const char *name;
	enum mut m;
	size_t idx;             /* line or delivery index */
	const char *s;
	size_t rep;
	int64_t n;
	const char *csv_error, *ot_error;
} bad_cases[] = {
	{ "no lines", M_NLINES, 0, NULL, 0, 0, "no lines", "no lines" },
	{ "too many lines", M_NLINES, 0, NULL, 0, ORDERDOC_LINES_MAX + 1,
	  "at most 10000", "at most 10000" },
	{ "no delivery", M_NDELIVERIES, 0, NULL, 0, 0, "no delivery party",
	  "no delivery party" },
	{ "too many deliveries", M_NDELIVERIES, 0, NULL, 0,
	  ORDERDOC_DELIVERIES_MAX + 1, "at most 1000", "at most 1000" },
	{ "order_id NULL", M_ORDER_ID, 0, NULL, 0, 0, "order_id is missing",
	  "order_id is missing" },
	{ "order_id only controls", M_ORDER_ID, 0, "\x01\x02 \t\x7f", 0, 0,
	  "order_id is missing", "order_id is missing" },
	{ "order_id 251 chars", M_ORDER_ID, 0, "B", 251, 0, NULL,
	  "order_id is longer than the 250" },
	{ "order_id 250 chars", M_ORDER_ID, 0, "B", 250, 0, NULL, NULL },
	{ "buyer_name Latin-1", M_BUYER_NAME, 0, "Stadt M\xfcnster", 0, 0,
	  "buyer_name is not valid UTF-8", "buyer_name is not valid UTF-8" },
	{ "buyer_name overlong", M_BUYER_NAME, 0, "a\xc0\xaf", 0, 0,
	  "not valid UTF-8", "not valid UTF-8" },
	{ "buyer_name cut UTF-8", M_BUYER_NAME, 0, "Stadt \xc3", 0, 0,
	  "not valid UTF-8", "not valid UTF-8" },
	{ "buyer_name 51 chars is cut", M_BUYER_NAME, 0, "Ö", 51, 0, NULL,
	  NULL },
	{ "buyer_id missing", M_BUYER_ID, 0, "", 0, 0, "buyer_id is missing",
	  "buyer_id is missing" },
	{ "supplier_name missing", M_SUPPLIER_NAME, 0, NULL, 0, 0,
	  "supplier_name is missing", "supplier_name is missing" },
	{ "supplier_id = buyer_id", M_SUPPLIER_ID, 0, "EXEMPLA", 0, 0, NULL,
	  "buyer_id and supplier_id" },
	{ "buyer_id = a Lieferort", M_BUYER_ID, 0, "RH-305", 0, 0, NULL,
	  "delivery RH-305: id is also" },
	{ "customer_number 251", M_CUSTOMER_NUMBER, 0, "7", 251, 0, NULL,
	  "customer_number is longer" },
	{ "buyer_email 256", M_BUYER_EMAIL, 0, "e", 256, 0, NULL,
	  "buyer_email is longer" },
	{ "remark too long", M_REMARK, 0, "x", ORDERDOC_FIELD_MAX + 1, 0,
	  "remark is longer than 4000 bytes", "remark is longer than 4000" },
	{ "remark 4000 bytes", M_REMARK, 0, "x", ORDERDOC_FIELD_MAX, 0, NULL,
	  NULL },
	{ "order_date 0", M_DATE, 0, NULL, 0, 0, "order_date 0",
	  "order_date 0" },
	{ "order_date negative", M_DATE, 0, NULL, 0, -86400, "order_date",
	  "order_date" },
	{ "order total wrong", M_TOTAL, 0, NULL, 0, 5832, "order total 5832",
	  "order total 5832" },
	{ "line total wrong", M_L_TOTAL, 1, NULL, 0, 476, "line 2: total 476",
	  "line 2: total 476" },
	{ "quantity 0", M_L_QUANTITY, 0, NULL, 0, 0,
	  "line 1: quantity 0 is not positive", "quantity 0 is not positive" },
	{ "quantity negative", M_L_QUANTITY, 0, NULL, 0, -2, "quantity -2",
	  "quantity -2" },
	{ "quantity overflow", M_L_QUANTITY, 0, NULL, 0, INT64_MAX / 2,
	  "overflows", "overflows" },
	{ "price negative", M_L_PRICE, 2, NULL, 0, -1, "line 3: price -1",
	  "line 3: price -1" },
	{ "unknown delivery", M_L_DELIVERY_ID, 2, "XX-999", 0, 0,
	  "line 3: delivery_id \"XX-999\" names no", "names no delivery" },
	{ "delivery_id missing", M_L_DELIVERY_ID, 0, NULL, 0, 0,
	  "delivery_id is missing", "delivery_id is missing" },
	{ "Lieferort twice", M_P_ID, 1, "RH-EG-012", 0, 0,
	  "delivery RH-EG-012: id given twice", "id given twice" },
	{ "Lieferort street missing", M_P_STREET, 2, " ", 0, 0,
	  "delivery BA-101: street is missing", "street is missing" },
	{ "Lieferort name missing", M_P_NAME, 0, NULL, 0, 0,
	  "name is missing", "name is missing" },
	{ "street 51 chars", M_P_STREET, 0, "ß", 51, 0, NULL,
	  "street is longer than the 50" },
	{ "street 50 chars", M_P_STREET, 0, "ß", 50, 0, NULL, NULL },
	{ "zip 21 chars", M_P_ZIP, 0, "1", 21, 0, NULL, "zip is longer" },
	{ "city 51 chars", M_P_CITY, 0, "c", 51, 0, NULL, "city is longer" },
	{ "room 46 chars", M_P_ROOM, 0, "r", 46, 0, NULL, "room is longer" },
	{ "room 45 chars", M_P_ROOM, 0, "r", 45, 0, NULL, NULL },
	{ "description NULL", M_L_DESCRIPTION, 0, NULL, 0, 0,
	  "line 1: description is missing", "description is missing" },
	{ "description controls", M_L_DESCRIPTION, 0, "\x01\x1b\t\r\n", 0, 0,
	  "description is missing", "description is missing" },
	{ "description 4001 bytes", M_L_DESCRIPTION, 0, "d", 4001, 0,
	  "description is longer than 4000", "description is longer" },
	{ "description 4000 bytes", M_L_DESCRIPTION, 0, "d", 4000, 0, NULL,
	  NULL },
	{ "kostenstelle missing", M_L_KOSTENSTELLE, 3, NULL, 0, 0,
	  "line 4: kostenstelle is missing", "kostenstelle is missing" },
	{ "kostenstelle 65", M_L_KOSTENSTELLE, 0, "9", 65, 0, NULL,
	  "kostenstelle is longer than the 64" },
	{ "kostenstelle 64", M_L_KOSTENSTELLE, 0, "9", 64, 0, NULL, NULL },
	{ "case_nr missing", M_L_CASE_NR, 0, NULL, 0, 0, "case_nr is missing",
	  "case_nr is missing" },
	{ "case_nr only commas", M_L_CASE_NR, 0, ", ,,", 0, 0,
	  "case_nr has no case number", "case_nr has no case number" },
	{ "case_nr 251 chars", M_L_CASE_NR, 0, "S", 251, 0,
	  "longer than 250", "longer than 250" },
	{ "case_nr 1001 numbers", M_L_CASE_NR, 0, "S,", 1001, 0,
	  "more than 1000", "more than 1000" },
	{ "unit missing", M_L_UNIT, 0, NULL, 0, 0, "unit is missing",
	  "unit is missing" },
	{ "unit unknown", M_L_UNIT, 1, "Kasten", 0, 0, NULL,
	  "line 2: unit \"Kasten\" has no UN/ECE" },
	{ "unit is a code", M_L_UNIT, 0, "C62", 0, 0, NULL, "unit \"C62\"" },
	{ "supplier_aid 33", M_L_SUPPLIER_AID, 0, "A", 33, 0, NULL,
	  "supplier_aid is longer than the 32" },
	{ "supplier_aid 32", M_L_SUPPLIER_AID, 0, "Ä", 32, 0, NULL, NULL },
	{ "buyer_aid 51", M_L_BUYER_AID, 0, "1", 51, 0, NULL,
	  "buyer_aid is longer than the 50" },
	{ "buyer_aid invalid", M_L_BUYER_AID, 0, "\xed\xa0\x80", 0, 0,
	  "buyer_aid is not valid UTF-8", "buyer_aid is not valid UTF-8" },
};

static void
bad_apply(size_t row, struct fixture *fx)
{
	const char *s = bad_cases[row].s;
	int64_t n = bad_cases[row].n;
	struct orderdoc *d = &fx->d;
	struct orderdoc_party *p = &fx->p[bad_cases[row].idx];
	struct orderdoc_line *l = &fx->l[bad_cases[row].idx];

	if (bad_cases[row].rep > 0)
		s = fx_keep(fx, str_rep(s, bad_cases[row].rep));
	switch (bad_cases[row].m) {
	case M_NONE: break;
	case M_ORDER_ID: d->order_id = s; break;
	case M_BUYER_ID: d->buyer_id = s; break;
	case M_BUYER_NAME: d->buyer_name = s; break;
	case M_BUYER_EMAIL: d->buyer_email = s; break;
	case M_SUPPLIER_ID: d->supplier_id = s; break;
	case M_SUPPLIER_NAME: d->supplier_name = s; break;
	case M_CUSTOMER_NUMBER: d->customer_number = s; break;
	case M_REMARK: d->remark = s; break;
	case M_DATE: d->order_date = n; break;
	case M_TOTAL: d->total_cents = n; break;
	case M_NLINES: d->nlines = (size_t)n; break;
	case M_NDELIVERIES: d->ndeliveries = (size_t)n; break;
	case M_P_ID: p->id = s; break;
	case M_P_NAME: p->name = s; break;
	case M_P_STREET: p->street = s; break;
	case M_P_ZIP: p->zip = s; break;
	case M_P_CITY: p->city = s; break;
	case M_P_ROOM: p->room = s; break;
	case M_L_SUPPLIER_AID: l->supplier_aid = s; break;
	case M_L_BUYER_AID: l->buyer_aid = s; break;
	case M_L_DESCRIPTION: l->description = s; break;
	case M_L_QUANTITY: l->quantity = n; break;
	case M_L_UNIT: l->unit = s; break;
	case M_L_PRICE: l->price_cents = n; break;
	case M_L_TOTAL: l->total_cents = n; break;
	case M_L_KOSTENSTELLE: l->kostenstelle = s; break;
	case M_L_CASE_NR: l->case_nr = s; break;
	case M_L_DELIVERY_ID: l->delivery_id = s; break;
	}
}

/* Render with fn; expect success (want NULL) or an error containing want. */
static void
bad_check(const char *what, const char *name,
    int (*fn)(const struct orderdoc *, struct buf *, const char **),
    const struct orderdoc *d, const char *want)
{
	struct buf out;
	const char *err = NULL;
	int r;

	buf_init(&out, 0);
	buf_puts(&out, "KEEP");
	r = fn(d, &out, &err);
	if (want == NULL) {
		if (r != 0)
			fail_msg("%s %s: must render, failed: %s", what, name, err);
		if (fn == orderdoc_opentrans) {
			char *report;

			if (xsd_validate(buf_cstr(&out) + 4, out.len - 4,
			    &report) != 0)
				fail_msg("%s %s: not valid openTRANS:\n%s", what,
				    name, report);
			free(report);
		}
	} else {
		if (r != -1)
			fail_msg("%s %s: must fail with \"%s\", rendered", what,
			    name, want);
		if (err == NULL || strstr(err, want) == NULL)
			fail_msg("%s %s: error \"%s\" does not say \"%s\"", what,
			    name, err ? err : "(none)", want);
		if (strncmp(err, "orderdoc: ", 10) != 0)
			fail_msg("%s %s: error \"%s\" does not name the module",
			    what, name, err);
		/* A refused document leaves the caller's buffer alone. */
		assert_int_equal(out.len, 4);
		assert_string_equal(buf_cstr(&out), "KEEP");
	}
	buf_free(&out);
}

static void
test_refused(void **state)
{
	(void)state;
	require_xmllint();
	for (size_t i = 0; i < SO_NELEM(bad_cases); i++) {
		struct fixture fx;

		memset(&fx, 0, sizeof(fx));
		fx_three(&fx);
		bad_apply(i, &fx);
		bad_check("CSV", bad_cases[i].name, orderdoc_csv, &fx.d,
		    bad_cases[i].csv_error);
		bad_check("openTRANS", bad_cases[i].name, orderdoc_opentrans,
		    &fx.d, bad_cases[i].ot_error);
		fx_free(&fx);
	}
}

static void
test_null_doc(void **state)
{
	struct buf out;
	const char *err = NULL;

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(orderdoc_csv(NULL, &out, &err), -1);
	assert_non_null(strstr(err, "no document"));
	err = NULL;
	assert_int_equal(orderdoc_opentrans(NULL, &out, &err), -1);
	assert_non_null(strstr(err, "no document"));
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

/* ---- order dates in several zones ---- */

static const struct {
	const char *tz;
	int64_t t;
	const char *csv;        /* NULL: must fail */
	const char *ot;
} date_cases[] = {
	{ "Europe/Berlin", 1773477000, "2026-03-14", "2026-03-14T09:30:00+01:00" },
	{ "Europe/Berlin", 1782941400, "2026-07-01", "2026-07-01T23:30:00+02:00" },
	{ "UTC", 1782941400, "2026-07-01", "2026-07-01T21:30:00+00:00" },
	{ "America/New_York", 1782941400, "2026-07-01",
	  "2026-07-01T17:30:00-04:00" },
	{ "Asia/Kolkata", 1782941400, "2026-07-02", "2026-07-02T03:00:00+05:30" },
	{ "Europe/Berlin", 0, NULL, NULL },
	{ "Europe/Berlin", -1, NULL, NULL },
	{ "UTC", 253402300800, NULL, NULL },   /* 10000-01-01 */
};

static void
test_dates(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(date_cases); i++) {
		struct fixture fx;
		struct buf out;
		const char *err = NULL;
		char *want;
		int r;

		setenv("TZ", date_cases[i].tz, 1);
		tzset();
		memset(&fx, 0, sizeof(fx));
		fx_one(&fx);
		fx.d.order_date = date_cases[i].t;
		buf_init(&out, 0);
		r = orderdoc_csv(&fx.d, &out, &err);
		if (date_cases[i].csv == NULL) {
			assert_int_equal(r, -1);
			assert_non_null(strstr(err, "order_date"));
			assert_int_equal(orderdoc_opentrans(&fx.d, &out, &err), -1);
			assert_non_null(strstr(err, "order_date"));
		} else {
			if (r != 0)
				fail_msg("date row %zu: %s", i, err);
			want = xasprintf("\r\nB-2026-000007;%s;", date_cases[i].csv);
			if (strstr(buf_cstr(&out), want) == NULL)
				fail_msg("date row %zu: CSV lacks %s", i, want + 2);
			free(want);
			buf_reset(&out);
			if (orderdoc_opentrans(&fx.d, &out, &err) != 0)
				fail_msg("date row %zu: %s", i, err);
			want = xasprintf("<ORDER_DATE>%s</ORDER_DATE>",
			    date_cases[i].ot);
			if (strstr(buf_cstr(&out), want) == NULL)
				fail_msg("date row %zu: openTRANS lacks %s", i, want);
			free(want);
		}
		buf_free(&out);
		fx_free(&fx);
	}
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
}

/* ---- the output limit ---- */

static void
test_buffer_limit(void **state)
{
	struct fixture fx;
	struct buf out;
	const char *err = NULL;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx_three(&fx);
	buf_init(&out, 600);
	buf_puts(&out, "KEEP");
	assert_int_equal(orderdoc_csv(&fx.d, &out, &err), -1);
	assert_non_null(strstr(err, "larger than the output buffer"));
	assert_string_equal(buf_cstr(&out), "KEEP");
	assert_int_equal(orderdoc_opentrans(&fx.d, &out, &err), -1);
	assert_non_null(strstr(err, "larger than the output buffer"));
	assert_string_equal(buf_cstr(&out), "KEEP");
	buf_free(&out);

	/* Large enough: the same document renders. */
	buf_init(&out, 64 * 1024);
	assert_int_equal(orderdoc_csv(&fx.d, &out, &err), 0);
	assert_int_equal(orderdoc_opentrans(&fx.d, &out, &err), 0);
	buf_free(&out);
	fx_free(&fx);
}

/* ---- the validator must be able to say no ---- */

static char *
str_replace_once(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);

	if (at == NULL)
		fail_msg("\"%s\" not in the document", from);
	return xasprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

static void
test_validator_rejects(void **state)
{
	struct fixture fx;
	struct buf out;
	const char *err = NULL;
	char *bad, *report, *longdescr, *tag;

	(void)state;
	require_xmllint();
	memset(&fx, 0, sizeof(fx));
	fx_one(&fx);
	buf_init(&out, 0);
	assert_int_equal(orderdoc_opentrans(&fx.d, &out, &err), 0);

	assert_int_equal(xsd_validate(buf_cstr(&out), out.len, &report), 0);
	free(report);

	bad = str_replace_once(buf_cstr(&out), "<bmecat:ORDER_UNIT>PK<",
	    "<bmecat:ORDER_UNIT>XYZ<");
	if (xsd_validate(bad, strlen(bad), &report) == 0)
		fail_msg("xmllint accepted ORDER_UNIT XYZ");
	free(report);
	free(bad);

	/* 151 characters in DESCRIPTION_SHORT: why orderdoc cuts at 150. */
	longdescr = str_rep("é", 151);
	tag = xasprintf("<bmecat:DESCRIPTION_SHORT>%s<", longdescr);
	bad = str_replace_once(buf_cstr(&out),
	    "<bmecat:DESCRIPTION_SHORT>Kopierpapier A4 80 g/m², 500 Blatt<", tag);
	if (xsd_validate(bad, strlen(bad), &report) == 0)
		fail_msg("xmllint accepted a DESCRIPTION_SHORT of 151 characters");
	free(report);
	free(bad);
	free(tag);
	free(longdescr);

	bad = str_replace_once(buf_cstr(&out), "</ORDER>", "</ORDER");
	if (xsd_validate(bad, strlen(bad), &report) == 0)
		fail_msg("xmllint accepted a document that is not well-formed");
	free(report);
	free(bad);

	buf_free(&out);
	fx_free(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unit_codes),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_null_doc),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_buffer_limit),
		cmocka_unit_test(test_validator_rejects),
	};
	int r;

	/* The fixtures' expected dates are in the municipality's zone. */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	xmlInitParser();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return r;
}
