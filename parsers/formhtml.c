/* SPDX-License-Identifier: MIT */
/*
 * formhtml - the HTML form reader (see formhtml.h).  A header row of the
 * positions table maps its columns by name ("Art.-Nr.", "Menge", ...);
 * without one, position rows are read in the column order of the
 * plain-text table.  Rows with three or more filled cells that are no
 * position are some other table and are not read as label/value.
 */
#include <stdlib.h>
#include <string.h>

#include "formhtml.h"
#include "formtext.h"
#include "html.h"
#include "util.h"

#define FORM_MAX_HTML_ROWS 5000

#define ERR_HTML_ROWS "Das HTML-Formular hat zu viele Tabellenzeilen " \
	"(mehr als 5000)."

/* The positions column a header cell names, or -1. */
static int
column_of(const char *cell)
{
	static const struct {
		const char *name;
		int col;
	} names[] = {
		{ "pos", COL_POS }, { "position", COL_POS }, { "nr", COL_POS },
		{ "lfd. nr", COL_POS },
		{ "artikelnr", COL_ARTIKELNR },
		{ "artikelnummer", COL_ARTIKELNR },
		{ "artikel-nr", COL_ARTIKELNR },
		{ "art.-nr", COL_ARTIKELNR },
		{ "art.nr", COL_ARTIKELNR },
		{ "bestellnummer", COL_ARTIKELNR },
		{ "bezeichnung", COL_BEZEICHNUNG },
		{ "beschreibung", COL_BEZEICHNUNG },
		{ "artikelbezeichnung", COL_BEZEICHNUNG },
		{ "artikel", COL_BEZEICHNUNG },
		{ "menge", COL_MENGE }, { "anzahl", COL_MENGE },
		{ "einheit", COL_EINHEIT }, { "mengeneinheit", COL_EINHEIT },
		{ "me", COL_EINHEIT },
		{ "preis", COL_PREIS }, { "einzelpreis", COL_PREIS },
		{ "preis (eur)", COL_PREIS }, { "preis in eur", COL_PREIS },
		{ "preis (\xe2\x82\xac)", COL_PREIS },
		{ "preis \xe2\x82\xac", COL_PREIS },
	};
	char *s = str_trim(xstrdup(cell));
	size_t n = strlen(s);
	int col = -1;

	while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ':' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (size_t i = 0; i < SO_NELEM(names) && col == -1; i++)
		if (str_casecmp(s, names[i].name) == 0)
			col = names[i].col;
	free(s);
	return col;
}

/*
 * A header row of the positions table: at least three known column names,
 * Menge among them.  Fills map[] (cell index per column, -1 if missing).
 */
static int
html_header_row(const struct html_row *row, int map[COL_COUNT])
{
	int m[COL_COUNT], known = 0;

	for (int i = 0; i < COL_COUNT; i++)
		m[i] = -1;
	for (size_t k = 0; k < row->ncells; k++) {
		int col = column_of(row->cell[k]);

		if (col >= 0 && m[col] == -1) {
			m[col] = (int)k;
			known++;
		}
	}
	if (known < 3 || m[COL_MENGE] == -1)
		return 0;
	memcpy(map, m, sizeof(m));
	return 1;
}

static char *
cell_at(const struct html_row *row, int k)
{
	return xstrdup(k >= 0 && (size_t)k < row->ncells ? row->cell[k] : "");
}

/* Copy of a cell with U+00A0 as a space, trimmed. */
static char *
cell_clean(const char *cell)
{
	char *s = xmalloc(strlen(cell) + 1);

	formtext_nbsp_copy(s, cell, strlen(cell));
	return str_trim(s);
}

/* The next non-empty cell from k on, or -1. */
static int
next_cell(const struct html_row *row, size_t k)
{
	for (; k < row->ncells; k++)
		if (row->cell[k][0] != '\0')
			return (int)k;
	return -1;
}

/* Label/value rows; *pending is a label seen alone in the previous row. */
static void
html_label_row(struct formprofile_matcher *m, const struct html_row *row,
    int *pending, struct form_part *out)
{
	int first = next_cell(row, 0), second, f;

	if (first == -1)
		return;
	second = next_cell(row, (size_t)first + 1);
	/* Three filled cells are some other table, not label and value. */
	if (second >= 0 && next_cell(row, (size_t)second + 1) >= 0) {
		*pending = -1;
		return;
	}
	f = formprofile_label_field(m, row->cell[first]);
	if (f >= 0) {
		if (second >= 0) {
			formpart_set(out, f, xstrdup(row->cell[second]));
			*pending = -1;
		} else if (row->ncells == 1) {
			/* Gravity Forms: the label row, the value follows. */
			*pending = f;
		} else
			*pending = -1;
		return;
	}
	if (*pending >= 0 && second == -1) {
		formpart_set(out, *pending, xstrdup(row->cell[first]));
		*pending = -1;
		return;
	}
	*pending = -1;
	if (second == -1)
		formtext_label_line(m, row->cell[first], out);
}

int
formhtml_read(struct formprofile_matcher *m, const char *html,
    struct form_part *out, const char **error_r)
{
	static const int default_map[COL_COUNT] = { 0, 1, 2, 3, 4, 5 };
	struct html_row *rows;
	size_t nrows;
	int map[COL_COUNT], pending = -1, rc = 0;
	struct form_part fallback;
	char *text;

	memcpy(map, default_map, sizeof(map));
	nrows = html_table_rows(html, FORM_MAX_HTML_ROWS + 1, &rows);
	if (nrows > FORM_MAX_HTML_ROWS) {
		html_rows_free(rows, nrows);
		*error_r = ERR_HTML_ROWS;
		return -1;
	}
	for (size_t i = 0; i < nrows && rc == 0; i++) {
		struct html_row *row = &rows[i];
		int poscol;

		for (size_t k = 0; k < row->ncells; k++) {
			char *s = cell_clean(row->cell[k]);

			free(row->cell[k]);
			row->cell[k] = s;
		}
		if (html_header_row(row, map)) {
			pending = -1;
			continue;
		}
		poscol = map[COL_POS] >= 0 ? map[COL_POS] : 0;
		if (row->ncells >= 5 && (size_t)poscol < row->ncells &&
		    formpart_pos_numeric(row->cell[poscol])) {
			char *col[COL_COUNT];

			for (int k = 0; k < COL_COUNT; k++)
				col[k] = cell_at(row, map[k]);
			if (formpart_add_position(out, col, error_r) == -1)
				rc = -1;
			pending = -1;
			continue;
		}
		html_label_row(m, row, &pending, out);
	}
	html_rows_free(rows, nrows);
	if (rc == -1)
		return -1;

	/* HTML without tables ("<p>Besteller: ...</p>") is read as text. */
	memset(&fallback, 0, sizeof(fallback));
	text = html_to_text(html);
	rc = formtext_read(m, text, &fallback, error_r);
	free(text);
	if (rc == 0) {
		formpart_fill(out, &fallback);
		if (out->npos == 0) {
			out->pos = fallback.pos;
			out->npos = fallback.npos;
			out->cap = fallback.cap;
			fallback.pos = NULL;
			fallback.npos = fallback.cap = 0;
		}
	}
	formpart_free(&fallback);
	return rc;
}
