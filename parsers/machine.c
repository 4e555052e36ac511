/* SPDX-License-Identifier: MIT */
/*
 * machine - is this machine mail (see machine.h)?
 *
 * A choice made here on purpose: a subject starting "Automatische
 * Antwort:", "Abwesenheitsnotiz:", "Automatic reply:", "Out of Office:" ...
 * is machine mail even without Auto-Submitted, because such a mail carries
 * our token and would otherwise be read as a reply.
 *
 * The checks run in a fixed order, the standardised Auto-Submitted
 * (RFC 3834) first; the first that fires gives the reason.
 */
#include <string.h>

#include "machine.h"
#include "span.h"
#include "util.h"

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
	const char *p = span_skip_space(v, v + strlen(v)), *e = p;
	size_t i;

	/* The keyword ends at white space, a (comment) or ";" parameters. */
	while (*e != '\0' && !span_is_space((unsigned char)*e) && *e != '(' &&
	    *e != ';')
		e++;
	if (span_equal_ci(p, (size_t)(e - p), "no"))
		return NULL;
	for (i = 0; i < SO_NELEM(known); i++)
		if (span_equal_ci(p, (size_t)(e - p), known[i].value))
			return known[i].reason;
	return "auto-submitted";
}

static const char *
precedence_reason(const char *v)
{
	const char *end = v + strlen(v), *p = span_skip_space(v, end);
	size_t n = (size_t)(span_trim_end(p, end) - p);

	if (span_equal_ci(p, n, "bulk"))
		return "precedence: bulk";
	if (span_equal_ci(p, n, "junk"))
		return "precedence: junk";
	if (span_equal_ci(p, n, "list"))
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

	return span_equal_ci(addr, n, "mailer-daemon") ||
	    span_equal_ci(addr, n, "postmaster");
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

	while (span_is_space((unsigned char)*s))
		s++;
	for (i = 0; i < SO_NELEM(prefixes); i++)
		if (str_has_prefix_ci(s, prefixes[i]))
			return 1;
	return 0;
}

const char *
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
