/* SPDX-License-Identifier: MIT */
/*
 * main - the socialorder command line: socialorder [-fv] -c FILE COMMAND.
 *
 *   import DIR     load master data CSVs from DIR
 *   poll           one full cycle: fetch and process all mail, flush the outbox
 *   daemon [-f]    run until SIGTERM; SIGHUP reloads config and templates
 *   list [STATE]   cases, newest first
 *   show NR        one case with positions and history
 *   check-config   load and check the configuration, templates and database
 *   audit verify   check the hash chain of the audit trail
 *   order-run [--dry-run]  bundle and send an order run now (dry: show only)
 *
 * Exit codes: 0 ok, 1 the command failed, 2 usage, 78 configuration error.
 */
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "approval.h"
#include "audit.h"
#include "casestore.h"
#include "checkpointer.h"
#include "export.h"
#include "health.h"
#include "render.h"
#include "report.h"
#include "config.h"
#include "form.h"
#include "import.h"
#include "intake.h"
#include "log.h"
#include "masterdata.h"
#include "orderrun.h"
#include "outbox.h"
#include "sender.h"
#include "store.h"
#include "util.h"
#include "workflow.h"

#define EX_CONFIG 78
#define DEFAULT_CONFIG "/etc/socialorder/socialorder.ini"

struct app {
	const char *config_path;
	struct config *cfg;
	struct form_profile *profile;
	struct store *st;
	struct checkpointer *ckpt;      /* poll and daemon only */
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: socialorder [-fv] [-c FILE] COMMAND\n"
	    "commands:\n"
	    "  import DIR      load master data CSVs from DIR\n"
	    "  poll            fetch and process all waiting mail, send the outbox\n"
	    "  daemon          run until SIGTERM (-f: foreground, log to stderr)\n"
	    "  list [STATE]    list cases\n"
	    "  show NR         show one case with its history\n"
	    "  check-config    check configuration, templates and database\n"
	    "  status          health: last poll and send, queues, pending approvals\n"
	    "  audit verify    check the hash chain of the audit trail\n"
	    "  report --from DATE --to DATE [--by kostenstelle|oe|lieferant] [--format csv|html]\n"
	    "  export NR [DIR] | export --before DATE [DIR]\n"
	    "  purge [--before DATE] --yes   delete closed, exported cases\n"
	    "  order-run [--dry-run]  bundle and send an order run now\n"
	    "options:\n"
	    "  -c FILE         configuration (default " DEFAULT_CONFIG ")\n"
	    "  -f              daemon: stay in the foreground, log to stderr\n"
	    "  -v              log debug messages\n");
	exit(2);
}

static enum log_level
level_of(const char *s)
{
	if (strcmp(s, "error") == 0)
		return LOG_LVL_ERROR;
	if (strcmp(s, "warning") == 0)
		return LOG_LVL_WARN;
	if (strcmp(s, "debug") == 0)
		return LOG_LVL_DEBUG;
	return LOG_LVL_INFO;
}

/* Load config and profile into new objects; on success replace app's. */
static int
load_config(struct app *a)
{
	struct config *cfg;
	struct form_profile *profile;
	const char *err;

	if (config_load(a->config_path, &cfg, &err) == -1) {
		log_error("config: %s", err);
		return -1;
	}
	if (cfg->form_profile) {
		if ((profile = form_profile_load(cfg->form_profile, &err)) == NULL) {
			log_error("config: %s: [general] form_profile: %s",
			    a->config_path, err);
			config_free(cfg);
			return -1;
		}
	} else
		profile = form_profile_default();
	/* Templates are read anew: a reload picks up edited files. */
	render_cache_clear();
	if (workflow_check_templates(cfg, &err) == -1) {
		log_error("config: %s: [general] templates: %s", a->config_path, err);
		form_profile_free(profile);
		config_free(cfg);
		return -1;
	}
	config_free(a->cfg);
	form_profile_free(a->profile);
	a->cfg = cfg;
	a->profile = profile;
	/* Schedules, working days and dates in mails are local time. */
	if (cfg->timezone) {
		setenv("TZ", cfg->timezone, 1);
		tzset();
	}
	return 0;
}

static int
reload_cb(void *ctx, const struct config **cfg,
    const struct form_profile **profile)
{
	struct app *a = ctx;

	if (load_config(a) == -1) {
		log_error("reload failed; keeping the old configuration");
		return -1;
	}
	log_set_level(level_of(a->cfg->log_level));
	*cfg = a->cfg;
	*profile = a->profile;
	return 0;
}

static const char *
fmt_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(out, 32, "%Y-%m-%d %H:%M", localtime_r(&tt, &tm));
	return out;
}

static int
list_cb(const struct vorgang *v, void *ctx)
{
	char money[32], when[32];

	(void)ctx;
	printf("%-16s %-24s %12s EUR  %-16s %-28s %s\n", v->nr, v->state,
	    money_format(v->total_cents, money), fmt_time(v->created_at, when),
	    v->requester_email, v->kostenstelle);
	return 0;
}

static int
cmd_list(struct app *a, const char *state)
{
	static const char *const states[] = { STATE_EINGEGANGEN, STATE_WARTET,
	    STATE_GENEHMIGT, STATE_ABGELEHNT, STATE_FREIGEGEBEN, STATE_BESTELLT,
	    STATE_GELIEFERT, STATE_STORNIERT };
	int64_t pending, failed, sent;
	int known = state == NULL;

	for (size_t i = 0; i < SO_NELEM(states) && !known; i++)
		known = strcmp(state, states[i]) == 0;
	if (!known) {
		fprintf(stderr, "socialorder: list: unknown state \"%s\"; states are:",
		    state);
		for (size_t i = 0; i < SO_NELEM(states); i++)
			fprintf(stderr, " %s", states[i]);
		fputc('\n', stderr);
		return 2;
	}

	printf("%-16s %-24s %16s  %-16s %-28s %s\n", "Vorgang", "Status",
	    "Summe", "Eingang", "Besteller", "Kostenstelle");
	if (case_store_list(a->st, state, 1000, list_cb, NULL) == -1)
		return 1;
	if (outbox_counts(a->st, &pending, &failed, &sent) == 0)
		printf("\nPostausgang: %lld gesendet, %lld wartend, %lld "
		    "fehlgeschlagen\n", (long long)sent, (long long)pending,
		    (long long)failed);
	return 0;
}

static int
show_audit_cb(const struct audit_record *r, void *ctx)
{
	char when[32];

	(void)ctx;
	printf("  #%-6lld %s  %-9s %-26s %s%s%s%s%s\n", (long long)r->id,
	    fmt_time(r->at, when), r->action, r->actor,
	    r->before ? r->before : "", r->before || r->after ? " -> " : "",
	    r->after ? r->after : "", r->detail ? "  " : "",
	    r->detail ? r->detail : "");
	return 0;
}

static int
cmd_show(struct app *a, const char *nr)
{
	struct vorgang *v;
	struct vorgang_history *h;
	size_t nh;
	char money[32], when[32];
	int rc = case_store_load(a->st, nr, &v);

	if (rc != 1) {
		fprintf(stderr, "socialorder: Vorgang %s %s\n", nr,
		    rc == 0 ? "nicht gefunden" : "konnte nicht gelesen werden");
		return 1;
	}
	printf("Vorgang:       %s\nStatus:        %s\nBesteller:     %s <%s>\n",
	    v->nr, v->state, v->requester_name ? v->requester_name : "",
	    v->requester_email);
	printf("OE:            %s\nKostenstelle:  %s\nLieferort:     %s\n",
	    v->oe, v->kostenstelle, v->lieferort);
	if (v->gewuenscht_bis)
		printf("Gewünscht bis: %s\n", v->gewuenscht_bis);
	if (v->bemerkung)
		printf("Bemerkung:     %s\n", v->bemerkung);
	if (v->approval_reason)
		printf("Genehmigung:   %s\n", v->approval_reason);
	printf("Eingang:       %s  (Message-ID %s)\n\nPositionen:\n",
	    fmt_time(v->created_at, when), v->source_msgid ? v->source_msgid : "-");
	for (size_t i = 0; i < v->npositions; i++) {
		const struct vorgang_position *p = &v->positions[i];
		char unit[32];

		printf("  %2d  %-8s %-44.44s %5lld %-10s %10s", p->pos,
		    p->artikelnr ? p->artikelnr : "(frei)", p->bezeichnung,
		    (long long)p->menge, p->einheit,
		    money_format(p->preis_cents, unit));
		printf(" %12s%s\n", money_format(p->total_cents, money),
		    p->lieferant ? "" : "  Freitext");
	}
	printf("  Summe: %s EUR\n\nVerlauf:\n", money_format(v->total_cents, money));
	if (case_store_history(a->st, v->id, &h, &nh) == 0) {
		for (size_t i = 0; i < nh; i++)
			printf("  %s  %-24s -> %-24s %s%s%s\n", fmt_time(h[i].at, when),
			    h[i].from_state ? h[i].from_state : "-", h[i].to_state,
			    h[i].actor, h[i].reason ? ": " : "",
			    h[i].reason ? h[i].reason : "");
		vorgang_history_free(h, nh);
	}
	printf("\nPrüfprotokoll (verkettet, socialorder audit verify):\n");
	audit_each(a->st, v->nr, show_audit_cb, NULL);
	vorgang_free(v);
	return 0;
}

/* status: what an administrator checks first. */
static int
cmd_status(struct app *a)
{
	static const char *const keys[] = { HEALTH_LAST_POLL, HEALTH_LAST_SEND };
	static const char *const names[] = { "Letzter erfolgreicher Zyklus",
	    "Letzter Versand" };
	int64_t pending, failed, sent, at, value;
	char when[32];
	sqlite3_stmt *s;

	printf("Datenbank:     %s (Schema %d)\n", a->cfg->database,
	    store_schema_version(a->st));
	for (int i = 0; i < 2; i++) {
		if (health_get(a->st, keys[i], &at, &value, NULL) == 1)
			printf("%-29s %s\n", names[i], fmt_time(at, when));
		else
			printf("%-29s noch nie\n", names[i]);
	}
	if (health_get(a->st, HEALTH_FAILURES, &at, &value, NULL) == 1 && value > 0)
		printf("Fehlgeschlagene Zyklen in Folge: %lld (zuletzt %s)\n",
		    (long long)value, fmt_time(at, when));
	if (outbox_counts(a->st, &pending, &failed, &sent) == 0)
		printf("Postausgang:   %lld wartend, %lld endgültig fehlgeschlagen, "
		    "%lld gesendet\n", (long long)pending, (long long)failed,
		    (long long)sent);
	/* A mail that failed for good reached nobody: name the newest ones. */
	s = store_stmt(a->st, "SELECT o.id, o.kind, o.rcpt, v.nr, o.last_error "
	    "FROM outbox o LEFT JOIN vorgang v ON v.id = o.vorgang_id WHERE "
	    "o.state = 'failed' ORDER BY o.id DESC LIMIT 20");
	while (sqlite3_step(s) == SQLITE_ROW) {
		char *rcpt = str_log_safe((const char *)sqlite3_column_text(s, 2),
		    100);
		char *err = str_log_safe((const char *)sqlite3_column_text(s, 4),
		    200);
		const unsigned char *nr = sqlite3_column_text(s, 3);

		printf("  fehlgeschlagen: Mail %lld (%s) an %s%s%s: %s\n",
		    (long long)sqlite3_column_int64(s, 0), sqlite3_column_text(s, 1),
		    rcpt, nr ? ", Vorgang " : "", nr ? (const char *)nr : "", err);
		free(rcpt);
		free(err);
	}
	sqlite3_reset(s);
	s = store_stmt(a->st, "SELECT count(*) FROM approval a JOIN vorgang v ON "
	    "v.id = a.vorgang_id WHERE v.state = 'wartet_auf_genehmigung'");
	if (sqlite3_step(s) == SQLITE_ROW)
		printf("Offene Genehmigungen: %lld\n",
		    (long long)sqlite3_column_int64(s, 0));
	sqlite3_reset(s);
	s = store_stmt(a->st, "SELECT outcome, count(*) FROM ledger WHERE outcome "
	    "IN ('failed', 'quarantine', 'unreadable', 'rejected') GROUP BY outcome");
	while (sqlite3_step(s) == SQLITE_ROW)
		printf("Mails %-12s %lld\n", sqlite3_column_text(s, 0),
		    (long long)sqlite3_column_int64(s, 1));
	sqlite3_reset(s);
	printf("Vorgänge nach Status:\n");
	s = store_stmt(a->st, "SELECT state, count(*) FROM vorgang GROUP BY state "
	    "ORDER BY state");
	while (sqlite3_step(s) == SQLITE_ROW)
		printf("  %-24s %lld\n", sqlite3_column_text(s, 0),
		    (long long)sqlite3_column_int64(s, 1));
	sqlite3_reset(s);
	return 0;
}

/*
 * Started as root: continue as [general] user, so that a parser bug never
 * runs with root's rights.  The configuration and secrets were read
 * already; the database is opened afterwards, as that user.
 */
static int
drop_privileges(const struct config *cfg)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (cfg->user == NULL) {
		log_warn("running as root; set [general] user to drop privileges");
		return 0;
	}
	if ((pw = getpwnam(cfg->user)) == NULL) {
		log_error("config: [general] user: no such user \"%s\"", cfg->user);
		return -1;
	}
	if (setgroups(0, NULL) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1 || setuid(0) != -1) {
		log_error("dropping privileges to %s failed", cfg->user);
		return -1;
	}
	log_info("running as user %s (uid %u)", cfg->user, (unsigned)pw->pw_uid);
	return 0;
}

static int
cmd_audit_verify(struct app *a)
{
	int64_t count = 0, bad = 0;
	const char *why = NULL;
	int rc = audit_verify(a->st, &count, &bad, &why);

	if (rc == 0) {
		printf("Prüfprotokoll intakt: %lld Einträge, Kette vollständig.\n",
		    (long long)count);
		return 0;
	}
	if (rc == 1)
		printf("Prüfprotokoll BESCHÄDIGT: Eintrag %lld: %s (%lld Einträge "
		    "davor sind in Ordnung)\n", (long long)bad, why, (long long)count);
	return 1;
}

/* report --from DATE --to DATE [--by kostenstelle|oe|lieferant] [--format csv|html] */
static int
cmd_report(struct app *a, int argc, char **argv)
{
	struct report_opts o = { 0, 0, REPORT_BY_KOSTENSTELLE, REPORT_CSV };
	const char *err = NULL;
	int have_from = 0, have_to = 0;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r;

		if (v == NULL)
			goto usage;
		if (strcmp(argv[i], "--from") == 0)
			r = report_parse_date(v, &o.from, &err), have_from = 1;
		else if (strcmp(argv[i], "--to") == 0) {
			int64_t t;
			r = report_parse_date(v, &t, &err);
			o.to = r == 0 ? report_next_day(t) : 0;     /* inclusive */
			have_to = 1;
		} else if (strcmp(argv[i], "--by") == 0)
			r = report_parse_by(v, &o.by, &err);
		else if (strcmp(argv[i], "--format") == 0)
			r = report_parse_format(v, &o.format, &err);
		else
			goto usage;
		if (r == -1) {
			fprintf(stderr, "socialorder: report: %s\n", err);
			return 2;
		}
		i++;
	}
	if (!have_from || !have_to)
		goto usage;
	if (report_write(a->st, &o, stdout, &err) == -1) {
		fprintf(stderr, "socialorder: report: %s\n", err);
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: socialorder report --from YYYY-MM-DD --to YYYY-MM-DD "
	    "[--by kostenstelle|oe|lieferant] [--format csv|html]\n");
	return 2;
}

/*
 * export NR [DIR] | export --before DATE [DIR]
 * purge [--before DATE] --yes     (default: older than [retention] years)
 */
static int
cmd_export(struct app *a, int argc, char **argv)
{
	const char *err, *dir = "export";
	int64_t before = 0;
	int n = 0, yes = 0, i = 1;

	if (strcmp(argv[0], "purge") == 0) {
		for (; i < argc; i++) {
			if (strcmp(argv[i], "--yes") == 0)
				yes = 1;
			else if (strcmp(argv[i], "--before") == 0 && i + 1 < argc) {
				if (report_parse_date(argv[++i], &before, &err) == -1) {
					fprintf(stderr, "socialorder: purge: %s\n", err);
					return 2;
				}
			} else
				goto usage;
		}
		if (before == 0) {
			time_t t = (time_t)so_now();
			struct tm tm;

			localtime_r(&t, &tm);
			tm.tm_year -= a->cfg->retention_years;
			before = (int64_t)mktime(&tm);
		}
		if (!yes) {
			fprintf(stderr, "socialorder: purge deletes exported, closed "
			    "cases for good; repeat with --yes\n");
			return 2;
		}
		if (export_purge(a->st, before, &n, &err) == -1) {
			fprintf(stderr, "socialorder: purge: %s\n", err);
			return 1;
		}
		printf("%d Vorgänge gelöscht (nur abgeschlossene, bereits "
		    "exportierte).\n", n);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "--before") == 0) {
		if (report_parse_date(argv[2], &before, &err) == -1) {
			fprintf(stderr, "socialorder: export: %s\n", err);
			return 2;
		}
		if (argc == 4)
			dir = argv[3];
		else if (argc != 3)
			goto usage;
		if (export_before(a->st, before, dir, &n, &err) == -1) {
			fprintf(stderr, "socialorder: export: %s\n", err);
			return 1;
		}
		printf("%d abgeschlossene Vorgänge nach %s exportiert.\n", n, dir);
		return 0;
	}
	if (argc == 2 || argc == 3) {
		if (argc == 3)
			dir = argv[2];
		if (export_case(a->st, argv[1], dir, &err) == -1) {
			fprintf(stderr, "socialorder: export: %s\n", err);
			return 1;
		}
		printf("%s nach %s/%s exportiert.\n", argv[1], dir, argv[1]);
		return 0;
	}
usage:
	fprintf(stderr, "usage: socialorder export NR [DIR] | export --before "
	    "YYYY-MM-DD [DIR] | purge [--before YYYY-MM-DD] --yes\n");
	return 2;
}

struct readdress {
	const struct config *cfg;
	int n;
};

/* Waiting approvals follow the new master data, in the import's transaction. */
static int
import_readdress(struct store *st, void *ctx, const char **error_r)
{
	struct readdress *r = ctx;

	r->n = approval_readdress(st, r->cfg, so_now());
	if (r->n == -1) {
		*error_r = "re-addressing the waiting approval requests failed "
		    "(database or template error, see the log)";
		return -1;
	}
	return 0;
}

static int
cmd_import(struct app *a, const char *dir)
{
	struct import_stats stats;
	struct readdress r = { a->cfg, 0 };
	const char *err;
	struct stat sb;

	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "socialorder: import: %s is not a directory\n", dir);
		return 1;
	}

	if (import_dir_then(a->st, dir, import_readdress, &r, &stats,
	    &err) == -1) {
		fprintf(stderr, "socialorder: import %s failed, nothing imported: "
		    "%s\n", dir, err);
		return 1;
	}
	for (int i = 0; i < 6; i++)
		if (stats.rows[i])
			printf("%-28s %5zu Zeilen\n", import_files[i], stats.rows[i]);
	if (stats.bmecat_files)
		printf("%-28s %5zu Artikel aus %zu Dateien\n", "BMEcat-Kataloge",
		    stats.bmecat_articles, stats.bmecat_files);
	if (r.n > 0)
		printf("%-28s %5d Vorgänge (neue genehmigende Person oder "
		    "Vertretung)\n", "Genehmigungen neu adressiert", r.n);
	printf("Import abgeschlossen (Dateien: %zu).\n", stats.files +
	    stats.bmecat_files);
	return 0;
}

int
main(int argc, char **argv)
{
	struct app a = { .config_path = DEFAULT_CONFIG };
	const char *cmd, *err;
	int ch, foreground = 0, verbose = 0, rc = 1;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0))
		usage();
	/* "+": options end at the command, so "order-run --dry-run" reaches it. */
	while ((ch = getopt(argc, argv, "+c:fvh")) != -1) {
		switch (ch) {
		case 'c':
			a.config_path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	/* "daemon -f" is accepted as well as "-f daemon". */
	if (argc >= 2 && strcmp(argv[0], "daemon") == 0 &&
	    strcmp(argv[1], "-f") == 0) {
		foreground = 1;
		argc--;
	}
	if (argc < 1)
		usage();
	cmd = argv[0];
	log_init(strcmp(cmd, "daemon") != 0 || foreground,
	    verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (load_config(&a) == -1)
		return EX_CONFIG;
	if (!verbose)
		log_set_level(level_of(a.cfg->log_level));
	/*
	 * Detach before opening the database: SQLite's locks belong to the
	 * process, and a forked child would write a WAL that others no longer
	 * see as in use.
	 */
	if (strcmp(cmd, "daemon") == 0 && argc == 1 && !foreground &&
	    daemon(0, 0) == -1) {
		log_error("daemon() failed");
		goto out;
	}
	if (drop_privileges(a.cfg) == -1) {
		rc = EX_CONFIG;
		goto out;
	}
	/* Intake writes in bursts: its checkpoints run beside it. */
	if ((strcmp(cmd, "poll") == 0 || strcmp(cmd, "daemon") == 0) &&
	    argc == 1)
		a.ckpt = checkpointer_start(a.cfg->database);
	if (store_open(a.cfg->database, &a.st, &err) == -1) {
		log_error("database: %s", err);
		rc = 1;
		goto out;
	}
	checkpointer_attach(a.ckpt, store_db(a.st));
	sender_init();
	if (strcmp(cmd, "import") == 0 && argc == 2)
		rc = cmd_import(&a, argv[1]);
	else if (strcmp(cmd, "poll") == 0 && argc == 1) {
		struct intake_stats stats;
		intake_signals_init();
		rc = intake_poll(a.st, a.cfg, a.profile, &stats) == 0 ? 0 : 1;
	} else if (strcmp(cmd, "daemon") == 0 && argc == 1) {
		const struct config *c;
		const struct form_profile *p;

		intake_signals_init();
		log_info("daemon started config=%s", a.config_path);
		/* reload_cb replaces a.cfg/a.profile; the loop reads them anew. */
		c = a.cfg;
		p = a.profile;
		rc = intake_daemon(a.st, &c, &p, reload_cb, &a);
	} else if (strcmp(cmd, "order-run") == 0 && (argc == 1 || (argc == 2 &&
	    strcmp(argv[1], "--dry-run") == 0))) {
		struct orderrun_result res;
		int dry = argc == 2;

		intake_signals_init();
		rc = 1;
		if (orderrun_execute(a.st, a.cfg, dry, "manual", 0, stdout, &res) == 0) {
			struct sender_stats ss;

			printf("\n%s: %d Bestellungen, %d Positionen, %d Lieferanten "
			    "warten\n", dry ? "Probelauf" : "Bestelllauf", res.orders,
			    res.positions, res.waiting);
			rc = 0;
			if (!dry && sender_flush(a.st, a.cfg, &ss,
			    intake_should_stop) == -1)
				rc = 1;
		}
	} else if (strcmp(cmd, "status") == 0 && argc == 1)
		rc = cmd_status(&a);
	else if (strcmp(cmd, "report") == 0)
		rc = cmd_report(&a, argc, argv);
	else if (strcmp(cmd, "export") == 0 || strcmp(cmd, "purge") == 0)
		rc = cmd_export(&a, argc, argv);
	else if (strcmp(cmd, "audit") == 0 && argc == 2 &&
	    strcmp(argv[1], "verify") == 0)
		rc = cmd_audit_verify(&a);
	else if (strcmp(cmd, "list") == 0 && argc <= 2)
		rc = cmd_list(&a, argc == 2 ? argv[1] : NULL);
	else if (strcmp(cmd, "show") == 0 && argc == 2)
		rc = cmd_show(&a, argv[1]);
	else if (strcmp(cmd, "check-config") == 0 && argc == 1) {
		int64_t counts[6];
		rc = 1;
		if (masterdata_counts(a.st, counts) == 0) {
			printf("%s: ok (schema %d, %lld OEs, %lld Kostenstellen, "
			    "%lld Lieferorte, %lld Lieferanten, %lld Artikel, "
			    "%lld Personen)\n", a.config_path,
			    store_schema_version(a.st), (long long)counts[0],
			    (long long)counts[1], (long long)counts[2],
			    (long long)counts[3], (long long)counts[4],
			    (long long)counts[5]);
			rc = 0;
			if (counts[0] == 0 || counts[1] == 0 || counts[2] == 0 ||
			    counts[4] == 0)
				printf("warning: master data incomplete: every form "
				    "will be rejected until OEs, Kostenstellen, "
				    "Lieferorte and the catalogue are imported "
				    "(socialorder import DIR)\n");
		}
	} else {
		store_close(a.st);
		config_free(a.cfg);
		form_profile_free(a.profile);
		usage();
	}
out:
	store_close(a.st);
	checkpointer_stop(a.ckpt);
	config_free(a.cfg);
	form_profile_free(a.profile);
	render_cache_clear();
	return rc;
}
