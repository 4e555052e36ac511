/* SPDX-License-Identifier: MIT */
/*
 * test_charset - tables of (charset, input bytes, expected UTF-8) for
 * charset_to_utf8() and of (header value, expected text) for
 * charset_decode_header().
 *
 * Neither function can fail; the "must fail" rows here are inputs that must
 * be rejected in the only way these functions reject: an invalid byte
 * sequence becomes U+FFFD, a malformed encoded word stays literal text, a
 * control character becomes a space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "charset.h"
#include "util.h"

#define FFFD "\xef\xbf\xbd"

struct conv_case {
	const char *charset;
	const char *in;
	size_t len;             /* 0: strlen(in) */
	const char *want;
};

static const struct conv_case conv_cases[] = {
	/* UTF-8 and its spellings */
	{ "utf-8", "B\xc3\xbcrobedarf", 0, "B\xc3\xbcrobedarf" },
	{ "UTF-8", "\xe2\x82\xac 4,29", 0, "\xe2\x82\xac 4,29" },
	{ "\"utf8\"", "\xf0\x9f\x93\x8e", 0, "\xf0\x9f\x93\x8e" },
	{ " Utf-8 ", "a", 0, "a" },
	/* must fail: invalid UTF-8 becomes U+FFFD, one per bad byte */
	{ "utf-8", "a\xff" "b", 0, "a" FFFD "b" },
	{ "utf-8", "\xc0\xaf", 0, FFFD FFFD },                  /* overlong "/" */
	{ "utf-8", "\xed\xa0\x80", 0, FFFD FFFD FFFD },         /* surrogate */
	{ "utf-8", "\xf4\x90\x80\x80", 0, FFFD FFFD FFFD FFFD }, /* > U+10FFFF */
	{ "utf-8", "ab\xc3", 0, "ab" FFFD },                    /* truncated */
	{ "utf-8", "a\0b", 3, "a" FFFD "b" },                   /* NUL */
	/* US-ASCII; 8-bit data under an ASCII label is guessed, not lost */
	{ "us-ascii", "Kostenstelle 1020", 0, "Kostenstelle 1020" },
	{ "US-ASCII", "St\xfc" "ck", 0, "St\xc3\xbc" "ck" },
	{ "ascii", "St\xc3\xbc" "ck", 0, "St\xc3\xbc" "ck" },
	/* ISO-8859-1 (0x80..0x9f read as windows-1252, see charset.c) */
	{ "iso-8859-1", "Gew\xfcnscht", 0, "Gew\xc3\xbcnscht" },
	{ "ISO_8859-1", "\xa4\xdf\xff", 0, "\xc2\xa4\xc3\x9f\xc3\xbf" },
	{ "latin1", "\x80", 0, "\xe2\x82\xac" },
	/* windows-1252 with its own 0x80..0x9f table */
	{ "windows-1252", "\x80 \x84" "Eilig\x93", 0,
	    "\xe2\x82\xac \xe2\x80\x9e" "Eilig\xe2\x80\x9c" },
	{ "cp1252", "\x8a\x9a\x9f\x99\x96", 0,
	    "\xc5\xa0\xc5\xa1\xc5\xb8\xe2\x84\xa2\xe2\x80\x93" },
	/* must fail: the five undefined windows-1252 bytes, and NUL */
	{ "windows-1252", "\x81\x8d\x8f\x90\x9d", 0, FFFD FFFD FFFD FFFD FFFD },
	{ "windows-1252", "a\0", 2, "a" FFFD },
	/* other charsets through iconv */
	{ "iso-8859-15", "\xa4 4,29", 0, "\xe2\x82\xac 4,29" },
	{ "ISO-8859-2", "\xb1", 0, "\xc4\x85" },
	{ "utf-16le", "a\0b\0", 4, "ab" },
	{ "koi8-r", "\xc1", 0, "\xd0\xb0" },
	/* must fail: truncated UTF-16 */
	{ "utf-16le", "a\0b", 3, "a" FFFD },
	/* undeclared: UTF-8 if valid, else windows-1252 */
	{ NULL, "Gr\xc3\xb6\xc3\x9f" "e", 0, "Gr\xc3\xb6\xc3\x9f" "e" },
	{ NULL, "Gr\xf6\xdf" "e \x80", 0, "Gr\xc3\xb6\xc3\x9f" "e \xe2\x82\xac" },
	{ "", "\xfc", 0, "\xc3\xbc" },
	{ NULL, "a\0", 2, "a" FFFD },
	/* unknown or suspicious names are treated as undeclared */
	{ "x-unknown-charset", "\xe4", 0, "\xc3\xa4" },
	{ "x-unknown-charset", "\xc3\xa4", 0, "\xc3\xa4" },
	{ "utf-8//TRANSLIT", "\xe4", 0, "\xc3\xa4" },
	{ "../../etc/passwd", "\xe4", 0, "\xc3\xa4" },
	{ "iso-8859-1\r\nX: y", "\xe4", 0, "\xc3\xa4" },
	/* empty input */
	{ "utf-8", "", 0, "" },
	{ "windows-1252", "", 0, "" },
	{ "iso-8859-15", "", 0, "" },
};

static void
test_to_utf8(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(conv_cases); i++) {
		const struct conv_case *c = &conv_cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		char *got = charset_to_utf8(c->charset, c->in, len);

		if (strcmp(got, c->want) != 0)
			print_error("row %zu (%s): got \"%s\"\n", i,
			    c->charset ? c->charset : "NULL", got);
		assert_string_equal(got, c->want);
		assert_true(utf8_valid(got, strlen(got)));
		free(got);
	}
}

/* Whatever the bytes, the result is valid UTF-8 without NUL. */
static void
test_to_utf8_all_bytes(void **state)
{
	static const char *const charsets[] = {
		NULL, "utf-8", "us-ascii", "iso-8859-1", "windows-1252",
		"iso-8859-15", "utf-16", "utf-16be", "utf-32", "iso-2022-jp",
		"utf-7", "shift_jis",
	};
	char in[512];

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 7 + (i >> 8));
	for (size_t i = 0; i < SO_NELEM(charsets); i++) {
		for (size_t len = 0; len <= sizeof(in); len += 37) {
			char *got = charset_to_utf8(charsets[i], in, len);

			assert_true(utf8_valid(got, strlen(got)));
			free(got);
		}
	}
}

struct header_case {
	const char *in;
	const char *want;
};

static const struct header_case header_cases[] = {
	/* Q and B words, any case of charset and encoding letter */
	{ "=?utf-8?q?B=C3=BCrobedarf-Anforderung?=", "B\xc3\xbcrobedarf-Anforderung" },
	{ "=?UTF-8?Q?B=C3=BCrobedarf?=", "B\xc3\xbcrobedarf" },
	{ "=?utf-8?b?QsO8cm9iZWRhcmY=?=", "B\xc3\xbcrobedarf" },
	{ "=?Utf-8?B?QsO8cm9iZWRhcmY?=", "B\xc3\xbcrobedarf" },     /* no padding */
	{ "=?ISO-8859-1?B?SvxyZ2VuIFdlad8=?=", "J\xc3\xbcrgen Wei\xc3\x9f" },
	{ "=?iso-8859-1?q?J=FCrgen_Wei=DF?=", "J\xc3\xbcrgen Wei\xc3\x9f" },
	{ "=?windows-1252?q?=84Eilig=93?=", "\xe2\x80\x9e" "Eilig\xe2\x80\x9c" },
	{ "=?iso-8859-15?q?=A4?=", "\xe2\x82\xac" },
	{ "=?utf-8*de?q?Hallo?=", "Hallo" },                       /* RFC 2231 language */
	/* white space between adjacent encoded words is dropped ... */
	{ "=?utf-8?q?a?= =?utf-8?q?b?=", "ab" },
	{ "=?utf-8?q?a?=\r\n\t=?utf-8?q?b?=", "ab" },
	{ "=?utf-8?q?Genehmigung_f=C3=BCr?= =?iso-8859-1?q?_M=FCller?=",
	    "Genehmigung f\xc3\xbcr M\xc3\xbcller" },
	/* ... also when a multi-byte character is split across the words */
	{ "=?utf-8?q?=C3?= =?utf-8?q?=BC?=", "\xc3\xbc" },
	{ "=?utf-8?b?w6Q=?= =?utf-8?b?w7Y=?=", "\xc3\xa4\xc3\xb6" },
	/* ... but kept next to ordinary text */
	{ "Re: =?utf-8?q?B=C3=BCro?= heute", "Re: B\xc3\xbcro heute" },
	{ "=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b" },
	{ "plain subject", "plain subject" },
	{ "", "" },
	/* raw 8-bit text is treated as undeclared */
	{ "M\xfcller", "M\xc3\xbcller" },
	{ "M\xc3\xbcller", "M\xc3\xbcller" },
	{ "=?utf-8?q?=C3=BC?= M\xfcller", "\xc3\xbc M\xc3\xbcller" },
	/* unknown charset in a word: undeclared */
	{ "=?x-foo?q?=E4?=", "\xc3\xa4" },
	/* must fail: malformed words stay literal text */
	{ "=?utf-8?q?abc", "=?utf-8?q?abc" },
	{ "=?utf-8?x?abc?=", "=?utf-8?x?abc?=" },
	{ "=?utf-8?b?!!!?=", "=?utf-8?b?!!!?=" },
	{ "=?utf-8?b?QQ==QQ?=", "=?utf-8?b?QQ==QQ?=" },
	{ "=??q?abc?=", "=??q?abc?=" },
	{ "=?utf-8?q?a b?=", "=?utf-8?q?a b?=" },
	{ "=?utf-8?q?a?b?=", "=?utf-8?q?a?b?=" },
	{ "=?=?utf-8?q?x?=", "=?x" },
	{ "=?utf-8?q?=ZZ=4?=", "=ZZ=4" },     /* bad Q escapes kept as they are */
	/* must fail: control characters, also decoded ones, become spaces */
	{ "=?utf-8?q?a=0D=0Ab?=", "a  b" },
	{ "=?utf-8?q?Status=0D=0ABcc:_x@y?=", "Status  Bcc: x@y" },
	{ "=?utf-8?b?YQ0KYg==?=", "a  b" },
	{ "a\r\nb\tc", "a  b c" },
	{ "=?utf-8?q?a=C2=85b?=", "a b" },    /* C1 control NEL */
	{ "=?utf-8?q?a=7Fb?=", "a b" },
	{ "=?utf-8?q?a=00b?=", "a" FFFD "b" },
	{ "=?utf-8?q?a=FFb?=", "a" FFFD "b" },
};

static void
test_decode_header(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(header_cases); i++) {
		const struct header_case *c = &header_cases[i];
		char *got = charset_decode_header(c->in);

		if (strcmp(got, c->want) != 0)
			print_error("row %zu (%s): got \"%s\"\n", i, c->in,
			    got);
		assert_string_equal(got, c->want);
		assert_true(utf8_valid(got, strlen(got)));
		for (const char *p = got; *p != '\0'; p++)
			assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
		free(got);
	}
	{
		char *got = charset_decode_header(NULL);

		assert_string_equal(got, "");
		free(got);
	}
}

/* Long and repetitive input must stay linear and well-formed. */
static void
test_decode_header_hostile(void **state)
{
	struct buf b;
	char *got;

	(void)state;
	buf_init(&b, 0);
	for (int i = 0; i < 20000; i++)
		(void)buf_puts(&b, "=?a?q?=?");
	got = charset_decode_header(buf_cstr(&b));
	assert_true(utf8_valid(got, strlen(got)));
	free(got);

	buf_reset(&b);
	for (int i = 0; i < 20000; i++)
		(void)buf_puts(&b, "=?utf-8?b?w6Q=?= ");
	got = charset_decode_header(buf_cstr(&b));
	/* 20000 times "ä", the final space is ordinary text */
	assert_int_equal(strlen(got), 2 * 20000 + 1);
	free(got);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_utf8),
		cmocka_unit_test(test_to_utf8_all_bytes),
		cmocka_unit_test(test_decode_header),
		cmocka_unit_test(test_decode_header_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
