/* SPDX-License-Identifier: MIT */
/*
 * approval - requests, replies, hand-over, reminders.  See approval.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approval.h"
#include "approvals.h"
#include "authres.h"
#include "ledger.h"
#include "log.h"
#include "mailto.h"
#include "masterdata.h"
#include "token.h"
#include "util.h"
#include "workdays.h"

#define ACTOR_SYSTEM "socialorder"

enum request_kind {
	REQ_FIRST, REQ_REMINDER, REQ_HANDOVER, REQ_ESCALATION, REQ_READDRESS
};

static const char *const request_var[] = {
	[REQ_FIRST] = "first", [REQ_REMINDER] = "reminder",
	[REQ_HANDOVER] = "handover", [REQ_ESCALATION] = "escalation",
	[REQ_READDRESS] = "readdressed",
};

/*
 * Same person?  Case-insensitive, and "max+order@x" is "max@x": a sub-
 * address must not let anybody approve their own request.
 */
static int
same_addr(const char *a, const char *b)
{
	const char *aa, *ba, *ap, *bp;
	size_t al, bl;

	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return 0;
	aa = strrchr(a, '@');
	ba = strrchr(b, '@');
	if (aa == NULL || ba == NULL)
		return str_casecmp(a, b) == 0;
	ap = memchr(a, '+', (size_t)(aa - a));
	bp = memchr(b, '+', (size_t)(ba - b));
	al = (size_t)((ap ? ap : aa) - a);
	bl = (size_t)((bp ? bp : ba) - b);
	return al == bl && str_ncasecmp(a, b, al) == 0 && str_casecmp(aa, ba) == 0;
}

int
approval_approvers(struct store *st, const char *oe, const char *requester,
    char **oe_r, char **approver_r, char **deputy_r)
{
	return approval_approvers2(st, oe, requester, NULL, oe_r, approver_r,
	    deputy_r);
}

int
approval_same_person(const char *a, const char *b)
{
	return same_addr(a, b);
}

/* Either of the two people behind a request. */
static int
is_requester(const char *addr, const char *requester, const char *submitter)
{
	return same_addr(addr, requester) || same_addr(addr, submitter);
}

int
approval_approvers2(struct store *st, const char *oe, const char *requester,
    const char *submitter, char **oe_r, char **approver_r, char **deputy_r)
{
	char *code = xstrdup(oe);

	*oe_r = *approver_r = *deputy_r = NULL;
	for (int depth = 0; code != NULL && depth < 64; depth++) {
		struct md_oe o = { 0 };
		int rc = masterdata_oe(st, code, &o);

		if (rc == -1) {
			free(code);
			return -1;
		}
		if (rc == 0)
			break;
		if (o.genehmiger && *o.genehmiger &&
		    !(is_requester(o.genehmiger, requester, submitter) &&
		    (!o.vertretung || !*o.vertretung ||
		    is_requester(o.vertretung, requester, submitter)))) {
			int self = is_requester(o.genehmiger, requester, submitter);

			*oe_r = code;
			*approver_r = xstrdup(self ? o.vertretung : o.genehmiger);
			*deputy_r = !self && o.vertretung && *o.vertretung &&
			    !is_requester(o.vertretung, requester, submitter) ?
			    xstrdup(o.vertretung) : NULL;
			str_lower(*approver_r);
			if (*deputy_r)
				str_lower(*deputy_r);
			md_oe_clear(&o);
			return 1;
		}
		free(code);
		code = o.parent && *o.parent ? xstrdup(o.parent) : NULL;
		md_oe_clear(&o);
	}
	free(code);
	/* Nobody in the tree: central procurement decides (not for itself). */
	{
		sqlite3_stmt *s = store_stmt(st, "SELECT email FROM person WHERE "
		    "rolle = 'einkauf' ORDER BY email");
		int rc;

		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *e = (const char *)sqlite3_column_text(s, 0);

			if (!is_requester(e, requester, submitter)) {
				*approver_r = xstrdup(e);
				*oe_r = xstrdup(oe);
				sqlite3_reset(s);
				return 1;
			}
		}
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? 0 : -1;
	}
}

static void
fmt_date(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(out, 32, "%d.%m.%Y", localtime_r(&tt, &tm));
}

static void
fmt_datetime(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(out, 32, "%d.%m.%Y %H:%M", localtime_r(&tt, &tm));
}

/* Budget of the case's Kostenstelle this year, for the approver. */
static int
budget_vars(struct store *st, struct tvars *v, const struct vorgang *vg)
{
	struct md_kostenstelle ks = { 0 };
	int64_t used;
	char m[32];
	int rc = masterdata_kostenstelle(st, vg->kostenstelle, &ks);

	if (rc != 1)
		return rc;
	if (case_store_budget_used(st, ks.code, ks.jahr, &used) == -1) {
		md_kostenstelle_clear(&ks);
		return -1;
	}
	tvars_setf(v, "budget_year", "%d", ks.jahr);
	tvars_set(v, "budget", money_format(ks.budget_cents, m));
	tvars_set(v, "budget_used", money_format(used, m));
	tvars_set(v, "budget_left", money_format(ks.budget_cents - used, m));
	md_kostenstelle_clear(&ks);
	return 1;
}

/* A mailto: link whose subject is "COMMAND NR TOKEN", as template value key. */
static int
add_link(struct tvars *v, const char *key, const struct config *cfg,
    const char *command, const char *nr, const char *token, const char *body)
{
	char *subject = xasprintf("%s %s %s", command, nr, token);
	char *link = mailto_uri(cfg->smtp_from, subject, body);

	free(subject);
	if (link == NULL) {
		/* config_load checks the address with the same rule. */
		log_error("approval: no mailto link for %s", cfg->smtp_from);
		return -1;
	}
	tvars_set(v, key, link);
	free(link);
	return 0;
}

/* Issue a token for to, and put the request mail for it into the outbox. */
static int
send_request(struct store *st, const struct config *cfg, int64_t now,
    const struct vorgang *vg, const struct approval *a, const char *to,
    enum request_kind kind)
{
	struct notify_ctx n = { st, cfg, now, NULL, vg->source_msgid, 0 };
	struct approval_token t = { 0 };
	char token[TOKEN_LEN + 1], hash[TOKEN_HASH_LEN + 1], date[32];
	char *name, *msgid = NULL;
	struct tvars *v = tvars_new();
	int rc = -1;

	token_new(token);
	token_hash(token, hash);
	notify_common_vars(v, &n);
	notify_case_vars(st, v, vg);
	if (budget_vars(st, v, vg) == -1)
		goto out;
	name = notify_person_name(st, to);
	tvars_set(v, "approver_name", name);
	free(name);
	name = notify_person_name(st, a->approver);
	tvars_set(v, "main_approver_name", name);
	free(name);
	tvars_set(v, "reason", a->reason);
	tvars_set(v, "token", token);
	fmt_date(a->expires_at, date);
	tvars_set(v, "deadline", date);
	tvars_set(v, request_var[kind], "1");
	if (add_link(v, "approve_link", cfg, "GENEHMIGT", vg->nr, token, NULL) == -1 ||
	    add_link(v, "reject_link", cfg, "ABGELEHNT", vg->nr, token,
	    "Begründung: ") == -1)
		goto out;
	if (notify_send(&n, "approval_request", v, NOTIFY_INVITE_AUTOREPLY, vg->id,
	    vg->nr, to, NULL, &msgid) != 1)
		goto out;
	t.vorgang_id = vg->id;
	t.addressee = (char *)(uintptr_t)to;
	t.token_hash = hash;
	t.issued_at = now;
	t.expires_at = a->expires_at;
	t.request_msgid = msgid;
	rc = approvals_token_add(st, &t);
out:
	free(msgid);
	tvars_free(v);
	return rc;
}

int
approval_request(const struct notify_ctx *n, const struct vorgang *vg)
{
	struct approval a = { 0 };
	char *why;
	int rc;

	/* Four eyes against both the named requester and the actual sender. */
	rc = approval_approvers2(n->st, vg->oe, vg->requester_email,
	    n->msg ? n->msg->from_addr : NULL, &a.oe, &a.approver, &a.deputy);
	if (rc != 1) {
		if (rc == 0)
			log_error("case=%s approval: nobody to ask (no genehmiger "
			    "for OE %s and no person with role einkauf)", vg->nr,
			    vg->oe);
		return rc == 0 ? 0 : -1;
	}
	a.vorgang_id = vg->id;
	a.reason = xstrdup(vg->approval_reason ? vg->approval_reason : "");
	a.requested_at = n->now;
	a.expires_at = n->now + (int64_t)n->cfg->token_days * 86400;
	why = xasprintf("Genehmigung angefordert bei %s (%s)", a.approver, a.reason);
	rc = approvals_insert(n->st, &a) == -1 ||
	    send_request(n->st, n->cfg, n->now, vg, &a, a.approver, REQ_FIRST) == -1 ||
	    case_store_note(n->st, vg->id, vg->state, ACTOR_SYSTEM, why,
	    vg->source_msgid, n->now) == -1 ? -1 : 0;
	if (rc == 0)
		log_info("case=%s approval requested approver=%s", vg->nr, a.approver);
	free(why);
	approval_clear(&a);
	return rc;
}

/* The token row of this case whose hash equals hash, compared in constant time. */
static int
find_token(struct store *st, int64_t vorgang_id, const char *token,
    struct approval_token *found)
{
	struct approval_token *t;
	char hash[TOKEN_HASH_LEN + 1];
	size_t n;
	int hit = 0;

	if (!token_well_formed(token))
		return 0;
	token_hash(token, hash);
	if (approvals_tokens(st, vorgang_id, &t, &n) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		/* No early exit: every row is compared. */
		int eq = token_hash_equal(hash, t[i].token_hash);
		if (eq && !hit) {
			hit = 1;
			*found = t[i];
			memset(&t[i], 0, sizeof(t[i]));
		}
	}
	approval_tokens_free(t, n);
	return hit;
}

static int
is_one_of(const char *addr, const char *a, const char *b)
{
	return addr && ((a && str_casecmp(addr, a) == 0) ||
	    (b && str_casecmp(addr, b) == 0));
}

/*
 * Is the sender of a decision unambiguous, and (if configured) vouched for
 * by our MTA for exactly that sender's domain?  Returns the problem or NULL.
 */
static const char *
auth_problem(const struct notify_ctx *n)
{
	const struct mail_msg *msg = n->msg;
	const char **values;
	const char *why = NULL, *from = NULL, *dom;
	size_t k = 0, froms = 0;

	/* One From header with one address: no "first one wins" games. */
	for (size_t i = 0; i < msg->nheaders; i++)
		if (str_casecmp(msg->headers[i].name, "From") == 0) {
			froms++;
			from = msg->headers[i].value;
		}
	if (froms != 1 || from == NULL || msg->from_addr == NULL ||
	    strchr(strchr(from, '@') ? strchr(from, '@') + 1 : "", '@') != NULL ||
	    strchr(from, ',') != NULL || strchr(from, ';') != NULL)
		return "der Absender ist nicht eindeutig";
	if (n->cfg->authserv_id == NULL)
		return NULL;
	dom = strrchr(msg->from_addr, '@') + 1;
	values = xcalloc(msg->nheaders + 1, sizeof(*values));
	for (size_t i = 0; i < msg->nheaders; i++)
		if (str_casecmp(msg->headers[i].name, "Authentication-Results") == 0)
			values[k++] = msg->headers[i].value;
	if (authres_check_from(values, k, n->cfg->authserv_id, dom, &why) == 1)
		why = NULL;     /* on a pass, why names the result: not a problem */
	else if (why == NULL)
		why = "authentication results not acceptable";
	free(values);
	return why;
}

static struct notify_ctx
to_requester(const struct notify_ctx *n, const struct vorgang *vg)
{
	struct notify_ctx r = *n;

	r.msg = NULL;
	r.thread_msgid = vg->source_msgid;
	return r;
}

/* Tell the requester (and the deciding approver) the outcome. */
static int
tell_decision(const struct notify_ctx *n, const struct vorgang *vg,
    const char *decision, const char *by, const char *reason, int ack)
{
	struct notify_ctx r = to_requester(n, vg);
	struct tvars *v = tvars_new();
	char *name = notify_person_name(n->st, by);
	int rc;

	notify_common_vars(v, &r);
	notify_case_vars(n->st, v, vg);
	tvars_set(v, decision, "1");
	tvars_set(v, "decided_by", name);
	tvars_set(v, "decision_reason", reason);
	rc = notify_send(&r, "decision", v, 0, vg->id, vg->nr, vg->requester_email,
	    vg->requester_name, NULL);
	if (rc == 1 && ack)
		rc = notify_send(n, "decision_ack", v, 0, vg->id, vg->nr,
		    n->msg->from_addr, name, NULL);
	free(name);
	tvars_free(v);
	return rc == 1 ? 0 : -1;
}

static int
apply_decision(const struct notify_ctx *n, struct vorgang *vg,
    enum command_kind kind, const char *sender, const char *rest,
    const char *msgid)
{
	const char *reason = rest && *rest ? rest : NULL;
	int rc;

	if (kind == CMD_APPROVE) {
		rc = case_store_transition(n->st, vg->id, STATE_WARTET,
		    STATE_GENEHMIGT, sender, reason ? reason : "genehmigt", msgid,
		    n->now);
		if (rc == 1)
			rc = case_store_transition(n->st, vg->id, STATE_GENEHMIGT,
			    STATE_FREIGEGEBEN, ACTOR_SYSTEM, "nach Genehmigung",
			    msgid, n->now);
	} else
		rc = case_store_transition(n->st, vg->id, STATE_WARTET,
		    STATE_ABGELEHNT, sender, reason ? reason : "ohne Begründung",
		    msgid, n->now);
	if (rc != 1)
		return -1;
	if (approvals_decide(n->st, vg->id, sender, kind == CMD_APPROVE ?
	    STATE_GENEHMIGT : STATE_ABGELEHNT, n->now) == -1)
		return -1;
	free(vg->state);
	vg->state = xstrdup(kind == CMD_APPROVE ? STATE_FREIGEGEBEN :
	    STATE_ABGELEHNT);
	return tell_decision(n, vg, kind == CMD_APPROVE ? "approved" : "rejected",
	    sender, reason, 1);
}

/*
 * The answer to an entitled approver whose reply could not count, or (former)
 * to the addressee of a request withdrawn after a master data change.
 */
static int
refuse_to_approver(const struct notify_ctx *n, const struct vorgang *vg,
    const char *tmpl, const char *why, const struct approval *a, int former)
{
	struct tvars *v = tvars_new();
	char when[32];
	char *name = notify_person_name(n->st, a->decided_by);
	int rc;

	notify_common_vars(v, n);
	tvars_set(v, "nr", vg->nr);
	tvars_set(v, "state", vg->state);
	tvars_set(v, "why", why);
	tvars_set(v, "decided_by", name);
	tvars_set(v, "decision", a->decision);
	if (former)
		tvars_set(v, "former", "1");
	if (a->decided_at) {
		fmt_datetime(a->decided_at, when);
		tvars_set(v, "decided_at", when);
	}
	rc = notify_send(n, tmpl, v, NOTIFY_LIMITED, vg->id, vg->nr,
	    n->msg->from_addr, n->msg->from_name, NULL);
	free(name);
	tvars_free(v);
	return rc == -1 ? -1 : 0;
}

/* Somebody else tried to decide: tell the approver, once per case. */
static int
alert_approver(const struct notify_ctx *n, const struct vorgang *vg,
    const struct approval *a, const char *sender, const char *why)
{
	struct notify_ctx r = *n;
	struct tvars *v;
	int rc = approvals_mark(n->st, vg->id, APPROVAL_ALERTED, n->now);

	if (rc != 1)
		return rc;
	r.msg = NULL;
	r.thread_msgid = NULL;
	v = tvars_new();
	notify_common_vars(v, &r);
	notify_case_vars(n->st, v, vg);
	tvars_set(v, "attacker", sender ? sender : "(unbekannt)");
	tvars_set(v, "why", why);
	rc = notify_send(&r, "approval_alert", v, 0, vg->id, vg->nr, a->approver,
	    NULL, NULL);
	tvars_free(v);
	return rc == -1 ? -1 : 0;
}

/*
 * When the decision was made, for the deadline: the reply's delivery time
 * when the mailbox told it (a reply that arrived in time counts even if
 * the daemon was down or the mailbox unreachable until later), never a
 * time after now.
 */
static int64_t
decided_at(const struct notify_ctx *n, int64_t arrived)
{
	return arrived > 0 && arrived < n->now ? arrived : n->now;
}

/*
 * A refused attempt goes into the case history, but only the first
 * APPROVAL_REFUSED_NOTES of a case: whoever keeps sending forged replies
 * must not grow it without bound.  One more row says so; after that the
 * ledger row and the log line remain (and the mail itself, like every mail).
 */
static int
note_refused(const struct notify_ctx *n, const struct vorgang *vg,
    const char *actor, const char *note)
{
	int64_t count;
	char *last;
	int rc;

	if (approvals_refused_add(n->st, vg->id, &count) == -1)
		return -1;
	if (count <= APPROVAL_REFUSED_NOTES)
		return case_store_note(n->st, vg->id, vg->state, actor, note,
		    n->msg->message_id, n->now);
	if (count > APPROVAL_REFUSED_NOTES + 1)
		return 0;
	log_warn("case=%s approval refused attempts exceed %d: further ones "
	    "only in the ledger and the log", vg->nr, APPROVAL_REFUSED_NOTES);
	last = xasprintf("mehr als %d abgewiesene Entscheidungsversuche: "
	    "weitere stehen nur noch im Eingangsprotokoll und im Log",
	    APPROVAL_REFUSED_NOTES);
	rc = case_store_note(n->st, vg->id, vg->state, ACTOR_SYSTEM, last,
	    n->msg->message_id, n->now);
	free(last);
	return rc;
}

int
approval_reply(const struct notify_ctx *n, const struct command *cmd,
    int64_t arrived, char **reason_r)
{
	const struct mail_msg *msg = n->msg;
	const char *sender = msg->from_addr, *why = NULL;
	char *actor;
	struct vorgang *vg = NULL;
	struct approval a = { 0 };
	struct approval_token t = { 0 };
	int rc, token_ok, entitled, revoked, former;

	*reason_r = NULL;
	rc = case_store_load(n->st, cmd->case_nr, &vg);
	if (rc != 1) {
		*reason_r = xasprintf("Antwort zu unbekanntem Vorgang %s; keine "
		    "Antwort", cmd->case_nr);
		return rc == -1 ? -1 : 0;
	}
	if ((rc = approvals_get(n->st, vg->id, &a)) != 1) {
		*reason_r = xasprintf("%s hat keine Genehmigungsanfrage; keine "
		    "Antwort", vg->nr);
		vorgang_free(vg);
		return rc == -1 ? -1 : 0;
	}
	if ((token_ok = find_token(n->st, vg->id, cmd->token, &t)) == -1)
		goto err;
	entitled = is_one_of(sender, a.approver, a.deputy) &&
	    !is_requester(sender, vg->requester_email, NULL);
	revoked = token_ok && t.revoked_at != 0;
	/* Whom a withdrawn request went to learns that it no longer counts. */
	former = revoked && !entitled && same_addr(sender, t.addressee);
	if (!token_ok)
		why = "der Token gehört nicht zu diesem Vorgang";
	else if (revoked)
		why = "die Genehmigungsanfrage wurde nach einer Änderung der "
		    "Zuständigkeit (Stammdaten) zurückgezogen";
	else if (!entitled)
		why = "der Absender darf diesen Vorgang nicht entscheiden";
	else if ((why = auth_problem(n)) != NULL)
		;
	else if (decided_at(n, arrived) > t.expires_at)
		why = "die Genehmigungsanfrage ist abgelaufen";
	else if (strcmp(vg->state, STATE_WARTET) != 0) {
		char *note = xasprintf("erneute Entscheidung abgewiesen: bereits "
		    "entschieden (%s)", vg->state);
		rc = note_refused(n, vg, sender, note);
		free(note);
		if (rc == -1 || refuse_to_approver(n, vg, "already_decided",
		    "bereits entschieden", &a, 0) == -1)
			goto err;
		*reason_r = xasprintf("%s: bereits entschieden; %s informiert",
		    vg->nr, sender);
		goto done;
	} else if (cmd->kind != CMD_APPROVE && cmd->kind != CMD_REJECT)
		why = "keine Entscheidung gefunden: bitte GENEHMIGT oder ABGELEHNT "
		    "in die erste Zeile schreiben";
	if (why != NULL) {
		char *note = xasprintf("Entscheidung abgewiesen: %s", why);

		/* The From of a refused mail is a claim, not an identity. */
		actor = xasprintf("%s (unbestätigt)", sender ? sender : "?");
		rc = note_refused(n, vg, actor, note);
		free(actor);
		free(note);
		if (rc == -1)
			goto err;
		/*
		 * Only an entitled sender (or the addressee of a withdrawn
		 * request) learns anything about the case.  The approver hears
		 * of someone else's attempt only if that person held a real
		 * token of a waiting case (a forwarded request); guesses cannot
		 * burn the alert or flood the approver.
		 */
		if (entitled || former ? refuse_to_approver(n, vg,
		    "approval_refused", why, &a, former) == -1 : (token_ok &&
		    !revoked && strcmp(vg->state, STATE_WARTET) == 0 &&
		    alert_approver(n, vg, &a, sender, why) == -1))
			goto err;
		*reason_r = xasprintf("%s: Entscheidung abgewiesen (%s)", vg->nr, why);
		log_warn("case=%s approval refused from=%s: %s", vg->nr,
		    sender ? sender : "-", why);
		goto done;
	}
	if (apply_decision(n, vg, cmd->kind, sender, cmd->rest,
	    msg->message_id) == -1)
		goto err;
	*reason_r = xasprintf("%s: %s von %s", vg->nr, cmd->kind == CMD_APPROVE ?
	    "genehmigt" : "abgelehnt", sender);
	log_info("case=%s approval %s by=%s", vg->nr, cmd->kind == CMD_APPROVE ?
	    "approved" : "rejected", sender);
done:
	approval_token_clear(&t);
	approval_clear(&a);
	vorgang_free(vg);
	return 0;
err:
	approval_token_clear(&t);
	approval_clear(&a);
	vorgang_free(vg);
	return -1;
}

/* Which request does an auto-reply answer?  By In-Reply-To/References. */
static int
token_of_reply(struct store *st, const struct mail_msg *msg,
    struct approval_token *t)
{
	char *refs, *save = NULL;
	int rc;

	if (msg->in_reply_to &&
	    (rc = approvals_token_by_msgid(st, msg->in_reply_to, t)) != 0)
		return rc;
	if (msg->references == NULL)
		return 0;
	refs = xstrdup(msg->references);
	rc = 0;
	for (char *id = strtok_r(refs, " \t<>,", &save); id && rc == 0;
	    id = strtok_r(NULL, " \t<>,", &save))
		rc = approvals_token_by_msgid(st, id, t);
	free(refs);
	return rc;
}

int
approval_autoreply(const struct notify_ctx *n, char **reason_r)
{
	const struct mail_msg *msg = n->msg;
	struct approval_token t = { 0 };
	struct approval a = { 0 };
	struct vorgang *vg = NULL;
	char nr[32];
	int64_t id = 0;
	int rc;

	*reason_r = NULL;
	if ((rc = token_of_reply(n->st, msg, &t)) == -1)
		return -1;
	if (rc == 1)
		id = t.vorgang_id;
	approval_token_clear(&t);
	if (id == 0 && msg->subject &&
	    classify_find_case_nr(msg->subject, n->cfg->case_prefix, nr)) {
		if ((rc = case_store_load(n->st, nr, &vg)) == -1)
			return -1;
		if (rc == 1)
			id = vg->id;
		vorgang_free(vg);
		vg = NULL;
	}
	if (id == 0 || (rc = approvals_get(n->st, id, &a)) != 1)
		return rc == -1 ? -1 : 0;
	rc = 0;
	/* Only a verified approver's absence notice, before the deadline. */
	if (msg->from_addr && str_casecmp(msg->from_addr, a.approver) == 0 &&
	    a.deputy && a.decided_at == 0 && n->now <= a.expires_at &&
	    auth_problem(n) == NULL) {
		if ((rc = case_store_load_id(n->st, id, &vg)) != 1)
			goto out;
		if (strcmp(vg->state, STATE_WARTET) != 0) {
			rc = 0;
			goto out;
		}
		rc = approvals_mark(n->st, id, APPROVAL_HANDED_OVER, n->now);
		if (rc == 1) {
			char *note = xasprintf("Abwesenheitsnotiz von %s: an die "
			    "Vertretung %s übergeben", a.approver, a.deputy);

			if (send_request(n->st, n->cfg, n->now, vg, &a, a.deputy,
			    REQ_HANDOVER) == -1 || case_store_note(n->st, id,
			    vg->state, ACTOR_SYSTEM, note, msg->message_id,
			    n->now) == -1)
				rc = -1;
			free(note);
			log_info("case=%s approval handed over to deputy=%s "
			    "(out of office)", vg->nr, a.deputy);
		}
		if (rc != -1) {
			*reason_r = xasprintf("Abwesenheitsnotiz zu %s: %s", vg->nr,
			    rc == 1 ? "an die Vertretung übergeben" :
			    "bereits übergeben");
			rc = 1;
		}
	}
out:
	vorgang_free(vg);
	approval_clear(&a);
	return rc;
}

/* One waiting case: expire, escalate or remind as due.  1 acted, 0, -1. */
static int
run_one(struct store *st, const struct config *cfg, const struct workdays *w,
    int64_t id, int64_t now)
{
	struct notify_ctx n = { st, cfg, now, NULL, NULL, 0 };
	struct approval a = { 0 };
	struct vorgang *vg = NULL;
	int rc, days;

	if ((rc = approvals_get(st, id, &a)) != 1 ||
	    (rc = case_store_load_id(st, id, &vg)) != 1)
		goto out;
	rc = 0;
	if (strcmp(vg->state, STATE_WARTET) != 0 || a.decided_at)
		goto out;
	if (now > a.expires_at) {
		if (case_store_transition(st, id, STATE_WARTET, STATE_ABGELEHNT,
		    ACTOR_SYSTEM, "Genehmigungsfrist abgelaufen", NULL, now) != 1 ||
		    approvals_decide(st, id, ACTOR_SYSTEM, "abgelaufen", now) == -1)
			goto fail;
		free(vg->state);
		vg->state = xstrdup(STATE_ABGELEHNT);
		if (tell_decision(&n, vg, "expired", a.approver,
		    "Genehmigungsfrist abgelaufen", 0) == -1)
			goto fail;
		log_info("case=%s approval expired", vg->nr);
		rc = 1;
		goto out;
	}
	days = workdays_between(w, a.requested_at, now);
	if (days >= cfg->escalate_after && a.deputy && !a.escalated_at &&
	    !a.handed_over_at) {
		if (approvals_mark(st, id, APPROVAL_ESCALATED, now) != 1 ||
		    send_request(st, cfg, now, vg, &a, a.deputy,
		    REQ_ESCALATION) == -1 || case_store_note(st, id, vg->state,
		    ACTOR_SYSTEM, "eskaliert an die Vertretung", NULL, now) == -1)
			goto fail;
		log_info("case=%s approval escalated deputy=%s", vg->nr, a.deputy);
		rc = 1;
	} else if (days >= cfg->remind_after && !a.reminded_at) {
		if (approvals_mark(st, id, APPROVAL_REMINDED, now) != 1 ||
		    send_request(st, cfg, now, vg, &a, a.approver,
		    REQ_REMINDER) == -1 || case_store_note(st, id, vg->state,
		    ACTOR_SYSTEM, "Erinnerung an die genehmigende Person", NULL,
		    now) == -1)
			goto fail;
		log_info("case=%s approval reminder approver=%s", vg->nr, a.approver);
		rc = 1;
	}
	goto out;
fail:
	rc = -1;
out:
	vorgang_free(vg);
	approval_clear(&a);
	return rc;
}

int
approval_run_due(struct store *st, const struct config *cfg, int64_t now)
{
	struct workdays w = { 0 };
	const char *err;
	int64_t *ids;
	size_t n;
	int acted = 0;

	if (cfg->holidays && workdays_parse_holidays(cfg->holidays, &w, &err) == -1) {
		log_error("approval: [approval] holidays: %s", err);
		return -1;
	}
	if (approvals_pending(st, &ids, &n) == -1) {
		workdays_free(&w);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int rc;

		if (store_begin(st) == -1) {
			acted = -1;
			break;
		}
		rc = run_one(st, cfg, &w, ids[i], now);
		if (rc == -1)
			store_rollback(st);
		/* A failed store_commit() has rolled back itself. */
		if (rc == -1 || store_commit(st) == -1) {
			acted = -1;
			break;
		}
		acted += rc;
	}
	free(ids);
	workdays_free(&w);
	return acted;
}

/* Same address, or both none. */
static int
same_or_none(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : str_casecmp(a, b) == 0;
}

/*
 * One waiting request: does the OE tree still name its approver and deputy?
 * If not, follow it.  1 re-addressed, 0 nothing to do, -1 on error.
 */
static int
readdress_one(struct store *st, const struct config *cfg, int64_t id,
    int64_t now)
{
	struct approval a = { 0 }, b;
	struct vorgang *vg = NULL;
	char *submitter = NULL, *oe = NULL, *ap = NULL, *dep = NULL, *note;
	int rc, revoked, new_approver;

	if ((rc = approvals_get(st, id, &a)) != 1 ||
	    (rc = case_store_load_id(st, id, &vg)) != 1)
		goto out;
	/* Four eyes as at intake: not the requester, not the actual sender. */
	if (ledger_case_sender(st, vg->nr, &submitter) == -1 ||
	    (rc = approval_approvers2(st, vg->oe, vg->requester_email, submitter,
	    &oe, &ap, &dep)) == -1)
		goto fail;
	if (rc == 0) {
		log_warn("case=%s approval: nobody to ask for OE %s any more; "
		    "the request stays with %s", vg->nr, vg->oe, a.approver);
		goto out;
	}
	rc = 0;
	new_approver = !same_or_none(ap, a.approver);
	if (!new_approver && same_or_none(dep, a.deputy))
		goto out;
	if (approvals_tokens_revoke(st, id, ap, dep, now, &revoked) == -1)
		goto fail;
	b = a;
	b.oe = oe;
	b.approver = ap;
	b.deputy = dep;
	/* A new approver gets a new request with the full time to decide. */
	if (new_approver) {
		b.requested_at = now;
		b.expires_at = now + (int64_t)cfg->token_days * 86400;
		b.reminded_at = b.escalated_at = b.handed_over_at = 0;
		b.alerted_at = 0;
	}
	note = xasprintf("Genehmigung nach Änderung der Stammdaten neu "
	    "adressiert: entscheidet %s, Vertretung %s (bisher %s, Vertretung "
	    "%s); %d frühere Anfrage(n) ungültig", ap, dep ? dep : "keine",
	    a.approver, a.deputy ? a.deputy : "keine", revoked);
	rc = approvals_readdress(st, &b) == -1 ||
	    (new_approver && send_request(st, cfg, now, vg, &b, ap,
	    REQ_READDRESS) == -1) ||
	    /* A deputy already asked is replaced by the new one. */
	    (!new_approver && dep && (a.handed_over_at || a.escalated_at) &&
	    send_request(st, cfg, now, vg, &b, dep, a.handed_over_at ?
	    REQ_HANDOVER : REQ_ESCALATION) == -1) ||
	    case_store_note(st, id, vg->state, ACTOR_SYSTEM, note, NULL,
	    now) == -1 ? -1 : 1;
	free(note);
	if (rc == 1)
		log_info("case=%s approval readdressed approver=%s deputy=%s "
		    "was=%s,%s revoked=%d", vg->nr, ap, dep ? dep : "-",
		    a.approver, a.deputy ? a.deputy : "-", revoked);
	goto out;
fail:
	rc = -1;
out:
	free(submitter);
	free(oe);
	free(ap);
	free(dep);
	vorgang_free(vg);
	approval_clear(&a);
	return rc;
}

int
approval_readdress(struct store *st, const struct config *cfg, int64_t now)
{
	int64_t *ids;
	size_t n;
	int done = 0;

	if (approvals_pending(st, &ids, &n) == -1)
		return -1;
	for (size_t i = 0; i < n && done != -1; i++) {
		int rc = readdress_one(st, cfg, ids[i], now);

		done = rc == -1 ? -1 : done + rc;
	}
	free(ids);
	return done;
}
