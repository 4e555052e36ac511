/* SPDX-License-Identifier: MIT */
/*
 * fuzz_html - html_table_rows() and html_to_text() on a hostile HTML part.
 * The input goes in as it is, not made valid UTF-8 first: html.h does not
 * ask for that, and a reader of broken markup must not trust its bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "html.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *html = fuzz_string(data, size), *text;
	struct html_row *rows = NULL;
	size_t n;

	n = html_table_rows(html, 200, &rows);
	if (n > 200)
		abort();
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < rows[i].ncells; c++)
			(void)strlen(rows[i].cell[c]);
	html_rows_free(rows, n);
	/* The row limit reached early. */
	n = html_table_rows(html, 2, &rows);
	if (n > 2)
		abort();
	html_rows_free(rows, n);

	text = html_to_text(html);
	if (text == NULL)
		abort();
	free(text);
	free(html);
	return 0;
}
