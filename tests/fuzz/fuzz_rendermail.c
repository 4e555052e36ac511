/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rendermail - render_mail() on the real templates in templates/de
 * and templates/en with hostile values, then mailout_compose() on the
 * result, as the daemon sends it.
 *
 * The templates are read once at start (from the working directory, which
 * `make fuzz` makes the repository root) to learn which names each uses
 * and which sections enclose them; the values are then set the way the
 * daemon sets them: names inside a section on the items of a list, or on
 * the same level when the section is a plain value.  The input is
 *
 *   byte 0      which template (of all, sorted by name)
 *   byte 1      bit 0: de or en; if bits 4-7 are all set, value 1 is
 *               repeated 2^(2n+1) times (n: bits 1-3) for the first name
 *               (a huge value, up to just past the body limit)
 *   bytes 2-5   per section, in turn: a list of 0-3 items (none: the
 *               name is missing), or a value: empty, "1" or the next one
 *   the rest    values, cut at NUL bytes (so NUL-free, any other bytes:
 *               CR, LF, invalid UTF-8, template syntax), used in turn
 *
 * The promises checked: a valid template renders with any values, failing
 * only on the size and work limits; subject and body are valid UTF-8; the
 * subject is one line without control characters; and the composed
 * message has exactly one Subject, no Bcc and no CR or LF inside a header.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mailout.h"
#include "render.h"

#define TEMPLATE_DIR "templates"
#define MAX_TEMPLATES 64
#define MAX_NAMES 256
#define MAX_DEPTH 4
/* A huge value stops here: just beyond the 4 MiB body limit. */
#define HUGE_MAX ((size_t)4 * 1024 * 1024 + 4096)
#define COMPOSE_MAX ((size_t)64 * 1024 * 1024)

/* One name used in a template, and the section it is used in. */
struct tname {
	char *name;
	int section;            /* used as {{#name}} or {{^name}} */
	int parent;             /* index of the enclosing section, -1: none */
};

struct template {
	char *file;             /* "confirmation" */
	struct tname names[MAX_NAMES];
	size_t nnames;
};

static struct template templates[MAX_TEMPLATES];
static size_t ntemplates;

static const char *const langs[] = { "de", "en" };

/* What one input sets: values in turn, list shapes in turn. */
struct filler {
	const struct template *t;
	char **value;
	size_t nvalues, next_value;
	const char *huge;       /* value 1 repeated, or NULL */
	const uint8_t *shape;
	size_t nshape, next_shape;
};

static int
name_index(struct template *t, const char *name, size_t len, int parent)
{
	for (size_t i = 0; i < t->nnames; i++)
		if (t->names[i].parent == parent &&
		    strlen(t->names[i].name) == len &&
		    memcmp(t->names[i].name, name, len) == 0)
			return (int)i;
	if (t->nnames == MAX_NAMES) {
		fprintf(stderr, "fuzz_rendermail: %s: more than %d names\n",
		    t->file, MAX_NAMES);
		exit(1);
	}
	t->names[t->nnames].name = xstrndup(name, len);
	t->names[t->nnames].section = 0;
	t->names[t->nnames].parent = parent;
	return (int)t->nnames++;
}

/* Record every tag of the template text with its enclosing section. */
static void
template_scan(struct template *t, const char *text)
{
	int stack[MAX_DEPTH + 1];
	size_t depth = 0;
	const char *p = text, *open, *close;

	while ((open = strstr(p, "{{")) != NULL &&
	    (close = strstr(open + 2, "}}")) != NULL) {
		const char *in = open + 2, *e = close;
		char kind = *in;
		int parent = depth ? stack[depth - 1] : -1, i;

		p = close + 2;
		if (kind == '!')
			continue;
		if (kind == '#' || kind == '^' || kind == '/')
			in++;
		while (in < e && (*in == ' ' || *in == '\t'))
			in++;
		while (e > in && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (kind == '/') {
			if (depth > 0)
				depth--;
			continue;
		}
		i = name_index(t, in, (size_t)(e - in), parent);
		if (kind == '#' || kind == '^') {
			t->names[i].section = 1;
			if (depth == MAX_DEPTH) {
				fprintf(stderr, "fuzz_rendermail: %s: sections "
				    "nested too deep\n", t->file);
				exit(1);
			}
			stack[depth++] = i;
		}
	}
}

static int
cmp_template(const void *a, const void *b)
{
	return strcmp(((const struct template *)a)->file,
	    ((const struct template *)b)->file);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	DIR *d;
	struct dirent *de;

	(void)argc;
	(void)argv;
	setenv("TZ", "Europe/Berlin", 1);
	if ((d = opendir(TEMPLATE_DIR "/de")) == NULL) {
		fprintf(stderr, "fuzz_rendermail: run from the repository root "
		    "(no %s/de)\n", TEMPLATE_DIR);
		exit(1);
	}
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n > 4 && strcmp(de->d_name + n - 4, ".txt") == 0 &&
		    ntemplates < MAX_TEMPLATES)
			templates[ntemplates++].file = xstrndup(de->d_name,
			    n - 4);
	}
	closedir(d);
	qsort(templates, ntemplates, sizeof(*templates), cmp_template);
	/* The names of both languages: a translation may use others. */
	for (size_t i = 0; i < ntemplates; i++) {
		for (size_t l = 0; l < SO_NELEM(langs); l++) {
			char *path = xasprintf("%s/%s/%s.txt", TEMPLATE_DIR,
			    langs[l], templates[i].file), *text;
			const char *err;
			size_t len;

			if (file_read(path, 1024 * 1024, &text, &len,
			    &err) == -1) {
				fprintf(stderr, "fuzz_rendermail: %s\n", err);
				exit(1);
			}
			template_scan(&templates[i], text);
			free(text);
			free(path);
		}
	}
	if (ntemplates == 0) {
		fprintf(stderr, "fuzz_rendermail: no templates in %s/de\n",
		    TEMPLATE_DIR);
		exit(1);
	}
	return 0;
}

/* The values in turn; the huge one (if any) only once, for the first name. */
static const char *
next_value(struct filler *f)
{
	if (f->huge != NULL && f->next_value == 0) {
		f->next_value++;
		return f->huge;
	}
	return f->value[f->next_value++ % f->nvalues];
}

/* The bytes in turn, shifted a bit further on each round through them. */
static uint8_t
next_shape(struct filler *f)
{
	size_t k = f->next_shape++;

	return (uint8_t)(f->shape[k % f->nshape] >> (k / f->nshape % 6));
}

/* Set the names whose enclosing section is parent on v. */
static void
fill(struct filler *f, struct tvars *v, int parent, unsigned depth)
{
	for (size_t i = 0; i < f->t->nnames; i++) {
		const struct tname *n = &f->t->names[i];
		uint8_t s;

		if (n->parent != parent)
			continue;
		if (!n->section) {
			tvars_set(v, n->name, next_value(f));
			continue;
		}
		s = next_shape(f);
		if ((s & 4) && depth < MAX_DEPTH) {
			/* A list of s & 3 items; none: the name is missing. */
			for (unsigned k = 0; k < (s & 3u); k++)
				fill(f, tvars_add_item(v, n->name), (int)i,
				    depth + 1);
		} else {
			tvars_set(v, n->name, (s & 1) ? next_value(f) :
			    (s & 2) ? "1" : "");
			fill(f, v, (int)i, depth + 1);
		}
	}
}

/* Abort unless s is valid UTF-8 (and, for a header, has no controls). */
static void
check_text(const char *s, int header)
{
	if (!utf8_valid(s, strlen(s)))
		abort();
	for (const unsigned char *p = (const unsigned char *)s;
	    header && *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
}

static void
compose(const char *subject, const char *body)
{
	struct mailout m;
	struct buf out;
	const char *err = NULL;

	memset(&m, 0, sizeof(m));
	m.from_addr = "bestellung@exempla.test";
	m.from_name = "Social Order";
	m.to_addr = "erika.musterfrau@exempla.test";
	m.subject = subject;
	m.body = body;
	m.message_id = "so.confirmation.0123456789abcdef@exempla.test";
	m.date = 1777975200;
	buf_init(&out, COMPOSE_MAX);
	if (mailout_compose(&m, &out, &err) == -1)
		abort();
	fuzz_check_headers(buf_cstr(&out), out.len);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t head[6] = { 0 };
	struct fuzz_parts p;
	struct filler f;
	struct tvars *v;
	char *subject = NULL, *body = NULL, *huge = NULL;
	const char *err = NULL, *lang;
	size_t rep;

	memcpy(head, data, size < sizeof(head) ? size : sizeof(head));
	if (size > sizeof(head))
		fuzz_split(data + sizeof(head), size - sizeof(head), '\0',
		    FUZZ_MAX_PARTS, &p);
	else
		fuzz_split((const uint8_t *)"", 0, '\0', FUZZ_MAX_PARTS, &p);
	lang = langs[head[1] & 1];

	/*
	 * Value 1, repeated: the huge one.  Made valid UTF-8 first: the short
	 * values test the repair of bad bytes, and repairing megabytes of
	 * them would take most of the fuzzer's time.
	 */
	rep = (head[1] & 0xf0) == 0xf0 ? (size_t)2 << ((head[1] >> 1) & 7) * 2 :
	    1;
	if (rep > 1 && *p.part[0] != '\0') {
		char *one = str_utf8_fix(p.part[0]);
		size_t olen = strlen(one), hlen;

		hlen = olen * rep > HUGE_MAX ? HUGE_MAX : olen * rep;
		huge = xmalloc(hlen + 1);
		for (size_t i = 0; i < hlen; i += olen)
			memcpy(huge + i, one, hlen - i < olen ? hlen - i : olen);
		/* Cut on a character boundary: before no continuation byte. */
		while (hlen > 0 &&
		    ((unsigned char)one[hlen % olen] & 0xc0) == 0x80)
			hlen--;
		huge[hlen] = '\0';
		free(one);
	}

	memset(&f, 0, sizeof(f));
	f.huge = huge;
	f.t = &templates[head[0] % ntemplates];
	f.value = p.part;
	f.nvalues = p.n ? p.n : 1;
	f.shape = head + 2;
	f.nshape = 4;
	v = tvars_new();
	fill(&f, v, -1, 0);

	if (render_mail(TEMPLATE_DIR, lang, f.t->file, v, &subject, &body,
	    &err) == 0) {
		check_text(subject, 1);
		check_text(body, 0);
		compose(subject, body);
		free(subject);
		free(body);
	} else if (err == NULL || (strstr(err, "larger than") == NULL &&
	    strstr(err, "steps") == NULL)) {
		fprintf(stderr, "fuzz_rendermail: %s/%s: %s\n", lang,
		    f.t->file, err ? err : "(no message)");
		abort();
	}
	tvars_free(v);
	free(huge);
	fuzz_parts_free(&p);
	return 0;
}
