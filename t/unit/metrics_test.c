/*
 * metrics_test - lib/metrics counts exactly, also from many threads at
 * once; a histogram's "le" is inclusive and its buckets cumulative;
 * {tls_version} values map to their label; the page keeps the same
 * series whatever the counts; MetricsListen parses IPv4 and bracketed
 * IPv6 with a port and config_metrics_same() compares them.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "config.h"
#include "metrics.h"
#include "tap.h"

#define THREADS		4
#define PER_THREAD	100000

/* value - the value of the page's line starting with series, or -1 */
static long long
value(const char *page, const char *series)
{
	const char *p = page;
	size_t n = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == page || p[-1] == '\n') && p[n] == ' ')
			return atoll(p + n + 1);
		p += n;
	}
	return -1;
}

/* sample_text - the text after "series " on the page, or "" */
static const char *
sample_text(const char *page, const char *series, char *buf, size_t size)
{
	const char *p = strstr(page, series), *end;

	buf[0] = '\0';
	if (p == NULL || (end = strchr(p, '\n')) == NULL)
		return buf;
	p += strlen(series) + 1;
	snprintf(buf, size, "%.*s", (int)(end - p), p);
	return buf;
}

/* series - lines that are not comments */
static size_t
series(const char *page)
{
	size_t n = 0;

	for (; *page; page = strchr(page, '\n') + 1)
		if (*page != '#')
			n++;
	return n;
}

static void *
bump_many(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < PER_THREAD; i++) {
		metrics_message(METRICS_OUTBOUND, METRICS_TEMPFAIL);
		metrics_dns_cache(i & 1);
	}
	return NULL;
}

/* render - the page now (caller frees) */
static char *
render(void)
{
	struct strbuf sb;

	sb_init(&sb);
	metrics_render(&sb);
	return sb_detach(&sb);
}

static void
test_tls_parse(void)
{
	is_int(metrics_tls_parse(NULL), METRICS_TLS_PLAINTEXT, "no macro: plaintext");
	is_int(metrics_tls_parse(""), METRICS_TLS_PLAINTEXT, "empty macro: plaintext");
	is_int(metrics_tls_parse("TLSv1.3"), METRICS_TLS_1_3, "TLSv1.3");
	is_int(metrics_tls_parse("tlsv1.2"), METRICS_TLS_1_2, "tlsv1.2, any case");
	is_int(metrics_tls_parse("TLSv1.1"), METRICS_TLS_1_1, "TLSv1.1");
	is_int(metrics_tls_parse("TLSv1"), METRICS_TLS_1_0, "TLSv1");
	is_int(metrics_tls_parse("TLSv1.0"), METRICS_TLS_1_0, "TLSv1.0 is TLSv1");
	is_int(metrics_tls_parse("SSLv3"), METRICS_TLS_OTHER, "SSLv3: other");
	is_int(metrics_tls_parse("TLSv1.3 x"), METRICS_TLS_OTHER,
	    "TLSv1.3 with more: other, never a label of its own");
}

static void
test_counts(void)
{
	pthread_t t[THREADS];
	char *before, *page, buf[64];
	size_t i;

	before = render();
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, bump_many, NULL);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	metrics_latency(METRICS_SINCE_EOH, METRICS_INBOUND, 1000000);
	metrics_latency(METRICS_SINCE_EOH, METRICS_INBOUND, 1000001);
	metrics_latency(METRICS_SINCE_EOH, METRICS_INBOUND, 31000000000ull);
	metrics_dkim(DKIM_ALG_NONE, DKIM_RES_NONE);
	metrics_dkim(DKIM_ALG_NONE, DKIM_RES_PERMERROR);
	metrics_dkim(DKIM_ALG_ED25519_SHA256, DKIM_RES_PASS);
	metrics_reload(0);
	page = render();
	is_int((int)value(page, "authmilter_messages_total{direction=\"outbound\","
	    "action=\"tempfail\"}"), THREADS * PER_THREAD,
	    "%d threads counting at once: every count kept", THREADS);
	is_int((int)value(page, "authmilter_dns_cache_hits_total"),
	    THREADS * PER_THREAD / 2, "cache hits counted");
	is_int((int)value(page, "authmilter_dns_cache_misses_total"),
	    THREADS * PER_THREAD / 2, "cache misses counted");
	is_int((int)value(page, "authmilter_message_eoh_to_verdict_seconds_bucket"
	    "{direction=\"inbound\",le=\"0.001\"}"), 1,
	    "le is inclusive: exactly 1 ms is in le=0.001");
	is_int((int)value(page, "authmilter_message_eoh_to_verdict_seconds_bucket"
	    "{direction=\"inbound\",le=\"0.0025\"}"), 2,
	    "buckets are cumulative");
	is_int((int)value(page, "authmilter_message_eoh_to_verdict_seconds_bucket"
	    "{direction=\"inbound\",le=\"30\"}"), 2,
	    "31 s is over the last bound");
	is_int((int)value(page, "authmilter_message_eoh_to_verdict_seconds_bucket"
	    "{direction=\"inbound\",le=\"+Inf\"}"), 3, "+Inf holds all");
	is_int((int)value(page, "authmilter_message_eoh_to_verdict_seconds_count"
	    "{direction=\"inbound\"}"), 3, "count");
	is_str(sample_text(page, "authmilter_message_eoh_to_verdict_seconds_sum"
	    "{direction=\"inbound\"}", buf, sizeof(buf)), "31.002000001",
	    "sum in seconds, to the nanosecond");
	is_int((int)value(page, "authmilter_dkim_results_total{algorithm="
	    "\"none\",result=\"none\"}"), 1, "an unsigned message: none/none");
	is_int((int)value(page, "authmilter_dkim_results_total{algorithm="
	    "\"unknown\",result=\"permerror\"}"), 1,
	    "a signature of no known algorithm: unknown");
	is_int((int)value(page, "authmilter_dkim_results_total{algorithm="
	    "\"ed25519-sha256\",result=\"pass\"}"), 1, "ed25519-sha256 pass");
	is_int((int)value(page, "authmilter_config_reloads_total{outcome="
	    "\"failure\"}"), 1, "a refused reload");
	is_int((int)series(page), (int)series(before),
	    "the same series before and after counting (%zu)", series(page));
	ok(strstr(page, "# TYPE authmilter_dns_query_duration_seconds "
	    "histogram\n") != NULL, "the DNS latency is a histogram");
	free(before);
	free(page);
}

/* listen_config - load a config holding "MetricsListen value" */
static struct config *
listen_config(const char *value)
{
	char path[] = "/tmp/metrics_test.XXXXXX";
	struct strbuf err;
	struct config *cf;
	FILE *fp;
	int fd = mkstemp(path);

	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL)
		return NULL;
	fprintf(fp, "Nameservers 127.0.0.1\nMetricsListen %s\n", value);
	fclose(fp);
	sb_init(&err);
	cf = config_load(path, &err);
	sb_free(&err);
	unlink(path);
	return cf;
}

static void
test_listen(void)
{
	struct config *a = listen_config("127.0.0.1:9125");
	struct config *b = listen_config("[::1]:9125");
	struct config *c = listen_config("127.0.0.1:9126");
	struct config *d = listen_config("127.0.0.1:9125");
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	if (!ok(a && b && c && d, "good MetricsListen values load"))
		return;
	sin = (const struct sockaddr_in *)(const void *)&a->metrics.addr;
	sin6 = (const struct sockaddr_in6 *)(const void *)&b->metrics.addr;
	ok(sin->sin_family == AF_INET && ntohs(sin->sin_port) == 9125 &&
	    ntohl(sin->sin_addr.s_addr) == INADDR_LOOPBACK,
	    "127.0.0.1:9125 parsed");
	ok(sin6->sin6_family == AF_INET6 && ntohs(sin6->sin6_port) == 9125 &&
	    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr), "[::1]:9125 parsed");
	ok(config_metrics_same(&a->metrics, &d->metrics), "same address: same");
	ok(!config_metrics_same(&a->metrics, &c->metrics), "another port");
	ok(!config_metrics_same(&a->metrics, &b->metrics), "another family");
	ok(listen_config("[::1]") == NULL, "[::1] without a port: refused");
	ok(listen_config("[::1:9125") == NULL, "no closing bracket: refused");
	ok(listen_config("127.0.0.1:+80") == NULL, "a sign: refused");
	config_unref(a);
	config_unref(b);
	config_unref(c);
	config_unref(d);
}

int
main(void)
{
	test_tls_parse();
	test_counts();
	test_listen();
	return tap_done();
}
