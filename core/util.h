/* util.h: small helpers every module uses: allocation, strings, time,
 * writing a buffer whole. */
#ifndef REG_UTIL_H
#define REG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that aborts on failure (see arena.h for why). */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);

/* Copies at most size-1 bytes and always terminates; returns strlen(src)
 * so that truncation is `ret >= size`. */
size_t strlcpy_reg(char *dst, const char *src, size_t size);

/* ASCII lower-casing in place; returns s. */
char *str_lower(char *s);
bool str_has_suffix(const char *s, const char *suffix);

/* "2026-11-28T08:41:25.0Z" style UTC timestamps (RFC 3339, EPP dateTime).
 * buf must hold REG_TIME_LEN bytes. */
#define REG_TIME_LEN 32
char *time_format(int64_t t, char *buf);
/* Parses RFC 3339 / xs:dateTime with a Z or numeric offset; -1 on error. */
int64_t time_parse(const char *s);
/* Adds months in the calendar (for periods of years), keeping the day
 * where it exists and clamping Feb 29 to Feb 28. */
int64_t time_add_months(int64_t t, int months);

/* Parses a duration such as "30d", "12h", "90s", "5m" or a plain number
 * of seconds; -1 on error. */
int64_t duration_parse(const char *s);

/* Monotonic time in microseconds (intervals, deadlines, snapshot ages). */
int64_t mono_usec(void);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* Writes all n bytes to fd (through EINTR and short writes); false on
 * error, errno set. */
bool write_full(int fd, const void *buf, size_t n);

#endif
