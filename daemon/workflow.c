/* SPDX-License-Identifier: MIT */
/*
 * workflow - one incoming mail: classify, parse, validate, and write case,
 * ledger and answers in one transaction.  See workflow.h.
 */
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approval.h"
#include "casestore.h"
#include "classify.h"
#include "commands.h"
#include "ledger.h"
#include "log.h"
#include "mailparse.h"
#include "mailout.h"
#include "notify.h"
#include "masterdata.h"
#include "outbox.h"
#include "render.h"
#include "util.h"
#include "validate.h"
#include "workflow.h"

static int
failed_outcome(const char *outcome)
{
	return strcmp(outcome, "rejected") == 0 ||
	    strcmp(outcome, "unreadable") == 0 ||
	    strcmp(outcome, "foreign") == 0 || strcmp(outcome, "failed") == 0 ||
	    strcmp(outcome, "duplicate-failed") == 0;
}

/* The folder for an outcome under the current configuration. */
static void
set_folder(struct wf_result *res, const struct config *cfg, const char *outcome)
{
	snprintf(res->folder, sizeof(res->folder), "%s",
	    strcmp(outcome, "quarantine") == 0 ? cfg->quarantine_folder :
	    failed_outcome(outcome) ? cfg->failed_folder : cfg->processed_folder);
}

/* Everything one call of workflow_process works with. */
struct mailctx {
	struct workflow *wf;
	int64_t uidvalidity, uid, now;
	int64_t arrived;                /* INTERNALDATE, 0 if unknown */
	const struct mail_msg *msg;     /* NULL if even the header was unreadable */
	const char *raw;                /* the whole mail as fetched */
	size_t len;
	char *sender;                   /* From address, for the ledger; owned */
	const char *msgid;              /* from the raw header scan */
	char *reason;                   /* for the ledger; owned */
};

static const char *const trace_fields[] = {
	"received", "return-path", "delivered-to", "x-original-to",
	"x-delivered-to", "authentication-results", "received-spf",
	"arc-seal", "arc-message-signature", "arc-authentication-results",
};

static int
is_trace_field(const char *line, size_t len)
{
	for (size_t i = 0; i < SO_NELEM(trace_fields); i++) {
		size_t n = strlen(trace_fields[i]);
		if (len > n && line[n] == ':' &&
		    str_ncasecmp(line, trace_fields[i], n) == 0)
			return 1;
	}
	return 0;
}

void
workflow_content_hash(const char *raw, size_t len, char out[65])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	size_t hend = mailparse_header_end(raw, len), i = 0;
	int skipping = 0;

	sha256_init(&ctx);
	while (i < hend) {
		const char *nl = memchr(raw + i, '\n', hend - i);
		size_t l = nl ? (size_t)(nl - (raw + i)) + 1 : hend - i;

		if (raw[i] != ' ' && raw[i] != '\t')
			skipping = is_trace_field(raw + i, l);
		if (!skipping)
			sha256_update(&ctx, l, (const uint8_t *)raw + i);
		i += l;
	}
	sha256_update(&ctx, len - hend, (const uint8_t *)raw + hend);
	sha256_digest(&ctx, sizeof(digest), digest);
	hex_encode(digest, sizeof(digest), out);
}

/* Message-ID from a bounded raw header scan (works when MIME parsing fails). */
static char *
raw_message_id(const char *raw, size_t len)
{
	size_t hend = mailparse_header_end(raw, len), i = 0;

	while (i < hend) {
		const char *nl = memchr(raw + i, '\n', hend - i);
		size_t l = nl ? (size_t)(nl - (raw + i)) : hend - i;

		if (l > 11 && str_ncasecmp(raw + i, "message-id:", 11) == 0) {
			char *v = xstrndup(raw + i + 11, l - 11), *lt, *gt;
			char *id;

			lt = strchr(v, '<');
			gt = lt ? strchr(lt, '>') : NULL;
			id = (lt && gt && gt - lt > 1 && gt - lt < 250) ?
			    xstrndup(lt + 1, (size_t)(gt - lt - 1)) : NULL;
			free(v);
			return id;
		}
		i += l + 1;
	}
	return NULL;
}

/* Answer the sender of the current mail. */
static int
answer_sender(struct mailctx *c, const char *tmpl, struct tvars *v, int limited)
{
	struct notify_ctx n = { c->wf->st, c->wf->cfg, c->now, c->msg, NULL, c->uid };

	return notify_send(&n, tmpl, v, limited ? NOTIFY_LIMITED : 0, 0, "answer",
	    c->msg->from_addr, c->msg->from_name, NULL);
}

static struct tvars *
new_vars(struct mailctx *c)
{
	struct notify_ctx n = { c->wf->st, c->wf->cfg, c->now, c->msg, NULL, c->uid };
	struct tvars *v = tvars_new();

	notify_common_vars(v, &n);
	return v;
}

/* A valid form: store the case, move it to its first state, confirm. */
static int
intake_case(struct mailctx *c, struct vorgang *vg, struct wf_result *res)
{
	struct workflow *wf = c->wf;
	char *target = vg->state;
	struct tvars *v;
	int rc;

	vg->state = xstrdup(STATE_EINGEGANGEN);
	free(vg->source_msgid);
	vg->source_msgid = xstrdup(c->msgid);
	rc = case_store_insert_to(wf->st, vg, wf->cfg->case_prefix, c->now,
	    vg->requester_email, c->msgid, target, "socialorder",
	    vg->approval_reason ? vg->approval_reason :
	    "Standardartikel innerhalb der Schwelle");
	free(target);
	if (rc == -1 || commands_keep_raw(wf->st, vg->id, "in", c->msgid, c->raw,
	    c->len, c->now) == -1)
		return -1;
	if (strcmp(vg->state, STATE_WARTET) == 0) {
		struct notify_ctx an = { wf->st, wf->cfg, c->now, c->msg, NULL, c->uid };

		if (approval_request(&an, vg) == -1)
			return -1;
	}
	v = new_vars(c);
	notify_case_vars(wf->st, v, vg);
	{
		struct notify_ctx n = { wf->st, wf->cfg, c->now, c->msg, NULL, c->uid };
		rc = notify_send(&n, "confirmation", v, 0, vg->id, vg->nr,
		    vg->requester_email, vg->requester_name, NULL);
	}
	tvars_free(v);
	/* A case without its confirmation must not exist: validation vouched
	 * for the address, so failing to compose is an internal error. */
	if (rc != 1)
		return -1;
	snprintf(res->case_nr, sizeof(res->case_nr), "%s", vg->nr);
	return 0;
}

static void
set_reason(struct mailctx *c, const char *fmt, ...) SO_ATTR_PRINTF(2, 3);

static void
set_reason(struct mailctx *c, const char *fmt, ...)
{
	va_list ap;

	free(c->reason);
	va_start(ap, fmt);
	c->reason = xvasprintf(fmt, ap);
	va_end(ap);
}

static int
handle_form(struct mailctx *c, const struct parsed_mail *pm,
    struct wf_result *res)
{
	struct workflow *wf = c->wf;
	const struct mail_msg *msg = c->msg;
	const struct form *f = pm->form;
	struct vorgang *vg = NULL;
	struct problems p = { 0 };
	struct tvars *v;
	const char *err = pm->form_err ? pm->form_err : "Formular nicht lesbar";
	int rc;

	if (f == NULL) {
		res->outcome = "unreadable";
		set_reason(c, "%s", err);
		v = new_vars(c);
		tvars_set(v, "error", err);
		rc = answer_sender(c, "unreadable", v, 1);
		tvars_free(v);
		return rc == -1 ? -1 : 0;
	}
	rc = validate_form(wf->st, wf->cfg, wf->profile, f, msg->from_addr,
	    msg->from_name, &vg, &p);
	if (rc == 0) {
		res->outcome = "case";
		rc = intake_case(c, vg, res);
		if (rc == 0)
			set_reason(c, "%s", vg->state);
	} else if (rc == 1) {
		struct buf all;

		res->outcome = "rejected";
		buf_init(&all, 64 * 1024);
		v = new_vars(c);
		for (size_t i = 0; i < p.n; i++) {
			struct tvars *it = tvars_add_item(v, "problems");
			tvars_set(it, "text", p.msg[i]);
			buf_printf(&all, "%s%s", i ? " " : "", p.msg[i]);
		}
		set_reason(c, "%s", buf_cstr(&all));
		buf_free(&all);
		rc = answer_sender(c, "rejection", v, 1) == -1 ? -1 : 0;
		tvars_free(v);
	}
	problems_free(&p);
	vorgang_free(vg);
	return rc;
}

static int
handle_command(struct mailctx *c, enum mail_kind kind,
    const struct command *cmd, struct wf_result *res)
{
	struct tvars *v = new_vars(c);
	int rc;

	res->outcome = kind == MAIL_REPLY ? "reply" : "command";
	set_reason(c, "%s%s%s", command_name(cmd->kind), *cmd->case_nr ? " " : "",
	    cmd->case_nr);
	if (cmd->kind == CMD_HELP || cmd->kind == CMD_UNKNOWN ||
	    cmd->kind == CMD_NONE) {
		rc = answer_sender(c, "help", v, 1);
	} else if (cmd->kind == CMD_STATUS || cmd->kind == CMD_CANCEL ||
	    cmd->kind == CMD_RECEIVED) {
		struct notify_ctx n = { c->wf->st, c->wf->cfg, c->now, c->msg,
		    NULL, c->uid };
		char *what = NULL;

		rc = commands_run(&n, cmd, c->raw, c->len, &what);
		if (what)
			set_reason(c, "%s", what);
		free(what);
	} else {
		tvars_set(v, "command", command_name(cmd->kind));
		tvars_set(v, "nr", cmd->case_nr);
		rc = answer_sender(c, "not_supported", v, 1);
	}
	tvars_free(v);
	return rc == -1 ? -1 : 0;
}

/*
 * Decide about a parsed mail and write what follows from it (inside the
 * caller's transaction).  The mail's bytes are read only through pm.
 */
static int
decide(struct mailctx *c, const struct parsed_mail *pm, struct wf_result *res)
{
	struct workflow *wf = c->wf;
	const struct config *cfg = wf->cfg;
	const struct mail_msg *msg = pm->msg;
	const struct command *cmd = &pm->cmd;
	const char *err = pm->err, *why = pm->why ? pm->why : "";
	enum mail_kind kind = pm->kind;
	int rc = 0;

	c->msg = msg;
	if (msg && msg->from_addr)
		c->sender = xstrdup(msg->from_addr);
	if (msg == NULL) {
		/* Not even a header to answer to: file it for a human. */
		res->outcome = "unreadable";
		set_reason(c, "%s (Kopf nicht lesbar, keine Antwort)",
		    err ? err : "unlesbar");
		return 0;
	}
	if (kind == MAIL_MACHINE) {
		struct notify_ctx n = { wf->st, cfg, c->now, msg, NULL, c->uid };
		char *handled = NULL;

		res->outcome = "machine";
		set_reason(c, "%s", why);
		/* An out-of-office reply to an approval request hands it over. */
		if (strstr(why, "auto-replied") || strstr(why, "auto-reply")) {
			if ((rc = approval_autoreply(&n, &handled)) == -1)
				goto out;
			rc = 0;
			if (handled)
				set_reason(c, "%s; %s", why, handled);
			free(handled);
		}
		goto out;
	}
	/*
	 * Replies to approval requests are judged before the domain check: a
	 * forwarded link used from outside must still be recorded and the
	 * approver told.
	 */
	if (kind == MAIL_REPLY && (cmd->kind == CMD_APPROVE ||
	    cmd->kind == CMD_REJECT || cmd->kind == CMD_UNKNOWN ||
	    cmd->kind == CMD_NONE)) {
		struct notify_ctx n = { wf->st, cfg, c->now, msg, NULL, c->uid };
		char *what = NULL;

		res->outcome = "reply";
		rc = approval_reply(&n, cmd, c->arrived, &what);
		if (rc == 0) {
			/* The mail behind a decision (or an attempt) is kept. */
			struct vorgang *vg = NULL;

			if (case_store_load(wf->st, cmd->case_nr, &vg) == 1)
				rc = commands_keep_raw(wf->st, vg->id, "in",
				    msg->message_id, c->raw, c->len, c->now);
			vorgang_free(vg);
		}
		set_reason(c, "%s", what ? what : "Antwort");
		free(what);
		goto out;
	}
	if (msg->from_addr == NULL || !config_addr_in_org(cfg, msg->from_addr)) {
		res->outcome = "foreign";
		set_reason(c, "Absender %.100s gehört nicht zur Organisation; "
		    "keine Antwort", msg->from_addr ? msg->from_addr : "(keiner)");
		goto out;
	}
	if (err != NULL) {
		struct tvars *v = new_vars(c);

		res->outcome = "unreadable";
		set_reason(c, "%s", err);
		tvars_set(v, "error", err);
		rc = answer_sender(c, "unreadable", v, 1) == -1 ? -1 : 0;
		tvars_free(v);
		goto out;
	}
	if (kind == MAIL_REPLY || kind == MAIL_COMMAND)
		rc = handle_command(c, kind, cmd, res);
	else
		rc = handle_form(c, pm, res);
out:
	c->msg = NULL;
	return rc;
}


int
workflow_process(struct workflow *wf, int64_t uidvalidity, int64_t uid,
    const char *raw, size_t len, int too_large, struct wf_result *res)
{
	struct wf_input in = { uidvalidity, uid, raw, len, too_large, 0, NULL };

	return workflow_process_mail(wf, &in, res);
}

int
workflow_process_mail(struct workflow *wf, const struct wf_input *in,
    struct wf_result *res)
{
	int64_t uidvalidity = in->uidvalidity, uid = in->uid;
	const char *raw = in->raw;
	size_t len = in->len;
	int too_large = in->too_large;
	const struct parsed_mail *parsed = in->parsed;
	struct mailctx c = { .wf = wf, .uidvalidity = uidvalidity, .uid = uid,
	    .raw = raw, .len = len, .arrived = in->arrived };
	struct ledger_entry le = { 0 };
	char hash[65], *msgid, *lmsgid;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = ledger_find_uid(wf->st, uidvalidity, uid, &le);
	if (rc == -1)
		return -1;
	workflow_content_hash(raw, len, hash);
	if (rc == 1) {
		/* Decided before (a crash came between commit and move): only
		 * file it, into the folder its outcome has today. */
		if (!too_large && le.content_hash && strcmp(le.content_hash, hash) != 0) {
			log_error("intake uid=%lld uidvalidity=%lld: the server reused "
			    "a UID for different content; leaving the mail in place",
			    (long long)uid, (long long)uidvalidity);
			ledger_entry_clear(&le);
			return -1;
		}
		res->already = 1;
		res->outcome = "seen";
		set_folder(res, wf->cfg, le.outcome);
		snprintf(res->case_nr, sizeof(res->case_nr), "%s",
		    le.vorgang_nr ? le.vorgang_nr : "");
		ledger_entry_clear(&le);
		return 0;
	}
	msgid = raw_message_id(raw, len);
	c.msgid = msgid;
	c.now = so_now();
	if (store_begin(wf->st) == -1) {
		free(msgid);
		return -1;
	}
	rc = ledger_find_content(wf->st, msgid, hash, &le);
	if (rc == 1) {
		/* A second delivery goes where the first one went. */
		res->outcome = failed_outcome(le.outcome) ? "duplicate-failed" :
		    "duplicate";
		set_reason(&c, "gleiche Nachricht wie Ledger-Eintrag %lld",
		    (long long)le.id);
		snprintf(res->case_nr, sizeof(res->case_nr), "%s",
		    le.vorgang_nr ? le.vorgang_nr : "");
		ledger_entry_clear(&le);
	} else if (rc == 0 && parsed != NULL)
		rc = decide(&c, parsed, res);
	else if (rc == 0) {
		struct parsed_mail pm;

		workflow_parse(wf->cfg, &wf->limits, wf->profile, raw, len,
		    too_large, &pm);
		rc = decide(&c, &pm, res);
		parsed_mail_free(&pm);
	}
	if (rc == -1)
		goto fail;
	set_folder(res, wf->cfg, res->outcome);
	if (ledger_insert(wf->st, uidvalidity, uid, msgid, hash, res->outcome,
	    res->folder, *res->case_nr ? res->case_nr : NULL, c.sender, c.reason,
	    c.now) == -1)
		goto fail;
	if (store_commit(wf->st) == -1)
		goto undone;    /* store_commit() rolled back itself */
	lmsgid = str_log_safe(msgid, 100);
	{
		char *lreason = str_log_safe(c.reason, 200);
		if (*res->case_nr)
			log_info("case=%s intake %s uid=%lld msgid=%s reason=%s",
			    res->case_nr, res->outcome, (long long)uid, lmsgid,
			    lreason);
		else
			log_info("intake %s uid=%lld msgid=%s reason=%s",
			    res->outcome, (long long)uid, lmsgid, lreason);
		free(lreason);
	}
	free(lmsgid);
	free(c.reason);
	free(c.sender);
	free(msgid);
	return 0;
fail:
	store_rollback(wf->st);
undone:
	free(c.reason);
	free(c.sender);
	free(msgid);
	memset(res, 0, sizeof(*res));
	return -1;
}

static int give_up(struct workflow *wf, int64_t uidvalidity, int64_t uid,
    const char *raw, size_t len, const char *reason, int max_attempts,
    struct wf_result *res, const char *outcome);

int
workflow_failed_attempt(struct workflow *wf, int64_t uidvalidity,
    int64_t uid, const char *raw, size_t len, const char *reason,
    int max_attempts, struct wf_result *res)
{
	return give_up(wf, uidvalidity, uid, raw, len, reason, max_attempts, res,
	    "failed");
}

int
workflow_quarantine_attempt(struct workflow *wf, int64_t uidvalidity,
    int64_t uid, const char *raw, size_t len, const char *reason,
    int max_attempts, struct wf_result *res)
{
	return give_up(wf, uidvalidity, uid, raw, len, reason, max_attempts, res,
	    "quarantine");
}

int
workflow_known(struct workflow *wf, int64_t uidvalidity, int64_t uid)
{
	struct ledger_entry le = { 0 };
	int rc = ledger_find_uid(wf->st, uidvalidity, uid, &le);

	ledger_entry_clear(&le);
	return rc;
}

void
workflow_limits(const struct config *cfg, struct mime_limits *l)
{
	mime_limits_default(l);
	l->max_size = (size_t)cfg->max_message_size;
	l->max_depth = (unsigned)cfg->max_mime_depth;
	l->max_parts = (unsigned)cfg->max_mime_parts;
	l->max_headers = (unsigned)cfg->max_headers;
	l->max_line = (size_t)cfg->max_line_length;
}

static int
give_up(struct workflow *wf, int64_t uidvalidity, int64_t uid,
    const char *raw, size_t len, const char *reason, int max_attempts,
    struct wf_result *res, const char *outcome)
{
	int64_t now = so_now();
	char hash[65], *msgid, *why;
	int attempts = 0, rc;

	if (ledger_failure_add(wf->st, uidvalidity, uid, reason, now,
	    &attempts) == -1)
		return -1;
	if (attempts < max_attempts)
		return 0;
	memset(res, 0, sizeof(*res));
	res->outcome = outcome;
	set_folder(res, wf->cfg, res->outcome);
	workflow_content_hash(raw, len, hash);
	msgid = raw_message_id(raw, len);
	why = xasprintf("nach %d Versuchen aufgegeben: %s", attempts, reason);
	/* A failed store_begin() or store_commit() leaves nothing to roll back. */
	rc = store_begin(wf->st);
	if (rc == 0 && ledger_insert(wf->st, uidvalidity, uid, msgid, hash,
	    res->outcome, res->folder, NULL, NULL, why, now) == -1) {
		store_rollback(wf->st);
		rc = -1;
	}
	if (rc == 0)
		rc = store_commit(wf->st);
	if (rc == -1) {
		free(msgid);
		free(why);
		return -1;
	}
	log_error("intake %s uid=%lld given up after %d attempts: %s", outcome,
	    (long long)uid, attempts, reason);
	free(msgid);
	free(why);
	return 1;
}

void
workflow_parse(const struct config *cfg, const struct mime_limits *limits,
    const struct form_profile *profile, const char *raw, size_t len,
    int too_large, struct parsed_mail *p)
{
	struct mailparse_ctx ctx = { limits, profile, { cfg->smtp_from,
	    cfg->case_prefix, config_msgid_domain(cfg) } };

	mailparse_run(&ctx, raw, len, too_large, p);
}

int
workflow_moved(struct workflow *wf, uint32_t uidvalidity,
    const uint32_t *uids, size_t n)
{
	int64_t now = so_now();
	int rc = 0;

	if (n == 0)
		return 0;
	if (store_begin_unsynced(wf->st) == -1)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t j = uid_run_end(uids, n, i);

		rc = ledger_mark_moved(wf->st, uidvalidity, uids[i], uids[j], now);
		i = j;
	}
	if (rc == -1) {
		store_rollback(wf->st);
		return -1;
	}
	return store_commit(wf->st);
}

int
workflow_check_templates(const struct config *cfg, const char **error_r)
{
	static const char *const names[] = { "confirmation", "rejection",
	    "unreadable", "help", "not_supported", "approval_request", "decision",
	    "decision_ack", "already_decided", "approval_refused",
	    "approval_alert", "order", "freetext_order", "ordered", "status",
	    "status_list", "status_unknown", "storno", "storno_approver",
	    "erhalten", "monthly_report", "admin_alert", "send_failed" };
	static char errbuf[512];
	struct tvars *v = tvars_new();
	int rc = 0;

	{
		struct notify_ctx n = { NULL, cfg, 0, NULL, NULL, 0 };
		notify_common_vars(v, &n);
	}
	tvars_set(v, "nr", "SO-2026-000001");
	for (size_t i = 0; i < SO_NELEM(names) && rc == 0; i++) {
		char *subject, *body;
		const char *err;

		if (render_mail(cfg->templates, cfg->language, names[i], v,
		    &subject, &body, &err) == -1) {
			snprintf(errbuf, sizeof(errbuf), "%s", err);
			*error_r = errbuf;
			rc = -1;
			continue;
		}
		free(subject);
		free(body);
	}
	tvars_free(v);
	return rc;
}
