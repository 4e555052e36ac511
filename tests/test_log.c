/* SPDX-License-Identifier: MIT */
/*
 * test_log - foreground log lines: each is whole, with its time, program
 * and level, however long, and below the level nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* Run fn with stderr going into a file; return what was written. */
static char *
captured(void (*fn)(void), size_t *len_r)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	char *out;
	long n;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fileno(tmp), 2), 2);
	fn();
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	n = (long)lseek(fileno(tmp), 0, SEEK_END);
	assert_true(n >= 0);
	out = calloc(1, (size_t)n + 1);
	assert_non_null(out);
	assert_int_equal(pread(fileno(tmp), out, (size_t)n, 0), n);
	fclose(tmp);
	*len_r = (size_t)n;
	return out;
}

static char longword[5000];

static void
write_lines(void)
{
	log_info("short %d", 42);
	log_error("long %s end", longword);
	log_debug("not shown at info level");
	log_warn("after");
}

static void
test_lines(void **state)
{
	size_t len;
	char *out, *l2, *l3;

	(void)state;
	memset(longword, 'x', sizeof(longword) - 1);
	log_init(1, LOG_LVL_INFO);
	out = captured(write_lines, &len);
	/* Three lines, each ending in a newline, nothing else. */
	assert_int_equal(out[len - 1], '\n');
	l2 = strchr(out, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	assert_ptr_equal(strchr(l3, '\n'), out + len - 1);
	assert_non_null(strstr(out, " socialorder info: short 42\n"));
	assert_true(strncmp(out, "20", 2) == 0);        /* the time first */
	assert_true(strncmp(strstr(l2, " socialorder error: long "),
	    " socialorder error: long ", 25) == 0);
	assert_non_null(strstr(l2, longword));
	assert_true(strncmp(strstr(l2, longword) + strlen(longword), " end\n", 5) == 0);
	assert_non_null(strstr(l3, " socialorder warning: after\n"));
	assert_null(strstr(out, "not shown"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
