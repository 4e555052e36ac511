/* SPDX-License-Identifier: MIT */
/*
 * util - allocation, bounded growable buffers, small string and money helpers.
 *
 * The x-allocators never return NULL: on out-of-memory they log and abort,
 * because no caller can do anything useful without memory.  struct buf is the
 * one growable buffer type of the project; every buffer has a maximum size so
 * that hostile input cannot make it grow without bound.  Nothing here does I/O
 * apart from fatalx() writing its message to the log.
 */
#ifndef SO_UTIL_H
#define SO_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define SO_ATTR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define SO_ATTR_NORETURN __attribute__((noreturn))
#define SO_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Allocators: abort on OOM, never return NULL.  Memory is freed with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);           /* xstrdup(NULL) returns NULL */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) SO_ATTR_PRINTF(1, 2);
/* The strings up to a NULL, one after the other (no format to parse). */
char *xstrcat(const char *s, ...) __attribute__((sentinel));
char *xvasprintf(const char *fmt, va_list ap) SO_ATTR_PRINTF(1, 0);

/* Broken internal invariant: log and abort. */
void fatalx(const char *fmt, ...) SO_ATTR_PRINTF(1, 2) SO_ATTR_NORETURN;

/*
 * Growable byte buffer with a hard maximum.  data is always NUL-terminated
 * (the terminator is not counted in len) once anything was appended, and is
 * owned by the buffer until buf_steal().  Appends that would exceed max leave
 * the buffer unchanged and return -1; otherwise they return 0.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)

void buf_init(struct buf *b, size_t max);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) SO_ATTR_PRINTF(2, 3);
void buf_reset(struct buf *b);          /* len = 0, keeps memory */
const char *buf_cstr(struct buf *b);    /* never NULL: "" for an empty buffer */
char *buf_steal(struct buf *b);         /* caller frees; buffer is empty after */
void buf_free(struct buf *b);

/* Strings. */
char *str_trim(char *s);                     /* trims ASCII white space in place, returns s */
int str_casecmp(const char *a, const char *b); /* ASCII case-insensitive */
int str_ncasecmp(const char *a, const char *b, size_t n);
int str_has_prefix_ci(const char *s, const char *prefix);
const char *str_casestr(const char *hay, const char *needle); /* ASCII ci strstr */
void str_lower(char *s);                     /* ASCII only, in place */
int utf8_valid(const char *s, size_t len);   /* 1 if valid UTF-8 (no overlongs/surrogates) */

/*
 * Copy of s safe for one header line or one log line: CR, LF, TAB and other
 * control characters become a space (header) or an escape (log); at most
 * max bytes (0 = unlimited), cut on a UTF-8 character boundary.  Caller frees.
 */
char *str_header_safe(const char *s, size_t max);
char *str_log_safe(const char *s, size_t max);

/* Length of the valid UTF-8 character at p (at most n bytes), 0 if invalid. */
size_t utf8_char_len(const char *p, size_t n);
/* Copy of s with every byte that is not valid UTF-8 replaced by U+FFFD.  Caller frees. */
char *str_utf8_fix(const char *s);

/*
 * Money in euro cents.  money_parse() accepts "4,29", "1.234,56", "250",
 * "250,0", optionally followed by " EUR" or " €"; also a decimal point when
 * there is no comma ("4.29").  Returns 0 and fills *cents_r, or -1.
 * Negative amounts are rejected.  money_format() writes "1.234,56" into out
 * (at least 32 bytes).
 */
int money_parse(const char *s, int64_t *cents_r);
char *money_format(int64_t cents, char out[32]);

/* Milliseconds of CLOCK_MONOTONIC, for deadlines and timeouts. */
int64_t mono_ms(void);

/* Current time; tests may set SO_NOW=epoch-seconds to control the clock. */
int64_t so_now(void);

/* Random bytes from the kernel (getrandom); aborts if unavailable. */
void so_random(void *p, size_t n);
/* Hex of n random bytes; caller frees. */
/* n bytes as 2n lower-case hex digits and a NUL into out. */
void hex_encode(const unsigned char *in, size_t n, char *out);
char *so_random_hex(size_t n);

/*
 * Message UIDs: where the run of consecutive numbers that starts at uids[i]
 * ends (uids[i..end] are uids[i], uids[i] + 1, ...), and their qsort order.
 */
size_t uid_run_end(const uint32_t *uids, size_t n, size_t i);

/* v in decimal with at least width digits (zeros in front) at out, no NUL
 * (at most 20 bytes); the number of bytes. */
size_t dec_put(char *out, uint64_t v, int width);
int uid_cmp(const void *a, const void *b);

/* Read a whole file into *data_r (NUL-terminated), at most max bytes. */
int file_read(const char *path, size_t max, char **data_r, size_t *len_r,
    const char **error_r);

#endif
