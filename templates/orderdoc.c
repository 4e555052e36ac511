/* SPDX-License-Identifier: MIT */
/*
 * orderdoc - the machine-readable order attachment: CSV or openTRANS 2.1
 * ORDER (see orderdoc.h).
 *
 * Both writers first make one checked, cleaned copy of the document
 * (struct cdoc): every string UTF-8 checked, stripped of characters XML 1.0
 * and spreadsheets cannot take, trimmed; every number checked against the
 * others.  Only then is anything written, so the two formats always agree
 * and a bad document fails before a single byte reaches the caller's buffer.
 * The XML is written by hand: the structure is fixed and small, and a
 * straight sequence of elements is easier to compare with the schema than
 * a DOM.
 *
 * It does not validate against the XSD at run time; the tests do that for
 * every kind of document this module writes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "orderdoc.h"
#include "util.h"

/* Element lengths from the openTRANS 2.1 / BMEcat 2005 schema (characters). */
#define OT_ID_MAX 250           /* ORDER_ID, PARTY_ID and the IDREFs */
#define OT_NAME_MAX 50          /* NAME, NAME2, DEPARTMENT, STREET, CITY */
#define OT_ZIP_MAX 20
#define OT_EMAIL_MAX 255
#define OT_SUPPLIER_PID_MAX 32
#define OT_BUYER_PID_MAX 50
#define OT_COST_CATEGORY_MAX 64
#define OT_DESCR_SHORT_MAX 150

static char errbuf[512];

static int SO_ATTR_PRINTF(2, 3)
fail(const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	if (error_r != NULL)
		*error_r = errbuf;
	return -1;
}

/* Decode one UTF-8 sequence of already validated text; returns its length. */
static size_t
utf8_decode(const unsigned char *p, uint32_t *cp_r)
{
	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		*cp_r = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		return 2;
	}
	if ((p[0] & 0xf0) == 0xe0) {
		*cp_r = ((uint32_t)(p[0] & 0x0f) << 12) |
		    ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
		return 3;
	}
	*cp_r = ((uint32_t)(p[0] & 0x07) << 18) |
	    ((uint32_t)(p[1] & 0x3f) << 12) |
	    ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
	return 4;
}

/* Number of characters (code points) of valid UTF-8 s. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

/* Cut valid UTF-8 s in place to at most max characters; 1 if it was cut. */
static int
utf8_cut(char *s, size_t max)
{
	size_t n = 0;

	for (char *p = s; *p != '\0'; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && n++ == max) {
			*p = '\0';
			str_trim(s);
			return 1;
		}
	}
	return 0;
}

/*
 * Copy of valid UTF-8 s[0..n) without the characters XML 1.0 forbids, and
 * without DEL and the C1 controls either: in office text they only ever
 * come from a broken charset conversion, and no supplier wants them.  TAB,
 * CR and LF become a space, or in multi-line text line ends become LF.
 * The result is trimmed.  Never longer than the input.
 */
static char *
text_clean(const char *s, size_t n, int multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(n + 1);
	size_t i = 0, o = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, &cp);

		if (cp == '\t' || cp == '\n' || cp == '\r') {
			if (!multiline)
				out[o++] = ' ';
			else if (cp == '\t')
				out[o++] = '\t';
			else if (cp == '\n' || i + 1 >= n || p[i + 1] != '\n')
				out[o++] = '\n';
			/* else: the CR of a CRLF, the LF follows */
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    cp == 0xfffe || cp == 0xffff) {
			;       /* dropped */
		} else {
			memcpy(out + o, p + i, len);
			o += len;
		}
		i += len;
	}
	out[o] = '\0';
	return str_trim(out);
}

/* ---- cleaned copy of the document ---- */

struct cparty {
	char *id, *name, *street, *zip, *city, *room;
};

struct cline {
	char *supplier_aid, *buyer_aid, *description, *unit, *kostenstelle;
	char *case_nr;
	int64_t quantity, price_cents, total_cents;
	size_t party;           /* index into cdoc.parties */
};

struct cdoc {
	char *order_id, *buyer_id, *buyer_name, *buyer_email;
	char *supplier_id, *supplier_name, *supplier_email, *customer_number;
	char *remark;
	struct cparty *parties;
	size_t nparties;
	struct cline *lines;
	size_t nlines;
	int64_t total_cents;
	char date[16];          /* YYYY-MM-DD, local time */
	char datetime[48];      /* YYYY-MM-DDThh:mm:ss+hh:mm */
};

#define F_REQUIRED 0x01
#define F_MULTILINE 0x02

/*
 * One string field: NULL and "" are the same; an empty result of a
 * F_REQUIRED field is an error.  *out_r is NULL for an empty optional field.
 */
static int
field_get(const char *ctx, const char *what, const char *s, int flags,
    char **out_r, const char **error_r)
{
	size_t n;
	char *c;

	*out_r = NULL;
	if (s == NULL)
		s = "";
	n = strnlen(s, ORDERDOC_FIELD_MAX + 1);
	if (n > ORDERDOC_FIELD_MAX)
		return fail(error_r, "orderdoc: %s: %s is longer than %d bytes",
		    ctx, what, ORDERDOC_FIELD_MAX);
	if (!utf8_valid(s, n))
		return fail(error_r, "orderdoc: %s: %s is not valid UTF-8",
		    ctx, what);
	c = text_clean(s, n, (flags & F_MULTILINE) != 0);
	if (*c == '\0') {
		free(c);
		if (flags & F_REQUIRED)
			return fail(error_r, "orderdoc: %s: %s is missing",
			    ctx, what);
		return 0;
	}
	*out_r = c;
	return 0;
}

static void
cdoc_free(struct cdoc *c)
{
	free(c->order_id);
	free(c->buyer_id);
	free(c->buyer_name);
	free(c->buyer_email);
	free(c->supplier_id);
	free(c->supplier_name);
	free(c->supplier_email);
	free(c->customer_number);
	free(c->remark);
	for (size_t i = 0; i < c->nparties; i++) {
		struct cparty *p = &c->parties[i];

		free(p->id);
		free(p->name);
		free(p->street);
		free(p->zip);
		free(p->city);
		free(p->room);
	}
	free(c->parties);
	for (size_t i = 0; i < c->nlines; i++) {
		struct cline *l = &c->lines[i];

		free(l->supplier_aid);
		free(l->buyer_aid);
		free(l->description);
		free(l->unit);
		free(l->kostenstelle);
		free(l->case_nr);
	}
	free(c->lines);
	memset(c, 0, sizeof(*c));
}

/* The order date in local time, with the offset written out (never "Z"). */
static int
cdoc_dates(struct cdoc *c, int64_t t, const char **error_r)
{
	time_t tt = (time_t)t;
	struct tm tm;
	long off;
	unsigned zone_h, zone_m;
	char sign = '+', stamp[32];

	if (t <= 0 || (int64_t)tt != t || localtime_r(&tt, &tm) == NULL)
		return fail(error_r, "orderdoc: order_date %lld is not a valid "
		    "time", (long long)t);
	if (tm.tm_year + 1900 > 9999)
		return fail(error_r, "orderdoc: order_date %lld is after the "
		    "year 9999", (long long)t);
	off = tm.tm_gmtoff;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	/* The schema's dtDATETIME takes hh:mm offsets below 24 h only. */
	if (off % 60 != 0 || off >= 24 * 3600)
		return fail(error_r, "orderdoc: local time zone offset %ld s "
		    "cannot be written as hh:mm", tm.tm_gmtoff);
	zone_h = (unsigned)off / 3600u % 24u;
	zone_m = (unsigned)off / 60u % 60u;
	if (strftime(c->date, sizeof(c->date), "%Y-%m-%d", &tm) == 0 ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return fail(error_r, "orderdoc: order_date %lld cannot be "
		    "formatted", (long long)t);
	snprintf(c->datetime, sizeof(c->datetime), "%s%c%02u:%02u", stamp, sign,
	    zone_h, zone_m);
	return 0;
}

static int
cdoc_party(struct cdoc *c, size_t i, const struct orderdoc_party *p,
    const char **error_r)
{
	struct cparty *cp = &c->parties[i];
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "delivery %zu", i + 1);
	if (field_get(ctx, "id", p->id, F_REQUIRED, &cp->id, error_r) != 0)
		return -1;
	/* From here on the Lieferort code is the better name for it. */
	snprintf(ctx, sizeof(ctx), "delivery %.40s", cp->id);
	for (size_t j = 0; j < i; j++) {
		if (strcmp(c->parties[j].id, cp->id) == 0)
			return fail(error_r, "orderdoc: %s: id given twice",
			    ctx);
	}
	if (field_get(ctx, "name", p->name, F_REQUIRED, &cp->name,
	    error_r) != 0 ||
	    field_get(ctx, "street", p->street, F_REQUIRED, &cp->street,
	    error_r) != 0 ||
	    field_get(ctx, "zip", p->zip, F_REQUIRED, &cp->zip, error_r) != 0 ||
	    field_get(ctx, "city", p->city, F_REQUIRED, &cp->city,
	    error_r) != 0 ||
	    field_get(ctx, "room", p->room, 0, &cp->room, error_r) != 0)
		return -1;
	return 0;
}

/*
 * case_nr is a list "SO-1,SO-2" when one line sums several cases: at least
 * one number, at most ORDERDOC_CASES_MAX, each short enough to be an
 * openTRANS ORDER_ID.
 */
static int
case_list_check(const char *ctx, const char *case_nr, const char **error_r)
{
	char *list = xstrdup(case_nr), *save = NULL;
	size_t n = 0;
	int r = 0;

	for (char *t = strtok_r(list, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		str_trim(t);
		if (*t == '\0')
			continue;
		if (++n > ORDERDOC_CASES_MAX) {
			r = fail(error_r, "orderdoc: %s: case_nr lists more "
			    "than %d case numbers", ctx, ORDERDOC_CASES_MAX);
			break;
		}
		if (utf8_chars(t) > OT_ID_MAX) {
			r = fail(error_r, "orderdoc: %s: a case number in "
			    "case_nr is longer than %d characters", ctx,
			    OT_ID_MAX);
			break;
		}
	}
	free(list);
	if (r == 0 && n == 0)
		r = fail(error_r, "orderdoc: %s: case_nr has no case number",
		    ctx);
	return r;
}

static int
cdoc_line(struct cdoc *c, size_t i, const struct orderdoc_line *l,
    const char **error_r)
{
	struct cline *cl = &c->lines[i];
	char ctx[32], *delivery;
	size_t k;

	snprintf(ctx, sizeof(ctx), "line %zu", i + 1);
	if (field_get(ctx, "supplier_aid", l->supplier_aid, 0,
	    &cl->supplier_aid, error_r) != 0 ||
	    field_get(ctx, "buyer_aid", l->buyer_aid, 0, &cl->buyer_aid,
	    error_r) != 0 ||
	    field_get(ctx, "description", l->description, F_REQUIRED,
	    &cl->description, error_r) != 0 ||
	    field_get(ctx, "unit", l->unit, F_REQUIRED, &cl->unit,
	    error_r) != 0 ||
	    field_get(ctx, "kostenstelle", l->kostenstelle, F_REQUIRED,
	    &cl->kostenstelle, error_r) != 0 ||
	    field_get(ctx, "case_nr", l->case_nr, F_REQUIRED, &cl->case_nr,
	    error_r) != 0 ||
	    case_list_check(ctx, cl->case_nr, error_r) != 0)
		return -1;

	if (l->quantity <= 0)
		return fail(error_r, "orderdoc: %s: quantity %lld is not "
		    "positive", ctx, (long long)l->quantity);
	if (l->price_cents < 0)
		return fail(error_r, "orderdoc: %s: price %lld cents is "
		    "negative", ctx, (long long)l->price_cents);
	if (l->price_cents != 0 && l->quantity > INT64_MAX / l->price_cents)
		return fail(error_r, "orderdoc: %s: quantity x price "
		    "overflows", ctx);
	if (l->total_cents != l->quantity * l->price_cents)
		return fail(error_r, "orderdoc: %s: total %lld cents is not "
		    "quantity %lld x price %lld cents", ctx,
		    (long long)l->total_cents, (long long)l->quantity,
		    (long long)l->price_cents);
	cl->quantity = l->quantity;
	cl->price_cents = l->price_cents;
	cl->total_cents = l->total_cents;

	if (field_get(ctx, "delivery_id", l->delivery_id, F_REQUIRED,
	    &delivery, error_r) != 0)
		return -1;
	for (k = 0; k < c->nparties; k++) {
		if (strcmp(c->parties[k].id, delivery) == 0)
			break;
	}
	if (k == c->nparties) {
		fail(error_r, "orderdoc: %s: delivery_id \"%.40s\" names no "
		    "delivery party", ctx, delivery);
		free(delivery);
		return -1;
	}
	free(delivery);
	cl->party = k;
	return 0;
}

/* Check d completely and fill c; on failure c is freed. */
static int
cdoc_make(const struct orderdoc *d, struct cdoc *c, const char **error_r)
{
	int64_t sum = 0;

	memset(c, 0, sizeof(*c));
	if (d == NULL)
		return fail(error_r, "orderdoc: no document");
	if (d->ndeliveries == 0 || d->deliveries == NULL)
		return fail(error_r, "orderdoc: no delivery party");
	if (d->ndeliveries > ORDERDOC_DELIVERIES_MAX)
		return fail(error_r, "orderdoc: %zu delivery parties, at "
		    "most %d allowed", d->ndeliveries,
		    ORDERDOC_DELIVERIES_MAX);
	if (d->nlines == 0 || d->lines == NULL)
		return fail(error_r, "orderdoc: order has no lines");
	if (d->nlines > ORDERDOC_LINES_MAX)
		return fail(error_r, "orderdoc: %zu lines, at most %d allowed",
		    d->nlines, ORDERDOC_LINES_MAX);

	if (field_get("order", "order_id", d->order_id, F_REQUIRED,
	    &c->order_id, error_r) != 0 ||
	    field_get("order", "buyer_id", d->buyer_id, F_REQUIRED,
	    &c->buyer_id, error_r) != 0 ||
	    field_get("order", "buyer_name", d->buyer_name, F_REQUIRED,
	    &c->buyer_name, error_r) != 0 ||
	    field_get("order", "buyer_email", d->buyer_email, 0,
	    &c->buyer_email, error_r) != 0 ||
	    field_get("order", "supplier_id", d->supplier_id, F_REQUIRED,
	    &c->supplier_id, error_r) != 0 ||
	    field_get("order", "supplier_name", d->supplier_name, F_REQUIRED,
	    &c->supplier_name, error_r) != 0 ||
	    field_get("order", "supplier_email", d->supplier_email, 0,
	    &c->supplier_email, error_r) != 0 ||
	    field_get("order", "customer_number", d->customer_number, 0,
	    &c->customer_number, error_r) != 0 ||
	    field_get("order", "remark", d->remark, F_MULTILINE,
	    &c->remark, error_r) != 0 ||
	    cdoc_dates(c, d->order_date, error_r) != 0)
		goto bad;

	c->parties = xcalloc(d->ndeliveries, sizeof(*c->parties));
	for (size_t i = 0; i < d->ndeliveries; i++) {
		c->nparties = i + 1;    /* so that cdoc_free() frees it */
		if (cdoc_party(c, i, &d->deliveries[i], error_r) != 0)
			goto bad;
	}
	c->lines = xcalloc(d->nlines, sizeof(*c->lines));
	for (size_t i = 0; i < d->nlines; i++) {
		c->nlines = i + 1;
		if (cdoc_line(c, i, &d->lines[i], error_r) != 0)
			goto bad;
		if (sum > INT64_MAX - c->lines[i].total_cents) {
			fail(error_r, "orderdoc: sum of the line totals "
			    "overflows");
			goto bad;
		}
		sum += c->lines[i].total_cents;
	}
	if (sum != d->total_cents) {
		fail(error_r, "orderdoc: order total %lld cents is not the sum "
		    "of the lines, %lld cents", (long long)d->total_cents,
		    (long long)sum);
		goto bad;
	}
	c->total_cents = sum;
	return 0;
bad:
	cdoc_free(c);
	return -1;
}

/* "1234,50" or "1234.50": no thousands separator, always two decimals. */
static void
money_plain(int64_t cents, char sep, char out[32])
{
	snprintf(out, 32, "%lld%c%02lld", (long long)(cents / 100), sep,
	    (long long)(cents % 100));
}

/* Give out back its old length after a failed write. */
static void
out_restore(struct buf *out, size_t len)
{
	out->len = len;
	if (out->data != NULL)
		out->data[len] = '\0';
}

/* ---- CSV ---- */

struct csvw {
	struct buf *b;
	int failed;
	int first;              /* at the first field of a row */
};

static void
csv_raw(struct csvw *w, const char *s, size_t n)
{
	if (!w->failed && buf_append(w->b, s, n) != 0)
		w->failed = 1;
}

/*
 * One field.  text: guard against formula injection; numbers and dates we
 * wrote ourselves are never guarded, so a spreadsheet still sees numbers.
 */
static void
csv_field(struct csvw *w, const char *s, int text)
{
	int guard, quote;

	if (s == NULL)
		s = "";
	guard = text && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
	quote = strpbrk(s, ";\"\r\n") != NULL;
	if (!w->first)
		csv_raw(w, ";", 1);
	w->first = 0;
	if (quote)
		csv_raw(w, "\"", 1);
	if (guard)
		csv_raw(w, "'", 1);
	if (!quote) {
		csv_raw(w, s, strlen(s));
		return;
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"')
			csv_raw(w, "\"\"", 2);
		else
			csv_raw(w, p, 1);
	}
	csv_raw(w, "\"", 1);
}

static void
csv_end_row(struct csvw *w)
{
	csv_raw(w, "\r\n", 2);
	w->first = 1;
}

static const char *const csv_header[] = {
	"bestellnummer", "bestelldatum", "lieferant", "kundennummer",
	"lieferort", "lieferort_name", "strasse", "plz", "ort", "raum",
	"pos", "lieferanten_artikelnr", "artikelnr", "bezeichnung", "menge",
	"einheit", "einzelpreis_eur", "gesamtpreis_eur", "kostenstelle",
	"vorgang",
};

int
orderdoc_csv(const struct orderdoc *d, struct buf *out, const char **error_r)
{
	struct cdoc c;
	struct csvw w = { out, 0, 1 };
	size_t start = out->len;

	if (cdoc_make(d, &c, error_r) != 0)
		return -1;
	for (size_t i = 0; i < SO_NELEM(csv_header); i++)
		csv_field(&w, csv_header[i], 0);
	csv_end_row(&w);
	for (size_t i = 0; i < c.nlines; i++) {
		const struct cline *l = &c.lines[i];
		const struct cparty *p = &c.parties[l->party];
		char pos[24], qty[24], price[32], total[32];

		snprintf(pos, sizeof(pos), "%zu", i + 1);
		snprintf(qty, sizeof(qty), "%lld", (long long)l->quantity);
		money_plain(l->price_cents, ',', price);
		money_plain(l->total_cents, ',', total);
		csv_field(&w, c.order_id, 1);
		csv_field(&w, c.date, 0);
		csv_field(&w, c.supplier_name, 1);
		csv_field(&w, c.customer_number, 1);
		csv_field(&w, p->id, 1);
		csv_field(&w, p->name, 1);
		csv_field(&w, p->street, 1);
		csv_field(&w, p->zip, 1);
		csv_field(&w, p->city, 1);
		csv_field(&w, p->room, 1);
		csv_field(&w, pos, 0);
		csv_field(&w, l->supplier_aid, 1);
		csv_field(&w, l->buyer_aid, 1);
		csv_field(&w, l->description, 1);
		csv_field(&w, qty, 0);
		csv_field(&w, l->unit, 1);
		csv_field(&w, price, 0);
		csv_field(&w, total, 0);
		csv_field(&w, l->kostenstelle, 1);
		csv_field(&w, l->case_nr, 1);
		csv_end_row(&w);
	}
	cdoc_free(&c);
	if (w.failed) {
		out_restore(out, start);
		return fail(error_r, "orderdoc: CSV is larger than the output "
		    "buffer allows (%zu bytes)", out->max);
	}
	return 0;
}

/* ---- openTRANS 2.1 ---- */

struct unit_map {
	const char *german;     /* lower case, umlauts as UTF-8 */
	const char *code;
};

/*
 * Only unambiguous words and abbreviations, and every name that
 * parsers/bmecat.c gives an imported unit, so that a catalogue read from
 * BMEcat can be ordered again.  "St" alone is left out on purpose: it is
 * also the Rec. 20 code for "sheet".  Every code here is in the schema's
 * dtPUNIT list (which lacks e.g. KMT, so "km" is not here).
 */
static const struct unit_map unit_table[] = {
	{ "stück", "C62" }, { "stueck", "C62" }, { "stk", "C62" },
	{ "stk.", "C62" }, { "stck", "C62" }, { "stck.", "C62" },
	{ "st.", "C62" },
	{ "pack", "PK" }, { "packung", "PK" }, { "pck", "PK" },
	{ "pck.", "PK" }, { "pkg", "PK" }, { "pkg.", "PK" },
	{ "päckchen", "PA" },
	{ "karton", "CT" }, { "ktn", "CT" }, { "ktn.", "CT" },
	{ "krt", "CT" }, { "krt.", "CT" },
	{ "schachtel", "BX" }, { "box", "BX" },
	{ "kiste", "CS" },
	{ "block", "PD" },
	{ "rolle", "RO" },
	{ "paar", "PR" },
	{ "satz", "SET" }, { "set", "SET" },
	{ "flasche", "BO" },
	{ "dose", "CA" },
	{ "kartusche", "CQ" },
	{ "tube", "TU" },
	{ "eimer", "BJ" },
	{ "sack", "SA" },
	{ "beutel", "BG" }, { "tüte", "BG" },
	{ "bund", "BE" }, { "bündel", "BE" },
	{ "blatt", "ST" }, { "bogen", "ST" },
	{ "ries", "RM" },
	{ "dutzend", "DZN" },
	{ "meter", "MTR" }, { "m", "MTR" },
	{ "zentimeter", "CMT" }, { "cm", "CMT" },
	{ "millimeter", "MMT" }, { "mm", "MMT" },
	{ "quadratmeter", "MTK" }, { "m²", "MTK" }, { "qm", "MTK" },
	{ "kubikmeter", "MTQ" }, { "m³", "MTQ" },
	{ "liter", "LTR" }, { "l", "LTR" },
	{ "milliliter", "MLT" }, { "ml", "MLT" },
	{ "kilogramm", "KGM" }, { "kg", "KGM" },
	{ "gramm", "GRM" }, { "g", "GRM" },
	{ "tonne", "TNE" }, { "t", "TNE" },
	{ "stunde", "HUR" }, { "tag", "DAY" }, { "monat", "MON" },
	{ "jahr", "ANN" },
	{ "pauschale", "LS" },
};

#define UNIT_LEN_MAX 32

const char *
orderdoc_unit_code(const char *german_unit)
{
	char key[UNIT_LEN_MAX + 1];
	const char *s, *e;
	size_t n;

	if (german_unit == NULL)
		return NULL;
	s = german_unit;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		e--;
	n = (size_t)(e - s);
	if (n == 0 || n > UNIT_LEN_MAX)
		return NULL;
	/* Fold ASCII and the capital umlauts (U+00C4/D6/DC) to lower case. */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch + 32);
		else if (ch == 0xc3 && i + 1 < n &&
		    ((unsigned char)s[i + 1] == 0x84 ||
		    (unsigned char)s[i + 1] == 0x96 ||
		    (unsigned char)s[i + 1] == 0x9c)) {
			key[i] = (char)ch;
			key[i + 1] = (char)((unsigned char)s[i + 1] + 0x20);
			i++;
			continue;
		}
		key[i] = (char)ch;
	}
	key[n] = '\0';
	for (size_t i = 0; i < SO_NELEM(unit_table); i++) {
		if (strcmp(unit_table[i].german, key) == 0)
			return unit_table[i].code;
	}
	return NULL;
}

static int
ot_fits(const char *ctx, const char *what, const char *s, size_t max,
    const char **error_r)
{
	if (s != NULL && utf8_chars(s) > max)
		return fail(error_r, "orderdoc: %s: %s is longer than the %zu "
		    "characters openTRANS allows", ctx, what, max);
	return 0;
}

/* Every length limit of the schema that we do not cut to size. */
static int
ot_check(struct cdoc *c, const char **error_r)
{
	if (ot_fits("order", "order_id", c->order_id, OT_ID_MAX,
	    error_r) != 0 ||
	    ot_fits("order", "buyer_id", c->buyer_id, OT_ID_MAX,
	    error_r) != 0 ||
	    ot_fits("order", "customer_number", c->customer_number, OT_ID_MAX,
	    error_r) != 0 ||
	    ot_fits("order", "supplier_id", c->supplier_id, OT_ID_MAX,
	    error_r) != 0 ||
	    ot_fits("order", "buyer_email", c->buyer_email, OT_EMAIL_MAX,
	    error_r) != 0 ||
	    ot_fits("order", "supplier_email", c->supplier_email, OT_EMAIL_MAX,
	    error_r) != 0)
		return -1;
	/* Party ids must be unique, or the IDREFs would be ambiguous. */
	if (strcmp(c->buyer_id, c->supplier_id) == 0)
		return fail(error_r, "orderdoc: buyer_id and supplier_id are "
		    "both \"%.40s\"", c->buyer_id);
	for (size_t i = 0; i < c->nparties; i++) {
		const struct cparty *p = &c->parties[i];
		char ctx[64];

		snprintf(ctx, sizeof(ctx), "delivery %.40s", p->id);
		if (strcmp(p->id, c->buyer_id) == 0 ||
		    strcmp(p->id, c->supplier_id) == 0)
			return fail(error_r, "orderdoc: %s: id is also the "
			    "buyer's or the supplier's id", ctx);
		/* "Raum " takes 5 of DEPARTMENT's 50 characters. */
		if (ot_fits(ctx, "id", p->id, OT_ID_MAX, error_r) != 0 ||
		    ot_fits(ctx, "street", p->street, OT_NAME_MAX,
		    error_r) != 0 ||
		    ot_fits(ctx, "zip", p->zip, OT_ZIP_MAX, error_r) != 0 ||
		    ot_fits(ctx, "city", p->city, OT_NAME_MAX, error_r) != 0 ||
		    ot_fits(ctx, "room", p->room, OT_NAME_MAX - 5,
		    error_r) != 0)
			return -1;
	}
	for (size_t i = 0; i < c->nlines; i++) {
		const struct cline *l = &c->lines[i];
		char ctx[32];

		snprintf(ctx, sizeof(ctx), "line %zu", i + 1);
		if (ot_fits(ctx, "supplier_aid", l->supplier_aid,
		    OT_SUPPLIER_PID_MAX, error_r) != 0 ||
		    ot_fits(ctx, "buyer_aid", l->buyer_aid, OT_BUYER_PID_MAX,
		    error_r) != 0 ||
		    ot_fits(ctx, "kostenstelle", l->kostenstelle,
		    OT_COST_CATEGORY_MAX, error_r) != 0)
			return -1;
		if (orderdoc_unit_code(l->unit) == NULL)
			return fail(error_r, "orderdoc: %s: unit \"%.40s\" has "
			    "no UN/ECE Rec. 20 code; add it to the unit table "
			    "or fix the catalogue", ctx, l->unit);
	}
	return 0;
}

struct xw {
	struct buf *b;
	int failed;
	int depth;
};

static void
xw_raw(struct xw *w, const char *s)
{
	if (!w->failed && buf_puts(w->b, s) != 0)
		w->failed = 1;
}

static void
xw_indent(struct xw *w)
{
	for (int i = 0; i < w->depth; i++)
		xw_raw(w, "  ");
}

/* Text of a cleaned field; all five XML specials escaped, also in content. */
static void
xw_text(struct xw *w, const char *s)
{
	const char *run = s;

	for (const char *p = s; ; p++) {
		const char *esc;

		switch (*p) {
		case '&': esc = "&amp;"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '"': esc = "&quot;"; break;
		case '\'': esc = "&apos;"; break;
		case '\0': esc = ""; break;
		default: continue;
		}
		if (!w->failed && buf_append(w->b, run, (size_t)(p - run)) != 0)
			w->failed = 1;
		xw_raw(w, esc);
		if (*p == '\0')
			return;
		run = p + 1;
	}
}

/* <name attr>; attr is a constant of ours (e.g. type="cost_center") or NULL. */
static void
xw_open(struct xw *w, const char *name, const char *attr)
{
	xw_indent(w);
	xw_raw(w, "<");
	xw_raw(w, name);
	if (attr != NULL) {
		xw_raw(w, " ");
		xw_raw(w, attr);
	}
	xw_raw(w, ">\n");
	w->depth++;
}

static void
xw_close(struct xw *w, const char *name)
{
	w->depth--;
	xw_indent(w);
	xw_raw(w, "</");
	xw_raw(w, name);
	xw_raw(w, ">\n");
}

/* <name attr>text</name>; nothing at all if text is NULL. */
static void
xw_leaf(struct xw *w, const char *name, const char *attr, const char *text)
{
	if (text == NULL)
		return;
	xw_indent(w);
	xw_raw(w, "<");
	xw_raw(w, name);
	if (attr != NULL) {
		xw_raw(w, " ");
		xw_raw(w, attr);
	}
	xw_raw(w, ">");
	xw_text(w, text);
	xw_raw(w, "</");
	xw_raw(w, name);
	xw_raw(w, ">\n");
}

/* A name-like field cut to the schema's length (names only, never ids). */
static void
xw_leaf_cut(struct xw *w, const char *name, const char *text, size_t max)
{
	char *t;

	if (text == NULL)
		return;
	t = xstrdup(text);
	utf8_cut(t, max);
	xw_leaf(w, name, NULL, t);
	free(t);
}

#define BUYER_SPECIFIC "type=\"buyer_specific\""
#define SUPPLIER_SPECIFIC "type=\"supplier_specific\""

static void
ot_parties(struct xw *w, const struct cdoc *c)
{
	xw_open(w, "PARTIES", NULL);

	xw_open(w, "PARTY", NULL);
	xw_leaf(w, "bmecat:PARTY_ID", BUYER_SPECIFIC, c->buyer_id);
	/* The id the supplier gave us: our customer number with them. */
	xw_leaf(w, "bmecat:PARTY_ID", SUPPLIER_SPECIFIC, c->customer_number);
	xw_leaf(w, "PARTY_ROLE", NULL, "buyer");
	xw_open(w, "ADDRESS", NULL);
	xw_leaf_cut(w, "bmecat:NAME", c->buyer_name, OT_NAME_MAX);
	xw_leaf(w, "bmecat:EMAIL", NULL, c->buyer_email);
	xw_close(w, "ADDRESS");
	xw_close(w, "PARTY");

	xw_open(w, "PARTY", NULL);
	xw_leaf(w, "bmecat:PARTY_ID", BUYER_SPECIFIC, c->supplier_id);
	xw_leaf(w, "PARTY_ROLE", NULL, "supplier");
	xw_open(w, "ADDRESS", NULL);
	xw_leaf_cut(w, "bmecat:NAME", c->supplier_name, OT_NAME_MAX);
	xw_leaf(w, "bmecat:EMAIL", NULL, c->supplier_email);
	xw_close(w, "ADDRESS");
	xw_close(w, "PARTY");

	/*
	 * A delivery address as a parcel label needs it: the municipality,
	 * then the Lieferort, then the room.  DEPARTMENT is the last name line
	 * that label printers use; ADDRESS_REMARKS is often not printed.
	 */
	for (size_t i = 0; i < c->nparties; i++) {
		const struct cparty *p = &c->parties[i];

		xw_open(w, "PARTY", NULL);
		xw_leaf(w, "bmecat:PARTY_ID", BUYER_SPECIFIC, p->id);
		xw_leaf(w, "PARTY_ROLE", NULL, "delivery");
		xw_open(w, "ADDRESS", NULL);
		xw_leaf_cut(w, "bmecat:NAME", c->buyer_name, OT_NAME_MAX);
		xw_leaf_cut(w, "bmecat:NAME2", p->name, OT_NAME_MAX);
		if (p->room != NULL) {
			char *dept = xasprintf("Raum %s", p->room);

			xw_leaf(w, "bmecat:DEPARTMENT", NULL, dept);
			free(dept);
		}
		xw_leaf(w, "bmecat:STREET", NULL, p->street);
		xw_leaf(w, "bmecat:ZIP", NULL, p->zip);
		xw_leaf(w, "bmecat:CITY", NULL, p->city);
		xw_leaf(w, "bmecat:COUNTRY", NULL, "Deutschland");
		xw_leaf(w, "bmecat:COUNTRY_CODED", NULL, "DE");
		xw_close(w, "ADDRESS");
		xw_close(w, "PARTY");
	}
	xw_close(w, "PARTIES");
}

/*
 * One CUSTOMER_ORDER_REFERENCE per case number (checked by
 * case_list_check()).  Returns the readable form for REMARKS: "Vorgang
 * SO-1" or "Vorgänge SO-1, SO-2"; caller frees.
 */
static char *
ot_case_refs(struct xw *w, const char *case_nr)
{
	char *list = xstrdup(case_nr), *save = NULL;
	struct buf cases;
	size_t n = 0;
	char *r;

	buf_init(&cases, 0);
	for (char *t = strtok_r(list, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		str_trim(t);
		if (*t == '\0')
			continue;
		xw_open(w, "CUSTOMER_ORDER_REFERENCE", NULL);
		xw_leaf(w, "ORDER_ID", NULL, t);
		xw_close(w, "CUSTOMER_ORDER_REFERENCE");
		buf_printf(&cases, "%s%s", n++ ? ", " : "", t);
	}
	free(list);
	r = xasprintf("%s %s", n == 1 ? "Vorgang" : "Vorgänge",
	    buf_cstr(&cases));
	buf_free(&cases);
	return r;
}

static void
ot_item(struct xw *w, const struct cdoc *c, size_t i)
{
	const struct cline *l = &c->lines[i];
	char ctx[32], num[32], *descr, *remark;

	snprintf(ctx, sizeof(ctx), "line %zu", i + 1);
	xw_open(w, "ORDER_ITEM", NULL);
	snprintf(num, sizeof(num), "%zu", i + 1);
	xw_leaf(w, "LINE_ITEM_ID", NULL, num);

	xw_open(w, "PRODUCT_ID", NULL);
	xw_leaf(w, "bmecat:SUPPLIER_PID", SUPPLIER_SPECIFIC, l->supplier_aid);
	xw_leaf(w, "bmecat:BUYER_PID", BUYER_SPECIFIC, l->buyer_aid);
	descr = xstrdup(l->description);
	if (utf8_cut(descr, OT_DESCR_SHORT_MAX)) {
		/* Nothing of the description may get lost on the way. */
		xw_leaf(w, "bmecat:DESCRIPTION_SHORT", NULL, descr);
		xw_leaf(w, "bmecat:DESCRIPTION_LONG", NULL, l->description);
	} else
		xw_leaf(w, "bmecat:DESCRIPTION_SHORT", NULL, descr);
	free(descr);
	xw_close(w, "PRODUCT_ID");

	snprintf(num, sizeof(num), "%lld", (long long)l->quantity);
	xw_leaf(w, "QUANTITY", NULL, num);
	xw_leaf(w, "bmecat:ORDER_UNIT", NULL, orderdoc_unit_code(l->unit));
	xw_open(w, "PRODUCT_PRICE_FIX", NULL);
	money_plain(l->price_cents, '.', num);
	xw_leaf(w, "bmecat:PRICE_AMOUNT", NULL, num);
	xw_close(w, "PRODUCT_PRICE_FIX");
	money_plain(l->total_cents, '.', num);
	xw_leaf(w, "PRICE_LINE_AMOUNT", NULL, num);

	remark = ot_case_refs(w, l->case_nr);
	xw_open(w, "bmecat:ACCOUNTING_INFO", NULL);
	xw_leaf(w, "bmecat:COST_CATEGORY_ID", "type=\"cost_center\"",
	    l->kostenstelle);
	xw_close(w, "bmecat:ACCOUNTING_INFO");
	xw_open(w, "SHIPMENT_PARTIES_REFERENCE", NULL);
	xw_leaf(w, "DELIVERY_IDREF", BUYER_SPECIFIC, c->parties[l->party].id);
	xw_close(w, "SHIPMENT_PARTIES_REFERENCE");
	/* For supplier systems that print remarks but not references. */
	xw_leaf(w, "REMARKS", "type=\"order\"", remark);
	free(remark);
	xw_close(w, "ORDER_ITEM");
}

int
orderdoc_opentrans(const struct orderdoc *d, struct buf *out,
    const char **error_r)
{
	struct cdoc c;
	struct xw w = { out, 0, 0 };
	size_t start = out->len;
	char num[32];

	if (cdoc_make(d, &c, error_r) != 0)
		return -1;
	if (ot_check(&c, error_r) != 0) {
		cdoc_free(&c);
		return -1;
	}

	xw_raw(&w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	xw_open(&w, "ORDER", "xmlns=\"http://www.opentrans.org/XMLSchema/2.1\" "
	    "xmlns:bmecat=\"http://www.bmecat.org/bmecat/2005\" "
	    "version=\"2.1\" type=\"standard\"");
	xw_open(&w, "ORDER_HEADER", NULL);
	xw_open(&w, "CONTROL_INFO", NULL);
	xw_leaf(&w, "GENERATOR_INFO", NULL, "Social Order");
	xw_close(&w, "CONTROL_INFO");
	xw_open(&w, "ORDER_INFO", NULL);
	xw_leaf(&w, "ORDER_ID", NULL, c.order_id);
	xw_leaf(&w, "ORDER_DATE", NULL, c.datetime);
	xw_leaf(&w, "bmecat:LANGUAGE", "default=\"true\"", "deu");
	ot_parties(&w, &c);
	xw_open(&w, "ORDER_PARTIES_REFERENCE", NULL);
	if (c.customer_number != NULL)
		xw_leaf(&w, "bmecat:BUYER_IDREF", SUPPLIER_SPECIFIC,
		    c.customer_number);
	else
		xw_leaf(&w, "bmecat:BUYER_IDREF", BUYER_SPECIFIC, c.buyer_id);
	xw_leaf(&w, "bmecat:SUPPLIER_IDREF", BUYER_SPECIFIC, c.supplier_id);
	/* With several Lieferorte only the items say where they go. */
	if (c.nparties == 1) {
		xw_open(&w, "SHIPMENT_PARTIES_REFERENCE", NULL);
		xw_leaf(&w, "DELIVERY_IDREF", BUYER_SPECIFIC, c.parties[0].id);
		xw_close(&w, "SHIPMENT_PARTIES_REFERENCE");
	}
	xw_close(&w, "ORDER_PARTIES_REFERENCE");
	xw_leaf(&w, "bmecat:CURRENCY", NULL, "EUR");
	xw_leaf(&w, "REMARKS", "type=\"order\"", c.remark);
	xw_close(&w, "ORDER_INFO");
	xw_close(&w, "ORDER_HEADER");

	xw_open(&w, "ORDER_ITEM_LIST", NULL);
	for (size_t i = 0; i < c.nlines; i++)
		ot_item(&w, &c, i);
	xw_close(&w, "ORDER_ITEM_LIST");

	xw_open(&w, "ORDER_SUMMARY", NULL);
	snprintf(num, sizeof(num), "%zu", c.nlines);
	xw_leaf(&w, "TOTAL_ITEM_NUM", NULL, num);
	money_plain(c.total_cents, '.', num);
	xw_leaf(&w, "TOTAL_AMOUNT", NULL, num);
	xw_close(&w, "ORDER_SUMMARY");
	xw_close(&w, "ORDER");

	cdoc_free(&c);
	if (w.failed) {
		out_restore(out, start);
		return fail(error_r, "orderdoc: openTRANS document is larger "
		    "than the output buffer allows (%zu bytes)", out->max);
	}
	return 0;
}
