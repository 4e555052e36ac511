/* SPDX-License-Identifier: MIT */
/*
 * mailto - build the mailto: URIs (RFC 6068) of the approve and reject
 * links in approval mails.  Pure: strings in, one URI string out.
 *
 * It does not decide what the subject or body say (the templates do), and
 * it does not wrap the URI for a mail body; a URI longer than a line must be
 * placed by the caller where a client will still recognise it.
 */
#ifndef SO_MAILTO_H
#define SO_MAILTO_H

/* Upper bound for the length of a URI returned by mailto_uri(). */
#define MAILTO_URI_MAX (64 * 1024)

/*
 * The URI "mailto:ADDR[?subject=S][&body=B]".  Caller frees.
 *
 * Every byte outside RFC 3986 "unreserved" (ALPHA DIGIT - . _ ~) is written
 * as %XX with upper-case hex, in the address as well (apart from its one
 * '@'), in the subject and in the body: space is %20 (never '+'), UTF-8 is
 * encoded byte by byte, and '&', '=', '?', '#', '%' and '+' never appear
 * literally.  So the URI contains only unreserved characters, '%', ':',
 * '@', '?', '&' and '='.
 *
 * addr must be a plain addr-spec "local@domain": the local part a dot-atom
 * of RFC 5322 atext (no quoted string, no comment, no display name, no
 * angle brackets, no list), at most 64 bytes; the domain a dot-separated
 * host name of ASCII letters, digits and '-' (an internationalised domain
 * must be given in its xn-- form); the whole at most 254 bytes.
 *
 * subject and body may be NULL or "" (then the field is left out).  Both
 * must be valid UTF-8.  The subject must not contain control characters
 * (CR and LF included): a line break in a header field invites header
 * injection in careless clients.  In the body every line break (CRLF, a
 * lone LF or a lone CR) is written as %0D%0A, as RFC 6068 section 5
 * requires; other control characters are encoded like any other byte.
 *
 * Returns NULL if addr is not a plain addr-spec, if subject or body break
 * the rules above, or if the URI would be longer than MAILTO_URI_MAX.
 */
char *mailto_uri(const char *addr, const char *subject, const char *body);

#endif
