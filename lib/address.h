/*
 * NAME
 *	address - RFC 5322 address lists: the author domains of a From header
 * SYNOPSIS
 *	#include "address.h"
 *
 *	int  address_parse_list(const char *value, struct address_list *out);
 *	int  address_parse_buf(const char *value, size_t len,
 *	         struct address_list *out);
 *	void address_list_free(struct address_list *l);
 *	int  domain_to_ascii(const char *in, struct strbuf *out);
 * DESCRIPTION
 *	address_parse_list() parses the value of one From (or Sender,
 *	Reply-To) header field as an RFC 5322 address-list: mailbox and
 *	group syntax, display names (atoms, quoted strings with
 *	quoted-pairs, RFC 2047 encoded words, which are left as they are:
 *	they are never part of the address), comments (nested, with
 *	quoted-pairs) anywhere CFWS is allowed, angle-addr with an
 *	obsolete route, obs-local-part and obs-domain forms, folding
 *	white space (CR LF followed by WSP).  Every address found goes
 *	into out->v[] in order, with its local part (quoted-string kept
 *	unquoted) and its domain, normalised: lowercase, a trailing dot
 *	removed, internationalised labels (UTF-8) converted to A-labels
 *	by domain_to_ascii().  A domain literal ([192.0.2.1]) is kept as
 *	written, flagged literal.
 *
 *	Liberal in what is shown, strict in the address: only the
 *	addr-spec decides the author domain, so a display name, a group
 *	name or a comment may hold bytes that are not UTF-8 (raw Latin-1,
 *	windows-1252 and other legacy 8-bit text); they are skipped like
 *	any other display text.  The same bytes in a local part or a
 *	domain (or a domain literal) are an error ("byte that is not UTF-8
 *	in a local part at N", "... in a domain at N").
 *
 *	It returns 0 when the whole value parsed, or -1 when it did not
 *	(out->error then says where: "unbalanced angle bracket at 17",
 *	"address without domain", "NUL byte", "too long"): a message with
 *	such a From gets a documented verdict, never a guess.  Addresses
 *	parsed before the error are still in out.  An empty group
 *	("undisclosed-recipients:;") adds no address; an address without
 *	"@domain" is an error.  Input over ADDRESS_MAX_INPUT bytes or with
 *	more than ADDRESS_MAX_ADDRS addresses is refused as too long, and
 *	comments nested deeper than ADDRESS_MAX_NEST as too deep; these
 *	three also set out->over_limit, so that a caller can tell a value
 *	over a limit from one that does not parse.
 *	Nothing is ever read past the terminating NUL; recursion is
 *	bounded (comment nesting over ADDRESS_MAX_NEST is an error).
 *
 *	domain_to_ascii() converts a domain (UTF-8 or ASCII) to lowercase
 *	A-labels; it returns 0, or -1 for a name that cannot be a DNS
 *	name (bad UTF-8, empty label, label over 63 or name over 253
 *	octets after conversion, characters other than letters, digits,
 *	hyphen and underscore in an ASCII label).  A name with any
 *	non-ASCII character goes through the UTS #46 mapping (libidn2,
 *	nontransitional processing, NFC applied first) and then the
 *	IDNA2008 checks libidn2 makes; the A-labels it gives are then
 *	checked as an ASCII name.  So the forms a mail reader shows
 *	alike give one author domain: full-width letters and digits,
 *	capitals, decomposed (non-NFC) characters and the full stops
 *	U+3002, U+FF0E and U+FF61 all map to the domain they look like
 *	("\uff50\uff41\uff59pal.com" is paypal.com), so DMARC is
 *	evaluated for the domain the reader sees.  What IDNA2008
 *	disallows (emoji, symbols, "--" in positions 3 and 4 of a
 *	U-label, bidi rule violations) is refused: the From is then a bad
 *	From, never a guess.
 *
 *	address_parse_buf() is address_parse_list() for a value of len
 *	bytes that need not be NUL-terminated; a NUL byte inside it is an
 *	error ("NUL byte at N").  address_parse_list() reads its value up
 *	to the first NUL: a header value from the MTA is a C string, so a
 *	NUL in the header on the wire has already ended it before it
 *	reaches us, and what follows the NUL is never seen.
 *
 *	out is overwritten: free a list before parsing into it again.
 *	address_list_free() releases what a parse left (also after -1),
 *	zeroes the list and may be called again or on a zeroed list.
 *
 *	What some odd forms give (all per RFC 5322 unless said):
 *	- CFWS may stand around every atom and "." of a local part or
 *	  domain (obs-local-part, obs-domain) and is not part of them:
 *	  "a@example.net(.example.com)" is example.net; but
 *	  "a@example.net(x).example.com" is example.net.example.com, and
 *	  "a@example.net(.example.com" is an unterminated comment (-1).
 *	- One trailing dot on a domain is accepted and removed, although
 *	  RFC 5322 has no such syntax.  "a..b@x", ".a@x", "a.@x" are
 *	  errors (invalid local part), as are "a@x..y" and "a@.x".
 *	- "user", "user@", "@example.com", "a@b@c", "<a@b", "a@b>", "<>",
 *	  "Joe Public" (a phrase without address) are errors.
 *	- Empty list elements (",,") are allowed (obs-addr-list); a value
 *	  with no address and no group at all ("", "(comment)") is an
 *	  error "no address".  Groups do not nest.
 *	- An obs-route ("<@a,@b:u@d>") is checked and dropped.
 *	- A domain literal is kept with its brackets, white space and
 *	  folding inside it removed; an empty literal "[]" and quoted-pairs
 *	  inside one are refused.
 *	- Stricter than RFC 5322 4.1: control characters (C0 other than
 *	  HTAB and the CR LF of folding, DEL, and C1 written as UTF-8) are
 *	  refused everywhere, also inside quoted strings and comments; a
 *	  line break must be followed by white space (folding) and may be
 *	  LF alone.  Non-ASCII bytes in the address must be well-formed
 *	  UTF-8 (RFC 6532); elsewhere any byte from 0x80 up is text.
 *	- Stricter than UTS #46: invisible and formatting code points
 *	  (soft hyphen, zero-width and bidi controls, variation selectors,
 *	  BOM), private use and tags in a domain are refused, where UTS #46
 *	  would drop some of them silently.  An ASCII label is taken as
 *	  it is, so an existing "xn--" label is not decoded or checked.
 * DIAGNOSTICS
 *	out->error names the problem and, where there is one, the byte
 *	offset (from 0) in the value: "unbalanced angle bracket '<' at 0",
 *	"address without domain at 4", "more than one '@' in an address
 *	at 3", "unterminated comment at 13", "comments nested deeper than
 *	50 at 50", "control character 0x01 at 2", "too many addresses
 *	(over 100) at 900", "too long (over 65536 bytes)", "no address".
 *	It contains no bytes of the value: it is safe to log.
 */
#ifndef AUTHMILTER_ADDRESS_H
#define AUTHMILTER_ADDRESS_H

#include <stddef.h>

#include "util.h"

#define ADDRESS_MAX_INPUT	65536
#define ADDRESS_MAX_ADDRS	100
#define ADDRESS_MAX_NEST	50

struct address {
	char	*local;		/* local part, unquoted */
	char	*domain;	/* lowercase A-labels, no trailing dot */
	int	 literal;	/* domain is a [literal] */
};

struct address_list {
	struct address	*v;
	size_t		 n;
	char		*error;		/* NULL, or why parsing stopped */
	int		 over_limit;	/* it stopped at ADDRESS_MAX_* */
};

int	address_parse_list(const char *, struct address_list *);
int	address_parse_buf(const char *, size_t, struct address_list *);
void	address_list_free(struct address_list *);
int	domain_to_ascii(const char *, struct strbuf *);

#endif
