/* SPDX-License-Identifier: MIT */
/*
 * export - retention: write closed cases out as folders a person and a
 * program can read, and purge them from the database only when asked to
 * and only after they were exported.
 *
 * DIR/NR/case.json        the case, its positions, history, approval, orders
 *                         and audit records (UTF-8 JSON)
 * DIR/NR/mails/          every raw mail kept with the case, in and out (.eml)
 * DIR/NR/orders/         the order mails that carried its positions (.eml)
 *
 * Closed means geliefert, storniert or abgelehnt.  Nothing is purged
 * implicitly: purge needs an explicit call, takes only closed cases last
 * changed before the cut-off that have an export on record, and leaves
 * the audit trail untouched (it records the purge).
 */
#ifndef SO_EXPORT_H
#define SO_EXPORT_H

#include <stdint.h>

#include "store.h"

/* Export one case (any state) into dir.  0, or -1 with *error_r. */
int export_case(struct store *st, const char *nr, const char *dir,
    const char **error_r);

/* Export every closed case last changed before t.  *n_r = how many.  0 or -1. */
int export_before(struct store *st, int64_t t, const char *dir, int *n_r,
    const char **error_r);

/* Purge closed, exported cases last changed before t.  *n_r = how many.  0 or -1. */
int export_purge(struct store *st, int64_t t, int *n_r, const char **error_r);

#endif
