/* SPDX-License-Identifier: MIT */
/*
 * form - read a requisition out of a form mail (see form.h): the JSON
 * reader, and the choice and merge of what the readers found.  The profile
 * lives in formprofile, the plain-text reader in formtext, the HTML reader
 * in formhtml, and what one reader found in formpart.
 *
 * A JSON attachment with form keys is the whole form and is not merged.
 * Otherwise the plain text wins if it has positions, or fields while the
 * HTML has no positions; else the HTML.  Fields missing in the winner are
 * taken from the other part.
 *
 * It does not judge values (codes, quantities, dates, prices): every value
 * is kept as the trimmed text of the form, and validation happens elsewhere.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "formhtml.h"
#include "formpart.h"
#include "formprofile.h"
#include "formtext.h"
#include "json.h"
#include "util.h"

#define FORM_MAX_VALUE 4096             /* one JSON value */

#define ERR_NO_FORM "Die Nachricht enth\xc3\xa4lt kein erkennbares " \
	"Bestellformular (weder Angaben wie \"Besteller:\" noch Positionen)."

static const char *const field_keys[FF_COUNT] = {
	"besteller", "email", "telefon", "oe", "kostenstelle", "lieferort",
	"gewuenscht_bis", "bemerkung"
};

/* Messages that carry a detail (JSON offsets). */
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

char *
form_oe_code(const struct form_profile *p, const char *value)
{
	struct formprofile_matcher *m;
	char *v, *code_text = NULL;

	if (value == NULL)
		return NULL;
	v = str_trim(xstrdup(value));
	m = formprofile_matcher_new(p);
	if (utf8_valid(v, strlen(v)) && formprofile_match(m, FP_OE_CODE, v))
		code_text = formprofile_group(m, FP_OE_CODE, "code", v);
	formprofile_matcher_free(m);
	if (code_text != NULL && code_text[0] != '\0') {
		free(v);
		return code_text;
	}
	free(code_text);
	return v;
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
		if (json_value_text(json_get(item,
		    formpart_column_key((enum formpart_column)k)), &col[k]) ==
		    -1) {
			for (int i = 0; i < k; i++)
				free(col[i]);
			*error_r = set_err("Im JSON-Anhang hat Position %zu im "
			    "Feld \"%s\" keinen g\xc3\xbcltigen Wert (Text "
			    "oder Zahl, h\xc3\xb6" "chstens %d Bytes).",
			    idx + 1,
			    formpart_column_key((enum formpart_column)k),
			    FORM_MAX_VALUE);
			return -1;
		}
		if (col[k] == NULL)
			col[k] = k == COL_POS ? xasprintf("%zu", idx + 1) :
			    xstrdup("");
	}
	return formpart_add_position(out, col, error_r);
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
			formpart_set(out, i, s);
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

int
form_parse(const struct form_profile *p, const struct form_input *in,
    struct form **form_r, const char **error_r)
{
	struct formprofile_matcher *m;
	struct form_part json, text, html, *primary, *secondary;
	const char *source, *html_err = NULL;
	int rc = -1;

	memset(&json, 0, sizeof(json));
	memset(&text, 0, sizeof(text));
	memset(&html, 0, sizeof(html));
	m = formprofile_matcher_new(p);

	if (in->json != NULL) {
		int found;

		if (read_json(in->json, in->json_len, &json, &found,
		    error_r) == -1)
			goto out;
		if (found && (json.npos > 0 || formpart_nfields(&json) > 0)) {
			/* The attachment is the whole form; no merging. */
			*form_r = form_from_part(&json, "json");
			rc = 0;
			goto out;
		}
	}
	if (in->text_plain != NULL &&
	    formtext_read(m, in->text_plain, &text, error_r) == -1)
		goto out;
	if (in->text_html != NULL &&
	    (text.npos == 0 || formpart_nfields(&text) < FF_COUNT)) {
		if (formhtml_read(m, in->text_html, &html, &html_err) == -1) {
			/* With positions from the text, HTML only adds. */
			if (text.npos == 0) {
				*error_r = html_err;
				goto out;
			}
			formpart_free(&html);
		}
	}

	if (text.npos > 0 || (html.npos == 0 && formpart_nfields(&text) > 0)) {
		primary = &text;
		secondary = &html;
		source = "text";
	} else if (html.npos > 0 || formpart_nfields(&html) > 0) {
		primary = &html;
		secondary = &text;
		source = "html";
	} else {
		*error_r = ERR_NO_FORM;
		goto out;
	}
	formpart_fill(primary, secondary);
	*form_r = form_from_part(primary, source);
	rc = 0;
out:
	formpart_free(&json);
	formpart_free(&text);
	formpart_free(&html);
	formprofile_matcher_free(m);
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
		formpart_position_free(&f->positions[i]);
	free(f->positions);
	free(f);
}
