/* SPDX-License-Identifier: MIT */
/*
 * schedule - the Bestellrhythmus: when order runs happen.  Parses the
 * [orders] schedule setting and computes the next and the previous run
 * time in the local time zone (TZ) of the daemon.
 *
 * Parsing is pure.  schedule_next() and schedule_prev() read nothing but
 * the time zone rules (localtime_r); the caller sets TZ and calls tzset()
 * before.  Nothing here knows holidays or remembers which runs were made:
 * whether a run was missed is for the caller to decide with
 * schedule_prev().
 */
#ifndef SO_SCHEDULE_H
#define SO_SCHEDULE_H

#include <stdint.h>

#define SCHEDULE_MAX_LEN 256            /* bytes of a schedule setting */
#define SCHEDULE_MAX_GROUPS 16          /* ";"-separated groups */
#define SCHEDULE_SEARCH_DAYS (5 * 366)  /* how far next/prev look */

struct schedule;        /* opaque */

/*
 * Parse spec: one or more groups separated by ";", each group either
 *
 *   human: day names, then a time H:MM or HH:MM (24 hours), optionally
 *     followed by "Uhr": "Di 10:00", "Mo,Do 09:30", "Mo-Fr 7:15",
 *     "Mo.-Fr. 7:15 Uhr", "täglich 10:00", "daily 10:00".
 *     Days: Mo Di Mi Do Fr Sa So, Montag .. Sonntag (and Sonnabend),
 *     Mon .. Sun, Monday .. Sunday, case-insensitive, each optionally
 *     followed by ".".  Lists with ",", ranges with "-"; a range may wrap
 *     over the weekend ("Fr-Mo" is Fri, Sat, Sun, Mon).  "täglich"
 *     (also "taeglich") and "daily" mean every day and stand alone.
 *
 *   cron: five fields "minute hour day-of-month month day-of-week", each
 *     "*", a number, a range "a-b" (not reversed), a list with ",", each
 *     optionally with a step "/n" ("*" + "/15", "1-30/2"; a single value
 *     with a step runs to the end of the field: minute "5/15" is
 *     "5-59/15").  Month also takes Jan..Dec; day-of-week 0-7 (0 and 7 are
 *     Sunday) and the day names above (a range ending in a Sunday name,
 *     "Mon-Sun", ends at 7).  A group that starts with a digit or
 *     contains a "*" is cron.
 *     If day-of-month and day-of-week are both restricted, a day matches
 *     if EITHER matches (as in cron).  A field is restricted when it does
 *     not contain every value of its range: "1-31" is not restricted,
 *     "*" + "/2" is (unlike Vixie cron, which looks at a leading "*").
 *
 * At most SCHEDULE_MAX_LEN bytes and SCHEDULE_MAX_GROUPS groups.
 * Returns 0 with *s_r (free with schedule_free()), or -1 with *s_r NULL and
 * *error_r a static English message naming the bad part, valid until the
 * next call, e.g. unknown day "Dx", minute 61 out of range 0-59,
 * expected 5 fields (minute hour day-of-month month day-of-week), got 4.
 */
int schedule_parse(const char *spec, struct schedule **s_r,
    const char **error_r);

void schedule_free(struct schedule *s);         /* NULL is fine */

/*
 * The first run time strictly after `after` (Unix seconds), or -1 if there
 * is none within SCHEDULE_SEARCH_DAYS days (e.g. "0 0 31 2 *"), or `after`
 * is outside the years 1900-9999.
 *
 * A run time is a local wall-clock time (date, hour, minute) that the
 * schedule matches, turned into a moment like this:
 *   - it exists once: that moment;
 *   - it exists twice (the hour repeated when daylight saving time ends,
 *     02:30 on 2026-10-25 in Europe/Berlin): the first occurrence only, so
 *     the run is made once; a schedule every 15 minutes therefore has no
 *     runs during the repeated hour;
 *   - it does not exist (the hour skipped when daylight saving time
 *     begins, 02:30 on 2026-03-29 in Europe/Berlin): the first moment
 *     after the gap, 03:00 local time.  Several skipped times all become
 *     that one moment, which is one run.
 * So no scheduled day is lost and none gets two runs.
 */
int64_t schedule_next(const struct schedule *s, int64_t after);

/*
 * The latest run time <= at_or_before, by the same rules, or -1 if there
 * is none within SCHEDULE_SEARCH_DAYS days before (or the time is outside
 * the years 1900-9999).  For every t with a result:
 * schedule_next(s, schedule_prev(s, t)) > t.
 */
int64_t schedule_prev(const struct schedule *s, int64_t at_or_before);

/*
 * A description for logs and messages, caller frees: "Tue 10:00",
 * "Mon-Fri 07:15", "daily 10:00", "Tue 10:00; Fri 14:00"; a group that is
 * not one time on some weekdays is written as normalised cron fields
 * ("0,15,30,45 9-17 * * 1-5").  The description is itself a valid spec for
 * the same schedule if it is not longer than SCHEDULE_MAX_LEN: written out
 * as lists, a long spec ("*" + "/3" in the minutes, many groups) can
 * describe itself in more bytes than schedule_parse() accepts.
 */
char *schedule_describe(const struct schedule *s);

#endif
