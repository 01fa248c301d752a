/*
 * check_dkim.c - each selector's published key, judged, and compared
 * with the local private key (see check_dkim.h)
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "util.h"
#include "dns.h"
#include "signkey.h"
#include "spf_int.h"
#include "dkim_verify.h"
#include "dkim_int.h"
#include "check.h"
#include "check_dkim.h"

/*
 * find_key - the first key record at name into key: 1, or 0 with
 *	the finding made (none, broken, DNS failure)
 */
static int
find_key(json_t *obj, struct dns_client *dc, const char *name,
    struct dkim_key *key, int signing)
{
	struct dns_reply *r;
	struct strbuf why, one;
	const char *fix = signing ? "publish the record authmilter-keygen "
	    "printed for this key" : "publish the key, or stop using "
	    "this selector";
	size_t i;
	int rc = 0, broken = 0;
	char *s = check_show(name);

	sb_init(&why);
	sb_init(&one);
	r = dns_lookup(dc, name, DNS_T_TXT);
	for (i = 0; r->status == DNS_DATA && i < r->count && rc != 1; i++) {
		const struct dns_rr *rr = &r->rr[i];

		if (rr->type != DNS_T_TXT || rr->text == NULL)
			continue;
		sb_truncate(&one, 0);
		rc = dkim_key_parse(rr->text, rr->len, key, &one);
		if (rc == 1) {
			json_object_set_new(obj, "record",
			    check_string(rr->text, rr->len));
			break;
		}
		dkim_key_clear(key);
		if (rc < 0 && broken++ == 0) {
			json_object_set_new(obj, "record",
			    check_string(rr->text, rr->len));
			sb_puts(&why, one.s);
		}
	}
	sb_free(&one);
	if (r->status == DNS_TEMPFAIL)
		check_finding(obj, CHECK_UNKNOWN, "check the name servers, "
		    "then run the check again", "DNS failure asking %s TXT: "
		    "the key could not be checked", s);
	else if (rc != 1 && broken > 0)
		check_finding(obj, CHECK_CRITICAL, fix, "the key record at %s "
		    "is broken (%s): signatures with this selector fail", s,
		    why.s);
	else if (rc != 1)
		check_finding(obj, CHECK_CRITICAL, fix, "no DKIM key "
		    "published at %s (%s): signatures with this selector "
		    "fail", s, r->status == DNS_NXDOMAIN ? "no such name" :
		    "no key record");
	dns_reply_free(r);
	sb_free(&why);
	free(s);
	return rc == 1;
}

/* compare - does the published key match the local private key */
static void
compare(json_t *obj, EVP_PKEY *pub, const struct check_dkim_sel *sel)
{
	struct signkey *own = NULL;
	const struct signkey *k = sel->key;
	struct strbuf err;
	char *s = check_show(sel->keyfile);

	json_object_set_new(obj, "keyfile", check_string(sel->keyfile,
	    strlen(sel->keyfile)));
	sb_init(&err);
	if (k == NULL && (k = own = signkey_load(sel->selector, sel->keyfile,
	    0, &err)) == NULL) {
		while (err.len > 0 && err.s[err.len - 1] == '\n')
			sb_truncate(&err, err.len - 1);
		check_finding(obj, CHECK_UNKNOWN, "run the check as a user "
		    "who can read the key file", "cannot compare with the "
		    "private key: %s", err.s);
	} else if (EVP_PKEY_eq(pub, k->pkey) == 1) {
		json_object_set_new(obj, "key_match", json_true());
		check_finding(obj, CHECK_OK, NULL, "the published key matches "
		    "the private key in %s", s);
	} else {
		json_object_set_new(obj, "key_match", json_false());
		check_finding(obj, CHECK_CRITICAL, "publish the public key of "
		    "this file (authmilter-keygen prints it), or sign with "
		    "the right file", "the published key does not match the "
		    "private key in %s: every signature made with it fails",
		    s);
	}
	ERR_clear_error();
	signkey_free(own);
	sb_free(&err);
	free(s);
}

/* judge - type, size, flags and revocation of a published key */
static void
judge(json_t *obj, const struct dkim_key *key, const char *name,
    const struct check_dkim_sel *sel)
{
	int ed = str_caseeq(key->k, "ed25519");
	EVP_PKEY *pub;
	unsigned bits = 0;
	char *s = check_show(name), *t;

	json_object_set_new(obj, "key_type", check_string(key->k,
	    strlen(key->k)));
	json_object_set_new(obj, "testing", json_boolean(key->testing));
	json_object_set_new(obj, "revoked", json_boolean(*key->p == '\0'));
	if (*key->p == '\0') {
		if (sel->keyfile != NULL)
			check_finding(obj, CHECK_CRITICAL, "publish the key "
			    "of the file the table signs with, or change the "
			    "table's sign=", "the key at %s is revoked (empty "
			    "p=) but the table still signs with it: every "
			    "signature fails", s);
		else
			check_finding(obj, CHECK_WARNING, "remove the record "
			    "once no mail signed with it is in transit",
			    "the key at %s is revoked (empty p=): signatures "
			    "with this selector fail", s);
		goto out;
	}
	if (!ed && !str_caseeq(key->k, "rsa")) {
		/* k= is the zone's text: white space, even folds, inside */
		t = check_show(key->k);
		check_finding(obj, CHECK_CRITICAL, "publish k=rsa or "
		    "k=ed25519", "the key at %s has an unknown type k=%s: "
		    "verifiers cannot use it", s, t);
		free(t);
		goto out;
	}
	if ((pub = dkim_key_get(NULL, key, ed, &bits)) == NULL) {
		check_finding(obj, CHECK_CRITICAL, "publish the key again as "
		    "authmilter-keygen prints it", "p= at %s is not a valid "
		    "%s public key: signatures with this selector fail", s,
		    ed ? "Ed25519" : "RSA");
		goto out;
	}
	json_object_set_new(obj, "bits", json_integer(bits));
	if (!ed && bits < CHECK_DKIM_RSA_CRIT)
		check_finding(obj, CHECK_CRITICAL, "make a 2048-bit key "
		    "(authmilter-keygen) and publish it under a new selector",
		    "%u-bit RSA key at %s: under %d bits, verifiers fail it "
		    "(RFC 8301)", bits, s, CHECK_DKIM_RSA_CRIT);
	else if (!ed && bits < CHECK_DKIM_RSA_WARN)
		check_finding(obj, CHECK_WARNING, "make a 2048-bit key "
		    "(authmilter-keygen) and publish it under a new selector",
		    "%u-bit RSA key at %s: under %d bits, weak today", bits, s,
		    CHECK_DKIM_RSA_WARN);
	else
		check_finding(obj, CHECK_OK, NULL, "%s %u-bit key published "
		    "at %s", ed ? "Ed25519" : "RSA", bits, s);
	if (key->testing)
		check_finding(obj, CHECK_WARNING, "remove t=y from the record "
		    "once signing works", "the key at %s has t=y (testing): "
		    "verifiers may treat its signatures as unsigned", s);
	if (!key->email)
		check_finding(obj, CHECK_CRITICAL, "remove s= or set s=email",
		    "the key at %s is not for email (s=): signatures with it "
		    "fail", s);
	if ((key->hashes & DKIM_KEY_SHA256) == 0)
		check_finding(obj, CHECK_CRITICAL, "remove h= or add sha256",
		    "the key at %s does not allow sha256 (h=): signatures with "
		    "it fail", s);
	if (sel->keyfile != NULL)
		compare(obj, pub, sel);
	EVP_PKEY_free(pub);
out:
	free(s);
}

/* check_dkim - fill report["dkim"], one object per selector */
void
check_dkim(json_t *report, struct dns_client *dc, const char *domain,
    const struct check_dkim_sel *sels, size_t n)
{
	json_t *list = json_array(), *obj;
	struct dkim_key key;
	struct strbuf name;
	size_t i;
	char *s;

	json_object_set_new(report, "dkim", list);
	for (i = 0; i < n; i++) {
		obj = json_object();
		json_array_append_new(list, obj);
		json_object_set_new(obj, "selector", check_string(
		    sels[i].selector, strlen(sels[i].selector)));
		sb_init(&name);
		sb_printf(&name, "%s._domainkey.%s", sels[i].selector, domain);
		str_lower(name.s);
		json_object_set_new(obj, "name", check_string(name.s,
		    name.len));
		if (!spf_name_valid(name.s) || strchr(sels[i].selector, '.') ==
		    sels[i].selector) {
			s = check_show(sels[i].selector);
			check_finding(obj, CHECK_UNKNOWN, "give a selector of "
			    "DNS labels", "selector \"%s\" does not make a "
			    "valid DNS name", s);
			free(s);
		} else if (find_key(obj, dc, name.s, &key,
		    sels[i].keyfile != NULL)) {
			judge(obj, &key, name.s, &sels[i]);
			dkim_key_clear(&key);
		}
		sb_free(&name);
	}
}
