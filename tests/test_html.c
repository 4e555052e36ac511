/* SPDX-License-Identifier: MIT */
/*
 * test_html - table tests for parsers/html.c: character references (named,
 * decimal, hex, invalid), html_to_text on block structure and broken markup,
 * table rows (cells, nesting, comments, scripts), and the caps on rows,
 * cells and cell text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"
#include "util.h"

#define FFFD "\xef\xbf\xbd"

static const struct {
	const char *in;
	const char *out;
} entity_cases[] = {
	{ "a &amp; b", "a & b" },
	{ "&lt;tag&gt;", "<tag>" },
	{ "&quot;x&quot; &apos;y&apos;", "\"x\" 'y'" },
	{ "&auml;&ouml;&uuml;&Auml;&Ouml;&Uuml;&szlig;",
	  "\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x84\xc3\x96\xc3\x9c\xc3\x9f" },
	{ "39,90&nbsp;&euro;", "39,90\xc2\xa0\xe2\x82\xac" },
	{ "&bdquo;x&ldquo; &ndash; &hellip;",
	  "\xe2\x80\x9ex\xe2\x80\x9c \xe2\x80\x93 \xe2\x80\xa6" },
	{ "g/m&sup2;", "g/m\xc2\xb2" },
	{ "&#252;&#xFC;&#XfC;&#x00fc;", "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc" },
	{ "&#252 x", "\xc3\xbc x" },
	{ "&#8364;", "\xe2\x82\xac" },
	{ "&#x1F600;", "\xf0\x9f\x98\x80" },
	{ "&#128;", "\xe2\x82\xac" },
	{ "&#150;", "\xe2\x80\x93" },
	{ "&#x81;", FFFD },
	{ "&#0;", FFFD },
	{ "&#1;", FFFD },
	{ "&#xD800;", FFFD },
	{ "&#x110000;", FFFD },
	{ "&#99999999999999999999;", FFFD },
	{ "&#;", "&#;" },
	{ "&#x;", "&#x;" },
	{ "&unknown;", "&unknown;" },
	{ "&AMP;", "&AMP;" },
	{ "&amp", "&amp" },
	{ "&uuml x", "&uuml x" },
	{ "AT&T", "AT&T" },
	{ "a & b", "a & b" },
	{ "&", "&" },
	{ "&&amp;", "&&" },
};

static void
test_html_entities(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(entity_cases); i++) {
		char *t = html_to_text(entity_cases[i].in);

		if (strcmp(t, entity_cases[i].out) != 0)
			fail_msg("row %zu (%s): got \"%s\", expected \"%s\"", i,
			    entity_cases[i].in, t, entity_cases[i].out);
		assert_true(utf8_valid(t, strlen(t)));
		free(t);
	}
}

static const struct {
	const char *in;
	const char *out;
} text_cases[] = {
	{ "", "" },
	{ "plain", "plain" },
	{ "  a \n\t b  ", "a b" },
	{ "<p>a</p><p>b</p>", "a\n\nb" },
	{ "a<br>b<br/>c<BR />d", "a\nb\nc\nd" },
	{ "a<br><br>b", "a\n\nb" },
	{ "a<br><br><br><br>b", "a\n\nb" },
	{ "<div>a</div><div>b</div>", "a\nb" },
	{ "<h1>Titel</h1>Text", "Titel\n\nText" },
	{ "<ul><li>eins</li><li>zwei</li></ul>", "eins\nzwei" },
	{ "a <b>fett</b> und <i>kursiv</i>.", "a fett und kursiv." },
	{ "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>",
	  "a\tb\nc" },
	{ "<pre>  a\n  b\n</pre>", "  a\n  b" },
	{ "<p>x</p><pre>\nBesteller: A\nE-Mail: b</pre>",
	  "x\n\nBesteller: A\nE-Mail: b" },
	{ "<script>if (a<b) document.write('<p>x</p>')</script>z", "z" },
	{ "<SCRIPT type=\"x\">a</script >z", "z" },
	{ "<style>p { color: red }</style>z", "z" },
	{ "<title>Betreff</title><body>Inhalt</body>", "Inhalt" },
	{ "<script>nie geschlossen", "" },
	{ "<!-- Kommentar <p>x</p> --> a", "a" },
	{ "a <!-- offen", "a" },
	{ "<!DOCTYPE html><html><body>x</body></html>", "x" },
	{ "<?xml version=\"1.0\"?>x", "x" },
	{ "a < b", "a < b" },
	{ "x<3", "x<3" },
	{ "</ >x", "</ >x" },
	{ "<a href=\"x>y\" title='q>r'>Link</a>", "Link" },
	{ "a <b", "a" },
	{ "<p>a<p>b", "a\n\nb" },
	{ "<DIV>A</DIV>", "A" },
};

static void
test_html_to_text(void **state)
{
	char *t;

	(void)state;
	for (size_t i = 0; i < SO_NELEM(text_cases); i++) {
		t = html_to_text(text_cases[i].in);
		if (strcmp(t, text_cases[i].out) != 0)
			fail_msg("row %zu (%s): got \"%s\", expected \"%s\"", i,
			    text_cases[i].in, t, text_cases[i].out);
		free(t);
	}
	t = html_to_text(NULL);
	assert_string_equal(t, "");
	free(t);
}

/* Rows as "c1|c2" lines. */
static char *
dump_rows(const struct html_row *rows, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, '\n');
		for (size_t k = 0; k < rows[i].ncells; k++)
			buf_printf(&b, "%s%s", k ? "|" : "", rows[i].cell[k]);
	}
	return buf_steal(&b);
}

static const struct {
	const char *in;
	size_t max_rows;
	const char *out;
} row_cases[] = {
	{ "", 10, "" },
	{ "<p>keine Tabelle</p>", 10, "" },
	{ "<table><tr><td>a</td><td>b</td></tr></table>", 10, "a|b" },
	{ "<TABLE><TR><TD>a</TD></TR></TABLE>", 10, "a" },
	{ "<tr><th>Besteller:</th><td>  Max \n Mustermann </td></tr>", 10,
	  "Besteller:|Max Mustermann" },
	{ "<tr><td>a<td>b<tr><td>c", 10, "a|b\nc" },
	{ "<tr><td>a<br>b</td><td><p>c</p><p>d</p></td></tr>", 10, "a b|c d" },
	{ "<tr><td>J&uuml;rgen&nbsp;</td><td>&nbsp;</td><td>x</td></tr>", 10,
	  "J\xc3\xbcrgen||x" },
	{ "<tr><td>10.2&nbsp;Amt</td></tr>", 10, "10.2\xc2\xa0" "Amt" },
	{ "<tr><td>a <b>fett</b></td><td><a href=\"mailto:x@y\">x@y</a></td>"
	  "</tr>", 10, "a fett|x@y" },
	{ "<tr></tr><tr><td>a</td></tr>", 10, "a" },
	{ "<tr>Text ohne Zelle<td>a</td>mehr</tr>", 10, "a" },
	{ "<td>a</td><td>b</td>", 10, "a|b" },
	{ "<tr><td>a</td><td></td></tr>", 10, "a|" },
	{ "<table><thead><tr><th>H</th></tr></thead><tbody><tr><td>v</td>"
	  "</tr></tbody></table>", 10, "H\nv" },
	{ "<table><tr><td>au&szlig;en<table><tr><td>in1</td><td>in2</td></tr>"
	  "</table>rest</td><td>x</td></tr></table>", 10,
	  "au\xc3\x9f" "en\nin1|in2\nx" },
	{ "<script><tr><td>x</td></tr></script><tr><td>y</td></tr>", 10, "y" },
	{ "<style>tr td{}</style><!--<tr><td>x</td></tr>--><tr><td>y</td></tr>",
	  10, "y" },
	{ "<tr><td title=\"a>b\" class='c>d'>c</td></tr>", 10, "c" },
	{ "<tr><td>a</td></tr><tr><td>b</td></tr><tr><td>c</td></tr>", 2,
	  "a\nb" },
	{ "<tr><td>a</td></tr><tr><td>b</td></tr>", 0, "" },
	{ "<tr><td>offen", 10, "offen" },
	{ "<tr><td>a</td><td b", 10, "a" },
};

static void
test_html_rows(void **state)
{
	struct html_row *rows;
	size_t n;

	(void)state;
	for (size_t i = 0; i < SO_NELEM(row_cases); i++) {
		char *d;

		n = html_table_rows(row_cases[i].in, row_cases[i].max_rows,
		    &rows);
		d = dump_rows(rows, n);
		if (strcmp(d, row_cases[i].out) != 0)
			fail_msg("row %zu (%s): got \"%s\", expected \"%s\"", i,
			    row_cases[i].in, d, row_cases[i].out);
		free(d);
		html_rows_free(rows, n);
	}
	n = html_table_rows(NULL, 10, &rows);
	assert_int_equal(n, 0);
	html_rows_free(rows, n);
}

static void
test_html_caps(void **state)
{
	struct html_row *rows;
	struct buf b;
	size_t n;

	(void)state;
	/* 70 cells: the first 64 are kept. */
	buf_init(&b, 0);
	buf_puts(&b, "<tr>");
	for (int i = 1; i <= 70; i++)
		buf_printf(&b, "<td>%d</td>", i);
	n = html_table_rows(b.data, 10, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].ncells, 64);
	assert_string_equal(rows[0].cell[63], "64");
	html_rows_free(rows, n);

	/* 5000 bytes of text: cut to 4096. */
	buf_reset(&b);
	buf_puts(&b, "<tr><td>");
	for (int i = 0; i < 5000; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "</td><td>next</td></tr>");
	n = html_table_rows(b.data, 10, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(rows[0].cell[0]), 4096);
	assert_string_equal(rows[0].cell[1], "next");
	html_rows_free(rows, n);

	/* 2000 euro signs (3 bytes each): cut on a character boundary. */
	buf_reset(&b);
	buf_puts(&b, "<tr><td>");
	for (int i = 0; i < 2000; i++)
		buf_puts(&b, i % 2 ? "&euro;" : "\xe2\x82\xac");
	buf_puts(&b, "</td></tr>");
	n = html_table_rows(b.data, 10, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(rows[0].cell[0]), 4095);
	assert_true(utf8_valid(rows[0].cell[0], 4095));
	html_rows_free(rows, n);

	/* Hostile markup: many rows, only max_rows come back. */
	buf_reset(&b);
	for (int i = 0; i < 10000; i++)
		buf_puts(&b, "<tr><td>x");
	n = html_table_rows(b.data, 100, &rows);
	assert_int_equal(n, 100);
	html_rows_free(rows, n);

	/* Nothing but broken markup must not crash or loop. */
	buf_reset(&b);
	for (int i = 0; i < 10000; i++)
		buf_puts(&b, "<&#<!-<td");
	n = html_table_rows(b.data, 100, &rows);
	html_rows_free(rows, n);
	free(html_to_text(b.data));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_entities),
		cmocka_unit_test(test_html_to_text),
		cmocka_unit_test(test_html_rows),
		cmocka_unit_test(test_html_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
