/*
 * channel.c: the frontend talks to the writer over one SOCK_SEQPACKET
 * socketpair per session. The writer's end travels over the control
 * socket as SCM_RIGHTS, so the writer never accepts connections of its
 * own and sees each session as one fd.
 *
 * A message is [u32 total][fixed header][body], sent as packets of at
 * most CHAN_PACKET bytes (a socket buffer cannot hold a whole maximum
 * frame); the receiver knows from `total` how many bytes follow, and
 * SEQPACKET keeps the packets whole and in order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "util.h"

#define CHAN_PACKET (32 * 1024)
#define CHAN_TOTAL 4

static int
send_fd(int ctl_fd, int fd)
{
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	memset(&u, 0, sizeof(u));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(ctl_fd, &m, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int
channel_open(int ctl_fd)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("channel: socketpair");
		return -1;
	}
	if (send_fd(ctl_fd, sv[1]) < 0) {
		log_warn("channel: cannot pass a channel to the writer");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[1]);
	return sv[0];
}

int
channel_accept(int ctl_fd)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	if ((n = recvmsg(ctl_fd, &m, MSG_CMSG_CLOEXEC)) <= 0)
		return n == 0 ? 0 : -1;
	cm = CMSG_FIRSTHDR(&m);
	if (cm == NULL || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

int
channel_send(int fd, const void *hdr, size_t hdrlen, const char *body, size_t len)
{
	size_t total = CHAN_TOTAL + hdrlen + len, done = 0, chunk;
	uint32_t t32 = (uint32_t)(hdrlen + len);
	char *msg = xmalloc(total);
	ssize_t n;

	memcpy(msg, &t32, CHAN_TOTAL);
	memcpy(msg + CHAN_TOTAL, hdr, hdrlen);
	if (len > 0)
		memcpy(msg + CHAN_TOTAL + hdrlen, body, len);
	while (done < total) {
		chunk = total - done < CHAN_PACKET ? total - done : CHAN_PACKET;
		n = send(fd, msg + done, chunk, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)chunk)
			break;
		done += chunk;
	}
	free(msg);
	return done == total ? 0 : -1;
}

static ssize_t
recv_packet(int fd, void *buf, size_t size)
{
	ssize_t n;

	while ((n = recv(fd, buf, size, 0)) < 0 && errno == EINTR)
		;
	return n;
}

int
channel_recv(int fd, void *hdr, size_t hdrlen, char **body, size_t *len, size_t max)
{
	char *pkt = xmalloc(CHAN_PACKET), *all = NULL;
	ssize_t n = recv_packet(fd, pkt, CHAN_PACKET);
	uint32_t t32;
	size_t got;

	if (n <= 0 || (size_t)n < CHAN_TOTAL)
		goto out;
	memcpy(&t32, pkt, CHAN_TOTAL);
	if (t32 < hdrlen || t32 - hdrlen > max || (size_t)n - CHAN_TOTAL > t32)
		goto bad;
	all = xmalloc((size_t)t32 + 1);
	got = (size_t)n - CHAN_TOTAL;
	memcpy(all, pkt + CHAN_TOTAL, got);
	while (got < t32) {
		if ((n = recv_packet(fd, all + got, t32 - got)) <= 0)
			goto bad;
		got += (size_t)n;
	}
	all[t32] = '\0';
	memcpy(hdr, all, hdrlen);
	*len = t32 - hdrlen;
	memmove(all, all + hdrlen, *len + 1);
	*body = all;
	free(pkt);
	return 1;
bad:
	free(all);
	n = -1;
out:
	free(pkt);
	return n == 0 ? 0 : -1;
}
