/* SPDX-License-Identifier: MIT */
/*
 * intake - mailbox cycle and daemon loop.  See intake.h.
 */
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "health.h"
#include "imapc.h"
#include "notify.h"
#include "sandbox.h"
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

/* Process every message in the inbox of an open connection. */
static int
process_inbox(struct imapc *ic, struct workflow *wf, struct intake_stats *stats)
{
	struct imapc_msg *msgs = NULL;
	size_t n = 0;
	uint32_t uidvalidity = imapc_uidvalidity(ic);
	int rc = 0;

	if (imapc_list(ic, &msgs, &n) == -1)
		return -1;
	for (size_t i = 0; i < n && !intake_should_stop(); i++) {
		struct wf_result res;
		char *data = NULL;
		size_t len = 0;
		int too_large = (int64_t)msgs[i].size > wf->cfg->max_message_size;
		int r;

		/* Left behind by a COPY fallback without UIDPLUS: already filed. */
		if (msgs[i].deleted)
			continue;
		stats->seen++;
		if (imapc_fetch(ic, msgs[i].uid, too_large, &data, &len) == -1) {
			rc = -1;
			break;
		}
		if (len == 0 && !too_large) {
			free(data);     /* vanished meanwhile */
			continue;
		}
		/* A new mail is parsed first in a limited child process. */
		if (wf->cfg->parser_isolation && !too_large &&
		    workflow_known(wf, uidvalidity, msgs[i].uid) == 0) {
			const char *why;
			int sb = sandbox_check(wf->cfg, &wf->limits, wf->profile,
			    data, len, &why);

			if (sb == 1) {
				stats->errors++;
				log_error("intake uid=%u unsafe to parse: %s",
				    msgs[i].uid, why);
				r = workflow_quarantine_attempt(wf, uidvalidity,
				    msgs[i].uid, data, len, why, INTAKE_MAX_ATTEMPTS,
				    &res);
				free(data);
				if (r != 1)
					continue;
				goto move;
			} else if (sb == -1) {
				log_error("intake uid=%u: parser sandbox could not "
				    "start; will retry", msgs[i].uid);
				free(data);
				continue;
			}
		}
		if (workflow_process(wf, uidvalidity, msgs[i].uid, data, len,
		    too_large, &res) == -1) {
			/* Nothing was written; try again next cycle, give up
			 * into the failed folder after a few attempts. */
			stats->errors++;
			r = workflow_failed_attempt(wf, uidvalidity, msgs[i].uid,
			    data, len, "Verarbeitung fehlgeschlagen (Datenbank- "
			    "oder Vorlagenfehler, siehe Log)", INTAKE_MAX_ATTEMPTS, &res);
			free(data);
			if (r != 1) {
				log_error("intake uid=%u not processed; will retry",
				    msgs[i].uid);
				continue;
			}
		} else
			free(data);
		if (strcmp(res.outcome, "case") == 0)
			stats->cases++;
move:
		r = imapc_move(ic, msgs[i].uid, res.folder);
		if (r == -2) {
			/* Refused (quota, folder): the decision is stored; the
			 * next cycle moves it.  Other mail goes on. */
			stats->errors++;
			continue;
		}
		if (r == -1) {
			rc = -1;
			break;
		}
		stats->moved++;
		if (workflow_moved(wf, uidvalidity, msgs[i].uid) == -1)
			log_warn("intake uid=%u moved but not recorded", msgs[i].uid);
	}
	free(msgs);
	return rc;
}

static void
flush(struct store *st, const struct config *cfg, struct intake_stats *stats,
    int *rc)
{
	struct sender_stats ss;

	/* Reminders, escalations, expiries and a due order run go out with
	 * this flush. */
	if (approval_run_due(st, cfg, so_now()) == -1)
		*rc = -1;
	if (orderrun_run_due(st, cfg, so_now()) == -1)
		*rc = -1;
	if (monthly_run_due(st, cfg, so_now()) == -1)
		*rc = -1;
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
record_cycle(struct store *st, const struct config *cfg, int rc)
{
	int64_t at, fails = 0, now = so_now();

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
	struct imapc *ic;
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	workflow_limits(cfg, &wf.limits);
	if (imapc_open(cfg, &ic) == -1)
		rc = -1;
	else {
		rc = process_inbox(ic, &wf, stats);
		imapc_close(ic);
	}
	/* Send even when IMAP failed: answers may be waiting from before. */
	flush(st, cfg, stats, &rc);
	record_cycle(st, cfg, rc);
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
		if (rc == 0 && process_inbox(ic, &wf, &stats) == -1)
			rc = -1;
		flush(st, *cfg, &stats, &rc);
		record_cycle(st, *cfg, rc);
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
