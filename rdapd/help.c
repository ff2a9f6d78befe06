/*
 * help.c: /help (RFC 9083 7): the terms of service, the queries and
 * searches this server answers, its search and rate limits and its
 * redaction policy, as notices; rdapConformance lists every extension
 * the server supports (RFC 9083 4.1).
 */
#include <inttypes.h>
#include <stdio.h>

#include "rdapd.h"

int
help_answer(struct rq *rq, const char *unused)
{
	const struct reg_config *cfg = rq->d->cfg;
	char text[512];

	jw_object(rq->out, NULL);
	rq->claims_redacted = redact_enabled(rq);
	rdap_notices(rq, NOTICE_TERMS);
	rdap_notice(rq, "Queries", NULL, "Lookups: /domain/<name> (A-label or U-label), "
	    "/nameserver/<name>, /entity/<handle> (contacts; registrars by handle or "
	    "IANA id), /help.", NULL, NULL);
	snprintf(text, sizeof(text), "Searches: /domains?name=, ?nsLdhName=, ?nsIp=; "
	    "/nameservers?name=, ?ip=; /entities?fn=, ?handle=. A pattern may end one "
	    "label (or, for fn and handle, the value) with '*' after at least %d "
	    "characters; addresses must be exact. At most %" PRId64 " results are "
	    "returned, and a search stops after reading %d index entries.",
	    RDAP_PREFIX_MIN, cfg->rdap.max_results, RDAP_SCAN_MAX);
	rdap_notice(rq, "Searches", NULL, text, NULL, NULL);
	snprintf(text, sizeof(text), "Each client network (/24 for IPv4, /56 for IPv6) "
	    "may send %" PRId64 " queries a second, with bursts of up to %" PRId64
	    "; beyond that the answer is 429 with Retry-After.", cfg->rdap.rate_limit,
	    cfg->rdap.rate_burst);
	rdap_notice(rq, "Rate Limits", NULL, text, NULL, NULL);
	rdap_notice(rq, "Redaction", NULL, redact_enabled(rq) ?
	    "Contact data a contact has not agreed to publish is redacted as RFC 9537 "
	    "describes; the \"redacted\" member of an answer lists each removal." :
	    "Contact data is published in full.", NULL, NULL);
	rdap_finish(rq);
	return HTTP_OK;
}
