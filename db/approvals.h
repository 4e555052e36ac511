/* SPDX-License-Identifier: MIT */
/*
 * approvals - who was asked to approve a case, the tokens that were issued
 * (stored only as SHA-256 hashes), and what became of the request.
 *
 * One approval row per case that needed approval; one token row per request
 * mail (first request, reminder, hand-over, escalation to the deputy, or
 * re-addressing after a master data change).  A token only identifies a
 * request: whether a decision counts is the
 * caller's judgement (daemon/approval.c).  Lookups return 1 found, 0 not
 * found, -1 on a database error; strings belong to the struct and are
 * released by the _clear() functions.
 */
#ifndef SO_APPROVALS_H
#define SO_APPROVALS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct approval {
	int64_t vorgang_id;
	char *oe, *approver, *deputy, *reason;
	int64_t requested_at, expires_at;
	int64_t reminded_at, escalated_at, handed_over_at, alerted_at, decided_at;
	char *decided_by, *decision;
};

struct approval_token {
	int64_t id, vorgang_id;
	char *addressee, *token_hash, *request_msgid;
	int64_t issued_at, expires_at;
	int64_t revoked_at;             /* 0 while it may be used */
};

enum approval_mark {
	APPROVAL_REMINDED, APPROVAL_ESCALATED, APPROVAL_HANDED_OVER,
	APPROVAL_ALERTED,
};

int approvals_insert(struct store *st, const struct approval *a);
int approvals_get(struct store *st, int64_t vorgang_id, struct approval *a);
/* Set the time of one event once: 1 set now, 0 was set before, -1 error. */
int approvals_mark(struct store *st, int64_t vorgang_id, enum approval_mark m,
    int64_t now);
int approvals_decide(struct store *st, int64_t vorgang_id, const char *by,
    const char *decision, int64_t now);

/*
 * Who decides changed: store a's oe, approver, deputy, requested_at,
 * expires_at, and the times of reminder, escalation, hand-over and alert
 * (0 is none).
 */
int approvals_readdress(struct store *st, const struct approval *a);

/* Count one more refused decision attempt; *count_r is the new count. */
int approvals_refused_add(struct store *st, int64_t vorgang_id,
    int64_t *count_r);

int approvals_token_add(struct store *st, const struct approval_token *t);
/* All token rows of a case, oldest first; free with approval_tokens_free. */
int approvals_tokens(struct store *st, int64_t vorgang_id,
    struct approval_token **t_r, size_t *n_r);
void approval_tokens_free(struct approval_token *t, size_t n);

/*
 * Withdraw the usable tokens of a case whose addressee is neither keep1 nor
 * keep2 (either may be NULL); *n_r is how many were withdrawn.
 */
int approvals_tokens_revoke(struct store *st, int64_t vorgang_id,
    const char *keep1, const char *keep2, int64_t now, int *n_r);

/* The token row whose request mail had this Message-ID. */
int approvals_token_by_msgid(struct store *st, const char *msgid,
    struct approval_token *t);

/* Cases with an undecided approval whose case still waits; caller frees. */
int approvals_pending(struct store *st, int64_t **ids_r, size_t *n_r);

void approval_clear(struct approval *a);
void approval_token_clear(struct approval_token *t);

#endif
