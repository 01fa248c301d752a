/*
 * NAME
 *	config_int - what the config parser's files share (not for other
 *	modules)
 * SYNOPSIS
 *	#include "config_int.h"
 *
 *	void conf_error(struct parse_ctx *pc, const char *fmt, ...);
 *	int  parse_uint(const char *s, unsigned long max, unsigned long *out);
 *	int  parse_seconds_ms(const char *s, long *ms);
 *	int  parse_bool_value(struct parse_ctx *pc, const char *value,
 *	         int *out);
 *	char **split_list(const char *value, size_t *count);
 *	void free_list(char **v);
 * DESCRIPTION
 *	config.c reads the file; each group of keywords that is its own
 *	concern has its own file (config_report.c: DMARC reports,
 *	config_metrics.c: the metrics endpoint) with a
 *	table of struct config_keyword that config.c searches after its
 *	own.  A setter validates the value, stores it in the config, and
 *	on error calls conf_error(), which appends "PATH:LINE: Keyword:
 *	message" to the errors and counts it.
 *
 *	parse_uint() takes decimal digits only, at most max;
 *	parse_seconds_ms() "5" or "0.5" seconds; parse_bool_value() yes or
 *	no (reporting the error itself); split_list() the words of a comma
 *	and/or blank separated list (NULL-terminated, free with
 *	free_list()).  The parse_* functions return 0, or -1 when the value
 *	is not valid.
 */
#ifndef AUTHMILTER_CONFIG_INT_H
#define AUTHMILTER_CONFIG_INT_H

#include <stddef.h>

#include "config.h"
#include "util.h"

/* parse_ctx - where the parser is, for error lines */
struct parse_ctx {
	const char	*path;		/* the config file */
	unsigned	 line;
	const char	*keyword;	/* canonical name, for errors */
	struct strbuf	*errors;
	unsigned	 nerrors;
};

struct config_keyword {
	const char	*name;
	int		(*set)(struct parse_ctx *, struct config *,
			    const char *);
};

extern const struct config_keyword config_report_keywords[];
extern const size_t config_report_nkeywords;
extern const struct config_keyword config_metrics_keywords[];
extern const size_t config_metrics_nkeywords;

void	 conf_error(struct parse_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 parse_uint(const char *, unsigned long, unsigned long *);
int	 parse_seconds_ms(const char *, long *);
int	 parse_bool_value(struct parse_ctx *, const char *, int *);
char	**split_list(const char *, size_t *);
void	 free_list(char **);

#endif
