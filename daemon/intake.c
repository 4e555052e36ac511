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

/*
 * Mail is taken in batches: one FETCH, one sandbox child and one
 * transaction (one fsync) per batch of at most INTAKE_BATCH mails or
 * INTAKE_BATCH_BYTES bytes.  Moves are collected over several batches and
 * sent as one MOVE per folder for up to INTAKE_MOVE_GROUP mails, because
 * the server's cost is per command; a crash before the move is harmless
 * (the ledger files the mail on the next cycle).
 */
#define INTAKE_BATCH 100
#define INTAKE_BATCH_BYTES (8 * 1024 * 1024)
#define INTAKE_MOVE_GROUP 1000

struct batch {
	uint32_t uid[INTAKE_BATCH];
	char *data[INTAKE_BATCH];
	size_t len[INTAKE_BATCH];
	int64_t arrived[INTAKE_BATCH];
	size_t n;
	struct sandbox_job *job;        /* parsing, or NULL */
	struct parsed_mail parsed[INTAKE_BATCH];
	int state[INTAKE_BATCH];        /* PARSED_* */
	char *why[INTAKE_BATCH];        /* why a mail is unsafe */
};

enum {
	PARSED_NONE,    /* not parsed in a sandbox (isolation off, or vanished) */
	PARSED_OK,      /* parsed[i] holds the sandbox's result */
	PARSED_UNSAFE,  /* the sandbox failed on it: why[i] */
	PARSED_LATER,   /* the sandbox could not run: leave it for next cycle */
};

/* Decided mails waiting for their MOVE. */
struct moves {
	uint32_t uid[INTAKE_MOVE_GROUP];
	char *folder[INTAKE_MOVE_GROUP];
	size_t n;
};

/* Move what is pending, one command per folder, and note it in the ledger. */
static int
moves_flush(struct imapc *ic, struct workflow *wf, uint32_t uidvalidity,
    struct moves *mv, struct intake_stats *stats)
{
	int done[INTAKE_MOVE_GROUP] = { 0 }, rc = 0;

	for (size_t i = 0; i < mv->n && rc == 0; i++) {
		uint32_t group[INTAKE_MOVE_GROUP];
		size_t ng = 0, idx[INTAKE_MOVE_GROUP];
		int r;

		if (done[i])
			continue;
		for (size_t j = i; j < mv->n; j++)
			if (!done[j] && strcmp(mv->folder[j], mv->folder[i]) == 0) {
				idx[ng] = j;
				group[ng++] = mv->uid[j];
			}
		r = imapc_move_many(ic, group, ng, mv->folder[i]);
		if (r == -1) {
			rc = -1;
			break;
		}
		for (size_t k = 0; k < ng; k++)
			done[idx[k]] = r == 0 ? 1 : 2;
		if (r == -2)
			stats->errors++;        /* refused: moved next cycle */
		else
			stats->moved += (unsigned)ng;
	}
	/* Bookkeeping only; the ledger already knows where each mail belongs. */
	if (store_begin(wf->st) == 0) {
		for (size_t i = 0; i < mv->n; i++)
			if (done[i] == 1)
				(void)workflow_moved(wf, uidvalidity, mv->uid[i]);
		(void)store_commit(wf->st);
	}
	for (size_t i = 0; i < mv->n; i++)
		free(mv->folder[i]);
	mv->n = 0;
	return rc;
}

static int
moves_add(struct imapc *ic, struct workflow *wf, uint32_t uidvalidity,
    struct moves *mv, uint32_t uid, const char *folder,
    struct intake_stats *stats)
{
	if (mv->n == INTAKE_MOVE_GROUP &&
	    moves_flush(ic, wf, uidvalidity, mv, stats) == -1)
		return -1;
	mv->uid[mv->n] = uid;
	mv->folder[mv->n] = xstrdup(folder);
	mv->n++;
	return 0;
}

static void
batch_free(struct batch *b)
{
	const char *why;

	if (b == NULL)
		return;
	if (b->job != NULL && sandbox_finish(b->job, b->parsed, &why) == 0)
		for (size_t i = 0; i < b->n; i++)
			parsed_mail_free(&b->parsed[i]);
	for (size_t i = 0; i < b->n; i++) {
		if (b->state[i] == PARSED_OK)
			parsed_mail_free(&b->parsed[i]);
		free(b->data[i]);
		free(b->why[i]);
	}
	free(b);
}

/*
 * The next batch from msgs[*next..n): fetched, and its sandbox child
 * started.  Mails over the size limit are handled on their own on the way.
 * *b_r is NULL when nothing is left.
 */
static int batch_next(struct imapc *ic, struct workflow *wf,
    uint32_t uidvalidity, const struct imapc_msg *msgs, size_t n, size_t *next,
    struct moves *mv, struct intake_stats *stats, struct batch **b_r);

/* Wait for the batch's sandbox; if it failed, find the culprit one by one. */
static void
batch_parsed(struct workflow *wf, uint32_t uidvalidity, struct batch *b)
{
	const char *why;
	int sb;

	if (b->job == NULL)
		return;
	sb = sandbox_finish(b->job, b->parsed, &why);
	b->job = NULL;
	for (size_t i = 0; i < b->n; i++) {
		int one;

		if (b->len[i] == 0)
			continue;       /* vanished */
		if (sb == 0) {
			b->state[i] = PARSED_OK;
			continue;
		}
		if (workflow_known(wf, uidvalidity, b->uid[i]) != 0)
			continue;       /* decided before: only filed, not parsed */
		one = sandbox_parse(wf->cfg, &wf->limits, wf->profile, b->data[i],
		    b->len[i], 0, &b->parsed[i], &why);
		if (one == 0)
			b->state[i] = PARSED_OK;
		else if (one == 1) {
			b->state[i] = PARSED_UNSAFE;
			b->why[i] = xstrdup(why);
			log_error("intake uid=%u unsafe to parse: %s", b->uid[i], why);
		} else
			b->state[i] = PARSED_LATER;
	}
}

/* Decide all mails of a parsed batch in one transaction, then queue their moves. */
static int
batch_decide(struct imapc *ic, struct workflow *wf, uint32_t uidvalidity,
    struct batch *b, struct moves *mv, struct intake_stats *stats)
{
	struct wf_result res[INTAKE_BATCH];
	int decided[INTAKE_BATCH] = { 0 };
	unsigned cases = 0;

	memset(res, 0, sizeof(res));
	if (store_begin(wf->st) == -1)
		return -1;
	for (size_t i = 0; i < b->n; i++) {
		int r;

		stats->seen++;
		if (b->len[i] == 0 || b->state[i] == PARSED_LATER)
			continue;
		if (b->state[i] == PARSED_UNSAFE) {
			stats->errors++;
			r = workflow_quarantine_attempt(wf, uidvalidity, b->uid[i],
			    b->data[i], b->len[i], b->why[i], INTAKE_MAX_ATTEMPTS,
			    &res[i]);
			decided[i] = r == 1;
			continue;
		}
		struct wf_input in = { uidvalidity, b->uid[i], b->data[i],
		    b->len[i], 0, b->arrived[i], b->state[i] == PARSED_OK ?
		    &b->parsed[i] : NULL };

		if (workflow_process_mail(wf, &in, &res[i]) == -1) {
			/* Nothing of this mail was written; retry, give up after a few. */
			stats->errors++;
			r = workflow_failed_attempt(wf, uidvalidity, b->uid[i],
			    b->data[i], b->len[i], "Verarbeitung fehlgeschlagen "
			    "(Datenbank- oder Vorlagenfehler, siehe Log)",
			    INTAKE_MAX_ATTEMPTS, &res[i]);
			decided[i] = r == 1;
			if (r != 1)
				log_error("intake uid=%u not processed; will retry",
				    b->uid[i]);
			continue;
		}
		decided[i] = 1;
		if (strcmp(res[i].outcome, "case") == 0)
			cases++;
	}
	if (store_commit(wf->st) == -1) {
		/* Nothing of the batch is recorded (disk full?): all of it comes
		 * again, and the cycle counts as failed. */
		log_error("intake batch commit failed; nothing of it recorded, "
		    "will retry");
		return -1;
	}
	stats->cases += cases;
	for (size_t i = 0; i < b->n; i++)
		if (decided[i] && moves_add(ic, wf, uidvalidity, mv, b->uid[i],
		    res[i].folder, stats) == -1)
			return -1;
	return 0;
}

/* A message over the size limit: only its header is fetched, answered, filed. */
static int
process_too_large(struct imapc *ic, struct workflow *wf, uint32_t uidvalidity,
    const struct imapc_msg *m, struct moves *mv, struct intake_stats *stats)
{
	uint32_t uid = m->uid;
	struct parsed_mail pm;
	struct wf_result res;
	const char *why;
	char *data = NULL;
	size_t len = 0;
	int r, parsed = 0;

	stats->seen++;
	if (imapc_fetch(ic, uid, 1, &data, &len) == -1)
		return -1;
	if (wf->cfg->parser_isolation) {
		r = sandbox_parse(wf->cfg, &wf->limits, wf->profile, data, len, 1,
		    &pm, &why);
		if (r == -1) {
			free(data);     /* the sandbox could not run: next cycle */
			return 0;
		}
		if (r == 1) {
			/* Even its header is hostile: quarantine after a few tries. */
			log_error("intake uid=%u header unsafe to parse: %s", uid, why);
			stats->errors++;
			r = workflow_quarantine_attempt(wf, uidvalidity, uid, data, len,
			    why, INTAKE_MAX_ATTEMPTS, &res);
			free(data);
			return r == 1 ? moves_add(ic, wf, uidvalidity, mv, uid,
			    res.folder, stats) : 0;
		}
		parsed = 1;
	}
	{
		struct wf_input in = { uidvalidity, uid, data, len, 1, m->arrived,
		    parsed ? &pm : NULL };

		r = workflow_process_mail(wf, &in, &res);
	}
	if (parsed)
		parsed_mail_free(&pm);
	free(data);
	if (r == -1) {
		stats->errors++;
		return 0;
	}
	return moves_add(ic, wf, uidvalidity, mv, uid, res.folder, stats);
}

static int
batch_next(struct imapc *ic, struct workflow *wf, uint32_t uidvalidity,
    const struct imapc_msg *msgs, size_t n, size_t *next, struct moves *mv,
    struct intake_stats *stats, struct batch **b_r)
{
	struct batch *b;
	size_t bytes = 0, i = *next;

	*b_r = NULL;
	b = xcalloc(1, sizeof(*b));
	for (; i < n && b->n < INTAKE_BATCH; i++) {
		/* Left behind by a COPY fallback without UIDPLUS: already filed. */
		if (msgs[i].deleted)
			continue;
		if ((int64_t)msgs[i].size > wf->cfg->max_message_size) {
			if (process_too_large(ic, wf, uidvalidity, &msgs[i], mv,
			    stats) == -1) {
				*next = i;
				free(b);
				return -1;
			}
			continue;
		}
		if (b->n > 0 && bytes + msgs[i].size > INTAKE_BATCH_BYTES)
			break;
		bytes += msgs[i].size;
		b->arrived[b->n] = msgs[i].arrived;
		b->uid[b->n++] = msgs[i].uid;
	}
	*next = i;
	if (b->n == 0) {
		free(b);
		return 0;
	}
	if (imapc_fetch_many(ic, b->uid, b->n, b->data, b->len) == -1) {
		free(b);
		return -1;
	}
	if (wf->cfg->parser_isolation) {
		b->job = sandbox_start(wf->cfg, &wf->limits, wf->profile, b->data,
		    b->len, NULL, b->n);
		if (b->job == NULL)
			for (size_t k = 0; k < b->n; k++)
				b->state[k] = PARSED_LATER;
	}
	*b_r = b;
	return 0;
}

/*
 * Process every message in the inbox of an open connection.  While the
 * sandbox parses one batch, the next one is fetched; while the database
 * takes one batch, the sandbox parses the next.
 */
static int
process_inbox(struct imapc *ic, struct workflow *wf, struct intake_stats *stats)
{
	struct imapc_msg *msgs = NULL;
	struct moves *mv = xcalloc(1, sizeof(*mv));
	struct batch *cur = NULL, *nxt = NULL;
	size_t n = 0, next = 0;
	uint32_t uidvalidity = imapc_uidvalidity(ic);
	int rc = 0;

	if (imapc_list(ic, &msgs, &n) == -1) {
		free(mv);
		return -1;
	}
	rc = batch_next(ic, wf, uidvalidity, msgs, n, &next, mv, stats, &cur);
	while (rc == 0 && cur != NULL) {
		if (!intake_should_stop())
			rc = batch_next(ic, wf, uidvalidity, msgs, n, &next, mv,
			    stats, &nxt);
		batch_parsed(wf, uidvalidity, cur);
		/* Even when the next fetch failed, this batch is decided. */
		if (batch_decide(ic, wf, uidvalidity, cur, mv, stats) == -1)
			rc = -1;
		batch_free(cur);
		cur = nxt;
		nxt = NULL;
	}
	batch_free(cur);
	if (rc == 0 && mv->n > 0)
		rc = moves_flush(ic, wf, uidvalidity, mv, stats);
	for (size_t i = 0; i < mv->n; i++)
		free(mv->folder[i]);
	free(mv);
	free(msgs);
	return rc;
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
	 * read the mailbox: a reply waiting in an unreachable mailbox must not
	 * be overtaken by its expiry (it is judged by its delivery time).
	 */
	for (size_t i = *rc == 0 ? 0 : 1; i < SO_NELEM(due) &&
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
	struct imapc *ic;
	uint64_t locks = store_lock_timeouts(st);
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
	flush(st, cfg, stats, &rc, locks);
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
		if (rc == 0 && process_inbox(ic, &wf, &stats) == -1)
			rc = -1;
		flush(st, *cfg, &stats, &rc, locks);
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
