/* SPDX-License-Identifier: MIT */
/*
 * fuzz_csv - csv_parse() on a hostile master-data file, with ';' as the
 * import uses it and a small row limit so that the limit is reached too.
 * Every field of a parsed table is read, so that a bad pointer or length
 * shows up here and not later in the importer.
 */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_table *t = NULL;
	const char *err = NULL;

	if (csv_parse((const char *)data, size, ';', 200, &t, &err) == -1) {
		if (err == NULL || t != NULL)
			abort();
		return 0;
	}
	for (size_t c = 0; c < t->ncols; c++)
		if (strlen(t->header[c]) > size)
			abort();
	for (size_t r = 0; r < t->nrows; r++) {
		if (t->rows[r].nfields != t->ncols)
			abort();
		for (size_t c = 0; c < t->rows[r].nfields; c++)
			if (!utf8_valid(t->rows[r].field[c],
			    strlen(t->rows[r].field[c])))
				abort();
	}
	(void)csv_col(t, "artikelnr");
	(void)csv_col(t, "");
	csv_free(t);
	return 0;
}
