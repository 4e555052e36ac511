/* SPDX-License-Identifier: MIT */
/*
 * mimehdr - the top-level header block of a message, read into the header
 * fields of a struct mail_msg, and the decoding of header values into
 * header-safe UTF-8 (valid UTF-8, no control characters, trimmed) that the
 * part headers (file names) need as well.
 *
 * It reads the raw bytes itself rather than libetpan's header list, so that
 * every field (Auto-Submitted, List-Id, ...) is available decoded via
 * mime_header(); libetpan only parses the addresses.  It enforces no limits
 * of its own apart from the header count it is given: mimescan has checked
 * line lengths and header volume before.  It does not look at the body.
 */
#ifndef SO_MIMEHDR_H
#define SO_MIMEHDR_H

#include <stddef.h>

#include "mime.h"

/*
 * Read at most max header fields from the start of data[0..len) into
 * msg->headers (names as in the message, values unfolded and RFC 2047
 * decoded) and fill msg's convenience fields (from_addr, subject,
 * message_id, ...).  The block ends at an empty line or at the first line
 * that is not a field, as in libetpan.  Returns the offset of the body.
 * msg must be zeroed; what is filled in belongs to msg (mime_msg_free).
 */
size_t mimehdr_read(struct mail_msg *msg, const char *data, size_t len,
    unsigned max);

/*
 * The bytes s[0..len) in charset (NULL: undeclared) as header-safe UTF-8;
 * NULL if nothing is left.  Caller frees.
 */
char *mimehdr_text(const char *charset, const char *s, size_t len);

/*
 * A raw header value with RFC 2047 encoded words decoded, as header-safe
 * UTF-8; NULL if nothing is left.  Caller frees.
 */
char *mimehdr_decode(const char *value);

#endif
