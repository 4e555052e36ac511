/* SPDX-License-Identifier: MIT */
/*
 * charset - convert text in a declared or undeclared charset to UTF-8 and
 * decode RFC 2047 encoded words.  Pure functions, no I/O.
 *
 * UTF-8, US-ASCII, ISO-8859-1 and windows-1252 are converted by our own
 * tables (independent of the locale); other charsets go through iconv(3).
 * Invalid sequences become U+FFFD; the result is always valid UTF-8.
 */
#ifndef SO_CHARSET_H
#define SO_CHARSET_H

#include <stddef.h>

/*
 * Convert in[0..len) from charset (NULL or "" = undeclared: UTF-8 if valid,
 * else windows-1252) to UTF-8.  NUL bytes in the input become U+FFFD.
 * Returns a NUL-terminated string the caller frees; never NULL.  An unknown
 * charset is treated as undeclared.
 */
char *charset_to_utf8(const char *charset, const char *in, size_t len);

/*
 * Decode RFC 2047 encoded words in one unfolded header value (B and Q
 * encodings, any charset charset_to_utf8 knows; white space between adjacent
 * encoded words dropped; raw 8-bit text treated as undeclared).  The result
 * has every control character, CR and LF included, replaced by a space.
 * Caller frees; never NULL.
 */
char *charset_decode_header(const char *value);

#endif
