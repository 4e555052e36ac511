/* SPDX-License-Identifier: MIT */
/*
 * notify - turn a template and its values into a mail in the outbox.
 *
 * Every mail Social Order sends goes through notify_send(): render the
 * template, compose RFC 5322 bytes (mailout), enqueue them in the caller's
 * transaction.  Answers to a mail are threaded to it; mails we start (an
 * approval request, a reminder) are threaded to the case's own thread.
 * Error and command answers pass the per-sender rate limit; mails about a
 * case never do.  Nothing here sends: daemon/sender.c does.
 */
#ifndef SO_NOTIFY_H
#define SO_NOTIFY_H

#include <stdint.h>

#include "casestore.h"
#include "mailout.h"
#include "config.h"
#include "mime.h"
#include "render.h"
#include "store.h"

struct notify_ctx {
	struct store *st;
	const struct config *cfg;
	int64_t now;
	const struct mail_msg *msg;     /* the mail being answered, or NULL */
	const char *thread_msgid;       /* without msg: thread to this id, or NULL */
	int64_t uid;                    /* of the mail being processed, for the log */
};

enum notify_flags {
	NOTIFY_LIMITED = 1,             /* error/command answer: rate-limited */
	NOTIFY_INVITE_AUTOREPLY = 2,    /* do not suppress out-of-office replies */
};

/*
 * Render DIR/LANG/tmpl.txt with v and enqueue it for to_addr.  tag goes
 * into the Message-ID (e.g. the case number).  *msgid_r (may be NULL)
 * receives the new Message-ID (caller frees).  Returns 1 enqueued, 0
 * suppressed (rate limit, or an address mailout refuses: logged), -1 on a
 * database or template error.
 */
int notify_send(const struct notify_ctx *n, const char *tmpl, struct tvars *v,
    int flags, int64_t vorgang_id, const char *tag, const char *to_addr,
    const char *to_name, char **msgid_r);

/* The same, with attachments (the machine-readable order). */
int notify_send_att(const struct notify_ctx *n, const char *tmpl,
    struct tvars *v, int flags, int64_t vorgang_id, const char *tag,
    const char *to_addr, const char *to_name,
    const struct mailout_attachment *att, size_t natt, char **msgid_r);

/* Values every template may use: own_address, prefix, example_nr, sender_name, orig_subject. */
void notify_common_vars(struct tvars *v, const struct notify_ctx *n);

/* The case's values: nr, state, requester, OE, Kostenstelle, Lieferort, positions, total ... */
void notify_case_vars(struct store *st, struct tvars *v, const struct vorgang *vg);

/* Display name of a person from personen.csv, else addr itself; caller frees. */
char *notify_person_name(struct store *st, const char *addr);

#endif
