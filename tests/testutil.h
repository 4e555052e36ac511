/* SPDX-License-Identifier: MIT */
/*
 * testutil - small helpers shared by the unit tests: a fresh database in
 * a temporary directory with the sample master data, and a clock.
 */
#ifndef SO_TESTUTIL_H
#define SO_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "import.h"
#include "store.h"
#include "util.h"

/* Monotonic seconds, for tests that check how long something waited. */
static inline double
testutil_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The specification's samples, shipped in the project as the demo data. */
#define SAMPLES "contrib/demo"

/* Fresh database file in a new temporary directory; returns the directory (caller frees). */
static inline char *
testutil_db(struct store **st_r)
{
	char *dir = xstrdup("/tmp/so-test-XXXXXX");
	char *path;
	const char *err = NULL;

	if (mkdtemp(dir) == NULL)
		abort();
	path = xasprintf("%s/test.db", dir);
	if (store_open(path, st_r, &err) != 0)
		abort();
	free(path);
	return dir;
}

static inline void
testutil_db_done(struct store *st, char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	store_close(st);
	if (system(cmd) != 0)
		abort();
	free(cmd);
	free(dir);
}

/* Write text to dir/name (a CSV file for an import, say). */
static inline void
testutil_write_file(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		abort();
	free(p);
}

/* Database with the sample master data imported. */
static inline char *
testutil_db_with_samples(struct store **st_r)
{
	char *dir = testutil_db(st_r);
	struct import_stats stats;
	const char *err;

	if (import_dir(*st_r, SAMPLES "/stammdaten", &stats, &err) != 0) {
		fprintf(stderr, "test set-up: import failed: %s\n", err);
		abort();
	}
	return dir;
}

#endif
