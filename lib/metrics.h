/*
 * NAME
 *	metrics - the daemon's counters and histograms, and their
 *	Prometheus text form
 * SYNOPSIS
 *	#include "metrics.h"
 *
 *	uint64_t metrics_now(void);
 *
 *	void metrics_message(enum metrics_direction dir,
 *	         enum metrics_action action);
 *	void metrics_latency(enum metrics_since since,
 *	         enum metrics_direction dir, uint64_t ns);
 *	void metrics_spf(enum spf_identity id, enum spf_result result);
 *	void metrics_dkim(enum dkim_alg alg, enum dkim_result result);
 *	void metrics_dmarc(enum dmarc_result result,
 *	         enum dmarc_policy_word policy, enum dmarc_disposition dis);
 *	void metrics_dmarc_from(enum dmarc_check_state state);
 *	void metrics_override(enum dmarc_override why);
 *	void metrics_signature(enum signkey_type type);
 *	void metrics_tls(enum metrics_tls version);
 *	enum metrics_tls metrics_tls_parse(const char *macro);
 *	void metrics_dns_cache(int hit);
 *	void metrics_dns_query(enum dns_status status, uint64_t ns);
 *	void metrics_reload(int ok);
 *
 *	void metrics_render(struct strbuf *sb);
 * DESCRIPTION
 *	One set of counters per process, zero at start, never reset.
 *	Every count is a relaxed C11 atomic addition: no lock, so the
 *	message path never waits for another thread or for a scrape, and
 *	a scrape sees each counter whole (but not a snapshot of all of
 *	them at one instant).  Labels take only the values of the enums
 *	above, never a domain, an address or text from the network, so
 *	the number of series is fixed; every one of them is written,
 *	zeros included.
 *
 *	metrics_now() is CLOCK_MONOTONIC in nanoseconds, for the
 *	durations given to metrics_latency() and metrics_dns_query().
 *
 *	metrics_message() counts a message with its verdict;
 *	metrics_latency() observes its time from the client's connection
 *	(METRICS_SINCE_CONNECT) or from the end of its headers
 *	(METRICS_SINCE_EOH) to the verdict.  metrics_spf(), metrics_dkim()
 *	(DKIM_ALG_NONE with DKIM_RES_NONE: a message with no signature),
 *	metrics_dmarc() (the policy applied and the disposition taken after
 *	local policy), metrics_dmarc_from() (a From that could not be
 *	evaluated), metrics_override() (a local policy that changed a
 *	DMARC disposition) and metrics_tls() count results of inbound
 *	mail; metrics_signature() a DKIM signature made.
 *	metrics_tls_parse() maps the MTA's {tls_version} macro value (NULL:
 *	none, which Postfix and Sendmail mean as plaintext) to the enum.
 *	metrics_dns_cache() counts a DNS question answered from the cache
 *	(hit) or not; metrics_dns_query() a question sent to the name
 *	servers, by the status it ended with, and its time from the first
 *	try to that end.  metrics_reload() counts a configuration reload
 *	that was taken (ok) or refused.
 *
 *	metrics_render() appends every metric in the Prometheus text
 *	exposition format (version 0.0.4) to sb; authmilter(8) lists them.
 */
#ifndef AUTHMILTER_METRICS_H
#define AUTHMILTER_METRICS_H

#include <stdint.h>

#include "dkim_verify.h"
#include "dmarc.h"
#include "dmarc_check.h"
#include "dns.h"
#include "signkey.h"
#include "spf.h"
#include "util.h"

enum metrics_direction {
	METRICS_INBOUND,
	METRICS_OUTBOUND
};
#define METRICS_NDIRECTIONS	2

enum metrics_action {
	METRICS_ACCEPT,
	METRICS_REJECT,
	METRICS_TEMPFAIL,
	METRICS_QUARANTINE_HELD,	/* in the MTA's hold queue */
	METRICS_QUARANTINE_TAGGED	/* DMARC_TAG_HEADER added */
};
#define METRICS_NACTIONS	5

enum metrics_since {
	METRICS_SINCE_CONNECT,
	METRICS_SINCE_EOH
};

enum metrics_tls {
	METRICS_TLS_PLAINTEXT,		/* no {tls_version} */
	METRICS_TLS_1_0,
	METRICS_TLS_1_1,
	METRICS_TLS_1_2,
	METRICS_TLS_1_3,
	METRICS_TLS_OTHER		/* a value we do not know */
};
#define METRICS_NTLS		6

uint64_t	 metrics_now(void);
void		 metrics_message(enum metrics_direction, enum metrics_action);
void		 metrics_latency(enum metrics_since, enum metrics_direction,
		    uint64_t);
void		 metrics_spf(enum spf_identity, enum spf_result);
void		 metrics_dkim(enum dkim_alg, enum dkim_result);
void		 metrics_dmarc(enum dmarc_result, enum dmarc_policy_word,
		    enum dmarc_disposition);
void		 metrics_dmarc_from(enum dmarc_check_state);
void		 metrics_override(enum dmarc_override);
void		 metrics_signature(enum signkey_type);
void		 metrics_tls(enum metrics_tls);
enum metrics_tls metrics_tls_parse(const char *);
void		 metrics_dns_cache(int);
void		 metrics_dns_query(enum dns_status, uint64_t);
void		 metrics_reload(int);
void		 metrics_render(struct strbuf *);

#endif
