/* SPDX-License-Identifier: MIT */
/*
 * orderrun - the Bestelllauf: bundle all released, not yet ordered
 * positions per supplier into one order each, and send them.
 *
 * Per supplier: one order with its own number, positions grouped by
 * Lieferort (full delivery address), equal article + Lieferort +
 * Kostenstelle summed into one line if configured.  A supplier whose bundle
 * is below its mindestbestellwert waits for a later run, unless its oldest
 * position has waited [orders] max_wait_days or a case's "Gewünscht bis" is
 * within [orders] urgent_workdays working days.  Free-text items go, each
 * run, to the central procurement (role einkauf) as a list to order by hand.
 * The order mail is readable text plus the supplier's format (csv or
 * openTRANS 2.1 attachment, or text only).  Each requester learns which
 * positions were ordered, from whom, in which order, to which Lieferort; a
 * case becomes bestellt when all its positions are.
 *
 * Exactly once: the run, its orders, the positions' state, the case
 * transitions and all outgoing mails are one transaction.  A crash before
 * the commit leaves nothing; after it, the outbox sends what was decided.
 */
#ifndef SO_ORDERRUN_H
#define SO_ORDERRUN_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "store.h"

struct orderrun_result {
	int orders;             /* order mails (suppliers + free-text list) */
	int positions;          /* positions ordered */
	int waiting;            /* suppliers whose bundle waits */
	int64_t run_id;         /* 0 if nothing was ordered (no run recorded) */
};

/*
 * Run now.  dry_run: decide and print the plan to out, change and send
 * nothing.  kind "manual" or "scheduled"; scheduled_for is the schedule
 * time a scheduled run stands for (0 for manual).  A plan summary goes to
 * out if out is not NULL.  0 or -1 on a database, template or document
 * error (nothing written).
 */
int orderrun_execute(struct store *st, const struct config *cfg, int dry_run,
    const char *kind, int64_t scheduled_for, FILE *out,
    struct orderrun_result *res);

/*
 * Is a scheduled run due at now?  1 with *scheduled_for_r (the latest
 * schedule time <= now) when that time is later than the last scheduled
 * run and a position released before it is still open; a run missed while
 * the daemon was down is therefore made once.  0 if not due, -1 on error.
 */
int orderrun_due(struct store *st, const struct config *cfg, int64_t now,
    int64_t *scheduled_for_r);

/* Run a due scheduled run, if any (the poll cycle and the daemon call this). */
int orderrun_run_due(struct store *st, const struct config *cfg, int64_t now);

#endif
