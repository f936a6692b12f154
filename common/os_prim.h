/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Every system call memplane makes on files and mappings goes through this
 * table (the idea of SQLite's aSyscall). Production code never changes it;
 * tests replace an entry to make the Nth call fail and then check that the
 * caller reported the error, leaked nothing and left no file behind.
 *
 * Each entry has the system call's own contract: -1 (MAP_FAILED for mmap)
 * and errno on failure.
 */

#ifndef MEMPLANE_OS_PRIM_H
#define MEMPLANE_OS_PRIM_H

#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

struct os_prim {
	int (*open)(const char *path, int flags, mode_t mode);
	int (*close)(int fd);
	int (*unlink)(const char *path);
	int (*ftruncate)(int fd, off_t len);
	int (*fstat)(int fd, struct stat *st);
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd,
			off_t off);
	int (*munmap)(void *addr, size_t len);
	/* fcntl() with F_OFD_SETLK/F_OFD_GETLK and a struct flock. */
	int (*lock)(int fd, int cmd, struct flock *fl);
	int (*socket)(int domain, int type, int protocol);
	int (*bind)(int fd, const struct sockaddr *addr, socklen_t len);
	int (*connect)(int fd, const struct sockaddr *addr, socklen_t len);
	ssize_t (*sendmsg)(int fd, const struct msghdr *msg, int flags);
	ssize_t (*recvmsg)(int fd, struct msghdr *msg, int flags);
};

extern struct os_prim os_prim;

/* The table as the library ships it, for tests to restore entries from. */
extern const struct os_prim os_prim_default;

#endif /* MEMPLANE_OS_PRIM_H */
