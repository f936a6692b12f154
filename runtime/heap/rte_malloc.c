/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The public allocation API and the path every allocation takes:
 *
 *   small block (<= 4 KiB, cache-line aligned): this thread's cache;
 *   else, or when the cache is empty: the heap under its lock;
 *   no fit: the caches of the heap are emptied and the heap tried again;
 *   still no fit: the heap grows (pages mapped in every process; from a
 *   secondary through the primary), then the block is cut from them.
 *
 * Freeing takes the same way back: a small block goes to this thread's
 * cache, others into the heap, where whole free pages are given back.
 * Any process may free any block: heaps live in shared memory.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "runtime/heap/heap_internal.h"
#include "runtime/heap/memzone_private.h"
#include "runtime/mem/mem_internal.h"

/* Above this no memory list could hold a block (64 TiB). */
#define MAX_BLOCK (1ULL << 46)

static bool heap_ready;
uint32_t heap_gen;
/* Per heap, the external lists of it this process is attached to. */
static uint32_t ext_here[RTE_MAX_HEAPS];

void
heap_lock(struct malloc_heap *h)
{
	eal_shared_mutex_lock(&h->lock);
}

void
heap_unlock(struct malloc_heap *h)
{
	pthread_mutex_unlock(&h->lock);
}

bool
heap_usable_here(const struct malloc_heap *h)
{
	return __atomic_load_n(&h->n_ext_lists, __ATOMIC_RELAXED) ==
		ext_here[heap_idx(h)];
}

bool
heap_lock_here(struct malloc_heap *h)
{
	heap_lock(h);
	if (likely(h->n_ext_lists == ext_here[heap_idx(h)]))
		return true;
	heap_unlock(h);
	return false;
}

void
heap_ext_here(unsigned int idx, int d)
{
	ext_here[idx] += (uint32_t)d;
	/* Threads forget the list they last freed into: it may be gone. */
	if (d < 0)
		__atomic_add_fetch(&heap_gen, 1, __ATOMIC_RELEASE);
}

static void
log_not_here(const struct malloc_heap *h)
{
	RTE_LOG(ERR, EAL, "heap %s: this process is not attached to all of its memory; call rte_malloc_heap_memory_attach() for each area added to it first\n",
		h->name);
}

void
heap_count_live(struct malloc_heap *h, int64_t d)
{
	__atomic_add_fetch(&h->live, d, __ATOMIC_RELAXED);
}

struct malloc_heap *
heap_of_socket(int socket)
{
	unsigned int i;

	for (i = 0; i < RTE_MAX_HEAPS; i++) {
		struct malloc_heap *h = heap_at(i);

		if (h->in_use && h->socket_id == socket)
			return h;
	}
	return NULL;
}

/* ---- set-up ---- */

static int
make_socket_heaps(struct eal_memcfg *cfg)
{
	unsigned int s;
	int ret;

	for (s = 0; s < cfg->n_sockets; s++) {
		struct malloc_heap *h = &cfg->heap.heaps[s];

		ret = eal_shared_mutex_init(&h->lock, false);
		if (ret < 0)
			return ret;
		h->socket_id = cfg->socket_ids[s];
		h->idx = s;
		snprintf(h->name, sizeof(h->name), "socket_%d", h->socket_id);
		h->in_use = 1;
	}
	return 0;
}

int
heap_init_primary(struct eal_memcfg *cfg)
{
	int ret;

	heap_cache_init_process();
	cfg->heap.next_ext_socket = HEAP_EXT_SOCKET_BASE;
	ret = make_socket_heaps(cfg);
	if (ret == 0)
		ret = heap_add_startup_memory();
	if (ret < 0) {
		RTE_LOG(ERR, EAL, "cannot set up the heaps: %s\n",
			strerror(-ret));
		return ret;
	}
	ret = memzone_table_create(cfg);
	heap_ready = ret == 0;
	heap_gen++;
	return ret;
}

int
heap_init_secondary(struct eal_memcfg *cfg)
{
	int ret;

	heap_cache_init_process();
	ret = memzone_table_attach(cfg);
	heap_ready = ret == 0;
	heap_gen++;
	return ret;
}

void
heap_cleanup(struct eal_memcfg *cfg, bool destroy)
{
	/* Leaving the group detaches this process from every area. */
	memset(ext_here, 0, sizeof(ext_here));
	if (!heap_ready)
		return;
	heap_cache_release_process();
	memzone_table_release(cfg, destroy);
	heap_ready = false;
}

/* ---- allocation ---- */

static bool
cacheable(const struct heap_req *r)
{
	return heap_elem_size(r->size) <= HEAP_CACHE_MAX_ELEM &&
		r->align <= ELEM_HDR && r->bound == 0 && !r->contig &&
		!r->memzone && r->page_sz == 0;
}

static struct malloc_elem *
try_locked(struct malloc_heap *h, const struct heap_req *r)
{
	struct malloc_elem *e;

	heap_lock(h);
	e = heap_alloc_locked(h, r);
	heap_unlock(h);
	if (e != NULL)
		heap_count_live(h, 1);
	return e;
}

/* A named heap has no cache and never grows. */
static void *
alloc_named(struct malloc_heap *h, const struct heap_req *r, int *err)
{
	struct malloc_elem *e;

	if (!heap_lock_here(h)) {
		log_not_here(h);
		*err = -EPERM;
		return NULL;
	}
	e = heap_alloc_locked(h, r);
	heap_unlock(h);
	if (e == NULL)
		return NULL;
	heap_count_live(h, 1);
	return elem_data(e);
}

/* Locked path, then emptied caches, then growth. */
static void *
alloc_from(struct malloc_heap *h, const struct heap_req *r, int *err)
{
	struct malloc_elem *e;
	int tries;

	if (heap_is_named(h))
		return alloc_named(h, r, err);
	e = try_locked(h, r);
	if (e == NULL) {
		heap_cache_drain(h, false);
		e = try_locked(h, r);
	}
	/* Another thread may take the new pages first: try a few times. */
	for (tries = 0; e == NULL && tries < 3; tries++) {
		*err = heap_grow(h, r);
		if (*err < 0)
			return NULL;
		e = try_locked(h, r);
	}
	if (e == NULL)
		*err = -ENOMEM;
	return e != NULL ? elem_data(e) : NULL;
}

static void *
alloc_on(struct malloc_heap *h, const struct heap_req *r, int *err)
{
	struct heap_req any;
	void *p;

	if (cacheable(r) && !heap_is_named(h)) {
		p = heap_cache_alloc(h, r->size);
		if (p != NULL)
			return p;
	}
	p = alloc_from(h, r, err);
	if (p != NULL || r->page_sz == 0 || !r->page_sz_hint)
		return p;
	any = *r;
	any.page_sz = 0;
	return alloc_from(h, &any, err);
}

/* The heap to try first for SOCKET_ID_ANY: the caller's socket's (a
 * thread's socket does not change; heap_gen tells a new rte_eal_init). */
static struct malloc_heap *
home_heap(void)
{
	static __thread struct malloc_heap *home TLS_FAST;
	static __thread uint32_t home_gen TLS_FAST;
	struct malloc_heap *h;

	if (likely(home_gen == heap_gen))
		return home;
	h = heap_of_socket((int)rte_socket_id());
	home = h != NULL ? h : heap_of_socket(eal_mcfg()->socket_ids[0]);
	home_gen = heap_gen;
	return home;
}

void *
heap_alloc(int socket, const struct heap_req *req, int *err)
{
	struct malloc_heap *h, *home;
	unsigned int i;
	void *p;

	*err = -ENOMEM;
	if (!heap_ready) {
		*err = -ENOTSUP;
		return NULL;
	}
	if (socket != SOCKET_ID_ANY) {
		h = heap_of_socket(socket);
		if (h == NULL)
			*err = -EINVAL;
		return h != NULL ? alloc_on(h, req, err) : NULL;
	}
	home = home_heap();
	p = home != NULL ? alloc_on(home, req, err) : NULL;
	for (i = 0; p == NULL && i < eal_mcfg()->n_sockets; i++) {
		h = heap_of_socket(eal_mcfg()->socket_ids[i]);
		if (h != NULL && h != home)
			p = alloc_on(h, req, err);
	}
	return p;
}

int
heap_free(void *ptr, bool memzone)
{
	struct malloc_elem *e = heap_ready ? heap_busy_elem(ptr) : NULL;
	struct heap_pages pages;
	struct malloc_heap *h;
	bool took;

	if (e == NULL) {
		RTE_LOG(ERR, EAL, "free of %p refused: not a live block of any heap (freed already, never allocated, or not its first byte)\n",
			ptr);
		return -EINVAL;
	}
	if (!!(e->flags & ELEM_F_MEMZONE) != memzone) {
		RTE_LOG(ERR, EAL, "free of %p refused: %s\n", ptr, memzone ?
			"not a memzone's block" :
			"it is a memzone's block: use rte_memzone_free()");
		return -EINVAL;
	}
	h = heap_at(e->heap_idx);
	if (heap_cache_free(h, e))
		return 0;
	if (!heap_lock_here(h)) {
		log_not_here(h);
		return -EPERM;
	}
	heap_cache_uncount(h, e);
	e = heap_free_locked(h, e);
	/* A named heap's pages are its users': none ever goes back. */
	took = !heap_is_named(h) &&
		heap_take_pages_locked(h, e, HEAP_GROW_MIN, &pages);
	heap_unlock(h);
	if (took)
		heap_release_pages(h, &pages);
	heap_maybe_trim(h);
	return 0;
}

/* External memory has the IOVAs its user gave, in either mode. */
static rte_iova_t
iova_of(const void *addr, const struct rte_memseg_list *msl)
{
	const struct rte_memseg *ms;

	if (eal_mcfg()->iova_mode == RTE_IOVA_VA && !msl->external)
		return (uintptr_t)addr;
	ms = rte_mem_virt2memseg(addr, msl);
	if (ms == NULL || ms->iova == RTE_BAD_IOVA)
		return RTE_BAD_IOVA;
	return ms->iova + RTE_PTR_DIFF(addr, ms->addr);
}

int
heap_block_info(const void *ptr, struct heap_block *out)
{
	struct malloc_elem *e = heap_ready ? heap_busy_elem(ptr) : NULL;
	struct rte_memseg_list *msl;

	if (e == NULL)
		return -EINVAL;
	msl = mem_list_of(e);
	out->size = e->size - ELEM_HDR;
	out->socket = heap_at(e->heap_idx)->socket_id;
	out->page_sz = msl != NULL ? msl->page_sz : 0;
	out->iova = msl != NULL ? iova_of(ptr, msl) : RTE_BAD_IOVA;
	return 0;
}

size_t
heap_biggest_free(int socket, const struct heap_req *req)
{
	size_t best = 0, got;
	unsigned int i;

	if (!heap_ready)
		return 0;
	for (i = 0; i < RTE_MAX_HEAPS; i++) {
		struct malloc_heap *h = heap_at(i);

		if (!h->in_use || (socket != SOCKET_ID_ANY &&
				h->socket_id != socket) || !heap_lock_here(h))
			continue;
		got = heap_biggest_locked(h, req);
		heap_unlock(h);
		best = RTE_MAX(best, got);
	}
	return best;
}

/* ---- the public API ---- */

/* 0, or the errno of a bad request. */
static int
make_req(size_t size, unsigned int align, struct heap_req *r)
{
	if (!heap_ready)
		return ENOTSUP;
	if (size == 0 || (align != 0 && !rte_is_power_of_2(align)))
		return EINVAL;
	if (size > MAX_BLOCK)
		return ENOMEM;
	memset(r, 0, sizeof(*r));
	r->size = size;
	r->align = RTE_MAX((size_t)align, (size_t)RTE_CACHE_LINE_SIZE);
	return 0;
}

void *
rte_malloc_socket(const char *type, size_t size, unsigned int align,
		int socket)
{
	struct heap_req r;
	int err;
	void *p;

	(void)type;
	/* The common case straight to this thread's cache. */
	if (likely(heap_ready && socket == SOCKET_ID_ANY && align <= ELEM_HDR &&
			size - 1 < HEAP_CACHE_MAX_ELEM - ELEM_HDR &&
			(align & (align - 1)) == 0)) {
		p = heap_cache_alloc(home_heap(), size);
		if (p != NULL)
			return p;
	}
	err = make_req(size, align, &r);
	if (err != 0) {
		rte_errno = err;
		return NULL;
	}
	p = heap_alloc(socket, &r, &err);
	if (p == NULL)
		rte_errno = -err;
	return p;
}

void *
rte_malloc(const char *type, size_t size, unsigned int align)
{
	return rte_malloc_socket(type, size, align, SOCKET_ID_ANY);
}

void *
rte_zmalloc_socket(const char *type, size_t size, unsigned int align,
		int socket)
{
	void *p = rte_malloc_socket(type, size, align, socket);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void *
rte_zmalloc(const char *type, size_t size, unsigned int align)
{
	return rte_zmalloc_socket(type, size, align, SOCKET_ID_ANY);
}

void *
rte_calloc_socket(const char *type, size_t num, size_t size,
		unsigned int align, int socket)
{
	size_t total;

	if (heap_ready && __builtin_mul_overflow(num, size, &total)) {
		rte_errno = EINVAL;
		return NULL;
	}
	return rte_zmalloc_socket(type, num * size, align, socket);
}

void *
rte_calloc(const char *type, size_t num, size_t size, unsigned int align)
{
	return rte_calloc_socket(type, num, size, align, SOCKET_ID_ANY);
}

/* Resize in place when the block may stay where it is. */
static bool
resized_in_place(struct malloc_elem *e, size_t size, size_t align,
		int socket)
{
	struct malloc_heap *h = heap_at(e->heap_idx);
	int ret;

	if ((socket != SOCKET_ID_ANY && h->socket_id != socket) ||
			!rte_is_aligned(elem_data(e), (unsigned int)align))
		return false;
	if (!heap_lock_here(h))
		return false;
	ret = heap_resize_locked(h, e, size);
	heap_unlock(h);
	return ret == 0;
}

void *
rte_realloc_socket(void *ptr, size_t size, unsigned int align, int socket)
{
	struct malloc_elem *e;
	struct heap_req r;
	void *p;
	int err;

	if (ptr == NULL)
		return rte_malloc_socket(NULL, size, align, socket);
	err = make_req(size, align, &r);
	e = err == 0 ? heap_busy_elem(ptr) : NULL;
	if (err == 0 && (e == NULL || (e->flags & ELEM_F_MEMZONE)))
		err = EINVAL;
	/* The old block must be freeable here before anything moves. */
	if (err == 0 && !heap_usable_here(heap_at(e->heap_idx)))
		err = EPERM;
	if (err != 0) {
		rte_errno = err;
		return NULL;
	}
	if (resized_in_place(e, size, r.align, socket))
		return ptr;
	p = rte_malloc_socket(NULL, size, align, socket);
	if (p == NULL)
		return NULL;
	memcpy(p, ptr, RTE_MIN(size, (size_t)(e->size - ELEM_HDR)));
	rte_free(ptr);
	return p;
}

void *
rte_realloc(void *ptr, size_t size, unsigned int align)
{
	return rte_realloc_socket(ptr, size, align, SOCKET_ID_ANY);
}

void
rte_free(void *ptr)
{
	int ret;

	if (ptr == NULL)
		return;
	if (!heap_ready) {
		rte_errno = ENOTSUP;
		return;
	}
	ret = heap_free(ptr, false);
	if (ret < 0)
		rte_errno = -ret;
}

int
rte_malloc_validate(const void *ptr, size_t *size)
{
	struct heap_block b;

	if (!heap_ready) {
		rte_errno = ENOTSUP;
		return -1;
	}
	if (heap_block_info(ptr, &b) < 0) {
		rte_errno = EINVAL;
		return -1;
	}
	if (size != NULL)
		*size = b.size;
	return 0;
}

rte_iova_t
rte_malloc_virt2iova(const void *addr)
{
	struct heap_block b;

	if (!heap_ready) {
		rte_errno = ENOTSUP;
		return RTE_BAD_IOVA;
	}
	if (heap_block_info(addr, &b) < 0 || b.iova == RTE_BAD_IOVA) {
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	return b.iova;
}

bool
heap_is_ready(void)
{
	return heap_ready;
}
