/* SPDX-License-Identifier: MIT */
/*
 * formpart - what one form reader (JSON, plain text, HTML) found: form
 * fields and positions, collected before form_parse() decides which reader
 * wins and merges the rest in.
 *
 * It bounds the number of positions (500) and drops the
 * empty position rows some forms send; it does not judge values.
 *
 * All strings in a struct form_part belong to it; formpart_free() releases
 * them.  A zeroed struct form_part is an empty one.
 */
#ifndef SO_FORMPART_H
#define SO_FORMPART_H

#include <stddef.h>

#include "form.h"

/* The columns of a position, in the order of the plain-text table. */
enum formpart_column {
	COL_POS, COL_ARTIKELNR, COL_BEZEICHNUNG, COL_MENGE, COL_EINHEIT,
	COL_PREIS, COL_COUNT
};

struct form_part {
	char *field[FF_COUNT];          /* NULL if not found */
	struct form_position *pos;
	size_t npos, cap;
};

/*
 * Name of a column: the group name in the profile's position_row and the
 * key in a JSON position ("pos", "artikelnr", ...).
 */
const char *formpart_column_key(enum formpart_column col);

/* Free the strings of a part and leave it empty. */
void formpart_free(struct form_part *part);

/* Free the strings of one position (not fp itself). */
void formpart_position_free(struct form_position *fp);

/* Number of fields found. */
int formpart_nfields(const struct form_part *part);

/*
 * Set field f to value unless f is -1, the field is already set or value
 * is empty; takes value in every case.
 */
void formpart_set(struct form_part *part, int f, char *value);

/* Move the fields missing in to over from from. */
void formpart_fill(struct form_part *to, struct form_part *from);

/*
 * Add a position; takes col[] (COL_COUNT strings) in every case.  Rows
 * without article number, description and quantity are dropped.  Returns
 * 0, or -1 with *error_r (static German sentence) past FORM_MAX_POSITIONS.
 */
int formpart_add_position(struct form_part *part, char *col[COL_COUNT],
    const char **error_r);

/* 1 if s looks like the Pos column of a real row ("1", "12", "3."). */
int formpart_pos_numeric(const char *s);

#endif
