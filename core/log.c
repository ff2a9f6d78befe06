/* log.c: timestamped lines on stderr, written with one call each so that
 * lines from several threads never interleave. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_progname = "registry";
static bool log_verbose;
/* getpid is a system call each time; a server logging every request
 * pays for it. A forked child learns its own through the atfork hook. */
static pid_t log_pid;

static void
log_pid_reset(void)
{
	log_pid = getpid();
}

static void
log_pid_hook(void)
{
	(void)pthread_atfork(NULL, NULL, log_pid_reset);
}

void
log_init(const char *progname, bool verbose)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	log_progname = progname;
	log_verbose = verbose;
	log_pid_reset();
	(void)pthread_once(&once, log_pid_hook);
}

/* The second of a line's time stamp, formatted once a second per thread:
 * gmtime_r takes the time zone lock, and a server logs every request. */
static const char *
log_stamp(time_t sec)
{
	static _Thread_local time_t last = -1;
	static _Thread_local char stamp[32];
	struct tm tm;

	if (sec != last) {
		gmtime_r(&sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		last = sec;
	}
	return stamp;
}

static void
vlog(const char *level, int errnum, const char *fmt, va_list ap)
{
	char line[2048];
	const char *stamp;
	struct timeval tv;
	int n;

	gettimeofday(&tv, NULL);
	stamp = log_stamp(tv.tv_sec);
	n = snprintf(line, sizeof(line), "%s.%03dZ %s[%d] %s: ", stamp,
	    (int)(tv.tv_usec / 1000), log_progname, (int)(log_pid != 0 ? log_pid : getpid()), level);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if ((size_t)n >= sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	if (errnum != 0)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(errnum));
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

#define LOG_BODY(level, errnum) do {		\
	va_list ap;				\
	va_start(ap, fmt);			\
	vlog(level, errnum, fmt, ap);		\
	va_end(ap);				\
} while (0)

void log_info(const char *fmt, ...) { LOG_BODY("info", 0); }
void log_warnx(const char *fmt, ...) { LOG_BODY("warning", 0); }

void
log_debug(const char *fmt, ...)
{
	if (log_verbose)
		LOG_BODY("debug", 0);
}

void
log_warn(const char *fmt, ...)
{
	int e = errno;
	LOG_BODY("warning", e);
}

void
fatal(const char *fmt, ...)
{
	int e = errno;
	LOG_BODY("fatal", e);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY("fatal", 0);
	exit(1);
}
