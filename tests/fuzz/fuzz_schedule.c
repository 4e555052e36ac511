/* SPDX-License-Identifier: MIT */
/*
 * fuzz_schedule - schedule_parse() on a hostile [orders] schedule setting,
 * then schedule_next(), schedule_prev() and schedule_describe() of what
 * was parsed, in Europe/Berlin (daylight saving time included).
 *
 * Besides crashes it checks the promises of schedule.h: a description
 * that fits SCHEDULE_MAX_LEN parses again, describes itself the same and
 * gives the same run times, and schedule_next(s, schedule_prev(s, t)) > t.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "schedule.h"

/* Fixed moments: deterministic, one of them at the end of summer time. */
static const int64_t moments[] = {
	1777975200,     /* 2026-05-05 10:00 UTC */
	1792888200,     /* 2026-10-25 02:30 CEST, before the repeated hour */
	/* Slow (far from the zone's table): only for every 8th input size. */
	-2208988800,    /* 1900-01-01 00:00 UTC, the first moment allowed */
	253402300799,   /* 9999-12-31 23:59:59 UTC, the last one */
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_string(data, size), *desc, *desc2;
	struct schedule *s = NULL, *s2 = NULL;
	const char *err = NULL;

	if (schedule_parse(spec, &s, &err) == -1) {
		if (s != NULL || err == NULL)
			abort();
		free(spec);
		return 0;
	}
	desc = schedule_describe(s);
	if (strlen(desc) <= SCHEDULE_MAX_LEN) {
		if (schedule_parse(desc, &s2, &err) == -1)
			abort();
		desc2 = schedule_describe(s2);
		if (strcmp(desc, desc2) != 0)
			abort();
		free(desc2);
	}
	for (size_t i = 0; i < (size % 8 == 0 ? SO_NELEM(moments) : 2); i++) {
		int64_t t = moments[i];
		int64_t next = schedule_next(s, t), prev = schedule_prev(s, t);

		if (next != -1 && next <= t)
			abort();
		if (prev != -1 && (prev > t || schedule_next(s, prev) <= t))
			abort();
		if (s2 != NULL && next != schedule_next(s2, t))
			abort();
	}
	/* Outside the years 1900-9999 there is nothing. */
	if (schedule_next(s, -2208988801) != -1 ||
	    schedule_prev(s, 253402300800) != -1 ||
	    schedule_next(s, INT64_MAX) != -1 || schedule_prev(s, INT64_MIN) != -1)
		abort();
	free(desc);
	schedule_free(s);
	schedule_free(s2);
	free(spec);
	return 0;
}
