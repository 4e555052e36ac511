/* SPDX-License-Identifier: MIT */
/*
 * export - case folders and the explicit purge.  See export.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "casestore.h"
#include "export.h"
#include "log.h"
#include "util.h"

static char errbuf[512];

#define CLOSED "('geliefert', 'storniert', 'abgelehnt')"

static int
mkdir_p(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0750) == -1 && errno != EEXIST)
			goto fail;
		*s = '/';
	}
	if (mkdir(p, 0750) == -1 && errno != EEXIST)
		goto fail;
	free(p);
	return 0;
fail:
	snprintf(errbuf, sizeof(errbuf), "mkdir(%s) failed: %s", p, strerror(errno));
	free(p);
	return -1;
}

static int
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		snprintf(errbuf, sizeof(errbuf), "write(%s) failed: %s", path,
		    strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	return 0;
}

/* A JSON string (or null), escaped for any UTF-8 input. */
static void
jstr(struct buf *b, const char *s)
{
	if (s == NULL) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static void
jkey(struct buf *b, const char *k, const char *v, int comma)
{
	jstr(b, k);
	buf_putc(b, ':');
	jstr(b, v);
	if (comma)
		buf_putc(b, ',');
}

/* Each row of sql (one ?1 = id) as a JSON object of its columns. */
static int
jrows(struct store *st, struct buf *b, const char *key, const char *sql,
    int64_t id)
{
	sqlite3_stmt *s;
	int rc, first = 1;

	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		fatalx("export: %s: %s", sql, store_errmsg(st));
	sqlite3_bind_int64(s, 1, id);
	jstr(b, key);
	buf_puts(b, ":[");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		buf_puts(b, first ? "\n  {" : ",\n  {");
		first = 0;
		for (int i = 0; i < sqlite3_column_count(s); i++) {
			if (i)
				buf_putc(b, ',');
			jstr(b, sqlite3_column_name(s, i));
			buf_putc(b, ':');
			if (sqlite3_column_type(s, i) == SQLITE_INTEGER)
				buf_printf(b, "%lld", (long long)sqlite3_column_int64(s, i));
			else
				jstr(b, (const char *)sqlite3_column_text(s, i));
		}
		buf_putc(b, '}');
	}
	buf_puts(b, "]");
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Raw mails of sql (columns: name part, raw) into dir/sub. */
static int
dump_mails(struct store *st, const char *dir, const char *sub, const char *sql,
    int64_t id)
{
	char *d = xasprintf("%s/%s", dir, sub);
	sqlite3_stmt *s;
	int rc, n = 0;

	if (mkdir_p(d) == -1) {
		free(d);
		return -1;
	}
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		fatalx("export: %s: %s", sql, store_errmsg(st));
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *path = xasprintf("%s/%03d-%s.eml", d, ++n,
		    (const char *)sqlite3_column_text(s, 0));
		int w = write_file(path, sqlite3_column_blob(s, 1),
		    (size_t)sqlite3_column_bytes(s, 1));

		free(path);
		if (w == -1) {
			rc = -1;
			break;
		}
	}
	sqlite3_finalize(s);
	free(d);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
export_case(struct store *st, const char *nr, const char *dir,
    const char **error_r)
{
	struct vorgang *v = NULL;
	struct buf b;
	char *cdir = NULL, *path;
	int rc;

	*error_r = errbuf;
	for (const char *p = nr; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-')) {
			snprintf(errbuf, sizeof(errbuf), "\"%.40s\" is no case number", nr);
			return -1;
		}
	if ((rc = case_store_load(st, nr, &v)) != 1) {
		snprintf(errbuf, sizeof(errbuf), "case %.40s %s", nr, rc == 0 ?
		    "not found" : "could not be read");
		return -1;
	}
	cdir = xasprintf("%s/%s", dir, nr);
	buf_init(&b, 256 * 1024 * 1024);
	if (mkdir_p(cdir) == -1)
		goto fail;
	buf_puts(&b, "{");
	jkey(&b, "format", "socialorder-export-1", 1);
	jkey(&b, "nr", v->nr, 1);
	jkey(&b, "state", v->state, 1);
	jkey(&b, "requester_email", v->requester_email, 1);
	jkey(&b, "requester_name", v->requester_name, 1);
	jkey(&b, "oe", v->oe, 1);
	jkey(&b, "kostenstelle", v->kostenstelle, 1);
	jkey(&b, "lieferort", v->lieferort, 1);
	jkey(&b, "gewuenscht_bis", v->gewuenscht_bis, 1);
	jkey(&b, "bemerkung", v->bemerkung, 1);
	jkey(&b, "approval_reason", v->approval_reason, 1);
	jkey(&b, "source_msgid", v->source_msgid, 1);
	buf_printf(&b, "\"total_cents\":%lld,\"created_at\":%lld,\n",
	    (long long)v->total_cents, (long long)v->created_at);
	if (jrows(st, &b, "positions", "SELECT pos, artikelnr, bezeichnung, menge, "
	    "einheit, preis_cents, total_cents, lieferant, lieferanten_artikelnr, "
	    "state, (SELECT nr FROM bestellung WHERE id = bestellung_id) AS "
	    "bestellung FROM position WHERE vorgang_id = ?1 ORDER BY pos", v->id) ||
	    (buf_puts(&b, ",\n"), jrows(st, &b, "history", "SELECT at, from_state, "
	    "to_state, actor, reason, msgid FROM history WHERE vorgang_id = ?1 "
	    "ORDER BY id", v->id)) ||
	    (buf_puts(&b, ",\n"), jrows(st, &b, "approval", "SELECT oe, approver, "
	    "deputy, reason, requested_at, expires_at, decided_at, decided_by, "
	    "decision FROM approval WHERE vorgang_id = ?1", v->id)) ||
	    (buf_puts(&b, ",\n"), jrows(st, &b, "audit", "SELECT a.id, a.at, "
	    "a.actor, a.action, a.before, a.after, a.msgid, a.detail, a.hash FROM "
	    "audit a JOIN vorgang v ON v.nr = a.vorgang_nr WHERE v.id = ?1 "
	    "ORDER BY a.id", v->id)))
		goto dbfail;
	buf_puts(&b, "\n}\n");
	path = xasprintf("%s/case.json", cdir);
	rc = write_file(path, b.data, b.len);
	free(path);
	if (rc == -1 ||
	    dump_mails(st, cdir, "mails", "SELECT direction || '-' || id, raw FROM "
	    "mail_raw WHERE vorgang_id = ?1 UNION ALL SELECT 'out-' || kind || '-' "
	    "|| id, raw FROM outbox WHERE vorgang_id = ?1", v->id) == -1 ||
	    dump_mails(st, cdir, "orders", "SELECT DISTINCT b.nr, o.raw FROM "
	    "position p JOIN bestellung b ON b.id = p.bestellung_id JOIN outbox o "
	    "ON o.message_id = b.message_id WHERE p.vorgang_id = ?1", v->id) == -1)
		goto fail;
	{
		sqlite3_stmt *s = store_stmt(st, "INSERT INTO export_log (nr, at, dir) "
		    "VALUES (?, ?, ?)");
		store_bind_text(s, 1, v->nr);
		sqlite3_bind_int64(s, 2, so_now());
		store_bind_text(s, 3, cdir);
		if (store_step_done(st, s) == -1)
			goto dbfail;
	}
	buf_free(&b);
	free(cdir);
	vorgang_free(v);
	return 0;
dbfail:
	snprintf(errbuf, sizeof(errbuf), "database: %s", store_errmsg(st));
fail:
	buf_free(&b);
	free(cdir);
	vorgang_free(v);
	return -1;
}

/* Numbers of closed cases last changed before t (exported ones only if needs_export). */
static int
closed_before(struct store *st, int64_t t, int needs_export, char ***nrs_r,
    size_t *n_r)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT nr FROM vorgang v WHERE state IN "
	    CLOSED " AND updated_at < ?1 AND (?2 = 0 OR EXISTS (SELECT 1 FROM "
	    "export_log e WHERE e.nr = v.nr)) ORDER BY id");
	char **nrs = NULL;
	size_t n = 0;
	int rc;

	sqlite3_bind_int64(s, 1, t);
	sqlite3_bind_int(s, 2, needs_export);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		nrs = xreallocarray(nrs, n + 1, sizeof(*nrs));
		nrs[n++] = store_col_text(s, 0);
	}
	sqlite3_reset(s);
	*nrs_r = nrs;
	*n_r = n;
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
free_nrs(char **nrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(nrs[i]);
	free(nrs);
}

int
export_before(struct store *st, int64_t t, const char *dir, int *n_r,
    const char **error_r)
{
	char **nrs;
	size_t n;
	int rc = 0;

	*n_r = 0;
	*error_r = errbuf;
	if (closed_before(st, t, 0, &nrs, &n) == -1) {
		snprintf(errbuf, sizeof(errbuf), "database: %s", store_errmsg(st));
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = export_case(st, nrs[i], dir, error_r);
		if (rc == 0)
			(*n_r)++;
	}
	free_nrs(nrs, n);
	return rc;
}

int
export_purge(struct store *st, int64_t t, int *n_r, const char **error_r)
{
	static const char *const del[] = {
		"DELETE FROM approval_token WHERE vorgang_id = ?",
		"DELETE FROM approval WHERE vorgang_id = ?",
		"DELETE FROM mail_raw WHERE vorgang_id = ?",
		"DELETE FROM outbox WHERE vorgang_id = ?",
		"DELETE FROM position WHERE vorgang_id = ?",
		"DELETE FROM history WHERE vorgang_id = ?",
		"DELETE FROM vorgang WHERE id = ?",
	};
	char **nrs = NULL;
	size_t n = 0;

	*n_r = 0;
	*error_r = errbuf;
	if (store_begin(st) == -1 || closed_before(st, t, 1, &nrs, &n) == -1)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *s = store_stmt(st, "SELECT id FROM vorgang WHERE nr = ?");
		int64_t id;

		store_bind_text(s, 1, nrs[i]);
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_reset(s);
			goto fail;
		}
		id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		for (size_t k = 0; k < SO_NELEM(del); k++) {
			sqlite3_stmt *d = store_stmt(st, del[k]);
			sqlite3_bind_int64(d, 1, id);
			if (store_step_done(st, d) == -1)
				goto fail;
		}
		if (audit_append(st, so_now(), "admin", "purge", nrs[i], NULL, NULL,
		    NULL, "nach Export gelöscht") == -1)
			goto fail;
		(*n_r)++;
	}
	if (store_commit(st) == -1) {
		/* store_commit() has rolled back itself. */
		snprintf(errbuf, sizeof(errbuf), "database: %s", store_errmsg(st));
		free_nrs(nrs, n);
		*n_r = 0;
		return -1;
	}
	free_nrs(nrs, n);
	return 0;
fail:
	snprintf(errbuf, sizeof(errbuf), "database: %s", store_errmsg(st));
	store_rollback(st);
	free_nrs(nrs, n);
	*n_r = 0;
	return -1;
}
