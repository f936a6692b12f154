/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Read-only questions about the group's memory: which page holds an
 * address, what its IOVA and descriptor are, and walks over lists, pages
 * and runs of pages; plus the group's shared locks by DPDK's names.
 *
 * Nothing here changes memory. The page tables in shared memory are the
 * truth; a page is used when its bit in its list's fbarray is set, and the
 * descriptors it is mapped from are this process's own (mem_local). The
 * locking walks hold the group's memory lock, which every process's
 * allocator holds while pages come and go, so a walk sees a stable set of
 * pages in every process; the _thread_unsafe forms leave locking to the
 * caller (memory event callbacks run with the lock held).
 *
 * Before rte_eal_init() there is no shared config (eal_mcfg() is NULL):
 * lookups fail with ENODEV, walks visit nothing, locks are no-ops.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_memory.h>

#include "common/os_prim.h"
#include "runtime/mem/mem_internal.h"

/* DPDK's limit: a wider mask needs more than 64-bit arithmetic. */
#define MAX_DMA_MASK_BITS 63
#define PAGEMAP_PRESENT (1ULL << 63)
#define PAGEMAP_PFN_MASK ((1ULL << 55) - 1)

/* The narrowest DMA mask recorded in this process; 0 = none. */
static uint8_t dma_maskbits;

/* ---- locks ---- */

/* Lock the mutex at byte offset off of the shared config; before init
 * there is none and nothing happens. */
static void
lock_at(size_t off)
{
	struct eal_memcfg *cfg = eal_mcfg();

	if (cfg != NULL)
		eal_shared_mutex_lock((pthread_mutex_t *)((char *)cfg + off));
}

static void
unlock_at(size_t off)
{
	struct eal_memcfg *cfg = eal_mcfg();

	if (cfg != NULL)
		pthread_mutex_unlock((pthread_mutex_t *)((char *)cfg + off));
}

#define MEM_LOCK offsetof(struct eal_memcfg, mem_lock)
#define TAILQ_LOCK offsetof(struct eal_memcfg, tailq_lock)
#define MEMPOOL_LOCK offsetof(struct eal_memcfg, mempool_lock)
#define TIMER_LOCK offsetof(struct eal_memcfg, timer_lock)

void
rte_mcfg_mem_read_lock(void)
{
	lock_at(MEM_LOCK);
}

void
rte_mcfg_mem_read_unlock(void)
{
	unlock_at(MEM_LOCK);
}

void
rte_mcfg_mem_write_lock(void)
{
	lock_at(MEM_LOCK);
}

void
rte_mcfg_mem_write_unlock(void)
{
	unlock_at(MEM_LOCK);
}

void
rte_mcfg_tailq_read_lock(void)
{
	lock_at(TAILQ_LOCK);
}

void
rte_mcfg_tailq_read_unlock(void)
{
	unlock_at(TAILQ_LOCK);
}

void
rte_mcfg_tailq_write_lock(void)
{
	lock_at(TAILQ_LOCK);
}

void
rte_mcfg_tailq_write_unlock(void)
{
	unlock_at(TAILQ_LOCK);
}

void
rte_mcfg_mempool_read_lock(void)
{
	lock_at(MEMPOOL_LOCK);
}

void
rte_mcfg_mempool_read_unlock(void)
{
	unlock_at(MEMPOOL_LOCK);
}

void
rte_mcfg_mempool_write_lock(void)
{
	lock_at(MEMPOOL_LOCK);
}

void
rte_mcfg_mempool_write_unlock(void)
{
	unlock_at(MEMPOOL_LOCK);
}

void
rte_mcfg_timer_lock(void)
{
	lock_at(TIMER_LOCK);
}

void
rte_mcfg_timer_unlock(void)
{
	unlock_at(TIMER_LOCK);
}

bool
rte_mcfg_get_single_file_segments(void)
{
	struct eal_memcfg *cfg = eal_mcfg();

	return cfg != NULL && (cfg->mem_flags & EAL_MEMF_SINGLE_FILE);
}

/* ---- lookups ---- */

/* The index of msl in the group's list table, or -1 if it is not one. */
static int
list_idx(const struct eal_memcfg *cfg, const struct rte_memseg_list *msl)
{
	uintptr_t off = (uintptr_t)msl - (uintptr_t)cfg->memsegs;

	if ((uintptr_t)msl < (uintptr_t)cfg->memsegs ||
			off >= sizeof(cfg->memsegs) || off % sizeof(*msl) != 0 ||
			msl->base_va == NULL)
		return -1;
	return (int)(off / sizeof(*msl));
}

static bool
list_holds(const struct rte_memseg_list *msl, const void *addr)
{
	return (uintptr_t)addr >= msl->addr_64 &&
		(uintptr_t)addr - msl->addr_64 < msl->len;
}

/* The used page holding addr, in msl (NULL: any list). 0 or -errno. */
static int
find_seg(const void *addr, const struct rte_memseg_list *msl,
		struct rte_memseg **out)
{
	struct eal_memcfg *cfg = eal_mcfg();
	struct rte_memseg_list *l;
	unsigned int idx;
	int list;

	if (addr == NULL)
		return -EINVAL;
	if (cfg == NULL)
		return -ENODEV;
	list = msl != NULL ? list_idx(cfg, msl) : -1;
	if (msl != NULL && list < 0)
		return -EINVAL;
	l = msl != NULL ? &cfg->memsegs[list] : mem_list_of(addr);
	if (l == NULL || !mem_list_visible(cfg, (int)(l - cfg->memsegs)) ||
			!list_holds(l, addr))
		return -ENOENT;
	idx = (unsigned int)(((uintptr_t)addr - l->addr_64) / l->page_sz);
	if (rte_fbarray_is_used(&l->memseg_arr, idx) != 1)
		return -ENOENT;
	*out = rte_fbarray_get(&l->memseg_arr, idx);
	return 0;
}

struct rte_memseg *
rte_mem_virt2memseg(const void *addr, const struct rte_memseg_list *msl)
{
	struct rte_memseg *ms;
	int ret = find_seg(addr, msl, &ms);

	if (ret < 0) {
		rte_errno = -ret;
		return NULL;
	}
	return ms;
}

struct rte_memseg_list *
rte_mem_virt2memseg_list(const void *addr)
{
	struct rte_memseg_list *msl;

	if (addr == NULL || eal_mcfg() == NULL) {
		rte_errno = addr == NULL ? EINVAL : ENODEV;
		return NULL;
	}
	msl = mem_list_of(addr);
	if (msl == NULL)
		rte_errno = ENOENT;
	return msl;
}

/* Entry of /proc/self/pagemap for addr. 0 or -errno. */
static int
read_pagemap(const void *addr, uint64_t *entry)
{
	off_t off = (off_t)((uintptr_t)addr / rte_mem_page_size()) *
		(off_t)sizeof(*entry);
	ssize_t n;
	int fd, ret;

	fd = os_prim.open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	do {
		n = pread(fd, entry, sizeof(*entry), off);
	} while (n < 0 && errno == EINTR);
	ret = n == (ssize_t)sizeof(*entry) ? 0 : n < 0 ? -errno : -EIO;
	os_prim.close(fd);
	return ret;
}

phys_addr_t
rte_mem_virt2phy(const void *virt)
{
	size_t page_sz = rte_mem_page_size();
	uint64_t entry;
	int ret;

	ret = virt == NULL ? -EINVAL : read_pagemap(virt, &entry);
	if (ret == 0 && !(entry & PAGEMAP_PRESENT))
		ret = -ENOENT;
	/* Without CAP_SYS_ADMIN the kernel reports frame number 0. */
	if (ret == 0 && (entry & PAGEMAP_PFN_MASK) == 0)
		ret = -EPERM;
	if (ret < 0) {
		rte_errno = -ret;
		return RTE_BAD_PHYS_ADDR;
	}
	return (entry & PAGEMAP_PFN_MASK) * page_sz +
		(uintptr_t)virt % page_sz;
}

rte_iova_t
rte_mem_virt2iova(const void *virt)
{
	struct eal_memcfg *cfg = eal_mcfg();

	if (virt == NULL || cfg == NULL) {
		rte_errno = virt == NULL ? EINVAL : ENODEV;
		return RTE_BAD_IOVA;
	}
	if (cfg->iova_mode == RTE_IOVA_VA)
		return (uintptr_t)virt;
	return rte_mem_virt2phy(virt);
}

struct iova_query {
	rte_iova_t iova;
	void *virt;
};

static int
find_iova(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms, void *arg)
{
	struct iova_query *q = arg;

	if (ms->iova == RTE_BAD_IOVA || q->iova < ms->iova ||
			q->iova - ms->iova >= ms->len)
		return 0;
	q->virt = RTE_PTR_ADD(ms->addr, q->iova - ms->iova);
	return 1;
}

void *
rte_mem_iova2virt(rte_iova_t iova)
{
	struct iova_query q = { iova, NULL };

	if (eal_mcfg() == NULL) {
		rte_errno = ENODEV;
		return NULL;
	}
	if (iova == RTE_BAD_IOVA || rte_memseg_walk(find_iova, &q) != 1) {
		rte_errno = ENOENT;
		return NULL;
	}
	return q.virt;
}

/* ---- walks ---- */

enum walk_kind { WALK_LIST, WALK_SEG, WALK_RUN };

struct walk {
	enum walk_kind kind;
	rte_memseg_list_walk_t list;
	rte_memseg_walk_t seg;
	rte_memseg_contig_walk_t run;
	void *arg;
};

/* Visit msl's used pages one by one or run by run. */
static int
walk_pages(struct rte_memseg_list *msl, const struct walk *w)
{
	struct rte_fbarray *arr = &msl->memseg_arr;
	struct rte_memseg *ms;
	int idx = 0, n, ret;

	while (arr->count > 0 && (unsigned int)idx < arr->len) {
		idx = rte_fbarray_find_next_used(arr, idx);
		if (idx < 0)
			break;
		ms = rte_fbarray_get(arr, idx);
		n = w->kind == WALK_RUN ?
			rte_fbarray_find_contig_used(arr, idx) : 1;
		ret = w->kind == WALK_RUN ?
			w->run(msl, ms, (size_t)n * msl->page_sz, w->arg) :
			w->seg(msl, ms, w->arg);
		if (ret != 0)
			return ret;
		idx += n;
	}
	return 0;
}

static int
walk_locked(struct eal_memcfg *cfg, const struct walk *w)
{
	struct rte_memseg_list *msl;
	int i, ret;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		msl = &cfg->memsegs[i];
		if (!mem_list_visible(cfg, i))
			continue;
		ret = w->kind == WALK_LIST ? w->list(msl, w->arg) :
			walk_pages(msl, w);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static int
walk(const struct walk *w, bool valid, bool lock)
{
	struct eal_memcfg *cfg = eal_mcfg();
	int saved = rte_errno, ret;

	if (!valid) {
		rte_errno = EINVAL;
		return -1;
	}
	if (cfg == NULL)
		return 0;
	if (lock)
		eal_shared_mutex_lock(&cfg->mem_lock);
	ret = walk_locked(cfg, w);
	if (lock)
		pthread_mutex_unlock(&cfg->mem_lock);
	/* The fbarray searches leave ENOENT behind when a list runs out. */
	if (ret == 0)
		rte_errno = saved;
	return ret;
}

int
rte_memseg_walk(rte_memseg_walk_t func, void *arg)
{
	struct walk w = { .kind = WALK_SEG, .seg = func, .arg = arg };

	return walk(&w, func != NULL, true);
}

int
rte_memseg_walk_thread_unsafe(rte_memseg_walk_t func, void *arg)
{
	struct walk w = { .kind = WALK_SEG, .seg = func, .arg = arg };

	return walk(&w, func != NULL, false);
}

int
rte_memseg_contig_walk(rte_memseg_contig_walk_t func, void *arg)
{
	struct walk w = { .kind = WALK_RUN, .run = func, .arg = arg };

	return walk(&w, func != NULL, true);
}

int
rte_memseg_contig_walk_thread_unsafe(rte_memseg_contig_walk_t func,
		void *arg)
{
	struct walk w = { .kind = WALK_RUN, .run = func, .arg = arg };

	return walk(&w, func != NULL, false);
}

int
rte_memseg_list_walk(rte_memseg_list_walk_t func, void *arg)
{
	struct walk w = { .kind = WALK_LIST, .list = func, .arg = arg };

	return walk(&w, func != NULL, true);
}

int
rte_memseg_list_walk_thread_unsafe(rte_memseg_list_walk_t func, void *arg)
{
	struct walk w = { .kind = WALK_LIST, .list = func, .arg = arg };

	return walk(&w, func != NULL, false);
}

/* ---- descriptors ---- */

/* The list whose page table holds the element ms (its index in *idx). */
static int
locate_seg(struct eal_memcfg *cfg, const struct rte_memseg *ms,
		unsigned int *idx)
{
	const struct rte_fbarray *arr;
	uintptr_t off;
	int i;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		arr = &cfg->memsegs[i].memseg_arr;
		off = (uintptr_t)ms - (uintptr_t)arr->data;
		if (!mem_list_visible(cfg, i) || arr->data == NULL ||
				(uintptr_t)ms < (uintptr_t)arr->data ||
				off >= (uintptr_t)arr->len * arr->elt_sz)
			continue;
		if (off % arr->elt_sz != 0)
			return -EINVAL;
		*idx = (unsigned int)(off / arr->elt_sz);
		return i;
	}
	return -EINVAL;
}

/* ms's descriptor in this process, and its offset. fd or -errno. */
static int
seg_fd_locked(struct eal_memcfg *cfg, const struct rte_memseg *ms,
		size_t *offset)
{
	struct rte_memseg_list *msl;
	unsigned int idx;
	int list, fd;

	list = locate_seg(cfg, ms, &idx);
	if (list < 0)
		return list;
	msl = &cfg->memsegs[list];
	if (rte_fbarray_is_used(&msl->memseg_arr, idx) != 1)
		return -ENOENT;
	if (msl->external)
		return -ENOTSUP;
	if (mem_local[list].mapped == NULL)
		return -ENODEV;
	fd = mem_page_fd(list, idx);
	*offset = mem_backend_of(cfg, list) == MEM_FILE_PER_PAGE ? 0 :
		(size_t)idx * msl->page_sz;
	return fd;
}

static int
seg_fd(const struct rte_memseg *ms, size_t *offset, bool lock)
{
	struct eal_memcfg *cfg = eal_mcfg();
	size_t off;
	int ret;

	if (ms == NULL || cfg == NULL) {
		rte_errno = ms == NULL ? EINVAL : ENODEV;
		return -1;
	}
	if (lock)
		eal_shared_mutex_lock(&cfg->mem_lock);
	ret = seg_fd_locked(cfg, ms, &off);
	if (lock)
		pthread_mutex_unlock(&cfg->mem_lock);
	if (ret < 0) {
		rte_errno = -ret;
		return -1;
	}
	if (offset != NULL)
		*offset = off;
	return ret;
}

int
rte_memseg_get_fd(const struct rte_memseg *ms)
{
	return seg_fd(ms, NULL, true);
}

int
rte_memseg_get_fd_thread_unsafe(const struct rte_memseg *ms)
{
	return seg_fd(ms, NULL, false);
}

int
rte_memseg_get_fd_offset(const struct rte_memseg *ms, size_t *offset)
{
	if (offset == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	return seg_fd(ms, offset, true) < 0 ? -1 : 0;
}

int
rte_memseg_get_fd_offset_thread_unsafe(const struct rte_memseg *ms,
		size_t *offset)
{
	if (offset == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	return seg_fd(ms, offset, false) < 0 ? -1 : 0;
}

/* ---- the rest ---- */

int
rte_mem_lock_page(const void *virt)
{
	size_t page_sz = rte_mem_page_size();

	if (virt == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	if (mlock(RTE_PTR_ALIGN_FLOOR(virt, page_sz), page_sz) < 0) {
		rte_errno = errno;
		return -1;
	}
	return 0;
}

static int
add_list_size(const struct rte_memseg_list *msl, void *arg)
{
	uint64_t *total = arg;

	if (!msl->external)
		*total += (uint64_t)msl->memseg_arr.count * msl->page_sz;
	return 0;
}

uint64_t
rte_eal_get_physmem_size(void)
{
	uint64_t total = 0;

	rte_memseg_list_walk(add_list_size, &total);
	return total;
}

static int
dump_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct eal_memcfg *cfg = eal_mcfg();
	int list = list_idx(cfg, msl);
	int idx = rte_fbarray_find_idx(&msl->memseg_arr, ms);
	size_t off;
	int fd = seg_fd_locked(cfg, ms, &off);

	fprintf(arg, "Segment %d-%d: IOVA:0x%" PRIx64 ", len:%zu, virt:%p, "
		"socket_id:%" PRId32 ", hugepage_sz:%" PRIu64 ", nchannel:%"
		PRIx32 ", nrank:%" PRIx32 " fd:%d\n", list, idx, ms->iova,
		ms->len, ms->addr, ms->socket_id, ms->hugepage_sz,
		ms->nchannel, ms->nrank, fd < 0 ? -1 : fd);
	return 0;
}

void
rte_dump_physmem_layout(FILE *f)
{
	if (f != NULL)
		rte_memseg_walk(dump_seg, f);
}

static int
iova_beyond(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms, void *arg)
{
	const uint64_t *mask = arg;

	if (ms->iova == RTE_BAD_IOVA || !((ms->iova + ms->len - 1) & *mask))
		return 0;
	RTE_LOG(DEBUG, EAL, "page at IOVA 0x%" PRIx64 " (%zu bytes) is beyond DMA mask 0x%" PRIx64 "\n",
		ms->iova, ms->len, ~*mask);
	return 1;
}

static int
check_dma_mask(uint8_t maskbits, bool lock)
{
	uint64_t mask;
	int ret;

	if (maskbits > MAX_DMA_MASK_BITS) {
		RTE_LOG(ERR, EAL, "DMA mask of %u bits: at most %u are supported\n",
			maskbits, MAX_DMA_MASK_BITS);
		rte_errno = EINVAL;
		return -1;
	}
	mask = ~((1ULL << maskbits) - 1);
	ret = lock ? rte_memseg_walk(iova_beyond, &mask) :
		rte_memseg_walk_thread_unsafe(iova_beyond, &mask);
	if (ret != 0)
		return 1;
	rte_mem_set_dma_mask(maskbits);
	return 0;
}

int
rte_mem_check_dma_mask(uint8_t maskbits)
{
	return check_dma_mask(maskbits, true);
}

int
rte_mem_check_dma_mask_thread_unsafe(uint8_t maskbits)
{
	return check_dma_mask(maskbits, false);
}

void
rte_mem_set_dma_mask(uint8_t maskbits)
{
	uint8_t cur = __atomic_load_n(&dma_maskbits, __ATOMIC_RELAXED);

	while ((cur == 0 || maskbits < cur) &&
			!__atomic_compare_exchange_n(&dma_maskbits, &cur, maskbits,
				false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

size_t
rte_mem_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

unsigned int
rte_socket_count(void)
{
	struct eal_memcfg *cfg = eal_mcfg();

	return cfg != NULL ? cfg->n_sockets : 0;
}

int
rte_socket_id_by_idx(unsigned int idx)
{
	struct eal_memcfg *cfg = eal_mcfg();

	if (cfg == NULL || idx >= cfg->n_sockets) {
		rte_errno = EINVAL;
		return -1;
	}
	return cfg->socket_ids[idx];
}
