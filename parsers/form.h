/* SPDX-License-Identifier: MIT */
/*
 * form - read a requisition (Bürobedarf-Anforderung) out of the text of a
 * form mail.  Pure: strings in, struct form or error out; no I/O apart from
 * form_profile_load() reading the profile file.
 *
 * Three shapes are read, in this order of preference:
 *   1. a JSON attachment (application/json or *.json) with the fixed keys
 *      formular, besteller, email, telefon, oe, kostenstelle, lieferort,
 *      gewuenscht_bis, bemerkung, positionen[{artikelnr, bezeichnung, menge,
 *      einheit, preis}];
 *   2. the plain-text part: "Label: value" lines and a positions table;
 *   3. the HTML part: label/value table rows (<tr><td>Label</td><td>value</td>)
 *      and position rows (a row whose first cell is a number and that has the
 *      columns of the positions table).
 * If the plain text yields no positions but the HTML does, the HTML is used;
 * header fields missing in one are taken from the other.
 *
 * Which labels mean which field, how a label line and a positions row look,
 * and how the OE code is cut out of "10.2 Personalamt" are the profile: PCRE2
 * patterns an administrator can change without recompiling.  Every regex
 * match runs with a match and depth limit.
 *
 * The parser does not judge values (quantities, prices, codes): it keeps the
 * raw strings; validation against the master data happens elsewhere.
 */
#ifndef SO_FORM_H
#define SO_FORM_H

#include <stddef.h>

enum form_field {
	FF_BESTELLER, FF_EMAIL, FF_TELEFON, FF_OE, FF_KOSTENSTELLE,
	FF_LIEFERORT, FF_GEWUENSCHT_BIS, FF_BEMERKUNG,
	FF_COUNT
};

/* Key of a field in the profile and JSON ("besteller", "email", ...). */
const char *form_field_key(enum form_field f);

struct form_position {
	char *pos;              /* as written, e.g. "1" */
	char *artikelnr;        /* "" for a free-text item */
	char *bezeichnung;
	char *menge;            /* raw, e.g. "5" */
	char *einheit;
	char *preis;            /* raw, e.g. "39,90", "" if none */
};

struct form {
	char *field[FF_COUNT];  /* trimmed UTF-8 values, NULL if absent */
	struct form_position *positions;
	size_t npositions;
	const char *source;     /* static: "text", "html" or "json" */
};

struct form_profile;            /* opaque; compiled patterns */

/*
 * The built-in default profile (reads samples/mails/01-standard.eml and the
 * usual variants).  Returns a new profile; free with form_profile_free().
 */
struct form_profile *form_profile_default(void);

/*
 * Load a profile file (INI: [labels] key = PCRE2 pattern matched against a
 * label; [patterns] label_line, positions_start, position_row, oe_code;
 * [limits] match_limit, depth_limit).  Keys not given keep the default.
 * Returns NULL and sets *error_r ("FILE:LINE: key: message", static until the
 * next call) on any error, including a pattern that does not compile or lacks
 * a required named group.
 */
struct form_profile *form_profile_load(const char *path, const char **error_r);
void form_profile_free(struct form_profile *p);

/*
 * The text of the built-in default profile (static), in the syntax
 * form_profile_load() reads; contrib/form-profile.ini must carry the same
 * keys and values, which the tests check.
 */
const char *form_profile_builtin_text(void);

struct form_input {
	const char *text_plain;         /* UTF-8 or NULL */
	const char *text_html;          /* UTF-8 or NULL */
	const char *json;               /* bytes of a JSON attachment or NULL */
	size_t json_len;
};

/*
 * Parse.  Returns 0 and *form_r (free with form_free) when at least one form
 * field or one position was found; the form may still be incomplete.
 * Returns -1 with *error_r (static German sentence) when nothing of a form
 * was found or an input is malformed beyond reading (e.g. broken JSON:
 * "Der JSON-Anhang ist nicht lesbar: ... (Zeichen 17).").
 */
int form_parse(const struct form_profile *p, const struct form_input *in,
    struct form **form_r, const char **error_r);
void form_free(struct form *f);

/*
 * The OE code of an OE field value per the profile ("10.2 Personalamt" -> "10.2"); caller frees.
 * If the oe_code pattern does not match, the trimmed value itself; NULL for NULL.
 */
char *form_oe_code(const struct form_profile *p, const char *value);

#endif
