/*
 * NAME
 *	milterload - replay a mail corpus against milters as Postfix 3.7 does
 * SYNOPSIS
 *	milterload -s SOCKET [-s SOCKET ...] -d CORPUSDIR [-c CONNS] [-n COUNT]
 *	    [-T SECONDS] [-m MSGS_PER_CONN] [-w WARMUP] [-t TIMEOUT]
 *	    [-P PID[,PID...]] [-L LATFILE] [-N] [-q] [-v]
 *	milterload -S SOCKET
 * DESCRIPTION
 *	milterload plays the MTA: it speaks milter protocol version 6 to one
 *	milter, or to a chain of them (several -s, in order), over CONNS
 *	connections at once, each in a thread of its own, and reports
 *	throughput, latency and verdicts.  It behaves as Postfix 3.7 does
 *	(milter8.c, milter.c, smtpd.c, cleanup_milter.c):
 *
 *	- SMFIC_OPTNEG offers version 6, all actions (0x1ff) and all
 *	  protocol steps (0x1fffff, MILTER8_V6_PROTO_MASK, which includes
 *	  SMFIP_HDR_LEADSPC).  A reply with a higher version or unoffered
 *	  actions is an error; with a version below 4 no DATA is sent.
 *	- Every event is preceded by SMFIC_MACRO with the milter's own list
 *	  for that stage (from its OPTNEG reply) or else Postfix's default
 *	  list (milter_*_macros of postconf -d), also when the milter asked
 *	  not to get the event; only macros with a value are sent.  The
 *	  end-of-header list goes before each header and SMFIC_EOH, the
 *	  end-of-data list before each body chunk and SMFIC_BODYEOB.
 *	- Steps the milter declines (SMFIP_NO*) are not sent, replies it
 *	  declines (SMFIP_NR_*) are not awaited; output is buffered and sent
 *	  when a reply is due, so that such steps go out pipelined.
 *	- CONNECT, HELO, MAIL, RCPT and DATA go to milter 1, then milter 2,
 *	  and so on; a verdict stops the chain.  Accept at CONNECT or HELO
 *	  ends that milter's connection; at a later step it ends its part in
 *	  the message.  A rejected recipient is dropped; the message is
 *	  rejected when none is left.  Discard at CONNECT or HELO is ignored.
 *	- The content (headers, end of headers, body, end of message) goes
 *	  to each milter in turn, through its final reply, and the next one
 *	  sees the header list with the earlier milters' edits applied.  A
 *	  header value is sent without the one space after the colon unless
 *	  SMFIP_HDR_LEADSPC was agreed (a tab stays), folded lines joined
 *	  by "\n"; edits store the value behind ": " likewise.  The list
 *	  starts with the Received: header Postfix adds, which no milter is
 *	  shown.  Change index k is the k-th header of that name, Received:
 *	  not counted (0 means 1; delete when the value is empty; append
 *	  when there is none); insert index k goes before header k + 1 of
 *	  the whole list, Received: counted (so 0 is above it; beyond the
 *	  end: appended).  These rules were checked against Postfix 3.7.11.
 *	  The body goes with CRLF line ends in chunks of at most 65535
 *	  bytes; SMFIR_SKIP stops the chunks.  Body replacement and envelope
 *	  edits are counted, not applied.  SMFIR_QUARANTINE ends the chain
 *	  after that milter (Postfix holds the message; later milters get
 *	  no content); the verdict is still that milter's final reply.
 *	- After each transaction SMFIC_ABORT is sent, as smtpd's mail_reset
 *	  does, and at the end of a connection SMFIC_ABORT and SMFIC_QUIT.
 *	  With -m > 1 the next message starts again at MAIL; the connection
 *	  level data (client, helo, hostname, daemon) of all its messages is
 *	  that of its first message.
 *
 *	Each file CORPUSDIR/ *.eml is read into memory at start; they are
 *	used in name order, message i of a run taking file i modulo their
 *	number.  The first line of a file is
 *
 *	    #envelope client=IP helo=NAME mailfrom=ADDR rcpt=ADDR[,ADDR...]
 *		[auth=USER] [daemon=NAME] [hostname=PTRNAME]
 *
 *	(mailfrom= empty for the null sender); the rest is the message, with
 *	LF or CRLF line ends.  Macro values: j=bench.test, v=Postfix 3.7.11,
 *	{daemon_name}=daemon= or smtpd, {daemon_addr}=127.0.0.1 (::1 for an
 *	IPv6 client), _="PTRNAME [IP]" ("unknown" without hostname=),
 *	{client_addr}, {client_name}, {client_ptr}, {client_port}, i=a queue
 *	id once a recipient is accepted (as with Postfix's default
 *	smtpd_delay_open_until_valid_rcpt: not at MAIL nor the first RCPT),
 *	{auth_type}=PLAIN and {auth_authen} with auth=,
 *	{mail_addr}, {mail_host}, {mail_mailer}=smtp, {rcpt_addr},
 *	{rcpt_host}, {rcpt_mailer}=smtp.  The CONNECT host name is
 *	hostname= or "[IP]".
 *
 *	-s SOCKET	a milter: unix:/path, local:/path, inet:PORT@ADDR,
 *			inet6:PORT@ADDR, inet:ADDR:PORT or inet:PORT (ADDR
 *			an IPv4 or IPv6 literal, or localhost)
 *	-d CORPUSDIR	the messages
 *	-c CONNS	concurrent connections (default 4)
 *	-n COUNT	measured messages (default 1000)
 *	-T SECONDS	start no message after that much of the measured run
 *	-m MSGS		messages per connection (default 1)
 *	-w WARMUP	messages to run first, not measured (default 0); all
 *			connections are closed before the measured run
 *	-t TIMEOUT	seconds to wait for each reply, connect and write
 *			(default 30): a milter that takes longer fails that
 *			message, its connection is closed, the run goes on
 *	-P PID,...	milter processes to measure: CPU time (utime + stime
 *			of /proc/PID/stat) over the measured run, VmRSS
 *			sampled every 20 ms, VmHWM at the end
 *	-L LATFILE	write each measured latency, in microseconds
 *	-N		set TCP_NODELAY on inet milter sockets (Postfix does
 *			not; off by default)
 *	-q		print nothing but the final report
 *	-v		print each message's verdict and edits on stderr:
 *			"msg SEQ FILE verdict V [reply TEXT]", "msg SEQ FILE
 *			edit MILTER KIND ..." (header values whole, up to
 *			16 KB, control bytes escaped), "msg SEQ FILE error"
 *
 *	The latency of a message runs from its first packet (the connect
 *	and OPTNEG for the first message of a connection, MAIL otherwise)
 *	to its verdict, over all milters.  A message that gets no verdict
 *	(connection refused or lost, timeout, protocol error) is an error;
 *	its connections are closed and the next message opens new ones.
 *
 *	-S SOCKET is server mode: a trivial accept-all milter that answers
 *	OPTNEG with version 6, no actions and no protocol flags, SMFIR_ACCEPT
 *	to end of message and SMFIR_CONTINUE to any other event, and runs
 *	until SIGTERM or SIGINT.  It shows how much the generator can push.
 * OUTPUT
 *	A summary for people, then the line "# milterload report" and these
 *	key=value lines: messages, errors, seconds, msgs_per_sec,
 *	lat_p50_ms, lat_p90_ms, lat_p99_ms, lat_max_ms, verdict_accept,
 *	verdict_reject, verdict_tempfail, verdict_discard, verdict_continue
 *	(final reply continue, counted apart from accept; in a chain, when
 *	any milter ended so), edit_addheader, edit_insheader, edit_chgheader
 *	(deletions too), edit_quarantine, edit_other (envelope, body,
 *	shutdown, connection failure and symbol list requests), with -P
 *	milter_cpu_s, milter_cpu_ms_per_1000, milter_peak_rss_kb and
 *	milter_hwm_kb (sums over the PIDs), and load_cpu_s, the CPU time of
 *	milterload itself.  Verdicts 'y' count as reject or tempfail by the
 *	first digit, SMFIR_SHUTDOWN and SMFIR_CONN_FAIL as tempfail.
 *	Latency percentiles are nearest-rank over the messages with a
 *	verdict; LATFILE lists them per connection thread.
 * EXIT STATUS
 *	0 when the run completed, errors or not; 1 for bad usage, a bad
 *	corpus or another fatal error; 2 when every message failed.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROG		"milterload"

/* milter protocol, as in libmilter's mfdef.h */
#define SMFI_PROT_VERSION	6
#define SMFIC_ABORT		'A'
#define SMFIC_BODY		'B'
#define SMFIC_CONNECT		'C'
#define SMFIC_MACRO		'D'
#define SMFIC_BODYEOB		'E'
#define SMFIC_HELO		'H'
#define SMFIC_QUIT_NC		'K'
#define SMFIC_HEADER		'L'
#define SMFIC_MAIL		'M'
#define SMFIC_EOH		'N'
#define SMFIC_OPTNEG		'O'
#define SMFIC_QUIT		'Q'
#define SMFIC_RCPT		'R'
#define SMFIC_DATA		'T'

#define SMFIR_ADDRCPT		'+'
#define SMFIR_DELRCPT		'-'
#define SMFIR_ADDRCPT_PAR	'2'
#define SMFIR_SHUTDOWN		'4'
#define SMFIR_ACCEPT		'a'
#define SMFIR_REPLBODY		'b'
#define SMFIR_CONTINUE		'c'
#define SMFIR_DISCARD		'd'
#define SMFIR_CHGFROM		'e'
#define SMFIR_CONN_FAIL		'f'
#define SMFIR_ADDHEADER		'h'
#define SMFIR_INSHEADER		'i'
#define SMFIR_SETSYMLIST	'l'
#define SMFIR_CHGHEADER		'm'
#define SMFIR_PROGRESS		'p'
#define SMFIR_QUARANTINE	'q'
#define SMFIR_REJECT		'r'
#define SMFIR_SKIP		's'
#define SMFIR_TEMPFAIL		't'
#define SMFIR_REPLYCODE		'y'

#define SMFIP_NOCONNECT		0x00000001U
#define SMFIP_NOHELO		0x00000002U
#define SMFIP_NOMAIL		0x00000004U
#define SMFIP_NORCPT		0x00000008U
#define SMFIP_NOBODY		0x00000010U
#define SMFIP_NOHDRS		0x00000020U
#define SMFIP_NOEOH		0x00000040U
#define SMFIP_NR_HDR		0x00000080U
#define SMFIP_NOUNKNOWN		0x00000100U
#define SMFIP_NODATA		0x00000200U
#define SMFIP_NR_CONN		0x00001000U
#define SMFIP_NR_HELO		0x00002000U
#define SMFIP_NR_MAIL		0x00004000U
#define SMFIP_NR_RCPT		0x00008000U
#define SMFIP_NR_DATA		0x00010000U
#define SMFIP_NR_EOH		0x00040000U
#define SMFIP_NR_BODY		0x00080000U
#define SMFIP_HDR_LEADSPC	0x00100000U

/* what Postfix 3.7 offers with milter_protocol = 6 */
#define OFFER_ACTIONS		0x000001ffU
#define OFFER_PROTO		0x001fffffU

/* macro stages */
#define SMFIM_CONNECT		0
#define SMFIM_HELO		1
#define SMFIM_ENVFROM		2
#define SMFIM_ENVRCPT		3
#define SMFIM_DATA		4
#define SMFIM_EOM		5
#define SMFIM_EOH		6
#define NSTAGES			7

#define CHUNK_SIZE		65535
#define MAX_PACKET		(64UL * 1024 * 1024)
#define MAX_MILTERS		16
#define MAX_LIST		32
#define FLUSH_AT		65536
#define DIAG_MAX		20
#define SAMPLE_NS		20000000ULL
#define TEXT_MAX		200
#define EDIT_TEXT_MAX		16384	/* -v shows header values whole */

/* what a milter said about one event */
enum reply {
	R_CONTINUE, R_ACCEPT, R_REJECT, R_TEMPFAIL, R_DISCARD, R_SHUTDOWN,
	R_ERROR
};

/* a message's outcome; V_NONE: not decided yet, V_ERROR: no verdict */
#define V_ACCEPT	0
#define V_REJECT	1
#define V_TEMPFAIL	2
#define V_DISCARD	3
#define V_CONTINUE	4
#define NVERDICTS	5
#define V_NONE		(-1)
#define V_ERROR		(-2)

static const char *const verdict_name[NVERDICTS] = {
	"accept", "reject", "tempfail", "discard", "continue"
};

#define E_ADDHEADER	0
#define E_INSHEADER	1
#define E_CHGHEADER	2
#define E_QUARANTINE	3
#define E_OTHER		4
#define NEDITS		5

static const char *const edit_name[NEDITS] = {
	"addheader", "insheader", "chgheader", "quarantine", "other"
};

/* a milter connection's state, as milter8.c keeps it */
#define M_CLOSED	0
#define M_ENVELOPE	1	/* wants events */
#define M_ACCEPT_MSG	2	/* done with this message */
#define M_ACCEPT_CON	3	/* done with this connection, closed */
#define M_REJECT_CON	4	/* refused this connection, closed */

/* the macros we know, by the names Postfix knows them */
enum macro {
	MAC_J, MAC_UNDERSCORE, MAC_V, MAC_I, MAC_DAEMON_NAME,
	MAC_DAEMON_ADDR, MAC_DAEMON_PORT, MAC_CLIENT_ADDR, MAC_CLIENT_NAME,
	MAC_CLIENT_PTR, MAC_CLIENT_PORT, MAC_AUTH_TYPE, MAC_AUTH_AUTHEN,
	MAC_AUTH_AUTHOR, MAC_MAIL_ADDR, MAC_MAIL_HOST, MAC_MAIL_MAILER,
	MAC_RCPT_ADDR, MAC_RCPT_HOST, MAC_RCPT_MAILER, MAC_TLS_VERSION,
	MAC_CIPHER, MAC_CIPHER_BITS, MAC_CERT_SUBJECT, MAC_CERT_ISSUER,
	NMACROS
};

static const char *const macro_name[NMACROS] = {
	"j", "_", "v", "i", "{daemon_name}",
	"{daemon_addr}", "{daemon_port}", "{client_addr}", "{client_name}",
	"{client_ptr}", "{client_port}", "{auth_type}", "{auth_authen}",
	"{auth_author}", "{mail_addr}", "{mail_host}", "{mail_mailer}",
	"{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}", "{tls_version}",
	"{cipher}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}"
};

/* Postfix 3.7's milter_*_macros, by stage */
static const char *const default_macros[NSTAGES] = {
	"j {daemon_name} {daemon_addr} v _",
	"{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}",
	"i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} "
	    "{mail_mailer}",
	"i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
	"i",
	"i",
	"i"
};

struct endpoint {
	const char		*spec;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 inet;
};

struct hdr {
	char	*name;
	char	*value;		/* all after the colon, folds joined by \n */
};

struct msgfile {
	char		*name;
	char		*client;
	int		 family;
	char		*helo;
	char		*hostname;	/* NULL without hostname= */
	char		*daemon;
	char		*auth;
	char		*from;		/* "" for the null sender */
	char		*from_arg;	/* "<from>" */
	char		*from_host;	/* NULL without '@' */
	char		*connect_name;	/* hostname or "[client]" */
	char		*underscore;	/* "hostname [client]" */
	char	       **rcpt;
	char	       **rcpt_arg;	/* "<rcpt>" */
	size_t		 nrcpt;
	struct hdr	*hdrs;
	size_t		 nhdrs;
	char		*body;		/* CRLF line ends */
	size_t		 bodylen;
};

struct maclist {
	int		 given;
	unsigned	 n;
	unsigned char	 id[MAX_LIST];
};

struct obuf {
	unsigned char	*p;
	size_t		 len;
	size_t		 cap;
};

struct ibuf {
	unsigned char	*p;
	size_t		 start;
	size_t		 end;
	size_t		 cap;
};

struct mconn {
	const struct endpoint	*ep;
	int			 idx;
	int			 fd;
	int			 state;
	uint32_t		 version;
	uint32_t		 actions;
	uint32_t		 pflags;
	uint32_t		 np;		/* steps its version lacks */
	int			 skip_cmd;	/* after SMFIR_SKIP */
	struct maclist		 list[NSTAGES];
	struct obuf		 out;
	struct ibuf		 in;
};

struct hent {
	char	*name;
	char	*value;
	int	 own_name;
	int	 own_value;
	int	 hidden;	/* Postfix's Received: */
};

struct hlist {
	struct hent	*v;
	size_t		 n;
	size_t		 cap;
};

struct stats {
	uint64_t	messages;
	uint64_t	errors;
	uint64_t	verdict[NVERDICTS];
	uint64_t	edit[NEDITS];
};

struct worker {
	int			 id;
	pthread_t		 thread;
	struct mconn		 m[MAX_MILTERS];
	int			 open;
	int			 doomed;	/* close after this message */
	int			 helo_done;
	int			 sender_ok;
	int			 in_mail;
	int			 have_qid;	/* macro i defined */
	int			 held;		/* quarantined */
	unsigned		 sess_msgs;
	uint32_t		 msgcount;
	uint32_t		 sesscount;
	const struct msgfile	*sess;		/* the connection's first */
	const struct msgfile	*file;		/* the message in hand */
	const char		*rcpt;
	uint64_t		 seq;
	int			 measured;
	char			 qid[24];
	char			 port[16];
	char			 err[256];
	struct hlist		 hl;
	struct obuf		 arg;
	struct obuf		 vlog;
	struct obuf		 reply;
	struct stats		 st;
	uint64_t		*lat;
	size_t			 nlat;
	size_t			 caplat;
	uint64_t		 t_end;
};

struct pidstat {
	pid_t	pid;
	double	cpu0;
	double	cpu1;
	long	peak_rss;
	long	hwm;
};

static struct endpoint	 g_ep[MAX_MILTERS];
static int		 g_nep;
static struct msgfile	*g_files;
static size_t		 g_nfiles;
static unsigned		 g_conns = 4;
static uint64_t		 g_count = 1000;
static uint64_t		 g_warmup;
static double		 g_tlimit;
static unsigned		 g_per_conn = 1;
static double		 g_timeout = 30;
static uint64_t		 g_timeout_ns;
static int		 g_quiet;
static int		 g_verbose;
static int		 g_nodelay;
static struct maclist	 g_defaults[NSTAGES];
static struct pidstat	*g_pids;
static size_t		 g_npids;
static uint64_t		 g_deadline;
static _Atomic uint64_t	 g_next;
static _Atomic uint64_t	 g_warm_next;
static _Atomic uint64_t	 g_done;
static _Atomic int	 g_running;
static _Atomic int	 g_diags;
static char		 g_date[64];
static pthread_barrier_t g_bar_warm;
static pthread_barrier_t g_bar_go;

/* fatal - report a fatal error and exit 1 */
static void __attribute__((noreturn, format(printf, 1, 2)))
fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* diag - a warning on stderr, unless -q, and only the first DIAG_MAX */
static void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;
	char line[512];
	int n;

	if (g_quiet || atomic_load(&g_diags) > DIAG_MAX)
		return;
	n = atomic_fetch_add(&g_diags, 1);
	if (n > DIAG_MAX)
		return;
	if (n == DIAG_MAX) {
		fprintf(stderr, "%s: further warnings suppressed\n", PROG);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", PROG, line);
}

/* xmalloc - malloc or die */
static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

/* xcalloc - calloc or die */
static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

/* xrealloc - realloc or die */
static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		fatal("out of memory");
	return p;
}

/* xstrdup - strdup or die */
static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

/* xasprintf - a formatted string in new memory */
static char * __attribute__((format(printf, 1, 2), nonnull(1)))
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("out of memory");
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* now_ns - CLOCK_MONOTONIC in nanoseconds */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* sleep_ns - sleep that long, or less on a signal */
static void
sleep_ns(uint64_t ns)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ns / 1000000000ULL);
	ts.tv_nsec = (long)(ns % 1000000000ULL);
	nanosleep(&ts, NULL);
}

/* get_be32 - a big-endian 32-bit number */
static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* put_be32 - store a big-endian 32-bit number */
static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* ob_need - room for n more bytes in an output buffer */
static void
ob_need(struct obuf *b, size_t n)
{
	size_t cap;

	if (b->cap - b->len >= n)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2)
			fatal("out of memory");
		cap *= 2;
	}
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

/* ob_put - append bytes */
static void
ob_put(struct obuf *b, const void *d, size_t n)
{
	if (n == 0)
		return;
	ob_need(b, n);
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

/* ob_str - append a string and its NUL */
static void
ob_str(struct obuf *b, const char *s)
{
	ob_put(b, s, strlen(s) + 1);
}

/* ob_byte - append one byte */
static void
ob_byte(struct obuf *b, int c)
{
	ob_need(b, 1);
	b->p[b->len++] = (unsigned char)c;
}

/* ob_u16 - append a big-endian 16-bit number */
static void
ob_u16(struct obuf *b, unsigned v)
{
	ob_byte(b, (int)(v >> 8 & 0xff));
	ob_byte(b, (int)(v & 0xff));
}

/* ob_u32 - append a big-endian 32-bit number */
static void
ob_u32(struct obuf *b, uint32_t v)
{
	ob_need(b, 4);
	put_be32(b->p + b->len, v);
	b->len += 4;
}

/* ob_printf - append formatted text, without a NUL */
static void __attribute__((format(printf, 2, 3), nonnull(2)))
ob_printf(struct obuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	ob_need(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ob_escaped - append at most max bytes of text, control bytes escaped */
static void
ob_escaped(struct obuf *b, const char *s, size_t len, size_t max)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len && i < max; i++) {
		c = (unsigned char)s[i];
		if (c == '\n')
			ob_put(b, "\\n", 2);
		else if (c == '\r')
			ob_put(b, "\\r", 2);
		else if (c == '\t')
			ob_put(b, "\\t", 2);
		else if (c < 0x20 || c == 0x7f)
			ob_printf(b, "\\x%02x", c);
		else
			ob_byte(b, c);
	}
	if (len > max)
		ob_put(b, "...", 3);
}

/* pkt_begin - start a packet: room for its length, then the command */
static size_t
pkt_begin(struct obuf *b, int cmd)
{
	size_t pos = b->len;

	ob_need(b, 5);
	b->len += 4;
	b->p[b->len++] = (unsigned char)cmd;
	return pos;
}

/* pkt_end - fill in the length of the packet begun at pos */
static void
pkt_end(struct obuf *b, size_t pos)
{
	put_be32(b->p + pos, (uint32_t)(b->len - pos - 4));
}

/* maclist_parse - a list of macro names into the ones we know */
static void
maclist_parse(struct maclist *l, const char *s, size_t len)
{
	const char *sep = " ,\t\r\n";
	size_t i, n;
	int k;

	memset(l, 0, sizeof(*l));
	l->given = len > 0;
	i = 0;
	while (i < len) {
		while (i < len && strchr(sep, s[i]) != NULL)
			i++;
		n = 0;
		while (i + n < len && strchr(sep, s[i + n]) == NULL)
			n++;
		if (n == 0)
			break;
		for (k = 0; k < NMACROS; k++)
			if (strlen(macro_name[k]) == n &&
			    memcmp(macro_name[k], s + i, n) == 0)
				break;
		if (k < NMACROS && l->n < MAX_LIST)
			l->id[l->n++] = (unsigned char)k;
		i += n;
	}
}

/* macro_value - a macro's value now, or NULL when it has none */
static const char *
macro_value(const struct worker *w, int id)
{
	const struct msgfile *s = w->sess, *f = w->file;
	const char *at;

	switch (id) {
	case MAC_J:
		return "bench.test";
	case MAC_UNDERSCORE:
		return s->underscore;
	case MAC_V:
		return "Postfix 3.7.11";
	case MAC_I:
		return w->have_qid ? w->qid : NULL;
	case MAC_DAEMON_NAME:
		return s->daemon != NULL ? s->daemon : "smtpd";
	case MAC_DAEMON_ADDR:
		return s->family == AF_INET6 ? "::1" : "127.0.0.1";
	case MAC_DAEMON_PORT:
		return "25";
	case MAC_CLIENT_ADDR:
		return s->client;
	case MAC_CLIENT_NAME:
	case MAC_CLIENT_PTR:
		return s->hostname != NULL ? s->hostname : "unknown";
	case MAC_CLIENT_PORT:
		return w->port;
	case MAC_AUTH_TYPE:
		return f->auth != NULL ? "PLAIN" : NULL;
	case MAC_AUTH_AUTHEN:
		return f->auth;
	case MAC_MAIL_ADDR:
		return w->in_mail ? f->from : NULL;
	case MAC_MAIL_HOST:
		return w->in_mail ? f->from_host : NULL;
	case MAC_MAIL_MAILER:
		return w->in_mail ? "smtp" : NULL;
	case MAC_RCPT_ADDR:
		return w->rcpt;
	case MAC_RCPT_HOST:
		if (w->rcpt == NULL || (at = strrchr(w->rcpt, '@')) == NULL)
			return NULL;
		return at + 1;
	case MAC_RCPT_MAILER:
		return w->rcpt != NULL ? "smtp" : NULL;
	default:
		return NULL;
	}
}

/* vlog_line - start a -v line about the message in hand */
static void
vlog_line(struct worker *w)
{
	ob_printf(&w->vlog, "msg %s%" PRIu64 " %s ", w->measured ? "" : "w",
	    w->seq, w->file->name);
}

/* vlog_flush - write the -v lines of the message in hand */
static void
vlog_flush(struct worker *w)
{
	if (w->vlog.len == 0)
		return;
	flockfile(stderr);
	fwrite(w->vlog.p, 1, w->vlog.len, stderr);
	funlockfile(stderr);
	w->vlog.len = 0;
}

/* count_edit - count one modification request of the measured run */
static void
count_edit(struct worker *w, int kind)
{
	if (w->measured)
		w->st.edit[kind]++;
}

/* mc_fail - note why a milter failed the message in hand */
static int __attribute__((format(printf, 3, 4)))
mc_fail(struct worker *w, const struct mconn *m, const char *fmt, ...)
{
	va_list ap;
	char what[200];

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(w->err, sizeof(w->err), "%s: %s", m->ep->spec, what);
	diag("%s", w->err);
	return -1;
}

/* mc_close - close a milter connection */
static void
mc_close(struct mconn *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	m->out.len = 0;
	m->in.start = m->in.end = 0;
}

/* mc_flush - send what is buffered for a milter */
static int
mc_flush(struct worker *w, struct mconn *m, int event)
{
	uint64_t deadline = now_ns() + g_timeout_ns;
	size_t off = 0;
	ssize_t n;

	while (off < m->out.len) {
		n = send(m->fd, m->out.p + off, m->out.len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			if (off < m->out.len && now_ns() > deadline)
				return mc_fail(w, m, "timeout sending '%c'",
				    event);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return mc_fail(w, m, "timeout sending '%c'", event);
		return mc_fail(w, m, "sending '%c': %s", event,
		    n == 0 ? "nothing sent" : strerror(errno));
	}
	m->out.len = 0;
	return 0;
}

/* mc_fill - have at least need bytes of a milter's reply buffered */
static int
mc_fill(struct worker *w, struct mconn *m, int event, size_t need,
    uint64_t deadline)
{
	struct ibuf *b = &m->in;
	size_t cap;
	ssize_t n;

	while (b->end - b->start < need) {
		if (b->cap - b->start < need) {
			if (b->start > 0) {
				memmove(b->p, b->p + b->start,
				    b->end - b->start);
				b->end -= b->start;
				b->start = 0;
			}
			if (b->cap < need) {
				cap = b->cap ? b->cap : 16384;
				while (cap < need)
					cap *= 2;
				b->p = xrealloc(b->p, cap);
				b->cap = cap;
			}
		}
		n = recv(m->fd, b->p + b->end, b->cap - b->end, 0);
		if (n > 0) {
			b->end += (size_t)n;
			if (b->end - b->start < need && now_ns() > deadline)
				return mc_fail(w, m,
				    "timeout waiting for reply to '%c'", event);
			continue;
		}
		if (n == 0)
			return mc_fail(w, m, "connection closed, reply to "
			    "'%c' expected", event);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return mc_fail(w, m,
			    "timeout waiting for reply to '%c'", event);
		return mc_fail(w, m, "reading reply to '%c': %s", event,
		    strerror(errno));
	}
	return 0;
}

/* mc_read - a milter's next packet: command, data and its length */
static int
mc_read(struct worker *w, struct mconn *m, int event, int *cmd,
    const unsigned char **data, size_t *len)
{
	struct ibuf *b = &m->in;
	uint64_t deadline = now_ns() + g_timeout_ns;
	uint32_t plen;

	if (b->start == b->end)
		b->start = b->end = 0;
	if (mc_fill(w, m, event, 4, deadline) != 0)
		return -1;
	plen = get_be32(b->p + b->start);
	if (plen < 1 || plen > MAX_PACKET)
		return mc_fail(w, m, "bad packet length %" PRIu32
		    " in reply to '%c'", plen, event);
	if (mc_fill(w, m, event, 4 + (size_t)plen, deadline) != 0)
		return -1;
	*cmd = b->p[b->start + 4];
	*data = b->p + b->start + 5;
	*len = (size_t)plen - 1;
	b->start += 4 + (size_t)plen;
	return 0;
}

/* take_str - the NUL-terminated string at the front of packet data */
static int
take_str(const unsigned char **d, size_t *len, const char **s)
{
	const unsigned char *nul = memchr(*d, '\0', *len);

	if (nul == NULL)
		return -1;
	*s = (const char *)*d;
	*len -= (size_t)(nul - *d) + 1;
	*d = nul + 1;
	return 0;
}

/* take_u32 - the 32-bit number at the front of packet data */
static int
take_u32(const unsigned char **d, size_t *len, uint32_t *v)
{
	if (*len < 4)
		return -1;
	*v = get_be32(*d);
	*d += 4;
	*len -= 4;
	return 0;
}

/* hent_free - free what a header entry owns */
static void
hent_free(struct hent *h)
{
	if (h->own_name)
		free(h->name);
	if (h->own_value)
		free(h->value);
}

/* hl_clear - empty a header list */
static void
hl_clear(struct hlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		hent_free(&l->v[i]);
	l->n = 0;
}

/* hl_slot - a new, empty entry at position pos */
static struct hent *
hl_slot(struct hlist *l, size_t pos)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	if (pos > l->n)
		pos = l->n;
	memmove(&l->v[pos + 1], &l->v[pos], (l->n - pos) * sizeof(*l->v));
	l->n++;
	memset(&l->v[pos], 0, sizeof(l->v[pos]));
	return &l->v[pos];
}

/* hl_remove - drop the entry at pos */
static void
hl_remove(struct hlist *l, size_t pos)
{
	hent_free(&l->v[pos]);
	memmove(&l->v[pos], &l->v[pos + 1], (l->n - pos - 1) *
	    sizeof(*l->v));
	l->n--;
}

/* hl_load - Postfix's Received: header, then the message's headers */
static void
hl_load(struct worker *w, const struct msgfile *f)
{
	struct hlist *l = &w->hl;
	struct hent *h;
	size_t i;

	hl_clear(l);
	h = hl_slot(l, 0);
	h->name = "Received";
	if (f->nrcpt == 1)
		h->value = xasprintf(" from %s (%s)\n\tby bench.test (Postfix) "
		    "with ESMTP id %s\n\tfor %s; %s", w->sess->helo,
		    w->sess->underscore, w->qid, f->rcpt_arg[0], g_date);
	else
		h->value = xasprintf(" from %s (%s)\n\tby bench.test (Postfix) "
		    "with ESMTP id %s; %s", w->sess->helo, w->sess->underscore,
		    w->qid, g_date);
	h->own_value = 1;
	h->hidden = 1;
	for (i = 0; i < f->nhdrs; i++) {
		h = hl_slot(l, l->n);
		h->name = f->hdrs[i].name;
		h->value = f->hdrs[i].value;
	}
}

/* hl_put - a milter's header at pos, stored as Postfix would store it */
static void
hl_put(struct hlist *l, size_t pos, const char *name, const char *space,
    const char *value)
{
	struct hent *h = hl_slot(l, pos);

	h->name = xstrdup(name);
	h->own_name = 1;
	h->value = xasprintf("%s%s", space, value);
	h->own_value = 1;
}

/* vlog_edit - a -v line for a header edit */
static void
vlog_edit(struct worker *w, const struct mconn *m, const char *what,
    uint32_t idx, int with_idx, const char *name, const char *value)
{
	if (!g_verbose)
		return;
	vlog_line(w);
	ob_printf(&w->vlog, "edit m%d %s ", m->idx + 1, what);
	if (with_idx)
		ob_printf(&w->vlog, "%" PRIu32 " ", idx);
	ob_escaped(&w->vlog, name, strlen(name), TEXT_MAX);
	if (value != NULL) {
		ob_put(&w->vlog, ": ", 2);
		ob_escaped(&w->vlog, value, strlen(value), EDIT_TEXT_MAX);
	}
	ob_byte(&w->vlog, '\n');
}

/* vlog_other - a -v line for an edit we only count */
static void
vlog_other(struct worker *w, const struct mconn *m, const char *what,
    const void *d, size_t len)
{
	if (!g_verbose)
		return;
	vlog_line(w);
	ob_printf(&w->vlog, "edit m%d %s", m->idx + 1, what);
	if (d != NULL) {
		ob_byte(&w->vlog, ' ');
		ob_escaped(&w->vlog, d, strnlen(d, len), TEXT_MAX);
	}
	ob_byte(&w->vlog, '\n');
}

/* edit_apply - one modification request at end of message */
static int
edit_apply(struct worker *w, struct mconn *m, int cmd,
    const unsigned char *d, size_t len)
{
	const char *space = (m->pflags & SMFIP_HDR_LEADSPC) ? "" : " ";
	const char *name, *value, *arg;
	struct hlist *l = &w->hl;
	size_t i, pos, k;
	uint32_t idx;

	switch (cmd) {
	case SMFIR_ADDHEADER:
		if (take_str(&d, &len, &name) != 0 ||
		    take_str(&d, &len, &value) != 0 || len != 0)
			return -1;
		hl_put(l, l->n, name, space, value);
		count_edit(w, E_ADDHEADER);
		vlog_edit(w, m, "addheader", 0, 0, name, value);
		return 0;
	case SMFIR_INSHEADER:
		if (take_u32(&d, &len, &idx) != 0 ||
		    take_str(&d, &len, &name) != 0 ||
		    take_str(&d, &len, &value) != 0 || len != 0)
			return -1;
		/* before header idx + 1, Received: being header 1 */
		pos = (size_t)idx;
		hl_put(l, pos > l->n ? l->n : pos, name, space, value);
		count_edit(w, E_INSHEADER);
		vlog_edit(w, m, "insheader", idx, 1, name, value);
		return 0;
	case SMFIR_CHGHEADER:
		if (take_u32(&d, &len, &idx) != 0 ||
		    take_str(&d, &len, &name) != 0 ||
		    take_str(&d, &len, &value) != 0 || len != 0 ||
		    *name == '\0')
			return -1;
		if (idx == 0)
			idx = 1;
		/* Postfix's own Received: header does not count */
		for (i = 0, k = 0; i < l->n; i++)
			if (!l->v[i].hidden &&
			    strcasecmp(l->v[i].name, name) == 0 && ++k == idx)
				break;
		if (*value == '\0') {
			if (i < l->n)
				hl_remove(l, i);
		} else if (i < l->n) {
			if (l->v[i].own_value)
				free(l->v[i].value);
			l->v[i].value = xasprintf("%s%s", space, value);
			l->v[i].own_value = 1;
		} else
			hl_put(l, l->n, name, space, value);
		count_edit(w, E_CHGHEADER);
		vlog_edit(w, m, *value ? "chgheader" : "delheader", idx, 1,
		    name, *value ? value : NULL);
		return 0;
	case SMFIR_CHGFROM:
	case SMFIR_ADDRCPT_PAR:
		if (take_str(&d, &len, &arg) != 0 ||
		    (len > 0 && take_str(&d, &len, &value) != 0) || len != 0)
			return -1;
		count_edit(w, E_OTHER);
		vlog_other(w, m, cmd == SMFIR_CHGFROM ? "chgfrom" :
		    "addrcpt_par", arg, strlen(arg));
		return 0;
	case SMFIR_ADDRCPT:
	case SMFIR_DELRCPT:
		if (take_str(&d, &len, &arg) != 0 || len != 0)
			return -1;
		count_edit(w, E_OTHER);
		vlog_other(w, m, cmd == SMFIR_ADDRCPT ? "addrcpt" : "delrcpt",
		    arg, strlen(arg));
		return 0;
	case SMFIR_REPLBODY:
		count_edit(w, E_OTHER);
		vlog_other(w, m, "replbody", NULL, 0);
		return 0;
	default:
		return -1;
	}
}

/* replycode - an SMFIR_REPLYCODE reply: reject or tempfail, or junk */
static enum reply
replycode(struct worker *w, struct mconn *m, int event,
    const unsigned char *d, size_t len)
{
	const char *t = (const char *)d;
	size_t n = strnlen(t, len);

	if (n < 4 || (t[0] != '4' && t[0] != '5') ||
	    !isdigit((unsigned char)t[1]) || !isdigit((unsigned char)t[2]) ||
	    (t[3] != ' ' && t[3] != '-') ||
	    (n > 4 && isdigit((unsigned char)t[4]) && t[4] != t[0])) {
		mc_fail(w, m, "malformed reply code to '%c'", event);
		return R_ERROR;
	}
	if (g_verbose) {
		w->reply.len = 0;
		ob_escaped(&w->reply, t, n, TEXT_MAX);
	}
	return t[0] == '4' ? R_TEMPFAIL : R_REJECT;
}

/* get_reply - a milter's reply to an event, and its edits at the end */
static enum reply
get_reply(struct worker *w, struct mconn *m, int event)
{
	const unsigned char *d;
	size_t len;
	int cmd;

	for (;;) {
		if (mc_read(w, m, event, &cmd, &d, &len) != 0)
			return R_ERROR;
		switch (cmd) {
		case SMFIR_PROGRESS:
			if (len != 0)
				goto junk;
			continue;
		case SMFIR_CONTINUE:
			if (len != 0)
				goto junk;
			return R_CONTINUE;
		case SMFIR_ACCEPT:
			if (len != 0)
				goto junk;
			return R_ACCEPT;
		case SMFIR_REJECT:
			if (len != 0)
				goto junk;
			return R_REJECT;
		case SMFIR_TEMPFAIL:
			if (len != 0)
				goto junk;
			return R_TEMPFAIL;
		case SMFIR_DISCARD:
			if (len != 0)
				goto junk;
			return R_DISCARD;
		case SMFIR_SKIP:
			if (len != 0)
				goto junk;
			m->skip_cmd = event;
			return R_CONTINUE;
		case SMFIR_SHUTDOWN:
		case SMFIR_CONN_FAIL:
			if (len != 0)
				goto junk;
			count_edit(w, E_OTHER);
			vlog_other(w, m, cmd == SMFIR_SHUTDOWN ? "shutdown" :
			    "conn_fail", NULL, 0);
			return R_SHUTDOWN;
		case SMFIR_REPLYCODE:
			return replycode(w, m, event, d, len);
		case SMFIR_QUARANTINE:
			w->held = 1;
			count_edit(w, E_QUARANTINE);
			vlog_other(w, m, "quarantine", d, len);
			continue;
		case SMFIR_SETSYMLIST:
			count_edit(w, E_OTHER);
			vlog_other(w, m, "setsymlist", d, len);
			continue;
		default:
			if (event == SMFIC_BODYEOB &&
			    edit_apply(w, m, cmd, d, len) == 0)
				continue;
			mc_fail(w, m, "unexpected or malformed reply 0x%02x "
			    "(%zu bytes) to '%c'", cmd, len, event);
			return R_ERROR;
		}
	}
junk:
	mc_fail(w, m, "reply '%c' to '%c' has %zu bytes of data", cmd,
	    event, len);
	return R_ERROR;
}

/* send_macros - the SMFIC_MACRO packet that goes before an event */
static void
send_macros(struct worker *w, struct mconn *m, int cmd, int stage)
{
	const struct maclist *l;
	const char *v;
	size_t pos;
	unsigned i;

	l = m->list[stage].given ? &m->list[stage] : &g_defaults[stage];
	pos = pkt_begin(&m->out, SMFIC_MACRO);
	ob_byte(&m->out, cmd);
	for (i = 0; i < l->n; i++) {
		if ((v = macro_value(w, l->id[i])) == NULL)
			continue;
		ob_str(&m->out, macro_name[l->id[i]]);
		ob_str(&m->out, v);
	}
	pkt_end(&m->out, pos);
}

/* ev_send - macros, the event unless declined, and its reply if due */
static enum reply
ev_send(struct worker *w, struct mconn *m, int cmd, int stage,
    uint32_t noflag, uint32_t nrflag, const void *data, size_t len)
{
	size_t pos;

	if (m->np & noflag)
		return R_CONTINUE;
	if (m->skip_cmd != 0) {
		if (m->skip_cmd == cmd)
			return R_CONTINUE;
		m->skip_cmd = 0;
	}
	send_macros(w, m, cmd, stage);
	if (m->pflags & noflag)
		return R_CONTINUE;
	pos = pkt_begin(&m->out, cmd);
	ob_put(&m->out, data, len);
	pkt_end(&m->out, pos);
	if (m->pflags & nrflag) {
		if (m->out.len >= FLUSH_AT && mc_flush(w, m, cmd) != 0)
			return R_ERROR;
		return R_CONTINUE;
	}
	if (mc_flush(w, m, cmd) != 0)
		return R_ERROR;
	return get_reply(w, m, cmd);
}

/* set_timeouts - bound each blocking send and recv on a socket */
static void
set_timeouts(int fd)
{
	struct timeval tv;

	tv.tv_sec = (time_t)g_timeout;
	tv.tv_usec = (suseconds_t)((g_timeout - (double)tv.tv_sec) * 1e6);
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* mc_connect - a connected, blocking socket to a milter, or -1 */
static int
mc_connect(struct worker *w, struct mconn *m)
{
	const struct endpoint *ep = m->ep;
	uint64_t deadline = now_ns() + g_timeout_ns, left;
	struct pollfd pfd;
	socklen_t elen;
	int fd, on = 1, err, flags;

	fd = socket(ep->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd < 0)
		return mc_fail(w, m, "socket: %s", strerror(errno));
	for (;;) {
		if (connect(fd, (const struct sockaddr *)&ep->ss,
		    ep->sslen) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && !ep->inet) {
			/* a full unix listen queue: try again shortly */
			if (now_ns() > deadline)
				goto timeout;
			sleep_ns(1000000);
			continue;
		}
		if (errno != EINPROGRESS) {
			mc_fail(w, m, "connect: %s", strerror(errno));
			close(fd);
			return -1;
		}
		for (;;) {
			if ((left = now_ns()) >= deadline)
				goto timeout;
			left = (deadline - left) / 1000000 + 1;
			pfd.fd = fd;
			pfd.events = POLLOUT;
			err = poll(&pfd, 1, left > INT_MAX ? INT_MAX :
			    (int)left);
			if (err > 0)
				break;
			if (err < 0 && errno != EINTR) {
				mc_fail(w, m, "poll: %s", strerror(errno));
				close(fd);
				return -1;
			}
		}
		elen = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
			err = errno;
		if (err != 0) {
			mc_fail(w, m, "connect: %s", strerror(err));
			close(fd);
			return -1;
		}
		break;
	}
	if ((flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		mc_fail(w, m, "fcntl: %s", strerror(errno));
		close(fd);
		return -1;
	}
	set_timeouts(fd);
	if (ep->inet && g_nodelay)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
timeout:
	mc_fail(w, m, "connect: timed out");
	close(fd);
	return -1;
}

/* mc_open - connect to a milter and negotiate options */
static int
mc_open(struct worker *w, struct mconn *m)
{
	const unsigned char *d;
	uint32_t stage;
	const char *names;
	size_t len, pos, before;
	int cmd, i;

	mc_close(m);
	m->skip_cmd = 0;
	m->np = 0;
	for (i = 0; i < NSTAGES; i++)
		memset(&m->list[i], 0, sizeof(m->list[i]));
	if ((m->fd = mc_connect(w, m)) < 0)
		return -1;
	pos = pkt_begin(&m->out, SMFIC_OPTNEG);
	ob_u32(&m->out, SMFI_PROT_VERSION);
	ob_u32(&m->out, OFFER_ACTIONS);
	ob_u32(&m->out, OFFER_PROTO);
	pkt_end(&m->out, pos);
	if (mc_flush(w, m, SMFIC_OPTNEG) != 0 ||
	    mc_read(w, m, SMFIC_OPTNEG, &cmd, &d, &len) != 0)
		goto bad;
	if (cmd != SMFIC_OPTNEG || take_u32(&d, &len, &m->version) != 0 ||
	    take_u32(&d, &len, &m->actions) != 0 ||
	    take_u32(&d, &len, &m->pflags) != 0) {
		mc_fail(w, m, "bad option negotiation reply");
		goto bad;
	}
	if (m->version > SMFI_PROT_VERSION || m->version < 2) {
		mc_fail(w, m, "protocol version %" PRIu32, m->version);
		goto bad;
	}
	if ((m->actions & OFFER_ACTIONS) != m->actions) {
		mc_fail(w, m, "actions 0x%" PRIx32 " not offered", m->actions);
		goto bad;
	}
	if (m->version < 3)
		m->np |= SMFIP_NOUNKNOWN;
	if (m->version < 4)
		m->np |= SMFIP_NODATA;
	while (len > 0) {
		before = len;
		if (take_u32(&d, &len, &stage) != 0 ||
		    take_str(&d, &len, &names) != 0) {
			mc_fail(w, m, "bad macro list in negotiation");
			goto bad;
		}
		if (stage < NSTAGES)
			maclist_parse(&m->list[stage], names,
			    before - len - 5);
	}
	return 0;
bad:
	mc_close(m);
	return -1;
}

/* mc_bye - end a milter connection as smtpd does at disconnect */
static void
mc_bye(struct worker *w, struct mconn *m)
{
	size_t pos;

	if (m->fd < 0)
		return;
	if (m->state == M_ENVELOPE || m->state == M_ACCEPT_MSG) {
		if (w->helo_done) {
			pos = pkt_begin(&m->out, SMFIC_ABORT);
			pkt_end(&m->out, pos);
		}
		pos = pkt_begin(&m->out, SMFIC_QUIT);
		pkt_end(&m->out, pos);
		(void)mc_flush(w, m, SMFIC_QUIT);
	}
	mc_close(m);
}

/* session_close - end a connection to every milter */
static void
session_close(struct worker *w)
{
	int i;

	for (i = 0; i < g_nep; i++) {
		mc_bye(w, &w->m[i]);
		w->m[i].state = M_CLOSED;
	}
	w->open = 0;
}

/* session_drop - close every milter connection at once, after an error */
static void
session_drop(struct worker *w)
{
	int i;

	for (i = 0; i < g_nep; i++) {
		mc_close(&w->m[i]);
		w->m[i].state = M_CLOSED;
	}
	w->open = 0;
}

/* conn_reply - what a reply to CONNECT or HELO means */
static int
conn_reply(struct worker *w, struct mconn *m, enum reply r)
{
	switch (r) {
	case R_CONTINUE:
	case R_DISCARD:
		return V_NONE;
	case R_ACCEPT:
		mc_close(m);
		m->state = M_ACCEPT_CON;
		return V_NONE;
	case R_REJECT:
	case R_TEMPFAIL:
	case R_SHUTDOWN:
		mc_close(m);
		m->state = M_REJECT_CON;
		w->doomed = 1;
		return r == R_REJECT ? V_REJECT : V_TEMPFAIL;
	default:
		return V_ERROR;
	}
}

/* env_reply - what a reply from MAIL on means */
static int
env_reply(struct worker *w, struct mconn *m, enum reply r)
{
	switch (r) {
	case R_CONTINUE:
		return V_NONE;
	case R_ACCEPT:
		m->state = M_ACCEPT_MSG;
		return V_NONE;
	case R_REJECT:
		return V_REJECT;
	case R_TEMPFAIL:
		return V_TEMPFAIL;
	case R_DISCARD:
		m->state = M_ACCEPT_MSG;
		return V_DISCARD;
	case R_SHUTDOWN:
		mc_close(m);
		m->state = M_REJECT_CON;
		w->doomed = 1;
		return V_TEMPFAIL;
	default:
		return V_ERROR;
	}
}

/* session_open - connect to the milters, then CONNECT and HELO to each */
static int
session_open(struct worker *w, const struct msgfile *f)
{
	struct mconn *m;
	unsigned port;
	int i, v;

	w->open = 1;
	w->doomed = 0;
	w->helo_done = 0;
	w->sess_msgs = 0;
	w->sess = f;
	w->sesscount++;
	port = 1024 + (w->sesscount * 131U + (unsigned)w->id * 7919U) %
	    64000U;
	snprintf(w->port, sizeof(w->port), "%u", port);
	for (i = 0; i < g_nep; i++) {
		m = &w->m[i];
		if (mc_open(w, m) != 0)
			return V_ERROR;
		m->state = M_ENVELOPE;
		w->arg.len = 0;
		ob_str(&w->arg, f->connect_name);
		ob_byte(&w->arg, f->family == AF_INET6 ? '6' : '4');
		ob_u16(&w->arg, port);
		ob_str(&w->arg, f->client);
		v = conn_reply(w, m, ev_send(w, m, SMFIC_CONNECT,
		    SMFIM_CONNECT, SMFIP_NOCONNECT, SMFIP_NR_CONN, w->arg.p,
		    w->arg.len));
		if (v != V_NONE)
			return v;
	}
	for (i = 0; i < g_nep; i++) {
		m = &w->m[i];
		if (m->state != M_ENVELOPE)
			continue;
		w->arg.len = 0;
		ob_str(&w->arg, f->helo);
		v = conn_reply(w, m, ev_send(w, m, SMFIC_HELO, SMFIM_HELO,
		    SMFIP_NOHELO, SMFIP_NR_HELO, w->arg.p, w->arg.len));
		if (v != V_NONE)
			return v;
	}
	w->helo_done = 1;
	return V_NONE;
}

/* content - headers, end of headers, body and end of message to a milter */
static enum reply
content(struct worker *w, struct mconn *m)
{
	const struct msgfile *f = w->file;
	const char *val;
	size_t i, off, n;
	enum reply r;

	if (!(m->pflags & SMFIP_NOHDRS)) {
		for (i = 0; i < w->hl.n; i++) {
			if (w->hl.v[i].hidden)
				continue;
			val = w->hl.v[i].value;
			if (!(m->pflags & SMFIP_HDR_LEADSPC) && *val == ' ')
				val++;
			w->arg.len = 0;
			ob_str(&w->arg, w->hl.v[i].name);
			ob_str(&w->arg, val);
			r = ev_send(w, m, SMFIC_HEADER, SMFIM_EOH,
			    SMFIP_NOHDRS, SMFIP_NR_HDR, w->arg.p, w->arg.len);
			if (r != R_CONTINUE)
				return r;
		}
	}
	if (!(m->pflags & SMFIP_NOEOH)) {
		r = ev_send(w, m, SMFIC_EOH, SMFIM_EOH, SMFIP_NOEOH,
		    SMFIP_NR_EOH, NULL, 0);
		if (r != R_CONTINUE)
			return r;
	}
	if (!(m->pflags & SMFIP_NOBODY)) {
		for (off = 0; off < f->bodylen; off += n) {
			n = f->bodylen - off;
			if (n > CHUNK_SIZE)
				n = CHUNK_SIZE;
			r = ev_send(w, m, SMFIC_BODY, SMFIM_EOM, SMFIP_NOBODY,
			    SMFIP_NR_BODY, f->body + off, n);
			if (r != R_CONTINUE)
				return r;
			if (m->skip_cmd == SMFIC_BODY)
				break;
		}
	}
	return ev_send(w, m, SMFIC_BODYEOB, SMFIM_EOM, 0, 0, NULL, 0);
}

/* envelope_step - MAIL or DATA to each milter still in the message */
static int
envelope_step(struct worker *w, int cmd, int stage, uint32_t noflag,
    uint32_t nrflag, const char *arg)
{
	struct mconn *m;
	int i, v;

	for (i = 0; i < g_nep; i++) {
		m = &w->m[i];
		if (m->state != M_ENVELOPE)
			continue;
		w->arg.len = 0;
		if (arg != NULL)
			ob_str(&w->arg, arg);
		v = env_reply(w, m, ev_send(w, m, cmd, stage, noflag, nrflag,
		    w->arg.p, w->arg.len));
		if (v != V_NONE)
			return v;
	}
	return V_NONE;
}

/* transaction - MAIL through end of message, over the chain */
static int
transaction(struct worker *w, const struct msgfile *f)
{
	struct mconn *m;
	size_t j, nok = 0;
	int i, v, ok, refused = V_NONE, cont = 0;
	enum reply r;
	size_t pos;

	w->in_mail = 1;
	w->sender_ok = 0;
	w->have_qid = 0;
	w->held = 0;
	v = envelope_step(w, SMFIC_MAIL, SMFIM_ENVFROM, SMFIP_NOMAIL,
	    SMFIP_NR_MAIL, f->from_arg);
	if (v != V_NONE)
		goto done;
	w->sender_ok = 1;
	for (j = 0; j < f->nrcpt; j++) {
		w->rcpt = f->rcpt[j];
		ok = 1;
		for (i = 0; i < g_nep && ok; i++) {
			m = &w->m[i];
			if (m->state != M_ENVELOPE)
				continue;
			w->arg.len = 0;
			ob_str(&w->arg, f->rcpt_arg[j]);
			v = env_reply(w, m, ev_send(w, m, SMFIC_RCPT,
			    SMFIM_ENVRCPT, SMFIP_NORCPT, SMFIP_NR_RCPT,
			    w->arg.p, w->arg.len));
			if ((v == V_REJECT || v == V_TEMPFAIL) && !w->doomed) {
				refused = v;
				v = V_NONE;
				ok = 0;
			} else if (v != V_NONE)
				goto done;
		}
		nok += (size_t)ok;
		/* the queue file, and so its id, comes with a recipient */
		if (ok)
			w->have_qid = 1;
	}
	w->rcpt = NULL;
	if (nok == 0) {
		v = refused;
		goto done;
	}
	v = envelope_step(w, SMFIC_DATA, SMFIM_DATA, SMFIP_NODATA,
	    SMFIP_NR_DATA, NULL);
	if (v != V_NONE)
		goto done;
	hl_load(w, f);
	for (i = 0; i < g_nep; i++) {
		m = &w->m[i];
		if (m->state != M_ENVELOPE)
			continue;
		r = content(w, m);
		if (r == R_CONTINUE)
			cont = 1;
		else if ((v = env_reply(w, m, r)) != V_NONE)
			goto done;
		/* Postfix's "H" ends the chain: the message is held */
		if (w->held)
			break;
	}
	v = cont ? V_CONTINUE : V_ACCEPT;
done:
	if (v == V_NONE)
		v = V_ACCEPT;
	w->rcpt = NULL;
	w->in_mail = 0;
	w->have_qid = 0;
	if (v == V_ERROR)
		return v;
	for (i = 0; i < g_nep; i++) {
		m = &w->m[i];
		if (m->state == M_ACCEPT_MSG ||
		    (m->state == M_ENVELOPE && w->sender_ok)) {
			pos = pkt_begin(&m->out, SMFIC_ABORT);
			pkt_end(&m->out, pos);
			m->state = M_ENVELOPE;
		}
	}
	return v;
}

/* lat_push - keep one latency */
static void
lat_push(struct worker *w, uint64_t ns)
{
	if (w->nlat == w->caplat) {
		w->caplat = w->caplat ? w->caplat * 2 : 1024;
		w->lat = xrealloc(w->lat, w->caplat * sizeof(*w->lat));
	}
	w->lat[w->nlat++] = ns;
}

/* run_message - one message through the chain, timed and counted */
static void
run_message(struct worker *w, const struct msgfile *f, uint64_t seq)
{
	uint64_t t0, t1;
	int v = V_NONE;

	w->file = f;
	w->seq = seq;
	w->msgcount++;
	w->reply.len = 0;
	w->err[0] = '\0';
	snprintf(w->qid, sizeof(w->qid), "%X%07X", (unsigned)w->id + 1,
	    (unsigned)(w->msgcount & 0xfffffffU));
	t0 = now_ns();
	if (!w->open)
		v = session_open(w, f);
	if (v == V_NONE)
		v = transaction(w, f);
	t1 = now_ns();
	if (v == V_ERROR) {
		session_drop(w);
		if (w->measured)
			w->st.errors++;
		if (g_verbose) {
			vlog_line(w);
			ob_printf(&w->vlog, "error %s\n", w->err);
		}
	} else {
		if (w->measured) {
			w->st.messages++;
			w->st.verdict[v]++;
			lat_push(w, t1 - t0);
		}
		if (g_verbose) {
			vlog_line(w);
			ob_printf(&w->vlog, "verdict %s", verdict_name[v]);
			if (w->reply.len > 0) {
				ob_put(&w->vlog, " reply ", 7);
				ob_put(&w->vlog, w->reply.p, w->reply.len);
			}
			ob_byte(&w->vlog, '\n');
		}
		if (w->doomed || ++w->sess_msgs >= g_per_conn)
			session_close(w);
	}
	if (w->measured) {
		w->t_end = t1;
		atomic_fetch_add(&g_done, 1);
	}
	vlog_flush(w);
}

/* worker_free - free what a finished worker holds */
static void
worker_free(struct worker *w)
{
	int i;

	for (i = 0; i < g_nep; i++) {
		free(w->m[i].out.p);
		free(w->m[i].in.p);
	}
	hl_clear(&w->hl);
	free(w->hl.v);
	free(w->arg.p);
	free(w->vlog.p);
	free(w->reply.p);
	free(w->lat);
}

/* worker_main - one connection's thread: warmup, then the measured run */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t i;

	while ((i = atomic_fetch_add(&g_warm_next, 1)) < g_warmup)
		run_message(w, &g_files[i % g_nfiles], i);
	session_close(w);
	pthread_barrier_wait(&g_bar_warm);
	pthread_barrier_wait(&g_bar_go);
	w->measured = 1;
	for (;;) {
		if (g_deadline != 0 && now_ns() >= g_deadline)
			break;
		if ((i = atomic_fetch_add(&g_next, 1)) >= g_count)
			break;
		run_message(w, &g_files[i % g_nfiles], i);
	}
	session_close(w);
	atomic_fetch_sub(&g_running, 1);
	return NULL;
}

/* endpoint_parse - a SOCKET argument into an address */
static int
endpoint_parse(const char *spec, struct endpoint *ep, int server)
{
	struct sockaddr_un *su = (struct sockaddr_un *)&ep->ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ep->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ep->ss;
	const char *rest, *at, *portp, *hostp, *rb, *colon;
	char host[64], *end;
	size_t hlen;
	unsigned long port;
	int v6only;

	memset(ep, 0, sizeof(*ep));
	ep->spec = spec;
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		rest = strchr(spec, ':') + 1;
		if (*rest == '\0' || strlen(rest) >= sizeof(su->sun_path))
			return -1;
		su->sun_family = AF_UNIX;
		memcpy(su->sun_path, rest, strlen(rest) + 1);
		ep->sslen = sizeof(*su);
		return 0;
	}
	if (strncmp(spec, "inet:", 5) == 0) {
		rest = spec + 5;
		v6only = 0;
	} else if (strncmp(spec, "inet6:", 6) == 0) {
		rest = spec + 6;
		v6only = 1;
	} else
		return -1;
	ep->inet = 1;
	if ((at = strchr(rest, '@')) != NULL) {
		portp = rest;
		hostp = at + 1;
		hlen = strlen(hostp);
	} else if (*rest == '[') {
		if ((rb = strchr(rest, ']')) == NULL || rb[1] != ':')
			return -1;
		hostp = rest + 1;
		hlen = (size_t)(rb - hostp);
		portp = rb + 2;
	} else if ((colon = strrchr(rest, ':')) != NULL) {
		if (strchr(rest, ':') != colon)
			return -1;
		hostp = rest;
		hlen = (size_t)(colon - rest);
		portp = colon + 1;
	} else {
		portp = rest;
		hostp = "";
		hlen = 0;
	}
	if (hlen >= 2 && hostp[0] == '[' && hostp[hlen - 1] == ']') {
		hostp++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, hostp, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(portp, &end, 10);
	if (errno != 0 || end == portp || (*end != '\0' && *end != '@') ||
	    port < 1 || port > 65535)
		return -1;
	if (strcmp(host, "localhost") == 0)
		strcpy(host, v6only ? "::1" : "127.0.0.1");
	if (*host == '\0' && !v6only) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(server ? INADDR_ANY :
		    INADDR_LOOPBACK);
		sin->sin_port = htons((uint16_t)port);
		ep->sslen = sizeof(*sin);
	} else if (*host == '\0') {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = server ? in6addr_any : in6addr_loopback;
		sin6->sin6_port = htons((uint16_t)port);
		ep->sslen = sizeof(*sin6);
	} else if (!v6only && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		ep->sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		ep->sslen = sizeof(*sin6);
	} else
		return -1;
	return 0;
}

/* strip_angles - an address without one pair of surrounding <> */
static char *
strip_angles(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

/* envelope_parse - the key=value words of a corpus file's first line */
static int
envelope_parse(struct msgfile *f, char *line)
{
	struct in6_addr a6;
	struct in_addr a4;
	char *save, *tok, *val, *r, *rsave;
	int have_client = 0, have_helo = 0, have_from = 0;

	if (strncmp(line, "#envelope", 9) != 0 ||
	    (line[9] != '\0' && line[9] != ' ' && line[9] != '\t')) {
		fprintf(stderr, "%s: %s: first line is not #envelope\n", PROG,
		    f->name);
		return -1;
	}
	for (tok = strtok_r(line + 9, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if ((val = strchr(tok, '=')) == NULL) {
			fprintf(stderr, "%s: %s: bad envelope word %s\n", PROG,
			    f->name, tok);
			return -1;
		}
		*val++ = '\0';
		if (strcmp(tok, "client") == 0) {
			if (strncasecmp(val, "IPv6:", 5) == 0)
				val += 5;
			if (inet_pton(AF_INET, val, &a4) == 1)
				f->family = AF_INET;
			else if (inet_pton(AF_INET6, val, &a6) == 1)
				f->family = AF_INET6;
			else {
				fprintf(stderr, "%s: %s: bad client address "
				    "%s\n", PROG, f->name, val);
				return -1;
			}
			f->client = xstrdup(val);
			have_client = 1;
		} else if (strcmp(tok, "helo") == 0) {
			f->helo = xstrdup(val);
			have_helo = 1;
		} else if (strcmp(tok, "mailfrom") == 0) {
			f->from = xstrdup(strip_angles(val));
			have_from = 1;
		} else if (strcmp(tok, "rcpt") == 0) {
			for (r = strtok_r(val, ",", &rsave); r != NULL;
			    r = strtok_r(NULL, ",", &rsave)) {
				r = strip_angles(r);
				if (*r == '\0')
					continue;
				f->rcpt = xrealloc(f->rcpt, (f->nrcpt + 1) *
				    sizeof(*f->rcpt));
				f->rcpt[f->nrcpt++] = xstrdup(r);
			}
		} else if (strcmp(tok, "auth") == 0 && *val != '\0')
			f->auth = xstrdup(val);
		else if (strcmp(tok, "daemon") == 0 && *val != '\0')
			f->daemon = xstrdup(val);
		else if (strcmp(tok, "hostname") == 0 && *val != '\0')
			f->hostname = xstrdup(val);
		else if (strcmp(tok, "auth") != 0 &&
		    strcmp(tok, "daemon") != 0 &&
		    strcmp(tok, "hostname") != 0) {
			fprintf(stderr, "%s: %s: unknown envelope key %s\n",
			    PROG, f->name, tok);
			return -1;
		}
	}
	if (!have_client || !have_helo || !have_from || f->nrcpt == 0) {
		fprintf(stderr, "%s: %s: envelope needs client=, helo=, "
		    "mailfrom= and rcpt=\n", PROG, f->name);
		return -1;
	}
	return 0;
}

/* line_next - the line at p, its length without line end, and the next */
static const char *
line_next(const char *p, const char *end, size_t *len)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *e = nl != NULL ? nl : end;

	*len = (size_t)(e - p);
	if (*len > 0 && p[*len - 1] == '\r')
		(*len)--;
	return nl != NULL ? nl + 1 : end;
}

/* header_start - the name length of a header line, 0 if it is none */
static size_t
header_start(const char *s, size_t len, size_t *colon)
{
	size_t i = 0, n;

	while (i < len && s[i] > ' ' && s[i] < 0x7f && s[i] != ':')
		i++;
	if ((n = i) == 0)
		return 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= len || s[i] != ':')
		return 0;
	*colon = i;
	return n;
}

/* message_parse - a corpus file into envelope, headers and body */
static int
message_parse(struct msgfile *f, const char *buf, size_t size)
{
	const char *p = buf, *end = buf + size, *line;
	struct obuf val = { NULL, 0, 0 }, body = { NULL, 0, 0 };
	char *first;
	size_t len, n, colon, i;
	int inhdr = 0;

	line = p;
	p = line_next(p, end, &len);
	first = xmalloc(len + 1);
	memcpy(first, line, len);
	first[len] = '\0';
	if (memchr(first, '\0', len) != NULL || envelope_parse(f, first) != 0) {
		free(first);
		return -1;
	}
	free(first);
	while (p < end) {
		line = p;
		p = line_next(p, end, &len);
		if (len == 0)
			break;
		if ((line[0] == ' ' || line[0] == '\t') && inhdr) {
			val.len--;
			ob_byte(&val, '\n');
			ob_put(&val, line, len);
			ob_byte(&val, '\0');
			f->hdrs[f->nhdrs - 1].value = xrealloc(
			    f->hdrs[f->nhdrs - 1].value, val.len);
			memcpy(f->hdrs[f->nhdrs - 1].value, val.p, val.len);
			continue;
		}
		if ((n = header_start(line, len, &colon)) == 0) {
			p = line;	/* no blank line: the body starts here */
			break;
		}
		f->hdrs = xrealloc(f->hdrs, (f->nhdrs + 1) * sizeof(*f->hdrs));
		f->hdrs[f->nhdrs].name = xmalloc(n + 1);
		memcpy(f->hdrs[f->nhdrs].name, line, n);
		f->hdrs[f->nhdrs].name[n] = '\0';
		val.len = 0;
		ob_put(&val, line + colon + 1, len - colon - 1);
		ob_byte(&val, '\0');
		f->hdrs[f->nhdrs].value = xmalloc(val.len);
		memcpy(f->hdrs[f->nhdrs].value, val.p, val.len);
		f->nhdrs++;
		inhdr = 1;
	}
	free(val.p);
	while (p < end) {
		line = p;
		p = line_next(p, end, &len);
		ob_put(&body, line, len);
		ob_put(&body, "\r\n", 2);
	}
	f->body = (char *)body.p;
	f->bodylen = body.len;
	f->from_arg = xasprintf("<%s>", f->from);
	f->from_host = strrchr(f->from, '@');
	if (f->from_host != NULL)
		f->from_host++;
	f->rcpt_arg = xcalloc(f->nrcpt, sizeof(*f->rcpt_arg));
	for (i = 0; i < f->nrcpt; i++)
		f->rcpt_arg[i] = xasprintf("<%s>", f->rcpt[i]);
	f->connect_name = f->hostname != NULL ? xstrdup(f->hostname) :
	    xasprintf("[%s]", f->client);
	f->underscore = xasprintf("%s [%s]", f->hostname != NULL ?
	    f->hostname : "unknown", f->client);
	return 0;
}

/* name_cmp - qsort order of file names */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* read_file - a whole file into new memory */
static char *
read_file(const char *path, size_t *size)
{
	struct stat st;
	char *buf;
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	*size = off;
	return buf;
}

/* load_corpus - read and parse every *.eml of a directory */
static void
load_corpus(const char *dir)
{
	struct dirent *de;
	char **names = NULL, *path, *buf;
	size_t n = 0, len, i, size;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		fatal("%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".eml") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n == 0)
		fatal("%s: no *.eml files", dir);
	qsort(names, n, sizeof(*names), name_cmp);
	g_files = xcalloc(n, sizeof(*g_files));
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		if ((buf = read_file(path, &size)) == NULL)
			fatal("%s: cannot read: %s", path, strerror(errno));
		g_files[i].name = names[i];
		if (message_parse(&g_files[i], buf, size) != 0)
			exit(1);
		free(buf);
		free(path);
	}
	free(names);
	g_nfiles = n;
}

/* proc_cpu - utime + stime of a process in seconds, or -1 */
static double
proc_cpu(pid_t pid)
{
	char path[64], buf[4096], *p, *end;
	unsigned long long v, sum = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p++;
	/* after the command name comes field 3, the state */
	for (field = 3; field <= 15; field++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return -1;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (field >= 14) {
			if (errno != 0 || end == p)
				return -1;
			sum += v;
		}
		while (*p != ' ' && *p != '\0')
			p++;
	}
	return (double)sum / (double)sysconf(_SC_CLK_TCK);
}

/* proc_status_kb - a "Key:" line of /proc/PID/status in kB, or -1 */
static long
proc_status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, key, klen) == 0) {
			kb = strtol(line + klen, NULL, 10);
			break;
		}
	fclose(fp);
	return kb;
}

/* pids_parse - the -P list */
static void
pids_parse(const char *s)
{
	char *end;
	long v;

	while (*s != '\0') {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno != 0 || end == s || v <= 0 || v > INT_MAX ||
		    (*end != ',' && *end != '\0'))
			fatal("bad -P list");
		g_pids = xrealloc(g_pids, (g_npids + 1) * sizeof(*g_pids));
		memset(&g_pids[g_npids], 0, sizeof(*g_pids));
		g_pids[g_npids++].pid = (pid_t)v;
		s = *end == ',' ? end + 1 : end;
	}
	if (g_npids == 0)
		fatal("bad -P list");
}

/* sample_rss - note the peak VmRSS of the measured processes */
static void
sample_rss(void)
{
	size_t i;
	long kb;

	for (i = 0; i < g_npids; i++) {
		kb = proc_status_kb(g_pids[i].pid, "VmRSS:");
		if (kb > g_pids[i].peak_rss)
			g_pids[i].peak_rss = kb;
	}
}

/* u64_cmp - qsort order of latencies */
static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* pct_ms - the nearest-rank p-th percentile of sorted latencies, in ms */
static double
pct_ms(const uint64_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)ceil(p / 100.0 * (double)n);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1e6;
}

/* cpu_seconds - user and system time of this process */
static double
cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* report - the summary and the key=value lines */
static void
report(const struct stats *st, double secs, const uint64_t *lat, size_t n,
    double load_cpu)
{
	double rate = secs > 0 ? (double)st->messages / secs : 0;
	double p50 = pct_ms(lat, n, 50), p90 = pct_ms(lat, n, 90);
	double p99 = pct_ms(lat, n, 99), pmax = pct_ms(lat, n, 100);
	double cpu = 0, cpu1;
	long rss = 0, hwm = 0;
	size_t i;
	int k;

	printf("%s: %" PRIu64 " messages, %" PRIu64 " errors in %.3f s: "
	    "%.1f msgs/s (%u connections, %u msgs/conn, %d milter%s)\n",
	    PROG, st->messages, st->errors, secs, rate, g_conns, g_per_conn,
	    g_nep, g_nep == 1 ? "" : "s");
	printf("latency: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms\n",
	    p50, p90, p99, pmax);
	printf("verdicts:");
	for (k = 0; k < NVERDICTS; k++)
		printf(" %s %" PRIu64, verdict_name[k], st->verdict[k]);
	printf("\nedits:");
	for (k = 0; k < NEDITS; k++)
		printf(" %s %" PRIu64, edit_name[k], st->edit[k]);
	printf("\n");
	for (i = 0; i < g_npids; i++) {
		cpu1 = g_pids[i].cpu1 - g_pids[i].cpu0;
		if (g_pids[i].cpu0 < 0 || g_pids[i].cpu1 < 0)
			cpu1 = 0;
		cpu += cpu1;
		if (g_pids[i].peak_rss > 0)
			rss += g_pids[i].peak_rss;
		if (g_pids[i].hwm > 0)
			hwm += g_pids[i].hwm;
		printf("milter pid %d: cpu %.3f s, %.3f ms per 1000 messages, "
		    "peak rss %ld kB, hwm %ld kB\n", (int)g_pids[i].pid, cpu1,
		    st->messages ? cpu1 * 1e6 / (double)st->messages : 0.0,
		    g_pids[i].peak_rss, g_pids[i].hwm);
	}
	printf("milterload cpu: %.3f s\n", load_cpu);
	printf("# milterload report\n");
	printf("messages=%" PRIu64 "\n", st->messages);
	printf("errors=%" PRIu64 "\n", st->errors);
	printf("seconds=%.6f\n", secs);
	printf("msgs_per_sec=%.1f\n", rate);
	printf("lat_p50_ms=%.3f\n", p50);
	printf("lat_p90_ms=%.3f\n", p90);
	printf("lat_p99_ms=%.3f\n", p99);
	printf("lat_max_ms=%.3f\n", pmax);
	for (k = 0; k < NVERDICTS; k++)
		printf("verdict_%s=%" PRIu64 "\n", verdict_name[k],
		    st->verdict[k]);
	for (k = 0; k < NEDITS; k++)
		printf("edit_%s=%" PRIu64 "\n", edit_name[k], st->edit[k]);
	if (g_npids > 0) {
		printf("milter_cpu_s=%.3f\n", cpu);
		printf("milter_cpu_ms_per_1000=%.3f\n", st->messages ?
		    cpu * 1e6 / (double)st->messages : 0.0);
		printf("milter_peak_rss_kb=%ld\n", rss);
		printf("milter_hwm_kb=%ld\n", hwm);
	}
	printf("load_cpu_s=%.3f\n", load_cpu);
	fflush(stdout);
}

/* srv_flush - write a server connection's replies */
static int
srv_flush(int fd, struct obuf *o)
{
	size_t off = 0;
	ssize_t n;

	while (off < o->len) {
		n = send(fd, o->p + off, o->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	o->len = 0;
	return 0;
}

/* srv_reply - append a reply packet without data */
static void
srv_reply(struct obuf *o, int cmd)
{
	size_t pos = pkt_begin(o, cmd);

	pkt_end(o, pos);
}

/* srv_conn - server mode: one milter connection, answered to the end */
static void *
srv_conn(void *arg)
{
	struct ibuf in = { NULL, 0, 0, 0 };
	struct obuf out = { NULL, 0, 0 };
	int fd = (int)(intptr_t)arg;
	size_t cap, pos;
	uint32_t plen;
	ssize_t n;
	int cmd;

	in.cap = 65536;
	in.p = xmalloc(in.cap);
	for (;;) {
		while (in.end - in.start >= 4) {
			plen = get_be32(in.p + in.start);
			if (plen < 1 || plen > MAX_PACKET)
				goto out;
			if (in.end - in.start - 4 < plen)
				break;
			cmd = in.p[in.start + 4];
			in.start += 4 + (size_t)plen;
			switch (cmd) {
			case SMFIC_OPTNEG:
				pos = pkt_begin(&out, SMFIC_OPTNEG);
				ob_u32(&out, SMFI_PROT_VERSION);
				ob_u32(&out, 0);
				ob_u32(&out, 0);
				pkt_end(&out, pos);
				break;
			case SMFIC_MACRO:
			case SMFIC_ABORT:
			case SMFIC_QUIT_NC:
				break;
			case SMFIC_QUIT:
				(void)srv_flush(fd, &out);
				goto out;
			case SMFIC_BODYEOB:
				srv_reply(&out, SMFIR_ACCEPT);
				break;
			default:
				srv_reply(&out, SMFIR_CONTINUE);
				break;
			}
		}
		if (srv_flush(fd, &out) != 0)
			goto out;
		if (in.start == in.end)
			in.start = in.end = 0;
		if (in.end - in.start >= 4) {
			plen = get_be32(in.p + in.start);
			if (in.cap - in.start < 4 + (size_t)plen) {
				memmove(in.p, in.p + in.start,
				    in.end - in.start);
				in.end -= in.start;
				in.start = 0;
				for (cap = in.cap; cap < 4 + (size_t)plen;)
					cap *= 2;
				if (cap != in.cap) {
					in.p = xrealloc(in.p, cap);
					in.cap = cap;
				}
			}
		} else if (in.cap - in.end < 4) {
			memmove(in.p, in.p + in.start, in.end - in.start);
			in.end -= in.start;
			in.start = 0;
		}
		n = recv(fd, in.p + in.end, in.cap - in.end, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		in.end += (size_t)n;
	}
out:
	close(fd);
	free(in.p);
	free(out.p);
	return NULL;
}

/* srv_accept - server mode: accept connections, a thread for each */
static void *
srv_accept(void *arg)
{
	int lfd = (int)(intptr_t)arg, fd, on = 1, inet;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	pthread_attr_t attr;
	pthread_t t;

	inet = getsockname(lfd, (struct sockaddr *)&ss, &sslen) == 0 &&
	    ss.ss_family != AF_UNIX;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "%s: accept: %s\n", PROG,
			    strerror(errno));
			sleep_ns(10000000);
			continue;
		}
		if (inet)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
			    sizeof(on));
		if (pthread_create(&t, &attr, srv_conn,
		    (void *)(intptr_t)fd) != 0) {
			fprintf(stderr, "%s: cannot start a thread\n", PROG);
			close(fd);
		}
	}
	return NULL;
}

/* server_main - -S: a trivial accept-all milter until SIGTERM or SIGINT */
static int
server_main(const char *spec)
{
	struct endpoint ep;
	struct sockaddr_un *su = (struct sockaddr_un *)&ep.ss;
	sigset_t set;
	pthread_t t;
	int fd, on = 1, sig;

	if (endpoint_parse(spec, &ep, 1) != 0)
		fatal("bad socket %s", spec);
	if ((fd = socket(ep.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		fatal("socket: %s", strerror(errno));
	if (ep.inet)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	else if (unlink(su->sun_path) != 0 && errno != ENOENT)
		fatal("unlink %s: %s", su->sun_path, strerror(errno));
	if (bind(fd, (struct sockaddr *)&ep.ss, ep.sslen) != 0)
		fatal("bind %s: %s", spec, strerror(errno));
	if (listen(fd, SOMAXCONN) != 0)
		fatal("listen %s: %s", spec, strerror(errno));
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&t, NULL, srv_accept, (void *)(intptr_t)fd) != 0)
		fatal("cannot start a thread");
	pthread_detach(t);
	while (sigwait(&set, &sig) != 0)
		;
	if (!ep.inet)
		unlink(su->sun_path);
	return 0;
}

/* num_arg - a whole number option in [lo, hi] */
static uint64_t
num_arg(const char *s, int opt, uint64_t lo, uint64_t hi)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v < lo ||
	    v > hi)
		fatal("bad -%c %s", opt, s);
	return v;
}

/* secs_arg - a positive number of seconds */
static double
secs_arg(const char *s, int opt)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 1e7)
		fatal("bad -%c %s", opt, s);
	return v;
}

/* usage - how to call, then exit 1 */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: %s -s SOCKET [-s SOCKET ...] -d CORPUSDIR [-c CONNS] "
	    "[-n COUNT]\n"
	    "\t[-T SECONDS] [-m MSGS_PER_CONN] [-w WARMUP] [-t TIMEOUT]\n"
	    "\t[-P PID[,PID...]] [-L LATFILE] [-N] [-q] [-v]\n"
	    "       %s -S SOCKET\n", PROG, PROG);
	exit(1);
}

/* main - parse options, run the workers, report */
int
main(int argc, char **argv)
{
	const char *dir = NULL, *server = NULL, *latfile = NULL;
	struct worker *ws;
	struct stats st;
	uint64_t t_start, t_end, next_progress, *all, done;
	size_t nall, i, j;
	double cpu_start, load_cpu, secs;
	pthread_attr_t attr;
	FILE *lf = NULL;
	struct tm tm;
	time_t now;
	int ch, k, client_opts = 0;

	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "c:d:L:m:n:NP:qS:s:T:t:vw:")) != -1) {
		if (ch != 'S')
			client_opts = 1;
		switch (ch) {
		case 'c':
			g_conns = (unsigned)num_arg(optarg, ch, 1, 4096);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'L':
			latfile = optarg;
			break;
		case 'm':
			g_per_conn = (unsigned)num_arg(optarg, ch, 1,
			    1000000000);
			break;
		case 'n':
			g_count = num_arg(optarg, ch, 1, 1000000000000ULL);
			break;
		case 'N':
			g_nodelay = 1;
			break;
		case 'P':
			pids_parse(optarg);
			break;
		case 'q':
			g_quiet = 1;
			break;
		case 'S':
			server = optarg;
			break;
		case 's':
			if (g_nep >= MAX_MILTERS)
				fatal("at most %d milters", MAX_MILTERS);
			if (endpoint_parse(optarg, &g_ep[g_nep], 0) != 0)
				fatal("bad socket %s", optarg);
			g_nep++;
			break;
		case 'T':
			g_tlimit = secs_arg(optarg, ch);
			break;
		case 't':
			g_timeout = secs_arg(optarg, ch);
			break;
		case 'v':
			g_verbose = 1;
			break;
		case 'w':
			g_warmup = num_arg(optarg, ch, 0, 1000000000000ULL);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (server != NULL) {
		if (client_opts)
			usage();
		return server_main(server);
	}
	if (g_nep == 0 || dir == NULL)
		usage();
	g_timeout_ns = (uint64_t)(g_timeout * 1e9);
	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL || strftime(g_date, sizeof(g_date),
	    "%a, %e %b %Y %H:%M:%S +0000 (UTC)", &tm) == 0)
		strcpy(g_date, "Thu,  1 Jan 1970 00:00:00 +0000 (UTC)");
	for (k = 0; k < NSTAGES; k++)
		maclist_parse(&g_defaults[k], default_macros[k],
		    strlen(default_macros[k]));
	load_corpus(dir);
	if (latfile != NULL && (lf = fopen(latfile, "we")) == NULL)
		fatal("%s: %s", latfile, strerror(errno));
	for (i = 0; i < g_npids; i++)
		if (proc_cpu(g_pids[i].pid) < 0)
			fatal("pid %d: cannot read /proc/%d/stat",
			    (int)g_pids[i].pid, (int)g_pids[i].pid);

	ws = xcalloc(g_conns, sizeof(*ws));
	if (pthread_barrier_init(&g_bar_warm, NULL, g_conns + 1) != 0 ||
	    pthread_barrier_init(&g_bar_go, NULL, g_conns + 1) != 0)
		fatal("cannot make barriers");
	atomic_store(&g_running, (int)g_conns);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (!g_quiet)
		fprintf(stderr, "%s: %zu corpus files, %u connections, "
		    "%u msgs/conn, %d milter%s, %" PRIu64 " warmup, "
		    "%" PRIu64 " messages\n", PROG, g_nfiles, g_conns,
		    g_per_conn, g_nep, g_nep == 1 ? "" : "s", g_warmup,
		    g_count);
	for (i = 0; i < g_conns; i++) {
		ws[i].id = (int)i;
		for (k = 0; k < g_nep; k++) {
			ws[i].m[k].ep = &g_ep[k];
			ws[i].m[k].idx = k;
			ws[i].m[k].fd = -1;
		}
		if (pthread_create(&ws[i].thread, &attr, worker_main,
		    &ws[i]) != 0)
			fatal("cannot start thread %zu", i);
	}
	pthread_barrier_wait(&g_bar_warm);

	for (i = 0; i < g_npids; i++) {
		g_pids[i].cpu0 = proc_cpu(g_pids[i].pid);
		g_pids[i].peak_rss = proc_status_kb(g_pids[i].pid, "VmRSS:");
	}
	cpu_start = cpu_seconds();
	t_start = now_ns();
	if (g_tlimit > 0)
		g_deadline = t_start + (uint64_t)(g_tlimit * 1e9);
	next_progress = t_start + 1000000000ULL;
	pthread_barrier_wait(&g_bar_go);

	while (atomic_load(&g_running) > 0) {
		sleep_ns(SAMPLE_NS);
		sample_rss();
		if (!g_quiet && now_ns() >= next_progress) {
			done = atomic_load(&g_done);
			fprintf(stderr, "%s: %" PRIu64 " of %" PRIu64
			    " messages, %.0f msgs/s\n", PROG, done, g_count,
			    (double)done * 1e9 / (double)(now_ns() - t_start));
			next_progress += 1000000000ULL;
		}
	}
	for (i = 0; i < g_conns; i++)
		pthread_join(ws[i].thread, NULL);
	sample_rss();
	for (i = 0; i < g_npids; i++) {
		g_pids[i].cpu1 = proc_cpu(g_pids[i].pid);
		g_pids[i].hwm = proc_status_kb(g_pids[i].pid, "VmHWM:");
	}
	load_cpu = cpu_seconds() - cpu_start;

	memset(&st, 0, sizeof(st));
	t_end = t_start;
	nall = 0;
	for (i = 0; i < g_conns; i++) {
		st.messages += ws[i].st.messages;
		st.errors += ws[i].st.errors;
		for (k = 0; k < NVERDICTS; k++)
			st.verdict[k] += ws[i].st.verdict[k];
		for (k = 0; k < NEDITS; k++)
			st.edit[k] += ws[i].st.edit[k];
		if (ws[i].t_end > t_end)
			t_end = ws[i].t_end;
		nall += ws[i].nlat;
	}
	all = xcalloc(nall, sizeof(*all));
	for (i = 0, nall = 0; i < g_conns; i++)
		for (j = 0; j < ws[i].nlat; j++)
			all[nall++] = ws[i].lat[j];
	if (lf != NULL) {
		for (i = 0; i < nall; i++)
			fprintf(lf, "%" PRIu64 "\n", (all[i] + 500) / 1000);
		if (fclose(lf) != 0)
			fatal("%s: %s", latfile, strerror(errno));
	}
	qsort(all, nall, sizeof(*all), u64_cmp);
	secs = (double)(t_end - t_start) / 1e9;
	report(&st, secs, all, nall, load_cpu);
	for (i = 0; i < g_conns; i++)
		worker_free(&ws[i]);
	free(ws);
	free(all);
	return st.messages == 0 && st.errors > 0 ? 2 : 0;
}
