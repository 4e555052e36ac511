/* SPDX-License-Identifier: MIT */
/*
 * mime - turn the raw bytes of one message into a struct mail_msg.
 *
 * libetpan does the real work: mailmime_parse() finds the MIME structure,
 * mailmime_part_parse() decodes base64 and mailimf parses addresses.
 * Around it this module does what libetpan does not:
 *
 *  - It protects libetpan from hostile input.  libetpan recurses once per
 *    multipart level and once per nested comment "((...", and allocates a
 *    structure per part, field and address, so a cheap line-by-line
 *    pre-scan checks size, line length, header count and volume, comment
 *    nesting, MIME depth and part count before libetpan sees a byte.  The
 *    pre-scan follows boundaries the way libetpan does (the outermost
 *    matching boundary wins); where it might still disagree with libetpan,
 *    global caps on Content-Type and "--" lines bound what libetpan can
 *    build, and the tree is checked again after parsing.  libetpan only
 *    ever reads a private, NUL-padded copy of the message.
 *  - It repairs missing closing boundaries, which libetpan answers by
 *    dropping whole parts, by inserting them into that copy.
 *  - It decodes quoted-printable itself (libetpan's decoder over-reads).
 *  - It reads the top-level header block itself, so that every field
 *    (Auto-Submitted, List-Id, ...) is available decoded via mime_header().
 *
 * It does not interpret the content (form fields, commands, bounces) and does
 * not descend into attached message/rfc822 parts.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "charset.h"
#include "mime.h"
#include "util.h"

/*
 * Nesting of "(" in one logical header line.  libetpan parses comments
 * recursively; real headers nest two levels at most.
 */
#define MIME_MAX_PARENS 100
/* RFC 2046 allows 70 characters; longer boundaries are hostile. */
#define MIME_MAX_BOUNDARY 256
/*
 * All lines that look like header fields, wherever they are.  libetpan
 * turns every field and every address into allocations of ~30 times the
 * input size; real header blocks are a few KiB.
 */
#define MIME_MAX_HEADER_BYTES ((size_t)1024 * 1024)
/* NUL bytes after the copy of the message that libetpan reads. */
#define MIME_PADDING 16

static char mime_errbuf[256];

void
mime_limits_default(struct mime_limits *l)
{
	l->max_size = (size_t)10 * 1024 * 1024;
	l->max_depth = 20;
	l->max_parts = 100;
	l->max_headers = 500;
	l->max_line = (size_t)1024 * 1024;
}

static const char *
size_human(size_t n, char out[32])
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(out, 32, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(out, 32, "%zu KiB", n / 1024);
	else
		snprintf(out, 32, "%zu Bytes", n);
	return out;
}

static const char *
err_parts(const struct mime_limits *lim)
{
	snprintf(mime_errbuf, sizeof(mime_errbuf),
	    "Die Nachricht hat zu viele MIME-Teile (mehr als %u).",
	    lim->max_parts);
	return mime_errbuf;
}

static const char *
err_depth(const struct mime_limits *lim)
{
	snprintf(mime_errbuf, sizeof(mime_errbuf),
	    "Die MIME-Struktur ist zu tief verschachtelt (mehr als %u Ebenen).",
	    lim->max_depth);
	return mime_errbuf;
}

/* Shared helpers for the pre-scan and the header reader. */

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * If the line p[0..n) starts a header field "Name:" (obsolete white space
 * before the colon allowed), return the offset just after the colon, else 0.
 */
static size_t
field_start(const char *p, size_t n, size_t *namelen_r)
{
	size_t i = 0, namelen;

	while (i < n && (unsigned char)p[i] > 32 && (unsigned char)p[i] < 127 &&
	    p[i] != ':')
		i++;
	namelen = i;
	while (i < n && is_wsp(p[i]))
		i++;
	if (namelen == 0 || i >= n || p[i] != ':')
		return 0;
	if (namelen_r != NULL)
		*namelen_r = namelen;
	return i + 1;
}

struct line {
	size_t start;           /* offset of the first byte */
	size_t len;             /* without CR LF */
	size_t next;            /* offset of the next line */
};

static void
line_next(const char *data, size_t len, size_t pos, struct line *l)
{
	const char *nl = memchr(data + pos, '\n', len - pos);
	size_t end = nl != NULL ? (size_t)(nl - data) : len;

	l->start = pos;
	l->next = nl != NULL ? end + 1 : len;
	if (end > pos && data[end - 1] == '\r')
		end--;
	l->len = end - pos;
}

/* The pre-scan. */

struct scan_level {
	char *boundary;         /* NULL: an embedded message/rfc822 */
	size_t blen;
	int digest;             /* parts default to message/rfc822 */
	int seen_delim;         /* so a missing close can be repaired */
};

struct scan {
	const char *data;
	size_t len;
	const struct mime_limits *lim;
	const char *error;

	struct scan_level *lv;
	unsigned nlv;

	int in_header;
	int part_of_digest;
	int ct_seen, ct_open;
	struct buf ct;          /* unfolded first Content-Type of this header */

	unsigned block_headers, leaves, containers, ct_lines, dash_lines;
	unsigned ct_cap, dash_cap;
	int parens;             /* "(" nesting in the current logical line */
	int in_fields;          /* previous line looked like a header field */
	size_t field_bytes;

	struct buf fixed;       /* repaired copy, if a repair was needed */
	size_t fixed_from;
	int repaired;
};

static void
scan_insert(struct scan *s, size_t at, const char *text)
{
	/*
	 * Each container is repaired at most once with a close delimiter,
	 * plus at most two line ends: the copy cannot outgrow this.
	 */
	if (!s->repaired)
		buf_init(&s->fixed, s->len + 16 +
		    ((size_t)s->lim->max_parts + 2) * (MIME_MAX_BOUNDARY + 8));
	s->repaired = 1;
	(void)buf_append(&s->fixed, s->data + s->fixed_from,
	    at - s->fixed_from);
	(void)buf_puts(&s->fixed, text);
	s->fixed_from = at;
}

static void
scan_pop(struct scan *s, size_t at, int repair)
{
	struct scan_level *l = &s->lv[--s->nlv];

	if (repair && l->boundary != NULL && l->seen_delim) {
		char *t;

		/* At the end of the data the last line may lack its LF. */
		if (at > 0 && s->data[at - 1] != '\n' &&
		    !(s->repaired && s->fixed_from == at))
			scan_insert(s, at, "\r\n");
		t = xasprintf("--%s--\r\n", l->boundary);
		scan_insert(s, at, t);
		free(t);
	}
	free(l->boundary);
	l->boundary = NULL;
}

/*
 * Minimal Content-Type reader: type/subtype and the boundary parameter,
 * enough to follow the structure.  It does not decode RFC 2231.
 */
static void
ct_read(const char *v, int *multipart_r, int *rfc822_r, int *digest_r,
    char **boundary_r)
{
	const char *p = v, *t;
	char type[32] = "", sub[32] = "";
	size_t n;

	*multipart_r = *rfc822_r = *digest_r = 0;
	*boundary_r = NULL;
	while (is_wsp(*p))
		p++;
	for (t = p; *p != '\0' && *p != '/' && *p != ';' && !is_wsp(*p); p++)
		;
	n = (size_t)(p - t) < sizeof(type) - 1 ? (size_t)(p - t) : 0;
	memcpy(type, t, n);
	type[n] = '\0';
	while (is_wsp(*p))
		p++;
	if (*p == '/') {
		for (p++; is_wsp(*p); p++)
			;
		for (t = p; *p != '\0' && *p != ';' && !is_wsp(*p); p++)
			;
		n = (size_t)(p - t) < sizeof(sub) - 1 ? (size_t)(p - t) : 0;
		memcpy(sub, t, n);
		sub[n] = '\0';
	}
	if (str_casecmp(type, "message") == 0 &&
	    str_casecmp(sub, "rfc822") == 0)
		*rfc822_r = 1;
	if (str_casecmp(type, "multipart") != 0)
		return;
	*digest_r = str_casecmp(sub, "digest") == 0;
	while ((p = strchr(p, ';')) != NULL) {
		struct buf val;

		for (p++; is_wsp(*p); p++)
			;
		if (str_ncasecmp(p, "boundary", 8) != 0)
			continue;
		for (p += 8; is_wsp(*p); p++)
			;
		if (*p != '=')
			continue;
		for (p++; is_wsp(*p); p++)
			;
		buf_init(&val, 0);
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				(void)buf_putc(&val, *p);
			}
		} else {
			for (; *p != '\0' && *p != ';' && !is_wsp(*p); p++)
				(void)buf_putc(&val, *p);
		}
		if (val.len > 0) {
			*multipart_r = 1;
			*boundary_r = buf_steal(&val);
		}
		buf_free(&val);
		return;
	}
}

static int
scan_push(struct scan *s, char *boundary, int digest)
{
	struct scan_level *l;

	if (s->nlv >= s->lim->max_depth) {
		free(boundary);
		s->error = err_depth(s->lim);
		return -1;
	}
	if (++s->containers > s->lim->max_parts) {
		free(boundary);
		s->error = err_parts(s->lim);
		return -1;
	}
	l = &s->lv[s->nlv++];
	l->boundary = boundary;
	l->blen = boundary != NULL ? strlen(boundary) : 0;
	l->digest = digest;
	l->seen_delim = 0;
	return 0;
}

static void
scan_header_begin(struct scan *s, int part_of_digest)
{
	s->in_header = 1;
	s->block_headers = 0;
	s->part_of_digest = part_of_digest;
	s->ct_seen = s->ct_open = 0;
	buf_reset(&s->ct);
}

/* The header block of a part (or message) ended: classify the part. */
static int
scan_header_end(struct scan *s)
{
	int multipart = 0, rfc822 = 0, digest = 0;
	char *boundary = NULL;

	s->in_header = s->ct_open = 0;
	if (s->ct_seen)
		ct_read(buf_cstr(&s->ct), &multipart, &rfc822, &digest,
		    &boundary);
	else if (s->part_of_digest)
		rfc822 = 1;
	if (multipart) {
		if (strlen(boundary) > MIME_MAX_BOUNDARY) {
			free(boundary);
			s->error = "Die MIME-Struktur der Nachricht ist "
			    "fehlerhaft (Begrenzungszeile zu lang).";
			return -1;
		}
		return scan_push(s, boundary, digest);
	}
	if (rfc822) {
		if (scan_push(s, NULL, 0) == -1)
			return -1;
		scan_header_begin(s, 0);
		return 0;
	}
	if (++s->leaves > s->lim->max_parts) {
		s->error = err_parts(s->lim);
		return -1;
	}
	return 0;
}

/*
 * Is the line a delimiter of an open multipart?  As in libetpan, the
 * outermost boundary that matches as a prefix wins.  Returns the level or
 * -1; *close_r is set for a close delimiter.
 */
static int
scan_delimiter(struct scan *s, const struct line *ln, int *close_r)
{
	const char *p = s->data + ln->start;

	if (ln->len < 2 || p[0] != '-' || p[1] != '-')
		return -1;
	for (unsigned k = 0; k < s->nlv; k++) {
		const struct scan_level *l = &s->lv[k];
		size_t i;

		if (l->boundary == NULL || ln->len < 2 + l->blen ||
		    memcmp(p + 2, l->boundary, l->blen) != 0)
			continue;
		i = 2 + l->blen;
		if (ln->len - i >= 2 && p[i] == '-' && p[i + 1] == '-') {
			*close_r = 1;
			return (int)k;
		}
		while (i < ln->len && is_wsp(p[i]))
			i++;
		if (i == ln->len) {
			*close_r = 0;
			return (int)k;
		}
	}
	return -1;
}

static int
scan_on_delimiter(struct scan *s, const struct line *ln, unsigned k, int close)
{
	if (s->in_header && scan_header_end(s) == -1)
		return -1;
	while (s->nlv > k + 1)
		scan_pop(s, ln->start, 1);
	s->lv[k].seen_delim = 1;
	if (close) {
		scan_pop(s, ln->start, 0);
		s->in_header = 0;
	} else {
		scan_header_begin(s, s->lv[k].digest);
	}
	return 0;
}

static int
scan_fail(struct scan *s, const char *fmt, ...) SO_ATTR_PRINTF(2, 3);

static int
scan_fail(struct scan *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mime_errbuf, sizeof(mime_errbuf), fmt, ap);
	va_end(ap);
	s->error = mime_errbuf;
	return -1;
}

/*
 * Checks that hold for every line, whatever libetpan makes of it: they
 * bound libetpan's recursion and allocations even where its reading of the
 * structure differs from ours.
 */
static int
scan_line_limits(struct scan *s, const struct line *ln)
{
	const char *p = s->data + ln->start;
	char human[32];
	size_t namelen;
	int cont = ln->len > 0 && is_wsp(p[0]);

	if (ln->len > s->lim->max_line)
		return scan_fail(s, "Die Nachricht enthält eine zu lange "
		    "Zeile (mehr als %s).",
		    size_human(s->lim->max_line, human));
	if (!cont)
		s->parens = 0;
	for (size_t i = 0; i < ln->len; i++) {
		if (p[i] == ')' && s->parens > 0)
			s->parens--;
		else if (p[i] == '(' && ++s->parens > MIME_MAX_PARENS)
			return scan_fail(s, "Die Nachricht enthält zu tief "
			    "verschachtelte Klammern (mehr als %d Ebenen).",
			    MIME_MAX_PARENS);
	}
	if (ln->len >= 2 && p[0] == '-' && p[1] == '-' &&
	    ++s->dash_lines > s->dash_cap) {
		s->error = err_parts(s->lim);
		return -1;
	}
	if (field_start(p, ln->len, &namelen) != 0) {
		s->in_fields = 1;
		if (namelen == 12 && str_ncasecmp(p, "content-type", 12) == 0 &&
		    ++s->ct_lines > s->ct_cap) {
			s->error = err_parts(s->lim);
			return -1;
		}
	} else if (!cont) {
		s->in_fields = 0;
	}
	if (s->in_fields) {
		s->field_bytes += ln->len;
		if (s->field_bytes > MIME_MAX_HEADER_BYTES)
			return scan_fail(s, "Die Kopfzeilen der Nachricht "
			    "sind zu umfangreich (mehr als %s).",
			    size_human(MIME_MAX_HEADER_BYTES, human));
	}
	return 0;
}

static int
scan_line(struct scan *s, const struct line *ln)
{
	const char *p = s->data + ln->start;
	size_t namelen, v;
	int close, k;

	k = scan_delimiter(s, ln, &close);
	if (k >= 0)
		return scan_on_delimiter(s, ln, (unsigned)k, close);
	if (!s->in_header)
		return 0;
	if (ln->len == 0)
		return scan_header_end(s);
	if (is_wsp(p[0])) {
		if (s->ct_open) {
			(void)buf_putc(&s->ct, ' ');
			(void)buf_append(&s->ct, p, ln->len);
		}
		return 0;
	}
	v = field_start(p, ln->len, &namelen);
	if (v == 0)
		return scan_header_end(s);   /* not a field: the body starts */
	/* max_headers is meant for the top level; parts get the same cap. */
	if (++s->block_headers > s->lim->max_headers)
		return scan_fail(s, "Die Nachricht hat zu viele Kopfzeilen "
		    "(mehr als %u).", s->lim->max_headers);
	s->ct_open = 0;
	if (!s->ct_seen && namelen == 12 &&
	    str_ncasecmp(p, "content-type", 12) == 0) {
		s->ct_seen = s->ct_open = 1;
		(void)buf_append(&s->ct, p + v, ln->len - v);
	}
	return 0;
}

/*
 * Check the limits and follow the MIME structure.  On success *fixed_r is
 * NULL if the data needs no repair, else a repaired copy of *fixed_len_r
 * bytes (caller frees).
 */
static int
mime_prescan(const char *data, size_t len, const struct mime_limits *lim,
    char **fixed_r, size_t *fixed_len_r, const char **error_r)
{
	struct scan s;
	struct line ln;
	size_t pos = 0;
	int r = 0;

	memset(&s, 0, sizeof(s));
	s.data = data;
	s.len = len;
	s.lim = lim;
	/*
	 * Backstops for the case that libetpan reads the structure
	 * differently: every part it builds starts at a "--" line and every
	 * level of its recursion needs a Content-Type line.
	 */
	s.dash_cap = 10 * lim->max_parts + 10;
	s.ct_cap = 4 * lim->max_parts + lim->max_depth + 10;
	s.lv = xcalloc((size_t)lim->max_depth + 1, sizeof(*s.lv));
	buf_init(&s.ct, 0);
	scan_header_begin(&s, 0);

	while (pos < len) {
		line_next(data, len, pos, &ln);
		if (scan_line_limits(&s, &ln) == -1 ||
		    scan_line(&s, &ln) == -1) {
			r = -1;
			break;
		}
		pos = ln.next;
	}
	if (r == 0 && s.in_header) {
		/* libetpan would read a last header line without LF as body. */
		if (len > 0 && data[len - 1] != '\n')
			scan_insert(&s, len, "\r\n");
		r = scan_header_end(&s);
	}
	if (r == 0) {
		while (s.nlv > 0)
			scan_pop(&s, len, 1);
	}
	while (s.nlv > 0)
		scan_pop(&s, len, 0);
	free(s.lv);
	buf_free(&s.ct);

	*fixed_r = NULL;
	*fixed_len_r = 0;
	if (r == -1) {
		if (s.repaired)
			buf_free(&s.fixed);
		*error_r = s.error;
		return -1;
	}
	if (s.repaired) {
		(void)buf_append(&s.fixed, data + s.fixed_from,
		    len - s.fixed_from);
		*fixed_len_r = s.fixed.len;
		*fixed_r = buf_steal(&s.fixed);
	}
	return 0;
}

/* Top-level header fields. */

struct raw_header {
	char *name;
	char *value;            /* unfolded, trimmed, not decoded */
};

/*
 * Read the top-level header block: "Name: value" lines and their
 * continuation lines, up to an empty line or the first line that is not a
 * field (libetpan also starts the body there).  The pre-scan has already
 * enforced max_headers; the bound here only keeps this loop honest.
 * Returns the offset of the body.
 */
static size_t
headers_read(const char *data, size_t len, unsigned max,
    struct raw_header **hdrs_r, size_t *n_r)
{
	struct raw_header *h = NULL;
	size_t n = 0, cap = 0, pos = 0;
	struct buf val;
	struct line ln;

	buf_init(&val, 0);
	while (pos < len && n < max) {
		size_t v, namelen;

		line_next(data, len, pos, &ln);
		if (ln.len == 0) {
			pos = ln.next;
			break;
		}
		v = field_start(data + ln.start, ln.len, &namelen);
		if (v == 0)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			h = xreallocarray(h, cap, sizeof(*h));
		}
		h[n].name = xstrndup(data + ln.start, namelen);
		buf_reset(&val);
		(void)buf_append(&val, data + ln.start + v, ln.len - v);
		pos = ln.next;
		while (pos < len) {
			line_next(data, len, pos, &ln);
			if (ln.len == 0 || !is_wsp(data[ln.start]))
				break;
			/* Unfolding removes the line break only (RFC 5322). */
			(void)buf_append(&val, data + ln.start, ln.len);
			pos = ln.next;
		}
		/* A NUL would cut the string short; it is a control too. */
		for (size_t i = 0; i < val.len; i++)
			if (val.data[i] == '\0')
				val.data[i] = ' ';
		h[n].value = str_trim(xstrdup(buf_cstr(&val)));
		n++;
	}
	buf_free(&val);
	*hdrs_r = h;
	*n_r = n;
	return pos;
}

static const char *
raw_find(const struct raw_header *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (str_casecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

/* bytes in charset -> valid UTF-8 without control characters, trimmed. */
static char *
text_safe(const char *charset, const char *s, size_t len)
{
	char *u = charset_to_utf8(charset, s, len);
	char *r = str_header_safe(u, 0);

	free(u);
	return str_trim(r);
}

static char *
nonempty_or_null(char *s)
{
	if (s != NULL && *s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * The first msg-id of a header value without angle brackets; without any
 * "<", the first word.  "<>" gives "".
 */
static char *
msgid_first(const char *v)
{
	const char *lt = strchr(v, '<'), *gt;

	if (lt != NULL) {
		gt = strchr(lt + 1, '>');
		return str_trim(xstrndup(lt + 1, gt != NULL ?
		    (size_t)(gt - lt - 1) : strlen(lt + 1)));
	}
	while (is_wsp(*v))
		v++;
	return xstrndup(v, strcspn(v, " \t"));
}

static void
mailbox_take(const struct mailimf_mailbox *mb, char **addr_r, char **name_r)
{
	if (mb == NULL || mb->mb_addr_spec == NULL)
		return;
	*addr_r = nonempty_or_null(text_safe(NULL, mb->mb_addr_spec,
	    strlen(mb->mb_addr_spec)));
	if (*addr_r == NULL || name_r == NULL || mb->mb_display_name == NULL)
		return;
	*name_r = nonempty_or_null(str_trim(charset_decode_header(
	    mb->mb_display_name)));
}

/*
 * First mailbox of an address header (groups included).  If mailimf
 * cannot parse the value, or reads "Mustermann, Max <max@x>" (an unquoted
 * comma, common in practice) as a first address without "@", the text in
 * angle brackets and the words before it are used instead.
 */
static void
address_first(const char *raw, char **addr_r, char **name_r)
{
	struct mailimf_address_list *al = NULL;
	size_t idx = 0;
	const char *lt, *gt;
	char *n;
	size_t l;

	*addr_r = NULL;
	if (name_r != NULL)
		*name_r = NULL;
	if (mailimf_address_list_parse(raw, strlen(raw), &idx, &al) ==
	    MAILIMF_NO_ERROR) {
		for (clistiter *c = clist_begin(al->ad_list); c != NULL &&
		    *addr_r == NULL; c = clist_next(c)) {
			struct mailimf_address *a = clist_content(c);
			struct mailimf_mailbox_list *ml;

			if (a->ad_type == MAILIMF_ADDRESS_MAILBOX)
				mailbox_take(a->ad_data.ad_mailbox, addr_r,
				    name_r);
			else if (a->ad_type == MAILIMF_ADDRESS_GROUP &&
			    a->ad_data.ad_group != NULL &&
			    (ml = a->ad_data.ad_group->grp_mb_list) != NULL &&
			    clist_begin(ml->mb_list) != NULL)
				mailbox_take(clist_content(
				    clist_begin(ml->mb_list)), addr_r, name_r);
		}
		mailimf_address_list_free(al);
		if (*addr_r != NULL && strchr(*addr_r, '@') != NULL)
			return;
	}
	if ((lt = strchr(raw, '<')) == NULL || (gt = strchr(lt, '>')) == NULL ||
	    memchr(lt, '@', (size_t)(gt - lt)) == NULL)
		return;         /* keep whatever mailimf found */
	free(*addr_r);
	*addr_r = nonempty_or_null(text_safe(NULL, lt + 1,
	    (size_t)(gt - lt - 1)));
	if (name_r == NULL)
		return;
	free(*name_r);
	n = str_trim(xstrndup(raw, (size_t)(lt - raw)));
	l = strlen(n);
	if (l >= 2 && n[0] == '"' && n[l - 1] == '"') {
		memmove(n, n + 1, l - 2);
		n[l - 2] = '\0';
	}
	*name_r = nonempty_or_null(str_trim(charset_decode_header(n)));
	free(n);
}

static void
headers_fill(struct mail_msg *msg, const struct raw_header *h, size_t n)
{
	const char *v;

	msg->headers = xcalloc(n ? n : 1, sizeof(*msg->headers));
	msg->nheaders = n;
	for (size_t i = 0; i < n; i++) {
		msg->headers[i].name = xstrdup(h[i].name);
		msg->headers[i].value = charset_decode_header(h[i].value);
	}
	if ((v = raw_find(h, n, "From")) != NULL) {
		address_first(v, &msg->from_addr, &msg->from_name);
		if (msg->from_addr != NULL)
			str_lower(msg->from_addr);
	}
	if ((v = raw_find(h, n, "Reply-To")) != NULL)
		address_first(v, &msg->reply_to_addr, NULL);
	if ((v = mime_header(msg, "Subject")) != NULL)
		msg->subject = str_trim(xstrdup(v));
	if ((v = mime_header(msg, "Message-ID")) != NULL)
		msg->message_id = msgid_first(v);
	if ((v = mime_header(msg, "In-Reply-To")) != NULL)
		msg->in_reply_to = msgid_first(v);
	if ((v = raw_find(h, n, "References")) != NULL)
		msg->references = text_safe(NULL, v, strlen(v));
	if ((v = mime_header(msg, "Return-Path")) != NULL)
		msg->return_path = msgid_first(v);
	if ((v = raw_find(h, n, "Date")) != NULL)
		msg->date = text_safe(NULL, v, strlen(v));
}

/* Body text. */

/* CR LF and lone CR become LF, in place. */
static char *
text_lf(char *s)
{
	char *w = s;

	for (const char *r = s; *r != '\0'; r++) {
		if (*r == '\r') {
			*w++ = '\n';
			if (r[1] == '\n')
				r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return s;
}

/*
 * RFC 3676 format=flowed: a line ending in a space continues on the next
 * line of the same quote depth.  Space-stuffing is removed; with DelSp=yes
 * the trailing space itself is removed too.  The signature separator
 * "-- " is never flowed.  s uses LF line ends.
 */
static char *
flowed_join(const char *s, int delsp)
{
	struct buf out;
	const char *p = s;
	int open = 0;
	size_t open_q = 0;

	buf_init(&out, 0);
	(void)buf_puts(&out, "");
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		size_t q = 0, cn;
		const char *c;
		int flowed;

		while (q < n && p[q] == '>')
			q++;
		c = p + q;
		cn = n - q;
		if (cn > 0 && c[0] == ' ') {
			c++;
			cn--;
		}
		flowed = cn > 0 && c[cn - 1] == ' ' &&
		    !(cn == 3 && memcmp(c, "-- ", 3) == 0);
		if (open && q != open_q) {
			(void)buf_putc(&out, '\n');
			open = 0;
		}
		if (!open && q > 0) {
			for (size_t i = 0; i < q; i++)
				(void)buf_putc(&out, '>');
			if (cn > 0)
				(void)buf_putc(&out, ' ');
		}
		if (flowed && delsp)
			cn--;
		(void)buf_append(&out, c, cn);
		open = flowed;
		open_q = q;
		if (!flowed && nl != NULL)
			(void)buf_putc(&out, '\n');
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (open && *s != '\0' && s[strlen(s) - 1] == '\n')
		(void)buf_putc(&out, '\n');
	return buf_steal(&out);
}

/* A Content-Type parameter without surrounding quotes, or NULL. */
static char *
ct_param(struct mailmime_content *ct, const char *name)
{
	char *v, *r;
	size_t l;

	if (ct == NULL || ct->ct_parameters == NULL ||
	    (v = mailmime_content_param_get(ct, (char *)name)) == NULL)
		return NULL;
	l = strlen(v);
	if (l >= 2 && v[0] == '"' && v[l - 1] == '"')
		r = xstrndup(v + 1, l - 2);
	else
		r = xstrdup(v);
	return str_trim(r);
}

static int
ct_param_is(struct mailmime_content *ct, const char *name, const char *want)
{
	char *v = ct_param(ct, name);
	int r = v != NULL && str_casecmp(v, want) == 0;

	free(v);
	return r;
}

static char *
body_text(struct mailmime_content *ct, const char *bytes, size_t len)
{
	char *charset = ct_param(ct, "charset");
	char *t = text_lf(charset_to_utf8(charset, bytes, len));

	free(charset);
	if (ct_param_is(ct, "format", "flowed")) {
		char *f = flowed_join(t, ct_param_is(ct, "delsp", "yes"));

		free(t);
		t = f;
	}
	return t;
}

/* Lower case "type/subtype" of a libetpan content type; printable ASCII. */
static char *
content_type_name(const struct mailmime_content *ct)
{
	const char *type = "application", *sub;
	char *s;

	if (ct == NULL || ct->ct_type == NULL)
		return xstrdup("text/plain");
	if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
	    ct->ct_type->tp_data.tp_discrete_type != NULL) {
		const struct mailmime_discrete_type *d =
		    ct->ct_type->tp_data.tp_discrete_type;
		static const char *const names[] = {
			[MAILMIME_DISCRETE_TYPE_TEXT] = "text",
			[MAILMIME_DISCRETE_TYPE_IMAGE] = "image",
			[MAILMIME_DISCRETE_TYPE_AUDIO] = "audio",
			[MAILMIME_DISCRETE_TYPE_VIDEO] = "video",
			[MAILMIME_DISCRETE_TYPE_APPLICATION] = "application",
		};

		if (d->dt_type == MAILMIME_DISCRETE_TYPE_EXTENSION &&
		    d->dt_extension != NULL)
			type = d->dt_extension;
		else if (d->dt_type > 0 &&
		    (size_t)d->dt_type < SO_NELEM(names) &&
		    names[d->dt_type] != NULL)
			type = names[d->dt_type];
	} else if (ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
	    ct->ct_type->tp_data.tp_composite_type != NULL) {
		type = ct->ct_type->tp_data.tp_composite_type->ct_type ==
		    MAILMIME_COMPOSITE_TYPE_MULTIPART ? "multipart" : "message";
	}
	sub = ct->ct_subtype != NULL ? ct->ct_subtype : "octet-stream";
	s = xasprintf("%s/%s", type, sub);
	for (char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= 32 || (unsigned char)*p >= 127)
			*p = '_';
	str_lower(s);
	return s;
}

/*
 * RFC 2231 value of parameter name ("name*" or the continuations
 * "name*0*", "name*1", ...) as UTF-8, or NULL.
 */
#define RFC2231_MAX_SEGMENTS 64

static char *
rfc2231_value(struct mailmime_parameter **params, size_t n, const char *name)
{
	const struct mailmime_parameter *seg[RFC2231_MAX_SEGMENTS] = { NULL };
	size_t nl = strlen(name), nseg = 0;
	char charset[64] = "";
	struct buf bytes;
	char *r;

	for (size_t i = 0; i < n; i++) {
		const char *pn = params[i]->pa_name, *p;
		unsigned long k = 0;

		if (pn == NULL || params[i]->pa_value == NULL ||
		    str_ncasecmp(pn, name, nl) != 0 || pn[nl] != '*')
			continue;
		p = pn + nl + 1;
		if (*p == '\0') {
			seg[0] = params[i];     /* "name*": a single one */
			continue;
		}
		for (; *p >= '0' && *p <= '9' && k < RFC2231_MAX_SEGMENTS; p++)
			k = k * 10 + (unsigned long)(*p - '0');
		if ((*p == '\0' || (*p == '*' && p[1] == '\0')) &&
		    k < RFC2231_MAX_SEGMENTS)
			seg[k] = params[i];
	}
	while (nseg < RFC2231_MAX_SEGMENTS && seg[nseg] != NULL)
		nseg++;
	if (nseg == 0)
		return NULL;
	buf_init(&bytes, 0);
	for (size_t k = 0; k < nseg; k++) {
		const char *v = seg[k]->pa_value;
		size_t pl = strlen(seg[k]->pa_name);
		int encoded = seg[k]->pa_name[pl - 1] == '*';

		if (encoded && k == 0) {
			const char *q1 = strchr(v, '\''), *q2;

			if (q1 != NULL && (q2 = strchr(q1 + 1, '\'')) != NULL) {
				size_t cl = (size_t)(q1 - v);

				if (cl < sizeof(charset)) {
					memcpy(charset, v, cl);
					charset[cl] = '\0';
				}
				v = q2 + 1;
			}
		}
		for (; *v != '\0'; v++) {
			int hi, lo;

			if (encoded && v[0] == '%' &&
			    (hi = hex_digit(v[1])) >= 0 &&
			    (lo = hex_digit(v[2])) >= 0) {
				(void)buf_putc(&bytes, (char)(hi * 16 + lo));
				v += 2;
			} else {
				(void)buf_putc(&bytes, *v);
			}
		}
	}
	r = text_safe(charset, buf_cstr(&bytes), bytes.len);
	buf_free(&bytes);
	return nonempty_or_null(r);
}

static struct mailmime_disposition *
part_disposition(const struct mailmime *mm)
{
	if (mm->mm_mime_fields == NULL || mm->mm_mime_fields->fld_list == NULL)
		return NULL;
	for (clistiter *c = clist_begin(mm->mm_mime_fields->fld_list);
	    c != NULL; c = clist_next(c)) {
		struct mailmime_field *f = clist_content(c);

		if (f->fld_type == MAILMIME_FIELD_DISPOSITION)
			return f->fld_data.fld_disposition;
	}
	return NULL;
}

/*
 * The file name of a part: from Content-Disposition, else from the
 * Content-Type name parameter; RFC 2231 values win over plain ones.
 */
static char *
part_filename(const struct mailmime *mm, int *attachment_r)
{
	struct mailmime_disposition *d = part_disposition(mm);
	struct mailmime_parameter **pa = NULL;
	const char *plain = NULL;
	size_t n = 0;
	char *r = NULL, *v;

	*attachment_r = d != NULL && d->dsp_type != NULL &&
	    d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
	/* clist_begin() is a macro that does not take NULL. */
	for (clistiter *c = d != NULL && d->dsp_parms != NULL ?
	    clist_begin(d->dsp_parms) : NULL; c != NULL; c = clist_next(c)) {
		struct mailmime_disposition_parm *pp = clist_content(c);

		if (pp->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME) {
			if (plain == NULL)
				plain = pp->pa_data.pa_filename;
		} else if (pp->pa_type == MAILMIME_DISPOSITION_PARM_PARAMETER &&
		    pp->pa_data.pa_parameter != NULL) {
			pa = xreallocarray(pa, n + 1, sizeof(*pa));
			pa[n++] = pp->pa_data.pa_parameter;
		}
	}
	r = rfc2231_value(pa, n, "filename");
	if (r == NULL && plain != NULL)
		r = nonempty_or_null(str_trim(charset_decode_header(plain)));
	n = 0;
	if (r == NULL && mm->mm_content_type != NULL &&
	    mm->mm_content_type->ct_parameters != NULL) {
		clist *l = mm->mm_content_type->ct_parameters;

		for (clistiter *c = clist_begin(l); c != NULL;
		    c = clist_next(c)) {
			pa = xreallocarray(pa, n + 1, sizeof(*pa));
			pa[n++] = clist_content(c);
		}
		r = rfc2231_value(pa, n, "name");
		v = r == NULL ? ct_param(mm->mm_content_type, "name") : NULL;
		if (v != NULL)
			r = nonempty_or_null(str_trim(
			    charset_decode_header(v)));
		free(v);
	}
	free(pa);
	return r;
}

/*
 * Quoted-printable (RFC 2045 6.7).  Our own decoder rather than libetpan's:
 * that one reads past the end of the part on a trailing "=" and turns a
 * malformed escape like "=ZZ" into a NUL byte.  Here a malformed escape
 * stays literal text, as the RFC recommends.
 */
static char *
qp_decode(const char *s, size_t n, size_t *len_r)
{
	char *out = xmalloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '=') {
			out[o++] = s[i];
			continue;
		}
		if (i + 1 < n && s[i + 1] == '\n') {          /* soft break */
			i++;
			continue;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
			continue;
		}
		if (i + 2 < n && (hi = hex_digit(s[i + 1])) >= 0 &&
		    (lo = hex_digit(s[i + 2])) >= 0) {
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
			continue;
		}
		out[o++] = '=';
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}

/*
 * Transfer-decoded bytes of a part, NUL-terminated.  7bit, 8bit, binary
 * and unknown encodings are the identity; base64 goes through libetpan.
 * Broken encodings are decoded as far as possible, never rejected.
 */
static char *
part_bytes(const struct mailmime *mm, size_t *len_r)
{
	const struct mailmime_data *d = mm->mm_body;
	const char *src;
	size_t srclen, idx = 0, rlen = 0;
	char *res = NULL, *out;
	int enc;

	*len_r = 0;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT ||
	    d->dt_data.dt_text.dt_data == NULL)
		return xstrdup("");
	src = d->dt_data.dt_text.dt_data;
	srclen = d->dt_data.dt_text.dt_length;
	enc = d->dt_encoded ? d->dt_encoding : MAILMIME_MECHANISM_BINARY;
	if (enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE)
		return qp_decode(src, srclen, len_r);
	if (enc == MAILMIME_MECHANISM_BASE64 &&
	    mailmime_part_parse(src, srclen, &idx, enc, &res, &rlen) ==
	    MAILIMF_NO_ERROR) {
		out = xmalloc(rlen + 1);
		memcpy(out, res, rlen);
		mmap_string_unref(res);
	} else {
		out = xmalloc(srclen + 1);
		memcpy(out, src, srclen);
		rlen = srclen;
	}
	out[rlen] = '\0';
	*len_r = rlen;
	return out;
}

/* The walk over libetpan's tree. */

struct walk {
	struct mail_msg *msg;
	const struct mime_limits *lim;
	unsigned leaves;
	size_t att_cap;
	const char *error;
};

static void
walk_attach(struct walk *w, char *ctype, char *filename, char *data,
    size_t len)
{
	struct mail_msg *m = w->msg;
	struct mail_attachment *a;

	if (m->nattachments == w->att_cap) {
		w->att_cap = w->att_cap ? w->att_cap * 2 : 4;
		m->attachments = xreallocarray(m->attachments, w->att_cap,
		    sizeof(*m->attachments));
	}
	a = &m->attachments[m->nattachments++];
	a->content_type = ctype;
	a->filename = filename;
	a->data = data;
	a->len = len;
}

static int
walk_leaf(struct walk *w, struct mailmime *mm, int raw_text)
{
	struct mail_msg *m = w->msg;
	char *ctype, *filename, *data;
	int attachment;
	size_t len;

	if (++w->leaves > w->lim->max_parts) {
		w->error = err_parts(w->lim);
		return -1;
	}
	data = part_bytes(mm, &len);
	if (raw_text) {
		/* A multipart without parts: its body is all there is. */
		ctype = xstrdup("text/plain");
		filename = NULL;
		attachment = 0;
	} else {
		ctype = content_type_name(mm->mm_content_type);
		filename = part_filename(mm, &attachment);
	}
	if (!attachment && m->text_plain == NULL &&
	    strcmp(ctype, "text/plain") == 0) {
		m->text_plain = body_text(raw_text ? NULL : mm->mm_content_type,
		    data, len);
	} else if (!attachment && m->text_html == NULL &&
	    strcmp(ctype, "text/html") == 0) {
		m->text_html = body_text(mm->mm_content_type, data, len);
	} else {
		walk_attach(w, ctype, filename, data, len);
		return 0;
	}
	free(ctype);
	free(filename);
	free(data);
	return 0;
}

/*
 * libetpan's tree can only be as deep as the pre-scan allowed, give or take
 * the backstops; the depth check here keeps this recursion bounded anyway.
 */
static int
walk_part(struct walk *w, struct mailmime *mm, unsigned depth)
{
	clist *list;

	if (mm->mm_type != MAILMIME_MULTIPLE)
		return walk_leaf(w, mm, 0);   /* message/rfc822 included */
	if (depth >= w->lim->max_depth) {
		w->error = err_depth(w->lim);
		return -1;
	}
	if (mm->mm_content_type != NULL &&
	    mm->mm_content_type->ct_subtype != NULL &&
	    str_casecmp(mm->mm_content_type->ct_subtype, "report") == 0)
		w->msg->is_report = 1;
	list = mm->mm_data.mm_multipart.mm_mp_list;
	if (list == NULL || clist_begin(list) == NULL)
		return walk_leaf(w, mm, 1);
	for (clistiter *c = clist_begin(list); c != NULL; c = clist_next(c))
		if (walk_part(w, clist_content(c), depth + 1) == -1)
			return -1;
	return 0;
}

/* Public interface. */

int
mime_parse(const char *data, size_t len, const struct mime_limits *limits,
    struct mail_msg **msg_r, const char **error_r)
{
	struct mime_limits def;
	struct mail_msg *msg;
	struct raw_header *raw = NULL;
	struct mailmime *root = NULL;
	struct walk w;
	char *fixed = NULL, human[32];
	size_t nraw = 0, fixed_len = 0, body_off, idx = 0;
	int r;

	*msg_r = NULL;
	if (limits == NULL) {
		mime_limits_default(&def);
		limits = &def;
	}
	if (data == NULL)
		data = "", len = 0;
	if (len > limits->max_size) {
		snprintf(mime_errbuf, sizeof(mime_errbuf),
		    "Die Nachricht ist zu groß (mehr als %s).",
		    size_human(limits->max_size, human));
		*error_r = mime_errbuf;
		return -1;
	}
	if (mime_prescan(data, len, limits, &fixed, &fixed_len, error_r) == -1)
		return -1;

	msg = xcalloc(1, sizeof(*msg));
	body_off = headers_read(data, len, limits->max_headers, &raw, &nraw);
	headers_fill(msg, raw, nraw);
	for (size_t i = 0; i < nraw; i++) {
		free(raw[i].name);
		free(raw[i].value);
	}
	free(raw);

	/*
	 * libetpan gets a private copy with NUL padding: parts of it look a
	 * few bytes past the end they were given.
	 */
	if (fixed == NULL) {
		fixed_len = len;
		fixed = xmalloc(len + MIME_PADDING);
		memcpy(fixed, data, len);
	} else {
		fixed = xrealloc(fixed, fixed_len + MIME_PADDING);
	}
	memset(fixed + fixed_len, 0, MIME_PADDING);

	memset(&w, 0, sizeof(w));
	w.msg = msg;
	w.lim = limits;
	r = mailmime_parse(fixed, fixed_len, &idx, &root);
	if (r == MAILIMF_NO_ERROR && root != NULL &&
	    root->mm_type == MAILMIME_MESSAGE &&
	    root->mm_data.mm_message.mm_msg_mime != NULL) {
		struct mailmime *body = root->mm_data.mm_message.mm_msg_mime;

		msg->content_type = content_type_name(body->mm_content_type);
		if (strcmp(msg->content_type, "multipart/report") == 0)
			msg->is_report = 1;
		r = walk_part(&w, body, 0);
	} else {
		/* No structure libetpan could read: the body is plain text. */
		msg->content_type = xstrdup("text/plain");
		msg->text_plain = body_text(NULL, data + body_off,
		    len - body_off);
		r = 0;
	}
	if (root != NULL)
		mailmime_free(root);
	free(fixed);
	if (r == -1) {
		mime_msg_free(msg);
		*error_r = w.error;
		return -1;
	}
	*msg_r = msg;
	return 0;
}

void
mime_msg_free(struct mail_msg *msg)
{
	if (msg == NULL)
		return;
	for (size_t i = 0; i < msg->nheaders; i++) {
		free(msg->headers[i].name);
		free(msg->headers[i].value);
	}
	free(msg->headers);
	free(msg->from_addr);
	free(msg->from_name);
	free(msg->reply_to_addr);
	free(msg->subject);
	free(msg->message_id);
	free(msg->in_reply_to);
	free(msg->references);
	free(msg->return_path);
	free(msg->date);
	free(msg->content_type);
	free(msg->text_plain);
	free(msg->text_html);
	for (size_t i = 0; i < msg->nattachments; i++) {
		free(msg->attachments[i].content_type);
		free(msg->attachments[i].filename);
		free(msg->attachments[i].data);
	}
	free(msg->attachments);
	free(msg);
}

const char *
mime_header(const struct mail_msg *msg, const char *name)
{
	for (size_t i = 0; i < msg->nheaders; i++)
		if (str_casecmp(msg->headers[i].name, name) == 0)
			return msg->headers[i].value;
	return NULL;
}
