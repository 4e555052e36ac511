/* SPDX-License-Identifier: MIT */
/*
 * json - a small strict JSON (RFC 8259) parser into a tree.  Pure, no I/O.
 * Limits nesting depth and the number of values; strings are returned as
 * UTF-8 with escapes (\uXXXX incl. surrogate pairs) decoded; a string
 * containing NUL is rejected.
 */
#ifndef SO_JSON_H
#define SO_JSON_H

#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	char *str;              /* JSON_STRING: value; JSON_NUMBER: the literal text */
	int boolean;
	struct json **items;    /* ARRAY items or OBJECT values */
	char **keys;            /* OBJECT keys, parallel to items */
	size_t n;
};

/* Returns 0 and *root_r (free with json_free) or -1 and *error_r (static, "message at offset N"). */
int json_parse(const char *data, size_t len, struct json **root_r, const char **error_r);
/*
 * Same as json_parse(); on failure it also gives the parts of the message:
 * *offset_r the byte offset (0-based) where reading stopped and *reason_de_r
 * a short German reason without the offset (static), for answers to a
 * sender.  offset_r and reason_de_r may be NULL.
 */
int json_parse_ex(const char *data, size_t len, struct json **root_r,
    const char **error_r, size_t *offset_r, const char **reason_de_r);
void json_free(struct json *j);
/* Member of an object by key, or NULL. */
const struct json *json_get(const struct json *obj, const char *key);

#endif
