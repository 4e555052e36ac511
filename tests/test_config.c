/* SPDX-License-Identifier: MIT */
/*
 * test_config - INI loading: defaults, required keys, typed values, and
 * errors that name file, line and key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "util.h"

static char *
write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/so-test-config-XXXXXX");
	int fd = mkstemp(path);
	size_t n = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

#define BASE "[imap]\nurl = imap://127.0.0.1:10143/INBOX\nuser = bestellung@exempla.test\n" \
	"password = secret            ; or password_file = PATH\n" \
	"[smtp]\nurl = smtp://127.0.0.1:10025\nfrom = bestellung@exempla.test\n"

static void
test_minimal_and_defaults(void **state)
{
	char *p = write_tmp("[general]\ndatabase = /tmp/x.db\n" BASE
	    "[approval]\nthreshold = 250,00\n");
	struct config *cfg;
	const char *err = NULL;

	(void)state;
	assert_int_equal(config_load(p, &cfg, &err), 0);
	assert_string_equal(cfg->imap_password, "secret");     /* comment stripped */
	assert_string_equal(cfg->processed_folder, "Verarbeitet");
	assert_string_equal(cfg->case_prefix, "SO");
	assert_int_equal(cfg->threshold_cents, 25000);
	assert_int_equal(cfg->idle, 1);
	assert_string_equal(cfg->org_domains[0], "exempla.test");
	assert_null(cfg->org_domains[1]);
	assert_true(config_addr_in_org(cfg, "requester1@exempla.test"));
	assert_true(config_addr_in_org(cfg, "X@EXEMPLA.TEST"));
	assert_false(config_addr_in_org(cfg, "mallory@evil.test"));
	assert_false(config_addr_in_org(cfg, "x@sub.exempla.test"));
	assert_string_equal(config_msgid_domain(cfg), "exempla.test");
	config_free(cfg);
	unlink(p);
	free(p);
}

static void
test_password_file(void **state)
{
	char *secret = write_tmp("s3cr3t\nignored\n");
	char *text = xasprintf("[imap]\nurl = imap://h/INBOX\nuser = u@exempla.test\n"
	    "password_file = %s\n[smtp]\nurl = smtp://h\nfrom = a@exempla.test\n"
	    "[general]\norg_domains = exempla.test, @stadt.test\n", secret);
	char *p = write_tmp(text);
	struct config *cfg;
	const char *err;

	(void)state;
	assert_int_equal(config_load(p, &cfg, &err), 0);
	assert_string_equal(cfg->imap_password, "s3cr3t");
	assert_string_equal(cfg->org_domains[1], "stadt.test");
	config_free(cfg);
	unlink(p);
	unlink(secret);
	free(p);
	free(secret);
	free(text);
}

struct bad_row {
	const char *text;
	const char *expect;     /* substring of the error */
};

static const struct bad_row bad_rows[] = {
	{ "[general]\ndatabse = x\n" BASE, ":2: [general] databse: unknown key" },
	{ "[nope]\n" BASE, ":1: [nope]: unknown section" },
	{ BASE "[approval]\nthreshold = viel\n", "[approval] threshold: \"viel\" is not an amount" },
	{ BASE "[imap]\npoll_interval = 0\n", "[imap] poll_interval" },
	{ BASE "[imap]\nidle = vielleicht\n", "[imap] idle: \"vielleicht\" is not yes or no" },
	{ "[imap]\nuser = u@x\npassword = p\n[smtp]\nurl = smtp://h\nfrom = a@x\n", "[imap] url: required key missing" },
	{ "[imap]\nurl = imap://h\nuser = u@x\n[smtp]\nurl = smtp://h\nfrom = a@x\n", "[imap] password: required key missing" },
	{ "[imap]\nurl = http://h\nuser = u@x\npassword = p\n[smtp]\nurl = smtp://h\nfrom = a@x\n", "must start with imap://" },
	{ BASE "[general]\nlanguage = fr\n", "language: \"fr\" must be de or en" },
	{ BASE "[general]\ncase_prefix = so-x\n", "case_prefix" },
	{ "just text\n", ":1: expected \"key = value\"" },
	{ "key = value\n", ":1: key: key outside of a section" },
	{ "[imap]\nurl = imap://h\nuser = u@x\npassword_file = /nonexistent/secret\n"
	    "[smtp]\nurl = smtp://h\nfrom = a@x\n", "open(/nonexistent/secret) failed" },
	{ BASE "[general]\ndatabase =\n", "[general] database: must not be empty" },
	{ BASE "[imap]\npassword_file = /etc/hostname\n", ":9: [imap] password_file: password is set already" },
	{ "[imap]\nurl = imap://h\nuser = u@x\npassword_file =\n"
	    "[smtp]\nurl = smtp://h\nfrom = a@x\n", "[imap] password_file: must not be empty" },
	{ BASE "[smtp]\nfrom =   ; nobody\n", "[smtp] from: must not be empty" },
	{ BASE "[imap]\nprocessed_folder =\n", "[imap] processed_folder: must not be empty" },
	{ BASE "[general]\nlanguage =\n", "[general] language: must not be empty" },
};

static void
test_bad_configs(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(bad_rows); i++) {
		char *p = write_tmp(bad_rows[i].text);
		struct config *cfg = NULL;
		const char *err = NULL;

		if (config_load(p, &cfg, &err) != -1)
			fail_msg("row %zu: config accepted", i);
		assert_non_null(err);
		if (strstr(err, bad_rows[i].expect) == NULL)
			fail_msg("row %zu: error \"%s\" lacks \"%s\"", i, err,
			    bad_rows[i].expect);
		/* Every error names the file. */
		assert_non_null(strstr(err, p));
		unlink(p);
		free(p);
	}
}

static void
test_relative_paths(void **state)
{
	char *p = write_tmp(BASE "[general]\ndatabase = so.db\ntemplates = /abs/t\n"
	    "form_profile = profiles/p.ini\n");
	char *dir = xstrndup(p, (size_t)(strrchr(p, '/') - p));
	char *expect_db = xasprintf("%s/so.db", dir);
	char *expect_fp = xasprintf("%s/profiles/p.ini", dir);
	struct config *cfg;
	const char *err;

	(void)state;
	assert_int_equal(config_load(p, &cfg, &err), 0);
	/* Relative to the config file, so a daemon's chdir("/") changes nothing. */
	assert_string_equal(cfg->database, expect_db);
	assert_string_equal(cfg->form_profile, expect_fp);
	assert_string_equal(cfg->templates, "/abs/t");
	config_free(cfg);
	unlink(p);
	free(p);
	free(dir);
	free(expect_db);
	free(expect_fp);
}

static void
test_missing_file(void **state)
{
	struct config *cfg;
	const char *err;

	(void)state;
	assert_int_equal(config_load("/nonexistent/so.ini", &cfg, &err), -1);
	assert_non_null(strstr(err, "/nonexistent/so.ini"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_and_defaults),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
