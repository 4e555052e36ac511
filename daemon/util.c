/* SPDX-License-Identifier: MIT */
/*
 * util - allocators that abort on OOM, the bounded buffer, string, money,
 * clock and randomness helpers shared by every module.  See util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static void
oom(size_t n)
{
	fatalx("out of memory allocating %zu bytes", n);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom(nmemb * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("allocation overflow: %zu * %zu", nmemb, size);
	return xrealloc(p, nmemb * size);
}

char *
xstrdup(const char *s)
{
	return s == NULL ? NULL : xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len = strnlen(s, n);

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	char small[256];
	int n;
	char *p;

	/* Most results are short: formatted once, into small. */
	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatalx("vsnprintf failed for format %.40s", fmt);
	p = xmalloc((size_t)n + 1);
	if ((size_t)n < sizeof(small))
		memcpy(p, small, (size_t)n + 1);
	else
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

char *
xstrcat(const char *s, ...)
{
	va_list ap;
	size_t len = 0, n;
	const char *p;
	char *out, *o;

	va_start(ap, s);
	for (p = s; p != NULL; p = va_arg(ap, const char *))
		len += strlen(p);
	va_end(ap);
	o = out = xmalloc(len + 1);
	va_start(ap, s);
	for (p = s; p != NULL; p = va_arg(ap, const char *)) {
		n = strlen(p);
		memcpy(o, p, n);
		o += n;
	}
	va_end(ap);
	*o = '\0';
	return out;
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	abort();
}

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : BUF_DEFAULT_MAX;
}

static int
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, ncap;

	if (extra > b->max || b->len > b->max - extra)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	b->data = xrealloc(b->data, ncap);
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	r = buf_puts(b, s);
	free(s);
	return r;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

const char *
buf_cstr(struct buf *b)
{
	return b->data ? b->data : "";
}

char *
buf_steal(struct buf *b)
{
	char *p = b->data ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

char *
str_trim(char *s)
{
	size_t len;
	char *p = s;

	while (is_space((unsigned char)*p))
		p++;
	len = strlen(p);
	while (len > 0 && is_space((unsigned char)p[len - 1]))
		len--;
	memmove(s, p, len);
	s[len] = '\0';
	return s;
}

static int
lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int
str_ncasecmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; a++, b++, n--) {
		int d = lc((unsigned char)*a) - lc((unsigned char)*b);
		if (d != 0 || *a == '\0')
			return d;
	}
	return 0;
}

int
str_casecmp(const char *a, const char *b)
{
	return str_ncasecmp(a, b, SIZE_MAX);
}

int
str_has_prefix_ci(const char *s, const char *prefix)
{
	return str_ncasecmp(s, prefix, strlen(prefix)) == 0;
}

const char *
str_casestr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (str_ncasecmp(hay, needle, n) == 0)
			return hay;
	return n == 0 ? hay : NULL;
}

void
str_lower(char *s)
{
	for (; *s; s++)
		*s = (char)lc((unsigned char)*s);
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;

	while (p < e) {
		unsigned c = *p;
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			uint64_t w;

			/* Mail text is mostly ASCII: eight bytes at a time. */
			while (e - p >= 8 && (memcpy(&w, p, 8),
			    (w & UINT64_C(0x8080808080808080)) == 0))
				p += 8;
			while (p < e && *p < 0x80)
				p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else
			return 0;
		if ((size_t)(e - p) <= n)
			return 0;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* Length of s cut to at most max bytes on a UTF-8 boundary. */
static size_t
utf8_cut(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (max == 0 || len <= max)
		return len;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	return len;
}

char *
str_header_safe(const char *s, size_t max)
{
	size_t len = utf8_cut(s, max);
	char *r = xstrndup(s, len);

	for (char *p = r; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return r;
}

char *
str_log_safe(const char *s, size_t max)
{
	struct buf b;
	size_t len;

	if (s == NULL)
		return xstrdup("-");
	len = utf8_cut(s, max);
	buf_init(&b, 0);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			buf_printf(&b, "\\x%02x", c);
		else
			buf_putc(&b, (char)c);
	}
	if (len < strlen(s))
		buf_puts(&b, "...");
	return buf_steal(&b);
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
size_t
utf8_char_len(const char *p, size_t n)
{
	unsigned char b = (unsigned char)*p;
	size_t len;

	if (b < 0x80)
		len = 1;
	else if ((b & 0xe0) == 0xc0)
		len = 2;
	else if ((b & 0xf0) == 0xe0)
		len = 3;
	else if ((b & 0xf8) == 0xf0)
		len = 4;
	else
		return 0;
	if (len > n || !utf8_valid(p, len))
		return 0;
	return len;
}

/* Copy of s with every byte that is not valid UTF-8 replaced by U+FFFD. */
char *
str_utf8_fix(const char *s)
{
	static const char repl[] = "\xef\xbf\xbd";
	size_t n = strlen(s), need = 0, o = 0, l;
	char *r;

	if (utf8_valid(s, n)) {
		r = xmalloc(n + 1);
		memcpy(r, s, n + 1);
		return r;
	}
	/* Measured first: values can be megabytes of bad bytes. */
	for (size_t i = 0; i < n; i += l ? l : 1) {
		l = utf8_char_len(s + i, n - i);
		need += l ? l : sizeof(repl) - 1;
	}
	r = xmalloc(need + 1);
	for (size_t i = 0; i < n; i += l ? l : 1) {
		if ((l = utf8_char_len(s + i, n - i)) != 0) {
			memcpy(r + o, s + i, l);
			o += l;
		} else {
			memcpy(r + o, repl, sizeof(repl) - 1);
			o += sizeof(repl) - 1;
		}
	}
	r[o] = '\0';
	return r;
}

int
money_parse(const char *s, int64_t *cents_r)
{
	int64_t units = 0;
	int frac = 0, fdigits = 0, digits = 0, seen_sep = 0;
	const char *p = s, *comma;
	char dec;

	while (*p == ' ' || *p == '\t')
		p++;
	comma = strchr(p, ',');
	dec = comma ? ',' : '.';
	/* With a decimal comma, dots are thousands separators. */
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (seen_sep) {
				if (++fdigits > 2)
					return -1;
				frac = frac * 10 + (*p - '0');
			} else {
				if (units > (INT64_MAX / 100 - 9) / 10)
					return -1;
				units = units * 10 + (*p - '0');
				digits++;
			}
		} else if (*p == dec && !seen_sep) {
			seen_sep = 1;
		} else if (*p == '.' && dec == ',' && !seen_sep && digits > 0) {
			continue;
		} else
			break;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (strcmp(p, "EUR") == 0 || strcmp(p, "\xe2\x82\xac") == 0)
		p += strlen(p);
	if (*p != '\0' || digits == 0 || (seen_sep && fdigits == 0))
		return -1;
	if (fdigits == 1)
		frac *= 10;
	*cents_r = units * 100 + frac;
	return 0;
}

char *
money_format(int64_t cents, char out[32])
{
	char tmp[24];
	int neg = cents < 0;
	uint64_t v = neg ? (uint64_t)(-(cents + 1)) + 1 : (uint64_t)cents;
	uint64_t units = v / 100;
	int n = 0, o = 0;

	/* Digits of units, last first (at most 20 for 2^64). */
	do {
		tmp[n++] = (char)('0' + units % 10);
		units /= 10;
	} while (units > 0);
	if (neg)
		out[o++] = '-';
	while (n > 0) {
		out[o++] = tmp[--n];
		if (n > 0 && n % 3 == 0)
			out[o++] = '.';
	}
	out[o++] = ',';
	out[o++] = (char)('0' + v % 100 / 10);
	out[o++] = (char)('0' + v % 10);
	out[o] = '\0';
	return out;
}

int64_t
so_now(void)
{
	const char *e = getenv("SO_NOW");

	if (e && *e)
		return strtoll(e, NULL, 10);
	return (int64_t)time(NULL);
}

void
so_random(void *p, size_t n)
{
	unsigned char *c = p;

	while (n > 0) {
		ssize_t r = getrandom(c, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fatalx("getrandom failed: %s", strerror(errno));
		}
		c += r;
		n -= (size_t)r;
	}
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
dec_put(char *out, uint64_t v, int width)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < sizeof(tmp));
	while ((int)n < width && n < sizeof(tmp))
		tmp[n++] = '0';
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

size_t
uid_run_end(const uint32_t *uids, size_t n, size_t i)
{
	while (i + 1 < n && uids[i + 1] == uids[i] + 1)
		i++;
	return i;
}

int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

char *
so_random_hex(size_t n)
{
	unsigned char raw[64];
	char *hex;

	if (n > sizeof(raw))
		fatalx("so_random_hex: %zu bytes requested", n);
	so_random(raw, n);
	hex = xmalloc(2 * n + 1);
	hex_encode(raw, n, hex);
	return hex;
}

int
file_read(const char *path, size_t max, char **data_r, size_t *len_r,
    const char **error_r)
{
	static __thread char err[512];
	struct buf b;
	char chunk[16384];
	int fd;
	ssize_t n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, sizeof(err), "open(%s) failed: %s", path,
		    strerror(errno));
		*error_r = err;
		return -1;
	}
	buf_init(&b, max);
	buf_append(&b, "", 0);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, sizeof(err), "read(%s) failed: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (buf_append(&b, chunk, (size_t)n) == -1) {
			snprintf(err, sizeof(err), "%s is larger than %zu bytes",
			    path, max);
			goto fail;
		}
	}
	close(fd);
	*len_r = b.len;
	*data_r = buf_steal(&b);
	return 0;
fail:
	close(fd);
	buf_free(&b);
	*error_r = err;
	return -1;
}
