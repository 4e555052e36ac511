/* SPDX-License-Identifier: MIT */
/*
 * mimescan - the cheap line-by-line pre-scan of a raw message that runs
 * before libetpan sees a byte, and the line reader it is built on.
 *
 * libetpan recurses once per multipart level and once per nested comment
 * "((...", and allocates a structure per part, field and address.  This
 * module checks size, line length, header count and volume, comment
 * nesting, MIME depth and part count first, following the boundaries the
 * way libetpan does, and repairs missing closing boundaries (which libetpan
 * answers by dropping whole parts) in a copy of the message.
 *
 * Pure: bytes in, verdict and repaired copy out.  It does not parse header
 * values beyond the Content-Type boundary parameter, does not decode
 * anything and does not build a struct mail_msg; that is mime's job.
 */
#ifndef SO_MIMESCAN_H
#define SO_MIMESCAN_H

#include <stddef.h>

#include "mime.h"

/* One physical line of data. */
struct mimescan_line {
	size_t start;           /* offset of the first byte */
	size_t len;             /* without CR LF */
	size_t next;            /* offset of the next line */
};

/*
 * The line of data[0..len) that starts at pos (pos < len): a line ends at
 * LF or at the end of the data; a CR before the LF is not part of it.
 */
void mimescan_line_next(const char *data, size_t len, size_t pos,
    struct mimescan_line *l);

/*
 * If the line p[0..n) starts a header field "Name:" (obsolete white space
 * before the colon allowed), return the offset just after the colon and set
 * *namelen_r (may be NULL) to the length of the name; else return 0.
 */
size_t mimescan_field_start(const char *p, size_t n, size_t *namelen_r);

/*
 * Check data[0..len) against limits and follow its MIME structure.
 * Returns 0 and sets *fixed_r to NULL if the data needs no repair, or to a
 * repaired copy of *fixed_len_r bytes (caller frees; not NUL-terminated).
 * Returns -1 and sets *error_r to a German sentence for the sender (static,
 * valid until the next call into this module) if a limit is exceeded or
 * the structure is hostile (e.g. a boundary longer than 256 bytes).
 */
int mimescan_check(const char *data, size_t len,
    const struct mime_limits *limits, char **fixed_r, size_t *fixed_len_r,
    const char **error_r);

/*
 * The German messages for "more than max_parts parts" and "nested deeper
 * than max_depth", so that the check of libetpan's tree says the same as
 * the pre-scan.  Static, valid until the next call into this module.
 */
const char *mimescan_error_parts(const struct mime_limits *limits);
const char *mimescan_error_depth(const struct mime_limits *limits);

#endif
