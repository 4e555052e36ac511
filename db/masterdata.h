/* SPDX-License-Identifier: MIT */
/*
 * masterdata - read access to the master data (Stammdaten): OEs and their
 * tree, Kostenstellen, Lieferorte, Lieferanten, catalogue, persons.  Writing
 * is import's job (daemon/import.c).
 *
 * Lookup functions return 1 and fill the struct when found, 0 when not
 * found, -1 on a database error (logged).  Strings in the structs are owned
 * by the struct; release them with the matching _clear() function.
 */
#ifndef SO_MASTERDATA_H
#define SO_MASTERDATA_H

#include <stdint.h>

#include "store.h"

struct md_oe {
	char *code, *bezeichnung, *parent, *genehmiger, *vertretung;
	int64_t schwelle_cents;         /* -1 if the OE has none of its own */
};

struct md_kostenstelle {
	char *code, *bezeichnung, *oe;
	int64_t budget_cents;
	int jahr;
};

struct md_lieferort {
	char *code, *bezeichnung, *strasse, *plz, *ort, *raum, *oe;
};

struct md_artikel {
	char *artikelnr, *bezeichnung, *einheit, *lieferant, *lieferanten_artikelnr;
	int64_t preis_cents;
	int genehmigungspflichtig;
};

struct md_lieferant {
	char *code, *name, *bestell_email, *kundennummer, *format;
	int64_t mindestbestellwert_cents;
};

struct md_person {
	char *email, *name, *oe, *rolle;
};

int masterdata_oe(struct store *st, const char *code, struct md_oe *r);
int masterdata_kostenstelle(struct store *st, const char *code, struct md_kostenstelle *r);
int masterdata_lieferort(struct store *st, const char *code, struct md_lieferort *r);
int masterdata_artikel(struct store *st, const char *artikelnr, struct md_artikel *r);
int masterdata_person(struct store *st, const char *email, struct md_person *r);
int masterdata_lieferant(struct store *st, const char *code, struct md_lieferant *r);

void md_oe_clear(struct md_oe *r);
void md_kostenstelle_clear(struct md_kostenstelle *r);
void md_lieferort_clear(struct md_lieferort *r);
void md_artikel_clear(struct md_artikel *r);
void md_person_clear(struct md_person *r);
void md_lieferant_clear(struct md_lieferant *r);

/*
 * Approval threshold for an OE: its own schwelle, else the nearest
 * ancestor's, else def.  The walk stops after 64 levels (a cycle in the
 * imported tree cannot hang it).  -1 on a database error.
 */
int masterdata_threshold(struct store *st, const char *oe, int64_t def,
    int64_t *cents_r);

/* The first person (by e-mail) with role rolle, e.g. "einkauf": 1, 0, -1. */
int masterdata_role_first(struct store *st, const char *rolle, char **email_r);

/* Number of rows in each master-data table, for start-up checks and "list". */
int masterdata_counts(struct store *st, int64_t counts_r[6]);

#endif
