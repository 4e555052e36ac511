/* SPDX-License-Identifier: MIT */
/*
 * mimehdr - the top-level header block and header values (see mimehdr.h).
 *
 * Addresses go through libetpan's mailimf parser with a fallback for the
 * unquoted "Mustermann, Max <max@x>" that is common in practice.  It does
 * not parse MIME part headers; mimepart reads those from libetpan's tree.
 */
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "charset.h"
#include "mimehdr.h"
#include "mimescan.h"
#include "util.h"

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

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
	struct mimescan_line ln;

	buf_init(&val, 0);
	while (pos < len && n < max) {
		size_t v, namelen;

		mimescan_line_next(data, len, pos, &ln);
		if (ln.len == 0) {
			pos = ln.next;
			break;
		}
		v = mimescan_field_start(data + ln.start, ln.len, &namelen);
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
			mimescan_line_next(data, len, pos, &ln);
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

char *
mimehdr_text(const char *charset, const char *s, size_t len)
{
	return nonempty_or_null(text_safe(charset, s, len));
}

char *
mimehdr_decode(const char *value)
{
	return nonempty_or_null(str_trim(charset_decode_header(value)));
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
	*addr_r = mimehdr_text(NULL, mb->mb_addr_spec,
	    strlen(mb->mb_addr_spec));
	if (*addr_r == NULL || name_r == NULL || mb->mb_display_name == NULL)
		return;
	*name_r = mimehdr_decode(mb->mb_display_name);
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
	*addr_r = mimehdr_text(NULL, lt + 1, (size_t)(gt - lt - 1));
	if (name_r == NULL)
		return;
	free(*name_r);
	n = str_trim(xstrndup(raw, (size_t)(lt - raw)));
	l = strlen(n);
	if (l >= 2 && n[0] == '"' && n[l - 1] == '"') {
		memmove(n, n + 1, l - 2);
		n[l - 2] = '\0';
	}
	*name_r = mimehdr_decode(n);
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

size_t
mimehdr_read(struct mail_msg *msg, const char *data, size_t len, unsigned max)
{
	struct raw_header *raw = NULL;
	size_t nraw = 0, body_off;

	body_off = headers_read(data, len, max, &raw, &nraw);
	headers_fill(msg, raw, nraw);
	for (size_t i = 0; i < nraw; i++) {
		free(raw[i].name);
		free(raw[i].value);
	}
	free(raw);
	return body_off;
}
