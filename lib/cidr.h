/*
 * NAME
 *	cidr - IPv4 and IPv6 addresses and prefixes, and matching them
 * SYNOPSIS
 *	#include "cidr.h"
 *
 *	int  cidr_parse(const char *text, struct cidr *out);
 *	int  cidr_match(const struct cidr *c, int family,
 *	         const unsigned char *addr);
 *	void cidr_list_add(struct cidr_list *l, const struct cidr *c);
 *	int  cidr_list_match(const struct cidr_list *l, int family,
 *	         const unsigned char *addr);
 *	void cidr_list_free(struct cidr_list *l);
 *	int  addr_from_sockaddr(const struct sockaddr *sa, int *family,
 *	         unsigned char addr[16]);
 *	void addr_format(int family, const unsigned char *addr, char *buf,
 *	         size_t size);
 * DESCRIPTION
 *	cidr_parse() reads "192.0.2.1", "192.0.2.0/24", "2001:db8::1" or
 *	"2001:db8::/32" (a prefix of /0 is allowed); it returns 0, or -1
 *	for anything else (host bits set below the prefix are allowed and
 *	ignored).  An address without prefix is a /32 or /128.
 *
 *	cidr_match() is true when addr (4 bytes for AF_INET, 16 for
 *	AF_INET6) lies inside c.  An IPv4-mapped IPv6 address
 *	(::ffff:192.0.2.1) is matched as the IPv4 address it carries.
 *	A cidr_list is a growable array; an empty list matches nothing.
 *
 *	addr_from_sockaddr() takes the address out of a sockaddr_in or
 *	sockaddr_in6, returning 0, or -1 for another family.
 *	addr_format() prints an address (inet_ntop) into buf.
 */
#ifndef AUTHMILTER_CIDR_H
#define AUTHMILTER_CIDR_H

#include <stddef.h>
#include <sys/socket.h>

struct cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	unsigned	bits;
};

struct cidr_list {
	struct cidr	*v;
	size_t		 n;
};

int	cidr_parse(const char *, struct cidr *);
int	cidr_match(const struct cidr *, int, const unsigned char *);
void	cidr_list_add(struct cidr_list *, const struct cidr *);
int	cidr_list_match(const struct cidr_list *, int, const unsigned char *);
void	cidr_list_free(struct cidr_list *);
int	addr_from_sockaddr(const struct sockaddr *, int *, unsigned char *);
void	addr_format(int, const unsigned char *, char *, size_t);

#endif
