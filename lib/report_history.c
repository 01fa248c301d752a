/*
 * report_history.c - the dmarc_row table: schema, insert, prune, rows
 *
 * The column list is written once, in cols[]; the CREATE TABLE and the
 * INSERT are built from it, and the spool file (report_queue.c) names
 * its fields with the same words.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "store.h"
#include "report_claim.h"
#include "report_history.h"

static const char *const cols[RC_NCOLS] = {
	"t", "reporter", "source_ip", "header_from", "envelope_from",
	"envelope_to", "policy_domain", "discovery", "p", "sp", "np",
	"adkim", "aspf", "testing", "rua", "dmarc", "disposition",
	"dkim_eval", "spf_eval", "reasons", "spf_domain", "spf_scope",
	"spf_result", "dkim",
};

/* report_col_name - the SQL name of a column */
const char *
report_col_name(enum report_col c)
{
	return c < RC_NCOLS ? cols[c] : "";
}

/* report_col_lookup - the column with this name */
int
report_col_lookup(const char *name, enum report_col *c)
{
	size_t i;

	for (i = 0; i < RC_NCOLS; i++)
		if (strcmp(name, cols[i]) == 0) {
			*c = (enum report_col)i;
			return 0;
		}
	return -1;
}

/* report_history_schema - the table and its index, when missing */
int
report_history_schema(struct store *st, struct strbuf *err)
{
	struct strbuf sql;
	size_t i;
	int rc;

	sb_init(&sql);
	sb_puts(&sql, "CREATE TABLE IF NOT EXISTS dmarc_row (t BIGINT NOT "
	    "NULL");
	for (i = RC_T + 1; i < RC_NCOLS; i++)
		sb_printf(&sql, ", %s TEXT NOT NULL DEFAULT ''", cols[i]);
	sb_puts(&sql, ")");
	rc = store_exec(st, sql.s, NULL, 0, NULL, NULL, err);
	sb_free(&sql);
	if (rc == 0)
		rc = store_exec(st, "CREATE INDEX IF NOT EXISTS dmarc_row_pd_t "
		    "ON dmarc_row (policy_domain, t)", NULL, 0, NULL, NULL,
		    err);
	if (rc == 0)
		rc = store_exec(st, "CREATE INDEX IF NOT EXISTS dmarc_row_t "
		    "ON dmarc_row (t)", NULL, 0, NULL, NULL, err);
	if (rc == 0)		/* prune reads it */
		rc = report_claim_schema(st, err);
	return rc;
}

/* insert_sql - INSERT INTO dmarc_row (...) VALUES ($1, ...) */
static char *
insert_sql(void)
{
	struct strbuf sql;
	size_t i;

	sb_init(&sql);
	sb_puts(&sql, "INSERT INTO dmarc_row (");
	for (i = 0; i < RC_NCOLS; i++)
		sb_printf(&sql, "%s%s", i > 0 ? ", " : "", cols[i]);
	sb_puts(&sql, ") VALUES (");
	for (i = 0; i < RC_NCOLS; i++)
		sb_printf(&sql, "%s$%zu", i > 0 ? ", " : "", i + 1);
	sb_puts(&sql, ")");
	return sb_detach(&sql);
}

/* report_history_insert - n rows, in the caller's transaction */
int
report_history_insert(struct store *st, struct report_row *const *rows,
    size_t n, struct strbuf *err)
{
	struct store_val p[RC_NCOLS];
	char *sql = insert_sql();
	size_t i, c;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		p[RC_T] = store_int(rows[i]->t);
		for (c = RC_T + 1; c < RC_NCOLS; c++)
			p[c] = store_text(rows[i]->col[c] != NULL ?
			    rows[i]->col[c] : "");
		rc = store_exec(st, sql, p, RC_NCOLS, NULL, NULL, err);
	}
	free(sql);
	return rc;
}

/*
 * report_history_prune - remove rows older than before that no report
 * waits for: rows without a policy domain; rows of a period whose
 * report is settled (sent, skipped or expired, see report_claim.h);
 * rows of a domain and UTC day in which no row carried a rua
 */
int
report_history_prune(struct store *st, int64_t before, struct strbuf *err)
{
	struct store_val p = store_int(before);

	return store_exec(st, "DELETE FROM dmarc_row WHERE t < $1 AND "
	    "(policy_domain = '' OR EXISTS (SELECT 1 FROM report_claim c "
	    "WHERE c.policy_domain = dmarc_row.policy_domain AND "
	    "c.begin_t <= dmarc_row.t AND dmarc_row.t < c.end_t AND "
	    "c.state <> 'claimed') OR NOT EXISTS (SELECT 1 FROM dmarc_row r "
	    "WHERE r.policy_domain = dmarc_row.policy_domain AND "
	    "r.t >= dmarc_row.t / 86400 * 86400 AND "
	    "r.t < dmarc_row.t / 86400 * 86400 + 86400 AND r.rua <> ''))",
	    &p, 1, NULL, NULL, err);
}

/* report_row_new - a row of empty columns */
struct report_row *
report_row_new(void)
{
	return xcalloc(1, sizeof(struct report_row));
}

/*
 * utf8_len - the length of the well-formed UTF-8 sequence at s (RFC 3629:
 * no overlong form, no surrogate, nothing above U+10FFFF), or 0
 */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/*
 * report_row_set - copy value into column c; a byte that is not part of
 * well-formed UTF-8 becomes '?', since PostgreSQL refuses the row and
 * the JSON spool the line otherwise, and the sender chooses these bytes
 */
void
report_row_set(struct report_row *r, enum report_col c, const char *value)
{
	size_t i, n;
	char *v;

	if (c == RC_T) {
		r->t = value != NULL ? strtoll(value, NULL, 10) : 0;
		return;
	}
	if (c >= RC_NCOLS)
		return;
	free(r->col[c]);
	r->col[c] = NULL;
	if (value == NULL)
		return;
	v = xstrdup(value);
	for (i = 0; v[i] != '\0'; i += n)
		if ((n = utf8_len((unsigned char *)v + i)) == 0) {
			v[i] = '?';
			n = 1;
		}
	r->col[c] = v;
}

/* report_row_free - release a row */
void
report_row_free(struct report_row *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < RC_NCOLS; i++)
		free(r->col[i]);
	free(r);
}
