/* SPDX-License-Identifier: MIT */
/*
 * ledger - the intake ledger: one row per mailbox message we have decided
 * about, keyed by (UIDVALIDITY, UID) and findable by Message-ID + content
 * hash.  It is what makes intake idempotent: a message whose row exists is
 * only moved again, never processed again, whether it comes back after a
 * crash, under a new UIDVALIDITY, or as a second delivery of the same mail.
 */
#ifndef SO_LEDGER_H
#define SO_LEDGER_H

#include <stdint.h>

#include "store.h"

struct ledger_entry {
	int64_t id;
	char *outcome;          /* case, rejected, machine, reply, command, duplicate, failed, ... */
	char *folder;           /* where the message belongs */
	char *vorgang_nr;       /* NULL if no case */
	char *content_hash;
	int64_t moved_at;       /* 0 if the move was not confirmed yet */
};

/* 1 found (fills r), 0 not found, -1 error. */
int ledger_find_uid(struct store *st, int64_t uidvalidity, int64_t uid,
    struct ledger_entry *r);
/* By content: same hash and the same Message-ID (or both without one). */
int ledger_find_content(struct store *st, const char *message_id,
    const char *hash, struct ledger_entry *r);

int ledger_insert(struct store *st, int64_t uidvalidity, int64_t uid,
    const char *message_id, const char *hash, const char *outcome,
    const char *folder, const char *vorgang_nr, const char *sender,
    const char *reason, int64_t now);
/*
 * The sender of the mail that opened case nr (caller frees): 1 found, 0 not
 * found, -1 error.
 */
int ledger_case_sender(struct store *st, const char *nr, char **sender_r);
/* The mails with UIDs lo..hi, every one of them, were moved at now. */
int ledger_mark_moved(struct store *st, int64_t uidvalidity, int64_t lo,
    int64_t hi, int64_t now);

/*
 * Count one more failed attempt to process (uidvalidity, uid), in its own
 * small transaction; *attempts_r is the count after this one.
 */
int ledger_failure_add(struct store *st, int64_t uidvalidity, int64_t uid,
    const char *error, int64_t now, int *attempts_r);

void ledger_entry_clear(struct ledger_entry *r);

#endif
