/* SPDX-License-Identifier: MIT */
/*
 * health - a few operational facts for "socialorder status" and alerts:
 * the last good poll and send, and failed cycles in a row.  Each write is
 * one statement of its own (no caller transaction needed).
 */
#ifndef SO_HEALTH_H
#define SO_HEALTH_H

#include <stdint.h>

#include "store.h"

#define HEALTH_LAST_POLL "last_poll_ok"
#define HEALTH_LAST_SEND "last_send_ok"
#define HEALTH_FAILURES "failures_in_a_row"

int health_set(struct store *st, const char *key, int64_t at, int64_t value,
    const char *detail);
/* 1 found, 0 not found, -1 error; *detail_r (may be NULL) caller frees. */
int health_get(struct store *st, const char *key, int64_t *at_r,
    int64_t *value_r, char **detail_r);

#endif
