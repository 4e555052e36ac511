/* SPDX-License-Identifier: MIT */
/*
 * test_render - the template renderer: variables, lists with lookup in the
 * parent items, inverted sections, standalone lines, values that look like
 * tags, every syntax error with its line number, the output and work limits,
 * and render_mail() on the fixtures in tests/data/render-templates (including
 * names that try to leave the template directory).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "render.h"

#define TDIR "tests/data/render-templates"

/*
 * root: name=Max, empty="", tricky="{{name}}", umlaut, latin1 and
 * surrogate (not UTF-8), positions (2 items),
 * groups (2 items with members), people (1 item shadowing name), x (8 items).
 */
static struct tvars *
vars_fixture(void)
{
	struct tvars *v = tvars_new(), *it, *g;

	tvars_set(v, "name", "Max");
	tvars_set(v, "empty", "");
	tvars_set(v, "nullval", NULL);
	tvars_set(v, "tricky", "{{name}} {{#positions}}x{{/positions}}");
	tvars_set(v, "umlaut", "Grüße – äöü");
	/* Latin-1, a cut sequence, a surrogate: not UTF-8. */
	tvars_set(v, "latin1", "Gr\xfc\xdf" "e \xc3");
	tvars_set(v, "surrogate", "\xed\xa0\x80!");
	tvars_setf(v, "nr", "SO-%d-%06d", 2026, 42);
	it = tvars_add_item(v, "positions");
	tvars_set(it, "pos", "1");
	tvars_set(it, "text", "Papier A4");
	it = tvars_add_item(v, "positions");
	tvars_set(it, "pos", "2");
	tvars_set(it, "text", "Stifte");
	tvars_set(it, "note", "eilig");
	g = tvars_add_item(v, "groups");
	tvars_set(g, "g", "A");
	tvars_set(tvars_add_item(g, "members"), "m", "a1");
	tvars_set(tvars_add_item(g, "members"), "m", "a2");
	g = tvars_add_item(v, "groups");
	tvars_set(g, "g", "B");
	tvars_set(tvars_add_item(g, "members"), "m", "b1");
	tvars_set(tvars_add_item(v, "people"), "name", "Erika");
	return v;
}

struct render_case {
	const char *tmpl;
	const char *expected;   /* NULL: must fail */
	const char *error;      /* must-fail rows: expected error text */
};

#define DEEP16 "{{#name}}{{#name}}{{#name}}{{#name}}{{#name}}{{#name}}" \
	"{{#name}}{{#name}}{{#name}}{{#name}}{{#name}}{{#name}}{{#name}}" \
	"{{#name}}{{#name}}{{#name}}"
#define DEEP16_CLOSE "{{/name}}{{/name}}{{/name}}{{/name}}{{/name}}" \
	"{{/name}}{{/name}}{{/name}}{{/name}}{{/name}}{{/name}}{{/name}}" \
	"{{/name}}{{/name}}{{/name}}{{/name}}"

static const struct render_case render_cases[] = {
	/* variables */
	{ "Hallo {{name}}!", "Hallo Max!", NULL },
	{ "{{ name }}|{{\tname\t}}", "Max|Max", NULL },
	{ "[{{missing}}][{{empty}}][{{nullval}}]", "[][][]", NULL },
	{ "{{umlaut}}", "Grüße – äöü", NULL },
	/* found by fuzz_rendermail: a value could make the mail invalid UTF-8 */
	{ "{{latin1}}", "Gr\xef\xbf\xbd\xef\xbf\xbd" "e \xef\xbf\xbd", NULL },
	{ "{{surrogate}}", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!", NULL },
	{ "{{nr}}", "SO-2026-000042", NULL },
	{ "{{positions}}", "", NULL },
	{ "no tags at all\n", "no tags at all\n", NULL },
	{ "", "", NULL },
	{ "a } b }} c {", "a } b }} c {", NULL },
	/* a value is never rendered again */
	{ "{{tricky}}", "{{name}} {{#positions}}x{{/positions}}", NULL },
	/* lists, with lookup in the parents */
	{ "{{#positions}}{{pos}}:{{text}}({{name}});{{/positions}}",
	  "1:Papier A4(Max);2:Stifte(Max);", NULL },
	{ "{{#positions}}{{#note}}[{{note}}]{{/note}}{{/positions}}",
	  "[eilig]", NULL },
	{ "{{#positions}}{{^note}}<{{pos}} ohne>{{/note}}{{/positions}}",
	  "<1 ohne>", NULL },
	{ "{{#groups}}{{#members}}{{g}}/{{m}}/{{name}} {{/members}}{{/groups}}",
	  "A/a1/Max A/a2/Max B/b1/Max ", NULL },
	{ "{{#people}}{{name}}{{/people}}-{{name}}", "Erika-Max", NULL },
	{ "{{#groups}}{{m}}{{/groups}}", "", NULL },
	/* values as sections */
	{ "{{#name}}ja {{name}}{{/name}}", "ja Max", NULL },
	{ "{{#empty}}ja{{/empty}}{{#missing}}ja{{/missing}}", "", NULL },
	/* inverted sections */
	{ "{{^empty}}leer{{/empty}}", "leer", NULL },
	{ "{{^missing}}fehlt{{/missing}}", "fehlt", NULL },
	{ "{{^nullval}}null{{/nullval}}", "null", NULL },
	{ "{{^name}}x{{/name}}{{^positions}}y{{/positions}}", "", NULL },
	/* comments */
	{ "a{{! ein Kommentar }}b", "ab", NULL },
	{ "a{{! über\nzwei Zeilen }}b", "ab", NULL },
	/* standalone lines leave nothing behind */
	{ "a\n{{#positions}}\n- {{pos}}\n{{/positions}}\nb\n",
	  "a\n- 1\n- 2\nb\n", NULL },
	{ "a\n  {{#positions}}  \n- {{pos}}\n\t{{/positions}}\nb",
	  "a\n- 1\n- 2\nb", NULL },
	{ "{{#positions}}\n{{pos}}\n{{/positions}}", "1\n2\n", NULL },
	{ "a\n{{! Kommentar }}\nb\n", "a\nb\n", NULL },
	{ "a\n{{^missing}}\nfehlt\n{{/missing}}\nb\n", "a\nfehlt\nb\n", NULL },
	{ "a\r\n{{#name}}\r\nx\r\n{{/name}}\r\nb\r\n", "a\r\nx\r\nb\r\n", NULL },
	{ "a\n{{#empty}}\nx\n{{/empty}}\nb\n", "a\nb\n", NULL },
	/* ... but only if alone on the line, and only for section tags */
	{ "a {{#name}}x{{/name}}\n", "a x\n", NULL },
	{ "{{#name}}x\n{{/name}} y\n", "x\n y\n", NULL },
	{ "{{missing}}\nx", "\nx", NULL },
	{ "  {{name}}  \nx", "  Max  \nx", NULL },
	/* 16 levels are allowed */
	{ DEEP16 "tief" DEEP16_CLOSE, "tief", NULL },

	/* must fail, with the line of the culprit */
	{ "{{#positions}}x", NULL, "line 1: unclosed section 'positions'" },
	{ "x\n{{#a}}\ny\n", NULL, "line 2: unclosed section 'a'" },
	{ "{{#a}}\n{{#b}}\n{{/b}}\n", NULL, "line 1: unclosed section 'a'" },
	{ "{{#a}}\n\n{{/b}}", NULL,
	  "line 3: mismatched close tag 'b', expected 'a' (opened on line 1)" },
	{ "{{#a}}{{#b}}{{/a}}{{/b}}", NULL,
	  "line 1: mismatched close tag 'a', expected 'b'" },
	{ "x\n{{/a}}", NULL, "line 2: close tag 'a' without an open section" },
	{ "a\nb {{name", NULL, "line 2: unclosed '{{'" },
	{ "{{name}} {{", NULL, "line 1: unclosed '{{'" },
	{ "{{! Kommentar\nohne Ende", NULL, "line 1: unclosed '{{'" },
	{ "{{! a\nb }}\n\n{{#x}}", NULL, "line 4: unclosed section 'x'" },
	{ DEEP16 "{{#name}}" "x{{/name}}" DEEP16_CLOSE, NULL,
	  "line 1: section 'name' nested deeper than 16" },
	{ "{{>partial}}", NULL, "line 1: invalid or unsupported tag '{{>partial}}'" },
	{ "{{{name}}}", NULL, "line 1: invalid or unsupported tag" },
	{ "{{&name}}", NULL, "line 1: invalid or unsupported tag" },
	{ "{{=<% %>=}}", NULL, "line 1: invalid or unsupported tag" },
	{ "\n\n{{}}", NULL, "line 3: invalid or unsupported tag '{{}}'" },
	{ "{{#}}{{/}}", NULL, "line 1: invalid or unsupported tag" },
	{ "{{na me}}", NULL, "line 1: invalid or unsupported tag" },
	{ "{{a.b}}", NULL, "line 1: invalid or unsupported tag" },
	{ "{{na\nme}}", NULL, "line 1: invalid or unsupported tag" },
	{ "{{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}",
	  NULL, "line 1: invalid or unsupported tag" },
};

static void
test_render_table(void **state)
{
	struct tvars *v = vars_fixture();

	(void)state;
	for (size_t i = 0; i < SO_NELEM(render_cases); i++) {
		const struct render_case *c = &render_cases[i];
		struct buf out;
		const char *error = NULL;
		int r;

		buf_init(&out, 4096);
		r = render_string(c->tmpl, v, &out, &error);
		if (c->expected != NULL) {
			if (r != 0)
				fail_msg("row %zu: '%s' failed: %s", i, c->tmpl,
				    error);
			assert_string_equal(buf_cstr(&out), c->expected);
		} else {
			if (r != -1)
				fail_msg("row %zu: '%s' rendered '%s'", i,
				    c->tmpl, buf_cstr(&out));
			assert_non_null(error);
			if (strstr(error, c->error) == NULL)
				fail_msg("row %zu: error '%s', expected '%s'",
				    i, error, c->error);
			/* Nothing half-rendered is left behind. */
			assert_int_equal(out.len, 0);
		}
		buf_free(&out);
	}
	tvars_free(v);
}

static void
test_render_tvars(void **state)
{
	struct tvars *v = tvars_new(), *it;
	struct buf out;
	const char *error = NULL;

	(void)state;
	buf_init(&out, 0);
	/* setting again replaces */
	tvars_set(v, "a", "1");
	tvars_set(v, "a", "2");
	/* a value becomes a list when items are added, and back */
	tvars_set(v, "l", "value");
	it = tvars_add_item(v, "l");
	tvars_set(it, "x", "item");
	tvars_setf(v, "f", "%s-%03d", "n", 7);
	assert_int_equal(render_string("{{a}} {{#l}}{{x}}{{/l}} {{f}}", v, &out,
	    &error), 0);
	assert_string_equal(buf_cstr(&out), "2 item n-007");

	/* an item rendered on its own still sees its parents */
	buf_reset(&out);
	tvars_set(it, "a", "shadow");
	assert_int_equal(render_string("{{x}} {{f}} {{a}}", it, &out, &error), 0);
	assert_string_equal(buf_cstr(&out), "item n-007 shadow");

	buf_reset(&out);
	tvars_set(v, "l", "wieder Wert");
	assert_int_equal(render_string("{{l}}|{{#l}}{{x}}{{/l}}", v, &out,
	    &error), 0);
	assert_string_equal(buf_cstr(&out), "wieder Wert|");

	/* Many keys, and formatted values of any length. */
	for (int i = 0; i < 100; i++)
		tvars_setf(v, i % 2 ? "odd" : "even", "%0*d", 60 + i * 3, i);
	for (int i = 0; i < 40; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		tvars_setf(v, key, "%d", i * i);
	}
	buf_reset(&out);
	assert_int_equal(render_string("{{k0}} {{k7}} {{k39}} {{a}}", v, &out,
	    &error), 0);
	assert_string_equal(buf_cstr(&out), "0 49 1521 2");
	buf_reset(&out);
	assert_int_equal(render_string("{{odd}}", v, &out, &error), 0);
	assert_int_equal(out.len, 60 + 99 * 3);
	assert_string_equal(buf_cstr(&out) + out.len - 3, "099");
	assert_int_equal(strspn(buf_cstr(&out), "0"), out.len - 2);

	/* Values longer than the chunks they are kept in, between short
	 * ones, and bytes that are not UTF-8. */
	{
		static char big[10000];
		char want[32];

		memset(big, 'b', sizeof(big) - 1);
		for (int i = 0; i < 3; i++) {
			snprintf(want, sizeof(want), "s%d", i);
			tvars_set(v, want, want);
			tvars_set(v, i ? "big1" : "big0", big + i * 3000);
		}
		tvars_set(v, "bad", "Gr\xfc\xdf" "e");
		buf_reset(&out);
		assert_int_equal(render_string("{{s0}}|{{big0}}|{{s1}}|{{big1}}|"
		    "{{s2}}|{{bad}}", v, &out, &error), 0);
		snprintf(want, sizeof(want), "s0|");
		assert_int_equal(strncmp(buf_cstr(&out), want, 3), 0);
		/* s0| big0 |s1| big1 (set last from big + 6000) |s2| bad */
		assert_int_equal(out.len, 3 + 9999 + 4 + 3999 + 4 + 9);
		assert_non_null(strstr(buf_cstr(&out), "|s1|"));
		assert_string_equal(buf_cstr(&out) + out.len - 13,
		    "|s2|Gr\xef\xbf\xbd\xef\xbf\xbd" "e");
	}
	buf_free(&out);
	tvars_free(v);
}

/* Output goes on the end of out; too much output fails and appends nothing. */
static void
test_render_limits(void **state)
{
	struct tvars *v = tvars_new();
	struct buf out;
	const char *error = NULL;
	char tmpl[256];

	(void)state;
	tvars_set(v, "long", "0123456789012345678901234567890123456789");
	buf_init(&out, 32);
	assert_int_equal(buf_puts(&out, "vorher:"), 0);
	assert_int_equal(render_string("{{long}}", v, &out, &error), -1);
	assert_non_null(strstr(error, "line 1: rendered output larger than 32 bytes"));
	assert_string_equal(buf_cstr(&out), "vorher:");
	assert_int_equal(render_string("\n\nkurz", v, &out, &error), 0);
	assert_string_equal(buf_cstr(&out), "vorher:\n\nkurz");
	buf_free(&out);

	/* Nested lists multiply: 8 items at 8 levels are 16 million steps. */
	for (int i = 0; i < 8; i++)
		tvars_setf(tvars_add_item(v, "x"), "i", "%d", i);
	tmpl[0] = '\0';
	for (int i = 0; i < 8; i++)
		strcat(tmpl, "{{#x}}");
	for (int i = 0; i < 8; i++)
		strcat(tmpl, "{{/x}}");
	buf_init(&out, 0);
	assert_int_equal(render_string(tmpl, v, &out, &error), -1);
	assert_non_null(strstr(error, "steps"));
	/* the same with fewer levels is fine */
	assert_int_equal(render_string("{{#x}}{{#x}}{{i}}{{/x}}{{/x}}", v, &out,
	    &error), 0);
	assert_int_equal(out.len, 64);
	buf_free(&out);
	tvars_free(v);
}

struct mail_case {
	const char *lang, *name;
	const char *subject;    /* NULL: must fail */
	const char *body;       /* or, for must-fail rows, the error */
};

static const struct mail_case mail_cases[] = {
	{ "de", "bestaetigung",
	  "Vorgang SO-2026-000042: Bestätigung für Max",
	  "Hallo Max,\n\nIhre Bestellung SO-2026-000042 ist eingegangen.\n"
	  "  - 1 Papier A4 (SO-2026-000042)\n  - 2 Stifte (SO-2026-000042)\n"
	  "\nViele Grüße\n" },
	{ "en", "bestaetigung", "Case SO-2026-000042: confirmation",
	  "Hello Max,\n\nyour order SO-2026-000042 has been received.\n"
	  "  - 1 Papier A4\n  - 2 Stifte\n" },
	{ "de", "crlf", "Vorgang SO-2026-000042", "- 1\n- 2\nEnde\n" },
	{ "de", "inject", "Bestellung  Bcc: evil@example.org",
	  "Zeile 1\r\nBcc: bleibt im Text\n" },

	{ "de", "unclosed", NULL,
	  TDIR "/de/unclosed.txt: line 4: unclosed section 'positions'" },
	{ "de", "mismatch", NULL,
	  TDIR "/de/mismatch.txt: line 6: mismatched close tag 'position', "
	  "expected 'positions' (opened on line 4)" },
	{ "de", "opentag", NULL, TDIR "/de/opentag.txt: line 3: unclosed '{{'" },
	{ "de", "deep", NULL,
	  TDIR "/de/deep.txt: line 20: section 'x' nested deeper than 16" },
	{ "de", "subjecterr", NULL,
	  TDIR "/de/subjecterr.txt: line 1: unclosed section 'nr'" },
	{ "de", "nosubject", NULL,
	  TDIR "/de/nosubject.txt: line 1: expected 'Subject: ...'" },
	{ "de", "noblank", NULL,
	  TDIR "/de/noblank.txt: line 2: expected an empty line" },
	{ "de", "latin1", NULL, TDIR "/de/latin1.txt: not valid UTF-8" },
	{ "fr", "bestaetigung", NULL, "open(" TDIR "/fr/bestaetigung.txt) failed" },
	{ "de", "fehlt", NULL, "open(" TDIR "/de/fehlt.txt) failed" },
	/* nothing may leave DIR/LANG */
	{ "de", "../secret", NULL, "invalid template language or name" },
	{ "de", "../../render-templates/secret", NULL, "invalid template" },
	{ "..", "secret", NULL, "invalid template" },
	{ "de/..", "secret", NULL, "invalid template" },
	{ ".", "secret", NULL, "invalid template" },
	{ "de", "sub/x", NULL, "invalid template" },
	{ "de", "/etc/passwd", NULL, "invalid template" },
	{ "de", "bestaetigung.txt", NULL, "invalid template" },
	{ "DE", "bestaetigung", NULL, "invalid template" },
	{ "de", "Bestaetigung", NULL, "invalid template" },
	{ "de", "", NULL, "invalid template" },
	{ "", "bestaetigung", NULL, "invalid template" },
	{ NULL, "bestaetigung", NULL, "invalid template" },
	{ "de", NULL, NULL, "invalid template" },
	{ "de", "x y", NULL, "invalid template" },
	{ "de", "bestaetigung\n", NULL, "invalid template" },
};

static void
test_render_mail_table(void **state)
{
	struct tvars *v = vars_fixture();

	(void)state;
	tvars_set(v, "subject", "Bestellung\r\nBcc: evil@example.org\r\n");
	tvars_set(v, "body", "Zeile 1\r\nBcc: bleibt im Text");
	for (size_t i = 0; i < SO_NELEM(mail_cases); i++) {
		const struct mail_case *c = &mail_cases[i];
		char *subject = NULL, *body = NULL;
		const char *error = NULL;
		int r;

		r = render_mail(TDIR, c->lang, c->name, v, &subject, &body,
		    &error);
		if (c->subject != NULL) {
			if (r != 0)
				fail_msg("row %zu: %s/%s failed: %s", i,
				    c->lang, c->name, error);
			assert_string_equal(subject, c->subject);
			assert_string_equal(body, c->body);
			free(subject);
			free(body);
		} else {
			if (r != -1)
				fail_msg("row %zu: %s/%s rendered '%s'", i,
				    c->lang ? c->lang : "(null)",
				    c->name ? c->name : "(null)", body);
			if (strstr(error, c->body) == NULL)
				fail_msg("row %zu: error '%s', expected '%s'",
				    i, error, c->body);
		}
	}
	/* A trailing slash on the directory does not change the names. */
	{
		char *subject = NULL, *body = NULL;
		const char *error = NULL;
		assert_int_equal(render_mail(TDIR "/", "de", "unclosed", v,
		    &subject, &body, &error), -1);
		assert_string_equal(error, TDIR "/de/unclosed.txt: line 4: "
		    "unclosed section 'positions'");
	}
	tvars_free(v);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	fclose(f);
}

/* A template is read and split once; later mails reuse it until cleared. */
static void
test_render_mail_cache(void **state)
{
	char dir[] = "/tmp/test_render.XXXXXX", path[128];
	struct tvars *v = tvars_new();
	char *subject = NULL, *body = NULL;
	const char *error = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/de", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/de/t.txt", dir);
	render_cache_clear();

	/* A broken template is not kept: fixed on disk, it works at once. */
	write_file(path, "Subject: {{#a}}\n\nx\n");
	assert_int_equal(render_mail(dir, "de", "t", v, &subject, &body,
	    &error), -1);
	assert_non_null(strstr(error, "t.txt: line 1: unclosed section 'a'"));
	write_file(path, "Subject: Vorgang {{nr}}\n\nHallo {{name}},\n"
	    "{{#pos}}- {{art}}\n{{/pos}}Ende {{nr}}\n");
	for (int round = 0; round < 3; round++) {
		char nr[16], want[128];

		snprintf(nr, sizeof(nr), "SO-%d", round);
		tvars_set(v, "nr", nr);
		tvars_set(v, "name", round == 1 ? "Bär" : "Eva");
		tvars_set(tvars_add_item(v, "pos"), "art", round ? "Stift" : "Block");
		assert_int_equal(render_mail(dir, "de", "t", v, &subject, &body,
		    &error), 0);
		snprintf(want, sizeof(want), "Vorgang %s", nr);
		assert_string_equal(subject, want);
		snprintf(want, sizeof(want), "Hallo %s,\n- Block\n%s%sEnde %s\n",
		    round == 1 ? "Bär" : "Eva", round ? "- Stift\n" : "",
		    round == 2 ? "- Stift\n" : "", nr);
		assert_string_equal(body, want);
		free(subject);
		free(body);
		if (round == 0)
			/* Rewritten without a reload: the kept one is used. */
			write_file(path, "Subject: neu\n\nneu\n");
	}
	render_cache_clear();
	assert_int_equal(render_mail(dir, "de", "t", v, &subject, &body,
	    &error), 0);
	assert_string_equal(subject, "neu");
	assert_string_equal(body, "neu\n");
	free(subject);
	free(body);
	render_cache_clear();
	unlink(path);

	/* More templates than the cache keeps: the others are read each time. */
	tvars_set(v, "nr", "neu");
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 140; i++) {
			char name[16], text[64], want[32];

			snprintf(name, sizeof(name), "n%d", i);
			snprintf(path, sizeof(path), "%s/de/%s.txt", dir, name);
			if (round == 0) {
				snprintf(text, sizeof(text), "Subject: S%d {{nr}}\n\n"
				    "B%d\n", i, i);
				write_file(path, text);
			}
			assert_int_equal(render_mail(dir, "de", name, v, &subject,
			    &body, &error), 0);
			snprintf(want, sizeof(want), "S%d neu", i);
			assert_string_equal(subject, want);
			snprintf(want, sizeof(want), "B%d\n", i);
			assert_string_equal(body, want);
			free(subject);
			free(body);
			if (round == 1)
				unlink(path);
		}
	render_cache_clear();
	snprintf(path, sizeof(path), "%s/de", dir);
	rmdir(path);
	rmdir(dir);
	tvars_free(v);
}

/* Template files are limited to 256 KiB and must not contain NUL bytes. */
static void
test_render_mail_file_limits(void **state)
{
	char dir[] = "/tmp/test_render.XXXXXX", path[128];
	struct tvars *v = tvars_new();
	char *subject = NULL, *body = NULL, *big;
	const char *error = NULL;
	size_t max = 256 * 1024;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/de", dir);
	assert_int_equal(mkdir(path, 0700), 0);

	big = malloc(max + 2);
	assert_non_null(big);
	memcpy(big, "Subject: gross\n\n", 16);
	memset(big + 16, 'x', max + 1 - 16);
	big[max - 1] = '\n';
	snprintf(path, sizeof(path), "%s/de/gross.txt", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(big, 1, max, f), max);      /* exactly 256 KiB */
	fclose(f);
	render_cache_clear();      /* the file was just rewritten */
	assert_int_equal(render_mail(dir, "de", "gross", v, &subject, &body,
	    &error), 0);
	assert_string_equal(subject, "gross");
	assert_int_equal(strlen(body), max - 16);
	free(subject);
	free(body);

	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(big, 1, max + 1, f), max + 1);
	fclose(f);
	render_cache_clear();      /* the file was just rewritten */
	assert_int_equal(render_mail(dir, "de", "gross", v, &subject, &body,
	    &error), -1);
	assert_non_null(strstr(error, "gross.txt is larger than 262144 bytes"));
	unlink(path);

	snprintf(path, sizeof(path), "%s/de/nul.txt", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite("Subject: x\n\na\0b\n", 1, 17, f), 17);
	fclose(f);
	render_cache_clear();      /* the file was just rewritten */
	assert_int_equal(render_mail(dir, "de", "nul", v, &subject, &body,
	    &error), -1);
	assert_non_null(strstr(error, "nul.txt: contains a NUL byte"));
	unlink(path);

	snprintf(path, sizeof(path), "%s/de", dir);
	rmdir(path);
	rmdir(dir);
	free(big);
	tvars_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_table),
		cmocka_unit_test(test_render_tvars),
		cmocka_unit_test(test_render_limits),
		cmocka_unit_test(test_render_mail_table),
		cmocka_unit_test(test_render_mail_file_limits),
		cmocka_unit_test(test_render_mail_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
