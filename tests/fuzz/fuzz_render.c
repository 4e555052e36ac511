/* SPDX-License-Identifier: MIT */
/*
 * fuzz_render - render_string() twice per input: a fixed template shaped
 * like templates/de/confirmation.txt filled with hostile values (the
 * input cut at NUL bytes: requester, remark, position texts, ...), and the
 * input up to its first NUL as a template itself, with those values.
 *
 * The fixed template is valid, so rendering it must succeed whatever the
 * values are: a value can never add template syntax.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "render.h"

/* Room for the fixed template whatever the values (each is printed once or twice). */
#define FUZZ_OUT_MAX(size) ((size) * 8 + (size_t)64 * 1024)
/* Small for the hostile template, so that the output limit is reached. */
#define FUZZ_OUT_SMALL ((size_t)64 * 1024)

static const char fixed_tmpl[] =
    "Guten Tag {{requester_name}},\n"
    "Vorgang {{nr}} ({{state}})\n"
    "{{#needs_approval}}\n"
    "Grund: {{approval_reason}}\n"
    "{{/needs_approval}}\n"
    "{{#bemerkung}}\nBemerkung: {{bemerkung}}\n{{/bemerkung}}\n"
    "{{^bemerkung}}keine Bemerkung{{/bemerkung}}\n"
    "{{#positions}}\n"
    "  {{pos}}. {{#artikelnr}}Art.-Nr. {{artikelnr}}{{/artikelnr}}"
    "{{^artikelnr}}Freitext{{/artikelnr}}: {{bezeichnung}} ({{nr}})\n"
    "{{/positions}}\n"
    "{{! a comment }}Summe: {{total}} EUR\n";

/* Names under which the hostile values are set, in order. */
static const char *const keys[] = {
	"requester_name", "state", "bemerkung", "approval_reason",
	"needs_approval", "total",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts p;
	struct tvars *v = tvars_new();
	struct buf out;
	const char *err = NULL;

	fuzz_split(data, size, '\0', FUZZ_MAX_PARTS, &p);
	tvars_set(v, "nr", "SO-2026-000042");
	for (size_t i = 0; i < SO_NELEM(keys); i++)
		tvars_set(v, keys[i], p.part[i]);
	for (size_t i = SO_NELEM(keys); i < FUZZ_MAX_PARTS; i++) {
		struct tvars *it = tvars_add_item(v, "positions");

		tvars_setf(it, "pos", "%zu", i);
		tvars_set(it, "bezeichnung", p.part[i]);
		tvars_set(it, "artikelnr", i % 2 ? p.part[0] : "");
		/* A hostile key as well: found only by the template below. */
		tvars_set(it, p.part[1], p.part[i]);
	}

	buf_init(&out, FUZZ_OUT_MAX(size));
	if (render_string(fixed_tmpl, v, &out, &err) == -1)
		abort();
	buf_free(&out);

	buf_init(&out, FUZZ_OUT_SMALL);
	if (render_string(p.part[0], v, &out, &err) == -1 && err == NULL)
		abort();
	buf_free(&out);

	tvars_free(v);
	fuzz_parts_free(&p);
	return 0;
}
