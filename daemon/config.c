/* SPDX-License-Identifier: MIT */
/*
 * config - INI reader driven by one table of keys.  Knows nothing about what
 * the keys mean beyond their type and default.  See config.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "mailout.h"
#include "util.h"
#include "schedule.h"
#include "workdays.h"

enum key_type { K_STR, K_PATH, K_INT, K_BOOL, K_MONEY, K_SIZE, K_SECRET_FILE, K_DOMAINS };

struct key_def {
	const char *section;
	const char *key;
	enum key_type type;
	size_t offset;          /* into struct config */
	const char *def;        /* default as text, NULL = none */
	int required;
	long min, max;          /* K_INT bounds */
};

#define O(f) offsetof(struct config, f)

static const struct key_def keys[] = {
	{ "general", "database", K_PATH, O(database), "/var/lib/socialorder/socialorder.db", 0, 0, 0 },
	{ "general", "templates", K_PATH, O(templates), SO_DATADIR "/templates", 0, 0, 0 },
	{ "general", "language", K_STR, O(language), "de", 0, 0, 0 },
	{ "general", "case_prefix", K_STR, O(case_prefix), "SO", 0, 0, 0 },
	{ "general", "form_profile", K_PATH, O(form_profile), NULL, 0, 0, 0 },
	{ "general", "org_domains", K_DOMAINS, O(org_domains), NULL, 0, 0, 0 },
	{ "general", "log_level", K_STR, O(log_level), "info", 0, 0, 0 },
	{ "general", "timezone", K_STR, O(timezone), NULL, 0, 0, 0 },
	{ "general", "user", K_STR, O(user), NULL, 0, 0, 0 },
	{ "general", "admin", K_STR, O(admin), NULL, 0, 0, 0 },
	{ "imap", "url", K_STR, O(imap_url), NULL, 1, 0, 0 },
	{ "imap", "user", K_STR, O(imap_user), NULL, 1, 0, 0 },
	{ "imap", "password", K_STR, O(imap_password), NULL, 0, 0, 0 },
	{ "imap", "password_file", K_SECRET_FILE, O(imap_password), NULL, 0, 0, 0 },
	{ "imap", "ca_file", K_PATH, O(imap_ca_file), NULL, 0, 0, 0 },
	{ "imap", "quarantine_folder", K_STR, O(quarantine_folder), "Quarantaene", 0, 0, 0 },
	{ "imap", "processed_folder", K_STR, O(processed_folder), "Verarbeitet", 0, 0, 0 },
	{ "imap", "failed_folder", K_STR, O(failed_folder), "Fehlgeschlagen", 0, 0, 0 },
	{ "imap", "poll_interval", K_INT, O(poll_interval), "60", 0, 1, 86400 },
	{ "imap", "idle", K_BOOL, O(idle), "yes", 0, 0, 0 },
	{ "imap", "max_message_size", K_SIZE, O(max_message_size), "10485760", 0, 0, 0 },
	{ "imap", "timeout", K_INT, O(imap_timeout), "60", 0, 1, 3600 },
	{ "smtp", "url", K_STR, O(smtp_url), NULL, 1, 0, 0 },
	{ "smtp", "from", K_STR, O(smtp_from), NULL, 1, 0, 0 },
	{ "smtp", "from_name", K_STR, O(smtp_from_name), "Social Order", 0, 0, 0 },
	{ "smtp", "user", K_STR, O(smtp_user), NULL, 0, 0, 0 },
	{ "smtp", "password", K_STR, O(smtp_password), NULL, 0, 0, 0 },
	{ "smtp", "password_file", K_SECRET_FILE, O(smtp_password), NULL, 0, 0, 0 },
	{ "smtp", "timeout", K_INT, O(smtp_timeout), "60", 0, 1, 3600 },
	{ "smtp", "connections", K_INT, O(smtp_connections), "4", 0, 1, 16 },
	{ "smtp", "retry_base", K_INT, O(retry_base), "60", 0, 1, 86400 },
	{ "smtp", "retry_max", K_INT, O(retry_max), "3600", 0, 1, 604800 },
	{ "smtp", "max_attempts", K_INT, O(max_attempts), "20", 0, 1, 1000 },
	{ "approval", "threshold", K_MONEY, O(threshold_cents), "250,00", 0, 0, 0 },
	{ "approval", "token_days", K_INT, O(token_days), "14", 0, 1, 365 },
	{ "approval", "remind_after", K_INT, O(remind_after), "3", 0, 1, 100 },
	{ "approval", "escalate_after", K_INT, O(escalate_after), "5", 0, 1, 100 },
	{ "approval", "holidays", K_STR, O(holidays), NULL, 0, 0, 0 },
	{ "approval", "authserv_id", K_STR, O(authserv_id), NULL, 0, 0, 0 },
	{ "orders", "schedule", K_STR, O(schedule), "Di 10:00", 0, 0, 0 },
	{ "orders", "max_wait_days", K_INT, O(max_wait_days), "14", 0, 0, 365 },
	{ "orders", "urgent_workdays", K_INT, O(urgent_workdays), "3", 0, 0, 100 },
	{ "orders", "sum_lines", K_BOOL, O(sum_lines), "yes", 0, 0, 0 },
	{ "orders", "order_prefix", K_STR, O(order_prefix), "B", 0, 0, 0 },
	{ "orders", "buyer_name", K_STR, O(buyer_name), "Social Order", 0, 0, 0 },
	{ "orders", "buyer_id", K_STR, O(buyer_id), "socialorder", 0, 0, 0 },
	{ "reports", "monthly_mail", K_BOOL, O(monthly_mail), "no", 0, 0, 0 },
	{ "retention", "years", K_INT, O(retention_years), "6", 0, 1, 100 },
	{ "limits", "answers_per_window", K_INT, O(answers_per_window), "5", 0, 0, 100000 },
	{ "limits", "answer_window", K_INT, O(answer_window), "3600", 0, 1, 604800 },
	{ "limits", "max_quantity", K_INT, O(max_quantity), "1000", 0, 1, 1000000 },
	{ "limits", "max_mime_depth", K_INT, O(max_mime_depth), "20", 0, 1, 100 },
	{ "limits", "max_mime_parts", K_INT, O(max_mime_parts), "100", 0, 1, 10000 },
	{ "limits", "max_headers", K_INT, O(max_headers), "500", 0, 10, 100000 },
	{ "limits", "max_line_length", K_SIZE, O(max_line_length), "1M", 0, 0, 0 },
	{ "limits", "parser_isolation", K_BOOL, O(parser_isolation), "yes", 0, 0, 0 },
	{ "limits", "parser_memory_mb", K_INT, O(parser_memory_mb), "256", 0, 16, 65536 },
	{ "limits", "parser_cpu_seconds", K_INT, O(parser_cpu_seconds), "10", 0, 1, 3600 },
	{ "limits", "alert_after", K_INT, O(alert_after), "5", 0, 1, 1000 },
	{ "limits", "max_positions", K_INT, O(max_positions), "100", 0, 1, 500 },
};

static char errbuf[1024];

static int
fail(const char **error_r, const char *fmt, ...) SO_ATTR_PRINTF(2, 3);

static int
fail(const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	*error_r = errbuf;
	return -1;
}

static void
free_domains(char **d)
{
	if (d == NULL)
		return;
	for (char **p = d; *p; p++)
		free(*p);
	free(d);
}

static char **
parse_domains(const char *v)
{
	char *copy = xstrdup(v), *save = NULL, *tok;
	char **d = NULL;
	size_t n = 0;

	for (tok = strtok_r(copy, " ,\t", &save); tok;
	    tok = strtok_r(NULL, " ,\t", &save)) {
		d = xreallocarray(d, n + 2, sizeof(*d));
		d[n] = xstrdup(tok[0] == '@' ? tok + 1 : tok);
		str_lower(d[n]);
		n++;
	}
	if (d)
		d[n] = NULL;
	free(copy);
	return d;
}

/* A relative path is taken relative to the configuration file's directory. */
static char *
resolve_path(const struct config *cfg, const char *v)
{
	const char *slash;

	if (v[0] == '/' || cfg->path == NULL)
		return xstrdup(v);
	slash = strrchr(cfg->path, '/');
	if (slash == NULL) {
		char cwd[4096];
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return xstrdup(v);
		return xasprintf("%s/%s", cwd, v);
	}
	if (cfg->path[0] != '/') {
		char cwd[4096];
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return xstrdup(v);
		return xasprintf("%s/%.*s/%s", cwd, (int)(slash - cfg->path),
		    cfg->path, v);
	}
	return xasprintf("%.*s/%s", (int)(slash - cfg->path), cfg->path, v);
}

static int
set_value(struct config *cfg, const struct key_def *k, const char *v,
    const char *where, const char **error_r)
{
	void *field = (char *)cfg + k->offset;
	char *end;
	long l;
	int64_t cents;

	if (*v == '\0' && (k->required || k->def))
		return fail(error_r, "%s: must not be empty", where);
	switch (k->type) {
	case K_PATH:
		free(*(char **)field);
		*(char **)field = *v ? (strcmp(where, "default") == 0 ?
		    xstrdup(v) : resolve_path(cfg, v)) : NULL;
		return 0;
	case K_STR:
		free(*(char **)field);
		*(char **)field = *v ? xstrdup(v) : NULL;
		return 0;
	case K_SECRET_FILE: {
		char *data, *path;
		size_t len;
		const char *err;
		int r;

		if (*v == '\0')
			return fail(error_r, "%s: must not be empty", where);
		path = resolve_path(cfg, v);
		r = file_read(path, 4096, &data, &len, &err);

		free(path);
		if (r == -1)
			return fail(error_r, "%s: %s", where, err);
		data[strcspn(data, "\r\n")] = '\0';
		free(*(char **)field);
		*(char **)field = data;
		return 0;
	}
	case K_INT:
		errno = 0;
		l = strtol(v, &end, 10);
		if (errno || end == v || *end || l < k->min || l > k->max)
			return fail(error_r, "%s: \"%.60s\" is not a whole number "
			    "from %ld to %ld", where, v, k->min, k->max);
		*(int *)field = (int)l;
		return 0;
	case K_SIZE:
		errno = 0;
		l = strtol(v, &end, 10);
		if (errno || end == v || l <= 0)
			return fail(error_r, "%s: \"%.60s\" is not a size", where, v);
		if (*end == 'k' || *end == 'K')
			l *= 1024, end++;
		else if (*end == 'm' || *end == 'M')
			l *= 1024 * 1024, end++;
		if (*end)
			return fail(error_r, "%s: \"%.60s\" is not a size "
			    "(bytes, or with K or M)", where, v);
		*(int64_t *)field = l;
		return 0;
	case K_BOOL:
		if (!str_casecmp(v, "yes") || !str_casecmp(v, "true") ||
		    !str_casecmp(v, "on") || !strcmp(v, "1"))
			*(int *)field = 1;
		else if (!str_casecmp(v, "no") || !str_casecmp(v, "false") ||
		    !str_casecmp(v, "off") || !strcmp(v, "0"))
			*(int *)field = 0;
		else
			return fail(error_r, "%s: \"%.60s\" is not yes or no",
			    where, v);
		return 0;
	case K_MONEY:
		if (money_parse(v, &cents) == -1)
			return fail(error_r, "%s: \"%.60s\" is not an amount "
			    "(e.g. 250,00)", where, v);
		*(int64_t *)field = cents;
		return 0;
	case K_DOMAINS:
		free_domains(*(char ***)field);
		*(char ***)field = parse_domains(v);
		return 0;
	}
	fatalx("config: unknown key type %d", (int)k->type);
}

static const struct key_def *
find_key(const char *section, const char *key)
{
	for (size_t i = 0; i < SO_NELEM(keys); i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

static int
section_known(const char *section)
{
	for (size_t i = 0; i < SO_NELEM(keys); i++)
		if (strcmp(keys[i].section, section) == 0)
			return 1;
	return 0;
}

/* Cut a trailing " ; comment" or " # comment". */
static void
strip_comment(char *v)
{
	for (char *p = v; *p; p++)
		if ((*p == ';' || *p == '#') && (p == v || p[-1] == ' ' ||
		    p[-1] == '\t')) {
			*p = '\0';
			break;
		}
}

static int
parse(struct config *cfg, char *data, unsigned char *seen,
    const char **error_r)
{
	char section[64] = "";
	char *line;
	unsigned lineno = 0;
	char *p = data;

	while ((line = strsep(&p, "\n")) != NULL) {
		char *eq, *key, *val, where[256];
		const struct key_def *k;

		lineno++;
		str_trim(line);
		if (*line == '\0' || *line == ';' || *line == '#')
			continue;
		if (*line == '[') {
			char *close = strchr(line, ']');
			if (close == NULL || close[1] != '\0' ||
			    (size_t)(close - line) >= sizeof(section))
				return fail(error_r, "%s:%u: malformed section "
				    "header \"%.60s\"", cfg->path, lineno, line);
			*close = '\0';
			snprintf(section, sizeof(section), "%s", str_trim(line + 1));
			if (!section_known(section))
				return fail(error_r, "%s:%u: [%s]: unknown section",
				    cfg->path, lineno, section);
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL)
			return fail(error_r, "%s:%u: expected \"key = value\", "
			    "got \"%.60s\"", cfg->path, lineno, line);
		*eq = '\0';
		key = str_trim(line);
		val = eq + 1;
		strip_comment(val);
		str_trim(val);
		if (*section == '\0')
			return fail(error_r, "%s:%u: %s: key outside of a "
			    "section", cfg->path, lineno, key);
		if ((k = find_key(section, key)) == NULL)
			return fail(error_r, "%s:%u: [%s] %s: unknown key",
			    cfg->path, lineno, section, key);
		/* password and password_file fill the same field: one only. */
		for (size_t i = 0; i < SO_NELEM(keys); i++)
			if (&keys[i] != k && seen[i] &&
			    keys[i].offset == k->offset)
				return fail(error_r, "%s:%u: [%s] %s: %s is set "
				    "already; give only one of them", cfg->path,
				    lineno, section, key, keys[i].key);
		snprintf(where, sizeof(where), "%s:%u: [%s] %s", cfg->path,
		    lineno, section, key);
		if (set_value(cfg, k, val, where, error_r) == -1)
			return -1;
		seen[k - keys] = 1;
	}
	return 0;
}

int
config_load(const char *path, struct config **cfg_r, const char **error_r)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	unsigned char seen[SO_NELEM(keys)] = { 0 };
	char *data;
	size_t len;
	const char *err;

	cfg->path = xstrdup(path);
	for (size_t i = 0; i < SO_NELEM(keys); i++)
		if (keys[i].def && set_value(cfg, &keys[i], keys[i].def,
		    "default", &err) == -1)
			fatalx("config default %s.%s: %s", keys[i].section,
			    keys[i].key, err);
	if (file_read(path, 1024 * 1024, &data, &len, &err) == -1) {
		fail(error_r, "%s", err);
		goto bad;
	}
	if (memchr(data, '\0', len) != NULL) {
		free(data);
		fail(error_r, "%s: contains a NUL byte", path);
		goto bad;
	}
	if (parse(cfg, data, seen, error_r) == -1) {
		free(data);
		goto bad;
	}
	free(data);
	for (size_t i = 0; i < SO_NELEM(keys); i++)
		if (keys[i].required && !seen[i]) {
			fail(error_r, "%s: [%s] %s: required key missing", path,
			    keys[i].section, keys[i].key);
			goto bad;
		}
	if (cfg->imap_password == NULL) {
		fail(error_r, "%s: [imap] password: required key missing "
		    "(or password_file)", path);
		goto bad;
	}
	if (strncmp(cfg->imap_url, "imap://", 7) != 0 &&
	    strncmp(cfg->imap_url, "imaps://", 8) != 0) {
		fail(error_r, "%s: [imap] url: \"%.80s\" must start with "
		    "imap:// or imaps://", path, cfg->imap_url);
		goto bad;
	}
	if (strncmp(cfg->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(cfg->smtp_url, "smtps://", 8) != 0) {
		fail(error_r, "%s: [smtp] url: \"%.80s\" must start with "
		    "smtp:// or smtps://", path, cfg->smtp_url);
		goto bad;
	}
	/* The same rule as every address we write into a mail or a mailto: link. */
	if (!mailout_addr_ok(cfg->smtp_from)) {
		fail(error_r, "%s: [smtp] from: \"%.80s\" is not a plain mail "
		    "address", path, cfg->smtp_from);
		goto bad;
	}
	str_lower(cfg->smtp_from);
	if (cfg->admin && !mailout_addr_ok(cfg->admin)) {
		fail(error_r, "%s: [general] admin: \"%.80s\" is not a plain mail "
		    "address", path, cfg->admin);
		goto bad;
	}
	if (strcmp(cfg->language, "de") != 0 && strcmp(cfg->language, "en") != 0) {
		fail(error_r, "%s: [general] language: \"%.20s\" must be de or en",
		    path, cfg->language);
		goto bad;
	}
	if (strcmp(cfg->log_level, "error") && strcmp(cfg->log_level, "warning") &&
	    strcmp(cfg->log_level, "info") && strcmp(cfg->log_level, "debug")) {
		fail(error_r, "%s: [general] log_level: \"%.20s\" must be error, "
		    "warning, info or debug", path, cfg->log_level);
		goto bad;
	}
	for (const char *c = cfg->case_prefix; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')) ||
		    strlen(cfg->case_prefix) > 8) {
			fail(error_r, "%s: [general] case_prefix: \"%.20s\" must be "
			    "1-8 upper-case letters or digits", path, cfg->case_prefix);
			goto bad;
		}
	if (cfg->holidays) {
		struct workdays w = { 0 };
		const char *herr;

		if (workdays_parse_holidays(cfg->holidays, &w, &herr) == -1) {
			fail(error_r, "%s: [approval] holidays: %s", path, herr);
			goto bad;
		}
		workdays_free(&w);
	}
	{
		struct schedule *sch;
		const char *serr;

		if (schedule_parse(cfg->schedule, &sch, &serr) == -1) {
			fail(error_r, "%s: [orders] schedule: \"%.80s\": %s", path,
			    cfg->schedule, serr);
			goto bad;
		}
		schedule_free(sch);
	}
	if (cfg->timezone) {
		char *zone = xasprintf("/usr/share/zoneinfo/%s", cfg->timezone);
		int ok = strstr(cfg->timezone, "..") == NULL &&
		    access(zone, R_OK) == 0;

		free(zone);
		if (!ok) {
			fail(error_r, "%s: [general] timezone: \"%.60s\" is not a "
			    "known time zone (e.g. Europe/Berlin)", path, cfg->timezone);
			goto bad;
		}
	}
	if (cfg->org_domains == NULL) {
		const char *at = strrchr(cfg->imap_user, '@');
		cfg->org_domains = parse_domains(at ? at + 1 :
		    strrchr(cfg->smtp_from, '@') + 1);
	}
	*cfg_r = cfg;
	return 0;
bad:
	*error_r = errbuf;
	config_free(cfg);
	return -1;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < SO_NELEM(keys); i++) {
		void *field = (char *)cfg + keys[i].offset;
		if (keys[i].type == K_STR || keys[i].type == K_PATH ||
		    keys[i].type == K_SECRET_FILE) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (keys[i].type == K_DOMAINS) {
			free_domains(*(char ***)field);
			*(char ***)field = NULL;
		}
	}
	free(cfg->path);
	free(cfg);
}

const char *
config_msgid_domain(const struct config *cfg)
{
	return strrchr(cfg->smtp_from, '@') + 1;
}

int
config_addr_in_org(const struct config *cfg, const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	if (at == NULL || cfg->org_domains == NULL)
		return 0;
	for (char **d = cfg->org_domains; *d; d++)
		if (str_casecmp(at + 1, *d) == 0)
			return 1;
	return 0;
}
