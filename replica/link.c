/* link.c: the agent's side of a link: dial replication.feed, shake hands. */
#include "replica.h"

#define LINK_HOST_MAX	256

struct conn *
link_open(struct replica *r, struct reg_err *err)
{
	const char *feed = r->cfg->replication.feed;
	char host[LINK_HOST_MAX];
	struct conn *c;
	int fd;

	if (r->tls == NULL && (r->tls = tls_context(r->cfg, false, err)) == NULL)
		return NULL;
	if (net_host(feed, host, sizeof(host), err) != REG_OK ||
	    net_connect(feed, r->cfg->replication.timeout, &fd, err) != REG_OK)
		return NULL;
	c = conn_new(fd, feed);
	if (conn_connect(c, r->tls, host, err) != REG_OK) {
		conn_free(c);
		return NULL;
	}
	return c;
}
