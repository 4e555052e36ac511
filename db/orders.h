/* SPDX-License-Identifier: MIT */
/*
 * orders - the data of order runs: which released positions are still to
 * be ordered, the runs and orders (Bestellungen) that were made, and the
 * marking of positions as ordered.
 *
 * A position is ordered exactly once: orders_mark_position() only succeeds
 * for a position without an order, inside the run's single transaction.
 * Strings belong to the structs; release them with the _free functions.
 */
#ifndef SO_ORDERS_H
#define SO_ORDERS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct order_pos {
	int64_t position_id, vorgang_id;
	char nr[32];
	int pos;
	char *lieferant;                /* NULL for a free-text item */
	char *artikelnr, *lieferanten_artikelnr, *bezeichnung, *einheit;
	int64_t menge, preis_cents, total_cents;
	char *kostenstelle, *lieferort, *gewuenscht_bis;
	char *requester_email, *requester_name, *source_msgid;
	int64_t released_at;            /* when the case became freigegeben */
	int64_t order_id;               /* set by the caller once ordered */
};

/* Released positions not yet ordered, by supplier, Lieferort, case, position. */
int orders_open_positions(struct store *st, struct order_pos **p_r, size_t *n_r);
void orders_positions_free(struct order_pos *p, size_t n);

/* A new run; *id_r its id. */
int orders_run_insert(struct store *st, int64_t now, int64_t scheduled_for,
    const char *kind, int64_t *id_r);
int orders_run_finish(struct store *st, int64_t run_id, int orders, int positions);

/* The latest scheduled_for of any run, 0 if none. */
int orders_last_scheduled(struct store *st, int64_t *t_r);

/* A new order of run_id with number nr ("B-2026-000001", drawn in the transaction). */
int orders_insert(struct store *st, int64_t run_id, const char *prefix,
    const char *lieferant, const char *rcpt, const char *format,
    int64_t total_cents, int64_t now, int64_t *id_r, char nr_r[32]);
int orders_set_message_id(struct store *st, int64_t order_id, const char *msgid);

/* Mark a position as ordered by order_id: 1 done, 0 was ordered already, -1 error. */
int orders_mark_position(struct store *st, int64_t position_id, int64_t order_id);

/* Number of positions of a case not yet ordered. */
int orders_case_open(struct store *st, int64_t vorgang_id, int64_t *n_r);

#endif
