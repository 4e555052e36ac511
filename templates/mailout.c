/* SPDX-License-Identifier: MIT */
/*
 * mailout - compose one outgoing message as RFC 5322 / MIME bytes.
 *
 * Everything that reaches a header is first made single-line with
 * str_header_safe() and then either checked against a strict pattern
 * (addresses, message-ids, tokens) or encoded (RFC 2047 encoded words for
 * names and subjects, RFC 2231 for file names), so no input can add a header
 * line or a recipient.  Header lines are folded to at most 78 characters; the
 * only exception is a single message-id or address longer than a line, which
 * cannot be folded and gets a line of its own (RFC 5322 allows 998).
 * Text that is not valid UTF-8 has the bad bytes replaced by U+FFFD, because
 * everything we write is declared as UTF-8.
 *
 * This module does not send anything, does not know about cases or
 * templates, and does not read any clock: Date comes from the caller (it is
 * written in the local time zone).  The only other impurity is the random
 * multipart boundary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailout.h"

#define MAILOUT_LINE_MAX        78      /* header lines, RFC 5322 2.1.1 */
#define MAILOUT_QP_LINE_MAX     76      /* RFC 2045 6.7 */
#define MAILOUT_B64_LINE_BYTES  57      /* 76 base64 characters */
#define MAILOUT_WORD_MAX        75      /* RFC 2047 2 */
#define MAILOUT_WORD_MIN        24      /* room for one 4-byte character in Q */
#define MAILOUT_WORD_OVERHEAD   12      /* "=?UTF-8?Q?" "?=" */
#define MAILOUT_ADDR_MAX        254
#define MAILOUT_LOCAL_MAX       64
#define MAILOUT_ID_MAX          250
#define MAILOUT_NAME_MAX        256
#define MAILOUT_SUBJECT_MAX     2000
#define MAILOUT_FILENAME_MAX    255
#define MAILOUT_CTYPE_MAX       200
#define MAILOUT_REFS_MAX        20
#define MAILOUT_ATTACH_MAX      32
#define MAILOUT_PLAIN_NAME_MAX  60      /* longer names become encoded words */

/* Output with the column of the current header line, for folding. */
struct composer {
	struct buf *out;
	size_t col;
	int failed;             /* out's maximum was reached */
};

static __thread char mailout_err[512];

static int
mailout_fail(const char **error_r, const char *what, const char *value)
{
	if (value != NULL) {
		char *v = str_log_safe(value, 100);
		snprintf(mailout_err, sizeof(mailout_err), "mailout: %s '%s'",
		    what, v);
		free(v);
	} else
		snprintf(mailout_err, sizeof(mailout_err), "mailout: %s", what);
	*error_r = mailout_err;
	return -1;
}

static void
put(struct composer *c, const char *s, size_t n)
{
	if (buf_append(c->out, s, n) == -1)
		c->failed = 1;
	c->col += n;
}

static void
puts_(struct composer *c, const char *s)
{
	put(c, s, strlen(s));
}

static void
hdr_begin(struct composer *c, const char *name)
{
	c->col = 0;
	puts_(c, name);
	puts_(c, ":");
}

/* One unbreakable token, after a space, or on a new folded line. */
static void
hdr_token(struct composer *c, const char *s, size_t n)
{
	if (c->col + 1 + n > MAILOUT_LINE_MAX) {
		put(c, "\r\n ", 3);
		c->col = 1;
	} else
		put(c, " ", 1);
	put(c, s, n);
}

static void
hdr_tokens(struct composer *c, const char *s)
{
	hdr_token(c, s, strlen(s));
}

static void
hdr_end(struct composer *c)
{
	put(c, "\r\n", 2);
	c->col = 0;
}

/* A header-safe (one line, no controls), valid UTF-8 copy of s. */
static char *
header_text(const char *s, size_t max)
{
	char *h = str_header_safe(s ? s : "", max);
	char *r = str_utf8_fix(h);

	free(h);
	return r;
}

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int
ascii_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* Characters that may stand for themselves in a Q encoded word, even in a phrase (RFC 2047 5(3)). */
static int
q_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	    c == '-' || c == '/' || c == ' ';
}

static size_t
q_len(const char *s, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += q_safe((unsigned char)s[i]) ? 1 : 3;
	return len;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of n bytes (at most 57) into dst, which holds 4 * ceil(n / 3) + 1. */
static size_t
b64_chunk(const unsigned char *s, size_t n, char *dst)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		dst[o++] = b64_alphabet[(v >> 18) & 63];
		dst[o++] = b64_alphabet[(v >> 12) & 63];
		dst[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		dst[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
	}
	dst[o] = '\0';
	return o;
}

/*
 * s as RFC 2047 encoded words, as many as needed, each as long as fits on
 * the current line (or a fresh folded one) and never longer than 75.  Words
 * end only between UTF-8 characters, so every word decodes on its own.
 * Q when that is shorter (mostly ASCII text stays readable), else B.
 */
static void
hdr_encoded(struct composer *c, const char *s)
{
	size_t n = strlen(s);
	int use_q = q_len(s, n) <= 4 * ((n + 2) / 3);

	while (n > 0) {
		char word[MAILOUT_WORD_MAX + 1];
		size_t room, take = 0, enc = 0, o;

		if (c->col + 1 + MAILOUT_WORD_MIN <= MAILOUT_LINE_MAX)
			room = MAILOUT_LINE_MAX - c->col - 1;
		else
			room = MAILOUT_LINE_MAX - 1;
		if (room > MAILOUT_WORD_MAX)
			room = MAILOUT_WORD_MAX;
		room -= MAILOUT_WORD_OVERHEAD;

		/* Whole characters only; at least one always fits. */
		while (take < n) {
			size_t l = utf8_char_len(s + take, n - take);
			size_t e;
			if (l == 0)
				fatalx("mailout: encoding invalid UTF-8");
			if (use_q)
				e = enc + q_len(s + take, l);
			else
				e = 4 * ((take + l + 2) / 3);
			if (e > room)
				break;
			take += l;
			enc = e;
		}
		if (take == 0)
			fatalx("mailout: no room for an encoded word");

		memcpy(word, use_q ? "=?UTF-8?Q?" : "=?UTF-8?B?", 10);
		o = 10;
		if (use_q) {
			for (size_t i = 0; i < take; i++) {
				unsigned char ch = (unsigned char)s[i];
				if (ch == ' ')
					word[o++] = '_';
				else if (q_safe(ch))
					word[o++] = (char)ch;
				else {
					word[o++] = '=';
					word[o++] = "0123456789ABCDEF"[ch >> 4];
					word[o++] = "0123456789ABCDEF"[ch & 15];
				}
			}
		} else
			o += b64_chunk((const unsigned char *)s, take, word + o);
		word[o++] = '?';
		word[o++] = '=';
		hdr_token(c, word, o);
		s += take;
		n -= take;
	}
}

/*
 * Whether s can be written as it is (or as a quoted-string) and still be
 * read back unchanged: printable ASCII, no "=?" (decoders would take it for
 * an encoded word), and no blanks at the ends or in pairs (header parsers
 * collapse or drop them; encoded words keep them).
 */
static int
plain_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && ascii_printable(s) &&
	    strstr(s, "=?") == NULL && strstr(s, "  ") == NULL &&
	    s[0] != ' ' && s[n - 1] != ' ';
}

static size_t
longest_word(const char *s)
{
	size_t best = 0;

	while (*s) {
		size_t wl = strcspn(s, " ");
		best = wl > best ? wl : best;
		s += wl;
		if (*s == ' ')
			s++;
	}
	return best;
}

static void
hdr_subject(struct composer *c, const char *subject)
{
	size_t n = strlen(subject);

	hdr_begin(c, "Subject");
	if (plain_ok(subject, MAILOUT_LINE_MAX - c->col - 1))
		hdr_token(c, subject, n);
	else if (plain_ok(subject, 900) && longest_word(subject) <
	    MAILOUT_LINE_MAX - 2) {
		/* Plain ASCII: fold at the blanks (RFC 5322 2.2.3) rather
		 * than encode; single blanks survive unfolding. */
		const char *w = subject;
		while (*w) {
			size_t wl = strcspn(w, " ");
			hdr_token(c, w, wl);
			w += wl;
			if (*w == ' ')
				w++;
		}
	} else if (n > 0)
		hdr_encoded(c, subject);
	hdr_end(c);
}

/* A display name as atoms, a quoted-string or encoded words. */
static void
hdr_phrase(struct composer *c, const char *name)
{
	size_t n = strlen(name);
	int atoms = 1;
	struct buf q;

	if (!plain_ok(name, MAILOUT_PLAIN_NAME_MAX)) {
		hdr_encoded(c, name);
		return;
	}
	for (size_t i = 0; i < n && atoms; i++)
		atoms = name[i] == ' ' || is_atext((unsigned char)name[i]);
	if (atoms) {
		hdr_token(c, name, n);
		return;
	}
	buf_init(&q, 0);
	buf_putc(&q, '"');
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '"' || name[i] == '\\')
			buf_putc(&q, '\\');
		buf_putc(&q, name[i]);
	}
	buf_putc(&q, '"');
	hdr_token(c, q.data, q.len);
	buf_free(&q);
}

static void
hdr_mailbox(struct composer *c, const char *hname, const char *name,
    const char *addr)
{
	char *safe_name = header_text(name, MAILOUT_NAME_MAX);
	char *a;

	str_trim(safe_name);
	hdr_begin(c, hname);
	if (*safe_name != '\0') {
		hdr_phrase(c, safe_name);
		a = xstrcat("<", addr, ">", NULL);
		hdr_tokens(c, a);
		free(a);
	} else
		hdr_tokens(c, addr);
	hdr_end(c);
	free(safe_name);
}

/* RFC 5322 3.4.1 dot-atom, allowing UTF-8 (RFC 6531). */
static int
dot_atom_ok(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (ch < 0x80 && !is_atext(ch))
			return 0;
	}
	return 1;
}

int
mailout_addr_ok(const char *s)
{
	const char *at;
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > MAILOUT_ADDR_MAX)
		return 0;
	if (!utf8_valid(s, n) || (at = strchr(s, '@')) == NULL ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	if ((size_t)(at - s) > MAILOUT_LOCAL_MAX)
		return 0;
	return dot_atom_ok(s, (size_t)(at - s)) &&
	    dot_atom_ok(at + 1, strlen(at + 1));
}

/*
 * A msg-id without <>: printable ASCII, no white space and none of the
 * characters that end or quote something in a header (<>()[]":;\,), an
 * '@' with text on both sides.  Stricter than RFC 5322 (no domain literals)
 * on purpose: such an id is copied into headers as it is.
 */
static int
msgid_ok(const char *s)
{
	size_t n = strlen(s);
	const char *at = strchr(s, '@');

	if (n == 0 || n > MAILOUT_ID_MAX || at == NULL || at == s ||
	    at[1] == '\0')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr("<>()[]\":;\\,", *s) != NULL)
			return 0;
	return 1;
}

static void
hdr_date(struct composer *c, int64_t date, int *ok_r)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	time_t t = (time_t)date;
	struct tm tm;
	long off;
	char s[64];

	/* Names by hand: strftime's %a/%b follow the locale. */
	if ((int64_t)t != date || localtime_r(&t, &tm) == NULL ||
	    tm.tm_year < 0 || tm.tm_year > 9999 - 1900) {
		*ok_r = 0;
		return;
	}
	off = tm.tm_gmtoff / 60;
	/* "Sun, 1 Nov 2026 09:05:00 +0100", without a format to parse. */
	{
		char *p = s;
		long aoff = off < 0 ? -off : off;

		memcpy(p, days[tm.tm_wday], 3);
		p += 3;
		*p++ = ',';
		*p++ = ' ';
		p += dec_put(p, (uint64_t)tm.tm_mday, 1);
		*p++ = ' ';
		memcpy(p, months[tm.tm_mon], 3);
		p += 3;
		*p++ = ' ';
		p += dec_put(p, (uint64_t)tm.tm_year + 1900, 4);
		*p++ = ' ';
		p += dec_put(p, (uint64_t)tm.tm_hour, 2);
		*p++ = ':';
		p += dec_put(p, (uint64_t)tm.tm_min, 2);
		*p++ = ':';
		p += dec_put(p, (uint64_t)tm.tm_sec, 2);
		*p++ = ' ';
		*p++ = off < 0 ? '-' : '+';
		p += dec_put(p, (uint64_t)(aoff / 60 % 100), 2);
		p += dec_put(p, (uint64_t)(aoff % 60), 2);
		*p = '\0';
	}
	hdr_begin(c, "Date");
	hdr_tokens(c, s);
	hdr_end(c);
	*ok_r = 1;
}

static void
hdr_msgid(struct composer *c, const char *hname, const char *id)
{
	char *v = xstrcat("<", id, ">", NULL);

	hdr_begin(c, hname);
	hdr_tokens(c, v);
	hdr_end(c);
	free(v);
}

/*
 * In-Reply-To and References come from mails we did not write.  An id
 * there that is not a plain msg-id is dropped rather than failing the
 * message: losing one link of a thread is better than not answering.
 */
static void
hdr_references(struct composer *c, const char *in_reply_to,
    const char *references)
{
	char *irt = header_text(in_reply_to, 0);
	char *refs = header_text(references, 0);
	char **ids = NULL, *p, *tok;
	size_t nids = 0;

	str_trim(irt);
	if (msgid_ok(irt))
		hdr_msgid(c, "In-Reply-To", irt);

	for (p = refs; (tok = strsep(&p, " ")) != NULL; ) {
		if (!msgid_ok(tok))
			continue;
		ids = xreallocarray(ids, nids + 1, sizeof(*ids));
		ids[nids++] = tok;
	}
	if (nids > 0) {
		/* Keep the thread's root and its newest links (RFC 5322 3.6.4). */
		size_t skip_to = nids > MAILOUT_REFS_MAX ?
		    nids - (MAILOUT_REFS_MAX - 1) : 1;
		hdr_begin(c, "References");
		for (size_t i = 0; i < nids; i++) {
			char *v;
			if (i > 0 && i < skip_to)
				continue;
			v = xstrcat("<", ids[i], ">", NULL);
			hdr_tokens(c, v);
			free(v);
		}
		hdr_end(c);
	}
	free(ids);
	free(irt);
	free(refs);
}

/* Whether s[0..n) is its own quoted-printable: short, nothing to encode. */
static int
qp_plain(const char *s, size_t n)
{
	if (n > MAILOUT_QP_LINE_MAX || (n > 0 && (s[0] == '.' ||
	    (n >= 5 && memcmp(s, "From ", 5) == 0))))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!((ch >= 33 && ch <= 126 && ch != '=') ||
		    ((ch == ' ' || ch == '\t') && i + 1 < n)))
			return 0;
	}
	return 1;
}

/*
 * One text line as quoted-printable, soft-broken at 76 characters.  Besides
 * what RFC 2045 requires ('=', non-ASCII, controls, white space at the end),
 * a '.' or "From " at the start of a line is encoded so that neither SMTP
 * dot handling nor mbox "From " quoting can change the text.
 */
static void
qp_line(struct composer *c, const char *s, size_t n)
{
	static const char hexd[] = "0123456789ABCDEF";
	char out[256];
	size_t col = 0, o = 0;

	/* Most lines of a mail are short plain text. */
	if (qp_plain(s, n)) {
		put(c, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		int last = i + 1 == n;
		int literal = (ch >= 33 && ch <= 126 && ch != '=') ||
		    ((ch == ' ' || ch == '\t') && !last);
		size_t len;

		/* Well inside the line a literal character is just copied. */
		if (literal && col > 0 && col < MAILOUT_QP_LINE_MAX - 1) {
			out[o++] = (char)ch;
			col++;
		} else {
			len = literal ? 1 : 3;
			if (col + len > (last ? MAILOUT_QP_LINE_MAX :
			    MAILOUT_QP_LINE_MAX - 1)) {
				memcpy(out + o, "=\r\n", 3);
				o += 3;
				col = 0;
			}
			if (col == 0 && (ch == '.' || (ch == 'F' && n - i >= 5 &&
			    memcmp(s + i, "From ", 5) == 0)))
				literal = 0;
			if (literal) {
				out[o++] = (char)ch;
				col++;
			} else {
				out[o++] = '=';
				out[o++] = hexd[ch >> 4];
				out[o++] = hexd[ch & 15];
				col += 3;
			}
		}
		/* At most 6 bytes per character: a soft break and "=XX". */
		if (o > sizeof(out) - 6) {
			put(c, out, o);
			o = 0;
		}
	}
	put(c, out, o);
}

/* The body as quoted-printable with CRLF line ends; the last line gets one too. */
static void
body_qp(struct composer *c, const char *body)
{
	const char *p = body;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		size_t l = len;

		if (l > 0 && p[l - 1] == '\r')
			l--;
		qp_line(c, p, l);
		put(c, "\r\n", 2);
		p += len + (nl ? 1 : 0);
	}
}

/* Base64 lines of 76 characters, CRLF between them (not after the last). */
static void
body_base64(struct composer *c, const char *data, size_t len)
{
	char line[80];

	for (size_t i = 0; i < len; i += MAILOUT_B64_LINE_BYTES) {
		size_t n = len - i < MAILOUT_B64_LINE_BYTES ?
		    len - i : MAILOUT_B64_LINE_BYTES;
		if (i > 0)
			put(c, "\r\n", 2);
		put(c, line, b64_chunk((const unsigned char *)data + i, n, line));
	}
}

/* RFC 2231 attribute-char: what may stand for itself in filename*=. */
static int
attr_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' && strchr("!#$&+-.^_`|~", ch));
}

/*
 * Content-Disposition with the file name: filename="..." when it is short
 * ASCII, else RFC 2231 (UTF-8, percent-encoded, split into numbered
 * sections that fit on folded lines).
 */
static void
hdr_disposition(struct composer *c, const char *filename)
{
	char *name = header_text(filename, MAILOUT_FILENAME_MAX);
	struct buf v;

	str_trim(name);
	hdr_begin(c, "Content-Disposition");
	if (*name == '\0') {
		hdr_tokens(c, "attachment");
		goto done;
	}
	hdr_tokens(c, "attachment;");
	buf_init(&v, 0);
	if (plain_ok(name, MAILOUT_PLAIN_NAME_MAX)) {
		buf_puts(&v, "filename=\"");
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&v, '\\');
			buf_putc(&v, *p);
		}
		buf_putc(&v, '"');
		hdr_token(c, v.data, v.len);
	} else {
		struct buf enc;
		size_t sect = 0, i = 0;
		const size_t chunk = 48;

		buf_init(&enc, 0);
		buf_puts(&enc, "UTF-8''");
		for (const char *p = name; *p; p++) {
			if (attr_char((unsigned char)*p))
				buf_putc(&enc, *p);
			else
				buf_printf(&enc, "%%%02X", (unsigned char)*p);
		}
		if (enc.len <= chunk) {
			buf_printf(&v, "filename*=%s", enc.data);
			hdr_token(c, v.data, v.len);
		}
		while (enc.len > chunk && i < enc.len) {
			size_t n = enc.len - i < chunk ? enc.len - i : chunk;
			/* Never cut a %XX apart. */
			if (i + n < enc.len && enc.data[i + n - 1] == '%')
				n -= 1;
			else if (i + n < enc.len && enc.data[i + n - 2] == '%')
				n -= 2;
			buf_reset(&v);
			buf_printf(&v, "filename*%zu*=%.*s%s", sect++, (int)n,
			    enc.data + i, i + n < enc.len ? ";" : "");
			hdr_token(c, v.data, v.len);
			i += n;
		}
		buf_free(&enc);
	}
	buf_free(&v);
done:
	hdr_end(c);
	free(name);
}

/* A content type from the caller: type/subtype and parameters, printable ASCII. */
static int
content_type_ok(const char *s)
{
	const char *slash = strchr(s, '/');

	return *s != '\0' && strlen(s) <= MAILOUT_CTYPE_MAX &&
	    ascii_printable(s) && slash != NULL && slash != s &&
	    slash[1] != '\0' && slash[1] != ';' && slash[1] != ' ' &&
	    strchr(s, '\\') == NULL;
}

static void
hdr_content_type(struct composer *c, const char *ct)
{
	char *copy = xstrdup(ct), *p = copy, *tok;

	hdr_begin(c, "Content-Type");
	while ((tok = strsep(&p, " ")) != NULL)
		if (*tok != '\0')
			hdr_tokens(c, tok);
	hdr_end(c);
	free(copy);
}

static void
text_part_headers(struct composer *c)
{
	puts_(c, "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n");
}

int
mailout_compose(const struct mailout *m, struct buf *out, const char **error_r)
{
	struct composer c = { out, 0, 0 };
	const char *auto_submitted;
	char *subject, *body, *boundary = NULL, *ct = NULL;
	size_t old_len = out->len;
	int date_ok;

	if (m->from_addr == NULL || m->to_addr == NULL)
		return mailout_fail(error_r, "missing from or to address", NULL);
	if (!mailout_addr_ok(m->from_addr))
		return mailout_fail(error_r, "invalid from address", m->from_addr);
	if (!mailout_addr_ok(m->to_addr))
		return mailout_fail(error_r, "invalid to address", m->to_addr);
	if (m->message_id == NULL)
		return mailout_fail(error_r, "missing message-id", NULL);
	if (!msgid_ok(m->message_id))
		return mailout_fail(error_r, "invalid message-id", m->message_id);
	auto_submitted = m->auto_submitted ? m->auto_submitted : "auto-generated";
	if (*auto_submitted == '\0' || strlen(auto_submitted) > 32 ||
	    strspn(auto_submitted, "abcdefghijklmnopqrstuvwxyz-") !=
	    strlen(auto_submitted))
		return mailout_fail(error_r, "invalid Auto-Submitted value",
		    auto_submitted);
	if (m->nattachments > MAILOUT_ATTACH_MAX)
		return mailout_fail(error_r, "too many attachments", NULL);
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mailout_attachment *a = &m->attachments[i];
		if (a->content_type != NULL && !content_type_ok(a->content_type))
			return mailout_fail(error_r,
			    "invalid attachment content type", a->content_type);
		if (a->data == NULL && a->len > 0)
			return mailout_fail(error_r, "attachment without data",
			    a->filename);
	}

	/* Make sure out is a string even if the maximum is reached at once. */
	if (buf_append(out, "", 0) == -1)
		c.failed = 1;
	hdr_date(&c, m->date, &date_ok);
	if (!date_ok)
		return mailout_fail(error_r, "date out of range", NULL);
	hdr_mailbox(&c, "From", m->from_name, m->from_addr);
	hdr_mailbox(&c, "To", m->to_name, m->to_addr);
	subject = header_text(m->subject, MAILOUT_SUBJECT_MAX);
	hdr_subject(&c, subject);
	free(subject);
	hdr_msgid(&c, "Message-ID", m->message_id);
	hdr_references(&c, m->in_reply_to, m->references);
	puts_(&c, "Auto-Submitted: ");
	puts_(&c, auto_submitted);
	puts_(&c, "\r\n");
	if (m->suppress_auto_responses)
		puts_(&c, "X-Auto-Response-Suppress: All\r\n");
	puts_(&c, "MIME-Version: 1.0\r\n");

	body = str_utf8_fix(m->body ? m->body : "");
	if (m->nattachments == 0) {
		text_part_headers(&c);
		puts_(&c, "\r\n");
		body_qp(&c, body);
	} else {
		/* "=_" never occurs in quoted-printable or base64 text. */
		char *hex = so_random_hex(16);
		boundary = xasprintf("=_so_%s", hex);
		free(hex);
		ct = xasprintf("boundary=\"%s\"", boundary);
		hdr_begin(&c, "Content-Type");
		hdr_tokens(&c, "multipart/mixed;");
		hdr_tokens(&c, ct);
		hdr_end(&c);
		puts_(&c, "Content-Transfer-Encoding: 7bit\r\n\r\n");
		puts_(&c, "This is a MIME message with attachments.\r\n");
		puts_(&c, "--");
		puts_(&c, boundary);
		puts_(&c, "\r\n");
		text_part_headers(&c);
		puts_(&c, "\r\n");
		body_qp(&c, body);
		for (size_t i = 0; i < m->nattachments; i++) {
			const struct mailout_attachment *a = &m->attachments[i];
			puts_(&c, "\r\n--");
			puts_(&c, boundary);
			puts_(&c, "\r\n");
			hdr_content_type(&c, a->content_type ? a->content_type :
			    "application/octet-stream");
			hdr_disposition(&c, a->filename);
			puts_(&c, "Content-Transfer-Encoding: base64\r\n\r\n");
			body_base64(&c, a->data, a->len);
		}
		puts_(&c, "\r\n--");
		puts_(&c, boundary);
		puts_(&c, "--\r\n");
	}
	free(body);
	free(boundary);
	free(ct);

	if (c.failed) {
		/* Nothing half-written stays in out. */
		out->len = old_len;
		if (out->data != NULL)
			out->data[old_len] = '\0';
		snprintf(mailout_err, sizeof(mailout_err),
		    "mailout: message larger than %zu bytes", out->max);
		*error_r = mailout_err;
		return -1;
	}
	return 0;
}

char *
mailout_message_id(const char *tag, const char *domain)
{
	char *hex = so_random_hex(16), *t = NULL, *d, *id;

	if (tag != NULL && *tag != '\0') {
		t = xstrndup(tag, 40);
		for (char *p = t; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-'))
				*p = '-';
	}
	d = xstrndup(domain != NULL && *domain != '\0' ? domain : "localhost", 100);
	for (char *p = d; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			*p = '-';
	id = t ? xstrcat("so.", t, ".", hex, "@", d, NULL) :
	    xstrcat("so.", hex, "@", d, NULL);
	free(hex);
	free(t);
	free(d);
	return id;
}
