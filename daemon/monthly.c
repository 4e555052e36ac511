/* SPDX-License-Identifier: MIT */
/*
 * monthly - last month's report to einkauf, once.  See monthly.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "masterdata.h"
#include "monthly.h"
#include "notify.h"
#include "report.h"
#include "util.h"

/* Local midnight of the first day of the month of t, shifted by delta months. */
static int64_t
month_start(int64_t t, int delta)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mon += delta;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static char *
render(struct store *st, struct report_opts *o, size_t *len_r)
{
	char *data = NULL;
	FILE *f = open_memstream(&data, len_r);
	const char *err;
	int rc;

	if (f == NULL)
		fatalx("open_memstream failed");
	rc = report_write(st, o, f, &err);
	fclose(f);
	if (rc == -1) {
		log_error("monthly report: %s", err);
		free(data);
		return NULL;
	}
	return data;
}

int
monthly_run_due(struct store *st, const struct config *cfg, int64_t now)
{
	struct report_opts o = { 0 };
	struct mailout_attachment att[2] = { { 0 }, { 0 } };
	struct notify_ctx n = { st, cfg, now, NULL, NULL, 0 };
	char month[8], label[32], *to = NULL, *csv = NULL, *html = NULL;
	char fcsv[40], fhtml[40];
	size_t lcsv = 0, lhtml = 0;
	struct tvars *v = NULL;
	sqlite3_stmt *s;
	time_t tt;
	struct tm tm;
	int rc = -1, done;

	if (!cfg->monthly_mail)
		return 0;
	o.from = month_start(now, -1);
	o.to = month_start(now, 0);
	tt = (time_t)o.from;
	localtime_r(&tt, &tm);
	strftime(month, sizeof(month), "%Y-%m", &tm);
	strftime(label, sizeof(label), "%m/%Y", &tm);
	s = store_stmt(st, "SELECT count(*) FROM report_log WHERE month = ?");
	store_bind_text(s, 1, month);
	done = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_reset(s);
	if (done != 0)
		return done > 0 ? 0 : -1;
	if (masterdata_role_first(st, "einkauf", &to) != 1) {
		log_warn("monthly report: no person with role einkauf");
		return 0;
	}
	o.by = REPORT_BY_KOSTENSTELLE;
	o.format = REPORT_CSV;
	if ((csv = render(st, &o, &lcsv)) == NULL)
		goto out;
	o.format = REPORT_HTML;
	if ((html = render(st, &o, &lhtml)) == NULL)
		goto out;
	snprintf(fcsv, sizeof(fcsv), "bericht-%s.csv", month);
	snprintf(fhtml, sizeof(fhtml), "bericht-%s.html", month);
	att[0] = (struct mailout_attachment){ "text/csv; charset=utf-8", fcsv, csv, lcsv };
	att[1] = (struct mailout_attachment){ "text/html; charset=utf-8", fhtml, html, lhtml };
	v = tvars_new();
	notify_common_vars(v, &n);
	tvars_set(v, "month", label);
	if (store_begin(st) == -1)
		goto out;
	s = store_stmt(st, "INSERT INTO report_log (month, at) VALUES (?, ?)");
	store_bind_text(s, 1, month);
	sqlite3_bind_int64(s, 2, now);
	if (store_step_done(st, s) == -1 || notify_send_att(&n, "monthly_report",
	    v, 0, 0, "report", to, NULL, att, 2, NULL) != 1) {
		store_rollback(st);
		goto out;
	}
	if (store_commit(st) == -1)
		goto out;       /* rolled back by store_commit() */
	log_info("monthly report %s sent to %s", month, to);
	rc = 1;
out:
	tvars_free(v);
	free(csv);
	free(html);
	free(to);
	return rc;
}
