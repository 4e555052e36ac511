/* SPDX-License-Identifier: MIT */
/*
 * migrations - the schema, as an ordered list of SQL scripts.  Entry N
 * brings the database from user_version N to N+1.  Never edit a published
 * migration; add a new one.
 */
#ifndef SO_MIGRATIONS_H
#define SO_MIGRATIONS_H

#include <stddef.h>

extern const char *const migrations[];
extern const size_t migrations_count;

#endif
