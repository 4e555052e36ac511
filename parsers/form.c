/* SPDX-License-Identifier: MIT */
/*
 * form - read a requisition out of a form mail (see form.h): the profile
 * (labels and line patterns, PCRE2), and the three readers for JSON, plain
 * text and HTML with their merge.
 *
 * The built-in profile is an INI text read by the same code as a profile
 * file, so the default and an administrator's copy cannot drift apart in
 * meaning.  Every pattern runs with the profile's match and depth limit; a
 * line on which a pattern hits a limit is treated as not matching, so a
 * badly written pattern costs time bounded by the limit, never a hang.
 * Input size is bounded too: lines over FORM_MAX_LINE bytes are skipped,
 * more than FORM_MAX_LINES lines or FORM_MAX_POSITIONS positions fail.
 *
 * HTML is read as table rows (label/value rows, also the Gravity Forms
 * layout of a label row followed by a value row, and position rows mapped
 * by a header row), and then as text (html_to_text) for what the tables did
 * not give, so "<p>Besteller: ...<br>" forms are read too.  A JSON
 * attachment with form keys is the whole form and is not merged.
 *
 * It does not judge values (codes, quantities, dates, prices): every value
 * is kept as the trimmed text of the form, and validation happens elsewhere.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "html.h"
#include "json.h"
#include "util.h"

#define FORM_MAX_LINE 4096              /* longer lines are skipped */
#define FORM_MAX_LINES 20000
#define FORM_MAX_POSITIONS 500
#define FORM_MAX_HTML_ROWS 5000
#define FORM_MAX_VALUE 4096             /* one JSON value */
#define PROFILE_MAX_SIZE (64 * 1024)
#define PROFILE_MAX_LINE 4096
#define MATCH_LIMIT_MAX 100000000u
#define DEPTH_LIMIT_MAX 1000000u

#define ERR_NO_FORM "Die Nachricht enth\xc3\xa4lt kein erkennbares " \
	"Bestellformular (weder Angaben wie \"Besteller:\" noch Positionen)."
#define ERR_TOO_MANY "Zu viele Positionen (mehr als 500)."
#define ERR_TOO_LONG "Der Formulartext ist zu lang (mehr als 20000 Zeilen)."
#define ERR_HTML_ROWS "Das HTML-Formular hat zu viele Tabellenzeilen " \
	"(mehr als 5000)."

enum form_pattern {
	PAT_LABEL_LINE, PAT_POSITIONS_START, PAT_POSITION_ROW, PAT_OE_CODE,
	PAT_COUNT
};

enum pos_column { COL_POS, COL_ARTIKELNR, COL_BEZEICHNUNG, COL_MENGE,
	COL_EINHEIT, COL_PREIS, COL_COUNT };

static const char *const field_keys[FF_COUNT] = {
	"besteller", "email", "telefon", "oe", "kostenstelle", "lieferort",
	"gewuenscht_bis", "bemerkung"
};

static const char *const pattern_keys[PAT_COUNT] = {
	"label_line", "positions_start", "position_row", "oe_code"
};

/* Group names of position_row, and the JSON keys of a position. */
static const char *const column_keys[COL_COUNT] = {
	"pos", "artikelnr", "bezeichnung", "menge", "einheit", "preis"
};

struct form_profile {
	pcre2_code *label[FF_COUNT];    /* NULL: field not read from labels */
	pcre2_code *pattern[PAT_COUNT]; /* positions_start NULL: any row */
	uint32_t match_limit;
	uint32_t depth_limit;
	uint32_t max_groups;            /* largest capture count */
	pcre2_match_context *mctx;
};

/*
 * The default profile.  contrib/form-profile.ini is the same with comments;
 * change both together (test_form checks that they agree).
 */
static const char builtin_profile[] =
    "[labels]\n"
    "besteller = ^(Besteller(in)?|Name|Antragsteller(in)?)$\n"
    "email = ^(E-?Mail|Mail|E-Mail-Adresse)$\n"
    "telefon = ^(Telefon|Tel\\.?|Telefonnummer|Rufnummer|Durchwahl)$\n"
    "oe = ^(Organisationseinheit|OE|Amt|Dienststelle)$\n"
    "kostenstelle = ^(Kostenstelle|KSt\\.?)$\n"
    "lieferort = ^(Lieferort|Lieferadresse)$\n"
    "gewuenscht_bis = ^(Gew\xc3\xbcnscht bis|Gewuenscht bis|Liefertermin|"
    "Wunschtermin)$\n"
    "bemerkung = ^(Bemerkung(en)?|Anmerkung(en)?|Hinweis(e)?|Kommentar)$\n"
    "\n"
    "[patterns]\n"
    "label_line = ^\\s*(?<label>[^:|]{1,80}):(?<value>.*)$\n"
    "positions_start = ^\\s*Positionen\\s*:?\\s*$\n"
    "position_row = ^(?<pos>[^|]*)\\|(?<artikelnr>[^|]*)\\|"
    "(?<bezeichnung>[^|]*)\\|(?<menge>[^|]*)\\|(?<einheit>[^|]*)"
    "(?:\\|(?<preis>[^|]*))?\\|?\\s*$\n"
    "oe_code = ^\\s*(?<code>[0-9]+(?:\\.[0-9]+)*)\n"
    "\n"
    "[limits]\n"
    "match_limit = 100000\n"
    "depth_limit = 1000\n";

/* Messages that carry a detail ("FILE:LINE: ...", JSON offsets). */
static char form_err[512];

static const char *
set_err(const char *fmt, ...) SO_ATTR_PRINTF(1, 2);

static const char *
set_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(form_err, sizeof(form_err), fmt, ap);
	va_end(ap);
	return form_err;
}

const char *
form_field_key(enum form_field f)
{
	if ((unsigned)f >= FF_COUNT)
		return NULL;
	return field_keys[f];
}

const char *
form_profile_builtin_text(void)
{
	return builtin_profile;
}

/* ---- profile ---- */

void
form_profile_free(struct form_profile *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < FF_COUNT; i++)
		pcre2_code_free(p->label[i]);
	for (int i = 0; i < PAT_COUNT; i++)
		pcre2_code_free(p->pattern[i]);
	pcre2_match_context_free(p->mctx);
	free(p);
}

struct profile_reader {
	struct form_profile *p;
	const char *file;
	unsigned line;
	const char *key;
};

static int
profile_fail(const struct profile_reader *r, const char *fmt, ...)
    SO_ATTR_PRINTF(2, 3);

static int
profile_fail(const struct profile_reader *r, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(form_err, sizeof(form_err), "%s:%u: %s: %s", r->file,
	    r->line, r->key, msg);
	return -1;
}

static int
has_group(const pcre2_code *code, const char *name)
{
	return pcre2_substring_number_from_name(code, (PCRE2_SPTR)name) > 0;
}

/* Compile src for key; checks the named groups the key needs. */
static int
pattern_compile(const struct profile_reader *r, const char *src,
    pcre2_code **code_r)
{
	static const char *const need_label_line[] = { "label", "value", NULL };
	static const char *const need_position_row[] = { "pos", "menge", NULL };
	static const char *const need_oe_code[] = { "code", NULL };
	const char *const *need = NULL;
	pcre2_code *code;
	int errcode;
	PCRE2_SIZE erroff;

	code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_NEVER_BACKSLASH_C,
	    &errcode, &erroff, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		return profile_fail(r, "pattern does not compile at offset "
		    "%zu: %s", (size_t)erroff, (const char *)msg);
	}
	if (strcmp(r->key, "label_line") == 0)
		need = need_label_line;
	else if (strcmp(r->key, "position_row") == 0)
		need = need_position_row;
	else if (strcmp(r->key, "oe_code") == 0)
		need = need_oe_code;
	for (; need && *need; need++) {
		if (!has_group(code, *need)) {
			pcre2_code_free(code);
			return profile_fail(r, "pattern lacks group '%s'",
			    *need);
		}
	}
	if (strcmp(r->key, "position_row") == 0 &&
	    !has_group(code, "artikelnr") && !has_group(code, "bezeichnung")) {
		pcre2_code_free(code);
		return profile_fail(r, "pattern lacks group 'artikelnr' or "
		    "'bezeichnung'");
	}
	*code_r = code;
	return 0;
}

static int
limit_parse(const struct profile_reader *r, const char *value, uint32_t max,
    uint32_t *v_r)
{
	uint64_t v = 0;
	const char *s;

	for (s = value; *s >= '0' && *s <= '9' && v <= max; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	if (s == value || *s != '\0' || v < 1 || v > max)
		return profile_fail(r, "\"%.40s\" is not a number from 1 to %u",
		    value, max);
	*v_r = (uint32_t)v;
	return 0;
}

enum profile_section { SEC_NONE, SEC_LABELS, SEC_PATTERNS, SEC_LIMITS };

/* Apply one "key = value" of section sec; seen[] catches keys given twice. */
static int
profile_set(struct profile_reader *r, enum profile_section sec,
    const char *value, int seen[FF_COUNT + PAT_COUNT + 2])
{
	struct form_profile *p = r->p;
	pcre2_code **slot = NULL, *code = NULL;
	int idx = -1;

	if (sec == SEC_LABELS) {
		for (int i = 0; i < FF_COUNT; i++)
			if (strcmp(r->key, field_keys[i]) == 0) {
				idx = i;
				slot = &p->label[i];
			}
	} else if (sec == SEC_PATTERNS) {
		for (int i = 0; i < PAT_COUNT; i++)
			if (strcmp(r->key, pattern_keys[i]) == 0) {
				idx = FF_COUNT + i;
				slot = &p->pattern[i];
			}
	} else if (sec == SEC_LIMITS) {
		if (strcmp(r->key, "match_limit") == 0)
			idx = FF_COUNT + PAT_COUNT;
		else if (strcmp(r->key, "depth_limit") == 0)
			idx = FF_COUNT + PAT_COUNT + 1;
	} else
		return profile_fail(r, "key outside of a section");
	if (idx == -1)
		return profile_fail(r, "unknown key");
	if (seen[idx])
		return profile_fail(r, "given twice");
	seen[idx] = 1;

	if (sec == SEC_LIMITS) {
		if (idx == FF_COUNT + PAT_COUNT)
			return limit_parse(r, value, MATCH_LIMIT_MAX,
			    &p->match_limit);
		return limit_parse(r, value, DEPTH_LIMIT_MAX, &p->depth_limit);
	}
	if (*value == '\0') {
		/* Empty label: field off; empty start: rows anywhere. */
		if (sec == SEC_PATTERNS &&
		    idx != FF_COUNT + PAT_POSITIONS_START)
			return profile_fail(r, "pattern is empty");
	} else if (pattern_compile(r, value, &code) == -1)
		return -1;
	pcre2_code_free(*slot);
	*slot = code;
	return 0;
}

/* Read INI text onto p.  file names the text in messages. */
static int
profile_apply(struct form_profile *p, const char *text, size_t len,
    const char *file)
{
	struct profile_reader r = { p, file, 0, "" };
	enum profile_section sec = SEC_NONE;
	int seen[FF_COUNT + PAT_COUNT + 2] = { 0 };
	const char *s = text, *end = text + len;
	char line[PROFILE_MAX_LINE + 1];

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl ? nl : end) - s);
		char *eq, *key, *value;

		r.line++;
		r.key = "";
		if (n > PROFILE_MAX_LINE) {
			r.key = "line";
			return profile_fail(&r, "longer than %d bytes",
			    PROFILE_MAX_LINE);
		}
		memcpy(line, s, n);
		line[n] = '\0';
		s = nl ? nl + 1 : end;
		if (memchr(line, '\0', n) != NULL || !utf8_valid(line, n)) {
			r.key = "line";
			return profile_fail(&r, "not valid UTF-8 text");
		}
		str_trim(line);
		if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			r.key = line;
			if (strcmp(line, "[labels]") == 0)
				sec = SEC_LABELS;
			else if (strcmp(line, "[patterns]") == 0)
				sec = SEC_PATTERNS;
			else if (strcmp(line, "[limits]") == 0)
				sec = SEC_LIMITS;
			else
				return profile_fail(&r, "unknown section");
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL) {
			r.key = line;
			return profile_fail(&r, "expected \"key = value\"");
		}
		*eq = '\0';
		key = str_trim(line);
		value = str_trim(eq + 1);
		r.key = key;
		if (profile_set(&r, sec, value, seen) == -1)
			return -1;
	}
	return 0;
}

/* Limits into a match context; match data size from the patterns. */
static void
profile_finish(struct form_profile *p)
{
	pcre2_code *all[FF_COUNT + PAT_COUNT];

	if (p->mctx == NULL && (p->mctx = pcre2_match_context_create(NULL)) ==
	    NULL)
		fatalx("pcre2_match_context_create: out of memory");
	pcre2_set_match_limit(p->mctx, p->match_limit);
	pcre2_set_depth_limit(p->mctx, p->depth_limit);
	memcpy(all, p->label, sizeof(p->label));
	memcpy(all + FF_COUNT, p->pattern, sizeof(p->pattern));
	p->max_groups = 0;
	for (size_t i = 0; i < SO_NELEM(all); i++) {
		uint32_t n;

		if (all[i] && pcre2_pattern_info(all[i],
		    PCRE2_INFO_CAPTURECOUNT, &n) == 0 && n > p->max_groups)
			p->max_groups = n;
	}
}

struct form_profile *
form_profile_default(void)
{
	struct form_profile *p = xcalloc(1, sizeof(*p));

	if (profile_apply(p, builtin_profile, strlen(builtin_profile),
	    "<built-in>") == -1)
		fatalx("built-in form profile: %s", form_err);
	profile_finish(p);
	return p;
}

struct form_profile *
form_profile_load(const char *path, const char **error_r)
{
	struct form_profile *p;
	const char *err;
	char *data;
	size_t len;

	if (file_read(path, PROFILE_MAX_SIZE, &data, &len, &err) == -1) {
		*error_r = set_err("%s", err);
		return NULL;
	}
	p = form_profile_default();
	if (profile_apply(p, data, len, path) == -1) {
		free(data);
		form_profile_free(p);
		*error_r = form_err;
		return NULL;
	}
	free(data);
	profile_finish(p);
	return p;
}

/* ---- matching ---- */

struct form_ctx {
	const struct form_profile *p;
	pcre2_match_data *md;
};

static void
ctx_init(struct form_ctx *c, const struct form_profile *p)
{
	c->p = p;
	if ((c->md = pcre2_match_data_create(p->max_groups + 1, NULL)) == NULL)
		fatalx("pcre2_match_data_create: out of memory");
}

/*
 * 1 if code matches s.  A match that hits the match or depth limit counts
 * as no match: the line is skipped, the mail goes on.  PCRE2 checks the
 * UTF-8 of s itself (invalid UTF-8 is an error, so no match), because HTML
 * cells come from a caller whose promise of valid UTF-8 we do not bet on.
 */
static int
match(const struct form_ctx *c, const pcre2_code *code, const char *s)
{
	int rc;

	rc = pcre2_match(code, (PCRE2_SPTR)s, strlen(s), 0, 0, c->md,
	    c->p->mctx);
	return rc > 0;
}

/* Trimmed text of a named group of the last match; "" if absent or unset. */
static char *
group(const struct form_ctx *c, const pcre2_code *code, const char *name,
    const char *s)
{
	int n = pcre2_substring_number_from_name(code, (PCRE2_SPTR)name);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);

	if (n <= 0 || (uint32_t)n >= pcre2_get_ovector_count(c->md) ||
	    ov[2 * n] == PCRE2_UNSET || ov[2 * n + 1] < ov[2 * n])
		return xstrdup("");
	return str_trim(xstrndup(s + ov[2 * n], ov[2 * n + 1] - ov[2 * n]));
}

/* The field whose label pattern matches label, or -1. */
static int
label_field(const struct form_ctx *c, const char *label)
{
	char *l = str_trim(xstrdup(label));
	size_t n = strlen(l);
	int f = -1;

	/* HTML label cells often end in ':'. */
	while (n > 0 && (l[n - 1] == ':' || l[n - 1] == ' '))
		l[--n] = '\0';
	for (int i = 0; i < FF_COUNT && f == -1 && n > 0; i++)
		if (c->p->label[i] && match(c, c->p->label[i], l))
			f = i;
	free(l);
	return f;
}

char *
form_oe_code(const struct form_profile *p, const char *value)
{
	struct form_ctx c;
	const pcre2_code *code = p->pattern[PAT_OE_CODE];
	char *v, *code_text = NULL;

	if (value == NULL)
		return NULL;
	v = str_trim(xstrdup(value));
	ctx_init(&c, p);
	if (utf8_valid(v, strlen(v)) && match(&c, code, v))
		code_text = group(&c, code, "code", v);
	pcre2_match_data_free(c.md);
	if (code_text != NULL && code_text[0] != '\0') {
		free(v);
		return code_text;
	}
	free(code_text);
	return v;
}

/* ---- what one reader found ---- */

struct form_part {
	char *field[FF_COUNT];
	struct form_position *pos;
	size_t npos, cap;
};

static void
position_free(struct form_position *fp)
{
	free(fp->pos);
	free(fp->artikelnr);
	free(fp->bezeichnung);
	free(fp->menge);
	free(fp->einheit);
	free(fp->preis);
}

static void
part_free(struct form_part *part)
{
	for (int i = 0; i < FF_COUNT; i++)
		free(part->field[i]);
	for (size_t i = 0; i < part->npos; i++)
		position_free(&part->pos[i]);
	free(part->pos);
	memset(part, 0, sizeof(*part));
}

static int
part_nfields(const struct form_part *part)
{
	int n = 0;

	for (int i = 0; i < FF_COUNT; i++)
		n += part->field[i] != NULL;
	return n;
}

/* Set a field unless it is already set or value is empty; takes value. */
static void
part_set(struct form_part *part, int f, char *value)
{
	if (f < 0 || part->field[f] != NULL || value[0] == '\0') {
		free(value);
		return;
	}
	part->field[f] = value;
}

/*
 * Add a position; takes col[] (COL_COUNT strings).  Rows without article
 * number, description and quantity are the empty slots some forms send and
 * are dropped.  -1 past FORM_MAX_POSITIONS.
 */
static int
part_add_position(struct form_part *part, char *col[COL_COUNT],
    const char **error_r)
{
	struct form_position *fp;

	if (col[COL_ARTIKELNR][0] == '\0' && col[COL_BEZEICHNUNG][0] == '\0' &&
	    col[COL_MENGE][0] == '\0') {
		for (int i = 0; i < COL_COUNT; i++)
			free(col[i]);
		return 0;
	}
	if (part->npos >= FORM_MAX_POSITIONS) {
		for (int i = 0; i < COL_COUNT; i++)
			free(col[i]);
		*error_r = ERR_TOO_MANY;
		return -1;
	}
	if (part->npos == part->cap) {
		part->cap = part->cap ? part->cap * 2 : 16;
		part->pos = xreallocarray(part->pos, part->cap,
		    sizeof(*part->pos));
	}
	fp = &part->pos[part->npos++];
	fp->pos = col[COL_POS];
	fp->artikelnr = col[COL_ARTIKELNR];
	fp->bezeichnung = col[COL_BEZEICHNUNG];
	fp->menge = col[COL_MENGE];
	fp->einheit = col[COL_EINHEIT];
	fp->preis = col[COL_PREIS];
	return 0;
}

/* "1", "12", "3." - the Pos column of a real row, not a header. */
static int
pos_numeric(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 9 &&
	    (s[n] == '\0' || (s[n] == '.' && s[n + 1] == '\0'));
}

/* "-----", "=====", "|---|---|": table decoration. */
static int
is_separator(const char *s)
{
	size_t marks = 0;

	for (; *s; s++) {
		if (strchr("-=_*~#", *s))
			marks++;
		else if (!strchr(" \t+|:", *s))
			return 0;
	}
	return marks >= 3;
}

/* ---- plain text ---- */

/* Copy a line, U+00A0 (no-break space) turned into a plain space. */
static void
line_copy(char *dst, const char *src, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)src[i] == 0xc2 && i + 1 < len &&
		    (unsigned char)src[i + 1] == 0xa0) {
			dst[o++] = ' ';
			i++;
		} else
			dst[o++] = src[i];
	}
	dst[o] = '\0';
}

/* A positions row per the profile: 1 added, 0 not a position, -1 error. */
static int
text_position(const struct form_ctx *c, const char *line,
    struct form_part *out, const char **error_r)
{
	const pcre2_code *code = c->p->pattern[PAT_POSITION_ROW];
	char *col[COL_COUNT];

	for (int i = 0; i < COL_COUNT; i++)
		col[i] = group(c, code, column_keys[i], line);
	if (!pos_numeric(col[COL_POS])) {
		for (int i = 0; i < COL_COUNT; i++)
			free(col[i]);
		return 0;
	}
	return part_add_position(out, col, error_r) == -1 ? -1 : 1;
}

static void
text_label_line(const struct form_ctx *c, const char *line,
    struct form_part *out)
{
	const pcre2_code *code = c->p->pattern[PAT_LABEL_LINE];
	char *label, *value;

	if (!match(c, code, line))
		return;
	label = group(c, code, "label", line);
	value = group(c, code, "value", line);
	part_set(out, label_field(c, label), value);
	free(label);
}

static int
read_text(const struct form_ctx *c, const char *text, struct form_part *out,
    const char **error_r)
{
	const struct form_profile *p = c->p;
	int in_table = p->pattern[PAT_POSITIONS_START] == NULL;
	size_t nlines = 0;
	char line[FORM_MAX_LINE + 1];

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		const char *s = text;

		text += len + (nl != NULL);
		if (++nlines > FORM_MAX_LINES) {
			*error_r = ERR_TOO_LONG;
			return -1;
		}
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (len > FORM_MAX_LINE || !utf8_valid(s, len))
			continue;
		line_copy(line, s, len);
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (in_table) {
			if (is_separator(line))
				continue;
			if (match(c, p->pattern[PAT_POSITION_ROW], line)) {
				int r = text_position(c, line, out, error_r);

				if (r == -1)
					return -1;
				if (r == 1)
					continue;
			}
		} else if (match(c, p->pattern[PAT_POSITIONS_START], line)) {
			in_table = 1;
			continue;
		}
		text_label_line(c, line, out);
	}
	return 0;
}

/* ---- HTML ---- */

/* The positions column a header cell names, or -1. */
static int
column_of(const char *cell)
{
	static const struct {
		const char *name;
		int col;
	} names[] = {
		{ "pos", COL_POS }, { "position", COL_POS }, { "nr", COL_POS },
		{ "lfd. nr", COL_POS },
		{ "artikelnr", COL_ARTIKELNR },
		{ "artikelnummer", COL_ARTIKELNR },
		{ "artikel-nr", COL_ARTIKELNR },
		{ "art.-nr", COL_ARTIKELNR },
		{ "art.nr", COL_ARTIKELNR },
		{ "bestellnummer", COL_ARTIKELNR },
		{ "bezeichnung", COL_BEZEICHNUNG },
		{ "beschreibung", COL_BEZEICHNUNG },
		{ "artikelbezeichnung", COL_BEZEICHNUNG },
		{ "artikel", COL_BEZEICHNUNG },
		{ "menge", COL_MENGE }, { "anzahl", COL_MENGE },
		{ "einheit", COL_EINHEIT }, { "mengeneinheit", COL_EINHEIT },
		{ "me", COL_EINHEIT },
		{ "preis", COL_PREIS }, { "einzelpreis", COL_PREIS },
		{ "preis (eur)", COL_PREIS }, { "preis in eur", COL_PREIS },
		{ "preis (\xe2\x82\xac)", COL_PREIS },
		{ "preis \xe2\x82\xac", COL_PREIS },
	};
	char *s = str_trim(xstrdup(cell));
	size_t n = strlen(s);
	int col = -1;

	while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ':' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (size_t i = 0; i < SO_NELEM(names) && col == -1; i++)
		if (str_casecmp(s, names[i].name) == 0)
			col = names[i].col;
	free(s);
	return col;
}

/*
 * A header row of the positions table: at least three known column names,
 * Menge among them.  Fills map[] (cell index per column, -1 if missing).
 */
static int
html_header_row(const struct html_row *row, int map[COL_COUNT])
{
	int m[COL_COUNT], known = 0;

	for (int i = 0; i < COL_COUNT; i++)
		m[i] = -1;
	for (size_t k = 0; k < row->ncells; k++) {
		int col = column_of(row->cell[k]);

		if (col >= 0 && m[col] == -1) {
			m[col] = (int)k;
			known++;
		}
	}
	if (known < 3 || m[COL_MENGE] == -1)
		return 0;
	memcpy(map, m, sizeof(m));
	return 1;
}

static char *
cell_at(const struct html_row *row, int k)
{
	return xstrdup(k >= 0 && (size_t)k < row->ncells ? row->cell[k] : "");
}

/* Copy of a cell with U+00A0 as a space, trimmed. */
static char *
cell_clean(const char *cell)
{
	char *s = xmalloc(strlen(cell) + 1);

	line_copy(s, cell, strlen(cell));
	return str_trim(s);
}

/* The next non-empty cell from k on, or -1. */
static int
next_cell(const struct html_row *row, size_t k)
{
	for (; k < row->ncells; k++)
		if (row->cell[k][0] != '\0')
			return (int)k;
	return -1;
}

/* Label/value rows; *pending is a label seen alone in the previous row. */
static void
html_label_row(const struct form_ctx *c, const struct html_row *row,
    int *pending, struct form_part *out)
{
	int first = next_cell(row, 0), second, f;

	if (first == -1)
		return;
	second = next_cell(row, (size_t)first + 1);
	/* Three filled cells are some other table, not label and value. */
	if (second >= 0 && next_cell(row, (size_t)second + 1) >= 0) {
		*pending = -1;
		return;
	}
	f = label_field(c, row->cell[first]);
	if (f >= 0) {
		if (second >= 0) {
			part_set(out, f, xstrdup(row->cell[second]));
			*pending = -1;
		} else if (row->ncells == 1) {
			/* Gravity Forms: the label row, the value follows. */
			*pending = f;
		} else
			*pending = -1;
		return;
	}
	if (*pending >= 0 && second == -1) {
		part_set(out, *pending, xstrdup(row->cell[first]));
		*pending = -1;
		return;
	}
	*pending = -1;
	if (second == -1)
		text_label_line(c, row->cell[first], out);
}

static int
read_html(const struct form_ctx *c, const char *html, struct form_part *out,
    const char **error_r)
{
	static const int default_map[COL_COUNT] = { 0, 1, 2, 3, 4, 5 };
	struct html_row *rows;
	size_t nrows;
	int map[COL_COUNT], pending = -1, rc = 0;
	struct form_part fallback;
	char *text;

	memcpy(map, default_map, sizeof(map));
	nrows = html_table_rows(html, FORM_MAX_HTML_ROWS + 1, &rows);
	if (nrows > FORM_MAX_HTML_ROWS) {
		html_rows_free(rows, nrows);
		*error_r = ERR_HTML_ROWS;
		return -1;
	}
	for (size_t i = 0; i < nrows && rc == 0; i++) {
		struct html_row *row = &rows[i];
		int poscol;

		for (size_t k = 0; k < row->ncells; k++) {
			char *s = cell_clean(row->cell[k]);

			free(row->cell[k]);
			row->cell[k] = s;
		}
		if (html_header_row(row, map)) {
			pending = -1;
			continue;
		}
		poscol = map[COL_POS] >= 0 ? map[COL_POS] : 0;
		if (row->ncells >= 5 && (size_t)poscol < row->ncells &&
		    pos_numeric(row->cell[poscol])) {
			char *col[COL_COUNT];

			for (int k = 0; k < COL_COUNT; k++)
				col[k] = cell_at(row, map[k]);
			if (part_add_position(out, col, error_r) == -1)
				rc = -1;
			pending = -1;
			continue;
		}
		html_label_row(c, row, &pending, out);
	}
	html_rows_free(rows, nrows);
	if (rc == -1)
		return -1;

	/* HTML without tables ("<p>Besteller: ...</p>") is read as text. */
	memset(&fallback, 0, sizeof(fallback));
	text = html_to_text(html);
	rc = read_text(c, text, &fallback, error_r);
	free(text);
	if (rc == 0) {
		for (int i = 0; i < FF_COUNT; i++) {
			if (out->field[i] == NULL) {
				out->field[i] = fallback.field[i];
				fallback.field[i] = NULL;
			}
		}
		if (out->npos == 0) {
			out->pos = fallback.pos;
			out->npos = fallback.npos;
			out->cap = fallback.cap;
			fallback.pos = NULL;
			fallback.npos = fallback.cap = 0;
		}
	}
	part_free(&fallback);
	return rc;
}

/* ---- JSON ---- */

/*
 * Text of a JSON string or number (its literal) as one trimmed line; *s_r
 * NULL for null or absent.  -1 for any other type or an overlong value.
 */
static int
json_value_text(const struct json *v, char **s_r)
{
	char *s;

	*s_r = NULL;
	if (v == NULL || v->type == JSON_NULL)
		return 0;
	if (v->type != JSON_STRING && v->type != JSON_NUMBER)
		return -1;
	if (strlen(v->str) > FORM_MAX_VALUE)
		return -1;
	s = xstrdup(v->str);
	for (char *q = s; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = ' ';
	*s_r = str_trim(s);
	return 0;
}

static int
json_position(const struct json *item, size_t idx, struct form_part *out,
    const char **error_r)
{
	char *col[COL_COUNT];

	if (item->type != JSON_OBJECT) {
		*error_r = set_err("Im JSON-Anhang ist Position %zu kein "
		    "Objekt.", idx + 1);
		return -1;
	}
	for (int k = 0; k < COL_COUNT; k++) {
		if (json_value_text(json_get(item, column_keys[k]), &col[k]) ==
		    -1) {
			for (int i = 0; i < k; i++)
				free(col[i]);
			*error_r = set_err("Im JSON-Anhang hat Position %zu im "
			    "Feld \"%s\" keinen g\xc3\xbcltigen Wert (Text "
			    "oder Zahl, h\xc3\xb6" "chstens %d Bytes).",
			    idx + 1, column_keys[k], FORM_MAX_VALUE);
			return -1;
		}
		if (col[k] == NULL)
			col[k] = k == COL_POS ? xasprintf("%zu", idx + 1) :
			    xstrdup("");
	}
	return part_add_position(out, col, error_r);
}

/*
 * *found_r is 1 if the JSON is a form (an object with at least one of the
 * form keys).  Broken JSON and form keys with unusable values are errors.
 */
static int
read_json(const char *data, size_t len, struct form_part *out, int *found_r,
    const char **error_r)
{
	struct json *root;
	const struct json *list;
	const char *err, *reason;
	size_t off;
	int rc = 0;

	*found_r = 0;
	if (json_parse_ex(data, len, &root, &err, &off, &reason) == -1) {
		*error_r = set_err("Der JSON-Anhang ist nicht lesbar: %s "
		    "(Zeichen %zu).", reason, off);
		return -1;
	}
	if (root->type != JSON_OBJECT) {
		json_free(root);
		return 0;
	}
	list = json_get(root, "positionen");
	*found_r = list != NULL;
	for (int i = 0; i < FF_COUNT; i++) {
		const struct json *v = json_get(root, field_keys[i]);
		char *s;

		if (v == NULL)
			continue;
		*found_r = 1;
		if (json_value_text(v, &s) == -1) {
			*error_r = set_err("Im JSON-Anhang hat das Feld \"%s\" "
			    "keinen g\xc3\xbcltigen Wert (Text oder Zahl, "
			    "h\xc3\xb6" "chstens %d Bytes).", field_keys[i],
			    FORM_MAX_VALUE);
			rc = -1;
			goto out;
		}
		if (s != NULL)
			part_set(out, i, s);
	}
	if (list != NULL && list->type != JSON_NULL) {
		if (list->type != JSON_ARRAY) {
			*error_r = "Im JSON-Anhang ist \"positionen\" keine "
			    "Liste.";
			rc = -1;
			goto out;
		}
		for (size_t i = 0; i < list->n && rc == 0; i++)
			rc = json_position(list->items[i], i, out, error_r);
	}
out:
	json_free(root);
	return rc;
}

/* ---- the whole form ---- */

static struct form *
form_from_part(struct form_part *part, const char *source)
{
	struct form *f = xcalloc(1, sizeof(*f));

	memcpy(f->field, part->field, sizeof(f->field));
	f->positions = part->pos;
	f->npositions = part->npos;
	f->source = source;
	memset(part, 0, sizeof(*part));
	return f;
}

/* Fill the fields missing in to from from (moving the strings). */
static void
part_fill(struct form_part *to, struct form_part *from)
{
	for (int i = 0; i < FF_COUNT; i++) {
		if (to->field[i] == NULL) {
			to->field[i] = from->field[i];
			from->field[i] = NULL;
		}
	}
}

int
form_parse(const struct form_profile *p, const struct form_input *in,
    struct form **form_r, const char **error_r)
{
	struct form_ctx c;
	struct form_part json, text, html, *primary, *secondary;
	const char *source, *html_err = NULL;
	int rc = -1;

	memset(&json, 0, sizeof(json));
	memset(&text, 0, sizeof(text));
	memset(&html, 0, sizeof(html));
	ctx_init(&c, p);

	if (in->json != NULL) {
		int found;

		if (read_json(in->json, in->json_len, &json, &found,
		    error_r) == -1)
			goto out;
		if (found && (json.npos > 0 || part_nfields(&json) > 0)) {
			/* The attachment is the whole form; no merging. */
			*form_r = form_from_part(&json, "json");
			rc = 0;
			goto out;
		}
	}
	if (in->text_plain != NULL &&
	    read_text(&c, in->text_plain, &text, error_r) == -1)
		goto out;
	if (in->text_html != NULL &&
	    (text.npos == 0 || part_nfields(&text) < FF_COUNT)) {
		if (read_html(&c, in->text_html, &html, &html_err) == -1) {
			/* With positions from the text, HTML only adds. */
			if (text.npos == 0) {
				*error_r = html_err;
				goto out;
			}
			part_free(&html);
		}
	}

	if (text.npos > 0 || (html.npos == 0 && part_nfields(&text) > 0)) {
		primary = &text;
		secondary = &html;
		source = "text";
	} else if (html.npos > 0 || part_nfields(&html) > 0) {
		primary = &html;
		secondary = &text;
		source = "html";
	} else {
		*error_r = ERR_NO_FORM;
		goto out;
	}
	part_fill(primary, secondary);
	*form_r = form_from_part(primary, source);
	rc = 0;
out:
	part_free(&json);
	part_free(&text);
	part_free(&html);
	pcre2_match_data_free(c.md);
	return rc;
}

void
form_free(struct form *f)
{
	if (f == NULL)
		return;
	for (int i = 0; i < FF_COUNT; i++)
		free(f->field[i]);
	for (size_t i = 0; i < f->npositions; i++)
		position_free(&f->positions[i]);
	free(f->positions);
	free(f);
}
