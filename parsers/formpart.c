/* SPDX-License-Identifier: MIT */
/*
 * formpart - the fields and positions one form reader found (see
 * formpart.h).  It does not read any input itself.
 */
#include <stdlib.h>
#include <string.h>

#include "formpart.h"
#include "util.h"

#define FORM_MAX_POSITIONS 500
#define ERR_TOO_MANY "Zu viele Positionen (mehr als 500)."

/* Group names of position_row, and the JSON keys of a position. */
static const char *const column_keys[COL_COUNT] = {
	"pos", "artikelnr", "bezeichnung", "menge", "einheit", "preis"
};

const char *
formpart_column_key(enum formpart_column col)
{
	return column_keys[col];
}

void
formpart_position_free(struct form_position *fp)
{
	free(fp->pos);
	free(fp->artikelnr);
	free(fp->bezeichnung);
	free(fp->menge);
	free(fp->einheit);
	free(fp->preis);
}

void
formpart_free(struct form_part *part)
{
	for (int i = 0; i < FF_COUNT; i++)
		free(part->field[i]);
	for (size_t i = 0; i < part->npos; i++)
		formpart_position_free(&part->pos[i]);
	free(part->pos);
	memset(part, 0, sizeof(*part));
}

int
formpart_nfields(const struct form_part *part)
{
	int n = 0;

	for (int i = 0; i < FF_COUNT; i++)
		n += part->field[i] != NULL;
	return n;
}

void
formpart_set(struct form_part *part, int f, char *value)
{
	if (f < 0 || part->field[f] != NULL || value[0] == '\0') {
		free(value);
		return;
	}
	part->field[f] = value;
}

int
formpart_add_position(struct form_part *part, char *col[COL_COUNT],
    const char **error_r)
{
	struct form_position *fp;

	/* No article number, description or quantity: an empty slot. */
	if (col[COL_ARTIKELNR][0] == '\0' && col[COL_BEZEICHNUNG][0] == '\0' &&
	    col[COL_MENGE][0] == '\0') {
		for (int i = 0; i < COL_COUNT; i++)
			free(col[i]);
		return 0;
	}
	if (part->npos >= FORM_MAX_POSITIONS) {
		for (int i = 0; i < COL_COUNT; i++)
			free(col[i]);
		*error_r = ERR_TOO_MANY;
		return -1;
	}
	if (part->npos == part->cap) {
		part->cap = part->cap ? part->cap * 2 : 16;
		part->pos = xreallocarray(part->pos, part->cap,
		    sizeof(*part->pos));
	}
	fp = &part->pos[part->npos++];
	fp->pos = col[COL_POS];
	fp->artikelnr = col[COL_ARTIKELNR];
	fp->bezeichnung = col[COL_BEZEICHNUNG];
	fp->menge = col[COL_MENGE];
	fp->einheit = col[COL_EINHEIT];
	fp->preis = col[COL_PREIS];
	return 0;
}

int
formpart_pos_numeric(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 9 &&
	    (s[n] == '\0' || (s[n] == '.' && s[n + 1] == '\0'));
}

void
formpart_fill(struct form_part *to, struct form_part *from)
{
	for (int i = 0; i < FF_COUNT; i++) {
		if (to->field[i] == NULL) {
			to->field[i] = from->field[i];
			from->field[i] = NULL;
		}
	}
}
