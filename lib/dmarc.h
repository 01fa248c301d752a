/*
 * NAME
 *	dmarc - DMARC (RFC 9989): policy discovery by the DNS tree walk,
 *	organizational domains, alignment, the result and the policy
 * SYNOPSIS
 *	#include "dmarc.h"
 *
 *	int  dmarc_parse_record(const char *text, size_t len,
 *	         struct dmarc_record *rec, struct strbuf *err);
 *	void dmarc_record_clear(struct dmarc_record *rec);
 *
 *	void dmarc_discover(struct dns_client *dc, const char *domain,
 *	         struct dmarc_policy *out);
 *	void dmarc_policy_clear(struct dmarc_policy *out);
 *	int  dmarc_org_domain(struct dns_client *dc, const char *domain,
 *	         struct strbuf *out);
 *	int  dmarc_aligned(struct dns_client *dc, const char *a,
 *	         const char *b, enum dmarc_align mode);
 *
 *	void dmarc_evaluate(struct dns_client *dc,
 *	         const struct dmarc_input *in, struct dmarc_outcome *out);
 *	void dmarc_evaluate_authors(struct dns_client *dc,
 *	         const struct dmarc_input *in, const char *const *authors,
 *	         size_t n, struct dmarc_outcome *out);
 *	void dmarc_outcome_free(struct dmarc_outcome *out);
 *	const char *dmarc_result_name(enum dmarc_result r);
 *	const char *dmarc_disposition_name(enum dmarc_disposition d);
 * DESCRIPTION
 *	dmarc_parse_record() parses one TXT record (the joined strings).
 *	It returns 1 for a valid DMARC record, 0 for a record that is not
 *	DMARC at all (does not start with "v=DMARC1": such records are
 *	discarded, RFC 9989 4.10), -1 for a DMARC record that is invalid
 *	(err says why).  Tags: v, p, sp, np, adkim, aspf, psd, t, rua,
 *	ruf, fo; unknown tags are ignored; pct, rf and ri are parsed and
 *	ignored except that pct=0 counts as t=y (RFC 7489 owners used
 *	pct=0 to test; RFC 9989 replaced it with t=y).  A missing or
 *	invalid p= with at least one valid rua URI makes p=none (RFC 9989
 *	4.7); without a valid rua the record is invalid.  Tag names and
 *	keyword values compare case-insensitively; white space around
 *	'=' and ';' is allowed.
 *
 *	Parsing details.  "v=DMARC1" must be the first tag ("DMARC1" is
 *	taken in any case).  A repeated tag: the first one counts, later
 *	ones are ignored (RFC 9989 says nothing; this is the lenient
 *	reading of "syntax errors are ignored").  rec->sp and rec->np stay
 *	DMARC_POLICY_UNSET when not given (sp defaults to p, np to sp:
 *	dmarc_evaluate() applies that).  As RFC 9989 says for the policy
 *	record, an invalid p, sp or np value with a valid rua makes the
 *	record act as plain p=none (sp and np unset); without one the
 *	record is invalid.  A bad value of any other tag (adkim, aspf,
 *	psd, t, pct; rua, ruf or fo holding control characters) is
 *	ignored and its default used.  A valid rua is a comma-separated
 *	list with at least one "mailto:" URI holding local@domain (a "!"
 *	size suffix and "?" headers are allowed).  NUL bytes are ordinary
 *	(bad) characters: len bytes are read.  err may be NULL; otherwise
 *	on -1 it gets the reason, and on 1 a note, separated by "; ", for
 *	each thing ignored (printable ASCII, each value shown cut to 32
 *	bytes).  On 0 and -1 rec holds nothing to free.
 *
 *	dmarc_discover() finds the policy record for an author domain by
 *	the DNS tree walk of RFC 9989 4.10.1: _dmarc.DOMAIN, then its
 *	parents (jumping to 7 labels first when the domain has 8 or more),
 *	at most DMARC_MAX_WALK queries, up to the last label.  At each name
 *	exactly one valid DMARC record counts; none or several means none
 *	there.  out->status is DMARC_FOUND (out->rec, out->at: the name
 *	whose record applies), DMARC_NOT_FOUND, or DMARC_TEMPERROR (a DNS
 *	temporary failure on the way, which stops the walk).  The first
 *	name holding exactly one DMARC record ends the walk: when that
 *	record is invalid (at the author domain or at a parent: RFC 9989
 *	makes it the policy record, then applies no DMARC processing),
 *	out->status is DMARC_NOT_FOUND, out->invalid is set, out->at
 *	names it and out->error says why.  dmarc_policy_clear() frees
 *	what out holds (out->rec too) and zeroes it.
 *
 *	dmarc_org_domain() finds a domain's organizational domain by the
 *	tree walk of RFC 9989 4.10.2 (psd=n: that name; psd=y: the name
 *	below it; otherwise the name with the fewest labels that has a
 *	valid record; no record at all: the domain itself).  It returns
 *	0, or -1 on a DNS temporary failure.  dmarc_aligned() compares
 *	two domains: strict is equality (case-insensitive, trailing dot
 *	ignored), relaxed is equal organizational domains; it returns 1
 *	aligned, 0 not, -1 temporary failure.
 *
 *	dmarc_evaluate() is the whole check of one author domain: policy
 *	discovery, alignment of the SPF-authenticated domain (the MAIL
 *	FROM domain, or the HELO name for the null sender, only when SPF
 *	passed) and of every DKIM signature that passed (its d=), and the
 *	policy that applies: p for the author domain's own record, sp for
 *	a record found at a parent, np when the author domain does not
 *	exist (NXDOMAIN for it; its A, AAAA and MX queries are the test)
 *	and the record has np (else sp, else p).  t=y lowers the applied
 *	policy one step (reject -> quarantine -> none).
 *
 *	out->result: pass (some identifier aligned and passed), fail (a
 *	record exists and nothing aligned), none (no record), temperror,
 *	permerror (the policy record found is DMARC but invalid; see
 *	dmarc_discover()).  temperror is a DNS temporary failure in policy
 *	discovery or in the organizational domain walks alignment needed,
 *	or (when nothing aligned passed) an identifier that is aligned but
 *	whose own check ended in a temporary error: in->spf_temperror for
 *	the SPF domain, in->dkim_temp_domains for DKIM signatures.  RFC
 *	9989 (like RFC 8601's registry entry for dmarc=temperror) calls the
 *	result temperror when a temporary error kept the evaluation from
 *	being completed, and a later attempt may give a final result: an
 *	aligned signature whose key lookup timed out may well pass then.
 *	So that is temperror, not fail: the caller's temperror rules
 *	(TemporaryFailures) apply, never a reject.  A temperror of an
 *	identifier that is not aligned changes nothing (fail stays fail).
 *	out->policy is the policy word in force (DMARC_POLICY_*), and
 *	out->disposition what the record asks for this message: none on
 *	pass, none, temperror and permerror; the applied policy on fail.
 *	out->reason says in a phrase why, for the A-R comment and the log.
 *	All DNS goes through dc.
 *
 *	Evaluation details.  out->policy is the word of the applied tag
 *	as published; t=y (or pct=0) sets out->testing when that word is
 *	quarantine or reject, and on fail the disposition is then one
 *	step lower.  The non-existence test for np is made only when the
 *	record came from a parent and has np: the author domain's A, then
 *	AAAA, then MX is asked, and the first answer that is not a
 *	temporary failure decides (NXDOMAIN: non-existent, RFC 8020; data
 *	or NODATA: existing); when all three fail temporarily the domain
 *	is taken as existing, so sp (or p) applies, never temperror.  An
 *	identifier equal to the author domain aligns without DNS; one
 *	with a different last label never aligns in relaxed mode, also
 *	without DNS; otherwise relaxed alignment compares organizational
 *	domains.  A temporary failure there gives temperror only when
 *	nothing else aligned.  Within one dmarc_evaluate() call every
 *	_dmarc name is asked at most once and every organizational
 *	domain found once (author, SPF and DKIM domains share parents);
 *	at most DMARC_MAX_DKIM DKIM domains are looked at.
 *	out->aligned_domain is the identifier that aligned.
 *
 *	dmarc_evaluate_authors() is dmarc_evaluate() for n author domains
 *	(in->author_domain is not read), out[i] for authors[i], the same
 *	result each as one call each would give.  Their DNS tree walks
 *	are asked in parallel: one DNS batch (dns_batch_start()) with
 *	every _dmarc name of every author's walk, then one batch with the
 *	walks of the SPF and DKIM domains that relaxed alignment with an
 *	author that has a record may need; the evaluations then read the
 *	answers from a per-call cache shared by all authors.  So n authors
 *	cost about the latency of one walk, not n, and each name is asked
 *	once per message (the whole walk of a domain is asked, also when a
 *	walk one name at a time would have stopped early at a temporary
 *	failure, an invalid record or a psd= tag).  A temporary failure of any of these queries is
 *	what it would be in a walk one name at a time (temperror for the
 *	author whose walk met it).  The only queries still made one after
 *	the other are the A, AAAA and MX queries of the np test.
 *	out->org_domain is NULL when its walk failed temporarily.
 *	out->reason is printable ASCII of at most DMARC_REASON_MAX bytes.
 *
 *	dmarc_result_name() gives the RFC 8601 words; dmarc_policy_name()
 *	"none", "quarantine", "reject", or "unset";
 *	dmarc_disposition_name() "none", "quarantine" or "reject".
 */
#ifndef AUTHMILTER_DMARC_H
#define AUTHMILTER_DMARC_H

#include <stddef.h>

#include "dns.h"
#include "util.h"

#define DMARC_MAX_WALK	8
#define DMARC_MAX_DKIM	32	/* DKIM domains looked at per evaluation */
#define DMARC_REASON_MAX	300

enum dmarc_result {
	DMARC_RES_NONE,
	DMARC_RES_PASS,
	DMARC_RES_FAIL,
	DMARC_RES_TEMPERROR,
	DMARC_RES_PERMERROR
};

enum dmarc_policy_word {
	DMARC_POLICY_UNSET,
	DMARC_POLICY_NONE,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT
};

enum dmarc_disposition {
	DMARC_DIS_NONE,
	DMARC_DIS_QUARANTINE,
	DMARC_DIS_REJECT
};

enum dmarc_align {
	DMARC_ALIGN_RELAXED,
	DMARC_ALIGN_STRICT
};

enum dmarc_psd {
	DMARC_PSD_UNSET,	/* "u": not given */
	DMARC_PSD_YES,
	DMARC_PSD_NO
};

struct dmarc_record {
	enum dmarc_policy_word	 p, sp, np;
	enum dmarc_align	 adkim, aspf;
	enum dmarc_psd		 psd;
	int			 testing;	/* t=y, or pct=0 */
	char			*rua;		/* as written, or NULL */
	char			*ruf;
	char			*fo;
};

enum dmarc_status {
	DMARC_NOT_FOUND,
	DMARC_FOUND,
	DMARC_TEMPERROR
};

struct dmarc_policy {
	enum dmarc_status	 status;
	struct dmarc_record	 rec;
	char			*at;		/* domain whose record applies */
	int			 invalid;	/* the first DMARC record found
						   did not parse */
	char			*error;		/* why, when invalid */
};

struct dmarc_input {
	const char	*author_domain;	/* From domain, A-labels, lowercase */
	const char	*spf_domain;	/* MAIL FROM domain, or HELO for <> */
	int		 spf_pass;	/* SPF result for it was pass */
	int		 spf_temperror;	/* SPF result for it was temperror */
	const char *const *dkim_domains; /* d= of signatures that passed */
	size_t		 ndkim;
	const char *const *dkim_temp_domains; /* d= of signatures whose
					   result was temperror */
	size_t		 ndkim_temp;
};

struct dmarc_outcome {
	enum dmarc_result	 result;
	enum dmarc_policy_word	 policy;	/* applied: p, sp or np */
	const char		*policy_tag;	/* "p", "sp" or "np" */
	enum dmarc_disposition	 disposition;
	int			 testing;	/* t=y lowered the policy */
	char			*record_domain;	/* where the record was */
	char			*org_domain;	/* author's organizational domain */
	char			*aligned_by;	/* "spf", "dkim" (its d= in
						   aligned_domain), NULL */
	char			*reason;
	char			*aligned_domain; /* the identifier that aligned */
	int			 has_record;	/* a valid record was found: */
	struct dmarc_record	 rec;		/* it, as published */
};

int		 dmarc_parse_record(const char *, size_t, struct dmarc_record *,
		    struct strbuf *);
void		 dmarc_record_clear(struct dmarc_record *);
void		 dmarc_discover(struct dns_client *, const char *,
		    struct dmarc_policy *);
void		 dmarc_policy_clear(struct dmarc_policy *);
int		 dmarc_org_domain(struct dns_client *, const char *,
		    struct strbuf *);
int		 dmarc_aligned(struct dns_client *, const char *, const char *,
		    enum dmarc_align);
void		 dmarc_evaluate(struct dns_client *, const struct dmarc_input *,
		    struct dmarc_outcome *);
void		 dmarc_evaluate_authors(struct dns_client *,
		    const struct dmarc_input *, const char *const *, size_t,
		    struct dmarc_outcome *);
void		 dmarc_outcome_free(struct dmarc_outcome *);
const char	*dmarc_result_name(enum dmarc_result);
const char	*dmarc_policy_name(enum dmarc_policy_word);
const char	*dmarc_disposition_name(enum dmarc_disposition);

#endif
