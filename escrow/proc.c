/*
 * proc.c: running the programs the escrow tool leans on (gpg, a transfer
 * or check command) with their standard input and output on our pipes or
 * files, and their messages in a file we can quote when they fail.
 *
 * Every descriptor we create is close-on-exec, so a child holds only the
 * ends it was given: gpg sees end-of-file when we close our end.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escrow.h"
#include "util.h"

#define SHELL "/bin/sh"
#define MESSAGE_MAX 300		/* of a child's last message, in an error */

/* In the child: fd onto target, or /dev/null when fd is -1. */
static void
child_fd(int fd, int target, int flags)
{
	if (fd < 0 && (fd = open("/dev/null", flags)) < 0)
		_exit(127);
	if (fd != target && dup2(fd, target) < 0)
		_exit(127);
}

int
proc_start(char *const argv[], int in, int out, const char *errfile,
    struct escrow_child *c, struct reg_err *err)
{
	int efd;

	c->what = argv[0];
	c->errfile = errfile;
	if ((c->pid = fork()) < 0)
		return reg_fail(err, REG_EIO, "cannot start %s: %s", argv[0], strerror(errno));
	if (c->pid > 0)
		return REG_OK;
	signal(SIGPIPE, SIG_DFL);
	child_fd(in, STDIN_FILENO, O_RDONLY);
	child_fd(out, STDOUT_FILENO, O_WRONLY);
	if (errfile != NULL) {
		if ((efd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
			_exit(127);
		child_fd(efd, STDERR_FILENO, O_WRONLY);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* The last non-empty line of a child's messages, or "". */
static void
last_message(const char *path, char *out, size_t size)
{
	char line[MESSAGE_MAX];
	FILE *f;

	out[0] = '\0';
	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0')
			strlcpy_reg(out, line, size);
	}
	fclose(f);
}

int
proc_wait(struct escrow_child *c, struct reg_err *err)
{
	char msg[MESSAGE_MAX];
	int status;

	while (waitpid(c->pid, &status, 0) < 0)
		if (errno != EINTR)
			return reg_fail(err, REG_EIO, "%s: %s", c->what, strerror(errno));
	c->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return REG_OK;
	last_message(c->errfile, msg, sizeof(msg));
	if (WIFSIGNALED(status))
		return reg_fail(err, REG_EIO, "%s died of signal %d%s%s", c->what,
		    WTERMSIG(status), msg[0] ? ": " : "", msg);
	return reg_fail(err, REG_EIO, "%s failed (exit %d)%s%s", c->what, WEXITSTATUS(status),
	    msg[0] ? ": " : "", msg);
}

/* Reads fd to its end into out (size bytes, always terminated). */
static void
read_all(int fd, char *out, size_t size)
{
	size_t n = 0;
	ssize_t r;
	char sink[4096];

	while ((r = read(fd, n + 1 < size ? out + n : sink,
	    n + 1 < size ? size - 1 - n : sizeof(sink))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (n + 1 < size)
			n += (size_t)r;
	}
	if (size > 0)
		out[n] = '\0';
}

int
proc_capture(char *const argv[], const char *errfile, char *out, size_t size,
    struct reg_err *err)
{
	struct escrow_child c;
	int p[2], rc;

	if (pipe2(p, O_CLOEXEC) < 0)
		return reg_fail(err, REG_EIO, "pipe: %s", strerror(errno));
	rc = proc_start(argv, -1, p[1], errfile, &c, err);
	close(p[1]);
	if (rc != REG_OK) {
		close(p[0]);
		return rc;
	}
	read_all(p[0], out, size);
	close(p[0]);
	return proc_wait(&c, err);
}

int
proc_shell(const char *cmdline, char *out, size_t size, struct reg_err *err)
{
	char errfile[] = "/tmp/escrow-cmd.XXXXXX";
	char *argv[] = { SHELL, "-c", (char *)cmdline, NULL };
	char sink[1], why[REG_ERR_REASON_MAX];
	struct reg_err e = { 0 };
	int fd, rc;

	if ((fd = mkstemp(errfile)) < 0)
		return reg_fail(err, REG_EIO, "cannot make a temporary file: %s", strerror(errno));
	close(fd);
	rc = proc_capture(argv, errfile, out != NULL ? out : sink, out != NULL ? size :
	    sizeof(sink), &e);
	unlink(errfile);
	if (rc == REG_OK)
		return REG_OK;
	strlcpy_reg(why, reg_err_text(&e), sizeof(why));
	return reg_fail(err, rc, "command '%s': %s", cmdline, why);
}

/* --- a tee ------------------------------------------------------------------ */

#define TEE_CHUNK 65536

/* An out that cannot take more is closed and left; the other goes on. */
static void *
tee_run(void *arg)
{
	struct escrow_tee *t = arg;
	char *buf = xmalloc(TEE_CHUNK);
	ssize_t n;

	while ((t->out[0] >= 0 || t->out[1] >= 0) && (n = read(t->in, buf, TEE_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < 2; i++)
			if (t->out[i] >= 0 && !write_full(t->out[i], buf, (size_t)n)) {
				close(t->out[i]);
				t->out[i] = -1;
			}
	}
	for (int i = 0; i < 2; i++)
		if (t->out[i] >= 0)
			close(t->out[i]);
	free(buf);
	return NULL;
}

int
proc_tee_start(struct escrow_tee *t, int in, int out1, int out2, struct reg_err *err)
{
	t->in = in;
	t->out[0] = out1;
	t->out[1] = out2;
	if (pthread_create(&t->thread, NULL, tee_run, t) != 0)
		return reg_fail(err, REG_ENOMEM, "cannot start a thread");
	return REG_OK;
}

void
proc_tee_wait(struct escrow_tee *t)
{
	pthread_join(t->thread, NULL);
}
