/* SPDX-License-Identifier: MIT */
/*
 * workdays - working-day arithmetic for reminders and due dates, in the
 * local time zone (TZ) of the daemon.
 *
 * A working day is a Monday to Friday that is not in the configured
 * holiday list.  Public holidays differ by Land and municipality, so they
 * are configuration; nothing here knows any holiday by itself.  It does
 * not know office hours either: a working day is a whole calendar day.
 */
#ifndef SO_WORKDAYS_H
#define SO_WORKDAYS_H

#include <stddef.h>
#include <stdint.h>

#define WORKDAYS_MAX_HOLIDAYS 1000
#define WORKDAYS_ADD_MAX 3650   /* largest days for workdays_add() */

/*
 * The holidays as yyyymmdd numbers (20261224), sorted, without
 * duplicates.  A zeroed struct (or a NULL pointer where one is read) means
 * "no holidays".
 */
struct workdays {
	int *holiday;
	size_t nholidays;
};

/*
 * Parse a holiday list such as "2026-12-24, 2026-12-25 2026-12-31":
 * ISO dates YYYY-MM-DD (year 1970-9999, a real calendar date), separated
 * by commas and/or white space; an empty or all-separator list is no
 * holidays, and a date given twice counts once.  Fills *w, whose previous
 * contents are overwritten, not freed.  Returns 0, or -1 with *w empty and
 * *error_r naming the bad item (static until the next call), e.g.
 * holiday "2026-02-30" is not a valid calendar date.
 * At most WORKDAYS_MAX_HOLIDAYS dates.  Free with workdays_free().
 */
int workdays_parse_holidays(const char *list, struct workdays *w,
    const char **error_r);
void workdays_free(struct workdays *w);   /* leaves *w empty; NULL is fine */

/* 1 if the local date of t is a working day, else 0. */
int workdays_is_workday(const struct workdays *w, int64_t t);

/*
 * How many working days have begun since from, up to to: the number of
 * working days among the local calendar dates after the date of from, up
 * to and including the date of to.  The times of day do not matter, only
 * the dates, so a request on Friday at 10:00 has 1 working day passed on
 * Monday at 00:00 and still 1 on Monday at 23:59 (and on Saturday 0).
 * Whatever day from falls on, it never counts itself.  0 if to is on or
 * before from's date; -1 if a time cannot be converted to a local date.
 * A reminder "after N working days" is due when this is >= N.
 */
int workdays_between(const struct workdays *w, int64_t from, int64_t to);

/*
 * The moment days working days after from: the days-th working date after
 * from's date, at the same local wall-clock time as from.  So
 * workdays_between(w, from, workdays_add(w, from, n)) == n.  Across a
 * daylight-saving change the wall-clock time is kept, not the number of
 * seconds.  If that wall-clock time does not exist on the target day (the
 * hour skipped in spring), mktime() moves it forward by the gap (02:30
 * becomes 03:30); if it exists twice (autumn), mktime() picks one of them.
 * days <= 0 returns from.  Returns -1 if days > WORKDAYS_ADD_MAX or the
 * time cannot be converted.
 */
int64_t workdays_add(const struct workdays *w, int64_t from, int days);

#endif
