/*
 * check_tls_test - RFC 8461's mx pattern rule (a "*" is exactly one
 * left-most label) and the policy parser, without any network
 */
#include <string.h>

#include "check.h"
#include "check_tls.h"
#include "tap.h"

/* severity_of - the severity of the first finding whose text has s */
static const char *
severity_of(json_t *area, const char *s)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(area, "findings"), i, f)
		if (strstr(json_string_value(json_object_get(f, "text")), s))
			return json_string_value(json_object_get(f,
			    "severity"));
	return NULL;
}

/* policy - parse body into a fresh area */
static json_t *
policy(const char *body)
{
	json_t *area = json_object();

	check_mta_sts_policy(area, body, strlen(body));
	return area;
}

int
main(void)
{
	json_t *a;

	/* section 4.1 matching */
	ok(check_mta_sts_match("mx.example.com", "mx.example.com"),
	    "an exact name matches");
	ok(check_mta_sts_match("MX.Example.COM.", "mx.example.com"),
	    "case and a final dot do not matter");
	ok(!check_mta_sts_match("mx.example.com", "mx2.example.com"),
	    "another name does not match");
	ok(check_mta_sts_match("*.example.com", "mx.example.com"),
	    "*.example.com matches mx.example.com (one label)");
	ok(!check_mta_sts_match("*.example.com", "a.b.example.com"),
	    "*.example.com does not match a.b.example.com (two labels)");
	ok(!check_mta_sts_match("*.example.com", "example.com"),
	    "*.example.com does not match example.com itself");
	ok(!check_mta_sts_match("*.example.com", ".example.com"),
	    "an empty left-most label does not match");
	ok(!check_mta_sts_match("*.example", "mx.b.example"),
	    "*.example does not match mx.b.example (two labels)");
	ok(check_mta_sts_match("*.example", "mx.example"),
	    "*.example matches mx.example");
	ok(!check_mta_sts_match("*.example.com", "mx.example.com.evil"),
	    "the suffix must end the name");
	ok(!check_mta_sts_match("*.example.com", "mxexample.com"),
	    "the label boundary counts");
	ok(!check_mta_sts_match("mx*.example.com", "mx1.example.com"),
	    "a * inside a label is no wildcard");
	ok(!check_mta_sts_match("*", "mx"), "a lone * matches nothing");
	ok(!check_mta_sts_match("", "mx.example.com"),
	    "an empty pattern matches nothing");

	/* the policy */
	a = policy("version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\n"
	    "mx: *.example.net\r\nmax_age: 604800\r\n");
	is_str(json_string_value(json_object_get(a, "mode")), "enforce",
	    "mode parsed");
	is_int(json_integer_value(json_object_get(a, "max_age")), 604800,
	    "max_age parsed");
	is_int(json_array_size(json_object_get(a, "mx")), 2,
	    "both mx lines kept");
	is_int(json_array_size(json_object_get(a, "findings")), 0,
	    "a good policy has no finding");
	json_decref(a);

	a = policy("version: STSv1\nmode: testing\nmx: mx.example.com\n"
	    "max_age: 86400\n");
	is_int(json_array_size(json_object_get(a, "findings")), 0,
	    "LF line ends are taken, max_age 86400 is in range");
	json_decref(a);

	a = policy("version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\n"
	    "max_age: 31557601\r\n");
	is_str(severity_of(a, "max_age 31557601 is over"), "CRITICAL",
	    "max_age over one year is CRITICAL");
	json_decref(a);

	a = policy("version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\n"
	    "max_age: 3600\r\n");
	is_str(severity_of(a, "max_age 3600 is under"), "WARNING",
	    "max_age under a day is a WARNING");
	json_decref(a);

	a = policy("version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\n"
	    "max_age: 12345678901\r\n");
	is_str(severity_of(a, "not a number"), "CRITICAL",
	    "an 11-digit max_age is refused");
	is_int(json_is_null(json_object_get(a, "max_age")), 1,
	    "... and max_age stays null");
	json_decref(a);

	a = policy("version: STSv1\r\nmode: strict\r\nmx: mx.example.com\r\n"
	    "max_age: 86400\r\n");
	is_str(severity_of(a, "mode \"strict\""), "CRITICAL",
	    "an unknown mode is CRITICAL");
	json_decref(a);

	a = policy("mode: enforce\r\nmax_age: 86400\r\n");
	is_str(severity_of(a, "no \"version"), "CRITICAL",
	    "a missing version is CRITICAL");
	is_str(severity_of(a, "no mx pattern"), "CRITICAL",
	    "enforce without mx lines is CRITICAL");
	json_decref(a);

	a = policy("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n");
	is_int(json_array_size(json_object_get(a, "findings")), 0,
	    "mode none needs no mx line");
	json_decref(a);

	a = policy("version: STSv1\r\nmode: enforce\r\nmode: testing\r\n"
	    "mx: mx.example.com\r\nmx: bad pattern\r\nmax_age: 86400\r\n"
	    "this line has no colon\r\n");
	is_str(json_string_value(json_object_get(a, "mode")), "enforce",
	    "the first of two mode lines is used");
	is_str(severity_of(a, "a second \"mode\""), "WARNING",
	    "... and the second is a WARNING");
	is_str(severity_of(a, "is not an mx pattern"), "WARNING",
	    "a bad mx pattern is a WARNING");
	is_str(severity_of(a, "is not \"key: value\""), "CRITICAL",
	    "a line without a colon is CRITICAL");
	json_decref(a);

	a = json_object();
	check_mta_sts_policy(a, "version: STSv1\0mode: enforce", 28);
	is_str(severity_of(a, "NUL byte"), "CRITICAL",
	    "a NUL byte in the policy is CRITICAL");
	json_decref(a);
	return tap_done();
}
