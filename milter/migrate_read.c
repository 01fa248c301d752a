/*
 * migrate_read.c - authmilter-migrate: reading the old files (OpenDKIM
 * and OpenDMARC configurations and OpenDKIM data sets), and the
 * warnings.  The contract is in migrate.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "migrate.h"

/* mig_warn - one "FILE:LINE: Keyword: message" on stderr, counted */
void
mig_warn(struct migrate *m, const char *file, unsigned line,
    const char *keyword, const char *fmt, ...)
{
	va_list ap;

	if (line > 0)
		fprintf(stderr, "%s:%u: ", file, line);
	else
		fprintf(stderr, "%s: ", file);
	if (keyword != NULL)
		fprintf(stderr, "%s: ", keyword);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	m->nwarn++;
}

/* mig_error - an error on stderr, counted: the exit status becomes 1 */
void
mig_error(struct migrate *m, const char *fmt, ...)
{
	va_list ap;

	fputs("authmilter-migrate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	m->nerr++;
}

/* mig_path - path made absolute against basedir (malloc'd) */
char *
mig_path(const char *basedir, const char *path)
{
	struct strbuf sb;

	if (path[0] == '/' || basedir == NULL)
		return xstrdup(path);
	sb_init(&sb);
	sb_printf(&sb, "%s/%s", basedir, path);
	return sb_detach(&sb);
}

/* strip_line - cut the '#' comment, the line end and outer blanks */
static char *
strip_line(char *line)
{
	char *hash = strchr(line, '#');

	if (hash != NULL)
		*hash = '\0';
	return str_trim(line);
}

/* read_lines - call fn for each non-blank line of path; -1: unreadable */
static int
read_lines(struct migrate *m, const char *path,
    void (*fn)(void *, char *, const char *, unsigned), void *arg)
{
	FILE *fp;
	char *line = NULL, *s;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		mig_error(m, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (len > MIG_LINE_MAX) {
			mig_error(m, "%s:%u: line longer than %d bytes", path,
			    lineno, MIG_LINE_MAX);
			continue;
		}
		if (strlen(line) != (size_t)len) {
			mig_error(m, "%s:%u: NUL byte in the line", path,
			    lineno);
			continue;
		}
		s = strip_line(line);
		if (*s != '\0')
			fn(arg, s, path, lineno);
	}
	if (ferror(fp))
		mig_error(m, "cannot read %s: %s", path, strerror(errno));
	free(line);
	fclose(fp);
	return 0;
}

struct conf_reader {
	struct migrate	*m;
	struct mig_conf	*c;
	unsigned	 depth;
};

static int read_conf_file(struct conf_reader *, const char *);

/* conf_line - one "Keyword value" line; Include is read in place */
static void
conf_line(void *arg, char *s, const char *path, unsigned lineno)
{
	struct conf_reader *r = arg;
	struct mig_setting *st;
	size_t klen = strcspn(s, " \t");
	char *value = str_trim(s + klen);
	size_t i;

	s[klen] = '\0';
	if (*value == '\0') {
		mig_warn(r->m, path, lineno, s, "no value: ignored, as the "
		    "old milter does");
		return;
	}
	if (strcasecmp(s, "Include") == 0) {
		if (r->depth >= MIG_INCLUDE_DEPTH) {
			mig_error(r->m, "%s:%u: Include nested more than %d "
			    "deep", path, lineno, MIG_INCLUDE_DEPTH);
			return;
		}
		r->depth++;
		read_conf_file(r, value);
		r->depth--;
		return;
	}
	for (i = 0; i < r->c->n; i++) {
		st = &r->c->v[i];
		if (strcasecmp(st->keyword, s) != 0)
			continue;
		mig_warn(r->m, path, lineno, s, "given again (first at "
		    "%s:%u): the last value counts, as in the old milter",
		    st->file, st->line);
		free(st->value);
		free(st->file);
		st->value = xstrdup(value);
		st->file = xstrdup(path);
		st->line = lineno;
		return;
	}
	r->c->v = xrealloc(r->c->v, (r->c->n + 1) * sizeof(*r->c->v));
	st = &r->c->v[r->c->n++];
	st->keyword = xstrdup(s);
	st->value = xstrdup(value);
	st->file = xstrdup(path);
	st->line = lineno;
}

/* read_conf_file - one file into the reader's settings */
static int
read_conf_file(struct conf_reader *r, const char *path)
{
	return read_lines(r->m, path, conf_line, r);
}

/* mig_read_conf - an OpenDKIM/OpenDMARC style configuration file */
int
mig_read_conf(struct migrate *m, const char *path, struct mig_conf *out)
{
	struct conf_reader r = { m, out, 0 };

	out->path = path;
	out->v = NULL;
	out->n = 0;
	return read_conf_file(&r, path);
}

/* mig_conf_free - the settings of one file */
void
mig_conf_free(struct mig_conf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].keyword);
		free(c->v[i].value);
		free(c->v[i].file);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* mig_conf_get - the setting of a keyword, or NULL */
const struct mig_setting *
mig_conf_get(const struct mig_conf *c, const char *keyword)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcasecmp(c->v[i].keyword, keyword) == 0)
			return &c->v[i];
	return NULL;
}

/* mig_bool - a Boolean as the old milters read it: the first byte */
int
mig_bool(struct migrate *m, const struct mig_setting *s, int *out)
{
	if (strchr("TtYy1", s->value[0]) != NULL)
		*out = 1;
	else if (strchr("FfNn0", s->value[0]) != NULL)
		*out = 0;
	else {
		mig_warn(m, s->file, s->line, s->keyword, "'%s' is not a "
		    "Boolean (the old milter refuses it): not carried over",
		    s->value);
		return -1;
	}
	return 0;
}

/* dataset_add - one element */
static int
dataset_add(struct migrate *m, struct mig_dataset *d, const char *key,
    const char *value, const char *file, unsigned line)
{
	struct mig_elem *e;

	if (d->n >= MIG_DATASET_MAX) {
		if (d->n == MIG_DATASET_MAX)
			mig_error(m, "%s:%u: data set over %d entries: not "
			    "read", file, line, MIG_DATASET_MAX);
		d->n++;		/* counted, so the error is said once */
		return -1;
	}
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	e = &d->v[d->n++];
	e->key = xstrdup(key);
	e->value = value != NULL && *value != '\0' ? xstrdup(value) : NULL;
	e->file = xstrdup(file);
	e->line = line;
	return 0;
}

struct file_reader {
	struct migrate		*m;
	struct mig_dataset	*d;
};

/* dataset_line - "KEY [VALUE]" of a file: or refile: data set */
static void
dataset_line(void *arg, char *s, const char *path, unsigned lineno)
{
	struct file_reader *r = arg;
	size_t klen = strcspn(s, " \t");
	char *value = str_trim(s + klen);

	s[klen] = '\0';
	dataset_add(r->m, r->d, s, value, path, lineno);
}

/* dataset_list - a comma-separated list, "key=value" items */
static void
dataset_list(struct migrate *m, const struct mig_setting *s,
    const char *list, struct mig_dataset *d)
{
	char *copy = xstrdup(list), *item, *next, *eq;

	for (item = copy; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		item = str_trim(item);
		if (*item == '\0')
			continue;
		if ((eq = strchr(item, '=')) != NULL) {
			*eq = '\0';
			dataset_add(m, d, str_trim(item), str_trim(eq + 1),
			    s->file, s->line);
		} else
			dataset_add(m, d, item, NULL, s->file, s->line);
	}
	free(copy);
}

static const char *const unreadable_sets[] = {
	"db:", "dsn:", "ldap:", "ldaps:", "ldapi:", "lua:", "memcache:",
	"mdb:", "erlang:", NULL
};

/* mig_dataset - read an OpenDKIM data set */
int
mig_dataset(struct migrate *m, const struct mig_setting *s,
    const char *basedir, struct mig_dataset *out)
{
	struct file_reader r = { m, out };
	const char *v = s->value, *file = NULL;
	char *path;
	size_t i, len = strlen(v);
	int rc;

	out->v = NULL;
	out->n = 0;
	out->refile = 0;
	for (i = 0; unreadable_sets[i] != NULL; i++)
		if (strncasecmp(v, unreadable_sets[i],
		    strlen(unreadable_sets[i])) == 0)
			break;
	if (unreadable_sets[i] != NULL || (len > 3 &&
	    strcmp(v + len - 3, ".db") == 0)) {
		mig_warn(m, s->file, s->line, s->keyword, "a %.*s data set "
		    "cannot be read here: export it to a flat file, point "
		    "the old configuration at it (file:PATH) and run again",
		    (int)strcspn(v, ":"), v);
		return -1;
	}
	if (strncasecmp(v, "file:", 5) == 0)
		file = v + 5;
	else if (strncasecmp(v, "refile:", 7) == 0) {
		file = v + 7;
		out->refile = 1;
	} else if (v[0] == '/')
		file = v;
	if (file == NULL) {
		dataset_list(m, s, strncasecmp(v, "csl:", 4) == 0 ? v + 4 :
		    v, out);
		return 0;
	}
	path = mig_path(basedir, file);
	rc = read_lines(m, path, dataset_line, &r);
	free(path);
	if (out->n > MIG_DATASET_MAX) {
		mig_dataset_free(out);
		return -1;
	}
	return rc;
}

/* mig_dataset_free - the elements of a data set */
void
mig_dataset_free(struct mig_dataset *d)
{
	size_t i;

	for (i = 0; i < d->n && i < MIG_DATASET_MAX; i++) {
		free(d->v[i].key);
		free(d->v[i].value);
		free(d->v[i].file);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}
