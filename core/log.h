/*
 * log.h: one line per event on stderr (journald under systemd).
 *
 * log_warn appends strerror(errno); log_warnx does not. Lines carry the
 * program name and, where there is one, the registrar or client address,
 * which callers put first in the message.
 */
#ifndef REG_LOG_H
#define REG_LOG_H

#include <stdbool.h>

void log_init(const char *progname, bool verbose);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs and exits 1: for start-up failures only, never for a request. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
