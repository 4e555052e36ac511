/* SPDX-License-Identifier: MIT */
/*
 * sender - flush the outbox over SMTP with libcurl.
 *
 * Each due mail is sent as stored (same bytes, same Message-ID on every
 * attempt) to its one recipient, envelope sender [smtp] from.  A 5xx answer
 * is permanent: the mail is marked failed, logged, and [general] admin
 * (if set) gets one mail per flush naming the mails that failed for good,
 * also those that ran out of attempts; a mail to the administrator never
 * causes such an alert.  Anything else is retried with exponential backoff
 * ([smtp] retry_base doubling up to retry_max) until [smtp] max_attempts.
 * When the server gives no answer to a mail (unreachable, connection cut,
 * timed out), says it is closing (421) or refuses our login, the flush
 * stops for this cycle instead of trying every mail; a refused recipient
 * only affects its own mail.  A refused login is not the mail's fault: it
 * is retried, never failed at once.  With SMTP AUTH configured, TLS is
 * required (no password in clear text).  A flush sends over [smtp]
 * connections sessions at once, as an MTA delivers in parallel; each
 * session is a process of its own (started with its first mail, without
 * the database), keeps its connection for its next mail, and each mail
 * may take at most twice [smtp] timeout.
 */
#ifndef SO_SENDER_H
#define SO_SENDER_H

#include "config.h"
#include "store.h"

struct sender_stats {
	unsigned sent, deferred, failed;
};

/* Call once at start-up (curl_global_init). */
void sender_init(void);

/*
 * Send all due mails.  should_stop (may be NULL) is asked before each mail;
 * a non-zero answer ends the flush (SIGTERM).  0 when the flush ran (some
 * mails may have been deferred), -1 on a database error.
 */
int sender_flush(struct store *st, const struct config *cfg,
    struct sender_stats *stats, int (*should_stop)(void));

#endif
