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
 * Machine mail is recognised in machine.c and quoted history in quote.c;
 * this file reads subjects, keywords, case numbers, tokens and the reason
 * text, and puts the decision together.
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
 *  - A reply without a keyword is MAIL_REPLY with CMD_UNKNOWN and its first
 *    non-quoted paragraph as rest, so the workflow can answer or pass it on.
 *  - A keyword is a whole word: "Status-Anfrage" or "OKAY" are not STATUS or
 *    OK ('-', '_' and non-ASCII bytes continue a word).
 */
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "machine.h"
#include "quote.h"
#include "span.h"
#include "util.h"

#define BODY_SCAN_MAX   ((size_t)64 * 1024)
#define SUBJECT_SCAN_MAX ((size_t)2048)
#define REST_MAX        ((size_t)2000)
/* Our tokens (daemon/token.h): exactly 32 hex characters. */
#define TOKEN_MIN       32
#define TOKEN_MAX       32
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
 * A token at p (after white space was skipped): exactly 32 hex characters,
 * optionally in [] or ().  Unbracketed it must contain a digit and end at a
 * plain ASCII boundary.  Anything else ("Kostenstelle6000Budget") is no
 * token, so an ordinary question about a case is never taken for an
 * approval reply.  Returns the bytes consumed (brackets included) and
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
		if (!c_digit((unsigned char)q[n]) &&
		    !((q[n] >= 'a' && q[n] <= 'f') || (q[n] >= 'A' && q[n] <= 'F')))
			return 0;
		if (c_digit((unsigned char)q[n]))
			digit = 1;
		n++;
	}
	if (n < TOKEN_MIN || n > TOKEN_MAX)
		return 0;
	if (q + n < end && c_token((unsigned char)q[n]))
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
		if (token_at(span_skip_space(nr + len, end), end, token) > 0) {
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

/*
 * Keyword as the whole first word of [p, end); sets *len_r.  A keyword
 * followed by "?" is a question, not a command ("Genehmigt? Wer hat ...").
 * The short words JA, OK and NEIN count only alone on their line (maybe
 * with "." or "!"): "Ok, ich schaue es mir an" decides nothing.
 */
static enum command_kind
keyword_at(const char *p, const char *end, int allow_short, size_t *len_r)
{
	size_t i, n;

	for (i = 0; i < SO_NELEM(keywords); i++) {
		const char *after;

		if (keywords[i].needs_context && !allow_short)
			continue;
		n = strlen(keywords[i].word);
		if (!span_has_prefix_ci(p, end, keywords[i].word))
			continue;
		if (p + n < end && c_word((unsigned char)p[n]))
			continue;
		after = span_skip_space(p + n, end);
		if (after < end && *after == '?')
			continue;
		if (keywords[i].needs_context) {
			while (after < end && (*after == '.' || *after == '!' ||
			    span_is_space((unsigned char)*after)))
				after++;
			if (after < end && *after != '\n' && *after != '\r')
				continue;
		}
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

	if (!span_has_prefix_ci(p, end, word))
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
	p = span_skip_space(p, end);
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
		p = span_skip_space(p, end);
		for (i = 0; i < SO_NELEM(subject_tags) && !more; i++)
			if (span_has_prefix_ci(p, end, subject_tags[i])) {
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
	struct quote_line l;
	const char *next;

	buf_init(&b, REST_MAX);
	while (pos != NULL && pos < end && b.len < REST_MAX) {
		enum quote_kind k = quote_classify(pos, end, &l, &next);

		if (k == QUOTE_QUOTED || k == QUOTE_STOP)
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
	struct quote_line l;
	const char *next, *start;

	start = quote_first_text(body, end, &l, &next);
	return start != NULL ? rest_from_lines(start, end) : NULL;
}

static char *
rest_from_line(const char *p, const char *end)
{
	struct buf b;

	while (p < end && (span_is_space((unsigned char)*p) ||
	    is_punct(*p, ":,;.!-")))
		p++;
	end = span_trim_end(p, end);
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

	while (p < end && (span_is_space((unsigned char)*p) ||
	    is_punct(*p, ":,;.-")))
		p++;
	if ((n = case_nr_at(p, end, prefix)) == 0)
		return p;
	if (cmd->case_nr[0] == '\0')
		case_nr_copy(p, n, cmd->case_nr);
	p = span_skip_space(p + n, end);
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
	struct quote_line l;
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
	} else if ((p = quote_first_text(body, bend, &l, &body_next)) != NULL) {
		p = span_skip_space(l.p, l.end);
		kind = keyword_at(p, l.end, 1, &n);
		kw_end = p + n;
		line_end = l.end;
	}
	if (kind == CMD_NONE)
		return CMD_NONE;
	/* "GENEHMIGT" in the subject (the link) but "ABGELEHNT" as the first
	 * line of the text, or the other way round: ask again, decide nothing. */
	if (line_end == send && (kind == CMD_APPROVE || kind == CMD_REJECT) &&
	    quote_first_text(body, bend, &l, &body_next) != NULL) {
		size_t m;
		const char *q = span_skip_space(l.p, l.end);
		enum command_kind other = keyword_at(q, l.end, 1, &m);

		if ((other == CMD_APPROVE || other == CMD_REJECT) && other != kind)
			kind = CMD_UNKNOWN;
		body_next = NULL;
	}
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
