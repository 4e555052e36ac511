/* SPDX-License-Identifier: MIT */
/*
 * commands - STATUS, STORNO and ERHALTEN by mail, with the rules of who
 * may see and do what.
 *
 * May see a case: its requester, its approver and deputy, and anybody with
 * role einkauf.  May cancel it or confirm receipt: the requester and
 * einkauf.  Everybody else gets the same answer whether the case exists or
 * not, so nothing about a case leaks, not even its existence.
 *
 *   STATUS nr    state (SPEC's word in a sentence), positions, history,
 *                what happens next
 *   STATUS       the sender's open cases
 *   STORNO nr    cancel a case not yet ordered: its positions leave the
 *                next order run, the budget is freed, a pending approval
 *                request is withdrawn and the approver told
 *   ERHALTEN nr  the ordered positions are received; the case is closed
 *                (geliefert) when all its positions are
 *
 * Works inside the caller's transaction; answers go to the outbox.
 */
#ifndef SO_COMMANDS_H
#define SO_COMMANDS_H

#include "classify.h"
#include "notify.h"

/*
 * Carry out cmd (CMD_STATUS, CMD_CANCEL or CMD_RECEIVED) for the sender of
 * n->msg and answer.  raw/len: the mail, kept with the case when it
 * changes the case.  *reason_r (caller frees) says what happened, for the
 * ledger.  0, or -1 on a database or template error.
 */
int commands_run(const struct notify_ctx *n, const struct command *cmd,
    const char *raw, size_t len, char **reason_r);

/* Keep a raw mail with a case (direction "in" or "out"). */
int commands_keep_raw(struct store *st, int64_t vorgang_id, const char *direction,
    const char *msgid, const char *raw, size_t len, int64_t now);

#endif
