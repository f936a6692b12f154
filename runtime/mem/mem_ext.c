/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * External lists: memory a user mapped and brought to the group, for a
 * named heap (rte_malloc_heap_memory_add) or for the page tables alone
 * (rte_extmem_register). Each area gets a memseg list of its own, marked
 * external, whose page table is an fbarray like any other.
 *
 * A table must sit at the same address in every process, and it is made
 * long after start-up, when a process's address space is full of other
 * things. So every process reserves one window at start (PROT_NONE, at the
 * address the primary chose) and tables are placed inside it, first fit;
 * fbarray maps a table over the reservation and puts it back on detach
 * (fbarray_set_window).
 *
 * Attachment is per process: the process that creates a list is attached,
 * others attach explicitly. A process reads only the external lists it is
 * attached to (mem_list_visible): lookups and walks skip the others. That
 * a process is attached is also known to every other process: the table's
 * file is locked shared by each attacher, and destroying a table needs it
 * alone (fbarray_claim), which is how "another process is still attached"
 * is told, and it cannot outlive a process that died.
 *
 * Everything here runs under the group's memory lock.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <valgrind/valgrind.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "common/os_prim.h"
#include "fbarray/fbarray_private.h"
#include "runtime/mem/mem_internal.h"

/* Room for the tables of about 80 GiB of 4 KiB pages, or 40 TiB of 2 MiB
 * ones; reserved, it costs nothing. valgrind gets less address space. */
#define EXT_WINDOW_LEN (1ULL << 30)
#define EXT_WINDOW_LEN_VALGRIND (256ULL << 20)
#define EXT_WINDOW_ALIGN (2ULL << 20)

/* This process holds the window's reservation. */
static bool window_held;

int
mem_ext_window_reserve(struct eal_memcfg *cfg, bool primary)
{
	if (primary) {
		cfg->ext_va = RTE_ALIGN_CEIL(cfg->va_end, EXT_WINDOW_ALIGN);
		cfg->ext_len = RUNNING_ON_VALGRIND ? EXT_WINDOW_LEN_VALGRIND :
			EXT_WINDOW_LEN;
	}
	if (mem_reserve_at(cfg->ext_va, cfg->ext_len) == MAP_FAILED) {
		int err = errno;

		RTE_LOG(ERR, EAL, "cannot reserve %#" PRIx64 "-%#" PRIx64 " for external memory's page tables: %s\n",
			cfg->ext_va, cfg->ext_va + cfg->ext_len,
			err == EEXIST ? "something else is mapped there" :
			strerror(err));
		if (err == EEXIST)
			eal_log_in_the_way(cfg->ext_va, cfg->ext_len);
		return err == EEXIST ? -EADDRNOTAVAIL : -err;
	}
	if (primary)
		cfg->va_end = cfg->ext_va + cfg->ext_len;
	window_held = true;
	fbarray_set_window((void *)(uintptr_t)cfg->ext_va, cfg->ext_len);
	return 0;
}

static size_t
table_len(const struct rte_fbarray *arr)
{
	return fbarray_map_len(arr->len, arr->elt_sz);
}

/* Where in the window a table of len bytes fits, lowest first; 0 if
 * nowhere. */
static uint64_t
table_room(const struct eal_memcfg *cfg, size_t len)
{
	uint64_t at = cfg->ext_va, t;
	bool moved = true;
	int i;

	while (moved) {
		moved = false;
		for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
			const struct rte_memseg_list *msl = &cfg->memsegs[i];

			t = (uintptr_t)msl->memseg_arr.data;
			if (msl->base_va == NULL || !msl->external ||
					at >= t + table_len(&msl->memseg_arr) ||
					t >= at + len)
				continue;
			at = t + table_len(&msl->memseg_arr);
			moved = true;
		}
	}
	return at + len <= cfg->ext_va + cfg->ext_len ? at : 0;
}

/* A free list slot, or -1. */
static int
free_list_idx(const struct eal_memcfg *cfg)
{
	int i;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		if (cfg->memsegs[i].base_va == NULL &&
				cfg->memsegs[i].memseg_arr.data == NULL)
			return i;
	}
	return -1;
}

/* Whether [va, va + len) meets a list or the group's own reserved space
 * (the config, the memzone and external tables). */
static bool
overlaps_a_list(const struct eal_memcfg *cfg, uintptr_t va, size_t len)
{
	int i;

	if (va < cfg->va_end && cfg->self_addr < va + len)
		return true;
	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		const struct rte_memseg_list *msl = &cfg->memsegs[i];

		if (msl->base_va != NULL && va < msl->addr_64 + msl->len &&
				msl->addr_64 < va + len)
			return true;
	}
	return false;
}

/* One entry per page, all used, never to be freed by the runtime. */
static void
fill_table(struct rte_memseg_list *msl, const struct mem_ext_area *a)
{
	unsigned int i, n = (unsigned int)(a->len / a->page_sz);
	struct rte_memseg *ms;

	for (i = 0; i < n; i++) {
		ms = rte_fbarray_get(&msl->memseg_arr, i);
		ms->addr = RTE_PTR_ADD(a->va, (size_t)i * a->page_sz);
		ms->iova = a->iova != NULL ? a->iova[i] : RTE_BAD_IOVA;
		ms->len = a->page_sz;
		ms->hugepage_sz = a->page_sz;
		ms->socket_id = a->socket;
		ms->flags = RTE_MEMSEG_FLAG_DO_NOT_FREE;
	}
	fbarray_set_all_used(&msl->memseg_arr);
}

/* Make list idx's table for area a. 0 or -errno. */
static int
make_table(struct eal_memcfg *cfg, int idx, const struct mem_ext_area *a)
{
	struct rte_memseg_list *msl = &cfg->memsegs[idx];
	unsigned int n = (unsigned int)(a->len / a->page_sz);
	char name[RTE_FBARRAY_NAME_LEN];
	size_t len = fbarray_map_len(n, sizeof(struct rte_memseg));
	uint64_t at = len != 0 ? table_room(cfg, len) : 0;

	if (at == 0)
		return -ENOSPC;
	snprintf(name, sizeof(name), "memseg-ext-%d", idx);
	if (fbarray_init_at(&msl->memseg_arr, name, n,
			sizeof(struct rte_memseg), (void *)(uintptr_t)at) < 0) {
		RTE_LOG(ERR, EAL, "cannot create the page table of external memory %p: %s\n",
			a->va, rte_strerror(rte_errno));
		return -rte_errno;
	}
	fill_table(msl, a);
	return 0;
}

int
mem_ext_list_create_locked(const struct mem_ext_area *a,
		struct rte_memseg_list **out)
{
	struct eal_memcfg *cfg = mem_cfg();
	struct rte_memseg_list *msl;
	int idx, ret;

	if (overlaps_a_list(cfg, (uintptr_t)a->va, a->len))
		return -EEXIST;
	idx = free_list_idx(cfg);
	if (idx < 0)
		return -ENOSPC;
	ret = make_table(cfg, idx, a);
	if (ret < 0)
		return ret;
	msl = &cfg->memsegs[idx];
	msl->page_sz = a->page_sz;
	msl->socket_id = a->socket;
	msl->len = a->len;
	msl->external = 1;
	msl->heap = a->heap;
	msl->version++;
	mem_local[idx].ext_attached = true;
	__atomic_store_n(&msl->base_va, a->va, __ATOMIC_RELEASE);
	*out = msl;
	return 0;
}

struct rte_memseg_list *
mem_ext_list_find_locked(const void *va, size_t len)
{
	struct eal_memcfg *cfg = mem_cfg();
	int i;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		struct rte_memseg_list *msl = &cfg->memsegs[i];

		if (msl->external && msl->base_va == va && msl->len == len)
			return msl;
	}
	return NULL;
}

bool
mem_list_attached(const struct rte_memseg_list *msl)
{
	return mem_list_visible(mem_cfg(), mem_list_idx(msl));
}

int
mem_ext_list_attach_locked(struct rte_memseg_list *msl)
{
	int idx = mem_list_idx(msl);

	if (mem_local[idx].ext_attached)
		return -EEXIST;
	if (rte_fbarray_attach(&msl->memseg_arr) < 0)
		return -rte_errno;
	mem_local[idx].ext_attached = true;
	return 0;
}

int
mem_ext_list_detach_locked(struct rte_memseg_list *msl)
{
	int idx = mem_list_idx(msl);

	if (!mem_local[idx].ext_attached)
		return -ENOENT;
	mem_local[idx].ext_attached = false;
	return rte_fbarray_detach(&msl->memseg_arr) < 0 ? -rte_errno : 0;
}

int
mem_ext_list_claim_locked(struct rte_memseg_list *msl)
{
	return fbarray_claim(&msl->memseg_arr);
}

void
mem_ext_list_unclaim_locked(struct rte_memseg_list *msl)
{
	fbarray_unclaim(&msl->memseg_arr);
}

void
mem_ext_notify(enum rte_mem_event ev, const struct rte_memseg_list *msl)
{
	mem_events_fire(ev, msl->base_va, msl->len);
}

void
mem_ext_list_destroy_locked(struct rte_memseg_list *msl)
{
	int idx = mem_list_idx(msl);

	mem_local[idx].ext_attached = false;
	__atomic_store_n(&msl->base_va, NULL, __ATOMIC_RELEASE);
	if (rte_fbarray_destroy(&msl->memseg_arr) < 0)
		rte_fbarray_detach(&msl->memseg_arr);
	memset(msl, 0, sizeof(*msl));
}

void
mem_ext_release(struct eal_memcfg *cfg, bool destroy)
{
	int i;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		struct rte_memseg_list *msl = &cfg->memsegs[i];

		if (!msl->external || !mem_local[i].ext_attached)
			continue;
		if (destroy)
			mem_ext_list_destroy_locked(msl);
		else
			mem_ext_list_detach_locked(msl);
	}
	if (window_held)
		os_prim.munmap((void *)(uintptr_t)cfg->ext_va, cfg->ext_len);
	window_held = false;
	fbarray_set_window(NULL, 0);
}
