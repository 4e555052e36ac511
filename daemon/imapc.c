/* SPDX-License-Identifier: MIT */
/*
 * imapc - IMAP client operations over libetpan's mailimap.  See imapc.h.
 */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "imapc.h"
#include "imapio.h"
#include "log.h"
#include "util.h"

struct imapc {
	mailimap *imap;
	const struct config *cfg;
	char *mailbox;
	uint32_t uidvalidity;
	int has_move, has_uidplus;
	int move_pending;       /* a UID MOVE is sent, its answer not read */
	int move_open;          /* ... or read, but not yet collected */
	int move_result;        /* of the last started move, once read */
};

static int settle(struct imapc *c);

static int
ok(int r)
{
	return r == MAILIMAP_NO_ERROR || r == MAILIMAP_NO_ERROR_AUTHENTICATED ||
	    r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED;
}

/* Words for the libetpan errors an administrator is likely to meet. */
static const char *
error_text(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		return "connection lost or timed out";
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		return "connection refused or host not found";
	case MAILIMAP_ERROR_LOGIN:
		return "login refused (user or password wrong?)";
	case MAILIMAP_ERROR_SSL:
		return "TLS handshake failed";
	case MAILIMAP_ERROR_MEMORY:
		return "out of memory";
	case MAILIMAP_ERROR_PARSE:
		return "server answer not understood";
	default:
		return "server said NO or BAD";
	}
}

static int
fail(struct imapc *c, const char *what, int r)
{
	const char *resp = c && c->imap && c->imap->imap_response ?
	    c->imap->imap_response : "";
	char *safe = str_log_safe(resp, 200);

	log_error("imap %s failed: %s (libetpan error %d) %s", what,
	    error_text(r), r, safe);
	free(safe);
	return -1;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
imapc_parse_url(const char *url, int *tls_r, char **host_r, uint16_t *port_r,
    char **mailbox_r)
{
	const char *p, *slash, *colon;
	long port;
	char *end, *mb;

	if (strncmp(url, "imaps://", 8) == 0) {
		*tls_r = 1;
		p = url + 8;
		port = 993;
	} else if (strncmp(url, "imap://", 7) == 0) {
		*tls_r = 0;
		p = url + 7;
		port = 143;
	} else
		return -1;
	slash = strchr(p, '/');
	if (slash == NULL)
		slash = p + strlen(p);
	colon = memchr(p, ':', (size_t)(slash - p));
	if ((colon ? colon : slash) == p)
		return -1;
	if (colon) {
		port = strtol(colon + 1, &end, 10);
		if (end != slash || port < 1 || port > 65535)
			return -1;
	}
	*host_r = xstrndup(p, (size_t)((colon ? colon : slash) - p));
	*port_r = (uint16_t)port;
	mb = xstrdup(*slash && slash[1] ? slash + 1 : "INBOX");
	/* %-decode the mailbox name. */
	{
		char *w = mb;
		for (char *r = mb; *r; r++) {
			if (*r == '%' && hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
				*w++ = (char)(hexval(r[1]) * 16 + hexval(r[2]));
				r += 2;
			} else
				*w++ = *r;
		}
		*w = '\0';
	}
	*mailbox_r = mb;
	return 0;
}

static void
tls_sni(struct mailstream_ssl_context *ctx, void *data)
{
	mailstream_ssl_set_server_name(ctx, data);
}

/*
 * libetpan's TLS connect checks nothing: verify the peer's chain against
 * the trust store and its name against host ourselves, before LOGIN.
 */
static int
tls_verify(struct imapc *c, const char *host)
{
	carray *chain = mailstream_get_certificate_chain(c->imap->imap_stream);
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t crts[16];
	unsigned ncrt = 0, status = 0;
	gnutls_typed_vdata_st vdata = { GNUTLS_DT_DNS_HOSTNAME,
	    (unsigned char *)(uintptr_t)host, 0 };
	gnutls_datum_t out = { NULL, 0 };
	int rc = -1, r;

	if (chain == NULL || carray_count(chain) == 0) {
		log_error("imap tls: server sent no certificate");
		goto out;
	}
	for (unsigned i = 0; i < carray_count(chain) && ncrt < SO_NELEM(crts); i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned)der->len };

		gnutls_x509_crt_init(&crts[ncrt]);
		if (gnutls_x509_crt_import(crts[ncrt], &d, GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(crts[ncrt]);
			log_error("imap tls: certificate %u cannot be read", i);
			goto out;
		}
		ncrt++;
	}
	gnutls_x509_trust_list_init(&tl, 0);
	r = c->cfg->imap_ca_file ?
	    gnutls_x509_trust_list_add_trust_file(tl, c->cfg->imap_ca_file, NULL,
	    GNUTLS_X509_FMT_PEM, 0, 0) :
	    gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (r <= 0) {
		log_error("imap tls: no trusted certificates loaded from %s",
		    c->cfg->imap_ca_file ? c->cfg->imap_ca_file : "the system store");
		goto out;
	}
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, ncrt, &vdata, 1, 0,
	    &status, NULL);
	if (r < 0 || status != 0) {
		if (r >= 0)
			gnutls_certificate_verification_status_print(status,
			    GNUTLS_CRT_X509, &out, 0);
		log_error("imap tls: certificate of %s not trusted: %s", host,
		    r < 0 ? gnutls_strerror(r) : (char *)out.data);
		gnutls_free(out.data);
		goto out;
	}
	rc = 0;
out:
	for (unsigned i = 0; i < ncrt; i++)
		gnutls_x509_crt_deinit(crts[i]);
	if (tl)
		gnutls_x509_trust_list_deinit(tl, 1);
	if (chain)
		mailstream_certificate_chain_free(chain);
	return rc;
}

static int
ensure_folder(struct imapc *c, const char *folder)
{
	clist *list = NULL;
	int r, exists;

	r = mailimap_list(c->imap, "", folder, &list);
	if (!ok(r))
		return fail(c, "LIST", r);
	exists = list && clist_count(list) > 0;
	if (list)
		mailimap_list_result_free(list);
	if (exists)
		return 0;
	r = mailimap_create(c->imap, folder);
	if (!ok(r))
		return fail(c, "CREATE", r);
	log_info("imap created folder %s", folder);
	return 0;
}

int
imapc_open(const struct config *cfg, struct imapc **c_r)
{
	struct imapc *c = xcalloc(1, sizeof(*c));
	struct mailimap_capability_data *caps = NULL;
	char *host = NULL;
	uint16_t port;
	int tls, r;

	c->cfg = cfg;
	if (imapc_parse_url(cfg->imap_url, &tls, &host, &port, &c->mailbox) == -1) {
		log_error("imap url %s is malformed", cfg->imap_url);
		free(c);
		return -1;
	}
	c->imap = mailimap_new(0, NULL);
	mailimap_set_timeout(c->imap, cfg->imap_timeout);
	r = imapio_connect(c->imap, host, port, tls, cfg->imap_timeout, tls_sni,
	    host);
	if (!ok(r)) {
		log_error("imap connect to %s:%u failed: %s (libetpan error %d)",
		    host, port, error_text(r), r);
		goto fail;
	}
	if (tls && tls_verify(c, host) == -1)
		goto fail;
	r = mailimap_login(c->imap, cfg->imap_user, cfg->imap_password);
	if (!ok(r)) {
		fail(c, "LOGIN", r);
		goto fail;
	}
	r = mailimap_capability(c->imap, &caps);
	if (!ok(r)) {
		fail(c, "CAPABILITY", r);
		goto fail;
	}
	mailimap_capability_data_free(caps);
	c->has_move = mailimap_has_extension(c->imap, "MOVE");
	c->has_uidplus = mailimap_has_extension(c->imap, "UIDPLUS");
	if (ensure_folder(c, cfg->processed_folder) == -1 ||
	    ensure_folder(c, cfg->failed_folder) == -1 ||
	    ensure_folder(c, cfg->quarantine_folder) == -1)
		goto fail;
	r = mailimap_select(c->imap, c->mailbox);
	if (!ok(r)) {
		fail(c, "SELECT", r);
		goto fail;
	}
	c->uidvalidity = c->imap->imap_selection_info ?
	    c->imap->imap_selection_info->sel_uidvalidity : 0;
	if (c->uidvalidity == 0) {
		/* Without it UIDs mean nothing and the ledger cannot work. */
		log_error("imap server sent no UIDVALIDITY for %s; refusing to "
		    "process", c->mailbox);
		goto fail;
	}
	log_debug("imap connected %s:%u mailbox=%s uidvalidity=%u move=%d "
	    "uidplus=%d", host, port, c->mailbox, c->uidvalidity, c->has_move,
	    c->has_uidplus);
	free(host);
	*c_r = c;
	return 0;
fail:
	free(host);
	imapc_close(c);
	return -1;
}

void
imapc_close(struct imapc *c)
{
	if (c == NULL)
		return;
	(void)settle(c);
	if (c->imap) {
		if (c->imap->imap_state != MAILIMAP_STATE_DISCONNECTED)
			mailimap_logout(c->imap);
		mailimap_free(c->imap);
	}
	free(c->mailbox);
	free(c);
}

uint32_t
imapc_uidvalidity(struct imapc *c)
{
	return c->uidvalidity;
}

/* Walk a FETCH result; calls fn for each message's static attributes. */
static void
walk_fetch(clist *result, void (*fn)(struct mailimap_msg_att_static *, void *),
    void *ctx)
{
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);

		for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
			struct mailimap_msg_att_item *item = clist_content(j);
			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC)
				fn(item->att_data.att_static, ctx);
		}
	}
}

static int
cmp_uid(const void *a, const void *b)
{
	const struct imapc_msg *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* An IMAP date-time as seconds since the epoch (0 if it is not plausible). */
static int64_t
date_time_epoch(const struct mailimap_date_time *dt)
{
	struct tm tm = { 0 };
	int z = dt->dt_zone < 0 ? -dt->dt_zone : dt->dt_zone;
	int64_t off = (int64_t)(z / 100 * 60 + z % 100) * 60;
	time_t t;

	if (dt->dt_year < 1970 || dt->dt_month < 1 || dt->dt_month > 12)
		return 0;
	tm.tm_year = dt->dt_year - 1900;
	tm.tm_mon = dt->dt_month - 1;
	tm.tm_mday = dt->dt_day;
	tm.tm_hour = dt->dt_hour;
	tm.tm_min = dt->dt_min;
	tm.tm_sec = dt->dt_sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return 0;
	return (int64_t)t - (dt->dt_zone < 0 ? -off : off);
}

/* \Deleted among a message's FLAGS (a dynamic attribute). */
static int
has_deleted(const struct mailimap_msg_att_dynamic *dyn)
{
	if (dyn == NULL || dyn->att_list == NULL)
		return 0;
	for (clistiter *k = clist_begin(dyn->att_list); k; k = clist_next(k)) {
		struct mailimap_flag_fetch *ff = clist_content(k);

		if (ff->fl_type == MAILIMAP_FLAG_FETCH_OTHER &&
		    ff->fl_flag->fl_type == MAILIMAP_FLAG_DELETED)
			return 1;
	}
	return 0;
}

/*
 * Append one entry per FETCH response to our command, whatever the order
 * of its attributes: its UID within [lo, hi] and its size given.  A server
 * may add unsolicited FETCH responses (another client changed a flag);
 * those carry no size and are left out.
 */
static void
list_collect(clist *result, uint32_t lo, uint32_t hi, struct imapc_msg **msgs,
    size_t *n)
{
	*msgs = xreallocarray(*msgs, *n + (size_t)clist_count(result) + 1,
	    sizeof(**msgs));
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		struct imapc_msg m = { 0 };
		int sized = 0;

		for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
			struct mailimap_msg_att_item *item = clist_content(j);
			struct mailimap_msg_att_static *st;

			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) {
				m.deleted |= has_deleted(item->att_data.att_dyn);
				continue;
			}
			st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				m.uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE) {
				m.size = st->att_data.att_rfc822_size;
				sized = 1;
			}
		}
		if (m.uid >= lo && m.uid <= hi && m.uid != 0 && sized)
			(*msgs)[(*n)++] = m;
	}
}

/*
 * The attributes are fetched for this many UIDs per command: libetpan
 * keeps a whole response in memory, which for a large mailbox in one
 * command would make the daemon's memory grow with the mailbox.
 */
#define LIST_CHUNK 500

int
imapc_list(struct imapc *c, struct imapc_msg **msgs_r, size_t *n_r)
{
	struct mailimap_search_key *key;
	clist *found = NULL;
	uint32_t *uids;
	size_t nuids = 0;
	int r;

	if (settle(c) == -1)
		return -1;

	*msgs_r = NULL;
	*n_r = 0;
	/*
	 * Ask for the UIDs instead of trusting the EXISTS count: an EXISTS
	 * that arrives while IDLE starts can be lost inside libetpan.
	 */
	key = mailimap_search_key_new_all();
	r = mailimap_uid_search(c->imap, NULL, key, &found);
	mailimap_search_key_free(key);
	if (!ok(r))
		return fail(c, "UID SEARCH ALL", r);
	uids = xreallocarray(NULL, (size_t)clist_count(found) + 1, sizeof(*uids));
	for (clistiter *it = clist_begin(found); it; it = clist_next(it))
		uids[nuids++] = *(uint32_t *)clist_content(it);
	mailimap_search_result_free(found);
	qsort(uids, nuids, sizeof(*uids), uid_cmp);
	for (size_t i = 0; i < nuids; i += LIST_CHUNK) {
		size_t last = i + LIST_CHUNK < nuids ? i + LIST_CHUNK - 1 : nuids - 1;
		struct mailimap_fetch_type *ft;
		struct mailimap_set *set;
		clist *result = NULL;

		ft = mailimap_fetch_type_new_fetch_att_list_empty();
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_uid());
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_rfc822_size());
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_flags());
		set = mailimap_set_new_interval(uids[i], uids[last]);
		r = mailimap_uid_fetch(c->imap, set, ft, &result);
		mailimap_set_free(set);
		mailimap_fetch_type_free(ft);
		if (!ok(r)) {
			free(uids);
			free(*msgs_r);
			*msgs_r = NULL;
			*n_r = 0;
			return fail(c, "UID FETCH UID RFC822.SIZE FLAGS", r);
		}
		list_collect(result, uids[i], uids[last], msgs_r, n_r);
		mailimap_fetch_list_free(result);
	}
	free(uids);
	if (*n_r > 0) {
		size_t k = 1;

		/* One entry per UID, should a server answer one twice. */
		qsort(*msgs_r, *n_r, sizeof(**msgs_r), cmp_uid);
		for (size_t i = 1; i < *n_r; i++)
			if ((*msgs_r)[i].uid != (*msgs_r)[k - 1].uid)
				(*msgs_r)[k++] = (*msgs_r)[i];
		*n_r = k;
	}
	return 0;
}

struct fetch_ctx {
	char *data;
	size_t len;
	int64_t arrived;
};

static void
fetch_cb(struct mailimap_msg_att_static *s, void *vctx)
{
	struct fetch_ctx *fc = vctx;

	if (s->att_type == MAILIMAP_MSG_ATT_INTERNALDATE &&
	    s->att_data.att_internal_date != NULL)
		fc->arrived = date_time_epoch(s->att_data.att_internal_date);
	if (s->att_type == MAILIMAP_MSG_ATT_BODY_SECTION && fc->data == NULL &&
	    s->att_data.att_body_section->sec_body_part != NULL) {
		fc->len = s->att_data.att_body_section->sec_length;
		fc->data = xmalloc(fc->len + 1);
		memcpy(fc->data, s->att_data.att_body_section->sec_body_part,
		    fc->len);
		fc->data[fc->len] = '\0';
	}
}

int
imapc_fetch(struct imapc *c, uint32_t uid, int header_only, char **data_r,
    size_t *len_r, int64_t *arrived_r)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_section *sec;
	struct mailimap_set *set;
	struct fetch_ctx fc = { NULL, 0, 0 };
	clist *result = NULL;
	int r;

	if (settle(c) == -1)
		return -1;

	sec = header_only ? mailimap_section_new_header() : mailimap_section_new(NULL);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(sec));
	set = mailimap_set_new_single(uid);
	r = mailimap_uid_fetch(c->imap, set, ft, &result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (!ok(r))
		return fail(c, "UID FETCH BODY.PEEK", r);
	walk_fetch(result, fetch_cb, &fc);
	mailimap_fetch_list_free(result);
	if (fc.data == NULL) {
		/* Expunged by someone else meanwhile: not an error of ours. */
		fc.data = xstrdup("");
		fc.len = 0;
	}
	*data_r = fc.data;
	*len_r = fc.len;
	if (arrived_r != NULL)
		*arrived_r = fc.arrived;
	return 0;
}

/* uids as an IMAP set, runs of consecutive UIDs as ranges (a short command). */
static void
uid_set_add(struct mailimap_set *set, const uint32_t *uids, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = uid_run_end(uids, n, i);

		if (j == i)
			mailimap_set_add_single(set, uids[i]);
		else
			mailimap_set_add_interval(set, uids[i], uids[j]);
		i = j + 1;
	}
}

int
imapc_fetch_many(struct imapc *c, const uint32_t *uids, size_t n,
    char **data_r, size_t *len_r, int64_t *arrived_r)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *result = NULL;
	int r;

	for (size_t i = 0; i < n; i++) {
		data_r[i] = NULL;
		len_r[i] = 0;
		arrived_r[i] = 0;
	}
	if (settle(c) == -1)
		return -1;
	set = mailimap_set_new_empty();
	uid_set_add(set, uids, n);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	r = mailimap_uid_fetch(c->imap, set, ft, &result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (!ok(r))
		return fail(c, "UID FETCH BODY.PEEK (batch)", r);
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		uint32_t uid = 0;
		int64_t arrived = 0;
		struct mailimap_msg_att_body_section *body = NULL;

		for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
			struct mailimap_msg_att_item *item = clist_content(j);
			struct mailimap_msg_att_static *st;

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION)
				body = st->att_data.att_body_section;
			else if (st->att_type == MAILIMAP_MSG_ATT_INTERNALDATE &&
			    st->att_data.att_internal_date != NULL)
				arrived = date_time_epoch(
				    st->att_data.att_internal_date);
		}
		for (size_t i = 0; i < n && body && body->sec_body_part; i++)
			if (uids[i] == uid && data_r[i] == NULL) {
				arrived_r[i] = arrived;
				len_r[i] = body->sec_length;
				data_r[i] = xmalloc(len_r[i] + 1);
				memcpy(data_r[i], body->sec_body_part, len_r[i]);
				data_r[i][len_r[i]] = '\0';
			}
	}
	mailimap_fetch_list_free(result);
	for (size_t i = 0; i < n; i++)
		if (data_r[i] == NULL)
			data_r[i] = xstrdup("");
	return 0;
}

/* A NO/BAD answer leaves the connection usable; a stream error does not. */
/* Whether the answer just read ends in a BAD with the current command's tag. */
static int
tagged_bad(const struct imapc *c)
{
	const MMAPString *b = c->imap->imap_stream_buffer;
	char want[32];
	size_t end, start, wl;

	if (b == NULL || b->str == NULL || b->len == 0)
		return 0;
	end = b->len;
	while (end > 0 && (b->str[end - 1] == '\n' || b->str[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && b->str[start - 1] != '\n')
		start--;
	wl = (size_t)snprintf(want, sizeof(want), "%d BAD", c->imap->imap_tag);
	return end - start >= wl && strncasecmp(b->str + start, want, wl) == 0 &&
	    (end - start == wl || b->str[start + wl] == ' ');
}

static int
move_failed(struct imapc *c, int r)
{
	fail(c, "UID MOVE/COPY", r);
	/*
	 * Only the server's own NO or BAD leaves the connection usable; after
	 * a lost or garbled answer, nobody knows where the session stands.
	 * libetpan reports a BAD as a protocol error, as it does a wrong tag.
	 */
	if (r == MAILIMAP_ERROR_PROTOCOL)
		return tagged_bad(c) ? -2 : -1;
	switch (r) {
	case MAILIMAP_ERROR_UID_MOVE:
	case MAILIMAP_ERROR_MOVE:
	case MAILIMAP_ERROR_UID_COPY:
	case MAILIMAP_ERROR_UID_STORE:
	case MAILIMAP_ERROR_STORE:
	case MAILIMAP_ERROR_EXPUNGE:
	case MAILIMAP_ERROR_EXTENSION:
		return -2;
	default:
		return -1;
	}
}

/* The answer to the started UID MOVE, read now: 0, -1 or -2 as imapc_move(). */
static int
move_answer(struct imapc *c)
{
	struct mailimap_response *resp = NULL;
	int r, moved;

	c->move_pending = 0;
	imapio_rearm(c->imap->imap_stream);
	if (mailimap_read_line(c->imap) == NULL)
		return move_failed(c, MAILIMAP_ERROR_STREAM);
	r = mailimap_parse_response(c->imap, &resp);
	if (r != MAILIMAP_NO_ERROR)
		return move_failed(c, r);
	moved = resp->rsp_resp_done->rsp_type == MAILIMAP_RESP_DONE_TYPE_TAGGED &&
	    resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type ==
	    MAILIMAP_RESP_COND_STATE_OK;
	mailimap_response_free(resp);
	return moved ? 0 : move_failed(c, MAILIMAP_ERROR_UID_MOVE);
}

/*
 * Before any other command: read the answer of a move still under way and
 * keep its result for imapc_move_finish().  -1 if the connection broke.
 */
static int
settle(struct imapc *c)
{
	if (c == NULL || !c->move_pending)
		return 0;
	c->move_result = move_answer(c);
	return c->move_result == -1 ? -1 : 0;
}

/* An IMAP quoted string is enough for folder (no CR, LF, NUL or 8-bit). */
static int
quotable(const char *folder)
{
	for (const unsigned char *p = (const unsigned char *)folder; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return 0;
	return *folder != '\0';
}

int
imapc_move_start(struct imapc *c, const uint32_t *uids, size_t n,
    const char *folder)
{
	struct buf cmd;
	int r;

	if (c->move_open)
		fatalx("imapc: a move started before the last one was finished");
	if (settle(c) == -1)
		return -1;
	if (!c->has_move || n == 0 || !quotable(folder))
		return 1;
	buf_init(&cmd, BUF_DEFAULT_MAX);
	buf_puts(&cmd, "UID MOVE ");
	for (size_t i = 0; i < n;) {
		size_t j = uid_run_end(uids, n, i);

		buf_printf(&cmd, i > 0 ? ",%u" : "%u", uids[i]);
		if (j > i)
			buf_printf(&cmd, ":%u", uids[j]);
		i = j + 1;
	}
	buf_puts(&cmd, " \"");
	for (const char *p = folder; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(&cmd, '\\');
		buf_putc(&cmd, *p);
	}
	buf_puts(&cmd, "\"\r\n");
	r = mailimap_send_current_tag(c->imap);
	if (ok(r) && (mailstream_write(c->imap->imap_stream, cmd.data,
	    cmd.len) != (ssize_t)cmd.len ||
	    mailstream_flush(c->imap->imap_stream) == -1))
		r = MAILIMAP_ERROR_STREAM;
	buf_free(&cmd);
	if (!ok(r))
		return fail(c, "UID MOVE", r);
	c->move_pending = c->move_open = 1;
	c->move_result = 0;
	return 0;
}

int
imapc_move_finish(struct imapc *c)
{
	int r;

	c->move_open = 0;
	if (settle(c) == -1)
		return -1;
	r = c->move_result;
	c->move_result = 0;
	return r;
}

int
imapc_move(struct imapc *c, uint32_t uid, const char *folder)
{
	return imapc_move_many(c, &uid, 1, folder);
}

int
imapc_move_many(struct imapc *c, const uint32_t *uids, size_t n,
    const char *folder)
{
	struct mailimap_set *set;
	int r;

	if (settle(c) == -1)
		return -1;
	set = mailimap_set_new_empty();
	uid_set_add(set, uids, n);
	if (c->has_move) {
		r = mailimap_uid_move(c->imap, set, folder);
		mailimap_set_free(set);
		return ok(r) ? 0 : move_failed(c, r);
	}
	r = mailimap_uid_copy(c->imap, set, folder);
	if (ok(r)) {
		struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
		struct mailimap_store_att_flags *sa;

		mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
		sa = mailimap_store_att_flags_new_add_flags_silent(fl);
		r = mailimap_uid_store(c->imap, set, sa);
		mailimap_store_att_flags_free(sa);
		/* Without UIDPLUS a plain EXPUNGE could remove other people's
		 * \Deleted mail; leave the copy flagged instead. */
		if (ok(r) && c->has_uidplus)
			r = mailimap_uid_expunge(c->imap, set);
	}
	mailimap_set_free(set);
	return ok(r) ? 0 : move_failed(c, r);
}

void
imapc_sleep(int seconds, volatile sig_atomic_t *stop, const sigset_t *waitmask)
{
	for (int i = 0; i < seconds && !*stop; i++) {
		struct timespec ts = { 1, 0 };
		ppoll(NULL, 0, &ts, waitmask);
	}
}

int
imapc_wait(struct imapc *c, int timeout, volatile sig_atomic_t *stop,
    const sigset_t *waitmask)
{
	struct pollfd pfd;
	int r, n;

	if (settle(c) == -1)
		return -1;

	if (!c->cfg->idle || !mailimap_has_idle(c->imap)) {
		imapc_sleep(timeout, stop, waitmask);
		return 0;
	}
	r = mailimap_idle(c->imap);
	if (!ok(r))
		return fail(c, "IDLE", r);
	pfd.fd = mailimap_idle_get_fd(c->imap);
	pfd.events = POLLIN;
	/* Wake every second to notice a stop request promptly. */
	for (int i = 0; i < timeout && !*stop; i++) {
		struct timespec ts = { 1, 0 };

		n = ppoll(&pfd, 1, &ts, waitmask);
		if (n > 0)
			break;
		if (n < 0 && errno != EINTR) {
			log_error("imap poll failed: %s", strerror(errno));
			break;
		}
	}
	r = mailimap_idle_done(c->imap);
	if (!ok(r))
		return fail(c, "IDLE DONE", r);
	return 0;
}
