/*
 * err.h: the one error vocabulary of the core library.
 *
 * Functions return REG_OK (0) or a negative REG_E* code; where a caller
 * needs more than the code, it passes a `struct reg_err` that receives a
 * short reason. eppd maps these codes to EPP result codes in one table.
 */
#ifndef REG_ERR_H
#define REG_ERR_H

#include <stddef.h>

enum reg_code {
	REG_OK = 0,
	REG_ENOMEM = -1,	/* out of memory */
	REG_EDB = -2,		/* database failure (I/O, corruption, busy) */
	REG_ENOTFOUND = -3,	/* object does not exist */
	REG_EEXISTS = -4,	/* object already exists */
	REG_EINUSE = -5,	/* object is referenced by another */
	REG_EINVAL = -6,	/* value out of range or malformed */
	REG_ESYNTAX = -7,	/* name or value fails its syntax rules */
	REG_EZONE = -8,		/* name is not in a zone we serve */
	REG_EIDN = -9,		/* IDN label has a code point outside the table */
	REG_ERESERVED = -10,	/* name is reserved or blocked by policy */
	REG_EAUTH = -11,	/* authentication or authorisation failed */
	REG_EFUNDS = -12,	/* balance plus credit does not cover the price */
	REG_ESTATUS = -13,	/* a status prohibits the operation */
	REG_EPOLICY = -14,	/* registry policy refuses the operation */
	REG_ECONFIG = -15,	/* configuration error */
	REG_EIO = -16,		/* file or network I/O failure */
	REG_ECONSTRAINT = -17,	/* database constraint refused the change */
	REG_ESCHEMA = -18,	/* database schema is newer than this program */
	REG_ECODE_MIN = -18
};

#define REG_ERR_REASON_MAX 256

/* A code plus a short reason, filled by the function that failed. */
struct reg_err {
	int code;
	char reason[REG_ERR_REASON_MAX];
};

/* The fixed message of a code: "object does not exist". */
const char *reg_strerror(int code);

/* Sets err (if not NULL) and returns code, so that callers can write
 * `return reg_fail(err, REG_EINVAL, "period %d out of range", n);`. */
int reg_fail(struct reg_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* err's reason if set, else the code's fixed message. */
const char *reg_err_text(const struct reg_err *err);

#endif
