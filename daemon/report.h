/* SPDX-License-Identifier: MIT */
/*
 * report - spending report for the finance department (Kämmerei): what was
 * released in a period, per Kostenstelle, OE or supplier, as CSV or as one
 * standalone HTML page with bar charts.
 *
 * The report only reads the database; it changes nothing and sends nothing.
 * It does not know about mail, templates or the order run, and it does not
 * choose the period: the caller turns the command line into [from, to).
 *
 * Definitions (the numbers finance reconciles against; keep them stable):
 *
 *   Release time of a case: the earliest history row that moved the case
 *   into 'freigegeben' (to_state = 'freigegeben' and from_state not
 *   'freigegeben').  Notes written while a case is freigegeben (from = to)
 *   never move the release time, and a case has at most one release time,
 *   so it is counted in exactly one period.
 *
 *   Counted case: its release time lies in [from, to) and its current state
 *   is freigegeben, bestellt or geliefert.  A case cancelled (storniert) or
 *   otherwise taken back after its release is not counted in any period,
 *   also not retroactively in a report printed before the cancellation
 *   (reports of the same period can therefore differ over time).
 *
 *   Spending: the sum of position.total_cents of all positions of counted
 *   cases (all positions of such a case, whatever their own state).
 *
 *   Groups, one row each, ordered by their code:
 *   - REPORT_BY_KOSTENSTELLE: vorgang.kostenstelle, label kostenstelle.
 *     bezeichnung.  Every Kostenstelle of the master data gets a row, also
 *     without spending; a code found only in cases gets a row labelled
 *     "(nicht in den Stammdaten)" without budget figures.
 *   - REPORT_BY_OE: the OE of the case (vorgang.oe), label oe.bezeichnung;
 *     only OEs with counted cases.
 *   - REPORT_BY_LIEFERANT: the supplier of each position (position.
 *     lieferant), label lieferant.name; free-text positions (lieferant NULL)
 *     form the last group, with an empty code and the label "(Freitext)".
 *     Only suppliers with counted positions.  A case with positions of
 *     several suppliers is counted once in each of their groups, so the
 *     group case counts may add up to more than the total.
 *   Per group: vorgaenge = counted cases with at least one position in the
 *   group, positionen = their positions in the group, ausgaben = the sum of
 *   those positions' totals.
 *
 *   Total: distinct counted cases, all their positions, all spending; it
 *   equals the sum of the rows except for vorgaenge by supplier.
 *
 *   Budget (REPORT_BY_KOSTENSTELLE only, Kostenstellen of the master data):
 *   budget = kostenstelle.budget_cents for kostenstelle.jahr;
 *   verbraucht = spending of the counted states (freigegeben, bestellt,
 *   geliefert) of the Kostenstelle's cases whose release time lies in the
 *   local calendar year jahr, independent of the period; rest = budget -
 *   verbraucht (negative when overdrawn).  Note: this is not the figure of
 *   case_store_budget_used(), which the intake check uses (that one counts
 *   'genehmigt' too and goes by the intake year).  The total row shows the
 *   sums of budget, verbraucht and rest only when all Kostenstellen have
 *   the same jahr, and leaves them empty otherwise.
 *
 *   Intake summary: cases whose created_at lies in [from, to), counted by
 *   their current state; all eight states of SPEC.md in workflow order
 *   (zero included), then any other state found, then the total.
 *
 * CSV (UTF-8 without BOM, ';' separated, CRLF line ends, decimal comma
 * without thousands separator, e.g. "1234,56"): two tables separated by
 * one empty line.
 *   1. header row, one row per group, the total row (code "Summe"):
 *        kostenstelle;bezeichnung;vorgaenge;positionen;ausgaben_eur;
 *            budget_jahr;budget_eur;budget_verbraucht_eur;budget_rest_eur
 *        oe;bezeichnung;vorgaenge;positionen;ausgaben_eur
 *        lieferant;bezeichnung;vorgaenge;positionen;ausgaben_eur
 *   2. status;vorgaenge  - one row per state of the intake summary, then
 *      "Summe".
 * Fields with ';', '"', line breaks or surrounding blanks are quoted
 * ("" for a quote).  Text that a spreadsheet would run as a formula
 * (starting with = + - @) gets a leading apostrophe.
 *
 * HTML: one UTF-8 HTML5 document with inline CSS only (no external
 * resource, no script): heading with the period, the table, an inline SVG
 * bar chart of spending per group (id "ausgaben", one rect class "bar" per
 * group, scaled to the largest group), for Kostenstellen an SVG of budget
 * used vs. left (id "budget", rects "verbraucht" and "rest" per
 * Kostenstelle with budget), the intake summary, and these definitions in
 * short.  Amounts there are "1.234,56" (money_format).  All text from the
 * database is escaped (& < > " ') and cut to REPORT_MAX_TEXT bytes.
 */
#ifndef SO_REPORT_H
#define SO_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

/* Hard limits: a report with more groups fails rather than grow without bound. */
#define REPORT_MAX_GROUPS 10000
#define REPORT_MAX_STATES 64
#define REPORT_MAX_TEXT 200     /* bytes of a code or label, cut on UTF-8 boundary */

enum report_by { REPORT_BY_KOSTENSTELLE, REPORT_BY_OE, REPORT_BY_LIEFERANT };
enum report_format { REPORT_CSV, REPORT_HTML };

struct report_opts {
	int64_t from, to;       /* [from, to) Unix seconds, local-time day bounds
	                           computed by the caller */
	enum report_by by;
	enum report_format format;
};

/*
 * Parse command-line values.  Dates are "YYYY-MM-DD" (years 1970-9999) and
 * give local midnight of that day.  by is "kostenstelle", "oe" or
 * "lieferant", format "csv" or "html" (both ASCII case-insensitive).
 * 0, or -1 with a static error message naming the value.
 */
int report_parse_date(const char *s, int64_t *t_r, const char **error_r);
int report_parse_by(const char *s, enum report_by *r, const char **error_r);
int report_parse_format(const char *s, enum report_format *r,
    const char **error_r);

/*
 * Local midnight of the day after the (local) day of t: turns an inclusive
 * "to" date into the exclusive bound, correct on the days of a DST change
 * (23 or 25 hours).
 */
int64_t report_next_day(int64_t t);

/*
 * Write the report for o to out.  All queries read one snapshot (a read
 * transaction unless the caller already holds one).  0, or -1 with a
 * static message in *error_r: database error, o->from >= o->to, more than
 * REPORT_MAX_GROUPS groups, or a failed write to out.  Everything is read
 * before the first byte is written, so only a failed write leaves a partial
 * report in out.
 */
int report_write(struct store *st, const struct report_opts *o, FILE *out,
    const char **error_r);

#endif
