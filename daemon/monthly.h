/* SPDX-License-Identifier: MIT */
/*
 * monthly - the optional monthly report mail ([reports] monthly_mail):
 * once a month, last month's report by Kostenstelle (CSV and HTML
 * attachments) to the person with role einkauf.  Each month is sent once
 * (report_log), in one transaction with its outbox entry.
 */
#ifndef SO_MONTHLY_H
#define SO_MONTHLY_H

#include <stdint.h>

#include "config.h"
#include "store.h"

/* Send last month's report if configured and not yet sent.  1 sent, 0 not due, -1 error. */
int monthly_run_due(struct store *st, const struct config *cfg, int64_t now);

#endif
