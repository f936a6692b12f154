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

#endif /* MEMPLANE_MEM_PRIVATE_H */
