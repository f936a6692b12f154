/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * A secondary learns at once that its primary died.
 *
 * A thread of each secondary waits on a pidfd of the primary (and on an
 * eventfd that stops it). When the primary ends, however it ends, the
 * pidfd becomes readable: the thread logs it in plain words and calls the
 * callbacks the program registered (rte_eal_primary_gone_callback_*), then
 * exits. Nothing else changes: the secondary keeps every mapping it has,
 * and what needs the primary (growing memory, IPC requests to it) fails
 * from then on. Without pidfds (kernels before 5.3, valgrind) the thread
 * looks at /proc every 100 ms instead.
 *
 * The callbacks run on that thread, one after the other, under a mutex of
 * this process: a callback must not register or unregister callbacks.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <valgrind/valgrind.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "runtime/eal/eal_private.h"

#define MAX_CALLBACKS 16
#define POLL_MS 100

static struct {
	pthread_mutex_t lock;          /* the callbacks */
	struct {
		rte_eal_primary_gone_cb_t fn;
		void *arg;
	} cb[MAX_CALLBACKS];
	unsigned int n_cb;
	pthread_t thread;
	bool running;
	int pidfd, stopfd;
	pid_t pid;
} w = { .lock = PTHREAD_MUTEX_INITIALIZER, .pidfd = -1, .stopfd = -1 };

static int
find_cb(rte_eal_primary_gone_cb_t fn, void *arg)
{
	unsigned int i;

	for (i = 0; i < w.n_cb; i++) {
		if (w.cb[i].fn == fn && w.cb[i].arg == arg)
			return (int)i;
	}
	return -1;
}

int
rte_eal_primary_gone_callback_register(rte_eal_primary_gone_cb_t fn,
		void *arg)
{
	int ret = 0;

	if (fn == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&w.lock);
	if (find_cb(fn, arg) >= 0)
		ret = EEXIST;
	else if (w.n_cb == MAX_CALLBACKS)
		ret = ENOSPC;
	else
		w.cb[w.n_cb++] = (typeof(w.cb[0])){ fn, arg };
	pthread_mutex_unlock(&w.lock);
	if (ret != 0)
		rte_errno = ret;
	return ret != 0 ? -1 : 0;
}

int
rte_eal_primary_gone_callback_unregister(rte_eal_primary_gone_cb_t fn,
		void *arg)
{
	int i;

	if (fn == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&w.lock);
	i = find_cb(fn, arg);
	if (i >= 0)
		w.cb[i] = w.cb[--w.n_cb];
	pthread_mutex_unlock(&w.lock);
	if (i < 0)
		rte_errno = ENOENT;
	return i < 0 ? -1 : 0;
}

/* Without a pidfd: whether pid has ended (a zombie has: it only waits
 * for its parent to reap it). */
static bool
pid_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && (p[2] == 'Z' || p[2] == 'X');
}

/* Wait until the primary is gone (true) or we are told to stop. */
static bool
wait_primary_gone(void)
{
	struct pollfd pfd[2] = {
		{ .fd = w.stopfd, .events = POLLIN },
		{ .fd = w.pidfd, .events = POLLIN },
	};
	int n;

	for (;;) {
		n = poll(pfd, w.pidfd >= 0 ? 2 : 1, w.pidfd >= 0 ? -1 : POLL_MS);
		if (n < 0 && errno != EINTR)
			return false;
		if (pfd[0].revents != 0)
			return false;
		if (w.pidfd >= 0 ? pfd[1].revents != 0 : pid_gone(w.pid))
			return true;
	}
}

static void *
watch(void *unused)
{
	unsigned int i;

	(void)unused;
	if (!wait_primary_gone())
		return NULL;
	RTE_LOG(ERR, EAL, "the primary process (pid %d) has ended: this process keeps the memory it has mapped, but can no longer grow it or ask the primary anything; start a new group to go on\n",
		(int)w.pid);
	pthread_mutex_lock(&w.lock);
	for (i = 0; i < w.n_cb; i++)
		w.cb[i].fn(w.cb[i].arg);
	pthread_mutex_unlock(&w.lock);
	return NULL;
}

int
eal_watch_primary_start(pid_t primary)
{
	sigset_t all, old;
	int ret;

	w.pid = primary;
	/* valgrind knows no pidfd_open, and says so on every call. */
	w.pidfd = RUNNING_ON_VALGRIND ? -1 :
		(int)syscall(SYS_pidfd_open, primary, 0);
	if (w.pidfd < 0 && !RUNNING_ON_VALGRIND && errno != ENOSYS)
		return -errno;
	w.stopfd = eventfd(0, EFD_CLOEXEC);
	if (w.stopfd < 0) {
		ret = -errno;
		goto out_close_pidfd;
	}
	/* The thread takes no signal meant for the program. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&w.thread, NULL, watch, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret < 0)
		goto out_close_stopfd;
	w.running = true;
	return 0;
out_close_stopfd:
	close(w.stopfd);
	w.stopfd = -1;
out_close_pidfd:
	if (w.pidfd >= 0)
		close(w.pidfd);
	w.pidfd = -1;
	return ret;
}

void
eal_watch_primary_stop(void)
{
	uint64_t one = 1;

	if (w.running) {
		if (write(w.stopfd, &one, sizeof(one)) < 0)
			RTE_LOG(ERR, EAL, "cannot stop the primary watch: %s\n",
				strerror(errno));
		pthread_join(w.thread, NULL);
		w.running = false;
	}
	if (w.stopfd >= 0)
		close(w.stopfd);
	if (w.pidfd >= 0)
		close(w.pidfd);
	w.stopfd = w.pidfd = -1;
	pthread_mutex_lock(&w.lock);
	w.n_cb = 0;
	pthread_mutex_unlock(&w.lock);
}
