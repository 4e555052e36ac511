/* SPDX-License-Identifier: MIT */
/*
 * authres - decide from the Authentication-Results header fields (RFC
 * 8601) whether our own mail server vouches for a mail's sender.  Pure:
 * header values in, a verdict out.
 *
 * Only a result recorded by our own server (its authserv-id) is believed:
 * anybody can write an Authentication-Results field into a mail before
 * sending it.  This module does not verify DKIM or DMARC itself, does not
 * compare the signing domain with the From address, and does not find or
 * unfold the header fields (the MIME parser does).
 */
#ifndef SO_AUTHRES_H
#define SO_AUTHRES_H

#include <stddef.h>

#define AUTHRES_MAX_FIELDS 100          /* more are a reason to refuse */
#define AUTHRES_MAX_VALUE (64 * 1024)   /* only so much of a value is read */

/*
 * values[0..n) are the unfolded values of all Authentication-Results
 * fields of the mail's top-level header.  Returns 1 if exactly one of them
 * has an authserv-id equal (ASCII case-insensitive) to authserv_id and
 * that one records "dkim=pass" or "dmarc=pass"; otherwise 0.
 *
 * Within a field, results are the "method=result" pairs at the start of
 * each ";"-separated resinfo: comments in parentheses (nested, with
 * quoted-pairs) and quoted strings are skipped, white space is allowed
 * around "=", a method version ("dkim/1=pass") is accepted, and names are
 * compared case-insensitively.  "dkim=passed", "xdkim=pass",
 * "header.b=pass", a "dkim=pass" inside a comment or a quoted string, or
 * in a property value ("reason=\"dkim=pass\"") do not count.
 * Fields claiming any other authserv-id are ignored.
 *
 * *why_r (if why_r is not NULL) is a static English sentence: on 0 one of
 *   "no Authentication-Results from <id>"
 *   "several Authentication-Results claim <id>"  (one of them is forged)
 *   "no dkim=pass or dmarc=pass"
 *   "more than 100 Authentication-Results fields"
 *   "no authserv-id configured"                  (authserv_id NULL or "")
 * and on 1 "dkim=pass" or "dmarc=pass", the result that was found first,
 * for the log.  <id> is authserv_id, cut to 100 bytes.  The text stays
 * valid until the next call.
 */
int authres_check(const char *const *values, size_t n,
    const char *authserv_id, const char **why_r);

/*
 * The same, but a pass counts only for from_domain, the domain of the
 * mail's From address: dmarc=pass with header.from, or dkim=pass with
 * header.d / header.i, equal to from_domain or a parent domain of it.  A
 * signature of some other domain proves nothing about the sender.  Any
 * dmarc=fail in our field refuses ("dmarc=fail").  On 0, *why_r may also
 * be "no dkim=pass or dmarc=pass for the sender's domain".
 */
int authres_check_from(const char *const *values, size_t n,
    const char *authserv_id, const char *from_domain, const char **why_r);

#endif
