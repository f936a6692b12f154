/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * What the rest of the runtime (and the tests) may ask of the heaps:
 * set them up with the process, allocate blocks with constraints (the
 * memzones use this), free them, describe them, and check a heap's
 * structure. Helpers return -errno; only the public API sets rte_errno.
 */

#ifndef MEMPLANE_HEAP_PRIVATE_H
#define MEMPLANE_HEAP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_memory.h>

#include "runtime/eal/eal_memcfg.h"

/*
 * Primary: one heap per socket, holding the start-up (-m) pages already
 * mapped, and the memzone table. 0 or -errno (logged).
 */
int heap_init_primary(struct eal_memcfg *cfg);

/* Secondary: attach the memzone table. 0 or -errno (logged). */
int heap_init_secondary(struct eal_memcfg *cfg);

/*
 * Give this process's cached blocks back to their heaps and let go of the
 * memzone table (destroy: remove it, the group is going away).
 */
void heap_cleanup(struct eal_memcfg *cfg, bool destroy);

/* A request for one block. */
struct heap_req {
	size_t size;        /* bytes, > 0 */
	size_t align;       /* a power of two, >= RTE_CACHE_LINE_SIZE */
	size_t bound;       /* 0, or a power of two >= size: the block must
			     * not cross a multiple of it */
	uint64_t page_sz;   /* 0, or only memory of this page size ... */
	bool page_sz_hint;  /* ... unless no such memory can be had */
	bool contig;        /* contiguous in IOVA space */
	bool memzone;       /* a memzone's block: never cached, and
			     * rte_free() refuses it */
};

/*
 * Allocate per req from socket's heap, growing it when nothing fits;
 * SOCKET_ID_ANY tries the caller's socket first, then the others.
 * Returns the block, or NULL with *err: -ENOMEM, -EINVAL (no heap for
 * socket), or -EPERM (a named heap this process is not attached to).
 */
void *heap_alloc(int socket, const struct heap_req *req, int *err);

/*
 * Free a block from heap_alloc(). 0, or -EINVAL when ptr is not a live
 * block or not of the kind memzone says (logged, nothing changed), -EPERM
 * when its heap is a named heap this process is not attached to all of.
 */
int heap_free(void *ptr, bool memzone);

/* What a live block is. */
struct heap_block {
	size_t size;        /* usable bytes */
	int socket;         /* its heap's socket */
	uint64_t page_sz;
	rte_iova_t iova;    /* of its first byte, or RTE_BAD_IOVA */
};

/* Describe ptr. 0, or -EINVAL when it is not a live block. */
int heap_block_info(const void *ptr, struct heap_block *out);

/*
 * The biggest block heap_alloc() could give for req (req->size ignored)
 * on socket without growing, or 0.
 */
size_t heap_biggest_free(int socket, const struct heap_req *req);

/*
 * Check the structure of every heap: regions, element chains, free lists,
 * bitmaps, caches and totals. 0, or -EFAULT after logging the first
 * problem. Takes each heap's lock.
 */
int heap_check_all(void);

/*
 * Named heaps' memory (for runtime/extmem). pre: the memory lock held.
 */

/* Index of the named heap called name: -EINVAL (bad name), -ENOENT,
 * -EPERM (a socket heap's name), -ENOTSUP (no heaps in this process). */
int heap_named_idx_locked(const char *name);
/* The socket id of heap idx. */
int heap_socket_of(unsigned int idx);
/* The next socket id for memory registered without a heap; take: it is
 * used, never to be given again. */
int heap_socket_id_locked(bool take);
/* Give external list msl (this process attached) to heap idx. 0, or -EPERM
 * when this process is not attached to the heap's other memory. */
int heap_ext_add_locked(unsigned int idx, struct rte_memseg_list *msl);
/* Take msl back out: 0, -EBUSY (blocks in use), -EPERM (as above). */
int heap_ext_remove_locked(unsigned int idx, struct rte_memseg_list *msl);
/* This process attached (d = 1) or left (d = -1) a list of heap idx. */
void heap_ext_here(unsigned int idx, int d);

#endif /* MEMPLANE_HEAP_PRIVATE_H */
