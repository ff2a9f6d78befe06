/*
 * error.c: RFC 9083 section 6 error objects, and the one mapping from
 * the core's REG_E* codes to HTTP statuses (RFC 7480 5.3, 5.4).
 */
#include <stdarg.h>
#include <stdio.h>

#include "rdapd.h"
#include "util.h"

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ HTTP_OK, "OK" },
	{ HTTP_NOT_MODIFIED, "Not Modified" },
	{ HTTP_BAD_REQUEST, "Bad Request" },
	{ HTTP_NOT_FOUND, "Not Found" },
	{ HTTP_METHOD, "Method Not Allowed" },
	{ HTTP_URI_TOO_LONG, "URI Too Long" },
	{ HTTP_UNPROCESSABLE, "Unprocessable Content" },
	{ HTTP_TOO_MANY, "Too Many Requests" },
	{ HTTP_INTERNAL, "Internal Server Error" },
	{ HTTP_NOT_IMPLEMENTED, "Not Implemented" },
	{ HTTP_UNAVAILABLE, "Service Unavailable" },
};

const char *
http_reason(int status)
{
	for (size_t i = 0; i < nitems(reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Error";
}

int
rdap_error(struct rq *rq, int status, const char *fmt, ...)
{
	struct jw *w = rq->out;
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* Whatever was written of an answer goes. */
	jw_reset(w);
	jw_reset(rq->redacted);
	rq->nredacted = 0;
	rq->notices_open = rq->claims_redacted = false;
	jw_object(w, NULL);
	jw_int(w, "errorCode", status);
	jw_string(w, "title", http_reason(status));
	/* The text may quote the client's bytes, cut anywhere by vsnprintf:
	 * jsonw makes what is not UTF-8 U+FFFD. */
	jw_array(w, "description");
	jw_string(w, NULL, text);
	jw_end(w);
	rdap_finish(rq);
	return status;
}

int
rdap_error_code(struct rq *rq, int code, const char *what)
{
	switch (code) {
	case REG_ENOTFOUND:
	case REG_EZONE:
		return rdap_error(rq, HTTP_NOT_FOUND, "%s was not found", what);
	case REG_ESYNTAX:
	case REG_EIDN:
	case REG_EINVAL:
		return rdap_error(rq, HTTP_BAD_REQUEST, "%s is not a valid query", what);
	case REG_EDB:
		return rdap_error(rq, HTTP_UNAVAILABLE, "the registration database is "
		    "not available; try again later");
	default:
		return rdap_error(rq, HTTP_INTERNAL, "%s: %s", what, reg_strerror(code));
	}
}
