/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The pieces a heap is made of, all in shared memory.
 *
 * A region is a run of pages of one memseg list that a heap owns:
 *
 *   | region header | element | element | ... | element | END |
 *   ^ page aligned    64 B each header, sizes multiples of 64   ^ region end
 *
 * Elements tile the region exactly: the next element of e starts at
 * e + e->size, and the last one is followed by the END sentinel (64 bytes,
 * pointing back to the region), so walking a region needs no lookup. Each
 * element knows its physical predecessor (NULL for the first), which makes
 * merging a freed element with both neighbours O(1). A block handed to a
 * user is the data right after its element's header.
 *
 * An element is FREE (in one of the heap's segregated free lists), BUSY (a
 * user's block), or CACHED (a free small block parked in a thread's cache:
 * not in the free lists and never merged until the cache gives it back).
 * The cookie is the element's own address mixed with a constant, so a
 * pointer that is not a block, or a block freed and merged away, does not
 * carry one.
 */

#ifndef MEMPLANE_MALLOC_ELEM_H
#define MEMPLANE_MALLOC_ELEM_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_memory.h>

#define ELEM_COOKIE   0x6d70656c656d2121ULL  /* "mpelem!!" */
#define REGION_COOKIE 0x6d70726567696f6eULL  /* "mpregion" */

#define ELEM_HDR      64U   /* header bytes; also the unit of sizes */
#define ELEM_MIN      128U  /* header + the smallest block */

enum elem_state {
	ELEM_FREE = 1,
	ELEM_BUSY,
	ELEM_CACHED,
	ELEM_END,
};

#define ELEM_F_MEMZONE 1U   /* a memzone's block */
#define ELEM_F_SLOT    2U   /* handed out by a cache slot, so counted there
			     * (else by the heap): see malloc_cache.c */

struct malloc_region;

struct malloc_elem {
	uint64_t cookie;
	struct malloc_elem *prev;       /* physically previous, NULL first */
	struct malloc_elem *next_free;  /* free list or cache chain */
	struct malloc_elem *prev_free;  /* free list */
	uint64_t size;                  /* header included */
	uint32_t state;
	uint16_t heap_idx;
	uint16_t flags;
	struct malloc_region *region;   /* END only */
	uint64_t reserved;
};

struct malloc_region {
	uint64_t cookie;
	struct malloc_region *next, *prev;  /* the heap's regions */
	uintptr_t end;                      /* one past the END sentinel */
	struct rte_memseg_list *msl;
	uint64_t page_sz;
	uint32_t heap_idx;
	uint32_t kept;                      /* start-up pages: never released */
	uint32_t reserved[2];
};

static inline void
elem_stamp(struct malloc_elem *e)
{
	e->cookie = ELEM_COOKIE ^ (uintptr_t)e;
}

static inline bool
elem_stamped(const struct malloc_elem *e)
{
	return e->cookie == (ELEM_COOKIE ^ (uintptr_t)e);
}

/* Write a fresh header: an element of size bytes after prev. */
static inline void
elem_init(struct malloc_elem *e, unsigned int heap_idx,
		struct malloc_elem *prev, uint64_t size, enum elem_state state)
{
	e->prev = prev;
	e->size = size;
	e->state = state;
	e->heap_idx = (uint16_t)heap_idx;
	e->flags = 0;
	elem_stamp(e);
}

static inline struct malloc_elem *
elem_next(const struct malloc_elem *e)
{
	return (struct malloc_elem *)((uintptr_t)e + e->size);
}

static inline void *
elem_data(const struct malloc_elem *e)
{
	return (void *)((uintptr_t)e + ELEM_HDR);
}

static inline struct malloc_elem *
elem_of_data(const void *p)
{
	return (struct malloc_elem *)((uintptr_t)p - ELEM_HDR);
}

static inline struct malloc_elem *
region_first(const struct malloc_region *r)
{
	return (struct malloc_elem *)((uintptr_t)r + ELEM_HDR);
}

static inline struct malloc_elem *
region_end_elem(const struct malloc_region *r)
{
	return (struct malloc_elem *)(r->end - ELEM_HDR);
}

#endif /* MEMPLANE_MALLOC_ELEM_H */
