/* SPDX-License-Identifier: MIT */
/*
 * machine - recognise machine mail, which must never be answered:
 * auto-replies (Auto-Submitted, X-Autoreply, X-Autorespond, "Automatische
 * Antwort:" subjects), bounces (null return path, multipart/report,
 * MAILER-DAEMON), list and bulk mail (List-Id, List-Unsubscribe,
 * Precedence), and our own mail coming back (our From address, X-Loop, our
 * Message-IDs).
 *
 * Pure: reads the header fields of a struct mail_msg that mime built and
 * the classify_ctx; no allocation.  It does not read the body and decides
 * nothing about mail from people; classify does.
 */
#ifndef SO_MACHINE_H
#define SO_MACHINE_H

#include "classify.h"

/*
 * Why msg is machine mail, as a static English reason for the log and
 * ledger ("auto-submitted: auto-replied", "null return path", "list-id",
 * "our own mail", ...), or NULL if it is not.  Empty or NULL fields of ctx
 * switch the checks that need them off.
 */
const char *machine_reason(const struct mail_msg *msg,
    const struct classify_ctx *ctx);

#endif
