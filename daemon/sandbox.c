/* SPDX-License-Identifier: MIT */
/*
 * sandbox - the pre-flight parse in a limited child.  See sandbox.h.
 */
#include <errno.h>
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
limit(int resource, rlim_t value)
{
	struct rlimit rl = { value, value };

	(void)setrlimit(resource, &rl);
}

int
sandbox_check(const struct config *cfg, const struct mime_limits *limits,
    const struct form_profile *profile, const char *raw, size_t len,
    const char **why_r)
{
	char *raws[1] = { (char *)(uintptr_t)raw };

	return sandbox_check_many(cfg, limits, profile, raws, &len, 1, why_r);
}

int
sandbox_check_many(const struct config *cfg, const struct mime_limits *limits,
    const struct form_profile *profile, char *const *raws, const size_t *lens,
    size_t nmail, const char **why_r)
{
	int pfd[2], status = 0;
	pid_t pid;
	struct pollfd p;
	char ok = 0;
	int waited_ms = 0, wall_ms = (cfg->parser_cpu_seconds + 5) * 1000;
	rlim_t cpu = (rlim_t)cfg->parser_cpu_seconds * (rlim_t)(nmail > 0 ? nmail : 1);

	*why_r = whybuf;
	if (pipe(pfd) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		/* Child: no database, no network, no core file, bounded. */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != pfd[1])
				close(fd);
#if !SANDBOX_SANITIZED
		/* Heap and private data: what hostile input can make grow,
		 * on top of what the child inherited (the fetched mails). */
		rlim_t base = data_in_use();
		limit(RLIMIT_DATA, base + (rlim_t)cfg->parser_memory_mb * 1024 * 1024);
		limit(RLIMIT_AS, base + (rlim_t)(cfg->parser_memory_mb + 1024) *
		    1024 * 1024);
#endif
		limit(RLIMIT_CPU, cpu);
		limit(RLIMIT_CORE, 0);
		limit(RLIMIT_NOFILE, 8);
		limit(RLIMIT_NPROC, 0);
		/* Exactly what the daemon runs on the mail before the database. */
		for (size_t i = 0; i < nmail; i++)
			workflow_parse_only(cfg, limits, profile, raws[i], lens[i]);
		ok = 1;
		if (write(pfd[1], &ok, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	p.fd = pfd[0];
	p.events = POLLIN;
	for (;;) {
		int n = poll(&p, 1, 100);

		if (n > 0) {
			if (read(pfd[0], &ok, 1) != 1)
				ok = 0;
			break;
		}
		if (n < 0 && errno != EINTR)
			break;
		if ((waited_ms += 100) >= wall_ms * (int)(nmail > 0 ? nmail : 1)) {
			kill(pid, SIGKILL);
			break;
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (ok == 1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
		snprintf(whybuf, sizeof(whybuf), "parser exceeded its CPU time "
		    "(%d s)", cfg->parser_cpu_seconds);
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		snprintf(whybuf, sizeof(whybuf), "parser did not finish in time");
	else if (WIFSIGNALED(status))
		snprintf(whybuf, sizeof(whybuf), "parser killed by signal %d "
		    "(memory limit %d MiB or a crash)", WTERMSIG(status),
		    cfg->parser_memory_mb);
	else
		snprintf(whybuf, sizeof(whybuf), "parser failed (exit %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 1;
}
