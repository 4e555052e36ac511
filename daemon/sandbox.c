/* SPDX-License-Identifier: MIT */
/*
 * sandbox - parsing in a limited child process.  See sandbox.h.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "util.h"
#include "workflow.h"

static char whybuf[128];

/*
 * AddressSanitizer maps terabytes of shadow memory: under it, memory
 * limits would kill every child.  Sanitizer builds (tests only) run the
 * child with its CPU and file limits but without memory limits.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZED 1
#endif
#endif
#ifndef SANDBOX_SANITIZED
#define SANDBOX_SANITIZED 0
#endif

#if !SANDBOX_SANITIZED
/* Bytes of data segment in use now (/proc/self/statm, field "data"). */
static rlim_t
data_in_use(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size, res, shared, text, lib, data = 0;

	if (f != NULL) {
		if (fscanf(f, "%lu %lu %lu %lu %lu %lu", &size, &res, &shared,
		    &text, &lib, &data) != 6)
			data = 0;
		fclose(f);
	}
	return (rlim_t)data * (rlim_t)sysconf(_SC_PAGESIZE);
}

#endif

static void
limit2(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = { soft, hard };

	(void)setrlimit(resource, &rl);
}

static void
limit(int resource, rlim_t value)
{
	limit2(resource, value, value);
}

/*
 * The most the wire form of one mail of len bytes may take: undeclared
 * 8-bit header bytes become 3 bytes of UTF-8 each, and the subject and
 * addresses are carried twice (in the header list and on their own).
 */
static size_t
per_mail_max(size_t len)
{
	return len * 8 + 64 * 1024;
}

/* Close every descriptor from 3 up except a and b. */
static void
close_except(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 3)
		(void)close_range(3, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		(void)close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	(void)close_range((unsigned)hi + 1, ~0U, 0);
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct sandbox_job {
	pid_t pid;
	int done_fd;            /* the child writes one byte here when done */
	int out_fd;             /* memory file with the results */
	size_t n;
	int64_t deadline;       /* CLOCK_MONOTONIC ms */
	int64_t per_mail_ms;    /* each result moves the deadline this far */
	int64_t last_chance;    /* but never past this: n mails' time */
	off_t seen;             /* results size at the last look */
	int cpu_seconds, memory_mb;
};

/* The child: parse, write the wire form, report; never returns. */
static void __attribute__((noreturn))
child(const struct config *cfg, const struct mime_limits *limits,
    const struct form_profile *profile, char *const *raws, const size_t *lens,
    const int *too_large, size_t nmail, int out_fd, int done_fd)
{
	rlim_t out_max = 1024 * 1024;
	char ok = 1;

	/* No database, no network, no core file, bounded. */
	close_except(out_fd, done_fd);
	for (size_t i = 0; i < nmail; i++)
		out_max += (rlim_t)per_mail_max(lens[i]);
#if !SANDBOX_SANITIZED
	{
		/* Heap and private data: what hostile input can make grow,
		 * on top of what the child inherited (the fetched mails). */
		rlim_t base = data_in_use();

		limit(RLIMIT_DATA, base + (rlim_t)cfg->parser_memory_mb * 1024 * 1024);
		limit(RLIMIT_AS, base + (rlim_t)(cfg->parser_memory_mb + 1024) *
		    1024 * 1024);
	}
#endif
	/* Soft limit first: SIGXCPU names the reason (the hard one kills). */
	limit2(RLIMIT_CPU, (rlim_t)cfg->parser_cpu_seconds * (rlim_t)nmail,
	    (rlim_t)cfg->parser_cpu_seconds * (rlim_t)nmail + 1);
	limit(RLIMIT_FSIZE, out_max);
	limit(RLIMIT_CORE, 0);
	limit(RLIMIT_NOFILE, 8);
	limit(RLIMIT_NPROC, 0);
	for (size_t i = 0; i < nmail; i++) {
		struct parsed_mail pm;
		struct buf b;

		workflow_parse(cfg, limits, profile, raws[i], lens[i],
		    too_large ? too_large[i] : 0, &pm);
		buf_init(&b, per_mail_max(lens[i]));
		if (mailparse_encode(&pm, &b) == -1) {
			/* Bigger than any sane parse of it: unreadable, not unsafe. */
			struct parsed_mail big = { 0 };

			big.err = (char *)(uintptr_t)"Die Nachricht ist nach dem "
			    "Entpacken zu groß.";
			buf_free(&b);
			buf_init(&b, per_mail_max(0));
			if (mailparse_encode(&big, &b) == -1)
				_exit(3);
		}
		if (write_all(out_fd, b.data, b.len) == -1)
			_exit(3);
		buf_free(&b);
		parsed_mail_free(&pm);
	}
	if (write(done_fd, &ok, 1) != 1)
		_exit(2);
	_exit(0);
}

struct sandbox_job *
sandbox_start(const struct config *cfg, const struct mime_limits *limits,
    const struct form_profile *profile, char *const *raws, const size_t *lens,
    const int *too_large, size_t nmail)
{
	struct sandbox_job *job;
	int pfd[2], out_fd;
	pid_t pid;

	if ((out_fd = memfd_create("socialorder-parse", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1) {
		log_error("sandbox: memfd_create: %s", strerror(errno));
		return NULL;
	}
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		log_error("sandbox: pipe: %s", strerror(errno));
		close(out_fd);
		return NULL;
	}
	if ((pid = fork()) == -1) {
		log_error("sandbox: fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		close(out_fd);
		return NULL;
	}
	if (pid == 0)
		child(cfg, limits, profile, raws, lens, too_large, nmail, out_fd,
		    pfd[1]);
	close(pfd[1]);
	job = xcalloc(1, sizeof(*job));
	job->pid = pid;
	job->done_fd = pfd[0];
	job->out_fd = out_fd;
	job->n = nmail;
	job->cpu_seconds = cfg->parser_cpu_seconds;
	job->memory_mb = cfg->parser_memory_mb;
	/*
	 * Each mail has its own time: the child appends each result as it
	 * finishes, and every result seen moves the deadline on, so one mail
	 * that hangs costs its own time, not the whole batch's.
	 */
	job->per_mail_ms = (int64_t)(cfg->parser_cpu_seconds + 5) * 1000;
	job->deadline = mono_ms() + job->per_mail_ms;
	/* A child that trickles bytes is still stopped at the batch's time. */
	job->last_chance = mono_ms() + job->per_mail_ms *
	    (int64_t)(nmail > 0 ? nmail : 1);
	return job;
}

/* Wait for the child's byte or its deadline; 1 if it reported success. */
static int
wait_done(struct sandbox_job *job)
{
	struct pollfd p = { job->done_fd, POLLIN, 0 };
	struct stat sb;
	char ok = 0;

	for (;;) {
		int64_t left = job->deadline - mono_ms();
		int n;

		/* A child that finished in time counts, however late we look. */
		n = poll(&p, 1, left <= 0 ? 0 : left > 200 ? 200 : (int)left);
		if (n > 0)
			return read(job->done_fd, &ok, 1) == 1 && ok == 1;
		if (n == 0 && fstat(job->out_fd, &sb) == 0 && sb.st_size > job->seen) {
			job->seen = sb.st_size;
			job->deadline = mono_ms() + job->per_mail_ms;
			if (job->deadline > job->last_chance)
				job->deadline = job->last_chance;
			left = job->deadline - mono_ms();
		}
		if ((n < 0 && errno != EINTR) || left <= 0) {
			kill(job->pid, SIGKILL);
			return 0;
		}
	}
}

/* The release of a batch's results once its last mail is freed. */
static void
unmap(const char *data, size_t len)
{
	munmap((void *)(uintptr_t)data, len);
}

/*
 * Decode the child's results into out.  whole: all n must be there and
 * nothing after them; -1 and *why_r if not (out left empty).  Otherwise
 * the complete results at the front, as many as there are (a child that
 * failed handed them in before its failure): their number.
 */
static long
decode_results(struct sandbox_job *job, struct parsed_mail *out, int whole,
    const char **why_r)
{
	struct stat sb;
	struct wire_arena *arena;
	char *map;
	size_t off = 0, i;
	int rc = 0;

	*why_r = whybuf;
	/*
	 * The mails will point into the results: nobody who may still hold
	 * the file (a process the child left behind) may change them after
	 * they are checked.
	 */
	if (fcntl(job->out_fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_SEAL) == -1) {
		if (whole)
			snprintf(whybuf, sizeof(whybuf), "parser results "
			    "cannot be sealed: %s", strerror(errno));
		return whole ? -1 : 0;
	}
	if (fstat(job->out_fd, &sb) == -1 || sb.st_size <= 0) {
		if (whole)
			snprintf(whybuf, sizeof(whybuf), "parser wrote no results");
		return whole ? -1 : 0;
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE,
	    job->out_fd, 0);
	if (map == MAP_FAILED) {
		if (whole)
			snprintf(whybuf, sizeof(whybuf), "parser results "
			    "unreadable: %s", strerror(errno));
		return whole ? -1 : 0;
	}
	/* The mails point into the results: mapped until the last is freed. */
	arena = wire_arena_new(map, (size_t)sb.st_size, unmap);
	for (i = 0; i < job->n && rc == 0; i++) {
		const char *err;

		if (mailparse_decode(arena, &off, &out[i], &err) == -1) {
			if (whole)
				snprintf(whybuf, sizeof(whybuf), "%s", err);
			rc = -1;
			break;
		}
	}
	if (whole && rc == 0 && off != (size_t)sb.st_size) {
		snprintf(whybuf, sizeof(whybuf), "parser wrote more results "
		    "than mails");
		rc = -1;
	}
	wire_arena_unref(arena);
	if (rc == -1 && whole) {
		while (i-- > 0)
			parsed_mail_free(&out[i]);
		return -1;
	}
	return (long)i;
}

int
sandbox_finish(struct sandbox_job *job, struct parsed_mail *out,
    const char **why_r)
{
	return sandbox_finish_some(job, out, why_r, NULL);
}

int
sandbox_finish_some(struct sandbox_job *job, struct parsed_mail *out,
    const char **why_r, size_t *done_r)
{
	int status = 0, ok = wait_done(job), rc = 1;
	const char *ignored;

	*why_r = whybuf;
	if (done_r)
		*done_r = 0;
	while (waitpid(job->pid, &status, 0) == -1 && errno == EINTR)
		;
	if (ok && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = decode_results(job, out, 1, why_r) == -1 ? 1 : 0;
		if (rc == 0 && done_r)
			*done_r = job->n;
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
		snprintf(whybuf, sizeof(whybuf), "parser exceeded its CPU time "
		    "(%d s)", job->cpu_seconds);
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ)
		snprintf(whybuf, sizeof(whybuf), "parser output exceeded its "
		    "size limit");
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		snprintf(whybuf, sizeof(whybuf), "parser did not finish in time");
	else if (WIFSIGNALED(status))
		snprintf(whybuf, sizeof(whybuf), "parser killed by signal %d "
		    "(memory limit %d MiB or a crash)", WTERMSIG(status),
		    job->memory_mb);
	else
		snprintf(whybuf, sizeof(whybuf), "parser failed (exit %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	/* What the child handed in before it failed. */
	if (rc == 1 && done_r && ok == 0)
		*done_r = (size_t)decode_results(job, out, 0, &ignored);
	close(job->done_fd);
	close(job->out_fd);
	free(job);
	return rc;
}

int
sandbox_parse(const struct config *cfg, const struct mime_limits *limits,
    const struct form_profile *profile, const char *raw, size_t len,
    int too_large, struct parsed_mail *out, const char **why_r)
{
	char *raws[1] = { (char *)(uintptr_t)raw };
	struct sandbox_job *job = sandbox_start(cfg, limits, profile, raws, &len,
	    &too_large, 1);

	*why_r = "parser sandbox could not start";
	if (job == NULL)
		return -1;
	return sandbox_finish(job, out, why_r);
}
