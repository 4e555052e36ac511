/* SPDX-License-Identifier: MIT */
/*
 * quote - tell, line by line, what in the body of a reply is the sender's
 * own text and what is quoted history: "> " quotes, attribution lines
 * ("Am ... schrieb ...:", "On ... wrote:"), Outlook's "Von: / Gesendet:"
 * block, "-----Ursprüngliche Nachricht-----" and other history markers,
 * signature separators, "Sent from my ..." lines and closings ("Mit
 * freundlichen Grüßen").
 *
 * Pure and without allocation: works on a byte range [pos, end) of a body
 * with LF or CR LF line ends that need not be NUL-terminated, and returns
 * pointers into it.  It does not read keywords or copy text; classify does.
 */
#ifndef SO_QUOTE_H
#define SO_QUOTE_H

/* One line of the body. */
struct quote_line {
	const char *p;          /* first byte */
	const char *end;        /* after the last byte, before LF (and CR) */
};

enum quote_kind {
	QUOTE_BLANK,
	QUOTE_TEXT,
	QUOTE_QUOTED,   /* "> ..." or an attribution introducing a quote */
	QUOTE_STOP,     /* history, signature, closing: nothing after counts */
};

/*
 * Kind of the line at pos (pos < end).  Sets *l to the line and *next_r to
 * where the next unread line starts: an attribution Gmail wrapped over two
 * lines is consumed whole.
 */
enum quote_kind quote_classify(const char *pos, const char *end,
    struct quote_line *l, const char **next_r);

/*
 * The first line from pos on that is neither blank nor quoted: returns its
 * start and sets *l and *next_r as quote_classify() does.  Returns NULL if
 * a QUOTE_STOP line or end comes first.
 */
const char *quote_first_text(const char *pos, const char *end,
    struct quote_line *l, const char **next_r);

#endif
