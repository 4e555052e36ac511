/* SPDX-License-Identifier: MIT */
/*
 * test_mailout - compose messages from hostile input and parse them back
 * with libetpan: the decoded subject, display names, body and attachments
 * must equal the input, no input may add a header, every line must end in
 * CRLF and stay within 78 (header) / 76 (encoded body) characters, every
 * encoded word must be at most 75 characters and decode to whole UTF-8
 * characters on its own.  Invalid addresses and message-ids must fail,
 * invalid In-Reply-To/References ids must be dropped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <libetpan/libetpan.h>

#include "mailout.h"

#define FROM "bestellung@exempla.test"
#define TO "max.mustermann@exempla.test"
#define MSGID "so.SO-2026-000042.0123456789abcdef0123456789abcdef@exempla.test"
#define DATE_WINTER 1767225600          /* 2026-01-01 00:00:00 UTC */
#define DATE_SUMMER 1782864000          /* 2026-07-01 00:00:00 UTC */

static char *
repeat(const char *s, int n)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "");
	for (int i = 0; i < n; i++)
		buf_puts(&b, s);
	return buf_steal(&b);
}

static void
mailout_init(struct mailout *m)
{
	memset(m, 0, sizeof(*m));
	m->from_addr = FROM;
	m->from_name = "Bürobedarf Stadt Exempla";
	m->to_addr = TO;
	m->to_name = "Max Mustermann";
	m->subject = "Ihre Bestellung SO-2026-000042";
	m->body = "Hallo,\n\nalles gut.\n";
	m->message_id = MSGID;
	m->date = DATE_WINTER;
}

/* Compose m; the test fails if that fails. */
static char *
compose(const struct mailout *m)
{
	struct buf b;
	const char *error = NULL;

	buf_init(&b, 0);
	if (mailout_compose(m, &b, &error) != 0)
		fail_msg("mailout_compose failed: %s", error);
	return buf_steal(&b);
}

static size_t
header_len(const char *msg)
{
	const char *e = strstr(msg, "\r\n\r\n");

	assert_non_null(e);
	return (size_t)(e - msg) + 2;
}

/*
 * Every line ends in CRLF; header lines (and MIME part header lines) are at
 * most 78 characters, encoded body lines at most 76.  No header line is
 * blank, no header line starts with "Bcc:", there is exactly one Subject.
 */
static void
check_lines(const char *msg, const char *boundary)
{
	const char *p = msg;
	int in_header = 1, in_part_header = 0, subjects = 0;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len;

		assert_non_null(nl);
		assert_true(nl > p && nl[-1] == '\r');
		len = (size_t)(nl - p) - 1;
		assert_null(memchr(p, '\r', len));
		if (in_header) {
			if (len == 0)
				in_header = 0;
			else {
				if (len > 78)
					fail_msg("header line of %zu: %.*s", len,
					    (int)len, p);
				assert_false(strncmp(p, "Bcc:", 4) == 0);
				assert_false(strncmp(p, "Cc:", 3) == 0);
				if (strncmp(p, "Subject:", 8) == 0)
					subjects++;
				/* a continuation line has more than blanks */
				if (*p == ' ' || *p == '\t')
					assert_true(strspn(p, " \t") < len);
			}
		} else if (in_part_header) {
			assert_true(len <= 78);
			if (len == 0)
				in_part_header = 0;
		} else {
			if (len > 76)
				fail_msg("body line of %zu: %.*s", len, (int)len, p);
			if (boundary != NULL && len >= 2 && p[0] == '-' &&
			    p[1] == '-' && strncmp(p + 2, boundary,
			    strlen(boundary)) == 0)
				in_part_header = 1;
		}
		assert_false(strncmp(p, "Bcc:", 4) == 0);
		p = nl + 1;
	}
	assert_int_equal(subjects, 1);
}

static int
b64_value(int c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;

	return p ? (int)(p - a) : -1;
}

/*
 * Every encoded word in the header, decoded here on its own (not by the
 * library under test): at most 75 characters, whole UTF-8 characters.
 */
static void
check_encoded_words(const char *msg)
{
	size_t hlen = header_len(msg);
	const char *p = msg;

	while ((p = strstr(p, "=?")) != NULL && (size_t)(p - msg) < hlen) {
		const char *cs_end = strchr(p + 2, '?');
		const char *text, *end;
		char dec[128];
		size_t o = 0;
		int enc;

		assert_non_null(cs_end);
		assert_int_equal(strncmp(p, "=?UTF-8?", 8), 0);
		enc = cs_end[1];
		assert_true(enc == 'B' || enc == 'Q');
		assert_int_equal(cs_end[2], '?');
		text = cs_end + 3;
		end = strstr(text, "?=");
		assert_non_null(end);
		if (end + 2 - p > 75)
			fail_msg("encoded word of %d: %.*s", (int)(end + 2 - p),
			    (int)(end + 2 - p), p);
		if (enc == 'Q') {
			for (const char *q = text; q < end; q++) {
				if (*q == '_')
					dec[o++] = ' ';
				else if (*q == '=') {
					unsigned v;
					assert_int_equal(sscanf(q + 1, "%2x", &v), 1);
					dec[o++] = (char)v;
					q += 2;
				} else {
					assert_true(*q > 0x20 && *q < 0x7f);
					assert_null(strchr("?\"(),.:;<>@[\\]", *q));
					dec[o++] = *q;
				}
			}
		} else {
			unsigned long v = 0;
			int bits = 0;
			for (const char *q = text; q < end && *q != '='; q++) {
				int d = b64_value(*q);
				assert_true(d >= 0);
				v = (v << 6) | (unsigned)d;
				bits += 6;
				if (bits >= 8) {
					bits -= 8;
					dec[o++] = (char)((v >> bits) & 0xff);
				}
			}
		}
		assert_true(o > 0);
		if (!utf8_valid(dec, o))
			fail_msg("encoded word does not hold whole characters: "
			    "%.*s", (int)(end + 2 - p), p);
		p = end + 2;
	}
}

static struct mailmime *
parse(const char *msg)
{
	struct mailmime *mime = NULL;
	size_t idx = 0;

	assert_int_equal(mailmime_parse(msg, strlen(msg), &idx, &mime),
	    MAILIMF_NO_ERROR);
	assert_non_null(mime);
	assert_int_equal(mime->mm_type, MAILMIME_MESSAGE);
	assert_non_null(mime->mm_data.mm_message.mm_fields);
	return mime;
}

static struct mailimf_field *
field_find(struct mailimf_fields *f, int type, int nth)
{
	for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
		struct mailimf_field *fld = clist_content(it);
		if (fld->fld_type == type && nth-- == 0)
			return fld;
	}
	return NULL;
}

static const char *
optional_field(struct mailimf_fields *f, const char *name)
{
	for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
		struct mailimf_field *fld = clist_content(it);
		if (fld->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD &&
		    strcasecmp(fld->fld_data.fld_optional_field->fld_name,
		    name) == 0)
			return fld->fld_data.fld_optional_field->fld_value;
	}
	return NULL;
}

/* An RFC 2047 phrase decoded by libetpan.  Caller frees. */
static char *
decode_phrase(const char *raw)
{
	char *res = NULL;
	size_t idx = 0;

	assert_int_equal(mailmime_encoded_phrase_parse("utf-8", raw,
	    strlen(raw), &idx, "utf-8", &res), MAILIMF_NO_ERROR);
	return res;
}

static char *
decode_subject(struct mailimf_fields *f)
{
	struct mailimf_field *fld = field_find(f, MAILIMF_FIELD_SUBJECT, 0);

	assert_non_null(fld);
	assert_null(field_find(f, MAILIMF_FIELD_SUBJECT, 1));
	return decode_phrase(fld->fld_data.fld_subject->sbj_value);
}

/* The only mailbox of From (or To); display name decoded (NULL if none). */
static char *
decode_mailbox(struct mailimf_fields *f, int type, const char *addr)
{
	struct mailimf_field *fld = field_find(f, type, 0);
	clist *l;
	struct mailimf_mailbox *mb;

	assert_non_null(fld);
	assert_null(field_find(f, type, 1));
	if (type == MAILIMF_FIELD_FROM)
		l = fld->fld_data.fld_from->frm_mb_list->mb_list;
	else {
		struct mailimf_address *a;
		l = fld->fld_data.fld_to->to_addr_list->ad_list;
		assert_int_equal(clist_count(l), 1);
		a = clist_content(clist_begin(l));
		assert_int_equal(a->ad_type, MAILIMF_ADDRESS_MAILBOX);
		mb = a->ad_data.ad_mailbox;
		goto found;
	}
	assert_int_equal(clist_count(l), 1);
	mb = clist_content(clist_begin(l));
found:
	assert_string_equal(mb->mb_addr_spec, addr);
	return mb->mb_display_name ? decode_phrase(mb->mb_display_name) : NULL;
}

/* A single part's content, transfer-decoded.  Caller frees. */
static char *
decode_part(struct mailmime *part, size_t *len_r)
{
	struct mailmime_data *d;
	char *res = NULL, *copy;
	size_t idx = 0, len = 0;

	assert_int_equal(part->mm_type, MAILMIME_SINGLE);
	d = part->mm_data.mm_single;
	assert_non_null(d);
	assert_int_equal(mailmime_part_parse(d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, &idx, d->dt_encoding, &res, &len),
	    MAILIMF_NO_ERROR);
	copy = malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, res, len);
	copy[len] = '\0';
	mmap_string_unref(res);
	*len_r = len;
	return copy;
}

/* The body as the reader will see it: CRLF line ends and a final CRLF. */
static char *
expected_body(const char *body)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "");
	for (const char *p = body; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n')
			buf_puts(&b, "\r\n");
		else
			buf_putc(&b, *p);
	}
	if (b.len > 0 && (b.len < 2 || strcmp(b.data + b.len - 2, "\r\n") != 0))
		buf_puts(&b, "\r\n");
	return buf_steal(&b);
}

struct roundtrip_case {
	const char *subject, *from_name, *body;
	/* what the receiver must see */
	const char *want_subject;
	const char *want_from;          /* NULL: no display name */
	const char *want_header;        /* a header line that must be there, or NULL */
	const char *want_body;          /* NULL: body with CRLF line ends */
};

#define UML "äöüÄÖÜß"

static void
roundtrip(const struct roundtrip_case *c, size_t row)
{
	struct mailout m;
	struct mailmime *mime;
	struct mailimf_fields *f;
	char *msg, *got, *want;
	size_t len;

	mailout_init(&m);
	m.subject = c->subject;
	m.from_name = c->from_name;
	m.body = c->body;
	msg = compose(&m);
	check_lines(msg, NULL);
	check_encoded_words(msg);
	if (c->want_header != NULL && strstr(msg, c->want_header) == NULL)
		fail_msg("row %zu: no '%s' in\n%s", row, c->want_header, msg);

	mime = parse(msg);
	f = mime->mm_data.mm_message.mm_fields;
	got = decode_subject(f);
	if (strcmp(got, c->want_subject) != 0)
		fail_msg("row %zu: subject '%s', want '%s'\n%s", row, got,
		    c->want_subject, msg);
	free(got);
	got = decode_mailbox(f, MAILIMF_FIELD_FROM, FROM);
	if (c->want_from == NULL)
		assert_null(got);
	else if (got == NULL || strcmp(got, c->want_from) != 0)
		fail_msg("row %zu: from name '%s', want '%s'\n%s", row,
		    got ? got : "(none)", c->want_from, msg);
	free(got);
	got = decode_mailbox(f, MAILIMF_FIELD_TO, TO);
	assert_string_equal(got, "Max Mustermann");
	free(got);

	got = decode_part(mime->mm_data.mm_message.mm_msg_mime, &len);
	want = c->want_body ? xstrdup(c->want_body) : expected_body(c->body);
	if (len != strlen(want) || memcmp(got, want, len) != 0)
		fail_msg("row %zu: body\n'%s'\nwant\n'%s'\n%s", row, got, want,
		    msg);
	free(got);
	free(want);
	mailmime_free(mime);
	free(msg);
}

static void
test_mailout_roundtrip(void **state)
{
	char *uml120 = repeat("ä", 120), *mix = repeat("Größe ", 30);
	char *emoji = repeat("😀", 40), *ascii200 = repeat("x", 200);
	char *words = repeat("Bestellung ", 15), *long_line = repeat("abc ", 100);
	char *uml_line = repeat(UML, 30), *name100 = repeat("Müller ", 15);
	char *name100_trimmed = str_trim(xstrdup(name100));
	char *qtext = repeat("a_b?c=d ", 12);
	char *body_mix = xasprintf("%s\n%s\n%s\n", long_line, uml_line, ascii200);
	char *trail = repeat("ab ", 25);    /* 75 characters, trailing blank */
	const struct roundtrip_case cases[] = {
		{ "Ihre Bestellung SO-2026-000042", "Max Mustermann", "Hallo\n",
		  "Ihre Bestellung SO-2026-000042", "Max Mustermann",
		  "\r\nSubject: Ihre Bestellung SO-2026-000042\r\n", NULL },
		{ "Bestätigung", "Müller, Jürgen", "x\n", "Bestätigung",
		  "Müller, Jürgen", NULL, NULL },
		{ uml120, "Mustermann, Max", "x\n", uml120, "Mustermann, Max",
		  "From: \"Mustermann, Max\" <" FROM ">\r\n", NULL },
		{ mix, "Max \"The Boss\" Mustermann", "x\n", mix,
		  "Max \"The Boss\" Mustermann",
		  "From: \"Max \\\"The Boss\\\" Mustermann\" <" FROM ">\r\n", NULL },
		{ emoji, "back\\slash \"quote", "x\n", emoji,
		  "back\\slash \"quote", NULL, NULL },
		{ ascii200, "Dr. Max Mustermann", "x\n", ascii200,
		  "Dr. Max Mustermann", "From: \"Dr. Max Mustermann\" <", NULL },
		/* names are trimmed */
		{ words, name100, "x\n", words, name100_trimmed, NULL, NULL },
		{ qtext, "a_b?c=d", "x\n", qtext, "a_b?c=d", NULL, NULL },
		/* header injection: the CR LF become blanks, nothing else */
		{ "a\r\nBcc: evil@x", "Eve\r\nBcc: evil@x", "x\n",
		  "a  Bcc: evil@x", "Eve  Bcc: evil@x", NULL, NULL },
		{ "a\nBcc: evil@x\n", "Eve\nTo: evil@x", "x\n",
		  "a Bcc: evil@x ", "Eve To: evil@x", NULL, NULL },
		{ "Tab\there\x01", "  Max  ", "x\n", "Tab here ", "Max",
		  "\r\nFrom: Max <" FROM ">\r\n", NULL },
		/* text that looks like an encoded word stays text */
		{ "=?UTF-8?B?QmNjOiBldmlsQHg=?=", "=?UTF-8?Q?Admin?=", "x\n",
		  "=?UTF-8?B?QmNjOiBldmlsQHg=?=", "=?UTF-8?Q?Admin?=", NULL, NULL },
		{ " leading and trailing ", NULL, "x\n", " leading and trailing ",
		  NULL, "\r\nFrom: " FROM "\r\n", NULL },
		{ "", "", "", "", NULL, "\r\nSubject:\r\n", NULL },
		/* bytes that are not UTF-8 become U+FFFD */
		{ "Gr\xfc\xdf", "M\xfcller", "Gr\xfc\xdf\n", "Gr\xef\xbf\xbd\xef\xbf\xbd",
		  "M\xef\xbf\xbdller", NULL, "Gr\xef\xbf\xbd\xef\xbf\xbd\r\n" },
		/* bodies */
		{ "Body", NULL, body_mix, "Body", NULL, NULL, NULL },
		{ "Body", NULL, "trailing blanks   \ntab\t\n\t \n", "Body", NULL,
		  "trailing blanks  =20\r\ntab=09\r\n\t=20\r\n", NULL },
		{ "Body", NULL, ".\n..\n. x\nFrom me\nFrom\n", "Body", NULL,
		  "\r\n=2E\r\n=2E.\r\n=2E x\r\n=46rom me\r\nFrom\r\n", NULL },
		{ "Body", NULL, "a=b==c\n=\n=20\n", "Body", NULL,
		  "\r\na=3Db=3D=3Dc\r\n=3D\r\n=3D20\r\n", NULL },
		{ "Body", NULL, "CRLF\r\nmixed\nlone\rCR\r\n", "Body", NULL,
		  "lone=0DCR\r\n", NULL },
		{ "Body", NULL, "no newline at the end", "Body", NULL, NULL, NULL },
		{ "Body", NULL, "\n\n\nabc\n\n", "Body", NULL, NULL, NULL },
		{ "Body", NULL, trail, "Body", NULL, NULL, NULL },
		{ "Body", NULL, uml_line, "Body", NULL, NULL, NULL },
		{ "Body", NULL, "Grüße 😀 – €\n", "Body", NULL,
		  "Gr=C3=BC=C3=9Fe =F0=9F=98=80 =E2=80=93 =E2=82=AC\r\n", NULL },
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(cases); i++)
		roundtrip(&cases[i], i);
	free(uml120);
	free(mix);
	free(emoji);
	free(ascii200);
	free(words);
	free(long_line);
	free(uml_line);
	free(name100);
	free(name100_trimmed);
	free(qtext);
	free(body_mix);
	free(trail);
}

/* Long lines are cut at exactly 76 with a soft break, never inside =XX. */
static void
test_mailout_qp_lines(void **state)
{
	struct mailout m;
	char *body = repeat("=", 100), *msg, *b;

	(void)state;
	mailout_init(&m);
	m.body = body;
	msg = compose(&m);
	b = msg + header_len(msg) + 2;
	/* 25 "=3D" and the soft break make 76 */
	assert_int_equal(strncmp(b, "=3D=3D", 6), 0);
	assert_ptr_equal(strstr(b, "\r\n"), b + 76);
	assert_int_equal(b[75], '=');
	check_lines(msg, NULL);
	free(msg);
	free(body);

	/* 76 plain characters fit on one line, 77 do not */
	body = repeat("a", 76);
	m.body = body;
	msg = compose(&m);
	b = msg + header_len(msg) + 2;
	assert_ptr_equal(strstr(b, "\r\n"), b + 76);
	free(msg);
	free(body);
	body = repeat("a", 77);
	m.body = body;
	msg = compose(&m);
	b = msg + header_len(msg) + 2;
	assert_ptr_equal(strstr(b, "\r\n"), b + 76);
	assert_int_equal(b[75], '=');
	free(msg);
	free(body);
}

static const char *const header_order[] = {
	"Date", "From", "To", "Subject", "Message-ID", "In-Reply-To",
	"References", "Auto-Submitted", "X-Auto-Response-Suppress",
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding",
};

static void
test_mailout_headers(void **state)
{
	struct mailout m;
	struct mailmime *mime;
	struct mailimf_fields *f;
	struct mailimf_field *fld;
	struct mailimf_date_time *dt;
	char *msg, *p;
	size_t n = 0, hlen;

	(void)state;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	mailout_init(&m);
	m.in_reply_to = "CAF=abc+def@mail.example.com";
	m.references = "root@x.example  CAF=abc+def@mail.example.com";
	m.auto_submitted = "auto-replied";
	m.suppress_auto_responses = 1;
	msg = compose(&m);
	check_lines(msg, NULL);
	hlen = header_len(msg);

	/* the names, in order, each once */
	for (p = msg; (size_t)(p - msg) < hlen; p = strstr(p, "\r\n") + 2) {
		if (*p == ' ')
			continue;
		assert_true(n < SO_NELEM(header_order));
		if (strncmp(p, header_order[n], strlen(header_order[n])) != 0 ||
		    p[strlen(header_order[n])] != ':')
			fail_msg("header %zu is '%.20s', want %s", n, p,
			    header_order[n]);
		n++;
	}
	assert_int_equal(n, SO_NELEM(header_order));
	assert_non_null(strstr(msg, "Date: Thu, 1 Jan 2026 01:00:00 +0100\r\n"));
	assert_non_null(strstr(msg, "\r\nMessage-ID: <" MSGID ">\r\n"));
	assert_non_null(strstr(msg, "\r\nAuto-Submitted: auto-replied\r\n"));
	assert_non_null(strstr(msg, "\r\nMIME-Version: 1.0\r\nContent-Type: "
	    "text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
	    "quoted-printable\r\n\r\n"));

	mime = parse(msg);
	f = mime->mm_data.mm_message.mm_fields;
	fld = field_find(f, MAILIMF_FIELD_ORIG_DATE, 0);
	assert_non_null(fld);
	dt = fld->fld_data.fld_orig_date->dt_date_time;
	assert_int_equal(dt->dt_year, 2026);
	assert_int_equal(dt->dt_month, 1);
	assert_int_equal(dt->dt_day, 1);
	assert_int_equal(dt->dt_hour, 1);
	assert_int_equal(dt->dt_zone, 100);
	fld = field_find(f, MAILIMF_FIELD_MESSAGE_ID, 0);
	assert_string_equal(fld->fld_data.fld_message_id->mid_value, MSGID);
	fld = field_find(f, MAILIMF_FIELD_IN_REPLY_TO, 0);
	assert_non_null(fld);
	assert_string_equal(clist_content(clist_begin(
	    fld->fld_data.fld_in_reply_to->mid_list)),
	    "CAF=abc+def@mail.example.com");
	fld = field_find(f, MAILIMF_FIELD_REFERENCES, 0);
	assert_non_null(fld);
	assert_int_equal(clist_count(fld->fld_data.fld_references->mid_list), 2);
	assert_string_equal(optional_field(f, "X-Auto-Response-Suppress"), "All");
	mailmime_free(mime);
	free(msg);

	/* summer time, defaults, no suppression header */
	m.date = DATE_SUMMER;
	m.auto_submitted = NULL;
	m.suppress_auto_responses = 0;
	m.in_reply_to = NULL;
	m.references = NULL;
	msg = compose(&m);
	assert_non_null(strstr(msg, "Date: Wed, 1 Jul 2026 02:00:00 +0200\r\n"));
	assert_non_null(strstr(msg, "\r\nAuto-Submitted: auto-generated\r\n"));
	assert_null(strstr(msg, "X-Auto-Response-Suppress"));
	assert_null(strstr(msg, "In-Reply-To"));
	assert_null(strstr(msg, "References"));
	free(msg);

	/* a zone west of UTC with minutes */
	setenv("TZ", "XYZ+3:30", 1);
	tzset();
	m.date = DATE_WINTER;
	msg = compose(&m);
	assert_non_null(strstr(msg, "Date: Wed, 31 Dec 2025 20:30:00 -0330\r\n"));
	free(msg);
	unsetenv("TZ");
	tzset();
}

struct refs_case {
	const char *in_reply_to, *references;
	const char *want_irt;   /* the In-Reply-To line, NULL: none */
	const char *want_refs;  /* the References header (unfolded), NULL: none */
};

static void
test_mailout_references(void **state)
{
	char *many = NULL, *many_want;
	struct buf b;
	const struct refs_case *c;

	(void)state;
	buf_init(&b, 0);
	for (int i = 0; i < 30; i++)
		buf_printf(&b, "%sid%d@example.com", i ? " " : "", i);
	many = buf_steal(&b);
	buf_init(&b, 0);
	buf_puts(&b, "References: <id0@example.com>");
	for (int i = 11; i < 30; i++)
		buf_printf(&b, " <id%d@example.com>", i);
	many_want = buf_steal(&b);

	const struct refs_case cases[] = {
		{ "a@b", "a@b c@d", "In-Reply-To: <a@b>", "References: <a@b> <c@d>" },
		/* invalid ids from foreign mail are dropped, the rest stays */
		{ "<a@b>", "<a@b> c@d", NULL, "References: <c@d>" },
		{ "no-at-sign", "x y z", NULL, NULL },
		{ "a@b\r\nBcc: evil@x", "a@b\r\nBcc: evil@x", NULL,
		  "References: <a@b> <evil@x>" },
		{ "a b@c", "a@b\tc@d\ne@f", NULL,
		  "References: <a@b> <c@d> <e@f>" },
		{ "ä@b", "ä@b (comment)@x q\"@x a@[1.2.3.4] ok@x", NULL,
		  "References: <ok@x>" },
		{ "@b", "a@ @b @", NULL, NULL },
		{ "", "", NULL, NULL },
		{ NULL, many, NULL, many_want },
	};

	for (size_t i = 0; i < SO_NELEM(cases); i++) {
		struct mailout m;
		char *msg, *unfolded, *w;

		c = &cases[i];
		mailout_init(&m);
		m.in_reply_to = c->in_reply_to;
		m.references = c->references;
		msg = compose(&m);
		check_lines(msg, NULL);
		/* unfold the header to compare */
		unfolded = xstrndup(msg, header_len(msg));
		w = unfolded;
		for (const char *r = unfolded; *r; r++) {
			if (r[0] == '\r' && r[1] == '\n' && r[2] == ' ') {
				r += 1;
				continue;
			}
			*w++ = *r;
		}
		*w = '\0';
		if (c->want_irt == NULL)
			assert_null(strstr(unfolded, "In-Reply-To"));
		else if (strstr(unfolded, c->want_irt) == NULL)
			fail_msg("row %zu: no '%s' in\n%s", i, c->want_irt, msg);
		if (c->want_refs == NULL)
			assert_null(strstr(unfolded, "References"));
		else {
			char *want = xasprintf("\n%s\r\n", c->want_refs);
			if (strstr(unfolded, want) == NULL)
				fail_msg("row %zu: no '%s' in\n%s", i,
				    c->want_refs, msg);
			free(want);
		}
		free(unfolded);
		free(msg);
	}
	free(many);
	free(many_want);
}

struct addr_case {
	const char *addr;
	int ok;
};

static const struct addr_case addr_cases[] = {
	{ "a@b", 1 },
	{ "max.mustermann@exempla.test", 1 },
	{ "a+tag@x.de", 1 },
	{ "o'brien@example.ie", 1 },
	{ "jürgen@exempla.test", 1 },
	{ "x@müller.de", 1 },
	{ "!#$%&'*+-/=?^_`{|}~@example.org", 1 },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x", 1 },

	{ NULL, 0 },
	{ "", 0 },
	{ "a", 0 },
	{ "@b", 0 },
	{ "a@", 0 },
	{ "a@@b", 0 },
	{ "a@b@c", 0 },
	{ "a b@c", 0 },
	{ "a@b c", 0 },
	{ " a@b", 0 },
	{ "<a@b>", 0 },
	{ "a,b@c", 0 },
	{ "a@b,c@d", 0 },
	{ "a;b@c", 0 },
	{ "a@b\r\nBcc: x@y", 0 },
	{ "a\t@b", 0 },
	{ "a@b\x7f", 0 },
	{ ".a@b", 0 },
	{ "a.@b", 0 },
	{ "a..b@c", 0 },
	{ "a@b..c", 0 },
	{ "a@.b", 0 },
	{ "a@b.", 0 },
	{ "\"q\"@b", 0 },
	{ "a(comment)@b", 0 },
	{ "a@[1.2.3.4]", 0 },
	{ "a:b@c", 0 },
	{ "a\\b@c", 0 },
	{ "\xff@b", 0 },
	{ "\xc3@b", 0 },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x", 0 },
};

static void
test_mailout_addr_ok(void **state)
{
	char *longaddr;

	(void)state;
	for (size_t i = 0; i < SO_NELEM(addr_cases); i++)
		if (mailout_addr_ok(addr_cases[i].addr) != addr_cases[i].ok)
			fail_msg("row %zu: '%s' should be %s", i,
			    addr_cases[i].addr ? addr_cases[i].addr : "(null)",
			    addr_cases[i].ok ? "ok" : "rejected");
	/* 254 is the longest path SMTP can carry */
	longaddr = xasprintf("a@%0252d", 0);
	assert_int_equal(strlen(longaddr), 254);
	assert_int_equal(mailout_addr_ok(longaddr), 1);
	free(longaddr);
	longaddr = xasprintf("a@%0253d", 0);
	assert_int_equal(mailout_addr_ok(longaddr), 0);
	free(longaddr);
}

/* Rows that must fail, each with the error it must give. */
struct fail_case {
	const char *from, *to, *msgid, *auto_submitted, *ctype;
	const char *error;      /* NULL: must succeed */
};

static const struct fail_case fail_cases[] = {
	{ FROM, TO, MSGID, NULL, NULL, NULL },
	{ FROM, TO, "a@b", "auto-notified", "text/csv; charset=utf-8", NULL },
	{ NULL, TO, MSGID, NULL, NULL, "missing from or to address" },
	{ FROM, NULL, MSGID, NULL, NULL, "missing from or to address" },
	{ "nobody", TO, MSGID, NULL, NULL, "invalid from address 'nobody'" },
	{ FROM, "a@b\r\nBcc: evil@x", MSGID, NULL, NULL,
	  "invalid to address 'a@b\\x0d\\x0aBcc: evil@x'" },
	{ FROM, "Max <max@x>", MSGID, NULL, NULL, "invalid to address" },
	{ FROM, "a@x, b@y", MSGID, NULL, NULL, "invalid to address" },
	{ FROM, TO, NULL, NULL, NULL, "missing message-id" },
	{ FROM, TO, "", NULL, NULL, "invalid message-id" },
	{ FROM, TO, "<a@b>", NULL, NULL, "invalid message-id" },
	{ FROM, TO, "a b@c", NULL, NULL, "invalid message-id" },
	{ FROM, TO, "no-at", NULL, NULL, "invalid message-id" },
	{ FROM, TO, "a@b\r\nBcc: x@y", NULL, NULL, "invalid message-id" },
	{ FROM, TO, "ä@b", NULL, NULL, "invalid message-id" },
	{ FROM, TO, MSGID, "auto-replied\r\nBcc: x@y", NULL,
	  "invalid Auto-Submitted value" },
	{ FROM, TO, MSGID, "", NULL, "invalid Auto-Submitted value" },
	{ FROM, TO, MSGID, NULL, "text/plain\r\nBcc: x@y",
	  "invalid attachment content type" },
	{ FROM, TO, MSGID, NULL, "csv", "invalid attachment content type" },
	{ FROM, TO, MSGID, NULL, "text/ä", "invalid attachment content type" },
};

static void
test_mailout_must_fail(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(fail_cases); i++) {
		const struct fail_case *c = &fail_cases[i];
		struct mailout_attachment a = { c->ctype, "x.csv", "a;b\n", 4 };
		struct mailout m;
		struct buf b;
		const char *error = NULL;
		int r;

		mailout_init(&m);
		m.from_addr = c->from;
		m.to_addr = c->to;
		m.message_id = c->msgid;
		m.auto_submitted = c->auto_submitted;
		if (c->ctype != NULL) {
			m.attachments = &a;
			m.nattachments = 1;
		}
		buf_init(&b, 0);
		buf_puts(&b, "before");
		r = mailout_compose(&m, &b, &error);
		if (c->error == NULL) {
			if (r != 0)
				fail_msg("row %zu failed: %s", i, error);
			check_lines(b.data + 6, NULL);
		} else {
			if (r != -1)
				fail_msg("row %zu composed:\n%s", i, b.data);
			if (strstr(error, c->error) == NULL)
				fail_msg("row %zu: error '%s', want '%s'", i,
				    error, c->error);
			assert_string_equal(buf_cstr(&b), "before");
		}
		buf_free(&b);
	}
}

/* A message larger than the buffer's maximum fails and leaves it as it was. */
static void
test_mailout_too_large(void **state)
{
	struct mailout m;
	struct buf b;
	const char *error = NULL;
	char *body = repeat("x", 1000);

	(void)state;
	mailout_init(&m);
	m.body = body;
	buf_init(&b, 1000);
	buf_puts(&b, "keep");
	assert_int_equal(mailout_compose(&m, &b, &error), -1);
	assert_non_null(strstr(error, "larger than 1000 bytes"));
	assert_string_equal(buf_cstr(&b), "keep");
	m.body = "short";
	assert_int_equal(mailout_compose(&m, &b, &error), 0);
	assert_int_equal(strncmp(b.data, "keepDate: ", 10), 0);
	buf_free(&b);
	free(body);
}

/* Decode a filename from Content-Disposition, plain or RFC 2231. Caller frees. */
static char *
disposition_filename(struct mailmime *part)
{
	struct mailmime_fields *mf = part->mm_mime_fields;
	struct buf b;
	char *res = NULL;
	int sect = 0;

	assert_non_null(mf);
	buf_init(&b, 0);
	buf_puts(&b, "");
	for (clistiter *it = clist_begin(mf->fld_list); it; it = clist_next(it)) {
		struct mailmime_field *fld = clist_content(it);
		if (fld->fld_type != MAILMIME_FIELD_DISPOSITION)
			continue;
		assert_int_equal(fld->fld_data.fld_disposition->dsp_type->dsp_type,
		    MAILMIME_DISPOSITION_TYPE_ATTACHMENT);
		for (clistiter *pi = clist_begin(
		    fld->fld_data.fld_disposition->dsp_parms); pi;
		    pi = clist_next(pi)) {
			struct mailmime_disposition_parm *pa = clist_content(pi);
			const char *name, *v;
			int n;
			if (pa->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME) {
				res = strdup(pa->pa_data.pa_filename);
				continue;
			}
			if (pa->pa_type != MAILMIME_DISPOSITION_PARM_PARAMETER)
				continue;
			name = pa->pa_data.pa_parameter->pa_name;
			v = pa->pa_data.pa_parameter->pa_value;
			if (strcasecmp(name, "filename*") == 0)
				assert_int_equal(sect, 0);
			else {
				/* sections must come in order */
				assert_int_equal(sscanf(name, "filename*%d*", &n), 1);
				assert_int_equal(n, sect);
			}
			sect++;
			if (b.len == 0) {
				assert_int_equal(strncmp(v, "UTF-8''", 7), 0);
				v += 7;
			}
			for (; *v; v++) {
				unsigned x;
				if (*v == '%') {
					assert_int_equal(sscanf(v + 1, "%2x", &x), 1);
					buf_putc(&b, (char)x);
					v += 2;
				} else
					buf_putc(&b, *v);
			}
		}
	}
	if (res != NULL) {
		assert_int_equal(b.len, 0);
		buf_free(&b);
		return res;
	}
	assert_true(b.len > 0);
	return buf_steal(&b);
}

static void
test_mailout_attachments(void **state)
{
	unsigned char bin[1000];
	char *longname = repeat("Übersicht ", 12);
	char *longname_trimmed = str_trim(xstrdup(longname));
	const struct mailout_attachment atts[] = {
		{ "text/csv; charset=utf-8", "bestellung-SO-2026-000042.csv",
		  "Pos;Artikel;Menge\n1;Papier A4;5\n", 32 },
		{ "application/octet-stream", "daten.bin", (const char *)bin,
		  sizeof(bin) },
		{ "application/xml", "Bestellübersicht für Müller.xml",
		  "<a>ä</a>", 9 },
		{ "text/plain", longname, "", 0 },
		{ NULL, "say \"hi\" \\ there.txt", "hi", 2 },
		{ "application/pdf", "a\r\nBcc: evil@x.pdf", "%PDF", 4 },
	};
	const char *want_names[] = {
		"bestellung-SO-2026-000042.csv", "daten.bin",
		"Bestellübersicht für Müller.xml", NULL,
		"say \"hi\" \\ there.txt", "a  Bcc: evil@x.pdf",
	};
	const char *want_types[] = {
		"csv", "octet-stream", "xml", "plain", "octet-stream", "pdf",
	};
	struct mailout m;
	struct mailmime *mime, *body;
	char *msg, *got, *boundary, *want;
	clistiter *it;
	size_t len, i;
	const char *ct;

	(void)state;
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7);
	mailout_init(&m);
	m.subject = "Bestellung mit Anhängen";
	m.body = "Anbei die Bestellung.\n.\n";
	m.attachments = atts;
	m.nattachments = SO_NELEM(atts);
	msg = compose(&m);

	ct = strstr(msg, "boundary=\"");
	assert_non_null(ct);
	boundary = xstrndup(ct + 10, (size_t)(strchr(ct + 10, '"') - ct - 10));
	assert_int_equal(strlen(boundary), 5 + 32);
	check_lines(msg, boundary);
	check_encoded_words(msg);
	assert_null(strstr(msg, "\r\nBcc:"));

	mime = parse(msg);
	body = mime->mm_data.mm_message.mm_msg_mime;
	assert_int_equal(body->mm_type, MAILMIME_MULTIPLE);
	assert_string_equal(body->mm_content_type->ct_subtype, "mixed");
	assert_int_equal(clist_count(body->mm_data.mm_multipart.mm_mp_list),
	    1 + SO_NELEM(atts));
	it = clist_begin(body->mm_data.mm_multipart.mm_mp_list);
	got = decode_part(clist_content(it), &len);
	want = expected_body(m.body);
	assert_string_equal(got, want);
	free(want);
	free(got);
	for (i = 0, it = clist_next(it); it; it = clist_next(it), i++) {
		struct mailmime *part = clist_content(it);
		got = decode_part(part, &len);
		assert_int_equal(len, atts[i].len);
		assert_memory_equal(got, atts[i].data, len);
		free(got);
		assert_string_equal(part->mm_content_type->ct_subtype,
		    want_types[i]);
		got = disposition_filename(part);
		if (strcmp(got, want_names[i] ? want_names[i] :
		    longname_trimmed) != 0)
			fail_msg("attachment %zu: filename '%s'", i, got);
		free(got);
	}
	assert_non_null(strstr(msg, "Content-Disposition: attachment; "
	    "filename=\"say \\\"hi\\\" \\\\ there.txt\"\r\n"));
	mailmime_free(mime);
	free(msg);

	/* two messages, two boundaries */
	msg = compose(&m);
	assert_null(strstr(msg, boundary));
	free(msg);
	free(boundary);
	free(longname);
	free(longname_trimmed);
}

static void
test_mailout_message_id(void **state)
{
	struct {
		const char *tag, *domain, *prefix, *suffix;
	} cases[] = {
		{ "SO-2026-000042", "exempla.test", "so.SO-2026-000042.", "@exempla.test" },
		{ NULL, "exempla.test", "so.", "@exempla.test" },
		{ "", "exempla.test", "so.", "@exempla.test" },
		{ "SO/2026 ä<>@", "exempla.test", "so.SO-2026------.", "@exempla.test" },
		{ "x", NULL, "so.x.", "@localhost" },
		{ "x", "evil>\r\n@x", "so.x.", "@evil----x" },
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(cases); i++) {
		char *a = mailout_message_id(cases[i].tag, cases[i].domain);
		char *b = mailout_message_id(cases[i].tag, cases[i].domain);
		size_t pl = strlen(cases[i].prefix), sl = strlen(cases[i].suffix);
		struct mailout m;
		char *msg;

		assert_string_not_equal(a, b);
		if (strncmp(a, cases[i].prefix, pl) != 0 ||
		    strlen(a) != pl + 32 + sl ||
		    strcmp(a + pl + 32, cases[i].suffix) != 0)
			fail_msg("row %zu: '%s'", i, a);
		assert_int_equal(strspn(a + pl, "0123456789abcdef"), 32);
		/* what we make, we can send */
		mailout_init(&m);
		m.message_id = a;
		msg = compose(&m);
		free(msg);
		free(a);
		free(b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailout_roundtrip),
		cmocka_unit_test(test_mailout_qp_lines),
		cmocka_unit_test(test_mailout_headers),
		cmocka_unit_test(test_mailout_references),
		cmocka_unit_test(test_mailout_addr_ok),
		cmocka_unit_test(test_mailout_must_fail),
		cmocka_unit_test(test_mailout_too_large),
		cmocka_unit_test(test_mailout_attachments),
		cmocka_unit_test(test_mailout_message_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
