/* SPDX-License-Identifier: MIT */
/*
 * intake - the mailbox loop: take every message from the inbox, let the
 * workflow decide and commit, then move the message to its folder; flush the
 * outbox.  intake_poll() is one full cycle (the "poll" command);
 * intake_daemon() repeats cycles, waiting with IMAP IDLE (or sleeping)
 * between them, until a stop is requested.
 *
 * Order per message: ledger lookup -> fetch (BODY.PEEK) -> decide + commit
 * -> move.  A crash between commit and move leaves the message in the inbox
 * with a ledger row, so the next cycle only moves it.  A message whose
 * processing fails (database or template error) is tried again next cycle
 * and given up into the failed folder after INTAKE_MAX_ATTEMPTS tries.
 */
#ifndef SO_INTAKE_H
#define SO_INTAKE_H

#include <signal.h>

#include "config.h"
#include "form.h"
#include "store.h"

#define INTAKE_MAX_ATTEMPTS 3

struct intake_stats {
	unsigned seen, cases, moved, errors;
	unsigned left;          /* listed mails left undecided for a later cycle */
	unsigned sent, deferred, failed;
};

/*
 * Signals: intake_signals_init() installs handlers for SIGTERM, SIGINT
 * (stop after the current mail) and SIGHUP (reload), and blocks them, so
 * that no IMAP, SMTP or SQLite call is ever interrupted.  They are delivered
 * while waiting and at the check points between two mails.
 */
void intake_signals_init(void);

/* Let pending signals in; returns non-zero when a stop was requested. */
int intake_should_stop(void);

/* Set from signal handlers; checked between messages. */
extern volatile sig_atomic_t intake_stop;
extern volatile sig_atomic_t intake_reload;
/* Set by every signal handler: ends a wait early. */
extern volatile sig_atomic_t intake_wake;

/* One cycle.  0 when it completed, -1 when IMAP, SMTP-queue or database failed. */
int intake_poll(struct store *st, const struct config *cfg,
    const struct form_profile *profile, struct intake_stats *stats);

/*
 * Run until intake_stop.  On intake_reload, calls reload(ctx, cfg, profile),
 * which replaces *cfg and *profile on success.  Connection failures are retried with backoff.
 * Returns 0 on a requested stop.
 */
int intake_daemon(struct store *st, const struct config **cfg,
    const struct form_profile **profile,
    int (*reload)(void *ctx, const struct config **cfg,
    const struct form_profile **profile), void *ctx);

#endif
