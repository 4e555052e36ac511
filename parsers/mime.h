/* SPDX-License-Identifier: MIT */
/*
 * mime - turn the raw bytes of one RFC 5322 message into a struct mail_msg.
 *
 * Pure: bytes in, struct or error out; no I/O, no database.  Uses libetpan's
 * MIME parser and decodes every transfer encoding (7bit, 8bit, QP, base64),
 * every charset (declared, or undeclared: UTF-8 if valid, else windows-1252),
 * format=flowed, and RFC 2047 encoded words in headers, so that every string
 * in struct mail_msg is valid UTF-8 and NUL-terminated.  Header strings never
 * contain CR or LF (unfolded, control characters replaced by spaces).
 *
 * It enforces hard limits (struct mime_limits) and fails cleanly when one is
 * exceeded instead of consuming unbounded memory or stack.
 *
 * All memory of a struct mail_msg belongs to it and is released with
 * mime_msg_free().
 */
#ifndef SO_MIME_H
#define SO_MIME_H

#include <stddef.h>

struct mime_limits {
	size_t max_size;        /* whole message, bytes (default 10 MiB) */
	unsigned max_depth;     /* multipart nesting (default 20) */
	unsigned max_parts;     /* leaf parts in total (default 100) */
	unsigned max_headers;   /* header fields of the top level (default 500) */
	size_t max_line;        /* one physical line, bytes (default 1 MiB) */
};

void mime_limits_default(struct mime_limits *l);

struct mail_header {
	char *name;             /* as in the message, e.g. "Auto-Submitted" */
	char *value;            /* unfolded, RFC 2047-decoded, UTF-8, no CR/LF */
};

struct mail_attachment {
	char *content_type;     /* lower case "type/subtype", e.g. "application/json" */
	char *filename;         /* decoded, or NULL */
	char *data;             /* transfer-decoded bytes, NUL-terminated */
	size_t len;
};

struct mail_msg {
	struct mail_header *headers;    /* top-level headers in order */
	size_t nheaders;

	/* Convenience copies of the top-level header fields (NULL if absent). */
	char *from_addr;        /* lower-case addr-spec of From, e.g. "a@b.test" */
	char *from_name;        /* display name of From, decoded, or NULL */
	char *reply_to_addr;    /* addr-spec of Reply-To, or NULL */
	char *subject;          /* decoded */
	char *message_id;       /* without angle brackets */
	char *in_reply_to;      /* first msg-id, without angle brackets */
	char *references;       /* raw list, as in the header, unfolded */
	char *return_path;      /* addr-spec, "" for the null path <>, NULL if absent */
	char *date;             /* raw Date value */

	char *content_type;     /* top-level, lower case "type/subtype" */
	int is_report;          /* multipart/report anywhere at top level */

	/*
	 * The first text/plain and first text/html part that is not an
	 * attachment, converted to UTF-8 with CRLF turned into LF and
	 * format=flowed lines joined.  NULL if there is none.
	 */
	char *text_plain;
	char *text_html;

	struct mail_attachment *attachments;  /* every other leaf part */
	size_t nattachments;

	const char *body_start; /* not set by mime_parse; reserved */
};

/*
 * Parse the message in data[0..len).  Returns 0 and sets *msg_r (caller frees
 * with mime_msg_free), or -1 and sets *error_r to a static message in German
 * suitable for telling the sender (e.g. "Die Nachricht ist zu groß (max. 10
 * MiB)."), valid until the next call.
 */
int mime_parse(const char *data, size_t len, const struct mime_limits *limits,
    struct mail_msg **msg_r, const char **error_r);

void mime_msg_free(struct mail_msg *msg);

/* Value of the first top-level header called name (case-insensitive), or NULL. */
const char *mime_header(const struct mail_msg *msg, const char *name);

#endif
