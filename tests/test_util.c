/* SPDX-License-Identifier: MIT */
/*
 * test_util - the string helpers every mail passes through: amounts in
 * German notation, UTF-8 checking and repair, formatted allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

static void
test_money_format(void **state)
{
	static const struct {
		int64_t cents;
		const char *text;
	} rows[] = {
		{ 0, "0,00" }, { 5, "0,05" }, { 99, "0,99" }, { 100, "1,00" },
		{ 1234, "12,34" }, { 99999, "999,99" }, { 100000, "1.000,00" },
		{ 123456789, "1.234.567,89" }, { 100000000, "1.000.000,00" },
		{ -1, "-0,01" }, { -123456, "-1.234,56" },
		{ INT64_MAX, "92.233.720.368.547.758,07" },
		{ INT64_MIN, "-92.233.720.368.547.758,08" },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < SO_NELEM(rows); i++)
		assert_string_equal(money_format(rows[i].cents, out), rows[i].text);
}

static int
exact(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, text, len);
	r = utf8_valid(copy, len);
	free(copy);
	return r;
}

/* A non-ASCII or broken sequence at every offset of a long ASCII text. */
static void
test_utf8_valid_offsets(void **state)
{
	static const struct {
		const char *seq;
		int valid;
	} seqs[] = {
		{ "\xc3\xa4", 1 },              /* ä */
		{ "\xe2\x82\xac", 1 },          /* € */
		{ "\xf0\x9f\x93\xa6", 1 },      /* a parcel */
		{ "\xc3", 0 },                  /* cut short */
		{ "\xc0\xaf", 0 },              /* overlong '/' */
		{ "\xed\xa0\x80", 0 },          /* surrogate */
		{ "\xf4\x90\x80\x80", 0 },      /* beyond U+10FFFF */
		{ "\xff", 0 },
		{ "\x80", 0 },                  /* continuation alone */
	};
	char text[64];

	(void)state;
	for (size_t k = 0; k < SO_NELEM(seqs); k++) {
		size_t sl = strlen(seqs[k].seq);

		for (size_t at = 0; at + sl <= 40; at++) {
			memset(text, 'a', sizeof(text));
			memcpy(text + at, seqs[k].seq, sl);
			/* Text ends right after the sequence, or 20 bytes later;
			 * on the heap at its exact size, so that ASan sees any
			 * read past the end. */
			if (exact(text, at + sl) != seqs[k].valid ||
			    exact(text, at + sl + 20) != seqs[k].valid)
				fail_msg("sequence %zu at offset %zu misjudged", k, at);
		}
	}
	assert_int_equal(utf8_valid("", 0), 1);
	memset(text, 'a', sizeof(text));
	assert_int_equal(utf8_valid(text, sizeof(text)), 1);
	text[63] = '\x80';
	assert_int_equal(utf8_valid(text, sizeof(text)), 0);
	assert_int_equal(utf8_valid(text, 63), 1);     /* the length counts */
}

static void
test_str_utf8_fix(void **state)
{
	char *s;

	(void)state;
	s = str_utf8_fix("Bürobedarf für die Stadt");
	assert_string_equal(s, "Bürobedarf für die Stadt");
	free(s);
	s = str_utf8_fix("B\xfcro \xc3");
	assert_string_equal(s, "B\xef\xbf\xbdro \xef\xbf\xbd");
	free(s);
	s = str_utf8_fix("");
	assert_string_equal(s, "");
	free(s);
}

static void
test_xasprintf(void **state)
{
	char big[1000], *s;

	(void)state;
	s = xasprintf("%s-%d", "SO", 7);
	assert_string_equal(s, "SO-7");
	free(s);
	/* Longer than any stack buffer a formatter might try first. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = xasprintf("<%s>%d", big, 12);
	assert_int_equal(strlen(s), sizeof(big) - 1 + 4);
	assert_int_equal(s[0], '<');
	assert_memory_equal(s + 1, big, sizeof(big) - 1);
	assert_string_equal(s + sizeof(big), ">12");
	free(s);
	for (int n = 250; n < 260; n++) {
		s = xasprintf("%.*s", n, big);
		assert_int_equal(strlen(s), (size_t)n);
		free(s);
	}
}

/* dec_put writes what "%0*llu" would; xstrcat joins up to the NULL. */
static void
test_dec_put_xstrcat(void **state)
{
	static const uint64_t vals[] = { 0, 7, 42, 999999, 1000000, 2026,
	    4294967296ULL, 18446744073709551615ULL };
	char got[32], want[32], *s;

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		for (int w = 0; w <= 8; w++) {
			size_t n = dec_put(got, vals[i], w);

			got[n] = '\0';
			snprintf(want, sizeof(want), "%0*llu", w,
			    (unsigned long long)vals[i]);
			assert_string_equal(got, want);
		}
	s = xstrcat("<", "so.1@x", ">", NULL);
	assert_string_equal(s, "<so.1@x>");
	free(s);
	s = xstrcat("", NULL);
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dec_put_xstrcat),
		cmocka_unit_test(test_money_format),
		cmocka_unit_test(test_utf8_valid_offsets),
		cmocka_unit_test(test_str_utf8_fix),
		cmocka_unit_test(test_xasprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
