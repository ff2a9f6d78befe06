/*
 * frame.c: EPP data units over TLS (RFC 5734 section 4): a 32-bit
 * network-order total length, header included, then the XML. The length
 * is checked against epp.max_frame before a byte of the payload is read.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "util.h"

enum frame_rc
frame_read(struct tls *t, size_t max, double deadline, char **buf, size_t *len,
    uint32_t *announced)
{
	uint32_t be;
	size_t n;
	int rc;

	*buf = NULL;
	*len = 0;
	if ((rc = tls_read_full(t, &be, sizeof(be), deadline)) != 1)
		return rc == 0 ? FRAME_EOF : FRAME_IO;
	*announced = ntohl(be);
	if (*announced <= FRAME_HEADER)
		return FRAME_BAD;
	if (*announced > max)
		return FRAME_TOO_BIG;
	n = *announced - FRAME_HEADER;
	*buf = xmalloc(n + 1);
	if (tls_read_full(t, *buf, n, deadline) != 1) {
		free(*buf);
		*buf = NULL;
		return FRAME_IO;
	}
	(*buf)[n] = '\0';
	*len = n;
	return FRAME_OK;
}

int
frame_write(struct tls *t, const char *buf, size_t len, double deadline)
{
	char *out = xmalloc(len + FRAME_HEADER);
	uint32_t be = htonl((uint32_t)(len + FRAME_HEADER));
	int rc;

	memcpy(out, &be, FRAME_HEADER);
	memcpy(out + FRAME_HEADER, buf, len);
	rc = tls_write_all(t, out, len + FRAME_HEADER, deadline);
	free(out);
	return rc;
}
