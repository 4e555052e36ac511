/* SPDX-License-Identifier: MIT */
/*
 * mime - turn the raw bytes of one message into a struct mail_msg.
 *
 * libetpan does the real work: mailmime_parse() finds the MIME structure,
 * mailmime_part_parse() decodes base64 and mailimf parses addresses.
 * Around it, in this module and its helpers:
 *
 *  - mimescan protects libetpan from hostile input with a cheap pre-scan
 *    of the limits, and repairs missing closing boundaries (which libetpan
 *    answers by dropping whole parts) in a copy of the message.  libetpan
 *    only ever reads a private, NUL-padded copy of the message, and the
 *    tree it builds is checked again here.
 *  - mimehdr reads the top-level header block itself, so that every field
 *    (Auto-Submitted, List-Id, ...) is available decoded via mime_header().
 *  - mimepart decodes each leaf part (quoted-printable by our own decoder,
 *    since libetpan's over-reads) and names its type and file.
 *
 * This file walks the tree and decides which part is the text, which the
 * HTML and which an attachment.  It does not interpret the content (form
 * fields, commands, bounces) and does not descend into attached
 * message/rfc822 parts.
 */
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "mime.h"
#include "mimehdr.h"
#include "mimepart.h"
#include "mimescan.h"
#include "util.h"

/* NUL bytes after the copy of the message that libetpan reads. */
#define MIME_PADDING 16

void
mime_limits_default(struct mime_limits *l)
{
	l->max_size = (size_t)10 * 1024 * 1024;
	l->max_depth = 20;
	l->max_parts = 100;
	l->max_headers = 500;
	l->max_line = (size_t)1024 * 1024;
}

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
		w->error = mimescan_error_parts(w->lim);
		return -1;
	}
	data = mimepart_bytes(mm, &len);
	if (raw_text) {
		/* A multipart without parts: its body is all there is. */
		ctype = xstrdup("text/plain");
		filename = NULL;
		attachment = 0;
	} else {
		ctype = mimepart_content_type(mm->mm_content_type);
		filename = mimepart_filename(mm, &attachment);
	}
	if (!attachment && m->text_plain == NULL &&
	    strcmp(ctype, "text/plain") == 0) {
		m->text_plain = mimepart_text(raw_text ? NULL :
		    mm->mm_content_type, data, len);
	} else if (!attachment && m->text_html == NULL &&
	    strcmp(ctype, "text/html") == 0) {
		m->text_html = mimepart_text(mm->mm_content_type, data, len);
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
		w->error = mimescan_error_depth(w->lim);
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
	struct mailmime *root = NULL;
	struct walk w;
	char *fixed = NULL;
	size_t fixed_len = 0, body_off, idx = 0;
	int r;

	*msg_r = NULL;
	if (limits == NULL) {
		mime_limits_default(&def);
		limits = &def;
	}
	if (data == NULL)
		data = "", len = 0;
	if (mimescan_check(data, len, limits, &fixed, &fixed_len,
	    error_r) == -1)
		return -1;

	msg = xcalloc(1, sizeof(*msg));
	body_off = mimehdr_read(msg, data, len, limits->max_headers);

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

		msg->content_type = mimepart_content_type(
		    body->mm_content_type);
		if (strcmp(msg->content_type, "multipart/report") == 0)
			msg->is_report = 1;
		r = walk_part(&w, body, 0);
	} else {
		/* No structure libetpan could read: the body is plain text. */
		msg->content_type = xstrdup("text/plain");
		msg->text_plain = mimepart_text(NULL, data + body_off,
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
