/* SPDX-License-Identifier: MIT */
/*
 * log - stderr in the foreground, syslog otherwise.  See log.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int log_foreground = 1;
static enum log_level log_level = LOG_LVL_INFO;

void
log_init(int foreground, enum log_level level)
{
	log_foreground = foreground;
	log_level = level;
	if (!foreground)
		openlog("socialorder", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

void
log_vlog(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *name[] = { "error", "warning", "info", "debug" };

	if (level > log_level)
		return;
	if (log_foreground) {
		char ts[32];
		time_t t = time(NULL);
		struct tm tm;

		char line[1024], *big = NULL;
		va_list ap2;
		int h, n;

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S",
		    localtime_r(&t, &tm));
		/* One write per line: stderr is unbuffered, and lines of
		 * several writers must not interleave. */
		h = snprintf(line, sizeof(line), "%s socialorder %s: ", ts,
		    name[level]);
		va_copy(ap2, ap);
		n = vsnprintf(line + h, sizeof(line) - (size_t)h - 1, fmt, ap2);
		va_end(ap2);
		if (n < 0)
			return;
		if ((size_t)n < sizeof(line) - (size_t)h - 1) {
			line[h + n] = '\n';
			fwrite(line, 1, (size_t)(h + n) + 1, stderr);
			return;
		}
		if ((big = malloc((size_t)(h + n) + 2)) == NULL) {
			/* Out of memory: the line, cut, is better than none. */
			line[sizeof(line) - 1] = '\n';
			fwrite(line, 1, sizeof(line), stderr);
			return;
		}
		memcpy(big, line, (size_t)h);
		vsnprintf(big + h, (size_t)n + 1, fmt, ap);
		big[h + n] = '\n';
		fwrite(big, 1, (size_t)(h + n) + 1, stderr);
		free(big);
	} else
		vsyslog(prio[level], fmt, ap);
}

#define LOG_FN(fn, lvl)                                 \
	void fn(const char *fmt, ...)                   \
	{                                               \
		va_list ap;                             \
		va_start(ap, fmt);                      \
		log_vlog(lvl, fmt, ap);                 \
		va_end(ap);                             \
	}

LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)
