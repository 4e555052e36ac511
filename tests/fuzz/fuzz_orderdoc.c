/* SPDX-License-Identifier: MIT */
/*
 * fuzz_orderdoc - orderdoc_csv() and orderdoc_opentrans() on an order
 * with hostile texts and numbers.
 *
 * The input is cut at NUL bytes into the fields below, in that order; a
 * field the input does not reach keeps a valid default, so that short
 * inputs make valid orders and the writers are reached, not only the
 * checks.  Numbers are decimal text (quantity, price, line total; an
 * empty total is quantity x price); "shape" picks the number of lines
 * (1-4, first byte), of delivery parties (1-3, second byte) and a wrong
 * order total (third byte 'x').
 *
 * The promises checked, besides crashes and leaks:
 *   - CSV: well-formed by a strict reader of its own (CRLF records of 20
 *     fields, quotes only around a whole field, inner quotes doubled, no
 *     ';', '"', CR or LF outside quotes), one record per line plus the
 *     header, no field that a spreadsheet would run as a formula, valid
 *     UTF-8, and readable by parsers/csv.c with the same shape;
 *   - openTRANS: well-formed and namespace-well-formed for libxml2 and
 *     valid against the openTRANS 2.1 schema of tests/data/schemas
 *     (read from the working directory, the repository root);
 *   - what openTRANS accepts, CSV accepts too (the same checks plus more);
 *   - a failed write leaves the buffer as it was: half of the inputs
 *     write behind a prefix into a small buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "csv.h"
#include "fuzz.h"
#include "orderdoc.h"

#define SCHEMA "tests/data/schemas/opentrans-2.1/opentrans_2_1.xsd"
#define CSV_COLUMNS 20
#define MAX_LINES 4
#define MAX_PARTIES 3
#define OUT_MAX ((size_t)16 * 1024 * 1024)
#define OUT_SMALL ((size_t)2048)
#define PREFIX "vorher\n"

/* 2026-03-14 09:30:00 in Europe/Berlin. */
#define ORDER_DATE 1773477000

enum {
	F_ORDER_ID, F_BUYER_ID, F_BUYER_NAME, F_BUYER_EMAIL, F_SUPPLIER_ID,
	F_SUPPLIER_NAME, F_SUPPLIER_EMAIL, F_CUSTOMER_NUMBER, F_REMARK,
	F_SHAPE, F_HEAD
};
enum { P_ID, P_NAME, P_STREET, P_ZIP, P_CITY, P_ROOM, P_FIELDS };
enum {
	L_SUPPLIER_AID, L_BUYER_AID, L_DESCRIPTION, L_UNIT, L_KOSTENSTELLE,
	L_CASE_NR, L_DELIVERY_ID, L_QUANTITY, L_PRICE, L_TOTAL, L_FIELDS
};
#define NFIELDS (F_HEAD + MAX_PARTIES * P_FIELDS + MAX_LINES * L_FIELDS)

static const char *const head_default[F_HEAD] = {
	"B-2026-000007", "STADT-EXEMPLA", "Stadt Exempla",
	"einkauf@exempla.test", "L-0815", "Bürobedarf Müller GmbH",
	"bestellung@mueller.test", "K-4711", "Bitte an die Poststelle.", "21",
};
static const char *const party_default[P_FIELDS] = {
	"RH-214", "Rathaus", "Marktplatz 1", "12345", "Exempla", "2.14",
};
static const char *const line_default[L_FIELDS] = {
	"MU-100234", "100234", "Kopierpapier A4, 80 g/m²", "Pack", "4711",
	"SO-2026-000042", NULL, "5", "429", "",
};

static xmlSchemaPtr schema;

static void
xml_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	xmlSchemaParserCtxtPtr pc;

	(void)argc;
	(void)argv;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	xmlInitParser();
	if ((pc = xmlSchemaNewParserCtxt(SCHEMA)) == NULL ||
	    (schema = xmlSchemaParse(pc)) == NULL) {
		fprintf(stderr, "fuzz_orderdoc: cannot read %s (run from the "
		    "repository root)\n", SCHEMA);
		exit(1);
	}
	xmlSchemaFreeParserCtxt(pc);
	xmlSetGenericErrorFunc(NULL, xml_quiet);
	return 0;
}

/* The input cut at NUL bytes: field i is *part[i], or NULL past the end. */
struct fields {
	char *copy;
	const char *f[NFIELDS];
};

static void
fields_split(const uint8_t *data, size_t size, struct fields *fs)
{
	size_t n = 0;
	char *s, *end;

	memset(fs, 0, sizeof(*fs));
	fs->copy = xmalloc(size + 1);
	memcpy(fs->copy, data, size);
	fs->copy[size] = '\0';
	if (size == 0)
		return;
	for (s = fs->copy, end = fs->copy + size; n < NFIELDS; n++) {
		fs->f[n] = s;
		s += strlen(s);
		if (s >= end)
			break;
		s++;
	}
}

static const char *
field(const struct fields *fs, size_t i, const char *dflt)
{
	return fs->f[i] != NULL ? fs->f[i] : dflt;
}

static int64_t
number(const char *s)
{
	return strtoll(s, NULL, 10);
}

/* ---- the checks ---- */

/* A field a spreadsheet would run; numbers of ours never start so. */
static int
formula_start(const char *f, size_t n)
{
	return n > 0 && strchr("=+-@\t\r", f[0]) != NULL;
}

/* Strict CSV: abort unless csv[0..len) is nlines + 1 good records. */
static void
check_csv(const char *csv, size_t len, size_t nlines)
{
	const char *p = csv, *end = csv + len;
	size_t records = 0;
	struct csv_table *t = NULL;
	const char *err = NULL;
	struct buf fieldtext;

	if (!utf8_valid(csv, len))
		abort();
	buf_init(&fieldtext, 0);
	while (p < end) {
		size_t nfields = 0;

		for (;;) {
			buf_reset(&fieldtext);
			if (*p == '"') {
				for (p++; ; p++) {
					if (p >= end)
						abort();        /* unclosed quote */
					if (*p == '"') {
						if (p + 1 < end && p[1] == '"') {
							buf_putc(&fieldtext, '"');
							p++;
							continue;
						}
						p++;
						break;
					}
					buf_putc(&fieldtext, *p);
				}
			} else {
				while (p < end && *p != ';' && *p != '\r') {
					if (*p == '"' || *p == '\n')
						abort();
					buf_putc(&fieldtext, *p++);
				}
			}
			nfields++;
			if (formula_start(buf_cstr(&fieldtext), fieldtext.len))
				abort();
			if (p < end && *p == ';') {
				p++;
				continue;
			}
			if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
				abort();        /* a record must end in CRLF */
			p += 2;
			break;
		}
		if (nfields != CSV_COLUMNS)
			abort();
		records++;
	}
	buf_free(&fieldtext);
	if (records != nlines + 1)
		abort();
	/* The importer's reader must see the same table. */
	if (csv_parse(csv, len, ';', nlines + 1, &t, &err) == -1 ||
	    t->ncols != CSV_COLUMNS || t->nrows != nlines)
		abort();
	csv_free(t);
}

static void
check_xml(const char *xml, size_t len)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlSchemaValidCtxtPtr vc;
	xmlDocPtr doc;

	if (ctxt == NULL)
		abort();
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL || !ctxt->wellFormed || !ctxt->nsWellFormed)
		abort();
	if ((vc = xmlSchemaNewValidCtxt(schema)) == NULL)
		abort();
	if (xmlSchemaValidateDoc(vc, doc) != 0) {
		fprintf(stderr, "fuzz_orderdoc: not valid against %s:\n%.*s\n",
		    SCHEMA, (int)len, xml);
		abort();
	}
	xmlSchemaFreeValidCtxt(vc);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
}

/*
 * Run writer on d; returns 0 or -1 as it did, after checking that a
 * failure left out as it was.  small: write behind PREFIX into a buffer of
 * OUT_SMALL bytes.
 */
static int
write_doc(int (*writer)(const struct orderdoc *, struct buf *, const char **),
    const struct orderdoc *d, int small, struct buf *out, size_t *start_r)
{
	const char *err = NULL;
	size_t start = small ? strlen(PREFIX) : 0;

	buf_init(out, small ? OUT_SMALL : OUT_MAX);
	if (small && buf_puts(out, PREFIX) == -1)
		abort();
	*start_r = start;
	if (writer(d, out, &err) == 0)
		return 0;
	if (err == NULL || out->len != start ||
	    (small && strcmp(buf_cstr(out), PREFIX) != 0))
		abort();
	return -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct orderdoc_party parties[MAX_PARTIES];
	struct orderdoc_line lines[MAX_LINES];
	struct orderdoc d;
	struct fields fs;
	struct buf out;
	const char *shape;
	size_t start, nparties, nlines;
	int small = size % 2, csv_ok, ot_ok;
	int64_t sum = 0;

	fields_split(data, size, &fs);
	memset(&d, 0, sizeof(d));
	d.order_id = field(&fs, F_ORDER_ID, head_default[F_ORDER_ID]);
	d.buyer_id = field(&fs, F_BUYER_ID, head_default[F_BUYER_ID]);
	d.buyer_name = field(&fs, F_BUYER_NAME, head_default[F_BUYER_NAME]);
	d.buyer_email = field(&fs, F_BUYER_EMAIL, head_default[F_BUYER_EMAIL]);
	d.supplier_id = field(&fs, F_SUPPLIER_ID, head_default[F_SUPPLIER_ID]);
	d.supplier_name = field(&fs, F_SUPPLIER_NAME,
	    head_default[F_SUPPLIER_NAME]);
	d.supplier_email = field(&fs, F_SUPPLIER_EMAIL,
	    head_default[F_SUPPLIER_EMAIL]);
	d.customer_number = field(&fs, F_CUSTOMER_NUMBER,
	    head_default[F_CUSTOMER_NUMBER]);
	d.remark = field(&fs, F_REMARK, head_default[F_REMARK]);
	d.order_date = ORDER_DATE;
	shape = field(&fs, F_SHAPE, head_default[F_SHAPE]);
	nlines = shape[0] ? 1 + (unsigned char)shape[0] % MAX_LINES : 1;
	nparties = shape[0] && shape[1] ?
	    1 + (unsigned char)shape[1] % MAX_PARTIES : 1;

	for (size_t i = 0; i < nparties; i++) {
		size_t b = F_HEAD + i * P_FIELDS;
		struct orderdoc_party *p = &parties[i];

		p->id = field(&fs, b + P_ID, party_default[P_ID]);
		if (fs.f[b + P_ID] == NULL && i > 0)
			p->id = i == 1 ? "SCHULE-3" : "BAUHOF";
		p->name = field(&fs, b + P_NAME, party_default[P_NAME]);
		p->street = field(&fs, b + P_STREET, party_default[P_STREET]);
		p->zip = field(&fs, b + P_ZIP, party_default[P_ZIP]);
		p->city = field(&fs, b + P_CITY, party_default[P_CITY]);
		p->room = field(&fs, b + P_ROOM, party_default[P_ROOM]);
	}
	for (size_t i = 0; i < nlines; i++) {
		size_t b = F_HEAD + MAX_PARTIES * P_FIELDS + i * L_FIELDS;
		struct orderdoc_line *l = &lines[i];
		const char *total;

		l->supplier_aid = field(&fs, b + L_SUPPLIER_AID,
		    line_default[L_SUPPLIER_AID]);
		l->buyer_aid = field(&fs, b + L_BUYER_AID,
		    line_default[L_BUYER_AID]);
		l->description = field(&fs, b + L_DESCRIPTION,
		    line_default[L_DESCRIPTION]);
		l->unit = field(&fs, b + L_UNIT, line_default[L_UNIT]);
		l->kostenstelle = field(&fs, b + L_KOSTENSTELLE,
		    line_default[L_KOSTENSTELLE]);
		l->case_nr = field(&fs, b + L_CASE_NR, line_default[L_CASE_NR]);
		l->delivery_id = field(&fs, b + L_DELIVERY_ID,
		    parties[i % nparties].id);
		l->quantity = number(field(&fs, b + L_QUANTITY,
		    line_default[L_QUANTITY]));
		l->price_cents = number(field(&fs, b + L_PRICE,
		    line_default[L_PRICE]));
		total = field(&fs, b + L_TOTAL, line_default[L_TOTAL]);
		l->total_cents = 0;
		if (*total != '\0')
			l->total_cents = number(total);
		else if (l->quantity > 0 && l->price_cents >= 0 &&
		    (l->price_cents == 0 ||
		    l->quantity <= INT64_MAX / l->price_cents))
			l->total_cents = l->quantity * l->price_cents;
		if (l->total_cents > 0 && sum <= INT64_MAX - l->total_cents)
			sum += l->total_cents;
	}
	d.deliveries = parties;
	d.ndeliveries = nparties;
	d.lines = lines;
	d.nlines = nlines;
	d.total_cents = shape[0] && shape[1] && shape[2] == 'x' ?
	    (sum < INT64_MAX ? sum + 1 : 0) : sum;

	csv_ok = write_doc(orderdoc_csv, &d, small, &out, &start) == 0;
	if (csv_ok)
		check_csv(buf_cstr(&out) + start, out.len - start, nlines);
	buf_free(&out);

	ot_ok = write_doc(orderdoc_opentrans, &d, small, &out, &start) == 0;
	if (ot_ok)
		check_xml(buf_cstr(&out) + start, out.len - start);
	buf_free(&out);

	/* openTRANS refuses more than CSV (schema lengths, units), never less. */
	if (ot_ok && !csv_ok && !small)
		abort();
	free(fs.copy);
	return 0;
}
