/* SPDX-License-Identifier: MIT */
/*
 * sandbox - parse mail in a child process that has resource limits (data
 * segment, address space, CPU time, output size, no core dumps, few files,
 * no new processes) and no database or network connection, so that a
 * parser crash, hang or memory bomb costs that one mail, not the daemon.
 *
 * The child runs workflow_parse() - MIME, classification and form - on
 * each mail and writes the results in mailparse's wire form into an
 * anonymous memory file; the daemon decodes them (trusting nothing) and
 * decides with them.  The daemon itself never parses a mail that came
 * from outside: a mail that crashed, hung or ran out of memory in the
 * child is not parsed anywhere else.
 *
 * A job is started and finished separately, so that the daemon can fetch
 * or write the previous batch while the child parses the next one (on a
 * second core when there is one).
 */
#ifndef SO_SANDBOX_H
#define SO_SANDBOX_H

#include <stddef.h>

#include "config.h"
#include "form.h"
#include "mailparse.h"
#include "mime.h"

struct sandbox_job;

/*
 * Start parsing n mails in one child.  too_large[i] (NULL: none) marks a
 * mail of which only the header was fetched.  The caller keeps raws valid
 * until sandbox_finish().  NULL if the child could not be started (fork or
 * memfd failed); the caller may retry later.
 */
struct sandbox_job *sandbox_start(const struct config *cfg,
    const struct mime_limits *limits, const struct form_profile *profile,
    char *const *raws, const size_t *lens, const int *too_large, size_t n);

/*
 * Wait for the child (at most its time limit) and free the job.  0: every
 * mail parsed, out[0..n) filled (free each with parsed_mail_free).  1: the
 * child failed on one of them (crash, limit, malformed output), *why_r
 * (static English text, e.g. "parser killed by signal 11", "parser
 * exceeded its CPU time") says how; out is left empty and the caller
 * parses them one by one to find the culprit.
 */
int sandbox_finish(struct sandbox_job *job, struct parsed_mail *out,
    const char **why_r);

/*
 * The same, and when the child failed, out[0..*done_r) holds the results
 * it handed in before it failed (free each); the caller parses only the
 * rest one by one.  *done_r is n on success.
 */
int sandbox_finish_some(struct sandbox_job *job, struct parsed_mail *out,
    const char **why_r, size_t *done_r);

/* One mail, started and finished: 0, 1 as above, -1 could not start. */
int sandbox_parse(const struct config *cfg, const struct mime_limits *limits,
    const struct form_profile *profile, const char *raw, size_t len,
    int too_large, struct parsed_mail *out, const char **why_r);

#endif
