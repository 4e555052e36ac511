/* SPDX-License-Identifier: MIT */
/*
 * fuzzform - the check of a parsed form shared by the fuzz targets that
 * run form_parse() (fuzz_form, fuzz_formprofile): what form.h promises of
 * every form it returns, whatever the input and the profile.
 */
#ifndef SO_FUZZFORM_H
#define SO_FUZZFORM_H

#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "util.h"

/* Abort unless s is valid UTF-8 (and there, if required). */
static inline void
fuzz_check_string(const char *s, int required)
{
	if (s == NULL ? required : !utf8_valid(s, strlen(s)))
		abort();
}

/* Abort unless every string of f is valid UTF-8 and no position string NULL. */
static inline void
fuzz_check_form(const struct form *f)
{
	for (size_t i = 0; i < FF_COUNT; i++)
		fuzz_check_string(f->field[i], 0);
	for (size_t i = 0; i < f->npositions; i++) {
		const struct form_position *fp = &f->positions[i];

		fuzz_check_string(fp->pos, 1);
		fuzz_check_string(fp->artikelnr, 1);
		fuzz_check_string(fp->bezeichnung, 1);
		fuzz_check_string(fp->menge, 1);
		fuzz_check_string(fp->einheit, 1);
		fuzz_check_string(fp->preis, 1);
	}
}

#endif
