/* SPDX-License-Identifier: MIT */
/*
 * csv - read one master-data CSV file into rows of strings (see csv.h).
 *
 * The import is all-or-nothing, so every problem is an error naming the line
 * the administrator has to fix: invalid UTF-8 or a NUL byte, an unclosed
 * quote, text after a closing quote, a row with the wrong number of fields, a
 * duplicate column name, too many rows, a field over 64 KiB.  Line numbers
 * are physical lines of the file, so a quoted field containing newlines moves
 * the numbers of the following rows on.
 *
 * It does not interpret values (numbers, decimal commas, booleans); that is
 * the importer's job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "util.h"

#define CSV_MAX_FIELD (64 * 1024)
#define CSV_MAX_COLS 1024

struct csv_reader {
	const char *p, *end;
	char sep;
	unsigned line;          /* physical line of p */
	char *err;              /* static message buffer */
	size_t errsize;
};

static int
csv_fail(struct csv_reader *r, unsigned line, const char *msg)
{
	snprintf(r->err, r->errsize, "line %u: %s", line, msg);
	return -1;
}

static void
free_fields(char **field, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(field[i]);
	free(field);
}

void
csv_free(struct csv_table *t)
{
	if (t == NULL)
		return;
	free_fields(t->header, t->ncols);
	for (size_t i = 0; i < t->nrows; i++)
		free_fields(t->rows[i].field, t->rows[i].nfields);
	free(t->rows);
	free(t);
}

/* Every physical line must be valid UTF-8 without NUL bytes. */
static int
check_lines(struct csv_reader *r)
{
	const char *s = r->p;
	unsigned line = 1;

	while (s < r->end) {
		const char *nl = memchr(s, '\n', (size_t)(r->end - s));
		const char *e = nl ? nl : r->end;

		if (memchr(s, '\0', (size_t)(e - s)) != NULL)
			return csv_fail(r, line, "contains a NUL byte");
		if (!utf8_valid(s, (size_t)(e - s)))
			return csv_fail(r, line, "is not valid UTF-8");
		s = nl ? nl + 1 : r->end;
		line++;
	}
	return 0;
}

/* At a line end (LF or CRLF) or the end of input: consume it, return 1. */
static int
at_eol(struct csv_reader *r)
{
	if (r->p >= r->end)
		return 1;
	if (*r->p == '\n') {
		r->p++;
		r->line++;
		return 1;
	}
	if (*r->p == '\r' && r->end - r->p >= 2 && r->p[1] == '\n') {
		r->p += 2;
		r->line++;
		return 1;
	}
	return 0;
}

/*
 * One field into b.  *quoted_r tells whether it was quoted; *eol_r whether
 * the row ended after it.
 */
static int
read_field(struct csv_reader *r, unsigned row_line, struct buf *b,
    int *quoted_r, int *eol_r)
{
	const char *q = r->p;
	char msg[96];

	*quoted_r = 0;
	/* White space before an opening quote is tolerated. */
	while (q < r->end && (*q == ' ' || *q == '\t'))
		q++;
	if (q < r->end && *q == '"') {
		unsigned start_line = r->line;

		*quoted_r = 1;
		r->p = q + 1;
		for (;;) {
			if (r->p >= r->end)
				return csv_fail(r, start_line, "quoted field "
				    "is not closed (a '\"' is missing)");
			if (*r->p == '"') {
				if (r->end - r->p >= 2 && r->p[1] == '"') {
					r->p += 2;
					if (buf_putc(b, '"') == -1)
						goto toolong;
					continue;
				}
				r->p++;
				break;
			}
			/* CRLF inside a quoted field is kept as LF. */
			if (*r->p == '\r' && r->end - r->p >= 2 &&
			    r->p[1] == '\n')
				r->p++;
			if (*r->p == '\n')
				r->line++;
			if (buf_putc(b, *r->p++) == -1)
				goto toolong;
		}
		while (r->p < r->end && (*r->p == ' ' || *r->p == '\t'))
			r->p++;
		if (r->p < r->end && *r->p == r->sep) {
			r->p++;
			*eol_r = 0;
			return 0;
		}
		if (at_eol(r)) {
			*eol_r = 1;
			return 0;
		}
		return csv_fail(r, r->line, "text after a closing quote");
	}
	for (;;) {
		if (r->p < r->end && *r->p == r->sep) {
			r->p++;
			*eol_r = 0;
			return 0;
		}
		if (at_eol(r)) {
			*eol_r = 1;
			return 0;
		}
		if (buf_putc(b, *r->p++) == -1)
			goto toolong;
	}
toolong:
	snprintf(msg, sizeof(msg), "a field is longer than %d bytes",
	    CSV_MAX_FIELD);
	return csv_fail(r, row_line, msg);
}

/*
 * One row: *field_r and *n_r, or *n_r = 0 for an empty line.  At most
 * max_fields are accepted; want (if not 0) is the header's count for the
 * message.
 */
static int
read_row(struct csv_reader *r, size_t max_fields, size_t want,
    char ***field_r, size_t *n_r, unsigned *line_r)
{
	char **field = NULL;
	size_t n = 0;
	unsigned row_line = r->line;
	struct buf b;
	int quoted, eol, any_quoted = 0;
	char msg[96];

	*line_r = row_line;
	buf_init(&b, CSV_MAX_FIELD);
	do {
		buf_reset(&b);
		if (read_field(r, row_line, &b, &quoted, &eol) == -1)
			goto err;
		if (n == max_fields) {
			if (want)
				snprintf(msg, sizeof(msg), "more fields than "
				    "the header has (%zu)", want);
			else
				snprintf(msg, sizeof(msg), "more than %zu "
				    "columns", max_fields);
			csv_fail(r, row_line, msg);
			goto err;
		}
		any_quoted |= quoted;
		field = xreallocarray(field, n + 1, sizeof(*field));
		field[n++] = str_trim(xstrdup(buf_cstr(&b)));
	} while (!eol);
	buf_free(&b);
	if (n == 1 && !any_quoted && field[0][0] == '\0') {
		free_fields(field, n);
		*field_r = NULL;
		*n_r = 0;
		return 0;
	}
	if (want && n != want) {
		snprintf(msg, sizeof(msg), "%zu fields, but the header has %zu",
		    n, want);
		free_fields(field, n);
		return csv_fail(r, row_line, msg);
	}
	*field_r = field;
	*n_r = n;
	return 0;
err:
	buf_free(&b);
	free_fields(field, n);
	return -1;
}

int
csv_parse(const char *data, size_t len, char sep, size_t max_rows,
    struct csv_table **table_r, const char **error_r)
{
	static char err[256];
	struct csv_reader r;
	struct csv_table *t;
	size_t cap = 0;
	char **field;
	size_t n;
	unsigned line;

	r.p = data ? data : "";
	r.end = r.p + (data ? len : 0);
	r.sep = sep;
	r.line = 1;
	r.err = err;
	r.errsize = sizeof(err);
	*error_r = err;
	if (r.end - r.p >= 3 && memcmp(r.p, "\xef\xbb\xbf", 3) == 0)
		r.p += 3;
	if (check_lines(&r) == -1)
		return -1;

	t = xcalloc(1, sizeof(*t));
	do {
		if (r.p >= r.end) {
			csv_fail(&r, 1, "no header row (the file is empty)");
			goto err;
		}
		if (read_row(&r, CSV_MAX_COLS, 0, &t->header, &t->ncols,
		    &line) == -1)
			goto err;
	} while (t->ncols == 0);
	for (size_t i = 0; i < t->ncols; i++) {
		str_lower(t->header[i]);
		for (size_t k = 0; k < i; k++) {
			if (t->header[i][0] != '\0' &&
			    strcmp(t->header[i], t->header[k]) == 0) {
				char msg[128];

				snprintf(msg, sizeof(msg), "column \"%.60s\" "
				    "appears twice", t->header[i]);
				csv_fail(&r, line, msg);
				goto err;
			}
		}
	}

	while (r.p < r.end) {
		if (read_row(&r, t->ncols, t->ncols, &field, &n, &line) == -1)
			goto err;
		if (n == 0)
			continue;
		if (t->nrows >= max_rows) {
			char msg[96];

			free_fields(field, n);
			snprintf(msg, sizeof(msg), "more than %zu data rows",
			    max_rows);
			csv_fail(&r, line, msg);
			goto err;
		}
		if (t->nrows == cap) {
			cap = cap ? cap * 2 : 16;
			t->rows = xreallocarray(t->rows, cap, sizeof(*t->rows));
		}
		t->rows[t->nrows].field = field;
		t->rows[t->nrows].nfields = n;
		t->rows[t->nrows].line = line;
		t->nrows++;
	}
	*table_r = t;
	return 0;
err:
	csv_free(t);
	return -1;
}

int
csv_col(const struct csv_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (str_casecmp(t->header[i], name) == 0)
			return (int)i;
	return -1;
}
