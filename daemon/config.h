/* SPDX-License-Identifier: MIT */
/*
 * config - read the INI configuration file into struct config.
 *
 * Every key has a default except those SPEC.md requires ([imap] url, user,
 * password or password_file; [smtp] url, from).  An unknown section or key,
 * a value of the wrong type or a missing required key stops start-up with a
 * message that names file, line and key.  A value may carry a trailing
 * comment introduced by white space and ';' or '#'.  Secrets may come from a
 * file (password_file), read at load time; the file's first line is used.
 * A key that is required or has a default cannot be set empty.  Relative
 * paths (database, templates, form_profile, ca_file, password_file) are
 * taken relative to the directory of the configuration file, so they still
 * hold after the daemon changes its working directory.
 *
 * All strings belong to the struct config; config_free() releases them.
 */
#ifndef SO_CONFIG_H
#define SO_CONFIG_H

#include <stdint.h>

struct config {
	char *path;

	/* [general] */
	char *database;
	char *templates;        /* directory with de/, en/ */
	char *language;         /* "de" or "en" */
	char *case_prefix;      /* "SO" */
	char *form_profile;     /* path or NULL for the built-in profile */
	char **org_domains;     /* NULL-terminated, lower case */
	char *log_level;        /* error|warning|info|debug */
	char *timezone;         /* e.g. Europe/Berlin; NULL = the system's */
	char *user;             /* drop root to this user after start-up */
	char *admin;            /* address for operational alerts, or NULL */

	/* [imap] */
	char *imap_url;
	char *imap_user;
	char *imap_password;
	char *imap_ca_file;     /* PEM trust anchors for imaps://, NULL = system store */
	char *processed_folder;
	char *quarantine_folder;
	char *failed_folder;
	int poll_interval;      /* seconds, fallback when IDLE is unavailable */
	int idle;               /* use IMAP IDLE if the server offers it */
	int64_t max_message_size;
	int imap_timeout;       /* seconds */

	/* [smtp] */
	char *smtp_url;
	char *smtp_from;
	char *smtp_from_name;
	char *smtp_user;        /* NULL: no AUTH */
	char *smtp_password;
	int smtp_timeout;
	int smtp_connections;   /* SMTP sessions used at once by a flush */
	int retry_base;         /* seconds before the first retry */
	int retry_max;          /* cap of the backoff, seconds */
	int max_attempts;       /* then the mail is marked failed */

	/* [approval] */
	int64_t threshold_cents;
	int token_days;         /* calendar days a request and its token are valid */
	int remind_after;       /* working days until the approver is reminded */
	int escalate_after;     /* working days until the deputy is asked too */
	char *holidays;         /* ISO dates that are not working days */
	char *authserv_id;      /* if set: replies need DKIM/DMARC pass from this MTA */

	/* [orders] */
	char *schedule;         /* Bestellrhythmus: "Di 10:00" or a cron expression */
	int max_wait_days;      /* below the minimum order value, wait at most this long */
	int urgent_workdays;    /* "Gewünscht bis" within this many working days: order now */
	int sum_lines;          /* sum equal article + Lieferort + Kostenstelle into one line */
	char *order_prefix;     /* order numbers B-2026-000001 */
	char *buyer_name;       /* the ordering administration, in orders */
	char *buyer_id;         /* its id in openTRANS orders */

	/* [reports] */
	int monthly_mail;       /* send last month's report to role einkauf */

	/* [retention] */
	int retention_years;    /* closed cases older than this may be exported and purged */

	/* [limits] */
	int answers_per_window; /* error/command answers to one sender */
	int answer_window;      /* seconds */
	int max_quantity;       /* per position */
	int max_mime_depth, max_mime_parts, max_headers;
	int64_t max_line_length;
	int parser_isolation;   /* parse each mail first in a limited child process */
	int parser_memory_mb, parser_cpu_seconds;
	int alert_after;        /* failed cycles in a row before the admin is alerted */
	int max_positions;
};

/*
 * Load path.  Returns 0 and *cfg_r (free with config_free) or -1 with
 * *error_r = "FILE:LINE: [section] key: message" (static until next call).
 */
int config_load(const char *path, struct config **cfg_r, const char **error_r);
void config_free(struct config *cfg);

/* Domain of the Message-IDs we create: the domain of smtp_from. */
const char *config_msgid_domain(const struct config *cfg);

/* 1 if addr (lower case addr-spec) belongs to one of the org domains. */
int config_addr_in_org(const struct config *cfg, const char *addr);

#endif
