/* SPDX-License-Identifier: MIT */
/*
 * html - just enough HTML reading for form mails: table rows as cells of
 * plain text, and a whole document as plain text.  Pure, no I/O.  Not a
 * conforming HTML parser: it tolerates broken markup and never fails.
 * Character references (&uuml; &#252; &#xFC; &amp; &nbsp; ...) are decoded;
 * <script> and <style> content is dropped; tags inside cells are removed.
 */
#ifndef SO_HTML_H
#define SO_HTML_H

#include <stddef.h>

struct html_row {
	char **cell;            /* trimmed UTF-8 text of each <td>/<th> */
	size_t ncells;
};

/* All <tr> rows of all tables, in document order; at most max_rows. Caller frees with html_rows_free. */
size_t html_table_rows(const char *html, size_t max_rows, struct html_row **rows_r);
void html_rows_free(struct html_row *rows, size_t n);

/* Plain text of the document: block elements and <br> become newlines. Caller frees. */
char *html_to_text(const char *html);

#endif
