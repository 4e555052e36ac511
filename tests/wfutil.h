/* SPDX-License-Identifier: MIT */
/*
 * wfutil - the fixture of the in-process workflow tests: a database with
 * the sample master data, a configuration with the project's templates,
 * the built-in form profile, and helpers to feed a mail and to read the
 * outbox.  Include after cmocka.h.
 */
#ifndef SO_WFUTIL_H
#define SO_WFUTIL_H

#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "form.h"
#include "testutil.h"
#include "workflow.h"

struct fx {
	struct store *st;
	char *dir;
	struct config *cfg;
	struct form_profile *profile;
	struct workflow wf;
	int64_t uid;
};

static inline int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *ini;
	FILE *fp;
	const char *err;

	f->dir = testutil_db_with_samples(&f->st);
	ini = xasprintf("%s/so.ini", f->dir);
	fp = fopen(ini, "w");
	char cwd[4096];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	fprintf(fp, "[general]\ndatabase = %s/test.db\ntemplates = %s/templates\n"
	    "[imap]\nurl = imap://127.0.0.1:1/INBOX\nuser = bestellung@exempla.test\n"
	    "password = x\n[smtp]\nurl = smtp://127.0.0.1:1\n"
	    "from = bestellung@exempla.test\n[approval]\nthreshold = 250,00\n"
	    "[limits]\nanswers_per_window = 5\n", f->dir, cwd);
	fclose(fp);
	if (config_load(ini, &f->cfg, &err) != 0)
		fail_msg("config: %s", err);
	free(ini);
	f->profile = form_profile_default();
	f->wf.st = f->st;
	f->wf.cfg = f->cfg;
	f->wf.profile = f->profile;
	mime_limits_default(&f->wf.limits);
	setenv("SO_NOW", "1795250000", 1);     /* 2026-11-21 */
	setenv("TZ", "Europe/Berlin", 1);
	*state = f;
	return 0;
}

static inline int
teardown(void **state)
{
	struct fx *f = *state;

	form_profile_free(f->profile);
	config_free(f->cfg);
	testutil_db_done(f->st, f->dir);
	free(f);
	return 0;
}

static inline void
process_file(struct fx *f, const char *path, struct wf_result *res)
{
	char *data;
	size_t len;
	const char *err;

	if (file_read(path, 1 << 24, &data, &len, &err) != 0)
		fail_msg("%s", err);
	if (workflow_process(&f->wf, 1, ++f->uid, data, len, 0, res) != 0)
		fail_msg("%s: workflow_process failed", path);
	free(data);
}

/* Number of outbox rows, and the raw text of the newest one (caller frees). */
static inline int64_t
outbox_last(struct fx *f, char **raw_r, char **rcpt_r)
{
	sqlite3_stmt *s = store_stmt(f->st, "SELECT count(*), "
	    "(SELECT raw FROM outbox ORDER BY id DESC LIMIT 1), "
	    "(SELECT rcpt FROM outbox ORDER BY id DESC LIMIT 1) FROM outbox");
	int64_t n;

	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	if (raw_r)
		*raw_r = store_col_text(s, 1);
	if (rcpt_r)
		*rcpt_r = store_col_text(s, 2);
	sqlite3_reset(s);
	return n;
}

/* Undo quoted-printable soft breaks and =XX for a containment check. */
static inline char *
qp_flat(const char *raw)
{
	struct buf b;

	buf_init(&b, 0);
	for (const char *p = raw; *p; p++) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n')
			p += 2;
		else if (p[0] == '=' && p[1] && p[2]) {
			unsigned v;
			if (sscanf(p + 1, "%2x", &v) == 1) {
				buf_putc(&b, (char)v);
				p += 2;
			} else
				buf_putc(&b, *p);
		} else
			buf_putc(&b, *p);
	}
	return buf_steal(&b);
}

#endif
