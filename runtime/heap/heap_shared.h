/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The heaps' and memzones' part of the group's shared configuration
 * (struct eal_memcfg embeds struct heap_shared). Everything here is read
 * and written by every process of the group, under the locks named next
 * to each field; pointers are absolute (the config and all memory sit at
 * the same address in every process).
 *
 * The layout of elements, regions and free lists is explained in
 * malloc_elem.h and malloc_heap.c.
 */

#ifndef MEMPLANE_HEAP_SHARED_H
#define MEMPLANE_HEAP_SHARED_H

#include <pthread.h>
#include <stdint.h>

#include <rte_fbarray.h>

#include <rte_malloc.h>  /* RTE_MAX_HEAPS, RTE_HEAP_NAME_MAX_LEN */

/* Two-level segregated fit: 16 classes per power of two, the first level
 * starting at 1 KiB (below that, classes are 64 bytes apart).
 */
#define HEAP_SL_LOG2 4
#define HEAP_SL_COUNT (1U << HEAP_SL_LOG2)
#define HEAP_FL_COUNT 40

/* Per-thread caches of small blocks: element sizes 128..4160 bytes (blocks
 * up to 4 KiB), 64 apart. */
#define HEAP_CACHE_CLASSES 64
#define HEAP_CACHE_SLOTS 256

struct malloc_elem;
struct malloc_region;

struct malloc_heap {
	pthread_mutex_t lock;        /* robust; guards everything below */
	char name[RTE_HEAP_NAME_MAX_LEN];
	int32_t socket_id;
	uint32_t in_use;
	uint32_t idx;                /* its place in heap_shared.heaps */
	uint64_t fl_bitmap;          /* first levels with a free block */
	uint32_t sl_bitmap[HEAP_FL_COUNT];
	struct malloc_elem *free_head[HEAP_FL_COUNT][HEAP_SL_COUNT];
	struct malloc_region *regions;  /* doubly linked, any order */
	uint64_t total_sz;           /* bytes of all regions */
	uint64_t free_sz;            /* bytes of FREE elements */
	uint32_t n_free;             /* FREE elements */
	uint32_t n_busy;             /* BUSY and CACHED elements */
	int64_t live;                /* blocks handed out by the locked path
				      * minus blocks it took back */
	uint32_t grows;              /* growths since the heap was last idle */
	uint32_t n_transit;          /* CACHED elements out of every slot, on
				      * their way back into the heap */
	uint32_t n_ext_lists;        /* external lists whose memory it holds */
};

/*
 * One thread's cache of small free blocks of one heap. Its owner pushes
 * and pops without the heap lock; anyone may drain it (to shrink the heap,
 * to satisfy a large request, or because the owner died). See
 * malloc_cache.c for how the owner and a thief keep out of each other's
 * way.
 */
struct malloc_cache_slot {
	uint32_t lock;               /* thieves (and a slow owner): 0 or pid */
	int32_t owner;               /* pid that claimed the slot, 0 = free */
	uint32_t busy;               /* a fast owner is inside */
	uint32_t steal;              /* a thief wants in */
	uint32_t fast;               /* the owner uses busy/steal, not lock */
	uint32_t reserved;
	uint32_t heap_idx;
	uint32_t n_cached;
	uint64_t cached_sz;          /* bytes of the cached elements */
	int64_t live;                /* blocks this slot handed out minus
				      * blocks it took back */
	struct malloc_elem *bin[HEAP_CACHE_CLASSES];
	uint32_t count[HEAP_CACHE_CLASSES];
} __attribute__((aligned(64)));

struct memzone_shared {
	pthread_mutex_t lock;        /* robust; guards the table */
	uint32_t max;                /* entries of the table */
	uint32_t count;              /* memzones alive */
	struct rte_fbarray table;    /* see memzone.c */
};

/* Named (external) heaps get socket ids from here up, never reused. */
#define HEAP_EXT_SOCKET_BASE 8  /* DPDK's RTE_MAX_NUMA_NODES */

struct heap_shared {
	struct malloc_heap heaps[RTE_MAX_HEAPS];
	int32_t next_ext_socket;     /* under the memory lock */
	struct malloc_cache_slot slots[HEAP_CACHE_SLOTS];
	struct memzone_shared mz;
};

#endif /* MEMPLANE_HEAP_SHARED_H */
