/* SPDX-License-Identifier: MIT */
/*
 * sender - outbox to SMTP over libcurl.  See sender.h.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox.h"
#include "sender.h"
#include "util.h"

#define SENDER_MARK_BATCH 32

struct upload {
	const char *data;
	size_t len, off;
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
 * No point trying the next mail right now: the server did not answer at
 * all, or refused our login.  (libcurl also reports a refused RCPT as a
 * send error, but then there is an SMTP reply code.)
 */
static int
unreachable(CURLcode rc, long code)
{
	return code == 0 || rc == CURLE_LOGIN_DENIED;
}

int
sender_flush(struct store *st, const struct config *cfg,
    struct sender_stats *stats, int (*should_stop)(void))
{
	struct outbox_item *items = NULL;
	size_t n = 0;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];   /* registered with curl until cleanup */
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
		for (size_t i = 0; i < n && !stop; i++) {
			struct outbox_item *it = &items[i];
			struct upload up = { it->raw, it->len, 0 };
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
			curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
			    (long)cfg->smtp_timeout);
			curl_easy_setopt(curl, CURLOPT_TIMEOUT,
			    (long)cfg->smtp_timeout * 2);
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
				char *err = xasprintf("%s (SMTP %ld)", *errbuf ?
				    errbuf : curl_easy_strerror(cc), code);
				int permanent = code >= 500 && code < 600;

				if (permanent || attempts >= cfg->max_attempts) {
					if (outbox_mark_failed(st, it->id, attempts, err) == -1)
						rc = -1, stop = 1;
					stats->failed++;
					log_error("send failed id=%lld to=%s attempts=%d "
					    "permanent=%d error=%s", (long long)it->id,
					    lrcpt, attempts, permanent, err);
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
				if (unreachable(cc, code))
					stop = 1;
				free(err);
			}
			free(lrcpt);
		}
		outbox_items_free(items, n);
		items = NULL;
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
