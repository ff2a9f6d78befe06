/*
 * whoisload.c: a WHOIS load generator for bench/whois.sh.
 *
 *	whoisload -p PORT -f NAMES [-a ADDR] [-c CLIENTS] [-t THREADS]
 *	          [-d SECONDS] [-w WARMUP] [-s SEED]
 *
 * Keeps CLIENTS queries in flight (spread over THREADS threads, each with
 * its own epoll), each on a new TCP connection as WHOIS does: connect,
 * send one name from the file NAMES (one a line, drawn at random), read
 * the answer until the server closes, close, start the next. After a
 * warm-up it measures for SECONDS and prints queries per second, the
 * latency percentiles (connect to close) and how the answers read:
 * "Domain Name:" (found), "No match" (not registered), anything else
 * (an error line, an empty answer, a failed connection) is an error.
 *
 * Standalone on purpose (no core library): it builds with a plain
 * `cc -O2 -o whoisload bench/whoisload.c -lpthread`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS	64
#define NAME_MAX_LEN	256
#define ANSWER_PEEK	4096	/* bytes of an answer kept to classify it */
#define LAT_CHUNK	(1 << 20)

enum kind { K_FOUND, K_NOMATCH, K_ERROR, K_COUNT };

struct opts {
	const char *addr, *names;
	int port, clients, threads;
	double seconds, warmup;
	unsigned seed;
};

struct client {
	int fd;
	bool sent;
	int64_t start;
	size_t len;
	char answer[ANSWER_PEEK];
	const char *query;
};

struct thread {
	pthread_t tid;
	int id, nclients, ep;
	struct client *clients;
	uint64_t rng;
	uint64_t count[K_COUNT];
	uint32_t *lat;			/* microseconds, measured phase only */
	size_t nlat, caplat;
};

static struct opts opt = { "127.0.0.1", NULL, 0, 64, 1, 10, 2, 1 };
static char **names;
static size_t nnames;
static struct sockaddr_in server;
static _Atomic int phase;		/* 0 warm-up, 1 measuring, 2 done */

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static uint64_t
rng_next(uint64_t *s)	/* xorshift64* */
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void
names_load(const char *path)
{
	char line[NAME_MAX_LEN + 2];
	size_t cap = 1024;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		die(path);
	names = malloc(cap * sizeof(*names));
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (nnames == cap)
			names = realloc(names, (cap *= 2) * sizeof(*names));
		if (asprintf(&names[nnames++], "%s\r\n", line) < 0)
			die("asprintf");
	}
	fclose(f);
	if (nnames == 0) {
		fprintf(stderr, "whoisload: %s has no names\n", path);
		exit(1);
	}
}

static void
record(struct thread *t, struct client *c, enum kind k)
{
	if (phase != 1)
		return;
	t->count[k]++;
	if (t->nlat == t->caplat) {
		t->caplat += LAT_CHUNK;
		if ((t->lat = realloc(t->lat, t->caplat * sizeof(*t->lat))) == NULL)
			die("realloc");
	}
	t->lat[t->nlat++] = (uint32_t)(now_us() - c->start);
}

/* A new connection for c, watched (edge-triggered, once for its whole
 * life) for the end of the handshake and then for the answer. */
static void
client_start(struct thread *t, struct client *c)
{
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET,
	    .data.ptr = c };

	c->start = now_us();
	c->len = 0;
	c->sent = false;
	c->query = names[rng_next(&t->rng) % nnames];
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket");
	if (connect(c->fd, (struct sockaddr *)&server, sizeof(server)) < 0 &&
	    errno != EINPROGRESS)
		die("connect");
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl");
}

static void
client_done(struct thread *t, struct client *c, enum kind k)
{
	record(t, c, k);
	close(c->fd);
	if (phase != 2)
		client_start(t, c);
}

static enum kind
classify(const struct client *c)
{
	if (c->len == 0)
		return K_ERROR;
	if (memmem(c->answer, c->len, "\nDomain Name: ", 14) != NULL)
		return K_FOUND;
	if (memmem(c->answer, c->len, "% No match", 10) != NULL)
		return K_NOMATCH;
	return K_ERROR;
}

/* Handshake done: send the query (a failed connection fails here). */
static bool
client_send(struct thread *t, struct client *c)
{
	size_t n = strlen(c->query);

	c->sent = true;
	if (send(c->fd, c->query, n, MSG_NOSIGNAL) != (ssize_t)n) {
		client_done(t, c, K_ERROR);
		return false;
	}
	return true;
}

static void
client_read(struct thread *t, struct client *c)
{
	char scratch[ANSWER_PEEK];
	ssize_t n;

	for (;;) {
		size_t room = sizeof(c->answer) - c->len;
		char *dst = room > 0 ? c->answer + c->len : scratch;

		n = recv(c->fd, dst, room > 0 ? room : sizeof(scratch), 0);
		if (n > 0 && room > 0)
			c->len += (size_t)n;
		if (n > 0)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		client_done(t, c, n == 0 ? classify(c) : K_ERROR);
		return;
	}
}

static void *
thread_main(void *arg)
{
	struct thread *t = arg;
	struct epoll_event ev[256];

	if ((t->ep = epoll_create1(0)) < 0)
		die("epoll_create1");
	for (int i = 0; i < t->nclients; i++)
		client_start(t, &t->clients[i]);
	while (phase != 2) {
		int n = epoll_wait(t->ep, ev, 256, 100);

		for (int i = 0; i < n; i++) {
			struct client *c = ev[i].data.ptr;

			if (!c->sent && !client_send(t, c))
				continue;
			if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				client_read(t, c);
		}
	}
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const uint32_t *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);

	return n ? v[i] / 1000.0 : 0;
}

static void
report(struct thread *t, int nt, double secs)
{
	uint64_t count[K_COUNT] = { 0 }, all;
	size_t n = 0;
	uint32_t *v;

	for (int i = 0; i < nt; i++) {
		for (int k = 0; k < K_COUNT; k++)
			count[k] += t[i].count[k];
		n += t[i].nlat;
	}
	v = malloc((n + 1) * sizeof(*v));
	n = 0;
	for (int i = 0; i < nt; i++) {
		memcpy(v + n, t[i].lat, t[i].nlat * sizeof(*v));
		n += t[i].nlat;
	}
	qsort(v, n, sizeof(*v), cmp_u32);
	all = count[K_FOUND] + count[K_NOMATCH] + count[K_ERROR];
	printf("queries %llu in %.1f s: %.0f per second\n", (unsigned long long)all, secs,
	    (double)all / secs);
	printf("latency ms: p50 %.2f, p90 %.2f, p99 %.2f, p99.9 %.2f, max %.2f\n",
	    pct(v, n, 50), pct(v, n, 90), pct(v, n, 99), pct(v, n, 99.9), pct(v, n, 100));
	printf("answers: found %llu, no match %llu, errors %llu\n",
	    (unsigned long long)count[K_FOUND], (unsigned long long)count[K_NOMATCH],
	    (unsigned long long)count[K_ERROR]);
	free(v);
}

static void
usage(void)
{
	fprintf(stderr, "usage: whoisload -p PORT -f NAMES [-a ADDR] [-c CLIENTS] "
	    "[-t THREADS] [-d SECONDS] [-w WARMUP] [-s SEED]\n");
	exit(2);
}

static void
options(int argc, char **argv)
{
	int ch;

	while ((ch = getopt(argc, argv, "a:c:d:f:p:s:t:w:")) != -1) {
		switch (ch) {
		case 'a': opt.addr = optarg; break;
		case 'c': opt.clients = atoi(optarg); break;
		case 'd': opt.seconds = atof(optarg); break;
		case 'f': opt.names = optarg; break;
		case 'p': opt.port = atoi(optarg); break;
		case 's': opt.seed = (unsigned)atoi(optarg); break;
		case 't': opt.threads = atoi(optarg); break;
		case 'w': opt.warmup = atof(optarg); break;
		default: usage();
		}
	}
	if (opt.names == NULL || opt.port <= 0 || opt.clients < 1 || opt.threads < 1 ||
	    opt.threads > MAX_THREADS || opt.threads > opt.clients || opt.seconds <= 0)
		usage();
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)opt.port);
	if (inet_pton(AF_INET, opt.addr, &server.sin_addr) != 1)
		usage();
}

int
main(int argc, char **argv)
{
	struct thread t[MAX_THREADS] = { 0 };
	int64_t t0;

	options(argc, argv);
	names_load(opt.names);
	for (int i = 0; i < opt.threads; i++) {
		t[i].id = i;
		t[i].nclients = opt.clients / opt.threads + (i < opt.clients % opt.threads);
		t[i].clients = calloc((size_t)t[i].nclients, sizeof(*t[i].clients));
		t[i].rng = 0x9e3779b97f4a7c15ULL * (opt.seed + (unsigned)i + 1);
		if (pthread_create(&t[i].tid, NULL, thread_main, &t[i]) != 0)
			die("pthread_create");
	}
	usleep((useconds_t)(opt.warmup * 1e6));
	phase = 1;
	t0 = now_us();
	usleep((useconds_t)(opt.seconds * 1e6));
	phase = 2;
	double secs = (double)(now_us() - t0) / 1e6;
	for (int i = 0; i < opt.threads; i++)
		pthread_join(t[i].tid, NULL);
	report(t, opt.threads, secs);
	return 0;
}
