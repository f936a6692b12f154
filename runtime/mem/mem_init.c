/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Start-up and clean-up of the memory layer.
 *
 * Primary: find the page types (only sizes with free pages count; 4 KiB
 * shared memory with --no-huge) and sockets, write them into the shared
 * config, remove page files a crashed group of the same prefix left
 * behind, make the memseg lists, open their backing, register the
 * --socket-limit validator and map the -m / --socket-mem memory, which is
 * marked never to be freed. --legacy-mem maps it the same way (or, given
 * no size, every free page of the smallest hugepage size, as DPDK does)
 * and then refuses all growth.
 *
 * Secondary: reserve the same lists, open their backing (the memfds come
 * from the primary), then map every used page under the memory lock.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "runtime/mem/mem_discover.h"
#include "runtime/mem/mem_internal.h"

static uint32_t
mem_flags_of(const struct eal_options *o)
{
	return (o->legacy_mem ? EAL_MEMF_LEGACY : 0) |
		(o->single_file_segments ? EAL_MEMF_SINGLE_FILE : 0) |
		(o->in_memory ? EAL_MEMF_IN_MEMORY : 0) |
		(o->no_huge ? EAL_MEMF_NO_HUGE : 0) |
		(o->huge_unlink ? EAL_MEMF_HUGE_UNLINK : 0) |
		(o->match_allocations ? EAL_MEMF_MATCH_ALLOC : 0);
}

/* Free pages per socket of page_types[0] at start (legacy mode maps them). */
static unsigned int first_type_free[EAL_MAX_NUMA_NODES];

static int
find_page_types(struct eal_memcfg *cfg, const struct eal_options *o)
{
	struct mem_page_type types[MEM_MAX_PAGE_SIZES];
	int i, n;

	if (o->no_huge) {
		cfg->page_types[0].page_sz = RTE_PGSIZE_4K;
		cfg->n_page_types = 1;
		return 0;
	}
	n = mem_discover_page_types(&mem_discover_default_paths, o->huge_dir,
			types, MEM_MAX_PAGE_SIZES);
	if (n < 0)
		return n;
	for (i = 0; i < n && cfg->n_page_types < EAL_MAX_PAGE_TYPES; i++) {
		struct eal_page_type *t = &cfg->page_types[cfg->n_page_types];

		if (types[i].n_free_total == 0)
			continue;
		if (cfg->n_page_types == 0)
			memcpy(first_type_free, types[i].n_free,
					sizeof(first_type_free));
		t->page_sz = types[i].page_sz;
		if (!o->in_memory)
			strlcpy(t->mount, types[i].mount, sizeof(t->mount));
		cfg->n_page_types++;
	}
	if (cfg->n_page_types > 0)
		return 0;
	RTE_LOG(ERR, EAL,
		"no free hugepages on this machine: reserve some (as root: make hugepages, or write to /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages) or run with --no-huge\n");
	return -ENOMEM;
}

static int
find_sockets(struct eal_memcfg *cfg)
{
	int ids[EAL_MAX_NUMA_NODES], n, i;

	n = mem_discover_sockets(ids, EAL_MAX_NUMA_NODES);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		cfg->socket_ids[i] = ids[i];
	cfg->n_sockets = n;
	return 0;
}

static int
socket_limit_validator(int socket, size_t limit, size_t new_len)
{
	RTE_LOG(ERR, EAL,
		"socket %d would hold %zu MiB, over its --socket-limit of %zu MiB\n",
		socket, new_len >> 20, limit >> 20);
	return -1;
}

static int
register_limits(const struct eal_options *o)
{
	unsigned int s;

	for (s = 0; s < EAL_MAX_NUMA_NODES; s++) {
		if (o->socket_limit[s] == 0)
			continue;
		if (rte_mem_alloc_validator_register("socket-limit",
				socket_limit_validator, s, o->socket_limit[s]) < 0)
			return -rte_errno;
	}
	return 0;
}

/* Legacy mode with physical IOVAs: order the start-up pages by IOVA, so
 * that physically contiguous pages form IOVA-contiguous runs (as DPDK's
 * legacy mode does). No secondary exists yet to follow the move.
 */
static int
sort_legacy(struct rte_memseg *first, unsigned int n)
{
	struct rte_memseg_list *msl = mem_list_of(first->addr);
	int list, idx, ret;

	if (!(mem_cfg()->mem_flags & EAL_MEMF_LEGACY) ||
			mem_cfg()->iova_mode != RTE_IOVA_PA)
		return 0;
	list = mem_list_idx(msl);
	idx = rte_fbarray_find_idx(&msl->memseg_arr, first);
	pthread_mutex_lock(&mem_local_lock);
	ret = mem_pages_sort_by_iova_locked(list, (unsigned int)idx, n);
	pthread_mutex_unlock(&mem_local_lock);
	if (ret < 0)
		RTE_LOG(ERR, EAL, "cannot sort the start-up pages by IOVA: %s\n",
			strerror(-ret));
	return ret;
}

/* Map bytes of start-up memory on socket, never to be freed. */
static int
preallocate(int socket, uint64_t bytes)
{
	uint64_t page_sz = mem_cfg()->page_types[0].page_sz;
	unsigned int n = (unsigned int)((bytes + page_sz - 1) / page_sz), i;
	struct rte_memseg *first;
	int ret;

	if (n == 0)
		return 0;
	ret = mem_alloc_pages_primary(page_sz, socket, n, false, &first);
	if (ret < 0) {
		RTE_LOG(ERR, EAL, "cannot map %" PRIu64 " MiB of start-up memory on socket %d: %s\n",
			bytes >> 20, socket, strerror(-ret));
		return ret;
	}
	for (i = 0; i < n; i++)
		first[i].flags |= RTE_MEMSEG_FLAG_DO_NOT_FREE;
	return sort_legacy(first, n);
}

/* --legacy-mem with no size: every free page of the first size, as DPDK. */
static int
preallocate_legacy_all(void)
{
	struct eal_memcfg *cfg = mem_cfg();
	uint64_t page_sz = cfg->page_types[0].page_sz;
	unsigned int s;
	int ret = 0;

	for (s = 0; s < cfg->n_sockets && ret == 0; s++) {
		int id = cfg->socket_ids[s];

		ret = preallocate(id, first_type_free[id] * page_sz);
	}
	return ret;
}

static int
preallocate_all(const struct eal_options *o)
{
	unsigned int s;
	int ret = 0;

	if (o->memory > 0)
		return preallocate(mem_cfg()->socket_ids[0], o->memory);
	if (o->legacy_mem && !o->force_sockets && !o->no_huge)
		return preallocate_legacy_all();
	for (s = 0; s < EAL_MAX_NUMA_NODES && ret == 0; s++)
		ret = preallocate((int)s, o->socket_mem[s]);
	return ret;
}

/*
 * Remove the page files a dead group with our prefix left in mount. We
 * hold the config's lock, so no primary of the prefix is alive; processes
 * of the old group that still map those pages keep them until they exit.
 */
static void
sweep_stale_pages(const char *mount, const char *prefix)
{
	char stem[EAL_PREFIX_LEN + 8], path[PATH_MAX];
	struct dirent *ent;
	int n = 0;
	DIR *d;

	if (mount[0] == '\0' || (d = opendir(mount)) == NULL)
		return;
	snprintf(stem, sizeof(stem), "%smap_", prefix);
	while ((ent = readdir(d)) != NULL) {
		if (strncmp(ent->d_name, stem, strlen(stem)) != 0 ||
				snprintf(path, sizeof(path), "%s/%s", mount,
					ent->d_name) >= (int)sizeof(path))
			continue;
		n += unlink(path) == 0;
	}
	closedir(d);
	if (n > 0)
		RTE_LOG(NOTICE, EAL, "removed %d leftover page files of prefix '%s' in %s\n",
			n, prefix, mount);
}

static int
open_backings(struct eal_memcfg *cfg, bool create)
{
	int i, ret = 0;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS && ret == 0; i++) {
		if (cfg->memsegs[i].base_va == NULL || cfg->memsegs[i].external)
			continue;
		ret = mem_list_backing_open(i, create);
		if (ret == 0 && !create &&
				mem_backend_of(cfg, i) == MEM_MEMFD)
			ret = mem_fetch_list_fd(i);
	}
	return ret;
}

int
mem_init_primary(struct eal_memcfg *cfg, const struct eal_options *o)
{
	int ret;

	unsigned int t;

	cfg->mem_flags = mem_flags_of(o);
	ret = find_page_types(cfg, o);
	for (t = 0; ret == 0 && t < cfg->n_page_types; t++)
		sweep_stale_pages(cfg->page_types[t].mount, cfg->prefix);
	if (ret == 0)
		ret = find_sockets(cfg);
	if (ret == 0)
		ret = mem_lists_create(cfg);
	if (ret == 0)
		ret = mem_ext_window_reserve(cfg, true);
	if (ret == 0)
		ret = open_backings(cfg, true);
	if (ret == 0)
		ret = register_limits(o);
	if (ret == 0)
		ret = preallocate_all(o);
	return ret;
}

int
mem_init_secondary(struct eal_memcfg *cfg)
{
	int ret;

	ret = mem_lists_attach(cfg);
	if (ret == 0)
		ret = mem_ext_window_reserve(cfg, false);
	if (ret == 0)
		ret = open_backings(cfg, false);
	if (ret == 0)
		ret = mem_sync_all();
	return ret;
}

void
mem_cleanup(struct eal_memcfg *cfg, bool destroy)
{
	unsigned int idx;
	int i;

	pthread_mutex_lock(&mem_local_lock);
	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		struct mem_list_local *ll = &mem_local[i];

		for (idx = 0; ll->mapped != NULL &&
				idx < cfg->memsegs[i].memseg_arr.len; idx++) {
			if (ll->mapped[idx])
				mem_page_unmap_locked(i, idx, destroy);
		}
		if (ll->mapped != NULL)
			mem_list_backing_close(i, destroy);
	}
	pthread_mutex_unlock(&mem_local_lock);
	mem_ext_release(cfg, destroy);
	mem_lists_release(cfg, destroy);
	mem_events_clear();
	/* The last process out may not have mapped every page (a secondary
	 * that joined late): no page file of the group may outlive it.
	 */
	for (i = 0; destroy && i < (int)cfg->n_page_types; i++)
		sweep_stale_pages(cfg->page_types[i].mount, cfg->prefix);
}
