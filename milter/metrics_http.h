/*
 * NAME
 *	metrics_http - the daemon's /metrics endpoint (libmicrohttpd)
 * SYNOPSIS
 *	#include "metrics_http.h"
 *
 *	int  metrics_http_start(const struct metrics_config *mc);
 *	void metrics_http_stop(void);
 * DESCRIPTION
 *	metrics_http_start() listens on mc's address (MetricsListen; does
 *	nothing and returns 0 when it is not set) and serves, from a
 *	thread of libmicrohttpd's own, the counters of lib/metrics plus
 *	authmilter_messages_in_flight (callbacks_in_flight()) and
 *	authmilter_build_info in the Prometheus text format at GET (or
 *	HEAD) /metrics.  Any other path is 404, any other method 405; a
 *	request libmicrohttpd cannot parse gets its 400.  At most
 *	METRICS_HTTP_CONNECTIONS connections at once (more are closed as
 *	they come), each closed after METRICS_HTTP_TIMEOUT seconds idle,
 *	with a request of at most METRICS_HTTP_MEMORY bytes (a larger one
 *	is answered 431 or 413 by libmicrohttpd).  Call it once, after
 *	daemonizing and before dropping privileges (a port under 1024 needs
 *	root to bind), with SIGHUP, SIGTERM and SIGINT in any state: its
 *	thread starts with them blocked, so they keep reaching the threads
 *	that handle them.  Returns -1, logged, if it cannot listen.
 *	metrics_http_stop() closes the socket and ends the thread.
 */
#ifndef AUTHMILTER_METRICS_HTTP_H
#define AUTHMILTER_METRICS_HTTP_H

#include "config.h"

#define METRICS_HTTP_PATH	 "/metrics"
#define METRICS_HTTP_CONNECTIONS 16		/* at once */
#define METRICS_HTTP_TIMEOUT	 10		/* seconds idle */
#define METRICS_HTTP_MEMORY	 (32 * 1024)	/* bytes of one request */

int	metrics_http_start(const struct metrics_config *);
void	metrics_http_stop(void);

#endif
