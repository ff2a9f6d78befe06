/*
 * writer.c: the streaming XML writer of deposits, on libxml2's
 * xmlTextWriter over a file descriptor (a pipe into gpg, or a file).
 *
 * Nothing is held but the writer's own buffer, so a deposit of any size
 * runs in the same memory. Values are written as they are, with no
 * pretty-printing inside text: libxml2 2.9 (Debian 12) refuses whitespace
 * around xs:long, xs:unsignedShort and dateTime values, and so would an
 * escrow agent validating with it. A copy of the stream can go to a
 * schema check (deposit.c). The namespace table lives here too.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xmlIO.h>

#include "escrow.h"
#include "util.h"

const struct escrow_nsdef escrow_ns[NS_COUNT] = {
	[NS_RDE] = { "rde", "urn:ietf:params:xml:ns:rde-1.0", false },
	[NS_HEADER] = { "rdeHeader", "urn:ietf:params:xml:ns:rdeHeader-1.0", true },
	[NS_RDE_DOMAIN] = { "rdeDomain", "urn:ietf:params:xml:ns:rdeDomain-1.0", true },
	[NS_RDE_HOST] = { "rdeHost", "urn:ietf:params:xml:ns:rdeHost-1.0", true },
	[NS_RDE_CONTACT] = { "rdeContact", "urn:ietf:params:xml:ns:rdeContact-1.0", true },
	[NS_RDE_REGISTRAR] = { "rdeRegistrar", "urn:ietf:params:xml:ns:rdeRegistrar-1.0", true },
	[NS_RDE_IDN] = { "rdeIDN", "urn:ietf:params:xml:ns:rdeIDN-1.0", true },
	[NS_RDE_NNDN] = { "rdeNNDN", "urn:ietf:params:xml:ns:rdeNNDN-1.0", true },
	[NS_RDE_EPP] = { "rdeEppParams", "urn:ietf:params:xml:ns:rdeEppParams-1.0", true },
	[NS_DOMAIN] = { "domain", "urn:ietf:params:xml:ns:domain-1.0", false },
	[NS_HOST] = { "host", "urn:ietf:params:xml:ns:host-1.0", false },
	[NS_CONTACT] = { "contact", "urn:ietf:params:xml:ns:contact-1.0", false },
	[NS_SECDNS] = { "secDNS", "urn:ietf:params:xml:ns:secDNS-1.1", false },
	[NS_RGP] = { "rgp", "urn:ietf:params:xml:ns:rgp-1.0", false },
	[NS_EPP] = { "epp", "urn:ietf:params:xml:ns:epp-1.0", false },
};

#define XW_QNAME_MAX 64	/* "rdeRegistrar:whoisInfo" and the like */

/* Keeps the first failure: later calls on a failed writer do nothing. */
static void
check(struct xw *x, int rc)
{
	if (rc < 0)
		x->failed = true;
}

/* The output buffer's sink: the deposit, and the schema check's copy. */
static int
xw_sink(void *ctx, const char *buf, int len)
{
	struct xw *x = ctx;

	if (!proc_write_all(x->fd, buf, (size_t)len))
		return -1;
	if (x->check_fd >= 0 && !proc_write_all(x->check_fd, buf, (size_t)len))
		return -1;
	return len;
}

int
xw_open(struct xw *x, int fd, int check_fd, struct reg_err *err)
{
	xmlOutputBufferPtr out;

	memset(x, 0, sizeof(*x));
	x->fd = fd;
	x->check_fd = check_fd;
	out = xmlOutputBufferCreateIO(xw_sink, NULL, x, NULL);
	if (out == NULL || (x->w = xmlNewTextWriter(out)) == NULL) {
		if (out != NULL)
			xmlOutputBufferClose(out);
		return reg_fail(err, REG_ENOMEM, "cannot create the XML writer");
	}
	check(x, xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL));
	return x->failed ? reg_fail(err, REG_EIO, "cannot write the XML declaration") : REG_OK;
}

int
xw_close(struct xw *x, struct reg_err *err)
{
	if (!x->failed) {
		check(x, xmlTextWriterEndDocument(x->w));
		check(x, xmlTextWriterFlush(x->w));
	}
	xmlFreeTextWriter(x->w);	/* closes the buffer, not the descriptor */
	x->w = NULL;
	return x->failed ? reg_fail(err, REG_EIO, "writing the deposit failed") : REG_OK;
}

/* The qualified name is put together here rather than by
 * xmlTextWriterStartElementNS, which allocates three times for it. */
void
xw_start(struct xw *x, enum escrow_ns ns, const char *name)
{
	char qname[XW_QNAME_MAX];

	if (x->failed)
		return;
	if (snprintf(qname, sizeof(qname), "%s:%s", escrow_ns[ns].prefix, name) >=
	    (int)sizeof(qname))
		x->failed = true;
	else
		check(x, xmlTextWriterStartElement(x->w, BAD_CAST qname));
}

void
xw_end(struct xw *x)
{
	if (!x->failed)
		check(x, xmlTextWriterEndElement(x->w));
}

void
xw_attr(struct xw *x, const char *name, const char *value)
{
	if (!x->failed && value != NULL)
		check(x, xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value));
}

void
xw_string(struct xw *x, const char *text)
{
	if (!x->failed && text != NULL)
		check(x, xmlTextWriterWriteString(x->w, BAD_CAST text));
}

void
xw_text(struct xw *x, enum escrow_ns ns, const char *name, const char *text)
{
	if (x->failed || text == NULL)
		return;
	xw_start(x, ns, name);
	xw_string(x, text);
	xw_end(x);
}

void
xw_time(struct xw *x, enum escrow_ns ns, const char *name, int64_t t)
{
	if (t != 0)
		xw_text(x, ns, name, time_format(t, x->buf));
}

void
xw_int(struct xw *x, enum escrow_ns ns, const char *name, int64_t n)
{
	snprintf(x->buf, sizeof(x->buf), "%" PRId64, n);
	xw_text(x, ns, name, x->buf);
}

void
xw_newline(struct xw *x)
{
	if (!x->failed)
		check(x, xmlTextWriterWriteRaw(x->w, BAD_CAST "\n"));
}
