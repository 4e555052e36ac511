/* SPDX-License-Identifier: MIT */
/*
 * formprofile - the form profile: which labels mean which form field, how a
 * label line, the start of the positions table, a positions row and the OE
 * code look.  PCRE2 patterns an administrator can change without
 * recompiling, loaded from INI text (form_profile_load(), declared in
 * form.h with the rest of the profile's life cycle), and run here with the
 * profile's match and depth limit.
 *
 * The built-in profile is INI text read by the same code as a profile file,
 * so the default and an administrator's copy cannot drift apart in meaning.
 *
 * It does not read forms: the readers (formtext, formhtml, form) ask it
 * whether a line matches and what a named group holds.  PCRE2 stays behind
 * this interface.
 */
#ifndef SO_FORMPROFILE_H
#define SO_FORMPROFILE_H

#include "form.h"

/* The line patterns of a profile ([patterns] in the INI text). */
enum formprofile_pattern {
	FP_LABEL_LINE,          /* groups label, value */
	FP_POSITIONS_START,     /* may be absent: positions rows anywhere */
	FP_POSITION_ROW,        /* groups pos, menge, artikelnr, ... */
	FP_OE_CODE,             /* group code */
	FP_COUNT
};

/* Match data for one profile; not to be shared between threads. */
struct formprofile_matcher;

/*
 * A matcher for p, which must outlive it.  Never NULL (aborts on out of
 * memory).  Free with formprofile_matcher_free().
 */
struct formprofile_matcher *formprofile_matcher_new(
    const struct form_profile *p);
void formprofile_matcher_free(struct formprofile_matcher *m);

/* 1 if the profile has pattern pat (only FP_POSITIONS_START may lack). */
int formprofile_has(const struct formprofile_matcher *m,
    enum formprofile_pattern pat);

/*
 * 1 if pattern pat matches s, else 0.  A match that hits the match or depth
 * limit counts as no match, and so does s that is not valid UTF-8.
 */
int formprofile_match(struct formprofile_matcher *m,
    enum formprofile_pattern pat, const char *s);

/*
 * The trimmed text of the group called name in the last successful
 * formprofile_match() of pat on s (the same s); "" if the pattern has no
 * such group or it did not take part.  Caller frees.
 */
char *formprofile_group(const struct formprofile_matcher *m,
    enum formprofile_pattern pat, const char *name, const char *s);

/*
 * The form field whose [labels] pattern matches label (trimmed, trailing
 * ':' and spaces removed, as HTML label cells often end in ':'), or -1.
 */
int formprofile_label_field(struct formprofile_matcher *m, const char *label);

#endif
