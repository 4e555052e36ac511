/* SPDX-License-Identifier: MIT */
/*
 * json - strict RFC 8259 reader into a tree (see json.h).
 *
 * A recursive descent parser whose recursion is bounded by JSON_MAX_DEPTH and
 * whose tree is bounded by JSON_MAX_VALUES, so that a hostile attachment can
 * cost neither the stack nor unbounded memory.  Numbers are kept as their
 * literal text because the form needs "39.9" as written, not a double.
 * Everything RFC 8259 forbids is an error naming the byte offset: trailing
 * commas, leading zeros, single quotes, control characters in strings,
 * unpaired surrogates, invalid UTF-8, text after the value.  A leading UTF-8
 * byte order mark is skipped (RFC 8259, section 8.1 allows this).
 *
 * It does not write JSON, does not stream, and does not detect duplicate
 * object keys (json_get() returns the first).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

#define JSON_MAX_DEPTH 32
#define JSON_MAX_VALUES 100000

/* Each failure has an English text for logs and a German one for senders. */
struct json_reason {
	const char *en;
	const char *de;
};

static const struct json_reason R_EMPTY = {
	"empty document", "das Dokument ist leer" };
static const struct json_reason R_END = {
	"unexpected end of document", "das Dokument endet unerwartet" };
static const struct json_reason R_CHAR = {
	"unexpected character", "unerwartetes Zeichen" };
static const struct json_reason R_TRAILING = {
	"characters after the end of the document",
	"Zeichen nach dem Ende des Dokuments" };
static const struct json_reason R_DEPTH = {
	"nested deeper than 32 levels", "mehr als 32 Ebenen verschachtelt" };
static const struct json_reason R_VALUES = {
	"more than 100000 values", "mehr als 100000 Werte" };
static const struct json_reason R_NUMBER = {
	"invalid number", "ung\xc3\xbcltige Zahl" };
static const struct json_reason R_CONTROL = {
	"control character in string",
	"Steuerzeichen in einer Zeichenkette" };
static const struct json_reason R_ESCAPE = {
	"invalid escape sequence", "ung\xc3\xbcltige Escape-Sequenz" };
static const struct json_reason R_SURROGATE = {
	"unpaired UTF-16 surrogate in \\u escape",
	"ungepaartes UTF-16-Surrogat in einer \\u-Sequenz" };
static const struct json_reason R_NUL = {
	"NUL character in string", "NUL-Zeichen in einer Zeichenkette" };
static const struct json_reason R_UTF8 = {
	"invalid UTF-8", "ung\xc3\xbcltiges UTF-8" };
static const struct json_reason R_COLON = {
	"expected ':' after object key",
	"':' nach dem Schl\xc3\xbcssel erwartet" };
static const struct json_reason R_KEY = {
	"expected string as object key",
	"Schl\xc3\xbcssel in Anf\xc3\xbchrungszeichen erwartet" };
static const struct json_reason R_OBJ_SEP = {
	"expected ',' or '}' in object", "',' oder '}' erwartet" };
static const struct json_reason R_ARR_SEP = {
	"expected ',' or ']' in array", "',' oder ']' erwartet" };
static const struct json_reason R_VALUE = {
	"expected a value", "Wert erwartet" };

struct json_parser {
	const unsigned char *start, *p, *end;
	size_t nvalues;
	const struct json_reason *reason;
	size_t err_off;
};

static int
fail(struct json_parser *ps, const struct json_reason *r)
{
	if (ps->reason == NULL) {
		ps->reason = r;
		ps->err_off = (size_t)(ps->p - ps->start);
	}
	return -1;
}

static void
skip_ws(struct json_parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	    *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* parse_value() has checked the value count. */
static struct json *
node_new(struct json_parser *ps, enum json_type type)
{
	struct json *j;

	ps->nvalues++;
	j = xcalloc(1, sizeof(*j));
	j->type = type;
	return j;
}

void
json_free(struct json *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->n; i++) {
		json_free(j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->str);
	free(j);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is invalid. */
static size_t
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	size_t n;
	uint32_t cp;

	if (*p < 0x80)
		return 1;
	if ((*p & 0xe0) == 0xc0) {
		n = 2;
		cp = *p & 0x1f;
	} else if ((*p & 0xf0) == 0xe0) {
		n = 3;
		cp = *p & 0x0f;
	} else if ((*p & 0xf8) == 0xf0) {
		n = 4;
		cp = *p & 0x07;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void
put_utf8(struct buf *b, uint32_t cp)
{
	char out[4];
	size_t n;

	if (cp < 0x80) {
		out[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, out, n);
}

/* Four hex digits after "\u" at ps->p; advances past them. */
static int
parse_hex4(struct json_parser *ps, uint32_t *v_r)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned char c;

		if (ps->p >= ps->end)
			return fail(ps, &R_END);
		c = *ps->p;
		if (c >= '0' && c <= '9')
			v = v * 16 + (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (uint32_t)(c - 'A' + 10);
		else
			return fail(ps, &R_ESCAPE);
		ps->p++;
	}
	*v_r = v;
	return 0;
}

/* "\u" escape; ps->p is at the 'u'. */
static int
parse_u_escape(struct json_parser *ps, struct buf *b)
{
	const unsigned char *esc = ps->p - 1;
	uint32_t hi, lo;

	ps->p++;
	if (parse_hex4(ps, &hi) == -1)
		return -1;
	if (hi >= 0xdc00 && hi <= 0xdfff) {
		ps->p = esc;
		return fail(ps, &R_SURROGATE);
	}
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' ||
		    ps->p[1] != 'u') {
			ps->p = esc;
			return fail(ps, &R_SURROGATE);
		}
		ps->p += 2;
		if (parse_hex4(ps, &lo) == -1)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff) {
			ps->p = esc;
			return fail(ps, &R_SURROGATE);
		}
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (hi == 0) {
		ps->p = esc;
		return fail(ps, &R_NUL);
	}
	put_utf8(b, hi);
	return 0;
}

/* String at ps->p (the opening quote); *out_r is the decoded text. */
static int
parse_string(struct json_parser *ps, char **out_r)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append(&b, "", 0);
	ps->p++;
	for (;;) {
		unsigned char c;

		if (ps->p >= ps->end) {
			fail(ps, &R_END);
			goto err;
		}
		c = *ps->p;
		if (c == '"') {
			ps->p++;
			break;
		}
		if (c == '\0') {
			fail(ps, &R_NUL);
			goto err;
		}
		if (c < 0x20) {
			fail(ps, &R_CONTROL);
			goto err;
		}
		if (c == '\\') {
			static const char from[] = "\"\\/bfnrt";
			static const char to[] = "\"\\/\b\f\n\r\t";
			const char *e;

			ps->p++;
			if (ps->p >= ps->end) {
				fail(ps, &R_END);
				goto err;
			}
			if (*ps->p == 'u') {
				if (parse_u_escape(ps, &b) == -1)
					goto err;
				continue;
			}
			if (*ps->p == '\0' ||
			    (e = strchr(from, *ps->p)) == NULL) {
				ps->p--;
				fail(ps, &R_ESCAPE);
				goto err;
			}
			buf_putc(&b, to[e - from]);
			ps->p++;
			continue;
		}
		if (c >= 0x80) {
			size_t n = utf8_seq(ps->p, ps->end);

			if (n == 0) {
				fail(ps, &R_UTF8);
				goto err;
			}
			buf_append(&b, ps->p, n);
			ps->p += n;
			continue;
		}
		buf_putc(&b, (char)c);
		ps->p++;
	}
	*out_r = buf_steal(&b);
	return 0;
err:
	buf_free(&b);
	return -1;
}

static int
is_digit(const unsigned char *p, const unsigned char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT ) */
static int
parse_number(struct json_parser *ps, char **out_r)
{
	const unsigned char *s = ps->p;

	if (*ps->p == '-')
		ps->p++;
	if (!is_digit(ps->p, ps->end))
		return fail(ps, &R_NUMBER);
	if (*ps->p == '0') {
		ps->p++;
		if (is_digit(ps->p, ps->end))
			return fail(ps, &R_NUMBER);
	} else
		while (is_digit(ps->p, ps->end))
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!is_digit(ps->p, ps->end))
			return fail(ps, &R_NUMBER);
		while (is_digit(ps->p, ps->end))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps->p, ps->end))
			return fail(ps, &R_NUMBER);
		while (is_digit(ps->p, ps->end))
			ps->p++;
	}
	*out_r = xstrndup((const char *)s, (size_t)(ps->p - s));
	return 0;
}

static int
parse_literal(struct json_parser *ps, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i < n; i++, ps->p++) {
		if (ps->p >= ps->end)
			return fail(ps, &R_END);
		if (*ps->p != (unsigned char)word[i])
			return fail(ps, &R_CHAR);
	}
	return 0;
}

static struct json *parse_value(struct json_parser *ps, unsigned depth);

static void
add_item(struct json *parent, char *key, struct json *item, size_t *cap)
{
	if (parent->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		parent->items = xreallocarray(parent->items, *cap,
		    sizeof(*parent->items));
		if (parent->type == JSON_OBJECT)
			parent->keys = xreallocarray(parent->keys, *cap,
			    sizeof(*parent->keys));
	}
	if (parent->type == JSON_OBJECT)
		parent->keys[parent->n] = key;
	parent->items[parent->n++] = item;
}

/* Object or array at ps->p (the opening bracket). */
static struct json *
parse_container(struct json_parser *ps, unsigned depth)
{
	int is_obj = *ps->p == '{';
	char close = is_obj ? '}' : ']';
	struct json *j;
	size_t cap = 0;

	if (depth >= JSON_MAX_DEPTH) {
		fail(ps, &R_DEPTH);
		return NULL;
	}
	j = node_new(ps, is_obj ? JSON_OBJECT : JSON_ARRAY);
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return j;
	}
	for (;;) {
		char *key = NULL;
		struct json *item;

		if (is_obj) {
			skip_ws(ps);
			if (ps->p >= ps->end) {
				fail(ps, &R_END);
				goto err;
			}
			if (*ps->p != '"') {
				fail(ps, &R_KEY);
				goto err;
			}
			if (parse_string(ps, &key) == -1)
				goto err;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				fail(ps, ps->p >= ps->end ? &R_END : &R_COLON);
				goto err;
			}
			ps->p++;
		}
		if ((item = parse_value(ps, depth + 1)) == NULL) {
			free(key);
			goto err;
		}
		add_item(j, key, item, &cap);
		skip_ws(ps);
		if (ps->p >= ps->end) {
			fail(ps, &R_END);
			goto err;
		}
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			return j;
		}
		fail(ps, is_obj ? &R_OBJ_SEP : &R_ARR_SEP);
		goto err;
	}
err:
	json_free(j);
	return NULL;
}

static struct json *
parse_value(struct json_parser *ps, unsigned depth)
{
	struct json *j;
	char *s;

	skip_ws(ps);
	if (ps->p >= ps->end) {
		fail(ps, &R_END);
		return NULL;
	}
	if (ps->nvalues >= JSON_MAX_VALUES) {
		fail(ps, &R_VALUES);
		return NULL;
	}
	switch (*ps->p) {
	case '{':
	case '[':
		return parse_container(ps, depth);
	case '"':
		if (parse_string(ps, &s) == -1)
			return NULL;
		j = node_new(ps, JSON_STRING);
		j->str = s;
		return j;
	case 't':
	case 'f':
	case 'n': {
		const char *word = *ps->p == 't' ? "true" :
		    *ps->p == 'f' ? "false" : "null";

		if (parse_literal(ps, word) == -1)
			return NULL;
		j = node_new(ps, word[0] == 'n' ? JSON_NULL : JSON_BOOL);
		j->boolean = word[0] == 't';
		return j;
	}
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) {
			if (parse_number(ps, &s) == -1)
				return NULL;
			j = node_new(ps, JSON_NUMBER);
			j->str = s;
			return j;
		}
		fail(ps, &R_VALUE);
		return NULL;
	}
}

int
json_parse_ex(const char *data, size_t len, struct json **root_r,
    const char **error_r, size_t *offset_r, const char **reason_de_r)
{
	static char err[128];
	struct json_parser ps;
	struct json *root = NULL;

	memset(&ps, 0, sizeof(ps));
	ps.start = ps.p = (const unsigned char *)(data ? data : "");
	ps.end = ps.start + (data ? len : 0);
	if (ps.end - ps.p >= 3 && memcmp(ps.p, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3;
	skip_ws(&ps);
	if (ps.p >= ps.end)
		fail(&ps, &R_EMPTY);
	else if ((root = parse_value(&ps, 0)) != NULL) {
		skip_ws(&ps);
		if (ps.p < ps.end) {
			fail(&ps, &R_TRAILING);
			json_free(root);
			root = NULL;
		}
	}
	if (root == NULL) {
		snprintf(err, sizeof(err), "%s at offset %zu", ps.reason->en,
		    ps.err_off);
		*error_r = err;
		if (offset_r)
			*offset_r = ps.err_off;
		if (reason_de_r)
			*reason_de_r = ps.reason->de;
		return -1;
	}
	*root_r = root;
	return 0;
}

int
json_parse(const char *data, size_t len, struct json **root_r,
    const char **error_r)
{
	return json_parse_ex(data, len, root_r, error_r, NULL, NULL);
}

const struct json *
json_get(const struct json *obj, const char *key)
{
	if (obj == NULL || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
	return NULL;
}
