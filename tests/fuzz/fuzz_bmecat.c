/* SPDX-License-Identifier: MIT */
/*
 * fuzz_bmecat - bmecat_read_memory() on a hostile supplier catalogue.
 * Every article handed to the callback is checked against bmecat.h: the
 * required strings are there, none is empty, all are valid UTF-8.  The
 * callback stops the reader after a few hundred articles now and then, so
 * that the early stop is reached as well.
 */
#include <stdlib.h>
#include <string.h>

#include "bmecat.h"
#include "fuzz.h"

struct count {
	size_t articles;
	size_t stop_after;
};

static void
check_text(const char *s, int required)
{
	if (s == NULL) {
		if (required)
			abort();
		return;
	}
	if (*s == '\0' || !utf8_valid(s, strlen(s)))
		abort();
}

static int
article(const struct bmecat_article *a, void *ctx)
{
	struct count *c = ctx;

	check_text(a->supplier_aid, 1);
	check_text(a->buyer_aid, 0);
	check_text(a->description, 1);
	check_text(a->order_unit, 1);
	check_text(a->price, 1);
	check_text(a->currency, 0);
	(void)bmecat_unit_name(a->order_unit);
	return ++c->articles == c->stop_after;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bmecat_header hdr;
	struct count c = { 0, size % 7 == 0 ? 3 : 0 };
	const char *err = NULL;

	memset(&hdr, 0, sizeof(hdr));
	if (bmecat_read_memory((const char *)data, size, &hdr, article, &c,
	    &err) == -1 && err == NULL)
		abort();
	bmecat_header_clear(&hdr);
	return 0;
}
