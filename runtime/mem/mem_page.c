/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Page backends: the one place that maps, unmaps, allocates and releases
 * pages.
 *
 *   file per page  <mount>/<prefix>map_<list>-<page> in hugetlbfs
 *   file per list  <mount>/<prefix>map_<list>; a page is a range of it,
 *                  allocated with fallocate and released by punching a hole
 *   memfd per list --in-memory, --no-huge, or a page size with no mount;
 *                  secondaries get the descriptor from the primary over IPC
 *
 * Pages are allocated with fallocate before they are mapped, so a missing
 * hugepage is an ENOSPC return instead of a SIGBUS on first touch, and the
 * kernel hands them out zeroed: memplane never zeroes a page itself. The
 * calling thread prefers the list's NUMA node while it allocates. A page is
 * mapped over its list's PROT_NONE reservation with MAP_FIXED|MAP_POPULATE
 * and unmapped by putting the reservation back, so the address space stays
 * reserved in every state.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bsd/string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "common/os_prim.h"
#include "runtime/mem/mem_discover.h"
#include "runtime/mem/mem_internal.h"

pthread_mutex_t mem_local_lock = PTHREAD_MUTEX_INITIALIZER;
struct mem_list_local mem_local[RTE_MAX_MEMSEG_LISTS];

static const char *
mount_of(const struct eal_memcfg *cfg, uint64_t page_sz)
{
	unsigned int t;

	for (t = 0; t < cfg->n_page_types; t++) {
		if (cfg->page_types[t].page_sz == page_sz)
			return cfg->page_types[t].mount;
	}
	return "";
}

enum mem_backend
mem_backend_of(const struct eal_memcfg *cfg, int list)
{
	const struct rte_memseg_list *msl = &cfg->memsegs[list];

	if ((cfg->mem_flags & (EAL_MEMF_IN_MEMORY | EAL_MEMF_NO_HUGE)) ||
			mount_of(cfg, msl->page_sz)[0] == '\0')
		return MEM_MEMFD;
	if (cfg->mem_flags & EAL_MEMF_SINGLE_FILE)
		return MEM_FILE_PER_LIST;
	return MEM_FILE_PER_PAGE;
}

static int
page_path(int list, int idx, char *buf, size_t size)
{
	struct eal_memcfg *cfg = mem_cfg();
	const char *mount = mount_of(cfg, cfg->memsegs[list].page_sz);
	int len;

	if (idx < 0)
		len = snprintf(buf, size, "%s/%smap_%d", mount, cfg->prefix,
				list);
	else
		len = snprintf(buf, size, "%s/%smap_%d-%d", mount, cfg->prefix,
				list, idx);
	return len >= (int)size ? -ENAMETOOLONG : 0;
}

static int
memfd_flags(uint64_t page_sz)
{
	if (page_sz <= RTE_PGSIZE_4K)
		return MFD_CLOEXEC;
	/* The page size's log2, where MFD_HUGE_* puts it (the same shift as
	 * MAP_HUGE_*; glibc does not export MFD_HUGE_SHIFT).
	 */
	return MFD_CLOEXEC | MFD_HUGETLB |
		(int)(rte_ctz64(page_sz) << MAP_HUGE_SHIFT);
}

static int
open_list_file(int list, bool create)
{
	struct rte_memseg_list *msl = &mem_cfg()->memsegs[list];
	char path[PATH_MAX];
	int fd, ret;

	if (mem_backend_of(mem_cfg(), list) == MEM_MEMFD) {
		snprintf(path, sizeof(path), "memplane_map_%d", list);
		fd = memfd_create(path, memfd_flags(msl->page_sz));
	} else {
		ret = page_path(list, -1, path, sizeof(path));
		if (ret < 0)
			return ret;
		fd = os_prim.open(path, O_RDWR | (create ? O_CREAT | O_TRUNC : 0),
				0600);
	}
	if (fd < 0)
		return -errno;
	if (create && os_prim.ftruncate(fd, msl->len) < 0) {
		ret = -errno;
		os_prim.close(fd);
		return ret;
	}
	return fd;
}

static int
alloc_local(int list)
{
	struct mem_list_local *ll = &mem_local[list];
	unsigned int i, n = mem_cfg()->memsegs[list].memseg_arr.len;

	ll->fd = -1;
	ll->mapped = calloc(n, 1);
	ll->page_fds = malloc(n * sizeof(int));
	if (ll->mapped == NULL || ll->page_fds == NULL) {
		free(ll->mapped);
		free(ll->page_fds);
		ll->mapped = NULL;
		ll->page_fds = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		ll->page_fds[i] = -1;
	return 0;
}

int
mem_list_backing_open(int list, bool create)
{
	enum mem_backend b = mem_backend_of(mem_cfg(), list);
	int ret = alloc_local(list);

	if (ret < 0 || b == MEM_FILE_PER_PAGE || (b == MEM_MEMFD && !create))
		return ret;
	ret = open_list_file(list, create);
	if (ret < 0)
		return ret;
	mem_local[list].fd = ret;
	return 0;
}

void
mem_list_backing_adopt(int list, int fd)
{
	if (mem_local[list].fd >= 0)
		os_prim.close(mem_local[list].fd);
	mem_local[list].fd = fd;
}

static void
close_page_fd(int list, unsigned int idx)
{
	struct mem_list_local *ll = &mem_local[list];
	int fd;

	if (ll->page_fds == NULL)
		return;
	fd = __atomic_exchange_n(&ll->page_fds[idx], -1, __ATOMIC_ACQ_REL);
	if (fd >= 0)
		os_prim.close(fd);
}

void
mem_list_backing_close(int list, bool destroy)
{
	struct mem_list_local *ll = &mem_local[list];
	char path[PATH_MAX];

	unsigned int i;

	if (ll->fd >= 0)
		os_prim.close(ll->fd);
	for (i = 0; ll->page_fds != NULL &&
			i < mem_cfg()->memsegs[list].memseg_arr.len; i++)
		close_page_fd(list, i);
	if (destroy && mem_backend_of(mem_cfg(), list) == MEM_FILE_PER_LIST &&
			page_path(list, -1, path, sizeof(path)) == 0)
		os_prim.unlink(path);
	free(ll->mapped);
	free(ll->page_fds);
	memset(ll, 0, sizeof(*ll));
	ll->fd = -1;
}

/* The descriptor and offset page idx lives at. */
static int
page_backing(int list, unsigned int idx, bool create, off_t *off)
{
	struct mem_list_local *ll = &mem_local[list];
	char path[PATH_MAX];
	int fd, ret;

	if (mem_backend_of(mem_cfg(), list) != MEM_FILE_PER_PAGE) {
		*off = (off_t)idx * mem_cfg()->memsegs[list].page_sz;
		return ll->fd >= 0 ? ll->fd : -EBADF;
	}
	*off = 0;
	if (ll->page_fds[idx] >= 0)
		return ll->page_fds[idx];
	ret = page_path(list, (int)idx, path, sizeof(path));
	if (ret < 0)
		return ret;
	fd = os_prim.open(path, O_RDWR | (create ? O_CREAT | O_TRUNC : 0),
			0600);
	if (fd < 0)
		return -errno;
	ll->page_fds[idx] = fd;
	return fd;
}

/* A new descriptor of an existing page file. fd or -errno. */
static int
page_backing_open(int list, unsigned int idx)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = page_path(list, (int)idx, path, sizeof(path));
	if (ret < 0)
		return ret;
	fd = os_prim.open(path, O_RDWR, 0);
	return fd < 0 ? -errno : fd;
}

/* Fresh pages [off, off + len) on the list's socket. */
static int
allocate(int list, int fd, off_t off, size_t len)
{
	struct rte_memseg_list *msl = &mem_cfg()->memsegs[list];
	struct mem_numa_saved saved;
	int ret;

	ret = mem_numa_prefer(msl->socket_id, &saved);
	if (ret < 0)
		return ret;
	ret = fallocate(fd, 0, off, (off_t)len) < 0 ? -errno : 0;
	mem_numa_restore(&saved);
	/* No free hugepage is an ENOSPC from hugetlbfs. */
	return ret == -ENOSPC ? -ENOMEM : ret;
}

/* Give pages [idx, idx+n) back to the system. */
static void
release(int list, unsigned int idx, unsigned int n)
{
	struct rte_memseg_list *msl = &mem_cfg()->memsegs[list];
	char path[PATH_MAX];
	unsigned int i;

	if (mem_backend_of(mem_cfg(), list) != MEM_FILE_PER_PAGE) {
		if (fallocate(mem_local[list].fd, FALLOC_FL_PUNCH_HOLE |
				FALLOC_FL_KEEP_SIZE, (off_t)idx * msl->page_sz,
				(off_t)n * msl->page_sz) < 0)
			RTE_LOG(ERR, EAL, "cannot release pages %u-%u of list %d: %s\n",
				idx, idx + n - 1, list, strerror(errno));
		return;
	}
	for (i = idx; i < idx + n; i++) {
		if (page_path(list, (int)i, path, sizeof(path)) == 0)
			os_prim.unlink(path);
	}
}

/*
 * A mapped page needs no descriptor, so a file-per-page page's is closed
 * at once: a process holds no descriptor per page (1 GiB would be 512 of
 * them, in every process) and a shrink closes nothing. With --huge-unlink
 * the primary removes the file instead and keeps the descriptor: it is
 * then the page's only name, for rte_memseg_get_fd().
 */
static void
settle_page_fd(int list, unsigned int idx, bool create)
{
	char path[PATH_MAX];

	if (mem_backend_of(mem_cfg(), list) != MEM_FILE_PER_PAGE)
		return;
	if (!(mem_cfg()->mem_flags & EAL_MEMF_HUGE_UNLINK)) {
		close_page_fd(list, idx);
		return;
	}
	if (create && page_path(list, (int)idx, path, sizeof(path)) == 0)
		os_prim.unlink(path);
}

int
mem_page_fd(int list, unsigned int idx)
{
	struct mem_list_local *ll = &mem_local[list];
	int fd, none = -1;

	if (mem_backend_of(mem_cfg(), list) != MEM_FILE_PER_PAGE)
		return ll->fd >= 0 ? ll->fd : -ENODEV;
	fd = __atomic_load_n(&ll->page_fds[idx], __ATOMIC_ACQUIRE);
	if (fd >= 0)
		return fd;
	fd = page_backing_open(list, idx);
	if (fd < 0)
		return fd == -ENOENT ? -ENODEV : fd;
	/* Another thread may have opened it meanwhile: keep one. */
	if (!__atomic_compare_exchange_n(&ll->page_fds[idx], &none, fd, false,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		os_prim.close(fd);
		fd = none;
	}
	return fd;
}

rte_iova_t
mem_iova_of(const void *addr)
{
	uint64_t entry, pfn;
	long page = sysconf(_SC_PAGESIZE);
	int fd;

	if (mem_cfg()->iova_mode != RTE_IOVA_PA)
		return (uintptr_t)addr;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return RTE_BAD_IOVA;
	if (pread(fd, &entry, sizeof(entry),
			(off_t)((uintptr_t)addr / page) * sizeof(entry)) !=
			sizeof(entry))
		entry = 0;
	close(fd);
	pfn = entry & ((1ULL << 55) - 1);
	if (!(entry & (1ULL << 63)) || pfn == 0)
		return RTE_BAD_IOVA;
	return pfn * page + ((uintptr_t)addr % page);
}

static void
fill_memseg(int list, unsigned int idx, void *addr)
{
	struct rte_memseg_list *msl = &mem_cfg()->memsegs[list];
	struct rte_memseg *ms = rte_fbarray_get(&msl->memseg_arr, idx);

	ms->addr = addr;
	ms->len = msl->page_sz;
	ms->hugepage_sz = msl->page_sz;
	ms->socket_id = msl->socket_id;
	ms->nchannel = 0;
	ms->nrank = 0;
	ms->flags = 0;
	ms->iova = mem_iova_of(addr);
}

static void
put_reservation(void *addr, size_t len)
{
	if (os_prim.mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
		RTE_LOG(ERR, EAL, "cannot put back the reservation at %p: %s\n",
			addr, strerror(errno));
}

int
mem_page_map_locked(int list, unsigned int idx, bool create)
{
	struct rte_memseg_list *msl = &mem_cfg()->memsegs[list];
	void *addr = RTE_PTR_ADD(msl->base_va, (size_t)idx * msl->page_sz);
	off_t off;
	int fd, ret;

	fd = page_backing(list, idx, create, &off);
	if (fd < 0)
		return fd;
	ret = create ? allocate(list, fd, off, msl->page_sz) : 0;
	if (ret == 0 && os_prim.mmap(addr, msl->page_sz, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd, off) ==
			MAP_FAILED)
		ret = -errno;
	if (ret < 0) {
		put_reservation(addr, msl->page_sz);
		close_page_fd(list, idx);
		if (create)
			release(list, idx, 1);
		return ret;
	}
	if (create)
		fill_memseg(list, idx, addr);
	mem_local[list].mapped[idx] = 1;
	settle_page_fd(list, idx, create);
	return 0;
}

/* Pages [idx, idx+n) of a list with one backing: one allocation and one
 * mapping for the run, as 4 KiB pages come by the hundred. */
static int
map_run_one_backing(int list, unsigned int idx, unsigned int n)
{
	struct rte_memseg_list *msl = &mem_cfg()->memsegs[list];
	void *addr = RTE_PTR_ADD(msl->base_va, (size_t)idx * msl->page_sz);
	size_t len = (size_t)n * msl->page_sz;
	off_t off = (off_t)idx * msl->page_sz;
	int fd = mem_local[list].fd, ret;
	unsigned int i;

	if (fd < 0)
		return -EBADF;
	ret = allocate(list, fd, off, len);
	if (ret == 0 && os_prim.mmap(addr, len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd, off) ==
			MAP_FAILED)
		ret = -errno;
	if (ret < 0) {
		put_reservation(addr, len);
		release(list, idx, n);
		return ret;
	}
	for (i = idx; i < idx + n; i++) {
		fill_memseg(list, i, RTE_PTR_ADD(msl->base_va,
				(size_t)i * msl->page_sz));
		mem_local[list].mapped[i] = 1;
	}
	return 0;
}

int
mem_pages_map_locked(int list, unsigned int idx, unsigned int n)
{
	unsigned int i;
	int ret = 0;

	if (mem_backend_of(mem_cfg(), list) != MEM_FILE_PER_PAGE)
		return map_run_one_backing(list, idx, n);
	for (i = 0; i < n && ret == 0; i++)
		ret = mem_page_map_locked(list, idx + i, true);
	if (ret < 0 && i > 1)
		mem_pages_unmap_locked(list, idx, i - 1, true);
	return ret;
}

void
mem_pages_unmap_locked(int list, unsigned int idx, unsigned int n,
		bool destroy)
{
	struct rte_memseg_list *msl = &mem_cfg()->memsegs[list];
	unsigned int i;

	/* One call for the whole run: a shrink costs a few system calls, not
	 * a few per page, in every process.
	 */
	put_reservation(RTE_PTR_ADD(msl->base_va, (size_t)idx * msl->page_sz),
			(size_t)n * msl->page_sz);
	for (i = idx; i < idx + n; i++) {
		mem_local[list].mapped[i] = 0;
		close_page_fd(list, i);
	}
	if (destroy)
		release(list, idx, n);
}

void
mem_page_unmap_locked(int list, unsigned int idx, bool destroy)
{
	mem_pages_unmap_locked(list, idx, 1, destroy);
}

struct pa_slot {
	rte_iova_t iova;
	unsigned int slot;
};

static int
cmp_iova(const void *a, const void *b)
{
	const struct pa_slot *x = a, *y = b;

	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

/* Rename page from's file to to's name, through tmp names when asked. */
static int
rename_page(int list, int from, int to, bool tmp_from, bool tmp_to)
{
	char a[PATH_MAX], b[PATH_MAX];

	if (page_path(list, from, a, sizeof(a)) < 0 ||
			page_path(list, to, b, sizeof(b)) < 0)
		return -ENAMETOOLONG;
	if (tmp_from)
		strlcat(a, ".sort", sizeof(a));
	if (tmp_to)
		strlcat(b, ".sort", sizeof(b));
	return rename(a, b) < 0 ? -errno : 0;
}

/* Move the files of pages [idx, idx+n) so that slot idx+j holds the page
 * of order[j].slot, then map each slot's new page over the old one.
 */
static int
reorder_pages_locked(int list, unsigned int idx, unsigned int n,
		const struct pa_slot *order)
{
	unsigned int j;
	int ret = 0;

	for (j = 0; j < n && ret == 0; j++)
		ret = rename_page(list, (int)(idx + j), (int)(idx + j), false,
				true);
	for (j = 0; j < n && ret == 0; j++)
		ret = rename_page(list, (int)order[j].slot, (int)(idx + j), true,
				false);
	for (j = 0; j < n && ret == 0; j++) {
		close_page_fd(list, idx + j);
		ret = mem_page_map_locked(list, idx + j, false);
		if (ret == 0)
			fill_memseg(list, idx + j, RTE_PTR_ADD(
				mem_cfg()->memsegs[list].base_va,
				(size_t)(idx + j) * mem_cfg()->memsegs[list].page_sz));
	}
	return ret;
}

int
mem_pages_sort_by_iova_locked(int list, unsigned int idx, unsigned int n)
{
	struct rte_memseg_list *msl = &mem_cfg()->memsegs[list];
	struct pa_slot *order;
	unsigned int j;
	int ret;

	if (mem_backend_of(mem_cfg(), list) != MEM_FILE_PER_PAGE ||
			(mem_cfg()->mem_flags & EAL_MEMF_HUGE_UNLINK) || n < 2)
		return 0;
	order = malloc(n * sizeof(*order));
	if (order == NULL)
		return -ENOMEM;
	for (j = 0; j < n; j++) {
		order[j].slot = idx + j;
		order[j].iova = mem_iova_of(RTE_PTR_ADD(msl->base_va,
				(size_t)(idx + j) * msl->page_sz));
	}
	qsort(order, n, sizeof(*order), cmp_iova);
	ret = reorder_pages_locked(list, idx, n, order);
	free(order);
	return ret;
}
