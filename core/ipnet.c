/* ipnet.c: IPv4/IPv6 prefixes: parsing, formatting, matching, lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "ipnet.h"
#include "util.h"

#define V4_BYTES	4
#define V6_BYTES	16
#define BYTE_BITS	8
#define LEN_DIGITS	3		/* "/128" */
#define QUOTE_MAX	60		/* of junk quoted in a reason */
#define LIST_SEP	" ,\t\r\n"
#define LIST_FIRST_CAP	4

/* ::ffff:0:0/96, the IPv4-mapped IPv6 addresses (RFC 4291 2.5.5.2). */
static const unsigned char v4mapped[V6_BYTES - V4_BYTES] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static int
family_bytes(int family)
{
	return family == AF_INET ? V4_BYTES : V6_BYTES;
}

static int
family_bits(int family)
{
	return family_bytes(family) * BYTE_BITS;
}

/* Clears every bit of addr past the first len; true if any was set. */
static bool
mask_host_bits(unsigned char *addr, int family, int len)
{
	bool had = false;

	for (int i = 0; i < family_bytes(family); i++) {
		int keep = len - i * BYTE_BITS;
		unsigned char mask = keep >= BYTE_BITS ? 0xff :
		    keep <= 0 ? 0 : (unsigned char)(0xff << (BYTE_BITS - keep));

		had |= (addr[i] & ~mask) != 0;
		addr[i] &= mask;
	}
	return had;
}

/* The family sa is matched as: AF_INET for IPv4 and IPv4-mapped IPv6,
 * AF_INET6 for other IPv6, AF_UNSPEC otherwise. */
static int
sockaddr_family(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET)
		return AF_INET;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) ? AF_INET : AF_INET6;
	return AF_UNSPEC;
}

/* sa's address written as family want (IPv4 as mapped IPv6 if need be)
 * into out, zero-filled; false if sa has no such form. */
static bool
sockaddr_addr(const struct sockaddr *sa, int want, unsigned char out[V6_BYTES])
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
	const unsigned char *v4;

	memset(out, 0, V6_BYTES);
	if (sa->sa_family == AF_INET6 && want == AF_INET6) {
		memcpy(out, &s6->sin6_addr, V6_BYTES);
		return true;
	}
	if (sockaddr_family(sa) != AF_INET)
		return false;
	if (sa->sa_family == AF_INET)
		v4 = (const unsigned char *)&s4->sin_addr;
	else
		v4 = s6->sin6_addr.s6_addr + sizeof(v4mapped);
	if (want == AF_INET) {
		memcpy(out, v4, V4_BYTES);
	} else {
		memcpy(out, v4mapped, sizeof(v4mapped));
		memcpy(out + sizeof(v4mapped), v4, V4_BYTES);
	}
	return true;
}

/* "24" into *len if it is 1 to LEN_DIGITS digits and at most max. */
static bool
parse_len(const char *s, int max, int *len)
{
	size_t n = strlen(s);
	int v = 0;

	if (n == 0 || n > LEN_DIGITS || strspn(s, "0123456789") != n)
		return false;
	for (; *s; s++)
		v = v * 10 + (*s - '0');
	if (v > max)
		return false;
	*len = v;
	return true;
}

int
ipnet_parse(const char *text, struct ipnet *out, struct reg_err *err)
{
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	char addr[INET6_ADDRSTRLEN], want[IPNET_STRLEN];
	struct ipnet net = { 0 };

	if (alen == 0 || alen >= sizeof(addr))
		return reg_fail(err, REG_ESYNTAX, "'%.*s' is not an IP address or prefix",
		    QUOTE_MAX, text);
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	net.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(net.family, addr, net.addr) != 1)
		return reg_fail(err, REG_ESYNTAX, "'%s' is not an IPv%d address",
		    addr, net.family == AF_INET ? 4 : 6);
	net.len = family_bits(net.family);
	if (slash && !parse_len(slash + 1, family_bits(net.family), &net.len))
		return reg_fail(err, REG_ESYNTAX, "'%.*s': prefix length must be 0 to %d",
		    QUOTE_MAX, text, family_bits(net.family));
	if (mask_host_bits(net.addr, net.family, net.len)) {
		ipnet_format(&net, want, sizeof(want));
		return reg_fail(err, REG_ESYNTAX, "'%s' has host bits set beyond "
		    "/%d (the network is %s)", text, net.len, want);
	}
	*out = net;
	return REG_OK;
}

/* Like snprintf: the length "addr/len" needs, whatever size is. */
static int
ipnet_print(const struct ipnet *net, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	if (inet_ntop(net->family, net->addr, addr, sizeof(addr)) == NULL)
		strlcpy_reg(addr, "?", sizeof(addr));
	return snprintf(buf, size, "%s/%d", addr, net->len);
}

void
ipnet_format(const struct ipnet *net, char *buf, size_t size)
{
	ipnet_print(net, buf, size);
}

bool
ipnet_contains(const struct ipnet *net, const struct sockaddr *sa)
{
	unsigned char a[V6_BYTES];

	if (net->family != AF_INET && net->family != AF_INET6)
		return false;	/* a zeroed struct matches nothing */
	if (!sockaddr_addr(sa, net->family, a))
		return false;
	mask_host_bits(a, net->family, net->len);
	return memcmp(a, net->addr, (size_t)family_bytes(net->family)) == 0;
}

int
ipnet_prefix_key(const struct sockaddr *sa, int v4len, int v6len,
    char *buf, size_t size)
{
	struct ipnet net = { .family = sockaddr_family(sa) };
	int n;

	if (net.family == AF_UNSPEC || v4len < 0 || v4len > family_bits(AF_INET) ||
	    v6len < 0 || v6len > family_bits(AF_INET6))
		return REG_EINVAL;
	net.len = net.family == AF_INET ? v4len : v6len;
	sockaddr_addr(sa, net.family, net.addr);
	mask_host_bits(net.addr, net.family, net.len);
	n = ipnet_print(&net, buf, size);
	return n >= 0 && (size_t)n < size ? REG_OK : REG_EINVAL;
}

static bool
ipnet_equal(const struct ipnet *a, const struct ipnet *b)
{
	return a->family == b->family && a->len == b->len &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

void
ipnet_list_add(struct ipnet_list *l, const struct ipnet *net)
{
	for (size_t i = 0; i < l->n; i++)
		if (ipnet_equal(&l->v[i], net))
			return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : LIST_FIRST_CAP;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *net;
}

int
ipnet_list_parse(const char *text, struct ipnet_list *l, struct reg_err *err)
{
	char *copy = xstrdup(text), *tok, *save = NULL;
	size_t before = l->n;
	struct ipnet net;
	int rc = REG_OK;

	for (tok = strtok_r(copy, LIST_SEP, &save); tok != NULL;
	    tok = strtok_r(NULL, LIST_SEP, &save)) {
		if ((rc = ipnet_parse(tok, &net, err)) != REG_OK) {
			l->n = before;
			break;
		}
		ipnet_list_add(l, &net);
	}
	free(copy);
	return rc;
}

bool
ipnet_list_contains(const struct ipnet_list *l, const struct sockaddr *sa)
{
	for (size_t i = 0; i < l->n; i++)
		if (ipnet_contains(&l->v[i], sa))
			return true;
	return false;
}

void
ipnet_list_free(struct ipnet_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
