/* SPDX-License-Identifier: MIT */
/*
 * checkpointer - the WAL copied back by a helper process.  See checkpointer.h.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "checkpointer.h"
#include "log.h"
#include "util.h"

/* How long the daemon's exit waits for the last checkpoint. */
#define CHECKPOINT_STOP_MS 60000

struct checkpointer {
	pid_t pid;              /* 0 once reaped */
	int fd;                 /* our end of the socket pair; -1: child gone */
	unsigned inline_count;
};

static void
close_all_but(int keep)
{
	if (keep > 3)
		(void)close_range(3, (unsigned)keep - 1, 0);
	(void)close_range((unsigned)keep + 1, ~0U, 0);
}

/* The child's own connection; it ends the child if it cannot be had. */
static sqlite3 *
open_db(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL,
	    NULL) == SQLITE_OK)
		return db;
	/* The parent checkpoints itself once it sees the child gone. */
	log_error("checkpointer: %s: %s; the daemon checkpoints itself", path,
	    db ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_close(db);
	_exit(1);
}

/*
 * The child: a checkpoint for every wake-up (several pending wake-ups are
 * one), until the parent closes its end.  Its own connection, opened at the
 * first request (the database may not exist before), closes last and so
 * checkpoints the rest.  Signals are the parent's to handle: Ctrl-C in a
 * terminal, SIGTERM from systemd to the whole service; the child ends
 * when the parent does.
 */
static void __attribute__((noreturn))
child(const char *path, int fd)
{
	sqlite3 *db = NULL;
	int last = SQLITE_OK;
	char buf[64];

	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGTERM, SIG_IGN);
	/*
	 * The syslog socket is about to be closed: forget it, or syslog()
	 * would later close whatever file took its number (the database).
	 */
	closelog();
	close_all_but(fd);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		int rc;

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (db == NULL)
			db = open_db(path);
		rc = sqlite3_wal_checkpoint_v2(db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		/* BUSY: another checkpoint is running; the next request
		 * comes with the next commit. */
		if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != last)
			log_error("checkpointer: %s: checkpoint failed: %s", path,
			    sqlite3_errmsg(db));
		last = rc;
	}
	sqlite3_close(db);
	_exit(0);
}

struct checkpointer *
checkpointer_start(const char *path)
{
	struct checkpointer *cp;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("checkpointer: socketpair: %s; commits checkpoint "
		    "themselves", strerror(errno));
		return NULL;
	}
	if ((pid = fork()) == -1) {
		log_warn("checkpointer: fork: %s; commits checkpoint themselves",
		    strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	if (pid == 0) {
		close(sv[0]);
		child(path, sv[1]);
	}
	close(sv[1]);
	cp = xcalloc(1, sizeof(*cp));
	cp->pid = pid;
	cp->fd = sv[0];
	return cp;
}

/* Reap the child if it has exited. */
static void
reap(struct checkpointer *cp)
{
	int status;

	if (cp->pid > 0 && waitpid(cp->pid, &status, WNOHANG) == cp->pid)
		cp->pid = 0;
}

/* The child is gone (it closed its end). */
static void
gone(struct checkpointer *cp)
{
	log_warn("checkpointer (pid %ld) has stopped; commits checkpoint "
	    "themselves again", (long)cp->pid);
	close(cp->fd);
	cp->fd = -1;
	reap(cp);
}

/* 0: asked, or an earlier request is still unread; -1: the child is gone. */
static int
poke(struct checkpointer *cp)
{
	ssize_t w = send(cp->fd, "c", 1, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (w == 1 || (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR)))
		return 0;
	gone(cp);
	return -1;
}

/* SQLite calls this after each commit, with the WAL's size in pages. */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct checkpointer *cp = arg;

	if (cp->fd == -1)
		reap(cp);       /* it may have closed its end before exiting */
	if (pages < CHECKPOINT_PAGES)
		return SQLITE_OK;
	if (cp->fd != -1 && pages < CHECKPOINT_PAGES_INLINE && poke(cp) == 0)
		return SQLITE_OK;
	cp->inline_count++;
	(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);
	return SQLITE_OK;
}

void
checkpointer_attach(struct checkpointer *cp, sqlite3 *db)
{
	if (cp != NULL)
		(void)sqlite3_wal_hook(db, wal_hook, cp);
}

void
checkpointer_stop(struct checkpointer *cp)
{
	int64_t until;

	if (cp == NULL)
		return;
	if (cp->fd != -1)
		close(cp->fd);
	/* Its last checkpoint takes a moment; a hung one does not hold the
	 * daemon's exit for ever. */
	until = mono_ms() + CHECKPOINT_STOP_MS;
	for (reap(cp); cp->pid > 0 && mono_ms() < until; reap(cp))
		usleep(5000);
	if (cp->pid > 0) {
		log_warn("checkpointer (pid %ld) did not end in %d s; killed",
		    (long)cp->pid, CHECKPOINT_STOP_MS / 1000);
		(void)kill(cp->pid, SIGKILL);
		while (waitpid(cp->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	free(cp);
}

pid_t
checkpointer_pid(const struct checkpointer *cp)
{
	return cp->fd == -1 ? 0 : cp->pid;
}

unsigned
checkpointer_inline_count(const struct checkpointer *cp)
{
	return cp->inline_count;
}
