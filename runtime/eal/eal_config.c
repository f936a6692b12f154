/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The shared config file: created and locked by the primary, mapped by
 * every process at the address written in it, and the process table in it.
 *
 * Liveness. The primary holds an exclusive OFD lock on the file until it
 * exits, however it exits; so "is the primary alive" is "is the file
 * locked". A process in the table is alive when a process with its pid
 * exists and started at the recorded time (pids are reused).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>

#include "common/os_prim.h"
#include "runtime/eal/eal_private.h"

/* How far the primary looks above the base for a free place. */
#define BASE_TRIES 64
#define BASE_STEP (4ULL << 30)
/* How long a secondary waits for a primary that is still starting. */
#define READY_WAIT_MS 5000

static int config_fd = -1; /* primary: holds the lock */

size_t
eal_config_size(void)
{
	return RTE_ALIGN_CEIL(sizeof(struct eal_memcfg),
			(size_t)sysconf(_SC_PAGESIZE));
}

int
eal_config_path(const char *dir, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/config", dir) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int
set_lock(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	if (os_prim.lock(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	return errno == EAGAIN || errno == EACCES ? -EEXIST : -errno;
}

int
eal_config_primary_alive(const char *path)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	int fd, ret;

	fd = os_prim.open(path, O_RDONLY, 0);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	ret = os_prim.lock(fd, F_OFD_GETLK, &fl) < 0 ? -errno :
		fl.l_type != F_UNLCK;
	os_prim.close(fd);
	return ret;
}

/* Map len bytes of fd (anonymous memory when fd < 0) at the first free
 * place from base up.
 */
static void *
map_at_or_above(int fd, uint64_t base, size_t len)
{
	void *addr;
	int i;

	for (i = 0; i < BASE_TRIES; i++) {
		addr = os_prim.mmap((void *)(uintptr_t)(base + i * BASE_STEP),
				len, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE |
				(fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED),
				fd, 0);
		if (addr != MAP_FAILED)
			return addr;
		if (errno != EEXIST)
			return MAP_FAILED;
	}
	errno = EADDRNOTAVAIL;
	return MAP_FAILED;
}

int
eal_shared_mutex_init(pthread_mutex_t *m, bool recursive)
{
	pthread_mutexattr_t attr;
	int ret;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (recursive)
		pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	ret = pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	return -ret;
}

int
eal_shared_mutex_lock(pthread_mutex_t *m)
{
	if (pthread_mutex_lock(m) != EOWNERDEAD)
		return 0;
	RTE_LOG(WARNING, EAL,
		"a process of the group died holding a shared lock; recovering it\n");
	pthread_mutex_consistent(m);
	return 1;
}

static int
format(struct eal_memcfg *cfg)
{
	int ret;

	cfg->version = EAL_MEMCFG_VERSION;
	cfg->size = sizeof(*cfg);
	cfg->self_addr = (uintptr_t)cfg;
	ret = eal_shared_mutex_init(&cfg->mem_lock, true);
	if (ret == 0)
		ret = eal_shared_mutex_init(&cfg->proc_lock, false);
	if (ret == 0)
		ret = eal_shared_mutex_init(&cfg->tailq_lock, true);
	if (ret == 0)
		ret = eal_shared_mutex_init(&cfg->mempool_lock, true);
	if (ret == 0)
		ret = eal_shared_mutex_init(&cfg->timer_lock, true);
	cfg->magic = EAL_MEMCFG_MAGIC;
	return ret;
}

static int
create_locked_file(const char *path, size_t len)
{
	int fd, ret;

	fd = os_prim.open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return -errno;
	ret = set_lock(fd, F_WRLCK);
	/* Truncating to 0 first clears whatever a dead primary left. */
	if (ret == 0 && (os_prim.ftruncate(fd, 0) < 0 ||
			os_prim.ftruncate(fd, len) < 0))
		ret = -errno;
	if (ret < 0) {
		os_prim.close(fd);
		return ret;
	}
	return fd;
}

int
eal_config_create(const char *dir, uint64_t base, struct eal_memcfg **out)
{
	char path[PATH_MAX];
	void *addr;
	int fd, ret;

	ret = eal_config_path(dir, path, sizeof(path));
	if (ret < 0)
		return ret;
	fd = create_locked_file(path, eal_config_size());
	if (fd < 0)
		return fd;
	addr = map_at_or_above(fd, base, eal_config_size());
	if (addr == MAP_FAILED) {
		ret = -errno;
		goto out_unlink;
	}
	ret = format(addr);
	if (ret < 0)
		goto out_unmap;
	config_fd = fd;
	*out = addr;
	return 0;
out_unmap:
	os_prim.munmap(addr, eal_config_size());
out_unlink:
	os_prim.unlink(path);
	os_prim.close(fd);
	return ret;
}

int
eal_config_create_private(uint64_t base, struct eal_memcfg **out)
{
	void *addr;
	int ret;

	addr = map_at_or_above(-1, base, eal_config_size());
	if (addr == MAP_FAILED)
		return -errno;
	ret = format(addr);
	if (ret < 0) {
		os_prim.munmap(addr, eal_config_size());
		return ret;
	}
	*out = addr;
	return 0;
}

/* Read the header; wait (bounded) while the primary is still starting. */
static int
read_header(int fd, struct eal_memcfg *hdr)
{
	struct timespec pause = { 0, 1000000 };
	int waited;

	for (waited = 0; waited < READY_WAIT_MS; waited++) {
		if (pread(fd, hdr, offsetof(struct eal_memcfg, n_sockets), 0) < 0)
			return -errno;
		if (hdr->magic == EAL_MEMCFG_MAGIC && hdr->ready)
			break;
		nanosleep(&pause, NULL);
	}
	if (hdr->magic != EAL_MEMCFG_MAGIC || !hdr->ready)
		return -ENOENT;
	if (hdr->version != EAL_MEMCFG_VERSION || hdr->size != sizeof(*hdr))
		return -EPROTO;
	return 0;
}

static int
map_existing(int fd, struct eal_memcfg **out)
{
	struct eal_memcfg hdr;
	void *want, *addr;
	int ret;

	ret = read_header(fd, &hdr);
	if (ret < 0)
		return ret;
	want = (void *)(uintptr_t)hdr.self_addr;
	addr = os_prim.mmap(want, eal_config_size(), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	if (addr == MAP_FAILED && errno != EEXIST)
		return -errno;
	if (addr != want) {
		if (addr != MAP_FAILED)
			os_prim.munmap(addr, eal_config_size());
		eal_log_in_the_way(hdr.self_addr, eal_config_size());
		return -EADDRNOTAVAIL;
	}
	*out = addr;
	return 0;
}

int
eal_config_attach(const char *dir, struct eal_memcfg **out)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = eal_config_path(dir, path, sizeof(path));
	if (ret < 0)
		return ret;
	ret = eal_config_primary_alive(path);
	if (ret <= 0)
		return ret == 0 ? -ENOENT : ret;
	fd = os_prim.open(path, O_RDWR, 0);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	ret = map_existing(fd, out);
	os_prim.close(fd);
	return ret;
}

int
eal_config_claim(const char *dir)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = eal_config_path(dir, path, sizeof(path));
	if (ret < 0)
		return ret;
	fd = os_prim.open(path, O_RDWR, 0);
	if (fd < 0)
		return -errno;
	ret = set_lock(fd, F_WRLCK);
	if (ret < 0) {
		os_prim.close(fd);
		return ret;
	}
	config_fd = fd;
	return 0;
}

void
eal_config_close(struct eal_memcfg *cfg, const char *dir, bool remove)
{
	char path[PATH_MAX];

	if (cfg != NULL)
		os_prim.munmap(cfg, eal_config_size());
	if (remove && eal_config_path(dir, path, sizeof(path)) == 0)
		os_prim.unlink(path);
	if (config_fd >= 0) {
		os_prim.close(config_fd);
		config_fd = -1;
	}
}

/* --- process table ------------------------------------------------------ */

/* Field 22 of /proc/<pid>/stat: when it started, in clock ticks. */
static uint64_t
start_time_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	int i, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The name in parentheses may hold spaces: count from its end. */
	p = strrchr(buf, ')');
	for (i = 2; p != NULL && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		sscanf(p + 1, "%llu", &t);
	return t;
}

static bool
proc_alive(const struct eal_proc *p)
{
	if (p->pid <= 0)
		return false;
	if (kill(p->pid, 0) < 0 && errno != EPERM)
		return false;
	return start_time_of(p->pid) == p->start_time;
}

int
eal_proc_register(struct eal_memcfg *cfg, bool primary)
{
	struct eal_proc *slot = NULL;
	int i;

	eal_shared_mutex_lock(&cfg->proc_lock);
	for (i = 0; i < EAL_MAX_PROCS && slot == NULL; i++) {
		if (!proc_alive(&cfg->procs[i]))
			slot = &cfg->procs[i];
	}
	if (slot != NULL) {
		slot->pid = getpid();
		slot->primary = primary;
		slot->start_time = start_time_of(getpid());
	}
	pthread_mutex_unlock(&cfg->proc_lock);
	return slot != NULL ? 0 : -ENOSPC;
}

void
eal_proc_unregister(struct eal_memcfg *cfg)
{
	int i;

	eal_shared_mutex_lock(&cfg->proc_lock);
	for (i = 0; i < EAL_MAX_PROCS; i++) {
		if (cfg->procs[i].pid == getpid())
			memset(&cfg->procs[i], 0, sizeof(cfg->procs[i]));
	}
	pthread_mutex_unlock(&cfg->proc_lock);
}

pid_t
eal_proc_primary(struct eal_memcfg *cfg)
{
	pid_t pid = 0;
	int i;

	eal_shared_mutex_lock(&cfg->proc_lock);
	for (i = 0; i < EAL_MAX_PROCS && pid == 0; i++) {
		if (cfg->procs[i].primary && proc_alive(&cfg->procs[i]))
			pid = cfg->procs[i].pid;
	}
	pthread_mutex_unlock(&cfg->proc_lock);
	return pid;
}

int
eal_proc_count_others(struct eal_memcfg *cfg)
{
	int i, n = 0;

	eal_shared_mutex_lock(&cfg->proc_lock);
	for (i = 0; i < EAL_MAX_PROCS; i++) {
		struct eal_proc *p = &cfg->procs[i];

		if (p->pid == getpid() || p->pid == 0)
			continue;
		if (proc_alive(p))
			n++;
		else
			memset(p, 0, sizeof(*p));
	}
	pthread_mutex_unlock(&cfg->proc_lock);
	return n;
}
