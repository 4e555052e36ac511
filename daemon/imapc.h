/* SPDX-License-Identifier: MIT */
/*
 * imapc - the few IMAP operations intake needs, on top of libetpan.
 *
 * One connection to the mailbox named in [imap] url.  Messages are read with
 * BODY.PEEK so that reading never changes a flag; they leave the inbox only
 * by imapc_move() (MOVE, or COPY + \Deleted + UID EXPUNGE of that one UID
 * where the server lacks MOVE), never by a plain EXPUNGE.
 *
 * imaps:// connections verify the server certificate against the system
 * trust store (or [imap] ca_file) and the host name, and send SNI; a
 * certificate that does not verify ends the connection.
 *
 * All functions return -1 on a protocol or connection error, after which
 * the connection is unusable and must be closed; the message is logged.
 */
#ifndef SO_IMAPC_H
#define SO_IMAPC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct imapc;

struct imapc_msg {
	uint32_t uid;
	uint32_t size;          /* RFC822.SIZE */
	int deleted;            /* has \Deleted (left by a COPY fallback) */
};

/* Connect, log in, create the processed and failed folders if missing, select the inbox. */
int imapc_open(const struct config *cfg, struct imapc **c_r);
void imapc_close(struct imapc *c);

uint32_t imapc_uidvalidity(struct imapc *c);

/* UIDs and sizes of all messages in the inbox, ascending.  Caller frees *msgs_r. */
int imapc_list(struct imapc *c, struct imapc_msg **msgs_r, size_t *n_r);

/*
 * The whole message (header_only: its header) with BODY.PEEK, and its
 * INTERNALDATE (delivery time, 0 if unknown) into *arrived_r unless NULL.
 * Caller frees.
 */
int imapc_fetch(struct imapc *c, uint32_t uid, int header_only, char **data_r,
    size_t *len_r, int64_t *arrived_r);

/*
 * The whole messages uids[0..n) with one UID FETCH BODY.PEEK[]: data_r[i]
 * and len_r[i] (caller frees each data_r[i]); a message that vanished
 * meanwhile gets "" and 0.
 */
int imapc_fetch_many(struct imapc *c, const uint32_t *uids, size_t n,
    char **data_r, size_t *len_r, int64_t *arrived_r);

/*
 * Move several messages to folder with one command (UID MOVE of a set,
 * or the COPY fallback); same results as imapc_move().
 */
int imapc_move_many(struct imapc *c, const uint32_t *uids, size_t n,
    const char *folder);

/*
 * A UID MOVE sent without waiting for its answer, so that the server moves
 * while the caller works.  imapc_move_finish() reads the answer; any other
 * command reads it first (and keeps its result).  1 when the move cannot be
 * started this way (no MOVE extension, a folder name needing a literal):
 * use imapc_move_many().  0 started, -1 on a connection error.
 */
int imapc_move_start(struct imapc *c, const uint32_t *uids, size_t n,
    const char *folder);

/* The result of the started move: as imapc_move(); 0 if none was started. */
int imapc_move_finish(struct imapc *c);

/*
 * Move one message from the inbox to folder.  -1 on a connection error;
 * -2 when the server refused (NO/BAD: quota, missing folder), after which
 * the connection is still usable.
 */
int imapc_move(struct imapc *c, uint32_t uid, const char *folder);

/*
 * Wait for new mail: IMAP IDLE if the server has it and [imap] idle is on,
 * else sleep.  Returns after timeout seconds, when the server reports a
 * change, or when *stop becomes non-zero.  Signals are delivered only
 * during the wait: it runs with waitmask (the caller blocks them otherwise,
 * so that no IMAP read is ever interrupted).  0 on a normal return, -1 on a
 * connection error.
 */
int imapc_wait(struct imapc *c, int timeout, volatile sig_atomic_t *stop,
    const sigset_t *waitmask);

/* Sleep up to seconds, interruptible by signals unblocked in waitmask. */
void imapc_sleep(int seconds, volatile sig_atomic_t *stop,
    const sigset_t *waitmask);

/* Parse an imap[s]://host[:port][/mailbox] URL.  -1 if malformed.  Caller frees host and mailbox. */
int imapc_parse_url(const char *url, int *tls_r, char **host_r, uint16_t *port_r,
    char **mailbox_r);

#endif
