/* SPDX-License-Identifier: MIT */
/*
 * mimescan - the pre-scan of a raw message before libetpan runs (see
 * mimescan.h).
 *
 * The pre-scan follows boundaries the way libetpan does (the outermost
 * matching boundary wins); where it might still disagree with libetpan,
 * global caps on Content-Type and "--" lines bound what libetpan can
 * build, and mime checks the tree again after parsing.
 *
 * It does not decode header values, transfer encodings or charsets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mimescan.h"
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

static char mimescan_errbuf[256];

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

const char *
mimescan_error_parts(const struct mime_limits *lim)
{
	snprintf(mimescan_errbuf, sizeof(mimescan_errbuf),
	    "Die Nachricht hat zu viele MIME-Teile (mehr als %u).",
	    lim->max_parts);
	return mimescan_errbuf;
}

const char *
mimescan_error_depth(const struct mime_limits *lim)
{
	snprintf(mimescan_errbuf, sizeof(mimescan_errbuf),
	    "Die MIME-Struktur ist zu tief verschachtelt (mehr als %u Ebenen).",
	    lim->max_depth);
	return mimescan_errbuf;
}

/* The line reader, shared with mimehdr. */

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

size_t
mimescan_field_start(const char *p, size_t n, size_t *namelen_r)
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

void
mimescan_line_next(const char *data, size_t len, size_t pos,
    struct mimescan_line *l)
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
		s->error = mimescan_error_depth(s->lim);
		return -1;
	}
	if (++s->containers > s->lim->max_parts) {
		free(boundary);
		s->error = mimescan_error_parts(s->lim);
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
		s->error = mimescan_error_parts(s->lim);
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
scan_delimiter(struct scan *s, const struct mimescan_line *ln, int *close_r)
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
scan_on_delimiter(struct scan *s, const struct mimescan_line *ln, unsigned k,
    int close)
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
	vsnprintf(mimescan_errbuf, sizeof(mimescan_errbuf), fmt, ap);
	va_end(ap);
	s->error = mimescan_errbuf;
	return -1;
}

/*
 * Checks that hold for every line, whatever libetpan makes of it: they
 * bound libetpan's recursion and allocations even where its reading of the
 * structure differs from ours.
 */
static int
scan_line_limits(struct scan *s, const struct mimescan_line *ln)
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
		s->error = mimescan_error_parts(s->lim);
		return -1;
	}
	if (mimescan_field_start(p, ln->len, &namelen) != 0) {
		s->in_fields = 1;
		if (namelen == 12 && str_ncasecmp(p, "content-type", 12) == 0 &&
		    ++s->ct_lines > s->ct_cap) {
			s->error = mimescan_error_parts(s->lim);
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
scan_line(struct scan *s, const struct mimescan_line *ln)
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
	v = mimescan_field_start(p, ln->len, &namelen);
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

int
mimescan_check(const char *data, size_t len, const struct mime_limits *lim,
    char **fixed_r, size_t *fixed_len_r, const char **error_r)
{
	struct scan s;
	struct mimescan_line ln;
	char human[32];
	size_t pos = 0;
	int r = 0;

	*fixed_r = NULL;
	*fixed_len_r = 0;
	if (len > lim->max_size) {
		snprintf(mimescan_errbuf, sizeof(mimescan_errbuf),
		    "Die Nachricht ist zu groß (mehr als %s).",
		    size_human(lim->max_size, human));
		*error_r = mimescan_errbuf;
		return -1;
	}

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
		mimescan_line_next(data, len, pos, &ln);
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
