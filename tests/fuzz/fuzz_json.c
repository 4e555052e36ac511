/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json - json_parse_ex() on hostile bytes (a JSON attachment comes
 * straight from the mail).  A parsed tree is walked completely, and the
 * strings in it must be valid UTF-8 without NUL, as json.h promises.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"

static void
walk(const struct json *j, unsigned depth)
{
	if (depth > 10000)
		abort();
	switch (j->type) {
	case JSON_STRING:
	case JSON_NUMBER:
		if (j->str == NULL || !utf8_valid(j->str, strlen(j->str)))
			abort();
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < j->n; i++)
			if (j->keys[i] == NULL)
				abort();
		/* FALLTHROUGH */
	case JSON_ARRAY:
		for (size_t i = 0; i < j->n; i++)
			walk(j->items[i], depth + 1);
		break;
	case JSON_NULL:
	case JSON_BOOL:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json *root = NULL;
	const char *err = NULL, *reason = NULL;
	size_t off = 0;

	if (json_parse_ex((const char *)data, size, &root, &err, &off,
	    &reason) == -1) {
		if (err == NULL || reason == NULL || off > size)
			abort();
		return 0;
	}
	walk(root, 0);
	(void)json_get(root, "positionen");
	(void)json_get(root, "");
	json_free(root);
	return 0;
}
