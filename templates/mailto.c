/* SPDX-License-Identifier: MIT */
/*
 * mailto - RFC 6068 mailto: URIs for the approve and reject links (see
 * mailto.h).
 *
 * The encoding is deliberately the most conservative one RFC 6068 allows:
 * everything but RFC 3986 "unreserved" is percent-encoded, even where a
 * character would be legal as it is.  Mail clients disagree about '+',
 * '&' and '=' inside values and some decode '+' as a space; a URI made
 * only of unreserved characters and %XX means the same to all of them.
 * The address is checked rather than repaired: a link that would send the
 * decision to a different mailbox must not be produced at all.
 *
 * It does not check that the address exists or belongs to the approver.
 */
#include <stdlib.h>
#include <string.h>

#include "mailto.h"
#include "util.h"

#define ADDR_LOCAL_MAX 64
#define ADDR_MAX 254

static int
c_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
c_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* RFC 3986 unreserved. */
static int
c_unreserved(int c)
{
	return c_alpha(c) || c_digit(c) || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* RFC 5322 atext. */
static int
c_atext(int c)
{
	return c_alpha(c) || c_digit(c) || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * A dot-atom: one or more runs of chars accepted by ok(), separated by
 * single dots, no dot at either end.
 */
static int
dot_atom_valid(const char *s, size_t len, int (*ok)(int))
{
	int prev_dot = 1;       /* a leading dot is as bad as a double one */

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (prev_dot)
				return 0;
			prev_dot = 1;
		} else if (ok(c)) {
			prev_dot = 0;
		} else {
			return 0;
		}
	}
	return !prev_dot;
}

static int
c_hostchar(int c)
{
	return c_alpha(c) || c_digit(c) || c == '-';
}

static int
addr_valid(const char *addr)
{
	const char *at;
	size_t len, local_len;

	if (addr == NULL)
		return 0;
	len = strlen(addr);
	at = strchr(addr, '@');
	if (len > ADDR_MAX || at == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	local_len = (size_t)(at - addr);
	if (local_len > ADDR_LOCAL_MAX ||
	    !dot_atom_valid(addr, local_len, c_atext))
		return 0;
	/* Host name labels may not start or end with a hyphen (RFC 1123). */
	for (const char *p = at + 1; *p != '\0'; p++)
		if (*p == '-' && (p[-1] == '.' || p[-1] == '@' ||
		    p[1] == '.' || p[1] == '\0'))
			return 0;
	return dot_atom_valid(at + 1, len - local_len - 1, c_hostchar);
}

static int
subject_valid(const char *s)
{
	size_t len = strlen(s);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return utf8_valid(s, len);
}

static int
put_pct(struct buf *b, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3] = { '%', hex[c >> 4], hex[c & 0x0f] };

	return buf_append(b, e, sizeof(e));
}

/* Percent-encode s; keep is a byte written as it is besides unreserved. */
static int
put_encoded(struct buf *b, const char *s, int keep)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		int rc;

		if (c_unreserved(c) || (keep != '\0' && c == keep))
			rc = buf_putc(b, (char)c);
		else
			rc = put_pct(b, c);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Like put_encoded(), but every kind of line break becomes %0D%0A. */
static int
put_body(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		int rc;

		if (c == '\r' || c == '\n') {
			if (c == '\r' && s[1] == '\n')
				s++;
			rc = buf_puts(b, "%0D%0A");
		} else if (c_unreserved(c)) {
			rc = buf_putc(b, (char)c);
		} else {
			rc = put_pct(b, c);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

char *
mailto_uri(const char *addr, const char *subject, const char *body)
{
	struct buf b;
	int have_subject = subject != NULL && *subject != '\0';
	int have_body = body != NULL && *body != '\0';
	int rc;

	if (!addr_valid(addr))
		return NULL;
	if (have_subject && !subject_valid(subject))
		return NULL;
	if (have_body && !utf8_valid(body, strlen(body)))
		return NULL;

	buf_init(&b, MAILTO_URI_MAX);
	rc = buf_puts(&b, "mailto:");
	if (rc == 0)
		rc = put_encoded(&b, addr, '@');
	if (rc == 0 && have_subject) {
		rc = buf_puts(&b, "?subject=");
		if (rc == 0)
			rc = put_encoded(&b, subject, '\0');
	}
	if (rc == 0 && have_body) {
		rc = buf_puts(&b, have_subject ? "&body=" : "?body=");
		if (rc == 0)
			rc = put_body(&b, body);
	}
	if (rc != 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}
