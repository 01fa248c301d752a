/*
 * NAME
 *	log - one place where authmilter writes its log
 * SYNOPSIS
 *	#include "log.h"
 *
 *	void log_open(const char *ident, int use_syslog, int facility);
 *	void log_set_level(int level);
 *	int  log_level_parse(const char *name, int *level);
 *	int  log_facility_parse(const char *name, int *facility);
 *	void log_msg(int priority, const char *fmt, ...);
 *	void log_set_sink(log_sink_fn *fn, void *arg);
 * DESCRIPTION
 *	Messages go to syslog(3) or, before log_open() and in foreground
 *	mode, to stderr as "ident[pid]: level: text".  Messages above the
 *	level set by log_set_level() (a syslog priority, default LOG_INFO)
 *	are dropped here, so callers never test the level themselves.
 *	A message is written whole whatever its length (it is formatted
 *	on the stack up to 2 KB, on the heap beyond); keeping lines short
 *	enough for the syslog daemon is the caller's business.
 *
 *	log_level_parse() maps "error", "warning", "notice", "info" and
 *	"debug" to syslog priorities; log_facility_parse() maps "mail",
 *	"daemon", "local0".."local7".  Both return 0, or -1 for an
 *	unknown name.  All functions are thread-safe.
 *
 *	log_set_sink() hands every message that passes the level to
 *	fn(priority, text, arg) instead of syslog or stderr (text is the
 *	message alone, without ident, pid or level; fn must not keep the
 *	pointer); a NULL fn goes back to syslog or stderr.  It is for a
 *	program that shows what the daemon would log (authmilter-check
 *	--message): call it while no other thread logs.
 */
#ifndef AUTHMILTER_LOG_H
#define AUTHMILTER_LOG_H

#include <syslog.h>

void	log_open(const char *, int, int);
void	log_set_level(int);
int	log_level_parse(const char *, int *);
int	log_facility_parse(const char *, int *);
void	log_msg(int, const char *, ...) __attribute__((format(printf, 2, 3)));

typedef void log_sink_fn(int, const char *, void *);
void	log_set_sink(log_sink_fn *, void *);

#endif
