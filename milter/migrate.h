/*
 * NAME
 *	migrate - what the parts of authmilter-migrate share
 * SYNOPSIS
 *	#include "migrate.h"
 *
 *	void mig_warn(struct migrate *m, const char *file, unsigned line,
 *	         const char *keyword, const char *fmt, ...);
 *	void mig_error(struct migrate *m, const char *fmt, ...);
 *
 *	int  mig_read_conf(struct migrate *m, const char *path,
 *	         struct mig_conf *out);
 *	void mig_conf_free(struct mig_conf *c);
 *	const struct mig_setting *mig_conf_get(const struct mig_conf *c,
 *	         const char *keyword);
 *	int  mig_bool(struct migrate *m, const struct mig_setting *s,
 *	         int *out);
 *	int  mig_dataset(struct migrate *m, const struct mig_setting *s,
 *	         const char *basedir, struct mig_dataset *out);
 *	void mig_dataset_free(struct mig_dataset *d);
 *	char *mig_path(const char *basedir, const char *path);
 *
 *	void mig_set(struct migrate *m, const char *keyword,
 *	         const char *value, const struct mig_setting *from);
 *	const struct mig_out_line *mig_get(const struct migrate *m,
 *	         const char *keyword);
 *	struct mig_entry *mig_entry(struct migrate *m, const char *pattern,
 *	         const char *file, unsigned line);
 *	void mig_entry_add_key(struct migrate *m, struct mig_entry *e,
 *	         const char *selector, const char *keyfile,
 *	         const char *file, unsigned line);
 *
 *	long mig_index_get(const struct mig_index *ix, const char *key);
 *	int  mig_index_put(struct mig_index *ix, const char *key,
 *	         size_t val);
 *	void mig_index_free(struct mig_index *ix);
 *
 *	void migrate_opendkim(struct migrate *m, const struct mig_conf *c);
 *	void migrate_opendmarc(struct migrate *m, const struct mig_conf *c);
 *	int  migrate_write(struct migrate *m, const char *dir, int force);
 *	void migrate_free(struct migrate *m);
 * DESCRIPTION
 *	authmilter-migrate reads an OpenDKIM and an OpenDMARC
 *	configuration (the "old" files) and builds, in struct migrate,
 *	the lines of a new authmilter.conf (mig_set(): one value a
 *	keyword, with the old file and line it came from) and the entries
 *	of a domains table (mig_entry(): one a pattern, created on first
 *	use).  migrate_write() writes both into a directory and checks
 *	the result with the daemon's own config_load().  migrate_free()
 *	frees what was built.
 *
 *	mig_warn() prints "FILE:LINE: Keyword: message" on stderr (line
 *	0 leaves ":LINE" out) and counts it: every old setting that is
 *	not carried over, or is carried over with another meaning, gets
 *	one, saying what to do instead.  mig_error() prints a plain error
 *	and counts it; any error makes the exit status 1.
 *
 *	mig_read_conf() reads an OpenDKIM/OpenDMARC style file ("Keyword
 *	value" lines, '#' to the end of the line, "Include FILE" read in
 *	place up to MIG_INCLUDE_DEPTH deep); keywords compare
 *	case-insensitively; a repeated keyword keeps the last value (as
 *	the old milters do) and gets a warning.  It returns 0, or -1 when
 *	the file cannot be read (reported).  mig_bool() reads a Boolean
 *	as the old milters do (only the first byte counts: TtYy1 or
 *	FfNn0); it returns -1 with a warning for anything else.
 *
 *	mig_dataset() reads an OpenDKIM data set: "file:PATH" or "/PATH"
 *	(one entry a line, key then value), "refile:PATH" (the same, keys
 *	are wildcard patterns: out->refile is set), "csl:LIST" or a plain
 *	comma-separated list ("key=value" items).  Each element keeps the
 *	file and line it came from.  Database, LDAP, Lua and other data
 *	sets cannot be read: -1 with a warning saying to export them to a
 *	file: data set.  Relative file names are taken from basedir
 *	(OpenDKIM's BaseDirectory; NULL: as they are).  A data set file
 *	over MIG_DATASET_MAX elements is refused with an error, not cut.
 *
 *	A struct mig_index (zeroed to start) maps strings, compared
 *	case-insensitively, to numbers: mig_index_put() adds key unless
 *	it is there (1 added, 0 not), mig_index_get() gives its number or
 *	-1.
 *
 *	mig_path() gives path made absolute against basedir (malloc'd), or
 *	a copy of path when it is absolute or basedir is NULL.
 */
#ifndef AUTHMILTER_MIGRATE_H
#define AUTHMILTER_MIGRATE_H

#include <stddef.h>

#include "util.h"

#define MIG_INCLUDE_DEPTH	5	/* OpenDKIM's Include nesting limit */
#define MIG_DATASET_MAX		100000	/* elements of one data set */
#define MIG_LINE_MAX		65536	/* bytes of one line of an old file */

struct migrate;

/* one "Keyword value" of an old file */
struct mig_setting {
	char		*keyword;	/* as written */
	char		*value;
	char		*file;
	unsigned	 line;
};

struct mig_conf {
	const char		*path;
	struct mig_setting	*v;
	size_t			 n;
};

/* one element of a data set: key, optional value (NULL) */
struct mig_elem {
	char		*key;
	char		*value;
	char		*file;
	unsigned	 line;
};

struct mig_dataset {
	struct mig_elem	*v;
	size_t		 n;
	int		 refile;	/* keys are wildcard patterns */
};

/* strings to numbers (migrate_index.c) */
struct mig_index {
	char		**keys;
	size_t		 *vals;
	size_t		  cap;		/* a power of 2, or 0 */
	size_t		  n;
};

/* one line of the new authmilter.conf */
struct mig_out_line {
	char		*keyword;
	char		*value;
	char		*from;		/* "FILE:LINE" it comes from, or NULL */
};

struct mig_key {
	char		*selector;
	char		*keyfile;
};

/* one entry of the new domains table */
struct mig_entry {
	char		*pattern;
	char		*from;		/* "FILE:LINE" that made it */
	struct mig_key	*keys;
	size_t		 nkeys;
	int		 sign_none;	/* sign=none: do not inherit keys */
	const char	*dmarc;		/* dmarc= value, or NULL */
};

struct migrate {
	struct mig_out_line	*out;
	size_t			 nout;
	struct mig_entry	*ent;
	size_t			 nent;
	struct mig_index	 ent_index;	/* pattern to ent[] */
	unsigned		 nwarn;
	unsigned		 nerr;
};

void	mig_warn(struct migrate *, const char *, unsigned, const char *,
	    const char *, ...) __attribute__((format(printf, 5, 6)));
void	mig_error(struct migrate *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

int	mig_read_conf(struct migrate *, const char *, struct mig_conf *);
void	mig_conf_free(struct mig_conf *);
const struct mig_setting *mig_conf_get(const struct mig_conf *,
	    const char *);
int	mig_bool(struct migrate *, const struct mig_setting *, int *);
int	mig_dataset(struct migrate *, const struct mig_setting *,
	    const char *, struct mig_dataset *);
void	mig_dataset_free(struct mig_dataset *);
char	*mig_path(const char *, const char *);

void	mig_set(struct migrate *, const char *, const char *,
	    const struct mig_setting *);
const struct mig_out_line *mig_get(const struct migrate *, const char *);
struct mig_entry *mig_entry(struct migrate *, const char *, const char *,
	    unsigned);
void	mig_entry_add_key(struct migrate *, struct mig_entry *,
	    const char *, const char *, const char *, unsigned);

long	mig_index_get(const struct mig_index *, const char *);
int	mig_index_put(struct mig_index *, const char *, size_t);
void	mig_index_free(struct mig_index *);

void	migrate_opendkim(struct migrate *, const struct mig_conf *);
void	migrate_opendmarc(struct migrate *, const struct mig_conf *);
int	migrate_write(struct migrate *, const char *, int);
void	migrate_free(struct migrate *);

#endif
