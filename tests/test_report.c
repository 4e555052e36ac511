/* SPDX-License-Identifier: MIT */
/*
 * test_report - tests for daemon/report.c in TZ=Europe/Berlin.
 *
 * The fixture is a fresh database filled by plain SQL: master data (one
 * Kostenstelle with a hostile name, one with a formula-like name, one with
 * control characters and broken UTF-8, one of the previous budget year) and
 * fifteen cases with hand-written history rows placed on and around the
 * bounds of January 2026.  The expected figures below were worked out by
 * hand from that data, not from the code; each case's comment says where
 * it counts.
 *
 * Covered: the parsers (tables with rows that must fail), report_next_day
 * across both DST changes, the CSV of each grouping parsed back and
 * compared cell by cell, budget figures (year of release, not period;
 * totals only for one budget year), period bounds (release at from
 * counts, at to does not, a note in the period is not a release,
 * cancelled after release never counts), the HTML parsed with libxml2's
 * HTML parser (one bar per group, scaled widths, budget bars, no script or
 * external resource, hostile text escaped and read back intact), an empty
 * period and a failing output stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "log.h"
#include "report.h"
#include "store.h"
#include "util.h"

/* Local (Europe/Berlin) moments, from date(1), independent of report.c. */
#define T_FROM ((int64_t)1767222000)    /* 2026-01-01 00:00 CET */
#define T_TO ((int64_t)1769900400)      /* 2026-02-01 00:00 CET */
#define T_DEC ((int64_t)1764543600)     /* 2025-12-01 00:00 CET */
#define T_FEB10 ((int64_t)1770678000)   /* 2026-02-10 00:00 CET */
#define T_MAR10 ((int64_t)1773097200)   /* 2026-03-10 00:00 CET */
#define DAY ((int64_t)86400)            /* no DST change in January */

#define HOSTILE "<script>alert(\"x&y\")</script> 'Bau'; =Hof"
/* Long enough to be cut in a chart label, with the cut inside the "ä". */
#define LONGNAME "Finanzbuchhaltung und Zahlungsverkehr im Kämmereiamt"

struct fx {
	struct store *st;
	char *dir;
};

static void
sql(struct store *st, const char *fmt, ...)
{
	va_list ap;
	char *q;

	va_start(ap, fmt);
	q = xvasprintf(fmt, ap);
	va_end(ap);
	if (store_exec(st, q) != 0)
		fail_msg("test set-up SQL failed: %s", q);
	free(q);
}

static void
add_case(struct store *st, int id, const char *state, const char *oe,
    const char *ks, int64_t created)
{
	sql(st, "INSERT INTO vorgang (id, nr, state, requester_email, oe, "
	    "kostenstelle, lieferort, total_cents, created_at, updated_at) "
	    "VALUES (%d, 'SO-TEST-%06d', '%s', 'r@exempla.test', '%s', '%s', "
	    "'RH-1', 0, %lld, %lld)", id, id, state, oe, ks, (long long)created,
	    (long long)created);
}

/* A NULL from_state is the first row of a case, as case_store_insert writes it. */
static void
add_hist(struct store *st, int id, int64_t at, const char *from,
    const char *to)
{
	char *f = from ? xasprintf("'%s'", from) : xstrdup("NULL");

	sql(st, "INSERT INTO history (vorgang_id, at, from_state, to_state, "
	    "actor) VALUES (%d, %lld, %s, '%s', 'test')", id, (long long)at, f,
	    to);
	free(f);
}

/* lieferant NULL: a free-text position. */
static void
add_pos(struct store *st, int id, int pos, const char *lieferant,
    int64_t cents)
{
	char *l = lieferant ? xasprintf("'%s'", lieferant) : xstrdup("NULL");

	sql(st, "INSERT INTO position (vorgang_id, pos, bezeichnung, menge, "
	    "einheit, preis_cents, total_cents, lieferant, freitext, "
	    "genehmigungspflichtig, state) VALUES (%d, %d, 'Artikel', 1, "
	    "'Stück', %lld, %lld, %s, %d, 0, (SELECT state FROM vorgang WHERE "
	    "id = %d))", id, pos, (long long)cents, (long long)cents, l,
	    lieferant == NULL, id);
	sql(st, "UPDATE vorgang SET total_cents = total_cents + %lld WHERE "
	    "id = %d", (long long)cents, id);
	free(l);
}

static void
fill(struct store *st)
{
	sql(st, "INSERT INTO oe (code, bezeichnung) VALUES "
	    "('10', 'Haupt- und Personalamt'), ('20', 'Kämmerei')");
	sql(st, "INSERT INTO kostenstelle VALUES "
	    "('1010', 'Organisation', '10', 100000, 2026), "
	    "('2000', '" LONGNAME "', '20', 50000, 2026), "
	    "('3000', '=Altbestand 2025', '20', 30000, 2025), "
	    "('4000', 'Zeile' || char(1) || 'mit' || char(10) || 'Umbruch ' || "
	    "CAST(X'FF' AS TEXT), '20', 0, 2026), "
	    "('9999', '<script>alert(\"x&y\")</script> ''Bau''; =Hof', '10', "
	    "10000, 2026)");
	sql(st, "INSERT INTO lieferant (code, name, bestell_email, format) VALUES "
	    "('L01', 'Bürowelt Nord GmbH', 'a@l01.test', 'csv'), "
	    "('L02', 'Papierhaus Schulze KG', 'b@l02.test', 'opentrans')");

	/* 1: released exactly at from: counts in January. */
	add_case(st, 1, "bestellt", "10", "1010", T_FROM);
	add_hist(st, 1, T_FROM, NULL, "freigegeben");
	add_hist(st, 1, T_FROM + 10 * DAY, "freigegeben", "bestellt");
	add_pos(st, 1, 1, "L01", 1000);
	add_pos(st, 1, 2, "L02", 2550);
	/* 2: received in December, approved and released in January. */
	add_case(st, 2, "geliefert", "10", "1010", T_DEC);
	add_hist(st, 2, T_DEC, NULL, "wartet_auf_genehmigung");
	add_hist(st, 2, T_FROM + 14 * DAY, "wartet_auf_genehmigung", "genehmigt");
	add_hist(st, 2, T_FROM + 14 * DAY, "genehmigt", "freigegeben");
	add_hist(st, 2, T_FROM + 20 * DAY, "freigegeben", "bestellt");
	add_hist(st, 2, T_TO + 5 * DAY, "bestellt", "geliefert");
	add_pos(st, 2, 1, "L01", 10000);
	add_pos(st, 2, 2, NULL, 4999);
	/* 3: released exactly at to: February, but budget 2026. */
	add_case(st, 3, "freigegeben", "20", "2000", T_FROM + 19 * DAY);
	add_hist(st, 3, T_FROM + 19 * DAY, NULL, "wartet_auf_genehmigung");
	add_hist(st, 3, T_TO, "wartet_auf_genehmigung", "genehmigt");
	add_hist(st, 3, T_TO, "genehmigt", "freigegeben");
	add_pos(st, 3, 1, "L02", 7000);
	/* 4: released in January, then cancelled: never counts. */
	add_case(st, 4, "storniert", "20", "2000", T_FROM + 4 * DAY);
	add_hist(st, 4, T_FROM + 4 * DAY, NULL, "freigegeben");
	add_hist(st, 4, T_FROM + 5 * DAY, "freigegeben", "storniert");
	add_pos(st, 4, 1, "L01", 99900);
	/* 5: released in the last second of January; a later note. */
	add_case(st, 5, "freigegeben", "20", "2000", T_FROM + 5 * DAY);
	add_hist(st, 5, T_FROM + 5 * DAY, NULL, "wartet_auf_genehmigung");
	add_hist(st, 5, T_TO - 1, "wartet_auf_genehmigung", "genehmigt");
	add_hist(st, 5, T_TO - 1, "genehmigt", "freigegeben");
	add_hist(st, 5, T_FEB10, "freigegeben", "freigegeben");
	add_pos(st, 5, 1, "L02", 1234);
	add_pos(st, 5, 2, "L02", 66);
	/* 6: waiting for approval: intake summary only. */
	add_case(st, 6, "wartet_auf_genehmigung", "10", "1010", T_FROM + 6 * DAY);
	add_hist(st, 6, T_FROM + 6 * DAY, NULL, "wartet_auf_genehmigung");
	add_pos(st, 6, 1, NULL, 30000);
	/* 7: rejected: intake summary only. */
	add_case(st, 7, "abgelehnt", "20", "2000", T_FROM + 7 * DAY);
	add_hist(st, 7, T_FROM + 7 * DAY, NULL, "wartet_auf_genehmigung");
	add_hist(st, 7, T_FROM + 8 * DAY, "wartet_auf_genehmigung", "abgelehnt");
	add_pos(st, 7, 1, "L01", 5000);
	/* 8: released in December 2025 (budget 2025, not 2026). */
	add_case(st, 8, "geliefert", "10", "1010", T_DEC);
	add_hist(st, 8, T_DEC, NULL, "freigegeben");
	add_hist(st, 8, T_DEC + DAY, "freigegeben", "bestellt");
	add_hist(st, 8, T_FROM + 2 * DAY, "bestellt", "geliefert");
	add_pos(st, 8, 1, "L01", 50000);
	/* 9: received at to, released in March: budget 2026 only. */
	add_case(st, 9, "freigegeben", "20", "2000", T_TO);
	add_hist(st, 9, T_MAR10, NULL, "freigegeben");
	add_pos(st, 9, 1, "L02", 10000);
	/* 10: the hostile Kostenstelle. */
	add_case(st, 10, "freigegeben", "10", "9999", T_FROM + 8 * DAY);
	add_hist(st, 10, T_FROM + 8 * DAY, NULL, "freigegeben");
	add_pos(st, 10, 1, "L01", 100);
	/* 11: a Kostenstelle and a supplier unknown to the master data. */
	add_case(st, 11, "freigegeben", "20", "X999", T_FROM + 9 * DAY);
	add_hist(st, 11, T_FROM + 9 * DAY, NULL, "freigegeben");
	add_pos(st, 11, 1, "L03", 500);
	/* 12: budget year 2025 of Kostenstelle 3000. */
	add_case(st, 12, "geliefert", "20", "3000", T_DEC);
	add_hist(st, 12, T_DEC, NULL, "freigegeben");
	add_hist(st, 12, T_DEC + 2 * DAY, "freigegeben", "bestellt");
	add_hist(st, 12, T_DEC + 9 * DAY, "bestellt", "geliefert");
	add_pos(st, 12, 1, "L01", 4200);
	/* 13: just received. */
	add_case(st, 13, "eingegangen", "10", "1010", T_FROM + 10 * DAY);
	add_hist(st, 13, T_FROM + 10 * DAY, NULL, "eingegangen");
	add_pos(st, 13, 1, "L01", 100);
	/* 14: released in December; a note in January is no release. */
	add_case(st, 14, "freigegeben", "10", "1010", T_DEC + DAY);
	add_hist(st, 14, T_DEC + DAY, NULL, "freigegeben");
	add_hist(st, 14, T_FROM + 3 * DAY, "freigegeben", "freigegeben");
	add_pos(st, 14, 1, "L01", 777);
	/* 15: a state the report does not know: listed after the known ones. */
	add_case(st, 15, "in_klaerung", "10", "1010", T_FROM + 12 * DAY);
	add_hist(st, 15, T_FROM + 12 * DAY, NULL, "in_klaerung");
}

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	const char *err = NULL;
	char *path;

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	setenv("SO_NOW", "1770000000", 1);
	f->dir = xstrdup("/tmp/so-test-report-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		fail_msg("mkdtemp failed");
	path = xasprintf("%s/test.db", f->dir);
	if (store_open(path, &f->st, &err) != 0)
		fail_msg("store_open: %s", err);
	free(path);
	fill(f->st);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	store_close(f->st);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	free(cmd);
	free(f->dir);
	free(f);
	return 0;
}

/* The report as a string (caller frees). */
static char *
run(struct store *st, int64_t from, int64_t to, enum report_by by,
    enum report_format format)
{
	struct report_opts o = { .from = from, .to = to, .by = by,
	    .format = format };
	char *data = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&data, &len);
	const char *err = NULL;

	assert_non_null(fp);
	if (report_write(st, &o, fp, &err) != 0)
		fail_msg("report_write: %s", err);
	assert_int_equal(fclose(fp), 0);
	return data;
}

/*
 * A small RFC 4180 reader for the test: records end with CRLF, fields are
 * ';' separated, quoted fields double their quotes.  Returns the records;
 * an empty line is a record with one empty field.
 */
struct csv_rec {
	char **f;
	size_t n;
};

static void
rec_add(struct csv_rec *r, struct buf *field)
{
	r->f = xreallocarray(r->f, r->n + 1, sizeof(*r->f));
	r->f[r->n++] = xstrdup(buf_cstr(field));
	buf_reset(field);
}

static struct csv_rec *
csv_read(const char *s, size_t *n_r)
{
	struct csv_rec *recs = NULL;
	size_t n = 0;
	struct buf field;

	buf_init(&field, 0);
	while (*s) {
		recs = xreallocarray(recs, n + 1, sizeof(*recs));
		memset(&recs[n], 0, sizeof(recs[n]));
		for (;;) {
			if (*s == '"') {
				for (s++; !(s[0] == '"' && s[1] != '"'); s++) {
					if (*s == '\0')
						fail_msg("CSV: unterminated quote");
					if (*s == '"')
						s++;
					buf_putc(&field, *s);
				}
				s++;
			}
			while (*s && *s != ';' && *s != '\r' && *s != '\n') {
				if (*s == '"')
					fail_msg("CSV: quote inside an unquoted field");
				buf_putc(&field, *s++);
			}
			rec_add(&recs[n], &field);
			if (*s == ';') {
				s++;
				continue;
			}
			if (s[0] != '\r' || s[1] != '\n')
				fail_msg("CSV: record not ended by CRLF");
			s += 2;
			break;
		}
		n++;
	}
	buf_free(&field);
	*n_r = n;
	return recs;
}

static void
csv_free(struct csv_rec *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < recs[i].n; j++)
			free(recs[i].f[j]);
		free(recs[i].f);
	}
	free(recs);
}

#define MAXF 9

/* Compare the CSV with want (rows of up to MAXF cells, NULL-terminated rows). */
static void
csv_check(const char *csv, const char *const want[][MAXF], size_t nwant)
{
	size_t n;
	struct csv_rec *recs = csv_read(csv, &n);

	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++) {
		size_t nf = 0;

		while (nf < MAXF && want[i][nf] != NULL)
			nf++;
		if (recs[i].n != nf)
			fail_msg("CSV row %zu: %zu fields, want %zu", i, recs[i].n,
			    nf);
		for (size_t j = 0; j < nf; j++)
			if (strcmp(recs[i].f[j], want[i][j]) != 0)
				fail_msg("CSV row %zu field %zu: \"%s\", want \"%s\"",
				    i, j, recs[i].f[j], want[i][j]);
	}
	csv_free(recs, n);
}

/* Rows of the first table add up to its total row (positions, spending). */
static void
csv_check_sums(const char *csv)
{
	size_t n, i;
	struct csv_rec *recs = csv_read(csv, &n);
	int64_t pos = 0, cents = 0, v;

	for (i = 1; i < n && strcmp(recs[i].f[0], "Summe") != 0; i++) {
		pos += strtoll(recs[i].f[3], NULL, 10);
		assert_int_equal(money_parse(recs[i].f[4], &v), 0);
		cents += v;
	}
	assert_true(i < n);
	assert_int_equal(pos, strtoll(recs[i].f[3], NULL, 10));
	assert_int_equal(money_parse(recs[i].f[4], &v), 0);
	assert_int_equal(cents, v);
	csv_free(recs, n);
}

#define INTAKE_ROWS \
	{ "" }, \
	{ "status", "vorgaenge" }, \
	{ "eingegangen", "1" }, \
	{ "wartet_auf_genehmigung", "1" }, \
	{ "genehmigt", "0" }, \
	{ "abgelehnt", "1" }, \
	{ "freigegeben", "4" }, \
	{ "bestellt", "1" }, \
	{ "geliefert", "0" }, \
	{ "storniert", "1" }, \
	{ "in_klaerung", "1" }, \
	{ "Summe", "10" }

static void
test_report_csv_kostenstelle(void **state)
{
	struct fx *f = *state;
	static const char *const want[][MAXF] = {
		{ "kostenstelle", "bezeichnung", "vorgaenge", "positionen",
		  "ausgaben_eur", "budget_jahr", "budget_eur",
		  "budget_verbraucht_eur", "budget_rest_eur" },
		/* cases 1, 2; used 2026: 1, 2 (8 and 14 released in 2025) */
		{ "1010", "Organisation", "2", "4", "185,49", "2026", "1000,00",
		  "185,49", "814,51" },
		/* case 5; used 2026: 3, 5, 9 (4 cancelled, 7 rejected) */
		{ "2000", LONGNAME, "1", "2", "13,00", "2026",
		  "500,00", "183,00", "317,00" },
		/* no spending in January; used 2025: case 12 */
		{ "3000", "'=Altbestand 2025", "0", "0", "0,00", "2025",
		  "300,00", "42,00", "258,00" },
		{ "4000", "Zeile mit Umbruch ?", "0", "0", "0,00", "2026",
		  "0,00", "0,00", "0,00" },
		{ "9999", HOSTILE, "1", "1", "1,00", "2026", "100,00", "1,00",
		  "99,00" },
		{ "X999", "(nicht in den Stammdaten)", "1", "1", "5,00", "", "",
		  "", "" },
		/* budget years differ: no budget sums */
		{ "Summe", "", "5", "8", "204,49", "", "", "", "" },
		INTAKE_ROWS,
	};
	char *csv = run(f->st, T_FROM, T_TO, REPORT_BY_KOSTENSTELLE, REPORT_CSV);

	csv_check(csv, want, SO_NELEM(want));
	csv_check_sums(csv);
	/* The hostile name is quoted, not cut into columns. */
	assert_non_null(strstr(csv, "\r\n9999;\"<script>alert(\"\"x&y\"\")"
	    "</script> 'Bau'; =Hof\";1;"));
	free(csv);
}

static void
test_report_csv_budget_total(void **state)
{
	struct fx *f = *state;
	static const char *const want[][MAXF] = {
		{ "kostenstelle", "bezeichnung", "vorgaenge", "positionen",
		  "ausgaben_eur", "budget_jahr", "budget_eur",
		  "budget_verbraucht_eur", "budget_rest_eur" },
		{ "1010", "Organisation", "2", "4", "185,49", "2026", "1000,00",
		  "185,49", "814,51" },
		{ "2000", LONGNAME, "1", "2", "13,00", "2026",
		  "500,00", "183,00", "317,00" },
		{ "9999", HOSTILE, "1", "1", "1,00", "2026", "100,00", "1,00",
		  "99,00" },
		{ "X999", "(nicht in den Stammdaten)", "1", "1", "5,00", "", "",
		  "", "" },
		/* one budget year left: sums over 1010, 2000, 9999 */
		{ "Summe", "", "5", "8", "204,49", "2026", "1600,00", "369,49",
		  "1230,51" },
		INTAKE_ROWS,
	};
	char *csv;

	/* Without the 2025 and the empty Kostenstelle (no January spending). */
	sql(f->st, "DELETE FROM kostenstelle WHERE code IN ('3000', '4000')");
	csv = run(f->st, T_FROM, T_TO, REPORT_BY_KOSTENSTELLE, REPORT_CSV);
	csv_check(csv, want, SO_NELEM(want));
	free(csv);
}

static void
test_report_csv_oe(void **state)
{
	struct fx *f = *state;
	static const char *const want[][MAXF] = {
		{ "oe", "bezeichnung", "vorgaenge", "positionen", "ausgaben_eur" },
		/* cases 1, 2, 10 */
		{ "10", "Haupt- und Personalamt", "3", "5", "186,49" },
		/* cases 5, 11 */
		{ "20", "Kämmerei", "2", "3", "18,00" },
		{ "Summe", "", "5", "8", "204,49" },
		INTAKE_ROWS,
	};
	char *csv = run(f->st, T_FROM, T_TO, REPORT_BY_OE, REPORT_CSV);

	csv_check(csv, want, SO_NELEM(want));
	csv_check_sums(csv);
	free(csv);
}

static void
test_report_csv_lieferant(void **state)
{
	struct fx *f = *state;
	static const char *const want[][MAXF] = {
		{ "lieferant", "bezeichnung", "vorgaenge", "positionen",
		  "ausgaben_eur" },
		/* cases 1, 2, 10 */
		{ "L01", "Bürowelt Nord GmbH", "3", "3", "111,00" },
		/* cases 1, 5 */
		{ "L02", "Papierhaus Schulze KG", "2", "3", "38,50" },
		{ "L03", "(nicht in den Stammdaten)", "1", "1", "5,00" },
		/* case 2 */
		{ "", "(Freitext)", "1", "1", "49,99" },
		/* case 1 and 2 are in two groups each, counted once here */
		{ "Summe", "", "5", "8", "204,49" },
		INTAKE_ROWS,
	};
	char *csv = run(f->st, T_FROM, T_TO, REPORT_BY_LIEFERANT, REPORT_CSV);

	csv_check(csv, want, SO_NELEM(want));
	csv_check_sums(csv);
	free(csv);
}

/* Total row of a by-OE CSV: cases and spending. */
static void
csv_total(const char *csv, long long *cases_r, int64_t *cents_r)
{
	size_t n, i;
	struct csv_rec *recs = csv_read(csv, &n);

	for (i = 0; i < n && strcmp(recs[i].f[0], "Summe") != 0; i++)
		;
	assert_true(i < n);
	*cases_r = strtoll(recs[i].f[2], NULL, 10);
	assert_int_equal(money_parse(recs[i].f[4], cents_r), 0);
	csv_free(recs, n);
}

static void
test_report_period_bounds(void **state)
{
	struct fx *f = *state;
	static const struct {
		int64_t from, to;
		long long cases;
		int64_t cents;
		const char *why;
	} t[] = {
		{ T_FROM, T_TO, 5, 20449, "January" },
		{ T_FROM, T_FROM + 1, 1, 3550, "release at from counts (1)" },
		{ T_FROM - 1, T_FROM, 0, 0, "release at to does not count (1)" },
		{ T_TO - 1, T_TO, 1, 1300, "last second (5)" },
		{ T_TO, T_TO + 1, 1, 7000, "release at from counts (3)" },
		{ T_DEC, T_FROM, 3, 54977, "December: 8, 12, 14" },
		{ T_FROM + 3 * DAY, T_FROM + 3 * DAY + 1, 0, 0,
		  "a note is no release (14)" },
		{ T_FROM + 4 * DAY, T_FROM + 4 * DAY + 1, 0, 0,
		  "cancelled after release (4)" },
		{ T_FEB10, T_FEB10 + 1, 0, 0, "note after release (5)" },
		{ T_MAR10, T_MAR10 + DAY, 1, 10000, "March 10 (9)" },
		{ T_FROM + 7 * DAY, T_FROM + 9 * DAY, 1, 100,
		  "rejected (7) not, 10 yes, 11 at to not" },
	};

	for (size_t i = 0; i < SO_NELEM(t); i++) {
		long long cases;
		int64_t cents;
		char *csv = run(f->st, t[i].from, t[i].to, REPORT_BY_OE,
		    REPORT_CSV);

		csv_total(csv, &cases, &cents);
		if (cases != t[i].cases || cents != t[i].cents)
			fail_msg("%s: %lld cases, %lld cents; want %lld, %lld",
			    t[i].why, cases, (long long)cents, t[i].cases,
			    (long long)t[i].cents);
		free(csv);
	}
}

static void
test_report_bad_period(void **state)
{
	struct fx *f = *state;
	struct report_opts o = { .from = T_TO, .to = T_TO, .by = REPORT_BY_OE,
	    .format = REPORT_CSV };
	const char *err = NULL;
	char *data = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&data, &len);

	assert_int_equal(report_write(f->st, &o, fp, &err), -1);
	assert_non_null(strstr(err, "empty period"));
	o.from = T_TO + 1;
	err = NULL;
	assert_int_equal(report_write(f->st, &o, fp, &err), -1);
	assert_non_null(err);
	fclose(fp);
	assert_int_equal(len, 0);
	free(data);
}

static void
test_report_write_error(void **state)
{
	struct fx *f = *state;
	struct report_opts o = { .from = T_FROM, .to = T_TO,
	    .by = REPORT_BY_KOSTENSTELLE, .format = REPORT_HTML };
	const char *err = NULL;
	FILE *fp = fopen("/dev/full", "w");

	if (fp == NULL)
		skip();
	assert_int_equal(report_write(f->st, &o, fp, &err), -1);
	assert_non_null(strstr(err, "writing the report failed"));
	fclose(fp);
}

/* Parse errors that matter: libxml2 2.9 calls every SVG tag unknown. */
static int html_errors;

static void
html_error(void *ctx, const xmlError *e)
{
	(void)ctx;
	if (e->code == XML_HTML_UNKNOWN_TAG)
		return;
	html_errors++;
	fprintf(stderr, "html parse error %d line %d: %s", e->code, e->line,
	    e->message);
}

static htmlDocPtr
html_parse(const char *html)
{
	htmlDocPtr doc;

	html_errors = 0;
	xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)html_error);
	doc = htmlReadMemory(html, (int)strlen(html), "report.html", "UTF-8",
	    HTML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	assert_non_null(doc);
	assert_int_equal(html_errors, 0);
	return doc;
}

static xmlXPathObjectPtr
xpath(htmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr r;

	assert_non_null(ctx);
	r = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlXPathFreeContext(ctx);
	if (r == NULL)
		fail_msg("XPath %s failed", expr);
	return r;
}

static int
xpath_count(htmlDocPtr doc, const char *expr)
{
	xmlXPathObjectPtr r = xpath(doc, expr);
	int n = r->nodesetval ? r->nodesetval->nodeNr : 0;

	xmlXPathFreeObject(r);
	return n;
}

/* Text of the i-th node of expr (caller frees with free()). */
static char *
xpath_text(htmlDocPtr doc, const char *expr, int i)
{
	xmlXPathObjectPtr r = xpath(doc, expr);
	xmlChar *c;
	char *s;

	if (r->nodesetval == NULL || i >= r->nodesetval->nodeNr)
		fail_msg("XPath %s: no node %d", expr, i);
	c = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
	s = xstrdup((const char *)c);
	xmlFree(c);
	xmlXPathFreeObject(r);
	return s;
}

/* The width attributes of the nodes of expr. */
static void
check_widths(htmlDocPtr doc, const char *expr, const int *want, int n)
{
	xmlXPathObjectPtr r = xpath(doc, expr);

	assert_int_equal(r->nodesetval ? r->nodesetval->nodeNr : 0, n);
	for (int i = 0; i < n; i++) {
		xmlChar *w = xmlGetProp(r->nodesetval->nodeTab[i],
		    (const xmlChar *)"width");

		assert_non_null(w);
		if (atoi((const char *)w) != want[i])
			fail_msg("%s[%d]: width %s, want %d", expr, i, w, want[i]);
		xmlFree(w);
	}
	xmlXPathFreeObject(r);
}

/* What every report page must be: standalone, no script, no external link. */
static void
check_standalone(const char *html, htmlDocPtr doc)
{
	assert_true(strncmp(html, "<!DOCTYPE html>\n<html lang=\"de\">", 31) == 0);
	assert_true(utf8_valid(html, strlen(html)));
	assert_int_equal(xpath_count(doc, "//meta[@charset='utf-8']"), 1);
	assert_int_equal(xpath_count(doc, "//script"), 0);
	assert_int_equal(xpath_count(doc, "//@src | //@href | //link | "
	    "//iframe | //object | //embed | //img"), 0);
	assert_int_equal(xpath_count(doc, "//@*[starts-with(name(), 'on')]"), 0);
	assert_null(strstr(html, "http"));
	assert_null(strstr(html, "url("));
	assert_int_equal(xpath_count(doc, "//h1"), 1);
}

static void
test_report_html_kostenstelle(void **state)
{
	struct fx *f = *state;
	/* Spending: largest 1010 = 185,49; 13,00 -> 28; 1,00 -> 2.16; 5,00 -> 10.8. */
	static const int bars[] = { 400, 28, 0, 0, 2, 11 };
	/* Budget scale 1.000,00 (1010): used 185,49 -> 74, budget 400. */
	static const int used[] = { 74, 73, 17, 0, 1 };
	static const int rest[] = { 326, 127, 103, 0, 39 };
	char *html = run(f->st, T_FROM, T_TO, REPORT_BY_KOSTENSTELLE,
	    REPORT_HTML);
	htmlDocPtr doc = html_parse(html);
	char *s;

	check_standalone(html, doc);
	s = xpath_text(doc, "//h1", 0);
	assert_string_equal(s, "Ausgaben nach Kostenstelle");
	free(s);
	s = xpath_text(doc, "//h1/following-sibling::p[1]", 0);
	assert_non_null(strstr(s, "Zeitraum: 01.01.2026 bis 31.01.2026"));
	free(s);

	/* The table: one row per Kostenstelle, the total, exact figures. */
	assert_int_equal(xpath_count(doc, "//table[1]/tbody/tr"), 6);
	s = xpath_text(doc, "//table[1]/tbody/tr[1]/td[9]", 0);
	assert_string_equal(s, "814,51");
	free(s);
	s = xpath_text(doc, "//table[1]/tbody/tr[1]/td[7]", 0);
	assert_string_equal(s, "1.000,00");
	free(s);
	s = xpath_text(doc, "//table[1]/tfoot/tr/td[5]", 0);
	assert_string_equal(s, "204,49");
	free(s);

	/* The hostile name: escaped in the source, intact when read back. */
	assert_null(strstr(html, "<script"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(&quot;x&amp;y&quot;)"
	    "&lt;/script&gt; &#39;Bau&#39;; =Hof"));
	s = xpath_text(doc, "//table[1]/tbody/tr[5]/td[2]", 0);
	assert_string_equal(s, HOSTILE);
	free(s);

	/* Spending chart: one bar per group, scaled to the largest. */
	assert_int_equal(xpath_count(doc, "//svg[@id='ausgaben']//rect"), 6);
	check_widths(doc, "//svg[@id='ausgaben']//rect[@class='bar']", bars, 6);
	s = xpath_text(doc, "//svg[@id='ausgaben']/g[1]", 0);
	assert_string_equal(s, "1010 Organisation185,49 EUR");
	free(s);
	s = xpath_text(doc, "//svg[@id='ausgaben']/g[5]/text[1]", 0);
	assert_string_equal(s, "9999 " HOSTILE);
	free(s);
	/* Cut to 48 bytes on a character boundary, marked as cut. */
	s = xpath_text(doc, "//svg[@id='ausgaben']/g[2]/text[1]", 0);
	assert_string_equal(s, "2000 Finanzbuchhaltung und Zahlungsverkehr im K…");
	free(s);

	/* Budget chart: the five Kostenstellen of the master data. */
	check_widths(doc, "//svg[@id='budget']//rect[@class='verbraucht']",
	    used, 5);
	check_widths(doc, "//svg[@id='budget']//rect[@class='rest']", rest, 5);
	s = xpath_text(doc, "//svg[@id='budget']/g[3]/text[1]", 0);
	assert_string_equal(s, "3000 =Altbestand 2025 (2025)");
	free(s);

	/* Intake summary. */
	s = xpath_text(doc, "//table[2]/tfoot/tr/td[2]", 0);
	assert_string_equal(s, "10");
	free(s);
	assert_int_equal(xpath_count(doc, "//table[2]/tbody/tr"), 9);

	xmlFreeDoc(doc);
	free(html);
}

static void
test_report_overdrawn(void **state)
{
	struct fx *f = *state;
	char *csv, *html, *s;
	htmlDocPtr doc;
	/* 9999: used 1,00 of 0,50.  Scale stays 1.000,00 (1010). */
	static const int used[] = { 74, 73, 17, 0, 1 };
	static const int rest[] = { 326, 127, 103, 0, 0 };

	sql(f->st, "UPDATE kostenstelle SET budget_cents = 50 WHERE code = '9999'");
	csv = run(f->st, T_FROM, T_TO, REPORT_BY_KOSTENSTELLE, REPORT_CSV);
	assert_non_null(strstr(csv, ";1;1;1,00;2026;0,50;1,00;-0,50\r\n"));
	free(csv);

	html = run(f->st, T_FROM, T_TO, REPORT_BY_KOSTENSTELLE, REPORT_HTML);
	doc = html_parse(html);
	check_widths(doc, "//svg[@id='budget']//rect[@class='verbraucht']",
	    used, 5);
	check_widths(doc, "//svg[@id='budget']//rect[@class='rest']", rest, 5);
	s = xpath_text(doc, "//svg[@id='budget']/g[5]/text[2]", 0);
	assert_string_equal(s, "1,00 von 0,50, Rest -0,50 (überzogen)");
	free(s);
	/* Overdrawn is red, the others are not. */
	assert_int_equal(xpath_count(doc, "//svg[@id='budget']//rect"
	    "[@fill='#b22222']"), 1);
	assert_int_equal(xpath_count(doc, "//svg[@id='budget']/g[5]/rect"
	    "[@fill='#b22222']"), 1);
	s = xpath_text(doc, "//table[1]/tbody/tr[5]/td[9]", 0);
	assert_string_equal(s, "-0,50");
	free(s);
	xmlFreeDoc(doc);
	free(html);
}

static void
test_report_html_groupings(void **state)
{
	struct fx *f = *state;
	static const struct {
		enum report_by by;
		const char *h1;
		int groups;
		const char *first_label;
	} t[] = {
		{ REPORT_BY_OE, "Ausgaben nach Organisationseinheit", 2,
		  "10 Haupt- und Personalamt" },
		{ REPORT_BY_LIEFERANT, "Ausgaben nach Lieferant", 4,
		  "L01 Bürowelt Nord GmbH" },
	};

	for (size_t i = 0; i < SO_NELEM(t); i++) {
		char *html = run(f->st, T_FROM, T_TO, t[i].by, REPORT_HTML);
		htmlDocPtr doc = html_parse(html);
		char *s;

		check_standalone(html, doc);
		s = xpath_text(doc, "//h1", 0);
		assert_string_equal(s, t[i].h1);
		free(s);
		assert_int_equal(xpath_count(doc,
		    "//svg[@id='ausgaben']//rect[@class='bar']"), t[i].groups);
		assert_int_equal(xpath_count(doc, "//table[1]/tbody/tr"),
		    t[i].groups);
		assert_int_equal(xpath_count(doc, "//svg[@id='budget']"), 0);
		s = xpath_text(doc, "//svg[@id='ausgaben']/g[1]/text[1]", 0);
		assert_string_equal(s, t[i].first_label);
		free(s);
		xmlFreeDoc(doc);
		free(html);
	}
}

static void
test_report_html_empty(void **state)
{
	struct fx *f = *state;
	/* Nothing released in this week of November 2025. */
	char *html = run(f->st, T_DEC - 7 * DAY, T_DEC, REPORT_BY_LIEFERANT,
	    REPORT_HTML);
	htmlDocPtr doc = html_parse(html);

	check_standalone(html, doc);
	assert_int_equal(xpath_count(doc, "//svg"), 0);
	assert_non_null(strstr(html, "Keine Ausgaben im Zeitraum."));
	xmlFreeDoc(doc);
	free(html);
}

static void
test_report_parse_date(void **state)
{
	static const struct {
		const char *in;
		int64_t want;           /* 0: must fail */
	} t[] = {
		{ "2026-01-01", 1767222000 },
		{ "2026-02-01", 1769900400 },
		{ "2024-02-29", 1709161200 },   /* leap day */
		{ "2026-03-29", 1774738800 },   /* DST starts at 02:00 */
		{ "2026-10-25", 1792879200 },   /* DST ends at 03:00 */
		{ "2000-02-29", 951778800 },    /* leap year by 400 */
		{ "1970-01-02", 82800 },
		{ "2026-02-29", 0 },
		{ "1900-02-29", 0 },
		{ "2026-04-31", 0 },
		{ "2026-13-01", 0 },
		{ "2026-00-10", 0 },
		{ "2026-01-00", 0 },
		{ "2026-01-32", 0 },
		{ "1969-12-31", 0 },
		{ "2026-1-01", 0 },
		{ "26-01-01", 0 },
		{ "2026/01/01", 0 },
		{ "2026-01-01x", 0 },
		{ "2026-01-01 ", 0 },
		{ " 2026-01-01", 0 },
		{ "01.01.2026", 0 },
		{ "abcd-ef-gh", 0 },
		{ "", 0 },
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(t); i++) {
		int64_t v = -42;
		const char *err = NULL;
		int rc = report_parse_date(t[i].in, &v, &err);

		if (t[i].want == 0) {
			if (rc != -1)
				fail_msg("\"%s\" accepted as %lld", t[i].in,
				    (long long)v);
			assert_non_null(err);
			assert_non_null(strstr(err, t[i].in));
			assert_int_equal(v, -42);
		} else {
			if (rc != 0)
				fail_msg("\"%s\" rejected: %s", t[i].in, err);
			assert_int_equal(v, t[i].want);
		}
	}
}

static void
test_report_parse_date_message(void **state)
{
	const char *err = NULL;
	int64_t v;

	(void)state;
	/* Control characters and length are cut from the message. */
	assert_int_equal(report_parse_date("2026\n01\x1b", &v, &err), -1);
	assert_null(strchr(err, '\n'));
	assert_null(strchr(err, '\x1b'));
	assert_int_equal(report_parse_date("2026-01-01xxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    &v, &err), -1);
	assert_true(strlen(err) < 120);
}

static void
test_report_next_day(void **state)
{
	static const struct {
		int64_t in, want;
	} t[] = {
		{ 1767222000, 1767222000 + 86400 },     /* 2026-01-01 */
		{ 1767222000 + 45296, 1767222000 + 86400 },     /* 12:34:56 */
		{ 1767222000 + 86399, 1767222000 + 86400 },     /* 23:59:59 */
		{ 1774738800, 1774821600 },     /* 2026-03-29: 23 hours */
		{ 1792879200, 1792969200 },     /* 2026-10-25: 25 hours */
		{ 1767135600, 1767222000 },     /* 2025-12-31 -> new year */
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(t); i++)
		assert_int_equal(report_next_day(t[i].in), t[i].want);
}

static void
test_report_parse_by_format(void **state)
{
	static const struct {
		const char *in;
		int want;       /* -1: must fail */
	} by[] = {
		{ "kostenstelle", REPORT_BY_KOSTENSTELLE },
		{ "Kostenstelle", REPORT_BY_KOSTENSTELLE },
		{ "oe", REPORT_BY_OE },
		{ "OE", REPORT_BY_OE },
		{ "lieferant", REPORT_BY_LIEFERANT },
		{ "supplier", -1 },
		{ "kostenstellen", -1 },
		{ "oe ", -1 },
		{ "", -1 },
	}, fmt[] = {
		{ "csv", REPORT_CSV },
		{ "HTML", REPORT_HTML },
		{ "html", REPORT_HTML },
		{ "pdf", -1 },
		{ "htm", -1 },
		{ "csv;", -1 },
		{ "", -1 },
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(by); i++) {
		enum report_by r = (enum report_by)99;
		const char *err = NULL;
		int rc = report_parse_by(by[i].in, &r, &err);

		if (by[i].want == -1) {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err, "grouping"));
			assert_non_null(strstr(err, by[i].in));
		} else {
			if (rc != 0)
				fail_msg("by \"%s\" rejected: %s", by[i].in, err);
			assert_int_equal(r, by[i].want);
		}
	}
	for (size_t i = 0; i < SO_NELEM(fmt); i++) {
		enum report_format r = (enum report_format)99;
		const char *err = NULL;
		int rc = report_parse_format(fmt[i].in, &r, &err);

		if (fmt[i].want == -1) {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err, "format"));
			assert_non_null(strstr(err, fmt[i].in));
		} else {
			if (rc != 0)
				fail_msg("format \"%s\" rejected: %s", fmt[i].in,
				    err);
			assert_int_equal(r, fmt[i].want);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_parse_date),
		cmocka_unit_test(test_report_parse_date_message),
		cmocka_unit_test(test_report_next_day),
		cmocka_unit_test(test_report_parse_by_format),
		cmocka_unit_test_setup_teardown(test_report_csv_kostenstelle,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_csv_budget_total,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_csv_oe, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_csv_lieferant, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_period_bounds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_bad_period, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_write_error, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_html_kostenstelle,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_overdrawn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_html_groupings,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_html_empty, setup,
		    teardown),
	};
	int rc;

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	log_init(1, LOG_LVL_WARN);      /* no "db migrated" lines per database */
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
