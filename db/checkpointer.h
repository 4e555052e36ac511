/* SPDX-License-Identifier: MIT */
/*
 * checkpointer - a helper process that copies the WAL back into the
 * database while the daemon goes on writing.
 *
 * In WAL mode a commit appends its pages to the -wal file.  SQLite copies
 * them into the database (a checkpoint) once the WAL has 1000 pages, inside
 * the commit that crossed the mark: thousands of page reads and writes and
 * two fsyncs while the next batch of mail waits, a twentieth of intake.
 * A checkpoint may run on another connection while the writer goes on
 * (SQLITE_CHECKPOINT_PASSIVE), so a child process runs it, and the writer
 * only tells it that there is work.  Should the child be gone, or be far
 * behind, the writer checkpoints in its commits again, as SQLite does.
 *
 * The child opens its own connection.  It must be started before the
 * process opens the database with store_open(): SQLite keeps one record
 * per database file of the locks its connections hold, which a child
 * forked later would inherit without the locks; and store_open() gives
 * SQLite page cache memory that forked children do not get (sqlmem.h).
 * It leaves signals to the daemon and ends when the daemon closes its end
 * (or exits).
 */
#ifndef SO_CHECKPOINTER_H
#define SO_CHECKPOINTER_H

#include <sqlite3.h>
#include <sys/types.h>

struct checkpointer;

/* The WAL size (pages) at which the child is asked to checkpoint. */
#define CHECKPOINT_PAGES 1000
/* ... and at which the writer does it itself: the child is stuck. */
#define CHECKPOINT_PAGES_INLINE 16000

/* Start the child for the database at path; NULL if it could not start
 * (logged), and SQLite checkpoints as it always does. */
struct checkpointer *checkpointer_start(const char *path);

/* Let db's commits ask cp for checkpoints (replaces SQLite's own). */
void checkpointer_attach(struct checkpointer *cp, sqlite3 *db);

/*
 * End the child after its last checkpoint, and wait for it (a minute at
 * most, then it is killed).  Close the attached connection first: the last
 * connection to close checkpoints the rest and removes the WAL.  NULL is
 * fine.
 */
void checkpointer_stop(struct checkpointer *cp);

/* For tests: the child's pid (0 once it is known gone), and how many
 * checkpoints the writer ran itself. */
pid_t checkpointer_pid(const struct checkpointer *cp);
unsigned checkpointer_inline_count(const struct checkpointer *cp);

#endif
