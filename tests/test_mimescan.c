/* SPDX-License-Identifier: MIT */
/*
 * test_mimescan - table tests for parsers/mimescan.c: the repaired copy the
 * pre-scan hands to libetpan (which mime_parse() never shows), the limits
 * it enforces before libetpan runs, and the line reader under it.
 *
 * A row expects either the repaired copy (NOFIX: no repair needed) or, with
 * an error text, must fail with exactly that message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mimescan.h"
#include "util.h"

/* Expected copy "the data needs no repair". */
#define NOFIX "\x01"

#define MP_HDR "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
#define PART "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
/* 64 bytes of a boundary; four and one more byte exceed the limit of 256. */
#define BOUNDARY_64 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

struct scan_row {
	const char *name;
	const char *data;
	unsigned max_parts, max_depth, max_headers;     /* 0: default */
	size_t max_line, max_size;                      /* 0: default */
	const char *fixed;      /* repaired copy, or NOFIX */
	const char *error;      /* must fail with this */
};

static const struct scan_row scan_rows[] = {
	{ "plain message", "Subject: x\r\n\r\nbody\r\n",
	    .fixed = NOFIX },
	{ "closed multipart", MP_HDR PART "--b--\r\n", .fixed = NOFIX },
	{ "missing close delimiter is appended", MP_HDR PART,
	    .fixed = MP_HDR PART "--b--\r\n" },
	{ "last line without LF gets one before the close",
	    MP_HDR "--b\r\n\r\nx",
	    .fixed = MP_HDR "--b\r\n\r\nx\r\n--b--\r\n" },
	{ "inner multipart closed where the outer goes on",
	    "Content-Type: multipart/mixed; boundary=o\r\n\r\n"
	    "--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
	    "--i\r\n\r\na\r\n--o\r\n\r\nb\r\n--o--\r\n",
	    .fixed =
	    "Content-Type: multipart/mixed; boundary=o\r\n\r\n"
	    "--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
	    "--i\r\n\r\na\r\n--i--\r\n--o\r\n\r\nb\r\n--o--\r\n" },
	{ "multipart without any delimiter is left alone", MP_HDR "x\r\n",
	    .fixed = NOFIX },
	{ "header block without LF at the end", "Subject: x",
	    .fixed = "Subject: x\r\n" },
	{ "empty message", "", .fixed = NOFIX },
	{ "too big", "Subject: x\r\n\r\n0123456789\r\n", .max_size = 20,
	    .error = "Die Nachricht ist zu gro\xc3\x9f (mehr als 20 Bytes)." },
	{ "too long a line", "Subject: x\r\n\r\n0123456789\r\n",
	    .max_line = 8, .error = "Die Nachricht enth\xc3\xa4lt eine zu "
	    "lange Zeile (mehr als 8 Bytes)." },
	{ "too many headers", "A: 1\r\nB: 2\r\nC: 3\r\n\r\nx\r\n",
	    .max_headers = 2, .error = "Die Nachricht hat zu viele "
	    "Kopfzeilen (mehr als 2)." },
	{ "too many parts", MP_HDR PART PART PART "--b--\r\n",
	    .max_parts = 2,
	    .error = "Die Nachricht hat zu viele MIME-Teile (mehr als 2)." },
	{ "too deep", "Content-Type: multipart/mixed; boundary=a\r\n\r\n"
	    "--a\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
	    "--c\r\n\r\nx\r\n", .max_depth = 1,
	    .error = "Die MIME-Struktur ist zu tief verschachtelt (mehr als "
	    "1 Ebenen)." },
	{ "boundary over 256 bytes", "Content-Type: multipart/mixed; "
	    "boundary=" BOUNDARY_64 BOUNDARY_64 BOUNDARY_64 BOUNDARY_64
	    "b\r\n\r\nx\r\n",
	    .error = "Die MIME-Struktur der Nachricht ist fehlerhaft "
	    "(Begrenzungszeile zu lang)." },
};

static void
test_scan_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(scan_rows); i++) {
		const struct scan_row *r = &scan_rows[i];
		struct mime_limits lim;
		const char *err = NULL;
		char *fixed = (char *)"unset";
		size_t fixed_len = 1234;
		int rc;

		mime_limits_default(&lim);
		if (r->max_parts)
			lim.max_parts = r->max_parts;
		if (r->max_depth)
			lim.max_depth = r->max_depth;
		if (r->max_headers)
			lim.max_headers = r->max_headers;
		if (r->max_line)
			lim.max_line = r->max_line;
		if (r->max_size)
			lim.max_size = r->max_size;
		rc = mimescan_check(r->data, strlen(r->data), &lim, &fixed,
		    &fixed_len, &err);
		if (r->error != NULL) {
			if (rc != -1 || err == NULL || strcmp(err, r->error) != 0)
				print_error("%s: want error \"%s\", got %d \"%s\"\n",
				    r->name, r->error, rc, err ? err : "");
			assert_int_equal(rc, -1);
			assert_string_equal(err, r->error);
			assert_null(fixed);
			continue;
		}
		if (rc != 0)
			print_error("%s: unexpected error \"%s\"\n", r->name,
			    err ? err : "");
		assert_int_equal(rc, 0);
		if (strcmp(r->fixed, NOFIX) == 0) {
			if (fixed != NULL)
				print_error("%s: unexpected repair\n", r->name);
			assert_null(fixed);
			assert_int_equal(fixed_len, 0);
			continue;
		}
		if (fixed == NULL)
			print_error("%s: repair missing\n", r->name);
		assert_non_null(fixed);
		if (fixed_len != strlen(r->fixed) ||
		    memcmp(fixed, r->fixed, fixed_len) != 0)
			print_error("%s: want \"%s\", got \"%.*s\"\n", r->name,
			    r->fixed, (int)fixed_len, fixed);
		assert_int_equal(fixed_len, strlen(r->fixed));
		assert_memory_equal(fixed, r->fixed, fixed_len);
		free(fixed);
	}
}

/* mimescan_field_start(): offset after the colon, 0 for "not a field". */
static void
test_field_start(void **state)
{
	static const struct {
		const char *line;
		size_t off, namelen;
	} rows[] = {
		{ "Subject: x", 8, 7 },
		{ "Subject : x", 9, 7 },        /* obsolete space before ':' */
		{ "X-A:", 4, 3 },
		{ ": no name", 0, 0 },
		{ " Subject: continuation", 0, 0 },
		{ "no colon here", 0, 0 },
		{ "Sub\x80ject: 8-bit name", 0, 0 },
		{ "", 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(rows); i++) {
		size_t namelen = 0;
		size_t off = mimescan_field_start(rows[i].line,
		    strlen(rows[i].line), &namelen);

		if (off != rows[i].off)
			print_error("\"%s\": want %zu, got %zu\n", rows[i].line,
			    rows[i].off, off);
		assert_int_equal(off, rows[i].off);
		if (off != 0)
			assert_int_equal(namelen, rows[i].namelen);
	}
}

/* mimescan_line_next(): CR LF, LF and a last line without either. */
static void
test_line_next(void **state)
{
	static const char data[] = "ab\r\nc\n\nlast";
	static const struct mimescan_line want[] = {
		{ 0, 2, 4 }, { 4, 1, 6 }, { 6, 0, 7 }, { 7, 4, 11 },
	};
	struct mimescan_line l;
	size_t pos = 0, n = 0, len = strlen(data);

	(void)state;
	while (pos < len) {
		mimescan_line_next(data, len, pos, &l);
		assert_true(n < SO_NELEM(want));
		assert_int_equal(l.start, want[n].start);
		assert_int_equal(l.len, want[n].len);
		assert_int_equal(l.next, want[n].next);
		pos = l.next;
		n++;
	}
	assert_int_equal(n, SO_NELEM(want));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_rows),
		cmocka_unit_test(test_field_start),
		cmocka_unit_test(test_line_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
