/* SPDX-License-Identifier: MIT */
/*
 * outbox - outgoing mails waiting to be sent, and the per-sender answer log
 * behind the rate limit.
 *
 * A mail is enqueued fully rendered (headers, Message-ID and all) inside the
 * transaction that changed the case, so that it exists exactly when the state
 * change does, and a resend after a crash sends the same bytes with the same
 * Message-ID.  The sender (daemon/sender.c) takes due mails and marks them.
 */
#ifndef SO_OUTBOX_H
#define SO_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct outbox_item {
	int64_t id;
	char *kind, *rcpt, *message_id;
	char *case_nr;                  /* the case it is about, or NULL */
	char *raw;
	size_t len;
	int attempts;
};

/* vorgang_id 0 = not about a case.  -1 on a database error. */
int outbox_enqueue(struct store *st, int64_t vorgang_id, const char *kind,
    const char *rcpt, const char *message_id, const char *raw, size_t len,
    int64_t now);

/* Up to max pending mails due at now, oldest first.  Free with outbox_items_free. */
int outbox_due(struct store *st, int64_t now, size_t max,
    struct outbox_item **items_r, size_t *n_r);
void outbox_items_free(struct outbox_item *items, size_t n);

int outbox_mark_sent(struct store *st, int64_t id, int64_t now);
int outbox_mark_retry(struct store *st, int64_t id, int attempts,
    int64_t next_at, const char *error);
int outbox_mark_failed(struct store *st, int64_t id, int attempts,
    const char *error);

/* Pending, failed and sent counts. */
int outbox_counts(struct store *st, int64_t *pending_r, int64_t *failed_r,
    int64_t *sent_r);

/* Rate limit: answers to addr since a time; record one answer. */
int outbox_answers_since(struct store *st, const char *addr, int64_t since,
    int64_t *n_r);
int outbox_answer_record(struct store *st, const char *addr, int64_t now);

#endif
