/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * dma_sim: a simulated DMA device on the virtual bus (rte_dma_sim.h).
 *
 * Each device has a table of mappings, IOVA range -> virtual address,
 * sorted by IOVA with no two overlapping, behind the device's own mutex.
 * A mapping is either
 *  - an event mapping, made from the group's page tables: at probe for
 *    the pages that exist, on RTE_MEM_EVENT_ALLOC for pages that arrive;
 *    RTE_MEM_EVENT_FREE takes them out again, splitting a mapping when only
 *    part of it goes. Pages without an IOVA, and the lists of memory
 *    registered without a heap (which the application maps explicitly:
 *    the seeds' mode 3), are never event-mapped;
 *  - or an explicit one (rte_dev_dma_map()), removed only by
 *    rte_dev_dma_unmap() of exactly the same range, never by an event.
 *
 * Locks: memory event callbacks run with the memory lock held and take the
 * device's mutex (memory lock -> device mutex). A probe registers its
 * callback and maps what exists in one hold of the memory lock, so no page
 * is missed or mapped twice. A copy holds the device's mutex while it
 * moves bytes, so a FREE event, which comes before pages are unmapped,
 * waits for it: a copy never touches a page that is going away. Devices
 * are this process's; so are their tables.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dma_sim.h>
#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memory.h>

#include "runtime/dev/dev_private.h"

#define CALLBACK_NAME "dma_sim"
#define FIRST_CAP 16

struct sim_map {
	rte_iova_t iova;
	uintptr_t va;
	size_t len;
	bool event;                 /* from the page tables, not the API */
};

struct sim_dev {
	pthread_mutex_t lock;
	const char *name;           /* the device's, for log lines */
	struct sim_map *maps;       /* sorted by iova, none overlapping */
	unsigned int n_maps;
	unsigned int cap;
	uint64_t copies;
	uint64_t bytes_copied;
	uint64_t refused;
	bool watching;              /* its memory event callback is registered */
};

/* ---- the table (pre for all: the device's mutex held) ---- */

/* A mapping is never empty and never wraps (the API edges check). */
static rte_iova_t
last_iova(const struct sim_map *m)
{
	return m->iova + (m->len - 1);
}

/* Index of the first mapping whose last byte is at iova or above. */
static unsigned int
lower_bound(const struct sim_dev *sd, rte_iova_t iova)
{
	unsigned int lo = 0, hi = sd->n_maps, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (last_iova(&sd->maps[mid]) < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct sim_map *
find_locked(const struct sim_dev *sd, rte_iova_t iova)
{
	unsigned int i = lower_bound(sd, iova);

	return i < sd->n_maps && sd->maps[i].iova <= iova ? &sd->maps[i] : NULL;
}

/* Room for one more mapping. 0 or -ENOMEM. */
static int
reserve_locked(struct sim_dev *sd)
{
	unsigned int cap = sd->cap == 0 ? FIRST_CAP : sd->cap * 2;
	struct sim_map *maps;

	if (sd->n_maps < sd->cap)
		return 0;
	maps = realloc(sd->maps, cap * sizeof(*maps));
	if (maps == NULL)
		return -ENOMEM;
	sd->maps = maps;
	sd->cap = cap;
	return 0;
}

/* pre: room reserved. */
static void
put_at_locked(struct sim_dev *sd, unsigned int i, const struct sim_map *m)
{
	memmove(&sd->maps[i + 1], &sd->maps[i],
			(sd->n_maps - i) * sizeof(*sd->maps));
	sd->maps[i] = *m;
	sd->n_maps++;
}

static void
remove_at_locked(struct sim_dev *sd, unsigned int i)
{
	sd->n_maps--;
	memmove(&sd->maps[i], &sd->maps[i + 1],
			(sd->n_maps - i) * sizeof(*sd->maps));
}

/* 0, -EEXIST (m's IOVAs overlap a mapping) or -ENOMEM. */
static int
add_locked(struct sim_dev *sd, const struct sim_map *m)
{
	unsigned int i = lower_bound(sd, m->iova);
	int ret;

	if (i < sd->n_maps && sd->maps[i].iova <= last_iova(m))
		return -EEXIST;
	ret = reserve_locked(sd);
	if (ret == 0)
		put_at_locked(sd, i, m);
	return ret;
}

/*
 * Take [va, end) out of the event mapping at i. Returns how many mappings
 * are left in its place: 0, 1 (a part before or after the range), or 2
 * (both parts).
 */
static unsigned int
cut_locked(struct sim_dev *sd, unsigned int i, uintptr_t va, uintptr_t end)
{
	struct sim_map *m = &sd->maps[i], after = *m;
	uintptr_t m_end = m->va + m->len;
	bool keep_before = m->va < va, keep_after = end < m_end;

	if (!keep_before && !keep_after) {
		remove_at_locked(sd, i);
		return 0;
	}
	if (keep_after) {
		after.iova += end - m->va;
		after.va = end;
		after.len = m_end - end;
	}
	if (!keep_before) {
		*m = after;
		return 1;
	}
	m->len = va - m->va;
	if (!keep_after)
		return 1;
	if (reserve_locked(sd) < 0) {
		RTE_LOG(ERR, EAL, "%s: no memory to keep %zu bytes at %p mapped: the device no longer reaches them\n",
			sd->name, after.len, (void *)after.va);
		return 1;
	}
	put_at_locked(sd, i + 1, &after);
	return 2;
}

/* RTE_MEM_EVENT_FREE: the event mappings of [va, va + len) go. */
static void
unmap_area_locked(struct sim_dev *sd, uintptr_t va, size_t len)
{
	uintptr_t end = va + len;
	unsigned int i = 0;

	while (i < sd->n_maps) {
		const struct sim_map *m = &sd->maps[i];

		if (m->event && m->va < end && va < m->va + m->len)
			i += cut_locked(sd, i, va, end);
		else
			i++;
	}
}

/* ---- event mappings from the page tables ---- */

/* Lists whose pages the device maps by itself: all but those of memory
 * registered without a heap. */
static bool
auto_mapped(const struct rte_memseg_list *msl)
{
	return !(msl->external && !msl->heap);
}

/* Add the event mapping run, if any; an IOVA overlap is logged and
 * skipped (the device cannot map the same IOVA twice). 0 or -ENOMEM. */
static int
add_run_locked(struct sim_dev *sd, const struct sim_map *run)
{
	int ret;

	if (run->len == 0)
		return 0;
	ret = add_locked(sd, run);
	if (ret != -EEXIST)
		return ret;
	RTE_LOG(ERR, EAL, "%s: the pages at %p (%zu bytes) stay unmapped: their IOVAs 0x%" PRIx64 "-0x%" PRIx64 " overlap a mapping the device has\n",
		sd->name, (void *)run->va, run->len, run->iova, last_iova(run));
	return 0;
}

/* Map pages idx..idx + n - 1 of msl that have an IOVA, one mapping per
 * run of contiguous IOVAs. 0 or -ENOMEM. */
static int
map_pages_locked(struct sim_dev *sd, const struct rte_memseg_list *msl,
		int idx, size_t n)
{
	struct sim_map run = { .len = 0, .event = true };
	const struct rte_memseg *ms;
	size_t i;
	int ret = 0;

	for (i = 0; i < n && ret == 0; i++) {
		ms = rte_fbarray_get(&msl->memseg_arr, (unsigned int)idx + i);
		if (run.len > 0 && ms->iova != RTE_BAD_IOVA &&
				ms->iova == run.iova + run.len) {
			run.len += ms->len;
			continue;
		}
		ret = add_run_locked(sd, &run);
		run.iova = ms->iova;
		run.va = ms->addr_64;
		run.len = ms->iova == RTE_BAD_IOVA ? 0 : ms->len;
	}
	return ret == 0 ? add_run_locked(sd, &run) : ret;
}

/* Map len bytes of pages from ms, a page of msl. 0 or -ENOMEM. */
static int
map_pages(struct sim_dev *sd, const struct rte_memseg_list *msl,
		const struct rte_memseg *ms, size_t len)
{
	int ret;

	if (!auto_mapped(msl))
		return 0;
	pthread_mutex_lock(&sd->lock);
	ret = map_pages_locked(sd, msl,
			rte_fbarray_find_idx(&msl->memseg_arr, ms),
			len / msl->page_sz);
	pthread_mutex_unlock(&sd->lock);
	return ret;
}

/* The walk at probe, over runs of pages. */
static int
map_run(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		size_t len, void *arg)
{
	return map_pages(arg, msl, ms, len) < 0 ? -1 : 0;
}

/* RTE_MEM_EVENT_ALLOC: [addr, addr + len) are new pages of the group. */
static void
map_area(struct sim_dev *sd, const void *addr, size_t len)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);
	const struct rte_memseg *ms =
		msl != NULL ? rte_mem_virt2memseg(addr, msl) : NULL;

	if (ms == NULL)
		RTE_LOG(ERR, EAL, "%s: memory event for %p, which is in no page of the group: not mapped\n",
			sd->name, addr);
	else if (map_pages(sd, msl, ms, len) < 0)
		RTE_LOG(ERR, EAL, "%s: no memory to map %zu bytes at %p: the device cannot reach them\n",
			sd->name, len, addr);
}

static void
on_event(enum rte_mem_event ev, const void *addr, size_t len, void *arg)
{
	struct sim_dev *sd = arg;
	int saved = rte_errno; /* the call that fired the event succeeds */

	if (ev == RTE_MEM_EVENT_ALLOC) {
		map_area(sd, addr, len);
	} else {
		pthread_mutex_lock(&sd->lock);
		unmap_area_locked(sd, (uintptr_t)addr, len);
		pthread_mutex_unlock(&sd->lock);
	}
	rte_errno = saved;
}

/* ---- the driver ---- */

/* Follow memory events and map the pages that exist, in one hold of the
 * memory lock. 0 or -errno. */
static int
map_memory(struct sim_dev *sd)
{
	int saved = rte_errno, ret = 0;

	rte_mcfg_mem_read_lock();
	if (rte_mem_event_callback_register(CALLBACK_NAME, on_event, sd) == 0)
		sd->watching = true;
	else if (rte_errno != ENOTSUP) /* ENOTSUP: --legacy-mem, no events */
		ret = -rte_errno;
	if (ret == 0 && rte_memseg_contig_walk_thread_unsafe(map_run, sd) < 0)
		ret = -ENOMEM;
	rte_mcfg_mem_read_unlock();
	rte_errno = saved;
	return ret;
}

static void
free_sim(struct sim_dev *sd)
{
	if (sd->watching)
		rte_mem_event_callback_unregister(CALLBACK_NAME, sd);
	pthread_mutex_destroy(&sd->lock);
	free(sd->maps);
	free(sd);
}

static int
sim_probe(struct rte_device *dev)
{
	struct sim_dev *sd = calloc(1, sizeof(*sd));
	int ret;

	if (sd == NULL)
		return -ENOMEM;
	pthread_mutex_init(&sd->lock, NULL);
	sd->name = dev->name;
	ret = map_memory(sd);
	if (ret < 0) {
		free_sim(sd);
		return ret;
	}
	dev->priv = sd;
	return 0;
}

static int
sim_remove(struct rte_device *dev)
{
	free_sim(dev->priv);
	dev->priv = NULL;
	return 0;
}

static int
sim_dma_map(struct rte_device *dev, void *addr, uint64_t iova, size_t len)
{
	struct sim_dev *sd = dev->priv;
	struct sim_map m = { iova, (uintptr_t)addr, len, false };
	int ret;

	pthread_mutex_lock(&sd->lock);
	ret = add_locked(sd, &m);
	pthread_mutex_unlock(&sd->lock);
	return ret;
}

static int
sim_dma_unmap(struct rte_device *dev, void *addr, uint64_t iova, size_t len)
{
	struct sim_dev *sd = dev->priv;
	const struct sim_map *m;
	int ret = -ENOENT;

	pthread_mutex_lock(&sd->lock);
	m = find_locked(sd, iova);
	if (m != NULL && !m->event && m->iova == iova && m->len == len &&
			m->va == (uintptr_t)addr) {
		remove_at_locked(sd, (unsigned int)(m - sd->maps));
		ret = 0;
	}
	pthread_mutex_unlock(&sd->lock);
	return ret;
}

struct vdev_driver dma_sim_driver = {
	.probe = sim_probe,
	.remove = sim_remove,
	.dma_map = sim_dma_map,
	.dma_unmap = sim_dma_unmap,
};

VDEV_DRIVER_REGISTER(dma_sim, dma_sim_driver)

/* ---- the copy engine ---- */

/* The first IOVA of [iova, iova + len) no mapping holds, in *gap; false
 * when every byte is mapped. */
static bool
find_gap_locked(const struct sim_dev *sd, rte_iova_t iova, size_t len,
		rte_iova_t *gap)
{
	rte_iova_t last = iova + (len - 1);
	const struct sim_map *m;

	for (;;) {
		m = find_locked(sd, iova);
		if (m == NULL) {
			*gap = iova;
			return true;
		}
		if (last_iova(m) >= last)
			return false;
		iova = last_iova(m) + 1;
	}
}

/* The address of a mapped iova, and in *room how many bytes from it its
 * mapping holds. */
static void *
translate_locked(const struct sim_dev *sd, rte_iova_t iova, size_t *room)
{
	const struct sim_map *m = find_locked(sd, iova);

	*room = (size_t)(last_iova(m) - iova) + 1;
	return (void *)(m->va + (iova - m->iova));
}

/* pre: both ranges mapped. */
static void
move_locked(const struct sim_dev *sd, rte_iova_t dst, rte_iova_t src,
		size_t len)
{
	size_t d_room, s_room, n;
	void *d, *s;

	while (len > 0) {
		d = translate_locked(sd, dst, &d_room);
		s = translate_locked(sd, src, &s_room);
		n = RTE_MIN(len, RTE_MIN(d_room, s_room));
		memmove(d, s, n);
		dst += n;
		src += n;
		len -= n;
	}
}

static int
refuse_locked(struct sim_dev *sd, const char *which, rte_iova_t iova,
		size_t len, rte_iova_t gap)
{
	sd->refused++;
	RTE_LOG(ERR, EAL, "%s: copy of %zu bytes refused: the %s, IOVA 0x%" PRIx64 "-0x%" PRIx64 ", is not all mapped to the device (nothing at IOVA 0x%" PRIx64 ")\n",
		sd->name, len, which, iova, iova + (len - 1), gap);
	return -EFAULT;
}

static int
copy_locked(struct sim_dev *sd, rte_iova_t dst, rte_iova_t src, size_t len)
{
	rte_iova_t gap;

	if (find_gap_locked(sd, src, len, &gap))
		return refuse_locked(sd, "source", src, len, gap);
	if (find_gap_locked(sd, dst, len, &gap))
		return refuse_locked(sd, "destination", dst, len, gap);
	move_locked(sd, dst, src, len);
	sd->copies++;
	sd->bytes_copied += len;
	return 0;
}

/* ---- the API ---- */

/* dev's state in *sd. 0, -EINVAL (dev NULL) or -ENOTSUP (no dma_sim). */
static int
sim_of(const struct rte_device *dev, struct sim_dev **sd)
{
	if (dev == NULL)
		return -EINVAL;
	if (dev->driver != &dma_sim_driver.driver)
		return -ENOTSUP;
	*sd = dev->priv;
	return 0;
}

static bool
range_ok(rte_iova_t iova, size_t len)
{
	return len > 0 && iova + (len - 1) >= iova;
}

int
rte_dma_sim_copy(struct rte_device *dev, rte_iova_t dst, rte_iova_t src,
		size_t len)
{
	struct sim_dev *sd;
	int ret = sim_of(dev, &sd);

	if (ret == 0 && (!range_ok(dst, len) || !range_ok(src, len)))
		ret = -EINVAL;
	if (ret == 0) {
		pthread_mutex_lock(&sd->lock);
		ret = copy_locked(sd, dst, src, len);
		pthread_mutex_unlock(&sd->lock);
	}
	return dev_api_ret(ret);
}

int
rte_dma_sim_mapped(const struct rte_device *dev, rte_iova_t iova, size_t len)
{
	struct sim_dev *sd;
	rte_iova_t gap;
	bool hole;
	int ret = sim_of(dev, &sd);

	if (ret == 0 && !range_ok(iova, len))
		ret = -EINVAL;
	if (ret < 0)
		return dev_api_ret(ret);
	pthread_mutex_lock(&sd->lock);
	hole = find_gap_locked(sd, iova, len, &gap);
	pthread_mutex_unlock(&sd->lock);
	return !hole;
}

static void
stats_locked(const struct sim_dev *sd, struct rte_dma_sim_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < sd->n_maps; i++) {
		st->bytes_mapped += sd->maps[i].len;
		if (sd->maps[i].event)
			st->event_bytes += sd->maps[i].len;
	}
	st->mappings = sd->n_maps;
	st->copies = sd->copies;
	st->bytes_copied = sd->bytes_copied;
	st->copies_refused = sd->refused;
}

int
rte_dma_sim_stats_get(const struct rte_device *dev,
		struct rte_dma_sim_stats *st)
{
	struct sim_dev *sd;
	int ret = st == NULL ? -EINVAL : sim_of(dev, &sd);

	if (ret == 0) {
		pthread_mutex_lock(&sd->lock);
		stats_locked(sd, st);
		pthread_mutex_unlock(&sd->lock);
	}
	return dev_api_ret(ret);
}
