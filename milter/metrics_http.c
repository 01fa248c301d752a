/*
 * metrics_http.c - GET /metrics over libmicrohttpd, in a thread of its own
 *
 * The page is rendered afresh for every scrape from the atomic counters
 * of lib/metrics: a scrape takes no lock the message path takes.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "log.h"
#include "metrics.h"
#include "util.h"

#include "callbacks.h"
#include "metrics_http.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

static struct MHD_Daemon *httpd;
static int request_seen;	/* marks a request's first call */

/* log_mhd - libmicrohttpd's own errors, into our log */
static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
	struct strbuf sb;

	(void)cls;
	sb_init(&sb);
	sb_vprintf(&sb, fmt, ap);
	while (sb.len > 0 && sb.s[sb.len - 1] == '\n')
		sb_truncate(&sb, sb.len - 1);
	log_msg(LOG_DEBUG, "metrics: %s", sb.s);
	sb_free(&sb);
}

/* render - the whole page: lib/metrics, in flight, build */
static void
render(struct strbuf *sb)
{
	metrics_render(sb);
	sb_puts(sb, "# HELP authmilter_messages_in_flight Messages between "
	    "MAIL FROM and their end.\n"
	    "# TYPE authmilter_messages_in_flight gauge\n");
	sb_printf(sb, "authmilter_messages_in_flight %d\n",
	    callbacks_in_flight());
	sb_puts(sb, "# HELP authmilter_build_info The running authmilter's "
	    "version.\n# TYPE authmilter_build_info gauge\n");
	sb_printf(sb, "authmilter_build_info{version=\"%s\"} 1\n",
	    PACKAGE_VERSION);
}

/* reply - queue a response with this status, body and content type */
static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, char *body,
    enum MHD_ResponseMemoryMode mode, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(strlen(body), body, mode);
	if (r == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
		    "GET, HEAD");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* answer - one request: /metrics, or 404, or 405 */
static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	struct strbuf sb;

	(void)cls;
	(void)version;
	(void)upload;
	if (*state == NULL) {	/* headers only so far */
		*state = &request_seen;
		return MHD_YES;
	}
	if (*upload_size != 0) {	/* a body: not wanted, dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    (char *)"method not allowed: GET or HEAD only\n",
		    MHD_RESPMEM_PERSISTENT, "text/plain");
	if (strcmp(url, METRICS_HTTP_PATH) != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND,
		    (char *)"not found: the metrics are at "
		    METRICS_HTTP_PATH "\n", MHD_RESPMEM_PERSISTENT,
		    "text/plain");
	sb_init(&sb);
	render(&sb);
	return reply(conn, MHD_HTTP_OK, sb_detach(&sb), MHD_RESPMEM_MUST_FREE,
	    CONTENT_TYPE);
}

/* metrics_http_start - listen on MetricsListen, if set */
int
metrics_http_start(const struct metrics_config *mc)
{
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	sigset_t block, old;

	if (mc->listen == NULL)
		return 0;
	if (mc->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	httpd = MHD_start_daemon(flags, 0, NULL, NULL, answer, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,	/* first: all */
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&mc->addr,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_HTTP_MEMORY,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (httpd == NULL) {
		log_msg(LOG_ERR, "MetricsListen %s: cannot listen there (in "
		    "use, or not an address of this host?)", mc->listen);
		return -1;
	}
	log_msg(LOG_INFO, "metrics at http://%s%s", mc->listen,
	    METRICS_HTTP_PATH);
	return 0;
}

/* metrics_http_stop - stop serving */
void
metrics_http_stop(void)
{
	if (httpd != NULL)
		MHD_stop_daemon(httpd);
	httpd = NULL;
}
