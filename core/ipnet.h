/*
 * ipnet.h: IPv4 and IPv6 prefixes, for allow-lists and rate-limit buckets.
 *
 * A prefix is written "192.0.2.0/24" or "2001:db8::/32"; a bare address is
 * a host prefix (/32 or /128). A client that reaches an IPv6 socket from
 * IPv4 shows up as ::ffff:a.b.c.d and is matched as the IPv4 address it is,
 * so one allow-list serves dual-stack and IPv4-only listeners alike.
 */
#ifndef REG_IPNET_H
#define REG_IPNET_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/socket.h>

#include "err.h"

/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" and a NUL. */
#define IPNET_STRLEN	(46 + 4)

struct ipnet {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];	/* network order; IPv4 uses the first 4 */
	int len;		/* prefix length in bits */
};

/* Parses text, with no surrounding spaces. REG_ESYNTAX for junk, a bad
 * length or a prefix with host bits set ("192.0.2.1/24": the reason names
 * the network that was probably meant). */
int ipnet_parse(const char *text, struct ipnet *out, struct reg_err *err);

/* Canonical "addr/len" (RFC 5952 for IPv6) into buf, truncated to size. */
void ipnet_format(const struct ipnet *, char *buf, size_t size);

/* True if sa (AF_INET or AF_INET6) lies within net; an IPv4-mapped IPv6
 * address also matches IPv4 prefixes, and an IPv4 address matches IPv6
 * prefixes that cover its mapped form. */
bool ipnet_contains(const struct ipnet *net, const struct sockaddr *sa);

/* The prefix of length v4len (IPv4, including mapped addresses) or v6len
 * (IPv6) that holds sa, as "192.0.2.0/24": the key of a rate-limit bucket.
 * REG_EINVAL for another family, a length out of range or a short buf
 * (IPNET_STRLEN is enough). */
int ipnet_prefix_key(const struct sockaddr *sa, int v4len, int v6len,
    char *buf, size_t size);

/* A growable list of prefixes; start from `struct ipnet_list l = { 0 };`
 * and release with ipnet_list_free. */
struct ipnet_list {
	struct ipnet *v;
	size_t n, cap;
};

/* Appends the prefixes of text, separated by commas and/or spaces ("" is
 * an empty list). On error nothing is appended and err names the entry. */
int ipnet_list_parse(const char *text, struct ipnet_list *, struct reg_err *err);

/* Appends net unless the list already holds it. */
void ipnet_list_add(struct ipnet_list *, const struct ipnet *net);

/* True if any prefix of the list contains sa. */
bool ipnet_list_contains(const struct ipnet_list *, const struct sockaddr *sa);

/* Frees the entries and leaves an empty list (the struct is the caller's). */
void ipnet_list_free(struct ipnet_list *);

#endif
