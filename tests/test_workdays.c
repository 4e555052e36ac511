/* SPDX-License-Identifier: MIT */
/*
 * test_workdays - tests for daemon/workdays.c in TZ=Europe/Berlin: the
 * holiday list parser (with rows that must fail and the exact message),
 * working days between two moments (weekends, holidays, both DST changes
 * of 2026, midnight boundaries), due dates with workdays_add() (wall-clock
 * time kept across DST, a skipped and a doubled hour in a zone that
 * changes on a Wednesday), and the two functions checked against each
 * other hour by hour across both DST changes.
 *
 * Moments in the tables carry their UTC offset and are converted with
 * timegm(), so the expected values do not depend on the code under test.
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

#include "util.h"
#include "workdays.h"

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* "YYYY-MM-DD HH:MM +HHMM" to epoch seconds. */
static int64_t
at(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, off;
	char sign;

	if (sscanf(s, "%d-%d-%d %d:%d %c%d", &y, &mo, &d, &h, &mi, &sign,
	    &off) != 7)
		fail_msg("bad moment in test table: %s", s);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	off = (off / 100) * 3600 + (off % 100) * 60;
	return (int64_t)timegm(&tm) - (sign == '-' ? -off : off);
}

/* Local "YYYY-MM-DD HH:MM +HHMM" of t, for messages and comparisons. */
static void
show(int64_t t, char out[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(out, 64, "%Y-%m-%d %H:%M %z", &tm);
}

/* ---- parsing ---- */

static char *
dump(const struct workdays *w)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "");
	for (size_t i = 0; i < w->nholidays; i++)
		buf_printf(&b, "%s%d", i ? " " : "", w->holiday[i]);
	return buf_steal(&b);
}

static const struct {
	const char *in;
	const char *out;        /* NULL: must fail */
	const char *error;
} parse_cases[] = {
	{ NULL, "", NULL },
	{ "", "", NULL },
	{ " ,, \t\n ", "", NULL },
	{ "2026-12-24, 2026-12-25 2026-12-31",
	  "20261224 20261225 20261231", NULL },
	{ "2026-12-24,2026-12-25,2026-12-31", "20261224 20261225 20261231",
	  NULL },
	{ "  ,, 2026-12-31 ,\n\t2024-02-29,,2026-01-01\r\n",
	  "20240229 20260101 20261231", NULL },
	{ "2026-12-25 2026-12-24 2026-12-25, 2026-12-24", "20261224 20261225",
	  NULL },
	{ "2000-02-29", "20000229", NULL },
	{ "1970-01-01 9999-12-31", "19700101 99991231", NULL },
	/* must fail */
	{ "2026-12-24;2026-12-25", NULL,
	  "holiday \"2026-12-24;2026-12-25\" is not written YYYY-MM-DD" },
	{ "24.12.2026", NULL, "holiday \"24.12.2026\" is not written YYYY-MM-DD" },
	{ "2026-1-5", NULL, "holiday \"2026-1-5\" is not written YYYY-MM-DD" },
	{ "2026-12-24x", NULL,
	  "holiday \"2026-12-24x\" is not written YYYY-MM-DD" },
	{ "2026/12/24", NULL, "holiday \"2026/12/24\" is not written YYYY-MM-DD" },
	{ "+026-12-24", NULL, "holiday \"+026-12-24\" is not written YYYY-MM-DD" },
	{ "2026-12-24, 2026-12-25, Heiligabend", NULL,
	  "holiday \"Heiligabend\" is not written YYYY-MM-DD" },
	{ "2026-02-29", NULL,
	  "holiday \"2026-02-29\" is not a valid calendar date" },
	{ "2100-02-29", NULL,
	  "holiday \"2100-02-29\" is not a valid calendar date" },
	{ "2026-13-01", NULL,
	  "holiday \"2026-13-01\" is not a valid calendar date" },
	{ "2026-00-10", NULL,
	  "holiday \"2026-00-10\" is not a valid calendar date" },
	{ "2026-04-31", NULL,
	  "holiday \"2026-04-31\" is not a valid calendar date" },
	{ "2026-12-00", NULL,
	  "holiday \"2026-12-00\" is not a valid calendar date" },
	{ "2026-12-32", NULL,
	  "holiday \"2026-12-32\" is not a valid calendar date" },
	{ "1969-12-31", NULL, "holiday \"1969-12-31\" is before 1970" },
	{ "2026-12-2\x01", NULL,
	  "holiday \"2026-12-2\\x01\" is not written YYYY-MM-DD" },
	{ "2026-12-24-2026-12-25-2026-12-26-2026-12-27-2026-12-28", NULL,
	  "holiday \"2026-12-24-2026-12-25-2026-12-26-2026-12...\" "
	  "is not written YYYY-MM-DD" },
};

static void
test_workdays_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(parse_cases); i++) {
		struct workdays w = { (int *)&w, 42 };   /* must be overwritten */
		const char *err = NULL;
		int rc = workdays_parse_holidays(parse_cases[i].in, &w, &err);

		if (parse_cases[i].out == NULL) {
			if (rc != -1)
				fail_msg("row %zu parsed, must fail", i);
			assert_null(w.holiday);
			assert_int_equal(w.nholidays, 0);
			if (strcmp(err, parse_cases[i].error) != 0)
				fail_msg("row %zu: got \"%s\", expected \"%s\"",
				    i, err, parse_cases[i].error);
			continue;
		}
		if (rc != 0)
			fail_msg("row %zu: %s", i, err);
		{
			char *d = dump(&w);

			if (strcmp(d, parse_cases[i].out) != 0)
				fail_msg("row %zu: got \"%s\", expected \"%s\"",
				    i, d, parse_cases[i].out);
			free(d);
		}
		workdays_free(&w);
		assert_null(w.holiday);
		assert_int_equal(w.nholidays, 0);
	}
	workdays_free(NULL);
}

static void
test_workdays_parse_limit(void **state)
{
	struct buf b;
	struct workdays w;
	const char *err = NULL;

	(void)state;
	buf_init(&b, 0);
	for (int i = 0; i < WORKDAYS_MAX_HOLIDAYS; i++)
		buf_printf(&b, "%04d-01-01 ", 1970 + i);
	assert_int_equal(workdays_parse_holidays(buf_cstr(&b), &w, &err), 0);
	assert_int_equal(w.nholidays, WORKDAYS_MAX_HOLIDAYS);
	assert_int_equal(w.holiday[0], 19700101);
	assert_int_equal(w.holiday[WORKDAYS_MAX_HOLIDAYS - 1], 29690101);
	workdays_free(&w);
	buf_puts(&b, "2026-12-24");
	assert_int_equal(workdays_parse_holidays(buf_cstr(&b), &w, &err), -1);
	assert_string_equal(err, "more than 1000 holidays");
	assert_null(w.holiday);
	buf_free(&b);
}

/* ---- workdays_between ---- */

#define XMAS "2026-12-24, 2026-12-25, 2026-12-31, 2027-01-01"

static const struct {
	const char *from, *to;
	const char *holidays;
	int expected;
} between_cases[] = {
	/* Fri 2026-01-09 ... Mon 2026-01-12 */
	{ "2026-01-09 10:00 +0100", "2026-01-12 09:00 +0100", "", 1 },
	{ "2026-01-09 10:00 +0100", "2026-01-09 10:00 +0100", "", 0 },
	{ "2026-01-09 10:00 +0100", "2026-01-09 23:59 +0100", "", 0 },
	{ "2026-01-09 10:00 +0100", "2026-01-10 12:00 +0100", "", 0 },
	{ "2026-01-09 10:00 +0100", "2026-01-11 23:59 +0100", "", 0 },
	{ "2026-01-09 10:00 +0100", "2026-01-12 00:00 +0100", "", 1 },
	{ "2026-01-09 23:59 +0100", "2026-01-12 00:00 +0100", "", 1 },
	{ "2026-01-09 10:00 +0100", "2026-01-12 23:59 +0100", "", 1 },
	{ "2026-01-09 10:00 +0100", "2026-01-13 00:00 +0100", "", 2 },
	{ "2026-01-10 10:00 +0100", "2026-01-12 09:00 +0100", "", 1 },
	{ "2026-01-11 10:00 +0100", "2026-01-12 09:00 +0100", "", 1 },
	{ "2026-01-12 09:00 +0100", "2026-01-16 09:00 +0100", "", 4 },
	{ "2026-01-12 09:00 +0100", "2026-01-19 09:00 +0100", "", 5 },
	{ "2026-01-12 09:00 +0100", "2026-01-19 08:00 +0100", "", 5 },
	{ "2026-01-05 09:00 +0100", "2026-02-02 09:00 +0100", "", 20 },
	{ "2026-01-01 00:00 +0100", "2026-12-31 23:59 +0100", "", 260 },
	/* to before from */
	{ "2026-01-12 09:00 +0100", "2026-01-09 10:00 +0100", "", 0 },
	{ "2026-01-12 09:00 +0100", "2026-01-12 08:00 +0100", "", 0 },
	/* the same instant, but Monday in Berlin, Sunday in UTC */
	{ "2026-01-09 10:00 +0100", "2026-01-11 23:30 +0000", "", 1 },
	/* holidays: Wed 2026-12-23 ... Mon 2026-12-28 */
	{ "2026-12-23 10:00 +0100", "2026-12-28 09:00 +0100", "", 3 },
	{ "2026-12-23 10:00 +0100", "2026-12-28 09:00 +0100", XMAS, 1 },
	{ "2026-12-23 10:00 +0100", "2027-01-04 09:00 +0100", XMAS, 4 },
	{ "2026-12-23 10:00 +0100", "2026-12-28 09:00 +0100", "2026-12-26", 3 },
	{ "2026-12-23 10:00 +0100", "2026-12-24 09:00 +0100", "2026-12-23", 1 },
	{ "2026-12-23 10:00 +0100", "2026-12-24 09:00 +0100", "2026-12-24", 0 },
	{ "2026-12-24 10:00 +0100", "2026-12-25 23:00 +0100", XMAS, 0 },
	{ "2026-12-23 10:00 +0100", "2026-12-28 09:00 +0100", "2025-12-24 "
	  "2027-12-24 2026-12-22 2026-12-29", 3 },
	/* spring DST change, Sun 2026-03-29: Fri 03-27 ... Mon 03-30 */
	{ "2026-03-27 10:00 +0100", "2026-03-30 09:00 +0200", "", 1 },
	{ "2026-03-27 23:30 +0100", "2026-03-30 00:10 +0200", "", 1 },
	{ "2026-03-27 10:00 +0100", "2026-03-29 23:59 +0200", "", 0 },
	{ "2026-03-27 10:00 +0100", "2026-03-30 00:00 +0200", "", 1 },
	{ "2026-03-27 10:00 +0100", "2026-04-03 10:00 +0200", "", 5 },
	{ "2026-03-27 00:00 +0100", "2026-03-27 23:59 +0100", "", 0 },
	/* autumn DST change, Sun 2026-10-25: Fri 10-23 ... Mon 10-26 */
	{ "2026-10-23 10:00 +0200", "2026-10-26 09:00 +0100", "", 1 },
	{ "2026-10-23 10:00 +0200", "2026-10-25 23:59 +0100", "", 0 },
	{ "2026-10-23 10:00 +0200", "2026-10-26 00:00 +0100", "", 1 },
	{ "2026-10-23 23:59 +0200", "2026-10-26 00:00 +0100", "", 1 },
	{ "2026-10-23 10:00 +0200", "2026-10-30 10:00 +0100", "", 5 },
};

static void
test_workdays_between(void **state)
{
	(void)state;
	set_tz("Europe/Berlin");
	for (size_t i = 0; i < SO_NELEM(between_cases); i++) {
		struct workdays w;
		const char *err = NULL;
		int got;

		if (workdays_parse_holidays(between_cases[i].holidays, &w,
		    &err) != 0)
			fail_msg("row %zu: %s", i, err);
		got = workdays_between(&w, at(between_cases[i].from),
		    at(between_cases[i].to));
		if (got != between_cases[i].expected)
			fail_msg("row %zu: %s -> %s: got %d, expected %d", i,
			    between_cases[i].from, between_cases[i].to, got,
			    between_cases[i].expected);
		workdays_free(&w);
	}
	/* No holiday list at all. */
	assert_int_equal(workdays_between(NULL, at("2026-12-23 10:00 +0100"),
	    at("2026-12-28 09:00 +0100")), 3);
	/* A moment no local date exists for. */
	assert_int_equal(workdays_between(NULL, 0, INT64_MAX), -1);
	assert_int_equal(workdays_between(NULL, INT64_MIN, 0), -1);
}

static void
test_workdays_is_workday(void **state)
{
	struct workdays w;
	const char *err = NULL;

	(void)state;
	set_tz("Europe/Berlin");
	assert_int_equal(workdays_parse_holidays(XMAS, &w, &err), 0);
	assert_int_equal(workdays_is_workday(&w, at("2026-12-23 23:59 +0100")), 1);
	assert_int_equal(workdays_is_workday(&w, at("2026-12-24 00:00 +0100")), 0);
	assert_int_equal(workdays_is_workday(NULL, at("2026-12-24 00:00 +0100")), 1);
	assert_int_equal(workdays_is_workday(&w, at("2026-12-26 12:00 +0100")), 0);
	assert_int_equal(workdays_is_workday(&w, at("2026-12-27 12:00 +0100")), 0);
	assert_int_equal(workdays_is_workday(&w, at("2026-12-28 00:00 +0100")), 1);
	/* Sunday 23:30 in UTC is Monday in Berlin. */
	assert_int_equal(workdays_is_workday(&w, at("2026-12-27 23:30 +0000")), 1);
	assert_int_equal(workdays_is_workday(&w, INT64_MAX), 0);
	workdays_free(&w);
}

/* ---- workdays_add ---- */

static const struct {
	const char *tz;
	const char *from;
	int days;
	const char *holidays;
	const char *expected;   /* NULL: -1 expected */
} add_cases[] = {
	{ "Europe/Berlin", "2026-01-09 10:00 +0100", 1, "",
	  "2026-01-12 10:00 +0100" },
	{ "Europe/Berlin", "2026-01-09 10:00 +0100", 0, "",
	  "2026-01-09 10:00 +0100" },
	{ "Europe/Berlin", "2026-01-09 10:00 +0100", -3, "",
	  "2026-01-09 10:00 +0100" },
	{ "Europe/Berlin", "2026-01-12 10:00 +0100", 5, "",
	  "2026-01-19 10:00 +0100" },
	{ "Europe/Berlin", "2026-01-10 10:00 +0100", 1, "",
	  "2026-01-12 10:00 +0100" },
	{ "Europe/Berlin", "2026-01-11 23:59 +0100", 1, "",
	  "2026-01-12 23:59 +0100" },
	{ "Europe/Berlin", "2026-12-23 10:00 +0100", 1, XMAS,
	  "2026-12-28 10:00 +0100" },
	{ "Europe/Berlin", "2026-12-23 10:00 +0100", 3, XMAS,
	  "2026-12-30 10:00 +0100" },
	{ "Europe/Berlin", "2026-12-23 10:00 +0100", 4, XMAS,
	  "2027-01-04 10:00 +0100" },
	{ "Europe/Berlin", "2026-12-23 10:00 +0100", 4, "",
	  "2026-12-29 10:00 +0100" },
	/* wall-clock time kept across the DST changes */
	{ "Europe/Berlin", "2026-03-27 10:00 +0100", 1, "",
	  "2026-03-30 10:00 +0200" },
	{ "Europe/Berlin", "2026-03-27 02:30 +0100", 1, "",
	  "2026-03-30 02:30 +0200" },
	{ "Europe/Berlin", "2026-10-23 10:00 +0200", 1, "",
	  "2026-10-26 10:00 +0100" },
	{ "Europe/Berlin", "2026-10-23 00:00 +0200", 5, "",
	  "2026-10-30 00:00 +0100" },
	/*
	 * A zone that changes on the last Wednesday (2026-03-25 and
	 * 2026-10-28): 02:30 does not exist in spring and exists twice in
	 * autumn.  In spring the time moves forward by the skipped hour.
	 */
	{ "CET-1CEST,M3.5.3/2,M10.5.3/3", "2026-03-24 02:30 +0100", 1, "",
	  "2026-03-25 03:30 +0200" },
	{ "CET-1CEST,M3.5.3/2,M10.5.3/3", "2026-03-24 10:00 +0100", 1, "",
	  "2026-03-25 10:00 +0200" },
	/* limits */
	{ "Europe/Berlin", "2026-01-09 10:00 +0100", WORKDAYS_ADD_MAX + 1, "",
	  NULL },
};

static void
test_workdays_add(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(add_cases); i++) {
		struct workdays w;
		const char *err = NULL;
		int64_t from, got, want;
		char g[64], e[64];

		set_tz(add_cases[i].tz);
		if (workdays_parse_holidays(add_cases[i].holidays, &w, &err) != 0)
			fail_msg("row %zu: %s", i, err);
		from = at(add_cases[i].from);
		got = workdays_add(&w, from, add_cases[i].days);
		want = add_cases[i].expected ? at(add_cases[i].expected) : -1;
		if (got != want) {
			show(got, g);
			show(want, e);
			fail_msg("row %zu: got %s, expected %s", i, g, e);
		}
		if (want != -1 && add_cases[i].days > 0)
			assert_int_equal(workdays_between(&w, from, got),
			    add_cases[i].days);
		workdays_free(&w);
	}

	/* The doubled hour: either 02:30, but on the right day. */
	{
		int64_t got;
		char g[64];

		set_tz("CET-1CEST,M3.5.3/2,M10.5.3/3");
		got = workdays_add(NULL, at("2026-10-27 02:30 +0200"), 1);
		show(got, g);
		if (strncmp(g, "2026-10-28 02:30 ", 17) != 0)
			fail_msg("got %s, expected 2026-10-28 02:30", g);
	}

	set_tz("Europe/Berlin");
	/* The largest allowed step, across many years. */
	assert_true(workdays_add(NULL, at("2026-01-09 10:00 +0100"),
	    WORKDAYS_ADD_MAX) > at("2040-01-01 00:00 +0100"));
	assert_int_equal(workdays_add(NULL, INT64_MAX, 1), -1);
}

/*
 * Every hour from early March to early November 2026, for 0 to 12 working
 * days: workdays_add() lands on a working day at the same wall-clock time,
 * workdays_between() counts exactly the days added, and one second before
 * the due date's midnight one working day less has begun.
 */
static void
test_workdays_consistent(void **state)
{
	struct workdays w;
	const char *err = NULL;
	int64_t start = at("2026-03-02 00:00 +0100");
	int64_t end = at("2026-11-02 00:00 +0100");

	(void)state;
	set_tz("Europe/Berlin");
	assert_int_equal(workdays_parse_holidays("2026-04-03 2026-04-06 "
	    "2026-05-01 2026-05-14 2026-05-25 2026-10-03", &w, &err), 0);
	for (int64_t from = start; from < end; from += 3600) {
		time_t ft = (time_t)from;
		struct tm ftm;

		localtime_r(&ft, &ftm);
		for (int n = 0; n <= 12; n++) {
			int64_t due = workdays_add(&w, from, n);
			time_t dt = (time_t)due;
			struct tm dtm;

			localtime_r(&dt, &dtm);
			if (workdays_between(&w, from, due) != n)
				fail_msg("from %lld, %d days: between says %d",
				    (long long)from, n,
				    workdays_between(&w, from, due));
			if (n == 0)
				continue;
			assert_true(workdays_is_workday(&w, due));
			/* 02:xx on 2026-03-29 is never a due date: a Sunday */
			assert_int_equal(dtm.tm_hour, ftm.tm_hour);
			assert_int_equal(dtm.tm_min, ftm.tm_min);
			dtm.tm_hour = 0;
			dtm.tm_min = 0;
			dtm.tm_sec = 0;
			dtm.tm_isdst = -1;
			assert_int_equal(workdays_between(&w, from,
			    (int64_t)mktime(&dtm) - 1), n - 1);
		}
	}
	workdays_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workdays_parse),
		cmocka_unit_test(test_workdays_parse_limit),
		cmocka_unit_test(test_workdays_between),
		cmocka_unit_test(test_workdays_is_workday),
		cmocka_unit_test(test_workdays_add),
		cmocka_unit_test(test_workdays_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
