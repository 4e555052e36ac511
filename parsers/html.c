/* SPDX-License-Identifier: MIT */
/*
 * html - read table rows and plain text out of the HTML part of a form mail
 * (see html.h).
 *
 * One tolerant tokenizer feeds two consumers: the row collector and the text
 * writer.  The tokenizer knows tags (name and whether it is an end tag;
 * attributes are skipped, quoted values may contain '>'), comments,
 * declarations and character references; the content of <script>, <style>
 * and <title> is dropped.  Anything it does not understand is text, so broken
 * markup loses at worst some text, never the rest of the document.
 *
 * Tables are read flat: a <tr> starts a new row, even inside a cell of an
 * outer table, so the rows of nested layout tables (Gravity Forms) come out
 * one after another.  A row gets at most HTML_MAX_CELLS cells of at most
 * HTML_MAX_CELL bytes each (longer text is cut on a character boundary).
 *
 * It is not a conforming HTML5 parser: no implied end tags beyond the above,
 * no DOM, no CSS (hidden elements are read like visible ones).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "util.h"

#define HTML_MAX_CELLS 64
#define HTML_MAX_CELL 4096
#define HTML_MAX_NAME 16

struct html_sink {
	void (*text)(void *ctx, const char *s, size_t n);
	/* Returns 1 to stop reading the document. */
	int (*tag)(void *ctx, const char *name, int end);
	void *ctx;
};

static const struct {
	const char *name;
	uint32_t cp;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "euro", 0x20ac },
	{ "auml", 0xe4 }, { "ouml", 0xf6 }, { "uuml", 0xfc },
	{ "Auml", 0xc4 }, { "Ouml", 0xd6 }, { "Uuml", 0xdc },
	{ "szlig", 0xdf }, { "euml", 0xeb }, { "iuml", 0xef },
	{ "Euml", 0xcb }, { "Iuml", 0xcf }, { "yuml", 0xff },
	{ "aacute", 0xe1 }, { "agrave", 0xe0 }, { "acirc", 0xe2 },
	{ "eacute", 0xe9 }, { "egrave", 0xe8 }, { "ecirc", 0xea },
	{ "iacute", 0xed }, { "oacute", 0xf3 }, { "ocirc", 0xf4 },
	{ "uacute", 0xfa }, { "ccedil", 0xe7 }, { "ntilde", 0xf1 },
	{ "Eacute", 0xc9 }, { "Ccedil", 0xc7 }, { "oslash", 0xf8 },
	{ "aring", 0xe5 }, { "Aring", 0xc5 }, { "aelig", 0xe6 },
	{ "copy", 0xa9 }, { "reg", 0xae }, { "trade", 0x2122 },
	{ "sect", 0xa7 }, { "para", 0xb6 }, { "deg", 0xb0 },
	{ "micro", 0xb5 }, { "middot", 0xb7 }, { "times", 0xd7 },
	{ "divide", 0xf7 }, { "plusmn", 0xb1 }, { "sup1", 0xb9 },
	{ "sup2", 0xb2 }, { "sup3", 0xb3 }, { "frac12", 0xbd },
	{ "frac14", 0xbc }, { "frac34", 0xbe }, { "cent", 0xa2 },
	{ "pound", 0xa3 }, { "yen", 0xa5 }, { "laquo", 0xab },
	{ "raquo", 0xbb }, { "lsaquo", 0x2039 }, { "rsaquo", 0x203a },
	{ "bdquo", 0x201e }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "sbquo", 0x201a }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "ndash", 0x2013 }, { "mdash", 0x2014 }, { "hellip", 0x2026 },
	{ "bull", 0x2022 }, { "shy", 0xad }, { "ensp", 0x2002 },
	{ "emsp", 0x2003 }, { "thinsp", 0x2009 }, { "zwnj", 0x200c },
	{ "zwj", 0x200d }, { "iexcl", 0xa1 }, { "iquest", 0xbf },
	{ "ordf", 0xaa }, { "ordm", 0xba }, { "not", 0xac },
	{ "macr", 0xaf }, { "acute", 0xb4 }, { "cedil", 0xb8 },
	{ "dagger", 0x2020 }, { "Dagger", 0x2021 }, { "permil", 0x2030 },
	{ "larr", 0x2190 }, { "rarr", 0x2192 }, { "uarr", 0x2191 },
	{ "darr", 0x2193 }, { "minus", 0x2212 },
};

/* HTML5: numeric references to 0x80..0x9F mean windows-1252 characters. */
static const uint16_t cp1252_c1[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

static size_t
utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static uint32_t
numeric_cp(uint32_t v)
{
	if (v >= 0x80 && v <= 0x9f)
		return cp1252_c1[v - 0x80];
	if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ||
	    (v < 0x20 && v != '\t' && v != '\n' && v != '\r') || v == 0x7f)
		return 0xfffd;
	return v;
}

/*
 * Character reference at p ('&').  Returns the bytes consumed and fills out
 * with the UTF-8 of the character, or returns 0 when p is no reference (the
 * '&' is then plain text).
 */
static size_t
entity_decode(const char *p, char out[4], size_t *outlen_r)
{
	const char *q = p + 1;

	if (*q == '#') {
		uint32_t v = 0;
		int hex = 0, digits = 0;

		q++;
		if (*q == 'x' || *q == 'X') {
			hex = 1;
			q++;
		}
		for (;; q++) {
			int d;

			if (*q >= '0' && *q <= '9')
				d = *q - '0';
			else if (hex && *q >= 'a' && *q <= 'f')
				d = *q - 'a' + 10;
			else if (hex && *q >= 'A' && *q <= 'F')
				d = *q - 'A' + 10;
			else
				break;
			digits++;
			/* Saturate, not overflow: it is invalid anyway. */
			if (v <= 0x10ffff)
				v = v * (hex ? 16 : 10) + (uint32_t)d;
		}
		if (digits == 0)
			return 0;
		if (*q == ';')
			q++;
		*outlen_r = utf8_encode(numeric_cp(v), out);
		return (size_t)(q - p);
	}
	for (size_t n = 0; is_alnum((unsigned char)q[n]); n++) {
		if (n > 10)
			return 0;
		if (q[n + 1] != ';')
			continue;
		for (size_t i = 0; i < SO_NELEM(entities); i++) {
			if (strlen(entities[i].name) == n + 1 &&
			    memcmp(entities[i].name, q, n + 1) == 0) {
				*outlen_r = utf8_encode(entities[i].cp, out);
				return n + 3;
			}
		}
		return 0;
	}
	return 0;
}

/* Case-insensitive search for "</name" in s. */
static const char *
find_end_tag(const char *s, const char *name)
{
	size_t n = strlen(name);

	for (; (s = strchr(s, '<')) != NULL; s++)
		if (s[1] == '/' && str_ncasecmp(s + 2, name, n) == 0 &&
		    !is_alnum((unsigned char)s[2 + n]))
			return s;
	return NULL;
}

static void
html_scan(const char *html, const struct html_sink *sink)
{
	const char *p = html;

	while (*p) {
		if (*p == '&') {
			char out[4];
			size_t outlen, n = entity_decode(p, out, &outlen);

			if (n > 0) {
				sink->text(sink->ctx, out, outlen);
				p += n;
			} else
				sink->text(sink->ctx, p++, 1);
			continue;
		}
		if (*p != '<') {
			size_t n = strcspn(p, "<&");

			sink->text(sink->ctx, p, n);
			p += n;
			continue;
		}
		if (strncmp(p, "<!--", 4) == 0) {
			const char *e = strstr(p + 4, "-->");

			p = e ? e + 3 : p + strlen(p);
			continue;
		}
		if (p[1] == '!' || p[1] == '?') {
			const char *e = strchr(p, '>');

			p = e ? e + 1 : p + strlen(p);
			continue;
		}
		{
			int end = p[1] == '/';
			const char *q = p + 1 + end;
			char name[HTML_MAX_NAME + 1];
			size_t n = 0;
			char quote = 0;

			if (!is_alpha((unsigned char)*q)) {
				sink->text(sink->ctx, p++, 1);
				continue;
			}
			for (; is_alnum((unsigned char)*q); q++)
				if (n < HTML_MAX_NAME)
					name[n++] = (char)(*q | 0x20);
			name[n] = '\0';
			/* Attributes are skipped; a quoted '>' ends nothing. */
			for (; *q && (quote || *q != '>'); q++) {
				if (quote && *q == quote)
					quote = 0;
				else if (!quote && (*q == '"' || *q == '\''))
					quote = *q;
			}
			if (*q == '\0')
				return;
			p = q + 1;
			if (sink->tag(sink->ctx, name, end))
				return;
			if (!end && (strcmp(name, "script") == 0 ||
			    strcmp(name, "style") == 0 ||
			    strcmp(name, "title") == 0)) {
				const char *e = find_end_tag(p, name);

				if (e == NULL)
					return;
				p = e;
			}
		}
	}
}

static int
name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

static const char *const block_tags[] = {
	"address", "article", "aside", "blockquote", "caption", "center",
	"dd", "div", "dl", "dt", "fieldset", "figure", "footer", "form",
	"h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
	"nav", "ol", "p", "pre", "section", "table", "tbody", "tfoot",
	"thead", "tr", "ul", NULL
};

/* Drop an incomplete UTF-8 sequence at the end of b (after a cut). */
static void
utf8_fix_tail(struct buf *b)
{
	size_t i = b->len, need;

	while (i > 0 && ((unsigned char)b->data[i - 1] & 0xc0) == 0x80 &&
	    b->len - i < 3)
		i--;
	if (i == 0 || ((unsigned char)b->data[i - 1] & 0x80) == 0)
		return;
	i--;
	need = ((unsigned char)b->data[i] & 0xe0) == 0xc0 ? 2 :
	    ((unsigned char)b->data[i] & 0xf0) == 0xe0 ? 3 : 4;
	if (b->len - i < need) {
		b->len = i;
		b->data[i] = '\0';
	}
}

/*
 * Trim ASCII white space and U+00A0 (from &nbsp;) at both ends: a cell that
 * holds only "&nbsp;" is empty.
 */
static char *
cell_trim(char *s)
{
	size_t len, start = 0;

	for (;;) {
		if (is_ws((unsigned char)s[start]))
			start++;
		else if ((unsigned char)s[start] == 0xc2 &&
		    (unsigned char)s[start + 1] == 0xa0)
			start += 2;
		else
			break;
	}
	len = strlen(s + start);
	for (;;) {
		if (len > 0 && is_ws((unsigned char)s[start + len - 1]))
			len--;
		else if (len > 1 && (unsigned char)s[start + len - 2] == 0xc2 &&
		    (unsigned char)s[start + len - 1] == 0xa0)
			len -= 2;
		else
			break;
	}
	memmove(s, s + start, len);
	s[len] = '\0';
	return s;
}

/* ---- rows ---- */

struct rows_ctx {
	struct html_row *rows;
	size_t nrows, cap, max;
	int in_row, in_cell;
	struct buf cell;
	int space;              /* white space seen since the last text */
};

static void
rows_text(void *vctx, const char *s, size_t n)
{
	struct rows_ctx *c = vctx;

	if (!c->in_cell)
		return;
	for (size_t i = 0; i < n; i++) {
		if (is_ws((unsigned char)s[i])) {
			c->space = 1;
			continue;
		}
		if (c->space && c->cell.len > 0)
			buf_putc(&c->cell, ' ');
		c->space = 0;
		/* Over the cap: the rest of the cell is dropped. */
		buf_putc(&c->cell, s[i]);
	}
}

static void
rows_close_cell(struct rows_ctx *c)
{
	struct html_row *row;

	if (!c->in_cell)
		return;
	c->in_cell = 0;
	row = &c->rows[c->nrows - 1];
	if (row->ncells < HTML_MAX_CELLS) {
		utf8_fix_tail(&c->cell);
		row->cell = xreallocarray(row->cell, row->ncells + 1,
		    sizeof(*row->cell));
		row->cell[row->ncells++] =
		    cell_trim(xstrdup(buf_cstr(&c->cell)));
	}
	buf_reset(&c->cell);
}

static void
rows_close_row(struct rows_ctx *c)
{
	rows_close_cell(c);
	if (!c->in_row)
		return;
	c->in_row = 0;
	/* A <tr> without cells is not a row. */
	if (c->rows[c->nrows - 1].ncells == 0)
		c->nrows--;
}

/* 0 if no more rows may be started. */
static int
rows_open_row(struct rows_ctx *c)
{
	rows_close_row(c);
	if (c->nrows >= c->max)
		return 0;
	if (c->nrows == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->rows = xreallocarray(c->rows, c->cap, sizeof(*c->rows));
	}
	c->rows[c->nrows].cell = NULL;
	c->rows[c->nrows].ncells = 0;
	c->nrows++;
	c->in_row = 1;
	return 1;
}

static int
rows_tag(void *vctx, const char *name, int end)
{
	struct rows_ctx *c = vctx;

	if (strcmp(name, "tr") == 0) {
		if (end)
			rows_close_row(c);
		else if (!rows_open_row(c))
			return 1;
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		if (end) {
			rows_close_cell(c);
			return 0;
		}
		/* A cell outside any <tr> opens a row of its own. */
		if (!c->in_row && !rows_open_row(c))
			return 1;
		rows_close_cell(c);
		c->in_cell = 1;
		c->space = 0;
	} else if (strcmp(name, "table") == 0) {
		rows_close_row(c);
	} else if (strcmp(name, "br") == 0 || name_in(name, block_tags)) {
		c->space = 1;
	}
	return 0;
}

size_t
html_table_rows(const char *html, size_t max_rows, struct html_row **rows_r)
{
	struct rows_ctx c;
	struct html_sink sink = { rows_text, rows_tag, &c };

	memset(&c, 0, sizeof(c));
	c.max = max_rows;
	buf_init(&c.cell, HTML_MAX_CELL);
	if (html != NULL)
		html_scan(html, &sink);
	rows_close_row(&c);
	buf_free(&c.cell);
	*rows_r = c.rows;
	return c.nrows;
}

void
html_rows_free(struct html_row *rows, size_t n)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < rows[i].ncells; k++)
			free(rows[i].cell[k]);
		free(rows[i].cell);
	}
	free(rows);
}

/* ---- plain text ---- */

struct text_ctx {
	struct buf out;
	int pre;                /* inside <pre>: white space is kept */
	int pre_start;          /* just after <pre>: a newline is dropped */
	int newlines;           /* line breaks owed before the next text */
	char sep;               /* ' ' or '\t' owed before the next text */
};

static void
text_flush(struct text_ctx *c)
{
	if (c->out.len > 0) {
		for (int i = 0; i < c->newlines; i++)
			buf_putc(&c->out, '\n');
		if (c->newlines == 0 && c->sep)
			buf_putc(&c->out, c->sep);
	}
	c->newlines = 0;
	c->sep = 0;
}

static void
text_text(void *vctx, const char *s, size_t n)
{
	struct text_ctx *c = vctx;

	for (size_t i = 0; i < n; i++) {
		if (c->pre) {
			if (s[i] == '\r')
				continue;
			if (c->pre_start) {
				c->pre_start = 0;
				if (s[i] == '\n')
					continue;
			}
			text_flush(c);
			buf_putc(&c->out, s[i]);
			continue;
		}
		if (is_ws((unsigned char)s[i])) {
			if (c->sep != '\t')
				c->sep = ' ';
			continue;
		}
		text_flush(c);
		buf_putc(&c->out, s[i]);
	}
}

static void
text_break(struct text_ctx *c, int n)
{
	if (c->newlines < n)
		c->newlines = n;
}

static int
text_tag(void *vctx, const char *name, int end)
{
	static const char *const para[] = {
		"blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ol", "p",
		"pre", "table", "ul", NULL
	};
	struct text_ctx *c = vctx;

	if (strcmp(name, "br") == 0) {
		/* Two <br> in a row make an empty line. */
		if (c->newlines < 2)
			c->newlines++;
		c->sep = 0;
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		if (!end)
			c->sep = '\t';
	} else if (name_in(name, para)) {
		text_break(c, 2);
	} else if (name_in(name, block_tags)) {
		text_break(c, 1);
	}
	if (strcmp(name, "pre") == 0) {
		if (end && c->pre > 0)
			c->pre--;
		else if (!end && c->pre < 1000)
			c->pre++;
		c->pre_start = !end;
	}
	return 0;
}

char *
html_to_text(const char *html)
{
	struct text_ctx c;
	struct html_sink sink = { text_text, text_tag, &c };

	memset(&c, 0, sizeof(c));
	buf_init(&c.out, 0);
	if (html != NULL)
		html_scan(html, &sink);
	/* Text inside <pre> may begin and end in line breaks of its own. */
	while (c.out.len > 0 && is_ws((unsigned char)c.out.data[c.out.len - 1]))
		c.out.data[--c.out.len] = '\0';
	if (c.out.len > 0) {
		size_t lead = strspn(c.out.data, "\r\n");

		memmove(c.out.data, c.out.data + lead, c.out.len - lead + 1);
		c.out.len -= lead;
	}
	return buf_steal(&c.out);
}
