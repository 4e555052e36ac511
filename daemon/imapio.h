/* SPDX-License-Identifier: MIT */
/*
 * imapio - the connection under the IMAP client: a TCP connect with a time
 * limit, and a deadline for every IMAP command, so that a server that
 * answers in a trickle cannot hold the daemon.
 *
 * libetpan's own timeout limits each single read only: a server that sends
 * a byte every few seconds would hold one command for hours.  Here every
 * command (each write to the server starts one) and the greeting may take
 * [imap] timeout seconds, plus one second for every IMAPIO_MIN_RATE bytes
 * the server sent for it, so that a large FETCH from a working server is
 * never cut short.  A read or write that failed or ran past the deadline
 * fails every later one at once: the LOGOUT of a broken connection does not
 * wait a second time.
 *
 * Not covered: the name lookup (getaddrinfo has no time limit) and the TLS
 * handshake, which libetpan does on the socket itself (each of its reads
 * is limited to [imap] timeout).
 */
#ifndef SO_IMAPIO_H
#define SO_IMAPIO_H

#include <libetpan/libetpan.h>
#include <stdint.h>

/* The slowest answer, in bytes per second, that still earns more time. */
#define IMAPIO_MIN_RATE 1024

/*
 * Connect imap to host:port (tls: imaps, with tls_setup(ctx, tls_data)
 * called before the handshake, e.g. for SNI) and read the greeting, all
 * under the deadline.  Returns libetpan's result: MAILIMAP_NO_ERROR,
 * MAILIMAP_NO_ERROR_AUTHENTICATED or MAILIMAP_NO_ERROR_NON_AUTHENTICATED on
 * success; MAILIMAP_ERROR_CONNECTION_REFUSED when no connection could be
 * made (the reason is logged), MAILIMAP_ERROR_SSL,
 * MAILIMAP_ERROR_STREAM and others as mailimap_connect() returns them.
 */
int imapio_connect(mailimap *imap, const char *host, uint16_t port, int tls,
    int timeout, void (*tls_setup)(struct mailstream_ssl_context *, void *),
    void *tls_data);

/*
 * Put the deadline under an open stream (done by imapio_connect; for
 * tests).  The deadline of the first answer starts now.
 */
void imapio_wrap(mailstream *stream, int timeout);

/*
 * The answer to a command sent earlier (a pipelined UID MOVE) is read only
 * now: its deadline starts now, not when the command went out, since the
 * server had all the time in between.
 */
void imapio_rearm(mailstream *stream);

#endif
