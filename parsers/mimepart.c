/* SPDX-License-Identifier: MIT */
/*
 * mimepart - content type, file name, transfer decoding and body text of
 * one libetpan part (see mimepart.h).
 *
 * It decodes quoted-printable itself: libetpan's decoder over-reads.
 * Base64 goes through libetpan.  It does not descend into attached
 * message/rfc822 parts; to it they are bytes like any other.
 */
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "mimehdr.h"
#include "mimepart.h"
#include "util.h"

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

char *
mimepart_text(struct mailmime_content *ct, const char *bytes, size_t len)
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

char *
mimepart_content_type(const struct mailmime_content *ct)
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
	r = mimehdr_text(charset, buf_cstr(&bytes), bytes.len);
	buf_free(&bytes);
	return r;
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

char *
mimepart_filename(const struct mailmime *mm, int *attachment_r)
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
		r = mimehdr_decode(plain);
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
			r = mimehdr_decode(v);
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

char *
mimepart_bytes(const struct mailmime *mm, size_t *len_r)
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
