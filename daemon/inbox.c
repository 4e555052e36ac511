/* SPDX-License-Identifier: MIT */
/*
 * inbox - batches of mail through sandbox, workflow and MOVE.  See inbox.h.
 */
#include <stdlib.h>
#include <string.h>

#include "inbox.h"
#include "log.h"
#include "sandbox.h"
#include "util.h"

/*
 * Mail is taken in batches: one FETCH and one sandbox child per batch of at
 * most INTAKE_BATCH mails or INTAKE_BATCH_BYTES bytes.  The decisions of a
 * batch share one transaction (one fsync), which holds the write lock only
 * while deciding, never across a fetch or a wait for the sandbox.  A mail is
 * moved only after its decision is committed; moves are collected and sent
 * as one MOVE per folder for up to INTAKE_MOVE_GROUP mails, because the
 * server's cost is per command.  A crash before the commit costs the
 * group's work, not its mails; a crash between commit and move is harmless
 * (the ledger files the mail on the next cycle).
 *
 * Each batch is parsed while the one before is decided, so only the first
 * sandbox is waited for; the first batches are small (INTAKE_FIRST_BATCH,
 * then twice as many each time) so that this wait is short.
 */
#define INTAKE_BATCH 500
#define INTAKE_FIRST_BATCH 50
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
	PARSED_NONE,    /* not parsed in a sandbox: isolation off, vanished, or
			 * known to the ledger (then only filed) */
	PARSED_OK,      /* parsed[i] holds the sandbox's result */
	PARSED_UNSAFE,  /* the sandbox failed on it: why[i] */
	PARSED_LATER,   /* the sandbox could not run: leave it for next cycle */
};

/* Decided mails waiting for their MOVE. */
struct inbox_moves {
	uint32_t uid[INTAKE_MOVE_GROUP];
	char *folder[INTAKE_MOVE_GROUP];
	int state[INTAKE_MOVE_GROUP];   /* MOVE_* */
	size_t n;
	int started;                    /* a MOVE is under way ... */
	size_t started_at;              /* ... for the folder of this mail */
	uint32_t uidvalidity;           /* of the mailbox the uids are in */
};

enum {
	MOVE_WAITING,
	MOVE_DONE,
	MOVE_REFUSED,   /* the server said no: moved next cycle */
	MOVE_STARTED,
};

/* Decided mails of one batch whose transaction is still open. */
struct group {
	uint32_t uid[INTAKE_BATCH];
	char *folder[INTAKE_BATCH];
	size_t n;
	unsigned cases;
	int open;               /* a transaction is open */
};

/* The uids of mv's waiting mails for the folder of mv->folder[first]. */
static size_t
moves_group(const struct inbox_moves *mv, size_t first, uint32_t *group)
{
	size_t ng = 0;

	for (size_t j = first; j < mv->n; j++)
		if (mv->state[j] == MOVE_WAITING &&
		    strcmp(mv->folder[j], mv->folder[first]) == 0)
			group[ng++] = mv->uid[j];
	return ng;
}

static void
moves_mark(struct inbox_moves *mv, size_t first, int from, int to)
{
	const char *folder = mv->folder[first];

	for (size_t j = first; j < mv->n; j++)
		if (mv->state[j] == from && strcmp(mv->folder[j], folder) == 0)
			mv->state[j] = to;
}

/*
 * Send the MOVE of the first folder's mails without waiting for the
 * answer: the server moves them while the next batch is decided.
 */
static int
moves_start(struct imapc *ic, struct inbox_moves *mv)
{
	uint32_t group[INTAKE_MOVE_GROUP];
	size_t ng = 0, first = 0;
	int r;

	if (mv->n == 0)
		return 0;
	/* The biggest group, mostly "Verarbeitet"; the rest after. */
	for (size_t i = 0; i < mv->n; i++) {
		size_t k = 0;

		for (size_t j = 0; j < i && k == 0; j++)
			k = strcmp(mv->folder[j], mv->folder[i]) == 0;
		if (k == 0 && (k = moves_group(mv, i, group)) > ng) {
			ng = k;
			first = i;
		}
		if (ng > mv->n / 2)
			break;
	}
	ng = moves_group(mv, first, group);
	r = imapc_move_start(ic, group, ng, mv->folder[first]);
	if (r == 0) {
		moves_mark(mv, first, MOVE_WAITING, MOVE_STARTED);
		mv->started = 1;
		mv->started_at = first;
	}
	return r == -1 ? -1 : 0;
}

static void
moves_count(struct inbox_moves *mv, size_t first, int from, int r, size_t ng,
    struct intake_stats *stats)
{
	moves_mark(mv, first, from, r == 0 ? MOVE_DONE : MOVE_REFUSED);
	if (r == -2)
		stats->errors++;        /* refused: moved next cycle */
	else
		stats->moved += (unsigned)ng;
}

/*
 * Finish what is pending: the started MOVE's answer, then one command per
 * remaining folder; note the moved ones in the ledger.
 */
static int
moves_flush(struct imapc *ic, struct workflow *wf, struct inbox_moves *mv,
    struct intake_stats *stats)
{
	uint32_t done[INTAKE_MOVE_GROUP];
	size_t nd = 0;
	int rc = 0;

	if (mv->started) {
		size_t ng = 0;
		int r = imapc_move_finish(ic);

		mv->started = 0;
		for (size_t i = 0; i < mv->n; i++)
			ng += mv->state[i] == MOVE_STARTED;
		if (r == -1)
			rc = -1;
		else
			moves_count(mv, mv->started_at, MOVE_STARTED, r, ng, stats);
	}
	for (size_t i = 0; i < mv->n && rc == 0; i++) {
		uint32_t group[INTAKE_MOVE_GROUP];
		size_t ng;
		int r;

		if (mv->state[i] != MOVE_WAITING)
			continue;
		ng = moves_group(mv, i, group);
		r = imapc_move_many(ic, group, ng, mv->folder[i]);
		if (r == -1)
			rc = -1;
		else
			moves_count(mv, i, MOVE_WAITING, r, ng, stats);
	}
	for (size_t i = 0; i < mv->n; i++)
		if (mv->state[i] == MOVE_DONE)
			done[nd++] = mv->uid[i];
	qsort(done, nd, sizeof(*done), uid_cmp);
	(void)workflow_moved(wf, mv->uidvalidity, done, nd);
	for (size_t i = 0; i < mv->n; i++)
		free(mv->folder[i]);
	mv->n = 0;
	return rc;
}

static int
moves_add(struct imapc *ic, struct workflow *wf, struct inbox_moves *mv,
    uint32_t uid, const char *folder, struct intake_stats *stats)
{
	if (mv->n == INTAKE_MOVE_GROUP &&
	    moves_flush(ic, wf, mv, stats) == -1)
		return -1;
	mv->uid[mv->n] = uid;
	mv->folder[mv->n] = xstrdup(folder);
	mv->state[mv->n] = MOVE_WAITING;
	mv->n++;
	return 0;
}

/* Forget the group's mails (its transaction is ended by the caller). */
static void
group_clear(struct group *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->folder[i]);
	g->n = 0;
	g->cases = 0;
}

/* Open the group's transaction unless it is open. */
static int
group_begin(struct workflow *wf, struct group *g)
{
	if (g->open)
		return 0;
	if (store_begin(wf->st) == -1)
		return -1;
	g->open = 1;
	return 0;
}

/*
 * Commit the group and hand its mails to the moves.  When the commit fails
 * (disk full?) none of the group is recorded: all of it comes again, and
 * the cycle counts as failed.
 */
static int
group_commit(struct imapc *ic, struct workflow *wf, struct group *g,
    struct inbox_moves *mv, struct intake_stats *stats)
{
	int rc = 0;

	if (g->open) {
		g->open = 0;
		if (store_commit(wf->st) == -1) {
			log_error("intake commit failed (%zu decided mails); "
			    "nothing of them recorded, will retry", g->n);
			stats->left += (unsigned)g->n;
			rc = -1;
		}
	}
	if (rc == 0)
		stats->cases += g->cases;
	for (size_t i = 0; i < g->n && rc == 0; i++)
		rc = moves_add(ic, wf, mv, g->uid[i], g->folder[i], stats);
	group_clear(g);
	return rc;
}

/*
 * Note a decided mail; it is moved once the group is committed.  A group
 * is one batch (committed after it), so it never holds more than
 * INTAKE_BATCH mails.
 */
static void
group_add(struct group *g, uint32_t uid, const struct wf_result *res)
{
	g->uid[g->n] = uid;
	g->folder[g->n] = xstrdup(res->folder);
	g->n++;
	if (strcmp(res->outcome, "case") == 0)
		g->cases++;
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
 * The next batch from msgs[*next..n), of at most *max mails (doubled for
 * the batch after, up to INTAKE_BATCH): fetched, and its sandbox child
 * started.  Mails over the size limit are handled on their own on the way.
 * *b_r is NULL when nothing is left.
 */
static int batch_next(struct imapc *ic, struct workflow *wf,
    uint32_t uidvalidity, const struct imapc_msg *msgs, size_t n, size_t *next,
    size_t *max, struct inbox_moves *mv, struct intake_stats *stats,
    struct batch **b_r);

/* Wait for the batch's sandbox; if it failed, find the culprit one by one. */
static void
batch_parsed(struct workflow *wf, uint32_t uidvalidity, struct batch *b)
{
	const char *why;
	size_t done;

	if (b->job == NULL)
		return;
	/* A failed child's results before its failure count. */
	(void)sandbox_finish_some(b->job, b->parsed, &why, &done);
	b->job = NULL;
	for (size_t i = 0; i < b->n; i++) {
		int one, known;

		if (i < done) {
			b->state[i] = PARSED_OK;        /* also a vanished one: freed */
			continue;
		}
		if (b->len[i] == 0)
			continue;       /* vanished */
		/* Decided before: only filed, never parsed here.  Unsure: later. */
		if ((known = workflow_known(wf, uidvalidity, b->uid[i])) != 0) {
			if (known == -1)
				b->state[i] = PARSED_LATER;
			continue;
		}
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

/*
 * Decide the mails of a parsed batch in the group's open transaction.  In
 * the optimistic pass a failing mail that wrote something spoils the
 * transaction: -2 with *failed_r its index, and nothing of the pass may be
 * kept.  -1 when SQLite lost the transaction itself (disk full, I/O):
 * nothing of the batch is recorded, the rest is left for the next cycle.
 */
static int
decide_all(struct workflow *wf, uint32_t uidvalidity, struct batch *b,
    struct group *g, struct intake_stats *stats, int optimistic,
    size_t *failed_r)
{
	for (size_t i = 0; i < b->n; i++) {
		struct wf_result res;
		int r;

		stats->seen++;
		if (b->len[i] == 0)
			continue;       /* vanished */
		if (b->state[i] == PARSED_LATER) {
			stats->left++;
			continue;
		}
		if (b->state[i] == PARSED_UNSAFE) {
			stats->errors++;
			r = workflow_quarantine_attempt(wf, uidvalidity, b->uid[i],
			    b->data[i], b->len[i], b->why[i], INTAKE_MAX_ATTEMPTS,
			    &res);
		} else {
			struct wf_input in = { uidvalidity, b->uid[i], b->data[i],
			    b->len[i], 0, b->arrived[i], b->state[i] == PARSED_OK ?
			    &b->parsed[i] : NULL };

			r = workflow_process_mail(wf, &in, &res) == -1 ? -1 : 1;
			if (r == -1 && optimistic && store_spoiled(wf->st)) {
				*failed_r = i;
				return -2;
			}
			if (r == -1 && store_in_transaction(wf->st)) {
				/* Nothing of this mail was written; retry, give
				 * up after a few. */
				stats->errors++;
				r = workflow_failed_attempt(wf, uidvalidity,
				    b->uid[i], b->data[i], b->len[i], "Verarbeitung "
				    "fehlgeschlagen (Datenbank- oder Vorlagenfehler, "
				    "siehe Log)", INTAKE_MAX_ATTEMPTS, &res);
				if (r != 1)
					log_error("intake uid=%u not processed; will "
					    "retry", b->uid[i]);
			}
		}
		if (optimistic && store_spoiled(wf->st)) {
			*failed_r = i;
			return -2;
		}
		if (!store_in_transaction(wf->st)) {
			log_error("intake: the database dropped the transaction "
			    "at uid=%u; nothing of this batch is recorded",
			    b->uid[i]);
			stats->left += (unsigned)(b->n - i);
			stats->seen += (unsigned)(b->n - i - 1);
			return -1;
		}
		if (r != 1)
			stats->left++;
		else
			group_add(g, b->uid[i], &res);
	}
	return 0;
}

/*
 * Decide all mails of a parsed batch in the group's transaction.  First
 * without a savepoint per mail, which would copy every page a mail
 * touches; only if a mail fails is all of it rolled back and decided
 * again with one savepoint per mail, so that the failing mail alone is
 * undone.  The log lines of the first pass are held; the caller releases
 * them once the batch is committed.
 */
static int
batch_decide(struct workflow *wf, uint32_t uidvalidity, struct batch *b,
    struct group *g, struct intake_stats *stats)
{
	struct intake_stats before = *stats;
	size_t failed = 0;
	int r;

	if (group_begin(wf, g) == -1)
		return -1;
	store_optimistic(wf->st, 1);
	log_hold();
	r = decide_all(wf, uidvalidity, b, g, stats, 1, &failed);
	store_optimistic(wf->st, 0);
	if (r != -2)
		return r;
	log_discard();
	store_rollback(wf->st);
	log_warn("intake: uid=%u failed in a batch of %zu mails; the batch is "
	    "decided again, mail by mail", b->uid[failed], b->n);
	g->open = 0;
	group_clear(g);
	*stats = before;
	if (group_begin(wf, g) == -1)
		return -1;
	return decide_all(wf, uidvalidity, b, g, stats, 0, &failed);
}

/* A message over the size limit: only its header is fetched, answered, filed. */
static int
process_too_large(struct imapc *ic, struct workflow *wf, uint32_t uidvalidity,
    const struct imapc_msg *m, struct inbox_moves *mv, struct intake_stats *stats)
{
	uint32_t uid = m->uid;
	struct parsed_mail pm;
	struct wf_result res;
	const char *why;
	char *data = NULL;
	size_t len = 0;
	int64_t arrived = 0;
	int r, parsed = 0;

	stats->seen++;
	if (imapc_fetch(ic, uid, 1, &data, &len, &arrived) == -1)
		return -1;
	if (wf->cfg->parser_isolation) {
		r = sandbox_parse(wf->cfg, &wf->limits, wf->profile, data, len, 1,
		    &pm, &why);
		if (r == -1) {
			free(data);     /* the sandbox could not run: next cycle */
			stats->left++;
			return 0;
		}
		if (r == 1) {
			/* Even its header is hostile: quarantine after a few tries. */
			log_error("intake uid=%u header unsafe to parse: %s", uid, why);
			stats->errors++;
			r = workflow_quarantine_attempt(wf, uidvalidity, uid, data, len,
			    why, INTAKE_MAX_ATTEMPTS, &res);
			free(data);
			if (r != 1) {
				stats->left++;
				return 0;
			}
			return moves_add(ic, wf, mv, uid, res.folder,
			    stats);
		}
		parsed = 1;
	}
	{
		struct wf_input in = { uidvalidity, uid, data, len, 1, arrived,
		    parsed ? &pm : NULL };

		r = workflow_process_mail(wf, &in, &res);
	}
	if (parsed)
		parsed_mail_free(&pm);
	free(data);
	if (r == -1) {
		stats->errors++;
		stats->left++;
		return 0;
	}
	return moves_add(ic, wf, mv, uid, res.folder, stats);
}

static int
batch_next(struct imapc *ic, struct workflow *wf, uint32_t uidvalidity,
    const struct imapc_msg *msgs, size_t n, size_t *next, size_t *max,
    struct inbox_moves *mv, struct intake_stats *stats, struct batch **b_r)
{
	struct batch *b;
	size_t bytes = 0, i = *next, cap = *max;

	*b_r = NULL;
	*max = cap * 2 < INTAKE_BATCH ? cap * 2 : INTAKE_BATCH;
	b = xcalloc(1, sizeof(*b));
	for (; i < n && b->n < cap; i++) {
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
		b->uid[b->n++] = msgs[i].uid;
	}
	*next = i;
	if (b->n == 0) {
		free(b);
		return 0;
	}
	if (imapc_fetch_many(ic, b->uid, b->n, b->data, b->len, b->arrived) == -1) {
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

static void
moves_free(struct inbox_moves *mv)
{
	if (mv == NULL)
		return;
	for (size_t i = 0; i < mv->n; i++)
		free(mv->folder[i]);
	free(mv);
}

int
inbox_process(struct imapc *ic, struct workflow *wf, struct intake_stats *stats,
    struct inbox_moves **left_r)
{
	struct imapc_msg *msgs = NULL;
	struct inbox_moves *mv = xcalloc(1, sizeof(*mv));
	struct inbox_moves *moving = xcalloc(1, sizeof(*moving));
	struct group *g = xcalloc(1, sizeof(*g));
	struct batch *cur = NULL, *nxt = NULL;
	size_t n = 0, next = 0, max = INTAKE_FIRST_BATCH;
	uint32_t uidvalidity = imapc_uidvalidity(ic);
	int rc = 0;

	mv->uidvalidity = moving->uidvalidity = uidvalidity;
	*left_r = NULL;
	if (imapc_list(ic, &msgs, &n) == -1) {
		free(mv);
		free(moving);
		free(g);
		return -1;
	}
	rc = batch_next(ic, wf, uidvalidity, msgs, n, &next, &max, mv,
	    stats, &cur);
	while (rc == 0 && cur != NULL) {
		struct inbox_moves *t;

		if (!intake_should_stop())
			rc = batch_next(ic, wf, uidvalidity, msgs, n, &next,
			    &max, mv, stats, &nxt);
		/* The mails decided so far move while this batch is decided. */
		t = moving;
		moving = mv;
		mv = t;
		if (rc == 0 && moves_start(ic, moving) == -1)
			rc = -1;
		batch_parsed(wf, uidvalidity, cur);
		/*
		 * Even when the next fetch failed, this batch is decided.  The
		 * write lock is held only while deciding: never across a
		 * fetch or a wait for the sandbox, which can take long.
		 */
		if (batch_decide(wf, uidvalidity, cur, g, stats) == -1)
			rc = -1;
		/* The batch's log lines say what is recorded, or nothing. */
		if (group_commit(ic, wf, g, mv, stats) == -1) {
			log_discard();
			rc = -1;
		} else
			log_release();
		if ((rc == 0 || moving->started) &&
		    moves_flush(ic, wf, moving, stats) == -1)
			rc = -1;
		batch_free(cur);
		cur = nxt;
		nxt = NULL;
	}
	batch_free(cur);
	/* What was decided is recorded even when the cycle fails. */
	if (group_commit(ic, wf, g, mv, stats) == -1)
		rc = -1;
	/* Stopped early (SIGTERM): the rest waits for the next cycle. */
	for (; next < n; next++)
		if (!msgs[next].deleted)
			stats->left++;
	/* The last mails move while the caller sends: see inbox_finish(). */
	if (rc == 0 && mv->n > 0 && (rc = moves_start(ic, mv)) == 0) {
		if (mv->started) {
			*left_r = mv;
			mv = NULL;
		} else
			rc = moves_flush(ic, wf, mv, stats);
	}
	moves_free(mv);
	moves_free(moving);
	free(g);
	free(msgs);
	return rc;
}

int
inbox_finish(struct imapc *ic, struct workflow *wf, struct inbox_moves *left,
    struct intake_stats *stats)
{
	int rc;

	if (left == NULL)
		return 0;
	rc = moves_flush(ic, wf, left, stats);
	moves_free(left);
	return rc;
}
