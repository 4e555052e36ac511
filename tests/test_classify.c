/* SPDX-License-Identifier: MIT */
/*
 * test_classify - table tests for parsers/classify.c.
 *
 * Messages are built by hand (struct mail_msg filled field by field, the way
 * mime_parse() will fill it), so these tests do not depend on the MIME
 * parser.  The tables cover every machine-mail reason, commands, replies in
 * the shapes Outlook, Thunderbird, Apple Mail, Gmail and phones produce, and
 * rows that must not match (quoted keywords, "OK" in an ordinary subject,
 * form bodies, forwards).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"
#include "util.h"

#define OWN     "bestellung@exempla.test"
#define TOK     "3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6"  /* 32 hex, like daemon/token.c */
#define TOK64   "01234567abcdefgh01234567ABCDEFGH01234567-_-_-_-_01234567abcdefgh"
/* The sample mails of the specification, shipped as the demo mails. */
#define SAMPLES "contrib/demo/mails/"

static const struct classify_ctx ctx = {
	.own_address = OWN,
	.case_prefix = "SO",
	.msgid_domain = "exempla.test",
};

/* ---- building messages by hand ---- */

static char *
strip_angle(const char *v)
{
	size_t n;

	while (*v == ' ')
		v++;
	if (*v == '<')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == '>' || v[n - 1] == ' '))
		n--;
	return xstrndup(v, n);
}

static void
msg_add_header(struct mail_msg *m, const char *name, const char *value)
{
	m->headers = xreallocarray(m->headers, m->nheaders + 1,
	    sizeof(*m->headers));
	m->headers[m->nheaders].name = xstrdup(name);
	m->headers[m->nheaders].value = xstrdup(value);
	m->nheaders++;

	/* The convenience copies, as mime_parse() sets them. */
	if (str_casecmp(name, "Return-Path") == 0) {
		free(m->return_path);
		m->return_path = strip_angle(value);
	} else if (str_casecmp(name, "Message-ID") == 0) {
		free(m->message_id);
		m->message_id = strip_angle(value);
	} else if (str_casecmp(name, "Content-Type") == 0) {
		free(m->content_type);
		m->content_type = xstrndup(value, strcspn(value, ";"));
		str_lower(m->content_type);
		if (strcmp(m->content_type, "multipart/report") == 0)
			m->is_report = 1;
	}
}

/* headers: "Name: value\n" lines; from: addr-spec or NULL for a requester. */
static struct mail_msg *
msg_build(const char *subject, const char *body, const char *from,
    const char *headers)
{
	struct mail_msg *m = xcalloc(1, sizeof(*m));
	const char *p = headers != NULL ? headers : "";

	m->subject = xstrdup(subject);
	m->text_plain = xstrdup(body);
	m->from_addr = xstrdup(from != NULL ? from : "requester1@exempla.test");
	m->content_type = xstrdup("text/plain");
	while (*p != '\0') {
		const char *nl = strchr(p, '\n'), *colon;
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, n);

		colon = strchr(line, ':');
		assert_non_null(colon);
		line[colon - line] = '\0';
		msg_add_header(m, line, str_trim(line + (colon - line) + 1));
		free(line);
		p += n;
		if (*p == '\n')
			p++;
	}
	return m;
}

static void
msg_free(struct mail_msg *m)
{
	size_t i;

	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->from_addr);
	free(m->from_name);
	free(m->reply_to_addr);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	free(m->return_path);
	free(m->date);
	free(m->content_type);
	free(m->text_plain);
	free(m->text_html);
	free(m);
}

/*
 * Checks that name the failing row and count mismatches, so that one run
 * shows every failing row; the test asserts the count at its end.
 */
static int
check_str(const char *row, const char *what, const char *got,
    const char *want)
{
	if (got == NULL && want == NULL)
		return 0;
	if (got != NULL && want != NULL && strcmp(got, want) == 0)
		return 0;
	print_error("row \"%s\": %s is \"%s\", expected \"%s\"\n", row, what,
	    got != NULL ? got : "(null)", want != NULL ? want : "(null)");
	return 1;
}

static int
check_int(const char *row, const char *what, int got, int want)
{
	if (got == want)
		return 0;
	print_error("row \"%s\": %s is %d, expected %d\n", row, what, got,
	    want);
	return 1;
}

/* ---- classify_mail: the big table ---- */

struct row {
	const char *name;
	const char *subject;
	const char *body;
	const char *from;               /* NULL: requester1@exempla.test */
	const char *headers;
	enum mail_kind kind;
	const char *reason;             /* for MAIL_MACHINE */
	enum command_kind cmd;
	const char *case_nr;            /* "" = none */
	const char *token;              /* "" = none */
	const char *rest;               /* NULL = no reason text */
};

#define MACHINE(n, subj, from, hdrs, why) \
	{ n, subj, "", from, hdrs, MAIL_MACHINE, why, CMD_NONE, "", "", NULL }
#define FORM(n, subj, body) \
	{ n, subj, body, NULL, NULL, MAIL_FORM, NULL, CMD_NONE, "", "", NULL }
#define COMMAND(n, subj, body, cmd, nr, rest) \
	{ n, subj, body, NULL, NULL, MAIL_COMMAND, NULL, cmd, nr, "", rest }
#define REPLY(n, subj, body, cmd, nr, rest) \
	{ n, subj, body, NULL, NULL, MAIL_REPLY, NULL, cmd, nr, TOK, rest }

#define FORM_BODY \
	"Anforderung Bürobedarf\n" \
	"======================\n" \
	"Besteller: Max Mustermann\n" \
	"Kostenstelle: 1020\n" \
	"\n" \
	"Positionen:\n" \
	"Pos | Artikelnr. | Bezeichnung | Menge | Einheit | Preis\n" \
	"1 | 100234 | Kopierpapier A4 | 5 | Pack | \n"

#define APPROVAL_SUBJECT "Genehmigung erforderlich: SO-2026-000002 [" TOK "]"

/* What our approval request says; quoted below, it must never count. */
#define OUR_TEXT_QUOTED \
	"> Genehmigung erforderlich für SO-2026-000002\n" \
	"> GENEHMIGT\n" \
	"> Bitte antworten Sie mit GENEHMIGT oder ABGELEHNT.\n"

static const struct row rows[] = {
	/* Machine mail, one row per reason. */
	MACHINE("auto-replied", "Status SO-2026-000001", NULL,
	    "Auto-Submitted: auto-replied", "auto-submitted: auto-replied"),
	MACHINE("auto-generated with parameter", "Hilfe", NULL,
	    "Auto-Submitted: Auto-Generated; owner-email=\"x@y.test\"",
	    "auto-submitted: auto-generated"),
	MACHINE("auto-notified", "", NULL, "Auto-Submitted: auto-notified",
	    "auto-submitted: auto-notified"),
	MACHINE("auto-submitted unknown value", "", NULL,
	    "Auto-Submitted: auto-whatever", "auto-submitted"),
	MACHINE("null return path", "Status SO-2026-000001", NULL,
	    "Return-Path: <>", "null return path"),
	MACHINE("multipart/report", "Undelivered Mail", NULL,
	    "Content-Type: multipart/report; report-type=delivery-status",
	    "multipart/report"),
	MACHINE("precedence bulk", "Status", NULL, "Precedence: bulk",
	    "precedence: bulk"),
	MACHINE("precedence junk upper case", "Status", NULL,
	    "Precedence:  JUNK ", "precedence: junk"),
	MACHINE("precedence list", "Status", NULL, "Precedence: list",
	    "precedence: list"),
	MACHINE("list-id", "Hilfe", NULL, "List-Id: <buero.lists.exempla.test>",
	    "list-id"),
	MACHINE("list-unsubscribe", "Hilfe", NULL,
	    "List-Unsubscribe: <mailto:leave@lists.exempla.test>",
	    "list-unsubscribe"),
	MACHINE("x-loop with our address", "Status", NULL,
	    "X-Loop: other@lists.test\nX-Loop: Bestellung@Exempla.test",
	    "x-loop"),
	MACHINE("from our own address", "Status SO-2026-000001", OWN, NULL,
	    "our own mail"),
	MACHINE("from our own address, other case", "Status",
	    "BESTELLUNG@exempla.TEST", NULL, "our own mail"),
	MACHINE("our own message-id", "Status SO-2026-000001", NULL,
	    "Message-ID: <so.approval.0123456789abcdef@exempla.test>",
	    "our own mail"),
	MACHINE("our own message-id, no tag, upper-case domain", "Status",
	    NULL, "Message-ID: <so.0123456789abcdef@EXEMPLA.TEST>",
	    "our own mail"),
	MACHINE("x-autoreply", "Re: Status", NULL, "X-Autoreply: yes",
	    "x-autoreply"),
	MACHINE("x-autorespond", "Re: Status", NULL, "X-Autorespond: 1",
	    "x-autorespond"),
	MACHINE("mailer-daemon", "Undelivered Mail Returned to Sender",
	    "MAILER-DAEMON@mx.exempla.test", NULL, "mailer-daemon"),
	MACHINE("mailer-daemon without domain", "Returned mail",
	    "mailer-daemon", NULL, "mailer-daemon"),
	MACHINE("postmaster", "Delivery failure", "Postmaster@exempla.test",
	    NULL, "mailer-daemon"),
	MACHINE("out-of-office subject without auto-submitted",
	    "Automatische Antwort: " APPROVAL_SUBJECT, NULL, NULL,
	    "auto-reply subject"),
	MACHINE("english out-of-office subject", "Automatic reply: Status",
	    NULL, NULL, "auto-reply subject"),
	MACHINE("first reason wins", "Status", NULL,
	    "List-Id: <x.test>\nAuto-Submitted: auto-generated",
	    "auto-submitted: auto-generated"),

	/* Look like machine mail, but are not. */
	COMMAND("auto-submitted: no", "Status SO-2026-000001", "",
	    CMD_STATUS, "SO-2026-000001", NULL),
	{ "auto-submitted: NO with comment", "Status SO-2026-000001", "", NULL,
	    "Auto-Submitted: NO (human)", MAIL_COMMAND, NULL, CMD_STATUS,
	    "SO-2026-000001", "", NULL },
	{ "x-auto-response-suppress alone", "Status SO-2026-000001", "", NULL,
	    "X-Auto-Response-Suppress: All", MAIL_COMMAND, NULL, CMD_STATUS,
	    "SO-2026-000001", "", NULL },
	{ "real return path", "Hilfe", "", NULL,
	    "Return-Path: <requester1@exempla.test>", MAIL_COMMAND, NULL,
	    CMD_HELP, "", "", NULL },
	{ "precedence first-class", "Hilfe", "", NULL,
	    "Precedence: first-class", MAIL_COMMAND, NULL, CMD_HELP, "", "",
	    NULL },
	{ "x-loop of someone else", "Hilfe", "", NULL,
	    "X-Loop: other@lists.test", MAIL_COMMAND, NULL, CMD_HELP, "", "",
	    NULL },
	{ "message-id of someone else on our domain", "Hilfe", "", NULL,
	    "Message-ID: <abc.0123@exempla.test>", MAIL_COMMAND, NULL,
	    CMD_HELP, "", "", NULL },
	{ "so. message-id of another domain", "Hilfe", "", NULL,
	    "Message-ID: <so.0123@other.test>", MAIL_COMMAND, NULL,
	    CMD_HELP, "", "", NULL },
	{ "message-id only ending like our domain", "Hilfe", "", NULL,
	    "Message-ID: <so.0123@notexempla.test>", MAIL_COMMAND, NULL,
	    CMD_HELP, "", "", NULL },
	{ "postmaster-like local part", "Hilfe", "",
	    "postmaster-team@exempla.test", NULL, MAIL_COMMAND, NULL,
	    CMD_HELP, "", "", NULL },

	/* Commands. */
	COMMAND("sample 08 status", "Status SO-2026-000001",
	    "Wie ist der Stand?\n", CMD_STATUS, "SO-2026-000001",
	    "Wie ist der Stand?"),
	COMMAND("storno lower case", "storno so-2026-000001", "", CMD_CANCEL,
	    "SO-2026-000001", NULL),
	COMMAND("storno with reason in subject",
	    "STORNO SO-2026-000001 Doppelbestellung", "", CMD_CANCEL,
	    "SO-2026-000001", "Doppelbestellung"),
	COMMAND("cancel, case number later in the line",
	    "Cancel order SO-2026-000004", "", CMD_CANCEL, "SO-2026-000004",
	    "order SO-2026-000004"),
	COMMAND("received with punctuation", "RECEIVED: SO-2026-000003, thanks",
	    "", CMD_RECEIVED, "SO-2026-000003", "thanks"),
	COMMAND("erhalten", "Erhalten SO-2026-000003", "\n\n", CMD_RECEIVED,
	    "SO-2026-000003", NULL),
	COMMAND("status without number", "Re: Status", "", CMD_STATUS, "",
	    NULL),
	COMMAND("reply prefixes and tag", "AW: RE: [EXT] Re[2]: Hilfe", "",
	    CMD_HELP, "", NULL),
	COMMAND("spaced RE prefix", "RE : help", "", CMD_HELP, "", NULL),
	COMMAND("approve in a normal subject", "Approve: SO-2026-000009", "",
	    CMD_APPROVE, "SO-2026-000009", NULL),
	COMMAND("keyword in body, number in subject", "Frage zu SO-2026-000005",
	    "STATUS\n", CMD_STATUS, "SO-2026-000005", NULL),
	COMMAND("keyword and number in body", "Frage",
	    "Storno SO-2026-000006\nBitte nicht mehr liefern.\n\n-- \nMax\n",
	    CMD_CANCEL, "SO-2026-000006", "Bitte nicht mehr liefern."),
	COMMAND("number only in the reason lines", "",
	    "Storno\nDer Vorgang SO-2026-000007 ist doppelt.\n", CMD_CANCEL,
	    "SO-2026-000007", "Der Vorgang SO-2026-000007 ist doppelt."),
	COMMAND("OK alone in the first body line", "Bürobedarf",
	    "Ok\nbitte so liefern.\n", CMD_APPROVE, "", "bitte so liefern."),
	/* Short words only alone on their line: this decides nothing. */
	FORM("OK starting a sentence", "Bürobedarf", "Ok, ich schaue es mir an.\n"),
	FORM("a keyword as a question", "Frage", "Genehmigt? Wer hat das entschieden\n"),
	COMMAND("hilfe in body after blank lines", "", "\n \nHILFE!\n",
	    CMD_HELP, "", NULL),
	COMMAND("forward: the forwarder's own first line counts",
	    "WG: Status SO-2026-000001",
	    "Status\n\n-----Ursprüngliche Nachricht-----\nVon: X\n"
	    "Gesendet: Montag\nBetreff: Status SO-2026-000001\n\nGENEHMIGT\n",
	    CMD_STATUS, "SO-2026-000001", NULL),
	COMMAND("reason: closing ends it", "Frage",
	    "Storno SO-2026-000001\n\nZu spät bestellt.\n\nViele Grüße,\nMax\n",
	    CMD_CANCEL, "SO-2026-000001", "Zu spät bestellt."),

	/* Must not be commands: forms and ordinary mail. */
	FORM("sample 01 form", "Bürobedarf-Anforderung", FORM_BODY),
	FORM("no subject, no body", NULL, NULL),
	FORM("OK in an ordinary subject", "OK danke", "Alles klar.\n"),
	FORM("OK alone in the subject", "Ok", ""),
	FORM("NEIN alone in the subject", "Nein", ""),
	FORM("JA in a reply subject without token", "AW: Ja", ""),
	FORM("hyphenated word is not a keyword", "Status-Anfrage", ""),
	FORM("longer word is not a keyword", "Statusbericht November", ""),
	FORM("OKAY", "OKAY", "Okay\n"),
	FORM("keyword not at the start", "Bitte Status SO-2026-000001", ""),
	FORM("prefix-like word", "Rechnung: Hilfe", ""),
	FORM("forward: keyword in subject does not count",
	    "WG: STATUS SO-2026-000001", ""),
	FORM("Fwd with keyword", "Fwd: Genehmigt", "FYI\n"),
	FORM("reply then forward", "AW: WG: Hilfe", ""),
	FORM("only the first body line counts", "Frage",
	    "Guten Tag,\nGENEHMIGT\n"),
	FORM("quoted keyword", "Frage", "> GENEHMIGT\n"),
	FORM("quoted keyword after blank lines", "Frage", "\n\n  > GENEHMIGT\n"),
	FORM("outlook original message", "Frage",
	    "\r\n-----Ursprüngliche Nachricht-----\r\nVon: X\r\n\r\n"
	    "GENEHMIGT\r\n"),
	FORM("outlook english original message", "Question",
	    "-----Original Message-----\nAPPROVE\n"),
	FORM("outlook underline and header block", "Frage",
	    "________________________________\nVon: Social Order\n"
	    "Gesendet: Montag, 16. November 2026 09:14\n\nGENEHMIGT\n"),
	FORM("outlook header block without underline", "Frage",
	    "Von: Social Order <bestellung@exempla.test>\n"
	    "Gesendet: Montag, 16. November 2026 09:14\nAn: Weiß, Jürgen\n"
	    "Betreff: Genehmigung\n\nGENEHMIGT\n"),
	FORM("outlook header block on one line", "Frage",
	    "*Von:* Social Order *Gesendet:* Montag *An:* X\nGENEHMIGT\n"),
	FORM("english outlook header block", "Question",
	    "From: Social Order\nSent: Monday, November 16, 2026\n\nAPPROVE\n"),
	FORM("signature separator", "Frage", "-- \nGENEHMIGT\n"),
	FORM("signature separator without space", "Frage", "--\nGENEHMIGT\n"),
	FORM("iphone signature", "Frage",
	    "Von meinem iPhone gesendet\n\n> Am 16.11.2026 um 09:14 schrieb "
	    "Social Order <bestellung@exempla.test>:\n> GENEHMIGT\n"),
	FORM("thunderbird forward", "Frage",
	    "-------- Weitergeleitete Nachricht --------\nBetreff: x\n\n"
	    "STATUS\n"),
	FORM("apple forward", "Frage",
	    "Begin forwarded message:\n\nSTATUS\n"),
	FORM("attribution followed by unquoted history", "Frage",
	    "Am 16.11.2026 um 09:14 schrieb Social Order:\nSTATUS\n"),
	COMMAND("case number too long is none", "Status SO-2026-0000011",
	    "Gibt es was Neues?", CMD_STATUS, "", "SO-2026-0000011"),

	/* Replies to our mails. */
	REPLY("outlook german approve", "AW: " APPROVAL_SUBJECT,
	    "Genehmigt\r\n\r\nMit freundlichen Grüßen\r\nJürgen Weiß\r\n\r\n"
	    "________________________________\r\n"
	    "Von: Social Order <bestellung@exempla.test>\r\n"
	    "Gesendet: Montag, 16. November 2026 09:14\r\n"
	    "An: Weiß, Jürgen\r\nBetreff: " APPROVAL_SUBJECT "\r\n\r\n"
	    "Bitte antworten Sie mit GENEHMIGT oder ABGELEHNT.\r\n",
	    CMD_APPROVE, "SO-2026-000002", NULL),
	REPLY("outlook reject with reason on the line",
	    "AW: " APPROVAL_SUBJECT,
	    "Abgelehnt: Budget ist erschöpft.\r\n\r\n"
	    "-----Ursprüngliche Nachricht-----\r\nVon: Social Order\r\n"
	    "GENEHMIGT\r\n",
	    CMD_REJECT, "SO-2026-000002", "Budget ist erschöpft."),
	REPLY("outlook english reject, reason below",
	    "RE: " APPROVAL_SUBJECT,
	    "REJECT\n\nPlease order in January.\nThanks.\n\nKind regards\nJW\n\n"
	    "-----Original Message-----\nFrom: Social Order\nAPPROVE\n",
	    CMD_REJECT, "SO-2026-000002",
	    "Please order in January.\nThanks."),
	REPLY("outlook mobile", "AW: " APPROVAL_SUBJECT,
	    "Genehmigt\n\nHolen Sie sich Outlook für iOS\n"
	    "________________________________\nVon: Social Order\n"
	    "Gesendet: Montag\n\nABGELEHNT\n",
	    CMD_APPROVE, "SO-2026-000002", NULL),
	REPLY("thunderbird top-post", "Re: " APPROVAL_SUBJECT,
	    "Nein\n\nAm 16.11.2026 um 09:14 schrieb Social Order:\n"
	    OUR_TEXT_QUOTED,
	    CMD_REJECT, "SO-2026-000002", NULL),
	REPLY("thunderbird bottom-post", "Re: " APPROVAL_SUBJECT,
	    "Am 16.11.2026 um 09:14 schrieb Social Order:\n" OUR_TEXT_QUOTED
	    "\nOK\npasst.\n",
	    CMD_APPROVE, "SO-2026-000002", "passt."),
	REPLY("link subject says approve, the text says reject: unclear",
	    "GENEHMIGT SO-2026-000002 " TOK, "Abgelehnt - falscher Link\n",
	    CMD_UNKNOWN, "SO-2026-000002", "Abgelehnt - falscher Link"),
	REPLY("thunderbird 'X schrieb am' bottom-post", "Re: " APPROVAL_SUBJECT,
	    "Social Order schrieb am 16.11.2026 um 09:14:\n" OUR_TEXT_QUOTED
	    "\nabgelehnt\n",
	    CMD_REJECT, "SO-2026-000002", NULL),
	REPLY("iphone", "AW: " APPROVAL_SUBJECT,
	    "Ja\n\nVon meinem iPhone gesendet\n\n> Am 16.11.2026 um 09:14 "
	    "schrieb Social Order <bestellung@exempla.test>:\n> \n"
	    OUR_TEXT_QUOTED,
	    CMD_APPROVE, "SO-2026-000002", NULL),
	REPLY("apple mail", "Re: " APPROVAL_SUBJECT,
	    "Genehmigt.\n\n> Am 16.11.2026 um 09:14 schrieb Social Order "
	    "<bestellung@exempla.test>:\n>\n" OUR_TEXT_QUOTED,
	    CMD_APPROVE, "SO-2026-000002", NULL),
	REPLY("gmail german, wrapped attribution", "AW: " APPROVAL_SUBJECT,
	    "abgelehnt - zu teuer\n\nAm Mo., 16. Nov. 2026 um 09:14 Uhr "
	    "schrieb Social Order <\nbestellung@exempla.test>:\n\n"
	    OUR_TEXT_QUOTED,
	    CMD_REJECT, "SO-2026-000002", "zu teuer"),
	REPLY("gmail english, wrapped before 'wrote', bottom-post",
	    "Re: " APPROVAL_SUBJECT,
	    "On Mon, 16 Nov 2026 at 09:14, Social Order "
	    "<bestellung@exempla.test>\nwrote:\n\n> APPROVE\n\n"
	    "reject\nnot in budget\n",
	    CMD_REJECT, "SO-2026-000002", "not in budget"),
	REPLY("mailto approve", "GENEHMIGT SO-2026-000002 " TOK, "",
	    CMD_APPROVE, "SO-2026-000002", NULL),
	REPLY("mailto reject, reason in body", "ABGELEHNT SO-2026-000002 " TOK,
	    "Begründung: zu teuer\n", CMD_REJECT, "SO-2026-000002",
	    "Begründung: zu teuer"),
	REPLY("mailto reject, reason in subject",
	    "ABGELEHNT SO-2026-000002 " TOK " zu teuer", "", CMD_REJECT,
	    "SO-2026-000002", "zu teuer"),
	/* Short words decide only alone on their line, not in a subject. */
	REPLY("JA in a reply subject is not enough", "Re: JA SO-2026-000002 " TOK,
	    "", CMD_UNKNOWN, "SO-2026-000002", NULL),
	REPLY("forwarded approval, command from the body",
	    "WG: " APPROVAL_SUBJECT,
	    "Genehmigt\n\n-----Original Message-----\nFrom: Social Order\n",
	    CMD_APPROVE, "SO-2026-000002", NULL),
	REPLY("second case number carries the token",
	    "Re: SO-2026-000001 und SO-2026-000002 [" TOK "]", "ok\n",
	    CMD_APPROVE, "SO-2026-000002", NULL),
	REPLY("lower-case case number", "Re: so-2026-000002 (" TOK ")",
	    "Nein.\n", CMD_REJECT, "SO-2026-000002", NULL),

	/* Replies without a keyword: CMD_UNKNOWN, never an approval. */
	REPLY("reply with a question", "AW: " APPROVAL_SUBJECT,
	    "Können Sie mich anrufen?\n\n" OUR_TEXT_QUOTED,
	    CMD_UNKNOWN, "SO-2026-000002", "Können Sie mich anrufen?"),
	REPLY("reply with only a quoted GENEHMIGT", "AW: " APPROVAL_SUBJECT,
	    OUR_TEXT_QUOTED, CMD_UNKNOWN, "SO-2026-000002", NULL),
	REPLY("empty gmail reply with wrapped attribution",
	    "AW: " APPROVAL_SUBJECT,
	    "\nAm Mo., 16. Nov. 2026 um 09:14 Uhr schrieb Social Order <\n"
	    "bestellung@exempla.test>:\n\n" OUR_TEXT_QUOTED,
	    CMD_UNKNOWN, "SO-2026-000002", NULL),
	REPLY("unmarked history after attribution", "AW: " APPROVAL_SUBJECT,
	    "\nAm 16.11.2026 um 09:14 schrieb Social Order:\n"
	    "GENEHMIGT SO-2026-000002\n",
	    CMD_UNKNOWN, "SO-2026-000002", NULL),
	REPLY("forwarded mailto subject: subject keyword ignored",
	    "WG: GENEHMIGT SO-2026-000002 " TOK, "", CMD_UNKNOWN,
	    "SO-2026-000002", NULL),

	/* Token edge cases. */
	COMMAND("unbracketed word without digit is no token",
	    "STORNO SO-2026-000001 Doppelbestellungen", "", CMD_CANCEL,
	    "SO-2026-000001", "Doppelbestellungen"),
	/* Only our token shape (32 hex) makes a reply. */
	{ "bracketed 32 hex without digit", "Re: SO-2026-000002 "
	    "[abcdefabcdefabcdefabcdefabcdefab]", "Genehmigt\n", NULL, NULL,
	    MAIL_REPLY, NULL, CMD_APPROVE, "SO-2026-000002",
	    "abcdefabcdefabcdefabcdefabcdefab", NULL },
	COMMAND("token of 64 characters is none", "Re: SO-2026-000002 [" TOK64 "]",
	    "ok\n", CMD_APPROVE, "SO-2026-000002", NULL),
	COMMAND("a word glued to the number is no token",
	    "Frage zu SO-2026-000002 Kostenstelle6000Budget", "Status\n",
	    CMD_STATUS, "SO-2026-000002", NULL),
	COMMAND("token of 65 characters is none",
	    "AW: SO-2026-000002 [" TOK64 "x]", "Genehmigt\n", CMD_APPROVE,
	    "SO-2026-000002", NULL),
	COMMAND("token of 16 characters is none", "Re: SO-2026-000002 0123456789abcdef",
	    "ok\n", CMD_APPROVE, "SO-2026-000002", NULL),
	COMMAND("token of 15 characters is none",
	    "Re: SO-2026-000002 0123456789abcde", "ok\n", CMD_APPROVE,
	    "SO-2026-000002", NULL),
	COMMAND("token too short", "AW: Genehmigung erforderlich: "
	    "SO-2026-000002 [abc123]", "Genehmigt\n", CMD_APPROVE,
	    "SO-2026-000002", NULL),
	COMMAND("mismatched brackets", "AW: SO-2026-000002 [" TOK ")",
	    "Genehmigt\n", CMD_APPROVE, "SO-2026-000002", NULL),
	COMMAND("token not right after the number",
	    "AW: SO-2026-000002 wegen " TOK, "Genehmigt\n", CMD_APPROVE,
	    "SO-2026-000002", NULL),
	FORM("token after a malformed case number",
	    "AW: SO-26-000002 [" TOK "]", ""),
};

static void
test_classify_rows(void **state)
{
	size_t i;
	int failed = 0;

	(void)state;
	for (i = 0; i < SO_NELEM(rows); i++) {
		const struct row *r = &rows[i];
		struct mail_msg *m = msg_build(r->subject, r->body, r->from,
		    r->headers);
		struct command cmd;
		const char *reason = "unset";
		enum mail_kind kind;

		kind = classify_mail(m, &ctx, &cmd, &reason);
		failed += check_int(r->name, "kind", (int)kind, (int)r->kind);
		failed += check_str(r->name, "reason", reason, r->reason);
		failed += check_int(r->name, "command", (int)cmd.kind,
		    (int)r->cmd);
		failed += check_str(r->name, "case_nr", cmd.case_nr, r->case_nr);
		failed += check_str(r->name, "token", cmd.token, r->token);
		failed += check_str(r->name, "rest", cmd.rest, r->rest);
		command_free(&cmd);
		msg_free(m);
	}
	assert_int_equal(failed, 0);
}

/* is_report without a multipart/report top level (mime sets it for nested reports). */
static void
test_classify_is_report(void **state)
{
	struct mail_msg *m = msg_build("Status SO-2026-000001", "", NULL,
	    "Content-Type: multipart/mixed");
	struct command cmd;
	const char *reason;

	(void)state;
	assert_int_equal(classify_mail(m, &ctx, &cmd, &reason), MAIL_COMMAND);
	command_free(&cmd);
	m->is_report = 1;
	assert_int_equal(classify_mail(m, &ctx, &cmd, &reason), MAIL_MACHINE);
	assert_string_equal(reason, "multipart/report");
	assert_int_equal(cmd.kind, CMD_NONE);
	assert_null(cmd.rest);
	msg_free(m);
}

/* Return-Path NULL (absent) is not the null sender "". */
static void
test_classify_return_path(void **state)
{
	struct mail_msg *m = msg_build("Hilfe", "", NULL, NULL);
	struct command cmd;
	const char *reason;

	(void)state;
	assert_null(m->return_path);
	assert_int_equal(classify_mail(m, &ctx, &cmd, &reason), MAIL_COMMAND);
	assert_null(reason);
	command_free(&cmd);
	m->return_path = xstrdup("");
	assert_int_equal(classify_mail(m, &ctx, &cmd, &reason), MAIL_MACHINE);
	assert_string_equal(reason, "null return path");
	msg_free(m);
}

/* ---- the shared sample mails, headers read naively (no MIME decoding needed) ---- */

static struct mail_msg *
sample_load(const char *name)
{
	char *path = xasprintf("%s%s", SAMPLES, name), *data, *p, *body;
	const char *error;
	struct mail_msg *m;
	size_t len;

	if (file_read(path, 1 << 20, &data, &len, &error) == -1)
		fail_msg("cannot read %s: %s", path, error);
	free(path);
	/* The samples have CRLF line ends; the body keeps them (mime would not). */
	body = strstr(data, "\r\n\r\n");
	assert_non_null(body);
	*body = '\0';
	body += 4;
	m = msg_build(NULL, body, NULL, NULL);
	for (p = strtok(data, "\r\n"); p != NULL; p = strtok(NULL, "\r\n")) {
		char *colon = strchr(p, ':');

		if (colon == NULL || *p == ' ' || *p == '\t')
			continue;
		*colon = '\0';
		msg_add_header(m, p, str_trim(colon + 1));
		if (str_casecmp(p, "Subject") == 0) {
			free(m->subject);
			m->subject = xstrdup(str_trim(colon + 1));
		}
	}
	free(data);
	return m;
}

static void
test_classify_samples(void **state)
{
	struct mail_msg *m;
	struct command cmd;
	const char *reason;

	(void)state;
	m = sample_load("08-status-anfrage.eml");
	assert_int_equal(classify_mail(m, &ctx, &cmd, &reason), MAIL_COMMAND);
	assert_int_equal(cmd.kind, CMD_STATUS);
	assert_string_equal(cmd.case_nr, "SO-2026-000001");
	assert_string_equal(cmd.token, "");
	assert_string_equal(cmd.rest, "Wie ist der Stand?");
	command_free(&cmd);
	msg_free(m);

	m = sample_load("09-abwesenheit.eml");
	assert_int_equal(classify_mail(m, &ctx, &cmd, &reason), MAIL_MACHINE);
	assert_string_equal(reason, "auto-submitted: auto-replied");
	assert_int_equal(cmd.kind, CMD_NONE);
	msg_free(m);
}

/* ---- classify_find_case_nr ---- */

static void
test_find_case_nr(void **state)
{
	static const struct {
		const char *s, *prefix, *want;  /* want NULL: no case number */
	} t[] = {
		{ "SO-2026-000042", "SO", "SO-2026-000042" },
		{ "Vorgang so-2026-000042.", "SO", "SO-2026-000042" },
		{ "(SO-2026-000042)", "SO", "SO-2026-000042" },
		{ "Nr.:SO-2026-000042, bitte", "SO", "SO-2026-000042" },
		{ "SO-2026-000042-1", "SO", "SO-2026-000042" },
		{ "XSO-2026-000001 SO-2026-000002", "SO", "SO-2026-000002" },
		{ "bb-2025-000001", "BB", "BB-2025-000001" },
		{ "Amt-2026-123456", "amt", "AMT-2026-123456" },
		{ "SO-2026-000042", NULL, "SO-2026-000042" },
		{ "SO-2026-000042", "", "SO-2026-000042" },
		{ "SO-2026-0000421", "SO", NULL },
		{ "SO-2026-00004", "SO", NULL },
		{ "SO-26-000042", "SO", NULL },
		{ "SO-20261-000042", "SO", NULL },
		{ "XSO-2026-000042", "SO", NULL },
		{ "1SO-2026-000042", "SO", NULL },
		{ "_SO-2026-000042", "SO", NULL },
		{ "SO-2026-000042a", "SO", NULL },
		{ "SO_2026_000042", "SO", NULL },
		{ "SO-2026-ABCDEF", "SO", NULL },
		{ "SO-2026x000042", "SO", NULL },
		{ "SOx2026-000042", "SO", NULL },
		{ "SO 2026 000042", "SO", NULL },
		{ "BB-2025-000001", "SO", NULL },
		{ "", "SO", NULL },
		{ NULL, "SO", NULL },
		/* A prefix too long for out[32] never matches. */
		{ "ABCDEFGHIJKLMNOPQRST-2026-000001", "ABCDEFGHIJKLMNOPQRST",
		    NULL },
		{ "ABCDEFGHIJKLMNOPQRS-2026-000001", "abcdefghijklmnopqrs",
		    "ABCDEFGHIJKLMNOPQRS-2026-000001" },
	};
	size_t i;
	int failed = 0;

	(void)state;
	for (i = 0; i < SO_NELEM(t); i++) {
		char out[32] = "untouched";
		int r = classify_find_case_nr(t[i].s, t[i].prefix, out);

		failed += check_int(t[i].s != NULL ? t[i].s : "(null)", "found",
		    r, t[i].want != NULL);
		if (t[i].want != NULL)
			failed += check_str(t[i].s, "case_nr", out, t[i].want);
	}
	assert_int_equal(failed, 0);
}

/* ---- command_parse on its own ---- */

static void
test_command_parse(void **state)
{
	static const struct {
		const char *subject, *body;
		enum command_kind kind;
		const char *case_nr, *rest;
	} t[] = {
		{ NULL, NULL, CMD_NONE, "", NULL },
		{ "", "", CMD_NONE, "", NULL },
		{ "Re: Re: AW: Status", NULL, CMD_STATUS, "", NULL },
		{ "Antwort: Hilfe", NULL, CMD_HELP, "", NULL },
		{ "Antw: help me", NULL, CMD_HELP, "", "me" },
		{ "AW(2): Storno SO-2026-000001", NULL, CMD_CANCEL,
		    "SO-2026-000001", NULL },
		{ "OK", NULL, CMD_NONE, "", NULL },
		{ "OK", "OK\n", CMD_APPROVE, "", NULL },
		{ "", "nein\nzu teuer\n", CMD_REJECT, "", "zu teuer" },
		{ "", "nein - zu teuer\n", CMD_NONE, "", NULL },
		{ "", "Nein, wir haben noch welche? Bitte klären\n", CMD_NONE, "", NULL },
		{ "", "Anforderung Bürobedarf\nOK\n", CMD_NONE, "", NULL },
		{ "", "GENEHMIGTE Bestellung\n", CMD_NONE, "", NULL },
		{ "", "Genehmigt-Vermerk\n", CMD_NONE, "", NULL },
		{ "", "Genehmigtü\n", CMD_NONE, "", NULL },
		{ "Status SO-2026-000001", "> alt\nneu\n", CMD_STATUS,
		    "SO-2026-000001", "neu" },
		{ "Storno", "Danke\n", CMD_CANCEL, "", "Danke" },
		{ "", "Storno\n> SO-2026-000001\n", CMD_CANCEL, "", NULL },
		/* Our mailto subject with a reply prefix before the keyword. */
		{ "Re: ABGELEHNT SO-2026-000002 " TOK, NULL, CMD_REJECT,
		    "SO-2026-000002", NULL },
	};
	size_t i;
	int failed = 0;

	(void)state;
	for (i = 0; i < SO_NELEM(t); i++) {
		struct command cmd;
		char name[64];

		snprintf(name, sizeof(name), "command_parse #%zu", i);
		failed += check_int(name, "return",
		    (int)command_parse(t[i].subject, t[i].body, "SO", &cmd),
		    (int)t[i].kind);
		failed += check_int(name, "kind", (int)cmd.kind,
		    (int)t[i].kind);
		failed += check_str(name, "case_nr", cmd.case_nr, t[i].case_nr);
		failed += check_str(name, "rest", cmd.rest, t[i].rest);
		command_free(&cmd);
		command_free(&cmd);     /* twice is harmless */
	}
	assert_int_equal(failed, 0);
}

/* ---- limits ---- */

static void
test_limits(void **state)
{
	struct command cmd;
	struct buf b;
	char *body;
	size_t i;

	(void)state;

	/* The keyword after 64 KiB of blank lines is not read ... */
	buf_init(&b, 0);
	for (i = 0; i < 64 * 1024; i++)
		assert_int_equal(buf_putc(&b, '\n'), 0);
	assert_int_equal(buf_puts(&b, "STATUS\n"), 0);
	assert_int_equal(command_parse("Frage", buf_cstr(&b), "SO", &cmd),
	    CMD_NONE);
	command_free(&cmd);
	buf_free(&b);

	/* ... within it, it is. */
	buf_init(&b, 0);
	for (i = 0; i < 60 * 1024; i++)
		assert_int_equal(buf_putc(&b, '\n'), 0);
	assert_int_equal(buf_puts(&b, "STATUS\n"), 0);
	assert_int_equal(command_parse("Frage", buf_cstr(&b), "SO", &cmd),
	    CMD_STATUS);
	command_free(&cmd);
	buf_free(&b);

	/* The reason is cut at 2000 bytes, on a character boundary. */
	buf_init(&b, 0);
	assert_int_equal(buf_puts(&b, "ABGELEHNT\n"), 0);
	for (i = 0; i < 3000; i++)
		assert_int_equal(buf_puts(&b, i % 100 == 99 ? "\n" : "ä"), 0);
	body = buf_steal(&b);
	assert_int_equal(command_parse("", body, "SO", &cmd), CMD_REJECT);
	assert_non_null(cmd.rest);
	assert_true(strlen(cmd.rest) <= 2000);
	assert_true(strlen(cmd.rest) >= 1990);
	assert_true(utf8_valid(cmd.rest, strlen(cmd.rest)));
	command_free(&cmd);
	free(body);

	/* A long reason on the keyword line is cut as well. */
	buf_init(&b, 0);
	assert_int_equal(buf_puts(&b, "ABGELEHNT "), 0);
	for (i = 0; i < 3000; i++)
		assert_int_equal(buf_puts(&b, "ß"), 0);
	body = buf_steal(&b);
	assert_int_equal(command_parse(body, NULL, "SO", &cmd), CMD_REJECT);
	assert_non_null(cmd.rest);
	assert_true(strlen(cmd.rest) <= 2000);
	assert_true(utf8_valid(cmd.rest, strlen(cmd.rest)));
	command_free(&cmd);
	free(body);
}

static void
test_command_name(void **state)
{
	static const struct {
		enum command_kind kind;
		const char *name;
	} t[] = {
		{ CMD_NONE, "" },
		{ CMD_APPROVE, "GENEHMIGT" },
		{ CMD_REJECT, "ABGELEHNT" },
		{ CMD_STATUS, "STATUS" },
		{ CMD_CANCEL, "STORNO" },
		{ CMD_RECEIVED, "ERHALTEN" },
		{ CMD_HELP, "HILFE" },
		{ CMD_UNKNOWN, "UNBEKANNT" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < SO_NELEM(t); i++)
		assert_string_equal(command_name(t[i].kind), t[i].name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_rows),
		cmocka_unit_test(test_classify_is_report),
		cmocka_unit_test(test_classify_return_path),
		cmocka_unit_test(test_classify_samples),
		cmocka_unit_test(test_find_case_nr),
		cmocka_unit_test(test_command_parse),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_command_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
