/* SPDX-License-Identifier: MIT */
/*
 * health - operational facts.  See health.h.
 */
#include <stdlib.h>

#include "health.h"

int
health_set(struct store *st, const char *key, int64_t at, int64_t value,
    const char *detail)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO health (key, at, value, "
	    "detail) VALUES (?,?,?,?) ON CONFLICT (key) DO UPDATE SET "
	    "at = excluded.at, value = excluded.value, detail = excluded.detail");

	store_bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_int64(s, 3, value);
	store_bind_text(s, 4, detail);
	return store_step_done(st, s);
}

int
health_get(struct store *st, const char *key, int64_t *at_r, int64_t *value_r,
    char **detail_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT at, value, detail FROM health "
	    "WHERE key = ?");
	int rc;

	store_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*at_r = sqlite3_column_int64(s, 0);
		*value_r = sqlite3_column_int64(s, 1);
		if (detail_r)
			*detail_r = store_col_text(s, 2);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
