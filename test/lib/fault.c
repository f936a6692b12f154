/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Fault injection: each entry of os_prim can be replaced by a wrapper that
 * counts down and fails once at zero, otherwise forwarding to
 * os_prim_default. Only this process's table changes.
 */

#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "common/os_prim.h"
#include "test/lib/fault.h"

struct fault {
	unsigned int countdown; /* 0 = disarmed */
	int err;
};

static struct fault faults[FAULT_CALL_MAX];
static unsigned int n_fired;

static bool
trip(enum fault_call which)
{
	struct fault *f = &faults[which];

	if (f->countdown == 0 || --f->countdown != 0)
		return false;
	n_fired++;
	errno = f->err;
	return true;
}

static int
f_open(const char *path, int flags, mode_t mode)
{
	return trip(FAULT_OPEN) ? -1 : os_prim_default.open(path, flags, mode);
}

static int
f_close(int fd)
{
	int err;

	if (!trip(FAULT_CLOSE))
		return os_prim_default.close(fd);
	err = errno;
	os_prim_default.close(fd);
	errno = err;
	return -1;
}

static int
f_unlink(const char *path)
{
	return trip(FAULT_UNLINK) ? -1 : os_prim_default.unlink(path);
}

static int
f_ftruncate(int fd, off_t len)
{
	return trip(FAULT_FTRUNCATE) ? -1 : os_prim_default.ftruncate(fd, len);
}

static int
f_fstat(int fd, struct stat *st)
{
	return trip(FAULT_FSTAT) ? -1 : os_prim_default.fstat(fd, st);
}

static void *
f_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (trip(FAULT_MMAP))
		return MAP_FAILED;
	return os_prim_default.mmap(addr, len, prot, flags, fd, off);
}

static int
f_munmap(void *addr, size_t len)
{
	return trip(FAULT_MUNMAP) ? -1 : os_prim_default.munmap(addr, len);
}

static int
f_lock(int fd, int cmd, struct flock *fl)
{
	return trip(FAULT_LOCK) ? -1 : os_prim_default.lock(fd, cmd, fl);
}

static int
f_socket(int domain, int type, int protocol)
{
	return trip(FAULT_SOCKET) ? -1 : os_prim_default.socket(domain, type, protocol);
}

static int
f_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	return trip(FAULT_BIND) ? -1 : os_prim_default.bind(fd, addr, len);
}

static int
f_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return trip(FAULT_CONNECT) ? -1 : os_prim_default.connect(fd, addr, len);
}

static ssize_t
f_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return trip(FAULT_SENDMSG) ? -1 : os_prim_default.sendmsg(fd, msg, flags);
}

static ssize_t
f_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return trip(FAULT_RECVMSG) ? -1 : os_prim_default.recvmsg(fd, msg, flags);
}

static void
install(enum fault_call which)
{
	switch (which) {
	case FAULT_OPEN: os_prim.open = f_open; break;
	case FAULT_CLOSE: os_prim.close = f_close; break;
	case FAULT_UNLINK: os_prim.unlink = f_unlink; break;
	case FAULT_FTRUNCATE: os_prim.ftruncate = f_ftruncate; break;
	case FAULT_FSTAT: os_prim.fstat = f_fstat; break;
	case FAULT_MMAP: os_prim.mmap = f_mmap; break;
	case FAULT_MUNMAP: os_prim.munmap = f_munmap; break;
	case FAULT_LOCK: os_prim.lock = f_lock; break;
	case FAULT_SOCKET: os_prim.socket = f_socket; break;
	case FAULT_BIND: os_prim.bind = f_bind; break;
	case FAULT_CONNECT: os_prim.connect = f_connect; break;
	case FAULT_SENDMSG: os_prim.sendmsg = f_sendmsg; break;
	case FAULT_RECVMSG: os_prim.recvmsg = f_recvmsg; break;
	case FAULT_CALL_MAX: break;
	}
}

void
fault_fail_nth(enum fault_call which, unsigned int nth, int err)
{
	if (which >= FAULT_CALL_MAX)
		return;
	faults[which].countdown = nth;
	faults[which].err = err;
	install(which);
}

void
fault_reset(void)
{
	unsigned int i;

	for (i = 0; i < FAULT_CALL_MAX; i++)
		faults[i].countdown = 0;
	n_fired = 0;
	os_prim = os_prim_default;
}

unsigned int
fault_fired(void)
{
	return n_fired;
}

const char *
fault_call_name(enum fault_call which)
{
	static const char *const names[FAULT_CALL_MAX] = {
		[FAULT_OPEN] = "open", [FAULT_CLOSE] = "close",
		[FAULT_UNLINK] = "unlink", [FAULT_FTRUNCATE] = "ftruncate",
		[FAULT_FSTAT] = "fstat", [FAULT_MMAP] = "mmap",
		[FAULT_MUNMAP] = "munmap", [FAULT_LOCK] = "lock",
		[FAULT_SOCKET] = "socket", [FAULT_BIND] = "bind",
		[FAULT_CONNECT] = "connect", [FAULT_SENDMSG] = "sendmsg",
		[FAULT_RECVMSG] = "recvmsg",
	};

	return which < FAULT_CALL_MAX ? names[which] : "?";
}
