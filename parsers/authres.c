/* SPDX-License-Identifier: MIT */
/*
 * authres - check the Authentication-Results fields (RFC 8601) written by
 * our own mail server (see authres.h).
 *
 * The rule "exactly one field with our authserv-id" is what makes the
 * check safe against forgery: RFC 8601 section 5 asks the receiving server
 * to remove fields that claim its id, but not every setup does.  If a
 * sender put in a field with our id and a "dkim=pass", the mail has two
 * fields claiming us and is refused, whatever our own field says.
 *
 * The value is read as a sequence of tokens: words, quoted strings and the
 * separators ';', '=' and '/', with white space and (nested) comments
 * dropped.  Only the "method [/version] = result" at the start of each
 * resinfo is looked at; reasons and properties are skipped to the next
 * ';', so nothing written inside them can pose as a result.  Unknown or
 * malformed parts are skipped the same way, never guessed at.
 *
 * It does not check which domain signed (header.d) or whether that is the
 * From domain; DMARC does that, a bare dkim=pass does not.
 */
#include <stdio.h>
#include <string.h>

#include "authres.h"
#include "util.h"

#define AUTHSERV_ID_MAX 255     /* a host name; longer is never ours */

enum tok_kind {
	TOK_END,
	TOK_WORD,
	TOK_QSTRING,            /* s, len: the text between the quotes, raw */
	TOK_SEMI,
	TOK_EQ,
	TOK_SLASH,
};

struct tok {
	enum tok_kind kind;
	const char *s;
	size_t len;
};

struct lexer {
	const char *p, *end;
};

static char whybuf[200];

static int
c_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* White space and comments; an unclosed comment runs to the end. */
static void
skip_cfws(struct lexer *lx)
{
	while (lx->p < lx->end) {
		if (c_space((unsigned char)*lx->p)) {
			lx->p++;
		} else if (*lx->p == '(') {
			unsigned depth = 1;

			lx->p++;
			while (lx->p < lx->end && depth > 0) {
				if (*lx->p == '\\' && lx->p + 1 < lx->end)
					lx->p++;
				else if (*lx->p == '(')
					depth++;
				else if (*lx->p == ')')
					depth--;
				lx->p++;
			}
		} else {
			break;
		}
	}
}

static void
lex_next(struct lexer *lx, struct tok *t)
{
	skip_cfws(lx);
	t->s = lx->p;
	t->len = 0;
	if (lx->p == lx->end) {
		t->kind = TOK_END;
		return;
	}
	switch (*lx->p) {
	case ';':
		t->kind = TOK_SEMI;
		lx->p++;
		t->len = 1;
		return;
	case '=':
		t->kind = TOK_EQ;
		lx->p++;
		t->len = 1;
		return;
	case '/':
		t->kind = TOK_SLASH;
		lx->p++;
		t->len = 1;
		return;
	case '"':
		/* An unclosed quoted string runs to the end. */
		t->kind = TOK_QSTRING;
		t->s = ++lx->p;
		while (lx->p < lx->end && *lx->p != '"') {
			if (*lx->p == '\\' && lx->p + 1 < lx->end)
				lx->p++;
			lx->p++;
		}
		t->len = (size_t)(lx->p - t->s);
		if (lx->p < lx->end)
			lx->p++;
		return;
	default:
		/*
		 * A stray ')' belongs to the word: every word must take at
		 * least the byte it starts with, or the lexer would stand still.
		 */
		t->kind = TOK_WORD;
		while (lx->p < lx->end && !c_space((unsigned char)*lx->p) &&
		    strchr("(;=/\"", *lx->p) == NULL)
			lx->p++;
		t->len = (size_t)(lx->p - t->s);
		return;
	}
}

static int
word_is(const struct tok *t, const char *w)
{
	return t->kind == TOK_WORD && t->len == strlen(w) &&
	    str_ncasecmp(t->s, w, t->len) == 0;
}

static int
all_digits(const struct tok *t)
{
	if (t->kind != TOK_WORD || t->len == 0)
		return 0;
	for (size_t i = 0; i < t->len; i++)
		if (t->s[i] < '0' || t->s[i] > '9')
			return 0;
	return 1;
}

/* Is the authserv-id token t equal to id? */
static int
id_matches(const struct tok *t, const char *id)
{
	char buf[AUTHSERV_ID_MAX + 1];
	size_t n = 0;

	if (t->kind == TOK_WORD)
		return t->len == strlen(id) && str_ncasecmp(t->s, id, t->len) == 0;
	if (t->kind != TOK_QSTRING)
		return 0;
	for (size_t i = 0; i < t->len; i++) {
		if (t->s[i] == '\\' && i + 1 < t->len)
			i++;
		if (n == AUTHSERV_ID_MAX)
			return 0;
		buf[n++] = t->s[i];
	}
	buf[n] = '\0';
	return str_casecmp(buf, id) == 0;
}

/* Does the property value v name domain d, or a parent of d (relaxed alignment)? */
static int
domain_aligned(const struct tok *v, const char *d)
{
	size_t dl = strlen(d), vl = v->len;
	const char *vs = v->s;

	if (v->kind != TOK_WORD && v->kind != TOK_QSTRING)
		return 0;
	if (vl > 0 && vs[0] == '@') {           /* header.i=@example.org */
		vs++;
		vl--;
	}
	if (vl == 0 || vl > dl)
		return 0;
	if (str_ncasecmp(d + dl - vl, vs, vl) != 0)
		return 0;
	return vl == dl || d[dl - vl - 1] == '.';
}

/*
 * Parse the resinfos after the authserv-id.  Returns "dkim=pass" or
 * "dmarc=pass" for the first passing result, or NULL.  With from_domain,
 * a pass counts only for that domain (dmarc: header.from, dkim: header.d
 * or header.i, equal or a parent domain), and a dmarc=fail anywhere sets
 * *fail_r.
 */
static const char *
find_pass(struct lexer *lx, const char *from_domain, int *fail_r)
{
	struct tok t, method, result;
	const char *found = NULL;

	lex_next(lx, &t);
	if (all_digits(&t))             /* authres-version */
		lex_next(lx, &t);
	for (;;) {
		int dkim, dmarc, pass, aligned = 0;

		/* Skip to the start of the next resinfo. */
		while (t.kind != TOK_SEMI && t.kind != TOK_END)
			lex_next(lx, &t);
		if (t.kind == TOK_END)
			return found;
		lex_next(lx, &method);
		if (method.kind != TOK_WORD) {
			t = method;
			continue;
		}
		lex_next(lx, &t);
		if (t.kind == TOK_SLASH) {      /* method-version */
			lex_next(lx, &t);
			if (!all_digits(&t))
				continue;
			lex_next(lx, &t);
		}
		if (t.kind != TOK_EQ)
			continue;
		lex_next(lx, &result);
		dkim = word_is(&method, "dkim");
		dmarc = word_is(&method, "dmarc");
		pass = word_is(&result, "pass");
		if (dmarc && word_is(&result, "fail") && fail_r)
			*fail_r = 1;
		/* The properties of this resinfo, up to the next ';'. */
		lex_next(lx, &t);
		while (t.kind != TOK_SEMI && t.kind != TOK_END) {
			struct tok prop = t, val;

			lex_next(lx, &t);
			if (prop.kind != TOK_WORD || t.kind != TOK_EQ)
				continue;
			lex_next(lx, &val);
			lex_next(lx, &t);
			if (from_domain == NULL)
				continue;
			if ((dmarc && word_is(&prop, "header.from")) ||
			    (dkim && (word_is(&prop, "header.d") ||
			    word_is(&prop, "header.i"))))
				aligned |= domain_aligned(&val, from_domain);
		}
		if (!pass || (!dkim && !dmarc) || found != NULL)
			continue;
		if (from_domain != NULL && !aligned)
			continue;
		found = dkim ? "dkim=pass" : "dmarc=pass";
		if (from_domain == NULL)
			return found;
	}
}

int
authres_check(const char *const *values, size_t n, const char *authserv_id,
    const char **why_r)
{
	return authres_check_from(values, n, authserv_id, NULL, why_r);
}

int
authres_check_from(const char *const *values, size_t n,
    const char *authserv_id, const char *from_domain, const char **why_r)
{
	const char *why = NULL, *pass = NULL;
	size_t ours = 0;
	int dmarc_fail = 0;

	if (authserv_id == NULL || *authserv_id == '\0') {
		why = "no authserv-id configured";
		goto out;
	}
	if (n > AUTHRES_MAX_FIELDS) {
		snprintf(whybuf, sizeof(whybuf),
		    "more than %d Authentication-Results fields",
		    AUTHRES_MAX_FIELDS);
		why = whybuf;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct lexer lx;
		struct tok id;
		const char *p;

		if (values[i] == NULL)
			continue;
		lx.p = values[i];
		lx.end = values[i] + strnlen(values[i], AUTHRES_MAX_VALUE);
		lex_next(&lx, &id);
		if (!id_matches(&id, authserv_id))
			continue;
		ours++;
		p = find_pass(&lx, from_domain, from_domain ? &dmarc_fail : NULL);
		if (pass == NULL)
			pass = p;
	}
	if (ours == 0) {
		snprintf(whybuf, sizeof(whybuf),
		    "no Authentication-Results from %.100s", authserv_id);
		why = whybuf;
	} else if (ours > 1) {
		snprintf(whybuf, sizeof(whybuf),
		    "several Authentication-Results claim %.100s", authserv_id);
		why = whybuf;
	} else if (dmarc_fail) {
		why = "dmarc=fail";
	} else if (pass == NULL) {
		why = from_domain ? "no dkim=pass or dmarc=pass for the sender's "
		    "domain" : "no dkim=pass or dmarc=pass";
	}
out:
	if (why_r != NULL)
		*why_r = why != NULL ? why : pass;
	return why == NULL;
}
