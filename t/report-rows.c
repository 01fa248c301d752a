/*
 * report-rows.c - history rows into a store, for the report tests:
 * report-rows STORE-URL < ROWS
 *
 * ROWS is tab-separated text: the first line names the columns
 * (dmarc_row's names, report_history.h), each line after it is one row.
 * Columns not named are "".  The rows go in through
 * report_history_insert(), in one transaction, after
 * report_history_schema().  Exit 0, or 1 with the error on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "store.h"
#include "report_history.h"

#define LINE_MAX_BYTES	8192

/* split - the tab-separated fields of line, at most max */
static size_t
split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		f[n++] = line;
		if ((p = strchr(line, '\t')) == NULL)
			break;
		*p = '\0';
		line = p + 1;
	}
	return n;
}

int
main(int argc, char **argv)
{
	char line[LINE_MAX_BYTES], *f[RC_NCOLS];
	enum report_col cols[RC_NCOLS];
	struct report_row **rows = NULL, *r;
	struct strbuf err;
	struct store *st;
	size_t ncols, nf, n = 0, i;

	if (argc != 2) {
		fprintf(stderr, "usage: report-rows STORE-URL < ROWS\n");
		return 2;
	}
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 1;
	ncols = split(line, f, RC_NCOLS);
	for (i = 0; i < ncols; i++)
		if (report_col_lookup(f[i], &cols[i]) == -1) {
			fprintf(stderr, "report-rows: no column %s\n", f[i]);
			return 1;
		}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		r = report_row_new();
		nf = split(line, f, ncols);
		for (i = 0; i < nf; i++)
			report_row_set(r, cols[i], f[i]);
		rows = xrealloc(rows, (n + 1) * sizeof(*rows));
		rows[n++] = r;
	}
	sb_init(&err);
	if ((st = store_open(argv[1], &err)) == NULL ||
	    store_begin(st, &err) == -1 ||
	    report_history_schema(st, &err) == -1 ||
	    report_history_insert(st, rows, n, &err) == -1 ||
	    store_commit(st, &err) == -1) {
		fprintf(stderr, "report-rows: %s\n", err.s);
		return 1;
	}
	store_close(st);
	for (i = 0; i < n; i++)
		report_row_free(rows[i]);
	free(rows);
	sb_free(&err);
	return 0;
}
