/* SPDX-License-Identifier: MIT */
/*
 * validate - check a parsed form against the master data and turn it into a
 * case (not yet stored), or collect every problem of the form.
 *
 * All problems are collected, not just the first, so the requester can fix
 * everything with one new form.  Each problem is one German sentence that
 * names the wrong value.  validate also makes the approval decision of
 * intake: a case is released at once only when it has catalogue items only,
 * none needing approval, and its total is within the OE's threshold.
 */
#ifndef SO_VALIDATE_H
#define SO_VALIDATE_H

#include "casestore.h"
#include "config.h"
#include "form.h"
#include "store.h"

struct problems {
	char **msg;
	size_t n;
};

void problems_add(struct problems *p, const char *fmt, ...) SO_ATTR_PRINTF(2, 3);
void problems_free(struct problems *p);

/*
 * Validate f, sent by sender_addr (lower-case addr-spec) / sender_name.
 * Returns 0 and *v_r (a new case, state STATE_FREIGEGEBEN or STATE_WARTET,
 * approval_reason set when approval is needed; free with vorgang_free), 1
 * with p filled when the form has problems, or -1 on a database error.
 */
int validate_form(struct store *st, const struct config *cfg,
    const struct form_profile *profile, const struct form *f,
    const char *sender_addr, const char *sender_name, struct vorgang **v_r,
    struct problems *p);

/*
 * Normalise a date "04.12.2026", "4.12.2026" or "2026-12-04" to ISO
 * "2026-12-04" in out (>= 11 bytes).  -1 if it is no valid date.
 */
int validate_date(const char *s, char out[11]);

/* Parse a quantity: a positive whole number (JSON "5" or "5.0" too). -1 if not. */
int validate_quantity(const char *s, int64_t *n_r);

#endif
