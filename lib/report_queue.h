/*
 * NAME
 *	report_queue - history rows leave the message path: a bounded
 *	queue, one writer thread, a spool file when the store cannot take
 *	them
 * SYNOPSIS
 *	#include "report_queue.h"
 *
 *	void report_queue_start(const struct report_config *rc);
 *	void report_queue_configure(const struct report_config *rc);
 *	void report_queue_push(struct report_row *row);
 *	void report_queue_stop(void);
 *	void report_queue_stats(struct report_queue_stats *out);
 * DESCRIPTION
 *	One queue per process.  report_queue_start() starts the writer
 *	thread with the settings of rc (ReportStore, ReportSpool,
 *	ReportQueueSize, ReportKeepDays; rc is copied).  It never fails:
 *	a store that cannot be opened is logged and tried again every
 *	REPORT_RETRY_SECONDS, its rows going to the spool meanwhile.
 *	report_queue_configure() hands new settings to a running writer
 *	(after a reload): the rows queued so far go where the old
 *	settings said, the next ones where the new say (once the writer
 *	took them up, which the counter reconfigured shows).
 *
 *	report_queue_push() takes a row (and owns it from then on; NULL is
 *	ignored).  It never waits for the writer, the disk of the store
 *	or a database: the row goes into the queue, or, when the queue
 *	holds ReportQueueSize rows, appended to the spool file at once (a
 *	short write to a local file).  Pushed before start or after stop,
 *	the row is spooled.  Only a row the spool cannot take either
 *	(disk full) is lost, and counted as dropped.
 *
 *	The writer takes up to REPORT_BATCH rows at a time and writes them
 *	in one transaction.  When that fails the batch is appended to the
 *	spool, and the store is closed, to be opened again after
 *	REPORT_RETRY_SECONDS.  While the store works and the spool holds
 *	rows, the writer replays it: the file is renamed to SPOOL.replay,
 *	its rows are inserted in one transaction, and the file is removed
 *	after the commit (a crash between the commit and the removal
 *	replays those rows once more).  A spool line that does not parse
 *	is skipped, logged and counted.  Once an hour the writer removes
 *	rows older than ReportKeepDays (report_history_prune()).
 *
 *	report_queue_stop() drains the queue (into the store, or the
 *	spool), stops the writer and logs the counters; the daemon calls
 *	it on SIGTERM.  report_queue_stats() copies the counters.
 *
 *	The spool file holds one JSON object per line (jansson), the keys
 *	being the dmarc_row column names (report_history.h).
 */
#ifndef AUTHMILTER_REPORT_QUEUE_H
#define AUTHMILTER_REPORT_QUEUE_H

#include <stdint.h>

#include "config_report.h"
#include "report_history.h"

#define REPORT_BATCH		500	/* rows a transaction */
#define REPORT_RETRY_SECONDS	10	/* before opening a failed store again */
#define REPORT_FLUSH_MS		1000	/* a row waits at most this long */
#define REPORT_PRUNE_SECONDS	3600

struct report_queue_stats {
	uint64_t	pushed;		/* rows handed in */
	uint64_t	written;	/* committed to the store */
	uint64_t	spooled;	/* appended to the spool file */
	uint64_t	replayed;	/* spooled rows committed later */
	uint64_t	bad_lines;	/* spool lines that did not parse */
	uint64_t	dropped;	/* rows lost: the spool failed too */
	uint64_t	queued;		/* in the queue now */
	uint64_t	reconfigured;	/* new settings taken up */
};

void	report_queue_start(const struct report_config *);
void	report_queue_configure(const struct report_config *);
void	report_queue_push(struct report_row *);
void	report_queue_stop(void);
void	report_queue_stats(struct report_queue_stats *);

#endif
