/*
 * NAME
 *	dns-query - ask lib/dns from the command line, for t/dns.t
 * SYNOPSIS
 *	t/dns-query [-dB] [-s ADDR:PORT]... [-t timeout_ms] [-r tries]
 *	    [-c cache_entries] [-b cache_bytes] [-F fail_ttl] [-j threads]
 *	    NAME TYPE [TYPE...] [+COMMAND] [NAME TYPE...]
 * DESCRIPTION
 *	Runs dns_lookup() for each TYPE of the NAME before it, in order, all
 *	with one dns_ctx and one client (so the cache is shared between
 *	them), and prints for each lookup one line
 *
 *	    NAME TYPE STATUS ttl=TTL count=N size=BYTES[ bad-name]
 *
 *	then one line per record, indented by two spaces:
 *
 *	    A 192.0.2.1		AAAA 2001:db8::1	MX 10 mx.example
 *	    PTR name		CNAME name		NS name
 *	    TXT "text"		SPF "text"		TYPE (other types)
 *
 *	TXT text is quoted; a quote, a backslash and bytes outside 0x20-0x7e
 *	are written as \DDD (three decimal digits).  An argument that starts
 *	with "+" is a shell command run there (e.g. "+kill 123", "+sleep 2").
 *	TYPE is one of A NS CNAME SOA PTR MX TXT AAAA SPF, or a number; any
 *	other word starts a new NAME.  -d logs debug lines on stderr.
 *	-B asks each question through a batch of one (dns_batch_start()
 *	and dns_batch_reply()) instead of dns_lookup().  -j N asks each
 *	question from N threads at once, each with its own client on the
 *	one dns_ctx, and prints N lines (in the order the threads finish).
 *	Defaults: no cache (-c 0), -t 1000, -r 1; at least one -s is needed.
 * DIAGNOSTICS
 *	Exit 0 after all lookups (whatever their status), 2 for bad usage or
 *	a failing +COMMAND.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "dns.h"

static const struct {
	const char	*name;
	uint16_t	 type;
} types[] = {
	{ "A", DNS_T_A }, { "NS", DNS_T_NS }, { "CNAME", DNS_T_CNAME },
	{ "SOA", DNS_T_SOA }, { "PTR", DNS_T_PTR }, { "MX", DNS_T_MX },
	{ "TXT", DNS_T_TXT }, { "AAAA", DNS_T_AAAA }, { "SPF", DNS_T_SPF },
};

/* type_parse - a type mnemonic or number; -1 if the word is not a type */
static int
type_parse(const char *s, uint16_t *type)
{
	size_t i;
	char *end;
	long n;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (strcmp(s, types[i].name) == 0) {
			*type = types[i].type;
			return 0;
		}
	if (*s < '0' || *s > '9')
		return -1;
	n = strtol(s, &end, 10);
	if (*end != '\0' || n < 1 || n > 65535)
		return -1;
	*type = (uint16_t)n;
	return 0;
}

/* type_print - print the mnemonic of a type, or its number */
static void
type_print(uint16_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (types[i].type == type) {
			fputs(types[i].name, stdout);
			return;
		}
	printf("%u", type);
}

/* print_text - text quoted, with unusual bytes as \DDD */
static void
print_text(const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	putchar('"');
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			printf("\\%03u", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* print_reply - the stable text form of one lookup */
static void
print_reply(const char *name, uint16_t type, const struct dns_reply *r)
{
	char addr[INET6_ADDRSTRLEN];
	const struct dns_rr *rr;
	size_t i;

	printf("%s ", name);
	type_print(type);
	printf(" %s ttl=%u count=%zu size=%zu%s\n", dns_status_name(r->status),
	    r->ttl, r->count, r->size,
	    r->cause == DNS_CAUSE_BAD_NAME ? " bad-name" : "");
	for (i = 0; i < r->count; i++) {
		rr = &r->rr[i];
		printf("  ");
		type_print(rr->type);
		switch (rr->type) {
		case DNS_T_A:
		case DNS_T_AAAA:
			if (inet_ntop(rr->family, rr->addr, addr,
			    sizeof(addr)) == NULL)
				strcpy(addr, "?");
			printf(" %s", addr);
			break;
		case DNS_T_MX:
			printf(" %u %s", rr->pref, rr->text);
			break;
		case DNS_T_PTR:
		case DNS_T_CNAME:
		case DNS_T_NS:
			printf(" %s", rr->text);
			break;
		case DNS_T_TXT:
		case DNS_T_SPF:
			putchar(' ');
			print_text(rr->text, rr->len);
			break;
		}
		putchar('\n');
	}
	fflush(stdout);
}

static int use_batch;		/* -B */
static int jobs = 1;		/* -j */
static pthread_barrier_t start_line;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

/* ask - one question, through dns_lookup() or a batch of one */
static struct dns_reply *
ask(struct dns_client *dc, const char *name, uint16_t type)
{
	struct dns_batch *b;
	struct dns_reply *r;

	if (!use_batch)
		return dns_lookup(dc, name, type);
	b = dns_batch_start(dc, &name, &type, 1);
	r = dns_batch_reply(b, name, type);
	dns_batch_free(b);
	return r;
}

struct job {
	struct dns_ctx	*ctx;
	const char	*name;
	uint16_t	 type;
};

/* job_run - one thread of -j: wait for the others, ask, print */
static void *
job_run(void *arg)
{
	struct job *j = arg;
	struct dns_client *dc = dns_client_new(j->ctx);
	struct dns_reply *r;

	pthread_barrier_wait(&start_line);
	r = ask(dc, j->name, j->type);
	pthread_mutex_lock(&print_lock);
	print_reply(j->name, j->type, r);
	pthread_mutex_unlock(&print_lock);
	dns_reply_free(r);
	dns_client_free(dc);
	return NULL;
}

/* ask_all - the question from every thread of -j at once */
static void
ask_all(struct dns_ctx *ctx, const char *name, uint16_t type)
{
	pthread_t t[64];
	struct job j;
	int i;

	j.ctx = ctx;
	j.name = name;
	j.type = type;
	pthread_barrier_init(&start_line, NULL, (unsigned)jobs);
	for (i = 0; i < jobs; i++)
		pthread_create(&t[i], NULL, job_run, &j);
	for (i = 0; i < jobs; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start_line);
}

/* usage - say how to call us, and stop */
static void
usage(void)
{
	fprintf(stderr, "usage: dns-query [-dB] [-s ADDR:PORT]... "
	    "[-t timeout_ms] [-r tries] [-c entries] [-b bytes] [-F secs] "
	    "[-j threads] NAME TYPE... [+COMMAND]...\n");
	exit(2);
}

/* main - parse the options, then run the lookups and commands in order */
int
main(int argc, char **argv)
{
	struct dns_options opt;
	struct dns_ctx *ctx;
	struct dns_client *dc;
	struct dns_reply *r;
	const char *name = NULL;
	uint16_t type;
	int ch, i;

	memset(&opt, 0, sizeof(opt));
	opt.timeout_ms = 1000;
	opt.tries = 1;
	while ((ch = getopt(argc, argv, "Bb:c:dF:j:r:s:t:")) != -1) {
		switch (ch) {
		case 'B':
			use_batch = 1;
			break;
		case 'F':
			opt.fail_ttl = atoi(optarg);
			break;
		case 'j':
			jobs = atoi(optarg);
			if (jobs < 1 || jobs > 64)
				usage();
			break;
		case 'b':
			opt.cache_bytes = (size_t)atol(optarg);
			break;
		case 'c':
			opt.cache_entries = (size_t)atol(optarg);
			break;
		case 'd':
			log_set_level(LOG_DEBUG);
			break;
		case 'r':
			opt.tries = atoi(optarg);
			break;
		case 's':
			if (opt.nservers == DNS_MAX_SERVERS ||
			    dns_parse_server(optarg,
			    &opt.servers[opt.nservers]) != 0) {
				fprintf(stderr, "dns-query: bad server %s\n",
				    optarg);
				return 2;
			}
			opt.nservers++;
			break;
		case 't':
			opt.timeout_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || opt.nservers == 0)
		usage();
	ctx = dns_ctx_new(&opt);
	dc = dns_client_new(ctx);
	for (i = optind; i < argc; i++) {
		if (argv[i][0] == '+') {
			fflush(stdout);
			if (system(argv[i] + 1) != 0) {
				fprintf(stderr, "dns-query: failed: %s\n",
				    argv[i] + 1);
				return 2;
			}
		} else if (name != NULL && type_parse(argv[i], &type) == 0 &&
		    jobs > 1) {
			ask_all(ctx, name, type);
		} else if (name != NULL && type_parse(argv[i], &type) == 0) {
			r = ask(dc, name, type);
			print_reply(name, type, r);
			dns_reply_free(r);
		} else
			name = argv[i];
	}
	dns_client_free(dc);
	dns_ctx_free(ctx);
	return 0;
}
