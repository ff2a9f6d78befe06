/*
 * replica.h: private header of the replication program.
 *
 *   registry host                                public host
 *   replica feed  <----- TLS 1.2+, both sides ----- replica follow
 *   reads master.db read-only;     certificates    sole writer of replica.db;
 *   one child process per link                     whoisd and rdapd read it
 *
 * The agent (follow) opens a link, sends one request line and reads what
 * the feed answers until either side closes:
 *
 *   FOLLOW <next-seq> <schema-version> <sha256 of changeset next-1, or ->
 *	-> OK <last-seq>, then forever, in sequence order:
 *	   C <seq> <ts> <len> <sha256>\n followed by len bytes of changeset
 *	   H <last-seq> <last-ts>	(heartbeat, every replication.heartbeat)
 *	-> SEED <reason>	the log cannot bring this replica up to date
 *	-> ERR <reason>
 *   SNAPSHOT <schema-version>
 *	-> IMAGE <seq> <ts> <size> <sha256>\n followed by size bytes: a
 *	   database file with the private tables emptied
 *   STATUS <applied-seq>
 *	-> LAST <last-seq> <last-ts> <first-seq> <ts of applied-seq + 1, or 0>
 *
 * Lines end in \n, words are separated by one space, numbers are decimal,
 * digests lower-case hex. Every read has a size limit and a time limit.
 */
#ifndef REPLICA_H
#define REPLICA_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include <openssl/ssl.h>

#include "config.h"
#include "err.h"
#include "store.h"

#define REPLICA_DEFAULT_CONF	"/etc/registry/registry.conf"

#define PROTO_LINE_MAX		512		/* any protocol line, \n included */
#define PROTO_CHANGESET_MAX	(256 << 20)	/* one changeset, bytes */
#define PROTO_IMAGE_MAX		((int64_t)1 << 40)	/* one snapshot, bytes */
#define PROTO_WORDS_MAX		6

/* Exit statuses. */
enum replica_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the command failed */
	EXIT_USAGE = 2,		/* wrong arguments */
};

/* One run of the program: the options and what every command shares. */
struct replica {
	const char *conf_path;
	struct reg_config *cfg;
	bool verbose;
	bool once;		/* follow: stop when caught up */
	int64_t age, size;	/* trim: -1 when not given */
	SSL_CTX *tls;		/* the agent's, made by link_open */
	struct reg_err err;
};

/* Set by SIGTERM and SIGINT; loops check it between steps. */
extern volatile sig_atomic_t replica_quit;
void signals_init(void);

/* The commands (feed.c, follow.c, status.c, seed.c, trim.c). */
int feed_main(struct replica *);
int follow_main(struct replica *);
int status_main(struct replica *);
int seed_main(struct replica *);
int trim_main(struct replica *);

/* --- net.c: addresses and sockets ------------------------------------------ */

#define NET_LISTEN_MAX	8
#define NET_PEER_LEN	64	/* "[ffff:...]:65535" */

/* Listening TCP sockets for "host:port" or "[v6]:port", comma separated. */
int net_listen(const char *list, int fds[NET_LISTEN_MAX], int *n, struct reg_err *err);
/* A connected socket to "host:port", with both time limits set. */
int net_connect(const char *addr, int64_t timeout, int *fd, struct reg_err *err);
/* Read and write time limits of a socket, in seconds. */
void net_timeouts(int fd, int64_t seconds);
/* "192.0.2.1:4711" or "[2001:db8::1]:4711". */
void net_peer_name(const struct sockaddr *sa, char *buf, size_t size);
/* The host part of "host:port" into buf. */
int net_host(const char *addr, char *buf, size_t size, struct reg_err *err);

/* --- conn.c: one TLS link with buffered reads and writes ------------------- */

#define CONN_BUF	(64 * 1024)

struct conn {
	int fd;
	SSL *ssl;
	char peer[NET_PEER_LEN];	/* for log lines */
	bool live;			/* handshake done, no failure since */
	size_t rpos, rlen, wlen;
	unsigned char rbuf[CONN_BUF], wbuf[CONN_BUF];
};

/* TLS 1.2+ context from replication.cert, key and ca, requiring and
 * verifying the other side's certificate. */
SSL_CTX *tls_context(const struct reg_config *, bool server, struct reg_err *err);

/* A new link on a connected socket (which it then owns). */
struct conn *conn_new(int fd, const char *peer);
/* The handshake; the client also checks the feed's name or address
 * against its certificate. */
int conn_accept(struct conn *, SSL_CTX *, struct reg_err *err);
int conn_connect(struct conn *, SSL_CTX *, const char *host, struct reg_err *err);
/* Why SSL_read or SSL_write (`what`) returned n <= 0, as REG_EIO or
 * REG_EAUTH with a reason; the link is dead after. */
int conn_io_fail(struct conn *, int n, const char *what, struct reg_err *err);
/* The peer certificate's subject CN, or "?". */
void conn_peer_cn(struct conn *, char *buf, size_t size);
/* Closes the link and frees c (NULL is fine). */
void conn_free(struct conn *);

/* One line without its \n; REG_EINVAL if longer than size - 1 bytes,
 * REG_EIO if the link fails or closes first. */
int conn_read_line(struct conn *, char *line, size_t size, struct reg_err *err);
/* Exactly n bytes; REG_EIO naming how many came if the link ends first. */
int conn_read_full(struct conn *, void *buf, size_t n, size_t *got, struct reg_err *err);
/* Buffered writes; conn_flush sends what is buffered. */
int conn_write(struct conn *, const void *buf, size_t n, struct reg_err *err);
int conn_printf(struct conn *, struct reg_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int conn_flush(struct conn *, struct reg_err *err);
/* True if the peer sent anything (or closed) within ms milliseconds:
 * a feed's peer never speaks after its request, so this means it left. */
bool conn_peer_left(struct conn *, int ms);

/* --- proto.c: the protocol's lines ----------------------------------------- */

/* Splits line in place at single spaces into at most max words; returns
 * the count, or -1 if there are more. */
int proto_split(char *line, char **words, int max);
/* A decimal number in [min, max]; REG_ESYNTAX naming `what` otherwise. */
int proto_number(const char *word, int64_t min, int64_t max, const char *what,
    int64_t *out, struct reg_err *err);
/* A lower-case hex SHA-256. */
bool proto_is_digest(const char *word);

/* A heartbeat or a changeset record header. */
struct record {
	char type;		/* 'C' or 'H' */
	int64_t seq, ts;	/* C: the changeset; H: the master's newest */
	int64_t len;		/* C: bytes that follow */
	char sha256[STORE_DIGEST_HEX];
};
int proto_record_parse(char *line, struct record *, struct reg_err *err);

/* Reads the answer line to a request and checks its keyword: `want`
 * ("OK", "IMAGE", "LAST") gives REG_OK with the words; SEED gives
 * REG_ENOTFOUND with the reason in err; ERR and anything else give
 * REG_EIO / REG_ESYNTAX with the reason in err. */
int proto_answer(struct conn *, const char *want, char *line, size_t size,
    char **words, int *nwords, struct reg_err *err);

/* --- feed_session.c: the feed's side of one link -------------------------- */

/* Serves the link on fd (a forked child): handshake, one request, close.
 * Returns the exit status of the child. */
int feed_session(struct replica *, SSL_CTX *, int fd, const char *peer);

/* --- link.c: the agent's side of a link ------------------------------------ */

/* Connects to replication.feed and completes the TLS handshake. */
struct conn *link_open(struct replica *, struct reg_err *err);

/* --- seed.c: fetching and installing a snapshot ---------------------------- */

/* Replaces database.replica with a fresh snapshot from the feed; the
 * replica is untouched unless the whole image arrived and checks out. */
int seed_fetch(struct replica *, struct reg_replica_state *pos, struct reg_err *err);

#endif
