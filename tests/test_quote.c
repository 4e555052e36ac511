/* SPDX-License-Identifier: MIT */
/*
 * test_quote - table tests for parsers/quote.c: the kind of the first line
 * of a body, and the first line of the sender's own text, in the shapes
 * Outlook, Thunderbird, Gmail, Apple Mail and phones produce.
 *
 * In the first_text table a NULL expectation means "must find no own text".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "quote.h"
#include "util.h"

static const struct {
	const char *body;
	enum quote_kind kind;
} kind_rows[] = {
	{ "   \t\r\nJA\n", QUOTE_BLANK },
	{ "GENEHMIGT\n", QUOTE_TEXT },
	{ "  > quoted\n", QUOTE_QUOTED },
	{ "-- \nMax\n", QUOTE_STOP },
	{ "--\nMax\n", QUOTE_STOP },
	{ "________________________________\nVon: x\n", QUOTE_STOP },
	{ "-----Urspr\xc3\xbcngliche Nachricht-----\n", QUOTE_STOP },
	{ "-----Original Message-----\r\n", QUOTE_STOP },
	{ "Begin forwarded message:\n", QUOTE_STOP },
	{ "Gesendet von meinem iPhone\n", QUOTE_STOP },
	{ "Von meinem Samsung Galaxy gesendet\n", QUOTE_STOP },
	{ "Mit freundlichen Gr\xc3\xbc\xc3\x9f" "en,\n", QUOTE_STOP },
	{ "Best regards\n", QUOTE_STOP },
	{ "Von: Max <m@x.test>\nGesendet: Montag\n", QUOTE_STOP },
	{ "*From:* Max\n*Sent:* Monday\n", QUOTE_STOP },
	{ "Am 16.11.2026 um 09:14 schrieb Max:\n> x\n", QUOTE_QUOTED },
	{ "Am 16.11.2026 um 09:14 schrieb Max:\nunquoted\n", QUOTE_STOP },
	{ "Max <m@x.test> schrieb:\n\n> x\n", QUOTE_QUOTED },
	{ "Max schrieb:\nohne Zitat\n", QUOTE_TEXT },
	{ "On Mon, Nov 16, 2026 at 9:14 AM Max <m@x.test> wrote:\n> x\n",
	    QUOTE_QUOTED },
	{ "Grussworte sind keine Gr\xc3\xbc\xc3\x9f" "e\n", QUOTE_TEXT },
	{ "Von hier aus: STATUS\n", QUOTE_TEXT },
};

static void
test_classify_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(kind_rows); i++) {
		const char *b = kind_rows[i].body, *next;
		struct quote_line l;
		enum quote_kind k;

		k = quote_classify(b, b + strlen(b), &l, &next);
		if (k != kind_rows[i].kind)
			print_error("\"%s\": want %d, got %d\n", b,
			    kind_rows[i].kind, k);
		assert_int_equal(k, kind_rows[i].kind);
		assert_ptr_equal(l.p, b);
		assert_true(next > b && next <= b + strlen(b));
	}
}

static const struct {
	const char *name, *body;
	const char *first;      /* the first own line, or NULL for none */
	const char *after;      /* where the next line starts, or NULL */
} first_rows[] = {
	{ "plain", "STATUS bitte\nmehr\n", "STATUS bitte", "mehr\n" },
	{ "CR LF", "\r\n\r\nJA\r\nx", "JA", "x" },
	{ "top post over a quote", "OK\n\n> alt\n", "OK", "\n> alt\n" },
	{ "bottom post under an attribution and quote",
	    "Am Mo., 16. Nov. 2026 um 09:14 Uhr schrieb Max <m@x.test>:\n"
	    "> Bitte genehmigen.\n\nGENEHMIGT\n", "GENEHMIGT", "" },
	{ "Gmail attribution wrapped over two lines",
	    "Am Mo., 16. Nov. 2026 um 09:14 Uhr schrieb Max <\n"
	    "m@x.test>:\n> x\nJA\n", "JA", "" },
	{ "strong attribution before unquoted history",
	    "Am 16.11.2026 schrieb Max:\nSTATUS\n", NULL, NULL },
	{ "signature only", "-- \nMax Mustermann\n", NULL, NULL },
	{ "closing before any text", "Viele Gr\xc3\xbc\xc3\x9f" "e\nJA\n",
	    NULL, NULL },
	{ "Outlook block", "Von: Max\r\nGesendet: Montag\r\nSTATUS\r\n",
	    NULL, NULL },
	{ "only quotes", "> a\n>> b\n", NULL, NULL },
	{ "empty", "", NULL, NULL },
};

static void
test_first_text_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(first_rows); i++) {
		const char *b = first_rows[i].body, *next = NULL, *start;
		const char *end = b + strlen(b);
		struct quote_line l;

		start = quote_first_text(b, end, &l, &next);
		if (first_rows[i].first == NULL) {
			if (start != NULL)
				print_error("%s: want none, got \"%.*s\"\n",
				    first_rows[i].name, (int)(l.end - l.p), l.p);
			assert_null(start);
			continue;
		}
		if (start == NULL)
			print_error("%s: want \"%s\", got none\n",
			    first_rows[i].name, first_rows[i].first);
		assert_non_null(start);
		assert_ptr_equal(start, l.p);
		assert_int_equal(l.end - l.p, strlen(first_rows[i].first));
		assert_memory_equal(l.p, first_rows[i].first, l.end - l.p);
		assert_string_equal(next, first_rows[i].after);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_rows),
		cmocka_unit_test(test_first_text_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
