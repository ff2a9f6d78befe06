/*
 * feed.c: the replication feed's listener on the registry host.
 *
 * The parent accepts links on replication.listen, drops an address
 * outside replication.allow before a byte of TLS, caps the links at
 * replication.max_replicas, and forks one child per link. A child does
 * the handshake, opens the master read-only and serves one request
 * (feed_session.c). The parent holds no database handle, so a child that
 * misbehaves can only lose its own link.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipnet.h"
#include "log.h"
#include "replica.h"
#include "util.h"

#define FEED_ACCEPT_POLL_MS	1000

struct feed {
	struct replica *r;
	SSL_CTX *tls;
	struct ipnet_list allow;
	int fds[NET_LISTEN_MAX], nfds;
	pid_t *kids;
	int nkids;
};

static void
reap(struct feed *f)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (int i = 0; i < f->nkids; i++)
			if (f->kids[i] == pid) {
				f->kids[i] = f->kids[--f->nkids];
				break;
			}
}

static bool
admit(struct feed *f, const struct sockaddr *sa, const char *peer)
{
	if (!ipnet_list_contains(&f->allow, sa)) {
		log_warnx("feed: %s: refused: not in replication.allow", peer);
		return false;
	}
	if (f->nkids >= f->r->cfg->replication.max_replicas) {
		log_warnx("feed: %s: refused: %d links open (replication.max_replicas)",
		    peer, f->nkids);
		return false;
	}
	return true;
}

static void
accept_one(struct feed *f, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char peer[NET_PEER_LEN];
	pid_t pid;
	int fd;

	if ((fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC)) < 0) {
		if (errno != EINTR && errno != ECONNABORTED)
			log_warn("feed: accept");
		return;
	}
	net_peer_name((struct sockaddr *)&ss, peer, sizeof(peer));
	if (!admit(f, (struct sockaddr *)&ss, peer)) {
		close(fd);
		return;
	}
	if ((pid = fork()) < 0) {
		log_warn("feed: %s: fork", peer);
		close(fd);
		return;
	}
	if (pid == 0) {
		for (int i = 0; i < f->nfds; i++)
			close(f->fds[i]);
		_exit(feed_session(f->r, f->tls, fd, peer));
	}
	close(fd);
	f->kids[f->nkids++] = pid;
}

static void
serve(struct feed *f)
{
	struct pollfd p[NET_LISTEN_MAX];

	for (int i = 0; i < f->nfds; i++)
		p[i] = (struct pollfd){ .fd = f->fds[i], .events = POLLIN };
	while (!replica_quit) {
		reap(f);
		if (poll(p, (nfds_t)f->nfds, FEED_ACCEPT_POLL_MS) <= 0)
			continue;
		for (int i = 0; i < f->nfds; i++)
			if (p[i].revents & POLLIN)
				accept_one(f, f->fds[i]);
	}
}

/* Ends the children (by their pids) and waits for them. */
static void
stop_children(struct feed *f)
{
	for (int i = 0; i < f->nkids; i++)
		kill(f->kids[i], SIGTERM);
	for (int i = 0; i < f->nkids; i++)
		waitpid(f->kids[i], NULL, 0);
	f->nkids = 0;
}

/* Everything that can fail before the first link, so that a bad set-up
 * stops the feed at once with the reason. */
static int
feed_setup(struct feed *f, struct reg_err *err)
{
	const struct reg_config *cfg = f->r->cfg;
	struct reg_err why = { 0 };
	struct store *st;
	int rc;

	if ((st = store_open(cfg->database.master, STORE_RDONLY, err)) == NULL)
		return err->code;
	store_close(st);
	if ((f->tls = tls_context(cfg, true, err)) == NULL)
		return err->code;
	if ((rc = ipnet_list_parse(cfg->replication.allow, &f->allow, &why)) != REG_OK)
		return reg_fail(err, rc, "replication.allow: %s", reg_err_text(&why));
	f->kids = xcalloc((size_t)cfg->replication.max_replicas, sizeof(*f->kids));
	return net_listen(cfg->replication.listen, f->fds, &f->nfds, err);
}

int
feed_main(struct replica *r)
{
	struct feed f = { .r = r };
	int rc;

	signals_init();
	if ((rc = feed_setup(&f, &r->err)) == REG_OK) {
		log_info("feed: serving %s on %s to %s", r->cfg->database.master,
		    r->cfg->replication.listen, r->cfg->replication.allow);
		serve(&f);
		log_info("feed: stopping");
		stop_children(&f);
	} else {
		log_warnx("feed: %s", reg_err_text(&r->err));
	}
	for (int i = 0; i < f.nfds; i++)
		close(f.fds[i]);
	free(f.kids);
	ipnet_list_free(&f.allow);
	SSL_CTX_free(f.tls);
	return rc == REG_OK ? EXIT_OK : EXIT_FAIL;
}
