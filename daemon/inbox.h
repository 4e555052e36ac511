/* SPDX-License-Identifier: MIT */
/*
 * inbox - one pass over the inbox of an open IMAP connection: the mails
 * in batches through the parser sandbox and the workflow, and filed.
 *
 * A batch (at most 100 mails or 8 MiB) is fetched with one command,
 * parsed by one sandbox child and decided in one transaction.  While the
 * sandbox parses one batch, the next is fetched; while the database takes
 * one batch, the sandbox parses the next.  Decided mails are moved after
 * the commit, up to 1000 per command.  Mails over the size limit are
 * fetched as header only, answered and filed one by one.
 *
 * It does not send anything (intake.c flushes the outbox after it).
 */
#ifndef SO_INBOX_H
#define SO_INBOX_H

#include "imapc.h"
#include "intake.h"
#include "workflow.h"

/* 0, or -1 when the connection or the database failed (the rest waits). */
int inbox_process(struct imapc *ic, struct workflow *wf,
    struct intake_stats *stats);

#endif
