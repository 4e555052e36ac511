/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mailto - mailto_uri() with a hostile address, subject and body
 * (the input cut at NUL bytes, in that order).  A URI that comes back must
 * keep the promises of mailto.h: at most MAILTO_URI_MAX bytes, and only
 * unreserved characters, '%' escapes, ':', '@', '?', '&' and '='.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mailto.h"

static int
hexdig(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static void
check_uri(const char *uri)
{
	size_t n = strlen(uri);

	if (n > MAILTO_URI_MAX || strncmp(uri, "mailto:", 7) != 0)
		abort();
	for (size_t i = 7; i < n; i++) {
		char c = uri[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~:@?&=", c) != NULL)
			continue;
		if (c == '%' && i + 2 < n && hexdig(uri[i + 1]) &&
		    hexdig(uri[i + 2])) {
			i += 2;
			continue;
		}
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts p;
	char *uri;

	fuzz_split(data, size, '\0', 3, &p);
	uri = mailto_uri(p.part[0], p.n > 1 ? p.part[1] : NULL,
	    p.n > 2 ? p.part[2] : NULL);
	if (uri != NULL) {
		check_uri(uri);
		free(uri);
	}
	/* The usual shape: our address, hostile subject and body. */
	uri = mailto_uri("bestellung@exempla.test", p.part[0], p.part[1]);
	if (uri != NULL) {
		check_uri(uri);
		free(uri);
	}
	fuzz_parts_free(&p);
	return 0;
}
