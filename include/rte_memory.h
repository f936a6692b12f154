/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The group's memory as pages: memseg lists (reserved virtual address
 * space, one per page size and NUMA socket) whose page tables are fbarrays
 * of struct rte_memseg, one element per page. Every process maps every
 * used page at the same address.
 *
 * Memory event callbacks see pages arrive (after they are mapped) and
 * leave (before they are unmapped) in every process whose mappings change;
 * allocation validators may refuse growth past a limit.
 */

#ifndef _RTE_MEMORY_H_
#define _RTE_MEMORY_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_fbarray.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t phys_addr_t; /**< A physical address. */
typedef uint64_t rte_iova_t;  /**< An address a device uses. */
#define RTE_BAD_PHYS_ADDR ((phys_addr_t)-1)
#define RTE_BAD_IOVA ((rte_iova_t)-1)

#define RTE_PGSIZE_4K   (1ULL << 12)
#define RTE_PGSIZE_64K  (1ULL << 16)
#define RTE_PGSIZE_256K (1ULL << 18)
#define RTE_PGSIZE_2M   (1ULL << 21)
#define RTE_PGSIZE_16M  (1ULL << 24)
#define RTE_PGSIZE_256M (1ULL << 28)
#define RTE_PGSIZE_512M (1ULL << 29)
#define RTE_PGSIZE_1G   (1ULL << 30)
#define RTE_PGSIZE_4G   (1ULL << 32)
#define RTE_PGSIZE_16G  (1ULL << 34)

#define SOCKET_ID_ANY -1 /**< Any NUMA socket. */

/* DPDK's default sizing of the reserved address space. */
#define RTE_MAX_MEMSEG_LISTS 128
#define RTE_MAX_MEMSEG_PER_LIST 8192
#define RTE_MAX_MEM_MB_PER_LIST 32768
#define RTE_MAX_MEMSEG_PER_TYPE 32768
#define RTE_MAX_MEM_MB_PER_TYPE 65536

/** The page was mapped at start-up (-m / --socket-mem) and is never freed. */
#define RTE_MEMSEG_FLAG_DO_NOT_FREE (1 << 0)

/** One page. */
struct rte_memseg {
	rte_iova_t iova;        /**< Its IOVA, or RTE_BAD_IOVA. */
	union {
		void *addr;     /**< Its virtual address, the same everywhere. */
		uint64_t addr_64;
	};
	size_t len;             /**< Its length: the page size. */
	uint64_t hugepage_sz;   /**< The page size. */
	int32_t socket_id;      /**< Its NUMA socket. */
	uint32_t nchannel;      /**< Unused (DPDK: memory channels). */
	uint32_t nrank;         /**< Unused (DPDK: memory ranks). */
	uint32_t flags;         /**< RTE_MEMSEG_FLAG_*. */
} __rte_packed;

/** A run of reserved address space for pages of one size and socket. */
struct rte_memseg_list {
	union {
		void *base_va;  /**< Start of the reserved space. */
		uint64_t addr_64;
	};
	uint64_t page_sz;       /**< Size of its pages. */
	int socket_id;          /**< Socket its pages come from. */
	volatile uint32_t version; /**< Changes whenever its pages do. */
	size_t len;             /**< Length of the reserved space. */
	unsigned int external;  /**< 1 for user-provided (external) memory. */
	unsigned int heap;      /**< 1 when a heap may use its pages. */
	struct rte_fbarray memseg_arr; /**< Its page table. */
};

/** What happened to the pages of a memory event. */
enum rte_mem_event {
	RTE_MEM_EVENT_ALLOC = 0, /**< Pages were mapped (sent after mapping). */
	RTE_MEM_EVENT_FREE,      /**< Pages will be unmapped (sent before). */
};

#define RTE_MEM_EVENT_CALLBACK_NAME_LEN 64
#define RTE_MEM_ALLOC_VALIDATOR_NAME_LEN 64

/**
 * A memory event callback. It runs in every process whose mappings change,
 * with the memory lock held: it may use the _thread_unsafe walks and
 * lookups, but must not allocate or free memory.
 */
typedef void (*rte_mem_event_callback_t)(enum rte_mem_event event_type,
		const void *addr, size_t len, void *arg);

/**
 * Call clb(event, addr, len, arg) for every run of pages this process maps
 * or unmaps from now on.
 *
 * @return
 *   0, or -1 with rte_errno: EINVAL (name or clb NULL), ENAMETOOLONG (name
 *   of RTE_MEM_EVENT_CALLBACK_NAME_LEN characters or more), EEXIST (same
 *   name and arg registered), ENOTSUP (--legacy-mem: memory never changes),
 *   ENOMEM.
 */
int rte_mem_event_callback_register(const char *name,
		rte_mem_event_callback_t clb, void *arg);

/**
 * @return
 *   0, or -1 with rte_errno: EINVAL (name NULL), ENAMETOOLONG, ENOENT (no
 *   such callback), ENOTSUP (--legacy-mem).
 */
int rte_mem_event_callback_unregister(const char *name, void *arg);

/**
 * An allocation validator: called before memory on socket_id grows past
 * cur_limit, with the size it would have (new_len). Return 0 to allow,
 * -1 to refuse.
 */
typedef int (*rte_mem_alloc_validator_t)(int socket_id, size_t cur_limit,
		size_t new_len);

/**
 * Have clb vet every growth of socket_id's memory past limit bytes. Growth
 * happens in the primary (secondaries ask it), so validators registered in
 * the primary are the ones that count.
 *
 * @return
 *   0, or -1 with rte_errno: EINVAL (name or clb NULL, socket_id < 0),
 *   ENAMETOOLONG, EEXIST (same name and socket registered), ENOTSUP
 *   (--legacy-mem), ENOMEM.
 */
int rte_mem_alloc_validator_register(const char *name,
		rte_mem_alloc_validator_t clb, int socket_id, size_t limit);

/**
 * @return
 *   0, or -1 with rte_errno: EINVAL (name NULL or socket_id < 0),
 *   ENAMETOOLONG, ENOENT (no such validator), ENOTSUP (--legacy-mem).
 */
int rte_mem_alloc_validator_unregister(const char *name, int socket_id);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_MEMORY_H_ */
