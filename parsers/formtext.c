/* SPDX-License-Identifier: MIT */
/*
 * formtext - the plain-text form reader (see formtext.h).  Table decoration
 * ("-----", "|---|---|") inside the positions table is skipped; a line
 * there that is no positions row is read as a label line, so fields after
 * the table are found too.
 */
#include <stdlib.h>
#include <string.h>

#include "formtext.h"
#include "util.h"

#define FORM_MAX_LINE 4096              /* longer lines are skipped */
#define FORM_MAX_LINES 20000

#define ERR_TOO_LONG "Der Formulartext ist zu lang (mehr als 20000 Zeilen)."

/* "-----", "=====", "|---|---|": table decoration. */
static int
is_separator(const char *s)
{
	size_t marks = 0;

	for (; *s; s++) {
		if (strchr("-=_*~#", *s))
			marks++;
		else if (!strchr(" \t+|:", *s))
			return 0;
	}
	return marks >= 3;
}

void
formtext_nbsp_copy(char *dst, const char *src, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)src[i] == 0xc2 && i + 1 < len &&
		    (unsigned char)src[i + 1] == 0xa0) {
			dst[o++] = ' ';
			i++;
		} else
			dst[o++] = src[i];
	}
	dst[o] = '\0';
}

/* A positions row per the profile: 1 added, 0 not a position, -1 error. */
static int
text_position(struct formprofile_matcher *m, const char *line,
    struct form_part *out, const char **error_r)
{
	char *col[COL_COUNT];

	for (int i = 0; i < COL_COUNT; i++)
		col[i] = formprofile_group(m, FP_POSITION_ROW,
		    formpart_column_key((enum formpart_column)i), line);
	if (!formpart_pos_numeric(col[COL_POS])) {
		for (int i = 0; i < COL_COUNT; i++)
			free(col[i]);
		return 0;
	}
	return formpart_add_position(out, col, error_r) == -1 ? -1 : 1;
}

void
formtext_label_line(struct formprofile_matcher *m, const char *line,
    struct form_part *out)
{
	char *label, *value;

	if (!formprofile_match(m, FP_LABEL_LINE, line))
		return;
	label = formprofile_group(m, FP_LABEL_LINE, "label", line);
	value = formprofile_group(m, FP_LABEL_LINE, "value", line);
	formpart_set(out, formprofile_label_field(m, label), value);
	free(label);
}

int
formtext_read(struct formprofile_matcher *m, const char *text,
    struct form_part *out, const char **error_r)
{
	int in_table = !formprofile_has(m, FP_POSITIONS_START);
	size_t nlines = 0;
	char line[FORM_MAX_LINE + 1];

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		const char *s = text;

		text += len + (nl != NULL);
		if (++nlines > FORM_MAX_LINES) {
			*error_r = ERR_TOO_LONG;
			return -1;
		}
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (len > FORM_MAX_LINE || !utf8_valid(s, len))
			continue;
		formtext_nbsp_copy(line, s, len);
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (in_table) {
			if (is_separator(line))
				continue;
			if (formprofile_match(m, FP_POSITION_ROW, line)) {
				int r = text_position(m, line, out, error_r);

				if (r == -1)
					return -1;
				if (r == 1)
					continue;
			}
		} else if (formprofile_match(m, FP_POSITIONS_START, line)) {
			in_table = 1;
			continue;
		}
		formtext_label_line(m, line, out);
	}
	return 0;
}
