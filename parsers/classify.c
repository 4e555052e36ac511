/* SPDX-License-Identifier: MIT */
/*
 * classify - decide whether an incoming mail is machine mail, a reply to one
 * of our mails, a command, or (by default) a form, and read the command
 * keyword, case number, token and reason text out of it.
 *
 * Pure and bounded: it reads a struct mail_msg that mime built and a few
 * configuration facts, never more than the first 64 KiB of the body and 2 KiB
 * of the subject, and allocates only the reason text (cmd->rest).  It does
 * not check tokens, case numbers or senders against the database, does not
 * read HTML parts (a mail with only an HTML part has no body for us), and does
 * not judge whether a form is complete; those are the workflow's and the form
 * parser's jobs.
 *
 * Choices the contract leaves open, made here on purpose:
 *  - A token outside brackets must contain a digit; otherwise a long ordinary
 *    word after a case number ("STORNO SO-2026-000001 Doppelbestellung") would
 *    turn a command into a reply with a bogus token.  Tokens in brackets, the
 *    form our own subjects use, need no digit.
 *  - "WG:"/"Fwd:" ends the reading of the subject: a keyword after it is the
 *    subject of someone else's mail and never a command.  The forwarder's own
 *    first body line still counts, and a case number + token anywhere in the
 *    subject still makes a reply (the command must then come from the body).
 *  - An attribution line ("Am ... schrieb ...:", "On ... wrote:") followed by
 *    ">"-quoted lines is part of the quote, so a bottom-posted answer below
 *    the quote is still read; followed by unquoted text it starts unmarked
 *    history and nothing after it counts.
 *  - A reply without a keyword is MAIL_REPLY with CMD_UNKNOWN and its first
 *    non-quoted paragraph as rest, so the workflow can answer or pass it on.
 *  - A subject starting "Automatische Antwort:", "Abwesenheitsnotiz:",
 *    "Automatic reply:", "Out of Office:" ... is machine mail even without
 *    Auto-Submitted, because such a mail carries our token and would
 *    otherwise be read as a reply.
 *  - A keyword is a whole word: "Status-Anfrage" or "OKAY" are not STATUS or
 *    OK ('-', '_' and non-ASCII bytes continue a word).
 */
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "util.h"

#define BODY_SCAN_MAX   ((size_t)64 * 1024)
#define SUBJECT_SCAN_MAX ((size_t)2048)
#define REST_MAX        ((size_t)2000)
#define TOKEN_MIN       16
#define TOKEN_MAX       64
#define CASE_NR_SIZE    32

/* ---- small ASCII helpers (locale-independent on purpose) ---- */

static int
c_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
c_alnum(int c)
{
	return c_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
c_upper(int c)
{
	return (c >= 'a' && c <= 'z') ? c - 32 : c;
}

static int
c_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

/* Characters that continue a word for keyword matching (see top comment). */
static int
c_word(int c)
{
	return c_alnum(c) || c == '_' || c == '-' || c >= 0x80;
}

static int
c_token(int c)
{
	return c_alnum(c) || c == '_' || c == '-';
}

/* strchr() would also match the terminating NUL. */
static int
is_punct(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* Case-insensitive: does [p, end) start with s? */
static int
has_prefix_ci(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && str_ncasecmp(p, s, n) == 0;
}

/* Case-insensitive search for s in [p, end); the range need not be NUL-terminated. */
static const char *
find_ci(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	for (; (size_t)(end - p) >= n; p++)
		if (str_ncasecmp(p, s, n) == 0)
			return p;
	return NULL;
}

static int
equal_ci(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && str_ncasecmp(p, s, len) == 0;
}

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && c_space((unsigned char)*p))
		p++;
	return p;
}

static const char *
trim_end(const char *p, const char *end)
{
	while (end > p && c_space((unsigned char)end[-1]))
		end--;
	return end;
}

/* ---- case numbers and tokens ---- */

/*
 * Length of a case number "<prefix>-YYYY-NNNNNN" starting exactly at p (not
 * beyond end), or 0.  Word boundaries are checked by the caller for the
 * start, here for the end.
 */
static size_t
case_nr_at(const char *p, const char *end, const char *prefix)
{
	size_t plen = strlen(prefix), n = plen + 12, i;

	if ((size_t)(end - p) < n || str_ncasecmp(p, prefix, plen) != 0)
		return 0;
	if (p[plen] != '-' || p[plen + 5] != '-')
		return 0;
	for (i = 1; i <= 4; i++)
		if (!c_digit((unsigned char)p[plen + i]))
			return 0;
	for (i = 6; i <= 11; i++)
		if (!c_digit((unsigned char)p[plen + i]))
			return 0;
	if (p + n < end && (c_alnum((unsigned char)p[n]) || p[n] == '_'))
		return 0;
	return n;
}

/* First case number in [s, end): its start and length, or NULL. */
static const char *
case_nr_find(const char *s, const char *end, const char *prefix, size_t *len_r)
{
	const char *p;

	/* Our out[32] must hold it: prefix + "-YYYY-NNNNNN" + NUL. */
	if (strlen(prefix) + 12 >= CASE_NR_SIZE)
		return NULL;
	for (p = s; p < end; p++) {
		if (p > s && (c_alnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		if ((*len_r = case_nr_at(p, end, prefix)) > 0)
			return p;
	}
	return NULL;
}

static void
case_nr_copy(const char *p, size_t len, char out[CASE_NR_SIZE])
{
	size_t i;

	for (i = 0; i < len && i < CASE_NR_SIZE - 1; i++)
		out[i] = (char)c_upper((unsigned char)p[i]);
	out[i] = '\0';
}

/*
 * A token at p (after white space was skipped): [A-Za-z0-9_-]{16,64},
 * optionally in [] or ().  Unbracketed it must contain a digit and end at a
 * plain ASCII boundary.  Returns the bytes consumed (brackets included) and
 * copies the token into tok (>= TOKEN_MAX + 1 bytes), or 0.
 */
static size_t
token_at(const char *p, const char *end, char *tok)
{
	const char *q = p;
	char close = '\0';
	size_t n = 0;
	int digit = 0;

	if (q < end && (*q == '[' || *q == '(')) {
		close = *q == '[' ? ']' : ')';
		q++;
	}
	while (q + n < end && c_token((unsigned char)q[n])) {
		if (c_digit((unsigned char)q[n]))
			digit = 1;
		n++;
	}
	if (n < TOKEN_MIN || n > TOKEN_MAX)
		return 0;
	if (close != '\0') {
		if (q + n >= end || q[n] != close)
			return 0;
	} else {
		if (!digit)
			return 0;
		if (q + n < end && (unsigned char)q[n] >= 0x80)
			return 0;
	}
	memcpy(tok, q, n);
	tok[n] = '\0';
	return (size_t)(q + n - p) + (close != '\0' ? 1 : 0);
}

/*
 * Does the subject carry a case number directly followed by a token?  The
 * first such pair wins; fills case_nr and token and returns 1.
 */
static int
subject_reply_ids(const char *s, const char *end, const char *prefix,
    char case_nr[CASE_NR_SIZE], char token[TOKEN_MAX + 1])
{
	const char *p = s, *nr;
	size_t len;

	while ((nr = case_nr_find(p, end, prefix, &len)) != NULL) {
		if (token_at(skip_space(nr + len, end), end, token) > 0) {
			case_nr_copy(nr, len, case_nr);
			return 1;
		}
		p = nr + len;
	}
	return 0;
}

int
classify_find_case_nr(const char *s, const char *prefix, char out[32])
{
	const char *nr;
	size_t len;

	if (s == NULL)
		return 0;
	if (prefix == NULL || *prefix == '\0')
		prefix = "SO";
	nr = case_nr_find(s, s + strlen(s), prefix, &len);
	if (nr == NULL)
		return 0;
	case_nr_copy(nr, len, out);
	return 1;
}

/* ---- keywords ---- */

static const struct keyword {
	const char *word;
	enum command_kind kind;
	int needs_context;      /* only in the body or in a reply's subject */
} keywords[] = {
	{ "GENEHMIGT", CMD_APPROVE, 0 },
	{ "APPROVE", CMD_APPROVE, 0 },
	{ "JA", CMD_APPROVE, 1 },
	{ "OK", CMD_APPROVE, 1 },
	{ "ABGELEHNT", CMD_REJECT, 0 },
	{ "REJECT", CMD_REJECT, 0 },
	{ "NEIN", CMD_REJECT, 1 },
	{ "STATUS", CMD_STATUS, 0 },
	{ "STORNO", CMD_CANCEL, 0 },
	{ "CANCEL", CMD_CANCEL, 0 },
	{ "ERHALTEN", CMD_RECEIVED, 0 },
	{ "RECEIVED", CMD_RECEIVED, 0 },
	{ "HILFE", CMD_HELP, 0 },
	{ "HELP", CMD_HELP, 0 },
};

/* Keyword as the whole first word of [p, end); sets *len_r. */
static enum command_kind
keyword_at(const char *p, const char *end, int allow_short, size_t *len_r)
{
	size_t i, n;

	for (i = 0; i < SO_NELEM(keywords); i++) {
		if (keywords[i].needs_context && !allow_short)
			continue;
		n = strlen(keywords[i].word);
		if (!has_prefix_ci(p, end, keywords[i].word))
			continue;
		if (p + n < end && c_word((unsigned char)p[n]))
			continue;
		*len_r = n;
		return keywords[i].kind;
	}
	return CMD_NONE;
}

const char *
command_name(enum command_kind kind)
{
	switch (kind) {
	case CMD_NONE:
		return "";
	case CMD_APPROVE:
		return "GENEHMIGT";
	case CMD_REJECT:
		return "ABGELEHNT";
	case CMD_STATUS:
		return "STATUS";
	case CMD_CANCEL:
		return "STORNO";
	case CMD_RECEIVED:
		return "ERHALTEN";
	case CMD_HELP:
		return "HILFE";
	case CMD_UNKNOWN:
		return "UNBEKANNT";
	}
	return "";
}

/* ---- subject prefixes ---- */

static const char *const reply_words[] = { "re", "aw", "antw", "antwort" };
static const char *const subject_tags[] = {
	"[ext]", "[extern]", "[external]",
};

/*
 * "Re:", "RE :", "Re[2]:", "AW(3):" ... at p: returns the position after the
 * colon, or NULL.
 */
static const char *
prefix_word_at(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	if (!has_prefix_ci(p, end, word))
		return NULL;
	p += n;
	if (p < end && (*p == '[' || *p == '(')) {
		char close = *p == '[' ? ']' : ')';

		p++;
		while (p < end && c_digit((unsigned char)*p))
			p++;
		if (p >= end || *p != close)
			return NULL;
		p++;
	}
	p = skip_space(p, end);
	if (p >= end || *p != ':')
		return NULL;
	return p + 1;
}

/*
 * Skip reply markers and tags at the start of a subject.  "WG:"/"Fwd:" are
 * deliberately not skipped: after a forward marker the first word is "WG",
 * so the forwarded subject's keyword is never read as a command.
 */
static const char *
subject_skip_prefixes(const char *p, const char *end)
{
	const char *q;
	size_t i;
	int more = 1;

	while (more) {
		more = 0;
		p = skip_space(p, end);
		for (i = 0; i < SO_NELEM(subject_tags) && !more; i++)
			if (has_prefix_ci(p, end, subject_tags[i])) {
				p += strlen(subject_tags[i]);
				more = 1;
			}
		for (i = 0; i < SO_NELEM(reply_words) && !more; i++)
			if ((q = prefix_word_at(p, end, reply_words[i])) != NULL) {
				p = q;
				more = 1;
			}
	}
	return p;
}

/* ---- body lines: quotes, history, signatures ---- */

struct line {
	const char *p;          /* first byte */
	const char *end;        /* after the last byte, before LF (and CR) */
};

enum line_kind {
	LINE_BLANK,
	LINE_TEXT,
	LINE_QUOTED,            /* "> ..." or an attribution introducing a quote */
	LINE_STOP,              /* history, signature or closing: nothing after counts */
};

/* Line at pos; returns the start of the next line, or NULL at the end. */
static const char *
line_get(const char *pos, const char *end, struct line *l)
{
	const char *nl;

	if (pos >= end)
		return NULL;
	nl = memchr(pos, '\n', (size_t)(end - pos));
	l->p = pos;
	l->end = nl != NULL ? nl : end;
	if (l->end > l->p && l->end[-1] == '\r')
		l->end--;
	return nl != NULL ? nl + 1 : end;
}

static int
line_blank(const struct line *l)
{
	return skip_space(l->p, l->end) == l->end;
}

static int
line_quoted(const struct line *l)
{
	const char *p = skip_space(l->p, l->end);

	return p < l->end && *p == '>';
}

static int
line_ends_colon(const struct line *l)
{
	const char *e = trim_end(l->p, l->end);

	return e > l->p && e[-1] == ':';
}

/* "Von:", "*Von:*", "From:" ... at the start of the line. */
static int
line_label(const struct line *l, const char *label)
{
	const char *p = skip_space(l->p, l->end);

	if (p < l->end && *p == '*')
		p++;
	if (!has_prefix_ci(p, l->end, label))
		return 0;
	p += strlen(label);
	if (p < l->end && *p == '*')
		p++;
	return p < l->end && *p == ':';
}

static const char *const history_phrases[] = {
	"Ursprüngliche Nachricht", "Original Message", "Original-Nachricht",
	"Forwarded message", "Weitergeleitete Nachricht",
	"Ursprüngliche Mitteilung",
};

static const char *const history_lines[] = {
	"Begin forwarded message:", "Anfang der weitergeleiteten Nachricht:",
};

static const char *const mobile_prefixes[] = {
	"Gesendet von meinem", "Gesendet von Outlook", "Gesendet mit ",
	"Sent from my ", "Sent from Outlook", "Sent from Mail for",
	"Get Outlook for ", "Holen Sie sich Outlook",
};

static const char *const closings[] = {
	"Mit freundlichen Grüßen", "Mit freundlichen Grüssen",
	"Mit freundlichen Gruessen", "Mit freundlichem Gruß",
	"Mit freundlichem Gruss", "Freundliche Grüße", "Freundliche Grüsse",
	"Viele Grüße", "Viele Grüsse", "Beste Grüße", "Liebe Grüße",
	"Schöne Grüße", "Herzliche Grüße", "Gruß", "Gruss", "Grüße", "Grüsse",
	"MfG", "VG", "LG", "Best regards", "Kind regards", "Regards",
	"Best wishes", "Cheers",
};

/* Outlook's header block "Von: ...\nGesendet: ..." (or on one line). */
static int
line_outlook_header(const struct line *l, const struct line *next)
{
	static const char *const second[] = {
		"Gesendet", "Sent", "Datum", "Date", "An", "To",
	};
	size_t i;

	if (!line_label(l, "Von") && !line_label(l, "From"))
		return 0;
	if (find_ci(l->p, l->end, "Gesendet:") != NULL ||
	    find_ci(l->p, l->end, "Sent:") != NULL)
		return 1;
	if (next == NULL)
		return 0;
	for (i = 0; i < SO_NELEM(second); i++)
		if (line_label(next, second[i]))
			return 1;
	return 0;
}

/*
 * An attribution line: 0 if none, else the number of lines it takes (Gmail
 * wraps long ones: "Am Mo., ... schrieb X <\nx@y>:").  *strong_r is set for
 * the "Am ..."/"On ..." forms, which start history even without a quote.
 */
static int
line_attribution(const struct line *l, const struct line *next, int *strong_r)
{
	const char *p = skip_space(l->p, l->end);
	const char *verb;
	int strong;

	strong = has_prefix_ci(p, l->end, "Am ") ||
	    has_prefix_ci(p, l->end, "On ");
	*strong_r = strong;
	verb = has_prefix_ci(p, l->end, "On ") ? " wrote" : " schrieb";
	if (strong) {
		if (find_ci(p, l->end, verb) != NULL && line_ends_colon(l))
			return 1;
		if (next != NULL && line_ends_colon(next) &&
		    (find_ci(p, l->end, verb) != NULL ||
		    has_prefix_ci(skip_space(next->p, next->end), next->end,
		    verb + 1)))
			return 2;
		return 0;
	}
	/* "Max Mustermann <a@b> schrieb am 16.11.2026 09:14:", "X wrote:" */
	if (line_ends_colon(l) && (find_ci(p, l->end, " schrieb") != NULL ||
	    find_ci(p, l->end, " wrote") != NULL))
		return 1;
	return 0;
}

/* Line trimmed and without trailing ",.!" equals one of the closings. */
static int
line_closing(const struct line *l)
{
	const char *p = skip_space(l->p, l->end), *e = trim_end(p, l->end);
	size_t i;

	while (e > p && (e[-1] == ',' || e[-1] == '.' || e[-1] == '!'))
		e--;
	for (i = 0; i < SO_NELEM(closings); i++)
		if (equal_ci(p, (size_t)(e - p), closings[i]))
			return 1;
	return 0;
}

static int
line_separator(const struct line *l)
{
	const char *p = skip_space(l->p, l->end), *e = trim_end(p, l->end);
	const char *q;
	size_t i;

	/* RFC 3676 signature separator; many clients drop the space. */
	if (l->end - l->p == 3 && memcmp(l->p, "-- ", 3) == 0)
		return 1;
	if (e - p == 2 && memcmp(p, "--", 2) == 0)
		return 1;
	/* Outlook's "________________________________" */
	if (e - p >= 8) {
		for (q = p; q < e && *q == '_'; q++)
			;
		if (q == e)
			return 1;
	}
	if (has_prefix_ci(p, e, "--"))
		for (i = 0; i < SO_NELEM(history_phrases); i++)
			if (find_ci(p, e, history_phrases[i]) != NULL)
				return 1;
	for (i = 0; i < SO_NELEM(history_lines); i++)
		if (has_prefix_ci(p, e, history_lines[i]))
			return 1;
	for (i = 0; i < SO_NELEM(mobile_prefixes); i++)
		if (has_prefix_ci(p, e, mobile_prefixes[i]))
			return 1;
	if ((has_prefix_ci(p, e, "Von meinem ") ||
	    has_prefix_ci(p, e, "Von Outlook")) &&
	    find_ci(p, e, "gesendet") != NULL)
		return 1;
	return 0;
}

/*
 * Kind of the line at pos.  Sets *l to it and returns in *next_r where the
 * next unread line starts (an attribution may take two lines).
 */
static enum line_kind
line_classify(const char *pos, const char *end, struct line *l,
    const char **next_r)
{
	struct line next, after;
	const char *npos, *apos;
	int have_next, nattr, strong;

	*next_r = line_get(pos, end, l);
	if (line_blank(l))
		return LINE_BLANK;
	if (line_quoted(l))
		return LINE_QUOTED;
	npos = *next_r;
	have_next = line_get(npos, end, &next) != NULL;
	if (line_separator(l) || line_closing(l) ||
	    line_outlook_header(l, have_next ? &next : NULL))
		return LINE_STOP;
	nattr = line_attribution(l, have_next ? &next : NULL, &strong);
	if (nattr == 0)
		return LINE_TEXT;
	apos = nattr == 2 ? line_get(npos, end, &next) : npos;
	/* Quoted text after the attribution: it only introduces a quote. */
	while ((npos = line_get(apos, end, &after)) != NULL && line_blank(&after))
		apos = npos;
	if (npos != NULL && line_quoted(&after)) {
		*next_r = nattr == 2 ? line_get(*next_r, end, &next) : *next_r;
		return LINE_QUOTED;
	}
	return strong ? LINE_STOP : LINE_TEXT;
}

/*
 * First non-blank, non-quoted line from pos; returns its start and sets *l
 * and *next_r, or returns NULL if a stop or the end comes first.
 */
static const char *
body_first_text(const char *pos, const char *end, struct line *l,
    const char **next_r)
{
	const char *next;

	while (pos != NULL && pos < end) {
		switch (line_classify(pos, end, l, &next)) {
		case LINE_BLANK:
		case LINE_QUOTED:
			pos = next;
			continue;
		case LINE_STOP:
			return NULL;
		case LINE_TEXT:
			*next_r = next;
			return pos;
		}
	}
	return NULL;
}

/* ---- reason text ---- */

/* Append [p, e) to b, but let b hold at most REST_MAX bytes (cut on a UTF-8 boundary). */
static void
rest_append(struct buf *b, const char *p, const char *e)
{
	size_t room = b->len < REST_MAX ? REST_MAX - b->len : 0;
	size_t n = (size_t)(e - p);

	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
	}
	if (n > 0 && buf_append(b, p, n) < 0)
		fatalx("classify: reason buffer of %zu bytes overflowed",
		    REST_MAX);
}

/* Trimmed copy, or NULL if nothing is left. */
static char *
rest_finish(struct buf *b)
{
	char *s;

	if (b->len == 0) {
		buf_free(b);
		return NULL;
	}
	s = str_trim(buf_steal(b));
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* Lines from pos up to the first quote, stop or the end. */
static char *
rest_from_lines(const char *pos, const char *end)
{
	static const char newline[] = "\n";
	struct buf b;
	struct line l;
	const char *next;

	buf_init(&b, REST_MAX);
	while (pos != NULL && pos < end && b.len < REST_MAX) {
		enum line_kind k = line_classify(pos, end, &l, &next);

		if (k == LINE_QUOTED || k == LINE_STOP)
			break;
		if (b.len > 0)
			rest_append(&b, newline, newline + 1);
		rest_append(&b, l.p, l.end);
		pos = next;
	}
	return rest_finish(&b);
}

/* The first non-quoted paragraph(s) of the body, as for a command in the subject. */
static char *
rest_from_body_start(const char *body, const char *end)
{
	struct line l;
	const char *next, *start;

	start = body_first_text(body, end, &l, &next);
	return start != NULL ? rest_from_lines(start, end) : NULL;
}

static char *
rest_from_line(const char *p, const char *end)
{
	struct buf b;

	while (p < end && (c_space((unsigned char)*p) || is_punct(*p, ":,;.!-")))
		p++;
	end = trim_end(p, end);
	buf_init(&b, REST_MAX);
	rest_append(&b, p, end);
	return rest_finish(&b);
}

/* ---- command_parse ---- */

void
command_free(struct command *cmd)
{
	if (cmd == NULL)
		return;
	free(cmd->rest);
	cmd->rest = NULL;
}

/*
 * Skip separators, then a case number and a token right after the keyword;
 * returns where the reason text of the line starts.
 */
static const char *
skip_ids(const char *p, const char *end, const char *prefix,
    struct command *cmd)
{
	char tok[TOKEN_MAX + 1];
	size_t n;

	while (p < end && (c_space((unsigned char)*p) || is_punct(*p, ":,;.-")))
		p++;
	if ((n = case_nr_at(p, end, prefix)) == 0)
		return p;
	if (cmd->case_nr[0] == '\0')
		case_nr_copy(p, n, cmd->case_nr);
	p = skip_space(p + n, end);
	if ((n = token_at(p, end, tok)) > 0)
		p += n;
	return p;
}

enum command_kind
command_parse(const char *subject, const char *body, const char *case_prefix,
    struct command *cmd_r)
{
	const char *prefix, *send, *bend, *p, *kw_end = NULL, *line_end = NULL;
	const char *body_next = NULL, *nr;
	struct line l;
	enum command_kind kind = CMD_NONE;
	size_t n = 0;
	int reply;

	memset(cmd_r, 0, sizeof(*cmd_r));
	prefix = case_prefix != NULL && *case_prefix != '\0' ? case_prefix : "SO";
	if (subject == NULL)
		subject = "";
	if (body == NULL)
		body = "";
	send = subject + strnlen(subject, SUBJECT_SCAN_MAX);
	bend = body + strnlen(body, BODY_SCAN_MAX);

	reply = subject_reply_ids(subject, send, prefix, cmd_r->case_nr,
	    cmd_r->token);

	p = subject_skip_prefixes(subject, send);
	if ((kind = keyword_at(p, send, reply, &n)) != CMD_NONE) {
		kw_end = p + n;
		line_end = send;
	} else if ((p = body_first_text(body, bend, &l, &body_next)) != NULL) {
		p = skip_space(l.p, l.end);
		kind = keyword_at(p, l.end, 1, &n);
		kw_end = p + n;
		line_end = l.end;
	}
	if (kind == CMD_NONE)
		return CMD_NONE;
	cmd_r->kind = kind;

	cmd_r->rest = rest_from_line(skip_ids(kw_end, line_end, prefix, cmd_r),
	    line_end);
	if (cmd_r->rest == NULL)
		cmd_r->rest = body_next != NULL ?
		    rest_from_lines(body_next, bend) :
		    rest_from_body_start(body, bend);

	/* A case number elsewhere: in the keyword line, the subject, the reason. */
	if (cmd_r->case_nr[0] == '\0' &&
	    ((nr = case_nr_find(kw_end, line_end, prefix, &n)) != NULL ||
	    (nr = case_nr_find(subject, send, prefix, &n)) != NULL ||
	    (cmd_r->rest != NULL && (nr = case_nr_find(cmd_r->rest,
	    cmd_r->rest + strlen(cmd_r->rest), prefix, &n)) != NULL)))
		case_nr_copy(nr, n, cmd_r->case_nr);
	return kind;
}

/* ---- machine mail ---- */

static const char *
header_first(const struct mail_msg *msg, const char *name)
{
	size_t i;

	for (i = 0; i < msg->nheaders; i++)
		if (msg->headers[i].name != NULL &&
		    str_casecmp(msg->headers[i].name, name) == 0)
			return msg->headers[i].value != NULL ?
			    msg->headers[i].value : "";
	return NULL;
}

/* "auto-replied; owner=..." -> reason, or NULL for "no". */
static const char *
auto_submitted_reason(const char *v)
{
	static const struct {
		const char *value, *reason;
	} known[] = {
		{ "auto-replied", "auto-submitted: auto-replied" },
		{ "auto-generated", "auto-submitted: auto-generated" },
		{ "auto-notified", "auto-submitted: auto-notified" },
	};
	const char *p = skip_space(v, v + strlen(v)), *e = p;
	size_t i;

	/* The keyword ends at white space, a (comment) or ";" parameters. */
	while (*e != '\0' && !c_space((unsigned char)*e) && *e != '(' &&
	    *e != ';')
		e++;
	if (equal_ci(p, (size_t)(e - p), "no"))
		return NULL;
	for (i = 0; i < SO_NELEM(known); i++)
		if (equal_ci(p, (size_t)(e - p), known[i].value))
			return known[i].reason;
	return "auto-submitted";
}

static const char *
precedence_reason(const char *v)
{
	const char *end = v + strlen(v), *p = skip_space(v, end);
	size_t n = (size_t)(trim_end(p, end) - p);

	if (equal_ci(p, n, "bulk"))
		return "precedence: bulk";
	if (equal_ci(p, n, "junk"))
		return "precedence: junk";
	if (equal_ci(p, n, "list"))
		return "precedence: list";
	return NULL;
}

static int
x_loop_has(const struct mail_msg *msg, const char *own)
{
	size_t i;

	for (i = 0; i < msg->nheaders; i++)
		if (msg->headers[i].name != NULL &&
		    msg->headers[i].value != NULL &&
		    str_casecmp(msg->headers[i].name, "X-Loop") == 0 &&
		    str_casestr(msg->headers[i].value, own) != NULL)
			return 1;
	return 0;
}

/* "so.<tag>.<hex>@<msgid_domain>", see mailout_message_id(). */
static int
message_id_ours(const char *id, const char *domain)
{
	size_t len, dlen = strlen(domain);

	if (*id == '<')
		id++;
	len = strlen(id);
	if (len > 0 && id[len - 1] == '>')
		len--;
	if (!str_has_prefix_ci(id, "so.") || len < 3 + 1 + dlen)
		return 0;
	return id[len - dlen - 1] == '@' &&
	    str_ncasecmp(id + len - dlen, domain, dlen) == 0;
}

static int
from_is_daemon(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t n = at != NULL ? (size_t)(at - addr) : strlen(addr);

	return equal_ci(addr, n, "mailer-daemon") ||
	    equal_ci(addr, n, "postmaster");
}

static int
subject_auto_reply(const char *s)
{
	static const char *const prefixes[] = {
		"Automatische Antwort:", "Abwesenheitsnotiz:",
		"Automatic reply:", "Auto-Reply:", "Autoreply:",
		"Out of Office:", "Out of Office AutoReply:",
	};
	size_t i;

	while (c_space((unsigned char)*s))
		s++;
	for (i = 0; i < SO_NELEM(prefixes); i++)
		if (str_has_prefix_ci(s, prefixes[i]))
			return 1;
	return 0;
}

static const char *
machine_reason(const struct mail_msg *msg, const struct classify_ctx *ctx)
{
	const char *v, *r;
	const char *own = ctx->own_address;
	const char *domain = ctx->msgid_domain;

	if ((v = header_first(msg, "Auto-Submitted")) != NULL &&
	    (r = auto_submitted_reason(v)) != NULL)
		return r;
	if (msg->return_path != NULL && (msg->return_path[0] == '\0' ||
	    strcmp(msg->return_path, "<>") == 0))
		return "null return path";
	if (msg->is_report || (msg->content_type != NULL &&
	    str_has_prefix_ci(msg->content_type, "multipart/report")))
		return "multipart/report";
	if ((v = header_first(msg, "Precedence")) != NULL &&
	    (r = precedence_reason(v)) != NULL)
		return r;
	if (header_first(msg, "List-Id") != NULL)
		return "list-id";
	if (header_first(msg, "List-Unsubscribe") != NULL)
		return "list-unsubscribe";
	if (own != NULL && *own != '\0' && x_loop_has(msg, own))
		return "x-loop";
	if (own != NULL && *own != '\0' && msg->from_addr != NULL &&
	    str_casecmp(msg->from_addr, own) == 0)
		return "our own mail";
	if (domain != NULL && *domain != '\0' && msg->message_id != NULL &&
	    message_id_ours(msg->message_id, domain))
		return "our own mail";
	if (header_first(msg, "X-Autoreply") != NULL)
		return "x-autoreply";
	if (header_first(msg, "X-Autorespond") != NULL)
		return "x-autorespond";
	if (msg->from_addr != NULL && from_is_daemon(msg->from_addr))
		return "mailer-daemon";
	if (msg->subject != NULL && subject_auto_reply(msg->subject))
		return "auto-reply subject";
	return NULL;
}

enum mail_kind
classify_mail(const struct mail_msg *msg, const struct classify_ctx *ctx,
    struct command *cmd_r, const char **reason_r)
{
	const char *reason, *body;

	memset(cmd_r, 0, sizeof(*cmd_r));
	*reason_r = NULL;
	if ((reason = machine_reason(msg, ctx)) != NULL) {
		*reason_r = reason;
		return MAIL_MACHINE;
	}
	command_parse(msg->subject, msg->text_plain, ctx->case_prefix, cmd_r);
	if (cmd_r->token[0] != '\0') {
		if (cmd_r->kind == CMD_NONE) {
			body = msg->text_plain != NULL ? msg->text_plain : "";
			cmd_r->kind = CMD_UNKNOWN;
			cmd_r->rest = rest_from_body_start(body,
			    body + strnlen(body, BODY_SCAN_MAX));
		}
		return MAIL_REPLY;
	}
	if (cmd_r->kind != CMD_NONE)
		return MAIL_COMMAND;
	command_free(cmd_r);
	memset(cmd_r, 0, sizeof(*cmd_r));
	return MAIL_FORM;
}
