/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Re-exec harness (see harness.h). The binary's path is resolved once, at
 * start-up: under valgrind readlink("/proc/self/exe") names the test binary,
 * while exec'ing "/proc/self/exe" itself would start valgrind's launcher.
 * Children are not run under valgrind. Timeouts are bounds against hangs,
 * never a means of synchronisation.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test/mp/harness.h"

#define MAX_ARGS 32

static char exe_path[PATH_MAX];

__attribute__((constructor)) static void
resolve_exe(void)
{
	ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);

	exe_path[n > 0 ? n : 0] = '\0';
}

/* In the forked child, before exec: 0, or -1 and the child must exit. */
static int
child_prepare(const int keep_fds[], int n_keep, pid_t parent)
{
	int i;

	for (i = 0; i < n_keep; i++) {
		if (fcntl(keep_fds[i], F_SETFD, 0) != 0)
			return -1;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		return -1;
	/* The parent may have died before prctl(): then nobody would kill us. */
	return getppid() == parent ? 0 : -1;
}

static int
spawn(const char *role, const char *const args[], const int keep_fds[],
		int n_keep, pid_t *pid)
{
	pid_t parent = getpid();
	char role_arg[128];
	char *argv[MAX_ARGS + 3];
	unsigned int i;

	if (exe_path[0] == '\0' ||
	    snprintf(role_arg, sizeof(role_arg), "--role=%s", role) >=
	    (int)sizeof(role_arg)) {
		errno = EINVAL;
		return -1;
	}
	argv[0] = exe_path;
	argv[1] = role_arg;
	for (i = 0; args != NULL && args[i] != NULL; i++) {
		if (i == MAX_ARGS) {
			errno = E2BIG;
			return -1;
		}
		argv[2 + i] = (char *)args[i];
	}
	argv[2 + i] = NULL;
	fflush(NULL);
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		if (keep_fds == NULL || child_prepare(keep_fds, n_keep, parent) == 0)
			execv(exe_path, argv);
		_exit(127);
	}
	return 0;
}

int
mp_spawn(const char *role, const char *const args[], pid_t *pid)
{
	return spawn(role, args, NULL, 0, pid);
}

int
mp_spawn_keep(const char *role, const char *const args[],
		const int keep_fds[], int n_keep, pid_t *pid)
{
	return spawn(role, args, keep_fds, n_keep, pid);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
decode(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -1;
}

int
mp_wait(pid_t pid, int timeout_s)
{
	const struct timespec pause = { .tv_sec = 0, .tv_nsec = 2000000 };
	double deadline = now_s() + timeout_s;
	int status;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, &status, WNOHANG);
		if (ret == pid)
			return decode(status);
		if (ret < 0 && errno != EINTR)
			return -3;
		if (now_s() > deadline)
			break;
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -2;
}

int
mp_read_byte(int fd, int timeout_s)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;
	ssize_t n;
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_s * 1000);
	} while (ret < 0 && errno == EINTR);
	if (ret == 0)
		return -2;
	if (ret < 0)
		return -1;
	do {
		n = read(fd, &c, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

int
mp_write_byte(int fd)
{
	char c = 'x';
	ssize_t n;

	do {
		n = write(fd, &c, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}
