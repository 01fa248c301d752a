/*
 * check_message.c - authmilter-check --message FILE: the daemon's whole
 * evaluation of one message, shown
 *
 * The message goes through lib/session.c exactly as milter/callbacks.c
 * feeds it from the MTA (evaluate() below is the one place that does),
 * on the configuration the daemon reads, so what is printed is what the
 * daemon would do: the Authentication-Results header, the other header
 * edits, the verdict with its SMTP reply, and the log line (caught
 * through log_set_sink()).  Nothing is recorded for the DMARC reports.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "authres.h"
#include "config.h"
#include "dkim_verify.h"
#include "dns.h"
#include "log.h"
#include "message_file.h"
#include "session.h"
#include "util.h"

#include "check.h"
#include "check_cmd.h"

#define OUTBOUND_USER	"authmilter-check"	/* --outbound's {auth_authen} */

struct msg_opts {
	const char	*file;
	const char	*config;
	const char	*ip;
	const char	*client_name;
	const char	*helo;
	const char	*mail_from;
	const char	**rcpt;
	size_t		 nrcpt;
	const char	*auth;
	const char	*daemon;
	const char	*nameserver;
	int		 outbound;
	int		 json;
};

/* what the daemon would do, gathered for both renderings */
struct outcome {
	const struct verdict	*v;
	const char		*refused_at;	/* "MAIL FROM", "end of message" */
	json_t			*log;		/* [{"level", "text"}] */
};

/* usage - the message mode's command line, on stderr */
static int
usage(void)
{
	fprintf(stderr,
	    "usage: authmilter-check --message FILE --ip ADDR --helo NAME "
	    "--mail-from ADDR\n"
	    "           [--rcpt ADDR]... [-c authmilter.conf] [--json] "
	    "[--outbound]\n"
	    "           [--auth USER] [--daemon NAME] [--client-name NAME]\n"
	    "           [--nameserver ADDR[:PORT]]\n");
	return CHECK_UNKNOWN;
}

/* parse_options - argv into o; 0, or -1 after a message */
static int
parse_options(int argc, char **argv, struct msg_opts *o)
{
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "config", required_argument, NULL, 'c' },
		{ "ip", required_argument, NULL, 'i' },
		{ "client-name", required_argument, NULL, 'N' },
		{ "helo", required_argument, NULL, 'H' },
		{ "mail-from", required_argument, NULL, 'f' },
		{ "rcpt", required_argument, NULL, 'r' },
		{ "auth", required_argument, NULL, 'a' },
		{ "daemon", required_argument, NULL, 'd' },
		{ "nameserver", required_argument, NULL, 'n' },
		{ "outbound", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->config = CONFIG_DEFAULT_PATH;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o->file = optarg; break;
		case 'c': o->config = optarg; break;
		case 'i': o->ip = optarg; break;
		case 'N': o->client_name = optarg; break;
		case 'H': o->helo = optarg; break;
		case 'f': o->mail_from = optarg; break;
		case 'r':
			o->rcpt = xrealloc(o->rcpt,
			    (o->nrcpt + 1) * sizeof(*o->rcpt));
			o->rcpt[o->nrcpt++] = optarg;
			break;
		case 'a': o->auth = optarg; break;
		case 'd': o->daemon = optarg; break;
		case 'n': o->nameserver = optarg; break;
		case 'o': o->outbound = 1; break;
		case 'j': o->json = 1; break;
		default: return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "authmilter-check: --message takes no other "
		    "arguments: %s\n", argv[optind]);
		return -1;
	}
	if (o->file == NULL || o->ip == NULL || o->helo == NULL ||
	    o->mail_from == NULL) {
		fprintf(stderr, "authmilter-check: --message needs --ip, "
		    "--helo and --mail-from (the SMTP envelope)\n");
		return -1;
	}
	return 0;
}

/*
 * load_config - the daemon's configuration, made ready as authmilter.c's
 * load() makes it (a DNS context; the DKIM engine with DKIMVerify), with
 * --nameserver in place of Nameservers and the DMARC reports' history
 * off (a check is not mail received); NULL after printing the errors
 */
static struct config *
load_config(const struct msg_opts *o)
{
	struct strbuf errors;
	struct config *cf;
	char *line, *save = NULL;

	sb_init(&errors);
	cf = config_load(o->config, &errors);
	if (cf == NULL)
		for (line = strtok_r(errors.s, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			fprintf(stderr, "authmilter-check: %s\n", line);
	sb_free(&errors);
	if (cf == NULL)
		return NULL;
	if (o->nameserver != NULL) {
		if (dns_parse_server(o->nameserver,
		    &cf->dns_opts.servers[0]) != 0) {
			fprintf(stderr, "authmilter-check: --nameserver: not "
			    "ADDR[:PORT]: %s\n", o->nameserver);
			config_unref(cf);
			return NULL;
		}
		cf->dns_opts.nservers = 1;
	}
	cf->report.enabled = 0;
	cf->resolver = dns_ctx_new(&cf->dns_opts);
	if (cf->dkim_verify)
		cf->dkim = dkim_engine_new();
	return cf;
}

/* level_word - a syslog priority as the log line's level */
static const char *
level_word(int priority)
{
	switch (priority) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: return "fatal";
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

/* catch_log - log_set_sink()'s function: keep each line the daemon logs */
static void
catch_log(int priority, const char *text, void *arg)
{
	json_t *line = json_object();

	json_object_set_new(line, "level", json_string(level_word(priority)));
	json_object_set_new(line, "text", check_string(text, strlen(text)));
	json_array_append_new(arg, line);
}

/* feed_body - message_file_body()'s function: a chunk to the session */
static void
feed_body(void *arg, const unsigned char *p, size_t len)
{
	session_body(arg, p, len);
}

/*
 * evaluate - the message through the session in milter/callbacks.c's
 * order: connect (with {daemon_name}), HELO, {auth_authen} and MAIL
 * FROM, RCPT TO (when the daemon asks the MTA for them), the header
 * fields, end of headers, the body (when asked for), end of message.
 * NULL with err set when the body cannot be read.
 */
static const struct verdict *
evaluate(struct session *s, const struct msg_opts *o,
    struct message_file *mf, const char **refused_at, struct strbuf *err)
{
	const struct config *cf = session_config(s);
	const struct verdict *v;
	unsigned char addr[16];
	int family = strchr(o->ip, ':') != NULL ? AF_INET6 : AF_INET;
	char *client;
	size_t i;

	(void)inet_pton(family, o->ip, addr);	/* checked by the caller */
	/* an MTA names a client without a verified name "[ADDR]" */
	client = xmalloc(strlen(o->ip) + 3);
	sprintf(client, "[%s]", o->ip);
	session_connect(s, o->client_name != NULL ? o->client_name : client,
	    family, addr);
	free(client);
	session_set_daemon(s, o->daemon);
	session_helo(s, o->helo);
	session_set_auth(s, o->auth != NULL ? o->auth :
	    o->outbound ? OUTBOUND_USER : NULL);
	if ((v = session_mail(s, o->mail_from)) != NULL) {
		*refused_at = "MAIL FROM";
		return v;
	}
	if (session_wants_rcpt(cf))
		for (i = 0; i < o->nrcpt; i++)
			session_rcpt(s, o->rcpt[i]);
	for (i = 0; i < mf->nfields; i++)
		session_header(s, mf->fields[i].name, mf->fields[i].value);
	session_eoh(s);
	if (session_wants_body(cf) &&
	    message_file_body(mf, feed_body, s, err) != 0) {
		session_abort(s);
		return NULL;
	}
	v = session_eom(s);
	if (v->action != VERDICT_ACCEPT)
		*refused_at = "end of message";
	return v;
}

/* is_tagged - the verdict adds the DMARC quarantine tag */
static int
is_tagged(const struct verdict *v)
{
	size_t i;

	for (i = 0; i < v->nedits; i++)
		if (v->edits[i].op == EDIT_INSERT &&
		    strcmp(v->edits[i].name, DMARC_TAG_HEADER) == 0)
			return 1;
	return 0;
}

/* action_word - the verdict as the log line's action= names it */
static const char *
action_word(const struct verdict *v)
{
	if (v->action == VERDICT_REJECT)
		return "reject";
	if (v->action == VERDICT_TEMPFAIL)
		return "tempfail";
	if (v->quarantine != NULL)
		return "quarantine(held)";
	if (is_tagged(v))
		return "quarantine(tagged)";
	return "accept";
}

/* exit_status - 0 accepted, 1 quarantined or tagged, 2 rejected, 3 tempfail */
static int
exit_status(const struct verdict *v)
{
	if (v->action == VERDICT_REJECT)
		return CHECK_CRITICAL;
	if (v->action == VERDICT_TEMPFAIL)
		return CHECK_UNKNOWN;
	if (v->quarantine != NULL || is_tagged(v))
		return CHECK_WARNING;
	return CHECK_OK;
}

/* authres_of - the value of our Authentication-Results, or NULL */
static const char *
authres_of(const struct verdict *v)
{
	size_t i;

	for (i = 0; i < v->nedits; i++)
		if (v->edits[i].op == EDIT_INSERT &&
		    strcmp(v->edits[i].name, AUTHRES_HEADER) == 0)
			return v->edits[i].value;
	return NULL;
}

/* jstr - a JSON string of a C string (NULL: null) */
static json_t *
jstr(const char *s)
{
	return s != NULL ? check_string(s, strlen(s)) : json_null();
}

/*
 * to_json - the outcome as one object; the keys are documented in
 * authmilter-check(8), MESSAGE MODE
 */
static json_t *
to_json(const struct msg_opts *o, const struct outcome *out)
{
	const struct verdict *v = out->v;
	json_t *root = json_object(), *added = json_array(),
	    *removed = json_array(), *reply = json_null(), *e;
	size_t i;

	/* inserts are all at index 0: the last one ends on top */
	for (i = v->nedits; i > 0 && v->action == VERDICT_ACCEPT; i--) {
		if (v->edits[i - 1].op != EDIT_INSERT)
			continue;
		e = json_object();
		json_object_set_new(e, "name", jstr(v->edits[i - 1].name));
		json_object_set_new(e, "value", jstr(v->edits[i - 1].value));
		json_array_append_new(added, e);
	}
	for (i = 0; i < v->nedits && v->action == VERDICT_ACCEPT; i++) {
		if (v->edits[i].op != EDIT_DELETE)
			continue;
		e = json_object();
		json_object_set_new(e, "name", jstr(v->edits[i].name));
		json_object_set_new(e, "index", json_integer(v->edits[i].index));
		json_array_append_new(removed, e);
	}
	if (v->action != VERDICT_ACCEPT) {
		json_decref(reply);
		reply = json_object();
		json_object_set_new(reply, "code", jstr(v->rcode));
		json_object_set_new(reply, "enhanced_code", jstr(v->xcode));
		json_object_set_new(reply, "text", jstr(v->text));
	}
	json_object_set_new(root, "file", jstr(o->file));
	json_object_set_new(root, "action", jstr(action_word(v)));
	json_object_set_new(root, "exit_status",
	    json_integer(exit_status(v)));
	json_object_set_new(root, "refused_at", jstr(out->refused_at));
	json_object_set_new(root, "smtp_reply", reply);
	json_object_set_new(root, "quarantine", jstr(v->quarantine));
	json_object_set_new(root, "authentication_results",
	    jstr(authres_of(v)));
	json_object_set_new(root, "headers_added", added);
	json_object_set_new(root, "headers_removed", removed);
	json_object_set_new(root, "log", json_incref(out->log));
	return root;
}

/* print_field - "Name: value" as it stands in the message */
static void
print_field(const char *name, const char *value)
{
	printf("%s: %s\n", name, value);
}

/* print_text - the outcome for a reader */
static void
print_text(const struct outcome *out)
{
	const struct verdict *v = out->v;
	const char *ar = authres_of(v);
	json_t *line;
	size_t i, n = 0;

	printf("action: %s\n", action_word(v));
	if (v->action != VERDICT_ACCEPT)
		printf("reply: %s %s %s (at %s)\n", v->rcode, v->xcode,
		    v->text != NULL ? v->text : "", out->refused_at);
	if (v->quarantine != NULL)
		printf("held in the MTA's quarantine: %s\n", v->quarantine);
	json_array_foreach(out->log, i, line)
		printf("log: %s: %s\n",
		    json_string_value(json_object_get(line, "level")),
		    json_string_value(json_object_get(line, "text")));
	if (v->action != VERDICT_ACCEPT) {
		if (ar != NULL) {
			printf("not added (the message is refused):\n");
			print_field(AUTHRES_HEADER, ar);
		}
		return;
	}
	for (i = 0; i < v->nedits; i++)
		if (v->edits[i].op == EDIT_DELETE)
			printf("removes: %s #%u\n", v->edits[i].name,
			    v->edits[i].index);
	for (i = v->nedits; i > 0; i--) {
		if (v->edits[i - 1].op != EDIT_INSERT)
			continue;
		if (n++ == 0)
			printf("adds, at the top of the header:\n");
		print_field(v->edits[i - 1].name, v->edits[i - 1].value);
	}
	if (n == 0)
		printf("adds no header\n");
}

/* fail_unknown - could not check: the reason on stderr (and as JSON) */
static int
fail_unknown(const struct msg_opts *o, const char *why)
{
	json_t *root;

	fprintf(stderr, "authmilter-check: %s\n", why);
	if (o->json) {
		root = json_object();
		json_object_set_new(root, "file", jstr(o->file));
		json_object_set_new(root, "exit_status",
		    json_integer(CHECK_UNKNOWN));
		json_object_set_new(root, "error", jstr(why));
		json_dumpf(root, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(root);
	}
	return CHECK_UNKNOWN;
}

int
check_cmd_message(int argc, char **argv)
{
	struct msg_opts o;
	struct outcome out;
	struct message_file *mf = NULL;
	struct config *cf = NULL;
	struct session *s = NULL;
	struct strbuf err;
	unsigned char addr[16];
	json_t *root;
	int rc;

	if (parse_options(argc, argv, &o) != 0)
		return usage();
	sb_init(&err);
	memset(&out, 0, sizeof(out));
	out.log = json_array();
	if (inet_pton(strchr(o.ip, ':') != NULL ? AF_INET6 : AF_INET, o.ip,
	    addr) != 1) {
		sb_printf(&err, "--ip: not an IPv4 or IPv6 address: %s", o.ip);
		rc = fail_unknown(&o, err.s);
	} else if ((cf = load_config(&o)) == NULL) {
		rc = fail_unknown(&o, "the configuration is not usable");
	} else if ((mf = message_file_open(o.file, &err)) == NULL) {
		rc = fail_unknown(&o, err.s);
	} else {
		log_set_level(cf->log_level);
		log_set_sink(catch_log, out.log);
		s = session_new(cf);
		out.v = evaluate(s, &o, mf, &out.refused_at, &err);
		log_set_sink(NULL, NULL);
		if (out.v == NULL) {
			rc = fail_unknown(&o, err.s);
		} else if (o.json) {
			root = to_json(&o, &out);
			json_dumpf(root, stdout, JSON_INDENT(2));
			printf("\n");
			json_decref(root);
			rc = exit_status(out.v);
		} else {
			print_text(&out);
			rc = exit_status(out.v);
		}
	}
	session_free(s);
	message_file_close(mf);
	if (cf != NULL)
		config_unref(cf);
	json_decref(out.log);
	sb_free(&err);
	free(o.rcpt);
	return rc;
}
