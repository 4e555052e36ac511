/* SPDX-License-Identifier: MIT */
/*
 * workflow - decide about one incoming mail and write the decision.
 *
 * workflow_process() is the heart of intake.  It knows nothing about IMAP:
 * it gets the raw bytes and the mail's (UIDVALIDITY, UID), and in ONE
 * database transaction writes the ledger row, the case with its positions
 * and history, and every outgoing mail.  The caller then files the message
 * into the folder named in the result.  If the process dies anywhere, either
 * nothing was written (the mail is processed again) or everything was (the
 * ledger says where the mail belongs, and it is only moved).
 *
 * Classification: machine mail is filed unanswered; senders outside the
 * organisation's domains get no case and no answer (no backscatter to forged
 * addresses); replies and commands are answered (HILFE with the help text,
 * the others, which later versions will implement, with an honest "not yet
 * supported"); forms become cases or get one answer listing every problem.
 * Error and command answers are rate-limited per sender; confirmations never.
 */
#ifndef SO_WORKFLOW_H
#define SO_WORKFLOW_H

#include <stdint.h>

#include "config.h"
#include "form.h"
#include "mailparse.h"
#include "mime.h"
#include "store.h"

struct workflow {
	struct store *st;
	const struct config *cfg;
	const struct form_profile *profile;
	struct mime_limits limits;
};

struct wf_result {
	const char *outcome;    /* static: case, rejected, unreadable, machine, foreign,
				 * command, reply, duplicate, duplicate-failed, failed, seen */
	char folder[256];       /* where the message belongs now */
	char case_nr[32];       /* "" if no case */
	int already;            /* 1: the ledger knew the mail; nothing was written */
};

/*
 * Process one message.  too_large: the server said it exceeds the size
 * limit and raw holds only its header (it is answered and filed as failed).
 * Returns 0 and fills res, or -1 on a database or template error (nothing
 * written; the mail stays where it is and is tried again next cycle).
 */
int workflow_process(struct workflow *wf, int64_t uidvalidity, int64_t uid,
    const char *raw, size_t len, int too_large, struct wf_result *res);

/* One message as intake hands it over. */
struct wf_input {
	int64_t uidvalidity, uid;
	const char *raw;        /* still needed with parsed: content hash,
				 * Message-ID, and the mail kept behind a case */
	size_t len;
	int too_large;
	int64_t arrived;        /* delivery time (IMAP INTERNALDATE), 0 if
				 * unknown: an approval counts if it arrived
				 * before the deadline, however late it is read */
	const struct parsed_mail *parsed;  /* what workflow_parse() gives for
				 * raw (from the parser sandbox), or NULL:
				 * parse here */
};

/* workflow_process() with everything intake knows about the message. */
int workflow_process_mail(struct workflow *wf, const struct wf_input *in,
    struct wf_result *res);

/*
 * Processing of (uidvalidity, uid) failed once more (workflow_process
 * returned -1).  After max_attempts failures the mail is given up: a ledger
 * row (outcome "failed", the failed folder, the reason) is written and res
 * is filled so that the caller moves it there.  Returns 1 when given up, 0
 * when it should be tried again, -1 on a database error.
 */
int workflow_failed_attempt(struct workflow *wf, int64_t uidvalidity,
    int64_t uid, const char *raw, size_t len, const char *reason,
    int max_attempts, struct wf_result *res);

/* The same for a mail the parser sandbox refused: given up into the quarantine folder. */
int workflow_quarantine_attempt(struct workflow *wf, int64_t uidvalidity,
    int64_t uid, const char *raw, size_t len, const char *reason,
    int max_attempts, struct wf_result *res);

/* 1 if the ledger knows (uidvalidity, uid) already, 0 if not, -1 on error. */
int workflow_known(struct workflow *wf, int64_t uidvalidity, int64_t uid);

/* Fill limits from the [limits] section. */
void workflow_limits(const struct config *cfg, struct mime_limits *limits);

/*
 * Record that the messages were moved into the folders the ledger names
 * for them: n UIDs in ascending order, in one unsynced transaction of its
 * own (bookkeeping only: the ledger already knows where each belongs).
 */
int workflow_moved(struct workflow *wf, uint32_t uidvalidity,
    const uint32_t *uids, size_t n);

/*
 * Content identity of a message: hex SHA-256 over the message without its
 * trace header fields (Received, Return-Path, Delivered-To, X-Original-To,
 * ...), which differ between two deliveries of the same mail.  out >= 65.
 */
void workflow_content_hash(const char *raw, size_t len, char out[65]);

/*
 * The parsing half of workflow_process() - MIME, classification, form -
 * with no database: what sandbox.c runs in its child process.  Free p with
 * parsed_mail_free().
 */
void workflow_parse(const struct config *cfg, const struct mime_limits *limits,
    const struct form_profile *profile, const char *raw, size_t len,
    int too_large, struct parsed_mail *p);

/* Render every template with sample values; -1 with a message on stderr/log. */
int workflow_check_templates(const struct config *cfg, const char **error_r);

#endif
