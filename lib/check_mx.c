/*
 * check_mx.c - every MX host over SMTP: greeting, EHLO, STARTTLS, the
 * TLS handshake, and what the certificate says
 *
 * The socket is non-blocking and every wait is a poll() bounded by one
 * deadline per host (opts->timeout seconds from the first connect), so
 * a silent or slow server costs that much and no more.  Replies are read
 * one byte at a time, so that nothing the server sends after its reply
 * to STARTTLS is taken for TLS, and every line is capped.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "util.h"
#include "check.h"
#include "check_tls.h"
#include "check_tls_int.h"

#define CHECK_SMTP_LINE_MAX	512	/* RFC 5321 4.5.3.1.5: reply line */
#define CHECK_SMTP_LINES_MAX	100	/* lines in one multiline reply */
#define CHECK_TLS_RSA_CRIT_BITS	1024	/* RSA/DSA under it: CRITICAL */
#define CHECK_TLS_RSA_WARN_BITS	2048	/* RSA/DSA under it: WARNING */
#define CHECK_EHLO_NAME		"authmilter-check.invalid"

struct probe {
	int		 fd;
	struct timespec	 deadline;
	struct strbuf	 err;		/* why the conversation stopped */
	int		 timed_out;
};

/* ms_left - milliseconds until the deadline, 0 when it is past */
static int
ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
}

/* wait_fd - poll fd for events until the deadline; 0 ready, -1 timeout */
static int
wait_fd(struct probe *p, short events, const char *what)
{
	struct pollfd pfd;
	int rc;

	pfd.fd = p->fd;
	pfd.events = events;
	for (;;) {
		rc = poll(&pfd, 1, ms_left(&p->deadline));
		if (rc > 0)
			return 0;
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0) {
			p->timed_out = 1;
			sb_printf(&p->err, "no answer to %s in time", what);
		} else
			sb_printf(&p->err, "poll: %s", strerror(errno));
		return -1;
	}
}

/* probe_connect - connect to one address; 0 or -1 (p->err says why) */
static int
probe_connect(struct probe *p, const struct dns_rr *a, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int err = 0;

	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->addr, 16);
		len = sizeof(*sin6);
	}
	p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		sb_printf(&p->err, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(p->fd, (struct sockaddr *)&ss, len) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		sb_printf(&p->err, "connect: %s", strerror(errno));
		return -1;
	}
	if (wait_fd(p, POLLOUT, "the connection") < 0)
		return -1;
	len = sizeof(err);
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		sb_printf(&p->err, "connect: %s", strerror(err));
		return -1;
	}
	return 0;
}

/* smtp_send - write one command line */
static int
smtp_send(struct probe *p, const char *line)
{
	size_t off = 0, len = strlen(line);
	ssize_t n;

	while (off < len) {
		n = send(p->fd, line + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(p, POLLOUT, "our command") < 0)
				return -1;
			continue;
		}
		sb_printf(&p->err, "send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * smtp_reply - read one reply (all its lines) into text, one line after
 * another separated by '\n'; returns its code, or -1 (p->err says why)
 */
static int
smtp_reply(struct probe *p, struct strbuf *text, const char *what)
{
	char line[CHECK_SMTP_LINE_MAX + 1], c;
	size_t len = 0, lines = 0;
	ssize_t n;
	int code;

	sb_truncate(text, 0);
	for (;;) {
		n = recv(p->fd, &c, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(p, POLLIN, what) < 0)
				return -1;
			continue;
		}
		if (n <= 0) {
			sb_printf(&p->err, "the server closed the connection "
			    "instead of answering %s", what);
			return -1;
		}
		if (c != '\n') {
			if (len == CHECK_SMTP_LINE_MAX) {
				sb_printf(&p->err, "a reply line to %s is "
				    "longer than %d bytes", what,
				    CHECK_SMTP_LINE_MAX);
				return -1;
			}
			line[len++] = c;
			continue;
		}
		if (len > 0 && line[len - 1] == '\r')
			len--;
		line[len] = '\0';
		if (len < 3 || !ascii_isdigit(line[0]) ||
		    !ascii_isdigit(line[1]) || !ascii_isdigit(line[2]) ||
		    (len > 3 && line[3] != ' ' && line[3] != '-')) {
			sb_puts(&p->err, "not an SMTP reply: ");
			check_put_shown(&p->err, line, len);
			return -1;
		}
		if (text->len > 0)
			sb_putc(text, '\n');
		sb_append(text, line, len);
		if (len == 3 || line[3] == ' ')
			break;
		if (++lines == CHECK_SMTP_LINES_MAX) {
			sb_printf(&p->err, "the reply to %s has more than %d "
			    "lines", what, CHECK_SMTP_LINES_MAX);
			return -1;
		}
		len = 0;
	}
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0';
	return code;
}

/* ehlo_has - whether an EHLO reply lists keyword */
static int
ehlo_has(const char *text, const char *keyword)
{
	size_t klen = strlen(keyword);
	const char *line;

	for (line = text; line != NULL; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strlen(line) >= 4 + klen &&
		    strncasecmp(line + 4, keyword, klen) == 0 &&
		    (line[4 + klen] == '\0' || line[4 + klen] == '\n' ||
		    line[4 + klen] == ' '))
			return 1;
	}
	return 0;
}

/* tls_handshake - SSL_connect until done or the deadline */
static int
tls_handshake(struct probe *p, SSL *ssl)
{
	unsigned long e;
	int rc, err;

	for (;;) {
		ERR_clear_error();
		rc = SSL_connect(ssl);
		if (rc == 1)
			return 0;
		err = SSL_get_error(ssl, rc);
		if (err == SSL_ERROR_WANT_READ) {
			if (wait_fd(p, POLLIN, "the TLS handshake") < 0)
				return -1;
			continue;
		}
		if (err == SSL_ERROR_WANT_WRITE) {
			if (wait_fd(p, POLLOUT, "the TLS handshake") < 0)
				return -1;
			continue;
		}
		sb_puts(&p->err, "TLS handshake failed");
		if ((e = ERR_peek_error()) != 0)
			sb_printf(&p->err, ": %s",
			    ERR_reason_error_string(e) != NULL ?
			    ERR_reason_error_string(e) : "unknown error");
		else if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN)
			sb_puts(&p->err, ": the server closed the connection");
		return -1;
	}
}

/* key_type - the name of a public key's algorithm */
static const char *
key_type(const EVP_PKEY *key)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		return "RSA";
	case EVP_PKEY_EC:
		return "EC";
	case EVP_PKEY_DSA:
		return "DSA";
	case EVP_PKEY_ED25519:
		return "Ed25519";
	case EVP_PKEY_ED448:
		return "Ed448";
	default:
		return "other";
	}
}

/* report_cert - what the peer's certificate says, into mx["cert"] */
static void
report_cert(json_t *mx, SSL *ssl, const char *host,
    const struct check_tls_opts *opts)
{
	json_t *cert = json_object();
	X509 *x;
	EVP_PKEY *key;
	long vr;
	int days = 0, secs = 0, bits;
	const char *type;
	char buf[64];
	BIO *bio;

	json_object_set_new(mx, "cert", cert);
	if ((x = SSL_get1_peer_certificate(ssl)) == NULL) {
		json_object_set_new(cert, "verified", json_false());
		check_finding(mx, CHECK_CRITICAL, NULL,
		    "%s: the server sent no certificate", host);
		return;
	}
	vr = SSL_get_verify_result(ssl);
	json_object_set_new(cert, "verified", json_boolean(vr == X509_V_OK));
	if (vr != X509_V_OK) {
		json_object_set_new(cert, "verify_error",
		    json_string(X509_verify_cert_error_string(vr)));
		check_finding(mx, CHECK_WARNING,
		    "install a certificate chain from a CA that senders trust",
		    "%s: the certificate chain does not verify: %s", host,
		    X509_verify_cert_error_string(vr));
	}
	if (X509_check_host(x, host, 0, 0, NULL) == 1)
		json_object_set_new(cert, "name_match", json_true());
	else {
		json_object_set_new(cert, "name_match", json_false());
		check_finding(mx, CHECK_WARNING,
		    "add the MX name to the certificate's subjectAltName",
		    "%s: the certificate is not valid for the name %s", host,
		    host);
	}
	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x))) {
		if (days == 0 && secs < 0)
			days = -1;	/* expired less than a day ago */
		json_object_set_new(cert, "days_left", json_integer(days));
		if ((bio = BIO_new(BIO_s_mem())) != NULL) {
			int n;

			ASN1_TIME_print(bio, X509_get0_notAfter(x));
			n = BIO_read(bio, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
			json_object_set_new(cert, "not_after",
			    json_string(buf));
			BIO_free(bio);
		}
		if (days < 0)
			check_finding(mx, CHECK_CRITICAL, "renew the "
			    "certificate", "%s: the certificate expired %d "
			    "day(s) ago", host, -days);
		else if (days < opts->crit_days)
			check_finding(mx, CHECK_CRITICAL, "renew the "
			    "certificate", "%s: the certificate expires in %d "
			    "day(s) (under %d)", host, days, opts->crit_days);
		else if (days < opts->warn_days)
			check_finding(mx, CHECK_WARNING, "renew the "
			    "certificate", "%s: the certificate expires in %d "
			    "day(s) (under %d)", host, days, opts->warn_days);
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
		check_finding(mx, CHECK_CRITICAL, NULL,
		    "%s: the certificate is not valid yet", host);
	if ((key = X509_get0_pubkey(x)) != NULL) {
		type = key_type(key);
		bits = EVP_PKEY_get_bits(key);
		json_object_set_new(cert, "key_type", json_string(type));
		json_object_set_new(cert, "key_bits", json_integer(bits));
		if ((strcmp(type, "RSA") == 0 || strcmp(type, "DSA") == 0) &&
		    bits < CHECK_TLS_RSA_WARN_BITS)
			check_finding(mx, bits < CHECK_TLS_RSA_CRIT_BITS ?
			    CHECK_CRITICAL : CHECK_WARNING,
			    "use a key of 2048 bits or more",
			    "%s: the certificate's %s key has %d bits (under "
			    "%d)", host, type, bits,
			    bits < CHECK_TLS_RSA_CRIT_BITS ?
			    CHECK_TLS_RSA_CRIT_BITS : CHECK_TLS_RSA_WARN_BITS);
	}
	if (json_integer_value(json_object_get(cert, "days_left")) >=
	    opts->warn_days && vr == X509_V_OK &&
	    json_is_true(json_object_get(cert, "name_match")))
		check_finding(mx, CHECK_OK, NULL, "%s: a valid certificate "
		    "for %s, %d days left", host, host, days);
	X509_free(x);
}

/* client_ctx - the TLS client context every MX probe uses; NULL on error */
static SSL_CTX *
client_ctx(const struct check_tls_opts *opts, struct strbuf *err)
{
	SSL_CTX *ctx;
	int rc;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		sb_puts(err, "cannot make a TLS context");
		return NULL;
	}
	/*
	 * We inspect, we do not send mail: take whatever the server offers
	 * (old versions, small keys) so that it can be reported, and verify
	 * the chain without failing the handshake (the result is read with
	 * SSL_get_verify_result()).
	 */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (opts->ca_file != NULL)
		rc = SSL_CTX_load_verify_locations(ctx, opts->ca_file, NULL);
	else
		rc = SSL_CTX_set_default_verify_paths(ctx);
	if (rc != 1) {
		sb_printf(err, "cannot load the CA certificates from %s",
		    opts->ca_file != NULL ? opts->ca_file :
		    "the system store");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * converse - one SMTP conversation with one address of host, up to the
 * end of the TLS handshake; fills mx.  Returns 0 when the server talked
 * (whatever it said), -1 when it could not be reached (try the next).
 */
static int
converse(json_t *mx, struct probe *p, const struct dns_rr *addr,
    const char *host, SSL_CTX *ctx, const struct check_tls_opts *opts)
{
	struct strbuf reply;
	char astr[INET6_ADDRSTRLEN];
	int code, rc = 0;
	SSL *ssl;

	inet_ntop(addr->family, addr->addr, astr, sizeof(astr));
	json_object_set_new(mx, "address", json_string(astr));
	if (probe_connect(p, addr, opts->smtp_port) < 0)
		return -1;
	sb_init(&reply);
	if ((code = smtp_reply(p, &reply, "the connection")) < 0)
		goto fail;
	if (code != 220) {
		sb_puts(&p->err, "the greeting is not 220: ");
		check_put_shown(&p->err, reply.s, reply.len);
		goto fail;
	}
	if (smtp_send(p, "EHLO " CHECK_EHLO_NAME "\r\n") < 0 ||
	    (code = smtp_reply(p, &reply, "EHLO")) < 0)
		goto fail;
	if (code != 250) {
		sb_puts(&p->err, "EHLO refused: ");
		check_put_shown(&p->err, reply.s, reply.len);
		goto fail;
	}
	if (!ehlo_has(reply.s, "STARTTLS")) {
		json_object_set_new(mx, "starttls", json_false());
		check_finding(mx, CHECK_CRITICAL, "turn STARTTLS on (Postfix: "
		    "smtpd_tls_security_level = may, with a certificate)",
		    "%s does not offer STARTTLS: mail to it travels in "
		    "plaintext", host);
		(void)smtp_send(p, "QUIT\r\n");
		goto done;
	}
	json_object_set_new(mx, "starttls", json_true());
	if (smtp_send(p, "STARTTLS\r\n") < 0 ||
	    (code = smtp_reply(p, &reply, "STARTTLS")) < 0)
		goto fail;
	if (code != 220) {
		sb_puts(&p->err, "STARTTLS refused: ");
		check_put_shown(&p->err, reply.s, reply.len);
		goto fail;
	}
	if ((ssl = SSL_new(ctx)) == NULL) {
		sb_puts(&p->err, "cannot make a TLS connection");
		goto fail;
	}
	SSL_set_fd(ssl, p->fd);
	SSL_set_tlsext_host_name(ssl, host);
	if (tls_handshake(p, ssl) < 0) {
		SSL_free(ssl);
		goto fail;
	}
	json_object_set_new(mx, "tls_version", json_string(SSL_get_version(ssl)));
	json_object_set_new(mx, "cipher",
	    json_string(SSL_get_cipher_name(ssl)));
	if (SSL_version(ssl) < TLS1_2_VERSION)
		check_finding(mx, CHECK_WARNING, "offer TLS 1.2 or 1.3",
		    "%s: TLS version %s is obsolete (RFC 8996)", host,
		    SSL_get_version(ssl));
	report_cert(mx, ssl, host, opts);
	/* say goodbye, best effort: nothing waits for the answer */
	(void)SSL_write(ssl, "QUIT\r\n", 6);
	(void)SSL_shutdown(ssl);
	SSL_free(ssl);
	goto done;
fail:
	if (json_object_get(mx, "starttls") == NULL)
		json_object_set_new(mx, "starttls", json_null());
	check_finding(mx, CHECK_CRITICAL, NULL, "%s [%s]: %s", host, astr,
	    p->err.s);
done:
	sb_free(&reply);
	return rc;
}

/* probe_host - try host's addresses in turn until one talks */
static void
probe_host(json_t *mx, struct dns_client *dc, const char *host,
    SSL_CTX *ctx, const struct check_tls_opts *opts)
{
	struct dns_rr addrs[CHECK_MX_ADDRS_MAX];
	struct probe p;
	size_t i, n;

	n = check_addrs(dc, host, addrs, CHECK_MX_ADDRS_MAX);
	if (n == 0) {
		json_object_set_new(mx, "starttls", json_null());
		check_finding(mx, CHECK_CRITICAL, "publish an A or AAAA "
		    "record for the MX host", "%s has no address", host);
		return;
	}
	sb_init(&p.err);
	clock_gettime(CLOCK_MONOTONIC, &p.deadline);
	p.deadline.tv_sec += opts->timeout;
	p.timed_out = 0;
	for (i = 0; i < n; i++) {
		p.fd = -1;
		sb_truncate(&p.err, 0);
		if (converse(mx, &p, &addrs[i], host, ctx, opts) == 0) {
			close(p.fd);
			sb_free(&p.err);
			return;
		}
		if (p.fd >= 0)
			close(p.fd);
		if (ms_left(&p.deadline) == 0)
			break;
	}
	json_object_set_new(mx, "starttls", json_null());
	check_finding(mx, p.timed_out ? CHECK_UNKNOWN : CHECK_CRITICAL,
	    p.timed_out ? "check that port 25 is open, and that this "
	    "network may reach it" : "check that the server runs and "
	    "listens on port 25", "%s [%s]: %s", host,
	    json_string_value(json_object_get(mx, "address")), p.err.s);
	sb_free(&p.err);
}

/* check_mx - probe every MX host of domain; fills report["mx"] */
void
check_mx(json_t *report, struct dns_client *dc, const char *domain,
    const struct check_tls_opts *opts)
{
	struct check_mx_host *hosts;
	struct strbuf err;
	json_t *list = json_array(), *mx;
	SSL_CTX *ctx;
	ssize_t n, i;

	json_object_set_new(report, "mx", list);
	if ((n = check_mx_set(dc, domain, &hosts, CHECK_MX_HOSTS_MAX,
	    report)) <= 0)
		return;
	sb_init(&err);
	if ((ctx = client_ctx(opts, &err)) == NULL) {
		check_finding(report, CHECK_UNKNOWN, NULL, "MX: %s", err.s);
		sb_free(&err);
		check_mx_set_free(hosts, (size_t)n);
		return;
	}
	sb_free(&err);
	for (i = 0; i < n; i++) {
		mx = json_object();
		json_object_set_new(mx, "host", json_string(hosts[i].name));
		json_object_set_new(mx, "pref", json_integer(hosts[i].pref));
		json_array_append_new(list, mx);
		probe_host(mx, dc, hosts[i].name, ctx, opts);
		if (json_object_get(mx, "findings") == NULL)
			json_object_set_new(mx, "findings", json_array());
	}
	SSL_CTX_free(ctx);
	check_mx_set_free(hosts, (size_t)n);
}
