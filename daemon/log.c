/* SPDX-License-Identifier: MIT */
/*
 * log - stderr in the foreground, syslog otherwise.  See log.h.
 */
#include <limits.h>
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

/*
 * Lines held back (see log_hold()): records of one level byte and the
 * line, NUL-terminated; a foreground line keeps the time it was made.
 */
#define LOG_HOLD_MAX ((size_t)4 * 1024 * 1024)
static struct {
	char *data;
	size_t len, cap;
	int on;
} held;

static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

static void
emit(enum log_level level, const char *line, size_t len)
{
	if (log_foreground)
		fwrite(line, 1, len, stderr);
	else
		syslog(prio[level], "%s", line);
}

/*
 * The held lines, in order.  In the foreground whole lines are gathered
 * into writes of up to PIPE_BUF bytes (a batch of mail makes hundreds of
 * lines): no line is split, and on a pipe or the journal's socket no other
 * process's line lands inside one.  Syslog takes them one by one.
 */
static void
held_emit(void)
{
	static char out[PIPE_BUF];
	size_t n = 0;

	for (size_t i = 0; i < held.len;) {
		const char *line = held.data + i + 1;
		size_t l = strlen(line);
		unsigned char lv = (unsigned char)held.data[i];

		i += l + 2;
		if (n > 0 && (!log_foreground || n + l > sizeof(out))) {
			fwrite(out, 1, n, stderr);
			n = 0;
		}
		if (!log_foreground || l > sizeof(out)) {
			emit(lv <= LOG_LVL_DEBUG ? (enum log_level)lv :
			    LOG_LVL_INFO, line, l);
			continue;
		}
		memcpy(out + n, line, l);
		n += l;
	}
	if (n > 0)
		fwrite(out, 1, n, stderr);
	held.len = 0;
}

/* Keep the line, or write it when it cannot be kept. */
static void
keep(enum log_level level, const char *line, size_t len)
{
	if (held.len + len + 2 > LOG_HOLD_MAX)
		held_emit();            /* a runaway: better early than never */
	if (held.len + len + 2 > held.cap) {
		size_t cap = held.cap ? held.cap : 16384;
		char *d;

		while (cap < held.len + len + 2)
			cap *= 2;
		if ((d = realloc(held.data, cap)) == NULL) {
			held_emit();
			emit(level, line, len);
			return;
		}
		held.data = d;
		held.cap = cap;
	}
	held.data[held.len] = (char)level;
	memcpy(held.data + held.len + 1, line, len);
	held.data[held.len + 1 + len] = '\0';
	held.len += len + 2;
}

/*
 * Errors are never held: they say why work is undone, and a fatal one is
 * followed by abort().
 */
static void
out(enum log_level level, const char *line, size_t len)
{
	if (held.on && level != LOG_LVL_ERROR)
		keep(level, line, len);
	else
		emit(level, line, len);
}

void
log_hold(void)
{
	held.on = 1;
}

void
log_release(void)
{
	held_emit();
	held.on = 0;
}

void
log_discard(void)
{
	held.len = 0;
	held.on = 0;
}

void
log_vlog(enum log_level level, const char *fmt, va_list ap)
{
	static const char *name[] = { "error", "warning", "info", "debug" };
	char line[1024], *big = NULL;
	va_list ap2;
	int h = 0, n;

	if (level > log_level)
		return;
	if (log_foreground) {
		char ts[32];
		time_t t = time(NULL);
		struct tm tm;

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S",
		    localtime_r(&t, &tm));
		h = snprintf(line, sizeof(line), "%s socialorder %s: ", ts,
		    name[level]);
	}
	/* One write per line: stderr is unbuffered, and lines of several
	 * writers must not interleave.  Room is left for the newline. */
	va_copy(ap2, ap);
	n = vsnprintf(line + h, sizeof(line) - (size_t)h - 1, fmt, ap2);
	va_end(ap2);
	if (n < 0)      /* say so rather than lose the line altogether */
		n = snprintf(line + h, sizeof(line) - (size_t)h - 1,
		    "(unprintable log line: %.60s)", fmt);
	if ((size_t)n >= sizeof(line) - (size_t)h - 1 &&
	    (big = malloc((size_t)(h + n) + 2)) != NULL) {
		memcpy(big, line, (size_t)h);
		vsnprintf(big + h, (size_t)n + 1, fmt, ap);
	} else if ((size_t)n >= sizeof(line) - (size_t)h - 1)
		n = (int)(sizeof(line) - (size_t)h - 2);  /* no memory: cut */
	{
		char *l = big ? big : line;
		size_t len = (size_t)(h + n);

		/* syslog lines have no newline of their own. */
		if (log_foreground)
			l[len++] = '\n';
		l[len] = '\0';
		out(level, l, len);
	}
	free(big);
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
