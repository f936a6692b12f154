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

/*
 * Lookups and walks (runtime/mem/mem_lookup.c).
 *
 * Before rte_eal_init() and after rte_eal_cleanup() there is no memory:
 * lookups fail with rte_errno ENODEV, walks visit nothing and return 0,
 * counts and sizes are 0.
 *
 * Locking: the walks and rte_memseg_get_fd*() hold the group's memory lock
 * (rte_mcfg_mem_read_lock) while they run, so pages cannot come or go
 * under them; their _thread_unsafe forms take no lock and are the ones to
 * use where the lock is already held, as in memory event callbacks. The
 * lock is recursive, so a walk callback may start another walk.
 */

/**
 * The memseg of the page holding addr.
 *
 * @param addr
 *   Any address inside the page (first byte to last).
 * @param msl
 *   The list to look in, or NULL to find it.
 * @return
 *   The page's memseg, or NULL with rte_errno: EINVAL (addr NULL, or msl
 *   not one of the group's lists), ENOENT (addr is not in a used page of
 *   msl or of any list), ENODEV (before rte_eal_init).
 *   Unlike DPDK, a free slot of a list is not a memseg: NULL and ENOENT.
 */
struct rte_memseg *rte_mem_virt2memseg(const void *addr,
		const struct rte_memseg_list *msl);

/**
 * The list whose reserved address space holds addr (used page or not).
 *
 * @return
 *   The list, or NULL with rte_errno: EINVAL (addr NULL), ENOENT (in no
 *   list), ENODEV (before rte_eal_init).
 */
struct rte_memseg_list *rte_mem_virt2memseg_list(const void *addr);

/**
 * The IOVA of any address mapped in this process, as DPDK computes it:
 * in IOVA-as-VA mode the address itself (our memory or not); in PA mode
 * its physical address from /proc/self/pagemap (which needs root). The
 * page tables are not consulted.
 *
 * @return
 *   The IOVA, or RTE_BAD_IOVA with rte_errno: EINVAL (virt NULL), ENODEV
 *   (before rte_eal_init: no IOVA mode yet), or rte_mem_virt2phy()'s.
 */
rte_iova_t rte_mem_virt2iova(const void *virt);

/**
 * The physical address of any address mapped in this process, from
 * /proc/self/pagemap. Works without rte_eal_init().
 *
 * @return
 *   The physical address, or RTE_BAD_PHYS_ADDR with rte_errno: EINVAL
 *   (virt NULL), ENOENT (page not present), EPERM (the kernel hides
 *   frame numbers from processes without CAP_SYS_ADMIN), or the errno of
 *   opening or reading pagemap.
 */
phys_addr_t rte_mem_virt2phy(const void *virt);

/**
 * The address of a used page's byte whose IOVA is iova.
 *
 * @return
 *   The address, or NULL with rte_errno: ENOENT (no used page has that
 *   IOVA, or iova is RTE_BAD_IOVA), ENODEV (before rte_eal_init).
 */
void *rte_mem_iova2virt(rte_iova_t iova);

/**
 * A memseg walk callback. Return 0 to go on, 1 to stop the walk, -1 to
 * stop it and report an error.
 */
typedef int (*rte_memseg_walk_t)(const struct rte_memseg_list *msl,
		const struct rte_memseg *ms, void *arg);

/**
 * A contiguous-run walk callback: ms is the run's first page and len its
 * length in bytes. Return as for rte_memseg_walk_t.
 */
typedef int (*rte_memseg_contig_walk_t)(const struct rte_memseg_list *msl,
		const struct rte_memseg *ms, size_t len, void *arg);

/** A list walk callback. Return as for rte_memseg_walk_t. */
typedef int (*rte_memseg_list_walk_t)(const struct rte_memseg_list *msl,
		void *arg);

/**
 * Call func for every used page of every list, external lists included,
 * in list order and, within a list, address order. Holds the memory lock:
 * not for memory event callbacks (use the _thread_unsafe form there).
 *
 * @return
 *   0 when every page was visited; otherwise what the callback returned
 *   that stopped the walk (1: stopped, -1: error), as DPDK does.
 *   -1 with rte_errno EINVAL when func is NULL.
 */
int rte_memseg_walk(rte_memseg_walk_t func, void *arg);

/** rte_memseg_walk() without the lock: the caller holds it. */
int rte_memseg_walk_thread_unsafe(rte_memseg_walk_t func, void *arg);

/**
 * Call func for every run of used pages at contiguous virtual addresses.
 * A run never spans two lists. Returns as rte_memseg_walk() does.
 */
int rte_memseg_contig_walk(rte_memseg_contig_walk_t func, void *arg);

/** rte_memseg_contig_walk() without the lock: the caller holds it. */
int rte_memseg_contig_walk_thread_unsafe(rte_memseg_contig_walk_t func,
		void *arg);

/**
 * Call func for every list of the group (empty ones too, external ones
 * too). Returns as rte_memseg_walk() does.
 */
int rte_memseg_list_walk(rte_memseg_list_walk_t func, void *arg);

/** rte_memseg_list_walk() without the lock: the caller holds it. */
int rte_memseg_list_walk_thread_unsafe(rte_memseg_list_walk_t func,
		void *arg);

/**
 * The descriptor the page of ms is mapped from in this process. It is the
 * runtime's own descriptor, not a duplicate: treat it as read-only and
 * never close it. It stays valid while the page is used. With a file or
 * memfd per list, the page is at rte_memseg_get_fd_offset() in it; with
 * a file per page, at offset 0.
 *
 * @return
 *   The descriptor, or -1 with rte_errno: EINVAL (ms NULL or not an
 *   element of a list's page table), ENOENT (the page is free), ENOTSUP
 *   (external memory has no descriptor), ENODEV (this process has no
 *   descriptor for it, or before rte_eal_init).
 */
int rte_memseg_get_fd(const struct rte_memseg *ms);

/** rte_memseg_get_fd() without the lock: the caller holds it. */
int rte_memseg_get_fd_thread_unsafe(const struct rte_memseg *ms);

/**
 * Where the page of ms starts in rte_memseg_get_fd()'s descriptor.
 *
 * @return
 *   0 with *offset set, or -1 with rte_errno as rte_memseg_get_fd(), and
 *   EINVAL when offset is NULL.
 */
int rte_memseg_get_fd_offset(const struct rte_memseg *ms, size_t *offset);

/** rte_memseg_get_fd_offset() without the lock: the caller holds it. */
int rte_memseg_get_fd_offset_thread_unsafe(const struct rte_memseg *ms,
		size_t *offset);

/**
 * Lock in RAM (mlock) the system page (rte_mem_page_size()) holding virt.
 * Works on any mapped address, without rte_eal_init().
 *
 * @return
 *   0, or -1 with rte_errno: EINVAL (virt NULL), or mlock's: ENOMEM (not
 *   mapped or not accessible, or over RLIMIT_MEMLOCK), EPERM, EAGAIN.
 */
int rte_mem_lock_page(const void *virt);

/** @return Bytes in used pages of every non-external list; 0 before init. */
uint64_t rte_eal_get_physmem_size(void);

/**
 * Print one line per used page to f: its list and index, IOVA, length,
 * address, socket, page size and descriptor (DPDK's format). Nothing when
 * f is NULL or before rte_eal_init.
 */
void rte_dump_physmem_layout(FILE *f);

/**
 * Whether every used page's IOVAs fit in maskbits bits, i.e. whether a
 * device that can address only that much reaches all memory. When they
 * do, maskbits is recorded as by rte_mem_set_dma_mask(). Pages with no
 * IOVA (RTE_BAD_IOVA) are not checked.
 *
 * @return
 *   0 when all fit (always before rte_eal_init: there is no memory), 1
 *   when some page does not, -1 with rte_errno EINVAL when maskbits is
 *   over 63 (DPDK's limit).
 */
int rte_mem_check_dma_mask(uint8_t maskbits);

/** rte_mem_check_dma_mask() without the lock: the caller holds it. */
int rte_mem_check_dma_mask_thread_unsafe(uint8_t maskbits);

/**
 * Record that a device can address only maskbits bits; the narrowest
 * mask recorded stays. The record is this process's, and memplane's
 * allocator does not consult it yet (DPDK's refuses pages beyond it).
 */
void rte_mem_set_dma_mask(uint8_t maskbits);

/** @return The system page size (sysconf(_SC_PAGESIZE)). */
size_t rte_mem_page_size(void);

/**
 * Register memory the caller has mapped, [va_addr, va_addr + len), with
 * the group without giving it to any heap: it gets an external memseg list
 * (marked external, heap 0) so that rte_mem_virt2memseg(), the walks and
 * rte_dev_dma_map() know it, and no allocator ever touches it. The calling
 * process is attached; others call rte_extmem_attach(). No memory event
 * fires (as in DPDK): a device learns of it through rte_dev_dma_map().
 *
 * @param iova_addrs
 *   The IOVA of each page, or NULL (every page RTE_BAD_IOVA; n_pages is
 *   then not looked at).
 * @param n_pages
 *   Entries in iova_addrs: len / page_sz.
 * @param page_sz
 *   The size of the pages backing it: a power of two, at least 4 KiB.
 * @return 0, or -1 with rte_errno:
 *   EINVAL   va_addr NULL or not aligned to page_sz, page_sz not a power of
 *            two (or below 4 KiB), len 0 or not a multiple of page_sz,
 *            n_pages not len / page_sz, or the range not mapped here;
 *   EEXIST   the range overlaps memory the group already knows;
 *   ENOSPC   no memseg list left, or no room for its page table;
 *   ENOTSUP  rte_eal_init() has not run.
 */
int rte_extmem_register(void *va_addr, size_t len, rte_iova_t iova_addrs[],
		unsigned int n_pages, size_t page_sz);

/**
 * Take registered memory out of the group's page tables. It stays mapped.
 *
 * @return 0, or -1 with rte_errno:
 *   EINVAL   va_addr NULL or len 0;
 *   ENOENT   nothing registered at exactly [va_addr, va_addr + len) (memory
 *            added to a named heap is removed with
 *            rte_malloc_heap_memory_remove());
 *   EBUSY    another process is still attached to it;
 *   ENOTSUP  rte_eal_init() has not run.
 */
int rte_extmem_unregister(void *va_addr, size_t len);

/**
 * Attach this process to memory another process registered: its page table
 * is mapped here. The caller must have mapped the same memory at the same
 * address.
 *
 * @return 0, or -1 with rte_errno:
 *   EINVAL   va_addr NULL, len 0, or the range not mapped here;
 *   ENOENT   nothing registered at exactly [va_addr, va_addr + len);
 *   EEXIST   this process is attached already;
 *   ENOTSUP  rte_eal_init() has not run.
 */
int rte_extmem_attach(void *va_addr, size_t len);

/**
 * Undo rte_extmem_attach() in this process.
 *
 * @return 0, or -1 with rte_errno:
 *   EINVAL   va_addr NULL or len 0;
 *   ENOENT   nothing registered at exactly [va_addr, va_addr + len), or
 *            this process is not attached to it;
 *   ENOTSUP  rte_eal_init() has not run.
 */
int rte_extmem_detach(void *va_addr, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_MEMORY_H_ */
