/*
 * xmlread.c: the EPP namespaces and the helpers handlers read a parsed,
 * validated command with (eppd.h "reading a command").
 */
#include <string.h>

#include "server.h"

const struct epp_ns epp_ns[NS_COUNT] = {
	[NS_EPP] = { "urn:ietf:params:xml:ns:epp-1.0", "epp", false },
	[NS_DOMAIN] = { "urn:ietf:params:xml:ns:domain-1.0", "domain", false },
	[NS_HOST] = { "urn:ietf:params:xml:ns:host-1.0", "host", false },
	[NS_CONTACT] = { "urn:ietf:params:xml:ns:contact-1.0", "contact", false },
	[NS_SECDNS] = { "urn:ietf:params:xml:ns:secDNS-1.1", "secDNS", true },
	[NS_RGP] = { "urn:ietf:params:xml:ns:rgp-1.0", "rgp", true },
};

int
epp_ns_lookup(const xmlChar *uri)
{
	if (uri == NULL)
		return -1;
	for (int i = 0; i < NS_COUNT; i++)
		if (strcmp((const char *)uri, epp_ns[i].uri) == 0)
			return i;
	return -1;
}

static bool
same_ns(xmlNsPtr a, const char *uri)
{
	if (a == NULL || a->href == NULL)
		return uri == NULL;
	return uri != NULL && strcmp((const char *)a->href, uri) == 0;
}

static xmlNodePtr
find_from(xmlNodePtr n, const char *uri, const char *name)
{
	for (; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && same_ns(n->ns, uri) &&
		    strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

xmlNodePtr
xml_child(xmlNodePtr parent, const char *name)
{
	if (parent == NULL)
		return NULL;
	return find_from(parent->children,
	    parent->ns ? (const char *)parent->ns->href : NULL, name);
}

xmlNodePtr
xml_child_ns(xmlNodePtr parent, int ns, const char *name)
{
	if (ns < 0 || ns >= NS_COUNT)
		return xml_child(parent, name);
	return parent == NULL ? NULL : find_from(parent->children, epp_ns[ns].uri, name);
}

xmlNodePtr
xml_next_same(xmlNodePtr n)
{
	if (n == NULL)
		return NULL;
	return find_from(n->next, n->ns ? (const char *)n->ns->href : NULL,
	    (const char *)n->name);
}

/* s without outer whitespace, copied into the arena; frees s. */
static const char *
arena_trimmed(struct arena *a, xmlChar *s)
{
	size_t len, start = 0;
	const char *out;

	if (s == NULL)
		return NULL;
	len = strlen((char *)s);
	while (start < len && xml_is_space(s[start]))
		start++;
	while (len > start && xml_is_space(s[len - 1]))
		len--;
	out = arena_strndup(a, (char *)s + start, len - start);
	xmlFree(s);
	return out;
}

const char *
xml_text(struct arena *a, xmlNodePtr n)
{
	return n == NULL ? NULL : arena_trimmed(a, xmlNodeGetContent(n));
}

const char *
xml_child_text(struct arena *a, xmlNodePtr parent, const char *name)
{
	return xml_text(a, xml_child(parent, name));
}

const char *
xml_attr(struct arena *a, xmlNodePtr n, const char *name)
{
	return n == NULL ? NULL : arena_trimmed(a, xmlGetNoNsProp(n, (const xmlChar *)name));
}
