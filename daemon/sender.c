/* SPDX-License-Identifier: MIT */
/*
 * sender - outbox to SMTP over libcurl.  See sender.h.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "sender.h"
#include "util.h"

#define SENDER_MARK_BATCH 32
/* [smtp] connections is at most this (config.c). */
#define SENDER_MAX_SESSIONS 16
/* Mails named in one alert to the administrator; the rest are counted. */
#define SENDER_ALERT_LIST 20

struct upload {
	const char *data;
	size_t len, off;
};

/* The server's last 4xx/5xx reply line: curl's own error only has the code. */
struct reply {
	char line[256];
};

static size_t
read_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct upload *u = userdata;
	size_t n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(ptr, u->data + u->off, n);
	u->off += n;
	return n;
}

/* curl hands every SMTP reply line to the header callback. */
static size_t
reply_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct reply *r = userdata;
	size_t n = size * nmemb, k = n;

	if (n >= 3 && (ptr[0] == '4' || ptr[0] == '5')) {
		while (k > 0 && (ptr[k - 1] == '\r' || ptr[k - 1] == '\n'))
			k--;
		if (k >= sizeof(r->line))
			k = sizeof(r->line) - 1;
		memcpy(r->line, ptr, k);
		r->line[k] = '\0';
	}
	return n;
}

void
sender_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
}

static int64_t
backoff(const struct config *cfg, int attempts)
{
	int64_t d = cfg->retry_base;

	for (int i = 1; i < attempts && d < cfg->retry_max; i++)
		d *= 2;
	return d > cfg->retry_max ? cfg->retry_max : d;
}

/*
 * No point trying the next mail right now: the server gave no answer to
 * this mail (down, connection cut, too slow: curl keeps the last reply
 * code, which then is below 400), said it is closing (421), or refused our
 * login.  A 4xx or 5xx for one recipient is an answer about that mail only.
 */
static int
server_trouble(CURLcode cc, long code)
{
	return code < 400 || code == 421 || cc == CURLE_LOGIN_DENIED;
}

/* A refusal of the mail itself, not of our login (a configuration error). */
static int
permanent_refusal(CURLcode cc, long code)
{
	return code >= 500 && code < 600 && cc != CURLE_LOGIN_DENIED;
}

/*
 * Tell the administrator which mails will never arrive: one mail per batch,
 * in the flush's transaction, sent by this same flush.  Never about a mail
 * to the administrator, so that a refused alert cannot breed alerts.
 */
static int
alert_refused(struct store *st, const struct config *cfg, struct tvars *v,
    unsigned count)
{
	struct notify_ctx n = { st, cfg, so_now(), NULL, NULL, 0 };

	tvars_setf(v, "count", "%u", count);
	if (count > SENDER_ALERT_LIST)
		tvars_setf(v, "more", "%u", count - SENDER_ALERT_LIST);
	notify_common_vars(v, &n);
	if (notify_send(&n, "send_failed", v, 0, 0, "alert", cfg->admin, NULL,
	    NULL) == -1)
		return -1;
	log_error("%u mails failed for good; administrator %s alerted", count,
	    cfg->admin);
	return 0;
}

static int
is_alert(const char *kind)
{
	return strcmp(kind, "send_failed") == 0 ||
	    strcmp(kind, "admin_alert") == 0;
}

/*
 * One SMTP session: a process of its own (libcurl waits for the answer to
 * the end of a mail's data without letting other sessions go on, so
 * sessions in one process would take turns), and the mail it is sending.
 */
struct slot {
	pid_t pid;                      /* 0: not started */
	int fd;                         /* to the session process */
	struct outbox_item *it;         /* NULL: idle */
	struct reply reply;             /* the mail's outcome, from the */
	long code;                      /* session process */
	char errbuf[CURL_ERROR_SIZE];
};

/* A mail to send, then its outcome, between daemon and session process. */
struct session_req {
	uint32_t rcpt_len, raw_len;
};
struct session_ans {
	int32_t cc;
	int32_t code;
	uint32_t reply_len, err_len;
};

/* A result waiting to be written: sent, to retry, or failed for good. */
struct mark {
	int64_t id;
	enum { MARK_SENT, MARK_RETRY, MARK_FAILED } what;
	int attempts;
	int64_t when;           /* sent at, or next attempt at */
	char *error;
};

/* What a flush carries from one mail's result to the next. */
struct flush {
	struct store *st;
	const struct config *cfg;
	struct sender_stats *stats;
	struct tvars *alert;            /* mails failed for good, for the admin */
	unsigned refused;
	struct mark *marks;
	size_t nmarks, marks_cap;
	int rc, stop, trouble;          /* trouble: the server, not a mail */
};

/*
 * Write the waiting results in one short transaction.  Results are kept
 * in memory meanwhile, so that no write lock is held while talking to the
 * server (intake may be writing at the same time); after a crash at most
 * SENDER_MARK_BATCH mails (plus those under way) are sent again, with the
 * same bytes and Message-ID.
 */
static void
marks_drop(struct flush *f)
{
	for (size_t i = 0; i < f->nmarks; i++)
		free(f->marks[i].error);
	f->nmarks = 0;
}

static void
marks_write(struct flush *f)
{
	int rc = 0;

	if (f->nmarks == 0)
		return;
	if (store_begin(f->st) == -1)
		rc = -1;
	for (size_t i = 0; i < f->nmarks && rc == 0; i++) {
		struct mark *m = &f->marks[i];

		if (m->what == MARK_SENT)
			rc = outbox_mark_sent(f->st, m->id, m->when);
		else if (m->what == MARK_RETRY)
			rc = outbox_mark_retry(f->st, m->id, m->attempts, m->when,
			    m->error);
		else
			rc = outbox_mark_failed(f->st, m->id, m->attempts, m->error);
	}
	if (rc == 0 && store_commit(f->st) == -1)
		rc = -1;
	else if (rc == -1)
		store_rollback(f->st);
	if (rc == -1) {
		/* Kept for another try: dropped, they would be sent again. */
		f->rc = -1, f->stop = 1;
		return;
	}
	marks_drop(f);
}

static void
mark_add(struct flush *f, int64_t id, int what, int attempts, int64_t when,
    const char *error)
{
	struct mark *m;

	if (f->nmarks == f->marks_cap) {
		f->marks_cap = f->marks_cap ? f->marks_cap * 2 : SENDER_MARK_BATCH;
		f->marks = xreallocarray(f->marks, f->marks_cap, sizeof(*f->marks));
	}
	m = &f->marks[f->nmarks++];
	m->id = id;
	m->what = what;
	m->attempts = attempts;
	m->when = when;
	m->error = error ? xstrdup(error) : NULL;
	if (f->nmarks >= SENDER_MARK_BATCH && f->rc == 0)
		marks_write(f);
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Send one mail over curl's session (its connection stays for the next). */
static CURLcode
session_send(CURL *curl, const struct config *cfg, const char *rcpt,
    const char *raw, size_t len, struct reply *reply, char *errbuf,
    long *code_r)
{
	struct upload up = { raw, len, 0 };
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	CURLcode cc;

	reply->line[0] = '\0';
	errbuf[0] = '\0';
	*code_r = 0;
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, cfg->smtp_from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, reply_cb);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, reply);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)cfg->smtp_timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)cfg->smtp_timeout * 2);
	/* Also bounds the wait for the answer to QUIT when the connection is
	 * closed, which CURLOPT_TIMEOUT does not: a stalled server would hold
	 * the cleanup 120 s. */
	curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT,
	    (long)cfg->smtp_timeout);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)(cfg->smtp_user ?
	    CURLUSESSL_ALL : CURLUSESSL_TRY));
	if (cfg->smtp_user) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD,
		    cfg->smtp_password ? cfg->smtp_password : "");
	}
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, code_r);
	/* Nothing of the next mail may point at this one's. */
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(rcpts);
	return cc;
}

/*
 * The session process: mails from fd, one at a time, each answered with
 * its outcome, until the daemon closes its end; then QUIT.  It has no
 * database and leaves signals to the daemon (it ends with it).
 */
static void __attribute__((noreturn))
session_child(const struct config *cfg, int fd)
{
	CURL *curl;
	struct reply reply;
	char errbuf[CURL_ERROR_SIZE];

	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGTERM, SIG_IGN);
	closelog();     /* its descriptor goes now; syslog() would reuse it */
	if (fd > 3)
		(void)close_range(3, (unsigned)fd - 1, 0);
	(void)close_range((unsigned)fd + 1, ~0U, 0);
	if ((curl = curl_easy_init()) == NULL)
		_exit(1);
	for (;;) {
		struct session_req rq;
		struct session_ans an;
		char *rcpt = NULL, *raw = NULL;
		long code;
		CURLcode cc;

		if (read_all(fd, &rq, sizeof(rq)) == -1 || rq.rcpt_len > 4096)
			break;
		rcpt = xmalloc((size_t)rq.rcpt_len + 1);
		raw = xmalloc(rq.raw_len ? rq.raw_len : 1);
		if (read_all(fd, rcpt, rq.rcpt_len) == -1 ||
		    read_all(fd, raw, rq.raw_len) == -1)
			break;
		rcpt[rq.rcpt_len] = '\0';
		cc = session_send(curl, cfg, rcpt, raw, rq.raw_len, &reply,
		    errbuf, &code);
		an.cc = (int32_t)cc;
		an.code = (int32_t)code;
		an.reply_len = (uint32_t)strlen(reply.line);
		an.err_len = (uint32_t)strlen(errbuf);
		free(rcpt);
		free(raw);
		if (write_all(fd, &an, sizeof(an)) == -1 ||
		    write_all(fd, reply.line, an.reply_len) == -1 ||
		    write_all(fd, errbuf, an.err_len) == -1)
			break;
	}
	curl_easy_cleanup(curl);
	_exit(0);
}

/* Hand the slot's session process its next mail; start it if need be. */
static int
slot_start(struct slot *sl, const struct config *cfg, struct outbox_item *it)
{
	struct session_req rq = { (uint32_t)strlen(it->rcpt), (uint32_t)it->len };

	sl->it = it;
	if (it->len > UINT32_MAX) {
		errno = EFBIG;
		return -1;
	}
	if (sl->pid == 0) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
			return -1;
		if ((sl->pid = fork()) == -1) {
			sl->pid = 0;
			close(sv[0]);
			close(sv[1]);
			return -1;
		}
		if (sl->pid == 0) {
			close(sv[0]);
			session_child(cfg, sv[1]);
		}
		close(sv[1]);
		sl->fd = sv[0];
	}
	if (write_all(sl->fd, &rq, sizeof(rq)) == -1 ||
	    write_all(sl->fd, it->rcpt, rq.rcpt_len) == -1 ||
	    write_all(sl->fd, it->raw, it->len) == -1)
		return -1;
	return 0;
}

/* The outcome of the slot's mail from its session process: its CURLcode. */
static CURLcode
slot_answer(struct slot *sl)
{
	struct session_ans an;

	sl->reply.line[0] = '\0';
	sl->errbuf[0] = '\0';
	sl->code = 0;
	if (read_all(sl->fd, &an, sizeof(an)) == -1 ||
	    an.reply_len >= sizeof(sl->reply.line) ||
	    an.err_len >= sizeof(sl->errbuf) ||
	    read_all(sl->fd, sl->reply.line, an.reply_len) == -1 ||
	    read_all(sl->fd, sl->errbuf, an.err_len) == -1) {
		snprintf(sl->errbuf, sizeof(sl->errbuf), "the SMTP session "
		    "process ended");
		sl->reply.line[0] = '\0';
		return CURLE_SEND_ERROR;
	}
	sl->reply.line[an.reply_len] = '\0';
	sl->errbuf[an.err_len] = '\0';
	sl->code = an.code;
	return (CURLcode)an.cc;
}

/* Wait for the slot's ended session process; its wait status. */
static int
slot_reap(struct slot *sl)
{
	int status = 0;

	if (sl->pid == 0)
		return 0;
	while (waitpid(sl->pid, &status, 0) == -1 && errno == EINTR)
		;
	sl->pid = 0;
	return status;
}

/* End the slot's session process (its QUIT is bounded by curl's timeouts). */
static int
slot_end(struct slot *sl)
{
	if (sl->pid == 0)
		return 0;
	close(sl->fd);
	sl->fd = -1;
	return slot_reap(sl);
}

/* Note what became of the slot's mail, and free the slot. */
static void
slot_done(struct flush *f, struct slot *sl, CURLcode cc)
{
	const struct config *cfg = f->cfg;
	struct outbox_item *it = sl->it;
	int attempts = it->attempts + 1;
	int64_t now = so_now();
	long code = 0;
	char *lrcpt = str_log_safe(it->rcpt, 100);

	code = sl->code;
	sl->it = NULL;
	if (cc == CURLE_OK) {
		mark_add(f, it->id, MARK_SENT, attempts, now, NULL);
		f->stats->sent++;
		log_info("send ok id=%lld to=%s kind=%s msgid=%s",
		    (long long)it->id, lrcpt, it->kind, it->message_id);
	} else {
		const char *what = *sl->errbuf ? sl->errbuf : curl_easy_strerror(cc);
		char *said = str_log_safe(sl->reply.line, 200);
		char *err = *said ? xasprintf("%s (server: %s)", what, said) :
		    xasprintf("%s (SMTP %ld)", what, code);
		int permanent = permanent_refusal(cc, code);

		if (permanent || attempts >= cfg->max_attempts) {
			mark_add(f, it->id, MARK_FAILED, attempts, now, err);
			f->stats->failed++;
			log_error("send failed id=%lld to=%s attempts=%d "
			    "permanent=%d error=%s", (long long)it->id, lrcpt,
			    attempts, permanent, err);
			if (f->alert && !is_alert(it->kind) &&
			    ++f->refused <= SENDER_ALERT_LIST) {
				struct tvars *m = tvars_add_item(f->alert, "mails");

				tvars_set(m, "kind", it->kind);
				tvars_set(m, "rcpt", it->rcpt);
				tvars_set(m, "case", it->case_nr);
				tvars_set(m, "error", err);
			}
		} else {
			int64_t next = now + backoff(cfg, attempts);

			mark_add(f, it->id, MARK_RETRY, attempts, next, err);
			f->stats->deferred++;
			log_warn("send deferred id=%lld to=%s attempts=%d "
			    "retry_in=%llds error=%s", (long long)it->id, lrcpt,
			    attempts, (long long)(next - now), err);
		}
		if (server_trouble(cc, code))
			f->stop = f->trouble = 1;
		free(said);
		free(err);
	}
	free(lrcpt);
}

/*
 * Send items[0..n) over up to nslots sessions at once.  A session that
 * finished a mail takes the next one; when the server is in trouble no
 * new mail is started, and those under way finish.
 */
static void
send_items(struct flush *f, struct slot *slots, size_t nslots,
    struct outbox_item *items, size_t n, int (*should_stop)(void))
{
	/* curl's own timeouts end a mail long before this. */
	int wait_ms = (f->cfg->smtp_timeout * 3 + 10) * 1000;
	size_t next = 0, active = 0;

	for (;;) {
		struct pollfd pfd[SENDER_MAX_SESSIONS];
		size_t who[SENDER_MAX_SESSIONS], np = 0;
		int r;

		for (size_t k = 0; k < nslots && next < n && !f->stop; k++) {
			if (slots[k].it != NULL)
				continue;
			if (should_stop && should_stop()) {
				f->stop = 1;
				break;
			}
			if (slot_start(&slots[k], f->cfg, &items[next++]) == -1) {
				/* No session process: this mail waits. */
				int e = errno;

				(void)slot_end(&slots[k]);
				snprintf(slots[k].errbuf, sizeof(slots[k].errbuf),
				    "no SMTP session process: %s", strerror(e));
				slots[k].reply.line[0] = '\0';
				slots[k].code = 0;
				slot_done(f, &slots[k], CURLE_SEND_ERROR);
				continue;
			}
			active++;
		}
		if (active == 0)
			break;
		for (size_t k = 0; k < nslots; k++)
			if (slots[k].it != NULL) {
				pfd[np].fd = slots[k].fd;
				pfd[np].events = POLLIN;
				who[np++] = k;
			}
		r = poll(pfd, (nfds_t)np, wait_ms);
		if (r == -1 && errno == EINTR)
			continue;
		for (size_t i = 0; i < np; i++) {
			struct slot *sl = &slots[who[i]];
			CURLcode cc;

			if (r > 0 && pfd[i].revents == 0)
				continue;
			if (r > 0)
				cc = slot_answer(sl);
			else {
				/* Hung past every timeout: end it. */
				(void)kill(sl->pid, SIGKILL);
				(void)slot_end(sl);
				snprintf(sl->errbuf, sizeof(sl->errbuf), "the SMTP "
				    "session process hung");
				sl->reply.line[0] = '\0';
				sl->code = 0;
				cc = CURLE_OPERATION_TIMEDOUT;
			}
			if (r > 0 && cc == CURLE_SEND_ERROR && sl->code == 0 &&
			    strncmp(sl->errbuf, "the SMTP session", 16) == 0) {
				/* It died: say how. */
				int st = slot_end(sl);

				if (WIFSIGNALED(st))
					snprintf(sl->errbuf, sizeof(sl->errbuf),
					    "the SMTP session process was killed by "
					    "signal %d", WTERMSIG(st));
				else
					snprintf(sl->errbuf, sizeof(sl->errbuf),
					    "the SMTP session process ended (exit "
					    "%d)", WIFEXITED(st) ? WEXITSTATUS(st) :
					    -1);
			}
			slot_done(f, sl, cc);
			active--;
		}
	}
}

/* The sessions of a flush: their processes start with their first mail. */
struct sessions {
	struct slot *slots;
	size_t n;
};

static void
sessions_open(struct sessions *ss, const struct config *cfg)
{
	ss->n = cfg->smtp_connections > 0 ? (size_t)cfg->smtp_connections : 1;
	if (ss->n > SENDER_MAX_SESSIONS)
		ss->n = SENDER_MAX_SESSIONS;
	ss->slots = xcalloc(ss->n, sizeof(*ss->slots));
	for (size_t k = 0; k < ss->n; k++)
		ss->slots[k].fd = -1;
}

/* All sessions say QUIT at once, then they are waited for. */
static void
sessions_close(struct sessions *ss)
{
	for (size_t k = 0; k < ss->n; k++)
		if (ss->slots[k].pid != 0) {
			close(ss->slots[k].fd);
			ss->slots[k].fd = -1;
		}
	for (size_t k = 0; k < ss->n; k++)
		(void)slot_reap(&ss->slots[k]);
	free(ss->slots);
}

/* Send everything that is due now, until none is left or the flush stops. */
static void
flush_pass(struct flush *f, struct sessions *ss, int (*should_stop)(void))
{
	struct outbox_item *items = NULL;
	size_t n = 0;

	while (!f->stop) {
		if (outbox_due(f->st, so_now(), 200, &items, &n) == -1) {
			outbox_items_free(items, n);
			f->rc = -1;
			break;
		}
		if (n == 0)
			break;
		send_items(f, ss->slots, ss->n, items, n, should_stop);
		outbox_items_free(items, n);
		items = NULL;
		/* The next outbox_due must see this batch's results. */
		marks_write(f);
	}
	marks_write(f);
}

/*
 * The alert about mails failed for good in this flush, if any: 1 if it
 * was queued (the caller then sends it in the same flush).
 */
static int
flush_alert(struct flush *f)
{
	int queued = 0;

	if (f->refused > 0 && f->rc == 0) {
		int rc = store_begin(f->st);

		if (rc == 0 && alert_refused(f->st, f->cfg, f->alert,
		    f->refused) == -1) {
			store_rollback(f->st);
			rc = -1;
		}
		/* A failed store_commit() has rolled back itself. */
		if (rc == 0 && store_commit(f->st) == 0)
			queued = 1;
		else
			f->rc = -1;
	}
	tvars_free(f->alert);
	f->alert = NULL;
	f->refused = 0;
	return queued;
}

int
sender_flush(struct store *st, const struct config *cfg,
    struct sender_stats *stats, int (*should_stop)(void))
{
	struct flush f = { .st = st, .cfg = cfg, .stats = stats };
	struct sessions ss;

	memset(stats, 0, sizeof(*stats));
	f.alert = cfg->admin ? tvars_new() : NULL;
	sessions_open(&ss, cfg);
	flush_pass(&f, &ss, should_stop);
	/* The alert goes out with this flush (it is never about itself). */
	if (flush_alert(&f) == 1)
		flush_pass(&f, &ss, should_stop);
	sessions_close(&ss);
	if (f.nmarks > 0) {
		/* Writing them failed (database locked or full): once more. */
		f.rc = 0;
		marks_write(&f);
		if (f.nmarks > 0)
			log_error("the results of %zu sent mails could not be "
			    "recorded; they may be sent again (same Message-ID)",
			    f.nmarks);
		marks_drop(&f);
		f.rc = -1;
	}
	free(f.marks);
	return f.rc;
}
