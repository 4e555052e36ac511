/* SPDX-License-Identifier: MIT */
/*
 * test_imapc - URL parsing, and the pipelined UID MOVE against a scripted
 * server in a child process (what a real Dovecot will not do on demand:
 * hold its answer back, say NO or BAD, or hang up at that moment).  The
 * rest of the protocol is tested against a real Dovecot in
 * tests/integration.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "imapc.h"
#include "testutil.h"
#include "util.h"

static const struct {
	const char *url;
	int tls;
	const char *host;
	unsigned port;
	const char *mailbox;    /* NULL: must fail */
} rows[] = {
	{ "imap://127.0.0.1:10143/INBOX", 0, "127.0.0.1", 10143, "INBOX" },
	{ "imaps://mail.exempla.test/INBOX", 1, "mail.exempla.test", 993, "INBOX" },
	{ "imap://mail.exempla.test", 0, "mail.exempla.test", 143, "INBOX" },
	{ "imap://h:143/", 0, "h", 143, "INBOX" },
	{ "imap://h/Bestellungen%20Eingang", 0, "h", 143, "Bestellungen Eingang" },
	{ "imap://h/INBOX.Bestellung", 0, "h", 143, "INBOX.Bestellung" },
	{ "imap://:143/INBOX", 0, NULL, 0, NULL },
	{ "imap://h:0/INBOX", 0, NULL, 0, NULL },
	{ "imap://h:70000/INBOX", 0, NULL, 0, NULL },
	{ "imap://h:12x/INBOX", 0, NULL, 0, NULL },
	{ "http://h/INBOX", 0, NULL, 0, NULL },
	{ "imap:/h/INBOX", 0, NULL, 0, NULL },
	{ "", 0, NULL, 0, NULL },
};

static void
test_parse_url(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(rows); i++) {
		int tls = -1;
		char *host = NULL, *mb = NULL;
		uint16_t port = 0;
		int rc = imapc_parse_url(rows[i].url, &tls, &host, &port, &mb);

		if (rows[i].mailbox == NULL) {
			if (rc != -1)
				fail_msg("row %zu (%s) accepted", i, rows[i].url);
			continue;
		}
		if (rc != 0)
			fail_msg("row %zu (%s) refused", i, rows[i].url);
		assert_int_equal(tls, rows[i].tls);
		assert_string_equal(host, rows[i].host);
		assert_int_equal(port, rows[i].port);
		assert_string_equal(mb, rows[i].mailbox);
		free(host);
		free(mb);
	}
}

/* How the scripted server answers UID MOVE. */
enum move_answer { ANSWER_OK, ANSWER_LATE, ANSWER_NO, ANSWER_BAD, ANSWER_CUT };

static void
say(int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(fd, buf, (size_t)n) != n)
		_exit(1);
}

/* One connection: enough IMAP for imapc_open, SEARCH, MOVE and LOGOUT. */
static void
serve(int lfd, enum move_answer how)
{
	char line[1024];
	int fd = accept(lfd, NULL, NULL);
	FILE *in;

	if (fd < 0 || (in = fdopen(dup(fd), "r")) == NULL)
		_exit(1);
	say(fd, "* OK test server ready\r\n");
	while (fgets(line, sizeof(line), in) != NULL) {
		char tag[32] = "", cmd[64] = "";

		if (sscanf(line, "%31s %63s", tag, cmd) < 2)
			_exit(1);
		if (strcmp(cmd, "LOGIN") == 0)
			say(fd, "%s OK [CAPABILITY IMAP4rev1 MOVE UIDPLUS] in\r\n", tag);
		else if (strcmp(cmd, "CAPABILITY") == 0)
			say(fd, "* CAPABILITY IMAP4rev1 MOVE UIDPLUS\r\n%s OK done\r\n", tag);
		else if (strcmp(cmd, "LIST") == 0)
			say(fd, "* LIST () \"/\" \"%s\"\r\n%s OK done\r\n",
			    strstr(line, "Verarbeitet") ? "Verarbeitet" :
			    strstr(line, "Fehlgeschlagen") ? "Fehlgeschlagen" :
			    "Quarantaene", tag);
		else if (strcmp(cmd, "SELECT") == 0)
			say(fd, "* 2 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n"
			    "%s OK [READ-WRITE] selected\r\n", tag);
		else if (strncmp(line + strlen(tag), " UID SEARCH", 11) == 0)
			say(fd, "* SEARCH\r\n%s OK done\r\n", tag);
		else if (strncmp(line + strlen(tag), " UID MOVE", 9) == 0) {
			switch (how) {
			case ANSWER_LATE:
				sleep(1);
				/* FALLTHROUGH */
			case ANSWER_OK:
				say(fd, "* OK [COPYUID 42 7:8 1:2] moved\r\n"
				    "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n"
				    "%s OK Move completed\r\n", tag);
				break;
			case ANSWER_NO:
				say(fd, "%s NO [TRYCREATE] no such folder\r\n", tag);
				break;
			case ANSWER_BAD:
				say(fd, "%s BAD command line too long\r\n", tag);
				break;
			case ANSWER_CUT:
				_exit(0);
			}
		} else if (strcmp(cmd, "LOGOUT") == 0) {
			say(fd, "* BYE bye\r\n%s OK done\r\n", tag);
			break;
		} else
			say(fd, "%s BAD unknown\r\n", tag);
	}
	_exit(0);
}

/* A server child answering MOVE as told, and the client connected to it. */
static pid_t
start(enum move_answer how, struct config *cfg, struct imapc **c_r)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;
	static char url[64];

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
	if ((pid = fork()) == 0)
		serve(lfd, how);
	assert_true(pid > 0);
	close(lfd);
	snprintf(url, sizeof(url), "imap://127.0.0.1:%u/INBOX",
	    (unsigned)ntohs(a.sin_port));
	memset(cfg, 0, sizeof(*cfg));
	cfg->imap_url = url;
	cfg->imap_user = "u";
	cfg->imap_password = "p";
	cfg->imap_timeout = 1;
	cfg->processed_folder = "Verarbeitet";
	cfg->failed_folder = "Fehlgeschlagen";
	cfg->quarantine_folder = "Quarantaene";
	assert_int_equal(imapc_open(cfg, c_r), 0);
	return pid;
}

static void
stop(pid_t pid, struct imapc *c)
{
	imapc_close(c);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static const uint32_t uids[] = { 7, 8 };

/*
 * The MOVE is sent and the call returns while the server still holds its
 * answer back; read later than the timeout after sending, the answer
 * counts (its deadline runs from the reading).
 */
static void
test_move_pipelined(void **state)
{
	struct config cfg;
	struct imapc *c;
	pid_t pid = start(ANSWER_LATE, &cfg, &c);
	double t0;

	(void)state;
	t0 = testutil_now();
	assert_int_equal(imapc_move_start(c, uids, 2, "Verarbeitet"), 0);
	assert_true(testutil_now() - t0 < 0.5);
	sleep(2);       /* the work the move overlaps; over [imap] timeout */
	assert_int_equal(imapc_move_finish(c), 0);
	/* And the connection goes on. */
	assert_int_equal(imapc_move_start(c, uids, 2, "Verarbeitet"), 0);
	assert_int_equal(imapc_move_finish(c), 0);
	stop(pid, c);
}

/* A NO read by another command on the way is kept for the finish. */
static void
test_move_refused_kept(void **state)
{
	struct config cfg;
	struct imapc *c;
	struct imapc_msg *msgs = NULL;
	size_t n = 99;
	pid_t pid = start(ANSWER_NO, &cfg, &c);

	(void)state;
	assert_int_equal(imapc_move_start(c, uids, 2, "Verarbeitet"), 0);
	assert_int_equal(imapc_list(c, &msgs, &n), 0);
	assert_int_equal(n, 0);
	free(msgs);
	assert_int_equal(imapc_move_finish(c), -2);
	assert_int_equal(imapc_move_finish(c), 0);      /* nothing left */
	stop(pid, c);
}

/* BAD is a refusal like NO (the connection stays); a hang-up is not. */
static void
test_move_bad_and_cut(void **state)
{
	struct config cfg;
	struct imapc *c;
	pid_t pid = start(ANSWER_BAD, &cfg, &c);

	(void)state;
	assert_int_equal(imapc_move_start(c, uids, 2, "Verarbeitet"), 0);
	assert_int_equal(imapc_move_finish(c), -2);
	assert_int_equal(imapc_move_many(c, uids, 2, "Verarbeitet"), -2);
	stop(pid, c);

	pid = start(ANSWER_CUT, &cfg, &c);
	assert_int_equal(imapc_move_start(c, uids, 2, "Verarbeitet"), 0);
	assert_int_equal(imapc_move_finish(c), -1);
	stop(pid, c);
	pid = start(ANSWER_CUT, &cfg, &c);
	assert_int_equal(imapc_move_many(c, uids, 2, "Verarbeitet"), -1);
	stop(pid, c);
}

/* A folder name that needs more than a quoted string is left to the
 * synchronous path. */
static void
test_move_start_declines(void **state)
{
	struct config cfg;
	struct imapc *c;
	pid_t pid = start(ANSWER_OK, &cfg, &c);

	(void)state;
	assert_int_equal(imapc_move_start(c, uids, 2, "Quarant\xc3\xa4ne"), 1);
	assert_int_equal(imapc_move_start(c, uids, 0, "Verarbeitet"), 1);
	assert_int_equal(imapc_move_start(c, uids, 2, "a\"b"), 0);
	assert_int_equal(imapc_move_finish(c), 0);
	stop(pid, c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_url),
		cmocka_unit_test(test_move_pipelined),
		cmocka_unit_test(test_move_refused_kept),
		cmocka_unit_test(test_move_bad_and_cut),
		cmocka_unit_test(test_move_start_declines),
	};
	return cmocka_run_group_tests_name("imapc", tests, NULL, NULL);
}
