/*
 * check_tls_policy.c - authmilter-check --postfix-tls-policy: the table's
 * tls=require entries as a Postfix smtp_tls_policy_maps file, so one
 * table states the TLS requirement of a partner for mail both ways
 *
 * Each entry that resolves to tls=require becomes "PATTERN encrypt",
 * with "protocols=>=VERSION" for a tls-min= (Postfix 3.6's syntax);
 * Postfix reads ".example.com" keys as the subdomains, as the table
 * does.  What Postfix cannot state the same way is written as a comment
 * and makes the exit status WARNING: "*" (every domain: that is
 * smtp_tls_security_level, not a policy entry), and a tls=optional
 * entry under a ".parent tls=require" (Postfix would apply the parent's
 * encrypt; we do not weaken it to "may", which could be below the
 * admin's default level).
 *
 * An entry for one domain (not ".parent", not "*") is looked up in
 * MTA-STS (RFC 8461) unless --no-mta-sts: a policy in enforce mode
 * becomes "DOMAIN secure match=MX1:MX2 servername=hostname", naming the
 * MX hosts the policy covers by its single-label wildcard rule, so
 * Postfix verifies the certificate against them as a sender honouring
 * the policy would.  Whatever keeps that from being stated (no MX
 * covered, the policy not readable, DNS down) leaves the entry at
 * "encrypt" with a comment and a warning: never below the table's
 * requirement.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "table.h"
#include "util.h"
#include "report_dest.h"
#include "check.h"
#include "check_tls.h"
#include "check_cmd.h"

/* one run: the table, and the network for MTA-STS (made on first use) */
struct policy_run {
	const struct config	*cf;
	const char		*domains;	/* the table's path, for messages */
	int			 use_sts;	/* not --no-mta-sts */
	struct check_net_opts	 net;
	struct dns_ctx		*ctx;
	struct dns_client	*dc;
};

/* usage - the mode's options, then CHECK_UNKNOWN */
static int
usage(void)
{
	fputs("usage: authmilter-check --postfix-tls-policy "
	    "[-c authmilter.conf] [-o FILE] [--no-mta-sts]\n"
	    "           [--nameserver ADDR[:PORT]]... [--ca-file FILE] "
	    "[--timeout S] [--https-port N]\n", stderr);
	return CHECK_UNKNOWN;
}

/* comment - "# " and text on one line (a finding's text may hold anything) */
static void
comment(FILE *fp, const char *pat, const char *text)
{
	const char *p;

	fprintf(fp, "# %s: ", pat);
	for (p = text; *p != '\0'; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, fp);
	fputc('\n', fp);
}

/* first_fault - the text of area's first finding worse than OK, or NULL */
static const char *
first_fault(const json_t *area)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(area, "findings"), i, f)
		if (check_sev_of(f) != CHECK_OK)
			return json_string_value(json_object_get(f, "text"));
	return NULL;
}

/* policy_line - "PATTERN LEVEL [protocols=>=V]", V the entry's tls-min= */
static void
policy_line(FILE *fp, const char *pat, const char *level,
    const struct domain_policy *pol)
{
	fprintf(fp, "%s\t%s", pat, level);
	if (pol->tls_min != NULL)
		fprintf(fp, " protocols=>=%s", pol->tls_min);
	fputc('\n', fp);
}

/* secure_line - "DOMAIN secure match=..." from an enforce policy; its status */
static enum check_sev
secure_line(FILE *fp, const char *pat, const struct domain_policy *pol,
    const json_t *area)
{
	const json_t *host;
	const char *name, *sep = "";
	struct strbuf match, level;
	enum check_sev sev = CHECK_OK;
	size_t i;

	sb_init(&match);
	json_array_foreach(json_object_get(area, "covered_mx"), i, host) {
		name = json_string_value(host);
		if (name == NULL || !report_dest_is_host(name))
			continue;	/* nothing Postfix could read as a name */
		sb_printf(&match, "%s%s", sep, name);
		sep = ":";
	}
	fprintf(fp, "# %s: MTA-STS policy id %s, mode enforce, max_age %"
	    JSON_INTEGER_FORMAT "\n", pat, json_string_value(json_object_get(
	    area, "id")), json_integer_value(json_object_get(area,
	    "max_age")));
	json_array_foreach(json_object_get(area, "uncovered_mx"), i, host) {
		fprintf(fp, "# %s: MX %s is not covered by the policy: Postfix "
		    "will not accept its certificate\n", pat,
		    json_string_value(host));
		fprintf(stderr, "authmilter-check: %s: MX %s is not covered by "
		    "its MTA-STS policy; mail goes to the covered ones only\n",
		    pat, json_string_value(host));
		sev = CHECK_WARNING;
	}
	if (match.len == 0) {
		comment(fp, pat, "the policy covers none of the MX hosts: "
		    "written as encrypt");
		fprintf(stderr, "authmilter-check: %s: its MTA-STS policy "
		    "(enforce) covers none of its MX hosts; senders honouring "
		    "it deliver nowhere.  Written as encrypt\n", pat);
		policy_line(fp, pat, "encrypt", pol);
		sb_free(&match);
		return CHECK_CRITICAL;
	}
	sb_init(&level);
	sb_printf(&level, "secure match=%s servername=hostname", match.s);
	policy_line(fp, pat, level.s, pol);
	sb_free(&level);
	sb_free(&match);
	return sev;
}

/* policy_valid - a policy RFC 8461 3.2 lets senders use: version and max_age */
static int
policy_valid(const json_t *area)
{
	const char *version = json_string_value(json_object_get(area,
	    "version"));

	return version != NULL && strcmp(version, "STSv1") == 0 &&
	    json_is_integer(json_object_get(area, "max_age"));
}

/* sts_entry - a tls=require domain's line from its MTA-STS policy; its status */
static enum check_sev
sts_entry(FILE *fp, struct policy_run *run, const char *pat,
    const struct domain_policy *pol)
{
	json_t *report = json_object(), *area;
	const char *mode, *fault;
	enum check_sev sev = CHECK_OK;

	if (run->dc == NULL) {
		run->ctx = check_net_dns(&run->net, run->cf);
		run->dc = dns_client_new(run->ctx);
	}
	check_mta_sts(report, run->dc, pat, &run->net.tls);
	area = json_object_get(report, "mta_sts");
	mode = json_string_value(json_object_get(area, "mode"));
	fault = first_fault(area);
	if (!policy_valid(area))
		mode = NULL;	/* senders treat it as no policy */
	if (mode != NULL && strcmp(mode, "enforce") == 0)
		sev = secure_line(fp, pat, pol, area);
	else if (mode != NULL) {
		fprintf(fp, "# %s: MTA-STS policy id %s in mode %s: not "
		    "enforced, written as encrypt\n", pat, json_string_value(
		    json_object_get(area, "id")), mode);
		policy_line(fp, pat, "encrypt", pol);
	} else if (fault != NULL) {
		/* a record that is broken, a policy not fetched, DNS down */
		comment(fp, pat, fault);
		fprintf(fp, "# %s: MTA-STS not usable: written as encrypt\n",
		    pat);
		fprintf(stderr, "authmilter-check: %s: MTA-STS not usable, "
		    "written as encrypt: %s\n", pat, fault);
		policy_line(fp, pat, "encrypt", pol);
		sev = CHECK_WARNING;
	} else
		policy_line(fp, pat, "encrypt", pol);	/* no MTA-STS record */
	json_decref(report);
	return sev;
}

/* write_entry - one table entry's line (or comment); its status */
static enum check_sev
write_entry(FILE *fp, struct policy_run *run, size_t i)
{
	const struct table *t = run->cf->table;
	const char *domains = run->domains;
	struct domain_policy pol, up;
	const char *pat = table_entry_lookup(t, i, &pol);
	const char *parent;

	if (strcmp(pat, "*") == 0) {
		if (!pol.tls_require)
			return CHECK_OK;
		fprintf(fp, "# * tls=require (%s): every domain; Postfix "
		    "states that as smtp_tls_security_level = encrypt in "
		    "main.cf, not here\n", domains);
		fprintf(stderr, "authmilter-check: %s: '* tls=require' is not "
		    "written: set smtp_tls_security_level = encrypt\n",
		    domains);
		return CHECK_WARNING;
	}
	if (pol.tls_require) {
		if (run->use_sts && pat[0] != '.')
			return sts_entry(fp, run, pat, &pol);
		policy_line(fp, pat, "encrypt", &pol);
		return CHECK_OK;
	}
	/*
	 * optional here: Postfix, finding no line for it, tries the
	 * ".parent" keys from the longest; the first in our file decides
	 */
	for (parent = strchr(pat + 1, '.'); parent != NULL;
	    parent = strchr(parent + 1, '.')) {
		if (!table_pattern_lookup(t, parent, &up))
			continue;
		if (up.tls_require) {
			fprintf(fp, "# %s tls=optional: Postfix applies %s's "
			    "encrypt to it\n", pat, parent);
			fprintf(stderr, "authmilter-check: %s: %s has "
			    "tls=optional under %s tls=require; Postfix will "
			    "require TLS to it\n", domains, pat, parent);
			return CHECK_WARNING;
		}
	}
	return CHECK_OK;
}

/* write_policy - the whole file; the exit status (the worst entry's) */
static int
write_policy(FILE *fp, struct policy_run *run)
{
	size_t i, n = table_size(run->cf->table);
	enum check_sev worst = CHECK_OK, sev;

	fprintf(fp, "# Postfix smtp_tls_policy_maps, written by "
	    "authmilter-check --postfix-tls-policy\n"
	    "# from the tls=require entries of %s; do not edit: edit the "
	    "table and run it again\n", run->domains);
	for (i = 0; i < n; i++)
		if ((sev = write_entry(fp, run, i)) > worst)
			worst = sev;
	return worst;
}

/* write_out - the file to stdout, or to out through out.tmp; the status */
static int
write_out(const char *out, struct policy_run *run)
{
	struct strbuf tmp;
	FILE *fp;
	int status;

	if (out == NULL) {
		status = write_policy(stdout, run);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "authmilter-check: standard output: "
			    "%s\n", strerror(errno));
			status = CHECK_UNKNOWN;
		}
		return status;
	}
	/* FILE.tmp, then rename: postmap never reads half a file */
	sb_init(&tmp);
	sb_printf(&tmp, "%s.tmp", out);
	if ((fp = fopen(tmp.s, "w")) == NULL) {
		fprintf(stderr, "authmilter-check: %s: %s\n", tmp.s,
		    strerror(errno));
		status = CHECK_UNKNOWN;
	} else {
		status = write_policy(fp, run);
		if (fflush(fp) != 0 || ferror(fp) || fclose(fp) != 0 ||
		    rename(tmp.s, out) != 0) {
			fprintf(stderr, "authmilter-check: %s: %s\n", out,
			    strerror(errno));
			(void)unlink(tmp.s);
			status = CHECK_UNKNOWN;
		}
	}
	sb_free(&tmp);
	return status;
}

/* check_cmd_tls_policy - write the Postfix TLS policy file */
int
check_cmd_tls_policy(int argc, char **argv)
{
	enum { OPT_NO_STS = 256 };
	static const struct option longopts[] = {
		{ "postfix-tls-policy", no_argument, NULL, 'P' },
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-mta-sts", no_argument, NULL, OPT_NO_STS },
		CHECK_NET_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = CONFIG_DEFAULT_PATH, *out = NULL;
	struct policy_run run;
	struct strbuf errors;
	struct config *cf;
	int c, taken, status;

	memset(&run, 0, sizeof(run));
	check_net_init(&run.net);
	run.use_sts = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:o:", longopts, NULL)) != -1) {
		if ((taken = check_net_option(c, optarg, &run.net)) < 0)
			return usage();
		if (taken > 0 || c == 'P')
			continue;
		if (c == 'c')
			conf = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == OPT_NO_STS)
			run.use_sts = 0;
		else
			return usage();
	}
	if (optind != argc)
		return usage();
	sb_init(&errors);
	if ((cf = config_load(conf, &errors)) == NULL) {
		fputs(errors.s, stderr);
		sb_free(&errors);
		return CHECK_UNKNOWN;
	}
	sb_free(&errors);
	run.cf = cf;
	run.domains = cf->domains_path != NULL ? cf->domains_path :
	    "(no Domains table)";
	status = write_out(out, &run);
	if (run.dc != NULL) {
		dns_client_free(run.dc);
		dns_ctx_free(run.ctx);
	}
	config_unref(cf);
	return status;
}
