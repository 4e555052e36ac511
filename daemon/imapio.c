/* SPDX-License-Identifier: MIT */
/*
 * imapio - deadline stream under libetpan's IMAP client.  See imapio.h.
 *
 * The deadline sits in a mailstream_low driver that wraps libetpan's own
 * (socket or TLS) and passes everything through, limiting each of its
 * reads to what is left of the deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "imapio.h"
#include "log.h"
#include "util.h"

struct imapio {
	mailstream_low *inner;
	int timeout;            /* seconds */
	int64_t deadline;       /* ms, monotonic */
	int failed;
};

static ssize_t
io_read(mailstream_low *s, void *buf, size_t count)
{
	struct imapio *io = s->data;
	int64_t left = io->deadline - mono_ms();
	ssize_t n;

	if (io->failed)
		return -1;
	if (left <= 0) {
		log_warn("imap server too slow: no complete answer within the "
		    "deadline ([imap] timeout %d s, less than %d bytes/s); "
		    "dropping the connection", io->timeout, IMAPIO_MIN_RATE);
		io->failed = 1;
		return -1;
	}
	/* Whole seconds are all libetpan knows; round up, but not past timeout. */
	mailstream_low_set_timeout(io->inner, left / 1000 + 1 < io->timeout ?
	    (time_t)(left / 1000 + 1) : (time_t)io->timeout);
	n = mailstream_low_read(io->inner, buf, count);
	if (n <= 0) {
		io->failed = 1;
		return n;
	}
	io->deadline += (int64_t)n * 1000 / IMAPIO_MIN_RATE;
	return n;
}

static ssize_t
io_write(mailstream_low *s, const void *buf, size_t count)
{
	struct imapio *io = s->data;
	ssize_t n;

	if (io->failed)
		return -1;
	/* A write starts a command: its answer gets a fresh deadline. */
	io->deadline = mono_ms() + (int64_t)io->timeout * 1000;
	mailstream_low_set_timeout(io->inner, (time_t)io->timeout);
	n = mailstream_low_write(io->inner, buf, count);
	if (n < 0)
		io->failed = 1;
	return n;
}

static int
io_close(mailstream_low *s)
{
	return mailstream_low_close(((struct imapio *)s->data)->inner);
}

static int
io_get_fd(mailstream_low *s)
{
	return mailstream_low_get_fd(((struct imapio *)s->data)->inner);
}

static void
io_free(mailstream_low *s)
{
	struct imapio *io = s->data;

	mailstream_low_free(io->inner);
	free(io);
	free(s);
}

static void
io_cancel(mailstream_low *s)
{
	mailstream_low_cancel(((struct imapio *)s->data)->inner);
}

static struct mailstream_cancel *
io_get_cancel(mailstream_low *s)
{
	return mailstream_low_get_cancel(((struct imapio *)s->data)->inner);
}

static carray *
io_get_certificate_chain(mailstream_low *s)
{
	return mailstream_low_get_certificate_chain(
	    ((struct imapio *)s->data)->inner);
}

static int
io_setup_idle(mailstream_low *s)
{
	return mailstream_low_setup_idle(((struct imapio *)s->data)->inner);
}

static int
io_unsetup_idle(mailstream_low *s)
{
	return mailstream_low_unsetup_idle(((struct imapio *)s->data)->inner);
}

static int
io_interrupt_idle(mailstream_low *s)
{
	return mailstream_low_interrupt_idle(((struct imapio *)s->data)->inner);
}

static mailstream_low_driver io_driver = {
	io_read, io_write, io_close, io_get_fd, io_free, io_cancel,
	io_get_cancel, io_get_certificate_chain, io_setup_idle,
	io_unsetup_idle, io_interrupt_idle,
};

void
imapio_wrap(mailstream *stream, int timeout)
{
	struct imapio *io = xcalloc(1, sizeof(*io));
	mailstream_low *low;

	io->inner = mailstream_get_low(stream);
	io->timeout = timeout;
	io->deadline = mono_ms() + (int64_t)timeout * 1000;
	if ((low = mailstream_low_new(io, &io_driver)) == NULL)
		fatalx("mailstream_low_new: out of memory");
	mailstream_set_low(stream, low);
}

void
imapio_rearm(mailstream *stream)
{
	mailstream_low *low = mailstream_get_low(stream);

	if (low != NULL && low->driver == &io_driver) {
		struct imapio *io = low->data;

		io->deadline = mono_ms() + (int64_t)io->timeout * 1000;
	}
}

/* Wait for a non-blocking connect; 0 when it succeeded. */
static int
connect_wait(int fd, int timeout)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	socklen_t len = sizeof(int);
	int r, err = 0;

	do
		r = poll(&pfd, 1, timeout * 1000);
	while (r == -1 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	if (r <= 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return -1;
	errno = err;
	return err == 0 ? 0 : -1;
}

/* A blocking socket connected to host:port within timeout seconds, or -1. */
static int
tcp_connect(const char *host, uint16_t port, int timeout)
{
	struct addrinfo hints, *res = NULL, *ai;
	char service[8];
	int fd = -1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%u", port);
	if ((r = getaddrinfo(host, service, &hints, &res)) != 0) {
		log_warn("imap: looking up %s failed: %s", host, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai && fd == -1; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1)
			continue;
		if ((connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
		    (errno != EINPROGRESS || connect_wait(fd, timeout) == -1)) ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
			log_warn("imap: connect to %s port %u failed: %s", host,
			    port, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

int
imapio_connect(mailimap *imap, const char *host, uint16_t port, int tls,
    int timeout, void (*tls_setup)(struct mailstream_ssl_context *, void *),
    void *tls_data)
{
	mailstream *stream;
	int fd;

	if ((fd = tcp_connect(host, port, timeout)) == -1)
		return MAILIMAP_ERROR_CONNECTION_REFUSED;
	stream = tls ? mailstream_ssl_open_with_callback_timeout(fd, timeout,
	    tls_setup, tls_data) : mailstream_socket_open_timeout(fd, timeout);
	if (stream == NULL) {
		close(fd);
		return tls ? MAILIMAP_ERROR_SSL : MAILIMAP_ERROR_STREAM;
	}
	imapio_wrap(stream, timeout);
	/* Reads the greeting; the session owns the stream, also on failure. */
	return mailimap_connect(imap, stream);
}
