/* SPDX-License-Identifier: MIT */
/*
 * Tests of mailparse: the whole parse of a mail (as the sandbox child runs
 * it) and the wire form that carries its result to the daemon.  A decoded
 * result must equal the parse field by field for every sample mail, and
 * the decoder must refuse every truncated or doctored input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mailparse.h"
#include "parsedutil.h"

static const char *const mails[] = {
	"contrib/demo/mails/01-standard.eml",
	"contrib/demo/mails/02-freitext.eml",
	"contrib/demo/mails/03-ueber-schwelle.eml",
	"contrib/demo/mails/04-latin1.eml",
	"contrib/demo/mails/05-html-alternative.eml",
	"contrib/demo/mails/06-json-anhang.eml",
	"contrib/demo/mails/07-unbekannte-kostenstelle.eml",
	"contrib/demo/mails/08-status-anfrage.eml",
	"contrib/demo/mails/09-abwesenheit.eml",
	"tests/data/mime-bounce.eml",
	"tests/data/mime-missing-close.eml",
	"tests/data/mime-nested.eml",
	"tests/data/mime-cp1252.eml",
	"tests/data/mime-flowed.eml",
};

struct fx {
	struct mime_limits limits;
	struct form_profile *profile;
	struct mailparse_ctx ctx;
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	mime_limits_default(&f->limits);
	f->profile = form_profile_default();
	f->ctx.limits = &f->limits;
	f->ctx.profile = f->profile;
	f->ctx.classify.own_address = "bestellung@exempla.test";
	f->ctx.classify.case_prefix = "SO";
	f->ctx.classify.msgid_domain = "socialorder.exempla.test";
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	form_profile_free(f->profile);
	free(f);
	return 0;
}

static void
parse_file(struct fx *f, const char *path, int too_large,
    struct parsed_mail *p)
{
	char *data;
	size_t len;
	const char *err;

	if (file_read(path, 1 << 22, &data, &len, &err) == -1)
		fail_msg("%s: %s", path, err);
	mailparse_run(&f->ctx, data, len, too_large, p);
	free(data);
}

static unsigned released;

static void
release_copy(const char *data, size_t len)
{
	(void)len;
	free((void *)(uintptr_t)data);
	released++;
}

/* Decode from a copy of exactly data[0..len) (ASan sees any overread). */
static int
decode_copy(const char *data, size_t len, size_t *off, struct parsed_mail *p,
    const char **err)
{
	char *copy = xmalloc(len ? len : 1);
	struct wire_arena *a;
	int rc;

	memcpy(copy, data, len);
	a = wire_arena_new(copy, len, release_copy);
	rc = mailparse_decode(a, off, p, err);
	wire_arena_unref(a);
	return rc;
}

/* Every sample, and all of them in one stream, come back as they went. */
static void
test_round_trip(void **state)
{
	struct fx *f = *state;
	struct parsed_mail p[SO_NELEM(mails)];
	struct buf b;
	size_t off = 0;
	const char *err = NULL;

	buf_init(&b, 64 * 1024 * 1024);
	for (size_t i = 0; i < SO_NELEM(mails); i++) {
		parse_file(f, mails[i], 0, &p[i]);
		assert_int_equal(mailparse_encode(&p[i], &b), 0);
	}
	for (size_t i = 0; i < SO_NELEM(mails); i++) {
		struct parsed_mail d;

		if (decode_copy(b.data, b.len, &off, &d, &err) == -1)
			fail_msg("%s: %s", mails[i], err);
		assert_same(&p[i], &d);
		parsed_mail_free(&d);
		parsed_mail_free(&p[i]);
	}
	assert_int_equal(off, b.len);
	buf_free(&b);
}

/*
 * Decoded mails point into their arena: it is released when the last of
 * them is freed, not before (their strings are read after the decoder's
 * own reference is gone).
 */
static void
test_arena_lifetime(void **state)
{
	struct fx *f = *state;
	struct parsed_mail p, d[2];
	struct wire_arena *a;
	struct buf b;
	size_t off = 0;
	const char *err = NULL;
	char *copy;

	parse_file(f, mails[0], 0, &p);
	buf_init(&b, 1 << 24);
	assert_int_equal(mailparse_encode(&p, &b), 0);
	assert_int_equal(mailparse_encode(&p, &b), 0);
	copy = xmalloc(b.len);
	memcpy(copy, b.data, b.len);
	released = 0;
	a = wire_arena_new(copy, b.len, release_copy);
	assert_int_equal(mailparse_decode(a, &off, &d[0], &err), 0);
	assert_int_equal(mailparse_decode(a, &off, &d[1], &err), 0);
	assert_int_equal(off, b.len);
	wire_arena_unref(a);
	assert_int_equal(released, 0);
	assert_same(&p, &d[0]);
	parsed_mail_free(&d[0]);
	assert_int_equal(released, 0);
	assert_same(&p, &d[1]);
	parsed_mail_free(&d[1]);
	assert_int_equal(released, 1);
	parsed_mail_free(&p);
	buf_free(&b);
}

/* What the samples are: the parse itself, not only its transport. */
static void
test_parse_outcomes(void **state)
{
	struct fx *f = *state;
	struct parsed_mail p;

	parse_file(f, "contrib/demo/mails/01-standard.eml", 0, &p);
	assert_int_equal(p.kind, MAIL_FORM);
	assert_null(p.err);
	assert_non_null(p.form);
	assert_int_equal(p.form->npositions, 3);
	parsed_mail_free(&p);

	parse_file(f, "contrib/demo/mails/06-json-anhang.eml", 0, &p);
	assert_non_null(p.form);
	assert_string_equal(p.form->source, "json");
	parsed_mail_free(&p);

	parse_file(f, "contrib/demo/mails/08-status-anfrage.eml", 0, &p);
	assert_int_equal(p.kind, MAIL_COMMAND);
	assert_int_equal(p.cmd.kind, CMD_STATUS);
	assert_null(p.form);
	parsed_mail_free(&p);

	parse_file(f, "contrib/demo/mails/09-abwesenheit.eml", 0, &p);
	assert_int_equal(p.kind, MAIL_MACHINE);
	assert_non_null(p.why);
	parsed_mail_free(&p);

	/* Only the header of a mail that is too large: answered, no form. */
	parse_file(f, "contrib/demo/mails/01-standard.eml", 1, &p);
	assert_non_null(p.msg);
	assert_non_null(p.err);
	assert_null(p.form);
	assert_string_equal(p.msg->from_addr, "requester1@exempla.test");
	parsed_mail_free(&p);
}

static void
encode_sample(struct fx *f, struct buf *b)
{
	struct parsed_mail p;

	parse_file(f, "contrib/demo/mails/06-json-anhang.eml", 0, &p);
	buf_init(b, 1 << 24);
	assert_int_equal(mailparse_encode(&p, b), 0);
	parsed_mail_free(&p);
}

/* Every proper prefix of a valid encoding is refused, never read beyond. */
static void
test_truncated(void **state)
{
	struct fx *f = *state;
	struct buf b;

	encode_sample(f, &b);
	for (size_t n = 0; n < b.len; n++) {
		/* A copy of exactly n bytes, so that ASan sees any overread. */
		char *cut = xmalloc(n ? n : 1);
		struct parsed_mail d;
		size_t off = 0;
		const char *err = NULL;

		memcpy(cut, b.data, n);
		assert_int_equal(decode_copy(cut, n, &off, &d, &err), -1);
		assert_non_null(err);
		assert_int_equal(off, 0);
		assert_null(d.msg);
		free(cut);
	}
	buf_free(&b);
}

static uint32_t
be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | u[3];
}

/* Offset of the first occurrence of the length-prefixed string s. */
static size_t
find_str(const struct buf *b, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + 4 + n <= b->len; i++)
		if (be32(b->data + i) == n && memcmp(b->data + i + 4, s, n) == 0)
			return i + 4;
	fail_msg("%s not in the encoding", s);
	return 0;
}

static void
assert_refused(const struct buf *b, const char *want)
{
	struct parsed_mail d;
	size_t off = 0;
	const char *err = NULL;

	assert_int_equal(decode_copy(b->data, b->len, &off, &d, &err), -1);
	assert_non_null(strstr(err, want));
}

/* Doctored encodings: what a misbehaving child might send. */
static void
test_doctored(void **state)
{
	struct fx *f = *state;
	struct buf b;
	size_t at;

	/* A line break smuggled into the subject (a header field). */
	encode_sample(f, &b);
	at = find_str(&b, "requester1@exempla.test");
	b.data[at + 3] = '\n';
	assert_refused(&b, "line break");
	buf_free(&b);

	/* A NUL inside a position's text and inside a file name. */
	encode_sample(f, &b);
	at = find_str(&b, "Kopierpapier A4 80 g/m\xc2\xb2, 500 Blatt");
	b.data[at + 2] = '\0';
	assert_refused(&b, "NUL in a string");
	buf_free(&b);
	encode_sample(f, &b);
	at = find_str(&b, "anforderung.json");
	b.data[at + 2] = '\0';
	assert_refused(&b, "line break or NUL");
	buf_free(&b);

	/* A header count far beyond the data. */
	encode_sample(f, &b);
	b.data[8] = 0x7f;
	assert_refused(&b, "count larger than the data");
	buf_free(&b);

	/* Not the wire form at all. */
	encode_sample(f, &b);
	b.data[0] ^= 0x20;
	assert_refused(&b, "bad magic");
	buf_free(&b);

	/* An unknown form source. */
	encode_sample(f, &b);
	at = find_str(&b, "json");
	memcpy(b.data + at, "xslt", 4);
	assert_refused(&b, "unknown form source");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_lifetime),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_outcomes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_doctored),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
