/* SPDX-License-Identifier: MIT */
/*
 * test_log - foreground log lines: each is whole, with its time, program
 * and level, however long, and below the level nothing; lines held back
 * come out in order on release (whole lines, many in one write), or never
 * on discard.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/*
 * Run fn with stderr going into a packet socket, where every write(2) stays
 * one packet; return what was written, and check that no line was split
 * over two writes.  *writes_r (may be NULL): how many writes there were.
 */
static char *
captured_writes(void (*fn)(void), size_t *len_r, size_t *writes_r)
{
	int sv[2], saved = dup(2);
	char *out = NULL, pkt[16384];
	size_t len = 0;
	ssize_t n;

	assert_true(saved >= 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	fflush(stderr);
	assert_int_equal(dup2(sv[1], 2), 2);
	fn();
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	close(sv[1]);
	if (writes_r)
		*writes_r = 0;
	while ((n = read(sv[0], pkt, sizeof(pkt))) > 0) {
		/* Whole lines only: a write ends with a newline. */
		assert_int_equal(pkt[n - 1], '\n');
		if (writes_r)
			(*writes_r)++;
		out = realloc(out, len + (size_t)n + 1);
		assert_non_null(out);
		memcpy(out + len, pkt, (size_t)n);
		len += (size_t)n;
	}
	close(sv[0]);
	assert_non_null(out);
	out[len] = '\0';
	*len_r = len;
	return out;
}

static char *
captured(void (*fn)(void), size_t *len_r)
{
	return captured_writes(fn, len_r, NULL);
}

static char longword[5000];

/* Lines at the size where the message stops fitting the line buffer. */
static void
edge_lines(void)
{
	/* "YYYY-MM-DDTHH:MM:SS socialorder info: " is 38 bytes. */
	for (int n = 980; n < 990; n++)
		log_info("%.*s", n, longword);
}

static void
test_edges(void **state)
{
	size_t len, off = 0;
	char *out;

	(void)state;
	memset(longword, 'e', sizeof(longword) - 1);
	log_init(1, LOG_LVL_INFO);
	out = captured(edge_lines, &len);
	for (int n = 980; n < 990; n++) {
		char *nl = strchr(out + off, '\n');

		assert_non_null(nl);
		assert_int_equal((size_t)(nl - (out + off)), 38 + (size_t)n);
		assert_int_equal(strspn(out + off + 38, "e"), (size_t)n);
		off = (size_t)(nl - out) + 1;
	}
	assert_int_equal(off, len);
	free(out);
}

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

static void
held_lines(void)
{
	log_info("before");
	log_hold();
	log_info("undone 1");
	log_warn("undone 2");
	log_discard();
	log_info("between");
	log_hold();
	log_info("kept %d", 1);
	log_error("at once");           /* errors are never held */
	log_warn("kept %s", longword);
	log_debug("never");
	fputs("marker\n", stderr);     /* written while the lines are held */
	log_release();
	log_info("after");
}

/* Held lines come out at log_release(), in order, or never. */
static void
test_hold(void **state)
{
	size_t len;
	char *out, *m;

	(void)state;
	memset(longword, 'y', sizeof(longword) - 1);
	log_init(1, LOG_LVL_INFO);
	out = captured(held_lines, &len);
	assert_null(strstr(out, "undone"));
	assert_null(strstr(out, "never"));
	m = strstr(out, "marker\n");
	assert_non_null(m);
	assert_non_null(strstr(out, "error: at once\n"));
	assert_true(strstr(out, "error: at once\n") < m);
	assert_true(strstr(out, "info: before\n") < strstr(out, "info: between\n"));
	assert_true(strstr(out, "info: between\n") < m);
	assert_true(m < strstr(out, "info: kept 1\n"));
	assert_true(strstr(out, "info: kept 1\n") < strstr(out, "warning: kept yyy"));
	assert_non_null(strstr(out, longword));
	assert_true(strstr(out, longword) < strstr(out, "info: after\n"));
	free(out);
}

static void
many_held(void)
{
	log_hold();
	for (int i = 0; i < 300; i++)
		log_info("held line %d", i);
	log_release();
}

static void
long_held(void)
{
	log_hold();
	log_info("short before");
	log_info("long %s", longword);
	log_info("short after");
	log_release();
}

/*
 * Released lines are gathered into writes of whole lines, none over
 * PIPE_BUF: 300 lines of about 50 bytes in 4 writes; and a line too long
 * for that keeps its place.
 */
static void
test_release_gathers(void **state)
{
	size_t len, writes;
	char *out, *p;

	(void)state;
	log_init(1, LOG_LVL_INFO);
	out = captured_writes(many_held, &len, &writes);
	assert_true(writes >= (len + PIPE_BUF - 1) / PIPE_BUF);
	assert_true(writes <= len / PIPE_BUF + 2);
	p = out;
	for (int i = 0; i < 300; i++) {
		char want[32];

		snprintf(want, sizeof(want), "info: held line %d\n", i);
		assert_non_null(p = strstr(p, want));
	}
	free(out);
	memset(longword, 'z', sizeof(longword) - 1);
	out = captured_writes(long_held, &len, &writes);
	assert_int_equal(writes, 3);
	assert_non_null(p = strstr(out, "info: short before\n"));
	assert_non_null(p = strstr(p, "info: long zzz"));
	assert_non_null(strstr(p, "info: short after\n"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_release_gathers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
