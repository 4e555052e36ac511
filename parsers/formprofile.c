/* SPDX-License-Identifier: MIT */
/*
 * formprofile - load and compile the form profile, and run its patterns
 * (see formprofile.h).
 *
 * Every pattern runs with the profile's match and depth limit; a line on
 * which a pattern hits a limit is treated as not matching, so a badly
 * written pattern costs time bounded by the limit, never a hang.  A profile
 * file is at most PROFILE_MAX_SIZE bytes, and every error names file, line
 * and key.
 *
 * It does not read forms and does not judge values.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formprofile.h"
#include "util.h"

#define PROFILE_MAX_SIZE (64 * 1024)
#define PROFILE_MAX_LINE 4096
#define MATCH_LIMIT_MAX 100000000u
#define DEPTH_LIMIT_MAX 1000000u

static const char *const pattern_keys[FP_COUNT] = {
	"label_line", "positions_start", "position_row", "oe_code"
};

struct form_profile {
	pcre2_code *label[FF_COUNT];    /* NULL: field not read from labels */
	pcre2_code *pattern[FP_COUNT];  /* positions_start NULL: any row */
	uint32_t match_limit;
	uint32_t depth_limit;
	uint32_t max_groups;            /* largest capture count */
	pcre2_match_context *mctx;
	/*
	 * Match data kept for the next matcher: PCRE2 keeps its frame
	 * memory in it, which would otherwise be allocated and freed for
	 * every match.  Behind a pointer: matchers borrow it through a
	 * const profile.
	 */
	struct fp_scratch *scratch;
};

struct fp_scratch {
	pcre2_match_data *md;
	int busy;                       /* lent to a matcher */
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

/* Messages that name file, line and key. */
static char profile_err[512];

const char *
form_profile_builtin_text(void)
{
	return builtin_profile;
}

/* ---- loading ---- */

void
form_profile_free(struct form_profile *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < FF_COUNT; i++)
		pcre2_code_free(p->label[i]);
	for (int i = 0; i < FP_COUNT; i++)
		pcre2_code_free(p->pattern[i]);
	pcre2_match_context_free(p->mctx);
	if (p->scratch != NULL)
		pcre2_match_data_free(p->scratch->md);
	free(p->scratch);
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
	snprintf(profile_err, sizeof(profile_err), "%s:%u: %s: %s", r->file,
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
    const char *value, int seen[FF_COUNT + FP_COUNT + 2])
{
	struct form_profile *p = r->p;
	pcre2_code **slot = NULL, *code = NULL;
	int idx = -1;

	if (sec == SEC_LABELS) {
		for (int i = 0; i < FF_COUNT; i++)
			if (strcmp(r->key,
			    form_field_key((enum form_field)i)) == 0) {
				idx = i;
				slot = &p->label[i];
			}
	} else if (sec == SEC_PATTERNS) {
		for (int i = 0; i < FP_COUNT; i++)
			if (strcmp(r->key, pattern_keys[i]) == 0) {
				idx = FF_COUNT + i;
				slot = &p->pattern[i];
			}
	} else if (sec == SEC_LIMITS) {
		if (strcmp(r->key, "match_limit") == 0)
			idx = FF_COUNT + FP_COUNT;
		else if (strcmp(r->key, "depth_limit") == 0)
			idx = FF_COUNT + FP_COUNT + 1;
	} else
		return profile_fail(r, "key outside of a section");
	if (idx == -1)
		return profile_fail(r, "unknown key");
	if (seen[idx])
		return profile_fail(r, "given twice");
	seen[idx] = 1;

	if (sec == SEC_LIMITS) {
		if (idx == FF_COUNT + FP_COUNT)
			return limit_parse(r, value, MATCH_LIMIT_MAX,
			    &p->match_limit);
		return limit_parse(r, value, DEPTH_LIMIT_MAX, &p->depth_limit);
	}
	if (*value == '\0') {
		/* Empty label: field off; empty start: rows anywhere. */
		if (sec == SEC_PATTERNS &&
		    idx != FF_COUNT + FP_POSITIONS_START)
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
	int seen[FF_COUNT + FP_COUNT + 2] = { 0 };
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
	pcre2_code *all[FF_COUNT + FP_COUNT];

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
	if (p->scratch == NULL)
		p->scratch = xcalloc(1, sizeof(*p->scratch));
	pcre2_match_data_free(p->scratch->md);
	if ((p->scratch->md = pcre2_match_data_create(p->max_groups + 1,
	    NULL)) == NULL)
		fatalx("pcre2_match_data_create: out of memory");
}

struct form_profile *
form_profile_default(void)
{
	struct form_profile *p = xcalloc(1, sizeof(*p));

	if (profile_apply(p, builtin_profile, strlen(builtin_profile),
	    "<built-in>") == -1)
		fatalx("built-in form profile: %s", profile_err);
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
		snprintf(profile_err, sizeof(profile_err), "%s", err);
		*error_r = profile_err;
		return NULL;
	}
	p = form_profile_default();
	if (profile_apply(p, data, len, path) == -1) {
		free(data);
		form_profile_free(p);
		*error_r = profile_err;
		return NULL;
	}
	free(data);
	profile_finish(p);
	return p;
}

/* ---- matching ---- */

/*
 * A borrowed match data still holds the offsets of its last user, so
 * formprofile_group() means something only after a successful
 * formprofile_match() on the same matcher, pattern and string.
 */
struct formprofile_matcher {
	const struct form_profile *p;
	pcre2_match_data *md;
	int borrowed;                   /* md is p->scratch->md */
};

struct formprofile_matcher *
formprofile_matcher_new(const struct form_profile *p)
{
	struct formprofile_matcher *m = xcalloc(1, sizeof(*m));

	m->p = p;
	if (p->scratch != NULL && !p->scratch->busy) {
		p->scratch->busy = 1;
		m->md = p->scratch->md;
		m->borrowed = 1;
	} else if ((m->md = pcre2_match_data_create(p->max_groups + 1,
	    NULL)) == NULL)
		fatalx("pcre2_match_data_create: out of memory");
	return m;
}

void
formprofile_matcher_free(struct formprofile_matcher *m)
{
	if (m == NULL)
		return;
	if (m->borrowed)
		m->p->scratch->busy = 0;
	else
		pcre2_match_data_free(m->md);
	free(m);
}

int
formprofile_has(const struct formprofile_matcher *m,
    enum formprofile_pattern pat)
{
	return m->p->pattern[pat] != NULL;
}

/*
 * PCRE2 checks the UTF-8 of s itself (invalid UTF-8 is an error, so no
 * match), because HTML cells come from a caller whose promise of valid
 * UTF-8 we do not bet on.
 */
static int
match(struct formprofile_matcher *m, const pcre2_code *code, const char *s)
{
	int rc;

	rc = pcre2_match(code, (PCRE2_SPTR)s, strlen(s), 0, 0, m->md,
	    m->p->mctx);
	return rc > 0;
}

int
formprofile_match(struct formprofile_matcher *m,
    enum formprofile_pattern pat, const char *s)
{
	return match(m, m->p->pattern[pat], s);
}

char *
formprofile_group(const struct formprofile_matcher *m,
    enum formprofile_pattern pat, const char *name, const char *s)
{
	const pcre2_code *code = m->p->pattern[pat];
	int n = pcre2_substring_number_from_name(code, (PCRE2_SPTR)name);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);

	if (n <= 0 || (uint32_t)n >= pcre2_get_ovector_count(m->md) ||
	    ov[2 * n] == PCRE2_UNSET || ov[2 * n + 1] < ov[2 * n])
		return xstrdup("");
	return str_trim(xstrndup(s + ov[2 * n], ov[2 * n + 1] - ov[2 * n]));
}

int
formprofile_label_field(struct formprofile_matcher *m, const char *label)
{
	char *l = str_trim(xstrdup(label));
	size_t n = strlen(l);
	int f = -1;

	/* HTML label cells often end in ':'. */
	while (n > 0 && (l[n - 1] == ':' || l[n - 1] == ' '))
		l[--n] = '\0';
	for (int i = 0; i < FF_COUNT && f == -1 && n > 0; i++)
		if (m->p->label[i] && match(m, m->p->label[i], l))
			f = i;
	free(l);
	return f;
}
