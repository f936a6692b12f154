/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Growing and shrinking the group's memory, in the primary. An operation
 * runs under the group's memory lock from start to end:
 *
 *   alloc: validators -> find a free run in a list of the right page size
 *          and socket -> map the pages here -> mark them used -> ALLOC
 *          events here -> every secondary maps them and fires its events;
 *          if a secondary fails, everything is undone everywhere
 *   free:  FREE events here -> every secondary fires its events and
 *          unmaps -> unmap and release here -> mark them free
 *
 * A secondary asks the primary to run these (mem_sync.c); the public
 * entries mem_alloc_pages/mem_free_pages pick the path by role.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "runtime/mem/mem_internal.h"

static struct rte_memseg *
seg(int list, unsigned int idx)
{
	return rte_fbarray_get(&mem_cfg()->memsegs[list].memseg_arr, idx);
}

/* A list of page_sz and socket with n free pages in a row; -1 if none. */
static int
find_room(uint64_t page_sz, int socket, unsigned int n, unsigned int *idx)
{
	struct eal_memcfg *cfg = mem_cfg();
	int i, found;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		struct rte_memseg_list *msl = &cfg->memsegs[i];

		if (msl->base_va == NULL || msl->external ||
				msl->page_sz != page_sz || msl->socket_id != socket ||
				n > msl->memseg_arr.len)
			continue;
		found = rte_fbarray_find_next_n_free(&msl->memseg_arr, 0, n);
		if (found >= 0) {
			*idx = (unsigned int)found;
			return i;
		}
	}
	return -1;
}


static int
map_run(int list, unsigned int idx, unsigned int n)
{
	int ret;

	pthread_mutex_lock(&mem_local_lock);
	ret = mem_pages_map_locked(list, idx, n);
	pthread_mutex_unlock(&mem_local_lock);
	return ret;
}

static bool
iova_contiguous(int list, unsigned int idx, unsigned int n)
{
	unsigned int i;

	for (i = 1; i < n; i++) {
		if (seg(list, idx + i)->iova == RTE_BAD_IOVA ||
				seg(list, idx + i)->iova != seg(list, idx)->iova +
				i * seg(list, idx)->len)
			return false;
	}
	return true;
}

static void
set_run(int list, unsigned int idx, unsigned int n, bool used)
{
	struct rte_memseg_list *msl = &mem_cfg()->memsegs[list];
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (used)
			rte_fbarray_set_used(&msl->memseg_arr, idx + i);
		else
			rte_fbarray_set_free(&msl->memseg_arr, idx + i);
	}
	msl->version++;
	mem_local[list].version = msl->version;
}

static size_t
run_len(int list, unsigned int n)
{
	return (size_t)n * mem_cfg()->memsegs[list].page_sz;
}

/* Undo a run mapped and marked here; secondaries are told to let go. */
static void
undo_alloc(int list, unsigned int idx, unsigned int n, bool tell)
{
	mem_events_fire(RTE_MEM_EVENT_FREE, seg(list, idx)->addr,
			run_len(list, n));
	if (tell)
		mem_sync_secondaries(list, idx, n, false);
	pthread_mutex_lock(&mem_local_lock);
	mem_pages_unmap_locked(list, idx, n, true);
	pthread_mutex_unlock(&mem_local_lock);
	set_run(list, idx, n, false);
}

static int
alloc_locked(uint64_t page_sz, int socket, unsigned int n, bool iova_contig,
		struct rte_memseg **first)
{
	unsigned int idx;
	int list, ret;

	ret = mem_validators_check(socket, (size_t)n * page_sz);
	if (ret < 0)
		return ret;
	list = find_room(page_sz, socket, n, &idx);
	if (list < 0)
		return -ENOMEM;
	ret = map_run(list, idx, n);
	if (ret < 0)
		return ret;
	set_run(list, idx, n, true);
	mem_events_fire(RTE_MEM_EVENT_ALLOC, seg(list, idx)->addr,
			run_len(list, n));
	if (iova_contig && !iova_contiguous(list, idx, n)) {
		undo_alloc(list, idx, n, false);
		return -ENOMEM;
	}
	ret = mem_sync_secondaries(list, idx, n, true);
	if (ret < 0) {
		undo_alloc(list, idx, n, true);
		return ret;
	}
	*first = seg(list, idx);
	return 0;
}

int
mem_alloc_pages_primary(uint64_t page_sz, int socket, unsigned int n,
		bool iova_contig, struct rte_memseg **first)
{
	struct eal_memcfg *cfg = mem_cfg();
	int ret;

	if (n == 0 || first == NULL)
		return -EINVAL;
	eal_shared_mutex_lock(&cfg->mem_lock);
	ret = alloc_locked(page_sz, socket, n, iova_contig, first);
	pthread_mutex_unlock(&cfg->mem_lock);
	return ret;
}

/* The list and index of a used run of n pages starting at first. */
static int
locate_run(struct rte_memseg *first, unsigned int n, unsigned int *idx)
{
	struct rte_memseg_list *msl;
	int list, i;

	msl = first != NULL ? mem_list_of(first->addr) : NULL;
	if (msl == NULL || n == 0 || msl->external)
		return -EINVAL;
	list = mem_list_idx(msl);
	i = rte_fbarray_find_idx(&msl->memseg_arr, first);
	if (i < 0 || (unsigned int)i + n > msl->memseg_arr.len ||
			rte_fbarray_find_contig_used(&msl->memseg_arr, i) <
			(int)n)
		return -EINVAL;
	*idx = (unsigned int)i;
	return list;
}

static int
free_locked(struct rte_memseg *first, unsigned int n)
{
	unsigned int idx, i;
	int list;

	list = locate_run(first, n, &idx);
	if (list < 0)
		return list;
	for (i = 0; i < n; i++) {
		if (seg(list, idx + i)->flags & RTE_MEMSEG_FLAG_DO_NOT_FREE)
			return -EPERM;
	}
	mem_events_fire(RTE_MEM_EVENT_FREE, first->addr, run_len(list, n));
	/* Secondaries let go first: a released page must be mapped nowhere. */
	mem_sync_secondaries(list, idx, n, false);
	pthread_mutex_lock(&mem_local_lock);
	mem_pages_unmap_locked(list, idx, n, true);
	pthread_mutex_unlock(&mem_local_lock);
	set_run(list, idx, n, false);
	return 0;
}

int
mem_free_pages_primary(struct rte_memseg *first, unsigned int n)
{
	struct eal_memcfg *cfg = mem_cfg();
	int ret;

	eal_shared_mutex_lock(&cfg->mem_lock);
	ret = free_locked(first, n);
	pthread_mutex_unlock(&cfg->mem_lock);
	return ret;
}

int
mem_alloc_pages(uint64_t page_sz, int socket, unsigned int n,
		bool iova_contig, struct rte_memseg **first)
{
	if (mem_cfg() == NULL)
		return -ENOTSUP;
	if (mem_cfg()->mem_flags & EAL_MEMF_LEGACY)
		return -ENOMEM;
	if (eal_is_primary())
		return mem_alloc_pages_primary(page_sz, socket, n, iova_contig,
				first);
	return mem_request_alloc(page_sz, socket, n, iova_contig, first);
}

int
mem_free_pages(struct rte_memseg *first, unsigned int n)
{
	if (mem_cfg() == NULL)
		return -ENOTSUP;
	if (eal_is_primary())
		return mem_free_pages_primary(first, n);
	return mem_request_free(first, n);
}
