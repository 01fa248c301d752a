/*
 * config_metrics.c - the metrics keyword: MetricsListen ADDR:PORT
 *
 * The setter validates the address and port and stores them in
 * cf->metrics, or says what it expected through conf_error(); config.c
 * finds it in config_metrics_keywords[] after its own table.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "config.h"
#include "config_int.h"
#include "config_metrics.h"

#define LISTEN_MAX	64	/* "[" IPv6 "]:" port, with room to spare */

/* parse_listen - "A.B.C.D:PORT" or "[IPV6]:PORT" into mc; -1 if bad */
static int
parse_listen(const char *value, struct metrics_config *mc)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&mc->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&mc->addr;
	char host[LISTEN_MAX];
	const char *colon = strrchr(value, ':');
	unsigned long port;
	size_t len;

	if (colon == NULL || strlen(value) >= LISTEN_MAX ||
	    parse_uint(colon + 1, 65535, &port) == -1 || port == 0)
		return -1;
	len = (size_t)(colon - value);
	memset(&mc->addr, 0, sizeof(mc->addr));
	if (value[0] == '[') {
		if (len < 3 || value[len - 1] != ']')
			return -1;
		memcpy(host, value + 1, len - 2);
		host[len - 2] = '\0';
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		mc->addrlen = sizeof(*sin6);
		return 0;
	}
	memcpy(host, value, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	mc->addrlen = sizeof(*sin);
	return 0;
}

/* set_listen - MetricsListen */
static int
set_listen(struct parse_ctx *pc, struct config *cf, const char *value)
{
	if (parse_listen(value, &cf->metrics) == -1) {
		conf_error(pc, "expected ADDR:PORT (an IPv4 address, or an "
		    "IPv6 one in brackets, and a port from 1 to 65535), got "
		    "'%s'", value);
		return -1;
	}
	free(cf->metrics.listen);
	cf->metrics.listen = xstrdup(value);
	return 0;
}

const struct config_keyword config_metrics_keywords[] = {
	{ "MetricsListen", set_listen },
};
const size_t config_metrics_nkeywords = ARRAY_SIZE(config_metrics_keywords);

/* config_metrics_free - release what the metrics settings hold */
void
config_metrics_free(struct metrics_config *mc)
{
	free(mc->listen);
	memset(mc, 0, sizeof(*mc));
}

/* config_metrics_same - the same address to listen on, or both off */
int
config_metrics_same(const struct metrics_config *a,
    const struct metrics_config *b)
{
	if (a->listen == NULL || b->listen == NULL)
		return a->listen == b->listen;
	return a->addrlen == b->addrlen &&
	    memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}
