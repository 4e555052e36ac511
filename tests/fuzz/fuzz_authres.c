/* SPDX-License-Identifier: MIT */
/*
 * fuzz_authres - authres_check_from() and authres_check() on hostile
 * Authentication-Results values: the input's first line is the domain of
 * the From address, every further line one unfolded header value (as the
 * MIME parser hands them over: no CR or LF inside a value).
 */
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "fuzz.h"

#define FUZZ_AUTHSERV_ID "mx.exempla.test"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *values[AUTHRES_MAX_FIELDS + 2];
	char *copy = fuzz_string(data, size), *p = copy, *domain, *line;
	const char *why = NULL;
	size_t n = 0;
	int a, b;

	domain = strsep(&p, "\n");
	while (p != NULL && (line = strsep(&p, "\n")) != NULL &&
	    n < SO_NELEM(values))
		values[n++] = line;

	a = authres_check_from(values, n, FUZZ_AUTHSERV_ID, domain, &why);
	if ((a != 0 && a != 1) || why == NULL)
		abort();
	b = authres_check(values, n, FUZZ_AUTHSERV_ID, &why);
	if ((b != 0 && b != 1) || why == NULL)
		abort();
	/* A pass for the sender's domain is a pass at all. */
	if (a == 1 && b == 0)
		abort();
	(void)authres_check_from(values, n, "", domain, NULL);
	free(copy);
	return 0;
}
