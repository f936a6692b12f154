/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * What the rest of the runtime may ask of the memory layer: set it up and
 * tear it down with the process, and map or release pages at run time
 * (the heaps of issue 5 call mem_alloc_pages/mem_free_pages).
 *
 * Pages are mapped by the primary only. A secondary that needs pages asks
 * the primary over IPC; the primary maps them, tells every secondary, and
 * answers once they all have them (or a stalled one has had its chance:
 * see docs/ARCHITECTURE.md, "Keeping page tables in sync").
 */

#ifndef MEMPLANE_MEM_PRIVATE_H
#define MEMPLANE_MEM_PRIVATE_H

#include <stdbool.h>

#include <rte_memory.h>

#include "runtime/eal/eal_memcfg.h"
#include "runtime/eal/eal_options.h"

/*
 * Primary: discover page types and sockets, reserve the memseg lists and
 * map the -m / --socket-mem memory. 0 or -errno (logged).
 */
int mem_init_primary(struct eal_memcfg *cfg, const struct eal_options *o);

/*
 * Secondary: reserve the same address space, attach the page tables and
 * map every used page. pre: IPC is open. 0 or -errno (logged).
 */
int mem_init_secondary(struct eal_memcfg *cfg);

/* Register the IPC actions of the memory layer. pre: IPC is open. */
int mem_ipc_register(void);

/*
 * Unmap everything this process mapped; with destroy (a primary leaving
 * no other process behind), also release the pages and remove every file.
 */
void mem_cleanup(struct eal_memcfg *cfg, bool destroy);

/*
 * Map n pages of page_sz bytes from socket, at contiguous addresses (and
 * contiguous IOVAs when iova_contig) of one memseg list, in every process.
 * On success *first is the first page's memseg. -ENOMEM when there is no
 * room or no page, -EPERM when a validator refused, -errno otherwise; on
 * failure nothing has changed in any process.
 */
int mem_alloc_pages(uint64_t page_sz, int socket, unsigned int n,
		bool iova_contig, struct rte_memseg **first);

/*
 * Release n pages from first (as returned by mem_alloc_pages) in every
 * process, FREE events first. -EINVAL for pages that are not a used run of
 * one list, -EPERM for start-up (-m) pages.
 */
int mem_free_pages(struct rte_memseg *first, unsigned int n);

/*
 * External lists (mem_ext.c): memory users bring. Every call below needs
 * the group's memory lock held.
 */
struct mem_ext_area {
	void *va;
	size_t len;
	size_t page_sz;
	const rte_iova_t *iova;   /* one per page, or NULL: RTE_BAD_IOVA */
	int socket;
	bool heap;                /* for a named heap (else extmem) */
};

/* A new external list for a (checked by the caller); this process is
 * attached. 0, -EEXIST (overlaps a list), -ENOSPC (no list or no room for
 * its table), -errno. */
int mem_ext_list_create_locked(const struct mem_ext_area *a,
		struct rte_memseg_list **out);
/* The external list of exactly [va, va + len), or NULL. */
struct rte_memseg_list *mem_ext_list_find_locked(const void *va,
		size_t len);
/* Whether this process may read msl (internal, or external and attached). */
bool mem_list_attached(const struct rte_memseg_list *msl);
/* Map msl's table here: 0, -EEXIST when attached already, -errno. */
int mem_ext_list_attach_locked(struct rte_memseg_list *msl);
/* 0, or -ENOENT when this process is not attached. */
int mem_ext_list_detach_locked(struct rte_memseg_list *msl);
/* Become msl's only attached process, so that destroying it cannot fail:
 * 0 or -EBUSY. pre: attached here. */
int mem_ext_list_claim_locked(struct rte_memseg_list *msl);
/* Undo mem_ext_list_claim_locked(). */
void mem_ext_list_unclaim_locked(struct rte_memseg_list *msl);
/* Fire ev for the whole of msl in this process. */
void mem_ext_notify(enum rte_mem_event ev, const struct rte_memseg_list *msl);
/* Remove msl and its table. pre: claimed. */
void mem_ext_list_destroy_locked(struct rte_memseg_list *msl);

#endif /* MEMPLANE_MEM_PRIVATE_H */
