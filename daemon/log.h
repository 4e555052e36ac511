/* SPDX-License-Identifier: MIT */
/*
 * log - one place for every log line.
 *
 * Lines go to stderr in the foreground and to syslog(3) otherwise.  Lines are
 * meant to be greppable: "case=SO-2026-000042 intake accepted uid=17 ...".
 * Untrusted text must pass through str_log_safe() (util.h) before it is put
 * into a log line; log_* do not escape for the caller.
 */
#ifndef SO_LOG_H
#define SO_LOG_H

#include "util.h"

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* foreground: stderr; else syslog with ident "socialorder". */
void log_init(int foreground, enum log_level level);
void log_set_level(enum log_level level);
void log_error(const char *fmt, ...) SO_ATTR_PRINTF(1, 2);
void log_warn(const char *fmt, ...) SO_ATTR_PRINTF(1, 2);
void log_info(const char *fmt, ...) SO_ATTR_PRINTF(1, 2);
void log_debug(const char *fmt, ...) SO_ATTR_PRINTF(1, 2);
void log_vlog(enum log_level level, const char *fmt, va_list ap) SO_ATTR_PRINTF(2, 0);

/*
 * Hold lines back, for work that may be undone and done again (a batch of
 * mails decided first without per-mail savepoints): log_release() writes
 * them as they were made, log_discard() drops them.  Errors are written at
 * once, never held.  More than 4 MiB held (only thinkable at debug level)
 * are written early, and may then be written again by the redone work.
 */
void log_hold(void);
void log_release(void);
void log_discard(void);

#endif
