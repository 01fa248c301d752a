/*
 * check_render.c - one domain's findings as a readable report (see
 * check_render.h)
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "check_render.h"

#define RENDER_MAX_DEPTH	32	/* tree levels shown */

/* put - s as printable ASCII */
static void
put(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		fputc((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f ?
		    *s : '?', fp);
}

/* str - the string at key, or NULL */
static const char *
str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* findings - each finding of obj: severity, text, fix */
static void
findings(FILE *fp, const json_t *obj, int indent)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(obj, "findings"), i, f) {
		fprintf(fp, "%*s%-9s ", indent, "", str(f, "severity"));
		put(fp, str(f, "text"));
		fputc('\n', fp);
		if (str(f, "fix") != NULL) {
			fprintf(fp, "%*s%-9s fix: ", indent, "", "");
			put(fp, str(f, "fix"));
			fputc('\n', fp);
		}
	}
}

/* field - "  label: value" when obj has a string or number at key */
static void
field(FILE *fp, const json_t *obj, const char *key, const char *label)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_string(v)) {
		fprintf(fp, "  %s: ", label);
		put(fp, json_string_value(v));
		fputc('\n', fp);
	} else if (json_is_integer(v))
		fprintf(fp, "  %s: %lld\n", label,
		    (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		fprintf(fp, "  %s: %s\n", label, json_is_true(v) ? "yes" :
		    "no");
}

/* tree - one SPF record and its terms, includes nested below them */
static void
tree(FILE *fp, const json_t *node, int depth)
{
	const json_t *t;
	size_t i;
	int ind = 4 + 4 * depth;

	fprintf(fp, "%*s", ind, "");
	put(fp, str(node, "domain"));
	fprintf(fp, "  (%lld lookup%s, %lld void)",
	    (long long)json_integer_value(json_object_get(node, "lookups")),
	    json_integer_value(json_object_get(node, "lookups")) == 1 ?
	    "" : "s", (long long)json_integer_value(json_object_get(node,
	    "void_lookups")));
	if (str(node, "error") != NULL) {
		fputs("  ", fp);
		put(fp, str(node, "error"));
	}
	fputc('\n', fp);
	json_array_foreach(json_object_get(node, "terms"), i, t) {
		const json_t *n = json_object_get(t, "lookup");

		fprintf(fp, "%*s", ind + 2, "");
		if (n != NULL)
			fprintf(fp, "[%2lld] ", (long long)json_integer_value(n));
		else
			fputs("     ", fp);
		put(fp, str(t, "term"));
		if (str(t, "note") != NULL) {
			fputs("  - ", fp);
			put(fp, str(t, "note"));
		}
		fputc('\n', fp);
		if (json_object_get(t, "target") != NULL &&
		    depth < RENDER_MAX_DEPTH)
			tree(fp, json_object_get(t, "target"), depth + 1);
	}
}

/* spf - the SPF section */
static void
spf(FILE *fp, const json_t *a)
{
	fputs("\nSPF\n", fp);
	field(fp, a, "record", "record");
	if (json_object_get(a, "record") != NULL &&
	    !json_is_null(json_object_get(a, "record"))) {
		fprintf(fp, "  DNS lookups: %lld%s of 10, void lookups: "
		    "%lld of 2\n", (long long)json_integer_value(
		    json_object_get(a, "lookups")), json_is_true(
		    json_object_get(a, "walk_stopped")) ? " (the walk stopped "
		    "there)" : "", (long long)json_integer_value(
		    json_object_get(a, "void_lookups")));
		fputs("  tree ([n]: the n-th DNS lookup of the evaluation):\n",
		    fp);
		tree(fp, json_object_get(a, "tree"), 0);
	}
	findings(fp, a, 2);
}

/* dkim - the DKIM section, one block per selector */
static void
dkim(FILE *fp, const json_t *list)
{
	const json_t *s;
	size_t i;

	fputs("\nDKIM\n", fp);
	json_array_foreach(list, i, s) {
		fputs("  selector ", fp);
		put(fp, str(s, "selector"));
		fputs(" (", fp);
		put(fp, str(s, "name"));
		fputc(')', fp);
		if (str(s, "key_type") != NULL) {
			fputs(": ", fp);
			put(fp, str(s, "key_type"));
		}
		if (json_object_get(s, "bits") != NULL)
			fprintf(fp, ", %lld bits", (long long)
			    json_integer_value(json_object_get(s, "bits")));
		if (json_is_true(json_object_get(s, "testing")))
			fputs(", t=y", fp);
		if (json_is_true(json_object_get(s, "revoked")))
			fputs(", revoked", fp);
		fputc('\n', fp);
		findings(fp, s, 4);
	}
}

/* dests - the rua or ruf destinations of the DMARC section */
static void
dests(FILE *fp, const json_t *a, const char *tag)
{
	const json_t *d, *auth;
	size_t i;

	json_array_foreach(json_object_get(a, tag), i, d) {
		auth = json_object_get(d, "authorized");
		fprintf(fp, "  %s: ", tag);
		put(fp, str(d, "uri"));
		fprintf(fp, " (%s)\n", json_is_true(auth) ? "authorized" :
		    json_is_false(auth) ? "NOT authorized" : "not checked");
	}
}

/* dmarc - the DMARC section */
static void
dmarc(FILE *fp, const json_t *a)
{
	fputs("\nDMARC\n", fp);
	field(fp, a, "record", "record");
	field(fp, a, "at", "found at");
	field(fp, a, "org_domain", "organizational domain");
	if (str(a, "p") != NULL) {
		fputs("  policy: p=", fp);
		put(fp, str(a, "p"));
		fputs(" sp=", fp);
		put(fp, str(a, "sp"));
		fputs(" np=", fp);
		put(fp, str(a, "np"));
		fputs(" adkim=", fp);
		put(fp, str(a, "adkim"));
		fputs(" aspf=", fp);
		put(fp, str(a, "aspf"));
		fprintf(fp, "%s\n", json_is_true(json_object_get(a,
		    "testing")) ? " t=y" : "");
	}
	dests(fp, a, "rua");
	dests(fp, a, "ruf");
	findings(fp, a, 2);
}

/* tlsrpt - the TLS-RPT section */
static void
tlsrpt(FILE *fp, const json_t *a)
{
	const json_t *u;
	size_t i;

	fputs("\nTLS-RPT\n", fp);
	field(fp, a, "record", "record");
	json_array_foreach(json_object_get(a, "rua"), i, u) {
		fputs("  rua: ", fp);
		put(fp, json_string_value(u));
		fputc('\n', fp);
	}
	findings(fp, a, 2);
}

/* mx - the MX and TLS section: each host, what it said, its findings */
static void
mx(FILE *fp, const json_t *list)
{
	const json_t *h;
	size_t i;

	fputs("\nMX and TLS\n", fp);
	json_array_foreach(list, i, h) {
		fputs("  ", fp);
		put(fp, str(h, "host"));
		if (str(h, "tls_version") != NULL) {
			fputs(": ", fp);
			put(fp, str(h, "tls_version"));
		}
		if (str(h, "cipher") != NULL) {
			fputc(' ', fp);
			put(fp, str(h, "cipher"));
		}
		fputc('\n', fp);
		findings(fp, h, 4);
	}
}

/* mta_sts - the MTA-STS section */
static void
mta_sts(FILE *fp, const json_t *a)
{
	fputs("\nMTA-STS\n", fp);
	field(fp, a, "id", "id");
	field(fp, a, "mode", "mode");
	field(fp, a, "max_age", "max_age");
	findings(fp, a, 2);
}

/* check_render - the whole report of one domain */
void
check_render(FILE *fp, const json_t *report, int blank)
{
	const json_t *a;

	if (blank)
		fputc('\n', fp);
	put(fp, str(report, "domain"));
	fputs(": ", fp);
	put(fp, str(report, "status"));
	fputc('\n', fp);
	findings(fp, report, 2);
	if ((a = json_object_get(report, "spf")) != NULL)
		spf(fp, a);
	if ((a = json_object_get(report, "dkim")) != NULL &&
	    json_array_size(a) > 0)
		dkim(fp, a);
	if ((a = json_object_get(report, "dmarc")) != NULL)
		dmarc(fp, a);
	if ((a = json_object_get(report, "tls_rpt")) != NULL)
		tlsrpt(fp, a);
	if ((a = json_object_get(report, "mx")) != NULL)
		mx(fp, a);
	if ((a = json_object_get(report, "mta_sts")) != NULL)
		mta_sts(fp, a);
}
