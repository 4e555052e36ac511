/* SPDX-License-Identifier: MIT */
/*
 * formhtml - read form fields and positions out of the HTML part of a form
 * mail.
 *
 * HTML is read as table rows (label/value rows, also the Gravity Forms
 * layout of a label row followed by a value row, and position rows mapped
 * by a header row), and then as text (html_to_text, formtext) for what the
 * tables did not give, so "<p>Besteller: ...<br>" forms are read too.
 *
 * Bounded: more than 5000 table rows fail.  It does not judge values and
 * does not merge with the plain-text part; form_parse() does that.
 */
#ifndef SO_FORMHTML_H
#define SO_FORMHTML_H

#include "formpart.h"
#include "formprofile.h"

/*
 * Read html (UTF-8) into out.  Returns 0, or -1 with *error_r (static
 * German sentence) for too many table rows, lines or positions; out keeps
 * what was read until then.
 */
int formhtml_read(struct formprofile_matcher *m, const char *html,
    struct form_part *out, const char **error_r);

#endif
