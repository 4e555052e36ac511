/* SPDX-License-Identifier: MIT */
/*
 * fuzz_form - form_parse() with the built-in profile on hostile text.
 *
 * Without a NUL byte in the input it is read three times: as the plain
 * text part, as the HTML part and as a JSON attachment, each alone.  With
 * NUL bytes it is cut into "plain NUL html NUL json" and read once with
 * all three, so that the merging of text and HTML is reached too.  Text
 * parts pass through charset_to_utf8() first, as the MIME parser
 * guarantees form_parse() valid UTF-8; the JSON bytes go in raw.  Every
 * string of a parsed form must be valid UTF-8, and no position string NULL.
 */
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "form.h"
#include "fuzz.h"
#include "fuzzform.h"

static struct form_profile *profile;   /* compiled once, reachable: no leak */

static void
parse_one(const char *plain, const char *html, const char *json,
    size_t json_len)
{
	struct form_input in = { plain, html, json, json_len };
	struct form *f = NULL;
	const char *err = NULL;

	if (form_parse(profile, &in, &f, &err) == -1) {
		if (err == NULL)
			abort();
		return;
	}
	fuzz_check_form(f);
	{
		char *oe = form_oe_code(profile, f->field[FF_OE]);
		free(oe);
	}
	form_free(f);
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
	if (memchr(data, '\0', size) == NULL) {
		char *text = charset_to_utf8(NULL, (const char *)data, size);

		parse_one(text, NULL, NULL, 0);
		parse_one(NULL, text, NULL, 0);
		parse_one(NULL, NULL, (const char *)data, size);
		free(text);
	} else {
		struct fuzz_parts p;
		char *plain, *html;

		fuzz_split(data, size, '\0', 3, &p);
		plain = charset_to_utf8(NULL, p.part[0], p.len[0]);
		html = charset_to_utf8(NULL, p.part[1], p.len[1]);
		parse_one(*plain ? plain : NULL, *html ? html : NULL,
		    p.n > 2 ? p.part[2] : NULL, p.n > 2 ? p.len[2] : 0);
		free(plain);
		free(html);
		fuzz_parts_free(&p);
	}
	return 0;
}
