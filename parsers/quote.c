/* SPDX-License-Identifier: MIT */
/*
 * quote - what in a reply body is quoted history (see quote.h).
 *
 * A choice made here on purpose: an attribution line ("Am ... schrieb
 * ...:", "On ... wrote:") followed by ">"-quoted lines is part of the
 * quote, so a bottom-posted answer below the quote is still read; followed
 * by unquoted text it starts unmarked history and nothing after it counts.
 * The weaker "X schrieb:" / "X wrote:" without a quote after it is
 * ordinary text.
 *
 * It recognises German and English clients (Outlook, Thunderbird, Gmail,
 * Apple Mail, mobile clients); it does not try to find history that has no
 * marker at all.
 */
#include <string.h>

#include "quote.h"
#include "span.h"
#include "util.h"

/* Line at pos; returns the start of the next line, or NULL at the end. */
static const char *
line_get(const char *pos, const char *end, struct quote_line *l)
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
line_blank(const struct quote_line *l)
{
	return span_skip_space(l->p, l->end) == l->end;
}

static int
line_quoted(const struct quote_line *l)
{
	const char *p = span_skip_space(l->p, l->end);

	return p < l->end && *p == '>';
}

static int
line_ends_colon(const struct quote_line *l)
{
	const char *e = span_trim_end(l->p, l->end);

	return e > l->p && e[-1] == ':';
}

/* "Von:", "*Von:*", "From:" ... at the start of the line. */
static int
line_label(const struct quote_line *l, const char *label)
{
	const char *p = span_skip_space(l->p, l->end);

	if (p < l->end && *p == '*')
		p++;
	if (!span_has_prefix_ci(p, l->end, label))
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
	"Schöne Grüße", "Herzliche Grüße", "Gruß", "Gruss", "Grüße",
	"Grüsse", "MfG", "VG", "LG", "Best regards", "Kind regards",
	"Regards", "Best wishes", "Cheers",
};

/* Outlook's header block "Von: ...\nGesendet: ..." (or on one line). */
static int
line_outlook_header(const struct quote_line *l, const struct quote_line *next)
{
	static const char *const second[] = {
		"Gesendet", "Sent", "Datum", "Date", "An", "To",
	};
	size_t i;

	if (!line_label(l, "Von") && !line_label(l, "From"))
		return 0;
	if (span_find_ci(l->p, l->end, "Gesendet:") != NULL ||
	    span_find_ci(l->p, l->end, "Sent:") != NULL)
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
line_attribution(const struct quote_line *l, const struct quote_line *next,
    int *strong_r)
{
	const char *p = span_skip_space(l->p, l->end);
	const char *verb;
	int strong;

	strong = span_has_prefix_ci(p, l->end, "Am ") ||
	    span_has_prefix_ci(p, l->end, "On ");
	*strong_r = strong;
	verb = span_has_prefix_ci(p, l->end, "On ") ? " wrote" : " schrieb";
	if (strong) {
		if (span_find_ci(p, l->end, verb) != NULL && line_ends_colon(l))
			return 1;
		if (next != NULL && line_ends_colon(next) &&
		    (span_find_ci(p, l->end, verb) != NULL ||
		    span_has_prefix_ci(span_skip_space(next->p, next->end),
		    next->end, verb + 1)))
			return 2;
		return 0;
	}
	/* "Max Mustermann <a@b> schrieb am 16.11.2026 09:14:", "X wrote:" */
	if (line_ends_colon(l) &&
	    (span_find_ci(p, l->end, " schrieb") != NULL ||
	    span_find_ci(p, l->end, " wrote") != NULL))
		return 1;
	return 0;
}

/* Line trimmed and without trailing ",.!" equals one of the closings. */
static int
line_closing(const struct quote_line *l)
{
	const char *p = span_skip_space(l->p, l->end);
	const char *e = span_trim_end(p, l->end);
	size_t i;

	while (e > p && (e[-1] == ',' || e[-1] == '.' || e[-1] == '!'))
		e--;
	for (i = 0; i < SO_NELEM(closings); i++)
		if (span_equal_ci(p, (size_t)(e - p), closings[i]))
			return 1;
	return 0;
}

static int
line_separator(const struct quote_line *l)
{
	const char *p = span_skip_space(l->p, l->end);
	const char *e = span_trim_end(p, l->end);
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
	if (span_has_prefix_ci(p, e, "--"))
		for (i = 0; i < SO_NELEM(history_phrases); i++)
			if (span_find_ci(p, e, history_phrases[i]) != NULL)
				return 1;
	for (i = 0; i < SO_NELEM(history_lines); i++)
		if (span_has_prefix_ci(p, e, history_lines[i]))
			return 1;
	for (i = 0; i < SO_NELEM(mobile_prefixes); i++)
		if (span_has_prefix_ci(p, e, mobile_prefixes[i]))
			return 1;
	if ((span_has_prefix_ci(p, e, "Von meinem ") ||
	    span_has_prefix_ci(p, e, "Von Outlook")) &&
	    span_find_ci(p, e, "gesendet") != NULL)
		return 1;
	return 0;
}

enum quote_kind
quote_classify(const char *pos, const char *end, struct quote_line *l,
    const char **next_r)
{
	struct quote_line next, after;
	const char *npos, *apos;
	int have_next, nattr, strong;

	*next_r = line_get(pos, end, l);
	if (line_blank(l))
		return QUOTE_BLANK;
	if (line_quoted(l))
		return QUOTE_QUOTED;
	npos = *next_r;
	have_next = line_get(npos, end, &next) != NULL;
	if (line_separator(l) || line_closing(l) ||
	    line_outlook_header(l, have_next ? &next : NULL))
		return QUOTE_STOP;
	nattr = line_attribution(l, have_next ? &next : NULL, &strong);
	if (nattr == 0)
		return QUOTE_TEXT;
	apos = nattr == 2 ? line_get(npos, end, &next) : npos;
	/* Quoted text after the attribution: it only introduces a quote. */
	while ((npos = line_get(apos, end, &after)) != NULL &&
	    line_blank(&after))
		apos = npos;
	if (npos != NULL && line_quoted(&after)) {
		*next_r = nattr == 2 ? line_get(*next_r, end, &next) : *next_r;
		return QUOTE_QUOTED;
	}
	return strong ? QUOTE_STOP : QUOTE_TEXT;
}

const char *
quote_first_text(const char *pos, const char *end, struct quote_line *l,
    const char **next_r)
{
	const char *next;

	while (pos != NULL && pos < end) {
		switch (quote_classify(pos, end, l, &next)) {
		case QUOTE_BLANK:
		case QUOTE_QUOTED:
			pos = next;
			continue;
		case QUOTE_STOP:
			return NULL;
		case QUOTE_TEXT:
			*next_r = next;
			return pos;
		}
	}
	return NULL;
}
