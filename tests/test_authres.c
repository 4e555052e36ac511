/* SPDX-License-Identifier: MIT */
/*
 * test_authres - table tests for parsers/authres.c: real field values as
 * Postfix with OpenDKIM/OpenDMARC, rspamd, Exchange Online and Gmail write
 * them; comments, quoted strings, versions, case and spacing; lookalikes
 * that must not count ("dkim=passed", "xdkim=pass", a pass in a comment,
 * a reason or a property); forged fields claiming our authserv-id, and
 * fields of other servers that must be ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authres.h"
#include "util.h"

#define ID "mx.exempla.test"

#define NO_AR "no Authentication-Results from " ID
#define SEVERAL "several Authentication-Results claim " ID
#define NO_PASS "no dkim=pass or dmarc=pass"

static const struct {
	const char *values[4];  /* up to the first NULL */
	int expected;
	const char *why;
} cases[] = {
	/* pass */
	{ { ID "; dkim=pass header.d=exempla.test header.s=mail "
	    "header.b=AbCdEf12" }, 1, "dkim=pass" },
	{ { ID "; dmarc=pass (p=none dis=none) header.from=exempla.test" },
	  1, "dmarc=pass" },
	{ { ID "; dkim=fail reason=\"signature verification failed\" "
	    "header.d=exempla.test; dmarc=pass header.from=exempla.test" },
	  1, "dmarc=pass" },
	{ { ID "; spf=pass smtp.mailfrom=exempla.test; dkim=pass "
	    "header.i=@exempla.test; dmarc=pass header.from=exempla.test" },
	  1, "dkim=pass" },
	{ { ID ";\r\n\tdkim=pass (1024-bit key; unprotected) "
	    "header.d=exempla.test header.i=@exempla.test" }, 1, "dkim=pass" },
	{ { ID " 1; dkim=pass header.d=exempla.test" }, 1, "dkim=pass" },
	{ { "MX.Exempla.TEST; DKIM=PASS header.d=exempla.test" }, 1,
	  "dkim=pass" },
	{ { ID ";dkim=pass" }, 1, "dkim=pass" },
	{ { ID " ; dkim = pass" }, 1, "dkim=pass" },
	{ { ID "; dkim/1=pass header.d=exempla.test" }, 1, "dkim=pass" },
	{ { ID "; dkim / 1 = pass" }, 1, "dkim=pass" },
	{ { ID "; dkim=pass(good signature)" }, 1, "dkim=pass" },
	{ { ID "; (checked by opendkim) dkim=pass" }, 1, "dkim=pass" },
	{ { "(our server) " ID " (v1); dkim=pass" }, 1, "dkim=pass" },
	{ { "\"" ID "\"; dkim=pass" }, 1, "dkim=pass" },
	{ { ID "; arc=none; dkim=fail; dkim=pass header.d=exempla.test" }, 1,
	  "dkim=pass" },
	{ { ID "; dkim=pass;" }, 1, "dkim=pass" },
	/* others' fields are ignored, before or after ours */
	{ { "mx.google.com; dkim=fail header.d=exempla.test",
	    ID "; dkim=pass header.d=exempla.test",
	    "relay.other.test; none" }, 1, "dkim=pass" },
	{ { "mx.exempla.test.evil; dkim=pass", ID "; dmarc=pass" }, 1,
	  "dmarc=pass" },
	/* must fail: nothing from us */
	{ { NULL }, 0, NO_AR },
	{ { "mx.google.com; dkim=pass header.d=exempla.test" }, 0, NO_AR },
	{ { "mx.exempla.test.evil; dkim=pass" }, 0, NO_AR },
	{ { "evil.mx.exempla.test; dkim=pass" }, 0, NO_AR },
	{ { "mx.exempla.tes; dkim=pass" }, 0, NO_AR },
	{ { "mx.exempla.testx; dkim=pass" }, 0, NO_AR },
	{ { "; " ID "; dkim=pass" }, 0, NO_AR },
	{ { "(" ID ") other.test; dkim=pass" }, 0, NO_AR },
	{ { "\"mx.exempla.test \"; dkim=pass" }, 0, NO_AR },
	{ { "" }, 0, NO_AR },
	{ { "   " }, 0, NO_AR },
	/* must fail: forged second field claiming our id */
	{ { ID "; dkim=fail header.d=exempla.test",
	    ID "; dkim=pass header.d=exempla.test" }, 0, SEVERAL },
	{ { ID "; dkim=pass header.d=exempla.test",
	    ID "; dkim=pass header.d=exempla.test" }, 0, SEVERAL },
	{ { ID "; dkim=pass", "MX.EXEMPLA.TEST; dmarc=pass" }, 0, SEVERAL },
	{ { ID "; none", "mx.google.com; dkim=pass",
	    "\"" ID "\"; dkim=pass" }, 0, SEVERAL },
	{ { ID "; dkim=pass", ID " 1; none" }, 0, SEVERAL },
	/* must fail: ours, but no pass */
	{ { ID "; none" }, 0, NO_PASS },
	{ { ID }, 0, NO_PASS },
	{ { ID "; dkim=fail header.d=exempla.test" }, 0, NO_PASS },
	{ { ID "; dkim=none; dmarc=fail" }, 0, NO_PASS },
	{ { ID "; dkim=passed" }, 0, NO_PASS },
	{ { ID "; dkim=pass-through" }, 0, NO_PASS },
	{ { ID "; dkim=pass.x" }, 0, NO_PASS },
	{ { ID "; dkim=\"pass\"" }, 0, NO_PASS },
	{ { ID "; xdkim=pass" }, 0, NO_PASS },
	{ { ID "; dkimx=pass" }, 0, NO_PASS },
	{ { ID "; x-dkim=pass" }, 0, NO_PASS },
	{ { ID "; policy.dkim=pass" }, 0, NO_PASS },
	{ { ID "; spf=pass smtp.mailfrom=exempla.test" }, 0, NO_PASS },
	{ { ID "; arc=pass; spf=pass" }, 0, NO_PASS },
	{ { ID "; dkim/x=pass" }, 0, NO_PASS },
	{ { ID "; dkim pass" }, 0, NO_PASS },
	{ { ID "; dkim" }, 0, NO_PASS },
	{ { ID "; dkim=" }, 0, NO_PASS },
	{ { ID "; =pass" }, 0, NO_PASS },
	/* a pass without the ';' that starts a resinfo */
	{ { ID " dkim=pass" }, 0, NO_PASS },
	{ { ID " 1 dkim=pass" }, 0, NO_PASS },
	/* pass in comments, quoted strings, reasons, properties */
	{ { ID "; dkim=fail (dkim=pass)" }, 0, NO_PASS },
	{ { ID "; (; dkim=pass) dkim=fail" }, 0, NO_PASS },
	{ { ID "; dkim=fail (nested (; dkim=pass) still comment; dkim=pass)" },
	  0, NO_PASS },
	{ { ID "; dkim=fail (escaped \\) ; dkim=pass)" }, 0, NO_PASS },
	{ { ID "; dkim=fail (unclosed ; dkim=pass" }, 0, NO_PASS },
	{ { ID "; dkim=fail reason=\"; dkim=pass\"" }, 0, NO_PASS },
	{ { ID "; dkim=fail reason=\"a \\\"; dkim=pass\"" }, 0, NO_PASS },
	{ { ID "; dkim=fail reason=\"unclosed; dkim=pass" }, 0, NO_PASS },
	{ { ID "; dkim=fail reason=dkim=pass" }, 0, NO_PASS },
	{ { ID "; dkim=fail header.b=pass header.d=dkim=pass" }, 0, NO_PASS },
	{ { ID "; spf=fail smtp.mailfrom=dkim=pass" }, 0, NO_PASS },
	/* stray closing parentheses */
	{ { ID "; dkim=fail ) ; dkim=pass" }, 1, "dkim=pass" },
	{ { ID "; dkim=pass)" }, 0, NO_PASS },
	{ { ID "; )dkim=pass" }, 0, NO_PASS },
	{ { ID ")" }, 0, NO_AR },
	{ { ") " ID "; dkim=pass" }, 0, NO_AR },
	{ { ")))" }, 0, NO_AR },
	/* forged pass in another server's field does not help */
	{ { "mx.google.com; dkim=pass", ID "; dkim=fail" }, 0, NO_PASS },
	{ { "(" ID "; dkim=pass) evil.test; dkim=pass", ID "; none" }, 0,
	  NO_PASS },
};

static void
test_authres_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(cases); i++) {
		size_t n = 0;
		const char *why = "untouched";
		int rc;

		while (n < SO_NELEM(cases[i].values) && cases[i].values[n] != NULL)
			n++;
		rc = authres_check(cases[i].values, n, ID, &why);
		if (rc != cases[i].expected)
			fail_msg("row %zu (%s): got %d, expected %d (%s)", i,
			    n ? cases[i].values[0] : "none", rc,
			    cases[i].expected, why ? why : "NULL");
		if (why == NULL || strcmp(why, cases[i].why) != 0)
			fail_msg("row %zu: reason \"%s\", expected \"%s\"", i,
			    why ? why : "NULL", cases[i].why);
		/* why_r may be NULL */
		assert_int_equal(authres_check(cases[i].values, n, ID, NULL), rc);
	}
}

/* Values exactly as real servers write them, unfolded. */
static void
test_authres_real(void **state)
{
	static const struct {
		const char *id;
		const char *value;
		int expected;
	} real[] = {
		/* OpenDKIM + OpenDMARC behind Postfix */
		{ "mail.exempla.test", "mail.exempla.test; dkim=pass (2048-bit "
		  "key; unprotected) header.d=exempla.test "
		  "header.i=@exempla.test header.a=rsa-sha256 header.s=2026 "
		  "header.b=kX3c9Q0b", 1 },
		{ "mail.exempla.test", "mail.exempla.test; dmarc=pass (p=reject "
		  "dis=none) header.from=exempla.test", 1 },
		/* rspamd */
		{ "mx.exempla.test", "mx.exempla.test; dkim=pass "
		  "header.d=exempla.test header.s=dkim header.b=\"Xy/1+z=\"; "
		  "spf=pass (mx.exempla.test: domain of a@exempla.test "
		  "designates 192.0.2.1 as permitted sender) "
		  "smtp.mailfrom=a@exempla.test; dmarc=pass (policy=reject) "
		  "header.from=exempla.test", 1 },
		/* Exchange Online, a failing sender */
		{ "spf.protection.outlook.com", "spf=fail (sender IP is "
		  "192.0.2.9) smtp.mailfrom=exempla.test; dkim=none (message "
		  "not signed) header.d=none;dmarc=fail action=quarantine "
		  "header.from=exempla.test;compauth=fail reason=000", 0 },
		/* Gmail, with arc */
		{ "mx.google.com", "mx.google.com; dkim=pass "
		  "header.i=@exempla.test header.s=sel header.b=abcd; "
		  "arc=pass (i=1); spf=pass (google.com: domain of "
		  "x@exempla.test designates 192.0.2.1 as permitted sender) "
		  "smtp.mailfrom=x@exempla.test; dmarc=pass (p=NONE sp=NONE "
		  "dis=NONE) header.from=exempla.test", 1 },
	};

	(void)state;
	for (size_t i = 0; i < SO_NELEM(real); i++) {
		const char *v[1] = { real[i].value };
		const char *why = NULL;

		if (authres_check(v, 1, real[i].id, &why) != real[i].expected)
			fail_msg("row %zu: expected %d (%s)", i, real[i].expected,
			    why);
	}
}

static void
test_authres_limits(void **state)
{
	const char *v[AUTHRES_MAX_FIELDS + 1];
	const char *why = NULL;
	char *big;
	size_t pad;

	(void)state;
	/* Many fields of others are fine up to the limit ... */
	for (size_t i = 0; i < AUTHRES_MAX_FIELDS; i++)
		v[i] = "relay.other.test; none";
	v[0] = ID "; dkim=pass";
	assert_int_equal(authres_check(v, AUTHRES_MAX_FIELDS, ID, &why), 1);
	/* ... one more is refused. */
	v[AUTHRES_MAX_FIELDS] = "relay.other.test; none";
	assert_int_equal(authres_check(v, AUTHRES_MAX_FIELDS + 1, ID, &why), 0);
	assert_string_equal(why, "more than 100 Authentication-Results fields");

	/* NULL entries are skipped. */
	v[0] = NULL;
	v[1] = ID "; dmarc=pass";
	assert_int_equal(authres_check(v, 2, ID, &why), 1);
	assert_string_equal(why, "dmarc=pass");

	/* No id configured. */
	v[0] = ID "; dkim=pass";
	assert_int_equal(authres_check(v, 1, NULL, &why), 0);
	assert_string_equal(why, "no authserv-id configured");
	assert_int_equal(authres_check(v, 1, "", &why), 0);
	assert_string_equal(why, "no authserv-id configured");
	assert_int_equal(authres_check(NULL, 0, ID, &why), 0);
	assert_string_equal(why, NO_AR);

	/* Only the first AUTHRES_MAX_VALUE bytes of a value are read. */
	for (int k = 0; k < 2; k++) {
		const char *tail = "; dkim=pass";

		pad = AUTHRES_MAX_VALUE - strlen(ID " x") - strlen(tail) + k;
		big = xmalloc(pad + 100);
		strcpy(big, ID " x");
		memset(big + strlen(big), 'x', pad);
		strcpy(big + strlen(ID " x") + pad, tail);
		v[0] = big;
		assert_int_equal(authres_check(v, 1, ID, &why), k == 0);
		free(big);
	}

	/* A long reason (the id in the message is cut to 100 bytes). */
	big = xmalloc(300);
	memset(big, 'h', 299);
	big[299] = '\0';
	v[0] = "other.test; dkim=pass";
	assert_int_equal(authres_check(v, 1, big, &why), 0);
	assert_int_equal(strlen(why), strlen("no Authentication-Results from ") +
	    100);
	free(big);
}

/*
 * Random short values over the characters that steer the lexer: every
 * call must return (a lexer that stands still hangs here), and a value
 * without our id can never pass.
 */
static void
test_authres_random(void **state)
{
	static const char alphabet[] = "();=/\\\" \tdkimpas1x";
	uint32_t seed = 12345;
	char v[48];

	(void)state;
	for (int round = 0; round < 200000; round++) {
		const char *vals[2] = { ID "; none", v };
		size_t len;
		int rc;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % (sizeof(v) - 1);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			v[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		v[len] = '\0';
		rc = authres_check(&vals[1], 1, ID, NULL);
		assert_int_equal(rc, 0);
		/* Ours says none, so whatever v is, there is no pass. */
		rc = authres_check(vals, 2, ID, NULL);
		assert_int_equal(rc, 0);
		/* With our id in front, it must still terminate. */
		(void)authres_check(vals, 1, "dkim", NULL);
		(void)authres_check(&vals[1], 1, "dkim", NULL);
	}
}

/* Alignment: a pass counts only for the sender's own domain. */
static void
test_authres_from(void **state)
{
	static const struct {
		const char *value, *from;
		int expected;
	} rows[] = {
		{ ID "; dmarc=pass header.from=exempla.test", "exempla.test", 1 },
		{ ID "; dkim=pass header.d=exempla.test", "exempla.test", 1 },
		{ ID "; dkim=pass header.i=@mail.exempla.test", "mail.exempla.test", 1 },
		{ ID "; dkim=pass header.d=exempla.test", "rathaus.exempla.test", 1 },
		/* Somebody else's valid signature proves nothing about the sender. */
		{ ID "; dkim=pass header.d=evil.test", "exempla.test", 0 },
		{ ID "; dkim=pass header.d=ample.test", "exempla.test", 0 },
		{ ID "; dkim=pass", "exempla.test", 0 },
		{ ID "; dmarc=pass header.from=evil.test", "exempla.test", 0 },
		/* A dmarc=fail refuses even next to an aligned dkim=pass. */
		{ ID "; dkim=pass header.d=exempla.test; dmarc=fail header.from=exempla.test",
		    "exempla.test", 0 },
		{ ID "; dkim=pass (header.d=exempla.test) header.d=evil.test", "exempla.test", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *v[1] = { rows[i].value };
		const char *why = NULL;

		if (authres_check_from(v, 1, ID, rows[i].from, &why) != rows[i].expected)
			fail_msg("row %zu (%s): expected %d, why %s", i, rows[i].value,
			    rows[i].expected, why ? why : "-");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authres_from),
		cmocka_unit_test(test_authres_table),
		cmocka_unit_test(test_authres_real),
		cmocka_unit_test(test_authres_limits),
		cmocka_unit_test(test_authres_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
