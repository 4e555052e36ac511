/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mime - the whole path a mail takes before the database, as
 * daemon/workflow.c decide() and handle_form() walk it: mime_parse() with
 * the default limits (on failure the header block alone), classify_mail()
 * (on the text of the HTML part if there is no plain text), and
 * form_parse() with the built-in profile on the text parts and the JSON
 * attachment.  Each input is parsed once more with tight limits first, so
 * that every way out of mime_parse() on a limit is taken with little input.
 *
 * Besides crashes it checks what mime.h promises of a parsed message:
 * every string valid UTF-8, no CR or LF in any header string, attachment
 * data NUL-terminated; and classify_mail() gives a reason for machine mail.
 *
 * It does not touch the database, the master data or the answer mails.
 */
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "form.h"
#include "fuzz.h"
#include "html.h"
#include "mime.h"

static struct form_profile *profile;   /* compiled once, reachable: no leak */

static const struct classify_ctx cctx = {
	.own_address = "bestellung@exempla.test",
	.case_prefix = "SO",
	.msgid_domain = "exempla.test",
};

/* As daemon/workflow.c header_end(): the end of the header block. */
static size_t
header_end(const char *raw, size_t len)
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

/* As daemon/workflow.c json_attachment(). */
static const struct mail_attachment *
json_attachment(const struct mail_msg *msg)
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

/* Abort unless s (may be NULL) is valid UTF-8, and one line if header. */
static void
check_string(const char *s, int header)
{
	if (s == NULL)
		return;
	if (!utf8_valid(s, strlen(s)))
		abort();
	if (header && strpbrk(s, "\r\n") != NULL)
		abort();
}

static void
check_msg(const struct mail_msg *msg)
{
	for (size_t i = 0; i < msg->nheaders; i++) {
		if (msg->headers[i].name == NULL || msg->headers[i].value == NULL)
			abort();
		check_string(msg->headers[i].name, 1);
		check_string(msg->headers[i].value, 1);
	}
	check_string(msg->from_addr, 1);
	check_string(msg->from_name, 1);
	check_string(msg->reply_to_addr, 1);
	check_string(msg->subject, 1);
	check_string(msg->message_id, 1);
	check_string(msg->in_reply_to, 1);
	check_string(msg->references, 1);
	check_string(msg->return_path, 1);
	check_string(msg->date, 1);
	check_string(msg->content_type, 1);
	check_string(msg->text_plain, 0);
	check_string(msg->text_html, 0);
	for (size_t i = 0; i < msg->nattachments; i++) {
		const struct mail_attachment *a = &msg->attachments[i];

		if (a->content_type == NULL || a->data == NULL ||
		    a->data[a->len] != '\0')
			abort();
		check_string(a->content_type, 1);
		check_string(a->filename, 1);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	profile = form_profile_default();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *raw = (const char *)data, *err = NULL, *why = NULL;
	struct mime_limits limits;
	struct mail_msg *msg = NULL;
	struct command cmd = { 0 };
	struct form *f = NULL;
	enum mail_kind kind;

	/* Limits a few bytes of input can hit. */
	limits.max_size = 2048;
	limits.max_depth = 3;
	limits.max_parts = 4;
	limits.max_headers = 12;
	limits.max_line = 200;
	if (mime_parse(raw, size, &limits, &msg, &err) == 0) {
		check_msg(msg);
		mime_msg_free(msg);
	}
	else if (err == NULL)
		abort();
	msg = NULL;

	mime_limits_default(&limits);
	if (mime_parse(raw, size, &limits, &msg, &err) == -1) {
		size_t hend = header_end(raw, size);

		msg = NULL;
		if (hend > 256 * 1024 ||
		    mime_parse(raw, hend, &limits, &msg, &err) == -1)
			return 0;
	}
	check_msg(msg);
	if (msg->text_plain == NULL && msg->text_html != NULL) {
		struct mail_msg view = *msg;

		view.text_plain = html_to_text(msg->text_html);
		kind = classify_mail(&view, &cctx, &cmd, &why);
		free(view.text_plain);
	} else
		kind = classify_mail(msg, &cctx, &cmd, &why);
	if (kind == MAIL_MACHINE && why == NULL)
		abort();
	command_free(&cmd);
	(void)mime_header(msg, "Authentication-Results");

	{
		const struct mail_attachment *ja = json_attachment(msg);
		struct form_input in = { msg->text_plain, msg->text_html,
		    ja ? ja->data : NULL, ja ? ja->len : 0 };

		if (form_parse(profile, &in, &f, &err) == 0) {
			char *oe = form_oe_code(profile, f->field[FF_OE]);
			free(oe);
			form_free(f);
		}
	}
	mime_msg_free(msg);
	return 0;
}
