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

int
sender_flush(struct store *st, const struct config *cfg,
    struct sender_stats *stats, int (*should_stop)(void))
{
	struct outbox_item *items = NULL;
	size_t n = 0;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];   /* registered with curl until cleanup */
	struct tvars *alert;
	unsigned refused;
	int rc = 0, stop = 0, marks = 0;

	memset(stats, 0, sizeof(*stats));
	if ((curl = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	/*
	 * Marks are committed every SENDER_MARK_BATCH mails rather than each
	 * on its own (one fsync each): after a crash at most that many mails
	 * are sent again, with the same bytes and Message-ID.
	 */
	if (store_begin(st) == -1) {
		curl_easy_cleanup(curl);
		return -1;
	}
	while (!stop) {
		int64_t now = so_now();

		if (outbox_due(st, now, 200, &items, &n) == -1) {
			outbox_items_free(items, n);
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		alert = cfg->admin ? tvars_new() : NULL;
		refused = 0;
		for (size_t i = 0; i < n && !stop; i++) {
			struct outbox_item *it = &items[i];
			struct upload up = { it->raw, it->len, 0 };
			struct reply reply = { "" };
			struct curl_slist *rcpt;
			long code = 0;
			CURLcode cc;
			int attempts = it->attempts + 1;
			char *lrcpt;

			if (should_stop && should_stop()) {
				stop = 1;
				break;
			}
			rcpt = curl_slist_append(NULL, it->rcpt);
			lrcpt = str_log_safe(it->rcpt, 100);
			errbuf[0] = '\0';
			curl_easy_reset(curl);
			curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
			curl_easy_setopt(curl, CURLOPT_MAIL_FROM, cfg->smtp_from);
			curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
			curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
			curl_easy_setopt(curl, CURLOPT_READDATA, &up);
			curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
			    (curl_off_t)it->len);
			curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
			curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, reply_cb);
			curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply);
			curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
			    (long)cfg->smtp_timeout);
			curl_easy_setopt(curl, CURLOPT_TIMEOUT,
			    (long)cfg->smtp_timeout * 2);
			/* Also bounds the wait for the answer to QUIT when the
			 * connection is closed, which CURLOPT_TIMEOUT does not:
			 * a stalled server would hold curl_easy_cleanup() 120 s. */
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
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
			curl_slist_free_all(rcpt);
			now = so_now();
			if (++marks % SENDER_MARK_BATCH == 0 &&
			    (store_commit(st) == -1 || store_begin(st) == -1))
				rc = -1, stop = 1;
			if (cc == CURLE_OK) {
				if (outbox_mark_sent(st, it->id, now) == -1)
					rc = -1, stop = 1;
				stats->sent++;
				log_info("send ok id=%lld to=%s kind=%s msgid=%s",
				    (long long)it->id, lrcpt, it->kind, it->message_id);
			} else {
				const char *what = *errbuf ? errbuf :
				    curl_easy_strerror(cc);
				char *said = str_log_safe(reply.line, 200);
				char *err = *said ? xasprintf("%s (server: %s)", what,
				    said) : xasprintf("%s (SMTP %ld)", what, code);
				int permanent = permanent_refusal(cc, code);

				if (permanent || attempts >= cfg->max_attempts) {
					if (outbox_mark_failed(st, it->id, attempts, err) == -1)
						rc = -1, stop = 1;
					stats->failed++;
					log_error("send failed id=%lld to=%s attempts=%d "
					    "permanent=%d error=%s", (long long)it->id,
					    lrcpt, attempts, permanent, err);
					if (alert && !is_alert(it->kind) &&
					    ++refused <= SENDER_ALERT_LIST) {
						struct tvars *m = tvars_add_item(alert,
						    "mails");

						tvars_set(m, "kind", it->kind);
						tvars_set(m, "rcpt", it->rcpt);
						tvars_set(m, "case", it->case_nr);
						tvars_set(m, "error", err);
					}
				} else {
					int64_t next = now + backoff(cfg, attempts);
					if (outbox_mark_retry(st, it->id, attempts, next,
					    err) == -1)
						rc = -1, stop = 1;
					stats->deferred++;
					log_warn("send deferred id=%lld to=%s attempts=%d "
					    "retry_in=%llds error=%s", (long long)it->id,
					    lrcpt, attempts, (long long)(next - now), err);
				}
				if (server_trouble(cc, code))
					stop = 1;
				free(said);
				free(err);
			}
			free(lrcpt);
		}
		outbox_items_free(items, n);
		items = NULL;
		if (refused > 0 && rc == 0 && alert_refused(st, cfg, alert,
		    refused) == -1)
			rc = -1, stop = 1;
		tvars_free(alert);
		/* The next outbox_due must see this batch's marks. */
		if (store_commit(st) == -1 || store_begin(st) == -1) {
			rc = -1;
			break;
		}
	}
	if (rc == -1)
		store_rollback(st);
	else if (store_commit(st) == -1)
		rc = -1;
	curl_easy_cleanup(curl);
	return rc;
}
