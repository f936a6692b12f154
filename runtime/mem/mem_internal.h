/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Shared between the files of runtime/mem only.
 *
 *   mem_lists.c  memseg lists: reserve address space, page tables
 *   mem_page.c   page backends: the one file that maps pages
 *   mem_alloc.c  mapping and releasing runs of pages, in the primary
 *   mem_sync.c   keeping secondaries in line; requests from secondaries
 *   mem_event.c  event callbacks and allocation validators
 *   mem_init.c   start-up and clean-up
 *   mem_ext.c    external lists: memory users bring, registered at run time
 *
 * Each process keeps, per list, which pages it has mapped and which list
 * version it last applied; the page tables in shared memory say which
 * pages are used. Syncing a process is bringing the first in line with
 * the second.
 */

#ifndef MEMPLANE_MEM_INTERNAL_H
#define MEMPLANE_MEM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_memory.h>

#include "runtime/eal/eal_private.h"
#include "runtime/mem/mem_private.h"

/* Where a list's pages come from. */
enum mem_backend {
	MEM_FILE_PER_PAGE,  /* hugetlbfs: <mount>/<prefix>map_<list>-<page> */
	MEM_FILE_PER_LIST,  /* hugetlbfs: <mount>/<prefix>map_<list>, holes punched */
	MEM_MEMFD,          /* one memfd per list (in-memory, no-huge, no mount) */
};

/* This process's state of one list. */
struct mem_list_local {
	int fd;               /* per-list file or memfd, -1 for file per page */
	int *page_fds;        /* file per page: one fd per page, -1 when none */
	uint8_t *mapped;      /* 1 for each page this process maps */
	uint32_t version;     /* list version this process last applied */
	bool ext_attached;    /* external list: its table is mapped here */
};

/* Guards every mem_list_local of this process (not shared). */
extern pthread_mutex_t mem_local_lock;
extern struct mem_list_local mem_local[RTE_MAX_MEMSEG_LISTS];

static inline struct eal_memcfg *
mem_cfg(void)
{
	return eal_mcfg();
}

static inline int
mem_list_idx(const struct rte_memseg_list *msl)
{
	return (int)(msl - mem_cfg()->memsegs);
}

/* mem_lists.c */

/* Primary: reserve lists for every page type and socket in cfg. */
int mem_lists_create(struct eal_memcfg *cfg);
/* Secondary: reserve the primary's lists' space and attach their tables. */
int mem_lists_attach(struct eal_memcfg *cfg);
/* Drop this process's reservations and tables; destroy removes files. */
void mem_lists_release(struct eal_memcfg *cfg, bool destroy);
/* The list holding addr, or NULL. */
struct rte_memseg_list *mem_list_of(const void *addr);
/* Reserve [addr, addr + len) PROT_NONE exactly there, or MAP_FAILED. */
void *mem_reserve_at(uint64_t addr, size_t len);

/*
 * Whether list i is one this process can read: every internal list, and
 * the external lists it is attached to (an external list's table is not
 * mapped in a process that has not attached it).
 */
static inline bool
mem_list_visible(const struct eal_memcfg *cfg, int i)
{
	const struct rte_memseg_list *msl = &cfg->memsegs[i];

	return msl->base_va != NULL &&
		(!msl->external || mem_local[i].ext_attached);
}

/* mem_ext.c */

/* Reserve the window external lists' tables live in: the primary places
 * it at cfg->va_end, a secondary where the primary did. 0 or -errno. */
int mem_ext_window_reserve(struct eal_memcfg *cfg, bool primary);
/* Leave every external list (destroy: remove their tables) and the
 * window. */
void mem_ext_release(struct eal_memcfg *cfg, bool destroy);

/* mem_page.c */

enum mem_backend mem_backend_of(const struct eal_memcfg *cfg, int list);
/* Open the list's per-list backing (primary creates it). 0 or -errno. */
int mem_list_backing_open(int list, bool create);
/* Adopt a per-list fd received from the primary (memfd mode). */
void mem_list_backing_adopt(int list, int fd);
void mem_list_backing_close(int list, bool destroy);
/*
 * Map page idx of list: create (primary) allocates a fresh zeroed page on
 * the list's socket; otherwise the existing page is mapped. Fills the
 * memseg when create. 0 or -errno; on failure nothing is left mapped.
 * pre: mem_local_lock held.
 */
int mem_page_map_locked(int list, unsigned int idx, bool create);
/* Put the reservation back over page idx; destroy releases the page.
 * pre: mem_local_lock held.
 */
void mem_page_unmap_locked(int list, unsigned int idx, bool destroy);
/* The same for pages [idx, idx+n), in one mapping call. */
void mem_pages_unmap_locked(int list, unsigned int idx, unsigned int n,
		bool destroy);
/* Map new pages [idx, idx+n) (one call when the list has one backing);
 * on failure nothing stays mapped. 0 or -errno. */
int mem_pages_map_locked(int list, unsigned int idx, unsigned int n);
/* The descriptor of page idx of list in this process (the list's for
 * per-list backings; a file-per-page page's is opened on first use and
 * kept until the page is unmapped). fd or -ENODEV / -errno.
 */
int mem_page_fd(int list, unsigned int idx);
/*
 * Legacy mode, PA: reorder the file-per-page pages [idx, idx+n) of list so
 * that their IOVAs ascend with their addresses, making every physically
 * contiguous set of pages one IOVA-contiguous run (a no-op for other
 * backends, whose pages cannot move). 0 or -errno.
 * pre: mem_local_lock held; no other process maps these pages yet.
 */
int mem_pages_sort_by_iova_locked(int list, unsigned int idx, unsigned int n);
/* The IOVA of a mapped address in this mode. */
rte_iova_t mem_iova_of(const void *addr);

/* mem_event.c */

void mem_events_fire(enum rte_mem_event ev, const void *addr, size_t len);
/* 0, or -EPERM when a validator refuses growing socket by len bytes. */
int mem_validators_check(int socket, size_t len);
void mem_events_clear(void);

/* mem_sync.c */

/*
 * Primary: tell every secondary that pages [idx, idx+n) of list were
 * mapped (alloc) or are about to be released (!alloc), and wait for them.
 * Returns 0, or -errno when a live secondary failed to follow (the caller
 * rolls back).
 */
int mem_sync_secondaries(int list, unsigned int idx, unsigned int n,
		bool alloc);
/* Secondary: bring this process in line with every list. */
int mem_sync_all(void);
/* Secondary: ask the primary to run an alloc or free for us. */
int mem_request_alloc(uint64_t page_sz, int socket, unsigned int n,
		bool iova_contig, struct rte_memseg **first);
int mem_request_free(struct rte_memseg *first, unsigned int n);
/* Secondary: adopt the primary's descriptor of a memfd list. 0 or -errno. */
int mem_fetch_list_fd(int list);

/* mem_alloc.c */

int mem_alloc_pages_primary(uint64_t page_sz, int socket, unsigned int n,
		bool iova_contig, struct rte_memseg **first);
int mem_free_pages_primary(struct rte_memseg *first, unsigned int n);

#endif /* MEMPLANE_MEM_INTERNAL_H */
