/* SPDX-License-Identifier: MIT */
/*
 * notify - templates to outbox.  See notify.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mailout.h"
#include "masterdata.h"
#include "notify.h"
#include "outbox.h"
#include "util.h"

static const char *
state_sentence(const char *state)
{
	if (strcmp(state, STATE_FREIGEGEBEN) == 0)
		return "Ihr Vorgang ist freigegeben und wird mit dem nächsten "
		    "Bestelllauf bestellt.";
	if (strcmp(state, STATE_WARTET) == 0)
		return "Ihr Vorgang braucht eine Genehmigung und wartet auf die "
		    "Entscheidung der genehmigenden Person.";
	if (strcmp(state, STATE_ABGELEHNT) == 0)
		return "Ihr Vorgang wurde abgelehnt und wird nicht bestellt.";
	return "";
}

/* The rate limit counts per mailbox: "a+1@x" and "A+2@x" are both "a@x". */
static char *
rate_key(const char *addr)
{
	char *k = xstrdup(addr), *at = strrchr(k, '@'), *plus;

	str_lower(k);
	if (at && (plus = memchr(k, '+', (size_t)(at - k))) != NULL)
		memmove(plus, at, strlen(at) + 1);
	return k;
}

char *
notify_person_name(struct store *st, const char *addr)
{
	struct md_person p = { 0 };
	char *name;

	if (addr && masterdata_person(st, addr, &p) == 1) {
		name = xstrdup(p.name);
		md_person_clear(&p);
		return name;
	}
	return xstrdup(addr ? addr : "");
}

void
notify_common_vars(struct tvars *v, const struct notify_ctx *n)
{
	const struct mail_msg *msg = n->msg;
	struct md_person person = { 0 };

	tvars_set(v, "own_address", n->cfg->smtp_from);
	tvars_set(v, "prefix", n->cfg->case_prefix);
	tvars_setf(v, "example_nr", "%s-2026-000042", n->cfg->case_prefix);
	if (msg) {
		/* The name from personen.csv reads better than "Mustermann, Max". */
		if (n->st && msg->from_addr &&
		    masterdata_person(n->st, msg->from_addr, &person) == 1)
			tvars_set(v, "sender_name", person.name);
		else
			tvars_set(v, "sender_name", msg->from_name ?
			    msg->from_name : msg->from_addr);
		tvars_set(v, "orig_subject", msg->subject);
		md_person_clear(&person);
	}
}

int
notify_send(const struct notify_ctx *n, const char *tmpl, struct tvars *v,
    int flags, int64_t vorgang_id, const char *tag, const char *to_addr,
    const char *to_name, char **msgid_r)
{
	return notify_send_att(n, tmpl, v, flags, vorgang_id, tag, to_addr,
	    to_name, NULL, 0, msgid_r);
}

int
notify_send_att(const struct notify_ctx *n, const char *tmpl,
    struct tvars *v, int flags, int64_t vorgang_id, const char *tag,
    const char *to_addr, const char *to_name,
    const struct mailout_attachment *att, size_t natt, char **msgid_r)
{
	const struct config *cfg = n->cfg;
	const struct mail_msg *msg = n->msg;
	struct mailout m = { 0 };
	struct buf out, refs;
	char *subject = NULL, *body = NULL, *msgid;
	const char *err;
	int rc = -1;

	if (msgid_r)
		*msgid_r = NULL;
	if (flags & NOTIFY_LIMITED) {
		int64_t cnt;
		char *key = rate_key(to_addr);
		int r = outbox_answers_since(n->st, key, n->now -
		    cfg->answer_window, &cnt);

		if (r == 0 && cnt < cfg->answers_per_window)
			r = outbox_answer_record(n->st, key, n->now);
		free(key);
		if (r == -1)
			return -1;
		if (cnt >= cfg->answers_per_window) {
			char *a = str_log_safe(to_addr, 100);
			log_warn("uid=%lld answer rate-limited to=%s template=%s",
			    (long long)n->uid, a, tmpl);
			free(a);
			return 0;
		}
	}
	if (render_mail(cfg->templates, cfg->language, tmpl, v, &subject, &body,
	    &err) == -1) {
		log_error("template %s/%s/%s: %s", cfg->templates, cfg->language,
		    tmpl, err);
		return -1;
	}
	buf_init(&refs, 8192);
	if (msg && msg->references)
		buf_puts(&refs, msg->references);
	if (msg && msg->message_id)
		buf_printf(&refs, " %s", msg->message_id);
	if (msg == NULL && n->thread_msgid)
		buf_puts(&refs, n->thread_msgid);
	msgid = mailout_message_id(tag, config_msgid_domain(cfg));
	m.from_addr = cfg->smtp_from;
	m.from_name = cfg->smtp_from_name;
	m.to_addr = to_addr;
	m.to_name = to_name;
	m.subject = subject;
	m.body = body;
	m.message_id = msgid;
	m.in_reply_to = msg ? msg->message_id : n->thread_msgid;
	m.references = refs.len ? buf_cstr(&refs) : NULL;
	m.auto_submitted = msg ? "auto-replied" : "auto-generated";
	/* An approval request wants the approver's out-of-office reply: it
	 * hands the request to the deputy. */
	m.suppress_auto_responses = !(flags & NOTIFY_INVITE_AUTOREPLY);
	m.date = n->now;
	m.attachments = att;
	m.nattachments = natt;
	buf_init(&out, 16 * 1024 * 1024);
	if (mailout_compose(&m, &out, &err) == -1) {
		char *a = str_log_safe(to_addr, 100);
		log_warn("uid=%lld mail not composed to=%s template=%s: %s",
		    (long long)n->uid, a, tmpl, err);
		free(a);
		rc = 0;
	} else if (outbox_enqueue(n->st, vorgang_id, tmpl, to_addr, msgid,
	    out.data, out.len, n->now) == 0) {
		rc = 1;
		if (msgid_r) {
			*msgid_r = msgid;
			msgid = NULL;
		}
	}
	buf_free(&out);
	buf_free(&refs);
	free(msgid);
	free(subject);
	free(body);
	return rc;
}

void
notify_case_vars(struct store *st, struct tvars *v, const struct vorgang *vg)
{
	struct md_oe oe = { 0 };
	struct md_kostenstelle ks = { 0 };
	struct md_lieferort lo = { 0 };
	char money[32];

	tvars_set(v, "nr", vg->nr);
	tvars_set(v, "state", vg->state);
	tvars_set(v, "state_sentence", state_sentence(vg->state));
	tvars_set(v, "requester_name", vg->requester_name);
	tvars_set(v, "requester_email", vg->requester_email);
	tvars_set(v, "oe", vg->oe);
	if (masterdata_oe(st, vg->oe, &oe) == 1)
		tvars_set(v, "oe_name", oe.bezeichnung);
	tvars_set(v, "kostenstelle", vg->kostenstelle);
	if (masterdata_kostenstelle(st, vg->kostenstelle, &ks) == 1)
		tvars_set(v, "kostenstelle_name", ks.bezeichnung);
	tvars_set(v, "lieferort", vg->lieferort);
	if (masterdata_lieferort(st, vg->lieferort, &lo) == 1) {
		tvars_set(v, "lieferort_name", lo.bezeichnung);
		tvars_setf(v, "lieferort_address", "%s, %s %s%s%s", lo.strasse,
		    lo.plz, lo.ort, lo.raum ? ", Raum " : "", lo.raum ? lo.raum : "");
	}
	if (vg->gewuenscht_bis) {
		int y, m, d;
		if (sscanf(vg->gewuenscht_bis, "%d-%d-%d", &y, &m, &d) == 3)
			tvars_setf(v, "gewuenscht_bis", "%02d.%02d.%04d", d, m, y);
	}
	tvars_set(v, "bemerkung", vg->bemerkung);
	tvars_set(v, "total", money_format(vg->total_cents, money));
	tvars_set(v, "approval_reason", vg->approval_reason);
	if (strcmp(vg->state, STATE_WARTET) == 0)
		tvars_set(v, "needs_approval", "1");
	else if (strcmp(vg->state, STATE_FREIGEGEBEN) == 0)
		tvars_set(v, "released", "1");
	for (size_t i = 0; i < vg->npositions; i++) {
		const struct vorgang_position *p = &vg->positions[i];
		struct tvars *it = tvars_add_item(v, "positions");

		tvars_setf(it, "pos", "%d", p->pos);
		tvars_set(it, "artikelnr", p->artikelnr ? p->artikelnr : "");
		tvars_set(it, "bezeichnung", p->bezeichnung);
		tvars_setf(it, "menge", "%lld", (long long)p->menge);
		tvars_set(it, "einheit", p->einheit);
		tvars_set(it, "preis", money_format(p->preis_cents, money));
		tvars_set(it, "summe", money_format(p->total_cents, money));
		if (p->freitext)
			tvars_set(it, "freitext", "1");
	}
	md_oe_clear(&oe);
	md_kostenstelle_clear(&ks);
	md_lieferort_clear(&lo);
}
