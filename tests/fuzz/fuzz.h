/* SPDX-License-Identifier: MIT */
/*
 * fuzz - helpers shared by the libFuzzer targets in tests/fuzz: turning
 * the fuzzer's bytes into the NUL-terminated strings the parsers take.
 *
 * fuzz_check_headers() holds the header promise that every target
 * composing mail checks.
 *
 * Every target is deterministic (no clock, no randomness that changes the
 * path taken) and frees everything it allocated, so that a leak report or
 * a crash always points at the parser, never at the harness.  Nothing here
 * is linked into the daemon.
 */
#ifndef SO_FUZZ_H
#define SO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* At most this many parts come out of fuzz_split(). */
#define FUZZ_MAX_PARTS 8

struct fuzz_parts {
	char *part[FUZZ_MAX_PARTS];     /* NUL-terminated copies, never NULL */
	size_t len[FUZZ_MAX_PARTS];
	size_t n;                       /* parts actually present in the input */
};

/*
 * Cut data[0..size) at the first max - 1 occurrences of sep; the last part
 * keeps the rest (sep included).  Each part is a NUL-terminated copy of
 * len bytes (the last may hold NUL bytes itself).  Parts beyond those
 * present are "" and not counted in n.  Free with fuzz_parts_free().
 */
static inline void
fuzz_split(const uint8_t *data, size_t size, char sep, size_t max,
    struct fuzz_parts *p)
{
	const char *s = (const char *)data, *end = s + size;

	if (max > FUZZ_MAX_PARTS)
		max = FUZZ_MAX_PARTS;
	memset(p, 0, sizeof(*p));
	while (p->n < max && (s < end || p->n == 0)) {
		const char *e = p->n + 1 < max ? memchr(s, sep, (size_t)(end - s)) :
		    NULL;
		size_t l = e ? (size_t)(e - s) : (size_t)(end - s);

		p->part[p->n] = xmalloc(l + 1);
		memcpy(p->part[p->n], s, l);
		p->part[p->n][l] = '\0';
		p->len[p->n] = l;
		p->n++;
		s += l;
		if (e == NULL)
			break;
		s++;
	}
	for (size_t i = p->n; i < FUZZ_MAX_PARTS; i++)
		p->part[i] = xstrdup("");
}

static inline void
fuzz_parts_free(struct fuzz_parts *p)
{
	for (size_t i = 0; i < FUZZ_MAX_PARTS; i++)
		free(p->part[i]);
}

/* data[0..size) as a NUL-terminated string (cut at the first NUL). */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	return xstrndup((const char *)data, size);
}

/*
 * Abort unless the header block of msg[0..len) is what mailout.h promises
 * whatever the input: it ends in an empty line, has exactly one Subject
 * line and no Bcc line, no bare CR or LF, no NUL and no line longer than
 * 998 bytes.
 */
static inline void
fuzz_check_headers(const char *msg, size_t len)
{
	const char *end = memmem(msg, len, "\r\n\r\n", 4), *p = msg;
	size_t subjects = 0;

	if (end == NULL)
		abort();
	end += 2;       /* the CRLF of the last header line */
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		size_t l;

		if (eol == NULL)
			abort();
		l = (size_t)(eol - p);
		if (memchr(p, '\r', l) != NULL ||
		    memchr(p, '\n', l) != NULL || memchr(p, '\0', l) != NULL ||
		    l > 998)
			abort();
		if (l >= 8 && str_ncasecmp(p, "subject:", 8) == 0)
			subjects++;
		if (l >= 4 && str_ncasecmp(p, "bcc:", 4) == 0)
			abort();
		p = eol + 2;
	}
	if (subjects != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
