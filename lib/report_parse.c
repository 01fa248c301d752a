/*
 * report_parse.c - a DMARC aggregate report streamed through libxml2's
 * push parser, one child of <feedback> at a time (see report_parse.h)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>

#include "util.h"
#include "report_parse.h"

/* child - the first element child of n with local name name, or NULL */
static xmlNodePtr
child(xmlNodePtr n, const char *name)
{
	xmlNodePtr c;

	if (n == NULL)
		return NULL;
	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* next_sibling - the next element after n with n's local name */
static xmlNodePtr
next_sibling(xmlNodePtr n)
{
	xmlNodePtr c;

	for (c = n->next; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, (const char *)n->name) == 0)
			return c;
	return NULL;
}

/* report_check_text - a value short and free of control characters */
int
report_check_text(const char *what, const char *s, struct strbuf *err)
{
	const unsigned char *p;

	if (strlen(s) > REPORT_FIELD_MAX) {
		sb_printf(err, "%s longer than %d bytes", what,
		    REPORT_FIELD_MAX);
		return -1;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f) {
			sb_printf(err, "%s holds a control character", what);
			return -1;
		}
	return 0;
}

/*
 * text - the trimmed text of element n (direct text children only; no
 * entity is ever expanded), "" when n is NULL; lowercased if lower;
 * NULL with err when it breaks report_check_text()
 */
static char *
text(xmlNodePtr n, const char *what, int lower, struct strbuf *err)
{
	struct strbuf sb;
	xmlNodePtr c;
	char *t, *r;

	sb_init(&sb);
	if (n != NULL)
		for (c = n->children; c != NULL; c = c->next)
			if ((c->type == XML_TEXT_NODE ||
			    c->type == XML_CDATA_SECTION_NODE) &&
			    c->content != NULL) {
				sb_puts(&sb, (const char *)c->content);
				if (sb.len > 4 * REPORT_FIELD_MAX)
					break;
			}
	t = str_trim(sb.s);
	if (report_check_text(what, t, err) == -1) {
		sb_free(&sb);
		return NULL;
	}
	r = xstrdup(t);
	sb_free(&sb);
	if (lower)
		str_lower(r);
	return r;
}

/* number - a non-negative decimal integer into *v; -1 with err if not */
static int
number(const char *s, const char *what, int64_t *v, struct strbuf *err)
{
	int64_t n = 0;

	if (*s == '\0') {
		sb_printf(err, "no %s", what);
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (!ascii_isdigit(*s) || n > (INT64_MAX - 9) / 10) {
			sb_printf(err, "%s is not a number in range", what);
			return -1;
		}
		n = n * 10 + (*s - '0');
	}
	*v = n;
	return 0;
}

/* report_check_range - a date_range that can be believed */
int
report_check_range(int64_t begin, int64_t end, int64_t now,
    struct strbuf *err)
{
	if (end < begin)
		sb_puts(err, "date_range ends before it begins");
	else if (end - begin > REPORT_MAX_RANGE)
		sb_printf(err, "date_range longer than %ld days",
		    (long)(REPORT_MAX_RANGE / 86400));
	else if (begin < REPORT_MIN_TIME)
		sb_puts(err, "date_range begins before 2000-01-01");
	else if (end > now + REPORT_MAX_FUTURE)
		sb_printf(err, "date_range ends more than %ld days in the "
		    "future", (long)(REPORT_MAX_FUTURE / 86400));
	else
		return 0;
	return -1;
}

/* has_space - true when s holds white space (it would break a line) */
static int
has_space(const char *s)
{
	return strpbrk(s, " \t") != NULL;
}

/*
 * auth_lines - the auth_results/NAME elements as "DOMAIN SUB RESULT"
 * lines, SUB the element sub ("-" when absent); NULL with err
 */
static char *
auth_lines(xmlNodePtr ar, const char *name, const char *sub,
    struct strbuf *err)
{
	struct strbuf sb;
	xmlNodePtr n;
	char *d = NULL, *s = NULL, *r = NULL;

	sb_init(&sb);
	for (n = child(ar, name); n != NULL; n = next_sibling(n)) {
		if ((d = text(child(n, "domain"), "auth_results domain", 1,
		    err)) == NULL ||
		    (s = text(child(n, sub), "auth_results selector or "
		    "scope", 1, err)) == NULL ||
		    (r = text(child(n, "result"), "auth_results result", 1,
		    err)) == NULL)
			goto fail;
		if (has_space(d) || has_space(s) || has_space(r)) {
			sb_printf(err, "auth_results/%s holds white space",
			    name);
			goto fail;
		}
		if (sb.len > 0)
			sb_putc(&sb, '\n');
		sb_printf(&sb, "%s %s %s", *d ? d : "-", *s ? s : "-",
		    *r ? r : "-");
		free(d);
		free(s);
		free(r);
		d = s = r = NULL;
	}
	return sb_detach(&sb);
fail:
	free(d);
	free(s);
	free(r);
	sb_free(&sb);
	return NULL;
}

/* reason_lines - policy_evaluated/reason elements as "TYPE COMMENT" */
static char *
reason_lines(xmlNodePtr pe, struct strbuf *err)
{
	struct strbuf sb;
	xmlNodePtr n;
	char *t, *c;

	sb_init(&sb);
	for (n = child(pe, "reason"); n != NULL; n = next_sibling(n)) {
		if ((t = text(child(n, "type"), "reason type", 1,
		    err)) == NULL) {
			sb_free(&sb);
			return NULL;
		}
		if ((c = text(child(n, "comment"), "reason comment", 0,
		    err)) == NULL) {
			free(t);
			sb_free(&sb);
			return NULL;
		}
		if (sb.len > 0)
			sb_putc(&sb, '\n');
		sb_puts(&sb, t);
		if (*c != '\0')
			sb_printf(&sb, " %s", c);
		free(t);
		free(c);
	}
	return sb_detach(&sb);
}

/* valid_ip - an IPv4 or IPv6 address */
static int
valid_ip(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

/* read_record - one <record> into rec; -1 with err */
static int
read_record(xmlNodePtr n, struct agg_record *rec, struct strbuf *err)
{
	xmlNodePtr row = child(n, "row"), pe = child(row, "policy_evaluated");
	xmlNodePtr id = child(n, "identifiers"), ar = child(n, "auth_results");
	char *count;
	int rc;

	if ((rec->source_ip = text(child(row, "source_ip"), "source_ip", 1,
	    err)) == NULL)
		return -1;
	if (!valid_ip(rec->source_ip)) {
		sb_puts(err, "source_ip '");
		sb_put_printable(err, rec->source_ip, 64);
		sb_puts(err, "' is not an IP address");
		return -1;
	}
	if ((count = text(child(row, "count"), "count", 0, err)) == NULL)
		return -1;
	rc = number(count, "row/count", &rec->count, err);
	free(count);
	if (rc == -1)
		return -1;
	if ((rec->disposition = text(child(pe, "disposition"),
	    "disposition", 1, err)) == NULL ||
	    (rec->dkim_eval = text(child(pe, "dkim"), "policy_evaluated/dkim",
	    1, err)) == NULL ||
	    (rec->spf_eval = text(child(pe, "spf"), "policy_evaluated/spf",
	    1, err)) == NULL ||
	    (rec->reasons = reason_lines(pe, err)) == NULL ||
	    (rec->header_from = text(child(id, "header_from"), "header_from",
	    1, err)) == NULL ||
	    (rec->envelope_from = text(child(id, "envelope_from"),
	    "envelope_from", 1, err)) == NULL ||
	    (rec->envelope_to = text(child(id, "envelope_to"), "envelope_to",
	    1, err)) == NULL ||
	    (rec->dkim = auth_lines(ar, "dkim", "selector", err)) == NULL ||
	    (rec->spf = auth_lines(ar, "spf", "scope", err)) == NULL)
		return -1;
	return 0;
}

/* read_md - report_metadata into r */
static int
read_md(xmlNodePtr md, int64_t now, struct agg_report *r, struct strbuf *err)
{
	xmlNodePtr dr = child(md, "date_range");
	char *b, *e;
	int rc;

	if ((r->submitter = text(child(md, "org_name"), "org_name", 0,
	    err)) == NULL ||
	    (r->report_id = text(child(md, "report_id"), "report_id", 0,
	    err)) == NULL ||
	    (r->email = text(child(md, "email"), "email", 0, err)) == NULL)
		return -1;
	if (*r->submitter == '\0' || *r->report_id == '\0') {
		sb_printf(err, "no %s", *r->submitter == '\0' ?
		    "report_metadata/org_name" : "report_metadata/report_id");
		return -1;
	}
	if (dr == NULL) {
		sb_puts(err, "no report_metadata/date_range");
		return -1;
	}
	if ((b = text(child(dr, "begin"), "begin", 0, err)) == NULL)
		return -1;
	if ((e = text(child(dr, "end"), "end", 0, err)) == NULL) {
		free(b);
		return -1;
	}
	rc = number(b, "date_range/begin", &r->begin_t, err) == -1 ||
	    number(e, "date_range/end", &r->end_t, err) == -1 ||
	    report_check_range(r->begin_t, r->end_t, now, err) == -1 ? -1 : 0;
	free(b);
	free(e);
	return rc;
}

/* read_pp - policy_published into r */
static int
read_pp(xmlNodePtr pp, struct agg_report *r, struct strbuf *err)
{
	if ((r->domain = text(child(pp, "domain"), "policy_published/domain",
	    1, err)) == NULL ||
	    (r->p = text(child(pp, "p"), "p", 1, err)) == NULL ||
	    (r->sp = text(child(pp, "sp"), "sp", 1, err)) == NULL ||
	    (r->np = text(child(pp, "np"), "np", 1, err)) == NULL ||
	    (r->adkim = text(child(pp, "adkim"), "adkim", 1, err)) == NULL ||
	    (r->aspf = text(child(pp, "aspf"), "aspf", 1, err)) == NULL ||
	    (r->testing = text(child(pp, "testing"), "testing", 1,
	    err)) == NULL)
		return -1;
	if (*r->domain == '\0') {
		sb_puts(err, "no policy_published/domain");
		return -1;
	}
	return 0;
}

/* record_free - what read_record() allocated */
static void
record_free(struct agg_record *c)
{
	free(c->source_ip);
	free(c->disposition);
	free(c->dkim_eval);
	free(c->spf_eval);
	free(c->reasons);
	free(c->header_from);
	free(c->envelope_from);
	free(c->envelope_to);
	free(c->dkim);
	free(c->spf);
	memset(c, 0, sizeof(*c));
}

/* the state of one streamed read, in ctxt->_private */
struct stream {
	struct agg_report	*r;
	const struct report_dmarc_cb *cb;
	int64_t			 now;
	struct strbuf		*err;
	int			 dtd;		/* a <!DOCTYPE> was met */
	int			 deep;		/* nested deeper than allowed */
	int			 failed;	/* err says why */
	int			 md, pp;	/* each read (the first only) */
	int			 head;		/* cb->head called */
};

/* start_head - the metadata is complete: check it, tell the caller */
static int
start_head(struct stream *s)
{
	if (!s->md || !s->pp) {
		sb_printf(s->err, "no %s before the first <record>", !s->md ?
		    "report_metadata" : "policy_published");
		return -1;
	}
	s->head = 1;
	return s->cb != NULL && s->cb->head != NULL ?
	    s->cb->head(s->cb->arg, s->r, s->err) : 0;
}

/* top_element - one complete child of <feedback>: the metadata, a
   record (given to the caller), or anything else (ignored) */
static int
top_element(struct stream *s, xmlNodePtr n)
{
	struct agg_record rec;
	const char *name = (const char *)n->name;
	int rc;

	if (strcmp(name, "report_metadata") == 0 && !s->md) {
		s->md = 1;
		return read_md(n, s->now, s->r, s->err);
	}
	if (strcmp(name, "policy_published") == 0 && !s->pp) {
		s->pp = 1;
		return read_pp(n, s->r, s->err);
	}
	if (strcmp(name, "record") != 0)
		return 0;
	if (!s->head && start_head(s) == -1)
		return -1;
	if (s->r->nrec == REPORT_MAX_RECORDS) {
		sb_printf(s->err, "more than %d records", REPORT_MAX_RECORDS);
		return -1;
	}
	s->r->nrec++;
	memset(&rec, 0, sizeof(rec));
	if ((rc = read_record(n, &rec, s->err)) == -1)
		sb_printf(s->err, " (record %zu)", s->r->nrec);
	else if (s->cb != NULL && s->cb->record != NULL)
		rc = s->cb->record(s->cb->arg, s->r, &rec, s->err);
	record_free(&rec);
	return rc;
}

/* refuse_dtd - internalSubset hook: a report has no DTD; stop here,
   before any declaration in it is read */
static void
refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext,
    const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name;
	(void)ext;
	(void)sys;
	((struct stream *)ctxt->_private)->dtd = 1;
	xmlStopParser(ctxt);
}

/* start_element - startElementNs hook: stop when nesting is too deep,
   or when the root is not <feedback> */
static void
start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattr,
    int ndefaulted, const xmlChar **attr)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct stream *s = ctxt->_private;

	if (ctxt->nameNr + 1 > REPORT_XML_MAX_DEPTH) {
		s->deep = 1;
		xmlStopParser(ctxt);
		return;
	}
	if (ctxt->node == NULL &&
	    strcmp((const char *)localname, "feedback") != 0) {
		sb_puts(s->err, "not a DMARC report: the root is not "
		    "<feedback>");
		s->failed = 1;
		xmlStopParser(ctxt);
		return;
	}
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nns, ns, nattr,
	    ndefaulted, attr);
}

/*
 * end_element - endElementNs hook: a child of <feedback> is complete:
 * handle it, then free it and what came before it under the root (text,
 * comments), so the tree never holds more than one record
 */
static void
end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct stream *s = ctxt->_private;
	xmlNodePtr n = ctxt->node, root, c;

	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
	if (n == NULL || (root = n->parent) == NULL ||
	    root->type != XML_ELEMENT_NODE ||
	    root->parent != (xmlNodePtr)ctxt->myDoc)
		return;
	if (top_element(s, n) == -1) {
		s->failed = 1;
		xmlStopParser(ctxt);
	}
	while ((c = root->children) != NULL) {
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
}

/* stream - feed the document to the push parser; -1 with s->err */
static int
stream(struct stream *s, const char *xml, size_t len)
{
	xmlParserCtxtPtr ctxt;
	const xmlError *e;
	size_t off = 0, n;
	int rc = 0;

	if ((ctxt = xmlCreatePushParserCtxt(NULL, NULL, NULL, 0,
	    NULL)) == NULL) {
		sb_puts(s->err, "cannot start libxml2");
		return -1;
	}
	/* no XML_PARSE_NOENT, DTDLOAD, DTDATTR or HUGE: see report_parse.h */
	(void)xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_NOBLANKS);
	ctxt->_private = s;
	ctxt->sax->internalSubset = refuse_dtd;
	ctxt->sax->startElementNs = start_element;
	ctxt->sax->endElementNs = end_element;
	do {
		n = len - off > REPORT_XML_CHUNK ? REPORT_XML_CHUNK :
		    len - off;
		(void)xmlParseChunk(ctxt, xml + off, (int)n, off + n == len);
		off += n;
	} while (off < len && ctxt->wellFormed && !ctxt->disableSAX);
	if (len == 0)
		(void)xmlParseChunk(ctxt, NULL, 0, 1);
	if (s->dtd)
		sb_puts(s->err, "invalid XML: a <!DOCTYPE> (a report has none; "
		    "entities are not accepted)");
	else if (s->deep)
		sb_printf(s->err, "invalid XML: elements nested deeper than %d",
		    REPORT_XML_MAX_DEPTH);
	else if (s->failed)
		;	/* s->err says why */
	else if (!ctxt->wellFormed || ctxt->myDoc == NULL) {
		e = xmlCtxtGetLastError(ctxt);
		sb_puts(s->err, "invalid XML");
		if (e != NULL && e->message != NULL) {
			sb_printf(s->err, ": line %d: ", e->line);
			sb_put_printable(s->err, str_trim(e->message), 200);
		}
	} else if (ctxt->myDoc->intSubset != NULL ||
	    ctxt->myDoc->extSubset != NULL)
		sb_puts(s->err, "invalid XML: a DTD");
	else if (xmlDocGetRootElement(ctxt->myDoc) == NULL)
		sb_puts(s->err, "not a DMARC report: the root is not "
		    "<feedback>");
	else if (!s->head && start_head(s) == -1)
		;	/* s->err says why */
	else
		rc = 1;
	if (ctxt->myDoc != NULL)
		xmlFreeDoc(ctxt->myDoc);
	ctxt->myDoc = NULL;
	xmlFreeParserCtxt(ctxt);
	return rc == 1 ? 0 : -1;
}

/* report_parse_dmarc - one aggregate report, streamed, read and checked */
int
report_parse_dmarc(const char *xml, size_t len, int64_t now,
    struct agg_report *r, const struct report_dmarc_cb *cb,
    struct strbuf *err)
{
	struct stream s;

	memset(r, 0, sizeof(*r));
	if (len > (size_t)REPORT_XML_MAX_SIZE) {
		sb_printf(err, "XML larger than %ld bytes",
		    (long)REPORT_XML_MAX_SIZE);
		return -1;
	}
	memset(&s, 0, sizeof(s));
	s.r = r;
	s.cb = cb;
	s.now = now;
	s.err = err;
	if (stream(&s, xml, len) == -1) {
		report_agg_free(r);
		return -1;
	}
	return 0;
}

/* report_agg_free - what report_parse_dmarc() allocated */
void
report_agg_free(struct agg_report *r)
{
	free(r->submitter);
	free(r->report_id);
	free(r->email);
	free(r->domain);
	free(r->p);
	free(r->sp);
	free(r->np);
	free(r->adkim);
	free(r->aspf);
	free(r->testing);
	memset(r, 0, sizeof(*r));
}
