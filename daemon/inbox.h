/* SPDX-License-Identifier: MIT */
/*
 * inbox - one pass over the inbox of an open IMAP connection: the mails
 * in batches through the parser sandbox and the workflow, and filed.
 * A batch (at most 500 mails or 8 MiB) is fetched with one command,
 * parsed by one sandbox child and decided in one transaction.  While the
 * sandbox parses one batch, the next is fetched; while the database takes
 * one batch, the sandbox parses the next and the server moves the mails
 * of the one before (one UID MOVE per folder, sent after the commit).
 * Mails over the size limit are fetched as header only, answered and
 * filed one by one.  It does not send anything (intake.c flushes the
 * outbox after it, while the server moves the last batch's mails).
 */
#ifndef SO_INBOX_H
#define SO_INBOX_H

#include "imapc.h"
#include "intake.h"
#include "workflow.h"

struct inbox_moves;

/*
 * 0, or -1 when the connection or the database failed (the rest waits).
 * *left_r is the MOVE of the last mails, still under way, or NULL: the
 * caller does other work (sending), then hands it to inbox_finish(), with
 * no other IMAP command in between.
 */
int inbox_process(struct imapc *ic, struct workflow *wf,
    struct intake_stats *stats, struct inbox_moves **left_r);

/* Read the answer to that MOVE and note the moved mails; frees left (NULL is
 * fine).  0, or -1 when the connection failed. */
int inbox_finish(struct imapc *ic, struct workflow *wf,
    struct inbox_moves *left, struct intake_stats *stats);

#endif
