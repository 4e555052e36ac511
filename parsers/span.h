/* SPDX-License-Identifier: MIT */
/*
 * span - ASCII helpers on byte ranges [p, end) that need not be
 * NUL-terminated: skip and trim white space, compare and search without
 * regard to ASCII case.  Locale-independent on purpose: the text of a mail
 * is not in the locale of the server.
 *
 * Pure, no allocation; returns pointers into the range it was given.  It
 * does not know UTF-8: a byte >= 0x80 is never white space and only equal
 * to itself.
 */
#ifndef SO_SPAN_H
#define SO_SPAN_H

#include <stddef.h>

/* 1 for ' ', '\t', '\r', '\n', '\f', '\v', else 0. */
int span_is_space(int c);

/* The first byte of [p, end) that is not white space, or end. */
const char *span_skip_space(const char *p, const char *end);

/* end moved back over trailing white space, but not before p. */
const char *span_trim_end(const char *p, const char *end);

/* 1 if [p, end) starts with s, ignoring ASCII case. */
int span_has_prefix_ci(const char *p, const char *end, const char *s);

/* The first occurrence of s in [p, end), ignoring ASCII case, or NULL. */
const char *span_find_ci(const char *p, const char *end, const char *s);

/* 1 if p[0..len) equals s, ignoring ASCII case. */
int span_equal_ci(const char *p, size_t len, const char *s);

#endif
