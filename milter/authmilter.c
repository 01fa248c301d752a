/*
 * authmilter.c - the daemon: options, configuration, privileges, signals
 *
 * The main thread owns the process: it loads the configuration, opens
 * the milter socket, drops privileges and runs libmilter in a thread of
 * its own.  It then waits for SIGHUP (reload) and for libmilter to stop
 * (SIGTERM, SIGINT).  SIGHUP is handled here and never reaches
 * libmilter, which would otherwise stop on it: the main thread is the
 * only one that leaves SIGHUP unblocked, so the kernel delivers it here.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dkim_verify.h"
#include "dns.h"
#include "log.h"
#include "metrics.h"
#include "report_queue.h"
#include "util.h"

#include "callbacks.h"
#include "metrics_http.h"

#define DRAIN_SECONDS	60	/* how long SIGTERM waits for messages */
/*
 * the largest milter packet libmilter takes (its MILTER_MDS_1M; 64 KB by
 * default): a header field up to about 1 MB; a larger one makes libmilter
 * close the connection, and the MTA applies its milter failure action
 */
#define MILTER_MAX_DATA	((size_t)1024 * 1024 - 1)

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static struct config *config_now;
static int wake_pipe[2] = { -1, -1 };
static int milter_status;

/* usage - the command line, on stderr */
static void
usage(void)
{
	fprintf(stderr,
	    "usage: authmilter [-fnV] [-c config] [-p socket]\n"
	    "  -c FILE    configuration file (default %s)\n"
	    "  -f         stay in the foreground, log to stderr\n"
	    "  -n         check the configuration and table, then exit\n"
	    "  -p SOCKET  listen on SOCKET instead of the configured one\n"
	    "  -V         print the version and exit\n",
	    CONFIG_DEFAULT_PATH);
	exit(64);
}

/* current_config - the configuration in force, with a reference */
struct config *
current_config(void)
{
	struct config *cf;

	pthread_mutex_lock(&config_lock);
	cf = config_now;
	config_ref(cf);
	pthread_mutex_unlock(&config_lock);
	return cf;
}

/*
 * load - read a configuration and give it a DNS context, sharing the DNS
 * cache of the configuration it replaces (old, may be NULL) when the DNS
 * settings allow; NULL if bad
 */
static struct config *
load(const char *path, int to_stderr, const struct config *old)
{
	struct strbuf errors;
	struct config *cf;
	char *line, *save = NULL;

	sb_init(&errors);
	cf = config_load(path, &errors);
	if (cf == NULL) {
		for (line = strtok_r(errors.s, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			if (to_stderr)
				fprintf(stderr, "authmilter: %s\n", line);
			else
				log_msg(LOG_ERR, "%s", line);
		}
	}
	sb_free(&errors);
	if (cf != NULL) {
		cf->resolver = dns_ctx_reload(&cf->dns_opts,
		    old != NULL ? old->resolver : NULL);
		if (cf->dkim_verify)
			cf->dkim = dkim_engine_new();
	}
	return cf;
}

/* reload - SIGHUP: build the new configuration beside the old, swap */
static void
reload(const char *path)
{
	struct config *cf, *old;

	log_msg(LOG_NOTICE, "reloading %s", path);
	old = current_config();
	cf = load(path, 0, old);
	if (cf != NULL && dns_ctx_shares_cache(cf->resolver, old->resolver))
		log_msg(LOG_INFO, "DNS settings unchanged: the DNS cache is "
		    "kept");
	config_unref(old);
	metrics_reload(cf != NULL);
	if (cf == NULL) {
		log_msg(LOG_ERR, "reload of %s refused; the old configuration "
		    "stays in force", path);
		return;
	}
	pthread_mutex_lock(&config_lock);
	old = config_now;
	config_now = cf;
	pthread_mutex_unlock(&config_lock);
	if (strcmp(old->socket, cf->socket) != 0 ||
	    (old->user_id == NULL) != (cf->user_id == NULL) ||
	    (old->user_id && strcmp(old->user_id, cf->user_id) != 0))
		log_msg(LOG_WARNING, "Socket and UserID changes take effect "
		    "only at restart");
	if (!config_metrics_same(&old->metrics, &cf->metrics))
		log_msg(LOG_WARNING, "MetricsListen changes take effect only "
		    "at restart; the metrics stay where they were");
	log_set_level(cf->log_level);
	if (cf->report.enabled)
		report_queue_start(&cf->report); /* or hand it the new settings */
	config_unref(old);	/* freed when its last session ends */
	log_msg(LOG_NOTICE, "configuration reloaded");
}

/* on_hup - signal handler: wake the main thread to reload */
static void
on_hup(int sig)
{
	int saved = errno;
	char c = 'H';

	(void)sig;
	if (write(wake_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a reload is already pending */
	}
	errno = saved;
}

/* milter_thread - run libmilter until it stops, then wake main */
static void *
milter_thread(void *arg)
{
	char c = 'S';

	(void)arg;
	milter_status = smfi_main();
	if (write(wake_pipe[1], &c, 1) < 0)
		log_msg(LOG_ERR, "cannot wake the main thread: %s",
		    strerror(errno));
	return NULL;
}

/* drop_privileges - become UserID ("user" or "user:group") */
static int
drop_privileges(const char *spec, const char *socket)
{
	char *user = xstrdup(spec), *group = strchr(user, ':');
	struct passwd *pw;
	struct group *gr;
	gid_t gid;

	if (group != NULL)
		*group++ = '\0';
	if ((pw = getpwnam(user)) == NULL) {
		log_msg(LOG_ERR, "UserID: no such user '%s'", user);
		free(user);
		return -1;
	}
	gid = pw->pw_gid;
	if (group != NULL) {
		if ((gr = getgrnam(group)) == NULL) {
			log_msg(LOG_ERR, "UserID: no such group '%s'", group);
			free(user);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (strncmp(socket, "unix:", 5) == 0 || strncmp(socket, "local:", 6) == 0)
		if (chown(strchr(socket, ':') + 1, pw->pw_uid, gid) != 0)
			log_msg(LOG_WARNING, "cannot chown socket %s: %s",
			    socket, strerror(errno));
	if (setgroups(1, &gid) != 0 || setgid(gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		log_msg(LOG_ERR, "cannot become %s: %s", spec, strerror(errno));
		free(user);
		return -1;
	}
	free(user);
	return 0;
}

/* daemonize - detach from the terminal */
static int
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if (chdir("/") != 0)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

/* write_pid - the pid file, if configured */
static void
write_pid(const char *path)
{
	FILE *fp;

	if (path == NULL)
		return;
	if ((fp = fopen(path, "w")) == NULL) {
		log_msg(LOG_WARNING, "cannot write pid file %s: %s", path,
		    strerror(errno));
		return;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	fclose(fp);
}

/* drain - after a stop, let messages in flight finish (bounded) */
static void
drain(void)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	int i;

	for (i = 0; i < DRAIN_SECONDS * 10 && callbacks_in_flight() > 0; i++)
		nanosleep(&tick, NULL);
	if (callbacks_in_flight() > 0)
		log_msg(LOG_WARNING, "stopping with %d messages in flight",
		    callbacks_in_flight());
}

/* serve - run libmilter in a thread; reload on SIGHUP until it stops */
static int
serve(const char *path)
{
	struct sigaction sa;
	sigset_t block;
	pthread_t tid;
	char c;

	/* TERM and INT are libmilter's; HUP stays unblocked here only */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	if (pthread_create(&tid, NULL, milter_thread, NULL) != 0) {
		log_msg(LOG_ERR, "cannot start the milter thread");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_UNBLOCK, &block, NULL);

	for (;;) {
		if (read(wake_pipe[0], &c, 1) != 1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (c == 'H')
			reload(path);
		else
			break;
	}
	pthread_join(tid, NULL);
	drain();
	report_queue_stop();	/* the history rows queued go out */
	return milter_status == MI_SUCCESS ? 0 : 1;
}

/*
 * nodelay_listener - turn Nagle's algorithm off on libmilter's TCP socket
 *
 * libmilter writes each reply (every header edit, then the verdict) as
 * a packet of its own.  With Nagle on, a small reply that follows an
 * unacknowledged one waits for the MTA's delayed ACK: some 40 ms at the
 * end of every message over inet sockets.  libmilter does not hand out
 * its listening socket, so find it among our descriptors (it is the
 * only listening one after smfi_opensocket); Linux copies TCP_NODELAY
 * to every connection accepted from it.
 */
static void
nodelay_listener(void)
{
	int fd, on, domain;
	socklen_t len;
	long max = sysconf(_SC_OPEN_MAX);

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 0; fd < max; fd++) {
		len = sizeof(on);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0 ||
		    !on)
			continue;
		/* the one listener: done, whatever its family */
		len = sizeof(domain);
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
		    (domain != AF_INET && domain != AF_INET6))
			return;
		on = 1;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on)) != 0)
			log_msg(LOG_WARNING, "cannot set TCP_NODELAY on the "
			    "milter socket: %s", strerror(errno));
		return;
	}
}

/* open_socket - register with libmilter and create the listening socket */
static int
open_socket(const char *socket, int umask_value)
{
	if (smfi_setconn((char *)socket) != MI_SUCCESS ||
	    smfi_register(callbacks_desc) != MI_SUCCESS) {
		log_msg(LOG_ERR, "cannot use socket %s", socket);
		return -1;
	}
	(void)smfi_setmaxdatasize(MILTER_MAX_DATA);
	umask((mode_t)umask_value);
	if (smfi_opensocket(1) != MI_SUCCESS) {
		log_msg(LOG_ERR, "cannot open socket %s: is another authmilter "
		    "running, or is the directory missing?", socket);
		return -1;
	}
	nodelay_listener();
	return 0;
}

/*
 * limit_arenas - one malloc arena per core
 *
 * glibc gives threads up to eight arenas per core, and libmilter runs
 * a thread per SMTP connection: at 64 connections that is some 5 MB of
 * resident heap that a few arenas do not need.
 */
static void
limit_arenas(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	(void)mallopt(M_ARENA_MAX, (int)(n < 8 ? n : 8));
}

int
main(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_PATH, *socket = NULL;
	char *pid_file = NULL;
	int foreground = 0, check_only = 0, opt, rc;
	struct config *cf;

	while ((opt = getopt(argc, argv, "c:fnp:Vh")) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': check_only = 1; break;
		case 'p': socket = optarg; break;
		case 'V': printf("authmilter %s\n", PACKAGE_VERSION); return 0;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	limit_arenas();
	if ((cf = load(path, 1, NULL)) == NULL)
		return CONFIG_EXIT_BAD;
	if (check_only) {
		printf("%s: configuration OK\n", path);
		config_unref(cf);
		return 0;
	}
	config_now = cf;
	if (socket == NULL)
		socket = cf->socket;
	log_set_level(cf->log_level);
	log_open("authmilter", !foreground && cf->syslog, cf->syslog_facility);

	if (pipe(wake_pipe) != 0 || fcntl(wake_pipe[1], F_SETFL, O_NONBLOCK))
		return 1;
	if (open_socket(socket, cf->umask) != 0)
		return 1;
	if (!foreground && daemonize() != 0) {
		log_msg(LOG_ERR, "cannot become a daemon: %s", strerror(errno));
		return 1;
	}
	if (cf->pid_file != NULL)
		pid_file = xstrdup(cf->pid_file);
	write_pid(pid_file);
	if (metrics_http_start(&cf->metrics) != 0)
		return 1;
	if (cf->user_id != NULL && drop_privileges(cf->user_id, socket) != 0)
		return 1;
	log_msg(LOG_NOTICE, "authmilter %s starting on %s", PACKAGE_VERSION,
	    socket);
	if (cf->report.enabled)
		report_queue_start(&cf->report);
	rc = serve(path);
	metrics_http_stop();
	log_msg(LOG_NOTICE, "authmilter stopped");
	if (pid_file != NULL)
		unlink(pid_file);
	free(pid_file);
	return rc;
}
