/* SPDX-License-Identifier: MIT */
/*
 * Tests of the parser sandbox: what comes back from the child equals the
 * in-process parse for every sample, alone and as one batch; each mail
 * has its own time, so a stopped child is given up after one mail's time
 * and a slow batch that keeps delivering is not; what a child handed in
 * before it died is kept.  (A child that dies of its own is tested over
 * the real servers: t-hostile's memory bomb.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/*
 * A mail whose parse is much bigger than the mail (1 MB of undeclared
 * 8-bit subject becomes 3 MB of UTF-8, carried twice) still comes back,
 * equal to the in-process parse, instead of being taken for unsafe.
 */
static void
test_big_parse(void **state)
{
	struct fx *f = *state;
	const char *head = "From: requester1@exempla.test\r\nTo: "
	    "bestellung@exempla.test\r\nMessage-ID: <big@x.test>\r\nSubject: ";
	size_t hl = strlen(head), sl = 1000 * 1000;
	char *mail = xmalloc(hl + sl + 16);
	struct parsed_mail got, want;
	const char *why = NULL;
	size_t mlen;

	memcpy(mail, head, hl);
	memset(mail + hl, 0x80, sl);
	memcpy(mail + hl + sl, "\r\n\r\nHILFE\r\n", 12);
	mlen = hl + sl + 12;
	assert_int_equal(sandbox_parse(f->cfg, &f->wf.limits, f->profile, mail,
	    mlen, 0, &got, &why), 0);
	workflow_parse(f->cfg, &f->wf.limits, f->profile, mail, mlen, 0, &want);
	assert_non_null(want.msg);
	assert_same(&want, &got);
	parsed_mail_free(&want);
	parsed_mail_free(&got);
	free(mail);
}

/*
 * A child that finished within its time counts even when the daemon only
 * looks after the deadline (it was busy with the previous batch).
 */
static void
test_finished_before_late_look(void **state)
{
	struct fx *f = *state;
	struct parsed_mail got[1];
	struct sandbox_job *job;
	const char *why = NULL;
	int cpu = f->cfg->parser_cpu_seconds;
	struct timespec pause = { 1, 500 * 1000 * 1000 };

	f->cfg->parser_cpu_seconds = -4;  /* deadline 1 s */
	job = sandbox_start(f->cfg, &f->wf.limits, f->profile, raw, len, NULL, 1);
	f->cfg->parser_cpu_seconds = cpu;
	assert_non_null(job);
	nanosleep(&pause, NULL);
	assert_int_equal(sandbox_finish(job, got, &why), 0);
	assert_as_in_process(f, 0, &got[0]);
	parsed_mail_free(&got[0]);
}

/* The one running child of this process (the sandbox's), or -1. */
static pid_t
sandbox_child(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = -1;

	while (d && (e = readdir(d)) != NULL) {
		char path[300], buf[512], *p;
		FILE *f;
		int ppid;
		char st;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 1, " %c %d", &st, &ppid) == 2 &&
		    ppid == getpid() && st != 'Z')
			found = atoi(e->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* Size of the results file the child pid writes (its memfd). */
static long long
results_size(pid_t pid)
{
	char dir[64], path[600], link[256];
	DIR *d;
	struct dirent *e;
	long long size = -1;
	struct stat sb;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strstr(link, "socialorder-parse") != NULL &&
		    stat(path, &sb) == 0)
			size = (long long)sb.st_size;
	}
	closedir(d);
	return size;
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

enum { MANY = 2000 };

/* A batch of MANY copies of the first sample, one mail's time 1 s. */
static struct sandbox_job *
start_many(struct fx *f)
{
	static char *raws[MANY];
	static size_t lens[MANY];
	int cpu = f->cfg->parser_cpu_seconds;
	struct sandbox_job *job;

	for (size_t i = 0; i < MANY; i++) {
		raws[i] = raw[0];
		lens[i] = len[0];
	}
	f->cfg->parser_cpu_seconds = -4;  /* one mail's time: 1 s */
	job = sandbox_start(f->cfg, &f->wf.limits, f->profile, raws, lens, NULL,
	    MANY);
	f->cfg->parser_cpu_seconds = cpu;
	assert_non_null(job);
	return job;
}

/*
 * A child that stops delivering is given up after one mail's time, not
 * after the whole batch's (2000 s here).
 */
static void
test_stopped_child_given_up(void **state)
{
	struct fx *f = *state;
	static struct parsed_mail got[MANY];
	struct sandbox_job *job = start_many(f);
	struct timespec t0;
	const char *why = NULL;
	pid_t pid = sandbox_child();

	assert_true(pid > 0);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sandbox_finish(job, got, &why), 1);
	assert_string_equal(why, "parser did not finish in time");
	assert_true(seconds_since(&t0) < 30);
}

/*
 * A batch that takes longer than one mail's time in all, but delivers a
 * result within every mail's time, is not killed.  The child is stopped
 * three times for 0.7 s with short runs between, so the batch takes over
 * 2 s.
 */
static void
test_slow_batch_delivering(void **state)
{
	struct fx *f = *state;
	static struct parsed_mail got[MANY];
	struct sandbox_job *job = start_many(f);
	struct timespec t0;
	const char *why = NULL;
	pid_t pid = sandbox_child(), helper;
	int status;

	assert_true(pid > 0);
	/* Stopped at once, so that it cannot finish before the pauses. */
	assert_int_equal(kill(pid, SIGSTOP), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((helper = fork()) == 0) {
		struct timespec run = { 0, 5 * 1000 * 1000 };
		struct timespec stop = { 0, 700 * 1000 * 1000 };

		for (int k = 0; k < 3; k++) {
			nanosleep(&stop, NULL);
			kill(pid, SIGCONT);
			if (k < 2) {
				nanosleep(&run, NULL);
				kill(pid, SIGSTOP);
			}
		}
		_exit(0);
	}
	assert_true(helper > 0);
	assert_int_equal(sandbox_finish(job, got, &why), 0);
	assert_true(seconds_since(&t0) > 2.0);
	assert_int_equal(waitpid(helper, &status, 0), helper);
	assert_as_in_process(f, 0, &got[0]);
	assert_as_in_process(f, 0, &got[MANY - 1]);
	for (size_t i = 0; i < MANY; i++)
		parsed_mail_free(&got[i]);
}

/*
 * A child that dies midway has handed in the results before its death:
 * they come back, equal to the in-process parse, and only the rest is
 * left for one-by-one parsing.
 */
static void
test_results_before_failure(void **state)
{
	struct fx *f = *state;
	static struct parsed_mail got[MANY];
	struct sandbox_job *job = start_many(f);
	struct timespec slice = { 0, 1000 * 1000 };
	const char *why = NULL;
	size_t done = MANY + 1;
	pid_t pid = sandbox_child();

	assert_true(pid > 0);
	/* Let it run in 1 ms slices until it has handed in some results. */
	assert_int_equal(kill(pid, SIGSTOP), 0);
	for (int k = 0; results_size(pid) < 64 * 1024; k++) {
		assert_true(k < 10000);
		kill(pid, SIGCONT);
		nanosleep(&slice, NULL);
		kill(pid, SIGSTOP);
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(sandbox_finish_some(job, got, &why, &done), 1);
	assert_true(done > 0);
	assert_true(done < MANY);
	for (size_t i = 0; i < done; i++) {
		assert_as_in_process(f, 0, &got[i]);
		parsed_mail_free(&got[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_by_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finished_before_late_look,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stopped_child_given_up,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_batch_delivering,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_results_before_failure,
		    setup, teardown),
	};

	int rc;

	read_samples();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	for (size_t i = 0; i < NMAILS; i++)
		free(raw[i]);
	return rc;
}
