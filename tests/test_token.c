/* SPDX-License-Identifier: MIT */
/*
 * test_token - tests for daemon/token.c: 10,000 fresh tokens are unique,
 * well-formed, lower-case and contain a digit, their nibbles look uniform;
 * the digit rule on fixed bytes; SHA-256 against known vectors (also
 * across nettle's 64-byte block boundary and for upper-case input); hash
 * equality rows; a well-formedness table with rows that must fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "token.h"
#include "util.h"

#define NTOKENS 10000

static int
cmp_token(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_token_new(void **state)
{
	char (*tok)[TOKEN_LEN + 1] = xcalloc(NTOKENS, sizeof(*tok));
	size_t count[16] = { 0 };

	(void)state;
	for (size_t i = 0; i < NTOKENS; i++) {
		token_new(tok[i]);
		assert_int_equal(strlen(tok[i]), TOKEN_LEN);
		assert_true(token_well_formed(tok[i]));
		assert_true(strpbrk(tok[i], "0123456789") != NULL);
		for (size_t k = 0; k < TOKEN_LEN; k++) {
			const char *d = strchr("0123456789abcdef", tok[i][k]);

			if (d == NULL || tok[i][k] == '\0')
				fail_msg("token %s: not lower-case hex", tok[i]);
			count[d - "0123456789abcdef"]++;
		}
	}
	qsort(tok, NTOKENS, sizeof(*tok), cmp_token);
	for (size_t i = 1; i < NTOKENS; i++)
		if (strcmp(tok[i - 1], tok[i]) == 0)
			fail_msg("token %s drawn twice", tok[i]);
	/*
	 * 320,000 nibbles, 20,000 expected per value, standard deviation
	 * about 137: 5 % off is 7 deviations, so this only fails for a
	 * broken generator (e.g. half of the bytes constant).
	 */
	for (size_t v = 0; v < 16; v++)
		if (count[v] < 19000 || count[v] > 21000)
			fail_msg("hex digit %zx seen %zu times", v, count[v]);
	free(tok);
}

static void
test_token_from_bytes(void **state)
{
	unsigned char b[TOKEN_BYTES];
	char out[TOKEN_LEN + 1];

	(void)state;
	for (size_t i = 0; i < TOKEN_BYTES; i++)
		b[i] = (unsigned char)(i * 0x11);
	assert_int_equal(token_from_bytes(b, out), 1);
	assert_string_equal(out, "00112233445566778899aabbccddeeff");

	/* No digit at all: must be drawn again. */
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(token_from_bytes(b, out), 0);
	assert_string_equal(out, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	memset(b, 0xfe, sizeof(b));
	assert_int_equal(token_from_bytes(b, out), 0);

	/* One digit anywhere is enough, also in the last nibble. */
	b[TOKEN_BYTES - 1] = 0xe9;
	assert_int_equal(token_from_bytes(b, out), 1);
	assert_string_equal(out, "fefefefefefefefefefefefefefefee9");
	memset(b, 0xab, sizeof(b));
	b[0] = 0x0b;
	assert_int_equal(token_from_bytes(b, out), 1);
	assert_string_equal(out, "0bababababababababababababababab");
}

#define DIGITS130 \
	"0123456789012345678901234567890123456789012345678901234567890123456789" \
	"012345678901234567890123456789012345678901234567890123456789"

static const struct {
	const char *in;
	size_t len;             /* prefix of in to hash; 0: all of it */
	const char *sha256;
} hash_cases[] = {
	{ "abc", 0,
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "ABC", 0,     /* hashed in lower case */
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "aBc", 0,
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "", 0,
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "0a1b2c3d4e5f60718293a4b5c6d7e8f9", 0,
	  "435cdbd557a00db74aad01efa3c83ef79fb0ff6e7cd49b9bee040ac6413e6a06" },
	{ "0A1B2C3D4E5F60718293A4B5C6D7E8F9", 0,
	  "435cdbd557a00db74aad01efa3c83ef79fb0ff6e7cd49b9bee040ac6413e6a06" },
	{ DIGITS130, 63,
	  "074f6e9ac301d5d1b6df6f1dfb8c6f89c187ea945d352ce6a29279a9c630680b" },
	{ DIGITS130, 64,
	  "9674d9e078535b7cec43284387a6ee39956188e735a85452b0050b55341cda56" },
	{ DIGITS130, 65,
	  "52774b57c10e45040a61c14d35c1c8ebefe880082313aa0a21ebb077734cd067" },
	{ DIGITS130, 128,
	  "916e19992e7f9b1e8d9267c3324616dac8f4199419c6e4ebf68fda985f4b64ea" },
	{ DIGITS130, 129,
	  "5fd5d92c21a0c695de143dcca8e43b297c7afe9610c7b78f28fbc5e3587fc6a9" },
};

static void
test_token_hash(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(hash_cases); i++) {
		char out[TOKEN_HASH_LEN + 1];
		char *in = hash_cases[i].len ?
		    xstrndup(hash_cases[i].in, hash_cases[i].len) :
		    xstrdup(hash_cases[i].in);

		memset(out, 'X', sizeof(out));
		token_hash(in, out);
		if (strcmp(out, hash_cases[i].sha256) != 0)
			fail_msg("row %zu: got %s, expected %s", i, out,
			    hash_cases[i].sha256);
		free(in);
	}
}

#define H_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define H_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const struct {
	const char *a, *b;
	int equal;
} equal_cases[] = {
	{ H_ABC, H_ABC, 1 },
	{ H_EMPTY, H_EMPTY, 1 },
	{ H_ABC, H_EMPTY, 0 },
	/* differ only in the first or only in the last character */
	{ H_ABC, "ca7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 0 },
	{ H_ABC, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ae", 0 },
	/* case matters: hashes are always lower-case */
	{ H_ABC, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", 0 },
	/* length mismatch, even when one is a prefix of the other */
	{ H_ABC, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", 0 },
	{ "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", H_ABC, 0 },
	{ H_ABC, H_ABC "0", 0 },
	{ H_ABC "0", H_ABC "0", 0 },    /* equal, but not hashes */
	{ "abc", "abc", 0 },
	{ "", "", 0 },
	{ H_ABC, "", 0 },
	{ NULL, H_ABC, 0 },
	{ H_ABC, NULL, 0 },
	{ NULL, NULL, 0 },
};

static void
test_token_hash_equal(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(equal_cases); i++)
		if (token_hash_equal(equal_cases[i].a, equal_cases[i].b) !=
		    equal_cases[i].equal)
			fail_msg("row %zu: expected %d", i, equal_cases[i].equal);
}

/* What the daemon does: store the hash of a new token, check a reply. */
static void
test_token_flow(void **state)
{
	char tok[TOKEN_LEN + 1], other[TOKEN_LEN + 1];
	char stored[TOKEN_HASH_LEN + 1], got[TOKEN_HASH_LEN + 1];

	(void)state;
	token_new(tok);
	token_hash(tok, stored);
	assert_int_equal(strlen(stored), TOKEN_HASH_LEN);
	assert_true(strcmp(stored, tok) != 0);

	token_hash(tok, got);
	assert_true(token_hash_equal(stored, got));
	for (char *p = tok; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	token_hash(tok, got);
	assert_true(token_hash_equal(stored, got));

	token_new(other);
	token_hash(other, got);
	assert_false(token_hash_equal(stored, got));
}

static const struct {
	const char *s;
	int ok;
} wf_cases[] = {
	{ "0a1b2c3d4e5f60718293a4b5c6d7e8f9", 1 },
	{ "00000000000000000000000000000000", 1 },
	{ "abcdefabcdefabcdefabcdefabcdefab", 1 },   /* no digit: still hex */
	{ "0A1B2C3D4E5F60718293A4B5C6D7E8F9", 1 },
	{ "0a1B2c3D4e5F60718293a4B5c6D7e8F9", 1 },
	/* must fail */
	{ NULL, 0 },
	{ "", 0 },
	{ "0a1b2c3d4e5f60718293a4b5c6d7e8f", 0 },    /* 31 */
	{ "0a1b2c3d4e5f60718293a4b5c6d7e8f90", 0 },  /* 33 */
	{ "0a1b2c3d4e5f60718293a4b5c6d7e8fg", 0 },
	{ "0a1b2c3d4e5f60718293a4b5c6d7e8fG", 0 },
	{ " 0a1b2c3d4e5f60718293a4b5c6d7e8f", 0 },
	{ "0a1b2c3d4e5f60718293a4b5c6d7e8f ", 0 },
	{ "0a1b2c3d4e5f6071-293a4b5c6d7e8f9", 0 },
	{ "[0a1b2c3d4e5f60718293a4b5c6d7e8]", 0 },
	{ "0a1b2c3d4e5f60718293a4b5c6d7e8f\n", 0 },
	{ "0a1b2c3d4e5f60718293a4b5c6d7e8\xc3\xa4", 0 },
	{ "0x1b2c3d4e5f60718293a4b5c6d7e8f9", 0 },
	{ H_ABC, 0 },
};

static void
test_token_well_formed(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(wf_cases); i++)
		if (token_well_formed(wf_cases[i].s) != wf_cases[i].ok)
			fail_msg("row %zu (%s): expected %d", i,
			    wf_cases[i].s ? wf_cases[i].s : "NULL",
			    wf_cases[i].ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_new),
		cmocka_unit_test(test_token_from_bytes),
		cmocka_unit_test(test_token_hash),
		cmocka_unit_test(test_token_hash_equal),
		cmocka_unit_test(test_token_flow),
		cmocka_unit_test(test_token_well_formed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
