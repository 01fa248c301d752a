/*
 * NAME
 *	config_metrics - the MetricsListen keyword of authmilter.conf
 * SYNOPSIS
 *	#include "config_metrics.h"
 *
 *	void config_metrics_free(struct metrics_config *mc);
 *	int  config_metrics_same(const struct metrics_config *a,
 *	         const struct metrics_config *b);
 * DESCRIPTION
 *	struct metrics_config is the part of struct config that the daemon
 *	reads to serve its metrics (milter/metrics_http.c); the keyword is
 *	parsed by config_metrics.c through config.c's parser and described
 *	in authmilter.conf(5).  "MetricsListen ADDR:PORT" takes an IPv4
 *	address, or an IPv6 one in brackets ("[::1]:9125"), and a port
 *	from 1 to 65535; no host names (config_load() never asks DNS).
 *	Without it, listen is NULL and nothing is served.
 *	config_metrics_free() releases what it holds;
 *	config_metrics_same() says whether two give the same address (a
 *	reload that changes it takes effect at restart only).
 */
#ifndef AUTHMILTER_CONFIG_METRICS_H
#define AUTHMILTER_CONFIG_METRICS_H

#include <sys/socket.h>

struct metrics_config {
	char			*listen;	/* MetricsListen, NULL: off */
	struct sockaddr_storage	 addr;		/* it, parsed */
	socklen_t		 addrlen;
};

void	config_metrics_free(struct metrics_config *);
int	config_metrics_same(const struct metrics_config *,
	    const struct metrics_config *);

#endif
