/*
 * session_test - lib/session under milter events in every order an MTA
 * could send them, right or wrong: no sequence may crash a session or
 * end without a verdict.  Runs on a real configuration (a table with a
 * signing key, DKIM verification on) with no DNS: SPF gives temperror,
 * keys are not found, DMARC is not run.  Also the log line's marked cut
 * of a long MAIL FROM, and the table's TLS requirements (tls=require,
 * tls-min=) at MAIL FROM and for the From domains at end of message.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "config.h"
#include "dkim_verify.h"
#include "log.h"
#include "session.h"
#include "tap.h"

static char tmpdir[] = "/tmp/session_test.XXXXXX";
static char logpath[sizeof(tmpdir) + 16];
static struct config *cf;

/* write_file - tmpdir/name with text; the path (static buffer) */
static const char *
write_file(const char *name, const char *text)
{
	static char path[sizeof(tmpdir) + 64];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return NULL;
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* make_config - a config with a signing key for example.org, no DNS */
static struct config *
make_config(void)
{
	struct strbuf sb, err;
	struct config *c;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	char keypath[sizeof(tmpdir) + 16];
	FILE *fp;

	snprintf(keypath, sizeof(keypath), "%s/key.pem", tmpdir);
	if (key == NULL || (fp = fopen(keypath, "w")) == NULL)
		return NULL;
	PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	chmod(keypath, 0600);
	EVP_PKEY_free(key);

	sb_init(&sb);
	sb_printf(&sb, "example.org sign=s1:%s\n"
	    "partner.example tls=require\n"
	    "modern.example tls-min=TLSv1.3\n"
	    ".sub.example tls=require\n"
	    "legacy.sub.example tls=optional\n"
	    "xn--bcher-kva.example tls=require\n", keypath);
	write_file("domains", sb.s);
	sb_truncate(&sb, 0);
	sb_printf(&sb, "AuthservID mx.example.net\n"
	    "InternalHosts 192.0.2.250\n"
	    "RequireSafeKeys no\n"
	    "Domains %s/domains\n", tmpdir);
	sb_init(&err);
	c = config_load(write_file("authmilter.conf", sb.s), &err);
	if (c == NULL)
		printf("# %s", err.s);
	else
		c->dkim = dkim_engine_new();	/* as the daemon does */
	sb_free(&sb);
	sb_free(&err);
	return c;
}

/* start - a session from client (inbound 198.51.100.7, outbound .250) */
static struct session *
start(const char *ip)
{
	struct session *s = session_new(cf);
	unsigned char addr[4];

	inet_pton(AF_INET, ip, addr);
	session_connect(s, "client.example", AF_INET, addr);
	session_helo(s, "client.example");
	return s;
}

/* has_edit - does the verdict insert a header of that name? */
static int
has_edit(const struct verdict *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->nedits; i++)
		if (v->edits[i].op == EDIT_INSERT &&
		    strcmp(v->edits[i].name, name) == 0)
			return 1;
	return 0;
}

/* is_tempfail - a verdict, and it is a 451 */
static int
is_tempfail(const struct verdict *v)
{
	return v != NULL && v->action == VERDICT_TEMPFAIL &&
	    strcmp(v->rcode, "451") == 0 && v->nedits == 0;
}

/* is_checked - an inbound verdict that carries our A-R */
static int
is_checked(const struct verdict *v)
{
	return v != NULL && v->action == VERDICT_ACCEPT &&
	    has_edit(v, "Authentication-Results");
}

/* headers - a From and a signature nobody can verify */
static void
headers(struct session *s)
{
	session_header(s, "From", "user@example.org");
	session_header(s, "DKIM-Signature", "v=1; a=rsa-sha256; "
	    "d=example.org; s=s1; h=from; bh=AAAA; b=AAAA");
	session_header(s, "Subject", "test");
}

static const unsigned char body[] = "Hello.\r\n";

static void
test_without_mail(void)
{
	struct session *s;

	s = start("198.51.100.7");
	ok(is_tempfail(session_eom(s)),
	    "eom without MAIL FROM: no crash, a tempfail");
	ok(is_tempfail(session_eom(s)), "and again: a tempfail");
	session_free(s);

	s = start("198.51.100.7");
	session_rcpt(s, "<x@example.net>");
	headers(s);
	session_eoh(s);
	session_body(s, body, sizeof(body) - 1);
	session_set_queue_id(s, "Q1");
	ok(is_tempfail(session_eom(s)),
	    "rcpt, headers, eoh, body without MAIL FROM, eom: a tempfail");
	session_abort(s);
	session_abort(s);
	session_free(s);

	s = session_new(cf);	/* no connect, no HELO */
	session_mail(s, "<user@example.org>");
	ok(is_checked(session_eom(s)),
	    "MAIL FROM and eom with no connect, HELO or headers: checked");
	session_free(s);
}

static void
test_out_of_order(void)
{
	struct session *s;
	const struct verdict *v;

	s = start("198.51.100.7");
	session_mail(s, "<user@example.org>");
	headers(s);
	session_body(s, body, sizeof(body) - 1);
	ok(is_checked(session_eom(s)), "body without eoh: checked");
	ok(is_tempfail(session_eom(s)), "eom twice: the second is a tempfail");
	session_body(s, body, sizeof(body) - 1);
	session_header(s, "From", "x@example.org");
	ok(is_tempfail(session_eom(s)),
	    "header and body after eom, eom: a tempfail");
	session_free(s);

	s = start("198.51.100.7");
	session_mail(s, "<user@example.org>");
	headers(s);
	session_eoh(s);
	session_header(s, "From", "late@example.org");
	session_header(s, "DKIM-Signature", "v=1; d=late.example; s=s");
	session_eoh(s);
	session_eoh(s);
	session_body(s, body, sizeof(body) - 1);
	ok(is_checked(session_eom(s)), "headers after eoh, eoh thrice: checked");
	session_free(s);

	s = start("198.51.100.7");
	session_mail(s, "<user@example.org>");
	headers(s);
	session_abort(s);
	ok(is_tempfail(session_eom(s)), "abort then eom: a tempfail");
	session_mail(s, "<user@example.org>");
	session_mail(s, "<other@example.org>");
	session_header(s, "From", "user@example.org");
	ok(is_checked(session_eom(s)),
	    "after that, a message with MAIL FROM twice is checked");
	session_set_queue_id(s, "Q2");	/* after the message: ignored */
	session_free(s);

	s = start("198.51.100.7");
	session_eoh(s);
	session_mail(s, "<user@example.org>");
	v = session_eom(s);
	ok(is_checked(v), "eoh before MAIL FROM, then MAIL FROM, eom: checked");
	session_free(s);
}

static void
test_outbound(void)
{
	struct session *s;

	s = start("192.0.2.250");
	session_mail(s, "<user@example.org>");
	headers(s);
	session_body(s, body, sizeof(body) - 1);
	ok(has_edit(session_eom(s), "DKIM-Signature"),
	    "outbound, body without eoh: signed");
	ok(is_tempfail(session_eom(s)),
	    "outbound eom twice: the second is a tempfail");
	session_free(s);

	s = start("192.0.2.250");
	session_mail(s, "<user@example.org>");
	headers(s);
	session_eoh(s);
	session_eoh(s);
	session_header(s, "X-Late", "after eoh");
	session_body(s, body, sizeof(body) - 1);
	ok(has_edit(session_eom(s), "DKIM-Signature"),
	    "outbound, eoh twice and a header after it: signed");
	session_abort(s);
	session_free(s);

	s = start("192.0.2.250");
	session_mail(s, "<user@example.org>");
	headers(s);
	ok(has_edit(session_eom(s), "DKIM-Signature"),
	    "outbound, eom without eoh or body: signed");
	session_free(s);
}

/* read_log - what the sessions logged so far */
static char *
read_log(void)
{
	struct strbuf sb;
	char buf[4096];
	size_t n;
	FILE *fp;

	fflush(stderr);
	sb_init(&sb);
	if ((fp = fopen(logpath, "r")) != NULL) {
		while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
			sb_append(&sb, buf, n);
		fclose(fp);
	}
	return sb_detach(&sb);
}

static void
test_log(void)
{
	struct session *s;
	char sender[600], *log;
	const struct verdict *v;
	const char *ar = "";
	size_t i;

	log = read_log();
	ok(strstr(log, "end of message without a message in progress") !=
	    NULL, "eom without a message is logged");
	free(log);

	/* issue 9 item 2: a cut keeps the domain, and says so */
	memset(sender, 'a', 400);
	strcpy(sender + 400, "@paypal.com.attacker.example");
	s = start("198.51.100.7");
	session_mail(s, sender);
	session_header(s, "From", "user@example.org");
	v = session_eom(s);
	for (i = 0; v != NULL && i < v->nedits; i++)
		if (strcmp(v->edits[i].name, "Authentication-Results") == 0)
			ar = v->edits[i].value;
	ok(strstr(ar, "smtp.mailfrom") != NULL &&
	    strstr(ar, "smtp.mailfrom=") == NULL &&
	    strstr(ar, "(smtp.mailfrom not shown: 428 bytes, over 320)") !=
	    NULL, "A-R: a 428-byte MAIL FROM is left out, a comment says why");
	log = read_log();
	ok(strstr(log, " from=<[108 bytes cut]...aaaa") != NULL &&
	    strstr(log, "aaaa@paypal.com.attacker.example> ") != NULL,
	    "log: a 428-byte MAIL FROM keeps its end after a marked cut");
	ok(strstr(log, "@paypal.com>") == NULL && strstr(log, "@paypal.com ")
	    == NULL, "log: no cut shows @paypal.com");
	free(log);
	session_free(s);
}

/* tls - make the session's connection TLS (version NULL: plaintext) */
static void
tls(struct session *s, const char *version)
{
	struct tls_facts f;

	memset(&f, 0, sizeof(f));
	f.version = version;
	f.cipher = "TLS_AES_256_GCM_SHA384";
	f.bits = "256";
	session_set_tls(s, version != NULL ? &f : NULL);
}

/* tls_refused - a 550 5.7.0 whose text holds both strings */
static int
tls_refused(const struct verdict *v, const char *a, const char *b)
{
	return v != NULL && v->action == VERDICT_REJECT &&
	    strcmp(v->rcode, "550") == 0 && strcmp(v->xcode, "5.7.0") == 0 &&
	    strstr(v->text, a) != NULL && strstr(v->text, b) != NULL;
}

/* one_message - a message with that MAIL FROM and From: the eom verdict */
static const struct verdict *
one_message(struct session *s, const char *sender, const char *from)
{
	const struct verdict *v = session_mail(s, sender);

	if (v != NULL)
		return NULL;	/* refused at MAIL FROM: not what we test */
	session_header(s, "From", from);
	session_eoh(s);
	return session_eom(s);
}

/* authres_of - our A-R value in a verdict, or "" */
static const char *
authres_of(const struct verdict *v)
{
	size_t i;

	for (i = 0; v != NULL && i < v->nedits; i++)
		if (v->edits[i].op == EDIT_INSERT &&
		    strcmp(v->edits[i].name, "Authentication-Results") == 0)
			return v->edits[i].value;
	return "";
}

/*
 * test_tls - the table's TLS requirements: the envelope domain at MAIL
 * FROM, every From domain at eom, tls-min against the version, the
 * subdomain rules of the table, outbound mail exempt; the facts in the
 * log line and as a comment in the A-R
 */
static void
test_tls(void)
{
	static const char ar_tls[] = "mx.example.net (tls=TLSv1.2 "
	    "cipher=TLS_AES_256_GCM_SHA384 bits=256);\n\tspf=";
	struct session *s;
	const struct verdict *v;
	struct tls_facts f;
	char *log;
	int i;

	s = start("198.51.100.7");
	ok(session_tls_version(s) == NULL, "a new connection is plaintext");
	v = session_mail(s, "<user@partner.example>");
	ok(tls_refused(v, "MAIL FROM domain partner.example must come over "
	    "TLS (tls=require in the domain table)", "this connection is "
	    "plaintext"), "plaintext, MAIL FROM a tls=require domain: 550 "
	    "5.7.0 naming domain and requirement (got '%s')",
	    v != NULL ? v->text : "continue");
	ok(session_eom(s)->action == VERDICT_TEMPFAIL,
	    "... and the message is over");
	v = session_mail(s, "<>");
	ok(v == NULL, "plaintext, null sender, HELO of no tls= domain: on");
	session_abort(s);
	v = session_mail(s, "<user@B\xc3\xbc" "cher.example>");
	ok(tls_refused(v, "MAIL FROM domain xn--bcher-kva.example", "TLS"),
	    "a UTF-8 MAIL FROM domain is looked up as its A-labels");

	v = one_message(s, "user@elsewhere.example", "boss@partner.example");
	ok(tls_refused(v, "From domain partner.example must come over TLS",
	    "plaintext"), "plaintext, From a tls=require domain, other "
	    "MAIL FROM: refused at end of message");
	v = one_message(s, "user@elsewhere.example",
	    "a@elsewhere.example, b@PARTNER.example");
	ok(tls_refused(v, "From domain partner.example", "plaintext"),
	    "the partner as second address of one From: refused too");
	v = one_message(s, "user@elsewhere.example", "x@a.b.sub.example");
	ok(tls_refused(v, "From domain a.b.sub.example", "plaintext"),
	    "a .sub.example tls=require entry covers a.b.sub.example");
	v = one_message(s, "user@elsewhere.example", "x@legacy.sub.example");
	ok(v != NULL && v->action == VERDICT_ACCEPT,
	    "legacy.sub.example tls=optional, more specific: accepted");
	v = one_message(s, "user@elsewhere.example", "x@sub.example");
	ok(v != NULL && v->action == VERDICT_ACCEPT,
	    ".sub.example does not cover sub.example itself");
	session_mail(s, "user@elsewhere.example");
	for (i = 0; i < 11; i++)
		session_header(s, "From", "x@elsewhere.example");
	v = session_eom(s);
	ok(v != NULL && v->action == VERDICT_REJECT &&
	    strstr(v->text, "11 From headers, more than the 10 checked") !=
	    NULL, "more From headers than are kept: refused, not unchecked");
	v = one_message(s, "user@elsewhere.example", "x@elsewhere.example");
	ok(v != NULL && v->action == VERDICT_ACCEPT &&
	    strstr(authres_of(v), "tls=") == NULL,
	    "plaintext from another domain: accepted, no TLS comment in A-R");

	tls(s, "TLSv1.2");
	ok(session_tls_version(s) != NULL &&
	    strcmp(session_tls_version(s), "TLSv1.2") == 0,
	    "session_tls_version gives the MTA's {tls_version}");
	v = one_message(s, "user@partner.example", "boss@partner.example");
	ok(v != NULL && v->action == VERDICT_ACCEPT,
	    "TLSv1.2, tls=require domain in MAIL FROM and From: accepted");
	ok(strncmp(authres_of(v), ar_tls, strlen(ar_tls)) == 0,
	    "the A-R carries the TLS facts as a comment "
	    "after the authserv-id");
	v = session_mail(s, "user@modern.example");
	ok(tls_refused(v, "MAIL FROM domain modern.example must come over "
	    "TLSv1.3 or later (tls-min=TLSv1.3", "this connection uses "
	    "TLSv1.2"), "TLSv1.2 below tls-min=TLSv1.3: refused");
	v = one_message(s, "user@elsewhere.example", "x@modern.example");
	ok(tls_refused(v, "From domain modern.example must come over TLSv1.3",
	    "uses TLSv1.2"), "... and as From domain at end of message");
	tls(s, "TLSv1.3");
	v = one_message(s, "user@modern.example", "x@modern.example");
	ok(v != NULL && v->action == VERDICT_ACCEPT, "TLSv1.3: accepted");
	tls(s, "SSLv3");
	v = session_mail(s, "user@partner.example");
	ok(v == NULL, "tls=require without tls-min: any TLS meets it");
	session_abort(s);
	tls(s, "TLSv1.3-draft");
	v = session_mail(s, "user@modern.example");
	ok(tls_refused(v, "modern.example", "TLSv1.3-draft"),
	    "a version we cannot read does not meet tls-min");
	tls(s, "TLSv1.3");
	v = one_message(s, "user@elsewhere.example", "x@elsewhere.example");
	memset(&f, 0, sizeof(f));
	f.version = "TLSv1.2";
	session_set_tls(s, &f);
	v = one_message(s, "user@elsewhere.example", "x@version.only");
	tls(s, NULL);
	ok(session_tls_version(s) == NULL, "TLS facts without a version: "
	    "plaintext again");
	session_free(s);

	s = start("192.0.2.250");
	v = one_message(s, "user@partner.example", "boss@partner.example");
	ok(v != NULL && v->action == VERDICT_ACCEPT,
	    "outbound (InternalHosts) mail is exempt");
	session_free(s);

	log = read_log();
	ok(strstr(log, "from=<user@partner.example> helo=client.example "
	    "tls=none tls-required=partner.example action=reject") != NULL,
	    "log: tls=none, the domain that required TLS, the reject");
	ok(strstr(log, "helo=client.example tls=TLSv1.2("
	    "TLS_AES_256_GCM_SHA384,256) tls-required=modern.example(TLSv1.3)"
	    " action=reject") != NULL, "log: version, cipher, bits, and "
	    "the tls-min that refused");
	ok(strstr(log, "from=<user@elsewhere.example> helo=client.example "
	    "tls=TLSv1.3(TLS_AES_256_GCM_SHA384,256) ") != NULL,
	    "log: TLSv1.3 recorded on an accepted message");
	ok(strstr(log, "helo=client.example tls=TLSv1.2 spf=") != NULL,
	    "log: a version without cipher or bits is written alone");
	free(log);
}

/*
 * test_name_space - "From : x" (space before the colon) is a From field:
 * alone it names the signing domain, beside a From it makes two
 */
static void
test_name_space(void)
{
	struct session *s;
	const struct verdict *v;

	s = start("192.0.2.250");
	session_mail(s, "user@example.org");
	session_header(s, "From ", "user@example.org");
	session_header(s, "Subject", "test");
	session_eoh(s);
	v = session_eom(s);
	ok(v != NULL && has_edit(v, "DKIM-Signature"),
	    "outbound: a lone 'From :' field is the From: signed");
	session_mail(s, "user@example.org");
	session_header(s, "From", "user@example.org");
	session_header(s, "From\t ", "ceo@victim.example");
	session_eoh(s);
	v = session_eom(s);
	ok(v != NULL && !has_edit(v, "DKIM-Signature"),
	    "outbound: 'From:' and 'From :' are two From fields: not signed");
	session_free(s);
}

int
main(void)
{
	int fd;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);
	if ((fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    dup2(fd, 2) < 0) {
		perror(logpath);
		return 2;
	}
	close(fd);
	if ((cf = make_config()) == NULL) {
		printf("Bail out! cannot make the configuration\n");
		return 1;
	}
	test_without_mail();
	test_out_of_order();
	test_name_space();
	test_outbound();
	test_log();
	test_tls();
	config_unref(cf);
	unlink(logpath);
	unlink(write_file("domains", ""));
	unlink(write_file("authmilter.conf", ""));
	snprintf(logpath, sizeof(logpath), "%s/key.pem", tmpdir);
	unlink(logpath);
	rmdir(tmpdir);
	return tap_done();
}
