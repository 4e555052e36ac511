/* SPDX-License-Identifier: MIT */
/*
 * mailparse - everything that is read out of one incoming mail before the
 * database is touched: MIME structure, classification (form, reply,
 * command, machine mail) and, for a form, the form itself.  The daemon
 * runs this in the parser sandbox (a limited child process) and gets the
 * result back in the wire form below, so that hostile bytes are parsed
 * only there; without the sandbox it runs in-process.  Both give the same
 * struct parsed_mail.
 *
 * The wire form is a flat, length-prefixed encoding.  The decoder trusts
 * nothing: every length is checked against what is left, counts cannot
 * make it allocate more than a small multiple (about 3) of the input's
 * size, and it enforces what the
 * parsers promise (no NUL inside strings, no CR or LF in header names and
 * values, addresses and the subject), so a misbehaving child cannot hand
 * the daemon anything the parsers would not have.
 *
 * It does not judge the form's values (validate.c does, against the
 * master data) and does no I/O.
 */
#ifndef SO_MAILPARSE_H
#define SO_MAILPARSE_H

#include <stddef.h>

#include "classify.h"
#include "form.h"
#include "mime.h"
#include "util.h"

struct mailparse_ctx {
	const struct mime_limits *limits;
	const struct form_profile *profile;
	struct classify_ctx classify;
};

struct parsed_mail {
	struct mail_msg *msg;   /* NULL: not even the header block was readable */
	char *err;              /* why the whole mail is unreadable (German, for
				 * the sender), or NULL */
	enum mail_kind kind;
	struct command cmd;     /* for MAIL_REPLY and MAIL_COMMAND */
	char *why;              /* classification reason (MAIL_MACHINE), or NULL */
	struct form *form;      /* MAIL_FORM with a readable mail: the form ... */
	char *form_err;         /* ... or why it could not be read */
	struct wire_arena *arena;       /* decoded: its strings are there */
};

/*
 * Parse raw[0..len).  too_large: raw holds only the header of a mail the
 * server reported as over the size limit; it is read as header only and
 * err says so.  Never fails: what could not be read is in p->err or
 * p->form_err.  Free with parsed_mail_free().
 */
void mailparse_run(const struct mailparse_ctx *ctx, const char *raw,
    size_t len, int too_large, struct parsed_mail *p);

void parsed_mail_free(struct parsed_mail *p);

/* Offset of the body (after the empty line ending the header), or len. */
size_t mailparse_header_end(const char *raw, size_t len);

/* The form's JSON attachment (application/json or *.json), or NULL. */
const struct mail_attachment *mailparse_json_attachment(
    const struct mail_msg *msg);

/* Append the wire form of p to out; -1 if out's maximum size was reached. */
int mailparse_encode(const struct parsed_mail *p, struct buf *out);

/*
 * Wire data that decoded mails point into: data[0..len), handed over with
 * release(data, len) to be called once the arena and every mail decoded
 * from it are freed.  A batch of mails makes one arena, not a copy of
 * every string.
 */
struct wire_arena;
struct wire_arena *wire_arena_new(const char *data, size_t len,
    void (*release)(const char *data, size_t len));
void wire_arena_unref(struct wire_arena *a);

/*
 * Decode one parsed_mail from the arena's data from *off and advance *off.
 * Its strings point into the arena, which it keeps until
 * parsed_mail_free() (they are const: nothing may write to them).
 * Returns 0, or -1 with *error_r (static English text) on anything
 * malformed; p is then empty.
 */
int mailparse_decode(struct wire_arena *a, size_t *off, struct parsed_mail *p,
    const char **error_r);

#endif
