/* SPDX-License-Identifier: MIT */
/*
 * fuzz_formprofile - form_profile_load() on a hostile profile file, and
 * form_parse() with every profile that loads.
 *
 * The input up to its first NUL byte is the profile file (written to a
 * memory file and loaded by its /proc path, so the real file reading is
 * fuzzed too); the rest, if any, is the plain-text part of a form (through
 * charset_to_utf8(), as the MIME parser hands it over), else a fixed form
 * in the usual shape.  A profile that fails must say why, starting with
 * the file name; a profile that loads must read any form without crash,
 * hang or invalid UTF-8 in what it returns: its patterns run with its own
 * match and depth limits, which the file may set as high as the
 * documented maximum.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "charset.h"
#include "form.h"
#include "fuzz.h"
#include "fuzzform.h"

static const char fixed_form[] =
    "Besteller: Erika Musterfrau\n"
    "E-Mail: erika.musterfrau@exempla.test\n"
    "Organisationseinheit: 10.2 Personalamt\n"
    "Kostenstelle: 4711\n"
    "Lieferort: RH-214\n"
    "Bemerkung: bitte bis Freitag\n"
    "Positionen:\n"
    "1 | 100234 | Kopierpapier A4 | 5 | Pack | 4,29\n"
    "2 | | Tesafilm aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab | 2 | Rolle |\n";

static int memfd = -1;
static char path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((memfd = memfd_create("form-profile.ini", MFD_CLOEXEC)) == -1) {
		perror("fuzz_formprofile: memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return 0;
}

static void
parse_with(const struct form_profile *p, const char *text)
{
	struct form_input in = { text, NULL, NULL, 0 };
	struct form *f = NULL;
	const char *err = NULL;
	char *oe;

	if (form_parse(p, &in, &f, &err) == -1) {
		if (err == NULL)
			abort();
	} else {
		fuzz_check_form(f);
		oe = form_oe_code(p, f->field[FF_OE]);
		fuzz_check_string(oe, 0);
		free(oe);
		form_free(f);
	}
	/* The same text as the HTML part: label cells go through the profile. */
	in.text_plain = NULL;
	in.text_html = text;
	if (form_parse(p, &in, &f, &err) == 0)
		form_free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t plen = nul ? (size_t)(nul - data) : size;
	struct form_profile *p;
	const char *err = NULL;

	if (ftruncate(memfd, 0) == -1 ||
	    pwrite(memfd, data, plen, 0) != (ssize_t)plen)
		abort();
	if ((p = form_profile_load(path, &err)) == NULL) {
		if (err == NULL || strncmp(err, path, strlen(path)) != 0) {
			fprintf(stderr, "fuzz_formprofile: error without the "
			    "file name: %s\n", err ? err : "(none)");
			abort();
		}
		return 0;
	}
	if (nul != NULL) {
		char *text = charset_to_utf8(NULL, (const char *)nul + 1,
		    size - plen - 1);

		parse_with(p, text);
		free(text);
	} else
		parse_with(p, fixed_form);
	form_profile_free(p);
	return 0;
}
