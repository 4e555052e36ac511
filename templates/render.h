/* SPDX-License-Identifier: MIT */
/*
 * render - fill mail templates.  A small logic-less subset of Mustache:
 *
 *   {{name}}              the value of name (looked up in the current item,
 *                         then its parents); missing = empty
 *   {{#name}}...{{/name}} a list: the block once per item; a value: the
 *                         block once if the value is non-empty
 *   {{^name}}...{{/name}} the block if name is missing, empty or an empty list
 *   {{! comment }}        nothing
 *
 * Values are inserted verbatim (plain-text mails: nothing to escape), but a
 * value can never add template syntax: the output is not rendered again.
 * A value that is not valid UTF-8 is stored with each bad byte replaced by
 * U+FFFD, so a valid UTF-8 template always renders to valid UTF-8.
 * A standalone section tag line ("{{#x}}" alone on a line) leaves no empty
 * line behind.
 *
 * A template file is "Subject: <subject template>\n\n<body template>".
 * render_mail() reads DIR/LANG/NAME.txt.
 *
 * Memory: a struct tvars owns copies of all keys and values and all items
 * added to it; tvars_free() on the root frees everything.  (A value set
 * again keeps its old copy until then: a tvars is for one mail or one
 * document, not for a loop without end.)
 */
#ifndef SO_RENDER_H
#define SO_RENDER_H

#include "util.h"

struct tvars;

struct tvars *tvars_new(void);
void tvars_free(struct tvars *v);
void tvars_set(struct tvars *v, const char *key, const char *value);  /* NULL value = "" */
void tvars_setf(struct tvars *v, const char *key, const char *fmt, ...) SO_ATTR_PRINTF(3, 4);
/* Append a new item to the list called key (created if needed) and return it (owned by v). */
struct tvars *tvars_add_item(struct tvars *v, const char *key);

/*
 * Render tmpl into out.  Returns 0, or -1 with *error_r (static) for a
 * syntax error ("line 3: unclosed section 'positions'") or output larger
 * than out's maximum.  Nesting of sections is limited to 16.
 */
int render_string(const char *tmpl, const struct tvars *v, struct buf *out,
    const char **error_r);

/*
 * Read DIR/LANG/NAME.txt (at most 256 KiB, valid UTF-8), split it into
 * subject and body templates, render both.  The subject is one line
 * without control characters (a value can not add a header), both are
 * valid UTF-8.  Returns 0 and *subject_r, *body_r (caller frees),
 * or -1 with *error_r ("templates/de/confirmation.txt: line 3: ...").
 */
int render_mail(const char *dir, const char *lang, const char *name,
    const struct tvars *v, char **subject_r, char **body_r, const char **error_r);

/*
 * render_mail() keeps each template file it read in memory, so a busy
 * intake does not read the same file for every mail.  Forget them all
 * (after a reload, so edited templates take effect).
 */
void render_cache_clear(void);

#endif
