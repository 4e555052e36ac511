/* SPDX-License-Identifier: MIT */
/*
 * token - approval tokens: random, hashed with SHA-256 before they are
 * stored, compared in constant time (see token.h).
 *
 * The randomness comes from the kernel (getrandom via so_random), never
 * from rand() or the clock.  Hashing uses nettle, which the daemon links
 * anyway for TLS.  It does not use a salt or a slow hash: a token has 128
 * random bits, so there is nothing for a dictionary attack to guess.
 */
#include <string.h>

#include <nettle/memops.h>
#include <nettle/sha2.h>

#include "token.h"
#include "util.h"

int
token_from_bytes(const unsigned char bytes[TOKEN_BYTES],
    char out[TOKEN_LEN + 1])
{
	hex_encode(bytes, TOKEN_BYTES, out);
	for (size_t i = 0; i < TOKEN_LEN; i++)
		if (out[i] >= '0' && out[i] <= '9')
			return 1;
	return 0;
}

void
token_new(char out[TOKEN_LEN + 1])
{
	unsigned char bytes[TOKEN_BYTES];

	/* All 32 nibbles in a-f has probability (6/16)^32, about 2e-14. */
	do {
		so_random(bytes, sizeof(bytes));
	} while (!token_from_bytes(bytes, out));
}

void
token_hash(const char *token, char out[TOKEN_HASH_LEN + 1])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	uint8_t chunk[64];
	size_t n = 0;

	sha256_init(&ctx);
	for (const char *p = token; *p != '\0'; p++) {
		char c = *p;

		chunk[n++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		if (n == sizeof(chunk)) {
			sha256_update(&ctx, n, chunk);
			n = 0;
		}
	}
	sha256_update(&ctx, n, chunk);
	sha256_digest(&ctx, sizeof(digest), digest);
	hex_encode(digest, sizeof(digest), out);
}

int
token_hash_equal(const char *a_hex, const char *b_hex)
{
	if (a_hex == NULL || b_hex == NULL ||
	    strnlen(a_hex, TOKEN_HASH_LEN + 1) != TOKEN_HASH_LEN ||
	    strnlen(b_hex, TOKEN_HASH_LEN + 1) != TOKEN_HASH_LEN)
		return 0;
	return memeql_sec(a_hex, b_hex, TOKEN_HASH_LEN) ? 1 : 0;
}

int
token_well_formed(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (i == TOKEN_LEN)
			return 0;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F')))
			return 0;
	}
	return i == TOKEN_LEN;
}
