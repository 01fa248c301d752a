/*
 * NAME
 *	nullmilter - a libmilter milter that answers every event and does
 *	nothing: the floor of the benchmark
 * SYNOPSIS
 *	nullmilter -p SOCKET
 * DESCRIPTION
 *	Registers every callback, answers each one "continue" and the end
 *	of message "accept", and negotiates no no-reply flags and no
 *	skipped events: what libmilter and the milter protocol cost
 *	before a milter does any work.  t/bench/run.sh measures it beside
 *	authmilter, OpenDKIM and OpenDMARC.  Runs in the foreground until
 *	SIGTERM or SIGINT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

/* null_connect - a client connected */
static sfsistat
null_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx;
	(void)host;
	(void)sa;
	return SMFIS_CONTINUE;
}

/* null_helo - HELO */
static sfsistat
null_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx;
	(void)helo;
	return SMFIS_CONTINUE;
}

/* null_argv - MAIL FROM or RCPT TO */
static sfsistat
null_argv(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

/* null_header - one header */
static sfsistat
null_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return SMFIS_CONTINUE;
}

/* null_event - end of headers, abort, close */
static sfsistat
null_event(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

/* null_body - a body chunk */
static sfsistat
null_body(SMFICTX *ctx, unsigned char *p, size_t len)
{
	(void)ctx;
	(void)p;
	(void)len;
	return SMFIS_CONTINUE;
}

/* null_eom - end of message: accept */
static sfsistat
null_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

static struct smfiDesc null_desc = {
	.xxfi_name = "nullmilter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_connect = null_connect,
	.xxfi_helo = null_helo,
	.xxfi_envfrom = null_argv,
	.xxfi_envrcpt = null_argv,
	.xxfi_header = null_header,
	.xxfi_eoh = null_event,
	.xxfi_body = null_body,
	.xxfi_eom = null_eom,
	.xxfi_abort = null_event,
	.xxfi_close = null_event,
	.xxfi_data = null_event,
};

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "p:")) != -1) {
		if (opt != 'p') {
			fprintf(stderr, "usage: nullmilter -p SOCKET\n");
			return 64;
		}
		sock = optarg;
	}
	if (sock == NULL) {
		fprintf(stderr, "usage: nullmilter -p SOCKET\n");
		return 64;
	}
	if (smfi_setconn((char *)sock) != MI_SUCCESS ||
	    smfi_register(null_desc) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot listen on %s\n", sock);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
