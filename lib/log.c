/*
 * log.c - syslog or stderr logging with one level filter
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define LOG_LINE_START	2048	/* bytes formatted on the stack; more: heap */

static atomic_int log_threshold = LOG_INFO;
static int log_to_syslog;
static const char *log_ident = "authmilter";
static log_sink_fn *log_sink;	/* instead of syslog or stderr, if set */
static void *log_sink_arg;

static const struct {
	const char *name;
	int value;
} log_levels[] = {
	{ "error", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
}, log_facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* log_open - choose syslog (with facility) or stderr */
void
log_open(const char *ident, int use_syslog, int facility)
{
	log_ident = ident;
	log_to_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

/* log_set_sink - send messages to fn instead (NULL: back to normal) */
void
log_set_sink(log_sink_fn *fn, void *arg)
{
	log_sink = fn;
	log_sink_arg = arg;
}

/* log_set_level - drop messages less important than level */
void
log_set_level(int level)
{
	atomic_store(&log_threshold, level);
}

/* log_level_parse - map a level name to a syslog priority */
int
log_level_parse(const char *name, int *level)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(log_levels); i++)
		if (str_caseeq(name, log_levels[i].name)) {
			*level = log_levels[i].value;
			return 0;
		}
	return -1;
}

/* log_facility_parse - map a facility name to a syslog facility */
int
log_facility_parse(const char *name, int *facility)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(log_facilities); i++)
		if (str_caseeq(name, log_facilities[i].name)) {
			*facility = log_facilities[i].value;
			return 0;
		}
	return -1;
}

/* level_name - the word printed on stderr for a priority */
static const char *
level_name(int priority)
{
	switch (priority) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: return "fatal";
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

/* log_msg - write one message, if its priority passes the level; whole */
void
log_msg(int priority, const char *fmt, ...)
{
	char buf[LOG_LINE_START], *heap = NULL;
	const char *line = buf;
	va_list ap;
	int n;

	if (priority > atomic_load(&log_threshold))
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0) {
		line = "(log message could not be formatted)";
	} else if ((size_t)n >= sizeof(buf)) {
		/* a long line is written whole, never cut here */
		line = heap = xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(heap, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	if (log_sink != NULL)
		log_sink(priority, line, log_sink_arg);
	else if (log_to_syslog)
		syslog(priority, "%s", line);
	else
		fprintf(stderr, "%s[%ld]: %s: %s\n", log_ident, (long)getpid(),
		    level_name(priority), line);
	free(heap);
}
