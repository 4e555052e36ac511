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

	/* Limits a few bytes of input can hit. */
	limits.max_size = 2048;
	limits.max_depth = 3;
	limits.max_parts = 4;
	limits.max_headers = 12;
	limits.max_line = 200;
	if (mime_parse(raw, size, &limits, &msg, &err) == 0)
		mime_msg_free(msg);
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
	if (msg->text_plain == NULL && msg->text_html != NULL) {
		struct mail_msg view = *msg;

		view.text_plain = html_to_text(msg->text_html);
		classify_mail(&view, &cctx, &cmd, &why);
		free(view.text_plain);
	} else
		classify_mail(msg, &cctx, &cmd, &why);
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
