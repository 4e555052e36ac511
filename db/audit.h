/* SPDX-License-Identifier: MIT */
/*
 * audit - the append-only, hash-chained audit trail: who decided what, when,
 * and because of which mail.
 *
 * Each record carries the hash of the record before it (prev_hash) and its
 * own hash over its content and prev_hash, so that changing, deleting,
 * reordering or inserting a record breaks the chain at a place that
 * audit_verify() names.  The table's triggers (migration 5) already refuse
 * UPDATE and DELETE through SQL; the chain is for the attacker who has the
 * database file and drops the triggers.
 *
 * What the chain can NOT show: records cut off at the end.  A chain that
 * ends early is still a valid chain; only its length and its last hash
 * tell.  Whoever must rely on completeness has to keep the count and the
 * last hash somewhere the attacker cannot write (a log host, a daily mail,
 * a printout) and compare.  Nor does the chain stop someone with the file
 * from rewriting the whole chain from the first changed record on: the
 * same external anchor is the defence against that.
 *
 * This module neither opens transactions nor decides what to record; the
 * callers (workflow, approval, order run) do.
 *
 * Hash encoding (version 1), for an auditor who re-implements verification.
 * A record's hash is the lower-case hex of SHA-256 over these bytes:
 *
 *     "socialorder-audit-v1\n"
 *     F(at) F(actor) F(action) F(vorgang_nr) F(before) F(after)
 *     F(msgid) F(detail) F(prev_hash)
 *
 * with, for each field,
 *
 *     F(NULL) = "-"                        (one byte, 0x2d)
 *     F(s)    = "=" <n> ":" <s> ","        (s a string of n bytes)
 *
 * where <n> is n in decimal ASCII digits without leading zeros ("0" for
 * the empty string) and <s> the bytes exactly as stored in the column
 * (UTF-8 as given, no normalisation, no terminating NUL).  at is written
 * as the string of its decimal value ("1795250000", "0", "-1").  id and
 * hash itself are not hashed: the id is only the order.  Because every
 * field starts with a tag and a string says its own length, the bytes can
 * be split back into the nine fields in exactly one way, so two different
 * records never encode alike: NULL differs from "", and a field holding
 * "," ":" "=" "-" or a newline cannot shift a field boundary.
 *
 * Example: at=1, actor="a", action="b", the other fields NULL and prev_hash
 * 64 "0" hash the bytes
 *     "socialorder-audit-v1\n=1:1,=1:a,=1:b,-----=64:000...000,"
 * (sha256sum prints the digest that tests/test_audit.c checks).
 *
 * The chain: records are taken in ascending id.  The first record's
 * prev_hash is 64 "0"; every later record's prev_hash is the hash of the
 * record before it.
 */
#ifndef SO_AUDIT_H
#define SO_AUDIT_H

#include <stdint.h>

#include "store.h"

#define AUDIT_HASH_LEN 64       /* hex digits of a SHA-256 */
/* Longest field audit_append() accepts, in bytes; longer is refused. */
#define AUDIT_FIELD_MAX ((size_t)1024 * 1024)

/*
 * Append one record inside the caller's transaction (the caller holds
 * BEGIN IMMEDIATE, so reading the last hash and inserting cannot
 * interleave).  prev_hash = hash of the record with the highest id, or 64
 * '0' for the first.  actor and action must not be NULL; the others may
 * be.  0, or -1 (logged) on a database error, on a call outside a
 * transaction, a NULL actor/action or a field longer than
 * AUDIT_FIELD_MAX; the caller should then roll back its transaction, so
 * that no state change goes unrecorded.
 */
int audit_append(struct store *st, int64_t at, const char *actor,
    const char *action, const char *vorgang_nr, const char *before,
    const char *after, const char *msgid, const char *detail);

/*
 * Walk the whole chain in id order, one statement, constant memory.
 * Returns 0 if intact, with *count_r the number of records.  Returns 1 if
 * broken, with *first_bad_r the id of the first record that does not
 * verify, *count_r the number of records before it that did, and *why_r
 * one of
 *   "hash does not match the record"        (the record was modified)
 *   "prev_hash does not match record N"     (N the id of the record before
 *                                            it: deleted, reordered or
 *                                            inserted records)
 *   "first record does not start the chain" (the start was deleted)
 * A record whose column types cannot have come from audit_append() (at
 * not an integer, a text field stored as a number or blob) counts as
 * modified.  *why_r is static, valid until the next audit_verify().
 * Returns -1 on a database error (logged).  Any pointer may be NULL.
 */
int audit_verify(struct store *st, int64_t *count_r, int64_t *first_bad_r,
    const char **why_r);

/* One record; the strings belong to the store, valid during the callback. */
struct audit_record {
	int64_t id, at;
	const char *actor, *action, *vorgang_nr, *before, *after, *msgid,
	    *detail, *prev_hash, *hash;
};

/*
 * Each record of a case (vorgang_nr NULL: all records) in id order, for
 * "show".  Stops when cb returns non-zero and returns that value; 0 after
 * the last record; -1 on a database error (logged).  cb must not call
 * audit_each() or audit_verify() (they share a cached statement);
 * audit_append() and other store calls are fine.
 */
int audit_each(struct store *st, const char *vorgang_nr,
    int (*cb)(const struct audit_record *r, void *ctx), void *ctx);

/*
 * The hash of r as defined above, from r->at, actor, action, vorgang_nr,
 * before, after, msgid, detail and prev_hash (id and hash are ignored), as
 * AUDIT_HASH_LEN lower-case hex digits and a NUL.  For tools and tests
 * that recompute a chain.
 */
void audit_hash(const struct audit_record *r, char out[AUDIT_HASH_LEN + 1]);

#endif
