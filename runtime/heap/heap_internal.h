/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Between the files of the heap module:
 *   malloc_heap.c   free lists and the locked operations on elements
 *   malloc_region.c regions: start-up memory, growth and shrink
 *   malloc_cache.c  per-thread caches of small blocks
 *   malloc_check.c  the structure checker, stats and dumps
 *   rte_malloc.c    heap_alloc/heap_free and the public rte_malloc API
 *
 * Lock order: memzone lock, then a heap's lock, then a cache slot's lock.
 * No heap lock is held while pages are mapped or released (mem_*_pages
 * takes the memory lock, which comes before the heap locks).
 */

#ifndef MEMPLANE_HEAP_INTERNAL_H
#define MEMPLANE_HEAP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/eal/eal_private.h"
#include "runtime/heap/heap_private.h"
#include "runtime/heap/malloc_elem.h"

static inline struct heap_shared *
heap_shared(void)
{
	return &eal_mcfg()->heap;
}

static inline struct malloc_heap *
heap_at(unsigned int idx)
{
	return &heap_shared()->heaps[idx];
}

static inline unsigned int
heap_idx(const struct malloc_heap *h)
{
	return h->idx;
}

/* Thread-locals of the fast path: initial-exec, so that reaching them
 * never calls into the dynamic linker. */
#define TLS_FAST __attribute__((tls_model("initial-exec")))

/* Bumped at each set-up, so that threads drop what they cached about the
 * previous group (lists and heaps may sit at the same addresses). */
extern uint32_t heap_gen;

/* True between heap_init_* and heap_cleanup in this process. */
bool heap_is_ready(void);

void heap_lock(struct malloc_heap *h);
void heap_unlock(struct malloc_heap *h);
/*
 * Lock h if this process may touch its elements, else return false
 * unlocked. A named heap's elements live in the memory users added, whose
 * page tables a process must have attached (all of them: free lists run
 * through every list of the heap) before it reads or writes them.
 */
bool heap_lock_here(struct malloc_heap *h);
/* The same test without the lock (a hint: memory may come and go). */
bool heap_usable_here(const struct malloc_heap *h);

static inline bool
heap_is_named(const struct malloc_heap *h)
{
	return h->socket_id >= HEAP_EXT_SOCKET_BASE;
}

/* The heap of socket, or NULL. */
struct malloc_heap *heap_of_socket(int socket);
/* Count blocks handed to users by the locked path (d = +1 or -1). */
void heap_count_live(struct malloc_heap *h, int64_t d);

/* malloc_heap.c */

/* Bytes of the element a block of size bytes needs. */
static inline size_t
heap_elem_size(size_t size)
{
	return RTE_ALIGN_CEIL(RTE_MAX(size, (size_t)ELEM_MIN - ELEM_HDR),
			(size_t)ELEM_HDR) + ELEM_HDR;
}
/* A BUSY element for r, or NULL when no free element fits. */
struct malloc_elem *heap_alloc_locked(struct malloc_heap *h,
		const struct heap_req *r);
/* Free a BUSY or CACHED element; returns the merged FREE element. */
struct malloc_elem *heap_free_locked(struct malloc_heap *h,
		struct malloc_elem *e);
/* Grow or shrink BUSY e in place to hold size bytes. 0 or -ENOMEM. */
int heap_resize_locked(struct malloc_heap *h, struct malloc_elem *e,
		size_t size);
/* Make [at, at + size) a FREE element after prev and list it (the header
 * after it must exist: its back link is set). */
struct malloc_elem *heap_make_free(struct malloc_heap *h, uintptr_t at,
		size_t size, struct malloc_elem *prev);
/* Put FREE e (not in a list) into its free list. */
void heap_list_insert(struct malloc_heap *h, struct malloc_elem *e);
void heap_list_remove(struct malloc_heap *h, struct malloc_elem *e);
/* The free list class of an element size. */
void heap_class_of(size_t sz, unsigned int *fl, unsigned int *sl);
/* The biggest block a FREE element could give for r (r->size ignored). */
size_t heap_biggest_locked(struct malloc_heap *h, const struct heap_req *r);
/* The live BUSY element whose block is ptr, or NULL (nothing read
 * outside mapped heap pages). */
struct malloc_elem *heap_busy_elem(const void *ptr);

/* malloc_region.c */

/* Pages [addr, addr + len) of msl joined h. 0 or -errno. */
int heap_add_memory_locked(struct malloc_heap *h, void *addr, size_t len,
		struct rte_memseg_list *msl);
/* Map pages for r into h (no heap lock held). 0 or -errno. */
int heap_grow(struct malloc_heap *h, const struct heap_req *r);

/* Pages taken out of a heap, to be released once its lock is dropped. */
struct heap_pages {
	struct rte_memseg_list *msl;
	uintptr_t addr;
	size_t len;
};
/*
 * Take the whole releasable pages of FREE e out of h, if they make at
 * least min_len bytes; false if not. A free passes HEAP_GROW_MIN, so that
 * freeing a few blocks does not unmap the pages the next ones will map
 * again; a heap with nothing in use gives back every page (heap_trim).
 */
#define HEAP_GROW_MIN (256 * 1024)
bool heap_take_pages_locked(struct malloc_heap *h, struct malloc_elem *e,
		size_t min_len, struct heap_pages *out);
/* Release pages taken out (no heap lock held); on failure they go back
 * and the result is false. */
bool heap_release_pages(struct malloc_heap *h, const struct heap_pages *p);
/* Give back every whole free page of h (walks all its elements). */
void heap_trim(struct malloc_heap *h);
/* Add every used run of pages of every list to its socket's heap. */
int heap_add_startup_memory(void);
/* Take external list msl's region out of h: 0, or -EBUSY while a block of
 * it is in use. pre: h locked here (heap_lock_here). */
int heap_remove_memory_locked(struct malloc_heap *h,
		struct rte_memseg_list *msl);

/* malloc_cache.c */

/* A block of size (<= HEAP_CACHE_MAX) from this thread's cache of h,
 * refilled from the heap when empty; NULL to take the locked path. */
void *heap_cache_alloc(struct malloc_heap *h, size_t size);
/* A block leaves by the locked path: take it off the count it is on. */
void heap_cache_uncount(struct malloc_heap *h, const struct malloc_elem *e);
/* Park BUSY e in this thread's cache; false to take the locked path. */
bool heap_cache_free(struct malloc_heap *h, struct malloc_elem *e);
/* Give every cached block of h back (all threads, all processes). */
void heap_cache_drain(struct malloc_heap *h, bool shrink);
/* Start of this process's use of the caches (after rte_eal_init). */
void heap_cache_init_process(void);
/* Give back this process's cached blocks and slots. */
void heap_cache_release_process(void);
/* Cached blocks of h: count, bytes, largest element. */
void heap_cache_figures(struct malloc_heap *h, unsigned int *n,
		uint64_t *bytes, uint64_t *largest);
/* Blocks handed out by h's slots, minus those taken back. */
int64_t heap_cache_live(struct malloc_heap *h);
/* Keep every slot of h still (their owners out) until unhold; held
 * receives them (room for HEAP_CACHE_SLOTS). Returns how many. */
unsigned int heap_cache_hold(struct malloc_heap *h,
		struct malloc_cache_slot **held);
void heap_cache_unhold(struct malloc_cache_slot **held, unsigned int n);
/* Check the held slots' chains and count their elements into *n. */
int heap_cache_check_held(struct malloc_heap *h,
		struct malloc_cache_slot **held, unsigned int n_held,
		unsigned int *n);

/* Largest element size the caches keep. */
#define HEAP_CACHE_MAX_ELEM (ELEM_MIN + ELEM_HDR * (HEAP_CACHE_CLASSES - 1))

/* After a free: when nothing of h is in use, empty the caches and shrink
 * (only worth a look when h grew since it was last idle). */
void heap_try_trim(struct malloc_heap *h);

static inline void
heap_maybe_trim(struct malloc_heap *h)
{
	if (__atomic_load_n(&h->grows, __ATOMIC_RELAXED) != 0)
		heap_try_trim(h);
}

#endif /* MEMPLANE_HEAP_INTERNAL_H */
