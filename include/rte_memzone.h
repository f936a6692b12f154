/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/**
 * @file
 * Memzones: named blocks of the group's shared memory.
 *
 * A memzone is reserved from a socket's heap and recorded under its name
 * in a table every process of the group shares: a secondary finds by name
 * what the primary reserved, and names are unique across the group.
 * Lookup by name takes constant time. A memzone lives until
 * rte_memzone_free(), whoever reserved it.
 */

#ifndef _RTE_MEMZONE_H_
#define _RTE_MEMZONE_H_

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_MEMZONE_2MB            0x00000001 /**< 2 MiB pages */
#define RTE_MEMZONE_1GB            0x00000002 /**< 1 GiB pages */
#define RTE_MEMZONE_16MB           0x00000100 /**< 16 MiB pages */
#define RTE_MEMZONE_16GB           0x00000200 /**< 16 GiB pages */
#define RTE_MEMZONE_256KB          0x00010000 /**< 256 KiB pages */
#define RTE_MEMZONE_256MB          0x00020000 /**< 256 MiB pages */
#define RTE_MEMZONE_512MB          0x00040000 /**< 512 MiB pages */
#define RTE_MEMZONE_4GB            0x00080000 /**< 4 GiB pages */
/** The page size flags are a preference: use other pages when needed. */
#define RTE_MEMZONE_SIZE_HINT_ONLY 0x00000004
/** The zone must be contiguous in IOVA space too. */
#define RTE_MEMZONE_IOVA_CONTIG    0x00100000

/** Default of rte_memzone_max_get(). */
#define RTE_MAX_MEMZONE 2560

struct rte_memzone {
#define RTE_MEMZONE_NAMESIZE 32
	char name[RTE_MEMZONE_NAMESIZE]; /**< NUL-terminated */
	rte_iova_t iova;                 /**< of the first byte */
	union {
		void *addr;
		uint64_t addr_64;
	};
	size_t len;
	uint64_t hugepage_sz;            /**< page size of its memory */
	int32_t socket_id;
	uint32_t flags;                  /**< flags given at reservation */
} __rte_packed;

/**
 * Set how many memzones the group may hold. Only before rte_eal_init()
 * of the primary (a secondary uses the primary's value).
 * @return 0, or -1 with rte_errno: EINVAL (max is 0 or above 1048576),
 *   EBUSY (rte_eal_init() has run).
 */
int rte_memzone_max_set(size_t max);

/** How many memzones the group may hold (RTE_MAX_MEMZONE by default). */
size_t rte_memzone_max_get(void);

/**
 * Reserve len bytes named name on socket_id (SOCKET_ID_ANY: the caller's
 * socket, then any), aligned to the cache line.
 *
 * @param len    Bytes; 0 reserves the biggest free block available.
 * @param flags  RTE_MEMZONE_* page size flags (the memory must have that
 *   page size unless RTE_MEMZONE_SIZE_HINT_ONLY is given), and
 *   RTE_MEMZONE_IOVA_CONTIG.
 * @return The memzone, or NULL with rte_errno:
 *   EINVAL        name NULL or empty, bad socket, unknown flags;
 *   ENAMETOOLONG  name of RTE_MEMZONE_NAMESIZE characters or more;
 *   EEXIST        a memzone of that name exists in the group;
 *   ENOSPC        the group holds rte_memzone_max_get() memzones;
 *   ENOMEM        no memory fits;
 *   ENOTSUP       rte_eal_init() has not run.
 */
const struct rte_memzone *rte_memzone_reserve(const char *name, size_t len,
		int socket_id, unsigned int flags);

/**
 * As rte_memzone_reserve(), aligned to align (a power of two; below the
 * cache line size it is raised to it). EINVAL for a bad align.
 */
const struct rte_memzone *rte_memzone_reserve_aligned(const char *name,
		size_t len, int socket_id, unsigned int flags,
		unsigned int align);

/**
 * As rte_memzone_reserve_aligned(), and the zone does not cross a multiple
 * of bound (0 = no bound; else a power of two, not below len). EINVAL for
 * a bad bound.
 */
const struct rte_memzone *rte_memzone_reserve_bounded(const char *name,
		size_t len, int socket_id, unsigned int flags,
		unsigned int align, unsigned int bound);

/**
 * Free a memzone (from any process of the group) and its memory.
 * @return 0, or a negative errno with rte_errno set (DPDK returns the
 *   negative errno here): -EINVAL when mz is not a live memzone, -EPERM
 *   when its memory is a named heap's and this process is not attached to
 *   all of that heap's memory (the memzone stays).
 */
int rte_memzone_free(const struct rte_memzone *mz);

/**
 * The memzone named name, or NULL with rte_errno: ENOENT (none),
 * EINVAL (name NULL), ENOTSUP (rte_eal_init() has not run).
 */
const struct rte_memzone *rte_memzone_lookup(const char *name);

/** Print every memzone to f. */
void rte_memzone_dump(FILE *f);

/** Call func on every memzone (func must not reserve or free one). */
void rte_memzone_walk(void (*func)(const struct rte_memzone *, void *arg),
		void *arg);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_MEMZONE_H_ */
