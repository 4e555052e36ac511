/* SPDX-License-Identifier: MIT */
/*
 * report - the finance report: read the figures of a period in one
 * snapshot, then write them as CSV or as a standalone HTML page.  See
 * report.h for the exact definitions.
 *
 * Reading and writing are apart on purpose: every number is in memory
 * before the first byte goes out, so a database error never leaves half a
 * report, and the chart can be scaled to the largest group.  Nothing here
 * writes to the database.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "report.h"
#include "util.h"

/* Geometry of the SVG charts, in pixels. */
#define CHART_LABEL_W 330       /* label column, right-aligned */
#define CHART_BAR_X 340
#define CHART_BAR_W 400         /* the largest value gets this width */
#define CHART_VALUE_W 330       /* room for the value text after a bar */
#define CHART_ROW_H 22
#define CHART_BAR_H 16
#define CHART_LABEL_MAX 48      /* bytes of a label in a chart */

#define LABEL_FREITEXT "(Freitext)"
#define LABEL_UNKNOWN "(nicht in den Stammdaten)"

struct report_row {
	char *code;             /* NULL: free-text positions (by supplier) */
	char *label;            /* NULL: code not in the master data */
	int64_t cases, positions, cents;
	int has_budget;         /* Kostenstelle of the master data */
	int jahr;
	int64_t budget, used;
};

struct report_state {
	char *state;
	int64_t cases;
};

struct report {
	struct report_row *rows;
	size_t nrows;
	struct report_row total;
	int total_budget;       /* budget sums shown in the total row */
	struct report_state *states;
	size_t nstates;
	int64_t received;
};

/* The states of SPEC.md in workflow order, for the intake summary. */
static const char *const report_states[] = {
	"eingegangen", "wartet_auf_genehmigung", "genehmigt", "abgelehnt",
	"freigegeben", "bestellt", "geliefert", "storniert",
};

static char errbuf[512];

/*
 * Counted cases and their release time (see report.h), then their positions
 * released in [?1, ?2).  Every query of the spending table starts with it.
 */
#define REPORT_CTE \
	"WITH rel AS (SELECT v.id AS id, v.kostenstelle AS ks, v.oe AS oe, " \
	"(SELECT min(h.at) FROM history h WHERE h.vorgang_id = v.id AND " \
	"h.to_state = 'freigegeben' AND h.from_state IS NOT 'freigegeben') " \
	"AS released_at FROM vorgang v WHERE v.state IN ('freigegeben', " \
	"'bestellt', 'geliefert')), " \
	"inper AS (SELECT r.id AS id, r.ks AS ks, r.oe AS oe, p.id AS pid, " \
	"p.lieferant AS lieferant, p.total_cents AS cents FROM rel r JOIN " \
	"position p ON p.vorgang_id = r.id WHERE r.released_at >= ?1 AND " \
	"r.released_at < ?2) "

static const char sql_by_ks[] = REPORT_CTE
	", spend AS (SELECT ks AS code, count(DISTINCT id) AS n, count(*) AS np, "
	"sum(cents) AS c FROM inper GROUP BY ks), "
	"used AS (SELECT r.ks AS code, CAST(strftime('%Y', r.released_at, "
	"'unixepoch', 'localtime') AS INTEGER) AS jahr, sum(p.total_cents) AS c "
	"FROM rel r JOIN position p ON p.vorgang_id = r.id WHERE r.released_at "
	"IS NOT NULL GROUP BY 1, 2), "
	"keys AS (SELECT code FROM kostenstelle UNION SELECT code FROM spend) "
	"SELECT keys.code, k.bezeichnung, coalesce(s.n, 0), coalesce(s.np, 0), "
	"coalesce(s.c, 0), k.budget_cents, k.jahr, coalesce(u.c, 0) "
	"FROM keys LEFT JOIN kostenstelle k ON k.code = keys.code "
	"LEFT JOIN spend s ON s.code = keys.code "
	"LEFT JOIN used u ON u.code = k.code AND u.jahr = k.jahr "
	"ORDER BY keys.code";

static const char sql_by_oe[] = REPORT_CTE
	"SELECT i.oe, o.bezeichnung, count(DISTINCT i.id), count(*), "
	"sum(i.cents) FROM inper i LEFT JOIN oe o ON o.code = i.oe "
	"GROUP BY i.oe ORDER BY i.oe";

static const char sql_by_lieferant[] = REPORT_CTE
	"SELECT i.lieferant, l.name, count(DISTINCT i.id), count(*), "
	"sum(i.cents) FROM inper i LEFT JOIN lieferant l ON l.code = "
	"i.lieferant GROUP BY i.lieferant ORDER BY i.lieferant IS NULL, "
	"i.lieferant";

static const char sql_total[] = REPORT_CTE
	"SELECT count(DISTINCT id), count(*), coalesce(sum(cents), 0) FROM inper";

static const char sql_intake[] =
	"SELECT state, count(*) FROM vorgang WHERE created_at >= ?1 AND "
	"created_at < ?2 GROUP BY state ORDER BY state";

/* A command-line value for an error message: short, printable ASCII. */
static void
value_safe(const char *s, char *out, size_t size)
{
	size_t o = 0;

	for (; *s && o + 4 < size; s++)
		out[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s)
		out[o++] = '.', out[o++] = '.', out[o++] = '.';
	out[o] = '\0';
}

int
report_parse_date(const char *s, int64_t *t_r, const char **error_r)
{
	char v[48];
	struct tm tm;
	time_t t;
	int y, m, d, mdays;
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	for (int i = 0; i < 10; i++) {
		int want_dash = i == 4 || i == 7;

		if (s[i] == '\0' || (want_dash ? s[i] != '-' :
		    (s[i] < '0' || s[i] > '9')))
			goto bad;
	}
	if (s[10] != '\0')
		goto bad;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12)
		goto bad;
	mdays = days[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		mdays = 29;
	if (d < 1 || d > mdays)
		goto bad;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		goto bad;
	*t_r = (int64_t)t;
	return 0;
bad:
	value_safe(s, v, sizeof(v));
	snprintf(errbuf, sizeof(errbuf), "invalid date \"%s\" (expected "
	    "YYYY-MM-DD, e.g. 2026-01-31)", v);
	*error_r = errbuf;
	return -1;
}

int
report_parse_by(const char *s, enum report_by *r, const char **error_r)
{
	char v[48];

	if (str_casecmp(s, "kostenstelle") == 0)
		*r = REPORT_BY_KOSTENSTELLE;
	else if (str_casecmp(s, "oe") == 0)
		*r = REPORT_BY_OE;
	else if (str_casecmp(s, "lieferant") == 0)
		*r = REPORT_BY_LIEFERANT;
	else {
		value_safe(s, v, sizeof(v));
		snprintf(errbuf, sizeof(errbuf), "invalid grouping \"%s\" "
		    "(expected kostenstelle, oe or lieferant)", v);
		*error_r = errbuf;
		return -1;
	}
	return 0;
}

int
report_parse_format(const char *s, enum report_format *r,
    const char **error_r)
{
	char v[48];

	if (str_casecmp(s, "csv") == 0)
		*r = REPORT_CSV;
	else if (str_casecmp(s, "html") == 0)
		*r = REPORT_HTML;
	else {
		value_safe(s, v, sizeof(v));
		snprintf(errbuf, sizeof(errbuf), "invalid report format \"%s\" "
		    "(expected csv or html)", v);
		*error_r = errbuf;
		return -1;
	}
	return 0;
}

int64_t
report_next_day(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/*
 * Database text for the report: valid UTF-8 (other bytes become '?'), no
 * control characters, at most REPORT_MAX_TEXT bytes.  NULL stays NULL.
 */
static char *
text_clean(const unsigned char *s)
{
	char *copy, *r;

	if (s == NULL)
		return NULL;
	copy = xstrdup((const char *)s);
	if (!utf8_valid(copy, strlen(copy)))
		for (char *p = copy; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
	r = str_header_safe(copy, REPORT_MAX_TEXT);
	free(copy);
	return r;
}

static void
report_free(struct report *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		free(r->rows[i].code);
		free(r->rows[i].label);
	}
	free(r->rows);
	for (size_t i = 0; i < r->nstates; i++)
		free(r->states[i].state);
	free(r->states);
	memset(r, 0, sizeof(*r));
}

static int
db_error(struct store *st, const char *what, const char **error_r)
{
	snprintf(errbuf, sizeof(errbuf), "report: reading %s failed: %s", what,
	    store_errmsg(st));
	log_error("%s", errbuf);
	*error_r = errbuf;
	return -1;
}

static int
load_rows(struct store *st, const struct report_opts *o, struct report *r,
    const char **error_r)
{
	const char *sql = o->by == REPORT_BY_KOSTENSTELLE ? sql_by_ks :
	    o->by == REPORT_BY_OE ? sql_by_oe : sql_by_lieferant;
	sqlite3_stmt *s = store_stmt(st, sql);
	int rc;

	sqlite3_bind_int64(s, 1, o->from);
	sqlite3_bind_int64(s, 2, o->to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct report_row *row;

		if (r->nrows == REPORT_MAX_GROUPS) {
			sqlite3_reset(s);
			snprintf(errbuf, sizeof(errbuf), "report: more than %d "
			    "groups; not written", REPORT_MAX_GROUPS);
			*error_r = errbuf;
			return -1;
		}
		r->rows = xreallocarray(r->rows, r->nrows + 1, sizeof(*r->rows));
		row = &r->rows[r->nrows++];
		memset(row, 0, sizeof(*row));
		row->code = text_clean(sqlite3_column_text(s, 0));
		row->label = text_clean(sqlite3_column_text(s, 1));
		row->cases = sqlite3_column_int64(s, 2);
		row->positions = sqlite3_column_int64(s, 3);
		row->cents = sqlite3_column_int64(s, 4);
		if (o->by == REPORT_BY_KOSTENSTELLE &&
		    sqlite3_column_type(s, 5) != SQLITE_NULL) {
			row->has_budget = 1;
			row->budget = sqlite3_column_int64(s, 5);
			row->jahr = sqlite3_column_int(s, 6);
			row->used = sqlite3_column_int64(s, 7);
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_error(st, "the spending per group", error_r);
	return 0;
}

static int
load_total(struct store *st, const struct report_opts *o, struct report *r,
    const char **error_r)
{
	sqlite3_stmt *s = store_stmt(st, sql_total);
	int rc, jahr = 0, budgets = 0, same = 1;

	sqlite3_bind_int64(s, 1, o->from);
	sqlite3_bind_int64(s, 2, o->to);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r->total.cases = sqlite3_column_int64(s, 0);
		r->total.positions = sqlite3_column_int64(s, 1);
		r->total.cents = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return db_error(st, "the total spending", error_r);

	/* Budgets of different years do not add up to anything. */
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *row = &r->rows[i];

		if (!row->has_budget)
			continue;
		if (budgets++ == 0)
			jahr = row->jahr;
		else if (row->jahr != jahr)
			same = 0;
		r->total.budget += row->budget;
		r->total.used += row->used;
	}
	r->total_budget = budgets > 0 && same;
	r->total.jahr = jahr;
	return 0;
}

static void
state_add(struct report *r, const char *state, int64_t n)
{
	r->states = xreallocarray(r->states, r->nstates + 1, sizeof(*r->states));
	r->states[r->nstates].state = xstrdup(state);
	r->states[r->nstates].cases = n;
	r->nstates++;
}

static int
load_intake(struct store *st, const struct report_opts *o, struct report *r,
    const char **error_r)
{
	sqlite3_stmt *s = store_stmt(st, sql_intake);
	int64_t known[SO_NELEM(report_states)] = { 0 };
	struct report other;
	int rc;

	memset(&other, 0, sizeof(other));
	sqlite3_bind_int64(s, 1, o->from);
	sqlite3_bind_int64(s, 2, o->to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *state = text_clean(sqlite3_column_text(s, 0));
		int64_t n = sqlite3_column_int64(s, 1);
		int found = 0;

		if (state == NULL)
			state = xstrdup("");
		for (size_t i = 0; i < SO_NELEM(report_states); i++)
			if (strcmp(state, report_states[i]) == 0) {
				known[i] = n;
				found = 1;
			}
		if (!found) {
			if (other.nstates + SO_NELEM(report_states) >=
			    REPORT_MAX_STATES) {
				free(state);
				sqlite3_reset(s);
				report_free(&other);
				snprintf(errbuf, sizeof(errbuf), "report: more "
				    "than %d case states; not written",
				    REPORT_MAX_STATES);
				*error_r = errbuf;
				return -1;
			}
			state_add(&other, state, n);
		}
		r->received += n;
		free(state);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		report_free(&other);
		return db_error(st, "the cases received", error_r);
	}
	for (size_t i = 0; i < SO_NELEM(report_states); i++)
		state_add(r, report_states[i], known[i]);
	for (size_t i = 0; i < other.nstates; i++)
		state_add(r, other.states[i].state, other.states[i].cases);
	report_free(&other);
	return 0;
}

static int
report_load(struct store *st, const struct report_opts *o, struct report *r,
    const char **error_r)
{
	/* One snapshot, so that the rows, the total and the budget agree. */
	int own = sqlite3_get_autocommit(store_db(st));
	int rc = -1;

	if (own && store_exec(st, "BEGIN") == -1)
		return db_error(st, "(starting a read transaction)", error_r);
	if (load_rows(st, o, r, error_r) == 0 &&
	    load_total(st, o, r, error_r) == 0 &&
	    load_intake(st, o, r, error_r) == 0)
		rc = 0;
	if (own)
		(void)sqlite3_exec(store_db(st), rc == 0 ? "COMMIT" : "ROLLBACK",
		    NULL, NULL, NULL);
	return rc;
}

/* Money for the CSV: decimal comma, no thousands separator ("1234,56"). */
static char *
csv_money(int64_t cents, char out[32])
{
	char tmp[32];
	size_t o = 0;

	money_format(cents, tmp);
	for (const char *p = tmp; *p; p++)
		if (*p != '.')
			out[o++] = *p;
	out[o] = '\0';
	return out;
}

static void
csv_text(FILE *out, const char *s)
{
	int quote = 0;
	size_t len = strlen(s);

	if (strpbrk(s, ";\"\r\n") != NULL ||
	    (len > 0 && (s[0] == ' ' || s[len - 1] == ' ')))
		quote = 1;
	if (quote)
		fputc('"', out);
	/* Keep a spreadsheet from running the text as a formula. */
	if (s[0] != '\0' && strchr("=+-@", s[0]) != NULL)
		fputc('\'', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	if (quote)
		fputc('"', out);
}

static const char *
row_label(const struct report_row *row)
{
	if (row->code == NULL)
		return LABEL_FREITEXT;
	return row->label ? row->label : LABEL_UNKNOWN;
}

static void
csv_row(FILE *out, const struct report_opts *o, const struct report_row *row,
    int budget)
{
	char m[32];

	fprintf(out, ";%lld;%lld;%s", (long long)row->cases,
	    (long long)row->positions, csv_money(row->cents, m));
	if (o->by != REPORT_BY_KOSTENSTELLE)
		return;
	if (!budget) {
		fputs(";;;;", out);
		return;
	}
	fprintf(out, ";%d;%s", row->jahr, csv_money(row->budget, m));
	fprintf(out, ";%s", csv_money(row->used, m));
	fprintf(out, ";%s", csv_money(row->budget - row->used, m));
}

static void
write_csv(const struct report_opts *o, const struct report *r, FILE *out)
{
	static const char *const first[] = { "kostenstelle", "oe", "lieferant" };

	fprintf(out, "%s;bezeichnung;vorgaenge;positionen;ausgaben_eur",
	    first[o->by]);
	if (o->by == REPORT_BY_KOSTENSTELLE)
		fputs(";budget_jahr;budget_eur;budget_verbraucht_eur;"
		    "budget_rest_eur", out);
	fputs("\r\n", out);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *row = &r->rows[i];

		csv_text(out, row->code ? row->code : "");
		fputc(';', out);
		csv_text(out, row_label(row));
		csv_row(out, o, row, row->has_budget);
		fputs("\r\n", out);
	}
	fputs("Summe;", out);
	csv_row(out, o, &r->total, r->total_budget);
	fputs("\r\n\r\nstatus;vorgaenge\r\n", out);
	for (size_t i = 0; i < r->nstates; i++) {
		csv_text(out, r->states[i].state);
		fprintf(out, ";%lld\r\n", (long long)r->states[i].cases);
	}
	fprintf(out, "Summe;%lld\r\n", (long long)r->received);
}

static void
html_text(FILE *out, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out); break;
		}
}

static char *
fmt_day(int64_t t, char out[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	snprintf(out, 64, "%02d.%02d.%04d", tm.tm_mday, tm.tm_mon + 1,
	    tm.tm_year + 1900);
	return out;
}

static char *
fmt_minute(int64_t t, char out[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	snprintf(out, 64, "%02d.%02d.%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1,
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	return out;
}

/* Bar width for v on a scale where max is CHART_BAR_W; a non-zero v shows. */
static int
bar_width(int64_t v, int64_t max)
{
	double w;
	int r;

	if (v <= 0 || max <= 0)
		return 0;
	w = (double)v * CHART_BAR_W / (double)max;
	r = (int)(w + 0.5);
	if (r < 1)
		r = 1;
	if (r > CHART_BAR_W)
		r = CHART_BAR_W;
	return r;
}

/* "code label", cut for the chart's label column. */
static void
chart_label(FILE *out, const struct report_row *row, int with_year)
{
	char *full, *cut;

	if (row->code == NULL)
		full = xstrdup(LABEL_FREITEXT);
	else
		full = xasprintf("%s %s", row->code, row_label(row));
	cut = str_header_safe(full, CHART_LABEL_MAX);
	html_text(out, cut);
	if (strlen(cut) < strlen(full))
		fputs("…", out);
	if (with_year)
		fprintf(out, " (%d)", row->jahr);
	free(cut);
	free(full);
}

static void
svg_open(FILE *out, const char *id, size_t rows, const char *title)
{
	int w = CHART_BAR_X + CHART_BAR_W + CHART_VALUE_W;
	int h = (int)rows * CHART_ROW_H + 8;

	fprintf(out, "<svg id=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 "
	    "%d %d\" role=\"img\" aria-labelledby=\"%s-titel\" font-family="
	    "\"sans-serif\" font-size=\"13\">\n<title id=\"%s-titel\">", id, w,
	    h, w, h, id, id);
	html_text(out, title);
	fputs("</title>\n", out);
}

static void
svg_spending(FILE *out, const char *what, const struct report *r)
{
	int64_t max = 0;
	char m[32];
	char *title;

	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].cents > max)
			max = r->rows[i].cents;
	title = xasprintf("Ausgaben je %s in EUR", what);
	svg_open(out, "ausgaben", r->nrows, title);
	free(title);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *row = &r->rows[i];
		int y = (int)i * CHART_ROW_H + 4;
		int w = bar_width(row->cents, max);

		fprintf(out, "<g><text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		    CHART_LABEL_W, y + 13);
		chart_label(out, row, 0);
		fprintf(out, "</text><rect class=\"bar\" x=\"%d\" y=\"%d\" "
		    "width=\"%d\" height=\"%d\" fill=\"#3a6ea5\"/>",
		    CHART_BAR_X, y, w, CHART_BAR_H);
		fprintf(out, "<text x=\"%d\" y=\"%d\">%s EUR</text></g>\n",
		    CHART_BAR_X + w + 6, y + 13, money_format(row->cents, m));
	}
	fputs("</svg>\n", out);
}

static void
svg_budget(FILE *out, const struct report *r)
{
	int64_t scale = 0;
	size_t n = 0, i, k;
	char m1[32], m2[32], m3[32];

	for (i = 0; i < r->nrows; i++) {
		const struct report_row *row = &r->rows[i];

		if (!row->has_budget)
			continue;
		n++;
		if (row->budget > scale)
			scale = row->budget;
		if (row->used > scale)
			scale = row->used;
	}
	svg_open(out, "budget", n, "Budget je Kostenstelle: verbraucht und Rest "
	    "in EUR");
	for (i = 0, k = 0; i < r->nrows; i++) {
		const struct report_row *row = &r->rows[i];
		int y = (int)k * CHART_ROW_H + 4, wu, wr, over;

		if (!row->has_budget)
			continue;
		k++;
		over = row->used > row->budget;
		wu = bar_width(row->used, scale);
		wr = over ? 0 : bar_width(row->budget, scale) - wu;
		if (wr < 0)
			wr = 0;
		fprintf(out, "<g><text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		    CHART_LABEL_W, y + 13);
		chart_label(out, row, 1);
		fprintf(out, "</text><rect class=\"verbraucht\" x=\"%d\" y=\"%d\" "
		    "width=\"%d\" height=\"%d\" fill=\"%s\"/>", CHART_BAR_X, y,
		    wu, CHART_BAR_H, over ? "#b22222" : "#3a6ea5");
		fprintf(out, "<rect class=\"rest\" x=\"%d\" y=\"%d\" width=\"%d\" "
		    "height=\"%d\" fill=\"#c8d8e8\"/>", CHART_BAR_X + wu, y, wr,
		    CHART_BAR_H);
		fprintf(out, "<text x=\"%d\" y=\"%d\">%s von %s, Rest %s%s</text>"
		    "</g>\n", CHART_BAR_X + wu + wr + 6, y + 13,
		    money_format(row->used, m1), money_format(row->budget, m2),
		    money_format(row->budget - row->used, m3),
		    over ? " (überzogen)" : "");
	}
	fputs("</svg>\n", out);
}

static void
html_money_cell(FILE *out, int64_t cents)
{
	char m[32];

	fprintf(out, "<td class=\"n\">%s</td>", money_format(cents, m));
}

static void
html_row(FILE *out, const struct report_opts *o, const struct report_row *row,
    int budget)
{
	fprintf(out, "<td class=\"n\">%lld</td><td class=\"n\">%lld</td>",
	    (long long)row->cases, (long long)row->positions);
	html_money_cell(out, row->cents);
	if (o->by != REPORT_BY_KOSTENSTELLE)
		return;
	if (!budget) {
		fputs("<td></td><td></td><td></td><td></td>", out);
		return;
	}
	fprintf(out, "<td class=\"n\">%d</td>", row->jahr);
	html_money_cell(out, row->budget);
	html_money_cell(out, row->used);
	html_money_cell(out, row->budget - row->used);
}

static void
write_html(const struct report_opts *o, const struct report *r, FILE *out)
{
	static const char *const what[] = { "Kostenstelle",
	    "Organisationseinheit", "Lieferant" };
	static const char *const first[] = { "Kostenstelle", "OE", "Lieferant" };
	char d1[64], d2[64], d3[64], now[64];

	fmt_day(o->from, d1);
	fmt_day(o->to - 1, d2);
	fmt_day(o->to, d3);
	fputs("<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>", out);
	fprintf(out, "Ausgaben nach %s, %s bis %s", what[o->by], d1, d2);
	fputs("</title>\n<style>\n"
	    "body { font-family: sans-serif; margin: 2em; color: #222; }\n"
	    "table { border-collapse: collapse; margin: 1em 0; }\n"
	    "th, td { border: 1px solid #bbb; padding: .25em .6em; "
	    "text-align: left; }\n"
	    "th { background: #eef2f6; }\n"
	    ".n { text-align: right; }\n"
	    "tfoot td { font-weight: bold; border-top: 2px solid #222; }\n"
	    "p.hinweis { font-size: small; max-width: 50em; }\n"
	    "</style>\n</head>\n<body>\n", out);
	fprintf(out, "<h1>Ausgaben nach %s</h1>\n", what[o->by]);
	fprintf(out, "<p>Zeitraum: %s bis %s (Freigaben ab %s 00:00 Uhr bis vor "
	    "%s 00:00 Uhr, Ortszeit). Erstellt am %s.</p>\n", d1, d2, d1, d3,
	    fmt_minute(so_now(), now));

	fputs("<table>\n<thead><tr>", out);
	fprintf(out, "<th>%s</th><th>Bezeichnung</th><th class=\"n\">Vorgänge"
	    "</th><th class=\"n\">Positionen</th><th class=\"n\">Ausgaben (EUR)"
	    "</th>", first[o->by]);
	if (o->by == REPORT_BY_KOSTENSTELLE)
		fputs("<th class=\"n\">Budgetjahr</th><th class=\"n\">Budget "
		    "(EUR)</th><th class=\"n\">verbraucht (EUR)</th>"
		    "<th class=\"n\">Rest (EUR)</th>", out);
	fputs("</tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *row = &r->rows[i];

		fputs("<tr><td>", out);
		html_text(out, row->code ? row->code : "");
		fputs("</td><td>", out);
		html_text(out, row_label(row));
		fputs("</td>", out);
		html_row(out, o, row, row->has_budget);
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n<tfoot><tr><td>Summe</td><td></td>", out);
	html_row(out, o, &r->total, r->total_budget);
	fputs("</tr></tfoot>\n</table>\n", out);

	fprintf(out, "<h2>Ausgaben je %s</h2>\n", what[o->by]);
	if (r->nrows == 0)
		fputs("<p>Keine Ausgaben im Zeitraum.</p>\n", out);
	else
		svg_spending(out, what[o->by], r);
	if (o->by == REPORT_BY_KOSTENSTELLE) {
		fputs("<h2>Budget je Kostenstelle (Budgetjahr)</h2>\n", out);
		svg_budget(out, r);
	}

	fputs("<h2>Im Zeitraum eingegangene Vorgänge nach heutigem Status</h2>\n"
	    "<table>\n<thead><tr><th>Status</th><th class=\"n\">Vorgänge</th>"
	    "</tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < r->nstates; i++) {
		fputs("<tr><td>", out);
		html_text(out, r->states[i].state);
		fprintf(out, "</td><td class=\"n\">%lld</td></tr>\n",
		    (long long)r->states[i].cases);
	}
	fprintf(out, "</tbody>\n<tfoot><tr><td>Summe</td><td class=\"n\">%lld"
	    "</td></tr></tfoot>\n</table>\n", (long long)r->received);

	fputs("<p class=\"hinweis\">Gezählt werden Vorgänge, die im Zeitraum "
	    "freigegeben wurden (erste Freigabe) und heute freigegeben, bestellt "
	    "oder geliefert sind; später stornierte Vorgänge zählen nicht. "
	    "Ausgaben sind die Summen ihrer Positionen. Nach Lieferant zählt ein "
	    "Vorgang bei jedem seiner Lieferanten, die Summe der Vorgänge also "
	    "nur einmal. Verbraucht ist die Summe der im Budgetjahr "
	    "freigegebenen Vorgänge der Kostenstelle, unabhängig vom Zeitraum."
	    "</p>\n</body>\n</html>\n", out);
}

int
report_write(struct store *st, const struct report_opts *o, FILE *out,
    const char **error_r)
{
	struct report r;

	if (o->from >= o->to) {
		snprintf(errbuf, sizeof(errbuf), "report: empty period (from "
		    "%lld is not before to %lld)", (long long)o->from,
		    (long long)o->to);
		*error_r = errbuf;
		return -1;
	}
	if ((unsigned)o->by > REPORT_BY_LIEFERANT ||
	    (unsigned)o->format > REPORT_HTML)
		fatalx("report_write: bad options by=%d format=%d", (int)o->by,
		    (int)o->format);

	memset(&r, 0, sizeof(r));
	if (report_load(st, o, &r, error_r) == -1) {
		report_free(&r);
		return -1;
	}
	if (o->format == REPORT_CSV)
		write_csv(o, &r, out);
	else
		write_html(o, &r, out);
	report_free(&r);

	if (fflush(out) == EOF || ferror(out)) {
		snprintf(errbuf, sizeof(errbuf), "report: writing the report "
		    "failed: %s", strerror(errno));
		*error_r = errbuf;
		return -1;
	}
	return 0;
}
