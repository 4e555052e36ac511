/* SPDX-License-Identifier: MIT */
/*
 * test_csv - table tests for parsers/csv.c: quoting, CRLF, BOM, empty lines,
 * line numbers (also after quoted newlines), and every error with the line
 * it must name; then the real master-data files of the shared samples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"
#include "util.h"

#define STAMMDATEN "contrib/demo/stammdaten/"

/*
 * Compact form of a table: "h1|h2" for the header, then one line per row:
 * "LINE:f1|f2".
 */
static char *
dump(const struct csv_table *t)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < t->ncols; i++)
		buf_printf(&b, "%s%s", i ? "|" : "", t->header[i]);
	for (size_t r = 0; r < t->nrows; r++) {
		buf_printf(&b, "\n%u:", t->rows[r].line);
		for (size_t i = 0; i < t->rows[r].nfields; i++)
			buf_printf(&b, "%s%s", i ? "|" : "", t->rows[r].field[i]);
	}
	return buf_steal(&b);
}

static const struct {
	const char *in;
	size_t len;             /* 0: strlen(in) */
	size_t max_rows;
	const char *out;        /* NULL: must fail */
	const char *error;      /* must fail: the exact message */
} csv_cases[] = {
	{ "a;b\n1;2\n", 0, 10, "a|b\n2:1|2", NULL },
	{ "a;b\n1;2", 0, 10, "a|b\n2:1|2", NULL },
	{ "a;b\n", 0, 10, "a|b", NULL },
	{ "a;b", 0, 10, "a|b", NULL },
	{ " Code ; BEZEICHNUNG \n x ; y \n", 0, 10, "code|bezeichnung\n2:x|y",
	  NULL },
	{ "a;b\r\n1;2\r\n3;4\r\n", 0, 10, "a|b\n2:1|2\n3:3|4", NULL },
	{ "\xef\xbb\xbf" "a;b\n1;2\n", 0, 10, "a|b\n2:1|2", NULL },
	{ "\n\na;b\n\n1;2\n   \n\r\n3;4\n\n", 0, 10, "a|b\n5:1|2\n8:3|4",
	  NULL },
	{ "a;b\n;\n", 0, 10, "a|b\n2:|", NULL },
	{ "a\n\"\"\n", 0, 10, "a\n2:", NULL },
	{ "a;b\n\"x;y\";\"say \"\"hi\"\"\"\n", 0, 10,
	  "a|b\n2:x;y|say \"hi\"", NULL },
	{ "a;b\n\"line1\nline2\";2\n3;4\n", 0, 10,
	  "a|b\n2:line1\nline2|2\n4:3|4", NULL },
	{ "a;b\r\n\"x\r\ny\";2\r\n", 0, 10, "a|b\n2:x\ny|2", NULL },
	{ "a;b\n  \"quoted\"  ;2\n", 0, 10, "a|b\n2:quoted|2", NULL },
	{ "a;b\n12\" Monitor;2\n", 0, 10, "a|b\n2:12\" Monitor|2", NULL },
	{ "a;b\n\"\";\"\"\n", 0, 10, "a|b\n2:|", NULL },
	{ "artikelnr;bezeichnung;preis\n100234;Kopierpapier A4 80 g/m\xc2\xb2;"
	  "4,29\n", 0, 10,
	  "artikelnr|bezeichnung|preis\n"
	  "2:100234|Kopierpapier A4 80 g/m\xc2\xb2|4,29", NULL },
	{ "a;b\n1;2\n3;4\n", 0, 2, "a|b\n2:1|2\n3:3|4", NULL },
	/* must fail */
	{ "", 0, 10, NULL, "line 1: no header row (the file is empty)" },
	{ "\n\r\n\n", 0, 10, NULL, "line 1: no header row (the file is empty)" },
	{ "\xef\xbb\xbf", 0, 10, NULL,
	  "line 1: no header row (the file is empty)" },
	{ "a;b\n1;2\n3\n", 0, 10, NULL, "line 3: 1 fields, but the header has 2" },
	{ "a;b\n1;2;3\n", 0, 10, NULL,
	  "line 2: more fields than the header has (2)" },
	{ "a;b\n\"x\ny\";2\n1;2;3\n", 0, 10, NULL,
	  "line 4: more fields than the header has (2)" },
	{ "a;b\n1;2\n\xc3;4\n", 0, 10, NULL, "line 3: is not valid UTF-8" },
	{ "a;b\n1;St\xfc" "ck\n", 0, 10, NULL, "line 2: is not valid UTF-8" },
	{ "a;b\n1;\xed\xa0\x80\n", 0, 10, NULL, "line 2: is not valid UTF-8" },
	{ "a;b\n1;2\0\n", 9, 10, NULL, "line 2: contains a NUL byte" },
	{ "a;b\n1;\"open\n2;3\n", 0, 10, NULL,
	  "line 2: quoted field is not closed (a '\"' is missing)" },
	{ "a;b\n1;2\n3;\"x\ny\n", 0, 10, NULL,
	  "line 3: quoted field is not closed (a '\"' is missing)" },
	{ "a;b\n\"x\"y;2\n", 0, 10, NULL, "line 2: text after a closing quote" },
	{ "a;a\n1;2\n", 0, 10, NULL, "line 1: column \"a\" appears twice" },
	{ "A;b;a\n1;2;3\n", 0, 10, NULL, "line 1: column \"a\" appears twice" },
	{ "a;b\n1;2\n3;4\n", 0, 1, NULL, "line 3: more than 1 data rows" },
};

static void
test_csv_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(csv_cases); i++) {
		size_t len = csv_cases[i].len ? csv_cases[i].len :
		    strlen(csv_cases[i].in);
		struct csv_table *t = NULL;
		const char *err = NULL;
		int rc;

		rc = csv_parse(csv_cases[i].in, len, ';', csv_cases[i].max_rows,
		    &t, &err);
		if (csv_cases[i].out == NULL) {
			if (rc != -1)
				fail_msg("row %zu parsed, should fail", i);
			assert_string_equal(err, csv_cases[i].error);
			continue;
		}
		if (rc != 0)
			fail_msg("row %zu: %s", i, err);
		{
			char *d = dump(t);

			if (strcmp(d, csv_cases[i].out) != 0)
				fail_msg("row %zu: got \"%s\", expected \"%s\"",
				    i, d, csv_cases[i].out);
			free(d);
		}
		csv_free(t);
	}
}

static void
test_csv_separator(void **state)
{
	struct csv_table *t = NULL;
	const char *err = NULL;
	char *d;

	(void)state;
	assert_int_equal(csv_parse("a,b\n1,\"x,y\"\n", 12, ',', 10, &t, &err), 0);
	d = dump(t);
	assert_string_equal(d, "a|b\n2:1|x,y");
	free(d);
	csv_free(t);
	/* With ';' the same text is one column per row. */
	assert_int_equal(csv_parse("a,b\n1,2\n", 8, ';', 10, &t, &err), 0);
	assert_int_equal(t->ncols, 1);
	assert_string_equal(t->rows[0].field[0], "1,2");
	csv_free(t);
}

static void
test_csv_field_limit(void **state)
{
	static const size_t sizes[] = { 65536, 65537 };

	(void)state;
	for (size_t i = 0; i < SO_NELEM(sizes); i++) {
		struct buf b;
		struct csv_table *t = NULL;
		const char *err = NULL;
		int rc;

		buf_init(&b, 0);
		buf_puts(&b, "a;b\n1;\"");
		for (size_t k = 0; k < sizes[i]; k++)
			buf_putc(&b, 'x');
		buf_puts(&b, "\"\n");
		rc = csv_parse(b.data, b.len, ';', 10, &t, &err);
		if (sizes[i] <= 65536) {
			assert_int_equal(rc, 0);
			assert_int_equal(strlen(t->rows[0].field[1]), sizes[i]);
			csv_free(t);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(err, "line 2: a field is longer than "
			    "65536 bytes");
		}
		buf_free(&b);
	}
}

static void
test_csv_col(void **state)
{
	const char *in = "OE;Bezeichnung;Schwelle_EUR\n10;Amt;250,00\n";
	struct csv_table *t = NULL;
	const char *err = NULL;

	(void)state;
	assert_int_equal(csv_parse(in, strlen(in), ';', 10, &t, &err), 0);
	assert_int_equal(csv_col(t, "oe"), 0);
	assert_int_equal(csv_col(t, "bezeichnung"), 1);
	assert_int_equal(csv_col(t, "Schwelle_EUR"), 2);
	assert_int_equal(csv_col(t, "fehlt"), -1);
	csv_free(t);
	csv_free(NULL);
}

/* The shared master data must read; check a few known values. */
static void
test_csv_stammdaten(void **state)
{
	static const struct {
		const char *file;
		const char *col;
		const char *first;      /* value of col in the first data row */
		size_t ncols;
	} files[] = {
		{ "organisationseinheiten.csv", "oe", "1", 6 },
		{ "kostenstellen.csv", "kostenstelle", "1010", 5 },
		{ "lieferorte.csv", "code", "RH-EG-012", 7 },
		{ "lieferanten.csv", "lieferant", "L01", 6 },
		{ "katalog.csv", "bezeichnung",
		  "Kopierpapier A4 80 g/m\xc2\xb2, 500 Blatt", 7 },
		{ "personen.csv", "email", "requester1@exempla.test", 4 },
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(files); i++) {
		char *path = xasprintf(STAMMDATEN "%s", files[i].file), *data;
		struct csv_table *t = NULL;
		const char *err = NULL;
		size_t len;
		int col;

		if (file_read(path, 1024 * 1024, &data, &len, &err) == -1)
			fail_msg("%s", err);
		if (csv_parse(data, len, ';', 100000, &t, &err) == -1)
			fail_msg("%s: %s", path, err);
		assert_int_equal(t->ncols, files[i].ncols);
		assert_true(t->nrows > 0);
		assert_int_equal(t->rows[0].line, 2);
		col = csv_col(t, files[i].col);
		assert_true(col >= 0);
		assert_string_equal(t->rows[0].field[col], files[i].first);
		csv_free(t);
		free(data);
		free(path);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_table),
		cmocka_unit_test(test_csv_separator),
		cmocka_unit_test(test_csv_field_limit),
		cmocka_unit_test(test_csv_col),
		cmocka_unit_test(test_csv_stammdaten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
