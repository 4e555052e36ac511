/* SPDX-License-Identifier: MIT */
/*
 * test_mime - mime_parse() against the shared sample mails, our own
 * fixtures in tests/data/mime-*.eml and generated hostile messages.
 *
 * Every table row either names the fields it expects or, with an error
 * text, must fail with exactly that (German) message.  Every message that
 * parses is also checked for the invariants of struct mail_msg: valid
 * UTF-8 everywhere, no control characters in header strings, no CR in text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime.h"
#include "util.h"

/* Expected value "must be NULL"; a NULL expectation means "not checked". */
#define NONE "\x01"
/* Expected number of attachments. */
#define NATT(n) .check_natt = 1, .natt = (n)

/* The sample mails of the specification, shipped as the demo mails. */
#define SAMPLES "contrib/demo/mails/"
#define DATA "tests/data/"

struct expect {
	const char *error;      /* must fail with this message */
	const char *from_addr, *from_name, *reply_to, *subject, *message_id;
	const char *in_reply_to, *references, *return_path, *content_type;
	const char *plain;      /* substring of text_plain, or NONE */
	const char *plain_not;  /* must not occur in text_plain */
	const char *plain_eq;   /* text_plain exactly */
	const char *html;       /* substring of text_html, or NONE */
	int is_report;
	int check_natt;         /* set by NATT(n) */
	size_t natt;
	const char *att_type, *att_name, *att_prefix;   /* first attachment */
	const char *hdr_name, *hdr_value;               /* via mime_header() */
};

static void
expect_str(const char *what, const char *got, const char *want)
{
	if (want == NULL)
		return;
	if (strcmp(want, NONE) == 0) {
		if (got != NULL)
			print_error("%s: want NULL, got \"%s\"\n", what, got);
		assert_null(got);
		return;
	}
	if (got == NULL || strcmp(got, want) != 0)
		print_error("%s: want \"%s\", got \"%s\"\n", what, want,
		    got ? got : "NULL");
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void
expect_has(const char *what, const char *got, const char *needle)
{
	if (needle == NULL)
		return;
	if (strcmp(needle, NONE) == 0) {
		assert_null(got);
		return;
	}
	if (got == NULL || strstr(got, needle) == NULL)
		print_error("%s: \"%s\" not in \"%.300s\"\n", what, needle,
		    got ? got : "NULL");
	assert_non_null(got);
	assert_non_null(strstr(got, needle));
}

static void
check_header_string(const char *s)
{
	if (s == NULL)
		return;
	assert_true(utf8_valid(s, strlen(s)));
	for (const char *p = s; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void
check_text(const char *s)
{
	if (s == NULL)
		return;
	assert_true(utf8_valid(s, strlen(s)));
	assert_null(strchr(s, '\r'));
}

/* What struct mail_msg promises for every message. */
static void
check_invariants(const struct mail_msg *m)
{
	const char *hs[] = {
		m->from_addr, m->from_name, m->reply_to_addr, m->subject,
		m->message_id, m->in_reply_to, m->references, m->return_path,
		m->date, m->content_type,
	};

	for (size_t i = 0; i < m->nheaders; i++) {
		assert_non_null(m->headers[i].name);
		check_header_string(m->headers[i].name);
		check_header_string(m->headers[i].value);
	}
	for (size_t i = 0; i < SO_NELEM(hs); i++)
		check_header_string(hs[i]);
	assert_non_null(m->content_type);
	for (const char *p = m->content_type; *p != '\0'; p++)
		assert_false(*p >= 'A' && *p <= 'Z');
	if (m->from_addr != NULL)
		for (const char *p = m->from_addr; *p != '\0'; p++)
			assert_false(*p >= 'A' && *p <= 'Z');
	check_text(m->text_plain);
	check_text(m->text_html);
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];

		check_header_string(a->content_type);
		check_header_string(a->filename);
		assert_non_null(a->data);
		assert_int_equal(a->data[a->len], '\0');
	}
	assert_null(m->body_start);
}

static void
run_expect(const char *name, const char *data, size_t len,
    const struct mime_limits *lim, const struct expect *e)
{
	struct mail_msg *m = NULL;
	const char *err = NULL;
	int r = mime_parse(data, len, lim, &m, &err);

	if (e->error != NULL) {
		if (r == 0)
			print_error("%s: parsed, want error \"%s\"\n", name,
			    e->error);
		assert_int_equal(r, -1);
		assert_null(m);
		assert_non_null(err);
		if (strcmp(err, e->error) != 0)
			print_error("%s: error \"%s\"\n", name, err);
		assert_string_equal(err, e->error);
		return;
	}
	if (r != 0)
		print_error("%s: %s\n", name, err);
	assert_int_equal(r, 0);
	assert_non_null(m);
	check_invariants(m);
	expect_str("from_addr", m->from_addr, e->from_addr);
	expect_str("from_name", m->from_name, e->from_name);
	expect_str("reply_to_addr", m->reply_to_addr, e->reply_to);
	expect_str("subject", m->subject, e->subject);
	expect_str("message_id", m->message_id, e->message_id);
	expect_str("in_reply_to", m->in_reply_to, e->in_reply_to);
	expect_str("references", m->references, e->references);
	expect_str("return_path", m->return_path, e->return_path);
	expect_str("content_type", m->content_type, e->content_type);
	expect_has("text_plain", m->text_plain, e->plain);
	expect_str("text_plain", m->text_plain, e->plain_eq);
	if (e->plain_not != NULL && m->text_plain != NULL)
		assert_null(strstr(m->text_plain, e->plain_not));
	expect_has("text_html", m->text_html, e->html);
	assert_int_equal(m->is_report, e->is_report);
	if (e->check_natt)
		assert_int_equal(m->nattachments, e->natt);
	if (e->att_type != NULL || e->att_name != NULL ||
	    e->att_prefix != NULL) {
		assert_true(m->nattachments > 0);
		expect_str("attachment type", m->attachments[0].content_type,
		    e->att_type);
		expect_str("attachment name", m->attachments[0].filename,
		    e->att_name);
		if (e->att_prefix != NULL)
			assert_memory_equal(m->attachments[0].data,
			    e->att_prefix, strlen(e->att_prefix));
	}
	if (e->hdr_name != NULL)
		expect_str(e->hdr_name, mime_header(m, e->hdr_name),
		    e->hdr_value);
	mime_msg_free(m);
}

/* Mail files: the shared samples and our fixtures. */

struct file_case {
	const char *path;
	struct expect e;
};

#define GEWUENSCHT "Gew\xc3\xbcnscht bis: 04.12.2026"
#define BUEROBEDARF "B\xc3\xbcrobedarf-Anforderung"

static const struct file_case file_cases[] = {
	{ SAMPLES "01-standard.eml", {
		.from_addr = "requester1@exempla.test",
		.from_name = "Mustermann, Max", .reply_to = NONE,
		.subject = BUEROBEDARF,
		.message_id = "01-standard@intranet.exempla.test",
		.in_reply_to = NONE, .return_path = NONE,
		.content_type = "text/plain",
		.plain = GEWUENSCHT "\nBemerkung: Bitte im Sekretariat abgeben\n",
		.html = NONE, NATT(0),
		.hdr_name = "date", .hdr_value = "Mon, 16 Nov 2026 09:14:03 +0100" } },
	{ SAMPLES "02-freitext.eml", {
		.from_addr = "requester2@exempla.test",
		.from_name = "Erika Musterfrau", .subject = BUEROBEDARF,
		.plain = "Ergonomische Maus, vertikal, kabellos | 1 | St\xc3\xbc" "ck | 39,90",
		NATT(0) } },
	{ SAMPLES "03-ueber-schwelle.eml", {
		.message_id = "03-ueber-schwelle@intranet.exempla.test",
		.plain = "Briefumschl\xc3\xa4ge DIN lang", NATT(0) } },
	{ SAMPLES "04-latin1.eml", {
		.from_addr = "requester1@exempla.test",
		.from_name = "Mustermann, Max", .subject = BUEROBEDARF,
		.message_id = "04-latin1@intranet.exempla.test",
		.plain = GEWUENSCHT "\nBemerkung: F\xc3\xbcr die Schulung",
		.plain_not = "\xef\xbf\xbd", NATT(0) } },
	{ SAMPLES "05-html-alternative.eml", {
		.message_id = "05-html-alternative@intranet.exempla.test",
		.content_type = "multipart/alternative",
		.plain = GEWUENSCHT,
		.html = "<td>Kostenstelle</td><td>1020</td>", NATT(0) } },
	{ SAMPLES "06-json-anhang.eml", {
		.content_type = "multipart/mixed",
		.plain = "Die Anforderung liegt als Anhang bei.", .html = NONE,
		NATT(1), .att_type = "application/json",
		.att_name = "anforderung.json",
		.att_prefix = "{\n \"formular\": \"socialorder-anforderung\"" } },
	{ SAMPLES "07-unbekannte-kostenstelle.eml", {
		.plain = "Kostenstelle: 9999\n", NATT(0) } },
	{ SAMPLES "08-status-anfrage.eml", {
		.subject = "Status SO-2026-000001",
		.plain_eq = "Wie ist der Stand?\n" } },
	{ SAMPLES "09-abwesenheit.eml", {
		.from_addr = "sgl102@exempla.test",
		.from_name = "Wei\xc3\x9f, J\xc3\xbcrgen",
		.in_reply_to = "placeholder@exempla.test",
		.plain = "nicht weitergeleitet.", NATT(0),
		.hdr_name = "Auto-Submitted", .hdr_value = "auto-replied" } },

	{ DATA "mime-cp1252.eml", {
		.plain = "Bemerkung: \xe2\x80\x9e" "Eilig\xe2\x80\x9c, Budget 250 \xe2\x82\xac\n"
		    GEWUENSCHT } },
	{ DATA "mime-undeclared-latin1.eml", {
		.plain_eq = GEWUENSCHT "\nSt\xc3\xbc" "ck: 5\n" } },
	{ DATA "mime-undeclared-utf8.eml", {
		.content_type = "text/plain",
		.plain_eq = GEWUENSCHT "\nGr\xc3\xb6\xc3\x9f" "e: DIN A4 \xe2\x80\x93 \xe2\x82\xac\n" } },
	{ DATA "mime-base64.eml", {
		.plain_eq = "Anforderung B\xc3\xbcrobedarf\n" GEWUENSCHT "\n" } },
	{ DATA "mime-8bit.eml", {
		.plain_eq = "Kostenstelle: 1020\nBezeichnung: Kugelschreiber "
		    "\xe2\x80\x9e" "blau\xe2\x80\x9c\n" } },
	{ DATA "mime-flowed.eml", {
		.plain_eq = "Bemerkung: Bitte im Sekretariat im zweiten Stock abgeben.\n"
		    "> Zitat, das umbrochen wurde.\n"
		    ">kein Zitat\n"
		    "-- \n"
		    "Max\n" } },
	{ DATA "mime-from-b-latin1.eml", {
		.from_addr = "j.weiss@exempla.test",
		.from_name = "J\xc3\xbcrgen Wei\xc3\x9f",
		.reply_to = "beschaffung@exempla.test",
		.subject = "Genehmigung f\xc3\xbcr SO-2026-000002",
		.in_reply_to = "so-2026-000002.1@socialorder.exempla.test",
		.references = "<a@x.test> <so-2026-000002.1@socialorder.exempla.test>",
		.plain_eq = "GENEHMIGT\n" } },
	{ DATA "mime-bounce.eml", {
		.return_path = "", .content_type = "multipart/report",
		.is_report = 1, .from_addr = "mailer-daemon@mx.exempla.test",
		.plain = "could not\nbe delivered", .html = NONE,
		NATT(2), .att_type = "message/delivery-status",
		.att_prefix = "Reporting-MTA: dns; mx.exempla.test",
		.hdr_name = "auto-submitted", .hdr_value = "auto-replied" } },
	{ DATA "mime-nested.eml", {
		.content_type = "multipart/mixed",
		.plain_eq = "Preis: 4,29 \xe2\x82\xac",
		.html = "<p>Preis: 4,29 &euro;</p>",
		NATT(2), .att_type = "text/plain",
		.att_name = "Bestellung M\xc3\xbcller.txt",
		.att_prefix = "Anhang, kein Text." } },
	{ DATA "mime-crlf-subject.eml", {
		.subject = "Status  Bcc: victim@exempla.test",
		.hdr_name = "Subject",
		.hdr_value = "Status  Bcc: victim@exempla.test" } },
	{ DATA "mime-missing-close.eml", {
		.content_type = "multipart/mixed",
		.plain = GEWUENSCHT, .html = "<p>html</p>" } },
};

static void
test_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(file_cases); i++) {
		const struct file_case *c = &file_cases[i];
		const char *err;
		char *data;
		size_t len;

		if (file_read(c->path, 1024 * 1024, &data, &len, &err) == -1)
			fail_msg("%s: %s", c->path, err);
		run_expect(c->path, data, len, NULL, &c->e);
		free(data);
	}
}

/* The second attachment of the nested fixture: RFC 2047 name, base64. */
static void
test_nested_json(void **state)
{
	struct mail_msg *m;
	const char *err;
	char *data;
	size_t len;

	(void)state;
	assert_int_equal(file_read(DATA "mime-nested.eml", 65536, &data, &len,
	    &err), 0);
	assert_int_equal(mime_parse(data, len, NULL, &m, &err), 0);
	assert_int_equal(m->nattachments, 2);
	assert_string_equal(m->attachments[1].content_type, "application/json");
	assert_string_equal(m->attachments[1].filename, "auftr\xc3\xa4ge.json");
	assert_int_equal(m->attachments[1].len, 13);
	assert_string_equal(m->attachments[1].data, "{\"menge\": 5}\n");
	mime_msg_free(m);
	free(data);
}

/* Generated messages. */

static void
put_head(struct buf *b, const char *ctype)
{
	buf_puts(b, "From: Max <max@exempla.test>\r\nSubject: test\r\n");
	if (ctype != NULL)
		buf_printf(b, "Content-Type: %s\r\n", ctype);
	buf_puts(b, "\r\n");
}

/* depth levels of multipart/mixed around one text part. */
static void
gen_nested(struct buf *b, unsigned depth, int close)
{
	buf_puts(b, "From: max@exempla.test\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b00000\"\r\n\r\n");
	for (unsigned i = 1; i < depth; i++)
		buf_printf(b, "--b%05u\r\nContent-Type: multipart/mixed; "
		    "boundary=\"b%05u\"\r\n\r\n", i - 1, i);
	buf_printf(b, "--b%05u\r\nContent-Type: text/plain\r\n\r\ninnen\r\n",
	    depth - 1);
	for (unsigned i = depth; close && i > 0; i--)
		buf_printf(b, "--b%05u--\r\n", i - 1);
}

static void gen_depth20(struct buf *b) { gen_nested(b, 20, 1); }
static void gen_depth21(struct buf *b) { gen_nested(b, 21, 1); }
static void gen_depth300(struct buf *b) { gen_nested(b, 300, 1); }
static void gen_depth5000(struct buf *b) { gen_nested(b, 5000, 0); }

static void
gen_rfc822_5000(struct buf *b)
{
	for (int i = 0; i < 5000; i++)
		buf_puts(b, "Content-Type: message/rfc822\r\n\r\n");
	buf_puts(b, "innen\r\n");
}

static void
gen_parts(struct buf *b, unsigned n)
{
	put_head(b, "multipart/mixed; boundary=\"p\"");
	for (unsigned i = 0; i < n; i++)
		buf_printf(b, "--p\r\nContent-Type: %s\r\n\r\nTeil %u\r\n",
		    i == 0 ? "text/plain" : "application/octet-stream", i);
	buf_puts(b, "--p--\r\n");
}

static void gen_parts100(struct buf *b) { gen_parts(b, 100); }
static void gen_parts101(struct buf *b) { gen_parts(b, 101); }

/* Tiny empty parts: must be refused before libetpan allocates them. */
static void
gen_parts_many(struct buf *b)
{
	put_head(b, "multipart/mixed; boundary=\"p\"");
	for (unsigned i = 0; i < 200000; i++)
		buf_puts(b, "--p\r\n\r\n");
	buf_puts(b, "--p--\r\n");
}

static void
gen_headers(struct buf *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		buf_printf(b, "X-Header-%u: %u\r\n", i, i);
	buf_puts(b, "\r\nText\r\n");
}

static void gen_headers500(struct buf *b) { gen_headers(b, 500); }
static void gen_headers501(struct buf *b) { gen_headers(b, 501); }
static void gen_headers10000(struct buf *b) { gen_headers(b, 10000); }

static void
gen_line(struct buf *b, size_t n)
{
	char *line = xmalloc(n);

	memset(line, 'a', n);
	put_head(b, "text/plain");
	buf_append(b, line, n);
	buf_puts(b, "\r\n");
	free(line);
}

static void gen_line_1mib(struct buf *b) { gen_line(b, 1024 * 1024); }
static void gen_line_3mib(struct buf *b) { gen_line(b, 3 * 1024 * 1024); }

static void
gen_size(struct buf *b, size_t n)
{
	put_head(b, "text/plain");
	while (b->len + 1000 <= n)
		buf_printf(b, "%0998d\r\n", 0);
	while (b->len < n)
		buf_putc(b, 'x');
}

static void gen_size_10mib(struct buf *b) { gen_size(b, 10 * 1024 * 1024); }
static void gen_size_over(struct buf *b) { gen_size(b, 10 * 1024 * 1024 + 1); }

static void
gen_parens(struct buf *b, size_t n)
{
	buf_puts(b, "From: max@exempla.test (");
	for (size_t i = 0; i < n; i++)
		buf_putc(b, '(');
	buf_puts(b, "\r\n\r\nText\r\n");
}

static void gen_parens50(struct buf *b) { gen_parens(b, 50); }
static void gen_parens1m(struct buf *b) { gen_parens(b, 1000000); }

/* Many header-like bytes (addresses cost libetpan ~30 times their size). */
static void
gen_header_bytes(struct buf *b)
{
	buf_puts(b, "From: max@exempla.test\r\n");
	for (int h = 0; h < 2; h++) {
		buf_puts(b, "To: ");
		for (int i = 0; i < 150000; i++)
			buf_puts(b, "a@b,");
		buf_puts(b, "a@b\r\n");
	}
	buf_puts(b, "\r\nText\r\n");
}

static void
gen_dash_lines(struct buf *b)
{
	put_head(b, "text/plain");
	for (int i = 0; i < 2000; i++)
		buf_puts(b, "-- \r\n");
}

static void
gen_nul(struct buf *b)
{
	buf_puts(b, "From: max@exempla.test\r\nSubject: a");
	buf_append(b, "\0", 1);
	buf_puts(b, "b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx");
	buf_append(b, "\0", 1);
	buf_puts(b, "y\r\n");
}

static void
gen_nul_in_multipart(struct buf *b)
{
	put_head(b, "multipart/mixed; boundary=\"p\"");
	buf_puts(b, "--p\r\nContent-Type: text/plain\r\n\r\nTe");
	buf_append(b, "\0\0", 2);
	buf_puts(b, "xt\r\n--p\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--p--\r\n");
}

static void
gen_bad_base64(struct buf *b)
{
	put_head(b, "text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64");
	buf_puts(b, "QsO8cm9i!!ZWRh*cmY\r\n====\r\nw\r\n");
}

static void
gen_bad_qp(struct buf *b)
{
	put_head(b, "text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable");
	buf_puts(b, "B=C3=BCro =ZZ =C3=\r\n=3 end=");
}

static void
gen_bad_utf8(struct buf *b)
{
	put_head(b, "text/plain; charset=utf-8");
	buf_puts(b, "St\xfc" "ck \xc3\x28 ok\r\n");
}

static void
gen_missing_close(struct buf *b)
{
	put_head(b, "multipart/mixed; boundary=\"p\"");
	buf_puts(b, "--p\r\nContent-Type: text/plain\r\n\r\nErster Teil\r\n"
	    "--p\r\nContent-Type: application/json\r\n\r\n{\"a\": 1}");
}

static void
gen_no_boundary_lines(struct buf *b)
{
	put_head(b, "multipart/mixed; boundary=\"p\"");
	buf_puts(b, "Nur Text, keine Teile.\r\n");
}

static void
gen_inner_unclosed(struct buf *b)
{
	put_head(b, "multipart/mixed; boundary=\"o\"");
	buf_puts(b, "--o\r\nContent-Type: multipart/alternative; boundary=\"i\"\r\n"
	    "\r\n--i\r\nContent-Type: text/plain\r\n\r\nInnen\r\n"
	    "--o\r\nContent-Type: application/json\r\n\r\n{}\r\n--o--\r\n");
}

static void gen_empty(struct buf *b) { (void)b; }

static void
gen_no_separator(struct buf *b)
{
	buf_puts(b, "Hallo,\nbitte 5 Ordner bestellen.\nDanke\n");
}

static void
gen_headers_only(struct buf *b)
{
	buf_puts(b, "From: max@exempla.test\r\nSubject: nur Kopf");
}

static void
gen_rfc822_attachment(struct buf *b)
{
	put_head(b, "multipart/mixed; boundary=\"p\"");
	buf_puts(b, "--p\r\nContent-Type: message/rfc822\r\n\r\n"
	    "From: other@x.test\r\nSubject: innen\r\n"
	    "Content-Type: text/plain\r\n\r\nInnerer Text\r\n--p--\r\n");
}

static void
gen_flowed_plain(struct buf *b)
{
	put_head(b, "text/plain; charset=utf-8; Format=\"Flowed\"");
	buf_puts(b, "eins \r\nzwei\r\n\r\ndrei \r\n");
}

static void
gen_group_from(struct buf *b)
{
	buf_puts(b, "From: Einkauf: Einkauf@Exempla.test, b@exempla.test;\r\n"
	    "Return-Path: <bounce@exempla.test>\r\n\r\nText\r\n");
}

static void
gen_unquoted_comma(struct buf *b)
{
	buf_puts(b, "From: Mustermann, Max <Max@Exempla.test>\r\n\r\nText\r\n");
}

static void
gen_folded_subject(struct buf *b)
{
	buf_puts(b, "From: max@exempla.test\r\n"
	    "Subject: =?utf-8?q?B=C3=BCro?=\r\n =?utf-8?q?bedarf?=\r\n\tund mehr\r\n"
	    "Message-ID:\r\n <folded@exempla.test>\r\n\r\nText\r\n");
}

static void
gen_attachment_text(struct buf *b)
{
	put_head(b, "multipart/mixed; boundary=\"p\"");
	buf_puts(b, "--p\r\nContent-Type: text/plain\r\n"
	    "Content-Disposition: attachment; filename=\"liste.txt\"\r\n\r\n"
	    "Anhang\r\n--p\r\nContent-Type: text/plain\r\n\r\nKoerper\r\n--p--\r\n");
}

static void
gen_small_limits_parts(struct buf *b)
{
	gen_parts(b, 4);
}

#define ERR_DEPTH "Die MIME-Struktur ist zu tief verschachtelt (mehr als 20 Ebenen)."
#define ERR_PARTS "Die Nachricht hat zu viele MIME-Teile (mehr als 100)."
#define ERR_HEADERS "Die Nachricht hat zu viele Kopfzeilen (mehr als 500)."

struct gen_case {
	const char *name;
	void (*gen)(struct buf *);
	int small;              /* run with small limits (max_parts 3) */
	struct expect e;
};

static const struct gen_case gen_cases[] = {
	{ "depth 20", gen_depth20, 0, { .plain_eq = "innen", NATT(0) } },
	{ "depth 21", gen_depth21, 0, { .error = ERR_DEPTH } },
	{ "depth 300", gen_depth300, 0, { .error = ERR_DEPTH } },
	{ "depth 5000 unclosed", gen_depth5000, 0, { .error = ERR_DEPTH } },
	{ "5000 nested message/rfc822", gen_rfc822_5000, 0, { .error = ERR_DEPTH } },
	{ "100 parts", gen_parts100, 0, { .plain_eq = "Teil 0", NATT(99) } },
	{ "101 parts", gen_parts101, 0, { .error = ERR_PARTS } },
	{ "200000 empty parts", gen_parts_many, 0, { .error = ERR_PARTS } },
	{ "4 parts, limit 3", gen_small_limits_parts, 1,
	    { .error = "Die Nachricht hat zu viele MIME-Teile (mehr als 3)." } },
	{ "500 headers", gen_headers500, 0, { .plain_eq = "Text\n" } },
	{ "501 headers", gen_headers501, 0, { .error = ERR_HEADERS } },
	{ "10000 headers", gen_headers10000, 0, { .error = ERR_HEADERS } },
	{ "1 MiB line", gen_line_1mib, 0, { NATT(0) } },
	{ "3 MiB line", gen_line_3mib, 0, { .error =
	    "Die Nachricht enthält eine zu lange Zeile (mehr als 1 MiB)." } },
	{ "10 MiB", gen_size_10mib, 0, { NATT(0) } },
	{ "10 MiB + 1", gen_size_over, 0, { .error =
	    "Die Nachricht ist zu groß (mehr als 10 MiB)." } },
	{ "50 nested comments", gen_parens50, 0, { .from_addr = "max@exempla.test" } },
	{ "1000000 nested comments", gen_parens1m, 0, { .error =
	    "Die Nachricht enthält zu tief verschachtelte Klammern (mehr als 100 Ebenen)." } },
	{ "1.2 MB of addresses", gen_header_bytes, 0, { .error =
	    "Die Kopfzeilen der Nachricht sind zu umfangreich (mehr als 1 MiB)." } },
	{ "2000 dash lines", gen_dash_lines, 0, { .error = ERR_PARTS } },
	{ "NUL bytes", gen_nul, 0, { .subject = "a b",
	    .plain_eq = "x\xef\xbf\xbdy\n" } },
	{ "NUL bytes in multipart", gen_nul_in_multipart, 0, {
	    .plain_eq = "Te\xef\xbf\xbd\xef\xbf\xbdxt", NATT(1),
	    .att_type = "application/octet-stream", .att_prefix = "\0\1\2" } },
	{ "broken base64", gen_bad_base64, 0, { .plain = "B\xc3\xbcrob" } },
	/* malformed escapes stay literal; "=C3=" "=3 " gives U+FFFD 3 */
	{ "broken quoted-printable", gen_bad_qp, 0, {
	    .plain_eq = "B\xc3\xbcro =ZZ \xef\xbf\xbd=3 end=" } },
	{ "invalid UTF-8", gen_bad_utf8, 0, {
	    .plain_eq = "St\xef\xbf\xbd" "ck \xef\xbf\xbd( ok\n" } },
	{ "missing closing boundary", gen_missing_close, 0, {
	    .plain_eq = "Erster Teil", NATT(1), .att_type = "application/json",
	    .att_prefix = "{\"a\": 1}" } },
	{ "inner boundary never closed", gen_inner_unclosed, 0, {
	    .plain_eq = "Innen", NATT(1), .att_type = "application/json" } },
	{ "multipart without boundary lines", gen_no_boundary_lines, 0, {
	    .plain = "Nur Text, keine Teile." } },
	{ "empty input", gen_empty, 0, { .content_type = "text/plain",
	    .plain_eq = "", .from_addr = NONE, .subject = NONE, NATT(0) } },
	{ "no header/body separator", gen_no_separator, 0, {
	    .content_type = "text/plain", .plain = "bitte 5 Ordner bestellen.\nDanke",
	    .from_addr = NONE } },
	{ "headers only", gen_headers_only, 0, { .subject = "nur Kopf",
	    .plain_eq = "" } },
	{ "message/rfc822 is an attachment", gen_rfc822_attachment, 0, {
	    .plain = NONE, NATT(1), .att_type = "message/rfc822",
	    .att_prefix = "From: other@x.test" } },
	{ "format=flowed without DelSp", gen_flowed_plain, 0, {
	    .plain_eq = "eins zwei\n\ndrei \n" } },
	{ "group in From", gen_group_from, 0, {
	    .from_addr = "einkauf@exempla.test", .from_name = NONE,
	    .return_path = "bounce@exempla.test" } },
	{ "unquoted comma in From", gen_unquoted_comma, 0, {
	    .from_addr = "max@exempla.test", .from_name = "Mustermann, Max" } },
	{ "folded headers", gen_folded_subject, 0, {
	    .subject = "B\xc3\xbcrobedarf und mehr",
	    .message_id = "folded@exempla.test" } },
	{ "text attachment is not the body", gen_attachment_text, 0, {
	    .plain_eq = "Koerper", NATT(1), .att_name = "liste.txt",
	    .att_prefix = "Anhang" } },
};

static void
test_generated(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(gen_cases); i++) {
		const struct gen_case *c = &gen_cases[i];
		struct mime_limits lim;
		struct buf b;

		mime_limits_default(&lim);
		if (c->small)
			lim.max_parts = 3;
		buf_init(&b, 0);
		c->gen(&b);
		run_expect(c->name, buf_cstr(&b), b.len, &lim, &c->e);
		buf_free(&b);
	}
}

/* NULL limits mean the defaults; the defaults are the documented ones. */
static void
test_limits_default(void **state)
{
	struct mime_limits l;
	struct mail_msg *m;
	const char *err;

	(void)state;
	mime_limits_default(&l);
	assert_int_equal(l.max_size, 10 * 1024 * 1024);
	assert_int_equal(l.max_depth, 20);
	assert_int_equal(l.max_parts, 100);
	assert_int_equal(l.max_headers, 500);
	assert_int_equal(l.max_line, 1024 * 1024);
	assert_int_equal(mime_parse("Subject: x\r\n\r\ny", 16, NULL, &m, &err), 0);
	assert_string_equal(mime_header(m, "SUBJECT"), "x");
	assert_null(mime_header(m, "From"));
	mime_msg_free(m);
	mime_msg_free(NULL);
}

/*
 * Every prefix of a structured message: truncation anywhere must parse or
 * fail cleanly (run under ASan this catches out-of-bounds reads).
 */
static void
test_truncated(void **state)
{
	char *data;
	size_t len;
	const char *err;

	(void)state;
	assert_int_equal(file_read(DATA "mime-nested.eml", 65536, &data, &len,
	    &err), 0);
	for (size_t n = 0; n <= len; n++) {
		char *copy = xmalloc(n ? n : 1);
		struct mail_msg *m;

		memcpy(copy, data, n);
		if (mime_parse(copy, n, NULL, &m, &err) == 0) {
			check_invariants(m);
			mime_msg_free(m);
		}
		free(copy);
	}
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_nested_json),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_limits_default),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
