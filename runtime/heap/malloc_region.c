/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * How pages enter and leave a heap.
 *
 * Growth: when nothing fits, heap_grow() asks the memory layer for pages
 * (mapped in every process before it returns; a secondary's request goes
 * through the primary) and adds them. Pages that directly follow a region
 * of the same list extend it: its END sentinel turns into the start of a
 * free element, which then merges with a free last element, so a heap
 * grown page by page still serves blocks larger than any one growth.
 * With --match-allocations regions never join, so that each can be given
 * back exactly as it was allocated.
 *
 * Start-up pages (-m, legacy) make regions of their own, never joined
 * with grown ones and never given back, so no free looks at page flags.
 *
 * Shrink: when a free element covers whole pages (not start-up ones), they
 * are cut out of the region under the heap lock, leaving a free element
 * plus an END before the cut and a new region header after it, and given
 * back once the lock is dropped. Nothing is zeroed: fresh pages come zeroed
 * from the kernel and rte_zmalloc clears what it hands out.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "runtime/heap/heap_internal.h"
#include "runtime/mem/mem_internal.h"


static bool
match_allocations(void)
{
	return (eal_mcfg()->mem_flags & EAL_MEMF_MATCH_ALLOC) != 0;
}

static void
put_end(struct malloc_region *r, struct malloc_elem *last)
{
	struct malloc_elem *end = region_end_elem(r);

	elem_init(end, r->heap_idx, last, ELEM_HDR, ELEM_END);
	end->region = r;
}

static void
link_region(struct malloc_heap *h, struct malloc_region *r)
{
	r->prev = NULL;
	r->next = h->regions;
	if (r->next != NULL)
		r->next->prev = r;
	h->regions = r;
}

static void
unlink_region(struct malloc_heap *h, struct malloc_region *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		h->regions = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->cookie = 0;
}

/* A region header at addr, up to end, whose first element starts free. */
static struct malloc_region *
new_region(struct malloc_heap *h, uintptr_t addr, uintptr_t end,
		struct rte_memseg_list *msl)
{
	struct malloc_region *r = (struct malloc_region *)addr;

	memset(r, 0, sizeof(*r));
	r->cookie = REGION_COOKIE ^ addr;
	r->end = end;
	r->msl = msl;
	r->page_sz = msl->page_sz;
	r->heap_idx = heap_idx(h);
	link_region(h, r);
	return r;
}

static bool
page_kept(struct rte_memseg_list *msl, uintptr_t page)
{
	unsigned int idx = (unsigned int)((page - msl->addr_64) / msl->page_sz);
	struct rte_memseg *ms = rte_fbarray_get(&msl->memseg_arr, idx);

	return ms == NULL || (ms->flags & RTE_MEMSEG_FLAG_DO_NOT_FREE) != 0;
}

/* The region of h whose END sits just below addr, in msl and of the same
 * kind (start-up or not); or NULL. */
static struct malloc_region *
region_ending_at(struct malloc_heap *h, uintptr_t addr,
		struct rte_memseg_list *msl, bool kept)
{
	struct malloc_region *r;

	for (r = h->regions; r != NULL; r = r->next) {
		if (r->end == addr && r->msl == msl && r->kept == kept)
			return r;
	}
	return NULL;
}

/* Turn the END of r into a free element reaching the new end. */
static void
extend_region(struct malloc_heap *h, struct malloc_region *r, size_t len)
{
	struct malloc_elem *old_end = region_end_elem(r);
	struct malloc_elem *last = old_end->prev;

	r->end += len;
	put_end(r, NULL);
	old_end->size = r->end - ELEM_HDR - (uintptr_t)old_end;
	old_end->state = ELEM_BUSY;
	old_end->heap_idx = (uint16_t)heap_idx(h);
	old_end->prev = last;
	region_end_elem(r)->prev = old_end;
	h->n_busy++;
	heap_free_locked(h, old_end);
}

int
heap_add_memory_locked(struct malloc_heap *h, void *addr, size_t len,
		struct rte_memseg_list *msl)
{
	uintptr_t a = (uintptr_t)addr;
	struct malloc_region *r = NULL;
	bool kept;

	if (len < 4 * ELEM_HDR || (a & (ELEM_HDR - 1)) != 0)
		return -EINVAL;
	kept = page_kept(msl, a);
	h->total_sz += len;
	/* An external list is one region, added and removed whole. */
	if (!match_allocations() && !msl->external)
		r = region_ending_at(h, a, msl, kept);
	if (r != NULL) {
		extend_region(h, r, len);
		return 0;
	}
	r = new_region(h, a, a + len, msl);
	r->kept = kept;
	put_end(r, NULL);
	heap_make_free(h, (uintptr_t)region_first(r), len - 2 * ELEM_HDR, NULL);
	return 0;
}

/* Pages of page_sz that hold a block for r, with room for the region;
 * small pages come HEAP_GROW_MIN at a time, as mapping each costs more
 * than handing out the blocks it holds. */
static unsigned int
pages_for(const struct heap_req *r, uint64_t page_sz)
{
	size_t need = heap_elem_size(r->size) + 2 * ELEM_HDR + r->align +
		r->bound;

	if (!r->contig)
		need = RTE_MAX(need, (size_t)HEAP_GROW_MIN);
	return (unsigned int)((need + page_sz - 1) / page_sz);
}

static int
grow_with(struct malloc_heap *h, const struct heap_req *r, uint64_t page_sz)
{
	unsigned int n = pages_for(r, page_sz);
	struct rte_memseg *first;
	int ret;

	ret = mem_alloc_pages(page_sz, h->socket_id, n, r->contig, &first);
	if (ret < 0)
		return ret;
	heap_lock(h);
	ret = heap_add_memory_locked(h, first->addr, (size_t)n * page_sz,
			mem_list_of(first->addr));
	h->grows++;
	heap_unlock(h);
	if (ret < 0)
		mem_free_pages(first, n);
	return ret;
}

int
heap_grow(struct malloc_heap *h, const struct heap_req *r)
{
	struct eal_memcfg *cfg = eal_mcfg();
	int ret = -ENOMEM;
	unsigned int t;

	/* A named heap has only the memory its users add. */
	if (h->socket_id >= HEAP_EXT_SOCKET_BASE)
		return -ENOMEM;
	if (r->page_sz != 0)
		return grow_with(h, r, r->page_sz);
	for (t = 0; t < cfg->n_page_types; t++) {
		ret = grow_with(h, r, cfg->page_types[t].page_sz);
		if (ret != -ENOMEM)
			return ret;
	}
	return ret;
}

/* The whole pages [*a, *b) of FREE e that may leave r; false if none. */
static bool
cut_range(struct malloc_region *r, struct malloc_elem *e, uintptr_t *a,
		uintptr_t *b)
{
	uintptr_t start = (uintptr_t)e, end = (uintptr_t)elem_next(e);
	uint64_t pg = r->page_sz;

	/* What stays must hold: on the left a free element and an END, on
	 * the right a region header and a free element. */
	*a = e->prev == NULL ? (uintptr_t)r :
		RTE_ALIGN_CEIL(start + ELEM_MIN + ELEM_HDR, pg);
	*b = elem_next(e)->state == ELEM_END ? r->end :
		RTE_ALIGN_FLOOR(end - ELEM_HDR - ELEM_MIN, pg);
	if (r->kept ||
			(match_allocations() && (*a != (uintptr_t)r || *b != r->end)))
		return false;
	return *a < *b;
}

static struct malloc_region *
region_holding(struct malloc_heap *h, uintptr_t addr)
{
	struct malloc_region *r;

	for (r = h->regions; r != NULL; r = r->next) {
		if (addr >= (uintptr_t)r && addr < r->end)
			return r;
	}
	return NULL;
}

/* Keep [e, a) of region r: e shrinks and an END closes it at a. */
static void
keep_left(struct malloc_heap *h, struct malloc_region *r,
		struct malloc_elem *e, uintptr_t a)
{
	e->size = a - ELEM_HDR - (uintptr_t)e;
	heap_list_insert(h, e);
	r->end = a;
	put_end(r, e);
}

/* Make [b, r->end) a region of its own, its first element free up to
 * e_end; the elements after it (and r's END) now belong to it. */
static void
keep_right(struct malloc_heap *h, struct malloc_region *r, uintptr_t b,
		uintptr_t e_end)
{
	struct malloc_elem *end = region_end_elem(r);
	struct malloc_region *nr = new_region(h, b, r->end, r->msl);
	uintptr_t first = (uintptr_t)region_first(nr);

	end->region = nr;
	heap_make_free(h, first, e_end - first, NULL);
}

bool
heap_take_pages_locked(struct malloc_heap *h, struct malloc_elem *e,
		size_t min_len, struct heap_pages *out)
{
	struct malloc_region *r;
	uintptr_t a, b;

	/* Most frees end here, without looking for the region: what leaves
	 * is at most e, its region's header and END, and at least a page. */
	if (e->state != ELEM_FREE || e->size + 2 * ELEM_HDR <
			RTE_MAX(min_len, (size_t)RTE_PGSIZE_4K))
		return false;
	r = region_holding(h, (uintptr_t)e);
	if (r == NULL || !cut_range(r, e, &a, &b) || b - a < min_len)
		return false;
	heap_list_remove(h, e);
	if (b != r->end)
		keep_right(h, r, b, (uintptr_t)elem_next(e));
	if (a != (uintptr_t)r)
		keep_left(h, r, e, a);
	else
		unlink_region(h, r);
	h->total_sz -= b - a;
	out->msl = r->msl;
	out->addr = a;
	out->len = b - a;
	return true;
}

bool
heap_release_pages(struct malloc_heap *h, const struct heap_pages *p)
{
	unsigned int idx = (unsigned int)((p->addr - p->msl->addr_64) /
			p->msl->page_sz);
	unsigned int n = (unsigned int)(p->len / p->msl->page_sz);
	int ret;

	ret = mem_free_pages(rte_fbarray_get(&p->msl->memseg_arr, idx), n);
	if (ret == 0)
		return true;
	RTE_LOG(ERR, EAL, "heap %s keeps %zu bytes it could not give back: %s\n",
		h->name, p->len, strerror(-ret));
	heap_lock(h);
	heap_add_memory_locked(h, (void *)p->addr, p->len, p->msl);
	heap_unlock(h);
	return false;
}

/* Take out the pages of the first free element that has some. */
static bool
take_any_locked(struct malloc_heap *h, struct heap_pages *out)
{
	struct malloc_region *r;
	struct malloc_elem *e;

	for (r = h->regions; r != NULL; r = r->next) {
		for (e = region_first(r); e->state != ELEM_END; e = elem_next(e)) {
			if (e->state == ELEM_FREE &&
					heap_take_pages_locked(h, e, 1, out))
				return true;
		}
	}
	return false;
}

void
heap_trim(struct malloc_heap *h)
{
	struct heap_pages p;
	bool took;

	do {
		heap_lock(h);
		took = take_any_locked(h, &p);
		heap_unlock(h);
	} while (took && heap_release_pages(h, &p));
}

int
heap_remove_memory_locked(struct malloc_heap *h, struct rte_memseg_list *msl)
{
	struct malloc_region *r = msl->base_va;
	struct malloc_elem *first = region_first(r);

	if (r->cookie != (REGION_COOKIE ^ (uintptr_t)r) || r->msl != msl ||
			r->heap_idx != heap_idx(h))
		return -EINVAL;
	if (first->state != ELEM_FREE || elem_next(first)->state != ELEM_END)
		return -EBUSY;
	heap_list_remove(h, first);
	unlink_region(h, r);
	h->total_sz -= msl->len;
	return 0;
}

/* Add the used runs of list msl to its socket's heap. */
static int
add_list_memory(struct rte_memseg_list *msl)
{
	struct malloc_heap *h = heap_of_socket(msl->socket_id);
	int idx = 0, n, ret = 0;

	if (h == NULL)
		return 0;
	while (ret == 0 &&
			(idx = rte_fbarray_find_next_used(&msl->memseg_arr,
				(unsigned int)idx)) >= 0) {
		n = rte_fbarray_find_contig_used(&msl->memseg_arr,
				(unsigned int)idx);
		heap_lock(h);
		ret = heap_add_memory_locked(h, RTE_PTR_ADD(msl->base_va,
				(size_t)idx * msl->page_sz),
				(size_t)n * msl->page_sz, msl);
		heap_unlock(h);
		idx += n;
	}
	return ret;
}

int
heap_add_startup_memory(void)
{
	struct eal_memcfg *cfg = eal_mcfg();
	int i, ret = 0;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS && ret == 0; i++) {
		struct rte_memseg_list *msl = &cfg->memsegs[i];

		if (msl->base_va != NULL && !msl->external && msl->heap)
			ret = add_list_memory(msl);
	}
	return ret;
}
