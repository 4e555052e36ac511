/* SPDX-License-Identifier: MIT */
/*
 * test_formprofile - table tests for the matcher of parsers/formprofile.c
 * with the built-in profile: which label names which field, what the
 * label_line and position_row patterns take apart, and that a profile
 * without positions_start says so.  Loading profile files is tested in
 * test_form through form_profile_load().
 *
 * In the tables -1 (label) and NULL (line) mean "must not match".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formprofile.h"
#include "util.h"

static const struct {
	const char *label;
	int field;
} label_rows[] = {
	{ "Besteller", FF_BESTELLER },
	{ "  bestellerin : ", FF_BESTELLER },   /* case, spaces, ':' */
	{ "E-Mail", FF_EMAIL },
	{ "Tel.", FF_TELEFON },
	{ "Organisationseinheit:", FF_OE },
	{ "KSt", FF_KOSTENSTELLE },
	{ "Gew\xc3\xbcnscht bis", FF_GEWUENSCHT_BIS },
	{ "Anmerkungen", FF_BEMERKUNG },
	{ "Besteller Name", -1 },               /* patterns are anchored */
	{ "Artikel", -1 },
	{ ":", -1 },
	{ "", -1 },
	{ "Bestelle\xff", -1 },                 /* not UTF-8: no match */
};

static void
test_label_field(void **state)
{
	struct form_profile *p = form_profile_default();
	struct formprofile_matcher *m = formprofile_matcher_new(p);

	(void)state;
	for (size_t i = 0; i < SO_NELEM(label_rows); i++) {
		int f = formprofile_label_field(m, label_rows[i].label);

		if (f != label_rows[i].field)
			print_error("\"%s\": want %d, got %d\n",
			    label_rows[i].label, label_rows[i].field, f);
		assert_int_equal(f, label_rows[i].field);
	}
	formprofile_matcher_free(m);
	form_profile_free(p);
}

static const struct {
	enum formprofile_pattern pat;
	const char *line;
	const char *group1, *want1;     /* want1 NULL: must not match */
	const char *group2, *want2;
} match_rows[] = {
	{ FP_LABEL_LINE, "Besteller:  Max Muster ", "label", "Besteller",
	    "value", "Max Muster" },
	{ FP_LABEL_LINE, "Lieferort: Raum 1:12", "label", "Lieferort",
	    "value", "Raum 1:12" },
	{ FP_LABEL_LINE, "keine Angabe", "label", NULL, NULL, NULL },
	{ FP_POSITION_ROW, "1 | 4711 | Kugelschreiber | 10 | St |", "pos",
	    "1", "preis", "" },
	{ FP_POSITION_ROW, "2|4712|Block A4|5|St|1,20", "menge", "5",
	    "preis", "1,20" },
	{ FP_POSITION_ROW, "nur | drei | Spalten", "pos", NULL, NULL, NULL },
	{ FP_POSITIONS_START, "  Positionen: ", NULL, "", NULL, NULL },
	{ FP_POSITIONS_START, "Positionen folgen", NULL, NULL, NULL, NULL },
	{ FP_OE_CODE, "10.2 Personalamt", "code", "10.2", "label", "" },
	{ FP_OE_CODE, "Personalamt", "code", NULL, NULL, NULL },
};

static void
expect_group(struct formprofile_matcher *m, enum formprofile_pattern pat,
    const char *line, const char *name, const char *want)
{
	char *got;

	if (name == NULL)
		return;
	got = formprofile_group(m, pat, name, line);
	if (strcmp(got, want) != 0)
		print_error("\"%s\" group %s: want \"%s\", got \"%s\"\n", line,
		    name, want, got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_match_group(void **state)
{
	struct form_profile *p = form_profile_default();
	struct formprofile_matcher *m = formprofile_matcher_new(p);

	(void)state;
	for (size_t i = 0; i < SO_NELEM(match_rows); i++) {
		int want = match_rows[i].want1 != NULL;
		int got = formprofile_match(m, match_rows[i].pat,
		    match_rows[i].line);

		if (got != want)
			print_error("\"%s\": want match %d, got %d\n",
			    match_rows[i].line, want, got);
		assert_int_equal(got, want);
		if (!got)
			continue;
		expect_group(m, match_rows[i].pat, match_rows[i].line,
		    match_rows[i].group1, match_rows[i].want1);
		expect_group(m, match_rows[i].pat, match_rows[i].line,
		    match_rows[i].group2, match_rows[i].want2);
	}
	formprofile_matcher_free(m);
	form_profile_free(p);
}

/*
 * Matchers of one profile share its match data one at a time: two alive at
 * once keep their own groups, and a matcher made after one was freed
 * starts clean.
 */
static void
test_matchers_at_once(void **state)
{
	struct form_profile *p = form_profile_default();
	struct formprofile_matcher *a, *b, *c;

	(void)state;
	a = formprofile_matcher_new(p);
	assert_true(formprofile_match(a, FP_OE_CODE, "10.2 Personalamt"));
	b = formprofile_matcher_new(p);
	assert_true(formprofile_match(b, FP_OE_CODE, "77 Bauamt"));
	expect_group(a, FP_OE_CODE, "10.2 Personalamt", "code", "10.2");
	expect_group(b, FP_OE_CODE, "77 Bauamt", "code", "77");
	formprofile_matcher_free(a);
	c = formprofile_matcher_new(p);         /* gets a's match data */
	assert_false(formprofile_match(c, FP_OE_CODE, "Personalamt"));
	assert_true(formprofile_match(c, FP_OE_CODE, "3.1.4 Kasse"));
	expect_group(c, FP_OE_CODE, "3.1.4 Kasse", "code", "3.1.4");
	expect_group(b, FP_OE_CODE, "77 Bauamt", "code", "77");
	formprofile_matcher_free(b);
	formprofile_matcher_free(c);
	form_profile_free(p);
}

/* The built-in profile has a positions_start; this fixture empties it. */
static void
test_has(void **state)
{
	struct form_profile *def = form_profile_default(), *p;
	struct formprofile_matcher *m;
	const char *err = NULL;

	(void)state;
	m = formprofile_matcher_new(def);
	assert_true(formprofile_has(m, FP_POSITIONS_START));
	assert_true(formprofile_has(m, FP_POSITION_ROW));
	formprofile_matcher_free(m);
	form_profile_free(def);

	p = form_profile_load("tests/data/form-profile-artikel.ini", &err);
	if (p == NULL)
		print_error("form_profile_load: %s\n", err);
	assert_non_null(p);
	m = formprofile_matcher_new(p);
	assert_false(formprofile_has(m, FP_POSITIONS_START));
	assert_true(formprofile_match(m, FP_POSITION_ROW,
	    "Artikel 1: 4711 x 3 St"));
	expect_group(m, FP_POSITION_ROW, "Artikel 1: 4711 x 3 St",
	    "artikelnr", "4711");
	expect_group(m, FP_POSITION_ROW, "Artikel 1: 4711 x 3 St",
	    "bezeichnung", "");
	formprofile_matcher_free(m);
	form_profile_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_field),
		cmocka_unit_test(test_match_group),
		cmocka_unit_test(test_has),
		cmocka_unit_test(test_matchers_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
