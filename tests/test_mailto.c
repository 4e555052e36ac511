/* SPDX-License-Identifier: MIT */
/*
 * test_mailto - tests for templates/mailto.c: exact URIs for the approval
 * links, a table of hostile subjects and bodies that must come back
 * unchanged through an independent percent-decoder, the character set of
 * every URI, addresses that must be refused, and the length limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mailto.h"
#include "util.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;              /* lower-case hex is not what we produce */
}

/* Decode s[0..len); NULL on a malformed escape or a literal '+'. */
static char *
pct_decode(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= len) {
				free(out);
				return NULL;
			}
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (s[i] == '+') {
			free(out);
			return NULL;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/*
 * Only unreserved, ':', '@', '?', '&', '=' and well-formed upper-case %XX
 * (a strict subset of what RFC 3986 allows in a URI).
 */
static int
uri_charset_ok(const char *u)
{
	for (size_t i = 0; u[i] != '\0'; i++) {
		unsigned char c = (unsigned char)u[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~:@?&=", c) != NULL)
			continue;
		if (c == '%' && hexval((unsigned char)u[i + 1]) >= 0 &&
		    hexval((unsigned char)u[i + 2]) >= 0) {
			i += 2;
			continue;
		}
		return 0;
	}
	return 1;
}

struct decoded {
	char *addr, *subject, *body;    /* NULL when absent */
};

/* Split a URI we produced into its parts; fails the test if it cannot. */
static void
uri_decode(const char *u, struct decoded *d)
{
	const char *p, *q;

	memset(d, 0, sizeof(*d));
	assert_true(strncmp(u, "mailto:", 7) == 0);
	p = u + 7;
	q = strchr(p, '?');
	d->addr = pct_decode(p, q ? (size_t)(q - p) : strlen(p));
	assert_non_null(d->addr);
	while (q != NULL) {
		const char *name = q + 1;
		const char *eq = strchr(name, '=');
		const char *next = strchr(name, '&');
		size_t vlen;
		char *v;

		assert_non_null(eq);
		assert_true(next == NULL || eq < next);
		vlen = next ? (size_t)(next - eq - 1) : strlen(eq + 1);
		v = pct_decode(eq + 1, vlen);
		assert_non_null(v);
		if (strncmp(name, "subject=", 8) == 0 && d->subject == NULL)
			d->subject = v;
		else if (strncmp(name, "body=", 5) == 0 && d->body == NULL)
			d->body = v;
		else
			fail_msg("unexpected or repeated field in %s", u);
		q = next;
	}
}

static void
decoded_free(struct decoded *d)
{
	free(d->addr);
	free(d->subject);
	free(d->body);
}

/* Exact URIs, so that a change of encoding is noticed. */
static const struct {
	const char *addr, *subject, *body;
	const char *uri;        /* NULL: must fail */
} exact_cases[] = {
	{ "genehmiger@exempla.test", NULL, NULL,
	  "mailto:genehmiger@exempla.test" },
	{ "genehmiger@exempla.test", "", "", "mailto:genehmiger@exempla.test" },
	{ "bestellung@exempla.test",
	  "GENEHMIGT SO-2026-000002 [0a1b2c3d4e5f60718293a4b5c6d7e8f9]", NULL,
	  "mailto:bestellung@exempla.test?subject=GENEHMIGT%20SO-2026-000002"
	  "%20%5B0a1b2c3d4e5f60718293a4b5c6d7e8f9%5D" },
	{ "bestellung@exempla.test", "ABGELEHNT SO-2026-000002",
	  "Grund:\nzu teuer",
	  "mailto:bestellung@exempla.test?subject=ABGELEHNT%20SO-2026-000002"
	  "&body=Grund%3A%0D%0Azu%20teuer" },
	{ "bestellung@exempla.test", NULL, "nur Text",
	  "mailto:bestellung@exempla.test?body=nur%20Text" },
	{ "a@b.c", "Gr\xc3\xbc\xc3\x9f" "e a+b", NULL,
	  "mailto:a@b.c?subject=Gr%C3%BC%C3%9Fe%20a%2Bb" },
	{ "o'brien+tag@exempla.test", "x", NULL,
	  "mailto:o%27brien%2Btag@exempla.test?subject=x" },
	{ "first.last@sub-domain.exempla.test", "~-._", NULL,
	  "mailto:first.last@sub-domain.exempla.test?subject=~-._" },
	{ "x@xn--mnchen-3ya.de", NULL, NULL, "mailto:x@xn--mnchen-3ya.de" },
	{ "x@localhost", NULL, NULL, "mailto:x@localhost" },
	/* body line breaks, all kinds */
	{ "a@b.c", NULL, "1\r\n2\n3\r4\r\n\r\n",
	  "mailto:a@b.c?body=1%0D%0A2%0D%0A3%0D%0A4%0D%0A%0D%0A" },
	{ "a@b.c", NULL, "tab\there", "mailto:a@b.c?body=tab%09here" },
	/* must fail: addresses that are not one plain addr-spec */
	{ NULL, "x", NULL, NULL },
	{ "", NULL, NULL, NULL },
	{ "genehmiger", NULL, NULL, NULL },
	{ "@exempla.test", NULL, NULL, NULL },
	{ "genehmiger@", NULL, NULL, NULL },
	{ "a@b@c.test", NULL, NULL, NULL },
	{ "a@b.test,evil@attacker.test", NULL, NULL, NULL },
	{ "a@b.test?cc=evil@attacker.test", NULL, NULL, NULL },
	{ "a@b.test&cc=x", NULL, NULL, NULL },
	{ "Max <max@exempla.test>", NULL, NULL, NULL },
	{ "<max@exempla.test>", NULL, NULL, NULL },
	{ "max @exempla.test", NULL, NULL, NULL },
	{ "max@exempla.test ", NULL, NULL, NULL },
	{ "\"max m\"@exempla.test", NULL, NULL, NULL },
	{ "max(c)@exempla.test", NULL, NULL, NULL },
	{ ".max@exempla.test", NULL, NULL, NULL },
	{ "max.@exempla.test", NULL, NULL, NULL },
	{ "ma..x@exempla.test", NULL, NULL, NULL },
	{ "max@exempla..test", NULL, NULL, NULL },
	{ "max@.exempla.test", NULL, NULL, NULL },
	{ "max@exempla.test.", NULL, NULL, NULL },
	{ "max@-exempla.test", NULL, NULL, NULL },
	{ "max@exempla-.test", NULL, NULL, NULL },
	{ "max@exempla_x.test", NULL, NULL, NULL },
	{ "max@[192.0.2.1]", NULL, NULL, NULL },
	{ "m\xc3\xbcller@exempla.test", NULL, NULL, NULL },
	{ "max@m\xc3\xbcnchen.de", NULL, NULL, NULL },
	{ "max@exempla.test\r\nBcc: x@y.z", NULL, NULL, NULL },
	{ "max\n@exempla.test", NULL, NULL, NULL },
	/* must fail: subject with control characters, invalid UTF-8 */
	{ "a@b.c", "GENEHMIGT\r\nBcc: evil@attacker.test", NULL, NULL },
	{ "a@b.c", "line\nbreak", NULL, NULL },
	{ "a@b.c", "bell\a", NULL, NULL },
	{ "a@b.c", "del\x7f", NULL, NULL },
	{ "a@b.c", "tab\there", NULL, NULL },
	{ "a@b.c", "St\xfc" "ck", NULL, NULL },
	{ "a@b.c", NULL, "St\xfc" "ck", NULL },
	{ "a@b.c", NULL, "\xc3", NULL },
	{ "a@b.c", NULL, "\xed\xa0\x80", NULL },
};

static void
test_mailto_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(exact_cases); i++) {
		char *u = mailto_uri(exact_cases[i].addr,
		    exact_cases[i].subject, exact_cases[i].body);

		if (exact_cases[i].uri == NULL) {
			if (u != NULL)
				fail_msg("row %zu: got %s, must fail", i, u);
			continue;
		}
		if (u == NULL)
			fail_msg("row %zu failed, expected %s", i,
			    exact_cases[i].uri);
		if (strcmp(u, exact_cases[i].uri) != 0)
			fail_msg("row %zu: got\n  %s\nexpected\n  %s", i, u,
			    exact_cases[i].uri);
		assert_true(uri_charset_ok(u));
		free(u);
	}
}

/* Hostile texts; used both as subject (if no control chars) and as body. */
static const char *const hostile[] = {
	"Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\xbcnchen, \xc3\x84rger \xc3\x96l \xc3\x9c",
	"\xf0\x9f\x98\x80 \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd emoji",
	"a&b=c?d#e%f",
	"+",
	"a+b+c",
	"%",
	"%25",
	"%0D%0A",
	"100% sicher & fertig?",
	"\"double\" 'single' `back`",
	"<script>alert(1)</script>",
	"a\r\nb",
	"\r\n",
	"line1\r\nline2\r\n",
	"&subject=forged",
	"&body=forged&cc=evil@attacker.test",
	"?cc=evil@attacker.test",
	"mailto:evil@attacker.test",
	"#fragment",
	"semi;colon,comma/slash\\back:colon@at!bang$dollar*star(paren)[br]{cu}|^",
	"   leading and trailing spaces   ",
	"\t tab",
	"~-._ unreserved only",
	"\xe2\x82\xac 4,29 EUR",
	"\xef\xbb\xbf" "BOM",
	"x",
};

/* Body line breaks are normalised to CRLF; everything else is kept. */
static char *
crlf(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "");
	for (; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n') {
			if (*s == '\r' && s[1] == '\n')
				s++;
			buf_puts(&b, "\r\n");
		} else {
			buf_putc(&b, *s);
		}
	}
	return buf_steal(&b);
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static void
roundtrip(const char *addr, const char *subject, const char *body)
{
	struct decoded d;
	char *u = mailto_uri(addr, subject, body);
	char *want;

	if (u == NULL)
		fail_msg("mailto_uri failed for subject \"%.60s\" body \"%.60s\"",
		    subject ? subject : "(null)", body ? body : "(null)");
	if (!uri_charset_ok(u))
		fail_msg("character outside the allowed set in %s", u);
	uri_decode(u, &d);
	assert_string_equal(d.addr, addr);
	if (subject != NULL)
		assert_string_equal(d.subject, subject);
	else
		assert_null(d.subject);
	if (body != NULL) {
		want = crlf(body);
		assert_string_equal(d.body, want);
		free(want);
	} else {
		assert_null(d.body);
	}
	decoded_free(&d);
	free(u);
}

static void
test_mailto_roundtrip(void **state)
{
	char *big;

	(void)state;
	for (size_t i = 0; i < SO_NELEM(hostile); i++) {
		const char *s = hostile[i];

		if (!has_control(s)) {
			roundtrip("genehmiger@exempla.test", s, NULL);
			roundtrip("genehmiger@exempla.test", s, s);
		}
		roundtrip("genehmiger@exempla.test", NULL, s);
		roundtrip("genehmiger@exempla.test", "GENEHMIGT SO-2026-000002", s);
	}
	/* 2000 characters of mixed text, as subject and as body. */
	{
		struct buf b;

		buf_init(&b, 0);
		while (b.len < 2000)
			buf_puts(&b, "Kopierpapier \xc3\xa4 & 50% = ?#+; ");
		big = buf_steal(&b);
	}
	roundtrip("genehmiger@exempla.test", big, big);
	free(big);
	/* Addresses with atext specials survive too. */
	roundtrip("o'brien+tag@exempla.test", "s", "b");
	roundtrip("a!#$%&'*+-/=?^_`{|}~z@exempla.test", "s", NULL);
}

/* The whole URI is capped at MAILTO_URI_MAX. */
static void
test_mailto_limit(void **state)
{
	const char *prefix = "mailto:a@b.c?body=";
	size_t room = MAILTO_URI_MAX - strlen(prefix);
	char *body;
	char *u;

	(void)state;
	/* 'x' is not encoded: exactly MAILTO_URI_MAX fits ... */
	body = xmalloc(room + 2);
	memset(body, 'x', room);
	body[room] = '\0';
	u = mailto_uri("a@b.c", NULL, body);
	assert_non_null(u);
	assert_int_equal(strlen(u), MAILTO_URI_MAX);
	free(u);
	/* ... one byte more does not. */
	body[room] = 'x';
	body[room + 1] = '\0';
	assert_null(mailto_uri("a@b.c", NULL, body));
	free(body);
	/* An encoded byte takes three: a third of the room plus one fails. */
	body = xmalloc(room / 3 + 2);
	memset(body, ' ', room / 3 + 1);
	body[room / 3 + 1] = '\0';
	assert_null(mailto_uri("a@b.c", NULL, body));
	body[room / 3] = '\0';
	u = mailto_uri("a@b.c", NULL, body);
	assert_non_null(u);
	free(u);
	free(body);
}

/* Local part up to 64, whole address up to 254 bytes. */
static void
test_mailto_addr_length(void **state)
{
	char addr[300];
	char *u;

	(void)state;
	memset(addr, 'l', 64);
	strcpy(addr + 64, "@exempla.test");
	u = mailto_uri(addr, NULL, NULL);
	assert_non_null(u);
	free(u);
	memset(addr, 'l', 65);
	strcpy(addr + 65, "@exempla.test");
	assert_null(mailto_uri(addr, NULL, NULL));

	/* 2 + 63 * 4 = 254: "l@" then labels of 63 chars joined by dots */
	strcpy(addr, "l@");
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(addr);

		memset(addr + n, 'd', 62);
		addr[n + 62] = i < 3 ? '.' : 'd';
		addr[n + 63] = '\0';
	}
	assert_int_equal(strlen(addr), 254);
	u = mailto_uri(addr, NULL, NULL);
	assert_non_null(u);
	free(u);
	strcat(addr, "d");
	assert_null(mailto_uri(addr, NULL, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailto_exact),
		cmocka_unit_test(test_mailto_roundtrip),
		cmocka_unit_test(test_mailto_limit),
		cmocka_unit_test(test_mailto_addr_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
