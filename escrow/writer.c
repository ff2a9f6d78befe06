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
#include <stdlib.h>
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

	if (!write_full(x->fd, buf, (size_t)len))
		return -1;
	if (x->check_fd >= 0 && !write_full(x->check_fd, buf, (size_t)len))
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
	free(x->leaf);
	x->leaf = NULL;
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

/* What xmlTextWriterWriteString escapes in text, and how. */
#define ESCAPED "&<>\"\r"
static const char *const escapes[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#13;" };

/* Appends n bytes to the leaf being put together. */
static void
leaf_add(struct xw *x, const char *s, size_t n)
{
	if (x->leaf_len + n > x->leaf_cap) {
		x->leaf_cap = 2 * (x->leaf_len + n);
		x->leaf = xrealloc(x->leaf, x->leaf_cap);
	}
	memcpy(x->leaf + x->leaf_len, s, n);
	x->leaf_len += n;
}

static void
leaf_tag(struct xw *x, const char *open, enum escrow_ns ns, const char *name)
{
	leaf_add(x, open, strlen(open));
	leaf_add(x, escrow_ns[ns].prefix, strlen(escrow_ns[ns].prefix));
	leaf_add(x, ":", 1);
	leaf_add(x, name, strlen(name));
	leaf_add(x, ">", 1);
}

/* A leaf element in one piece, written raw into the element that is open:
 * a deposit is mostly leaves, and the writer's start, text and end calls,
 * each allocating, took a third of its time. The text is escaped as
 * xmlTextWriterWriteString escapes it. */
void
xw_text(struct xw *x, enum escrow_ns ns, const char *name, const char *text)
{
	const char *esc;
	size_t plain;

	if (x->failed || text == NULL)
		return;
	x->leaf_len = 0;
	leaf_tag(x, "<", ns, name);
	for (;;) {
		plain = strcspn(text, ESCAPED);
		leaf_add(x, text, plain);
		if (text[plain] == '\0')
			break;
		esc = escapes[strchr(ESCAPED, text[plain]) - ESCAPED];
		leaf_add(x, esc, strlen(esc));
		text += plain + 1;
	}
	leaf_tag(x, "</", ns, name);
	check(x, xmlTextWriterWriteRawLen(x->w, BAD_CAST x->leaf, (int)x->leaf_len));
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
