/* SPDX-License-Identifier: MIT */
/*
 * bmecat - read a supplier's catalogue in BMEcat 2005 or 1.2 (T_NEW_CATALOG)
 * article by article, so that the importer can fill katalog.csv from it.
 *
 * The document is streamed with libxml2's xmlTextReader and never held as a
 * tree: memory stays bounded whatever the number of articles.  No network,
 * no DTD loading, no entity expansion (a DOCTYPE that declares entities is
 * refused, and so is any entity reference other than the five predefined
 * ones), no XInclude, no transparent gunzip.
 *
 * It does not validate against the schema, does not check the currency or
 * duplicate article numbers (the importer's job), and does not handle the
 * update transactions T_UPDATE_PRODUCTS / T_UPDATE_PRICES: those carry
 * partial articles and deletions that an all-or-nothing import of whole
 * rows cannot express, so they are rejected with a clear error.
 */
#ifndef SO_BMECAT_H
#define SO_BMECAT_H

#include <stddef.h>

/* Hard limits; input beyond them is an error, never truncated. */
#define BMECAT_MAX_TEXT ((size_t)64 * 1024)     /* text of one element we use */
#define BMECAT_MAX_DEPTH 64                     /* element nesting */
#define BMECAT_MAX_ARTICLES 1000000
#define BMECAT_MAX_BYTES ((size_t)1024 * 1024 * 1024) /* whole document */

/* All strings are UTF-8 and owned by the struct; NULL when absent. */
struct bmecat_header {
	char *version;          /* version attribute of BMECAT: "2005", "1.2" */
	char *catalog_id;       /* HEADER/CATALOG/CATALOG_ID */
	char *supplier_name;    /* HEADER/SUPPLIER/SUPPLIER_NAME */
	char *supplier_id;      /* HEADER/SUPPLIER/SUPPLIER_ID (the first) */
	char *currency;         /* HEADER/CATALOG/CURRENCY */
};

/*
 * One article as handed to the callback.  The strings belong to the reader
 * and are valid only during the call: copy what you keep.  All are UTF-8,
 * white space collapsed to single blanks, trimmed, never empty.
 */
struct bmecat_article {
	const char *supplier_aid;       /* SUPPLIER_PID (2005) / SUPPLIER_AID (1.2) */
	const char *buyer_aid;          /* BUYER_PID / BUYER_AID, or NULL */
	const char *description;        /* DESCRIPTION_SHORT */
	const char *order_unit;         /* ORDER_UNIT code as given (e.g. "C62", "PK") */
	const char *price;              /* PRICE_AMOUNT text of the chosen price, e.g. "4.29" */
	const char *currency;           /* PRICE_CURRENCY or the header's CURRENCY, or NULL */
	unsigned line;                  /* line of the article's start, for error messages */
};

/*
 * Stream the file; call cb for every article (cb returns 0 to go on,
 * non-zero to stop with that as error: the reader then returns -1 with a
 * message naming the article; the callback keeps its own reason in ctx).
 *
 * Element names are matched on their local names; the root BMECAT must be
 * in no namespace or in one of the BMEcat namespaces (2005, and the two
 * spellings of 1.2 seen in the wild).  Elements of any other namespace
 * inside the document are extensions and are skipped with their content.
 * PRODUCT/ARTICLE, SUPPLIER_PID/SUPPLIER_AID etc. are accepted in either
 * version.
 *
 * Every article needs SUPPLIER_PID/AID, DESCRIPTION_SHORT, ORDER_UNIT and a
 * price; a missing one is an error naming the article's line.  Price choice:
 * within the first PRODUCT_PRICE_DETAILS block (later blocks are other
 * validity periods and are ignored), net_customer if present, else
 * net_list, else the first price; among scale prices of that type the one
 * with the smallest LOWER_BOUND.  PRICE_AMOUNT must be a plain decimal
 * ("4.29").  A PRICE_QUANTITY or PRICE_FACTOR other than 1 is an error,
 * because the catalogue holds the price of one order unit and silently
 * passing a price per 100 pieces would be wrong.  Of several
 * DESCRIPTION_SHORT the German one (lang deu/ger/de or none) wins.
 *
 * Articles are handed to cb while the document is still being read: after
 * -1 the caller must throw away what it was given, because the error may
 * lie after them (a broken end of file, the next article).
 *
 * cb may be NULL: the document is then only checked.
 *
 * Returns 0, or -1 with *error_r = "FILE:LINE: message" (static until the
 * next call; FILE is "<memory>" for bmecat_read_memory, and ":LINE" is
 * missing for errors about the whole file).  *hdr is overwritten (not
 * freed) first and filled as the header is read; free it with
 * bmecat_header_clear, also after an error.  Limits: see BMECAT_MAX_*
 * above; beyond them libxml2's own defaults apply (no XML_PARSE_HUGE:
 * 10 MB per text node, entity amplification checks).
 */
int bmecat_read_file(const char *path, struct bmecat_header *hdr,
    int (*cb)(const struct bmecat_article *a, void *ctx), void *ctx,
    const char **error_r);
int bmecat_read_memory(const char *data, size_t len, struct bmecat_header *hdr,
    int (*cb)(const struct bmecat_article *a, void *ctx), void *ctx,
    const char **error_r);
void bmecat_header_clear(struct bmecat_header *hdr);

/*
 * A Rec 20 unit code to the German unit used in our catalogue (C62->Stück,
 * PK->Pack, CT->Karton, BX->Schachtel, PD->Block, RO->Rolle, PR->Paar,
 * SET->Satz, ...); unknown -> the code itself.  Case-sensitive, as Rec 20
 * codes are upper case.  "ST" is deliberately not mapped: in Rec 20 it is a
 * sheet, but German suppliers often mean Stück by it.
 */
const char *bmecat_unit_name(const char *code);

#endif
