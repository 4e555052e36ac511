/* SPDX-License-Identifier: MIT */
/*
 * test_form - table tests for parsers/form.c: every form shape (plain text of
 * the shared sample mails, HTML tables as TYPO3 powermail and Gravity Forms
 * send them, the JSON attachment), the merge of text and HTML, label
 * variants, a custom profile, broken profiles, and the limits (positions,
 * lines, PCRE2 match limit against a catastrophic pattern).
 *
 * The text and HTML parts of the shared sample mails are cut out of the .eml
 * files by a small test-only MIME reader (quoted-printable only), so these
 * tests do not depend on the MIME module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "form.h"
#include "util.h"

/* The sample mails of the specification, shipped as the demo mails. */
#define SAMPLES "contrib/demo/mails/"
#define DATA "tests/data/"
#define NO_FORM "Die Nachricht enth\xc3\xa4lt kein erkennbares Bestellformular"
#define TOO_MANY "Zu viele Positionen (mehr als 500)."
#define STK "St\xc3\xbc" "ck"

/* ---- inputs ---- */

static char *
slurp(const char *path, size_t *len_r)
{
	const char *err = NULL;
	char *data = NULL;
	size_t len = 0;

	if (file_read(path, 16 * 1024 * 1024, &data, &len, &err) == -1)
		fail_msg("%s", err);
	if (len_r)
		*len_r = len;
	return data;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *
qp_decode(const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 1 < n && s[i + 1] == '\n') {
			i++;
		} else if (s[i] == '=' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			buf_putc(&b, (char)(hexval(s[i + 1]) * 16 +
			    hexval(s[i + 2])));
			i += 2;
		} else
			buf_putc(&b, s[i]);
	}
	return buf_steal(&b);
}

/* Body of one part with headers hdr[0..hlen) and body body[0..blen). */
static char *
part_body(const char *hdr, size_t hlen, const char *body, size_t blen)
{
	char *h = xstrndup(hdr, hlen), *r;

	if (str_casestr(h, "quoted-printable") != NULL)
		r = qp_decode(body, blen);
	else
		r = xstrndup(body, blen);
	free(h);
	return r;
}

static int
has_type(const char *hdr, size_t hlen, const char *type)
{
	char *h = xstrndup(hdr, hlen);
	int r = str_casestr(h, type) != NULL;

	free(h);
	return r;
}

/* The first part of content type type in the .eml at path. */
static char *
eml_part(const char *path, const char *type)
{
	char *data = slurp(path, NULL), *r = NULL, *delim, *o;
	const char *body, *b, *p;
	size_t blen;

	/* CRLF to LF, as the MIME layer hands text to form_parse(). */
	o = data;
	for (const char *i = data; *i; i++)
		if (!(i[0] == '\r' && i[1] == '\n'))
			*o++ = *i;
	*o = '\0';
	body = strstr(data, "\n\n");
	assert_non_null(body);
	body += 2;
	if ((b = str_casestr(data, "boundary=\"")) == NULL || b > body) {
		if (has_type(data, (size_t)(body - data), type))
			r = part_body(data, (size_t)(body - data), body,
			    strlen(body));
		free(data);
		return r;
	}
	b += strlen("boundary=\"");
	delim = xasprintf("\n--%.*s", (int)strcspn(b, "\""), b);
	blen = strlen(delim);
	for (p = strstr(body - 1, delim); p && r == NULL; ) {
		const char *ph = p + blen, *pb, *next;

		if (strncmp(ph, "--", 2) == 0)
			break;
		ph = strchr(ph, '\n');
		assert_non_null(ph);
		ph++;
		pb = strstr(ph, "\n\n");
		assert_non_null(pb);
		pb += 2;
		next = strstr(pb - 1, delim);
		assert_non_null(next);
		if (has_type(ph, (size_t)(pb - ph), type))
			r = part_body(ph, (size_t)(pb - ph), pb,
			    (size_t)(next - pb));
		p = next;
	}
	free(delim);
	free(data);
	return r;
}

/*
 * An input spec: NULL; "eml:NAME" (part of a shared sample mail);
 * "file:NAME" (a file in tests/data); anything else is the text itself.
 */
static char *
load(const char *spec, const char *type, size_t *len_r)
{
	char *path, *r;

	if (spec == NULL)
		return NULL;
	if (strncmp(spec, "eml:", 4) == 0) {
		path = xasprintf(SAMPLES "%s", spec + 4);
		r = eml_part(path, type);
		assert_non_null(r);
	} else if (strncmp(spec, "file:", 5) == 0) {
		path = xasprintf(DATA "%s", spec + 5);
		r = slurp(path, len_r);
	} else {
		path = NULL;
		r = xstrdup(spec);
	}
	free(path);
	if (len_r && r)
		*len_r = strlen(r);
	return r;
}

static struct form_profile *
profile(const char *file)
{
	struct form_profile *p;
	const char *err = NULL;
	char *path;

	if (file == NULL)
		return form_profile_default();
	path = xasprintf(DATA "%s", file);
	p = form_profile_load(path, &err);
	if (p == NULL)
		fail_msg("%s: %s", path, err);
	free(path);
	return p;
}

/* ---- the form table ---- */

struct form_case {
	const char *name;
	const char *profile;            /* file in tests/data, NULL: default */
	const char *plain, *html, *json;
	const char *source;             /* NULL: form_parse must fail */
	const char *error;              /* must fail: start of the message */
	const char *field[FF_COUNT];    /* NULL: must be absent */
	const char *oe_code;
	size_t npos;
	const char *pos[4][6];          /* the first (up to) four positions */
};

#define FIELDS_01 { "Max Mustermann", "requester1@exempla.test", \
	"04331 202-117", "10.2 Personalamt", "1020", "RH-214", "04.12.2026", \
	"Bitte im Sekretariat abgeben" }
#define POS_01_1 { "1", "100234", "Kopierpapier A4 80 g/m\xc2\xb2, 500 Blatt", \
	"5", "Pack", "" }

static const struct form_case form_cases[] = {
	{ .name = "01 standard: all fields and three positions",
	  .plain = "eml:01-standard.eml", .source = "text",
	  .field = FIELDS_01, .oe_code = "10.2", .npos = 3,
	  .pos = { POS_01_1,
	    { "2", "200511", "Kugelschreiber blau", "10", STK, "" },
	    { "3", "300100", "Ordner A4 breit, grau", "12", STK, "" } } },
	{ .name = "02 free-text item: empty article number and a price",
	  .plain = "eml:02-freitext.eml", .source = "text",
	  .field = { "Erika Musterfrau", "requester2@exempla.test",
	    "04331 202-117", "60 Bauamt", "6000", "BA-101", "04.12.2026",
	    "Bitte im Sekretariat abgeben" }, .oe_code = "60", .npos = 2,
	  .pos = { { "1", "410010", "Textmarker gelb", "4", STK, "" },
	    { "2", "", "Ergonomische Maus, vertikal, kabellos", "1",
	      STK, "39,90" } } },
	{ .name = "05 multipart/alternative: the text part is preferred",
	  .plain = "eml:05-html-alternative.eml",
	  .html = "eml:05-html-alternative.eml", .source = "text",
	  .field = FIELDS_01, .oe_code = "10.2", .npos = 1, .pos = { POS_01_1 } },
	{ .name = "05 HTML part alone: the label/value table",
	  .html = "eml:05-html-alternative.eml", .source = "html",
	  .field = { "Max Mustermann", "requester1@exempla.test", NULL,
	    "10.2 Personalamt", "1020", "RH-214", NULL, NULL },
	  .oe_code = "10.2", .npos = 0 },
	{ .name = "HTML-only mail with <th> labels and a positions table",
	  .html = "file:form-html-th.html", .source = "html",
	  .field = { "Max Mustermann", "requester1@exempla.test", NULL,
	    "10.2 Personalamt", "1020", "RH-214", "04.12.2026", NULL },
	  .oe_code = "10.2", .npos = 2,
	  .pos = { { "1", "300220", "Heftklammern 24/6", "2", "Schachtel", "" },
	    { "2", "500300", "Haftnotizen 76x76 gelb", "8", "Block", "" } } },
	{ .name = "TYPO3 powermail: labels with ':', header maps the columns",
	  .html = "file:form-powermail.html", .source = "html",
	  .field = { "J\xc3\xbcrgen Wei\xc3\x9f", "sgl102@exempla.test", NULL,
	    "10.2 Personalamt", "1020", "RH-214", "11.12.2026",
	    "Bitte \xe2\x80\x9e" "dringend\xe2\x80\x9c ins Vorzimmer & nicht "
	    "in die Poststelle" }, .oe_code = "10.2", .npos = 3,
	  .pos = { POS_01_1,
	    { "2", "410010", "Textmarker gelb", "4", STK, "" },
	    { "3", "", "Ergonomische Maus, vertikal", "1", STK,
	      "39,90 \xe2\x82\xac" } } },
	{ .name = "Gravity Forms: nested tables, label row then value row",
	  .html = "file:form-gravity.html", .source = "html",
	  .field = { "Erika Musterfrau", "requester2@exempla.test", NULL,
	    "60 Bauamt", "6000", "BA-101", "04.12.2026",
	    "Zeile eins Zeile zwei" }, .oe_code = "60", .npos = 2,
	  .pos = { { "1", "410010", "Textmarker gelb", "4", STK, "" },
	    { "2", "", "Ergonomische Maus, vertikal, kabellos", "1",
	      STK, "39,90" } } },
	{ .name = "HTML rows without a header: default column order",
	  .html = "<table><tr><td>Besteller:</td><td>A. Beispiel</td></tr>"
	    "<tr><td>1</td><td>100234</td><td>Papier</td><td>5</td>"
	    "<td>Pack</td></tr><tr><td>2</td><td></td><td>Maus</td><td>1</td>"
	    "<td>St&uuml;ck</td><td>39,90</td></tr>"
	    "<tr><td>x</td><td>1</td><td>2</td><td>3</td><td>4</td></tr>"
	    "<tr><td>3</td><td>1</td><td>2</td><td>3</td></tr></table>",
	  .source = "html",
	  .field = { "A. Beispiel" }, .npos = 2,
	  .pos = { { "1", "100234", "Papier", "5", "Pack", "" },
	    { "2", "", "Maus", "1", STK, "39,90" } } },
	{ .name = "HTML: rows of three filled cells are no label rows",
	  .html = "<table><tr><th>Name</th><th>Telefon</th><th>Raum</th></tr>"
	    "<tr><td>Besteller</td><td>B. Richtig</td></tr></table>",
	  .source = "html", .field = { "B. Richtig" }, .npos = 0 },
	{ .name = "HTML without tables is read as text",
	  .html = "file:form-html-absaetze.html", .source = "html",
	  .field = { "Max Mustermann", "requester1@exempla.test", NULL, NULL,
	    "1020" }, .npos = 1, .pos = { POS_01_1 } },
	{ .name = "text with positions, HTML adds the missing fields",
	  .plain = "file:form-merge-ohne-kst.txt",
	  .html = "eml:05-html-alternative.eml", .source = "text",
	  .field = { "Max Mustermann", "requester1@exempla.test", NULL,
	    "10.2 Personalamt", "1020", "RH-214", NULL, NULL },
	  .oe_code = "10.2", .npos = 1, .pos = { POS_01_1 } },
	{ .name = "text without positions: HTML is used, text fills gaps",
	  .plain = "file:form-merge-nur-kopf.txt",
	  .html = "file:form-powermail.html", .source = "html",
	  .field = { "J\xc3\xbcrgen Wei\xc3\x9f", "sgl102@exempla.test",
	    "04331 202-117", "10.2 Personalamt", "1020", "RH-214", "11.12.2026",
	    "Bitte \xe2\x80\x9e" "dringend\xe2\x80\x9c ins Vorzimmer & nicht "
	    "in die Poststelle" }, .oe_code = "10.2", .npos = 3,
	  .pos = { POS_01_1 } },
	{ .name = "text without positions, HTML without positions either",
	  .plain = "file:form-merge-nur-kopf.txt",
	  .html = "eml:05-html-alternative.eml", .source = "text",
	  .field = { "Max Mustermann", "requester1@exempla.test",
	    "04331 202-117", "10.2 Personalamt", "1020", "RH-214", NULL,
	    "aus dem Klartext" }, .oe_code = "10.2", .npos = 0 },
	{ .name = "06 JSON attachment (decoded copy)",
	  .plain = "eml:06-json-anhang.eml", .json = "file:form-06-anhang.json",
	  .source = "json",
	  .field = { "Max Mustermann", "requester1@exempla.test", NULL, "10.2",
	    "1020", "RH-214", "2026-12-04", NULL }, .oe_code = "10.2",
	  .npos = 1, .pos = { POS_01_1 } },
	{ .name = "JSON: numbers as literal text, strings for menge, null",
	  .json = "file:form-json-freitext.json", .source = "json",
	  .field = { "Erika Musterfrau", "requester2@exempla.test", NULL,
	    "60 Bauamt", "6000", "BA-101", "2026-12-04",
	    "Zeile eins Zeile zwei \xe2\x80\x93 mit \"Zitat\"" },
	  .oe_code = "60", .npos = 3,
	  .pos = { { "1", "410010", "Textmarker gelb", "4", STK, "" },
	    { "2", "", "Ergonomische Maus, vertikal, kabellos", "1",
	      STK, "39.9" },
	    { "7", "", "Mauspad", "2.5e0", STK, "4,50" } } },
	{ .name = "JSON without form keys is ignored: the text is read",
	  .plain = "eml:01-standard.eml",
	  .json = "file:form-json-ohne-formular.json",
	  .source = "text", .field = FIELDS_01, .oe_code = "10.2", .npos = 3,
	  .pos = { POS_01_1 } },
	{ .name = "JSON array at the top is no form either",
	  .plain = "eml:01-standard.eml", .json = "[1, 2, 3]",
	  .source = "text", .field = FIELDS_01, .oe_code = "10.2", .npos = 3,
	  .pos = { POS_01_1 } },
	{ .name = "JSON without form keys and no text: no form",
	  .json = "file:form-json-ohne-formular.json", .error = NO_FORM },
	{ .name = "broken JSON fails even with a good text part",
	  .plain = "eml:01-standard.eml", .json = "file:form-json-kaputt.json",
	  .error = "Der JSON-Anhang ist nicht lesbar: Schl\xc3\xbcssel in "
	    "Anf\xc3\xbchrungszeichen erwartet (Zeichen 88)." },
	{ .name = "truncated JSON",
	  .json = "{\"besteller\": \"Max", .error = "Der JSON-Anhang ist nicht "
	    "lesbar: das Dokument endet unerwartet (Zeichen 18)." },
	{ .name = "JSON with text after the document",
	  .json = "{\"besteller\": \"Max\"} x", .error = "Der JSON-Anhang ist "
	    "nicht lesbar: Zeichen nach dem Ende des Dokuments (Zeichen 21)." },
	{ .name = "JSON field that is a list",
	  .json = "{\"besteller\": [\"Max\"]}",
	  .error = "Im JSON-Anhang hat das Feld \"besteller\" keinen" },
	{ .name = "JSON positionen that is no list",
	  .json = "{\"besteller\": \"Max\", \"positionen\": {\"menge\": 1}}",
	  .error = "Im JSON-Anhang ist \"positionen\" keine Liste." },
	{ .name = "JSON position that is no object",
	  .json = "{\"positionen\": [{\"menge\": 1}, 2]}",
	  .error = "Im JSON-Anhang ist Position 2 kein Objekt." },
	{ .name = "JSON position with a boolean quantity",
	  .json = "{\"positionen\": [{\"menge\": true}]}",
	  .error = "Im JSON-Anhang hat Position 1 im Feld \"menge\"" },
	{ .name = "label variants, decoration, long line, odd rows",
	  .plain = "file:form-varianten.txt", .source = "text",
	  .field = { "Erika Musterfrau", "requester2@exempla.test",
	    "04331 202-118", "60 Bauamt", "6000", "BA-101", "2026-12-04",
	    "Bitte klingeln" }, .oe_code = "60", .npos = 2,
	  .pos = { { "1", "410010", "Textmarker gelb", "4", STK, "" },
	    { "2.", "", "Ergonomische Maus: vertikal", "1", STK,
	      "39,90" } } },
	{ .name = "custom profile: \"Artikel 1: 100234 x 5\" lines",
	  .profile = "form-profile-artikel.ini",
	  .plain = "file:form-artikel.txt", .source = "text",
	  .field = { "Max Mustermann", NULL, NULL, "10.2 Personalamt", "1020",
	    "RH-214" }, .oe_code = "10.2", .npos = 2,
	  .pos = { { "1", "100234", "", "5", "", "" },
	    { "2", "200511", "", "10", STK, "" } } },
	{ .name = "the same text with the default profile has no positions",
	  .plain = "file:form-artikel.txt", .source = "text",
	  .field = { "Max Mustermann", NULL, NULL, "10.2 Personalamt", "1020" },
	  .oe_code = "10.2", .npos = 0 },
	{ .name = "positions before the \"Positionen:\" line are not read",
	  .plain = "Besteller: X\n1 | 100234 | Papier | 5 | Pack |\n",
	  .source = "text", .field = { "X" }, .npos = 0 },
	{ .name = "empty value and CRLF line ends",
	  .plain = "Besteller:\r\nE-Mail: a@b.test\r\nName: Spaeter\r\n",
	  .source = "text", .field = { "Spaeter", "a@b.test" }, .npos = 0 },
	{ .name = "08 status question: no form",
	  .plain = "eml:08-status-anfrage.eml", .error = NO_FORM },
	{ .name = "09 out of office: no form",
	  .plain = "eml:09-abwesenheit.eml", .error = NO_FORM },
	{ .name = "empty text and empty HTML: no form",
	  .plain = "", .html = "<html></html>", .error = NO_FORM },
	{ .name = "no input at all: no form", .error = NO_FORM },
	{ .name = "match limit 1: no pattern can finish, so no form",
	  .profile = "form-profile-tiny-limit.ini",
	  .plain = "eml:01-standard.eml", .error = NO_FORM },
};

static void
check_form(const struct form_case *tc, const struct form_profile *p,
    const struct form *f)
{
	char *oe;

	assert_string_equal(f->source, tc->source);
	for (int i = 0; i < FF_COUNT; i++) {
		if (tc->field[i] == NULL && f->field[i] != NULL)
			fail_msg("%s: field %s should be absent, is \"%s\"",
			    tc->name, form_field_key(i), f->field[i]);
		if (tc->field[i] != NULL && f->field[i] == NULL)
			fail_msg("%s: field %s missing", tc->name,
			    form_field_key(i));
		if (tc->field[i] != NULL)
			assert_string_equal(f->field[i], tc->field[i]);
	}
	if (tc->oe_code != NULL) {
		oe = form_oe_code(p, f->field[FF_OE]);
		assert_string_equal(oe, tc->oe_code);
		free(oe);
	}
	if (f->npositions != tc->npos)
		fail_msg("%s: %zu positions, expected %zu", tc->name,
		    f->npositions, tc->npos);
	/* Rows of tc->pos left out of a case are not compared. */
	for (size_t i = 0; i < tc->npos && i < 4 && tc->pos[i][0]; i++) {
		const struct form_position *fp = &f->positions[i];
		const char *got[6] = { fp->pos, fp->artikelnr, fp->bezeichnung,
		    fp->menge, fp->einheit, fp->preis };

		for (int k = 0; k < 6; k++) {
			assert_non_null(got[k]);
			if (strcmp(got[k], tc->pos[i][k]) != 0)
				fail_msg("%s: position %zu column %d is \"%s\", "
				    "expected \"%s\"", tc->name, i + 1, k,
				    got[k], tc->pos[i][k]);
		}
	}
}

static void
test_form_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(form_cases); i++) {
		const struct form_case *tc = &form_cases[i];
		struct form_profile *p = profile(tc->profile);
		struct form_input in;
		struct form *f = NULL;
		const char *err = NULL;
		int rc;

		print_message("form: %s\n", tc->name);
		memset(&in, 0, sizeof(in));
		in.text_plain = load(tc->plain, "text/plain", NULL);
		in.text_html = load(tc->html, "text/html", NULL);
		in.json = load(tc->json, "application/json", &in.json_len);
		rc = form_parse(p, &in, &f, &err);
		if (tc->source == NULL) {
			if (rc != -1)
				fail_msg("%s: parsed, should fail", tc->name);
			assert_non_null(err);
			if (strncmp(err, tc->error, strlen(tc->error)) != 0)
				fail_msg("%s: error \"%s\", expected \"%s\"",
				    tc->name, err, tc->error);
		} else {
			if (rc != 0)
				fail_msg("%s: failed: %s", tc->name, err);
			check_form(tc, p, f);
			form_free(f);
		}
		free((char *)in.text_plain);
		free((char *)in.text_html);
		free((char *)in.json);
		form_profile_free(p);
	}
}

/* ---- limits on generated input ---- */

static char *
text_with_rows(size_t nrows)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "Besteller: Max Mustermann\nPositionen:\n"
	    "Pos | Artikelnr. | Bezeichnung | Menge | Einheit | Preis\n");
	for (size_t i = 1; i <= nrows; i++)
		buf_printf(&b, "%zu | 100234 | Papier | 1 | Pack | \n", i);
	return buf_steal(&b);
}

static char *
html_with_rows(size_t nrows)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "<table><tr><td>Besteller</td><td>Max</td></tr>");
	for (size_t i = 1; i <= nrows; i++)
		buf_printf(&b, "<tr><td>%zu</td><td>100234</td><td>Papier</td>"
		    "<td>1</td><td>Pack</td></tr>", i);
	buf_puts(&b, "</table>");
	return buf_steal(&b);
}

static char *
json_with_rows(size_t nrows)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "{\"besteller\": \"Max\", \"positionen\": [");
	for (size_t i = 1; i <= nrows; i++)
		buf_printf(&b, "%s{\"artikelnr\": \"100234\", \"menge\": 1}",
		    i > 1 ? "," : "");
	buf_puts(&b, "]}");
	return buf_steal(&b);
}

static void
test_form_position_limit(void **state)
{
	static const struct {
		char *(*make)(size_t);
		int slot;               /* 0 text, 1 html, 2 json */
		size_t nrows;
		int ok;
	} cases[] = {
		{ text_with_rows, 0, 500, 1 }, { text_with_rows, 0, 501, 0 },
		{ text_with_rows, 0, 600, 0 },
		{ html_with_rows, 1, 500, 1 }, { html_with_rows, 1, 600, 0 },
		{ json_with_rows, 2, 500, 1 }, { json_with_rows, 2, 600, 0 },
	};
	struct form_profile *p = form_profile_default();

	(void)state;
	for (size_t i = 0; i < SO_NELEM(cases); i++) {
		char *s = cases[i].make(cases[i].nrows);
		struct form_input in;
		struct form *f = NULL;
		const char *err = NULL;

		memset(&in, 0, sizeof(in));
		if (cases[i].slot == 0)
			in.text_plain = s;
		else if (cases[i].slot == 1)
			in.text_html = s;
		else {
			in.json = s;
			in.json_len = strlen(s);
		}
		if (cases[i].ok) {
			assert_int_equal(form_parse(p, &in, &f, &err), 0);
			assert_int_equal(f->npositions, cases[i].nrows);
			assert_string_equal(f->positions[499].pos, "500");
			form_free(f);
		} else {
			assert_int_equal(form_parse(p, &in, &f, &err), -1);
			assert_string_equal(err, TOO_MANY);
		}
		free(s);
	}
	form_profile_free(p);
}

static void
test_form_line_limit(void **state)
{
	struct form_profile *p = form_profile_default();
	struct form_input in;
	struct form *f = NULL;
	const char *err = NULL;
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "Besteller: Max\n");
	for (int i = 0; i < 20000; i++)
		buf_puts(&b, "\n");
	memset(&in, 0, sizeof(in));
	in.text_plain = buf_cstr(&b);
	assert_int_equal(form_parse(p, &in, &f, &err), -1);
	assert_string_equal(err, "Der Formulartext ist zu lang (mehr als 20000 "
	    "Zeilen).");
	/* One line less is fine. */
	b.data[--b.len] = '\0';
	assert_int_equal(form_parse(p, &in, &f, &err), 0);
	assert_string_equal(f->field[FF_BESTELLER], "Max");
	form_free(f);
	buf_free(&b);
	form_profile_free(p);
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * positions_start = ^(a+)+$ against "aaa...ab": without a match limit each
 * such line would take longer than the age of the universe (2^60 paths).
 * With the limit, each line is given up quickly and treated as no match.
 */
static void
test_form_catastrophic_pattern(void **state)
{
	struct form_profile *p = profile("form-profile-backtrack.ini");
	struct form_input in;
	struct form *f = NULL;
	const char *err = NULL;
	struct buf b;
	double t0;
	char line[62];

	(void)state;
	memset(line, 'a', 59);
	line[59] = 'b';
	line[60] = '\n';
	line[61] = '\0';
	buf_init(&b, 0);
	buf_puts(&b, "Besteller: Max Mustermann\n");
	for (int i = 0; i < 50; i++)
		buf_puts(&b, line);
	buf_puts(&b, "1 | 100234 | Papier | 5 | Pack |\nKostenstelle: 1020\n");
	memset(&in, 0, sizeof(in));
	in.text_plain = buf_cstr(&b);

	t0 = now_seconds();
	assert_int_equal(form_parse(p, &in, &f, &err), 0);
	if (now_seconds() - t0 > 10.0)
		fail_msg("50 catastrophic lines took %.1f s",
		    now_seconds() - t0);
	/* The start line never matched, so the row is no position. */
	assert_int_equal(f->npositions, 0);
	assert_string_equal(f->field[FF_BESTELLER], "Max Mustermann");
	assert_string_equal(f->field[FF_KOSTENSTELLE], "1020");
	form_free(f);

	/* Control: a line the pattern does match starts the table. */
	buf_reset(&b);
	buf_puts(&b, "Besteller: Max Mustermann\naaaaaaaa\n"
	    "1 | 100234 | Papier | 5 | Pack |\n");
	in.text_plain = buf_cstr(&b);
	assert_int_equal(form_parse(p, &in, &f, &err), 0);
	assert_int_equal(f->npositions, 1);
	assert_string_equal(f->positions[0].artikelnr, "100234");
	form_free(f);
	buf_free(&b);
	form_profile_free(p);
}

/* ---- profiles ---- */

static const struct {
	const char *file;
	const char *error;      /* NULL: must load */
} profile_cases[] = {
	{ DATA "form-profile-artikel.ini", NULL },
	{ DATA "form-profile-backtrack.ini", NULL },
	{ DATA "form-profile-tiny-limit.ini", NULL },
	{ "contrib/form-profile.ini", NULL },
	{ DATA "form-profile-bad-regex.ini", DATA "form-profile-bad-regex.ini:4: "
	  "label_line: pattern does not compile at offset 29: missing closing "
	  "parenthesis" },
	{ DATA "form-profile-bad-label.ini", DATA "form-profile-bad-label.ini:2: "
	  "oe: pattern does not compile" },
	{ DATA "form-profile-missing-group.ini",
	  DATA "form-profile-missing-group.ini:4: label_line: pattern lacks "
	  "group 'value'" },
	{ DATA "form-profile-missing-posgroup.ini",
	  DATA "form-profile-missing-posgroup.ini:2: position_row: pattern "
	  "lacks group 'artikelnr' or 'bezeichnung'" },
	{ DATA "form-profile-unknown-key.ini",
	  DATA "form-profile-unknown-key.ini:3: abteilung: unknown key" },
	{ DATA "form-profile-unknown-section.ini",
	  DATA "form-profile-unknown-section.ini:1: [label]: unknown section" },
	{ DATA "form-profile-bad-limit.ini",
	  DATA "form-profile-bad-limit.ini:3: depth_limit: \"10k\" is not a "
	  "number from 1 to 1000000" },
	{ DATA "form-profile-no-equals.ini",
	  DATA "form-profile-no-equals.ini:2: besteller ^Name$: expected "
	  "\"key = value\"" },
	{ DATA "form-profile-twice.ini",
	  DATA "form-profile-twice.ini:3: email: given twice" },
	{ DATA "form-profile-outside.ini",
	  DATA "form-profile-outside.ini:1: besteller: key outside of a section" },
	{ DATA "form-profile-empty-pattern.ini",
	  DATA "form-profile-empty-pattern.ini:2: label_line: pattern is empty" },
	{ DATA "form-profile-does-not-exist.ini",
	  "open(" DATA "form-profile-does-not-exist.ini) failed: No such file" },
};

static void
test_form_profile_load(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(profile_cases); i++) {
		const char *err = NULL;
		struct form_profile *p;

		print_message("profile: %s\n", profile_cases[i].file);
		p = form_profile_load(profile_cases[i].file, &err);
		if (profile_cases[i].error == NULL) {
			if (p == NULL)
				fail_msg("%s", err);
			form_profile_free(p);
			continue;
		}
		assert_null(p);
		assert_non_null(err);
		if (strncmp(err, profile_cases[i].error,
		    strlen(profile_cases[i].error)) != 0)
			fail_msg("error \"%s\", expected \"%s\"", err,
			    profile_cases[i].error);
	}
}

/* "section.key=value" lines of an INI text, sorted, comments dropped. */
static char *
ini_pairs(const char *text)
{
	char **pair = NULL, *copy = xstrdup(text), *line, *save = NULL;
	char section[64] = "";
	size_t n = 0;
	struct buf b;

	for (line = strtok_r(copy, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *eq;

		str_trim(line);
		if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			snprintf(section, sizeof(section), "%s", line);
			continue;
		}
		assert_non_null(eq = strchr(line, '='));
		*eq = '\0';
		pair = xreallocarray(pair, n + 1, sizeof(*pair));
		pair[n++] = xasprintf("%s.%s=%s", section, str_trim(line),
		    str_trim(eq + 1));
	}
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && strcmp(pair[k - 1], pair[k]) > 0;
		    k--) {
			char *t = pair[k];

			pair[k] = pair[k - 1];
			pair[k - 1] = t;
		}
	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "%s\n", pair[i]);
		free(pair[i]);
	}
	free(pair);
	free(copy);
	return buf_steal(&b);
}

/* contrib/form-profile.ini must say exactly what the built-in profile says. */
static void
test_form_profile_contrib_matches_builtin(void **state)
{
	char *file = slurp("contrib/form-profile.ini", NULL);
	char *a = ini_pairs(form_profile_builtin_text());
	char *b = ini_pairs(file);

	(void)state;
	assert_non_null(strstr(a, "[patterns].position_row="));
	assert_non_null(strstr(a, "[limits].match_limit=100000\n"));
	assert_non_null(strstr(a, "[limits].depth_limit=1000\n"));
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(file);
}

static void
test_form_oe_code(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "10.2 Personalamt", "10.2" },
		{ "60 Bauamt", "60" },
		{ "  32  ", "32" },
		{ "10.2", "10.2" },
		{ "1.2.3 Sachgebiet", "1.2.3" },
		{ "10. Amt", "10" },
		{ "Personalamt", "Personalamt" },
		{ " Personalamt (10.2) ", "Personalamt (10.2)" },
		{ "", "" },
		{ NULL, NULL },
	};
	struct form_profile *p = form_profile_default();

	(void)state;
	for (size_t i = 0; i < SO_NELEM(cases); i++) {
		char *code = form_oe_code(p, cases[i].in);

		if (cases[i].out == NULL)
			assert_null(code);
		else
			assert_string_equal(code, cases[i].out);
		free(code);
	}
	form_profile_free(p);
}

static void
test_form_field_key(void **state)
{
	static const char *const keys[FF_COUNT] = { "besteller", "email",
	    "telefon", "oe", "kostenstelle", "lieferort", "gewuenscht_bis",
	    "bemerkung" };

	(void)state;
	for (int i = 0; i < FF_COUNT; i++)
		assert_string_equal(form_field_key((enum form_field)i),
		    keys[i]);
	assert_null(form_field_key(FF_COUNT));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_table),
		cmocka_unit_test(test_form_position_limit),
		cmocka_unit_test(test_form_line_limit),
		cmocka_unit_test(test_form_catastrophic_pattern),
		cmocka_unit_test(test_form_profile_load),
		cmocka_unit_test(test_form_profile_contrib_matches_builtin),
		cmocka_unit_test(test_form_oe_code),
		cmocka_unit_test(test_form_field_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
