/* SPDX-License-Identifier: MIT */
/*
 * formtext - read form fields and positions out of plain text:
 * "Label: value" lines and, after the profile's positions_start line, the
 * rows of the positions table, both as the profile's patterns describe them.
 *
 * Bounded: lines over 4096 bytes (and lines that are not valid UTF-8) are
 * skipped, more than 20000 lines fail.  It does not judge values and does
 * not merge with other readers; form_parse() does that.
 */
#ifndef SO_FORMTEXT_H
#define SO_FORMTEXT_H

#include <stddef.h>

#include "formpart.h"
#include "formprofile.h"

/*
 * Read text (UTF-8, LF or CR LF line ends) into out; a field already set in
 * out is kept.  Returns 0, or -1 with *error_r (static German sentence) for
 * too many lines or positions; out keeps what was read until then.
 */
int formtext_read(struct formprofile_matcher *m, const char *text,
    struct form_part *out, const char **error_r);

/*
 * Read one line as "Label: value" per the profile's label_line pattern and
 * set the field its label names, if any and not yet set.
 */
void formtext_label_line(struct formprofile_matcher *m, const char *line,
    struct form_part *out);

/*
 * Copy src[0..len) to dst (at least len + 1 bytes) with every U+00A0
 * (no-break space) turned into a plain space, NUL-terminated.
 */
void formtext_nbsp_copy(char *dst, const char *src, size_t len);

#endif
