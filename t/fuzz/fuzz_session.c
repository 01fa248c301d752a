/*
 * fuzz_session - libFuzzer target for lib/session: random sequences of
 * milter events, headers and body content, against a stub DNS whose
 * answers come from the input (no network)
 *
 * Input: three lines, then events.  The lines are the TXT record every
 * _dmarc name answers, the one every ._domainkey name answers, and the
 * one every other name answers (SPF); a line "TEMPFAIL", "NXDOMAIN" or
 * "NODATA" gives that answer instead.  A and AAAA questions answer
 * 192.0.2.1 and 2001:db8::1, MX answers "mx.example".  Then each line
 * is one event: its first byte says which, the rest is its argument:
 *
 *	C connect (the argument's first byte picks the address family
 *	  and address: inbound, internal, unknown)   H helo   D daemon
 *	A auth   Q queue id   M mail   R rcpt   h header "name:value"
 *	E end of headers   B body line (CRLF added)   O end of message
 *	X abort   N a new session on the same configuration
 *
 * Events come in any order, as a broken MTA could send them: no
 * sequence may crash, leak or trip the sanitizers.  Besides that, it
 * checks what lib/session.h promises of a verdict: a known action, a
 * reply code for a refusal, and header edits whose names and values
 * cannot start a new header (no CR; every LF, the fold the MTA turns
 * into CRLF, is followed by white space).
 *
 * The configuration is written once into a temporary directory: a
 * table with an Ed25519 signing key for sign.example, checks=no,
 * dmarc=monitor and dmarc-reject=no entries, so that every branch of
 * the session can be reached.  Built and run by t/fuzz/run.sh.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "config.h"
#include "dns.h"
#include "log.h"
#include "session.h"
#include "util.h"

#define FUZZ_MAX	65536

static struct config *cf;
static int dummy_ctx, dummy_client, dummy_batch;
static struct dns_reply *ans_dmarc, *ans_key, *ans_other;

/* reply_txt - a reply holding one TXT record, or the status line names */
static struct dns_reply *
reply_txt(const char *line, size_t len)
{
	struct dns_reply *r = xcalloc(1, sizeof(*r));

	r->refs = 1;
	r->qtype = DNS_T_TXT;
	r->ttl = 300;
	if (len == 8 && memcmp(line, "TEMPFAIL", 8) == 0)
		r->status = DNS_TEMPFAIL;
	else if (len == 8 && memcmp(line, "NXDOMAIN", 8) == 0)
		r->status = DNS_NXDOMAIN;
	else if (len == 6 && memcmp(line, "NODATA", 6) == 0)
		r->status = DNS_NODATA;
	else {
		r->status = DNS_DATA;
		r->count = 1;
		r->rr = xcalloc(1, sizeof(*r->rr));
		r->rr[0].type = DNS_T_TXT;
		r->rr[0].text = xmalloc(len + 1);
		memcpy(r->rr[0].text, line, len);
		r->rr[0].text[len] = '\0';
		r->rr[0].len = len;
	}
	return r;
}

/* reply_addr - the fixed answer to an A, AAAA or MX question */
static struct dns_reply *
reply_addr(uint16_t qtype)
{
	static const unsigned char v6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};
	struct dns_reply *r = xcalloc(1, sizeof(*r));

	r->refs = 1;
	r->qtype = qtype;
	r->ttl = 300;
	if (qtype != DNS_T_A && qtype != DNS_T_AAAA && qtype != DNS_T_MX) {
		r->status = DNS_NODATA;
		return r;
	}
	r->status = DNS_DATA;
	r->count = 1;
	r->rr = xcalloc(1, sizeof(*r->rr));
	r->rr[0].type = qtype;
	if (qtype == DNS_T_A) {
		r->rr[0].family = AF_INET;
		memcpy(r->rr[0].addr, "\xc0\x00\x02\x01", 4);
	} else if (qtype == DNS_T_AAAA) {
		r->rr[0].family = AF_INET6;
		memcpy(r->rr[0].addr, v6, 16);
	} else {
		r->rr[0].pref = 10;
		r->rr[0].text = xstrdup("mx.example");
		r->rr[0].len = strlen(r->rr[0].text);
	}
	return r;
}

/* ---- the stub DNS: every function of lib/dns.h that lib/ calls ---- */

struct dns_ctx *
dns_ctx_new(const struct dns_options *opt)
{
	(void)opt;
	return (struct dns_ctx *)&dummy_ctx;
}

void
dns_ctx_free(struct dns_ctx *ctx)
{
	(void)ctx;
}

struct dns_client *
dns_client_new(struct dns_ctx *ctx)
{
	if (ctx != (struct dns_ctx *)&dummy_ctx)
		abort();
	return (struct dns_client *)&dummy_client;
}

void
dns_client_free(struct dns_client *dc)
{
	(void)dc;
}

void
dns_client_set_budget(struct dns_client *dc, long ms)
{
	(void)dc;
	(void)ms;
}

long
dns_client_budget(const struct dns_client *dc)
{
	(void)dc;
	return -1;
}

int
dns_parse_server(const char *spec, struct dns_server *out)
{
	(void)spec;
	memset(out, 0, sizeof(*out));
	return 0;
}

int
dns_servers_from_resolv_conf(const char *path, struct dns_options *opt)
{
	(void)path;
	opt->nservers = 1;
	return 0;
}

const char *
dns_status_name(enum dns_status st)
{
	static const char *names[] = { "data", "nodata", "nxdomain",
		"tempfail" };

	return (unsigned)st < 4 ? names[st] : "?";
}

struct dns_reply *
dns_reply_ref(struct dns_reply *r)
{
	r->refs++;
	return r;
}

void
dns_reply_free(struct dns_reply *r)
{
	size_t i;

	if (r == NULL || --r->refs > 0)
		return;
	for (i = 0; i < r->count; i++)
		free(r->rr[i].text);
	free(r->rr);
	free(r);
}

/* dns_lookup - the answer the input gives for this kind of name */
struct dns_reply *
dns_lookup(struct dns_client *dc, const char *name, uint16_t qtype)
{
	if (dc != (struct dns_client *)&dummy_client || name == NULL)
		abort();
	if (qtype != DNS_T_TXT)
		return reply_addr(qtype);
	if (strncmp(name, "_dmarc.", 7) == 0)
		return dns_reply_ref(ans_dmarc);
	if (strstr(name, "._domainkey.") != NULL)
		return dns_reply_ref(ans_key);
	return dns_reply_ref(ans_other);
}

struct dns_batch *
dns_batch_start(struct dns_client *dc, const char *const *names,
    const uint16_t *types, size_t n)
{
	size_t i;

	if (dc != (struct dns_client *)&dummy_client)
		abort();
	for (i = 0; i < n; i++)
		if (names[i] == NULL || types[i] == 0)
			abort();
	return (struct dns_batch *)&dummy_batch;
}

void
dns_batch_wait(struct dns_batch *b)
{
	(void)b;
}

struct dns_reply *
dns_batch_reply(struct dns_batch *b, const char *name, uint16_t qtype)
{
	if (b != (struct dns_batch *)&dummy_batch)
		abort();
	return dns_lookup((struct dns_client *)&dummy_client, name, qtype);
}

void
dns_batch_free(struct dns_batch *b)
{
	(void)b;
}

/* ---- the configuration ---- */

/* write_file - write text to dir/name with mode, or abort */
static char *
write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	struct strbuf path;
	FILE *fp;

	sb_init(&path);
	sb_printf(&path, "%s/%s", dir, name);
	if ((fp = fopen(path.s, "w")) == NULL || fputs(text, fp) == EOF ||
	    fclose(fp) != 0 || chmod(path.s, mode) != 0)
		abort();
	return sb_detach(&path);
}

/* write_key - an Ed25519 private key in dir, mode 0600 */
static char *
write_key(const char *dir)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct strbuf path;
	FILE *fp;

	sb_init(&path);
	sb_printf(&path, "%s/sign.pem", dir);
	if (pk == NULL || (fp = fopen(path.s, "w")) == NULL)
		abort();
	if (PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fclose(fp) != 0 || chmod(path.s, 0600) != 0)
		abort();
	EVP_PKEY_free(pk);
	return sb_detach(&path);
}

/* LLVMFuzzerInitialize - write and load the configuration once */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dirt[] = "/tmp/fuzz_session.XXXXXX";
	char *dir, *key, *conf;
	struct strbuf text, err;

	(void)argc;
	(void)argv;
	if ((dir = mkdtemp(dirt)) == NULL)
		abort();
	key = write_key(dir);
	sb_init(&text);
	sb_printf(&text,
	    "sign.example sign=s1:%s\n"
	    "legacy.example checks=no\n"
	    "monitor.example dmarc=monitor\n"
	    "nr.example dmarc=no-reject\n"
	    "keep.example dmarc-reject=no\n"
	    "strict.example spf-fail=reject\n", key);
	free(write_file(dir, "domains", text.s, 0644));
	sb_free(&text);
	conf = write_file(dir, "authmilter.conf",
	    "AuthservID mx.test\n"
	    "Domains domains\n"
	    "Nameservers 127.0.0.1\n"
	    "Syslog no\n"
	    "LogLevel error\n"
	    "InternalHosts 10.0.0.0/8\n"
	    "SignDaemons ORIGINATING\n"
	    "TrustedForwarders 198.51.100.0/24 .fwd.example\n", 0644);
	sb_init(&err);
	if ((cf = config_load(conf, &err)) == NULL) {
		fprintf(stderr, "fuzz_session: config: %s\n", err.s);
		abort();
	}
	sb_free(&err);
	cf->resolver = dns_ctx_new(&cf->dns_opts);
	cf->dkim = dkim_engine_new();
	log_open("fuzz_session", 0, 0);
	log_set_level(-1);
	free(key);
	free(conf);
	return 0;
}

/* ---- the events ---- */

/* safe_text - no CR, and every LF (a fold) is followed by white space */
static int
safe_text(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\r' || (*s == '\n' && s[1] != ' ' && s[1] != '\t'))
			return 0;
	return 1;
}

/* check_verdict - what lib/session.h promises of a verdict */
static void
check_verdict(const struct verdict *v)
{
	size_t i;

	if (v == NULL)
		return;
	if (v->action != VERDICT_ACCEPT && v->action != VERDICT_REJECT &&
	    v->action != VERDICT_TEMPFAIL)
		abort();
	if (v->action != VERDICT_ACCEPT && (v->rcode == NULL ||
	    v->xcode == NULL || v->text == NULL || !safe_text(v->text)))
		abort();
	for (i = 0; i < v->nedits; i++) {
		const struct header_edit *e = &v->edits[i];

		if (e->name == NULL || !safe_text(e->name))
			abort();
		if (e->op == EDIT_INSERT &&
		    (e->value == NULL || !safe_text(e->value)))
			abort();
	}
}

/* client_connect - the argument's first byte picks the client */
static void
client_connect(struct session *s, const char *arg)
{
	unsigned char a[16] = { 0 };

	switch (arg[0] % 4) {
	case 0:	/* an outside client */
		memcpy(a, "\xcb\x00\x71\x05", 4);
		session_connect(s, arg + (arg[0] != '\0'), AF_INET, a);
		break;
	case 1:	/* an internal host */
		memcpy(a, "\x0a\x00\x00\x01", 4);
		session_connect(s, "internal", AF_INET, a);
		break;
	case 2:	/* a trusted forwarder */
		memcpy(a, "\xc6\x33\x64\x07", 4);
		session_connect(s, "relay.fwd.example", AF_INET, a);
		break;
	default:	/* IPv6, or none given */
		a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8, a[15] = 9;
		session_connect(s, arg, arg[0] == '7' ? AF_UNSPEC : AF_INET6,
		    a);
		break;
	}
}

/* event - run one event line */
static struct session *
event(struct session *s, char op, char *arg, size_t len)
{
	char *colon;

	switch (op) {
	case 'C': client_connect(s, arg); break;
	case 'H': session_helo(s, arg); break;
	case 'D': session_set_daemon(s, arg); break;
	case 'A': session_set_auth(s, arg); break;
	case 'Q': session_set_queue_id(s, arg); break;
	case 'M': check_verdict(session_mail(s, arg)); break;
	case 'R': session_rcpt(s, arg); break;
	case 'h':
		if ((colon = strchr(arg, ':')) == NULL)
			break;
		*colon = '\0';
		session_header(s, arg, colon + 1);
		break;
	case 'E': session_eoh(s); break;
	case 'B':
		arg[len] = '\r';	/* the NUL and one more byte are ours */
		arg[len + 1] = '\n';
		session_body(s, (const unsigned char *)arg, len + 2);
		break;
	case 'O': check_verdict(session_eom(s)); break;
	case 'X': session_abort(s); break;
	case 'N':
		session_free(s);
		s = session_new(cf);
		break;
	default: break;
	}
	return s;
}

/* next_line - the line at *p without its LF; NULL at the end */
static const char *
next_line(const char **p, const char *end, size_t *len)
{
	const char *line = *p, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	*len = (size_t)((nl != NULL ? nl : end) - line);
	*p = nl != NULL ? nl + 1 : end;
	return line;
}

/* LLVMFuzzerTestOneInput - answers from the first lines, then events */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *line;
	struct dns_reply **ans[3] = { &ans_dmarc, &ans_key, &ans_other };
	struct session *s;
	size_t len, i;
	char *arg;

	if (size > FUZZ_MAX)
		return 0;
	for (i = 0; i < 3; i++) {
		if ((line = next_line(&p, end, &len)) == NULL)
			line = "", len = 0;
		*ans[i] = reply_txt(line, len);
	}
	s = session_new(cf);
	while ((line = next_line(&p, end, &len)) != NULL) {
		if (len == 0)
			continue;
		arg = xmalloc(len + 2);
		memcpy(arg, line + 1, len - 1);
		arg[len - 1] = '\0';
		s = event(s, line[0], arg, len - 1);
		free(arg);
	}
	session_free(s);
	for (i = 0; i < 3; i++) {
		dns_reply_free(*ans[i]);
		*ans[i] = NULL;
	}
	return 0;
}
