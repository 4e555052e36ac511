/* SPDX-License-Identifier: MIT */
/*
 * span - ASCII helpers on byte ranges (see span.h), shared by the readers
 * of subjects, headers and reply bodies (classify, quote, machine).  It
 * does nothing with UTF-8 or the locale.
 */
#include <string.h>

#include "span.h"
#include "util.h"

int
span_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

const char *
span_skip_space(const char *p, const char *end)
{
	while (p < end && span_is_space((unsigned char)*p))
		p++;
	return p;
}

const char *
span_trim_end(const char *p, const char *end)
{
	while (end > p && span_is_space((unsigned char)end[-1]))
		end--;
	return end;
}

int
span_has_prefix_ci(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && str_ncasecmp(p, s, n) == 0;
}

const char *
span_find_ci(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	for (; (size_t)(end - p) >= n; p++)
		if (str_ncasecmp(p, s, n) == 0)
			return p;
	return NULL;
}

int
span_equal_ci(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && str_ncasecmp(p, s, len) == 0;
}
