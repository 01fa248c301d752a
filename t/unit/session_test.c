/*
 * session_test - lib/session under milter events in every order an MTA
 * could send them, right or wrong: no sequence may crash a session or
 * end without a verdict.  Runs on a real configuration (a table with a
 * signing key, DKIM verification on) with no DNS: SPF gives temperror,
 * keys are not found, DMARC is not run.  Also the log line's marked cut
 * of a long MAIL FROM.
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
	sb_printf(&sb, "example.org sign=s1:%s\n", keypath);
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
	config_unref(cf);
	unlink(logpath);
	unlink(write_file("domains", ""));
	unlink(write_file("authmilter.conf", ""));
	snprintf(logpath, sizeof(logpath), "%s/key.pem", tmpdir);
	unlink(logpath);
	rmdir(tmpdir);
	return tap_done();
}
