/* SPDX-License-Identifier: MIT */
/*
 * test_imapc - the pure part of the IMAP client: URL parsing.  The protocol
 * itself is tested against a real Dovecot in tests/integration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "imapc.h"
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_url),
	};
	return cmocka_run_group_tests_name("imapc", tests, NULL, NULL);
}
