/* SPDX-License-Identifier: MIT */
/*
 * test_import - master data import (all-or-nothing, upsert, line-numbered
 * errors), master data lookups, case numbering and transitions, ledger and
 * outbox on a real SQLite database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "casestore.h"
#include "ledger.h"
#include "masterdata.h"
#include "outbox.h"
#include "testutil.h"

static void
test_import_samples(void **state)
{
	struct store *st;
	char *dir = testutil_db(&st);
	struct import_stats stats;
	const char *err = NULL;
	int64_t counts[6], t;
	struct md_artikel a = { 0 };
	struct md_oe oe = { 0 };

	(void)state;
	assert_int_equal(import_dir(st, SAMPLES "/stammdaten", &stats, &err), 0);
	assert_int_equal(stats.files, 6);
	assert_int_equal(masterdata_counts(st, counts), 0);
	assert_int_equal(counts[0], 8);         /* OEs */
	assert_int_equal(counts[4], 11);        /* catalogue */
	assert_int_equal(masterdata_artikel(st, "100234", &a), 1);
	assert_int_equal(a.preis_cents, 429);
	assert_string_equal(a.einheit, "Pack");
	assert_string_equal(a.lieferant, "L02");
	assert_int_equal(a.genehmigungspflichtig, 0);
	md_artikel_clear(&a);
	assert_int_equal(masterdata_artikel(st, "700010", &a), 1);
	assert_int_equal(a.genehmigungspflichtig, 1);
	md_artikel_clear(&a);
	assert_int_equal(masterdata_artikel(st, "999999", &a), 0);
	assert_int_equal(masterdata_oe(st, "10.2", &oe), 1);
	assert_string_equal(oe.parent, "10");
	assert_int_equal(oe.schwelle_cents, -1);
	md_oe_clear(&oe);
	/* Threshold: own, inherited from the parent, inherited from nothing. */
	assert_int_equal(masterdata_threshold(st, "20", 25000, &t), 0);
	assert_int_equal(t, 50000);
	assert_int_equal(masterdata_threshold(st, "10.2", 99900, &t), 0);
	assert_int_equal(t, 25000);
	assert_int_equal(masterdata_threshold(st, "60", 25000, &t), 0);
	assert_int_equal(t, 25000);
	/* Repeatable: a second import changes nothing but is accepted. */
	assert_int_equal(import_dir(st, SAMPLES "/stammdaten", &stats, &err), 0);
	assert_int_equal(masterdata_counts(st, counts), 0);
	assert_int_equal(counts[0], 8);
	testutil_db_done(st, dir);
}

static void
test_import_upsert_and_subset(void **state)
{
	struct store *st;
	char *dir = testutil_db_with_samples(&st);
	char *csvdir = xasprintf("%s/csv", dir);
	struct import_stats stats;
	const char *err;
	struct md_artikel a = { 0 };

	(void)state;
	mkdir(csvdir, 0700);
	testutil_write_file(csvdir, "katalog.csv", "\xef\xbb\xbf" "artikelnr;bezeichnung;einheit;"
	    "preis_eur;lieferant;lieferanten_artikelnr;genehmigungspflichtig\r\n"
	    "100234;Kopierpapier A4 neu;Pack;4,49;L02;PH-A480-500;nein\r\n");
	assert_int_equal(import_dir(st, csvdir, &stats, &err), 0);
	assert_int_equal(stats.files, 1);
	assert_int_equal(masterdata_artikel(st, "100234", &a), 1);
	assert_int_equal(a.preis_cents, 449);
	assert_string_equal(a.bezeichnung, "Kopierpapier A4 neu");
	md_artikel_clear(&a);
	free(csvdir);
	testutil_db_done(st, dir);
}

/* The price of article 100234 as masterdata sees it now. */
static int64_t
price(struct store *st)
{
	struct md_artikel a = { 0 };
	int64_t cents;

	assert_int_equal(masterdata_artikel(st, "100234", &a), 1);
	cents = a.preis_cents;
	md_artikel_clear(&a);
	return cents;
}

static void
set_price(const char *csvdir, const char *eur)
{
	char *text = xasprintf("artikelnr;bezeichnung;einheit;preis_eur;"
	    "lieferant;lieferanten_artikelnr;genehmigungspflichtig\n"
	    "100234;Kopierpapier;Pack;%s;L02;PH-A480-500;nein\n", eur);

	testutil_write_file(csvdir, "katalog.csv", text);
	free(text);
}

/* Another connection (another process, say) changes the price. */
static void
other_sets_price(const char *dbpath, int cents)
{
	struct store *o;
	const char *err;
	char *q = xasprintf("UPDATE katalog SET preis_cents = %d WHERE "
	    "artikelnr = '100234'", cents);

	assert_int_equal(store_open(dbpath, &o, &err), 0);
	assert_int_equal(store_exec(o, q), 0);
	store_close(o);
	free(q);
}

/*
 * masterdata remembers rows within a write transaction; what it remembers
 * must never be older than the database: not after an import in the same
 * transaction, not after a rollback, not in the next transaction after
 * another process's change, and nothing at all outside a transaction.
 */
static void
test_masterdata_remembered(void **state)
{
	struct store *st;
	char *dir = testutil_db_with_samples(&st);
	char *csvdir = xasprintf("%s/csv", dir), *dbpath = xasprintf("%s/test.db",
	    dir);
	struct import_stats stats;
	struct md_person p = { 0 };
	const char *err;

	(void)state;
	mkdir(csvdir, 0700);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(price(st), 429);
	set_price(csvdir, "4,49");
	assert_int_equal(import_dir(st, csvdir, &stats, &err), 0);
	assert_int_equal(price(st), 449);       /* the import's own change */
	assert_int_equal(store_begin(st), 0);   /* savepoint */
	set_price(csvdir, "9,99");
	assert_int_equal(import_dir(st, csvdir, &stats, &err), 0);
	assert_int_equal(price(st), 999);
	store_rollback(st);
	assert_int_equal(price(st), 449);       /* rolled back */
	/* Persons compare case-insensitively, remembered or not. */
	assert_int_equal(masterdata_person(st, "Requester1@Exempla.TEST", &p), 1);
	assert_string_equal(p.name, "Max Mustermann");
	md_person_clear(&p);
	assert_int_equal(masterdata_person(st, "requester1@exempla.test", &p), 1);
	assert_string_equal(p.email, "requester1@exempla.test");
	md_person_clear(&p);
	assert_int_equal(store_commit(st), 0);

	other_sets_price(dbpath, 111);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(price(st), 111);       /* a new transaction reads anew */
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(price(st), 111);
	other_sets_price(dbpath, 222);
	assert_int_equal(price(st), 222);       /* outside: never remembered */
	free(csvdir);
	free(dbpath);
	testutil_db_done(st, dir);
}

struct bad_import {
	const char *file, *text, *expect;
};

static const struct bad_import bad_imports[] = {
	{ "kostenstellen.csv", "kostenstelle;bezeichnung;oe;budget_eur;jahr\n"
	    "1010;A;10.1;100,00;2026\n1011;B;10.1;viel;2026\n",
	    "kostenstellen.csv:3: budget_eur: \"viel\" ist kein Geldbetrag" },
	{ "kostenstellen.csv", "kostenstelle;bezeichnung;oe;budget_eur;jahr\n"
	    "1010;A;77;100,00;2026\n", "kostenstellen.csv:2: oe: OE \"77\" ist unbekannt" },
	{ "katalog.csv", "artikelnr;bezeichnung;einheit;preis_eur;lieferant;"
	    "lieferanten_artikelnr;genehmigungspflichtig\n1;X;Stück;1,00;L99;;nein\n",
	    "katalog.csv:2: lieferant: Lieferant \"L99\" ist unbekannt" },
	{ "katalog.csv", "artikelnr;bezeichnung;einheit;preis_eur;lieferant;"
	    "lieferanten_artikelnr;genehmigungspflichtig\n1;X;Stück;1,00;L01;;vielleicht\n",
	    "katalog.csv:2: genehmigungspflichtig" },
	{ "katalog.csv", "artikelnr;bezeichnung;einheit\n1;X;Stück\n",
	    "katalog.csv:1: Spalte \"preis_eur\" fehlt" },
	{ "lieferanten.csv", "lieferant;name;bestell_email;kundennummer;format;"
	    "mindestbestellwert_eur\nL9;X;keine-adresse;1;csv;0\n",
	    "lieferanten.csv:2: bestell_email" },
	{ "lieferanten.csv", "lieferant;name;bestell_email;kundennummer;format;"
	    "mindestbestellwert_eur\nL9;X;a@b.test;1;pdf;0\n", "lieferanten.csv:2: format" },
	{ "organisationseinheiten.csv", "oe;bezeichnung;uebergeordnet;genehmiger;"
	    "vertretung;schwelle_eur\nA;A;B;;;\nB;B;A;;;\n", "Zyklus" },
	{ "personen.csv", "email;name;oe;rolle\nx@exempla.test;X\n", "personen.csv:2" },
	{ "personen.csv", "email;name;oe;rolle\nx@exempla.test;;10;besteller\n",
	    "personen.csv:2: name: Wert fehlt" },
};

static void
test_import_errors_all_or_nothing(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(bad_imports); i++) {
		struct store *st;
		char *dir = testutil_db_with_samples(&st);
		char *csvdir = xasprintf("%s/csv", dir);
		struct import_stats stats;
		const char *err = NULL;
		int64_t before[6], after[6];

		mkdir(csvdir, 0700);
		/* A valid file next to the bad one must not be imported either. */
		testutil_write_file(csvdir, "lieferorte.csv", "code;bezeichnung;strasse;plz;ort;"
		    "raum;oe\nNEU-1;Neu;Weg 1;12345;Exempla;1;\n");
		testutil_write_file(csvdir, bad_imports[i].file, bad_imports[i].text);
		assert_int_equal(masterdata_counts(st, before), 0);
		assert_int_equal(import_dir(st, csvdir, &stats, &err), -1);
		if (strstr(err, bad_imports[i].expect) == NULL)
			fail_msg("row %zu: error \"%s\" lacks \"%s\"", i, err,
			    bad_imports[i].expect);
		assert_int_equal(masterdata_counts(st, after), 0);
		assert_memory_equal(before, after, sizeof(before));
		free(csvdir);
		testutil_db_done(st, dir);
	}
}

static void
copy_file(const char *from, const char *dir, const char *name)
{
	char *data, *to = xasprintf("%s/%s", dir, name);
	size_t len;
	const char *err;
	FILE *f;

	assert_int_equal(file_read(from, 1 << 24, &data, &len, &err), 0);
	f = fopen(to, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	free(data);
	free(to);
}

static void
test_import_bmecat(void **state)
{
	struct store *st;
	char *dir = testutil_db_with_samples(&st);
	char *csvdir = xasprintf("%s/bme", dir);
	struct import_stats stats;
	const char *err = NULL;
	struct md_artikel a = { 0 };
	int64_t before[6], after[6];

	(void)state;
	mkdir(csvdir, 0700);
	/* 100234 has genehmigungspflichtig nein; a BMEcat import keeps that. */
	copy_file("tests/data/bmecat-2005.xml", csvdir, "bmecat-L02.xml");
	assert_int_equal(import_dir(st, csvdir, &stats, &err), 0);
	assert_int_equal(stats.bmecat_files, 1);
	assert_true(stats.bmecat_articles >= 2);
	/* BUYER_PID is our number; the net_customer price wins. */
	assert_int_equal(masterdata_artikel(st, "100234", &a), 1);
	assert_int_equal(a.preis_cents, 429);
	assert_string_equal(a.lieferant, "L02");
	assert_string_equal(a.lieferanten_artikelnr, "PH-A480-500");
	assert_string_equal(a.einheit, "Pack");
	md_artikel_clear(&a);
	/* Without a buyer number, the supplier's number is ours. */
	assert_int_equal(masterdata_artikel(st, "BW-KS-B", &a), 1);
	assert_string_equal(a.einheit, "Stück");
	md_artikel_clear(&a);
	/* A broken catalogue: nothing of the run is imported, file and line named. */
	copy_file("tests/data/bmecat-ohne-preis.xml", csvdir, "bmecat-L01.xml");
	copy_file("contrib/demo/stammdaten/lieferorte.csv", csvdir, "lieferorte.csv");
	assert_int_equal(masterdata_counts(st, before), 0);
	assert_int_equal(import_dir(st, csvdir, &stats, &err), -1);
	assert_non_null(strstr(err, "bmecat-"));
	assert_int_equal(masterdata_counts(st, after), 0);
	assert_memory_equal(before, after, sizeof(before));
	/* An unknown supplier code in the file name is refused. */
	{
		char *old = xasprintf("%s/bmecat-L01.xml", csvdir);
		unlink(old);
		free(old);
	}
	copy_file("tests/data/bmecat-12.xml", csvdir, "bmecat-L99.xml");
	assert_int_equal(import_dir(st, csvdir, &stats, &err), -1);
	assert_non_null(strstr(err, "Lieferant \"L99\" ist unbekannt"));
	free(csvdir);
	testutil_db_done(st, dir);
}

static void
test_import_empty_dir(void **state)
{
	struct store *st;
	char *dir = testutil_db(&st);
	struct import_stats stats;
	const char *err;

	(void)state;
	assert_int_equal(import_dir(st, dir, &stats, &err), -1);
	assert_non_null(strstr(err, "keine der Stammdaten-Dateien"));
	testutil_db_done(st, dir);
}

/* What each file's row turns into: NULL for empty optional values, numbers as numbers. */
static void
test_import_values(void **state)
{
	static const struct {
		const char *sql, *want;
	} rows[] = {
		{ "SELECT parent, genehmiger, vertretung, schwelle_cents FROM oe "
		    "WHERE code = 'N1'", "null null null null" },
		{ "SELECT parent, genehmiger, schwelle_cents FROM oe WHERE code = 'N2'",
		    "text:N1 text:g@exempla.test integer:1050" },
		{ "SELECT budget_cents, jahr FROM kostenstelle WHERE code = 'K1'",
		    "integer:100000 integer:2027" },
		{ "SELECT raum, oe FROM lieferort WHERE code = 'LO1'", "null null" },
		{ "SELECT kundennummer, format, mindestbestellwert_cents FROM "
		    "lieferant WHERE code = 'LX'", "null text:text integer:0" },
		{ "SELECT mindestbestellwert_cents FROM lieferant WHERE code = 'LY'",
		    "integer:2500" },
		{ "SELECT preis_cents, lieferanten_artikelnr, genehmigungspflichtig "
		    "FROM katalog WHERE artikelnr = 'A1'", "integer:199 null integer:0" },
		{ "SELECT genehmigungspflichtig FROM katalog WHERE artikelnr = 'A2'",
		    "integer:1" },
		{ "SELECT email, oe FROM person WHERE name = 'Neu'",
		    "text:neu.person@exempla.test null" },
	};
	struct store *st;
	char *dir = testutil_db(&st);
	struct import_stats stats;
	const char *err = NULL;

	(void)state;
	testutil_write_file(dir, "organisationseinheiten.csv", "oe;bezeichnung;uebergeordnet;"
	    "genehmiger;vertretung;schwelle_eur\nN2;Zwei;N1;g@exempla.test;;10,50\n"
	    "N1;Eins;;;;\n");
	testutil_write_file(dir, "kostenstellen.csv", "kostenstelle;bezeichnung;oe;"
	    "budget_eur;jahr\nK1;K;N1;1.000,00;2027\n");
	testutil_write_file(dir, "lieferorte.csv", "code;bezeichnung;strasse;plz;ort;raum;oe\n"
	    "LO1;Ort;Weg 1;12345;Exempla;;\n");
	testutil_write_file(dir, "lieferanten.csv", "lieferant;name;bestell_email;"
	    "kundennummer;format;mindestbestellwert_eur\nLX;X;x@l.test;;text;\n"
	    "LY;Y;y@l.test;7;csv;25\n");
	testutil_write_file(dir, "katalog.csv", "artikelnr;bezeichnung;einheit;preis_eur;"
	    "lieferant;lieferanten_artikelnr;genehmigungspflichtig\n"
	    "A1;Stift;Stück;1,99;LX;;\nA2;Tisch;Stück;99,00;LY;T-1;Ja\n");
	testutil_write_file(dir, "personen.csv", "email;name;oe;rolle\n"
	    "Neu.Person@Exempla.TEST;Neu;;besteller\n");
	if (import_dir(st, dir, &stats, &err) != 0)
		fail_msg("import: %s", err);
	assert_int_equal(stats.files, 6);
	for (size_t i = 0; i < SO_NELEM(rows); i++) {
		sqlite3_stmt *s = store_stmt(st, rows[i].sql);
		struct buf b;

		buf_init(&b, 0);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		for (int c = 0; c < sqlite3_column_count(s); c++) {
			const char *t = (const char *)sqlite3_column_text(s, c);

			buf_printf(&b, "%s%s%s%s", c ? " " : "",
			    sqlite3_column_type(s, c) == SQLITE_NULL ? "null" :
			    sqlite3_column_type(s, c) == SQLITE_INTEGER ?
			    "integer" : "text", t ? ":" : "", t ? t : "");
		}
		sqlite3_reset(s);
		if (strcmp(buf_cstr(&b), rows[i].want) != 0)
			fail_msg("row %zu: %s, expected %s", i, buf_cstr(&b),
			    rows[i].want);
		buf_free(&b);
	}
	testutil_db_done(st, dir);
}

/* Within a row: missing values and amounts first, then formats, then references. */
static void
test_import_check_order(void **state)
{
	static const struct bad_import rows[] = {
		{ "lieferanten.csv", "lieferant;name;bestell_email;kundennummer;"
		    "format;mindestbestellwert_eur\nL9;;kaputt;1;pdf;x\n",
		    "lieferanten.csv:2: name: Wert fehlt" },
		{ "lieferanten.csv", "lieferant;name;bestell_email;kundennummer;"
		    "format;mindestbestellwert_eur\nL9;X;kaputt;1;pdf;x\n",
		    "lieferanten.csv:2: mindestbestellwert_eur: \"x\" ist kein Geldbetrag" },
		{ "lieferanten.csv", "lieferant;name;bestell_email;kundennummer;"
		    "format;mindestbestellwert_eur\nL9;X;kaputt;1;pdf;1\n",
		    "lieferanten.csv:2: bestell_email: \"kaputt\" ist keine Mail-Adresse" },
		{ "kostenstellen.csv", "kostenstelle;bezeichnung;oe;budget_eur;jahr\n"
		    "1;A;77;1,00;1999\n", "kostenstellen.csv:2: jahr: \"1999\" ist kein Jahr" },
		{ "organisationseinheiten.csv", "oe;bezeichnung;uebergeordnet;"
		    "genehmiger;vertretung;schwelle_eur\nX;X;99;a@b;c;\n",
		    "organisationseinheiten.csv:2: vertretung: \"c\" ist keine Mail-Adresse" },
		{ "organisationseinheiten.csv", "oe;bezeichnung;uebergeordnet;"
		    "genehmiger;vertretung;schwelle_eur\nX;X;99;a@b;;\n",
		    "organisationseinheiten.csv:2: uebergeordnet: OE \"99\" ist unbekannt" },
		{ "personen.csv", "email;name;rolle\nx@y;X;einkauf\ny@z;Y;\n",
		    "personen.csv:3: rolle: Wert fehlt" },
		{ "lieferorte.csv", "code;bezeichnung;strasse;plz\n",
		    "lieferorte.csv:1: Spalte \"ort\" fehlt in der Kopfzeile" },
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(rows); i++) {
		struct store *st;
		char *dir = testutil_db(&st);
		struct import_stats stats;
		const char *err = NULL;

		testutil_write_file(dir, rows[i].file, rows[i].text);
		assert_int_equal(import_dir(st, dir, &stats, &err), -1);
		if (strncmp(err, rows[i].expect, strlen(rows[i].expect)) != 0)
			fail_msg("row %zu: error \"%s\", expected \"%s\"", i, err,
			    rows[i].expect);
		testutil_db_done(st, dir);
	}
}

static int
after_fails(struct store *st, void *ctx, const char **error_r)
{
	struct md_oe oe = { 0 };
	int *called = ctx;

	/* It runs inside the import's transaction and sees the new rows. */
	*called = masterdata_oe(st, "10.2", &oe) == 1;
	md_oe_clear(&oe);
	*error_r = "after: refused";
	return -1;
}

static void
test_import_then_rolls_back(void **state)
{
	struct store *st;
	char *dir = testutil_db(&st);
	struct import_stats stats;
	const char *err = NULL;
	int64_t counts[6];
	int called = 0;

	(void)state;
	assert_int_equal(import_dir_then(st, SAMPLES "/stammdaten", after_fails,
	    &called, &stats, &err), -1);
	assert_true(called);
	assert_string_equal(err, "after: refused");
	assert_int_equal(masterdata_counts(st, counts), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(counts[i], 0);
	testutil_db_done(st, dir);
}

static struct vorgang *
sample_case(void)
{
	struct vorgang *v = xcalloc(1, sizeof(*v));

	v->state = xstrdup(STATE_EINGEGANGEN);
	v->requester_email = xstrdup("requester1@exempla.test");
	v->oe = xstrdup("10.2");
	v->kostenstelle = xstrdup("1020");
	v->lieferort = xstrdup("RH-214");
	v->positions = xcalloc(1, sizeof(*v->positions));
	v->npositions = 1;
	v->positions[0].pos = 1;
	v->positions[0].artikelnr = xstrdup("100234");
	v->positions[0].bezeichnung = xstrdup("Papier");
	v->positions[0].einheit = xstrdup("Pack");
	v->positions[0].menge = 2;
	v->positions[0].preis_cents = 429;
	v->positions[0].total_cents = 858;
	v->total_cents = 858;
	return v;
}

static void
test_case_numbers_and_transitions(void **state)
{
	struct store *st;
	char *dir = testutil_db_with_samples(&st);
	struct vorgang *v, *loaded;
	struct vorgang_history *h;
	size_t nh;
	/* 2026-12-31 12:00 and 2027-01-01 12:00 UTC: per-year sequences. */
	const int64_t y2026 = 1798718400, y2027 = 1798804800;

	(void)state;
	setenv("TZ", "UTC", 1);
	for (int i = 1; i <= 3; i++) {
		char expect[32];
		v = sample_case();
		assert_int_equal(store_begin(st), 0);
		assert_int_equal(case_store_insert(st, v, "SO", y2026, "x", "m@x"), 0);
		assert_int_equal(store_commit(st), 0);
		snprintf(expect, sizeof(expect), "SO-2026-%06d", i);
		assert_string_equal(v->nr, expect);
		vorgang_free(v);
	}
	/* A rolled-back insert burns no number. */
	v = sample_case();
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(case_store_insert(st, v, "SO", y2026, "x", NULL), 0);
	store_rollback(st);
	vorgang_free(v);
	v = sample_case();
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(case_store_insert(st, v, "SO", y2026, "x", NULL), 0);
	assert_string_equal(v->nr, "SO-2026-000004");
	vorgang_free(v);
	v = sample_case();
	assert_int_equal(case_store_insert(st, v, "SO", y2027, "x", NULL), 0);
	assert_int_equal(store_commit(st), 0);
	vorgang_free(v);

	assert_int_equal(case_store_load(st, "SO-2027-000001", &loaded), 1);
	assert_string_equal(loaded->state, STATE_EINGEGANGEN);
	assert_int_equal(loaded->npositions, 1);
	assert_int_equal(loaded->positions[0].total_cents, 858);
	/* Transition only from the right state, with a history row. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(case_store_transition(st, loaded->id, STATE_WARTET,
	    STATE_GENEHMIGT, "a", NULL, NULL, y2027), 0);
	assert_int_equal(case_store_transition(st, loaded->id, STATE_EINGEGANGEN,
	    STATE_FREIGEGEBEN, "socialorder", "Standard", "m@x", y2027), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(case_store_history(st, loaded->id, &h, &nh), 0);
	assert_int_equal(nh, 2);
	assert_null(h[0].from_state);
	assert_string_equal(h[1].from_state, STATE_EINGEGANGEN);
	assert_string_equal(h[1].to_state, STATE_FREIGEGEBEN);
	assert_string_equal(h[1].reason, "Standard");
	vorgang_history_free(h, nh);
	vorgang_free(loaded);
	assert_int_equal(case_store_load(st, "SO-2027-000099", &loaded), 0);
	testutil_db_done(st, dir);
}

static void
test_ledger_and_outbox(void **state)
{
	struct store *st;
	char *dir = testutil_db(&st);
	struct ledger_entry le = { 0 };
	struct outbox_item *items;
	size_t n;
	int64_t pending, failed, sent, cnt;

	(void)state;
	/* Writers run in transactions (the audit trail insists on it). */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(ledger_find_uid(st, 7, 1, &le), 0);
	assert_int_equal(ledger_insert(st, 7, 1, "a@b", "h1", "case", "Verarbeitet",
	    "SO-2026-000001", NULL, NULL, 100), 0);
	assert_int_equal(ledger_find_uid(st, 7, 1, &le), 1);
	assert_string_equal(le.folder, "Verarbeitet");
	ledger_entry_clear(&le);
	/* Same (uidvalidity, uid) twice is refused by the schema. */
	assert_int_equal(ledger_insert(st, 7, 1, "x@y", "h2", "case", "F", NULL,
	    NULL, NULL, 100), -1);
	assert_int_equal(ledger_find_content(st, "a@b", "h1", &le), 1);
	assert_string_equal(le.vorgang_nr, "SO-2026-000001");
	ledger_entry_clear(&le);
	assert_int_equal(ledger_find_content(st, "other@b", "h1", &le), 0);
	assert_int_equal(ledger_find_content(st, NULL, "h1", &le), 0);

	assert_int_equal(outbox_enqueue(st, 0, "help", "a@exempla.test", "id1@x",
	    "raw1", 4, 100), 0);
	assert_int_equal(outbox_enqueue(st, 0, "help", "b@exempla.test", "id2@x",
	    "raw2", 4, 100), 0);
	/* Message-IDs are unique. */
	assert_int_equal(outbox_enqueue(st, 0, "help", "b@exempla.test", "id2@x",
	    "raw3", 4, 100), -1);
	assert_int_equal(outbox_due(st, 99, 10, &items, &n), 0);
	assert_int_equal(n, 0);
	free(items);
	assert_int_equal(outbox_due(st, 100, 10, &items, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].raw, "raw1");
	assert_int_equal(outbox_mark_sent(st, items[0].id, 101), 0);
	assert_int_equal(outbox_mark_retry(st, items[1].id, 1, 200, "451"), 0);
	outbox_items_free(items, n);
	assert_int_equal(outbox_due(st, 150, 10, &items, &n), 0);
	assert_int_equal(n, 0);
	free(items);
	assert_int_equal(outbox_due(st, 200, 10, &items, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].attempts, 1);
	assert_int_equal(outbox_mark_failed(st, items[0].id, 2, "550"), 0);
	outbox_items_free(items, n);
	assert_int_equal(outbox_counts(st, &pending, &failed, &sent), 0);
	assert_int_equal(pending, 0);
	assert_int_equal(failed, 1);
	assert_int_equal(sent, 1);

	assert_int_equal(outbox_answer_record(st, "a@x", 100), 0);
	assert_int_equal(outbox_answer_record(st, "a@x", 200), 0);
	assert_int_equal(outbox_answers_since(st, "a@x", 150, &cnt), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(outbox_answers_since(st, "b@x", 0, &cnt), 0);
	assert_int_equal(cnt, 0);
	assert_int_equal(store_commit(st), 0);
	testutil_db_done(st, dir);
}

static void
test_schema_version(void **state)
{
	struct store *st;
	char *dir = testutil_db(&st);
	char *path = xasprintf("%s/test.db", dir);
	struct store *again;
	const char *err;

	(void)state;
	assert_int_equal(store_schema_version(st), store_schema_latest());
	/* Reopening an up-to-date database migrates nothing and works. */
	assert_int_equal(store_open(path, &again, &err), 0);
	assert_int_equal(store_schema_version(again), store_schema_latest());
	store_close(again);
	/* A database from a newer program is refused, not damaged. */
	assert_int_equal(store_exec(st, "PRAGMA user_version = 999"), 0);
	assert_int_equal(store_open(path, &again, &err), -1);
	assert_non_null(strstr(err, "newer"));
	free(path);
	testutil_db_done(st, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_samples),
		cmocka_unit_test(test_import_upsert_and_subset),
		cmocka_unit_test(test_masterdata_remembered),
		cmocka_unit_test(test_import_errors_all_or_nothing),
		cmocka_unit_test(test_import_bmecat),
		cmocka_unit_test(test_import_empty_dir),
		cmocka_unit_test(test_import_values),
		cmocka_unit_test(test_import_check_order),
		cmocka_unit_test(test_import_then_rolls_back),
		cmocka_unit_test(test_case_numbers_and_transitions),
		cmocka_unit_test(test_ledger_and_outbox),
		cmocka_unit_test(test_schema_version),
	};
	return cmocka_run_group_tests_name("import+store", tests, NULL, NULL);
}
