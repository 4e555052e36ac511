/* SPDX-License-Identifier: MIT */
/*
 * log - stderr in the foreground, syslog otherwise.  See log.h.
 */
#include <stdio.h>
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

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S",
		    localtime_r(&t, &tm));
		fprintf(stderr, "%s socialorder %s: ", ts, name[level]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
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
