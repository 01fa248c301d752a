/*
 * metrics.c - lock-free counters and histograms, written out in the
 * Prometheus text format
 *
 * Every counter is an _Atomic uint64_t bumped with a relaxed
 * fetch-add: the cheapest atomic there is, with no ordering, because a
 * counter orders nothing.  A histogram keeps its buckets uncumulated
 * (one add per observation) and its sum in nanoseconds; the cumulative
 * buckets, the count and the sum in seconds are made when rendering.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "util.h"
#include "metrics.h"

#define NSPF_IDS	2	/* enum spf_identity */
#define NSPF_RESULTS	7	/* enum spf_result */
#define NDKIM_RESULTS	7	/* enum dkim_result */
#define NDKIM_ALGS	5	/* enum dkim_alg, plus "none" (unsigned) */
#define DKIM_ALG_UNSIGNED 4	/* that "none" */
#define NDMARC_RESULTS	5	/* enum dmarc_result */
#define NDMARC_POLICIES	4	/* enum dmarc_policy_word */
#define NDMARC_DIS	3	/* enum dmarc_disposition */
#define NOVERRIDES	6	/* enum dmarc_override */
#define NFROM_STATES	3	/* enum dmarc_check_state */
#define NSIGN_TYPES	2	/* enum signkey_type */
#define NDNS_STATUS	4	/* enum dns_status */
#define NBUCKETS_MAX	16	/* upper bounds of a histogram, +Inf aside */

/* an enum that grows must grow its table here too */
_Static_assert(SPF_ID_HELO + 1 == NSPF_IDS, "enum spf_identity");
_Static_assert(SPF_PERMERROR + 1 == NSPF_RESULTS, "enum spf_result");
_Static_assert(DKIM_RES_PERMERROR + 1 == NDKIM_RESULTS, "enum dkim_result");
_Static_assert(DKIM_ALG_ED25519_SHA256 + 1 == DKIM_ALG_UNSIGNED,
    "enum dkim_alg");
_Static_assert(DMARC_RES_PERMERROR + 1 == NDMARC_RESULTS,
    "enum dmarc_result");
_Static_assert(DMARC_POLICY_REJECT + 1 == NDMARC_POLICIES,
    "enum dmarc_policy_word");
_Static_assert(DMARC_DIS_REJECT + 1 == NDMARC_DIS, "enum dmarc_disposition");
_Static_assert(DMARC_OVERRIDE_REJECT_FAILURES + 1 == NOVERRIDES,
    "enum dmarc_override");
_Static_assert(DMARC_CHECK_MULTI_FROM + 1 == NFROM_STATES,
    "enum dmarc_check_state");
_Static_assert(SIGNKEY_ED25519 + 1 == NSIGN_TYPES, "enum signkey_type");
_Static_assert(DNS_TEMPFAIL + 1 == NDNS_STATUS, "enum dns_status");

typedef _Atomic uint64_t counter;

/* a histogram's upper bounds: nanoseconds, and the same as "le" text */
struct bounds {
	size_t		 n;
	uint64_t	 ns[NBUCKETS_MAX];
	const char	*le[NBUCKETS_MAX];
};

struct histogram {
	counter		 bucket[NBUCKETS_MAX + 1];	/* last: over all */
	counter		 sum_ns;
};

/* message latency: 1 ms to 30 s (a DNS timeout and its retry fit) */
static const struct bounds message_bounds = { 14,
	{ 1000000, 2500000, 5000000, 10000000, 25000000, 50000000,
	  100000000, 250000000, 500000000, 1000000000, 2500000000,
	  5000000000, 10000000000, 30000000000 },
	{ "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
	  "0.25", "0.5", "1", "2.5", "5", "10", "30" } };

/* DNS latency: 0.25 ms (a local cache) to 10 s */
static const struct bounds dns_bounds = { 13,
	{ 250000, 500000, 1000000, 2500000, 5000000, 10000000, 25000000,
	  50000000, 100000000, 250000000, 1000000000, 2500000000,
	  10000000000 },
	{ "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
	  "0.05", "0.1", "0.25", "1", "2.5", "10" } };

static struct {
	counter		 messages[METRICS_NDIRECTIONS][METRICS_NACTIONS];
	struct histogram since_connect[METRICS_NDIRECTIONS];
	struct histogram since_eoh[METRICS_NDIRECTIONS];
	counter		 spf[NSPF_IDS][NSPF_RESULTS];
	counter		 dkim[NDKIM_ALGS][NDKIM_RESULTS];
	counter		 dmarc[NDMARC_RESULTS][NDMARC_POLICIES][NDMARC_DIS];
	counter		 dmarc_from[NFROM_STATES];
	counter		 overrides[NOVERRIDES];
	counter		 signatures[NSIGN_TYPES];
	counter		 tls[METRICS_NTLS];
	counter		 dns_hits;
	counter		 dns_misses;
	counter		 dns_queries[NDNS_STATUS];
	struct histogram dns_time;
	counter		 reloads[2];	/* refused, taken */
} counts;

static const char *const direction_label[METRICS_NDIRECTIONS] = {
	"inbound", "outbound"
};
static const char *const action_label[METRICS_NACTIONS] = {
	"accept", "reject", "tempfail", "quarantine_held", "quarantine_tagged"
};
static const char *const spf_id_label[NSPF_IDS] = { "mailfrom", "helo" };
static const char *const dkim_alg_label[NDKIM_ALGS] = {
	"unknown", "rsa-sha256", "rsa-sha1", "ed25519-sha256", "none"
};
static const char *const override_label[NOVERRIDES] = {
	"", "trusted_forwarder", "monitor", "no_reject",
	"recipient_no_reject", "reject_failures_no"
};
static const char *const from_label[NFROM_STATES] = {
	"", "bad_from", "multiple_from"
};
static const char *const sign_label[NSIGN_TYPES] = {
	"rsa-sha256", "ed25519-sha256"
};
static const char *const tls_label[METRICS_NTLS] = {
	"plaintext", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "other"
};

/* bump - one more */
static void
bump(counter *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* get - a counter's value now */
static uint64_t
get(counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* observe - one observation of ns into a histogram */
static void
observe(struct histogram *h, const struct bounds *b, uint64_t ns)
{
	size_t i;

	for (i = 0; i < b->n && ns > b->ns[i]; i++)
		;
	bump(&h->bucket[i]);
	atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
}

/* metrics_now - monotonic time in nanoseconds */
uint64_t
metrics_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* metrics_message - a message and its verdict */
void
metrics_message(enum metrics_direction dir, enum metrics_action action)
{
	bump(&counts.messages[dir][action]);
}

/* metrics_latency - a message's time to its verdict */
void
metrics_latency(enum metrics_since since, enum metrics_direction dir,
    uint64_t ns)
{
	observe(since == METRICS_SINCE_CONNECT ? &counts.since_connect[dir] :
	    &counts.since_eoh[dir], &message_bounds, ns);
}

/* metrics_spf - an SPF result */
void
metrics_spf(enum spf_identity id, enum spf_result result)
{
	bump(&counts.spf[id][result]);
}

/* metrics_dkim - a signature's result, or DKIM_ALG_NONE/NONE: unsigned */
void
metrics_dkim(enum dkim_alg alg, enum dkim_result result)
{
	size_t a = (size_t)alg;

	if (alg == DKIM_ALG_NONE && result == DKIM_RES_NONE)
		a = DKIM_ALG_UNSIGNED;
	bump(&counts.dkim[a][result]);
}

/* metrics_dmarc - a DMARC evaluation and the disposition taken */
void
metrics_dmarc(enum dmarc_result result, enum dmarc_policy_word policy,
    enum dmarc_disposition dis)
{
	bump(&counts.dmarc[result][policy][dis]);
}

/* metrics_dmarc_from - a From that DMARC could not evaluate */
void
metrics_dmarc_from(enum dmarc_check_state state)
{
	if (state != DMARC_CHECK_DONE)
		bump(&counts.dmarc_from[state]);
}

/* metrics_override - a local policy that changed a DMARC disposition */
void
metrics_override(enum dmarc_override why)
{
	if (why != DMARC_OVERRIDE_NONE)
		bump(&counts.overrides[why]);
}

/* metrics_signature - a DKIM signature made */
void
metrics_signature(enum signkey_type type)
{
	bump(&counts.signatures[type]);
}

/* metrics_tls - the TLS version of an inbound message */
void
metrics_tls(enum metrics_tls version)
{
	bump(&counts.tls[version]);
}

/* metrics_tls_parse - the {tls_version} macro's value as an enum */
enum metrics_tls
metrics_tls_parse(const char *macro)
{
	size_t i;

	if (macro == NULL || *macro == '\0')
		return METRICS_TLS_PLAINTEXT;
	for (i = METRICS_TLS_1_0; i < METRICS_TLS_OTHER; i++)
		if (str_caseeq(macro, tls_label[i]))
			return (enum metrics_tls)i;
	if (str_caseeq(macro, "TLSv1.0"))
		return METRICS_TLS_1_0;
	return METRICS_TLS_OTHER;
}

/* metrics_dns_cache - a question answered from the cache, or not */
void
metrics_dns_cache(int hit)
{
	bump(hit ? &counts.dns_hits : &counts.dns_misses);
}

/* metrics_dns_query - a question sent to the servers, its end and time */
void
metrics_dns_query(enum dns_status status, uint64_t ns)
{
	bump(&counts.dns_queries[status]);
	observe(&counts.dns_time, &dns_bounds, ns);
}

/* metrics_reload - a configuration reload, taken or refused */
void
metrics_reload(int ok)
{
	bump(&counts.reloads[ok ? 1 : 0]);
}

/* head - a metric's HELP and TYPE lines */
static void
head(struct strbuf *sb, const char *name, const char *type,
    const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* histogram - the series of one histogram; label: "" or 'k="v"' */
static void
histogram(struct strbuf *sb, const char *name, const char *label,
    struct histogram *h, const struct bounds *b)
{
	const char *sep = *label != '\0' ? "," : "";
	char braced[64];
	uint64_t total = 0, sum;
	size_t i;

	for (i = 0; i < b->n; i++) {
		total += get(&h->bucket[i]);
		sb_printf(sb, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, label,
		    sep, b->le[i], (unsigned long long)total);
	}
	total += get(&h->bucket[b->n]);
	sb_printf(sb, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, label, sep,
	    (unsigned long long)total);
	braced[0] = '\0';
	if (*label != '\0')
		snprintf(braced, sizeof(braced), "{%s}", label);
	sum = get(&h->sum_ns);
	sb_printf(sb, "%s_sum%s %llu.%09llu\n", name, braced,
	    (unsigned long long)(sum / 1000000000u),
	    (unsigned long long)(sum % 1000000000u));
	sb_printf(sb, "%s_count%s %llu\n", name, braced,
	    (unsigned long long)total);
}

/* render_messages - messages, their latency */
static void
render_messages(struct strbuf *sb)
{
	char labels[64];
	size_t d, a;

	head(sb, "authmilter_messages_total", "counter",
	    "Messages with a verdict, by direction and action.");
	for (d = 0; d < METRICS_NDIRECTIONS; d++)
		for (a = 0; a < METRICS_NACTIONS; a++)
			sb_printf(sb, "authmilter_messages_total{direction=\"%s\","
			    "action=\"%s\"} %llu\n", direction_label[d],
			    action_label[a],
			    (unsigned long long)get(&counts.messages[d][a]));
	head(sb, "authmilter_message_connect_to_verdict_seconds",
	    "histogram", "Time from the client's connection to a message's "
	    "verdict.");
	for (d = 0; d < METRICS_NDIRECTIONS; d++) {
		snprintf(labels, sizeof(labels), "direction=\"%s\"",
		    direction_label[d]);
		histogram(sb, "authmilter_message_connect_to_verdict_seconds",
		    labels, &counts.since_connect[d], &message_bounds);
	}
	head(sb, "authmilter_message_eoh_to_verdict_seconds", "histogram",
	    "Time from the end of a message's headers to its verdict.");
	for (d = 0; d < METRICS_NDIRECTIONS; d++) {
		snprintf(labels, sizeof(labels), "direction=\"%s\"",
		    direction_label[d]);
		histogram(sb, "authmilter_message_eoh_to_verdict_seconds",
		    labels, &counts.since_eoh[d], &message_bounds);
	}
}

/* render_results - SPF, DKIM, DMARC, overrides, signatures, TLS */
static void
render_results(struct strbuf *sb)
{
	size_t i, j, k;

	head(sb, "authmilter_spf_results_total", "counter",
	    "SPF results of inbound mail, by identity and result.");
	for (i = 0; i < NSPF_IDS; i++)
		for (j = 0; j < NSPF_RESULTS; j++)
			sb_printf(sb, "authmilter_spf_results_total{identity="
			    "\"%s\",result=\"%s\"} %llu\n", spf_id_label[i],
			    spf_result_name((enum spf_result)j),
			    (unsigned long long)get(&counts.spf[i][j]));
	head(sb, "authmilter_dkim_results_total", "counter",
	    "DKIM results of inbound mail, one per signature (algorithm "
	    "\"none\": a message without any), by algorithm and result.");
	for (i = 0; i < NDKIM_ALGS; i++)
		for (j = 0; j < NDKIM_RESULTS; j++)
			sb_printf(sb, "authmilter_dkim_results_total{algorithm="
			    "\"%s\",result=\"%s\"} %llu\n", dkim_alg_label[i],
			    dkim_result_name((enum dkim_result)j),
			    (unsigned long long)get(&counts.dkim[i][j]));
	head(sb, "authmilter_dmarc_results_total", "counter",
	    "DMARC results of inbound mail, by result, policy applied and "
	    "disposition taken.");
	for (i = 0; i < NDMARC_RESULTS; i++)
		for (j = 0; j < NDMARC_POLICIES; j++)
			for (k = 0; k < NDMARC_DIS; k++)
				sb_printf(sb, "authmilter_dmarc_results_total{"
				    "result=\"%s\",policy=\"%s\",disposition="
				    "\"%s\"} %llu\n",
				    dmarc_result_name((enum dmarc_result)i),
				    dmarc_policy_name((enum dmarc_policy_word)j),
				    dmarc_disposition_name(
				    (enum dmarc_disposition)k),
				    (unsigned long long)get(&counts.dmarc[i][j][k]));
	head(sb, "authmilter_dmarc_from_problems_total", "counter",
	    "Inbound messages whose From DMARC could not evaluate.");
	for (i = 1; i < NFROM_STATES; i++)
		sb_printf(sb, "authmilter_dmarc_from_problems_total{problem="
		    "\"%s\"} %llu\n", from_label[i],
		    (unsigned long long)get(&counts.dmarc_from[i]));
	head(sb, "authmilter_local_overrides_total", "counter",
	    "Local policies that changed a DMARC disposition.");
	for (i = 1; i < NOVERRIDES; i++)
		sb_printf(sb, "authmilter_local_overrides_total{override="
		    "\"%s\"} %llu\n", override_label[i],
		    (unsigned long long)get(&counts.overrides[i]));
	head(sb, "authmilter_signatures_total", "counter",
	    "DKIM signatures made, by algorithm.");
	for (i = 0; i < NSIGN_TYPES; i++)
		sb_printf(sb, "authmilter_signatures_total{algorithm=\"%s\"} "
		    "%llu\n", sign_label[i],
		    (unsigned long long)get(&counts.signatures[i]));
	head(sb, "authmilter_inbound_tls_messages_total", "counter",
	    "Inbound messages by the TLS version of their SMTP session.");
	for (i = 0; i < METRICS_NTLS; i++)
		sb_printf(sb, "authmilter_inbound_tls_messages_total{version="
		    "\"%s\"} %llu\n", tls_label[i],
		    (unsigned long long)get(&counts.tls[i]));
}

/* render_dns - the DNS cache and queries */
static void
render_dns(struct strbuf *sb)
{
	size_t i;

	head(sb, "authmilter_dns_cache_hits_total", "counter",
	    "DNS questions answered from the cache.");
	sb_printf(sb, "authmilter_dns_cache_hits_total %llu\n",
	    (unsigned long long)get(&counts.dns_hits));
	head(sb, "authmilter_dns_cache_misses_total", "counter",
	    "DNS questions the cache did not answer.");
	sb_printf(sb, "authmilter_dns_cache_misses_total %llu\n",
	    (unsigned long long)get(&counts.dns_misses));
	head(sb, "authmilter_dns_queries_total", "counter",
	    "DNS questions sent to the name servers, by outcome.");
	for (i = 0; i < NDNS_STATUS; i++)
		sb_printf(sb, "authmilter_dns_queries_total{outcome=\"%s\"} "
		    "%llu\n", dns_status_name((enum dns_status)i),
		    (unsigned long long)get(&counts.dns_queries[i]));
	head(sb, "authmilter_dns_query_duration_seconds", "histogram",
	    "Time of a DNS question sent to the name servers, from the "
	    "first try to its outcome.");
	histogram(sb, "authmilter_dns_query_duration_seconds", "",
	    &counts.dns_time, &dns_bounds);
}

/* metrics_render - every metric, Prometheus text format 0.0.4 */
void
metrics_render(struct strbuf *sb)
{
	render_messages(sb);
	render_results(sb);
	render_dns(sb);
	head(sb, "authmilter_config_reloads_total", "counter",
	    "Configuration reloads (SIGHUP), by outcome.");
	sb_printf(sb, "authmilter_config_reloads_total{outcome=\"success\"} "
	    "%llu\n", (unsigned long long)get(&counts.reloads[1]));
	sb_printf(sb, "authmilter_config_reloads_total{outcome=\"failure\"} "
	    "%llu\n", (unsigned long long)get(&counts.reloads[0]));
}
