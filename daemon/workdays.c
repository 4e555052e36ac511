/* SPDX-License-Identifier: MIT */
/*
 * workdays - working days between two moments and due dates (see
 * workdays.h).
 *
 * The local time zone only decides on which calendar date a moment falls
 * (localtime_r) and which moment a date and wall-clock time mean (mktime).
 * Everything in between counts whole dates as day numbers since
 * 1970-01-01, computed with timegm()/gmtime_r() on UTC noon.  UTC has no
 * daylight saving, so a day is always one step there, whereas adding
 * 86400 seconds to a local time can land on the same or on the next-but-one
 * date around a DST change.
 *
 * It does not read the holiday list from anywhere; the caller passes the
 * configured string to workdays_parse_holidays().
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "workdays.h"

#define SEPARATORS ", \t\r\n\f\v"
#define ITEM_SHOW 40            /* bytes of a bad item shown in an error */

static char errbuf[256];   /* ITEM_SHOW bytes may grow 4-fold escaped */

/* ---- dates as day numbers ---- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
day_number(int year, int mon, int mday)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = 12;
	return floor_div((int64_t)timegm(&tm), 86400);
}

/* Fill tm with the date of day number dn; 0, or -1 if out of range. */
static int
day_date(int64_t dn, struct tm *tm)
{
	time_t t = (time_t)(dn * 86400 + 43200);

	return gmtime_r(&t, tm) == NULL ? -1 : 0;
}

/* 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday. */
static int
day_weekday(int64_t dn)
{
	int64_t k = dn + 4;

	return (int)(k - floor_div(k, 7) * 7);
}

/* Local date of t as day number; -1 with *dn untouched if impossible. */
static int
local_day(int64_t t, int64_t *dn, struct tm *tm_r)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || localtime_r(&tt, &tm) == NULL)
		return -1;
	*dn = day_number(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (tm_r != NULL)
		*tm_r = tm;
	return 0;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int
is_holiday(const struct workdays *w, int64_t dn)
{
	struct tm tm;
	int key;

	if (w == NULL || w->nholidays == 0 || day_date(dn, &tm) != 0)
		return 0;
	key = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	return bsearch(&key, w->holiday, w->nholidays, sizeof(int),
	    cmp_int) != NULL;
}

static int
is_working(const struct workdays *w, int64_t dn)
{
	int wd = day_weekday(dn);

	return wd != 0 && wd != 6 && !is_holiday(w, dn);
}

/* ---- the holiday list ---- */

static int
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
parse_fail(const char *item, size_t len, const char *what,
    const char **error_r)
{
	char *shown = xstrndup(item, len);
	char *safe = str_log_safe(shown, ITEM_SHOW);   /* adds "..." if cut */

	snprintf(errbuf, sizeof(errbuf), "holiday \"%s\" %s", safe, what);
	free(safe);
	free(shown);
	*error_r = errbuf;
	return -1;
}

/* One item "YYYY-MM-DD" of len bytes into yyyymmdd. */
static int
parse_date(const char *s, size_t len, int *date_r, const char **error_r)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return parse_fail(s, len, "is not written YYYY-MM-DD", error_r);
	for (size_t i = 0; i < len; i++)
		if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
			return parse_fail(s, len, "is not written YYYY-MM-DD",
			    error_r);
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970)
		return parse_fail(s, len, "is before 1970", error_r);
	if (m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap_year(y)))
		return parse_fail(s, len, "is not a valid calendar date", error_r);
	*date_r = y * 10000 + m * 100 + d;
	return 0;
}

int
workdays_parse_holidays(const char *list, struct workdays *w,
    const char **error_r)
{
	const char *p = list ? list : "";
	int *days = NULL;
	size_t n = 0, cap = 0, out;

	w->holiday = NULL;
	w->nholidays = 0;
	for (;;) {
		size_t len;
		int date;

		p += strspn(p, SEPARATORS);
		if (*p == '\0')
			break;
		len = strcspn(p, SEPARATORS);
		if (parse_date(p, len, &date, error_r) != 0) {
			free(days);
			return -1;
		}
		if (n == WORKDAYS_MAX_HOLIDAYS) {
			free(days);
			snprintf(errbuf, sizeof(errbuf), "more than %d holidays",
			    WORKDAYS_MAX_HOLIDAYS);
			*error_r = errbuf;
			return -1;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			days = xreallocarray(days, cap, sizeof(*days));
		}
		days[n++] = date;
		p += len;
	}
	if (n == 0)
		return 0;
	qsort(days, n, sizeof(*days), cmp_int);
	out = 1;
	for (size_t i = 1; i < n; i++)
		if (days[i] != days[out - 1])
			days[out++] = days[i];
	w->holiday = days;
	w->nholidays = out;
	return 0;
}

void
workdays_free(struct workdays *w)
{
	if (w == NULL)
		return;
	free(w->holiday);
	w->holiday = NULL;
	w->nholidays = 0;
}

/* ---- counting ---- */

int
workdays_is_workday(const struct workdays *w, int64_t t)
{
	int64_t dn;

	if (local_day(t, &dn, NULL) != 0)
		return 0;
	return is_working(w, dn);
}

/*
 * Monday to Friday among the day numbers below dn, counted from the
 * Monday 1969-12-29 (day -3); negative before it.  Only differences of
 * this are used, so the origin does not matter as long as it is a Monday.
 */
static int64_t
weekdays_before(int64_t dn)
{
	int64_t k = dn + 3;
	int64_t weeks = floor_div(k, 7);
	int64_t rest = k - weeks * 7;   /* 0 = Monday ... 6 = Sunday */

	return weeks * 5 + (rest < 5 ? rest : 5);
}

int
workdays_between(const struct workdays *w, int64_t from, int64_t to)
{
	int64_t a, b, count;

	if (local_day(from, &a, NULL) != 0 || local_day(to, &b, NULL) != 0)
		return -1;
	if (b <= a)
		return 0;
	/* Dates a+1 .. b: weekdays, less the holidays among them. */
	count = weekdays_before(b + 1) - weekdays_before(a + 1);
	for (size_t i = 0; w != NULL && i < w->nholidays; i++) {
		int h = w->holiday[i];
		int64_t dn = day_number(h / 10000, h / 100 % 100, h % 100);
		int wd = day_weekday(dn);

		if (dn > a && dn <= b && wd != 0 && wd != 6)
			count--;
	}
	return count > INT_MAX ? INT_MAX : (int)count;
}

int64_t
workdays_add(const struct workdays *w, int64_t from, int days)
{
	struct tm local, date;
	int64_t dn;
	time_t t;

	if (days > WORKDAYS_ADD_MAX)
		return -1;
	if (days <= 0)
		return from;
	if (local_day(from, &dn, &local) != 0)
		return -1;
	/* Ends: 5 of every 7 dates work, at most WORKDAYS_MAX_HOLIDAYS not. */
	while (days > 0) {
		dn++;
		if (is_working(w, dn))
			days--;
	}
	if (day_date(dn, &date) != 0)
		return -1;
	local.tm_year = date.tm_year;
	local.tm_mon = date.tm_mon;
	local.tm_mday = date.tm_mday;
	local.tm_isdst = -1;
	t = mktime(&local);
	if (t == (time_t)-1)
		return -1;
	return (int64_t)t;
}
