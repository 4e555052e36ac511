/* SPDX-License-Identifier: MIT */
/*
 * orderdoc - the machine-readable attachment of an order mail: one order
 * run for one supplier, written as CSV or as an openTRANS 2.1 ORDER.
 * Pure: a struct in, bytes appended to a struct buf out.
 *
 * It does not write the readable mail body (the templates do), does not
 * look anything up in the master data (the caller passes everything in),
 * and does not send anything.  It does check the document before writing
 * it: a missing field, a unit without a UN/ECE code, a line total that is
 * not quantity x price or an order total that is not the sum of the lines
 * is an error, never a silently wrong order.
 */
#ifndef SO_ORDERDOC_H
#define SO_ORDERDOC_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Hard limits: an order run larger than this is refused, not split. */
#define ORDERDOC_LINES_MAX 10000
#define ORDERDOC_DELIVERIES_MAX 1000
/* At most this many case numbers in one line's case_nr. */
#define ORDERDOC_CASES_MAX 1000
/* No text field may be longer than this (bytes, before escaping). */
#define ORDERDOC_FIELD_MAX 4000

struct orderdoc_party {          /* a delivery location (one per Lieferort) */
	const char *id;          /* Lieferort code, e.g. "RH-214" */
	const char *name, *street, *zip, *city, *room;   /* room may be NULL */
};

struct orderdoc_line {
	const char *supplier_aid;    /* supplier's article number
	                              * (lieferanten_artikelnr); may be NULL
	                              * or "" for a free-text position */
	const char *buyer_aid;       /* our catalogue number, may be NULL */
	const char *description;
	int64_t quantity;            /* > 0 */
	const char *unit;            /* German unit as in the catalogue */
	int64_t price_cents;         /* unit price, EUR cents, net, >= 0 */
	int64_t total_cents;         /* must be quantity * price_cents */
	const char *kostenstelle;    /* cost centre -> COST_CATEGORY_ID */
	const char *case_nr;         /* e.g. SO-2026-000042; may list several
	                              * "SO-..,SO-.." if summed */
	const char *delivery_id;     /* id of the delivery party of the line */
};

struct orderdoc {
	const char *order_id;        /* our order number, "B-2026-000007" */
	int64_t order_date;          /* Unix seconds; written in local time
	                              * with its UTC offset */
	const char *buyer_id, *buyer_name, *buyer_email; /* the municipality */
	const char *supplier_id, *supplier_name, *supplier_email;
	const char *customer_number; /* ours at the supplier, may be NULL */
	const struct orderdoc_party *deliveries; size_t ndeliveries;
	const struct orderdoc_line *lines; size_t nlines;
	int64_t total_cents;         /* must be the sum of the lines' totals */
	const char *remark;          /* may be NULL */
};

/*
 * Both writers append the document to out and return 0, or return -1 with
 * a static message in *error_r naming the field (and line) that failed;
 * on failure out is left as it was.
 *
 * Required: order_id, buyer_id, buyer_name, supplier_id, supplier_name, an
 * order_date after 1970 and before the year 10000, at least one delivery
 * party with a unique id, name, street, zip and city, and at least one line
 * with description, unit, kostenstelle, case_nr (one or more numbers
 * separated by ',', each at most 250 characters) and a delivery_id naming
 * one of the delivery parties.  Optional (NULL or ""): buyer_email,
 * supplier_email, customer_number, remark, room, buyer_aid, supplier_aid.
 * Every string must be valid UTF-8 and at most ORDERDOC_FIELD_MAX bytes;
 * control characters (C0 but TAB/CR/LF, DEL, C1, U+FFFE/FFFF) are
 * dropped, and TAB/CR/LF become a space in every field but the remark.
 * Leading and trailing white space is dropped.
 */

/*
 * CSV for spreadsheet and import tools: UTF-8 without BOM, header row,
 * ';' separator, CRLF line ends, one row per line of the order.  Columns:
 * bestellnummer;bestelldatum;lieferant;kundennummer;lieferort;lieferort_name;
 * strasse;plz;ort;raum;pos;lieferanten_artikelnr;artikelnr;bezeichnung;menge;
 * einheit;einzelpreis_eur;gesamtpreis_eur;kostenstelle;vorgang
 * bestelldatum is YYYY-MM-DD (local time), lieferant the supplier's name,
 * einheit the German unit as given, money with a decimal comma and no
 * thousands separator ("1234,50").  Fields containing ';', '"', CR or LF are
 * quoted with '"' doubled.  A text field that starts with '=', '+', '-',
 * '@', TAB or CR gets a leading apostrophe so that no spreadsheet runs it
 * as a formula.  The remark is not part of the CSV (it goes into the mail
 * body).
 */
int orderdoc_csv(const struct orderdoc *d, struct buf *out,
    const char **error_r);

/*
 * openTRANS 2.1 ORDER (type "standard"), valid against the schema in
 * tests/data/schemas/opentrans-2.1/.  Mapping:
 *   buyer party:    PARTY_ID type="buyer_specific" = buyer_id, and
 *                   PARTY_ID type="supplier_specific" = customer_number
 *                   (the number the supplier gave us); BUYER_IDREF names the
 *                   customer number if there is one, else buyer_id.
 *   supplier party: PARTY_ID type="buyer_specific" = supplier_id.
 *   delivery party: one per Lieferort, PARTY_ID type="buyer_specific" = id,
 *                   ADDRESS NAME = buyer_name, NAME2 = name,
 *                   DEPARTMENT = "Raum <room>", STREET, ZIP, CITY,
 *                   COUNTRY "Deutschland", COUNTRY_CODED "DE".
 *   per item:       SUPPLIER_PID, BUYER_PID, DESCRIPTION_SHORT (cut to 150
 *                   characters; then the full text in DESCRIPTION_LONG),
 *                   ORDER_UNIT from orderdoc_unit_code(), PRICE_AMOUNT,
 *                   PRICE_LINE_AMOUNT, one CUSTOMER_ORDER_REFERENCE/ORDER_ID
 *                   per case number, ACCOUNTING_INFO/COST_CATEGORY_ID
 *                   type="cost_center", SHIPMENT_PARTIES_REFERENCE/
 *                   DELIVERY_IDREF, REMARKS type="order" "Vorgang SO-1"
 *                   or "Vorgänge SO-1, SO-2" for people who read it.
 *   header:         SHIPMENT_PARTIES_REFERENCE only with a single delivery
 *                   party; REMARKS type="order" = remark.
 * Identifiers and address fields longer than the schema allows are an
 * error; names are cut on a character boundary.  A unit without a code is
 * an error naming the unit.  Party ids must be unique.
 */
int orderdoc_opentrans(const struct orderdoc *d, struct buf *out,
    const char **error_r);

/*
 * UN/ECE Recommendation 20 code for a German unit: Stück->C62, Pack->PK,
 * Karton->CT, Schachtel->BX, Block->PD (pad), Rolle->RO, Paar->PR,
 * Satz->SET, Flasche->BO, Dose->CA, Meter->MTR, Liter->LTR, kg->KGM,
 * Blatt->ST (sheet), Beutel->BG, Packung->PK, every German name that
 * parsers/bmecat.c gives an imported unit (Päckchen->PA, Kiste->CS, ...)
 * and a few more spellings and abbreviations (see the table in
 * orderdoc.c).  Case-insensitive (ASCII and the German umlauts),
 * surrounding white space ignored.  Unknown units, Rec. 20 codes
 * themselves, the ambiguous "St" and NULL give NULL: the caller must not
 * guess a unit.  Every code returned is in the schema's dtPUNIT list.
 */
const char *orderdoc_unit_code(const char *german_unit);

#endif
