/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/**
 * @file
 * Heap allocation from the group's shared memory.
 *
 * Every NUMA socket has one heap in shared memory; every process of the
 * group allocates from it and may free what another process allocated.
 * A heap grows by mapping pages (in every process) when nothing fits and
 * gives whole free pages back when blocks are freed (never the pages of
 * -m / --socket-mem). Blocks never span two memory lists.
 *
 * Alignment: 0 means RTE_CACHE_LINE_SIZE (64); otherwise a power of two.
 * Every block is at least cache-line aligned.
 *
 * Errors: pointer functions return NULL and int functions -1, with
 * rte_errno set (the values are listed with each function). Functions that
 * return nothing set rte_errno to EINVAL on bad arguments and do nothing.
 */

#ifndef _RTE_MALLOC_H_
#define _RTE_MALLOC_H_

#include <stddef.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Figures of one socket's heap, in bytes of heap memory. */
struct rte_malloc_socket_stats {
	size_t heap_totalsz_bytes;  /**< memory the heap holds */
	size_t heap_freesz_bytes;   /**< of it free (cached blocks count) */
	size_t greatest_free_size;  /**< largest block one call could get
				      *  without growing the heap */
	unsigned int free_count;    /**< free blocks (cached ones included) */
	unsigned int alloc_count;   /**< blocks in use */
	size_t heap_allocsz_bytes;  /**< memory in use */
};

/**
 * Allocate size bytes on the caller's socket, or any socket when it has
 * none left.
 *
 * @param type   Ignored (kept for DPDK compatibility); may be NULL.
 * @param size   Bytes, > 0.
 * @param align  0, or a power of two.
 * @return The block, or NULL with rte_errno:
 *   EINVAL  size is 0 or align is not a power of two;
 *   ENOMEM  no memory on any socket;
 *   ENOTSUP rte_eal_init() has not run (for every function of this file).
 */
void *rte_malloc(const char *type, size_t size, unsigned int align);

/** As rte_malloc(), with the block zeroed. */
void *rte_zmalloc(const char *type, size_t size, unsigned int align);

/**
 * As rte_zmalloc() for num elements of size bytes.
 * @return NULL with rte_errno EINVAL also when num * size overflows or is 0.
 */
void *rte_calloc(const char *type, size_t num, size_t size,
		unsigned int align);

/**
 * Resize a block, keeping its contents up to the smaller size. The block
 * grows in place when the memory after it is free, shrinks in place, and
 * moves otherwise (then the old block is freed). ptr NULL acts as
 * rte_malloc().
 *
 * @return The block (maybe moved), or NULL with rte_errno, the old block
 *   untouched: EINVAL (size 0, align not a power of two, ptr not a block
 *   of a heap), ENOMEM, EPERM (ptr's heap is a named heap this process is
 *   not attached to all the memory of), ENOTSUP (no rte_eal_init()).
 */
void *rte_realloc(void *ptr, size_t size, unsigned int align);

/**
 * As the functions above, from the heap of socket. SOCKET_ID_ANY tries the
 * caller's socket first, then the others (never a named heap). A socket
 * with no heap gives NULL with rte_errno EINVAL; a named heap this process
 * is not attached to all the memory of (rte_malloc_heap_memory_attach())
 * gives NULL with rte_errno EPERM, and so does a free into it (logged).
 */
void *rte_malloc_socket(const char *type, size_t size, unsigned int align,
		int socket);
void *rte_zmalloc_socket(const char *type, size_t size, unsigned int align,
		int socket);
void *rte_calloc_socket(const char *type, size_t num, size_t size,
		unsigned int align, int socket);
/** Moves the block when it is not on socket (unless SOCKET_ID_ANY). */
void *rte_realloc_socket(void *ptr, size_t size, unsigned int align,
		int socket);

/**
 * Give a block back. NULL is a no-op. A pointer that is not a live block
 * of a heap (never allocated, freed already, the inside of a block) is
 * logged and ignored: the heap is left as it was, and rte_errno is EINVAL.
 */
void rte_free(void *ptr);

/**
 * Check that ptr is a live block of a heap whose header is intact.
 *
 * @param ptr   A block.
 * @param size  If not NULL, receives the usable size of the block.
 * @return 0, or -1 with rte_errno EINVAL (NULL or not a live block).
 */
int rte_malloc_validate(const void *ptr, size_t *size);

/**
 * Fill stats with the figures of socket's heap.
 * @return 0, or -1 with rte_errno EINVAL (no heap for socket, stats NULL).
 */
int rte_malloc_get_socket_stats(int socket,
		struct rte_malloc_socket_stats *stats);

/** Print every socket heap's figures to f. type is ignored. */
void rte_malloc_dump_stats(FILE *f, const char *type);

/** Print every heap: its figures, memory regions and free blocks by size. */
void rte_malloc_dump_heaps(FILE *f);

/**
 * The IOVA of a block's first byte.
 * @return The IOVA, or RTE_BAD_IOVA with rte_errno EINVAL when addr is not
 *   a live block (or its memory has no IOVA).
 */
rte_iova_t rte_malloc_virt2iova(const void *addr);

/** Heaps in a group, the socket heaps included. */
#define RTE_MAX_HEAPS 32
/** Longest heap name, its NUL included. */
#define RTE_HEAP_NAME_MAX_LEN 32

/**
 * Create a named heap, empty, for memory the caller brings. It gets a
 * socket id no NUMA node uses (see rte_malloc_heap_get_socket()), never
 * given to another heap even after this one is destroyed. Any process of
 * the group may create one; every process sees it at once.
 *
 * @return 0, or -1 with rte_errno:
 *   EINVAL   heap_name NULL, empty, or RTE_HEAP_NAME_MAX_LEN long or more;
 *   EEXIST   a heap of that name exists;
 *   ENOSPC   the group has RTE_MAX_HEAPS heaps already;
 *   ENOTSUP  rte_eal_init() has not run.
 */
int rte_malloc_heap_create(const char *heap_name);

/**
 * Destroy a named heap that holds no memory any more.
 *
 * @return 0, or -1 with rte_errno:
 *   EINVAL   bad heap_name (as rte_malloc_heap_create());
 *   ENOENT   no heap of that name;
 *   EPERM    it is a socket heap, which cannot be destroyed;
 *   EBUSY    memory was added to it and not removed yet;
 *   ENOTSUP  rte_eal_init() has not run.
 */
int rte_malloc_heap_destroy(const char *heap_name);

/**
 * Add memory the caller has mapped, [va_addr, va_addr + len), to the named
 * heap heap_name: it becomes an external memseg list (one page table entry
 * per page, marked external) whose pages the heap hands out from now on.
 * The calling process is attached to it; another process must map the
 * same memory at the same address and call rte_malloc_heap_memory_attach()
 * before it allocates from or frees into the heap. RTE_MEM_EVENT_ALLOC
 * fires in this process once the memory is in the heap.
 *
 * @param iova_addrs
 *   The IOVA of each page, or NULL: then every page's IOVA is RTE_BAD_IOVA
 *   and n_pages is not looked at.
 * @param n_pages
 *   Entries in iova_addrs: len / page_sz.
 * @param page_sz
 *   The size of the pages backing the memory: a power of two, at least
 *   4 KiB.
 * @return 0, or -1 with rte_errno:
 *   EINVAL   a NULL or bad heap_name, va_addr NULL or not aligned to
 *            page_sz, page_sz not a power of two (or below 4 KiB), len 0 or
 *            not a multiple of page_sz, n_pages not len / page_sz, or the
 *            range not mapped in this process;
 *   ENOENT   no heap of that name;
 *   EPERM    heap_name is a socket heap's, or the heap has memory this
 *            process is not attached to;
 *   EEXIST   the range overlaps memory the group already knows;
 *   ENOSPC   no memseg list left (RTE_MAX_MEMSEG_LISTS), or no room left
 *            for its page table;
 *   ENOTSUP  rte_eal_init() has not run.
 */
int rte_malloc_heap_memory_add(const char *heap_name, void *va_addr,
		size_t len, rte_iova_t iova_addrs[], unsigned int n_pages,
		size_t page_sz);

/**
 * Take memory added by rte_malloc_heap_memory_add() back out of its heap
 * and out of the group's page tables. RTE_MEM_EVENT_FREE fires first in
 * this process if it was attached to the memory (a process that was not
 * attached never saw it come). The memory itself stays mapped: it is the
 * caller's.
 *
 * @return 0, or -1 with rte_errno:
 *   EINVAL   a NULL or bad heap_name, va_addr NULL, len 0;
 *   ENOENT   no heap of that name, or no memory added to it at exactly
 *            [va_addr, va_addr + len);
 *   EPERM    heap_name is a socket heap's, or the heap has other memory
 *            this process is not attached to;
 *   EBUSY    blocks of it are still allocated, or another process is
 *            still attached to it;
 *   ENOTSUP  rte_eal_init() has not run.
 */
int rte_malloc_heap_memory_remove(const char *heap_name, void *va_addr,
		size_t len);

/**
 * Attach this process to memory another process added to heap_name: its
 * page table is mapped here, and RTE_MEM_EVENT_ALLOC fires in this
 * process. The caller must have mapped the same memory at the same
 * address. A process allocates from or frees into a named heap only while
 * attached to all of its memory.
 *
 * @return 0, or -1 with rte_errno:
 *   EINVAL   a NULL or bad heap_name, va_addr NULL, len 0, or the range not
 *            mapped in this process;
 *   ENOENT   no heap of that name, or nothing added to it at exactly
 *            [va_addr, va_addr + len);
 *   EPERM    heap_name is a socket heap's;
 *   EEXIST   this process is attached to it already (the process that
 *            added it is);
 *   ENOTSUP  rte_eal_init() has not run.
 */
int rte_malloc_heap_memory_attach(const char *heap_name, void *va_addr,
		size_t len);

/**
 * Undo rte_malloc_heap_memory_attach() in this process
 * (RTE_MEM_EVENT_FREE fires here first). The process that added the
 * memory may detach too; then nobody must be attached for it to be
 * removed, by any process that attaches again.
 *
 * @return 0, or -1 with rte_errno:
 *   EINVAL   a NULL or bad heap_name, va_addr NULL, len 0;
 *   ENOENT   no heap of that name, nothing added to it at exactly
 *            [va_addr, va_addr + len), or this process is not attached;
 *   EPERM    heap_name is a socket heap's;
 *   ENOTSUP  rte_eal_init() has not run.
 */
int rte_malloc_heap_memory_detach(const char *heap_name, void *va_addr,
		size_t len);

/**
 * The socket id of the heap named name (socket heaps are named
 * "socket_<id>").
 *
 * @return The id, or -1 with rte_errno EINVAL (bad name), ENOENT (no such
 *   heap), ENOTSUP (rte_eal_init() has not run).
 */
int rte_malloc_heap_get_socket(const char *name);

/**
 * Whether socket_id is a named heap's.
 *
 * @return 1 for a named heap, 0 for a socket heap or SOCKET_ID_ANY, -1
 *   with rte_errno EINVAL (no heap has that id) or ENOTSUP (rte_eal_init()
 *   has not run).
 */
int rte_malloc_heap_socket_is_external(int socket_id);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_MALLOC_H_ */
