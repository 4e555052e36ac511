/* SPDX-License-Identifier: MIT */
/*
 * mimepart - what one leaf of libetpan's MIME tree contains: its content
 * type, its file name, its transfer-decoded bytes, and its text as UTF-8.
 *
 * Pure; works on a struct mailmime that libetpan built from a message
 * mimescan has checked.  Broken encodings are decoded as far as possible,
 * never rejected.  It does not walk the tree, decide which part is the body
 * and which an attachment, or enforce limits; that is mime's job.
 *
 * Every function returns a NUL-terminated string the caller frees.
 */
#ifndef SO_MIMEPART_H
#define SO_MIMEPART_H

#include <stddef.h>

#include <libetpan/libetpan.h>

/*
 * Lower case "type/subtype" of a content type, printable ASCII only;
 * "text/plain" for NULL (no Content-Type).  Never NULL.
 */
char *mimepart_content_type(const struct mailmime_content *ct);

/*
 * The decoded file name of the part: from Content-Disposition, else from
 * the Content-Type name parameter; RFC 2231 values win over plain ones.
 * NULL if there is none.  *attachment_r is set to 1 for
 * "Content-Disposition: attachment", else 0.
 */
char *mimepart_filename(const struct mailmime *mm, int *attachment_r);

/*
 * The transfer-decoded bytes of the part (7bit, 8bit, binary and unknown
 * encodings as they are, quoted-printable, base64), NUL-terminated, with
 * their length in *len_r.  Never NULL.
 */
char *mimepart_bytes(const struct mailmime *mm, size_t *len_r);

/*
 * bytes[0..len) as body text: converted to UTF-8 from the charset parameter
 * of ct (ct may be NULL: undeclared), CR LF and lone CR turned into LF, and
 * format=flowed lines joined (RFC 3676, DelSp honoured).  Never NULL.
 */
char *mimepart_text(struct mailmime_content *ct, const char *bytes,
    size_t len);

#endif
