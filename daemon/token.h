/* SPDX-License-Identifier: MIT */
/*
 * token - the secret tokens of approval links.
 *
 * An approval mail carries a fresh token in the subject of its approve and
 * reject links; whoever replies with it decides.  The database stores only
 * the SHA-256 of a token, so a copy of the database cannot be used to
 * approve orders.  This module makes, hashes, compares and checks tokens;
 * it does not store them, expire them, or know which case they belong to.
 */
#ifndef SO_TOKEN_H
#define SO_TOKEN_H

#define TOKEN_BYTES 16                  /* 128 bits from the kernel */
#define TOKEN_LEN (TOKEN_BYTES * 2)     /* 32 hex characters */
#define TOKEN_HASH_LEN 64               /* SHA-256 as hex */

/*
 * A new token: TOKEN_LEN lower-case hex characters and a NUL, with at least
 * one digit 0-9 (the reply classifier only takes an unbracketed token that
 * contains a digit, so that an ordinary long word is never mistaken for
 * one).  Draws again until the digit is there; aborts if the kernel has no
 * randomness (see so_random()).
 */
void token_new(char out[TOKEN_LEN + 1]);

/*
 * The hex of TOKEN_BYTES bytes, lower-case, into out.  Returns 1 if the
 * result contains a digit and may be used as a token, 0 if it must be
 * drawn again.  token_new() is built on it; it is public for the tests.
 */
int token_from_bytes(const unsigned char bytes[TOKEN_BYTES],
    char out[TOKEN_LEN + 1]);

/*
 * SHA-256 of the token as TOKEN_HASH_LEN lower-case hex characters and a
 * NUL.  The token is hashed in ASCII lower case, so a token that a mail
 * client or a person upper-cased still matches: tokens are always made
 * lower-case, so this takes nothing away from their strength.
 */
void token_hash(const char *token, char out[TOKEN_HASH_LEN + 1]);

/*
 * 1 if a_hex and b_hex are both exactly TOKEN_HASH_LEN characters long and
 * equal byte for byte, else 0 (also for NULL).  The comparison of the
 * characters takes the same time wherever they differ, so the response
 * time does not tell an attacker how much of a guess was right.  Both are
 * expected to come from token_hash(), so the comparison is case-sensitive.
 */
int token_hash_equal(const char *a_hex, const char *b_hex);

/*
 * 1 if s is exactly TOKEN_LEN hex digits, else 0 (also for NULL).  Upper-
 * case A-F is accepted, see token_hash().  A digit is not required here:
 * that is the classifier's rule for tokens outside brackets.
 */
int token_well_formed(const char *s);

#endif
