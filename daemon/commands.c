/* SPDX-License-Identifier: MIT */
/*
 * commands - STATUS, STORNO, ERHALTEN and their permissions.  See
 * commands.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approval.h"
#include "approvals.h"
#include "casestore.h"
#include "commands.h"
#include "log.h"
#include "masterdata.h"
#include "util.h"

enum access { ACCESS_NONE, ACCESS_SEE, ACCESS_ACT };

static int
is_einkauf(struct store *st, const char *addr)
{
	struct md_person p = { 0 };
	int r = masterdata_person(st, addr, &p) == 1 && p.rolle &&
	    strcmp(p.rolle, "einkauf") == 0;

	md_person_clear(&p);
	return r;
}

/* What may sender do with vg?  The approver is the one asked, or who would be. */
static enum access
case_access(struct store *st, const struct vorgang *vg, const char *sender)
{
	struct approval a = { 0 };
	enum access acc = ACCESS_NONE;

	if (sender == NULL)
		return ACCESS_NONE;
	if (approval_same_person(sender, vg->requester_email) ||
	    is_einkauf(st, sender))
		return ACCESS_ACT;
	if (approvals_get(st, vg->id, &a) == 1) {
		if (approval_same_person(sender, a.approver) ||
		    approval_same_person(sender, a.deputy))
			acc = ACCESS_SEE;
		approval_clear(&a);
	} else {
		char *oe = NULL, *ap = NULL, *dep = NULL;

		if (approval_approvers(st, vg->oe, vg->requester_email, &oe, &ap,
		    &dep) == 1 && (approval_same_person(sender, ap) ||
		    approval_same_person(sender, dep)))
			acc = ACCESS_SEE;
		free(oe);
		free(ap);
		free(dep);
	}
	return acc;
}

static const char *
next_step(const char *state)
{
	if (strcmp(state, STATE_EINGEGANGEN) == 0)
		return "Der Vorgang wird geprüft.";
	if (strcmp(state, STATE_WARTET) == 0)
		return "Der Vorgang wartet auf die Entscheidung der genehmigenden "
		    "Person.";
	if (strcmp(state, STATE_GENEHMIGT) == 0 ||
	    strcmp(state, STATE_FREIGEGEBEN) == 0)
		return "Die Positionen werden mit dem nächsten Bestelllauf bestellt.";
	if (strcmp(state, STATE_BESTELLT) == 0)
		return "Die Positionen sind bestellt. Bitte bestätigen Sie die "
		    "Lieferung mit ERHALTEN und der Vorgangsnummer.";
	if (strcmp(state, STATE_GELIEFERT) == 0)
		return "Der Vorgang ist abgeschlossen.";
	return "Der Vorgang ist abgeschlossen; es wird nichts bestellt.";
}

static void
fmt_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(out, 32, "%d.%m.%Y %H:%M", localtime_r(&tt, &tm));
}

/* Positions with their order and supplier, and the history, as template values. */
static int
status_vars(struct store *st, struct tvars *v, const struct vorgang *vg)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT p.pos, p.state, b.nr, "
	    "coalesce(l.name, CASE WHEN p.lieferant IS NULL THEN 'Zentrale "
	    "Beschaffung' END) FROM position p LEFT JOIN bestellung b ON b.id = "
	    "p.bestellung_id LEFT JOIN lieferant l ON l.code = p.lieferant "
	    "WHERE p.vorgang_id = ? ORDER BY p.pos");
	struct vorgang_history *h;
	size_t nh;
	char when[32];
	int rc;

	notify_case_vars(st, v, vg);
	tvars_set(v, "next_step", next_step(vg->state));
	sqlite3_bind_int64(s, 1, vg->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct tvars *it = tvars_add_item(v, "position_states");

		tvars_setf(it, "pos", "%d", sqlite3_column_int(s, 0));
		tvars_set(it, "state", (const char *)sqlite3_column_text(s, 1));
		tvars_set(it, "order_nr", (const char *)sqlite3_column_text(s, 2));
		tvars_set(it, "supplier", (const char *)sqlite3_column_text(s, 3));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return -1;
	if (case_store_history(st, vg->id, &h, &nh) == -1)
		return -1;
	for (size_t i = 0; i < nh; i++) {
		struct tvars *it = tvars_add_item(v, "history");

		fmt_time(h[i].at, when);
		tvars_set(it, "when", when);
		tvars_set(it, "state", h[i].to_state);
		tvars_set(it, "actor", h[i].actor);
		tvars_set(it, "reason", h[i].reason);
	}
	vorgang_history_free(h, nh);
	return 0;
}

static int
answer(const struct notify_ctx *n, const char *tmpl, struct tvars *v)
{
	int rc = notify_send(n, tmpl, v, NOTIFY_LIMITED, 0, "answer",
	    n->msg->from_addr, n->msg->from_name, NULL);

	return rc == -1 ? -1 : 0;
}

/* The one answer for "no such case" and "not yours": they must look alike. */
static int
answer_unknown(const struct notify_ctx *n, const struct command *cmd)
{
	struct tvars *v = tvars_new();
	int rc;

	notify_common_vars(v, n);
	tvars_set(v, "nr", cmd->case_nr);
	tvars_set(v, "command", command_name(cmd->kind));
	rc = answer(n, "status_unknown", v);
	tvars_free(v);
	return rc;
}

static int
status_list(const struct notify_ctx *n, char **reason_r)
{
	sqlite3_stmt *s = store_stmt(n->st, "SELECT nr, state, total_cents, "
	    "created_at FROM vorgang WHERE requester_email = ? COLLATE NOCASE AND "
	    "state NOT IN ('geliefert', 'storniert', 'abgelehnt') ORDER BY id "
	    "LIMIT 100");
	struct tvars *v = tvars_new();
	char m[32], when[32];
	int rc, count = 0;

	notify_common_vars(v, n);
	store_bind_text(s, 1, n->msg->from_addr);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct tvars *it = tvars_add_item(v, "cases");

		tvars_set(it, "nr", (const char *)sqlite3_column_text(s, 0));
		tvars_set(it, "state", (const char *)sqlite3_column_text(s, 1));
		tvars_set(it, "total", money_format(sqlite3_column_int64(s, 2), m));
		fmt_time(sqlite3_column_int64(s, 3), when);
		tvars_set(it, "received", when);
		count++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		tvars_free(v);
		return -1;
	}
	rc = answer(n, "status_list", v);
	tvars_free(v);
	*reason_r = xasprintf("STATUS: %d offene Vorgänge", count);
	return rc;
}

int
commands_keep_raw(struct store *st, int64_t vorgang_id, const char *direction,
    const char *msgid, const char *raw, size_t len, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO mail_raw (vorgang_id, "
	    "direction, msgid, at, raw) VALUES (?,?,?,?,?)");

	sqlite3_bind_int64(s, 1, vorgang_id);
	store_bind_static(s, 2, direction);
	store_bind_static(s, 3, msgid);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_blob(s, 5, raw, (int)len, SQLITE_STATIC);
	return store_step_done(st, s);
}

static int
count_ordered(struct store *st, int64_t id, int64_t *ordered_r, int64_t *open_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT sum(bestellung_id IS NOT NULL "
	    "AND state = 'bestellt'), sum(bestellung_id IS NULL) FROM position "
	    "WHERE vorgang_id = ?");
	int rc;

	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*ordered_r = sqlite3_column_int64(s, 0);
		*open_r = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
cancel(const struct notify_ctx *n, struct vorgang *vg, const char *sender,
    char **reason_r)
{
	static const char *const cancellable[] = { STATE_EINGEGANGEN, STATE_WARTET,
	    STATE_GENEHMIGT, STATE_FREIGEGEBEN };
	const char *msgid = n->msg->message_id;
	struct tvars *v = tvars_new();
	int64_t ordered = 0, open = 0;
	int ok = 0, rc = -1;
	char *from = xstrdup(vg->state);

	for (size_t i = 0; i < SO_NELEM(cancellable); i++)
		ok |= strcmp(vg->state, cancellable[i]) == 0;
	if (count_ordered(n->st, vg->id, &ordered, &open) == -1)
		goto out;
	notify_common_vars(v, n);
	if (!ok || ordered > 0) {
		notify_case_vars(n->st, v, vg);
		tvars_set(v, "refused", "1");
		tvars_set(v, "why", ordered > 0 ? "Positionen sind bereits bestellt" :
		    "der Vorgang ist bereits abgeschlossen");
		*reason_r = xasprintf("STORNO %s abgelehnt (%s)", vg->nr, vg->state);
		rc = answer(n, "storno", v);
		goto out;
	}
	if (case_store_transition(n->st, vg->id, from, STATE_STORNIERT, sender,
	    "storniert per Mail", msgid, n->now) != 1)
		goto out;
	free(vg->state);
	vg->state = xstrdup(STATE_STORNIERT);
	notify_case_vars(n->st, v, vg);
	tvars_set(v, "done", "1");
	if (strcmp(from, STATE_WARTET) == 0) {
		struct approval a = { 0 };

		if (approvals_get(n->st, vg->id, &a) == 1 && a.decided_at == 0) {
			struct notify_ctx r = *n;

			r.msg = NULL;
			r.thread_msgid = NULL;
			if (approvals_decide(n->st, vg->id, sender, STATE_STORNIERT,
			    n->now) == -1 || notify_send(&r, "storno_approver", v, 0,
			    vg->id, vg->nr, a.approver, NULL, NULL) != 1) {
				approval_clear(&a);
				goto out;
			}
		}
		approval_clear(&a);
	}
	if (answer(n, "storno", v) == -1)
		goto out;
	*reason_r = xasprintf("STORNO %s: storniert", vg->nr);
	log_info("case=%s cancelled by=%s", vg->nr, sender);
	rc = 0;
out:
	free(from);
	tvars_free(v);
	return rc;
}

static int
received(const struct notify_ctx *n, struct vorgang *vg, const char *sender,
    char **reason_r)
{
	const char *msgid = n->msg->message_id;
	struct tvars *v = tvars_new();
	int64_t ordered = 0, open = 0;
	sqlite3_stmt *s;
	int rc = -1;

	notify_common_vars(v, n);
	if (count_ordered(n->st, vg->id, &ordered, &open) == -1)
		goto out;
	if (ordered == 0) {
		notify_case_vars(n->st, v, vg);
		tvars_set(v, "refused", "1");
		*reason_r = xasprintf("ERHALTEN %s: nichts bestellt (%s)", vg->nr,
		    vg->state);
		rc = answer(n, "erhalten", v);
		goto out;
	}
	s = store_stmt(n->st, "UPDATE position SET state = 'geliefert' WHERE "
	    "vorgang_id = ? AND bestellung_id IS NOT NULL AND state = 'bestellt'");
	sqlite3_bind_int64(s, 1, vg->id);
	if (store_step_done(n->st, s) == -1)
		goto out;
	if (open == 0 && strcmp(vg->state, STATE_BESTELLT) == 0) {
		if (case_store_transition(n->st, vg->id, STATE_BESTELLT,
		    STATE_GELIEFERT, sender, "Lieferung erhalten", msgid,
		    n->now) != 1)
			goto out;
		free(vg->state);
		vg->state = xstrdup(STATE_GELIEFERT);
	} else if (case_store_note(n->st, vg->id, vg->state, sender,
	    "Lieferung der bestellten Positionen erhalten", msgid, n->now) == -1)
		goto out;
	notify_case_vars(n->st, v, vg);
	tvars_set(v, "done", "1");
	if (open > 0)
		tvars_set(v, "partly", "1");
	if (answer(n, "erhalten", v) == -1)
		goto out;
	*reason_r = xasprintf("ERHALTEN %s: %s", vg->nr, vg->state);
	rc = 0;
out:
	tvars_free(v);
	return rc;
}

int
commands_run(const struct notify_ctx *n, const struct command *cmd,
    const char *raw, size_t len, char **reason_r)
{
	const char *sender = n->msg->from_addr;
	struct vorgang *vg = NULL;
	enum access acc = ACCESS_NONE;
	int rc;

	*reason_r = NULL;
	if (cmd->kind == CMD_STATUS && cmd->case_nr[0] == '\0')
		return status_list(n, reason_r);
	if (cmd->case_nr[0] != '\0') {
		if ((rc = case_store_load(n->st, cmd->case_nr, &vg)) == -1)
			return -1;
		if (rc == 1)
			acc = case_access(n->st, vg, sender);
	}
	if (acc == ACCESS_NONE || (cmd->kind != CMD_STATUS && acc != ACCESS_ACT)) {
		*reason_r = xasprintf("%s %s: keine Auskunft an %s",
		    command_name(cmd->kind), cmd->case_nr[0] ? cmd->case_nr :
		    "(ohne Nummer)", sender ? sender : "-");
		vorgang_free(vg);
		return answer_unknown(n, cmd);
	}
	if (cmd->kind == CMD_STATUS) {
		struct tvars *v = tvars_new();

		notify_common_vars(v, n);
		rc = status_vars(n->st, v, vg) == -1 ? -1 : answer(n, "status", v);
		tvars_free(v);
		*reason_r = xasprintf("STATUS %s: %s", vg->nr, vg->state);
	} else {
		/* The mail behind a change of the case is kept with it. */
		rc = commands_keep_raw(n->st, vg->id, "in", n->msg->message_id, raw,
		    len, n->now);
		if (rc == 0)
			rc = cmd->kind == CMD_CANCEL ? cancel(n, vg, sender, reason_r) :
			    received(n, vg, sender, reason_r);
	}
	vorgang_free(vg);
	return rc;
}
