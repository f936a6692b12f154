/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The one place that names the file and mapping system calls (see
 * os_prim.h). Wrappers exist only where the libc signature differs from the
 * table's; all of them keep errno as the call set it.
 */

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/os_prim.h"

static int
prim_open(const char *path, int flags, mode_t mode)
{
	int fd;

	do {
		fd = open(path, flags | O_CLOEXEC, mode);
	} while (fd < 0 && errno == EINTR);
	return fd;
}

static int
prim_lock(int fd, int cmd, struct flock *fl)
{
	return fcntl(fd, cmd, fl);
}

/* The real calls; the tests' fault injection replaces entries of os_prim. */
#define OS_PRIM_REAL { \
	.open = prim_open, \
	.close = close, \
	.unlink = unlink, \
	.ftruncate = ftruncate, \
	.fstat = fstat, \
	.mmap = mmap, \
	.munmap = munmap, \
	.lock = prim_lock, \
	.socket = socket, \
	.bind = bind, \
	.connect = connect, \
	.sendmsg = sendmsg, \
	.recvmsg = recvmsg, \
}

const struct os_prim os_prim_default = OS_PRIM_REAL;
struct os_prim os_prim = OS_PRIM_REAL;
