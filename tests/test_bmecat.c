/* SPDX-License-Identifier: MIT */
/*
 * test_bmecat - tests for parsers/bmecat.c: BMEcat 2005 and 1.2 fixtures
 * (both 1.2 namespaces, none, ISO-8859-1), price choice, header fields,
 * every article error with the line it must name, hostile XML (XXE through
 * a general and a parameter entity, billion laughs, quadratic blow-up,
 * unknown namespace, nesting, overlong text), and a generated catalogue of
 * 100,000 articles that must stream in bounded memory with exact line
 * numbers past the 16-bit lines of libxml2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

#include "bmecat.h"
#include "util.h"

#define DATA "tests/data/"

/* Valgrind's own memory counts in the RSS: the bound cannot be checked. */
static int
under_valgrind(void)
{
#ifdef RUNNING_ON_VALGRIND
	return RUNNING_ON_VALGRIND;
#else
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
#endif
}

/*
 * AddressSanitizer keeps freed memory in a quarantine of 256 MB, which
 * would hide what test_large_streamed measures; a small one still catches
 * use-after-free in this small program.  Unused without the sanitizer.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "quarantine_size_mb=1";
}

static const char *
nn(const char *s)
{
	return s != NULL ? s : "-";
}

/* One line per article: "LINE:aid|buyer|description|unit|price|currency". */
static int
dump_article(const struct bmecat_article *a, void *ctx)
{
	struct buf *b = ctx;

	assert_non_null(a->supplier_aid);
	assert_non_null(a->description);
	assert_non_null(a->order_unit);
	assert_non_null(a->price);
	buf_printf(b, "%u:%s|%s|%s|%s|%s|%s\n", a->line, a->supplier_aid,
	    nn(a->buyer_aid), a->description, a->order_unit, a->price,
	    nn(a->currency));
	return 0;
}

/* "version|catalog_id|supplier_name|supplier_id|currency\n" + the articles. */
static char *
dump(const struct bmecat_header *h, struct buf *articles)
{
	char *s = xasprintf("%s|%s|%s|%s|%s\n%s", nn(h->version),
	    nn(h->catalog_id), nn(h->supplier_name), nn(h->supplier_id),
	    nn(h->currency), buf_cstr(articles));

	buf_free(articles);
	return s;
}

/* Parse from memory: the dump, or NULL and *error_r. */
static char *
parse_memory(const char *doc, size_t len, const char **error_r)
{
	struct bmecat_header h;
	struct buf b;
	char *out = NULL;

	buf_init(&b, 0);
	if (bmecat_read_memory(doc, len, &h, dump_article, &b, error_r) == 0)
		out = dump(&h, &b);
	else
		buf_free(&b);
	bmecat_header_clear(&h);
	return out;
}

static char *
parse_file(const char *path, const char **error_r)
{
	struct bmecat_header h;
	struct buf b;
	char *out = NULL;

	buf_init(&b, 0);
	if (bmecat_read_file(path, &h, dump_article, &b, error_r) == 0)
		out = dump(&h, &b);
	else
		buf_free(&b);
	bmecat_header_clear(&h);
	return out;
}

#define OUT_1_2 \
	"1.2|BW-12|Bürowelt Schreibwaren|L01|EUR\n" \
	"21:BW-KS-R|200512|Kugelschreiber rot|C62|0.89|EUR\n" \
	"41:BW-HEFT-A5|-|Haftnotizen 75 x 75 mm, gelb|PD|1.15|EUR\n"

static const struct {
	const char *path;
	const char *out;        /* NULL: must fail */
	const char *error;      /* must fail: the exact message */
} file_cases[] = {
	{ DATA "bmecat-2005.xml",
	  "2005|PH-2026|Papierhaus Nord GmbH & Co. KG|123456789|EUR\n"
	  "21:PH-A480-500|100234|Kopierpapier A4 80 g/m², 500 Blatt|PK|4.29|EUR\n"
	  "52:BW-KS-B|-|Kugelschreiber blau|C62|0.89|EUR\n"
	  "77:TN-HP-26A|300400|Toner schwarz für HP LaserJet <M402>|CT|89.90|EUR\n",
	  NULL },
	{ DATA "bmecat-12.xml", OUT_1_2, NULL },
	{ DATA "bmecat-12-xmlschema.xml", OUT_1_2, NULL },
	{ DATA "bmecat-12-ohne-ns.xml", OUT_1_2, NULL },
	{ DATA "bmecat-12-latin1.xml",
	  "1.2|MÜ-1|Bürobedarf Müller & Söhne|-|EUR\n"
	  "16:MÜ-ORD-50|-|Ordner 5 cm, grün, für DIN A4 – Größe »Maxi«|C62|"
	  "2.49|EUR\n",
	  NULL },
	/* must fail */
	{ DATA "bmecat-kaputt.xml", NULL,
	  DATA "bmecat-kaputt.xml:15: XML error: Opening and ending tag "
	  "mismatch: DESCRIPTION_SHORT line 15 and DESCRIPTION_SHOR" },
	{ DATA "bmecat-fremder-ns.xml", NULL,
	  DATA "bmecat-fremder-ns.xml:3: BMECAT is in the unknown namespace "
	  "\"http://www.example.org/bmecat/2005\" (expected "
	  "http://www.bmecat.org/bmecat/2005, "
	  "http://www.bmecat.org/bmecat/1.2/bmecat_new_catalog, "
	  "http://www.bmecat.org/XMLSchema/1.2/bmecat_new_catalog or none)" },
	{ DATA "bmecat-ohne-preis.xml", NULL,
	  DATA "bmecat-ohne-preis.xml:27: ARTICLE \"P-2\" has no price (no "
	  "ARTICLE_PRICE in the first ARTICLE_PRICE_DETAILS)" },
	{ DATA "bmecat-gibt-es-nicht.xml", NULL,
	  DATA "bmecat-gibt-es-nicht.xml: open() failed: No such file or "
	  "directory" },
	{ "tests/data", NULL, "tests/data: not a regular file" },
	{ "/dev/null", NULL, "/dev/null: not a regular file" },
};

static void
test_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(file_cases); i++) {
		const char *err = NULL;
		char *out = parse_file(file_cases[i].path, &err);

		if (file_cases[i].out != NULL) {
			if (out == NULL)
				fail_msg("%s: %s", file_cases[i].path, err);
			assert_string_equal(out, file_cases[i].out);
		} else {
			if (out != NULL)
				fail_msg("%s: must fail, gave %s",
				    file_cases[i].path, out);
			assert_string_equal(err, file_cases[i].error);
		}
		free(out);
	}
}

/* The same bytes from memory give the same result as from the file. */
static void
test_memory_equals_file(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(file_cases); i++) {
		const char *err = NULL;
		char *data, *out;
		size_t len;

		if (file_cases[i].out == NULL)
			continue;
		if (file_read(file_cases[i].path, 1024 * 1024, &data, &len,
		    &err) != 0)
			fail_msg("%s", err);
		out = parse_memory(data, len, &err);
		if (out == NULL)
			fail_msg("%s: %s", file_cases[i].path, err);
		assert_string_equal(out, file_cases[i].out);
		free(out);
		free(data);
	}
}

/*
 * Small documents: line 1 declaration, 2 BMECAT, 3 HEADER, 4 T_NEW_CATALOG,
 * 5 the articles.
 */
#define NS05 "http://www.bmecat.org/bmecat/2005"
#define DECL "<?xml version=\"1.0\"?>\n"
#define ROOT05 "<BMECAT version=\"2005\" xmlns=\"" NS05 "\">\n"
#define HDR "<HEADER><CATALOG><LANGUAGE>deu</LANGUAGE>" \
	"<CATALOG_ID>K</CATALOG_ID>" \
	"<CATALOG_VERSION>1</CATALOG_VERSION><CURRENCY>EUR</CURRENCY></CATALOG>" \
	"<SUPPLIER><SUPPLIER_NAME>L</SUPPLIER_NAME></SUPPLIER></HEADER>\n"
#define NEW "<T_NEW_CATALOG>\n"
#define END "</T_NEW_CATALOG>\n</BMECAT>\n"
#define DOC05(products) DECL ROOT05 HDR NEW products END
#define PROD(inner) "<PRODUCT>" inner "</PRODUCT>\n"
#define PID(s) "<SUPPLIER_PID>" s "</SUPPLIER_PID>"
#define DET(d) "<PRODUCT_DETAILS><DESCRIPTION_SHORT>" d \
	"</DESCRIPTION_SHORT></PRODUCT_DETAILS>"
#define ORD(u) "<PRODUCT_ORDER_DETAILS><ORDER_UNIT>" u \
	"</ORDER_UNIT></PRODUCT_ORDER_DETAILS>"
#define PRICE(t, a) "<PRODUCT_PRICE price_type=\"" t "\"><PRICE_AMOUNT>" a \
	"</PRICE_AMOUNT></PRODUCT_PRICE>"
#define PDET(p) "<PRODUCT_PRICE_DETAILS>" p "</PRODUCT_PRICE_DETAILS>"
#define OK_PRICE PDET(PRICE("net_list", "1.20"))
#define HOUT "2005|K|L|-|EUR\n"

static const struct {
	const char *in;
	size_t len;             /* 0: strlen(in) */
	const char *out;        /* NULL: must fail */
	const char *error;      /* must fail: the exact message */
} memory_cases[] = {
	{ DOC05(PROD(PID("A-1") DET("Lineal") ORD("C62") OK_PRICE)), 0,
	  HOUT "5:A-1|-|Lineal|C62|1.20|EUR\n", NULL },
	{ DOC05(""), 0, HOUT, NULL },
	{ DECL ROOT05 HDR "<T_NEW_CATALOG/>\n</BMECAT>\n", 0, HOUT, NULL },
	/* version from the namespace */
	{ DECL "<BMECAT xmlns=\"" NS05 "\">\n" HDR NEW END, 0, HOUT, NULL },
	/* a prefix instead of a default namespace: local names count */
	{ DECL "<b:BMECAT version=\"2005\" xmlns:b=\"" NS05 "\">\n<b:HEADER>"
	  "<b:CATALOG><b:CATALOG_ID>P</b:CATALOG_ID></b:CATALOG></b:HEADER>\n"
	  "<b:T_NEW_CATALOG>\n<b:PRODUCT><b:SUPPLIER_PID>A-1</b:SUPPLIER_PID>"
	  "<b:PRODUCT_DETAILS><b:DESCRIPTION_SHORT>Lineal</b:DESCRIPTION_SHORT>"
	  "</b:PRODUCT_DETAILS><b:PRODUCT_ORDER_DETAILS><b:ORDER_UNIT>C62"
	  "</b:ORDER_UNIT></b:PRODUCT_ORDER_DETAILS><b:PRODUCT_PRICE_DETAILS>"
	  "<b:PRODUCT_PRICE price_type=\"net_list\"><b:PRICE_AMOUNT>2"
	  "</b:PRICE_AMOUNT></b:PRODUCT_PRICE></b:PRODUCT_PRICE_DETAILS>"
	  "</b:PRODUCT>\n</b:T_NEW_CATALOG></b:BMECAT>\n", 0,
	  "2005|P|-|-|-\n5:A-1|-|Lineal|C62|2|-\n", NULL },
	/* net_customer beats net_list in any order; PRICE_CURRENCY the header's */
	{ DOC05(PROD(PID("A-1") DET("x") ORD("PK") PDET(PRICE("net_list", "5")
	  "<PRODUCT_PRICE price_type=\"net_customer\"><PRICE_AMOUNT>4.5"
	  "</PRICE_AMOUNT><PRICE_CURRENCY>CHF</PRICE_CURRENCY></PRODUCT_PRICE>"
	  PRICE("net_list", "3")))), 0,
	  HOUT "5:A-1|-|x|PK|4.5|CHF\n", NULL },
	/* net_list beats other types; the first of equal rank and bound wins */
	{ DOC05(PROD(PID("A-1") DET("x") ORD("PK") PDET(PRICE("nrp", "9")
	  PRICE("net_list", "7") PRICE("net_list", "6")))), 0,
	  HOUT "5:A-1|-|x|PK|7|EUR\n", NULL },
	/* no known type: the first price */
	{ DOC05(PROD(PID("A-1") DET("x") ORD("PK") PDET(PRICE("nrp", "9")
	  PRICE("gros_list", "8")))), 0, HOUT "5:A-1|-|x|PK|9|EUR\n", NULL },
	/* scale prices: the smallest LOWER_BOUND, compared as numbers */
	{ DOC05(PROD(PID("A-1") DET("x") ORD("PK") PDET(
	  "<PRODUCT_PRICE price_type=\"net_list\"><PRICE_AMOUNT>1</PRICE_AMOUNT>"
	  "<LOWER_BOUND>10</LOWER_BOUND></PRODUCT_PRICE>"
	  "<PRODUCT_PRICE price_type=\"net_list\"><PRICE_AMOUNT>2</PRICE_AMOUNT>"
	  "<LOWER_BOUND>9.5</LOWER_BOUND></PRODUCT_PRICE>"
	  "<PRODUCT_PRICE price_type=\"net_list\"><PRICE_AMOUNT>3</PRICE_AMOUNT>"
	  "<LOWER_BOUND>0009.25</LOWER_BOUND></PRODUCT_PRICE>"
	  "<PRODUCT_PRICE price_type=\"net_list\"><PRICE_AMOUNT>4</PRICE_AMOUNT>"
	  "<LOWER_BOUND>9.3</LOWER_BOUND></PRODUCT_PRICE>"))), 0,
	  HOUT "5:A-1|-|x|PK|3|EUR\n", NULL },
	/* without LOWER_BOUND a price starts at 1 */
	{ DOC05(PROD(PID("A-1") DET("x") ORD("PK") PDET(
	  "<PRODUCT_PRICE price_type=\"net_list\"><PRICE_AMOUNT>1</PRICE_AMOUNT>"
	  "<LOWER_BOUND>1.5</LOWER_BOUND></PRODUCT_PRICE>" PRICE("net_list", "2")
	  ))), 0, HOUT "5:A-1|-|x|PK|2|EUR\n", NULL },
	/* a price only in a second PRICE_DETAILS block is not used */
	{ DOC05(PROD(PID("A-1") DET("x") ORD("PK") PDET(PRICE("net_list", "2"))
	  PDET(PRICE("net_customer", "1")))), 0, HOUT "5:A-1|-|x|PK|2|EUR\n",
	  NULL },
	/* German description wins, the first of equals */
	{ DOC05(PROD(PID("A-1") "<PRODUCT_DETAILS>"
	  "<DESCRIPTION_SHORT lang=\"eng\">ruler</DESCRIPTION_SHORT>"
	  "<DESCRIPTION_SHORT lang=\"de-AT\">Lineal</DESCRIPTION_SHORT>"
	  "<DESCRIPTION_SHORT lang=\"deu\">Maßstab</DESCRIPTION_SHORT>"
	  "</PRODUCT_DETAILS>" ORD("C62") OK_PRICE)), 0,
	  HOUT "5:A-1|-|Lineal|C62|1.20|EUR\n", NULL },
	{ DOC05(PROD(PID("A-1") "<PRODUCT_DETAILS>"
	  "<DESCRIPTION_SHORT lang=\"eng\">ruler</DESCRIPTION_SHORT>"
	  "<DESCRIPTION_SHORT lang=\"fra\">règle</DESCRIPTION_SHORT>"
	  "</PRODUCT_DETAILS>" ORD("C62") OK_PRICE)), 0,
	  HOUT "5:A-1|-|ruler|C62|1.20|EUR\n", NULL },
	/* white space and entities in values */
	{ DOC05(PROD(PID(" \tA-1\r\n") DET("\n  Papier &amp;\t&#x9;Pappe\n&lt;A4&gt; ")
	  ORD(" C62 ") PDET(PRICE("net_list", " 1.20\n")))), 0,
	  HOUT "5:A-1|-|Papier & Pappe <A4>|C62|1.20|EUR\n", NULL },
	/* a SUPPLIER_PID in a foreign namespace is not ours */
	{ DOC05(PROD("<x:SUPPLIER_PID xmlns:x=\"urn:x\">A-9</x:SUPPLIER_PID>"
	  DET("x") ORD("C62") OK_PRICE)), 0, NULL,
	  "<memory>:5: PRODUCT has no SUPPLIER_PID" },
	/* 1.2 without namespace, names of 1.2 */
	{ DECL "<BMECAT version=\"1.2\">\n<HEADER/>\n<T_NEW_CATALOG>\n<ARTICLE>"
	  "<SUPPLIER_AID>B-1</SUPPLIER_AID><ARTICLE_DETAILS><DESCRIPTION_SHORT>"
	  "Heft</DESCRIPTION_SHORT><BUYER_AID>77</BUYER_AID></ARTICLE_DETAILS>"
	  "<ARTICLE_ORDER_DETAILS><ORDER_UNIT>C62</ORDER_UNIT>"
	  "</ARTICLE_ORDER_DETAILS><ARTICLE_PRICE_DETAILS><ARTICLE_PRICE "
	  "price_type=\"net_customer\"><PRICE_AMOUNT>0.5</PRICE_AMOUNT>"
	  "</ARTICLE_PRICE></ARTICLE_PRICE_DETAILS></ARTICLE>\n"
	  "</T_NEW_CATALOG>\n</BMECAT>\n", 0,
	  "1.2|-|-|-|-\n5:B-1|77|Heft|C62|0.5|-\n", NULL },
	{ DECL "<BMECAT version=\"1.2\">\n<HEADER/>\n<T_NEW_CATALOG>\n<ARTICLE>"
	  "<ARTICLE_DETAILS><DESCRIPTION_SHORT>Heft</DESCRIPTION_SHORT>"
	  "</ARTICLE_DETAILS></ARTICLE>\n</T_NEW_CATALOG>\n</BMECAT>\n", 0,
	  NULL, "<memory>:5: ARTICLE has no SUPPLIER_AID" },

	/* must fail: articles */
	{ DOC05(PROD(DET("x") ORD("C62") OK_PRICE)), 0, NULL,
	  "<memory>:5: PRODUCT has no SUPPLIER_PID" },
	{ DOC05(PROD(PID(" \n ") DET("x") ORD("C62") OK_PRICE)), 0, NULL,
	  "<memory>:5: SUPPLIER_PID is empty" },
	{ DOC05(PROD("<SUPPLIER_PID/>" DET("x") ORD("C62") OK_PRICE)), 0, NULL,
	  "<memory>:5: SUPPLIER_PID is empty" },
	{ DOC05(PROD(PID("A-1") PID("A-2") DET("x") ORD("C62") OK_PRICE)), 0,
	  NULL, "<memory>:5: a second SUPPLIER_PID in the same PRODUCT" },
	{ DOC05(PROD(PID("A-1") ORD("C62") OK_PRICE)), 0, NULL,
	  "<memory>:5: PRODUCT \"A-1\" has no DESCRIPTION_SHORT" },
	{ DOC05(PROD(PID("A-1") DET("") ORD("C62") OK_PRICE)), 0, NULL,
	  "<memory>:5: DESCRIPTION_SHORT is empty" },
	{ DOC05(PROD(PID("A-1") DET("x") OK_PRICE)), 0, NULL,
	  "<memory>:5: PRODUCT \"A-1\" has no ORDER_UNIT" },
	{ DOC05(PROD(PID("A-1") DET("x") "<PRODUCT_ORDER_DETAILS><ORDER_UNIT>C62"
	  "</ORDER_UNIT><ORDER_UNIT>PK</ORDER_UNIT></PRODUCT_ORDER_DETAILS>"
	  OK_PRICE)), 0, NULL,
	  "<memory>:5: a second ORDER_UNIT in the same PRODUCT_ORDER_DETAILS" },
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62"))), 0, NULL,
	  "<memory>:5: PRODUCT \"A-1\" has no price (no PRODUCT_PRICE in the "
	  "first PRODUCT_PRICE_DETAILS)" },
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62") PDET(""))), 0, NULL,
	  "<memory>:5: PRODUCT \"A-1\" has no price (no PRODUCT_PRICE in the "
	  "first PRODUCT_PRICE_DETAILS)" },
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62") PDET(PRICE("net_list",
	  "4,29")))), 0, NULL,
	  "<memory>:5: PRICE_AMOUNT \"4,29\" is not a decimal number such as 4.29" },
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62") PDET(PRICE("net_list",
	  "-1")))), 0, NULL,
	  "<memory>:5: PRICE_AMOUNT \"-1\" is not a decimal number such as 4.29" },
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62") PDET(PRICE("net_list",
	  "1.")))), 0, NULL,
	  "<memory>:5: PRICE_AMOUNT \"1.\" is not a decimal number such as 4.29" },
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62") PDET(PRICE("net_list",
	  "")))), 0, NULL, "<memory>:5: PRICE_AMOUNT is empty" },
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62") PDET("<PRODUCT_PRICE "
	  "price_type=\"net_list\"><PRICE_CURRENCY>EUR</PRICE_CURRENCY>"
	  "</PRODUCT_PRICE>"))), 0, NULL,
	  "<memory>:5: PRODUCT_PRICE has no PRICE_AMOUNT" },
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62") PDET("<PRODUCT_PRICE "
	  "price_type=\"net_list\"><PRICE_AMOUNT>1</PRICE_AMOUNT><LOWER_BOUND>"
	  "ab</LOWER_BOUND></PRODUCT_PRICE>"))), 0, NULL,
	  "<memory>:5: LOWER_BOUND \"ab\" is not a decimal number such as 4.29" },
	{ DOC05(PROD(PID("A-1") DET("x") "<PRODUCT_ORDER_DETAILS><ORDER_UNIT>"
	  "C62</ORDER_UNIT><PRICE_QUANTITY>100</PRICE_QUANTITY>"
	  "</PRODUCT_ORDER_DETAILS>" OK_PRICE)), 0, NULL,
	  "<memory>:5: PRODUCT \"A-1\": PRICE_QUANTITY 100 is not supported, the "
	  "catalogue needs the price of one ORDER_UNIT" },
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62") PDET("<PRODUCT_PRICE "
	  "price_type=\"net_list\"><PRICE_AMOUNT>1</PRICE_AMOUNT><PRICE_FACTOR>"
	  "0.90</PRICE_FACTOR></PRODUCT_PRICE>"))), 0, NULL,
	  "<memory>:5: PRODUCT \"A-1\": PRICE_FACTOR 0.90 is not supported, the "
	  "catalogue needs the net price itself" },
	{ DOC05("<PRODUCT mode=\"delete\">" PID("A-1") "</PRODUCT>\n"), 0, NULL,
	  "<memory>:5: PRODUCT with mode=\"delete\" in T_NEW_CATALOG (only new "
	  "articles are allowed there)" },
	/* the first error stops: the good article after it is never seen */
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62") OK_PRICE)
	  PROD(PID("A-2") DET("x") ORD("C62"))
	  PROD(PID("A-3") DET("x") ORD("C62") OK_PRICE)), 0, NULL,
	  "<memory>:6: PRODUCT \"A-2\" has no price (no PRODUCT_PRICE in the "
	  "first PRODUCT_PRICE_DETAILS)" },

	/* must fail: the document */
	{ "", 0, NULL, "<memory>: the document is empty" },
	{ DECL ROOT05 HDR "<T_UPDATE_PRICES>\n" PROD(PID("A-1"))
	  "</T_UPDATE_PRICES>\n</BMECAT>\n", 0, NULL,
	  "<memory>:4: T_UPDATE_PRICES is not supported: only a complete "
	  "catalogue (T_NEW_CATALOG) can be imported" },
	{ DECL ROOT05 HDR "<T_UPDATE_PRODUCTS prev_version=\"1\">\n"
	  "</T_UPDATE_PRODUCTS>\n</BMECAT>\n", 0, NULL,
	  "<memory>:4: T_UPDATE_PRODUCTS is not supported: only a complete "
	  "catalogue (T_NEW_CATALOG) can be imported" },
	{ DECL ROOT05 HDR "</BMECAT>\n", 0, NULL,
	  "<memory>: no T_NEW_CATALOG in the document" },
	{ DECL "<CATALOGUE version=\"2005\"/>\n", 0, NULL,
	  "<memory>:2: the root element is CATALOGUE, not BMECAT" },
	{ DECL "<BMECAT>\n" HDR NEW END, 0, NULL,
	  "<memory>:2: BMECAT has no version attribute" },
	{ DECL "<BMECAT version=\"3.0\">\n" HDR NEW END, 0, NULL,
	  "<memory>:2: BMEcat version \"3.0\" is not supported (2005 and 1.2 "
	  "are)" },
	{ DECL "<BMECAT version=\"1.2\" xmlns=\"" NS05 "\">\n" HDR NEW END, 0,
	  NULL, "<memory>:2: BMEcat version \"1.2\" does not match the "
	  "namespace http://www.bmecat.org/bmecat/2005" },
	{ DECL "<BMECAT version=\"2005\" xmlns=\"http://www.bmecat.org/XMLSchema/"
	  "1.2/bmecat_new_catalog\">\n" HDR NEW END, 0, NULL,
	  "<memory>:2: BMEcat version \"2005\" does not match the namespace "
	  "http://www.bmecat.org/XMLSchema/1.2/bmecat_new_catalog" },
	{ DECL "<BMECAT version=\"2005\" xmlns=\"urn:\x01x\">\n" HDR NEW END, 0,
	  NULL, "<memory>:2: XML error: invalid character in attribute value" },
	{ DECL "<BMECAT version=\"2005\" xmlns=\"http://www.bmecat.org/bmecat/2005/\">"
	  "\n" HDR NEW END, 0, NULL,
	  "<memory>:2: BMECAT is in the unknown namespace "
	  "\"http://www.bmecat.org/bmecat/2005/\" (expected "
	  "http://www.bmecat.org/bmecat/2005, "
	  "http://www.bmecat.org/bmecat/1.2/bmecat_new_catalog, "
	  "http://www.bmecat.org/XMLSchema/1.2/bmecat_new_catalog or none)" },
	/* an external subset is never loaded, so its entities are unknown */
	{ DECL "<!DOCTYPE BMECAT SYSTEM \"bmecat_2005.dtd\">\n" ROOT05 HDR NEW
	  PROD(PID("A-1") DET("Lineal &foo;") ORD("C62") OK_PRICE) END, 0, NULL,
	  "<memory>:6: XML error: Entity 'foo' not defined" },
	{ DECL "<!DOCTYPE BMECAT SYSTEM \"bmecat_2005.dtd\">\n" ROOT05 HDR NEW
	  "<PRODUCT mode=\"&foo;\">" PID("A-1") "</PRODUCT>\n" END, 0, NULL,
	  "<memory>:6: XML error: Entity 'foo' not defined" },
	/* character references and predefined entities in attributes are fine */
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62") PDET(PRICE("net_list", "2")
	  PRICE("net&#95;customer", "1")))), 0, HOUT "5:A-1|-|x|C62|1|EUR\n",
	  NULL },
	{ DOC05("<PRODUCT mode=\"&lt;n&amp;w&gt;\">" PID("A-1") "</PRODUCT>\n"),
	  0, NULL, "<memory>:5: PRODUCT with mode=\"<n&w>\" in T_NEW_CATALOG "
	  "(only new articles are allowed there)" },
	{ DOC05(PROD(PID("A-1") DET("Lineal &foo;") ORD("C62") OK_PRICE)), 0,
	  NULL, "<memory>:5: XML error: Entity 'foo' not defined" },
	{ DOC05(PROD(PID("A-1") DET("Lineal \xe4") ORD("C62") OK_PRICE)), 0,
	  NULL, "<memory>:5: XML error: Input is not proper UTF-8, indicate "
	  "encoding ! Bytes: 0xE4 0x3C 0x2F 0x44" },
	{ DOC05(PROD(PID("A-1") DET("x") ORD("C62") OK_PRICE)) "<more/>\n", 0,
	  NULL, "<memory>:8: XML error: Extra content at the end of the "
	  "document" },
	{ DECL ROOT05 HDR NEW "<PRODUCT>\0</PRODUCT>" END, sizeof(DECL ROOT05
	  HDR NEW "<PRODUCT>\0</PRODUCT>" END) - 1, NULL,
	  "<memory>:5: XML error: Char 0x0 out of allowed range" },
	/* truncated: libxml2's reader words this oddly, but it fails */
	{ DECL ROOT05 HDR NEW "<PRODUCT>", 0, NULL,
	  "<memory>:5: XML error: Extra content at the end of the document" },
	{ DECL ROOT05 HDR NEW "<PRODUCT><SUPPLIER_PID>A-1</SUPPLIER_PID>\n</", 0,
	  NULL, "<memory>:6: XML error: expected '>'" },
};

static void
test_memory(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(memory_cases); i++) {
		const char *in = memory_cases[i].in, *err = NULL;
		size_t len = memory_cases[i].len ? memory_cases[i].len : strlen(in);
		char *out = parse_memory(in, len, &err);

		if (memory_cases[i].out != NULL) {
			if (out == NULL)
				fail_msg("row %zu: %s", i, err);
			assert_string_equal(out, memory_cases[i].out);
		} else {
			if (out != NULL)
				fail_msg("row %zu: must fail, gave %s", i, out);
			if (strcmp(err, memory_cases[i].error) != 0)
				fail_msg("row %zu: error\n  %s\nexpected\n  %s", i,
				    err, memory_cases[i].error);
		}
		free(out);
	}
}

/* Collects every text the caller sees, to prove that no entity was expanded. */
static int
collect_all(const struct bmecat_article *a, void *ctx)
{
	buf_printf(ctx, "%s|%s|%s|%s|%s\n", a->supplier_aid, nn(a->buyer_aid),
	    a->description, a->order_unit, a->price);
	return 0;
}

static void
assert_no_passwd(const struct bmecat_header *h, struct buf *seen)
{
	const char *f[] = { h->version, h->catalog_id, h->supplier_name,
	    h->supplier_id, h->currency, buf_cstr(seen) };

	for (size_t i = 0; i < SO_NELEM(f); i++)
		if (f[i] != NULL && strstr(f[i], "root:") != NULL)
			fail_msg("/etc/passwd leaked into the catalogue: %s", f[i]);
}

static void
test_xxe(void **state)
{
	struct bmecat_header h;
	struct buf seen;
	const char *err = NULL;

	(void)state;
	/* the test is only meaningful where the file has that content */
	assert_int_equal(access("/etc/passwd", R_OK), 0);

	buf_init(&seen, 0);
	assert_int_equal(bmecat_read_file(DATA "bmecat-xxe.xml", &h,
	    collect_all, &seen, &err), -1);
	assert_string_equal(err, DATA "bmecat-xxe.xml:6: the DOCTYPE declares "
	    "entities (<!ENTITY ...>), which a catalogue must not");
	assert_string_equal(buf_cstr(&seen), "");
	assert_no_passwd(&h, &seen);
	bmecat_header_clear(&h);
	buf_free(&seen);

	/* the same through a parameter entity */
	buf_init(&seen, 0);
	assert_int_equal(bmecat_read_file(DATA "bmecat-xxe-param.xml", &h,
	    collect_all, &seen, &err), -1);
	assert_string_equal(err, DATA "bmecat-xxe-param.xml:7: the DOCTYPE "
	    "declares entities (<!ENTITY ...>), which a catalogue must not");
	assert_string_equal(buf_cstr(&seen), "");
	assert_no_passwd(&h, &seen);
	bmecat_header_clear(&h);
	buf_free(&seen);
}

static void
test_billion_laughs(void **state)
{
	struct bmecat_header h;
	struct buf seen;
	struct rusage before, after;
	const char *err = NULL;

	(void)state;
	alarm(60);              /* a hang kills the test */
	getrusage(RUSAGE_SELF, &before);
	buf_init(&seen, 0);
	assert_int_equal(bmecat_read_file(DATA "bmecat-lol.xml", &h,
	    collect_all, &seen, &err), -1);
	getrusage(RUSAGE_SELF, &after);
	alarm(0);
	/* libxml2's amplification check; the line of the first &lol9; */
	assert_string_equal(err, DATA "bmecat-lol.xml:19: XML error: Detected "
	    "an entity reference loop");
	assert_string_equal(buf_cstr(&seen), "");
	assert_null(h.catalog_id);
	/* bounded: far from the 3 GB of the expansion */
	assert_true(after.ru_maxrss - before.ru_maxrss < 50 * 1024);
	bmecat_header_clear(&h);
	buf_free(&seen);
}

/*
 * Quadratic blow-up: one entity of 100 KB referenced 20,000 times in an
 * attribute would be 2 GB once expanded.
 */
static void
test_quadratic_blowup(void **state)
{
	struct buf b;
	const char *err = NULL;
	char *big = xmalloc(100001);

	(void)state;
	memset(big, 'x', 100000);
	big[100000] = '\0';
	buf_init(&b, 0);
	buf_printf(&b, DECL "<!DOCTYPE BMECAT [\n<!ENTITY a \"%s\">\n]>\n"
	    ROOT05 HDR NEW "<PRODUCT mode=\"", big);
	for (int i = 0; i < 20000; i++)
		buf_puts(&b, "&a;");
	buf_puts(&b, "\">" PID("A-1") "</PRODUCT>\n" END);
	alarm(60);
	assert_null(parse_memory(buf_cstr(&b), b.len, &err));
	alarm(0);
	assert_string_equal(err, "<memory>:5: the DOCTYPE declares entities "
	    "(<!ENTITY ...>), which a catalogue must not");
	buf_free(&b);
	free(big);
}

static int
stop_at_second(const struct bmecat_article *a, void *ctx)
{
	int *calls = ctx;

	(void)a;
	return ++*calls == 2 ? 1 : 0;
}

static void
test_callback_stops(void **state)
{
	struct bmecat_header h;
	const char *err = NULL;
	int calls = 0;

	(void)state;
	assert_int_equal(bmecat_read_file(DATA "bmecat-2005.xml", &h,
	    stop_at_second, &calls, &err), -1);
	assert_int_equal(calls, 2);
	assert_string_equal(err, DATA "bmecat-2005.xml:52: import stopped by "
	    "the caller at PRODUCT \"BW-KS-B\"");
	/* the header was read before the articles and stays until cleared */
	assert_string_equal(h.catalog_id, "PH-2026");
	bmecat_header_clear(&h);
	assert_null(h.catalog_id);
	bmecat_header_clear(&h);        /* twice is harmless */
}

/* A document with one DESCRIPTION_SHORT of n bytes. */
static char *
doc_with_description(size_t n)
{
	char *d = xmalloc(n + 1), *doc;

	memset(d, 'a', n);
	d[n] = '\0';
	doc = xasprintf(DECL ROOT05 HDR NEW "<PRODUCT>" PID("A-1")
	    "<PRODUCT_DETAILS><DESCRIPTION_SHORT>%s</DESCRIPTION_SHORT>"
	    "</PRODUCT_DETAILS>" ORD("C62") OK_PRICE "</PRODUCT>\n" END, d);
	free(d);
	return doc;
}

static void
test_limits(void **state)
{
	struct buf b;
	const char *err = NULL;
	char *doc, *out;

	(void)state;
	doc = doc_with_description(BMECAT_MAX_TEXT);
	out = parse_memory(doc, strlen(doc), &err);
	if (out == NULL)
		fail_msg("%s", err);
	assert_int_equal(strlen(out), strlen(HOUT "5:A-1|-||C62|1.20|EUR\n") +
	    BMECAT_MAX_TEXT);
	free(out);
	free(doc);

	doc = doc_with_description(BMECAT_MAX_TEXT + 1);
	assert_null(parse_memory(doc, strlen(doc), &err));
	assert_string_equal(err, "<memory>:5: the text of DESCRIPTION_SHORT is "
	    "longer than 65536 bytes");
	free(doc);

	/* nesting: 64 levels are fine, 65 are not */
	for (int depth = 64; depth <= 65; depth++) {
		buf_init(&b, 0);
		buf_puts(&b, DECL ROOT05 HDR NEW);
		for (int i = 3; i <= depth; i++)
			buf_puts(&b, "<X>");
		for (int i = 3; i <= depth; i++)
			buf_puts(&b, "</X>");
		buf_puts(&b, END);
		out = parse_memory(buf_cstr(&b), b.len, &err);
		if (depth == 64) {
			if (out == NULL)
				fail_msg("%s", err);
			assert_string_equal(out, HOUT);
		} else {
			assert_null(out);
			assert_string_equal(err, "<memory>:5: elements are nested "
			    "deeper than 64 levels");
		}
		free(out);
		buf_free(&b);
	}
}

/*
 * Generated catalogue: 6 header lines, then ART_LINES lines per article,
 * article i (from 0) starting on line 7 + i * ART_LINES.
 */
#define ART_LINES 21

static void
write_catalogue(FILE *f, unsigned n, unsigned without_price)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<BMECAT version=\"2005\" xmlns=\"" NS05 "\">\n"
	    "  <HEADER>\n"
	    "    <CATALOG><LANGUAGE>deu</LANGUAGE><CATALOG_ID>GROSS</CATALOG_ID>"
	    "<CATALOG_VERSION>1</CATALOG_VERSION><CURRENCY>EUR</CURRENCY></CATALOG>\n"
	    "  </HEADER>\n"
	    "  <T_NEW_CATALOG>\n");
	for (unsigned i = 0; i < n; i++)
		fprintf(f,
		    "    <PRODUCT>\n"
		    "      <SUPPLIER_PID>A-%06u</SUPPLIER_PID>\n"
		    "      <PRODUCT_DETAILS>\n"
		    "        <DESCRIPTION_SHORT>Artikel Nummer %u für die "
		    "Verwaltung</DESCRIPTION_SHORT>\n"
		    "        <DESCRIPTION_LONG>Ein längerer Text, der nicht "
		    "gebraucht wird, aber Platz kostet: Lorem ipsum dolor sit "
		    "amet, consectetur adipiscing elit.</DESCRIPTION_LONG>\n"
		    "        <BUYER_PID>%u</BUYER_PID>\n"
		    "      </PRODUCT_DETAILS>\n"
		    "      <PRODUCT_ORDER_DETAILS>\n"
		    "        <ORDER_UNIT>C62</ORDER_UNIT>\n"
		    "        <CONTENT_UNIT>C62</CONTENT_UNIT>\n"
		    "      </PRODUCT_ORDER_DETAILS>\n"
		    "      <PRODUCT_PRICE_DETAILS>\n"
		    "        %s\n"
		    "          <PRICE_AMOUNT>%u.%02u</PRICE_AMOUNT>\n"
		    "          <PRICE_CURRENCY>EUR</PRICE_CURRENCY>\n"
		    "          <TAX>0.19</TAX>\n"
		    "        %s\n"
		    "      </PRODUCT_PRICE_DETAILS>\n"
		    "      <USER_DEFINED_EXTENSIONS><UDX.X>%u</UDX.X>"
		    "</USER_DEFINED_EXTENSIONS>\n"
		    "      <MIME_INFO/>\n"
		    "    </PRODUCT>\n", i, i, 100000 + i,
		    i == without_price ? "<!-- kein Preis" :
		    "<PRODUCT_PRICE price_type=\"net_customer\">",
		    i % 1000, i % 100,
		    i == without_price ? "-->" : "</PRODUCT_PRICE>", i);
	fprintf(f, "  </T_NEW_CATALOG>\n</BMECAT>\n");
}

struct big_ctx {
	unsigned n;
	unsigned bad_lines;
};

static int
check_big(const struct bmecat_article *a, void *ctx)
{
	struct big_ctx *c = ctx;
	char aid[32], price[32];

	snprintf(aid, sizeof(aid), "A-%06u", c->n);
	snprintf(price, sizeof(price), "%u.%02u", c->n % 1000, c->n % 100);
	if (strcmp(a->supplier_aid, aid) != 0 || strcmp(a->price, price) != 0)
		fail_msg("article %u: %s %s", c->n, a->supplier_aid, a->price);
	if (a->line != 7 + c->n * ART_LINES)
		c->bad_lines++;
	c->n++;
	return 0;
}

static char *
temp_catalogue(unsigned n, unsigned without_price)
{
	char *path = xstrdup("/tmp/so-test-bmecat-XXXXXX");
	int fd = mkstemp(path);
	FILE *f;

	if (fd == -1 || (f = fdopen(fd, "w")) == NULL)
		fail_msg("mkstemp/fdopen failed");
	write_catalogue(f, n, without_price);
	if (fclose(f) != 0)
		fail_msg("writing %s failed", path);
	return path;
}

static void
test_large_streamed(void **state)
{
	struct bmecat_header h;
	struct big_ctx c = { 0, 0 };
	struct rusage before, after;
	const char *err = NULL;
	char *path = temp_catalogue(100000, (unsigned)-1);
	struct stat st;
	long grown_kb;

	(void)state;
	getrusage(RUSAGE_SELF, &before);
	if (bmecat_read_file(path, &h, check_big, &c, &err) != 0)
		fail_msg("%s", err);
	getrusage(RUSAGE_SELF, &after);
	assert_int_equal(c.n, 100000);
	/* lines far beyond libxml2's 16-bit element lines are exact */
	assert_int_equal(c.bad_lines, 0);
	assert_string_equal(h.catalog_id, "GROSS");
	bmecat_header_clear(&h);
	grown_kb = after.ru_maxrss - before.ru_maxrss;
	if (stat(path, &st) != 0)
		fail_msg("stat(%s) failed", path);
	print_message("100000 articles, %lld MB: peak RSS %ld KB -> %ld KB\n",
	    (long long)st.st_size / (1024 * 1024), before.ru_maxrss,
	    after.ru_maxrss);
	if (under_valgrind())
		print_message("under valgrind: memory bound not checked\n");
	else
		assert_true(grown_kb < 20 * 1024);
	unlink(path);
	free(path);
}

static void
test_large_error_line(void **state)
{
	struct bmecat_header h;
	struct big_ctx c = { 0, 0 };
	const char *err = NULL;
	char *path = temp_catalogue(5000, 4321), *want;

	(void)state;
	assert_int_equal(bmecat_read_file(path, &h, check_big, &c, &err), -1);
	assert_int_equal(c.n, 4321);
	/* line 90748: past the 65535 where libxml2's element lines stop */
	want = xasprintf("%s:%u: PRODUCT \"A-004321\" has no price (no "
	    "PRODUCT_PRICE in the first PRODUCT_PRICE_DETAILS)", path,
	    7 + 4321 * ART_LINES);
	assert_string_equal(err, want);
	assert_int_equal(c.bad_lines, 0);
	free(want);
	bmecat_header_clear(&h);
	unlink(path);
	free(path);
}

static const struct {
	const char *code;
	const char *name;
} unit_cases[] = {
	{ "C62", "Stück" }, { "H87", "Stück" }, { "PK", "Pack" },
	{ "CT", "Karton" }, { "BX", "Schachtel" }, { "PD", "Block" },
	{ "RO", "Rolle" }, { "PR", "Paar" }, { "SET", "Satz" },
	{ "MTK", "m²" }, { "RM", "Ries" },
	/* unknown or deliberately not mapped: the code itself */
	{ "ST", "ST" }, { "XYZ", "XYZ" }, { "c62", "c62" }, { "", "" },
};

static void
test_unit_name(void **state)
{
	(void)state;
	for (size_t i = 0; i < SO_NELEM(unit_cases); i++)
		assert_string_equal(bmecat_unit_name(unit_cases[i].code),
		    unit_cases[i].name);
	assert_null(bmecat_unit_name(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* first, so that no other test has raised the peak RSS before */
		cmocka_unit_test(test_large_streamed),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_memory_equals_file),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_xxe),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_quadratic_blowup),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_large_error_line),
		cmocka_unit_test(test_unit_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
