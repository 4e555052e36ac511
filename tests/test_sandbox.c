/* SPDX-License-Identifier: MIT */
/*
 * Tests of the parser sandbox: what comes back from the child equals the
 * in-process parse for every sample, alone and as one batch.  (A child
 * that dies is tested over the real servers: t-hostile's memory bomb.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "parsedutil.h"
#include "sandbox.h"
#include "wfutil.h"

static const char *const mails[] = {
	"contrib/demo/mails/01-standard.eml",
	"contrib/demo/mails/02-freitext.eml",
	"contrib/demo/mails/04-latin1.eml",
	"contrib/demo/mails/05-html-alternative.eml",
	"contrib/demo/mails/06-json-anhang.eml",
	"contrib/demo/mails/08-status-anfrage.eml",
	"contrib/demo/mails/09-abwesenheit.eml",
	"tests/data/mime-bounce.eml",
	"tests/data/mime-missing-close.eml",
};
#define NMAILS SO_NELEM(mails)

/* The samples' bytes, read once. */
static char *raw[NMAILS];
static size_t len[NMAILS];

static void
read_samples(void)
{
	const char *err;

	for (size_t i = 0; i < NMAILS; i++)
		if (raw[i] == NULL && file_read(mails[i], 1 << 22, &raw[i], &len[i],
		    &err) == -1)
			fail_msg("%s: %s", mails[i], err);
}

static void
assert_as_in_process(struct fx *f, size_t i, const struct parsed_mail *got)
{
	struct parsed_mail want;

	workflow_parse(f->cfg, &f->wf.limits, f->profile, raw[i], len[i], 0,
	    &want);
	assert_same(&want, got);
	parsed_mail_free(&want);
}

static void
test_one_by_one(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < NMAILS; i++) {
		struct parsed_mail got;
		const char *why = NULL;

		assert_int_equal(sandbox_parse(f->cfg, &f->wf.limits, f->profile,
		    raw[i], len[i], 0, &got, &why), 0);
		assert_as_in_process(f, i, &got);
		parsed_mail_free(&got);
	}
}

static void
test_batch(void **state)
{
	struct fx *f = *state;
	struct parsed_mail got[NMAILS];
	struct sandbox_job *job;
	const char *why = NULL;

	job = sandbox_start(f->cfg, &f->wf.limits, f->profile, raw, len, NULL,
	    NMAILS);
	assert_non_null(job);
	assert_int_equal(sandbox_finish(job, got, &why), 0);
	for (size_t i = 0; i < NMAILS; i++) {
		assert_as_in_process(f, i, &got[i]);
		parsed_mail_free(&got[i]);
	}
}

/* Only the header of a too large mail is parsed, in the child as well. */
static void
test_too_large(void **state)
{
	struct fx *f = *state;
	struct parsed_mail got;
	const char *why = NULL;

	assert_int_equal(sandbox_parse(f->cfg, &f->wf.limits, f->profile,
	    raw[0], len[0], 1, &got, &why), 0);
	assert_non_null(got.msg);
	assert_non_null(got.err);
	assert_null(got.form);
	parsed_mail_free(&got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_by_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
	};

	int rc;

	read_samples();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	for (size_t i = 0; i < NMAILS; i++)
		free(raw[i]);
	return rc;
}
