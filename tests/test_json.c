/* SPDX-License-Identifier: MIT */
/*
 * test_json - table tests for parsers/json.c: valid documents (compared as a
 * compact re-serialisation of the tree), documents RFC 8259 forbids, error
 * offsets, and the depth and value-count limits at their edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "util.h"

/*
 * Compact form of a tree: strings in double quotes with '"', '\\' and
 * control characters escaped, numbers as their literal, keys in order.
 */
static void
dump(struct buf *b, const struct json *j)
{
	switch (j->type) {
	case JSON_NULL:
		buf_puts(b, "null");
		break;
	case JSON_BOOL:
		buf_puts(b, j->boolean ? "true" : "false");
		break;
	case JSON_NUMBER:
		buf_puts(b, j->str);
		break;
	case JSON_STRING:
		buf_putc(b, '"');
		for (const char *s = j->str; *s; s++) {
			if (*s == '"' || *s == '\\')
				buf_printf(b, "\\%c", *s);
			else if ((unsigned char)*s < 0x20)
				buf_printf(b, "\\u%04x", (unsigned char)*s);
			else
				buf_putc(b, *s);
		}
		buf_putc(b, '"');
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		buf_putc(b, j->type == JSON_ARRAY ? '[' : '{');
		for (size_t i = 0; i < j->n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			if (j->type == JSON_OBJECT)
				buf_printf(b, "\"%s\":", j->keys[i]);
			dump(b, j->items[i]);
		}
		buf_putc(b, j->type == JSON_ARRAY ? ']' : '}');
		break;
	}
}

static const struct {
	const char *in;
	size_t len;             /* 0: strlen(in) */
	const char *out;        /* NULL: must fail */
} json_cases[] = {
	/* valid */
	{ "{}", 0, "{}" },
	{ "[]", 0, "[]" },
	{ " \t\r\n[ 1 , 2 ]\n", 0, "[1,2]" },
	{ "{\"a\": 1, \"b\": [true, false, null], \"c\": {\"d\": \"e\"}}", 0,
	  "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}" },
	{ "0", 0, "0" },
	{ "-0", 0, "-0" },
	{ "39.9", 0, "39.9" },
	{ "-12.50e+3", 0, "-12.50e+3" },
	{ "1E-2", 0, "1E-2" },
	{ "123456789012345678901234567890", 0, "123456789012345678901234567890" },
	{ "\"\"", 0, "\"\"" },
	{ "\"St\xc3\xbc" "ck\"", 0, "\"St\xc3\xbc" "ck\"" },
	{ "\"St\\u00fcck\"", 0, "\"St\xc3\xbc" "ck\"" },
	{ "\"\\u20AC \\u00DF\"", 0, "\"\xe2\x82\xac \xc3\x9f\"" },
	{ "\"\\ud83d\\ude00\"", 0, "\"\xf0\x9f\x98\x80\"" },
	{ "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", 0,
	  "\"\\\" \\\\ / \\u0008 \\u000c \\u000a \\u000d \\u0009\"" },
	{ "\"\xf0\x9f\x98\x80 \xe2\x82\xac\"", 0, "\"\xf0\x9f\x98\x80 \xe2\x82\xac\"" },
	{ "true", 0, "true" },
	{ "null", 0, "null" },
	{ "\xef\xbb\xbf{\"a\":1}", 0, "{\"a\":1}" },
	{ "{\"a\":1,\"a\":2}", 0, "{\"a\":1,\"a\":2}" },
	/* invalid */
	{ "", 0, NULL },
	{ "   ", 0, NULL },
	{ "{} x", 0, NULL },
	{ "{}{}", 0, NULL },
	{ "[1,]", 0, NULL },
	{ "[,1]", 0, NULL },
	{ "{\"a\":1,}", 0, NULL },
	{ "{\"a\" 1}", 0, NULL },
	{ "{a:1}", 0, NULL },
	{ "{1:1}", 0, NULL },
	{ "[1 2]", 0, NULL },
	{ "[1", 0, NULL },
	{ "{\"a\":1", 0, NULL },
	{ "01", 0, NULL },
	{ "1.", 0, NULL },
	{ ".5", 0, NULL },
	{ "+1", 0, NULL },
	{ "-", 0, NULL },
	{ "1e", 0, NULL },
	{ "1e+", 0, NULL },
	{ "0x10", 0, NULL },
	{ "NaN", 0, NULL },
	{ "Infinity", 0, NULL },
	{ "tru", 0, NULL },
	{ "True", 0, NULL },
	{ "nul", 0, NULL },
	{ "'a'", 0, NULL },
	{ "\"abc", 0, NULL },
	{ "\"a\nb\"", 0, NULL },
	{ "\"a\tb\"", 0, NULL },
	{ "\"\\x41\"", 0, NULL },
	{ "\"\\u12\"", 0, NULL },
	{ "\"\\u12G4\"", 0, NULL },
	{ "\"\\u0000\"", 0, NULL },
	{ "\"a\\u0000b\"", 0, NULL },
	{ "\"a\0b\"", 5, NULL },
	{ "[1]\0", 4, NULL },
	{ "\"\\ud800\"", 0, NULL },
	{ "\"\\udc00\"", 0, NULL },
	{ "\"\\ud800\\u0041\"", 0, NULL },
	{ "\"\\ud800x\"", 0, NULL },
	{ "\"\xc3\"", 0, NULL },
	{ "\"\xc0\xaf\"", 0, NULL },
	{ "\"\xed\xa0\x80\"", 0, NULL },
	{ "\"\xff\"", 0, NULL },
	{ "\xfe\xff[]", 0, NULL },
	{ "[1,2]]", 0, NULL },
	{ "{\"a\":1}}", 0, NULL },
};

static void
test_json_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(json_cases); i++) {
		size_t len = json_cases[i].len ? json_cases[i].len :
		    strlen(json_cases[i].in);
		struct json *j = NULL;
		const char *err = NULL;
		int rc = json_parse(json_cases[i].in, len, &j, &err);

		if (json_cases[i].out == NULL) {
			if (rc != -1)
				fail_msg("row %zu (%s) parsed, should fail", i,
				    json_cases[i].in);
			assert_non_null(strstr(err, " at offset "));
			continue;
		}
		if (rc != 0)
			fail_msg("row %zu (%s): %s", i, json_cases[i].in, err);
		{
			struct buf b;

			buf_init(&b, 0);
			dump(&b, j);
			if (strcmp(buf_cstr(&b), json_cases[i].out) != 0)
				fail_msg("row %zu: got %s, expected %s", i,
				    buf_cstr(&b), json_cases[i].out);
			buf_free(&b);
		}
		json_free(j);
	}
}

static void
test_json_error_messages(void **state)
{
	static const struct {
		const char *in;
		const char *error;
		size_t offset;
		const char *reason_de;
	} cases[] = {
		{ "", "empty document at offset 0", 0, "das Dokument ist leer" },
		{ "{\"a\": 1,}", "expected string as object key at offset 8", 8,
		  "Schl\xc3\xbcssel in Anf\xc3\xbchrungszeichen erwartet" },
		{ "[1, 2", "unexpected end of document at offset 5", 5,
		  "das Dokument endet unerwartet" },
		{ "[1] 2", "characters after the end of the document at offset 4",
		  4, "Zeichen nach dem Ende des Dokuments" },
		{ "[01]", "invalid number at offset 2", 2,
		  "ung\xc3\xbcltige Zahl" },
		{ "[\"ab\\qc\"]", "invalid escape sequence at offset 4", 4,
		  "ung\xc3\xbcltige Escape-Sequenz" },
		{ "[\"a\\u0000\"]", "NUL character in string at offset 3", 3,
		  "NUL-Zeichen in einer Zeichenkette" },
		{ "[\"x\\udc00\"]", "unpaired UTF-16 surrogate in \\u escape at "
		  "offset 3", 3, "ungepaartes UTF-16-Surrogat in einer "
		  "\\u-Sequenz" },
		{ "{\"k\":\"a\x01\"}", "control character in string at offset 7",
		  7, "Steuerzeichen in einer Zeichenkette" },
		{ "[\"\xe2\x82\"]", "invalid UTF-8 at offset 2", 2,
		  "ung\xc3\xbcltiges UTF-8" },
		{ "{\"a\" 1}", "expected ':' after object key at offset 5", 5,
		  "':' nach dem Schl\xc3\xbcssel erwartet" },
		{ "[1 2]", "expected ',' or ']' in array at offset 3", 3,
		  "',' oder ']' erwartet" },
		{ "{\"a\":1 \"b\":2}", "expected ',' or '}' in object at offset 7",
		  7, "',' oder '}' erwartet" },
		{ "[tru]", "unexpected character at offset 4", 4,
		  "unerwartetes Zeichen" },
		{ "[?]", "expected a value at offset 1", 1, "Wert erwartet" },
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(cases); i++) {
		struct json *j = NULL;
		const char *err = NULL, *de = NULL;
		size_t off = 999;

		assert_int_equal(json_parse_ex(cases[i].in, strlen(cases[i].in),
		    &j, &err, &off, &de), -1);
		assert_null(j);
		assert_string_equal(err, cases[i].error);
		assert_int_equal(off, cases[i].offset);
		assert_string_equal(de, cases[i].reason_de);
	}
}

/* n nested arrays: "[[[...]]]". */
static char *
nested(size_t n)
{
	char *s = xmalloc(2 * n + 1);

	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	return s;
}

/* An array of n - 1 zeros: n values in all. */
static char *
values(size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	buf_putc(&b, '[');
	for (size_t i = 1; i < n; i++)
		buf_puts(&b, i > 1 ? ",0" : "0");
	buf_putc(&b, ']');
	return buf_steal(&b);
}

static void
test_json_limits(void **state)
{
	static const struct {
		char *(*make)(size_t);
		size_t n;
		const char *error;      /* NULL: must parse */
	} cases[] = {
		{ nested, 1, NULL },
		{ nested, 32, NULL },
		{ nested, 33, "nested deeper than 32 levels at offset 32" },
		{ nested, 100000, "nested deeper than 32 levels at offset 32" },
		{ values, 100000, NULL },
		{ values, 100001, "more than 100000 values at offset 199999" },
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(cases); i++) {
		char *s = cases[i].make(cases[i].n);
		struct json *j = NULL;
		const char *err = NULL;
		int rc = json_parse(s, strlen(s), &j, &err);

		if (cases[i].error == NULL) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err);
			json_free(j);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(err, cases[i].error);
		}
		free(s);
	}
}

static void
test_json_get(void **state)
{
	const char *doc = "{\"formular\": \"x\", \"menge\": 5, \"menge\": 7, "
	    "\"leer\": null}";
	struct json *j = NULL;
	const struct json *v;
	const char *err = NULL;

	(void)state;
	assert_int_equal(json_parse(doc, strlen(doc), &j, &err), 0);
	assert_non_null(v = json_get(j, "menge"));
	assert_int_equal(v->type, JSON_NUMBER);
	assert_string_equal(v->str, "5");
	assert_non_null(v = json_get(j, "leer"));
	assert_int_equal(v->type, JSON_NULL);
	assert_null(json_get(j, "Menge"));
	assert_null(json_get(j, "fehlt"));
	assert_null(json_get(j->items[0], "x"));
	assert_null(json_get(NULL, "x"));
	json_free(j);
	json_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_table),
		cmocka_unit_test(test_json_error_messages),
		cmocka_unit_test(test_json_limits),
		cmocka_unit_test(test_json_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
