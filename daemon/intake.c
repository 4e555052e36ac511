/* SPDX-License-Identifier: MIT */
/*
 * intake - mailbox cycle and daemon loop.  See intake.h.
 */
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "health.h"
#include "imapc.h"
#include "inbox.h"
#include "notify.h"
#include "monthly.h"
#include "orderrun.h"
#include "intake.h"
#include "log.h"
#include "sender.h"
#include "util.h"
#include "workflow.h"

volatile sig_atomic_t intake_stop;
volatile sig_atomic_t intake_reload;
volatile sig_atomic_t intake_wake;

/* The signal mask to wait with: ours unblocked. */
static sigset_t waitmask;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		intake_reload = 1;
	else
		intake_stop = 1;
	intake_wake = 1;
}

void
intake_signals_init(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
}

int
intake_should_stop(void)
{
	sigset_t blocked;

	/* Unblocking delivers whatever is pending; then block again. */
	sigprocmask(SIG_SETMASK, &waitmask, &blocked);
	sigprocmask(SIG_SETMASK, &blocked, NULL);
	return intake_stop;
}

/*
 * Another process kept the database locked beyond the busy timeout during
 * this cycle (which began at lock_timeouts): every further write would wait
 * as long again, so the cycle is given up; the next one tries it all.
 */
static int
locked_out(struct store *st, uint64_t lock_timeouts)
{
	return store_lock_timeouts(st) != lock_timeouts;
}

static void
flush(struct store *st, const struct config *cfg, struct intake_stats *stats,
    int *rc, uint64_t lock_timeouts)
{
	static int (*const due[])(struct store *, const struct config *,
	    int64_t) = { approval_run_due, orderrun_run_due, monthly_run_due };
	struct sender_stats ss;

	/*
	 * Reminders, escalations, expiries and a due order run go out with
	 * this flush.  Approval deadlines (due[0]) only after a cycle that
	 * read the whole mailbox: a reply waiting there (mailbox unreachable,
	 * stopped early, mail left for a retry) must not be overtaken by its
	 * expiry (it is judged by its delivery time).
	 */
	for (size_t i = *rc == 0 && stats->left == 0 ? 0 : 1; i < SO_NELEM(due) &&
	    !locked_out(st, lock_timeouts); i++)
		if (due[i](st, cfg, so_now()) == -1)
			*rc = -1;
	if (locked_out(st, lock_timeouts)) {
		*rc = -1;
		return;
	}
	if (sender_flush(st, cfg, &ss, intake_should_stop) == -1)
		*rc = -1;
	if (ss.sent > 0)
		(void)health_set(st, HEALTH_LAST_SEND, so_now(), ss.sent, NULL);
	stats->sent += ss.sent;
	stats->deferred += ss.deferred;
	stats->failed += ss.failed;
}

/*
 * Record the outcome of a cycle; after [limits] alert_after failed cycles
 * in a row, alert the administrator once (until a cycle succeeds again).
 */
static void
record_cycle(struct store *st, const struct config *cfg, int rc,
    uint64_t lock_timeouts)
{
	int64_t at, fails = 0, now = so_now();

	if (locked_out(st, lock_timeouts)) {
		log_error("database locked by another process for longer than "
		    "the busy timeout; cycle given up, nothing lost");
		return;
	}
	if (rc == 0) {
		(void)health_set(st, HEALTH_LAST_POLL, now, 0, NULL);
		(void)health_set(st, HEALTH_FAILURES, now, 0, NULL);
		return;
	}
	if (health_get(st, HEALTH_FAILURES, &at, &fails, NULL) == -1)
		return;
	fails++;
	(void)health_set(st, HEALTH_FAILURES, now, fails, NULL);
	if (fails == cfg->alert_after && cfg->admin) {
		struct notify_ctx n = { st, cfg, now, NULL, NULL, 0 };
		struct tvars *v = tvars_new();

		notify_common_vars(v, &n);
		tvars_setf(v, "failures", "%lld", (long long)fails);
		if (store_begin(st) == 0) {
			if (notify_send(&n, "admin_alert", v, 0, 0, "alert",
			    cfg->admin, NULL, NULL) == 1)
				(void)store_commit(st);
			else
				store_rollback(st);
		}
		tvars_free(v);
		log_error("%lld failed cycles in a row; administrator %s alerted",
		    (long long)fails, cfg->admin);
	}
}

int
intake_poll(struct store *st, const struct config *cfg,
    const struct form_profile *profile, struct intake_stats *stats)
{
	struct workflow wf = { st, cfg, profile, { 0 } };
	struct imapc *ic = NULL;
	struct inbox_moves *left = NULL;
	uint64_t locks = store_lock_timeouts(st);
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	workflow_limits(cfg, &wf.limits);
	if (imapc_open(cfg, &ic) == -1) {
		ic = NULL;
		rc = -1;
	} else
		rc = inbox_process(ic, &wf, stats, &left);
	/* Send even when IMAP failed: answers may be waiting from before.
	 * Meanwhile the server moves the last mails. */
	flush(st, cfg, stats, &rc, locks);
	if (inbox_finish(ic, &wf, left, stats) == -1)
		rc = -1;
	imapc_close(ic);
	record_cycle(st, cfg, rc, locks);
	log_info("poll done seen=%u cases=%u moved=%u errors=%u sent=%u "
	    "deferred=%u failed=%u", stats->seen, stats->cases, stats->moved,
	    stats->errors, stats->sent, stats->deferred, stats->failed);
	return rc;
}

int
intake_daemon(struct store *st, const struct config **cfg,
    const struct form_profile **profile, int (*reload)(void *ctx,
    const struct config **cfg, const struct form_profile **profile), void *ctx)
{
	struct imapc *ic = NULL;
	int delay = 1;

	while (!intake_should_stop()) {
		struct workflow wf = { 0 };
		struct intake_stats stats = { 0 };
		struct inbox_moves *left = NULL;
		uint64_t locks = store_lock_timeouts(st);
		int rc = 0;

		if (intake_reload) {
			intake_reload = 0;
			imapc_close(ic);
			ic = NULL;
			if (reload(ctx, cfg, profile) == 0)
				log_info("configuration reloaded");
		}
		/* Only now: a reload may have replaced *cfg and *profile. */
		wf.st = st;
		wf.cfg = *cfg;
		wf.profile = *profile;
		workflow_limits(*cfg, &wf.limits);
		if (ic == NULL && imapc_open(*cfg, &ic) == -1)
			rc = -1;
		if (rc == 0 && inbox_process(ic, &wf, &stats, &left) == -1)
			rc = -1;
		flush(st, *cfg, &stats, &rc, locks);
		if (inbox_finish(ic, &wf, left, &stats) == -1)
			rc = -1;
		record_cycle(st, *cfg, rc, locks);
		if (stats.seen || stats.sent || stats.failed)
			log_info("cycle done seen=%u cases=%u sent=%u deferred=%u "
			    "failed=%u", stats.seen, stats.cases, stats.sent,
			    stats.deferred, stats.failed);
		if (rc == -1) {
			imapc_close(ic);
			ic = NULL;
			log_warn("cycle failed; retrying in %d s", delay);
			intake_wake = intake_stop || intake_reload;
			imapc_sleep(delay, &intake_wake, &waitmask);
			delay = delay * 2 > (*cfg)->poll_interval ?
			    (*cfg)->poll_interval : delay * 2;
			continue;
		}
		intake_wake = intake_stop || intake_reload;
		if (!intake_wake && imapc_wait(ic, (*cfg)->poll_interval,
		    &intake_wake, &waitmask) == -1) {
			/* A server that breaks IDLE gets the same backoff as
			 * one that breaks anything else. */
			imapc_close(ic);
			ic = NULL;
			log_warn("waiting for mail failed; reconnecting in %d s", delay);
			intake_wake = intake_stop || intake_reload;
			imapc_sleep(delay, &intake_wake, &waitmask);
			delay = delay * 2 > (*cfg)->poll_interval ?
			    (*cfg)->poll_interval : delay * 2;
			continue;
		}
		delay = 1;
	}
	imapc_close(ic);
	log_info("daemon stopping");
	return 0;
}
