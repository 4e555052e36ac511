/* SPDX-License-Identifier: MIT */
/*
 * csv - parse one semicolon-separated master-data file.  Pure, no I/O.
 *
 * Input: UTF-8 (a leading BOM is skipped), a header row, fields separated by
 * sep, optionally quoted with '"' ("" is a literal quote; quoted fields may
 * contain sep and newlines), rows ending in LF or CRLF.  Empty lines are
 * skipped.  Invalid UTF-8 is an error.
 */
#ifndef SO_CSV_H
#define SO_CSV_H

#include <stddef.h>

struct csv_row {
	char **field;           /* nfields trimmed, NUL-terminated strings */
	size_t nfields;
	unsigned line;          /* 1-based line number where the row starts */
};

struct csv_table {
	char **header;          /* lower-cased, trimmed column names */
	size_t ncols;
	struct csv_row *rows;   /* data rows (header excluded) */
	size_t nrows;
};

/*
 * Parse data[0..len).  Returns 0 and *table_r (free with csv_free), or -1 and
 * *error_r = "line N: message" (static until the next call).  A data row
 * whose field count differs from the header's is an error naming the line.
 * Limits: max_rows data rows, each field at most 64 KiB.
 */
int csv_parse(const char *data, size_t len, char sep, size_t max_rows,
    struct csv_table **table_r, const char **error_r);
void csv_free(struct csv_table *t);

/* Index of column name in t->header, or -1. */
int csv_col(const struct csv_table *t, const char *name);

#endif
