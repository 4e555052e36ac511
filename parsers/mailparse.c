/* SPDX-License-Identifier: MIT */
/*
 * mailparse - the whole parse of one incoming mail and its wire form.
 * See mailparse.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "mailparse.h"

/* A header-only parse looks at no more than this much header. */
#define HEADER_ONLY_MAX (256 * 1024)

size_t
mailparse_header_end(const char *raw, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (raw[i] != '\n')
			continue;
		if (i + 1 < len && raw[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && raw[i + 1] == '\r' && raw[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

const struct mail_attachment *
mailparse_json_attachment(const struct mail_msg *msg)
{
	for (size_t i = 0; i < msg->nattachments; i++) {
		const struct mail_attachment *a = &msg->attachments[i];
		size_t fl = a->filename ? strlen(a->filename) : 0;

		if (strcmp(a->content_type, "application/json") == 0 ||
		    (fl > 5 && str_casecmp(a->filename + fl - 5, ".json") == 0))
			return a;
	}
	return NULL;
}

/* The header block alone, for answering a mail whose whole could not be read. */
static struct mail_msg *
parse_header_only(const struct mailparse_ctx *ctx, const char *raw, size_t len)
{
	size_t hend = mailparse_header_end(raw, len);
	struct mail_msg *msg = NULL;
	const char *err;

	if (hend > HEADER_ONLY_MAX ||
	    mime_parse(raw, hend, ctx->limits, &msg, &err) == -1)
		return NULL;
	return msg;
}

void
mailparse_run(const struct mailparse_ctx *ctx, const char *raw, size_t len,
    int too_large, struct parsed_mail *p)
{
	struct mail_msg *msg = NULL;
	const char *err = NULL, *why = NULL;

	memset(p, 0, sizeof(*p));
	if (too_large) {
		p->err = xstrdup("Die Nachricht ist zu groß.");
		p->msg = parse_header_only(ctx, raw, len);
	} else if (mime_parse(raw, len, ctx->limits, &msg, &err) == -1) {
		p->err = xstrdup(err);
		p->msg = parse_header_only(ctx, raw, len);
	} else
		p->msg = msg;
	if (p->msg == NULL)
		return;
	msg = p->msg;
	if (msg->text_plain == NULL && msg->text_html != NULL) {
		/* Commands may come as HTML-only mail: classify its text. */
		struct mail_msg view = *msg;

		view.text_plain = html_to_text(msg->text_html);
		p->kind = classify_mail(&view, &ctx->classify, &p->cmd, &why);
		free(view.text_plain);
	} else
		p->kind = classify_mail(msg, &ctx->classify, &p->cmd, &why);
	if (why != NULL)
		p->why = xstrdup(why);
	if (p->kind == MAIL_FORM && p->err == NULL) {
		const struct mail_attachment *ja = mailparse_json_attachment(msg);
		struct form_input in = { msg->text_plain, msg->text_html,
		    ja ? ja->data : NULL, ja ? ja->len : 0 };

		if (form_parse(ctx->profile, &in, &p->form, &err) == -1) {
			p->form = NULL;
			p->form_err = xstrdup(err);
		}
	}
}

struct wire_arena {
	const char *data;
	size_t len;
	unsigned refs;
	void (*release)(const char *, size_t);
};

struct wire_arena *
wire_arena_new(const char *data, size_t len,
    void (*release)(const char *data, size_t len))
{
	struct wire_arena *a = xmalloc(sizeof(*a));

	a->data = data;
	a->len = len;
	a->refs = 1;
	a->release = release;
	return a;
}

void
wire_arena_unref(struct wire_arena *a)
{
	if (a == NULL || --a->refs > 0)
		return;
	a->release(a->data, a->len);
	free(a);
}

/* A decoded mail: only the arrays are its own, the strings the arena's. */
static void
decoded_free(struct parsed_mail *p)
{
	if (p->msg != NULL) {
		free(p->msg->headers);
		free(p->msg->attachments);
		free(p->msg);
	}
	if (p->form != NULL) {
		free(p->form->positions);
		free(p->form);
	}
	wire_arena_unref(p->arena);
	memset(p, 0, sizeof(*p));
}

void
parsed_mail_free(struct parsed_mail *p)
{
	if (p == NULL)
		return;
	if (p->arena != NULL) {
		decoded_free(p);
		return;
	}
	mime_msg_free(p->msg);
	free(p->err);
	command_free(&p->cmd);
	free(p->why);
	form_free(p->form);
	free(p->form_err);
	memset(p, 0, sizeof(*p));
}

/* ---------------------------------------------------------------- wire */

#define WIRE_MAGIC 0x534f504dU          /* "SOPM" */
#define WIRE_NULL UINT32_MAX            /* a NULL string */

static int
put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 8),
	    (unsigned char)v };

	return buf_append(b, x, sizeof(x));
}

/* Length, bytes and a NUL, so that the reader can point at them. */
static int
put_bytes(struct buf *b, const char *s, size_t n)
{
	if (s == NULL)
		return put_u32(b, WIRE_NULL);
	if (n >= WIRE_NULL)
		return -1;
	return put_u32(b, (uint32_t)n) == -1 || buf_append(b, s, n) == -1 ?
	    -1 : buf_putc(b, '\0');
}

static int
put_str(struct buf *b, const char *s)
{
	return put_bytes(b, s, s ? strlen(s) : 0);
}

static int
put_msg(struct buf *b, const struct mail_msg *m)
{
	const char *const fields[] = { m->from_addr, m->from_name,
	    m->reply_to_addr, m->subject, m->message_id, m->in_reply_to,
	    m->references, m->return_path, m->date, m->content_type,
	    m->text_plain, m->text_html };
	int rc = put_u32(b, (uint32_t)m->nheaders);

	for (size_t i = 0; i < m->nheaders; i++)
		rc |= put_str(b, m->headers[i].name) |
		    put_str(b, m->headers[i].value);
	for (size_t i = 0; i < SO_NELEM(fields); i++)
		rc |= put_str(b, fields[i]);
	rc |= put_u32(b, (uint32_t)(m->is_report != 0));
	rc |= put_u32(b, (uint32_t)m->nattachments);
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];

		rc |= put_str(b, a->content_type) | put_str(b, a->filename) |
		    put_bytes(b, a->data, a->len);
	}
	return rc ? -1 : 0;
}

static int
put_form(struct buf *b, const struct form *f)
{
	int rc = put_str(b, f->source);

	for (int i = 0; i < FF_COUNT; i++)
		rc |= put_str(b, f->field[i]);
	rc |= put_u32(b, (uint32_t)f->npositions);
	for (size_t i = 0; i < f->npositions; i++) {
		const struct form_position *fp = &f->positions[i];

		rc |= put_str(b, fp->pos) | put_str(b, fp->artikelnr) |
		    put_str(b, fp->bezeichnung) | put_str(b, fp->menge) |
		    put_str(b, fp->einheit) | put_str(b, fp->preis);
	}
	return rc ? -1 : 0;
}

int
mailparse_encode(const struct parsed_mail *p, struct buf *out)
{
	int rc = put_u32(out, WIRE_MAGIC);

	rc |= put_u32(out, p->msg != NULL);
	if (p->msg)
		rc |= put_msg(out, p->msg);
	rc |= put_str(out, p->err) | put_u32(out, (uint32_t)p->kind);
	rc |= put_u32(out, (uint32_t)p->cmd.kind) |
	    put_str(out, p->cmd.case_nr) | put_str(out, p->cmd.token) |
	    put_str(out, p->cmd.rest) | put_str(out, p->why);
	rc |= put_u32(out, p->form != NULL);
	if (p->form)
		rc |= put_form(out, p->form);
	rc |= put_str(out, p->form_err);
	return rc ? -1 : 0;
}

/* The reader: the input, where it is, and the first error. */
struct rd {
	const unsigned char *d;
	size_t len, off;
	const char *err;
};

static uint32_t
get_u32(struct rd *r)
{
	uint32_t v;

	if (r->err != NULL || r->len - r->off < 4) {
		if (r->err == NULL)
			r->err = "mailparse wire: truncated";
		return 0;
	}
	v = (uint32_t)r->d[r->off] << 24 | (uint32_t)r->d[r->off + 1] << 16 |
	    (uint32_t)r->d[r->off + 2] << 8 | (uint32_t)r->d[r->off + 3];
	r->off += 4;
	return v;
}

/* A count of items of at least min_item bytes each: bounded by the input. */
static size_t
get_count(struct rd *r, size_t min_item)
{
	uint32_t n = get_u32(r);

	if (r->err == NULL && (size_t)n > (r->len - r->off) / min_item) {
		r->err = "mailparse wire: count larger than the data";
		return 0;
	}
	return r->err ? 0 : n;
}

/*
 * Bytes, in the arena, followed by the NUL the writer put there; *n_r their
 * length.  NULL for a NULL field.  (The structures take char *: the
 * strings of a decoded mail are never written to nor freed one by one.)
 */
static char *
get_bytes(struct rd *r, size_t *n_r)
{
	uint32_t n = get_u32(r);
	const unsigned char *s;

	*n_r = 0;
	if (r->err != NULL || n == WIRE_NULL)
		return NULL;
	if (n >= r->len - r->off) {
		r->err = "mailparse wire: string longer than the data";
		return NULL;
	}
	s = r->d + r->off;
	if (s[n] != '\0') {
		r->err = "mailparse wire: string not terminated";
		return NULL;
	}
	r->off += (size_t)n + 1;
	*n_r = n;
	return (char *)(uintptr_t)s;
}

/* A C string: no NUL inside; with one_line, no CR or LF either. */
static char *
get_str(struct rd *r, int one_line)
{
	size_t n;
	char *s = get_bytes(r, &n);

	if (s == NULL)
		return NULL;
	if (memchr(s, '\0', n) != NULL || (one_line &&
	    (memchr(s, '\r', n) != NULL || memchr(s, '\n', n) != NULL))) {
		if (r->err == NULL)
			r->err = one_line ? "mailparse wire: line break or NUL in "
			    "a header field" : "mailparse wire: NUL in a string";
		return NULL;
	}
	return s;
}

/* Into a fixed array (command case number and token). */
static void
get_fixed(struct rd *r, char *dst, size_t size)
{
	char *s = get_str(r, 1);

	if (s != NULL && strlen(s) >= size && r->err == NULL)
		r->err = "mailparse wire: command field too long";
	if (s != NULL && r->err == NULL)
		memcpy(dst, s, strlen(s) + 1);
}

static struct mail_msg *
get_msg(struct rd *r)
{
	struct mail_msg *m = xcalloc(1, sizeof(*m));
	char **one_line[] = { &m->from_addr, &m->from_name, &m->reply_to_addr,
	    &m->subject, &m->message_id, &m->in_reply_to, &m->references,
	    &m->return_path, &m->date, &m->content_type };

	m->nheaders = get_count(r, 8);
	m->headers = xcalloc(m->nheaders ? m->nheaders : 1, sizeof(*m->headers));
	for (size_t i = 0; i < m->nheaders; i++) {
		m->headers[i].name = get_str(r, 1);
		m->headers[i].value = get_str(r, 1);
		if (r->err == NULL && (m->headers[i].name == NULL ||
		    m->headers[i].value == NULL))
			r->err = "mailparse wire: header without name or value";
	}
	for (size_t i = 0; i < SO_NELEM(one_line); i++)
		*one_line[i] = get_str(r, 1);
	m->text_plain = get_str(r, 0);
	m->text_html = get_str(r, 0);
	m->is_report = get_u32(r) != 0;
	m->nattachments = get_count(r, 12);
	m->attachments = xcalloc(m->nattachments ? m->nattachments : 1,
	    sizeof(*m->attachments));
	for (size_t i = 0; i < m->nattachments; i++) {
		struct mail_attachment *a = &m->attachments[i];

		a->content_type = get_str(r, 1);
		a->filename = get_str(r, 1);
		a->data = get_bytes(r, &a->len);
		if (r->err == NULL && (a->content_type == NULL || a->data == NULL))
			r->err = "mailparse wire: attachment without type or data";
	}
	return m;
}

static struct form *
get_form(struct rd *r)
{
	static const char *const sources[] = { "text", "html", "json" };
	struct form *f = xcalloc(1, sizeof(*f));
	char *src = get_str(r, 1);

	for (size_t i = 0; src && i < SO_NELEM(sources); i++)
		if (strcmp(src, sources[i]) == 0)
			f->source = sources[i];
	if (f->source == NULL && r->err == NULL)
		r->err = "mailparse wire: unknown form source";
	for (int i = 0; i < FF_COUNT; i++)
		f->field[i] = get_str(r, 0);
	f->npositions = get_count(r, 24);
	f->positions = xcalloc(f->npositions ? f->npositions : 1,
	    sizeof(*f->positions));
	for (size_t i = 0; i < f->npositions; i++) {
		struct form_position *fp = &f->positions[i];
		char **v[] = { &fp->pos, &fp->artikelnr, &fp->bezeichnung,
		    &fp->menge, &fp->einheit, &fp->preis };

		for (size_t k = 0; k < SO_NELEM(v); k++) {
			*v[k] = get_str(r, 0);
			if (*v[k] == NULL && r->err == NULL)
				r->err = "mailparse wire: position field missing";
		}
	}
	return f;
}

int
mailparse_decode(struct wire_arena *a, size_t *off, struct parsed_mail *p,
    const char **error_r)
{
	struct rd r = { (const unsigned char *)a->data, a->len, *off, NULL };
	uint32_t kind, cmdkind;

	memset(p, 0, sizeof(*p));
	p->arena = a;
	a->refs++;
	if (*off > a->len)
		r.err = "mailparse wire: offset beyond the data";
	if (get_u32(&r) != WIRE_MAGIC && r.err == NULL)
		r.err = "mailparse wire: bad magic";
	if (get_u32(&r) != 0 && r.err == NULL)
		p->msg = get_msg(&r);
	p->err = get_str(&r, 0);
	kind = get_u32(&r);
	cmdkind = get_u32(&r);
	if (r.err == NULL && (kind > MAIL_MACHINE || cmdkind > CMD_UNKNOWN))
		r.err = "mailparse wire: unknown mail or command kind";
	p->kind = (enum mail_kind)kind;
	p->cmd.kind = (enum command_kind)cmdkind;
	get_fixed(&r, p->cmd.case_nr, sizeof(p->cmd.case_nr));
	get_fixed(&r, p->cmd.token, sizeof(p->cmd.token));
	p->cmd.rest = get_str(&r, 0);
	p->why = get_str(&r, 0);
	if (get_u32(&r) != 0 && r.err == NULL)
		p->form = get_form(&r);
	p->form_err = get_str(&r, 0);
	if (r.err == NULL && p->msg == NULL && (p->form || p->kind != MAIL_FORM))
		r.err = "mailparse wire: classification without a message";
	if (r.err != NULL) {
		parsed_mail_free(p);
		*error_r = r.err;
		return -1;
	}
	*off = r.off;
	return 0;
}
