/* SPDX-License-Identifier: MIT */
/*
 * charset - convert mail text in a declared or undeclared charset to UTF-8
 * and decode RFC 2047 encoded words in header values.
 *
 * The charsets that matter for German office mail (UTF-8, US-ASCII,
 * ISO-8859-1, windows-1252) are converted by our own tables, so the result
 * does not depend on the locale or on gconv modules being installed; every
 * other charset goes through iconv(3).  Whatever the input, the output is
 * valid UTF-8 without NUL bytes: invalid sequences become U+FFFD.
 *
 * This module does not parse MIME structure or decode transfer encodings of
 * bodies (see mime.c); it only knows the B and Q encodings of RFC 2047.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "util.h"

/* Longest charset name we look at; real names are far shorter. */
#define CHARSET_NAME_MAX 64

#define REPLACEMENT 0xfffdu

enum charset_kind {
	CHARSET_UNDECLARED,
	CHARSET_UTF8,
	CHARSET_ASCII,
	CHARSET_LATIN1,
	CHARSET_CP1252,
	CHARSET_OTHER
};

/*
 * windows-1252 0x80..0x9f; 0 marks the five bytes the charset leaves
 * undefined.  0xa0..0xff are identical to ISO-8859-1 and Unicode.
 */
static const uint16_t cp1252_high[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

static const char *const utf8_names[] = { "utf-8", "utf8", NULL };
static const char *const ascii_names[] = {
	"us-ascii", "ascii", "us", "ansi_x3.4-1968", "iso646-us", "iso-ir-6",
	"cp367", "ibm367", NULL
};
static const char *const latin1_names[] = {
	"iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "latin1",
	"latin-1", "l1", "iso-ir-100", "cp819", "ibm819", "8859-1", NULL
};
static const char *const cp1252_names[] = {
	"windows-1252", "cp1252", "x-cp1252", "win-1252", "ms-ansi", NULL
};

static int
name_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

/*
 * Normalise a declared charset into norm (lower case, without quotes and
 * white space) and classify it.  Names with characters no charset name has
 * are treated as undeclared, so that nothing odd (like "//TRANSLIT" or a
 * path) ever reaches iconv_open().
 */
static enum charset_kind
charset_classify(const char *charset, char norm[CHARSET_NAME_MAX])
{
	size_t n = 0;

	norm[0] = '\0';
	if (charset == NULL)
		return CHARSET_UNDECLARED;
	for (const char *p = charset; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\'' || c == ' ' || c == '\t')
			continue;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == ':'))
			return CHARSET_UNDECLARED;
		if (n + 1 >= CHARSET_NAME_MAX)
			return CHARSET_UNDECLARED;
		norm[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	norm[n] = '\0';
	if (n == 0)
		return CHARSET_UNDECLARED;
	if (name_in(norm, utf8_names))
		return CHARSET_UTF8;
	if (name_in(norm, ascii_names))
		return CHARSET_ASCII;
	if (name_in(norm, latin1_names))
		return CHARSET_LATIN1;
	if (name_in(norm, cp1252_names))
		return CHARSET_CP1252;
	return CHARSET_OTHER;
}

static void
put_cp(struct buf *b, uint32_t cp)
{
	char s[4];
	size_t n;

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = REPLACEMENT;
	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		s[0] = (char)(0xf0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	/*
	 * The buffer is sized for the worst case of our tables; should an
	 * iconv conversion ever exceed it, the text is cut, not grown.
	 */
	(void)buf_append(b, s, n);
}

/*
 * Decode one UTF-8 sequence at p (n > 0 bytes available).  Returns the
 * number of bytes consumed; an invalid, overlong, surrogate or truncated
 * sequence consumes one byte and yields U+FFFD.
 */
static size_t
utf8_decode_one(const unsigned char *p, size_t n, uint32_t *cp_r)
{
	uint32_t cp, min;
	size_t need;

	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		need = 1;
		cp = p[0] & 0x1f;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		need = 2;
		cp = p[0] & 0x0f;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		need = 3;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else {
		*cp_r = REPLACEMENT;
		return 1;
	}
	if (n <= need) {
		*cp_r = REPLACEMENT;
		return 1;
	}
	for (size_t i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*cp_r = REPLACEMENT;
			return 1;
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		*cp_r = REPLACEMENT;
		return 1;
	}
	*cp_r = cp;
	return need + 1;
}

static void
from_utf8(struct buf *out, const unsigned char *in, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t start = i;

		/* Copy runs of plain ASCII in one go: most mail is ASCII. */
		while (i < len && in[i] != 0 && in[i] < 0x80)
			i++;
		if (i > start)
			(void)buf_append(out, in + start, i - start);
		if (i >= len)
			break;
		i += utf8_decode_one(in + i, len - i, &cp);
		put_cp(out, cp);
	}
}

static void
from_cp1252(struct buf *out, const unsigned char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];

		if (c >= 0x80 && c <= 0x9f)
			put_cp(out, cp1252_high[c - 0x80] != 0 ?
			    cp1252_high[c - 0x80] : REPLACEMENT);
		else
			put_cp(out, c);
	}
}

static int
has_8bit(const unsigned char *in, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (in[i] >= 0x80)
			return 1;
	return 0;
}

/*
 * Convert through iconv into UTF-8, then run the result through our own
 * UTF-8 decoder so that NUL bytes and anything odd a converter might emit
 * are replaced as well.  Returns -1 if iconv does not know the charset.
 */
static int
from_iconv(struct buf *out, const char *name, const char *in, size_t len)
{
	iconv_t cd;
	struct buf raw;
	char tmp[4096];
	char *ip = (char *)in;
	size_t ileft = len;
	static const char repl[] = "\xef\xbf\xbd";

	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return -1;
	buf_init(&raw, out->max);
	while (ileft > 0) {
		char *op = tmp;
		size_t oleft = sizeof(tmp);
		size_t r = iconv(cd, &ip, &ileft, &op, &oleft);
		int err = errno;

		if (buf_append(&raw, tmp, (size_t)(op - tmp)) == -1)
			break;
		if (r != (size_t)-1 || err == E2BIG)
			continue;
		/* EILSEQ: skip one byte; EINVAL: truncated input at the end. */
		if (buf_append(&raw, repl, 3) == -1 || err != EILSEQ)
			break;
		ip++;
		ileft--;
	}
	{
		/* Reset a stateful encoding (ISO-2022-JP) to its start. */
		char *op = tmp;
		size_t oleft = sizeof(tmp);

		if (iconv(cd, NULL, NULL, &op, &oleft) != (size_t)-1)
			(void)buf_append(&raw, tmp, (size_t)(op - tmp));
	}
	iconv_close(cd);
	from_utf8(out, (const unsigned char *)buf_cstr(&raw), raw.len);
	buf_free(&raw);
	return 0;
}

char *
charset_to_utf8(const char *charset, const char *in, size_t len)
{
	const unsigned char *u = (const unsigned char *)in;
	char norm[CHARSET_NAME_MAX];
	enum charset_kind kind;
	struct buf out;
	size_t max;

	/*
	 * Every input byte yields at most 4 output bytes with our tables;
	 * iconv output is bounded the same way in practice.  The limit only
	 * guards against arithmetic overflow on absurd input sizes.
	 */
	max = len < (SIZE_MAX - 64) / 8 ? len * 8 + 64 : SIZE_MAX / 2;
	buf_init(&out, max);
	if (in == NULL)
		len = 0;

	kind = charset_classify(charset, norm);
	/*
	 * Mailers often label text "us-ascii" and then put umlauts in it;
	 * guessing is kinder to the reader than U+FFFD.
	 */
	if (kind == CHARSET_ASCII && has_8bit(u, len))
		kind = CHARSET_UNDECLARED;
	if (kind == CHARSET_OTHER && from_iconv(&out, norm, in, len) == 0)
		return buf_steal(&out);
	if (kind == CHARSET_OTHER || kind == CHARSET_UNDECLARED)
		kind = utf8_valid(in != NULL ? in : "", len) ? CHARSET_UTF8 :
		    CHARSET_CP1252;

	/*
	 * ISO-8859-1 is read as windows-1252, as in every browser and mail
	 * client (WHATWG Encoding Standard): the C1 control codes at
	 * 0x80..0x9f never occur in real text, but the euro sign and the
	 * typographic quotes of mislabelled mail do.
	 */
	if (kind == CHARSET_LATIN1 || kind == CHARSET_CP1252)
		from_cp1252(&out, u, len);
	else
		from_utf8(&out, u, len);
	return buf_steal(&out);
}

/* RFC 2047 encoded words. */

struct encoded_word {
	char charset[CHARSET_NAME_MAX];
	char encoding;          /* 'b' or 'q' */
	const char *text;
	size_t textlen;
	size_t len;             /* of the whole word, "=?" to "?=" */
};

static int
is_wsp_or_ctl(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

/*
 * Parse "=?charset?e?text?=" at s.  Returns 0 and fills *w, or -1 if s
 * does not start a well-formed encoded word (it is then literal text).
 */
static int
encoded_word_parse(const char *s, struct encoded_word *w)
{
	const char *p = s + 2, *cs, *end;
	size_t cslen;

	if (s[0] != '=' || s[1] != '?')
		return -1;
	cs = p;
	while (*p != '\0' && *p != '?' && !is_wsp_or_ctl((unsigned char)*p))
		p++;
	if (*p != '?' || p == cs)
		return -1;
	cslen = (size_t)(p - cs);
	/* RFC 2231 language suffix: "utf-8*de". */
	end = memchr(cs, '*', cslen);
	if (end != NULL)
		cslen = (size_t)(end - cs);
	if (cslen == 0 || cslen >= CHARSET_NAME_MAX)
		return -1;
	p++;
	if (*p != 'b' && *p != 'B' && *p != 'q' && *p != 'Q')
		return -1;
	w->encoding = (char)(*p | 0x20);
	p++;
	if (*p != '?')
		return -1;
	p++;
	w->text = p;
	while (*p != '\0' && *p != '?' && !is_wsp_or_ctl((unsigned char)*p))
		p++;
	if (p[0] != '?' || p[1] != '=')
		return -1;
	w->textlen = (size_t)(p - w->text);
	memcpy(w->charset, cs, cslen);
	w->charset[cslen] = '\0';
	w->len = (size_t)(p + 2 - s);
	return 0;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append the decoded bytes of w to out; -1 if the B text is not base64. */
static int
encoded_word_decode(const struct encoded_word *w, struct buf *out)
{
	const unsigned char *t = (const unsigned char *)w->text;
	size_t n = w->textlen;

	if (w->encoding == 'b') {
		uint32_t acc = 0;
		int bits = 0, pad = 0;

		for (size_t i = 0; i < n; i++) {
			int v;

			if (t[i] == '=') {
				pad = 1;
				continue;
			}
			v = b64_value(t[i]);
			if (v < 0 || pad)
				return -1;
			acc = (acc << 6) | (uint32_t)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				(void)buf_putc(out,
				    (char)((acc >> bits) & 0xff));
			}
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '_') {
			(void)buf_putc(out, ' ');
		} else if (t[i] == '=' && i + 2 < n &&
		    hex_value(t[i + 1]) >= 0 && hex_value(t[i + 2]) >= 0) {
			(void)buf_putc(out, (char)(hex_value(t[i + 1]) * 16 +
			    hex_value(t[i + 2])));
			i += 2;
		} else {
			(void)buf_putc(out, (char)t[i]);
		}
	}
	return 0;
}

static int
only_wsp(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

static void
append_converted(struct buf *out, const char *charset, const char *in,
    size_t len)
{
	char *s;

	if (len == 0)
		return;
	s = charset_to_utf8(charset, in, len);
	(void)buf_puts(out, s);
	free(s);
}

/*
 * Replace C0 and C1 control characters (and DEL) by a space.  s is valid
 * UTF-8; C1 controls are the two-byte sequences C2 80..C2 9F.
 */
static char *
controls_to_space(const char *s)
{
	struct buf out;
	const unsigned char *p;

	buf_init(&out, 0);
	(void)buf_puts(&out, "");
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			(void)buf_putc(&out, ' ');
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			(void)buf_putc(&out, ' ');
			p++;
		} else {
			(void)buf_putc(&out, (char)*p);
		}
	}
	return buf_steal(&out);
}

char *
charset_decode_header(const char *value)
{
	struct buf out, pend, word;
	char pend_cs[CHARSET_NAME_MAX] = "";
	size_t i = 0, lit = 0;
	int after_word = 0;
	char *utf8, *r;

	if (value == NULL)
		return xstrdup("");
	buf_init(&out, 0);
	buf_init(&pend, 0);
	buf_init(&word, 0);
	while (value[i] != '\0') {
		struct encoded_word w;
		int joined;

		buf_reset(&word);
		if (value[i] != '=' || value[i + 1] != '?' ||
		    encoded_word_parse(value + i, &w) == -1 ||
		    encoded_word_decode(&w, &word) == -1) {
			i++;
			continue;
		}
		/*
		 * White space between two encoded words is dropped.  Adjacent
		 * words in one charset are converted together, because senders
		 * split multi-byte characters across words.
		 */
		joined = after_word && only_wsp(value + lit, i - lit);
		if (!joined || str_casecmp(pend_cs, w.charset) != 0) {
			append_converted(&out, pend_cs, buf_cstr(&pend),
			    pend.len);
			buf_reset(&pend);
		}
		if (!joined)
			append_converted(&out, NULL, value + lit, i - lit);
		(void)buf_append(&pend, buf_cstr(&word), word.len);
		memcpy(pend_cs, w.charset, sizeof(pend_cs));
		i += w.len;
		lit = i;
		after_word = 1;
	}
	append_converted(&out, pend_cs, buf_cstr(&pend), pend.len);
	append_converted(&out, NULL, value + lit, i - lit);
	buf_free(&pend);
	buf_free(&word);

	utf8 = buf_steal(&out);
	r = controls_to_space(utf8);
	free(utf8);
	return r;
}
