/*
 * dmarc_test - the DMARC record parser (lib/dmarc.h), no DNS: every tag,
 * every malformed form with its return and error text, case, white
 * space, p= missing with and without rua=, pct=0, hostile records; and
 * the names of results, policies and dispositions.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "dmarc.h"
#include "tap.h"

/* parse - parse a C string; return the code, err in *errp (caller frees) */
static int
parse(const char *text, struct dmarc_record *rec, char **errp)
{
	struct strbuf err;
	int rc;

	sb_init(&err);
	rc = dmarc_parse_record(text, strlen(text), rec, &err);
	*errp = sb_detach(&err);
	return rc;
}

/* expect - parse text and check the return and the error text */
static void
expect(const char *text, int want, const char *want_err, const char *name)
{
	struct dmarc_record rec;
	char *err;
	int rc;

	rc = parse(text, &rec, &err);
	is_int(rc, want, "%s: returns %d", name, want);
	is_str(err, want_err, "%s: err text", name);
	if (rc == 1)
		ok(rec.p != DMARC_POLICY_UNSET, "%s: p set", name);
	dmarc_record_clear(&rec);
	free(err);
}

/* test_not_dmarc - records that are not DMARC at all give 0 */
static void
test_not_dmarc(void)
{
	expect("", 0, "", "empty");
	expect("v=spf1 -all", 0, "", "SPF record");
	expect("p=reject; v=DMARC1", 0, "", "v= not first");
	expect("v=DMARC2; p=reject", 0, "", "other version");
	expect("v=DMARC1p=reject", 0, "", "no ';' after version");
	expect("v=DMARC10; p=reject", 0, "", "DMARC10");
	expect("x; v=DMARC1; p=reject", 0, "", "junk before v=");
	expect(";v=DMARC1; p=reject", 0, "", "empty first tag");
	expect("v DMARC1; p=reject", 0, "", "v without '='");
	expect("vv=DMARC1; p=reject", 0, "", "tag vv");
}

/* test_valid - well-formed records, every tag */
static void
test_valid(void)
{
	struct dmarc_record rec;
	char *err;

	is_int(parse("v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; "
	    "aspf=s; psd=n; t=y; rua=mailto:agg@example.com; "
	    "ruf=mailto:f@example.com; fo=1:d; pct=100; rf=afrf; ri=86400",
	    &rec, &err), 1, "all tags: valid");
	is_str(err, "", "all tags: no notes");
	is_int(rec.p, DMARC_POLICY_REJECT, "p=reject");
	is_int(rec.sp, DMARC_POLICY_QUARANTINE, "sp=quarantine");
	is_int(rec.np, DMARC_POLICY_NONE, "np=none");
	is_int(rec.adkim, DMARC_ALIGN_STRICT, "adkim=s");
	is_int(rec.aspf, DMARC_ALIGN_STRICT, "aspf=s");
	is_int(rec.psd, DMARC_PSD_NO, "psd=n");
	is_int(rec.testing, 1, "t=y");
	is_str(rec.rua, "mailto:agg@example.com", "rua kept as written");
	is_str(rec.ruf, "mailto:f@example.com", "ruf kept as written");
	is_str(rec.fo, "1:d", "fo kept as written");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=none", &rec, &err), 1, "minimal record");
	is_int(rec.sp, DMARC_POLICY_UNSET, "sp unset when not given");
	is_int(rec.np, DMARC_POLICY_UNSET, "np unset when not given");
	is_int(rec.adkim, DMARC_ALIGN_RELAXED, "adkim defaults to r");
	is_int(rec.aspf, DMARC_ALIGN_RELAXED, "aspf defaults to r");
	is_int(rec.psd, DMARC_PSD_UNSET, "psd defaults to u");
	is_int(rec.testing, 0, "t defaults to n");
	ok(rec.rua == NULL && rec.ruf == NULL && rec.fo == NULL,
	    "rua, ruf, fo NULL when not given");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=quarantine; psd=y; adkim=r; aspf=r; t=n",
	    &rec, &err), 1, "psd=y, explicit r, t=n");
	ok(rec.psd == DMARC_PSD_YES && rec.adkim == DMARC_ALIGN_RELAXED &&
	    rec.aspf == DMARC_ALIGN_RELAXED && rec.testing == 0 &&
	    rec.p == DMARC_POLICY_QUARANTINE, "psd=y, r, r, t=n, quarantine");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=none; psd=u", &rec, &err), 1, "psd=u");
	is_int(rec.psd, DMARC_PSD_UNSET, "psd=u is unset");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("V = dmarc1 ;\tP = REJECT ; SP= Quarantine;ADKIM=S ;  ",
	    &rec, &err), 1, "case and white space");
	ok(rec.p == DMARC_POLICY_REJECT && rec.sp == DMARC_POLICY_QUARANTINE &&
	    rec.adkim == DMARC_ALIGN_STRICT, "case-insensitive names, values");
	is_str(err, "", "case and white space: no notes");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("  v=DMARC1;;; p=reject;;", &rec, &err), 1,
	    "empty parts and leading white space");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=reject; future=1; x_y=z", &rec, &err), 1,
	    "unknown tags ignored");
	is_str(err, "", "unknown tags: silently");
	dmarc_record_clear(&rec);
	free(err);
}

/* test_p_missing - p missing or bad, with and without a valid rua */
static void
test_p_missing(void)
{
	struct dmarc_record rec;
	char *err;

	expect("v=DMARC1", -1, "no p= tag and no valid rua=", "v only");
	expect("v=DMARC1; adkim=s", -1, "no p= tag and no valid rua=",
	    "no p, no rua");
	expect("v=DMARC1; rua=http://example.com/", -1,
	    "no p= tag and no valid rua=", "no p, rua not mailto");
	expect("v=DMARC1; rua=mailto:nobody", -1,
	    "no p= tag and no valid rua=", "no p, rua without @");
	expect("v=DMARC1; rua=mailto:@example.com", -1,
	    "no p= tag and no valid rua=", "no p, rua empty local part");
	expect("v=DMARC1; rua=mailto:a@", -1,
	    "no p= tag and no valid rua=", "no p, rua empty domain");
	expect("v=DMARC1; rua=mailto:a@exa mple.com", -1,
	    "no p= tag and no valid rua=", "no p, rua domain with space");
	expect("v=DMARC1; p=maybe", -1, "bad p= value 'maybe' and no valid "
	    "rua=", "bad p");
	expect("v=DMARC1; p=", -1, "bad p= value '' and no valid rua=",
	    "empty p");
	expect("v=DMARC1; p=reject; sp=always", -1, "bad sp= value 'always' "
	    "and no valid rua=", "bad sp");
	expect("v=DMARC1; p=reject; np=never", -1, "bad np= value 'never' "
	    "and no valid rua=", "bad np");

	is_int(parse("v=DMARC1; rua=mailto:d@example.com", &rec, &err), 1,
	    "no p with valid rua");
	is_int(rec.p, DMARC_POLICY_NONE, "no p with rua: p=none");
	is_str(err, "no p=, taken as p=none (valid rua=)", "noted");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; sp=reject; rua=mailto:d@example.com", &rec,
	    &err), 1, "no p, sp, valid rua");
	ok(rec.p == DMARC_POLICY_NONE && rec.sp == DMARC_POLICY_REJECT,
	    "no p with rua: p=none, sp kept");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=bogus; sp=reject; np=reject; "
	    "rua=http://x, mailto:d@example.com!10m", &rec, &err), 1,
	    "bad p, second rua URI valid");
	ok(rec.p == DMARC_POLICY_NONE && rec.sp == DMARC_POLICY_UNSET &&
	    rec.np == DMARC_POLICY_UNSET, "bad p with rua: plain p=none");
	is_str(err, "bad p= value 'bogus'; record taken as p=none "
	    "(valid rua=)", "bad p with rua: noted");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=reject; np=x; rua=MAILTO:d@example.com?"
	    "subject=hi", &rec, &err), 1, "bad np, rua with ?headers");
	is_int(rec.p, DMARC_POLICY_NONE, "bad np with rua: p=none");
	dmarc_record_clear(&rec);
	free(err);
}

/* test_lenient - bad values of other tags are ignored, with notes */
static void
test_lenient(void)
{
	struct dmarc_record rec;
	char *err;

	is_int(parse("v=DMARC1; p=reject; adkim=x; aspf=strict; psd=maybe; "
	    "t=1; pct=50%", &rec, &err), 1, "bad optional values: valid");
	ok(rec.adkim == DMARC_ALIGN_RELAXED && rec.aspf == DMARC_ALIGN_RELAXED &&
	    rec.psd == DMARC_PSD_UNSET && rec.testing == 0,
	    "bad optional values: defaults");
	is_str(err, "ignored bad adkim= value 'x'; ignored bad aspf= value "
	    "'strict'; ignored bad psd= value 'maybe'; ignored bad t= value "
	    "'1'; ignored bad pct= value '50%'", "bad optional values: notes");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=reject; pct=0", &rec, &err), 1, "pct=0");
	is_int(rec.testing, 1, "pct=0 counts as t=y");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=reject; pct=000", &rec, &err), 1, "pct=000");
	is_int(rec.testing, 1, "pct=000 counts as t=y");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=reject; pct=101", &rec, &err), 1, "pct=101");
	is_int(rec.testing, 0, "pct=101 ignored");
	is_str(err, "ignored bad pct= value '101'", "pct=101 noted");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=reject; pct=20; t=n", &rec, &err), 1,
	    "pct=20");
	is_int(rec.testing, 0, "pct=20 is not testing");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=reject; p=none; t=y; t=n", &rec, &err), 1,
	    "repeated tags");
	ok(rec.p == DMARC_POLICY_REJECT && rec.testing == 1,
	    "repeated tags: first one wins");
	is_str(err, "repeated p= ignored; repeated t= ignored",
	    "repeated tags: noted");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=maybe; p=reject", &rec, &err), -1,
	    "repeated p, first bad: the first counts");
	free(err);

	is_int(parse("v=DMARC1; v=DMARC1; p=none", &rec, &err), 1,
	    "repeated v");
	is_str(err, "repeated v= ignored", "repeated v noted");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=none; junk; b@d=1; =x", &rec, &err), 1,
	    "junk parts");
	is_str(err, "ignored 'junk' (no '='); ignored bad tag name 'b@d'; "
	    "ignored bad tag name ''", "junk parts: notes");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=none; rua=mailto:x@example.com\x01", &rec,
	    &err), 1, "rua with a control character");
	ok(rec.rua == NULL, "unprintable rua dropped");
	is_str(err, "unprintable rua= value 'mailto:x@example.com?'",
	    "unprintable rua noted");
	dmarc_record_clear(&rec);
	free(err);

	is_int(parse("v=DMARC1; p=none; rua=mailto:nobody", &rec, &err), 1,
	    "p given, rua invalid");
	is_str(rec.rua, "mailto:nobody", "invalid rua still kept");
	is_str(err, "no valid URI in rua= value 'mailto:nobody'",
	    "invalid rua noted");
	dmarc_record_clear(&rec);
	free(err);
}

/* test_hostile - NULs, huge records, long values, NULL err */
static void
test_hostile(void)
{
	static const char nul[] = "v=DMARC1; p=reject\0; p=none; sp=none";
	static const char nulv[] = "v=DMARC1\0; p=reject";
	struct dmarc_record rec;
	struct strbuf sb, err;
	size_t i;
	int rc;

	sb_init(&err);
	rc = dmarc_parse_record(nul, sizeof(nul) - 1, &rec, &err);
	is_int(rc, -1, "NUL inside p= value: bad p");
	is_str(err.s, "bad p= value 'reject?' and no valid rua=",
	    "NUL shown as '?'");
	sb_free(&err);

	sb_init(&err);
	rc = dmarc_parse_record(nulv, sizeof(nulv) - 1, &rec, &err);
	is_int(rc, 0, "NUL inside the version: not DMARC");
	sb_free(&err);

	sb_init(&sb);
	sb_puts(&sb, "v=DMARC1; p=reject; rua=mailto:");
	for (i = 0; i < 10240; i++)
		sb_putc(&sb, 'a');
	sb_puts(&sb, "; x=");	/* rua without '@': not valid */
	for (i = 0; i < 10240; i++)
		sb_putc(&sb, ';');
	sb_puts(&sb, "; sp=");
	for (i = 0; i < 2000; i++)
		sb_putc(&sb, 'z');
	sb_init(&err);
	rc = dmarc_parse_record(sb.s, sb.len, &rec, &err);
	is_int(rc, -1, "20 KB record with a long bad sp: invalid");
	ok(strncmp(err.s, "bad sp= value 'zzzz", 19) == 0 &&
	    err.len < 100, "long value cut in the error (%zu bytes)", err.len);
	dmarc_record_clear(&rec);
	sb_free(&err);
	sb_free(&sb);

	rc = dmarc_parse_record("v=DMARC1; p=x; adkim=q", 22, &rec, NULL);
	is_int(rc, -1, "err may be NULL (invalid)");
	rc = dmarc_parse_record("v=DMARC1; p=none; adkim=q", 25, &rec, NULL);
	is_int(rc, 1, "err may be NULL (valid with notes)");
	dmarc_record_clear(&rec);
	rc = dmarc_parse_record(NULL, 0, &rec, NULL);
	is_int(rc, 0, "NULL text: not DMARC");

	sb_init(&err);
	sb_puts(&err, "prefix");
	rc = dmarc_parse_record("v=DMARC1", 8, &rec, &err);
	is_str(err.s, "prefixno p= tag and no valid rua=",
	    "err is appended to");
	sb_free(&err);
}

/* test_names - the words for results, policies, dispositions */
static void
test_names(void)
{
	is_str(dmarc_result_name(DMARC_RES_NONE), "none", "result none");
	is_str(dmarc_result_name(DMARC_RES_PASS), "pass", "result pass");
	is_str(dmarc_result_name(DMARC_RES_FAIL), "fail", "result fail");
	is_str(dmarc_result_name(DMARC_RES_TEMPERROR), "temperror",
	    "result temperror");
	is_str(dmarc_result_name(DMARC_RES_PERMERROR), "permerror",
	    "result permerror");
	is_str(dmarc_policy_name(DMARC_POLICY_UNSET), "unset", "policy unset");
	is_str(dmarc_policy_name(DMARC_POLICY_NONE), "none", "policy none");
	is_str(dmarc_policy_name(DMARC_POLICY_QUARANTINE), "quarantine",
	    "policy quarantine");
	is_str(dmarc_policy_name(DMARC_POLICY_REJECT), "reject",
	    "policy reject");
	is_str(dmarc_disposition_name(DMARC_DIS_NONE), "none", "dis none");
	is_str(dmarc_disposition_name(DMARC_DIS_QUARANTINE), "quarantine",
	    "dis quarantine");
	is_str(dmarc_disposition_name(DMARC_DIS_REJECT), "reject",
	    "dis reject");
}

int
main(void)
{
	test_not_dmarc();
	test_valid();
	test_p_missing();
	test_lenient();
	test_hostile();
	test_names();
	return tap_done();
}
