/* SPDX-License-Identifier: MIT */
/*
 * faultproxy - a TCP proxy for the integration tests that makes a real mail
 * server look slow or broken: it sits between the daemon and Dovecot or
 * Postfix on loopback and, in one direction, delays each chunk, cuts the
 * connection or stalls it, at once or after a pattern such as "FETCH" or
 * "DATA" has gone through.  It is a test tool, not part of the daemon.
 *
 *   faultproxy [-d ms] [-b bytes] [-m pattern] [-n bytes] [-f cut|stall]
 *              [-i s|c] [-c conns] [-T secs] listen_port target_port
 *
 *   -d ms       wait this long before forwarding each chunk (slow server)
 *   -b bytes    forward at most this many bytes per chunk (default 16384);
 *               with -d, -b 1 makes the answer trickle byte by byte
 *   -i s|c      the faulted direction: s = server to client (default),
 *               c = client to server; -d, -m, -n and -f act on it only
 *   -m pattern  the fault is armed once pattern has passed in that
 *               direction (default: armed from the start)
 *   -n bytes    forward this many more bytes once armed (default 0)
 *   -f cut      then close both sides of the connection
 *   -f stall    then forward nothing more in that direction, keep the
 *               connection open until the client gives up
 *   -c conns    only the first conns connections are slowed or faulted;
 *               later ones pass untouched (default: all)
 *   -T secs     exit after this many seconds, whatever happens (default
 *               300), so that a test that dies leaves nothing behind
 *
 * It listens on 127.0.0.1 and connects to 127.0.0.1.  Every connection
 * and every fault is one line on stderr with the seconds since the start
 * ("faultproxy: 3.021 conn 2 open", "... conn 2 cut server->client after
 * ..."), so that a test can see how often and when the daemon came back.
 * One poll() loop, a fixed number of connections, one fixed buffer per
 * direction: nothing grows with the traffic.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FP_MAX_CONNS 16
#define FP_BUF_SIZE 16384
#define FP_PATTERN_MAX 64

enum fp_fault { FP_NONE, FP_CUT, FP_STALL };

struct fp_opts {
	long delay_ms;
	size_t chunk;
	int server_dir;                 /* 1: fault server to client */
	const char *pattern;
	size_t pattern_len;
	long after;
	enum fp_fault fault;
	long faulted_conns;             /* -1: all */
	long lifetime;
	int listen_port, target_port;
};

/* One direction of a connection: bytes read from src, waiting for dst. */
struct fp_dir {
	int src, dst;
	char buf[FP_BUF_SIZE];
	size_t len, off;                /* buffered bytes, of which written */
	int64_t ready_at;               /* ms: when buf may be written */
	int eof;                        /* src closed; dst shut down once empty */
	int faulty;                     /* this direction is slowed and faulted */
	int armed;                      /* pattern seen (or none asked for) */
	long left;                      /* bytes still forwarded once armed */
	int strike;                     /* the fault strikes once buf is out */
	int stalled;
	int shut;                       /* dst was shut down for writing */
	char tail[FP_PATTERN_MAX];      /* last bytes, for a pattern across chunks */
	size_t ntail;
	unsigned long total;
};

struct fp_conn {
	int used, id;
	int client, server;
	struct fp_dir c2s, s2c;
};

static struct fp_opts opts;
static struct fp_conn conns[FP_MAX_CONNS];
static int64_t started_ms;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	int64_t t = now_ms() - started_ms;
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "faultproxy: %lld.%03lld ", (long long)(t / 1000),
	    (long long)(t % 1000));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void
usage(void)
{
	fprintf(stderr, "usage: faultproxy [-d ms] [-b bytes] [-m pattern] "
	    "[-n bytes] [-f cut|stall]\n                  [-i s|c] [-c conns] "
	    "[-T secs] listen_port target_port\n");
	exit(2);
}

static long
number(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "faultproxy: %s: \"%s\" is not a number from %ld "
		    "to %ld\n", what, s, min, max);
		exit(2);
	}
	return v;
}

static void
loopback(struct sockaddr_in *sa, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static void
dir_init(struct fp_dir *d, int src, int dst, int faulty)
{
	memset(d, 0, sizeof(*d));
	d->src = src;
	d->dst = dst;
	d->faulty = faulty;
	d->armed = opts.pattern == NULL;
	d->left = opts.after;
}

static void
conn_close(struct fp_conn *c, const char *why)
{
	say("conn %d closed (%s) client->server=%lu server->client=%lu", c->id,
	    why, c->c2s.total, c->s2c.total);
	close(c->client);
	close(c->server);
	c->used = 0;
}

static void
conn_open(int lfd)
{
	static int next_id;
	struct sockaddr_in sa;
	struct fp_conn *c = NULL;
	int cfd, sfd, id, faulty, one = 1;

	if ((cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			say("accept failed: %s", strerror(errno));
		return;
	}
	id = ++next_id;
	for (size_t i = 0; i < FP_MAX_CONNS && c == NULL; i++)
		if (!conns[i].used)
			c = &conns[i];
	if (c == NULL) {
		say("conn %d refused: already %d connections", id, FP_MAX_CONNS);
		close(cfd);
		return;
	}
	/* A blocking connect on loopback: refused or done at once. */
	loopback(&sa, opts.target_port);
	if ((sfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(sfd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		say("conn %d: connect to 127.0.0.1:%d failed: %s", id,
		    opts.target_port, strerror(errno));
		if (sfd != -1)
			close(sfd);
		close(cfd);
		return;
	}
	fcntl(cfd, F_SETFL, O_NONBLOCK);
	fcntl(sfd, F_SETFL, O_NONBLOCK);
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	faulty = opts.faulted_conns < 0 || id <= opts.faulted_conns;
	c->used = 1;
	c->id = id;
	c->client = cfd;
	c->server = sfd;
	dir_init(&c->c2s, cfd, sfd, faulty && !opts.server_dir);
	dir_init(&c->s2c, sfd, cfd, faulty && opts.server_dir);
	say("conn %d open%s", id, faulty ? "" : " (passed untouched)");
}

/*
 * A fresh chunk of len bytes is in d->buf: how many of them go out before
 * the fault strikes.  Sets d->strike when it strikes after those bytes.
 * Keeps the last bytes so that a pattern split across chunks is found.
 */
static size_t
dir_allowed(struct fp_dir *d, size_t len)
{
	size_t plen = opts.pattern_len, start = 0;

	if (!d->faulty || opts.fault == FP_NONE)
		return len;
	if (!d->armed) {
		char scan[FP_PATTERN_MAX + FP_BUF_SIZE];
		size_t old = d->ntail, n = old + len, keep;
		char *hit;

		memcpy(scan, d->tail, old);
		memcpy(scan + old, d->buf, len);
		hit = memmem(scan, n, opts.pattern, plen);
		keep = n < plen - 1 ? n : plen - 1;
		memmove(d->tail, scan + n - keep, keep);
		d->ntail = keep;
		if (hit == NULL)
			return len;
		d->armed = 1;
		/* The tail is shorter than the pattern: the hit ends in this chunk. */
		start = (size_t)(hit - scan) + plen - old;
	}
	if ((long)(len - start) < d->left) {
		d->left -= (long)(len - start);
		return len;
	}
	d->strike = 1;
	return start + (size_t)d->left;
}

static const char *
dir_name(const struct fp_conn *c, const struct fp_dir *d)
{
	return d == &c->s2c ? "server->client" : "client->server";
}

/* The fault strikes now, after every allowed byte went out.  0: closed. */
static int
dir_strike(struct fp_conn *c, struct fp_dir *d)
{
	char what[FP_PATTERN_MAX + 64];

	d->strike = 0;
	if (opts.pattern)
		snprintf(what, sizeof(what), "\"%s\" + %ld bytes", opts.pattern,
		    opts.after);
	else
		snprintf(what, sizeof(what), "%ld bytes", opts.after);
	if (opts.fault == FP_CUT) {
		say("conn %d cut %s after %s", c->id, dir_name(c, d), what);
		conn_close(c, "cut");
		return 0;
	}
	say("conn %d stalled %s after %s", c->id, dir_name(c, d), what);
	d->stalled = 1;
	d->len = d->off = 0;
	return 1;
}

/* src is readable.  0: the connection was closed. */
static int
dir_read(struct fp_conn *c, struct fp_dir *d, int64_t now)
{
	size_t want = d->faulty && opts.chunk < FP_BUF_SIZE ? opts.chunk :
	    FP_BUF_SIZE;
	ssize_t n = recv(d->src, d->buf, want, 0);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n == -1) {
		say("conn %d: %s read failed: %s", c->id, dir_name(c, d),
		    strerror(errno));
		conn_close(c, "read error");
		return 0;
	}
	if (n == 0) {
		d->eof = 1;
		return 1;
	}
	if (d->stalled)
		return 1;       /* swallowed: nothing more goes this way */
	d->total += (unsigned long)n;
	d->off = 0;
	d->len = dir_allowed(d, (size_t)n);
	d->ready_at = d->faulty ? now + opts.delay_ms : now;
	if (d->len == 0 && d->strike)
		return dir_strike(c, d);
	return 1;
}

/* dst is writable and the chunk is due.  0: the connection was closed. */
static int
dir_write(struct fp_conn *c, struct fp_dir *d)
{
	ssize_t n = send(d->dst, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n == -1) {
		say("conn %d: %s write failed: %s", c->id, dir_name(c, d),
		    strerror(errno));
		conn_close(c, "write error");
		return 0;
	}
	d->off += (size_t)n;
	if (d->off < d->len)
		return 1;
	d->len = d->off = 0;
	if (d->strike)
		return dir_strike(c, d);
	return 1;
}

/* Nothing more will go this way. */
static int
dir_done(const struct fp_dir *d)
{
	return d->eof && (d->stalled || d->len == 0);
}

/* Pass an end of file on once everything before it is out. */
static void
dir_pass_eof(struct fp_dir *d)
{
	if (d->eof && d->len == 0 && !d->stalled && !d->shut) {
		shutdown(d->dst, SHUT_WR);
		d->shut = 1;
	}
}

static int
listen_on(int port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	loopback(&sa, port);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, FP_MAX_CONNS) == -1) {
		fprintf(stderr, "faultproxy: listening on 127.0.0.1:%d failed: "
		    "%s\n", port, strerror(errno));
		exit(1);
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Add events for fd to the poll set; remember which slot it got. */
static void
want(struct pollfd *pfd, size_t *npfd, int fd, short ev, int *slot_r)
{
	for (size_t i = 0; i < *npfd; i++)
		if (pfd[i].fd == fd) {
			pfd[i].events |= ev;
			*slot_r = (int)i;
			return;
		}
	pfd[*npfd].fd = fd;
	pfd[*npfd].events = ev;
	pfd[*npfd].revents = 0;
	*slot_r = (int)(*npfd)++;
}

static void
parse_args(int argc, char **argv)
{
	int ch;

	opts.chunk = FP_BUF_SIZE;
	opts.server_dir = 1;
	opts.faulted_conns = -1;
	opts.lifetime = 300;
	while ((ch = getopt(argc, argv, "d:b:m:n:f:i:c:T:")) != -1) {
		switch (ch) {
		case 'd':
			opts.delay_ms = number(optarg, 0, 600000, "-d");
			break;
		case 'b':
			opts.chunk = (size_t)number(optarg, 1, FP_BUF_SIZE, "-b");
			break;
		case 'm':
			opts.pattern = optarg;
			opts.pattern_len = strlen(optarg);
			if (opts.pattern_len == 0 || opts.pattern_len >= FP_PATTERN_MAX) {
				fprintf(stderr, "faultproxy: -m: the pattern must have "
				    "1 to %d bytes\n", FP_PATTERN_MAX - 1);
				exit(2);
			}
			break;
		case 'n':
			opts.after = number(optarg, 0, 1L << 30, "-n");
			break;
		case 'f':
			if (strcmp(optarg, "cut") == 0)
				opts.fault = FP_CUT;
			else if (strcmp(optarg, "stall") == 0)
				opts.fault = FP_STALL;
			else
				usage();
			break;
		case 'i':
			if (strcmp(optarg, "s") != 0 && strcmp(optarg, "c") != 0)
				usage();
			opts.server_dir = optarg[0] == 's';
			break;
		case 'c':
			opts.faulted_conns = number(optarg, 0, 1000000, "-c");
			break;
		case 'T':
			opts.lifetime = number(optarg, 1, 86400, "-T");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	opts.listen_port = (int)number(argv[optind], 1, 65535, "listen_port");
	opts.target_port = (int)number(argv[optind + 1], 1, 65535, "target_port");
}

int
main(int argc, char **argv)
{
	int64_t deadline;
	int lfd;

	started_ms = now_ms();
	parse_args(argc, argv);
	lfd = listen_on(opts.listen_port);
	deadline = now_ms() + opts.lifetime * 1000;
	say("listening on 127.0.0.1:%d, forwarding to 127.0.0.1:%d",
	    opts.listen_port, opts.target_port);
	for (;;) {
		struct pollfd pfd[1 + 2 * FP_MAX_CONNS];
		int in_slot[FP_MAX_CONNS][2], out_slot[FP_MAX_CONNS][2];
		size_t npfd = 1;
		int64_t now = now_ms(), wake = deadline;

		if (now >= deadline) {
			say("lifetime of %ld s over; exiting", opts.lifetime);
			return 0;
		}
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		for (size_t i = 0; i < FP_MAX_CONNS; i++) {
			struct fp_dir *dirs[2] = { &conns[i].c2s, &conns[i].s2c };

			for (int k = 0; k < 2; k++) {
				struct fp_dir *d = dirs[k];

				in_slot[i][k] = out_slot[i][k] = -1;
				if (!conns[i].used)
					continue;
				if (!d->eof && d->len == 0)
					want(pfd, &npfd, d->src, POLLIN, &in_slot[i][k]);
				if (d->len > d->off) {
					if (d->ready_at <= now)
						want(pfd, &npfd, d->dst, POLLOUT,
						    &out_slot[i][k]);
					else if (d->ready_at < wake)
						wake = d->ready_at;
				}
			}
		}
		if (poll(pfd, npfd, (int)(wake - now)) == -1) {
			if (errno == EINTR)
				continue;
			say("poll failed: %s", strerror(errno));
			return 1;
		}
		now = now_ms();
		for (size_t i = 0; i < FP_MAX_CONNS; i++) {
			struct fp_conn *c = &conns[i];
			struct fp_dir *dirs[2] = { &c->c2s, &c->s2c };

			for (int k = 0; k < 2 && c->used; k++) {
				struct fp_dir *d = dirs[k];
				int s = in_slot[i][k];

				if (s >= 0 && (pfd[s].revents & (POLLIN | POLLHUP |
				    POLLERR)) && !dir_read(c, d, now))
					break;
				s = out_slot[i][k];
				if (s >= 0 && (pfd[s].revents & (POLLOUT | POLLHUP |
				    POLLERR)) && !dir_write(c, d))
					break;
			}
			if (!c->used)
				continue;
			dir_pass_eof(&c->c2s);
			dir_pass_eof(&c->s2c);
			if (dir_done(&c->c2s) && dir_done(&c->s2c))
				conn_close(c, "both sides done");
		}
		if (pfd[0].revents & POLLIN)
			conn_open(lfd);
	}
}
