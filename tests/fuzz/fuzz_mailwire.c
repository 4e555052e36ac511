/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mailwire - the daemon's side of the parser sandbox: whatever a
 * child that misbehaves (or was taken over by a hostile mail) writes, the
 * decoder must refuse or accept without crashing, and what it accepts
 * must keep mailparse.h's promises (no CR or LF in header strings, no NUL
 * inside strings, attachment data NUL-terminated).
 *
 * The first byte chooses the input: even, the rest is decoded as it is
 * (a stream of several results, as from a batch); odd, the rest is parsed
 * as a mail, encoded, and then one byte of the encoding chosen by the
 * second byte is changed before decoding, so that the fuzzer reaches deep
 * into well-formed encodings.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mailparse.h"

static struct form_profile *profile;    /* compiled once, reachable: no leak */

static void
check_line(const char *s)
{
	if (s != NULL && strpbrk(s, "\r\n") != NULL)
		abort();
}

static void
check(const struct parsed_mail *p)
{
	const struct mail_msg *m = p->msg;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nheaders; i++) {
		if (m->headers[i].name == NULL || m->headers[i].value == NULL)
			abort();
		check_line(m->headers[i].name);
		check_line(m->headers[i].value);
	}
	check_line(m->from_addr);
	check_line(m->subject);
	check_line(m->message_id);
	for (size_t i = 0; i < m->nattachments; i++)
		if (m->attachments[i].data == NULL ||
		    m->attachments[i].data[m->attachments[i].len] != '\0')
			abort();
	if (p->form != NULL && p->form->source == NULL)
		abort();
}

static void
release_copy(const char *data, size_t len)
{
	(void)len;
	free((void *)(uintptr_t)data);
}

/* Decode results until the data ends or one is refused. */
static void
decode_all(const char *data, size_t len)
{
	char *copy = xmalloc(len ? len : 1);
	struct wire_arena *a;
	size_t off = 0;

	memcpy(copy, data, len);
	a = wire_arena_new(copy, len, release_copy);

	while (off < len) {
		struct parsed_mail p;
		const char *err = NULL;
		size_t before = off;

		if (mailparse_decode(a, &off, &p, &err) == -1) {
			if (err == NULL || off != before)
				abort();
			break;
		}
		if (off <= before)
			abort();
		check(&p);
		parsed_mail_free(&p);
	}
	wire_arena_unref(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_limits limits;
	struct mailparse_ctx ctx = { &limits, NULL, { "bestellung@exempla.test",
	    "SO", "exempla.test" } };
	struct parsed_mail p;
	struct buf b;
	char *copy;

	if (size < 2)
		return 0;
	if ((data[0] & 1) == 0) {
		/* An exact copy, so that ASan sees any read beyond the end. */
		copy = xmalloc(size - 1 ? size - 1 : 1);
		memcpy(copy, data + 1, size - 1);
		decode_all(copy, size - 1);
		free(copy);
		return 0;
	}
	mime_limits_default(&limits);
	if (profile == NULL)
		profile = form_profile_default();
	ctx.profile = profile;
	mailparse_run(&ctx, (const char *)data + 2, size - 2, 0, &p);
	buf_init(&b, 64 * 1024 * 1024);
	if (mailparse_encode(&p, &b) == -1)
		abort();
	parsed_mail_free(&p);
	if (b.len > 0)
		b.data[(data[1] * 7919u) % b.len] ^= (char)(data[0] | 1);
	copy = xmalloc(b.len ? b.len : 1);
	memcpy(copy, b.data, b.len);
	decode_all(copy, b.len);
	free(copy);
	buf_free(&b);
	return 0;
}
