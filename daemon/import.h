/* SPDX-License-Identifier: MIT */
/*
 * import - load the master-data CSV files of a directory into the database.
 *
 * Reads whichever of organisationseinheiten.csv, kostenstellen.csv,
 * lieferorte.csv, lieferanten.csv, katalog.csv and personen.csv exist in
 * dir, in that order (so references can be checked), validates every row,
 * and upserts all of them in ONE transaction: either every file is loaded or
 * nothing changes.
 *
 * Supplier catalogues in BMEcat (2005 or 1.2) named bmecat-<LIEFERANT>.xml
 * (e.g. bmecat-L01.xml) are read too, streamed, into the catalogue of that
 * supplier, in the same transaction: our article number is the BUYER_PID/
 * BUYER_AID if the catalogue has one, else the supplier's number; prices
 * must be in EUR; genehmigungspflichtig of an existing article is kept.
 * Re-running an import updates rows in place and never touches cases, so
 * open cases are not disturbed (import_dir_then() lets the caller follow
 * up inside the transaction).
 */
#ifndef SO_IMPORT_H
#define SO_IMPORT_H

#include <stddef.h>

#include "store.h"

struct import_stats {
	size_t rows[6];         /* per file, in the order above */
	size_t files;
	size_t bmecat_files, bmecat_articles;
};

/* Names of the six files, in import order. */
extern const char *const import_files[6];

/*
 * Import dir.  Returns 0 on success; -1 with *error_r
 * ("kostenstellen.csv:4: budget_eur: \"abc\" ist kein Geldbetrag") when a
 * file is malformed or a row invalid (nothing imported), or when dir holds
 * none of the six files.  error_r is static until the next call.
 */
int import_dir(struct store *st, const char *dir, struct import_stats *stats,
    const char **error_r);

/*
 * The same, and after every file is loaded, inside the same transaction,
 * after(st, ctx, &error) does the work that must stand or fall with the
 * import (the daemon re-addresses waiting approval requests there).  If it
 * returns -1, nothing is imported and *error_r is its error.
 */
int import_dir_then(struct store *st, const char *dir,
    int (*after)(struct store *st, void *ctx, const char **error_r),
    void *ctx, struct import_stats *stats, const char **error_r);

#endif
