/* SPDX-License-Identifier: MIT */
/*
 * render - fill mail templates with a logic-less subset of Mustache (see
 * render.h for the syntax).
 *
 * A template is first cut into tokens and checked as a whole (every section
 * closed, close tags matching, nesting at most 16), so a broken template
 * fails the same way whatever the data; only then is it rendered.  Values
 * are copied into the output as they are and are never looked at again, so
 * data from a mail can not add template syntax.  Rendering is bounded: the
 * output by the buffer's maximum, the work by a step counter (nested lists
 * could otherwise multiply without writing anything).
 *
 * This module does not escape anything (the mails are plain text), does not
 * know about mail headers beyond splitting off the Subject line, and supports
 * no partials, lambdas, dotted names or delimiter changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

#define RENDER_MAX_DEPTH        16
#define RENDER_MAX_NAME         64
#define RENDER_MAX_STEPS        (10UL * 1000 * 1000)
#define RENDER_MAIL_MAX_FILE    ((size_t)256 * 1024)
#define RENDER_MAIL_MAX_SUBJECT ((size_t)16 * 1024)
#define RENDER_MAIL_MAX_BODY    ((size_t)4 * 1024 * 1024)
#define RENDER_MAIL_MAX_FNAME   64

/* One key: either a value (value != NULL) or a list of items. */
struct tvar {
	char *key;
	size_t klen;            /* strlen(key) */
	char *value;
	struct tvars **items;
	size_t nitems;
};

/*
 * Keys and values live in chunks owned by the root, freed with it: one
 * mail's variables are dozens of short strings, set once and freed
 * together.  A value set again leaves its old copy there until then.
 */
struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

#define CHUNK_SIZE 4096

struct tvars {
	struct tvars *parent;   /* NULL for the root */
	struct tvars *root;     /* the owner of the chunks (itself for the root) */
	struct tvar *vars;
	size_t nvars, cap;
	struct chunk *chunks;   /* the root's only */
};

enum tok_type {
	TOK_TEXT,
	TOK_VAR,
	TOK_SECTION,
	TOK_INVERTED,
	TOK_CLOSE,
};

/* p/len point into the template: the text, or the name of a tag. */
struct tok {
	enum tok_type type;
	const char *p;
	size_t len;
	unsigned line;
	size_t close;           /* sections: index of the matching TOK_CLOSE */
};

struct toks {
	struct tok *v;
	size_t n, cap;
};

/* The list items entered so far, innermost first. */
struct frame {
	const struct tvars *v;
	const struct frame *up;
};

struct render_ctx {
	const struct tok *toks;
	struct buf *out;
	unsigned long steps;
};

static __thread char render_err[512];

/* A copy of s[0..n) and a NUL in v's root's chunks. */
static char *
chunk_copy(struct tvars *v, const char *s, size_t n)
{
	struct tvars *root = v->root;
	struct chunk *c = root->chunks;
	char *p;

	if (c == NULL || c->size - c->used < n + 1) {
		size_t size = n + 1 > CHUNK_SIZE / 4 ? n + 1 : CHUNK_SIZE;

		c = xmalloc(sizeof(*c) + size);
		c->used = 0;
		c->size = size;
		if (size != CHUNK_SIZE && root->chunks != NULL) {
			/* A big value gets a chunk of its own, behind the one
			 * still being filled. */
			c->next = root->chunks->next;
			root->chunks->next = c;
		} else {
			c->next = root->chunks;
			root->chunks = c;
		}
	}
	p = c->data + c->used;
	memcpy(p, s, n);
	p[n] = '\0';
	c->used += n + 1;
	return p;
}

static void
tvar_clear(struct tvar *tv)
{
	tv->value = NULL;
	for (size_t i = 0; i < tv->nitems; i++)
		tvars_free(tv->items[i]);
	free(tv->items);
	tv->items = NULL;
	tv->nitems = 0;
}

struct tvars *
tvars_new(void)
{
	struct tvars *v = xcalloc(1, sizeof(struct tvars));

	v->root = v;
	return v;
}

void
tvars_free(struct tvars *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->nvars; i++)
		tvar_clear(&v->vars[i]);
	free(v->vars);
	while (v->chunks != NULL) {
		struct chunk *next = v->chunks->next;

		free(v->chunks);
		v->chunks = next;
	}
	free(v);
}

/* The entry for key in v itself (no parents), created empty if asked. */
static struct tvar *
tvars_entry(struct tvars *v, const char *key, int create)
{
	struct tvar *tv;

	for (size_t i = 0; i < v->nvars; i++)
		if (v->vars[i].key[0] == key[0] && strcmp(v->vars[i].key, key) == 0)
			return &v->vars[i];
	if (!create)
		return NULL;
	if (v->nvars == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->vars = xreallocarray(v->vars, v->cap, sizeof(*v->vars));
	}
	tv = &v->vars[v->nvars++];
	memset(tv, 0, sizeof(*tv));
	tv->klen = strlen(key);
	tv->key = chunk_copy(v, key, tv->klen);
	return tv;
}

void
tvars_set(struct tvars *v, const char *key, const char *value)
{
	struct tvar *tv = tvars_entry(v, key, 1);
	size_t n;

	tvar_clear(tv);
	if (value == NULL)
		value = "";
	/* Mail text must be UTF-8, whatever a value was read from. */
	n = strlen(value);
	if (utf8_valid(value, n))
		tv->value = chunk_copy(v, value, n);
	else {
		char *fixed = str_utf8_fix(value);

		tv->value = chunk_copy(v, fixed, strlen(fixed));
		free(fixed);
	}
}

void
tvars_setf(struct tvars *v, const char *key, const char *fmt, ...)
{
	va_list ap;
	char small[128], *s = small;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("tvars_setf: vsnprintf failed for %.40s", fmt);
	if ((size_t)n >= sizeof(small)) {
		va_start(ap, fmt);
		s = xvasprintf(fmt, ap);
		va_end(ap);
	}
	tvars_set(v, key, s);
	if (s != small)
		free(s);
}

struct tvars *
tvars_add_item(struct tvars *v, const char *key)
{
	struct tvar *tv = tvars_entry(v, key, 1);
	struct tvars *item;

	/* A key is either a value or a list; adding an item makes it a list. */
	tv->value = NULL;
	item = xcalloc(1, sizeof(*item));
	item->parent = v;
	item->root = v->root;
	tv->items = xreallocarray(tv->items, tv->nitems + 1, sizeof(*tv->items));
	tv->items[tv->nitems++] = item;
	return item;
}

static int
name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static unsigned
count_lines(const char *p, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		if (p[i] == '\n')
			n++;
	return n;
}

static void
toks_add(struct toks *t, enum tok_type type, const char *p, size_t len,
    unsigned line)
{
	struct tok *k;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	k = &t->v[t->n++];
	k->type = type;
	k->p = p;
	k->len = len;
	k->line = line;
	k->close = 0;
}

/*
 * A tag is standalone when only blanks share its line.  Then the blanks
 * before it (the tail of the text token just added) and the blanks and the
 * newline after it are dropped, so that section lines leave no empty line.
 * Returns where scanning continues, or NULL if the tag is not standalone.
 */
static const char *
tag_standalone(const char *tmpl, const char *tag, const char *end,
    struct toks *t)
{
	const char *ls = tag, *s = end;

	while (ls > tmpl && (ls[-1] == ' ' || ls[-1] == '\t'))
		ls--;
	if (ls > tmpl && ls[-1] != '\n')
		return NULL;
	while (*s == ' ' || *s == '\t' || (*s == '\r' && s[1] == '\n'))
		s++;
	if (*s != '\n' && *s != '\0')
		return NULL;
	if (ls < tag) {
		/* The blanks are the end of the previous text token. */
		struct tok *prev;
		if (t->n == 0 || (prev = &t->v[t->n - 1])->type != TOK_TEXT ||
		    prev->len < (size_t)(tag - ls))
			fatalx("render: standalone tag without its blanks");
		prev->len -= (size_t)(tag - ls);
		if (prev->len == 0)
			t->n--;
	}
	return *s == '\n' ? s + 1 : s;
}

static int
tokenize(const char *tmpl, unsigned first_line, struct toks *t)
{
	const char *p = tmpl;
	unsigned line = first_line;

	while (*p != '\0') {
		const char *open = strstr(p, "{{"), *close, *in, *in_end, *next;
		const char *after;
		enum tok_type type;
		unsigned tag_line;
		int comment = 0;

		if (open == NULL) {
			toks_add(t, TOK_TEXT, p, strlen(p), line);
			break;
		}
		if (open > p) {
			toks_add(t, TOK_TEXT, p, (size_t)(open - p), line);
			line += count_lines(p, (size_t)(open - p));
		}
		if ((close = strstr(open + 2, "}}")) == NULL) {
			snprintf(render_err, sizeof(render_err),
			    "line %u: unclosed '{{'", line);
			return -1;
		}
		in = open + 2;
		in_end = close;
		switch (*in) {
		case '#':
			type = TOK_SECTION;
			in++;
			break;
		case '^':
			type = TOK_INVERTED;
			in++;
			break;
		case '/':
			type = TOK_CLOSE;
			in++;
			break;
		case '!':
			type = TOK_TEXT;
			comment = 1;
			break;
		default:
			type = TOK_VAR;
			break;
		}
		if (!comment) {
			while (in < in_end && (*in == ' ' || *in == '\t'))
				in++;
			while (in_end > in && (in_end[-1] == ' ' ||
			    in_end[-1] == '\t'))
				in_end--;
			int ok = in < in_end &&
			    (size_t)(in_end - in) <= RENDER_MAX_NAME;
			for (const char *c = in; ok && c < in_end; c++)
				ok = name_char_ok(*c);
			if (!ok) {
				snprintf(render_err, sizeof(render_err),
				    "line %u: invalid or unsupported tag "
				    "'%.*s'", line,
				    (int)(close + 2 - open > 60 ? 60 :
				    close + 2 - open), open);
				return -1;
			}
		}
		next = close + 2;
		tag_line = line;
		/* A comment may span lines. */
		line += count_lines(open, (size_t)(next - open));
		if (type != TOK_VAR &&
		    (after = tag_standalone(tmpl, open, next, t)) != NULL) {
			line += count_lines(next, (size_t)(after - next));
			next = after;
		}
		if (!comment)
			toks_add(t, type, in, (size_t)(in_end - in), tag_line);
		p = next;
	}
	return 0;
}

/* Pair every section with its close tag; report the first structural error. */
static int
match_sections(struct toks *t)
{
	size_t stack[RENDER_MAX_DEPTH];
	size_t depth = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct tok *k = &t->v[i], *o;

		switch (k->type) {
		case TOK_SECTION:
		case TOK_INVERTED:
			if (depth == RENDER_MAX_DEPTH) {
				snprintf(render_err, sizeof(render_err),
				    "line %u: section '%.*s' nested deeper "
				    "than %d", k->line, (int)k->len, k->p,
				    RENDER_MAX_DEPTH);
				return -1;
			}
			stack[depth++] = i;
			break;
		case TOK_CLOSE:
			if (depth == 0) {
				snprintf(render_err, sizeof(render_err),
				    "line %u: close tag '%.*s' without an "
				    "open section", k->line, (int)k->len, k->p);
				return -1;
			}
			o = &t->v[stack[depth - 1]];
			if (o->len != k->len || memcmp(o->p, k->p, k->len) != 0) {
				snprintf(render_err, sizeof(render_err),
				    "line %u: mismatched close tag '%.*s', "
				    "expected '%.*s' (opened on line %u)",
				    k->line, (int)k->len, k->p, (int)o->len,
				    o->p, o->line);
				return -1;
			}
			o->close = i;
			depth--;
			break;
		default:
			break;
		}
	}
	if (depth > 0) {
		const struct tok *o = &t->v[stack[depth - 1]];
		snprintf(render_err, sizeof(render_err),
		    "line %u: unclosed section '%.*s'", o->line, (int)o->len,
		    o->p);
		return -1;
	}
	return 0;
}

static const struct tvar *
lookup_in(const struct tvars *v, const char *name, size_t len)
{
	for (size_t i = 0; i < v->nvars; i++) {
		const struct tvar *tv = &v->vars[i];
		if (tv->klen == len && memcmp(tv->key, name, len) == 0)
			return tv;
	}
	return NULL;
}

/*
 * Innermost first: the list items entered while rendering, and below the
 * outermost one the items it was added to (when render_string() was given
 * an item rather than the root).
 */
static const struct tvar *
lookup(const struct frame *f, const char *name, size_t len)
{
	const struct tvar *tv;

	for (; f != NULL; f = f->up) {
		const struct tvars *v = f->v;
		if ((tv = lookup_in(v, name, len)) != NULL)
			return tv;
		if (f->up == NULL)
			for (v = v->parent; v != NULL; v = v->parent)
				if ((tv = lookup_in(v, name, len)) != NULL)
					return tv;
	}
	return NULL;
}

static int
render_too_large(const struct render_ctx *ctx, unsigned line)
{
	snprintf(render_err, sizeof(render_err),
	    "line %u: rendered output larger than %zu bytes", line,
	    ctx->out->max);
	return -1;
}

static int
render_too_many_steps(unsigned line)
{
	snprintf(render_err, sizeof(render_err),
	    "line %u: rendering takes more than %lu steps (nested lists too "
	    "large?)", line, RENDER_MAX_STEPS);
	return -1;
}

static int
render_range(struct render_ctx *ctx, size_t from, size_t to,
    const struct frame *f)
{
	for (size_t i = from; i < to; i++) {
		const struct tok *k = &ctx->toks[i];
		const struct tvar *tv = NULL;
		int empty;

		if (++ctx->steps > RENDER_MAX_STEPS)
			return render_too_many_steps(k->line);
		if (k->type != TOK_TEXT)
			tv = lookup(f, k->p, k->len);
		switch (k->type) {
		case TOK_TEXT:
			if (buf_append(ctx->out, k->p, k->len) == -1)
				return render_too_large(ctx, k->line);
			break;
		case TOK_VAR:
			if (tv != NULL && tv->value != NULL &&
			    buf_puts(ctx->out, tv->value) == -1)
				return render_too_large(ctx, k->line);
			break;
		case TOK_SECTION:
			if (tv != NULL && tv->value == NULL) {
				for (size_t j = 0; j < tv->nitems; j++) {
					struct frame item = { tv->items[j], f };
					/* Empty sections cost work, too. */
					if (j > 0 && ++ctx->steps > RENDER_MAX_STEPS)
						return render_too_many_steps(k->line);
					if (render_range(ctx, i + 1, k->close,
					    &item) == -1)
						return -1;
				}
			} else if (tv != NULL && *tv->value != '\0') {
				if (render_range(ctx, i + 1, k->close, f) == -1)
					return -1;
			}
			i = k->close;
			break;
		case TOK_INVERTED:
			empty = tv == NULL || (tv->value != NULL ?
			    *tv->value == '\0' : tv->nitems == 0);
			if (empty && render_range(ctx, i + 1, k->close, f) == -1)
				return -1;
			i = k->close;
			break;
		case TOK_CLOSE:
			fatalx("render: close tag at line %u not skipped",
			    k->line);
		}
	}
	return 0;
}

/* Tokens of tmpl, sections paired; line numbers from first_line. */
static int
prepare(const char *tmpl, unsigned first_line, struct toks *t)
{
	t->v = NULL;
	t->n = t->cap = 0;
	if (tokenize(tmpl, first_line, t) == 0 && match_sections(t) == 0)
		return 0;
	free(t->v);
	t->v = NULL;
	return -1;
}

/* Render prepared tokens into out; on error out is as it was. */
static int
render_toks(const struct toks *t, const struct tvars *v, struct buf *out,
    const char **error_r)
{
	struct render_ctx ctx;
	struct frame root = { v, NULL };
	size_t old_len = out->len;
	int ret = -1;

	ctx.toks = t->v;
	ctx.out = out;
	ctx.steps = 0;
	/* Make sure out is a string even if nothing is written. */
	if (buf_append(out, "", 0) == -1)
		snprintf(render_err, sizeof(render_err),
		    "rendered output larger than %zu bytes", out->max);
	else
		ret = render_range(&ctx, 0, t->n, &root);
	if (ret == -1) {
		/* Leave no half-rendered text behind. */
		if (out->data != NULL) {
			out->len = old_len;
			out->data[old_len] = '\0';
		}
		*error_r = render_err;
	}
	return ret;
}

/* render_string() with line numbers counted from first_line. */
static int
render_string_at(const char *tmpl, unsigned first_line,
    const struct tvars *v, struct buf *out, const char **error_r)
{
	struct toks t;
	int ret;

	if (tmpl == NULL) {
		*error_r = "render: no template";
		return -1;
	}
	if (prepare(tmpl, first_line, &t) == -1) {
		*error_r = render_err;
		return -1;
	}
	ret = render_toks(&t, v, out, error_r);
	free(t.v);
	return ret;
}

int
render_string(const char *tmpl, const struct tvars *v, struct buf *out,
    const char **error_r)
{
	return render_string_at(tmpl, 1, v, out, error_r);
}

/* Language and template names become path parts: ^[a-z0-9_-]+$ only. */
static int
render_fname_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '-'))
			return 0;
	return n <= RENDER_MAIL_MAX_FNAME;
}

/*
 * Mail templates read so far, by path, checked and split into subject and
 * body tokens (which point into data); see render_cache_clear().  A
 * template with an error is not kept: it is read again next time.
 */
struct cached_mail {
	char *path, *data;
	struct toks subject, body;
};
static struct cached_mail *mail_cache;
static size_t mail_cache_n;

#define RENDER_CACHE_MAX 128

void
render_cache_clear(void)
{
	for (size_t i = 0; i < mail_cache_n; i++) {
		free(mail_cache[i].path);
		free(mail_cache[i].data);
		free(mail_cache[i].subject.v);
		free(mail_cache[i].body.v);
	}
	free(mail_cache);
	mail_cache = NULL;
	mail_cache_n = 0;
}

/* Read and check a mail template: "Subject: ...", an empty line, the body. */
static int
mail_prepare(const char *path, struct cached_mail *m, char *err, size_t errsz)
{
	char *data, *nl, *stmpl, *w;
	const char *e;
	size_t len;

	if (file_read(path, RENDER_MAIL_MAX_FILE, &data, &len, &e) == -1) {
		snprintf(err, errsz, "%s", e);
		return -1;
	}
	if (strlen(data) != len) {
		snprintf(err, errsz, "%s: contains a NUL byte", path);
		goto fail;
	}
	if (!utf8_valid(data, len)) {
		snprintf(err, errsz, "%s: not valid UTF-8", path);
		goto fail;
	}
	/* Editors on Windows save CRLF; the renderer wants plain LF. */
	w = data;
	for (const char *r = data; *r; r++)
		if (!(*r == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';

	if (strncmp(data, "Subject:", 8) != 0) {
		snprintf(err, errsz, "%s: line 1: expected 'Subject: ...'", path);
		goto fail;
	}
	if ((nl = strchr(data, '\n')) == NULL || nl[1] != '\n') {
		snprintf(err, errsz, "%s: line 2: expected an empty line after "
		    "the Subject line", path);
		goto fail;
	}
	*nl = '\0';
	stmpl = data + 8;
	while (*stmpl == ' ' || *stmpl == '\t')
		stmpl++;
	if (prepare(stmpl, 1, &m->subject) == -1) {
		snprintf(err, errsz, "%s: %s", path, render_err);
		goto fail;
	}
	if (prepare(nl + 2, 3, &m->body) == -1) {
		snprintf(err, errsz, "%s: %s", path, render_err);
		free(m->subject.v);
		m->subject.v = NULL;
		goto fail;
	}
	m->data = data;
	return 0;
fail:
	free(data);
	return -1;
}

int
render_mail(const char *dir, const char *lang, const char *name,
    const struct tvars *v, char **subject_r, char **body_r, const char **error_r)
{
	static __thread char err[1024];
	struct cached_mail fresh = { NULL, NULL, { NULL, 0, 0 }, { NULL, 0, 0 } };
	const struct cached_mail *m = NULL;
	struct buf subject, body;
	char *path;
	const char *e;
	size_t dlen;
	int ret = -1;

	if (dir == NULL || *dir == '\0') {
		*error_r = "render_mail: no template directory";
		return -1;
	}
	if (!render_fname_ok(lang) || !render_fname_ok(name)) {
		char *l = str_log_safe(lang, 40), *n = str_log_safe(name, 40);
		snprintf(err, sizeof(err), "invalid template language or name "
		    "'%s/%s' (allowed: a-z 0-9 _ -)", l, n);
		free(l);
		free(n);
		*error_r = err;
		return -1;
	}
	dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	path = xasprintf("%.*s/%s/%s.txt", (int)dlen, dir, lang, name);
	buf_init(&subject, RENDER_MAIL_MAX_SUBJECT);
	buf_init(&body, RENDER_MAIL_MAX_BODY);

	for (size_t i = 0; i < mail_cache_n && m == NULL; i++)
		if (strcmp(mail_cache[i].path, path) == 0)
			m = &mail_cache[i];
	if (m == NULL) {
		if (mail_prepare(path, &fresh, err, sizeof(err)) == -1)
			goto out;
		if (mail_cache_n < RENDER_CACHE_MAX) {
			mail_cache = xreallocarray(mail_cache, mail_cache_n + 1,
			    sizeof(*mail_cache));
			fresh.path = xstrdup(path);
			mail_cache[mail_cache_n] = fresh;
			m = &mail_cache[mail_cache_n++];
			fresh.data = NULL;
			fresh.subject.v = fresh.body.v = NULL;
		} else
			m = &fresh;
	}
	if (render_toks(&m->subject, v, &subject, &e) == -1 ||
	    render_toks(&m->body, v, &body, &e) == -1) {
		snprintf(err, sizeof(err), "%s: %s", path, e);
		goto out;
	}
	/* A value must not be able to add a header line. */
	*subject_r = str_trim(str_header_safe(buf_cstr(&subject), 0));
	*body_r = buf_steal(&body);
	ret = 0;
out:
	if (ret == -1)
		*error_r = err;
	free(fresh.data);
	free(fresh.subject.v);
	free(fresh.body.v);
	free(path);
	buf_free(&subject);
	buf_free(&body);
	return ret;
}
