/* SPDX-License-Identifier: MIT */
/*
 * bmecat - stream a BMEcat 2005 / 1.2 catalogue article by article (see
 * bmecat.h).
 *
 * libxml2's xmlTextReader hands us one node at a time and frees what lies
 * behind, so a catalogue of 100,000 articles needs no more memory than one
 * article.  We keep a stack of the open elements, each with the role it
 * plays (header, article, price, a text field we want, or something we
 * ignore), collect the text of the fields we want, and at the end of each
 * article check it and hand it to the caller.
 *
 * Security: no network (XML_PARSE_NONET), no DTD loading, no default
 * attributes, no validation, no entity substitution (set per reader, so a
 * process-wide libxml2 default cannot switch them on), and no
 * XML_PARSE_HUGE, so libxml2's own limits stay in force (depth 256, 10 MB
 * per text node, entity amplification checks).  BMEcat needs no entities:
 * a DOCTYPE that declares any is refused when the root element arrives,
 * before we read a single value, and an entity reference that gets past
 * that is an error, never expanded (attribute values are read from the
 * node, not through libxml2 calls that expand).  The external DTD named by
 * BMEcat 1.2 files is never fetched.  Files are read through a descriptor
 * we open, which also avoids libxml2's transparent gunzip of file names (a
 * decompression bomb).
 *
 * Line numbers: libxml2 stores element lines in 16 bits and saturates at
 * 65535.  With XML_PARSE_BIG_LINES text nodes keep the full line, and the
 * white space text before an element ends on the line of the element's '<',
 * so past line 65535 we take the line from the text node the reader showed
 * just before.  That is exact for pretty-printed files; for elements not
 * preceded by white space we fall back to the parser's position, which may
 * be a few lines ahead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "bmecat.h"
#include "util.h"

#define BMECAT_NS_2005 "http://www.bmecat.org/bmecat/2005"
#define BMECAT_NS_12 "http://www.bmecat.org/bmecat/1.2/bmecat_new_catalog"
#define BMECAT_NS_12_XS "http://www.bmecat.org/XMLSchema/1.2/bmecat_new_catalog"

#define BMECAT_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES)

enum bmecat_role {
	ROLE_OTHER,             /* ignored, but its children are looked at */
	ROLE_SKIP,              /* foreign namespace: ignored with its content */
	ROLE_ROOT,
	ROLE_HEADER,
	ROLE_CATALOG,
	ROLE_SUPPLIER,
	ROLE_NEW_CATALOG,
	ROLE_ARTICLE,
	ROLE_DETAILS,
	ROLE_ORDER_DETAILS,
	ROLE_PRICE_DETAILS,
	ROLE_PRICE,
	ROLE_FIELD              /* an element whose text we keep */
};

enum bmecat_field {
	FIELD_NONE,
	FIELD_CATALOG_ID,
	FIELD_CURRENCY,
	FIELD_SUPPLIER_NAME,
	FIELD_SUPPLIER_ID,
	FIELD_AID,
	FIELD_BUYER_AID,
	FIELD_DESCRIPTION,
	FIELD_ORDER_UNIT,
	FIELD_PRICE_QUANTITY,
	FIELD_PRICE_AMOUNT,
	FIELD_PRICE_CURRENCY,
	FIELD_PRICE_FACTOR,
	FIELD_LOWER_BOUND
};

struct bmecat_level {
	enum bmecat_role role;
	enum bmecat_field field;
	const char *name;       /* local name, owned by the reader's dictionary */
	unsigned line;
	int german;             /* DESCRIPTION_SHORT: lang is German or absent */
};

struct bmecat_price {
	char *amount, *currency, *factor, *lower_bound;
	int rank;               /* 0 net_customer, 1 net_list, 2 any other */
};

struct bmecat_current {
	const char *name;       /* PRODUCT or ARTICLE */
	unsigned line;
	char *aid, *buyer_aid, *description, *order_unit, *price_quantity;
	int description_german;
	unsigned price_blocks;
	struct bmecat_price price;      /* the price being read */
	struct bmecat_price best;       /* the best price so far */
	int have_best;
};

struct bmecat_reader {
	xmlTextReaderPtr xr;
	const char *file;
	struct bmecat_header *hdr;
	int (*cb)(const struct bmecat_article *, void *);
	void *ctx;
	int v2005;              /* element names of 2005 in messages */
	char *ns;               /* namespace of the root, NULL for none */
	struct bmecat_level stack[BMECAT_MAX_DEPTH];
	unsigned depth;
	int seen_new_catalog;
	unsigned long narticles;
	unsigned prev_text_line;        /* see the top comment; 0 if none */
	struct buf text;
	struct bmecat_current art;
	int xml_failed;
	unsigned xml_line;
	char xml_msg[256];
};

static char bmecat_errbuf[1024];

static int bmecat_fail(struct bmecat_reader *, unsigned, const char *, ...)
    SO_ATTR_PRINTF(3, 4);

static int
bmecat_fail(struct bmecat_reader *r, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (line > 0)
		n = snprintf(bmecat_errbuf, sizeof(bmecat_errbuf), "%.200s:%u: ",
		    r->file, line);
	else
		n = snprintf(bmecat_errbuf, sizeof(bmecat_errbuf), "%.200s: ",
		    r->file);
	if (n < 0 || (size_t)n >= sizeof(bmecat_errbuf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(bmecat_errbuf + n, sizeof(bmecat_errbuf) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Document text in a message: truncated and with control characters escaped. */
static const char *
bmecat_quote(const char *s, char out[128])
{
	char *safe = str_log_safe(s != NULL ? s : "", 100);

	snprintf(out, 128, "%s", safe);
	free(safe);
	return out;
}

void
bmecat_header_clear(struct bmecat_header *hdr)
{
	if (hdr == NULL)
		return;
	free(hdr->version);
	free(hdr->catalog_id);
	free(hdr->supplier_name);
	free(hdr->supplier_id);
	free(hdr->currency);
	memset(hdr, 0, sizeof(*hdr));
}

static void
price_clear(struct bmecat_price *p)
{
	free(p->amount);
	free(p->currency);
	free(p->factor);
	free(p->lower_bound);
	memset(p, 0, sizeof(*p));
}

static void
current_clear(struct bmecat_current *a)
{
	free(a->aid);
	free(a->buyer_aid);
	free(a->description);
	free(a->order_unit);
	free(a->price_quantity);
	price_clear(&a->price);
	price_clear(&a->best);
	memset(a, 0, sizeof(*a));
}

/*
 * White space (and any other control character XML 1.1 might let in) runs
 * become one blank, so that a value fits on one line of katalog.csv or of
 * a mail.  NULL if nothing is left.
 */
static char *
text_collapse(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;
	int space = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f) {
			space = 1;
			continue;
		}
		if (space && o > out)
			*o++ = ' ';
		space = 0;
		*o++ = (char)c;
	}
	*o = '\0';
	if (o == out) {
		free(out);
		return NULL;
	}
	return out;
}

/* "4", "4.29", "0.5": digits with an optional fraction, nothing else. */
static int
decimal_valid(const char *s)
{
	size_t i = 0, n;

	n = strspn(s, "0123456789");
	if (n == 0)
		return 0;
	i = n;
	if (s[i] == '.') {
		n = strspn(s + i + 1, "0123456789");
		if (n == 0)
			return 0;
		i += 1 + n;
	}
	return s[i] == '\0';
}

/* Compare two valid decimals numerically, without floating point or locale. */
static int
decimal_cmp(const char *a, const char *b)
{
	size_t la, lb;
	int c;

	while (*a == '0' && a[1] != '\0' && a[1] != '.')
		a++;
	while (*b == '0' && b[1] != '\0' && b[1] != '.')
		b++;
	la = strcspn(a, ".");
	lb = strcspn(b, ".");
	if (la != lb)
		return la < lb ? -1 : 1;
	if ((c = strncmp(a, b, la)) != 0)
		return c < 0 ? -1 : 1;
	a += la;
	b += lb;
	if (*a == '.')
		a++;
	if (*b == '.')
		b++;
	while (*a != '\0' || *b != '\0') {
		char ca = *a != '\0' ? *a++ : '0';
		char cb = *b != '\0' ? *b++ : '0';

		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return 0;
}

static int
is_german(const char *lang)
{
	return lang == NULL || str_casecmp(lang, "deu") == 0 ||
	    str_casecmp(lang, "ger") == 0 || str_casecmp(lang, "de") == 0 ||
	    str_has_prefix_ci(lang, "de-");
}

static int
name_is(const char *name, const char *v2005, const char *v12)
{
	return strcmp(name, v2005) == 0 || strcmp(name, v12) == 0;
}

static int
same_ns(const char *a, const char *b)
{
	if (a == NULL || *a == '\0')
		return b == NULL;
	return b != NULL && strcmp(a, b) == 0;
}

/*
 * The value of an attribute without a namespace in *value_r (NULL if absent
 * or empty).  Read from the node itself and not with
 * xmlTextReaderGetAttribute(), which would expand entity references in the
 * value: a few kilobytes of "&big;&big;..." become gigabytes that way.  A
 * value that is more than one text node holds an entity reference (cannot
 * happen after no_entities_declared(), but must not be expanded if it does).
 */
static int
attribute(struct bmecat_reader *r, const char *name, unsigned line,
    char **value_r)
{
	xmlNodePtr n = xmlTextReaderCurrentNode(r->xr);
	xmlNodePtr v;

	*value_r = NULL;
	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return 0;
	for (xmlAttrPtr a = n->properties; a != NULL; a = a->next) {
		if (a->ns != NULL || strcmp((const char *)a->name, name) != 0)
			continue;
		v = a->children;
		if (v == NULL)
			return 0;
		if (v->type != XML_TEXT_NODE || v->next != NULL)
		{
			char q[128];

			return bmecat_fail(r, line, "the attribute %s of %s "
			    "contains an entity reference", name,
			    bmecat_quote((const char *)n->name, q));
		}
		if (v->content != NULL)
			*value_r = text_collapse((const char *)v->content,
			    strlen((const char *)v->content));
		return 0;
	}
	return 0;
}

/*
 * BMEcat needs no entities.  Refusing any declared in the DOCTYPE stops
 * XXE and entity expansion attacks before we read a single value.
 */
static int
no_entities_declared(struct bmecat_reader *r, unsigned line)
{
	xmlNodePtr n = xmlTextReaderCurrentNode(r->xr);
	xmlDtdPtr dtd = n != NULL && n->doc != NULL ? n->doc->intSubset : NULL;

	if (dtd == NULL)
		return 0;
	if ((dtd->entities != NULL && xmlHashSize(dtd->entities) > 0) ||
	    (dtd->pentities != NULL && xmlHashSize(dtd->pentities) > 0))
		return bmecat_fail(r, line, "the DOCTYPE declares entities "
		    "(<!ENTITY ...>), which a catalogue must not");
	return 0;
}

/* See the top comment. */
static unsigned
element_line(struct bmecat_reader *r)
{
	xmlNodePtr n = xmlTextReaderCurrentNode(r->xr);
	int line;

	if (n != NULL && n->line > 0 && n->line < 65535)
		return n->line;
	if (r->prev_text_line > 0)
		return r->prev_text_line;
	line = xmlTextReaderGetParserLineNumber(r->xr);
	return line > 0 ? (unsigned)line : 0;
}

static unsigned
text_line(struct bmecat_reader *r)
{
	xmlNodePtr n = xmlTextReaderCurrentNode(r->xr);
	long line = n != NULL ? xmlGetLineNo(n) : -1;

	return line > 0 ? (unsigned)line : 0;
}

static int
root_start(struct bmecat_reader *r, const char *name, const char *ns,
    unsigned line)
{
	char q[128], q2[128];
	int ns2005 = 0, ns12 = 0, ok;
	char *version;

	if (no_entities_declared(r, line) == -1)
		return -1;
	if (strcmp(name, "BMECAT") != 0)
		return bmecat_fail(r, line, "the root element is %s, not BMECAT",
		    bmecat_quote(name, q));
	if (ns != NULL && *ns != '\0') {
		ns2005 = strcmp(ns, BMECAT_NS_2005) == 0;
		ns12 = strcmp(ns, BMECAT_NS_12) == 0 ||
		    strcmp(ns, BMECAT_NS_12_XS) == 0;
		if (!ns2005 && !ns12)
			return bmecat_fail(r, line, "BMECAT is in the unknown "
			    "namespace \"%s\" (expected " BMECAT_NS_2005 ", "
			    BMECAT_NS_12 ", " BMECAT_NS_12_XS " or none)",
			    bmecat_quote(ns, q));
		r->ns = xstrdup(ns);
	}
	if (attribute(r, "version", line, &version) == -1)
		return -1;
	if (version == NULL) {
		if (!ns2005 && !ns12)
			return bmecat_fail(r, line,
			    "BMECAT has no version attribute");
		version = xstrdup(ns2005 ? "2005" : "1.2");
	}
	r->hdr->version = version;
	r->v2005 = strncmp(version, "2005", 4) == 0;
	if (!r->v2005 && strncmp(version, "1.", 2) != 0)
		return bmecat_fail(r, line, "BMEcat version \"%s\" is not "
		    "supported (2005 and 1.2 are)", bmecat_quote(version, q));
	ok = (!ns2005 || r->v2005) && (!ns12 || !r->v2005);
	if (!ok)
		return bmecat_fail(r, line, "BMEcat version \"%s\" does not "
		    "match the namespace %s", bmecat_quote(version, q),
		    bmecat_quote(ns, q2));
	return 0;
}

static int
article_start(struct bmecat_reader *r, const char *name, unsigned line)
{
	char q[128];
	char *mode;

	if (++r->narticles > BMECAT_MAX_ARTICLES)
		return bmecat_fail(r, line, "more than %d articles",
		    BMECAT_MAX_ARTICLES);
	if (attribute(r, "mode", line, &mode) == -1)
		return -1;
	if (mode != NULL && strcmp(mode, "new") != 0) {
		bmecat_fail(r, line, "%s with mode=\"%s\" in T_NEW_CATALOG "
		    "(only new articles are allowed there)", name,
		    bmecat_quote(mode, q));
		free(mode);
		return -1;
	}
	free(mode);
	current_clear(&r->art);
	r->art.name = name;
	r->art.line = line;
	return 0;
}

static int
price_start(struct bmecat_reader *r, unsigned line)
{
	char *type;

	price_clear(&r->art.price);
	if (attribute(r, "price_type", line, &type) == -1)
		return -1;
	if (type != NULL && strcmp(type, "net_customer") == 0)
		r->art.price.rank = 0;
	else if (type != NULL && strcmp(type, "net_list") == 0)
		r->art.price.rank = 1;
	else
		r->art.price.rank = 2;
	free(type);
	return 0;
}

/* The role of a child element, given its parent's role and its name. */
static void
element_classify(struct bmecat_reader *r, const struct bmecat_level *parent,
    struct bmecat_level *lv)
{
	const char *n = lv->name;

	lv->role = ROLE_OTHER;
	lv->field = FIELD_NONE;
	switch (parent->role) {
	case ROLE_ROOT:
		if (strcmp(n, "HEADER") == 0)
			lv->role = ROLE_HEADER;
		else if (strcmp(n, "T_NEW_CATALOG") == 0)
			lv->role = ROLE_NEW_CATALOG;
		break;
	case ROLE_HEADER:
		if (strcmp(n, "CATALOG") == 0)
			lv->role = ROLE_CATALOG;
		else if (strcmp(n, "SUPPLIER") == 0)
			lv->role = ROLE_SUPPLIER;
		break;
	case ROLE_CATALOG:
		if (strcmp(n, "CATALOG_ID") == 0)
			lv->field = FIELD_CATALOG_ID;
		else if (strcmp(n, "CURRENCY") == 0)
			lv->field = FIELD_CURRENCY;
		break;
	case ROLE_SUPPLIER:
		if (strcmp(n, "SUPPLIER_NAME") == 0)
			lv->field = FIELD_SUPPLIER_NAME;
		else if (strcmp(n, "SUPPLIER_ID") == 0)
			lv->field = FIELD_SUPPLIER_ID;
		break;
	case ROLE_NEW_CATALOG:
		if (name_is(n, "PRODUCT", "ARTICLE"))
			lv->role = ROLE_ARTICLE;
		break;
	case ROLE_ARTICLE:
		if (name_is(n, "SUPPLIER_PID", "SUPPLIER_AID"))
			lv->field = FIELD_AID;
		else if (name_is(n, "PRODUCT_DETAILS", "ARTICLE_DETAILS"))
			lv->role = ROLE_DETAILS;
		else if (name_is(n, "PRODUCT_ORDER_DETAILS",
		    "ARTICLE_ORDER_DETAILS"))
			lv->role = ROLE_ORDER_DETAILS;
		else if (name_is(n, "PRODUCT_PRICE_DETAILS",
		    "ARTICLE_PRICE_DETAILS") && ++r->art.price_blocks == 1)
			lv->role = ROLE_PRICE_DETAILS;
		break;
	case ROLE_DETAILS:
		if (strcmp(n, "DESCRIPTION_SHORT") == 0)
			lv->field = FIELD_DESCRIPTION;
		else if (name_is(n, "BUYER_PID", "BUYER_AID"))
			lv->field = FIELD_BUYER_AID;
		break;
	case ROLE_ORDER_DETAILS:
		if (strcmp(n, "ORDER_UNIT") == 0)
			lv->field = FIELD_ORDER_UNIT;
		else if (strcmp(n, "PRICE_QUANTITY") == 0)
			lv->field = FIELD_PRICE_QUANTITY;
		break;
	case ROLE_PRICE_DETAILS:
		if (name_is(n, "PRODUCT_PRICE", "ARTICLE_PRICE"))
			lv->role = ROLE_PRICE;
		break;
	case ROLE_PRICE:
		if (strcmp(n, "PRICE_AMOUNT") == 0)
			lv->field = FIELD_PRICE_AMOUNT;
		else if (strcmp(n, "PRICE_CURRENCY") == 0)
			lv->field = FIELD_PRICE_CURRENCY;
		else if (strcmp(n, "PRICE_FACTOR") == 0)
			lv->field = FIELD_PRICE_FACTOR;
		else if (strcmp(n, "LOWER_BOUND") == 0)
			lv->field = FIELD_LOWER_BOUND;
		break;
	default:
		break;
	}
	if (lv->field != FIELD_NONE)
		lv->role = ROLE_FIELD;
}

static int
element_start(struct bmecat_reader *r)
{
	const char *name = (const char *)xmlTextReaderConstLocalName(r->xr);
	const char *ns = (const char *)xmlTextReaderConstNamespaceUri(r->xr);
	struct bmecat_level lv = { ROLE_OTHER, FIELD_NONE, name, 0, 0 };
	struct bmecat_level *parent;
	char q[128];

	lv.line = element_line(r);
	if (name == NULL)
		return bmecat_fail(r, lv.line, "libxml2 gave an element "
		    "without a name");
	if (r->depth >= BMECAT_MAX_DEPTH)
		return bmecat_fail(r, lv.line, "elements are nested deeper "
		    "than %d levels", BMECAT_MAX_DEPTH);
	if (r->depth == 0) {
		if (root_start(r, name, ns, lv.line) == -1)
			return -1;
		lv.role = ROLE_ROOT;
		r->stack[r->depth++] = lv;
		return 0;
	}
	parent = &r->stack[r->depth - 1];
	if (parent->role == ROLE_SKIP || !same_ns(ns, r->ns))
		lv.role = ROLE_SKIP;
	else
		element_classify(r, parent, &lv);

	if (parent->role == ROLE_ROOT && lv.role == ROLE_OTHER &&
	    name_is(name, "T_UPDATE_PRODUCTS", "T_UPDATE_PRICES"))
		return bmecat_fail(r, lv.line, "%s is not supported: only a "
		    "complete catalogue (T_NEW_CATALOG) can be imported",
		    bmecat_quote(name, q));
	switch (lv.role) {
	case ROLE_NEW_CATALOG:
		r->seen_new_catalog = 1;
		break;
	case ROLE_ARTICLE:
		if (article_start(r, name, lv.line) == -1)
			return -1;
		break;
	case ROLE_PRICE:
		if (price_start(r, lv.line) == -1)
			return -1;
		break;
	case ROLE_FIELD:
		buf_reset(&r->text);
		if (lv.field == FIELD_DESCRIPTION) {
			char *lang;

			if (attribute(r, "lang", lv.line, &lang) == -1)
				return -1;
			lv.german = is_german(lang);
			free(lang);
		}
		break;
	default:
		break;
	}
	r->stack[r->depth++] = lv;
	return 0;
}

static int
field_end(struct bmecat_reader *r, const struct bmecat_level *lv)
{
	struct bmecat_header *hdr = r->hdr;
	struct bmecat_current *a = &r->art;
	char *v = text_collapse(buf_cstr(&r->text), r->text.len);
	char **slot = NULL;
	char q[128];
	int required = 1, once = 0;

	switch (lv->field) {
	case FIELD_CATALOG_ID:
		slot = &hdr->catalog_id, required = 0;
		break;
	case FIELD_CURRENCY:
		slot = &hdr->currency, required = 0;
		break;
	case FIELD_SUPPLIER_NAME:
		slot = &hdr->supplier_name, required = 0;
		break;
	case FIELD_SUPPLIER_ID:
		slot = &hdr->supplier_id, required = 0;
		break;
	case FIELD_AID:
		slot = &a->aid, once = 1;
		break;
	case FIELD_BUYER_AID:
		slot = &a->buyer_aid, required = 0;
		break;
	case FIELD_DESCRIPTION:
		if (v != NULL && a->description != NULL &&
		    !a->description_german && lv->german) {
			free(a->description);
			a->description = NULL;
		}
		if (v != NULL && a->description == NULL)
			a->description_german = lv->german;
		slot = &a->description;
		break;
	case FIELD_ORDER_UNIT:
		slot = &a->order_unit, once = 1;
		break;
	case FIELD_PRICE_QUANTITY:
		slot = &a->price_quantity, once = 1;
		break;
	case FIELD_PRICE_AMOUNT:
		slot = &a->price.amount, once = 1;
		break;
	case FIELD_PRICE_CURRENCY:
		slot = &a->price.currency, once = 1;
		break;
	case FIELD_PRICE_FACTOR:
		slot = &a->price.factor, once = 1;
		break;
	case FIELD_LOWER_BOUND:
		slot = &a->price.lower_bound, once = 1;
		break;
	case FIELD_NONE:
		fatalx("bmecat: field_end without a field");
	}
	if (v == NULL) {
		if (required)
			return bmecat_fail(r, lv->line, "%s is empty", lv->name);
		return 0;
	}
	if ((lv->field == FIELD_PRICE_AMOUNT || lv->field == FIELD_PRICE_FACTOR ||
	    lv->field == FIELD_PRICE_QUANTITY || lv->field == FIELD_LOWER_BOUND) &&
	    !decimal_valid(v)) {
		bmecat_fail(r, lv->line, "%s \"%s\" is not a decimal number "
		    "such as 4.29", lv->name, bmecat_quote(v, q));
		free(v);
		return -1;
	}
	if (*slot != NULL) {
		free(v);
		if (once)
			return bmecat_fail(r, lv->line, "a second %s in the "
			    "same %s", lv->name, r->stack[r->depth - 1].name);
		return 0;
	}
	*slot = v;
	return 0;
}

static int
price_end(struct bmecat_reader *r, const struct bmecat_level *lv)
{
	struct bmecat_current *a = &r->art;
	struct bmecat_price *p = &a->price, *b = &a->best;
	int better;

	if (p->amount == NULL)
		return bmecat_fail(r, lv->line, "%s has no PRICE_AMOUNT",
		    lv->name);
	better = !a->have_best || p->rank < b->rank ||
	    (p->rank == b->rank && decimal_cmp(
	    p->lower_bound != NULL ? p->lower_bound : "1",
	    b->lower_bound != NULL ? b->lower_bound : "1") < 0);
	if (better) {
		price_clear(b);
		*b = *p;
		memset(p, 0, sizeof(*p));
		a->have_best = 1;
	} else
		price_clear(p);
	return 0;
}

static int
article_end(struct bmecat_reader *r)
{
	struct bmecat_current *a = &r->art;
	struct bmecat_article out;
	const char *aid_name = r->v2005 ? "SUPPLIER_PID" : "SUPPLIER_AID";
	char q[128], q2[128];

	if (a->aid == NULL)
		return bmecat_fail(r, a->line, "%s has no %s", a->name, aid_name);
	bmecat_quote(a->aid, q);
	if (a->description == NULL)
		return bmecat_fail(r, a->line, "%s \"%s\" has no "
		    "DESCRIPTION_SHORT", a->name, q);
	if (a->order_unit == NULL)
		return bmecat_fail(r, a->line, "%s \"%s\" has no ORDER_UNIT",
		    a->name, q);
	if (!a->have_best)
		return bmecat_fail(r, a->line, "%s \"%s\" has no price (no "
		    "%s_PRICE in the first %s_PRICE_DETAILS)", a->name, q,
		    r->v2005 ? "PRODUCT" : "ARTICLE",
		    r->v2005 ? "PRODUCT" : "ARTICLE");
	if (a->price_quantity != NULL && decimal_cmp(a->price_quantity, "1") != 0)
		return bmecat_fail(r, a->line, "%s \"%s\": PRICE_QUANTITY %s is "
		    "not supported, the catalogue needs the price of one "
		    "ORDER_UNIT", a->name, q, bmecat_quote(a->price_quantity, q2));
	if (a->best.factor != NULL && decimal_cmp(a->best.factor, "1") != 0)
		return bmecat_fail(r, a->line, "%s \"%s\": PRICE_FACTOR %s is "
		    "not supported, the catalogue needs the net price itself",
		    a->name, q, bmecat_quote(a->best.factor, q2));

	out.supplier_aid = a->aid;
	out.buyer_aid = a->buyer_aid;
	out.description = a->description;
	out.order_unit = a->order_unit;
	out.price = a->best.amount;
	out.currency = a->best.currency != NULL ? a->best.currency :
	    r->hdr->currency;
	out.line = a->line;
	if (r->cb != NULL && r->cb(&out, r->ctx) != 0)
		return bmecat_fail(r, a->line, "import stopped by the caller at "
		    "%s \"%s\"", a->name, q);
	current_clear(a);
	return 0;
}

static int
element_end(struct bmecat_reader *r)
{
	struct bmecat_level *lv;

	if (r->depth == 0)
		fatalx("bmecat: end of an element that was never opened");
	lv = &r->stack[--r->depth];
	switch (lv->role) {
	case ROLE_FIELD:
		return field_end(r, lv);
	case ROLE_PRICE:
		return price_end(r, lv);
	case ROLE_ARTICLE:
		return article_end(r);
	default:
		return 0;
	}
}

static int
text_node(struct bmecat_reader *r)
{
	const struct bmecat_level *lv;
	const char *v;

	r->prev_text_line = text_line(r);
	if (r->depth == 0)
		return 0;
	lv = &r->stack[r->depth - 1];
	if (lv->role != ROLE_FIELD)
		return 0;
	v = (const char *)xmlTextReaderConstValue(r->xr);
	if (v != NULL && (r->text.len + strlen(v) > BMECAT_MAX_TEXT ||
	    buf_puts(&r->text, v) == -1))
		return bmecat_fail(r, lv->line, "the text of %s is longer than "
		    "%zu bytes", lv->name, BMECAT_MAX_TEXT);
	return 0;
}

#if LIBXML_VERSION >= 21200
static void
bmecat_xml_error(void *arg, const xmlError *e)
#else
static void
bmecat_xml_error(void *arg, xmlErrorPtr e)
#endif
{
	struct bmecat_reader *r = arg;
	char *msg;
	size_t n;
	int line;

	if (e == NULL || e->level < XML_ERR_ERROR || r->xml_failed)
		return;
	r->xml_failed = 1;
	/*
	 * An error inside an entity's replacement text (billion laughs) comes
	 * from a parser of its own and has the line within that text; the
	 * reader's parser stands at the reference in the document then.
	 * Otherwise both are the same line.
	 */
	line = xmlTextReaderGetParserLineNumber(r->xr);
	if (e->line > line)
		line = e->line;
	r->xml_line = line > 0 ? (unsigned)line : 0;
	msg = xstrdup(e->message != NULL ? e->message : "unknown XML error");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	bmecat_quote(msg, r->xml_msg);
	free(msg);
}

static int
bmecat_xml_failure(struct bmecat_reader *r)
{
	return bmecat_fail(r, r->xml_line, "XML error: %s", r->xml_msg);
}

static int
bmecat_run(struct bmecat_reader *r)
{
	int ret, type;
	char q[128];

	/*
	 * Explicitly off for this reader, whatever libxml2's process-wide
	 * defaults are (xmlSubstituteEntitiesDefault, xmlLoadExtDtdDefaultValue).
	 */
	if (xmlTextReaderSetParserProp(r->xr, XML_PARSER_LOADDTD, 0) != 0 ||
	    xmlTextReaderSetParserProp(r->xr, XML_PARSER_DEFAULTATTRS, 0) != 0 ||
	    xmlTextReaderSetParserProp(r->xr, XML_PARSER_VALIDATE, 0) != 0 ||
	    xmlTextReaderSetParserProp(r->xr, XML_PARSER_SUBST_ENTITIES, 0) != 0)
		return bmecat_fail(r, 0, "cannot switch off DTD loading and "
		    "entity substitution in libxml2");
	xmlTextReaderSetStructuredErrorHandler(r->xr, bmecat_xml_error, r);

	while ((ret = xmlTextReaderRead(r->xr)) == 1) {
		if (r->xml_failed)
			return bmecat_xml_failure(r);
		type = xmlTextReaderNodeType(r->xr);
		switch (type) {
		case XML_READER_TYPE_ELEMENT:
			if (element_start(r) == -1)
				return -1;
			if (xmlTextReaderIsEmptyElement(r->xr) == 1 &&
			    element_end(r) == -1)
				return -1;
			r->prev_text_line = 0;
			break;
		case XML_READER_TYPE_END_ELEMENT:
			if (element_end(r) == -1)
				return -1;
			r->prev_text_line = 0;
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			if (text_node(r) == -1)
				return -1;
			break;
		case XML_READER_TYPE_ENTITY_REFERENCE:
			/*
			 * Not seen in practice: declared entities are refused
			 * at the root and libxml2 rejects undeclared ones.
			 * Kept so that no libxml2 change can make us expand one.
			 */
			return bmecat_fail(r, element_line(r), "entity reference "
			    "&%s; is not allowed in a catalogue",
			    bmecat_quote((const char *)
			    xmlTextReaderConstLocalName(r->xr), q));
		default:
			r->prev_text_line = 0;
			break;
		}
	}
	if (r->xml_failed)
		return bmecat_xml_failure(r);
	if (ret != 0)
		return bmecat_fail(r, (unsigned)xmlTextReaderGetParserLineNumber(
		    r->xr), "XML error: the reader failed");
	if (!r->seen_new_catalog)
		return bmecat_fail(r, 0, "no T_NEW_CATALOG in the document");
	return 0;
}

static int
bmecat_read(xmlTextReaderPtr xr, const char *file, struct bmecat_header *hdr,
    int (*cb)(const struct bmecat_article *, void *), void *ctx,
    const char **error_r)
{
	struct bmecat_reader *r = xcalloc(1, sizeof(*r));
	int ret;

	r->xr = xr;
	r->file = file;
	r->hdr = hdr;
	r->cb = cb;
	r->ctx = ctx;
	buf_init(&r->text, BMECAT_MAX_TEXT + 1);
	ret = bmecat_run(r);
	if (ret != 0)
		*error_r = bmecat_errbuf;
	buf_free(&r->text);
	current_clear(&r->art);
	free(r->ns);
	free(r);
	return ret;
}

int
bmecat_read_memory(const char *data, size_t len, struct bmecat_header *hdr,
    int (*cb)(const struct bmecat_article *a, void *ctx), void *ctx,
    const char **error_r)
{
	xmlTextReaderPtr xr;
	int ret;

	memset(hdr, 0, sizeof(*hdr));
	if (len == 0) {
		snprintf(bmecat_errbuf, sizeof(bmecat_errbuf),
		    "<memory>: the document is empty");
		*error_r = bmecat_errbuf;
		return -1;
	}
	if (len > BMECAT_MAX_BYTES) {
		snprintf(bmecat_errbuf, sizeof(bmecat_errbuf), "<memory>: the "
		    "document has %zu bytes, more than the limit of %zu", len,
		    BMECAT_MAX_BYTES);
		*error_r = bmecat_errbuf;
		return -1;
	}
	xmlInitParser();
	xr = xmlReaderForMemory(data, (int)len, NULL, NULL, BMECAT_XML_OPTIONS);
	if (xr == NULL) {
		snprintf(bmecat_errbuf, sizeof(bmecat_errbuf),
		    "<memory>: xmlReaderForMemory() failed");
		*error_r = bmecat_errbuf;
		return -1;
	}
	ret = bmecat_read(xr, "<memory>", hdr, cb, ctx, error_r);
	xmlFreeTextReader(xr);
	return ret;
}

int
bmecat_read_file(const char *path, struct bmecat_header *hdr,
    int (*cb)(const struct bmecat_article *a, void *ctx), void *ctx,
    const char **error_r)
{
	xmlTextReaderPtr xr;
	struct stat st;
	int fd, ret;

	memset(hdr, 0, sizeof(*hdr));
	*error_r = bmecat_errbuf;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(bmecat_errbuf, sizeof(bmecat_errbuf),
		    "%.200s: open() failed: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(bmecat_errbuf, sizeof(bmecat_errbuf),
		    "%.200s: fstat() failed: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(bmecat_errbuf, sizeof(bmecat_errbuf),
		    "%.200s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size == 0 || (unsigned long long)st.st_size > BMECAT_MAX_BYTES) {
		snprintf(bmecat_errbuf, sizeof(bmecat_errbuf), "%.200s: the "
		    "document has %lld bytes (allowed: 1 to %zu)", path,
		    (long long)st.st_size, BMECAT_MAX_BYTES);
		close(fd);
		return -1;
	}
	xmlInitParser();
	/* No URL: nothing is ever resolved relative to the file. */
	xr = xmlReaderForFd(fd, NULL, NULL, BMECAT_XML_OPTIONS);
	if (xr == NULL) {
		snprintf(bmecat_errbuf, sizeof(bmecat_errbuf),
		    "%.200s: xmlReaderForFd() failed", path);
		close(fd);
		return -1;
	}
	ret = bmecat_read(xr, path, hdr, cb, ctx, error_r);
	xmlFreeTextReader(xr);
	close(fd);
	return ret;
}

static const struct {
	const char *code;
	const char *name;
} bmecat_units[] = {
	{ "C62", "Stück" },     /* one (unit) */
	{ "H87", "Stück" },     /* piece */
	{ "EA", "Stück" },      /* each */
	{ "PCE", "Stück" },     /* not Rec 20, but common in BMEcat 1.2 files */
	{ "PK", "Pack" },
	{ "PA", "Päckchen" },
	{ "CT", "Karton" },
	{ "BX", "Schachtel" },
	{ "PD", "Block" },
	{ "RO", "Rolle" },
	{ "PR", "Paar" },
	{ "SET", "Satz" },
	{ "BG", "Beutel" },
	{ "BO", "Flasche" },
	{ "CA", "Dose" },
	{ "CS", "Kiste" },
	{ "CQ", "Kartusche" },
	{ "TU", "Tube" },
	{ "BE", "Bündel" },
	{ "SA", "Sack" },
	{ "RM", "Ries" },
	{ "DZN", "Dutzend" },
	{ "KGM", "kg" },
	{ "GRM", "g" },
	{ "TNE", "t" },
	{ "LTR", "l" },
	{ "MLT", "ml" },
	{ "MTR", "m" },
	{ "CMT", "cm" },
	{ "MMT", "mm" },
	{ "KMT", "km" },
	{ "MTK", "m²" },
	{ "MTQ", "m³" },
	{ "HUR", "Stunde" },
	{ "DAY", "Tag" },
	{ "MON", "Monat" },
	{ "ANN", "Jahr" },
	{ "LS", "Pauschale" },
};

const char *
bmecat_unit_name(const char *code)
{
	if (code == NULL)
		return NULL;
	for (size_t i = 0; i < SO_NELEM(bmecat_units); i++)
		if (strcmp(code, bmecat_units[i].code) == 0)
			return bmecat_units[i].name;
	return code;
}
