/* SPDX-License-Identifier: MIT */
/*
 * fuzz_command - command_parse() on a hostile reply or command mail: the
 * input's first line is the subject, the rest the body.  Both are made
 * what the MIME parser hands over (the subject decoded like a header
 * value, the body valid UTF-8) so that only reachable input is tried.
 * classify_find_case_nr() gets the raw bytes as well.  The reason text
 * (rest) cut out of valid UTF-8 must still be valid UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "classify.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts p;
	struct command cmd;
	char *subject, *body, nr[32];
	enum command_kind kind;

	fuzz_split(data, size, '\n', 2, &p);
	subject = charset_decode_header(p.part[0]);
	body = charset_to_utf8(NULL, p.part[1], p.len[1]);

	memset(&cmd, 0, sizeof(cmd));
	kind = command_parse(subject, body, "SO", &cmd);
	if (kind != cmd.kind && kind != CMD_NONE)
		abort();
	if (strnlen(cmd.case_nr, sizeof(cmd.case_nr)) == sizeof(cmd.case_nr) ||
	    strnlen(cmd.token, sizeof(cmd.token)) == sizeof(cmd.token))
		abort();
	if (cmd.rest != NULL && !utf8_valid(cmd.rest, strlen(cmd.rest)))
		abort();
	(void)command_name(kind);
	command_free(&cmd);

	/* Without a reply prefix: the body alone. */
	memset(&cmd, 0, sizeof(cmd));
	command_parse("", body, "SO", &cmd);
	command_free(&cmd);

	if (classify_find_case_nr(p.part[0], "SO", nr) == 1 &&
	    strnlen(nr, sizeof(nr)) == sizeof(nr))
		abort();
	(void)classify_find_case_nr(p.part[1], "so", nr);

	free(subject);
	free(body);
	fuzz_parts_free(&p);
	return 0;
}
