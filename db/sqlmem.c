/* SPDX-License-Identifier: MIT */
/*
 * sqlmem - SQLite's memory allocator: the C library's malloc, with a free
 * list per size class for small blocks.  See sqlmem.h.
 *
 * Every block carries its size class in an 8-byte header (SQLite asks for
 * the size of its blocks).  Blocks up to SQLMEM_SMALL bytes are rounded up
 * to a multiple of SQLMEM_STEP and, when freed, kept on their class's list
 * for the next allocation of that class, up to SQLMEM_KEEP bytes in all;
 * larger blocks and whatever exceeds the cap go back to malloc.  There is
 * no locking: store.c puts SQLite into single-thread mode with it.
 */
#include <sys/mman.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sqlmem.h"

#define SQLMEM_STEP 64
#define SQLMEM_SMALL 1152               /* a 1 KiB journal chunk fits */
#define SQLMEM_CLASSES (SQLMEM_SMALL / SQLMEM_STEP)
#define SQLMEM_KEEP (2 * 1024 * 1024)
#define SQLMEM_HDR 8

struct freeblock {
	struct freeblock *next;
};

static struct freeblock *freelist[SQLMEM_CLASSES];
static size_t kept;                     /* bytes on the free lists */

/* Class 0..SQLMEM_CLASSES-1 of a request, or SQLMEM_CLASSES if large. */
static size_t
class_of(size_t n)
{
	if (n == 0)
		n = 1;
	if (n > SQLMEM_SMALL)
		return SQLMEM_CLASSES;
	return (n - 1) / SQLMEM_STEP;
}

static size_t
class_size(size_t c)
{
	return (c + 1) * SQLMEM_STEP;
}

static int
roundup(int n)
{
	size_t c = class_of((size_t)n);

	if (n < 0 || c == SQLMEM_CLASSES)
		return n < 0 ? 0 : (n + 7) & ~7;
	return (int)class_size(c);
}

static void *
mem_malloc(int n)
{
	size_t size, c;
	unsigned char *p;

	if (n <= 0 || n > 0x7fff0000)
		return NULL;
	c = class_of((size_t)n);
	if (c < SQLMEM_CLASSES && freelist[c] != NULL) {
		struct freeblock *b = freelist[c];

		freelist[c] = b->next;
		kept -= class_size(c);
		return b;
	}
	size = c < SQLMEM_CLASSES ? class_size(c) : (size_t)roundup(n);
	p = malloc(SQLMEM_HDR + size);
	if (p == NULL)
		return NULL;
	memcpy(p, &(uint64_t){ size }, sizeof(uint64_t));
	return p + SQLMEM_HDR;
}

static int
mem_size(void *p)
{
	uint64_t size;

	if (p == NULL)
		return 0;
	memcpy(&size, (unsigned char *)p - SQLMEM_HDR, sizeof(size));
	return (int)size;
}

static void
mem_free(void *p)
{
	size_t size, c;

	if (p == NULL)
		return;
	size = (size_t)mem_size(p);
	c = class_of(size);
	if (c < SQLMEM_CLASSES && class_size(c) == size &&
	    kept + size <= SQLMEM_KEEP) {
		struct freeblock *b = p;

		b->next = freelist[c];
		freelist[c] = b;
		kept += size;
		return;
	}
	free((unsigned char *)p - SQLMEM_HDR);
}

static void *
mem_realloc(void *p, int n)
{
	void *q;
	int old;

	if (p == NULL)
		return mem_malloc(n);
	if (n <= 0) {
		mem_free(p);
		return NULL;
	}
	old = mem_size(p);
	if (n <= old && roundup(n) == old)
		return p;
	q = mem_malloc(n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, (size_t)(old < n ? old : n));
	mem_free(p);
	return q;
}

static int
mem_init(void *arg)
{
	(void)arg;
	return SQLITE_OK;
}

static void
mem_shutdown(void *arg)
{
	(void)arg;
	for (size_t c = 0; c < SQLMEM_CLASSES; c++)
		while (freelist[c] != NULL) {
			struct freeblock *b = freelist[c];

			freelist[c] = b->next;
			free((unsigned char *)b - SQLMEM_HDR);
		}
	kept = 0;
}

int
sqlmem_install(void)
{
	static const sqlite3_mem_methods methods = {
		mem_malloc, mem_free, mem_realloc, mem_size, roundup,
		mem_init, mem_shutdown, NULL
	};

	return sqlite3_config(SQLITE_CONFIG_MALLOC, &methods) == SQLITE_OK ?
	    0 : -1;
}

static void *pc_buf;
static size_t pc_len;

void
sqlmem_pagecache_region(void **p_r, size_t *len_r)
{
	*p_r = pc_buf;
	*len_r = pc_len;
}

int
sqlmem_pagecache(int pages)
{
	int hdr = 0;
	size_t slot, len;
	void *buf;

	if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &hdr) != SQLITE_OK ||
	    pages <= 0)
		return -1;
	slot = ((size_t)4096 + (size_t)hdr + 7) & ~(size_t)7;
	len = slot * (size_t)pages;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (buf == MAP_FAILED)
		return -1;
	if (madvise(buf, len, MADV_DONTFORK) == -1 ||
	    sqlite3_config(SQLITE_CONFIG_PAGECACHE, buf, (int)slot,
	    pages) != SQLITE_OK) {
		munmap(buf, len);
		return -1;
	}
	pc_buf = buf;
	pc_len = len;
	return 0;
}

size_t
sqlmem_kept(void)
{
	return kept;
}
