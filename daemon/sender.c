/* SPDX-License-Identifier: MIT */
/*
 * sender - outbox to SMTP over libcurl.  See sender.h.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "sender.h"
#include "util.h"

#define SENDER_MARK_BATCH 32
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

/* One SMTP session: an easy handle and the mail it is sending, if any. */
struct slot {
	CURL *curl;
	struct outbox_item *it;         /* NULL: idle */
	struct upload up;
	struct reply reply;
	struct curl_slist *rcpt;
	char errbuf[CURL_ERROR_SIZE];   /* registered with curl until cleanup */
};

/* What a flush carries from one mail's result to the next. */
struct flush {
	struct store *st;
	const struct config *cfg;
	struct sender_stats *stats;
	struct tvars *alert;            /* mails failed for good, for the admin */
	unsigned refused;
	int marks, rc, stop;
};

static void
slot_start(CURLM *multi, struct slot *sl, const struct config *cfg,
    struct outbox_item *it)
{
	CURL *curl = sl->curl;

	sl->it = it;
	sl->up = (struct upload){ it->raw, it->len, 0 };
	sl->reply.line[0] = '\0';
	sl->errbuf[0] = '\0';
	sl->rcpt = curl_slist_append(NULL, it->rcpt);
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_PRIVATE, sl);
	curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, cfg->smtp_from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, sl->rcpt);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, &sl->up);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)it->len);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, sl->errbuf);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, reply_cb);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sl->reply);
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
	curl_multi_add_handle(multi, curl);
}

/* Record what became of the slot's mail, and free the slot. */
static void
slot_done(struct flush *f, struct slot *sl, CURLcode cc)
{
	const struct config *cfg = f->cfg;
	struct outbox_item *it = sl->it;
	int attempts = it->attempts + 1;
	int64_t now = so_now();
	long code = 0;
	char *lrcpt = str_log_safe(it->rcpt, 100);

	curl_easy_getinfo(sl->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(sl->rcpt);
	sl->rcpt = NULL;
	sl->it = NULL;
	/*
	 * Marks are committed every SENDER_MARK_BATCH mails rather than each
	 * on its own (one fsync each): after a crash at most that many mails
	 * are sent again, with the same bytes and Message-ID.
	 */
	if (++f->marks % SENDER_MARK_BATCH == 0 &&
	    (store_commit(f->st) == -1 || store_begin(f->st) == -1))
		f->rc = -1, f->stop = 1;
	if (cc == CURLE_OK) {
		if (outbox_mark_sent(f->st, it->id, now) == -1)
			f->rc = -1, f->stop = 1;
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
			if (outbox_mark_failed(f->st, it->id, attempts, err) == -1)
				f->rc = -1, f->stop = 1;
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

			if (outbox_mark_retry(f->st, it->id, attempts, next, err) == -1)
				f->rc = -1, f->stop = 1;
			f->stats->deferred++;
			log_warn("send deferred id=%lld to=%s attempts=%d "
			    "retry_in=%llds error=%s", (long long)it->id, lrcpt,
			    attempts, (long long)(next - now), err);
		}
		if (server_trouble(cc, code))
			f->stop = 1;
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
send_items(struct flush *f, CURLM *multi, struct slot *slots, size_t nslots,
    struct outbox_item *items, size_t n, int (*should_stop)(void))
{
	size_t next = 0, active = 0;

	for (;;) {
		CURLMsg *msg;
		int running = 0, left;

		for (size_t k = 0; k < nslots && next < n && !f->stop; k++) {
			if (slots[k].it != NULL)
				continue;
			if (should_stop && should_stop()) {
				f->stop = 1;
				break;
			}
			slot_start(multi, &slots[k], f->cfg, &items[next++]);
			active++;
		}
		if (active == 0)
			break;
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			fatalx("curl_multi_perform failed");
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			struct slot *sl = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&sl);
			curl_multi_remove_handle(multi, sl->curl);
			slot_done(f, sl, msg->data.result);
			active--;
		}
		if (running > 0)
			(void)curl_multi_poll(multi, NULL, 0, 1000, NULL);
	}
}

int
sender_flush(struct store *st, const struct config *cfg,
    struct sender_stats *stats, int (*should_stop)(void))
{
	struct flush f = { st, cfg, stats, NULL, 0, 0, 0, 0 };
	size_t nslots = cfg->smtp_connections > 0 ?
	    (size_t)cfg->smtp_connections : 1;
	struct slot *slots = xcalloc(nslots, sizeof(*slots));
	struct outbox_item *items = NULL;
	size_t n = 0;
	CURLM *multi;

	memset(stats, 0, sizeof(*stats));
	if ((multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	/* Each session's connection stays open for its next mail. */
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)nslots);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)nslots);
	for (size_t k = 0; k < nslots; k++)
		if ((slots[k].curl = curl_easy_init()) == NULL)
			fatalx("curl_easy_init failed");
	if (store_begin(st) == -1)
		f.rc = -1, f.stop = 1;
	while (!f.stop) {
		if (outbox_due(st, so_now(), 200, &items, &n) == -1) {
			outbox_items_free(items, n);
			f.rc = -1;
			break;
		}
		if (n == 0)
			break;
		f.alert = cfg->admin ? tvars_new() : NULL;
		f.refused = 0;
		send_items(&f, multi, slots, nslots, items, n, should_stop);
		outbox_items_free(items, n);
		items = NULL;
		if (f.refused > 0 && f.rc == 0 && alert_refused(st, cfg, f.alert,
		    f.refused) == -1)
			f.rc = -1, f.stop = 1;
		tvars_free(f.alert);
		f.alert = NULL;
		/* The next outbox_due must see this batch's marks. */
		if (store_commit(st) == -1 || store_begin(st) == -1) {
			f.rc = -1;
			break;
		}
	}
	if (f.rc == -1)
		store_rollback(st);
	else if (store_commit(st) == -1)
		f.rc = -1;
	curl_multi_cleanup(multi);
	for (size_t k = 0; k < nslots; k++)
		curl_easy_cleanup(slots[k].curl);
	free(slots);
	return f.rc;
}
