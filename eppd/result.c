/*
 * result.c: the one home of EPP result codes: their RFC 5730 section 3
 * texts and the mapping from the core library's REG_E* codes.
 */
#include "eppd.h"
#include "util.h"

static const struct {
	int code;
	const char *text;
} results[] = {
	{ EPP_OK, "Command completed successfully" },
	{ EPP_OK_PENDING, "Command completed successfully; action pending" },
	{ EPP_OK_NO_MESSAGES, "Command completed successfully; no messages" },
	{ EPP_OK_ACK_DEQUEUE, "Command completed successfully; ack to dequeue" },
	{ EPP_OK_BYE, "Command completed successfully; ending session" },
	{ EPP_UNKNOWN_COMMAND, "Unknown command" },
	{ EPP_SYNTAX_ERROR, "Command syntax error" },
	{ EPP_USE_ERROR, "Command use error" },
	{ EPP_MISSING_PARAM, "Required parameter missing" },
	{ EPP_PARAM_RANGE, "Parameter value range error" },
	{ EPP_PARAM_SYNTAX, "Parameter value syntax error" },
	{ EPP_UNIMPL_VERSION, "Unimplemented protocol version" },
	{ EPP_UNIMPL_COMMAND, "Unimplemented command" },
	{ EPP_UNIMPL_OPTION, "Unimplemented option" },
	{ EPP_UNIMPL_EXTENSION, "Unimplemented extension" },
	{ EPP_BILLING_FAILURE, "Billing failure" },
	{ EPP_NOT_RENEWABLE, "Object is not eligible for renewal" },
	{ EPP_NOT_TRANSFERABLE, "Object is not eligible for transfer" },
	{ EPP_AUTHENTICATION, "Authentication error" },
	{ EPP_AUTHORIZATION, "Authorization error" },
	{ EPP_INVALID_AUTHINFO, "Invalid authorization information" },
	{ EPP_PENDING_TRANSFER, "Object pending transfer" },
	{ EPP_NOT_PENDING_TRANSFER, "Object not pending transfer" },
	{ EPP_EXISTS, "Object exists" },
	{ EPP_NOT_EXISTS, "Object does not exist" },
	{ EPP_STATUS_PROHIBITS, "Object status prohibits operation" },
	{ EPP_ASSOCIATION_PROHIBITS, "Object association prohibits operation" },
	{ EPP_PARAM_POLICY, "Parameter value policy error" },
	{ EPP_UNIMPL_SERVICE, "Unimplemented object service" },
	{ EPP_DATA_POLICY, "Data management policy violation" },
	{ EPP_FAILED, "Command failed" },
	{ EPP_FAILED_CLOSING, "Command failed; server closing connection" },
	{ EPP_AUTH_CLOSING, "Authentication error; server closing connection" },
	{ EPP_LIMIT_CLOSING, "Session limit exceeded; server closing connection" },
};

const char *
epp_result_text(int code)
{
	for (size_t i = 0; i < nitems(results); i++)
		if (results[i].code == code)
			return results[i].text;
	return NULL;
}

int
epp_result_from_reg(int reg_code)
{
	switch (reg_code) {
	case REG_OK:		return EPP_OK;
	case REG_ENOTFOUND:	return EPP_NOT_EXISTS;
	case REG_EEXISTS:	return EPP_EXISTS;
	case REG_EINUSE:	return EPP_ASSOCIATION_PROHIBITS;
	case REG_EINVAL:	return EPP_PARAM_RANGE;
	case REG_ESYNTAX:	return EPP_PARAM_SYNTAX;
	case REG_EZONE:		/* FALLTHROUGH: not ours to register */
	case REG_EIDN:		/* FALLTHROUGH: outside the IDN table */
	case REG_ERESERVED:	/* FALLTHROUGH */
	case REG_EPOLICY:	return EPP_PARAM_POLICY;
	case REG_EAUTH:		return EPP_AUTHORIZATION;
	case REG_EFUNDS:	return EPP_BILLING_FAILURE;
	case REG_ESTATUS:	return EPP_STATUS_PROHIBITS;
	case REG_ECONSTRAINT:	return EPP_DATA_POLICY;
	default:		return EPP_FAILED;	/* ENOMEM, EDB, EIO, ... */
	}
}
