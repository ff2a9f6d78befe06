/* err.c: messages for REG_E* codes and the reg_fail helper. */
#include <stdarg.h>
#include <stdio.h>

#include "err.h"

static const char *const messages[] = {
	[0] = "success",
	[-REG_ENOMEM] = "out of memory",
	[-REG_EDB] = "database failure",
	[-REG_ENOTFOUND] = "object does not exist",
	[-REG_EEXISTS] = "object already exists",
	[-REG_EINUSE] = "object is in use",
	[-REG_EINVAL] = "invalid value",
	[-REG_ESYNTAX] = "syntax error",
	[-REG_EZONE] = "name is not in a zone served by this registry",
	[-REG_EIDN] = "name has characters outside the IDN table",
	[-REG_ERESERVED] = "name is reserved or blocked",
	[-REG_EAUTH] = "authorisation failed",
	[-REG_EFUNDS] = "insufficient funds",
	[-REG_ESTATUS] = "object status prohibits operation",
	[-REG_EPOLICY] = "refused by registry policy",
	[-REG_ECONFIG] = "configuration error",
	[-REG_EIO] = "input/output error",
	[-REG_ECONSTRAINT] = "constraint violated",
	[-REG_ESCHEMA] = "database schema is newer than this program",
};

const char *
reg_strerror(int code)
{
	if (code > 0 || code < REG_ECODE_MIN)
		return "unknown error";
	return messages[-code];
}

int
reg_fail(struct reg_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return code;
}

const char *
reg_err_text(const struct reg_err *err)
{
	if (err->reason[0] != '\0')
		return err->reason;
	return reg_strerror(err->code);
}
