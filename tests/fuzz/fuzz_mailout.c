/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mailout - mailout_compose() with hostile display names, subject,
 * body, References and attachment file name (the input cut at NUL bytes,
 * in that order; an attachment only if a file name part is present).
 *
 * Besides crashes it checks the promise of mailout.h that no input can
 * inject a header (fuzz_check_headers(): exactly one Subject line, no Bcc
 * line, no bare CR or LF, no line longer than 998 bytes).  A violation
 * aborts.
 *
 * For inputs of odd length the output buffer already holds a line and has
 * a small maximum, so that running out of room is tried too: the buffer
 * must then be left exactly as it was.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "mailout.h"

#define FUZZ_OUT_MAX ((size_t)8 * 1024 * 1024)
#define FUZZ_OUT_SMALL ((size_t)1536)
#define FUZZ_PREFIX "X-Before: 1\r\n"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts p;
	struct mailout_attachment att;
	struct mailout m;
	struct buf out;
	const char *err = NULL;

	fuzz_split(data, size, '\0', 7, &p);
	memset(&m, 0, sizeof(m));
	m.from_addr = "bestellung@exempla.test";
	m.from_name = p.part[0];
	m.to_addr = "erika.musterfrau@exempla.test";
	m.to_name = p.part[1];
	m.subject = p.part[2];
	m.body = p.part[3];
	m.message_id = "so.confirmation.0123456789abcdef@exempla.test";
	m.in_reply_to = p.part[4];
	m.references = p.part[4];
	m.auto_submitted = "auto-replied";
	m.suppress_auto_responses = 1;
	m.date = 1777975200;
	if (p.n > 5) {
		att.content_type = p.n > 6 && *p.part[6] ? p.part[6] :
		    "text/csv; charset=utf-8";
		att.filename = p.part[5];
		att.data = p.part[3];
		att.len = p.len[3];
		m.attachments = &att;
		m.nattachments = 1;
	}

	if (size % 2 == 0) {
		buf_init(&out, FUZZ_OUT_MAX);
		if (mailout_compose(&m, &out, &err) == 0)
			fuzz_check_headers(buf_cstr(&out), out.len);
		else if (err == NULL)
			abort();
	} else {
		size_t plen = strlen(FUZZ_PREFIX);

		buf_init(&out, FUZZ_OUT_SMALL);
		if (buf_puts(&out, FUZZ_PREFIX) == -1)
			abort();
		if (mailout_compose(&m, &out, &err) == 0)
			fuzz_check_headers(buf_cstr(&out) + plen, out.len - plen);
		else if (err == NULL || out.len != plen ||
		    strcmp(buf_cstr(&out), FUZZ_PREFIX) != 0)
			abort();
	}
	buf_free(&out);
	fuzz_parts_free(&p);
	return 0;
}
