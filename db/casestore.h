/* SPDX-License-Identifier: MIT */
/*
 * casestore - cases (Vorgänge), their positions and their history.
 *
 * A case number is "<prefix>-<year>-<NNNNNN>" with a sequence per prefix and
 * year, drawn inside the caller's transaction, so a rolled-back intake never
 * burns or duplicates a number.  Every state change goes through
 * case_store_transition(), which writes the history row in the same
 * statement group; nothing else updates vorgang.state.
 *
 * Callers hold the transaction (store_begin/commit).  Strings in struct
 * vorgang belong to it; vorgang_free() releases everything.
 */
#ifndef SO_CASESTORE_H
#define SO_CASESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* State names from SPEC.md; mails and tests rely on these exact words. */
#define STATE_EINGEGANGEN "eingegangen"
#define STATE_WARTET "wartet_auf_genehmigung"
#define STATE_GENEHMIGT "genehmigt"
#define STATE_ABGELEHNT "abgelehnt"
#define STATE_FREIGEGEBEN "freigegeben"
#define STATE_BESTELLT "bestellt"
#define STATE_GELIEFERT "geliefert"
#define STATE_STORNIERT "storniert"

struct vorgang_position {
	int pos;
	char *artikelnr;                /* NULL for a free-text item */
	char *bezeichnung;
	int64_t menge;
	char *einheit;
	int64_t preis_cents;            /* unit price */
	int64_t total_cents;
	char *lieferant;                /* NULL for a free-text item */
	char *lieferanten_artikelnr;
	int freitext;
	int genehmigungspflichtig;
};

struct vorgang {
	int64_t id;
	char nr[32];
	char *state;
	char *requester_email, *requester_name, *telefon;
	char *oe, *kostenstelle, *lieferort, *gewuenscht_bis, *bemerkung;
	int64_t total_cents;
	char *approval_reason;          /* NULL when released at intake */
	char *source_msgid;
	int64_t created_at;
	struct vorgang_position *positions;
	size_t npositions;
};

struct vorgang_history {
	int64_t at;
	char *from_state, *to_state, *actor, *reason, *msgid;
};

/*
 * Insert v (state, fields and positions as filled by the caller) with a new
 * number; sets v->id and v->nr.  Writes the first history row
 * (NULL -> v->state).  -1 on a database error.
 */
int case_store_insert(struct store *st, struct vorgang *v, const char *prefix,
    int64_t now, const char *actor, const char *msgid);

/*
 * case_store_insert() and the case's first transition in one: the rows are
 * written in state to at once, and the history gets both rows (NULL ->
 * v->state by actor, then v->state -> to by to_actor for reason), as if
 * case_store_transition() had followed.  v->state becomes to.
 */
int case_store_insert_to(struct store *st, struct vorgang *v,
    const char *prefix, int64_t now, const char *actor, const char *msgid,
    const char *to, const char *to_actor, const char *reason);

/*
 * Move case id from state from to state to (fails with 0 if the case is not
 * in from: the transition is atomic), and record who, why and which mail.
 * Returns 1 on success, 0 if the case was not in state from, -1 on error.
 */
int case_store_transition(struct store *st, int64_t id, const char *from,
    const char *to, const char *actor, const char *reason, const char *msgid,
    int64_t now);

/*
 * A history row that records an event without a state change (a refused
 * decision, a hand-over, a reminder): from and to are the current state.
 */
int case_store_note(struct store *st, int64_t id, const char *state,
    const char *actor, const char *reason, const char *msgid, int64_t now);

/*
 * Budget of Kostenstelle ks used in year: the totals of its cases that are
 * released or further on (genehmigt, freigegeben, bestellt, geliefert),
 * counted by the year of their intake.
 */
int case_store_budget_used(struct store *st, const char *ks, int year,
    int64_t *cents_r);

/* Load a case by number with its positions: 1 found, 0 not found, -1 error. */
int case_store_load(struct store *st, const char *nr, struct vorgang **v_r);
/* The same by id. */
int case_store_load_id(struct store *st, int64_t id, struct vorgang **v_r);

/* History of a case, oldest first; caller frees with vorgang_history_free. */
int case_store_history(struct store *st, int64_t id,
    struct vorgang_history **h_r, size_t *n_r);
void vorgang_history_free(struct vorgang_history *h, size_t n);

/*
 * Call cb for each case (newest first; state may be NULL for all), at most
 * limit cases.  Stops when cb returns non-zero.  -1 on error.
 */
int case_store_list(struct store *st, const char *state, int limit,
    int (*cb)(const struct vorgang *v, void *ctx), void *ctx);

void vorgang_free(struct vorgang *v);

#endif
