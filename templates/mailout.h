/* SPDX-License-Identifier: MIT */
/*
 * mailout - compose one outgoing message as RFC 5322 / MIME bytes.
 *
 * Pure: struct in, bytes out.  Whatever the input, no header value can
 * contain CR or LF (every value passes through str_header_safe()), so no
 * header or recipient can ever be injected.  Non-ASCII display names and
 * subjects become RFC 2047 encoded words (UTF-8, B or Q, each word at most
 * 75 characters, never splitting a UTF-8 character, folded lines <= 78).
 * The text body is UTF-8, quoted-printable, CRLF line ends.  Attachments
 * (if any) make a multipart/mixed message with base64 parts.
 */
#ifndef SO_MAILOUT_H
#define SO_MAILOUT_H

#include <stdint.h>

#include "util.h"

struct mailout_attachment {
	const char *content_type;       /* e.g. "text/csv; charset=utf-8" */
	const char *filename;           /* ASCII or UTF-8 (RFC 2231 encoded if not ASCII) */
	const char *data;
	size_t len;
};

struct mailout {
	const char *from_addr;          /* required, addr-spec */
	const char *from_name;          /* UTF-8 or NULL */
	const char *to_addr;            /* required, addr-spec */
	const char *to_name;            /* UTF-8 or NULL */
	const char *subject;            /* UTF-8 */
	const char *body;               /* UTF-8 text; LF or CRLF line ends */
	const char *message_id;         /* required, without <> */
	const char *in_reply_to;        /* msg-id without <>, or NULL */
	const char *references;         /* space-separated msg-ids without <>, or NULL */
	const char *auto_submitted;     /* "auto-replied" / "auto-generated"; NULL = "auto-generated" */
	int suppress_auto_responses;    /* add X-Auto-Response-Suppress: All, Precedence-less */
	int64_t date;                   /* epoch seconds for the Date header */
	const struct mailout_attachment *attachments;
	size_t nattachments;
};

/*
 * Compose into out (appended).  Returns 0, or -1 with *error_r (static) if a
 * required field is missing, an address or message-id is not a plain
 * addr-spec / id (no white space, no <>, no control characters), or out's
 * maximum is exceeded.
 */
int mailout_compose(const struct mailout *m, struct buf *out, const char **error_r);

/* A new unique Message-ID (without <>): "so.<tag>.<32 hex>@<domain>"; tag may be NULL. Caller frees. */
char *mailout_message_id(const char *tag, const char *domain);

/* 1 if s is a plausible addr-spec (local@domain, printable ASCII/UTF-8, no white space, <, >, ",", ";"). */
int mailout_addr_ok(const char *s);

#endif
