/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mime - the whole path a mail takes before the database, as the
 * parser sandbox runs it: mailparse_run() (mime_parse() with the default
 * limits, on failure the header block alone; classify_mail(), on the text
 * of the HTML part if there is no plain text; form_parse() with the
 * built-in profile), then the wire form that carries the result to the
 * daemon, encoded and decoded again.  Each input is parsed once more with
 * tight limits first, so that every way out of mime_parse() on a limit is
 * taken with little input.
 *
 * Besides crashes it checks what mime.h promises of a parsed message:
 * every string valid UTF-8, no CR or LF in any header string, attachment
 * data NUL-terminated; classify_mail() gives a reason for machine mail;
 * and the decoder accepts whatever the encoder wrote, unchanged.
 *
 * It does not touch the database, the master data or the answer mails.
 */
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "form.h"
#include "fuzz.h"
#include "mailparse.h"
#include "mime.h"

static struct form_profile *profile;   /* compiled once, reachable: no leak */

static const struct classify_ctx cctx = {
	.own_address = "bestellung@exempla.test",
	.case_prefix = "SO",
	.msgid_domain = "exempla.test",
};

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

static void
keep(const char *data, size_t len)
{
	(void)data;
	(void)len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *raw = (const char *)data, *err = NULL;
	struct mime_limits limits;
	struct mail_msg *msg = NULL;

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
	{
		struct mailparse_ctx ctx = { &limits, profile, cctx };
		struct parsed_mail p, back;
		struct wire_arena *a;
		struct buf b;
		size_t off = 0;

		mailparse_run(&ctx, raw, size, size % 7 == 0, &p);
		if (p.msg != NULL)
			check_msg(p.msg);
		if (p.kind == MAIL_MACHINE && p.why == NULL)
			abort();
		if (p.form != NULL) {
			char *oe = form_oe_code(profile, p.form->field[FF_OE]);
			free(oe);
		}
		buf_init(&b, 64 * 1024 * 1024);
		if (mailparse_encode(&p, &b) == -1)
			abort();
		/* The buffer stays b's: freed after the decoded mail. */
		a = wire_arena_new(b.data, b.len, keep);
		if (mailparse_decode(a, &off, &back, &err) == -1 ||
		    off != b.len || back.kind != p.kind ||
		    (back.msg == NULL) != (p.msg == NULL) ||
		    (back.form == NULL) != (p.form == NULL) ||
		    (p.msg && p.msg->nheaders != back.msg->nheaders))
			abort();
		parsed_mail_free(&back);
		wire_arena_unref(a);
		buf_free(&b);
		parsed_mail_free(&p);
	}
	return 0;
}
