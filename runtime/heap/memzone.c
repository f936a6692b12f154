/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Memzones: named blocks of a heap, recorded in one table every process of
 * the group maps at the same address (an fbarray of struct mz_entry in the
 * runtime directory, created by the primary after the memseg lists).
 *
 * The table is also its own name index: entry i holds the head of hash
 * bucket i and each entry the next link of its bucket's chain, so a lookup
 * hashes the name and follows a chain of about one entry, whatever the
 * number of zones. An entry is a memzone exactly when its fbarray bit is
 * used; links hold 1 + an index so that a freshly zeroed table is empty.
 *
 * Everything runs under the table's robust lock (cfg->heap.mz.lock), which
 * is taken before any heap lock: reserve and free hold it across
 * heap_alloc()/heap_free(), so a name is never given twice. Memory event
 * callbacks run under the memory lock, which heap growth takes after this
 * one, so they must not call memzone functions. The used bits are the
 * truth: a process that dies holding the lock leaves at worst a stale
 * chain or count, which the next holder rebuilds from them, or a block
 * allocated for a zone never published (it leaks, nothing dangles).
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memzone.h>

#include "fbarray/fbarray_private.h"
#include "runtime/eal/eal_private.h"
#include "runtime/heap/heap_private.h"
#include "runtime/heap/memzone_private.h"

#define MZ_MAX_LIMIT 1048576U
#define NIL 0U                  /* the end of a chain, an empty bucket */

#define MZ_PAGE_FLAGS (RTE_MEMZONE_2MB | RTE_MEMZONE_1GB | \
		RTE_MEMZONE_16MB | RTE_MEMZONE_16GB | RTE_MEMZONE_256KB | \
		RTE_MEMZONE_256MB | RTE_MEMZONE_512MB | RTE_MEMZONE_4GB)
#define MZ_KNOWN_FLAGS (MZ_PAGE_FLAGS | RTE_MEMZONE_SIZE_HINT_ONLY | \
		RTE_MEMZONE_IOVA_CONTIG)

struct mz_entry {
	struct rte_memzone mz;  /* first: a zone's pointer is its entry's */
	uint32_t head;          /* bucket <this index>: 1 + its first entry */
	uint32_t next;          /* 1 + the next entry of this one's bucket */
};

/* Page sizes in the order they are tried when several flags are given. */
static const struct {
	unsigned int flag;
	uint64_t page_sz;
} page_flags[] = {
	{ RTE_MEMZONE_2MB, RTE_PGSIZE_2M },
	{ RTE_MEMZONE_1GB, RTE_PGSIZE_1G },
	{ RTE_MEMZONE_16MB, RTE_PGSIZE_16M },
	{ RTE_MEMZONE_16GB, RTE_PGSIZE_16G },
	{ RTE_MEMZONE_256KB, RTE_PGSIZE_256K },
	{ RTE_MEMZONE_256MB, RTE_PGSIZE_256M },
	{ RTE_MEMZONE_512MB, RTE_PGSIZE_512M },
	{ RTE_MEMZONE_4GB, RTE_PGSIZE_4G },
};

/* Entries of the table the next primary creates (rte_memzone_max_set). */
static size_t max_next = RTE_MAX_MEMZONE;
/* The table this process maps; NULL outside rte_eal_init..cleanup. */
static struct memzone_shared *mzt;

/* ---- the table and its index ---- */

static struct mz_entry *
entry(const struct memzone_shared *t, uint32_t idx)
{
	return (struct mz_entry *)t->table.data + idx;
}

static uint64_t
mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

/* The name's n bytes hashed 8 at a time (the tail gathered in a register:
 * it may end a user's buffer), mixed by murmur3's finaliser so that names
 * differing in one digit spread, then scaled onto the buckets.
 */
static uint32_t
bucket_of(const struct memzone_shared *t, const char *name, size_t n)
{
	uint64_t h = n, w = 0;
	size_t i;

	for (i = 0; i + sizeof(w) <= n; i += sizeof(w)) {
		memcpy(&w, name + i, sizeof(w));
		h = mix(h, w);
	}
	for (w = 0; i < n; i++)
		w |= (uint64_t)(unsigned char)name[i] << (8 * (i % 8));
	h = mix(h, w);
	h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdULL;
	h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	/* (h mod 2^32) * max / 2^32: onto [0, max) without a division. */
	return (uint32_t)(((h & UINT32_MAX) * t->max) >> 32);
}

/* 1 + the index of the zone named name (n bytes, bucket b), or NIL. */
static uint32_t
find_locked(const struct memzone_shared *t, const char *name, size_t n,
		uint32_t b)
{
	uint32_t l;

	for (l = entry(t, b)->head; l != NIL; l = entry(t, l - 1)->next) {
		const char *s = entry(t, l - 1)->mz.name;

		if (memcmp(s, name, n) == 0 && s[n] == '\0')
			return l;
	}
	return NIL;
}

static void
link_locked(struct memzone_shared *t, uint32_t idx)
{
	const char *name = entry(t, idx)->mz.name;
	struct mz_entry *head = entry(t, bucket_of(t, name,
			strnlen(name, RTE_MEMZONE_NAMESIZE)));

	entry(t, idx)->next = head->head;
	head->head = idx + 1;
}

static void
unlink_locked(struct memzone_shared *t, uint32_t idx)
{
	const char *name = entry(t, idx)->mz.name;
	uint32_t *l = &entry(t, bucket_of(t, name,
			strnlen(name, RTE_MEMZONE_NAMESIZE)))->head;

	while (*l != idx + 1)
		l = &entry(t, *l - 1)->next;
	*l = entry(t, idx)->next;
}

/* Make entry idx a zone others can find, or take it back. */
static void
publish_locked(struct memzone_shared *t, uint32_t idx)
{
	link_locked(t, idx);
	rte_fbarray_set_used(&t->table, idx);
	t->count++;
}

static void
withdraw_locked(struct memzone_shared *t, uint32_t idx)
{
	unlink_locked(t, idx);
	rte_fbarray_set_free(&t->table, idx);
	t->count--;
}

/* The first zone at or after idx, or -1. */
static int
next_zone(struct memzone_shared *t, uint32_t idx)
{
	return idx < t->max ? rte_fbarray_find_next_used(&t->table, idx) : -1;
}

/* After a holder died: chains and count again from the used bits. */
static void
rebuild_locked(struct memzone_shared *t)
{
	uint32_t i;
	int idx;

	for (i = 0; i < t->max; i++)
		entry(t, i)->head = NIL;
	t->count = 0;
	for (idx = next_zone(t, 0); idx >= 0; idx = next_zone(t, idx + 1)) {
		link_locked(t, (uint32_t)idx);
		t->count++;
	}
	RTE_LOG(WARNING, EAL, "memzone table rebuilt: %u memzones\n",
		t->count);
}

static struct memzone_shared *
lock_table(void)
{
	if (eal_shared_mutex_lock(&mzt->lock) == 1)
		rebuild_locked(mzt);
	return mzt;
}

/* ---- life of the table ---- */

int
memzone_table_create(struct eal_memcfg *cfg)
{
	struct memzone_shared *t = &cfg->heap.mz;
	int ret;

	/* Recursive: a walk's callback may look zones up. */
	ret = eal_shared_mutex_init(&t->lock, true);
	if (ret < 0) {
		RTE_LOG(ERR, EAL, "cannot set up the memzone lock: %s\n",
			strerror(-ret));
		return ret;
	}
	if (fbarray_init_at(&t->table, "memzone", (unsigned int)max_next,
			sizeof(struct mz_entry),
			(void *)(uintptr_t)cfg->va_end) < 0) {
		RTE_LOG(ERR, EAL, "cannot create the memzone table (%zu entries) at %#" PRIx64 ": %s\n",
			max_next, cfg->va_end, rte_strerror(rte_errno));
		return -rte_errno;
	}
	cfg->va_end += fbarray_map_len((unsigned int)max_next,
			sizeof(struct mz_entry));
	t->max = (uint32_t)max_next;
	t->count = 0;
	mzt = t;
	return 0;
}

int
memzone_table_attach(struct eal_memcfg *cfg)
{
	if (rte_fbarray_attach(&cfg->heap.mz.table) < 0) {
		RTE_LOG(ERR, EAL, "cannot map the memzone table: %s\n",
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	mzt = &cfg->heap.mz;
	return 0;
}

void
memzone_table_release(struct eal_memcfg *cfg, bool destroy)
{
	int saved = rte_errno;

	mzt = NULL;
	if (destroy)
		rte_fbarray_destroy(&cfg->heap.mz.table);
	else
		rte_fbarray_detach(&cfg->heap.mz.table);
	rte_errno = saved;
}

int
rte_memzone_max_set(size_t max)
{
	if (max == 0 || max > MZ_MAX_LIMIT) {
		rte_errno = EINVAL;
		return -1;
	}
	if (eal_mcfg() != NULL) {
		rte_errno = EBUSY;
		return -1;
	}
	max_next = max;
	return 0;
}

size_t
rte_memzone_max_get(void)
{
	struct memzone_shared *t = mzt;

	return t != NULL ? t->max : max_next;
}

/* ---- reserve ---- */

/* The request for a zone, or -errno for a bad argument. */
static int
check_args(const char *name, size_t len, unsigned int flags,
		unsigned int align, unsigned int bound, struct heap_req *req)
{
	if (name == NULL || name[0] == '\0')
		return -EINVAL;
	if (strnlen(name, RTE_MEMZONE_NAMESIZE) == RTE_MEMZONE_NAMESIZE)
		return -ENAMETOOLONG;
	if ((flags & ~MZ_KNOWN_FLAGS) != 0 || (align & (align - 1)) != 0)
		return -EINVAL;
	/* No heap has that much; also keeps the rounding from wrapping. */
	if (len > SIZE_MAX / 2)
		return -ENOMEM;
	len = RTE_ALIGN_CEIL(len, RTE_CACHE_LINE_SIZE);
	if (bound != 0 && (!RTE_IS_POWER_OF_2(bound) || bound < len))
		return -EINVAL;
	*req = (struct heap_req){
		.size = len,
		.align = RTE_MAX(align, (unsigned int)RTE_CACHE_LINE_SIZE),
		.bound = bound,
		.contig = (flags & RTE_MEMZONE_IOVA_CONTIG) != 0,
		.memzone = true,
	};
	return 0;
}

/* Whether socket has a heap (heap_biggest_free() cannot say). */
static bool
socket_has_heap(int socket)
{
	const struct malloc_heap *h = eal_mcfg()->heap.heaps;
	unsigned int i;

	for (i = 0; i < RTE_MAX_HEAPS; i++) {
		if (h[i].in_use && h[i].socket_id == socket)
			return true;
	}
	return false;
}

/* One try with req's page size; biggest: the size is the biggest block. */
static void *
try_alloc(int socket, bool biggest, struct heap_req *req, int *err)
{
	if (biggest) {
		req->size = heap_biggest_free(socket, req);
		if (req->size == 0) {
			*err = socket == SOCKET_ID_ANY ||
				socket_has_heap(socket) ? -ENOMEM : -EINVAL;
			return NULL;
		}
	}
	return heap_alloc(socket, req, err);
}

/*
 * The block of a zone: each page size of flags in turn, the last one only
 * a preference when flags say RTE_MEMZONE_SIZE_HINT_ONLY; any page size
 * when flags name none. NULL with *err = -ENOMEM or -EINVAL.
 */
static void *
alloc_block(int socket, unsigned int flags, struct heap_req *req, int *err)
{
	unsigned int left = flags & MZ_PAGE_FLAGS, i;
	bool biggest = req->size == 0;
	void *p;

	for (i = 0; left != 0; i++) {
		if ((left & page_flags[i].flag) == 0)
			continue;
		left &= ~page_flags[i].flag;
		req->page_sz = page_flags[i].page_sz;
		req->page_sz_hint = left == 0 &&
			(flags & RTE_MEMZONE_SIZE_HINT_ONLY) != 0;
		p = try_alloc(socket, biggest, req, err);
		if (p != NULL || *err != -ENOMEM || left == 0)
			return p;
	}
	return try_alloc(socket, biggest, req, err);
}

static int
fill_entry(struct mz_entry *e, const char *name, unsigned int flags,
		size_t len, void *addr)
{
	struct heap_block info;
	int ret = heap_block_info(addr, &info);

	if (ret < 0)
		return ret;
	memset(&e->mz, 0, sizeof(e->mz));
	memcpy(e->mz.name, name, strlen(name));
	e->mz.iova = info.iova;
	e->mz.addr = addr;
	e->mz.len = len != 0 ? len : info.size;
	e->mz.hugepage_sz = info.page_sz;
	e->mz.socket_id = info.socket;
	e->mz.flags = flags;
	return 0;
}

static int
reserve_locked(struct memzone_shared *t, const char *name, int socket,
		unsigned int flags, struct heap_req *req,
		const struct rte_memzone **out)
{
	size_t n = strlen(name), len = req->size;
	void *addr;
	int idx, ret;

	if (find_locked(t, name, n, bucket_of(t, name, n)) != NIL)
		return -EEXIST;
	idx = rte_fbarray_find_next_free(&t->table, 0);
	if (idx < 0) {
		RTE_LOG(ERR, EAL, "cannot reserve memzone %s: the group already holds its maximum of %u memzones; free some, or call rte_memzone_max_set() with a larger number before rte_eal_init() of the primary\n",
			name, t->max);
		return -ENOSPC;
	}
	addr = alloc_block(socket, flags, req, &ret);
	if (addr == NULL)
		return ret;
	ret = fill_entry(entry(t, (uint32_t)idx), name, flags, len, addr);
	if (ret < 0) {
		heap_free(addr, true);
		return ret;
	}
	publish_locked(t, (uint32_t)idx);
	*out = &entry(t, (uint32_t)idx)->mz;
	return 0;
}

static const struct rte_memzone *
reserve(const char *name, size_t len, int socket, unsigned int flags,
		unsigned int align, unsigned int bound)
{
	const struct rte_memzone *mz = NULL;
	struct memzone_shared *t;
	struct heap_req req;
	int ret;

	ret = check_args(name, len, flags, align, bound, &req);
	if (ret == 0 && mzt == NULL)
		ret = -ENOTSUP;
	if (ret < 0)
		goto out_err;
	t = lock_table();
	ret = reserve_locked(t, name, socket, flags, &req, &mz);
	pthread_mutex_unlock(&t->lock);
	if (ret < 0)
		goto out_err;
	return mz;
out_err:
	rte_errno = -ret;
	return NULL;
}

const struct rte_memzone *
rte_memzone_reserve(const char *name, size_t len, int socket_id,
		unsigned int flags)
{
	return reserve(name, len, socket_id, flags, RTE_CACHE_LINE_SIZE, 0);
}

const struct rte_memzone *
rte_memzone_reserve_aligned(const char *name, size_t len, int socket_id,
		unsigned int flags, unsigned int align)
{
	return reserve(name, len, socket_id, flags, align, 0);
}

const struct rte_memzone *
rte_memzone_reserve_bounded(const char *name, size_t len, int socket_id,
		unsigned int flags, unsigned int align, unsigned int bound)
{
	return reserve(name, len, socket_id, flags, align, bound);
}

/* ---- free, lookup, walk ---- */

/* The index of the entry mz points at, or -EINVAL. */
static int
index_of(const struct memzone_shared *t, const struct rte_memzone *mz)
{
	uintptr_t off = (uintptr_t)mz - (uintptr_t)t->table.data;

	if ((uintptr_t)mz < (uintptr_t)t->table.data ||
			off % sizeof(struct mz_entry) != 0 ||
			off / sizeof(struct mz_entry) >= t->max)
		return -EINVAL;
	return (int)(off / sizeof(struct mz_entry));
}

static int
free_locked(struct memzone_shared *t, const struct rte_memzone *mz)
{
	int idx = index_of(t, mz), ret;

	if (idx < 0 || rte_fbarray_is_used(&t->table, (unsigned int)idx) != 1)
		return -EINVAL;
	/* Withdrawn first: a death in between leaks the block rather than
	 * leaving a zone whose memory is gone.
	 */
	withdraw_locked(t, (uint32_t)idx);
	ret = heap_free(mz->addr, true);
	if (ret < 0)
		publish_locked(t, (uint32_t)idx);
	return ret;
}

int
rte_memzone_free(const struct rte_memzone *mz)
{
	struct memzone_shared *t;
	int ret = -EINVAL;

	if (mz == NULL || mzt == NULL)
		goto out_err;
	t = lock_table();
	ret = free_locked(t, mz);
	pthread_mutex_unlock(&t->lock);
	if (ret < 0)
		goto out_err;
	return 0;
out_err:
	rte_errno = -ret;
	return ret;
}

const struct rte_memzone *
rte_memzone_lookup(const char *name)
{
	struct memzone_shared *t = mzt;
	uint32_t b, l;
	size_t n;

	if (name == NULL || t == NULL) {
		rte_errno = name == NULL ? EINVAL : ENOTSUP;
		return NULL;
	}
	n = strnlen(name, RTE_MEMZONE_NAMESIZE);
	if (n == RTE_MEMZONE_NAMESIZE) {
		rte_errno = ENOENT;
		return NULL;
	}
	b = bucket_of(t, name, n);
	lock_table();
	l = find_locked(t, name, n, b);
	pthread_mutex_unlock(&t->lock);
	if (l == NIL) {
		rte_errno = ENOENT;
		return NULL;
	}
	return &entry(t, l - 1)->mz;
}

/* Call fn on every zone, in table order, under the lock. */
static void
walk(void (*fn)(const struct rte_memzone *, void *), void *arg)
{
	struct memzone_shared *t = lock_table();
	int idx;

	for (idx = next_zone(t, 0); idx >= 0; idx = next_zone(t, idx + 1))
		fn(&entry(t, (uint32_t)idx)->mz, arg);
	pthread_mutex_unlock(&t->lock);
}

void
rte_memzone_walk(void (*func)(const struct rte_memzone *, void *arg),
		void *arg)
{
	if (func == NULL) {
		rte_errno = EINVAL;
		return;
	}
	if (mzt != NULL)
		walk(func, arg);
}

struct dump_ctx {
	FILE *f;
	unsigned int n;
};

static void
dump_one(const struct rte_memzone *mz, void *arg)
{
	struct dump_ctx *d = arg;

	fprintf(d->f, "Zone %u: name:<%s>, len:0x%zx, virt:%p, iova:0x%" PRIx64
		", socket_id:%" PRId32 ", hugepage_sz:%" PRIu64 ", flags:%#" PRIx32 "\n",
		d->n++, mz->name, mz->len, mz->addr, mz->iova, mz->socket_id,
		mz->hugepage_sz, mz->flags);
}

void
rte_memzone_dump(FILE *f)
{
	if (f == NULL) {
		rte_errno = EINVAL;
		return;
	}
	if (mzt != NULL)
		walk(dump_one, &(struct dump_ctx){ f, 0 });
}
