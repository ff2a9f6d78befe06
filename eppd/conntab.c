/*
 * conntab.c: the table of live sessions, for the connection caps (total,
 * per source address before login, per registrar after it) and for
 * waking every session at shutdown. A few hundred entries at most, so a
 * list under one mutex is enough.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "server.h"

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static struct session *head;
static int total;

bool
conntab_admit(struct session *s, char *why, size_t whysz)
{
	const struct reg_config *cfg = srv.cfg;
	int same = 0;
	bool ok = false;

	pthread_mutex_lock(&mtx);
	for (struct session *p = head; p != NULL; p = p->next)
		if (p->client.registrar_id == 0 && strcmp(p->client.addr, s->client.addr) == 0)
			same++;
	if (total >= cfg->epp.max_connections)
		snprintf(why, whysz, "all %lld connections in use",
		    (long long)cfg->epp.max_connections);
	else if (same >= cfg->epp.max_conn_per_addr)
		snprintf(why, whysz, "%d connections from this address before login",
		    same);
	else {
		s->next = head;
		head = s;
		total++;
		ok = true;
	}
	pthread_mutex_unlock(&mtx);
	return ok;
}

bool
conntab_login(struct session *s, int64_t registrar_id)
{
	int same = 0;
	bool ok;

	pthread_mutex_lock(&mtx);
	for (struct session *p = head; p != NULL; p = p->next)
		if (p->client.registrar_id == registrar_id)
			same++;
	if ((ok = same < srv.cfg->epp.max_sessions_per_registrar))
		s->client.registrar_id = registrar_id;
	pthread_mutex_unlock(&mtx);
	return ok;
}

void
conntab_logout(struct session *s)
{
	pthread_mutex_lock(&mtx);
	s->client.registrar_id = 0;
	pthread_mutex_unlock(&mtx);
}

void
conntab_remove(struct session *s)
{
	pthread_mutex_lock(&mtx);
	for (struct session **pp = &head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			total--;
			break;
		}
	pthread_mutex_unlock(&mtx);
}

void
conntab_wake_all(void)
{
	pthread_mutex_lock(&mtx);
	for (struct session *p = head; p != NULL; p = p->next)
		shutdown(p->fd, SHUT_RD);
	pthread_mutex_unlock(&mtx);
}

int
conntab_count(void)
{
	int n;

	pthread_mutex_lock(&mtx);
	n = total;
	pthread_mutex_unlock(&mtx);
	return n;
}
