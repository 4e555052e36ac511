/* SPDX-License-Identifier: MIT */
/*
 * classify - decide what kind of mail an incoming message is, and read a
 * command or reply keyword out of it.  Pure: works on a parsed struct
 * mail_msg and a few facts from the configuration; no I/O.
 *
 * Order of the decision: machine mail (never answered) first, then a reply to
 * one of our mails (subject carries a case number and a token), then a
 * command, else a form (which the form parser may still reject).
 */
#ifndef SO_CLASSIFY_H
#define SO_CLASSIFY_H

#include "mime.h"

enum mail_kind {
	MAIL_FORM,
	MAIL_REPLY,     /* reply to one of our mails: case number + token */
	MAIL_COMMAND,
	MAIL_MACHINE,   /* auto-reply, bounce, list mail, our own mail */
};

enum command_kind {
	CMD_NONE,
	CMD_APPROVE,    /* GENEHMIGT, APPROVE, JA, OK */
	CMD_REJECT,     /* ABGELEHNT, REJECT, NEIN */
	CMD_STATUS,
	CMD_CANCEL,     /* STORNO, CANCEL */
	CMD_RECEIVED,   /* ERHALTEN, RECEIVED */
	CMD_HELP,       /* HILFE, HELP */
	CMD_UNKNOWN,    /* looked like a command word but is none of the above */
};

struct classify_ctx {
	const char *own_address;        /* our From address, lower case */
	const char *case_prefix;        /* e.g. "SO" for SO-2026-000042 */
	const char *msgid_domain;       /* domain part of the Message-IDs we create */
};

struct command {
	enum command_kind kind;
	char case_nr[32];       /* "SO-2026-000042" if one was given, else "" */
	char token[80];         /* token if the subject carried one, else "" */
	char *rest;             /* rest of the command line / following lines (reason), or NULL; caller frees via command_free */
};

/*
 * Classify msg.  On MAIL_MACHINE sets *reason_r to a static English reason
 * for the log and ledger (e.g. "auto-submitted: auto-replied",
 * "null return path", "multipart/report", "precedence: bulk", "list-id",
 * "our own mail", "x-loop").  For MAIL_REPLY and MAIL_COMMAND fills *cmd_r
 * (caller calls command_free); for the other kinds cmd_r->kind is CMD_NONE.
 */
enum mail_kind classify_mail(const struct mail_msg *msg,
    const struct classify_ctx *ctx, struct command *cmd_r, const char **reason_r);

/*
 * Read a command from a subject and body.  The subject's first word (after
 * any number of "Re:", "AW:", "Antw:", "RE :", "[EXT]" markers; "WG:"/"Fwd:"
 * mean a forward and do not count as reply prefixes) or else the first
 * non-empty, non-quoted body line gives the keyword; quoted lines ("> "),
 * signatures ("-- "), and everything from "-----Ursprüngliche Nachricht-----",
 * "-----Original Message-----", "Am ... schrieb ...:", "On ... wrote:" on is
 * ignored.  Returns the kind (CMD_NONE if no keyword found).
 */
enum command_kind command_parse(const char *subject, const char *body,
    const char *case_prefix, struct command *cmd_r);

void command_free(struct command *cmd);

/* German keyword for a kind, e.g. "STATUS"; "" for CMD_NONE. */
const char *command_name(enum command_kind kind);

/*
 * Find a case number "<prefix>-YYYY-NNNNNN" in s (case-insensitive prefix);
 * copies it (upper case) into out (>= 32 bytes) and returns 1, or returns 0.
 */
int classify_find_case_nr(const char *s, const char *prefix, char out[32]);

#endif
