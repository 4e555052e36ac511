/* SPDX-License-Identifier: MIT */
/*
 * test_imapio - the deadline under the IMAP stream, against a child
 * process on the other end of a socket pair that plays a slow server:
 * a trickle runs out of time, a large answer at a fair rate does not, a
 * stream that failed fails again at once, and an answer read late on
 * purpose gets its time from when the reading starts.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "imapio.h"
#include "testutil.h"
#include "util.h"

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * The server: read the command line, then send total bytes in chunks of
 * chunk bytes, pausing ms between them.
 */
static void
serve(int fd, size_t total, size_t chunk, long ms)
{
	static char data[65536];
	char c;

	memset(data, 'x', sizeof(data));
	while (read(fd, &c, 1) == 1 && c != '\n')
		;
	for (size_t sent = 0; sent < total; sent += chunk) {
		size_t n = total - sent < chunk ? total - sent : chunk;

		if (write(fd, data, n) != (ssize_t)n)
			break;
		pause_ms(ms);
	}
	_exit(0);
}

/*
 * Wrap one end with a deadline of timeout seconds, let the child serve,
 * send a command and read until the answer ends or fails.  Returns the
 * bytes read; *secs_r the time it took; *failed_r whether it failed.
 */
static size_t
run(int timeout, size_t total, size_t chunk, long ms, double *secs_r,
    int *failed_r, mailstream **stream_r)
{
	static char buf[65536];
	int sv[2];
	pid_t pid;
	mailstream *s;
	size_t got = 0;
	double t0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		serve(sv[1], total, chunk, ms);
	}
	assert_true(pid > 0);
	close(sv[1]);
	s = mailstream_socket_open_timeout(sv[0], 30);
	assert_non_null(s);
	imapio_wrap(s, timeout);
	t0 = testutil_now();
	assert_true(mailstream_write(s, "a NOOP\r\n", 8) == 8);
	assert_int_equal(mailstream_flush(s), 0);
	*failed_r = 0;
	while (got < total) {
		ssize_t n = mailstream_read(s, buf, sizeof(buf));

		if (n <= 0) {
			*failed_r = 1;
			break;
		}
		got += (size_t)n;
	}
	*secs_r = testutil_now() - t0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	*stream_r = s;
	return got;
}

static void
test_trickle_runs_out(void **state)
{
	mailstream *s;
	double secs;
	int failed;
	/* 1 byte every 100 ms: 10 bytes/s, far below IMAPIO_MIN_RATE. */
	size_t got = run(1, 100, 1, 100, &secs, &failed, &s);

	(void)state;
	assert_true(failed);
	assert_true(got < 100);
	if (secs < 0.9 || secs > 2.5)
		fail_msg("trickle failed after %.2f s, want about 1 s", secs);
	/* A stream past its deadline does not wait again (LOGOUT). */
	secs = testutil_now();
	assert_true(mailstream_write(s, "b LOGOUT\r\n", 10) == -1 ||
	    mailstream_flush(s) == -1);
	assert_true(testutil_now() - secs < 0.5);
	mailstream_close(s);
}

static void
test_fair_rate_is_not_cut(void **state)
{
	mailstream *s;
	double secs;
	int failed;
	/* 256 KiB in 16 KiB chunks every 125 ms: 2 s in all, twice the
	 * timeout, but 128 KiB/s earns far more time than that. */
	size_t got = run(1, 262144, 16384, 125, &secs, &failed, &s);

	(void)state;
	assert_false(failed);
	assert_int_equal(got, 262144);
	if (secs < 1.5)
		fail_msg("the answer took only %.2f s; the test proves nothing", secs);
	mailstream_close(s);
}

static void
test_silence_times_out(void **state)
{
	mailstream *s;
	double secs;
	int failed;
	/* One byte, then silence for longer than the timeout. */
	size_t got = run(1, 2, 1, 5000, &secs, &failed, &s);

	(void)state;
	assert_true(failed);
	assert_int_equal(got, 1);
	if (secs > 2.5)
		fail_msg("silence failed only after %.2f s", secs);
	mailstream_close(s);
}

/*
 * A pipelined command: the answer is there at once, but read only after
 * longer than the timeout.  Without imapio_rearm() the wait counts against
 * the deadline; with it, the answer is read.
 */
static void
late_read(int rearm, int *failed_r)
{
	char buf[64];
	int sv[2];
	pid_t pid;
	mailstream *s;
	ssize_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		serve(sv[1], 20, 20, 0);
	}
	assert_true(pid > 0);
	close(sv[1]);
	s = mailstream_socket_open_timeout(sv[0], 30);
	assert_non_null(s);
	imapio_wrap(s, 1);
	assert_true(mailstream_write(s, "a UID MOVE 1 X\r\n", 16) == 16);
	assert_int_equal(mailstream_flush(s), 0);
	pause_ms(1300);                 /* other work meanwhile */
	if (rearm)
		imapio_rearm(s);
	n = mailstream_read(s, buf, sizeof(buf));
	*failed_r = n <= 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	mailstream_close(s);
}

static void
test_rearm_for_a_late_read(void **state)
{
	int failed;

	(void)state;
	late_read(0, &failed);
	assert_true(failed);
	late_read(1, &failed);
	assert_false(failed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trickle_runs_out),
		cmocka_unit_test(test_fair_rate_is_not_cut),
		cmocka_unit_test(test_silence_times_out),
		cmocka_unit_test(test_rearm_for_a_late_read),
	};
	return cmocka_run_group_tests_name("imapio", tests, NULL, NULL);
}
