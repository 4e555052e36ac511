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
 * session keeps its connection for its next mail, and each mail may take
 * at most twice [smtp] timeout.
 */
#ifndef SO_SENDER_H
#define SO_SENDER_H

#include <signal.h>

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

/*
 * Sending while intake is still running: a thread with its own database
 * connection and its own SMTP sessions sends what intake has committed,
 * so that the mail server works on the confirmations while the daemon
 * reads the next mails.  Started by the first sender_bg_kick() (none for a
 * cycle without mail); sender_bg_kick() after each committed batch.
 * sender_bg_finish() lets it send what is due, waits for it, adds its
 * figures to *stats, queues the alert about mails failed for good (in the
 * caller's thread, which renders templates), and returns 1 if the server
 * was in trouble (the caller's own flush should then wait for the next
 * cycle), 0, or -1 on a database error.  stop is read (not written) to
 * notice SIGTERM.
 */
struct sender_bg;

struct sender_bg *sender_bg_new(struct store *st, const struct config *cfg,
    volatile sig_atomic_t *stop);
void sender_bg_kick(struct sender_bg *bg);
int sender_bg_finish(struct sender_bg *bg, struct sender_stats *stats);

#endif
