/* SPDX-License-Identifier: MIT */
/*
 * schedule - parse the Bestellrhythmus and find run times (see schedule.h).
 *
 * Both spellings, "Di 10:00" and cron, become the same thing: per group
 * one bit mask per cron field.  A human group is a cron group with one
 * minute, one hour, every day of the month and some days of the week.
 *
 * Run times are searched day by day over local calendar dates, counted as
 * day numbers since 1970-01-01 with pure integer arithmetic (no time zone
 * involved), and only the wall-clock times a matching day asks for are
 * turned into moments (wall_resolve).  That is where daylight saving time
 * is handled, in one place, by asking localtime_r() which UTC offsets
 * are in force around the time instead of trusting mktime()'s guess:
 * glibc's mktime() moves a skipped 02:30 to 03:30 and picks either
 * occurrence of a repeated 02:30, and we want 03:00 and the first one.
 *
 * Every wall-clock time maps to a moment that is not earlier than the
 * moment of any earlier wall-clock time (first occurrences and gap ends
 * are both monotonic), so the first match found going forward (or the
 * last going backward) is the answer.
 *
 * It does not know holidays and does not decide whether a run is due.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schedule.h"
#include "util.h"

#define WS " \t\r\n\f\v"
#define ITEM_SHOW 40            /* bytes of a bad item shown in an error */
#define MAX_WORD 24             /* longer words are no day or month name */
#define DAY_DAILY 7             /* "täglich" in the day name table */

/* Moments outside these (1900-01-01 and 9999-12-31 UTC) are refused. */
#define T_MIN ((int64_t)-2208988800)
#define T_MAX ((int64_t)253402300799)

#define MASK(lo, hi) ((((uint64_t)1 << ((hi) + 1)) - 1) & \
	~(((uint64_t)1 << (lo)) - 1))
#define FULL_MDAY MASK(1, 31)
#define FULL_MONTH MASK(1, 12)
#define FULL_WDAY MASK(0, 6)

struct group {
	uint64_t minute;        /* bit n set: minute n */
	uint64_t hour;
	uint64_t mday;          /* bits 1-31 */
	uint64_t month;         /* bits 1-12 */
	uint64_t wday;          /* bits 0-6, 0 = Sunday */
};

struct schedule {
	size_t ngroups;
	struct group group[SCHEDULE_MAX_GROUPS];
};

enum names { NAMES_NONE, NAMES_MONTH, NAMES_DAY };

struct field {
	const char *name;
	int lo, hi;
	enum names names;
};

static const struct field fields[5] = {
	{ "minute", 0, 59, NAMES_NONE },
	{ "hour", 0, 23, NAMES_NONE },
	{ "day-of-month", 1, 31, NAMES_NONE },
	{ "month", 1, 12, NAMES_MONTH },
	{ "day-of-week", 0, 7, NAMES_DAY },
};

static const struct {
	const char *name;       /* lower case, UTF-8 */
	int wday;               /* 0 = Sunday, DAY_DAILY = every day */
} day_names[] = {
	{ "mo", 1 }, { "montag", 1 }, { "mon", 1 }, { "monday", 1 },
	{ "di", 2 }, { "dienstag", 2 }, { "tue", 2 }, { "tuesday", 2 },
	{ "mi", 3 }, { "mittwoch", 3 }, { "wed", 3 }, { "wednesday", 3 },
	{ "do", 4 }, { "donnerstag", 4 }, { "thu", 4 }, { "thursday", 4 },
	{ "fr", 5 }, { "freitag", 5 }, { "fri", 5 }, { "friday", 5 },
	{ "sa", 6 }, { "samstag", 6 }, { "sonnabend", 6 }, { "sat", 6 },
	{ "saturday", 6 },
	{ "so", 0 }, { "sonntag", 0 }, { "sun", 0 }, { "sunday", 0 },
	{ "t\xc3\xa4glich", DAY_DAILY }, { "taeglich", DAY_DAILY },
	{ "daily", DAY_DAILY },
};

static const char *const month_names[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

/* For schedule_describe(); indexed like tm_wday. */
static const char *const wday_short[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

static char errbuf[320];
static char showbuf[ITEM_SHOW * 4 + 8];

/* ---- errors ---- */

static int SO_ATTR_PRINTF(2, 3)
fail(const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	if (error_r != NULL)
		*error_r = errbuf;
	return -1;
}

/* p[0..n) cut and escaped for an error message; one at a time. */
static const char *
show(const char *p, size_t n)
{
	char tmp[ITEM_SHOW * 2];
	char *safe;

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	safe = str_log_safe(tmp, ITEM_SHOW);
	snprintf(showbuf, sizeof(showbuf), "%s", safe);
	free(safe);
	return showbuf;
}

static const char *
show_word(const char *p)
{
	return show(p, strcspn(p, WS));
}

/* ---- small lexical helpers ---- */

static int
is_ws(char c)
{
	return c != '\0' && strchr(WS, c) != NULL;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Letters of a name: ASCII letters and any byte of a UTF-8 sequence. */
static int
is_name_byte(char c)
{
	unsigned char u = (unsigned char)c;

	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0x80;
}

static const char *
skip_ws(const char *p)
{
	while (is_ws(*p))
		p++;
	return p;
}

/*
 * Lower-case copy of name p[0..n) into out (MAX_WORD bytes); "Ä" becomes
 * "ä" so that "TÄGLICH" is found.  0, or -1 if too long to be any name.
 */
static int
name_fold(const char *p, size_t n, char out[MAX_WORD])
{
	size_t i, o = 0;

	if (n >= MAX_WORD)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (c == 0x84 && o > 0 && (unsigned char)out[o - 1] == 0xc3)
			c = 0xa4;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* 0-6 (0 = Sunday), DAY_DAILY, or -1 if p[0..n) is no day name. */
static int
day_lookup(const char *p, size_t n)
{
	char w[MAX_WORD];

	if (name_fold(p, n, w) == -1)
		return -1;
	for (size_t i = 0; i < SO_NELEM(day_names); i++)
		if (strcmp(w, day_names[i].name) == 0)
			return day_names[i].wday;
	return -1;
}

/* 1-12, or -1. */
static int
month_lookup(const char *p, size_t n)
{
	char w[MAX_WORD];

	if (name_fold(p, n, w) == -1)
		return -1;
	for (int i = 0; i < 12; i++)
		if (strcmp(w, month_names[i]) == 0)
			return i + 1;
	return -1;
}

static int
count_bits(uint64_t m)
{
	int n = 0;

	for (; m != 0; m &= m - 1)
		n++;
	return n;
}

/* ---- human form: "Mo,Mi-Fr 10:00" ---- */

/* One day name at *pp, optionally followed by "."; advances *pp. */
static int
day_word(const char **pp, int *day_r, const char **error_r)
{
	const char *p = *pp, *start = p;

	while (is_name_byte(*p))
		p++;
	if (p == start) {
		if (*p == '\0')
			return fail(error_r, "missing day name at the end of "
			    "the days");
		return fail(error_r, "expected a day name, got \"%s\"",
		    show_word(start));
	}
	*day_r = day_lookup(start, (size_t)(p - start));
	if (*day_r == -1)
		return fail(error_r, "unknown day \"%s\"",
		    show(start, (size_t)(p - start)));
	if (*p == '.')
		p++;
	*pp = p;
	return 0;
}

static int
days_parse(const char *p, uint64_t *wday_r, const char **error_r)
{
	uint64_t mask = 0;
	int daily = 0, items = 0;

	for (;;) {
		int a, b;

		p = skip_ws(p);
		if (*p == '\0' && items > 0)
			break;          /* "Di, 10:00": a trailing comma */
		if (day_word(&p, &a, error_r) == -1)
			return -1;
		p = skip_ws(p);
		if (*p == '-') {
			p = skip_ws(p + 1);
			if (day_word(&p, &b, error_r) == -1)
				return -1;
			if (a == DAY_DAILY || b == DAY_DAILY)
				return fail(error_r, "\"daily\" (\"t\xc3\xa4glich\") "
				    "cannot be part of a range");
			/* The week is a circle: "Fr-Mo" is Fri to Mon. */
			for (int d = a;; d = (d + 1) % 7) {
				mask |= (uint64_t)1 << d;
				if (d == b)
					break;
			}
			p = skip_ws(p);
		} else if (a == DAY_DAILY) {
			daily = 1;
		} else {
			mask |= (uint64_t)1 << a;
		}
		items++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		if (is_digit(*p) && memchr(p, ':', strcspn(p, WS)) != NULL)
			return fail(error_r, "time \"%s\" must be the last word "
			    "of a group (separate groups with \";\")",
			    show_word(p));
		return fail(error_r, "expected \",\" or \"-\" between days, "
		    "got \"%s\"", show_word(p));
	}
	if (daily && items > 1)
		return fail(error_r, "\"daily\" (\"t\xc3\xa4glich\") cannot be "
		    "combined with other days");
	*wday_r = daily ? FULL_WDAY : mask;
	return 0;
}

/* "7:15", "07:15", "23:59". */
static int
time_parse(const char *s, int *hour_r, int *minute_r, const char **error_r)
{
	const char *p = s;
	int h = 0, m;

	if (!is_digit(p[0]))
		return fail(error_r, "bad time \"%s\" (expected HH:MM)",
		    show_word(s));
	h = *p++ - '0';
	if (is_digit(*p))
		h = h * 10 + (*p++ - '0');
	if (p[0] != ':' || !is_digit(p[1]) || !is_digit(p[2]) || p[3] != '\0')
		return fail(error_r, "bad time \"%s\" (expected HH:MM)",
		    show_word(s));
	m = (p[1] - '0') * 10 + (p[2] - '0');
	if (h > 23)
		return fail(error_r, "hour %d out of range 0-23", h);
	if (m > 59)
		return fail(error_r, "minute %d out of range 0-59", m);
	*hour_r = h;
	*minute_r = m;
	return 0;
}

/* text: one trimmed, non-empty group that does not start like cron. */
static int
human_parse(char *text, struct group *g, const char **error_r)
{
	char *end = text + strlen(text), *sp;
	int h = 0, m = 0;

	/* An optional trailing "Uhr", as in "Di 10:00 Uhr". */
	if (end - text > 4 && str_casecmp(end - 3, "uhr") == 0 &&
	    is_ws(end[-4])) {
		end -= 4;
		while (end > text && is_ws(end[-1]))
			end--;
		*end = '\0';
	}
	sp = end;
	while (sp > text && !is_ws(sp[-1]))
		sp--;
	if (sp == text || !is_digit(*sp))
		return fail(error_r, "missing time after \"%s\"", show(sp,
		    (size_t)(end - sp)));
	if (time_parse(sp, &h, &m, error_r) == -1)
		return -1;
	sp[-1] = '\0';
	if (days_parse(text, &g->wday, error_r) == -1)
		return -1;
	g->minute = (uint64_t)1 << m;
	g->hour = (uint64_t)1 << h;
	g->mday = FULL_MDAY;
	g->month = FULL_MONTH;
	return 0;
}

/* ---- cron form: "0 10 * * 2" ---- */

/*
 * One value of field f at *pp: digits, or a month or day name where the
 * field has names (*name_r set to 1 then).
 */
static int
value_parse(const char **pp, const struct field *f, int *v_r, int *name_r,
    const char **error_r)
{
	const char *p = *pp, *start = p;
	int v = 0;

	*name_r = 0;
	if (is_digit(*p)) {
		while (is_digit(*p)) {
			if (v < 10000)
				v = v * 10 + (*p - '0');
			p++;
		}
		if (v < f->lo || v > f->hi)
			return fail(error_r, "%s %s out of range %d-%d", f->name,
			    show(start, (size_t)(p - start)), f->lo, f->hi);
	} else if (is_name_byte(*p)) {
		while (is_name_byte(*p))
			p++;
		*name_r = 1;
		if (f->names == NAMES_MONTH) {
			v = month_lookup(start, (size_t)(p - start));
			if (v == -1)
				return fail(error_r, "unknown month \"%s\"",
				    show(start, (size_t)(p - start)));
		} else if (f->names == NAMES_DAY) {
			v = day_lookup(start, (size_t)(p - start));
			if (v == -1 || v == DAY_DAILY)
				return fail(error_r, "unknown day \"%s\"",
				    show(start, (size_t)(p - start)));
		} else {
			return fail(error_r, "expected a number in the %s field, "
			    "got \"%s\"", f->name, show(start,
			    (size_t)(p - start)));
		}
	} else if (*p == '\0') {
		return fail(error_r, "missing value at the end of the %s field",
		    f->name);
	} else {
		return fail(error_r, "expected a value in the %s field, got "
		    "\"%s\"", f->name, show_word(p));
	}
	*pp = p;
	*v_r = v;
	return 0;
}

static int
field_parse(const char *text, const struct field *f, uint64_t *mask_r,
    const char **error_r)
{
	const char *p = text;
	uint64_t mask = 0;

	for (;;) {
		int a, b, step = 1, single = 0, name;

		if (*p == '*') {
			a = f->lo;
			b = f->hi;
			p++;
		} else {
			if (value_parse(&p, f, &a, &name, error_r) == -1)
				return -1;
			b = a;
			single = 1;
			if (*p == '-') {
				p++;
				if (value_parse(&p, f, &b, &name, error_r) == -1)
					return -1;
				/* "Mon-Sun": Sunday as the end of a range is 7 */
				if (f->names == NAMES_DAY && name && b == 0 && a > 0)
					b = 7;
				if (b < a)
					return fail(error_r, "reversed range "
					    "%d-%d in the %s field", a, b,
					    f->name);
				single = 0;
			}
		}
		if (*p == '/') {
			int span = f->hi - f->lo + 1;

			p++;
			if (!is_digit(*p))
				return fail(error_r, "missing step after \"/\" in "
				    "the %s field", f->name);
			step = 0;
			while (is_digit(*p)) {
				if (step < 10000)
					step = step * 10 + (*p - '0');
				p++;
			}
			if (step < 1 || step > span)
				return fail(error_r, "step %d out of range 1-%d "
				    "in the %s field", step, span, f->name);
			if (single)     /* "5/15" is "5-59/15" */
				b = f->hi;
		}
		for (int v = a; v <= b; v += step)
			mask |= (uint64_t)1 << v;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		return fail(error_r, "unexpected \"%s\" in the %s field",
		    show_word(p), f->name);
	}
	*mask_r = mask;
	return 0;
}

static int
cron_parse(char *text, struct group *g, const char **error_r)
{
	char *word[5], *p = text;
	uint64_t mask[5];
	size_t n = 0;

	for (;;) {
		p += strspn(p, WS);
		if (*p == '\0')
			break;
		if (n == 5)
			return fail(error_r, "expected 5 fields (minute hour "
			    "day-of-month month day-of-week), got more");
		word[n++] = p;
		p += strcspn(p, WS);
		if (*p != '\0')
			*p++ = '\0';
	}
	if (n != 5)
		return fail(error_r, "expected 5 fields (minute hour "
		    "day-of-month month day-of-week), got %zu", n);
	for (size_t i = 0; i < 5; i++)
		if (field_parse(word[i], &fields[i], &mask[i], error_r) == -1)
			return -1;
	g->minute = mask[0];
	g->hour = mask[1];
	g->mday = mask[2];
	g->month = mask[3];
	g->wday = mask[4];
	if (g->wday & ((uint64_t)1 << 7))
		g->wday = (g->wday | 1) & FULL_WDAY;
	return 0;
}

/* Day names never contain "*", so "a 0 * * *" is a cron typo. */
static int
group_parse(char *text, struct group *g, const char **error_r)
{
	if (is_digit(text[0]) || strchr(text, '*') != NULL) {
		if (memchr(text, ':', strcspn(text, WS)) != NULL)
			return fail(error_r, "missing day before the time \"%s\" "
			    "(e.g. \"Di 10:00\" or \"t\xc3\xa4glich 10:00\")",
			    show_word(text));
		return cron_parse(text, g, error_r);
	}
	return human_parse(text, g, error_r);
}

int
schedule_parse(const char *spec, struct schedule **s_r, const char **error_r)
{
	char work[SCHEDULE_MAX_LEN + 1];
	struct schedule *s;
	char *p;
	size_t len;

	*s_r = NULL;
	if (spec == NULL)
		return fail(error_r, "no schedule given");
	len = strlen(spec);
	if (len > SCHEDULE_MAX_LEN)
		return fail(error_r, "schedule longer than %d bytes",
		    SCHEDULE_MAX_LEN);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)spec[i];

		if ((c < 0x20 && !is_ws((char)c)) || c == 0x7f)
			return fail(error_r, "control character 0x%02x in the "
			    "schedule", c);
	}
	if (spec[strspn(spec, WS)] == '\0')
		return fail(error_r, "empty schedule");
	memcpy(work, spec, len + 1);

	s = xcalloc(1, sizeof(*s));
	p = work;
	for (;;) {
		char *semi = strchr(p, ';'), *text;

		if (semi != NULL)
			*semi = '\0';
		text = str_trim(p);
		if (*text == '\0') {
			fail(error_r, "empty group (\";\" at an end or twice)");
			goto bad;
		}
		if (s->ngroups == SCHEDULE_MAX_GROUPS) {
			fail(error_r, "more than %d groups", SCHEDULE_MAX_GROUPS);
			goto bad;
		}
		if (group_parse(text, &s->group[s->ngroups], error_r) == -1)
			goto bad;
		s->ngroups++;
		if (semi == NULL)
			break;
		p = semi + 1;
	}
	*s_r = s;
	return 0;
bad:
	free(s);
	return -1;
}

void
schedule_free(struct schedule *s)
{
	free(s);
}

/* ---- calendar arithmetic (proleptic Gregorian, no time zone) ---- */

/* Day number since 1970-01-01 of a date (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Month (1-12) and day (1-31) of day number z. */
static void
civil_from_days(int64_t z, int *m_r, int *d_r)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d_r = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m_r = (int)(mp < 10 ? mp + 3 : mp - 9);
}

/* 0 = Sunday; day 0 (1970-01-01) was a Thursday. */
static int
weekday(int64_t z)
{
	int64_t r = (z + 4) % 7;

	return (int)(r < 0 ? r + 7 : r);
}

static int
group_matches_day(const struct group *g, int64_t dn)
{
	int mon, mday, dom, dow;

	civil_from_days(dn, &mon, &mday);
	if (!(g->month >> mon & 1))
		return 0;
	dom = (int)(g->mday >> mday & 1);
	dow = (int)(g->wday >> weekday(dn) & 1);
	/* cron: two restricted day fields mean either, not both */
	if (g->mday != FULL_MDAY && g->wday != FULL_WDAY)
		return dom || dow;
	return dom && dow;
}

/* ---- local time ---- */

static int
utc_offset(int64_t t, int64_t *off_r)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return -1;
	*off_r = tm.tm_gmtoff;
	return 0;
}

/* Local wall-clock time of t as seconds since 1970 read as if UTC. */
static int
wall_of(int64_t t, int64_t *w_r)
{
	int64_t off;

	if (utc_offset(t, &off) == -1)
		return -1;
	*w_r = t + off;
	return 0;
}

static int
local_day(int64_t t, int64_t *dn_r)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return -1;
	*dn_r = days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
	return 0;
}

/*
 * The moment of wall-clock time w (local time read as if UTC), by the
 * rules in schedule.h.  The offsets in force a day before, at and a day
 * after w are the candidates (a zone changes its offset at most once in
 * two days); a candidate is right if the moment it gives really has that
 * offset.  The earliest right one is the first occurrence.  If none is
 * right, w lies in a gap and the clock jumps over it at some moment
 * between the candidates: that moment, found by bisection, is the first
 * valid one after the gap.  -1 if the zone does something else.
 */
static int
wall_resolve(int64_t w, int64_t *t_r)
{
	static const int64_t probe[3] = { -86400, 0, 86400 };
	int64_t off[3], omin, omax, lo, hi, wl, wh;
	int found = 0;

	for (int i = 0; i < 3; i++)
		if (utc_offset(w + probe[i], &off[i]) == -1)
			return -1;
	omin = omax = off[0];
	for (int i = 0; i < 3; i++) {
		int64_t t = w - off[i], o;

		if (utc_offset(t, &o) == -1)
			return -1;
		if (o == off[i] && (!found || t < *t_r)) {
			*t_r = t;
			found = 1;
		}
		if (off[i] < omin)
			omin = off[i];
		if (off[i] > omax)
			omax = off[i];
	}
	if (found)
		return 0;
	lo = w - omax;
	hi = w - omin;
	if (wall_of(lo, &wl) == -1 || wall_of(hi, &wh) == -1 || wl >= w ||
	    wh <= w)
		return -1;
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2, wm;

		if (wall_of(mid, &wm) == -1)
			return -1;
		if (wm > w)
			hi = mid;
		else
			lo = mid;
	}
	*t_r = hi;
	return 0;
}

/* Earliest moment of group g on day dn that is > after; 0 or -1. */
static int
group_first_after(const struct group *g, int64_t dn, int64_t after,
    int64_t *t_r)
{
	for (int h = 0; h < 24; h++) {
		if (!(g->hour >> h & 1))
			continue;
		for (int m = 0; m < 60; m++) {
			int64_t t;

			if (!(g->minute >> m & 1))
				continue;
			if (wall_resolve(dn * 86400 + h * 3600 + m * 60, &t) == 0 &&
			    t > after) {
				*t_r = t;
				return 0;
			}
		}
	}
	return -1;
}

/* Latest moment of group g on day dn that is <= at; 0 or -1. */
static int
group_last_at_or_before(const struct group *g, int64_t dn, int64_t at,
    int64_t *t_r)
{
	for (int h = 23; h >= 0; h--) {
		if (!(g->hour >> h & 1))
			continue;
		for (int m = 59; m >= 0; m--) {
			int64_t t;

			if (!(g->minute >> m & 1))
				continue;
			if (wall_resolve(dn * 86400 + h * 3600 + m * 60, &t) == 0 &&
			    t <= at) {
				*t_r = t;
				return 0;
			}
		}
	}
	return -1;
}

int64_t
schedule_next(const struct schedule *s, int64_t after)
{
	int64_t d0;

	if (s == NULL || after < T_MIN || after > T_MAX ||
	    local_day(after, &d0) == -1)
		return -1;
	/* Times of earlier days map to moments <= after (monotonic). */
	for (int64_t dn = d0; dn <= d0 + SCHEDULE_SEARCH_DAYS; dn++) {
		int64_t best = 0, t;
		int found = 0;

		for (size_t i = 0; i < s->ngroups; i++) {
			const struct group *g = &s->group[i];

			if (group_matches_day(g, dn) &&
			    group_first_after(g, dn, after, &t) == 0 &&
			    (!found || t < best)) {
				best = t;
				found = 1;
			}
		}
		if (found)
			return best;
	}
	return -1;
}

int64_t
schedule_prev(const struct schedule *s, int64_t at_or_before)
{
	int64_t d0;

	if (s == NULL || at_or_before < T_MIN || at_or_before > T_MAX ||
	    local_day(at_or_before, &d0) == -1)
		return -1;
	/*
	 * Starts a day late: where the clock is put back over midnight, the
	 * next date's first times can come before a moment of this date.
	 */
	for (int64_t dn = d0 + 1; dn >= d0 - SCHEDULE_SEARCH_DAYS; dn--) {
		int64_t best = 0, t;
		int found = 0;

		for (size_t i = 0; i < s->ngroups; i++) {
			const struct group *g = &s->group[i];

			if (group_matches_day(g, dn) &&
			    group_last_at_or_before(g, dn, at_or_before, &t) == 0 &&
			    (!found || t > best)) {
				best = t;
				found = 1;
			}
		}
		if (found)
			return best;
	}
	return -1;
}

/* ---- description ---- */

/* Values lo..hi of mask as a cron field: "*", "1-5", "0,15,30,45". */
static void
describe_field(struct buf *b, uint64_t mask, int lo, int hi)
{
	int first = 1;

	if (mask == MASK(lo, hi)) {
		buf_putc(b, '*');
		return;
	}
	for (int v = lo; v <= hi; v++) {
		int e = v;

		if (!(mask >> v & 1))
			continue;
		while (e < hi && (mask >> (e + 1) & 1))
			e++;
		if (!first)
			buf_putc(b, ',');
		first = 0;
		if (e - v >= 2) {
			buf_printf(b, "%d-%d", v, e);
			v = e;
		} else {
			buf_printf(b, "%d", v);
		}
	}
}

/* Weekdays Monday first: "Mon-Fri", "Tue,Thu", "Mon,Fri-Sun". */
static void
describe_days(struct buf *b, uint64_t wday)
{
	int first = 1;

	for (int i = 0; i < 7; i++) {
		int e = i;

		if (!(wday >> ((i + 1) % 7) & 1))
			continue;
		while (e < 6 && (wday >> ((e + 2) % 7) & 1))
			e++;
		if (!first)
			buf_putc(b, ',');
		first = 0;
		if (e - i >= 2) {
			buf_printf(b, "%s-%s", wday_short[(i + 1) % 7],
			    wday_short[(e + 1) % 7]);
			i = e;
		} else {
			buf_puts(b, wday_short[(i + 1) % 7]);
		}
	}
}

static int
lowest_bit(uint64_t m)
{
	int n = 0;

	while (!(m >> n & 1))
		n++;
	return n;
}

char *
schedule_describe(const struct schedule *s)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "");
	for (size_t i = 0; s != NULL && i < s->ngroups; i++) {
		const struct group *g = &s->group[i];

		if (i > 0)
			buf_puts(&b, "; ");
		if (count_bits(g->minute) == 1 && count_bits(g->hour) == 1 &&
		    g->mday == FULL_MDAY && g->month == FULL_MONTH) {
			if (g->wday == FULL_WDAY)
				buf_puts(&b, "daily");
			else
				describe_days(&b, g->wday);
			buf_printf(&b, " %02d:%02d", lowest_bit(g->hour),
			    lowest_bit(g->minute));
			continue;
		}
		describe_field(&b, g->minute, 0, 59);
		buf_putc(&b, ' ');
		describe_field(&b, g->hour, 0, 23);
		buf_putc(&b, ' ');
		describe_field(&b, g->mday, 1, 31);
		buf_putc(&b, ' ');
		describe_field(&b, g->month, 1, 12);
		buf_putc(&b, ' ');
		describe_field(&b, g->wday, 0, 6);
	}
	return buf_steal(&b);
}
