/* SPDX-License-Identifier: MIT */
/*
 * approval - approval by e-mail reply, from the request to the decision.
 *
 * Who approves: the OE's genehmiger, else the nearest ancestor's; that OE's
 * vertretung (deputy) may decide too.  The request mail carries the case
 * number and a token (128 bits from the kernel, stored only as SHA-256) in
 * its subject and in two mailto: links (approve, reject).  A reply counts
 * only if its token belongs to the case, is unexpired and not withdrawn,
 * the case still waits, the sender is the approver or deputy, and (if
 * configured) our own MTA's single Authentication-Results header shows DKIM
 * or DMARC pass.  Anything else changes nothing, is written to the case
 * history (the first APPROVAL_REFUSED_NOTES per case), and the real
 * approver is told once if somebody else tried.  An out-of-office reply to
 * a request hands it to the deputy at once.  Reminders, escalation to the
 * deputy and expiry run from the poll cycle, counted in working days.  A
 * master data import that changes who decides re-addresses waiting
 * requests (approval_readdress).
 *
 * Every function here works inside the caller's transaction, except
 * approval_run_due(), which makes its own per case.  None of them sends:
 * mails go to the outbox through notify.
 */
#ifndef SO_APPROVAL_H
#define SO_APPROVAL_H

#include <stdint.h>

#include "casestore.h"
#include "classify.h"
#include "config.h"
#include "notify.h"
#include "store.h"

/*
 * Refused decision attempts of one case recorded in its history; one more
 * row says that further ones are only in the ledger and the log.
 */
#define APPROVAL_REFUSED_NOTES 20

/*
 * Who decides for OE oe on a request by requester: 1 and the deciding OE,
 * approver and deputy (deputy may be NULL; caller frees all), 0 if nobody
 * (no genehmiger in the tree and no person with role einkauf), -1 on a
 * database error.  Four eyes: the requester never decides their own case;
 * if they are the genehmiger, their vertretung decides alone, and if they
 * are both or there is no vertretung, the next OE up decides.
 */
int approval_approvers(struct store *st, const char *oe, const char *requester,
    char **oe_r, char **approver_r, char **deputy_r);
/* Same person?  Case-insensitive, "max+x@y" is "max@y"; NULL is nobody. */
int approval_same_person(const char *a, const char *b);

/* The same, excluding a second person too: the mail's actual sender. */
int approval_approvers2(struct store *st, const char *oe, const char *requester,
    const char *submitter, char **oe_r, char **approver_r, char **deputy_r);

/*
 * vg was just stored in state wartet_auf_genehmigung: record the approval
 * and send the request to the approver.  0 or -1 (database/template error).
 */
int approval_request(const struct notify_ctx *n, const struct vorgang *vg);

/*
 * A reply carrying a case number and a token (classify: MAIL_REPLY).
 * Decides, or refuses and records why.  arrived: the reply's delivery time
 * (0 if unknown); the deadline is judged by it, so that a reply that came
 * in time counts however late it is read.  *reason_r (caller frees) says
 * what happened, for the ledger.  0 or -1 on a database/template error.
 */
int approval_reply(const struct notify_ctx *n, const struct command *cmd,
    int64_t arrived, char **reason_r);

/*
 * An auto-reply (out of office).  If it answers one of our requests and
 * comes from the approver, hand the request to the deputy.  1 handled
 * (*reason_r set), 0 not about a request, -1 on error.
 */
int approval_autoreply(const struct notify_ctx *n, char **reason_r);

/*
 * After a master data import, inside its transaction: every waiting request
 * whose approver or deputy is no longer who the OE tree names (four eyes
 * applied as at intake) follows the change.  The tokens of everybody who
 * no longer decides are withdrawn.  A new approver gets a new request with
 * a new token and the full token_days, and reminders, escalation and the
 * alert start over; a new deputy gets the request at once if the old one
 * had been asked (hand-over or escalation).  Each change is a history (and
 * so audit) row.  If nobody at all could decide any more, the request stays
 * where it is (logged).  Returns the number of cases re-addressed, or -1 on
 * a database or template error.
 */
int approval_readdress(struct store *st, const struct config *cfg,
    int64_t now);

/*
 * Reminders, escalation and expiry of all waiting requests at time now,
 * each case in its own transaction.  Returns the number of actions taken,
 * or -1 on a database or template error.
 */
int approval_run_due(struct store *st, const struct config *cfg, int64_t now);

#endif
