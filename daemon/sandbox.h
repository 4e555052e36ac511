/* SPDX-License-Identifier: MIT */
/*
 * sandbox - parse a mail first in a child process that has resource limits
 * (address space, CPU time, no core dumps, few files) and no database or
 * network connection, so that a parser crash or hang costs that one mail,
 * not the daemon.
 *
 * The child runs exactly what the daemon would run on the mail - MIME,
 * classification and form parsing - and reports whether it finished.  The
 * parsers are deterministic, so a mail that the child parsed safely is then
 * parsed by the daemon; a mail that crashed, hung or ran out of memory in
 * the child is never parsed by the daemon at all.
 */
#ifndef SO_SANDBOX_H
#define SO_SANDBOX_H

#include <stddef.h>

#include "config.h"
#include "form.h"
#include "mime.h"

/*
 * 0: parsed safely.  1: unsafe, *why (static English text, e.g. "parser
 * killed by signal 11", "parser exceeded its CPU time") says why.  -1: the
 * check itself could not run (fork failed); the caller may retry later.
 */
int sandbox_check(const struct config *cfg, const struct mime_limits *limits,
    const struct form_profile *profile, const char *raw, size_t len,
    const char **why_r);

/*
 * The same for n mails in one child (the fast path for a batch): 0 if all
 * parsed safely, 1 if the child failed on one of them (the caller then
 * checks them one by one to find it), -1 if the check could not run.
 */
int sandbox_check_many(const struct config *cfg,
    const struct mime_limits *limits, const struct form_profile *profile,
    char *const *raws, const size_t *lens, size_t n, const char **why_r);

#endif
