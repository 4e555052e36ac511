/* SPDX-License-Identifier: MIT */
/*
 * sqlmem - the memory allocator that store.c gives SQLite.
 *
 * Debian's SQLite is built without lookaside memory (SQLITE_OMIT_LOOKASIDE),
 * so every cursor, record and in-memory journal chunk of every statement is
 * a malloc() and a free(): a fifth of intake's time went there.  sqlmem
 * keeps freed small blocks on a free list per size class, capped at 2 MiB,
 * and hands them out again.  Not thread-safe: only for SQLite in
 * single-thread mode.
 */
#ifndef SO_SQLMEM_H
#define SO_SQLMEM_H

#include <stddef.h>

/* Make SQLite use it: before SQLite's first use in the process.  0 or -1. */
int sqlmem_install(void);

/*
 * Give SQLite's page cache slots for this many pages of 4 KiB in memory
 * that a forked child does not get (MADV_DONTFORK): the daemon forks a
 * parser child for every batch of mail, and each page SQLite wrote after
 * such a fork was first copied for the child's sake (a page fault and 4 KiB
 * copied, about a thousand per batch).  Before SQLite's first use.  0 or
 * -1 (then SQLite allocates its pages as before).
 */
int sqlmem_pagecache(int pages);
/* Where those slots are (NULL if none), for tests. */
void sqlmem_pagecache_region(void **p_r, size_t *len_r);

/* Bytes kept on the free lists now (for tests). */
size_t sqlmem_kept(void);

#endif
