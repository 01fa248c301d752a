/*
 * migrate_out.c - authmilter-migrate: the new authmilter.conf and
 * domains table, built up and then written and checked.  The contract
 * is in migrate.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "config.h"
#include "migrate.h"

/* from_text - "FILE:LINE" of an old setting (malloc'd), or NULL */
static char *
from_text(const char *file, unsigned line)
{
	struct strbuf sb;

	if (file == NULL)
		return NULL;
	sb_init(&sb);
	if (line > 0)
		sb_printf(&sb, "%s:%u", file, line);
	else
		sb_puts(&sb, file);
	return sb_detach(&sb);
}

/* mig_get - the new line of a keyword, or NULL */
const struct mig_out_line *
mig_get(const struct migrate *m, const char *keyword)
{
	size_t i;

	for (i = 0; i < m->nout; i++)
		if (strcasecmp(m->out[i].keyword, keyword) == 0)
			return &m->out[i];
	return NULL;
}

/* mig_set - set (or replace) a keyword of the new authmilter.conf */
void
mig_set(struct migrate *m, const char *keyword, const char *value,
    const struct mig_setting *from)
{
	struct mig_out_line *o = (struct mig_out_line *)mig_get(m, keyword);

	if (o == NULL) {
		m->out = xrealloc(m->out, (m->nout + 1) * sizeof(*m->out));
		o = &m->out[m->nout++];
		o->keyword = xstrdup(keyword);
	} else {
		free(o->value);
		free(o->from);
	}
	o->value = xstrdup(value);
	o->from = from ? from_text(from->file, from->line) : NULL;
}

/* mig_entry - the table entry of a pattern, made on first use */
struct mig_entry *
mig_entry(struct migrate *m, const char *pattern, const char *file,
    unsigned line)
{
	struct mig_entry *e;
	long i;

	if ((i = mig_index_get(&m->ent_index, pattern)) != -1)
		return &m->ent[i];
	mig_index_put(&m->ent_index, pattern, m->nent);
	m->ent = xrealloc(m->ent, (m->nent + 1) * sizeof(*m->ent));
	e = &m->ent[m->nent++];
	memset(e, 0, sizeof(*e));
	e->pattern = xstrdup(pattern);
	str_lower(e->pattern);
	e->from = from_text(file, line);
	return e;
}

/* mig_entry_add_key - one more signing key; a selector is used once */
void
mig_entry_add_key(struct migrate *m, struct mig_entry *e,
    const char *selector, const char *keyfile, const char *file,
    unsigned line)
{
	size_t i;

	for (i = 0; i < e->nkeys; i++) {
		if (strcasecmp(e->keys[i].selector, selector) != 0)
			continue;
		if (strcmp(e->keys[i].keyfile, keyfile) != 0)
			mig_warn(m, file, line, NULL, "%s: selector %s with "
			    "a second key file %s: authmilter signs once per "
			    "selector, so only %s is used; give the key "
			    "another selector to sign with both", e->pattern,
			    selector, keyfile, e->keys[i].keyfile);
		return;
	}
	e->keys = xrealloc(e->keys, (e->nkeys + 1) * sizeof(*e->keys));
	e->keys[e->nkeys].selector = xstrdup(selector);
	e->keys[e->nkeys].keyfile = xstrdup(keyfile);
	e->nkeys++;
}

/* conf_text - the new authmilter.conf */
static void
conf_text(const struct migrate *m, const char *domains, struct strbuf *sb)
{
	size_t i;

	sb_puts(sb, "# authmilter.conf(5) written by authmilter-migrate(8)"
	    "\n# Each setting names the old file and line it comes from.\n");
	for (i = 0; i < m->nout; i++) {
		sb_putc(sb, '\n');
		if (m->out[i].from != NULL)
			sb_printf(sb, "# from %s\n", m->out[i].from);
		sb_printf(sb, "%s\t%s\n", m->out[i].keyword, m->out[i].value);
	}
	sb_printf(sb, "\n# the per-domain table: authmilter.domains(5)\n"
	    "Domains\t%s\n", domains);
}

/* entry_rank - "*" after every other pattern */
static int
entry_rank(const struct mig_entry *e)
{
	return strcmp(e->pattern, "*") == 0;
}

/* table_text - the new domains table */
static void
table_text(const struct migrate *m, struct strbuf *sb)
{
	const struct mig_entry *e;
	size_t i, k;
	int rank;

	sb_puts(sb, "# authmilter.domains(5) written by authmilter-migrate"
	    "(8)\n# pattern\toptions\n");
	for (rank = 0; rank < 2; rank++)
		for (i = 0; i < m->nent; i++) {
			e = &m->ent[i];
			if (entry_rank(e) != rank || (e->nkeys == 0 &&
			    !e->sign_none && e->dmarc == NULL))
				continue;
			if (e->from != NULL)
				sb_printf(sb, "# from %s\n", e->from);
			sb_puts(sb, e->pattern);
			if (e->nkeys > 0) {
				sb_puts(sb, "\tsign=");
				for (k = 0; k < e->nkeys; k++)
					sb_printf(sb, "%s%s:%s", k ? "," : "",
					    e->keys[k].selector,
					    e->keys[k].keyfile);
			} else if (e->sign_none)
				sb_puts(sb, "\tsign=none");
			if (e->dmarc != NULL)
				sb_printf(sb, "\tdmarc=%s", e->dmarc);
			sb_putc(sb, '\n');
		}
}

/* write_file - text into path (mode 0644); -1 after an error */
static int
write_file(struct migrate *m, const char *path, const struct strbuf *sb,
    int force)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    (force ? O_TRUNC : O_EXCL), 0644);
	if (fd == -1) {
		mig_error(m, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	while (off < sb->len) {
		n = write(fd, sb->s + off, sb->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off < sb->len || close(fd) == -1) {
		mig_error(m, "cannot write %s: %s", path, strerror(errno));
		if (off < sb->len)
			close(fd);
		return -1;
	}
	return 0;
}

/* check_result - the daemon's own config check (authmilter -n) */
static int
check_result(struct migrate *m, const char *conf)
{
	struct strbuf errors;
	struct config *cf;

	sb_init(&errors);
	cf = config_load(conf, &errors);
	if (cf == NULL) {
		fprintf(stderr, "%s", errors.s);
		mig_error(m, "%s does not pass authmilter -n (the errors "
		    "above): fix them before starting authmilter", conf);
		sb_free(&errors);
		return -1;
	}
	config_unref(cf);
	sb_free(&errors);
	return 0;
}

/* migrate_write - write DIR/authmilter.conf and DIR/domains, check them */
int
migrate_write(struct migrate *m, const char *dir, int force)
{
	char absdir[PATH_MAX];
	struct strbuf conf_path, table_path, conf, table;
	struct stat st;
	int rc = -1;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		mig_error(m, "cannot make %s: %s", dir, strerror(errno));
		return -1;
	}
	if (realpath(dir, absdir) == NULL) {
		mig_error(m, "%s: %s", dir, strerror(errno));
		return -1;
	}
	sb_init(&conf_path);
	sb_init(&table_path);
	sb_init(&conf);
	sb_init(&table);
	sb_printf(&conf_path, "%s/authmilter.conf", strcmp(absdir, "/") ?
	    absdir : "");
	sb_printf(&table_path, "%s/domains", strcmp(absdir, "/") ? absdir :
	    "");
	if (!force && (lstat(conf_path.s, &st) == 0 ||
	    lstat(table_path.s, &st) == 0)) {
		mig_error(m, "%s already exists: not overwriting it (use "
		    "--force, or another --out)", lstat(conf_path.s, &st) ==
		    0 ? conf_path.s : table_path.s);
		goto out;
	}
	conf_text(m, table_path.s, &conf);
	table_text(m, &table);
	if (write_file(m, table_path.s, &table, force) == -1 ||
	    write_file(m, conf_path.s, &conf, force) == -1)
		goto out;
	printf("wrote %s and %s\n", conf_path.s, table_path.s);
	rc = check_result(m, conf_path.s);
out:
	sb_free(&conf_path);
	sb_free(&table_path);
	sb_free(&conf);
	sb_free(&table);
	return rc;
}

/* migrate_free - everything built up */
void
migrate_free(struct migrate *m)
{
	size_t i, k;

	for (i = 0; i < m->nout; i++) {
		free(m->out[i].keyword);
		free(m->out[i].value);
		free(m->out[i].from);
	}
	free(m->out);
	for (i = 0; i < m->nent; i++) {
		for (k = 0; k < m->ent[i].nkeys; k++) {
			free(m->ent[i].keys[k].selector);
			free(m->ent[i].keys[k].keyfile);
		}
		free(m->ent[i].keys);
		free(m->ent[i].pattern);
		free(m->ent[i].from);
	}
	free(m->ent);
	mig_index_free(&m->ent_index);
	memset(m, 0, sizeof(*m));
}
