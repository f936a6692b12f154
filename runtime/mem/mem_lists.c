/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Memseg lists: for every (page size, socket) the primary reserves
 * address space with DPDK's default sizing, and a page table (an fbarray
 * of struct rte_memseg) in the runtime directory. Everything is laid out
 * upwards from just above the shared config: each list's page table, then
 * its address space aligned to its page size. A secondary reserves the
 * same ranges at the same addresses, so a page is at one address in every
 * process. Reserved space is PROT_NONE and costs no memory.
 *
 * Sizing (DPDK's): a list holds at most RTE_MAX_MEMSEG_PER_LIST pages and
 * RTE_MAX_MEM_MB_PER_LIST megabytes; a type at most
 * RTE_MAX_MEMSEG_PER_TYPE pages and RTE_MAX_MEM_MB_PER_TYPE megabytes. 4 KiB
 * pages (--no-huge) are the exception: 65536 to a list, so that a type
 * holds 1 GiB instead of 128 MiB. Under valgrind a type gets one list of
 * at most 2 GiB, the address space valgrind can give.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <valgrind/valgrind.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "common/os_prim.h"
#include "fbarray/fbarray_private.h"
#include "runtime/mem/mem_internal.h"

#define SMALL_PAGE_SEGS_PER_LIST 65536U
/* Under valgrind: one list of at most this much address space per type. */
#define VALGRIND_LIST_BYTES (2ULL << 30)

static void
list_sizing(uint64_t page_sz, unsigned int *segs, unsigned int *lists)
{
	uint64_t list_mem, type_mem = (uint64_t)RTE_MAX_MEM_MB_PER_TYPE << 20;

	if (page_sz <= RTE_PGSIZE_4K) {
		*segs = SMALL_PAGE_SEGS_PER_LIST;
		*lists = RTE_MAX_MEMSEG_PER_TYPE / RTE_MAX_MEMSEG_PER_LIST;
		return;
	}
	*segs = RTE_MIN((uint64_t)RTE_MAX_MEMSEG_PER_LIST,
		((uint64_t)RTE_MAX_MEM_MB_PER_LIST << 20) / page_sz);
	list_mem = *segs * page_sz;
	*lists = RTE_MIN((uint64_t)RTE_MAX_MEMSEG_PER_TYPE / *segs,
		type_mem / list_mem);
	*lists = RTE_MAX(*lists, 1U);
}

/* valgrind cannot give a program 64 GiB of address space per page type,
 * so a group started under it reserves much less (secondaries read the
 * sizes from the shared config, so they follow whatever the primary chose).
 */
static void
fit_valgrind(uint64_t page_sz, unsigned int *segs, unsigned int *lists)
{
	if (!RUNNING_ON_VALGRIND)
		return;
	*segs = (unsigned int)RTE_MIN((uint64_t)*segs,
			RTE_MAX(VALGRIND_LIST_BYTES / page_sz, 1ULL));
	*lists = 1;
}

void *
mem_reserve_at(uint64_t addr, size_t len)
{
	void *va = os_prim.mmap((void *)(uintptr_t)addr, len, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			MAP_FIXED_NOREPLACE, -1, 0);

	if (va != MAP_FAILED && va != (void *)(uintptr_t)addr) {
		os_prim.munmap(va, len);
		errno = EEXIST;
		return MAP_FAILED;
	}
	return va;
}

/* Make list idx: its table at *cursor, then its space; moves *cursor. */
static int
make_list(struct eal_memcfg *cfg, int idx, uint64_t page_sz, int socket,
		int n, uint64_t *cursor)
{
	struct rte_memseg_list *msl = &cfg->memsegs[idx];
	unsigned int segs, lists;
	char name[RTE_FBARRAY_NAME_LEN];
	uint64_t base;

	list_sizing(page_sz, &segs, &lists);
	fit_valgrind(page_sz, &segs, &lists);
	snprintf(name, sizeof(name), "memseg-%" PRIu64 "k-%d-%d",
			page_sz >> 10, socket, n);
	if (fbarray_init_at(&msl->memseg_arr, name, segs,
			sizeof(struct rte_memseg), (void *)(uintptr_t)*cursor) < 0) {
		RTE_LOG(ERR, EAL, "cannot create the page table of memory list %d at %#" PRIx64 ": %s\n",
			idx, *cursor, rte_strerror(rte_errno));
		return -rte_errno;
	}
	*cursor += fbarray_map_len(segs, sizeof(struct rte_memseg));
	base = RTE_ALIGN_CEIL(*cursor, page_sz);
	msl->len = (size_t)segs * page_sz;
	if (mem_reserve_at(base, msl->len) == MAP_FAILED) {
		RTE_LOG(ERR, EAL, "cannot reserve %#" PRIx64 "-%#" PRIx64 " for memory list %d: %s\n",
			base, base + msl->len, idx, strerror(errno));
		rte_fbarray_destroy(&msl->memseg_arr);
		return errno == EEXIST ? -EADDRNOTAVAIL : -errno;
	}
	msl->base_va = (void *)(uintptr_t)base;
	msl->page_sz = page_sz;
	msl->socket_id = socket;
	msl->heap = 1;
	*cursor = base + msl->len;
	return 0;
}

int
mem_lists_create(struct eal_memcfg *cfg)
{
	unsigned int t, s, segs, lists, n;
	int idx = 0, ret;
	uint64_t cursor = cfg->va_end;

	for (t = 0; t < cfg->n_page_types; t++) {
		uint64_t page_sz = cfg->page_types[t].page_sz;

		list_sizing(page_sz, &segs, &lists);
		fit_valgrind(page_sz, &segs, &lists);
		for (s = 0; s < cfg->n_sockets; s++) {
			for (n = 0; n < lists; n++) {
				if (idx == RTE_MAX_MEMSEG_LISTS)
					return -ENOSPC;
				ret = make_list(cfg, idx, page_sz,
					cfg->socket_ids[s], n, &cursor);
				if (ret < 0)
					return ret;
				idx++;
			}
		}
	}
	cfg->va_end = cursor;
	return 0;
}

int
mem_lists_attach(struct eal_memcfg *cfg)
{
	struct rte_memseg_list *msl;
	int i;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		msl = &cfg->memsegs[i];
		if (msl->base_va == NULL || msl->external)
			continue;
		if (rte_fbarray_attach(&msl->memseg_arr) < 0)
			return -rte_errno;
		if (mem_reserve_at(msl->addr_64, msl->len) == MAP_FAILED) {
			RTE_LOG(ERR, EAL,
				"cannot reserve %p-%p for memory list %d: something else is mapped there\n",
				msl->base_va, RTE_PTR_ADD(msl->base_va, msl->len),
				i);
			eal_log_in_the_way(msl->addr_64, msl->len);
			rte_fbarray_detach(&msl->memseg_arr);
			return -EADDRNOTAVAIL;
		}
	}
	return 0;
}

void
mem_lists_release(struct eal_memcfg *cfg, bool destroy)
{
	struct rte_memseg_list *msl;
	int i;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		msl = &cfg->memsegs[i];
		if (msl->base_va == NULL || msl->external)
			continue;
		os_prim.munmap(msl->base_va, msl->len);
		if (destroy)
			rte_fbarray_destroy(&msl->memseg_arr);
		else
			rte_fbarray_detach(&msl->memseg_arr);
	}
}

struct rte_memseg_list *
mem_list_of(const void *addr)
{
	struct eal_memcfg *cfg = mem_cfg();
	uintptr_t a = (uintptr_t)addr;
	int i;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		struct rte_memseg_list *msl = &cfg->memsegs[i];

		if (a >= msl->addr_64 && a < msl->addr_64 + msl->len &&
				mem_list_visible(cfg, i))
			return msl;
	}
	return NULL;
}
