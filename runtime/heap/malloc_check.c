/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Looking at heaps without changing them: the structure checker that the
 * tests (and debug builds) run, the statistics, and the dumps.
 *
 * The checker walks every region element by element and every free list
 * and cache, under the heap's lock, and checks what the other files
 * promise: cookies, elements tiling each region up to its END, back links,
 * no two free neighbours, each free element in the list of its class,
 * bitmaps that match the lists, and totals that match the walk.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "runtime/heap/heap_internal.h"

/* What a walk of a heap's regions counted. */
struct walk_sums {
	uint64_t total;
	uint64_t free_sz;
	unsigned int n_free;
	unsigned int n_busy;
	unsigned int n_cached;
};

static int
bad(const struct malloc_heap *h, const void *at, const char *what)
{
	RTE_LOG(ERR, EAL, "heap check: heap %s: %s at %p\n", h->name, what, at);
	return -EFAULT;
}

static int
check_elem(const struct malloc_heap *h, const struct malloc_elem *e,
		const struct malloc_elem *prev, struct walk_sums *w)
{
	if (!elem_stamped(e))
		return bad(h, e, "element without its cookie");
	if (e->prev != prev)
		return bad(h, e, "element whose back link is wrong");
	if (e->size < ELEM_MIN || e->size % ELEM_HDR != 0)
		return bad(h, e, "element of a bad size");
	if (e->heap_idx != heap_idx(h))
		return bad(h, e, "element of another heap");
	switch (e->state) {
	case ELEM_FREE:
		if (prev != NULL && prev->state == ELEM_FREE)
			return bad(h, e, "two free elements side by side");
		w->n_free++;
		w->free_sz += e->size;
		return 0;
	case ELEM_BUSY:
		w->n_busy++;
		return 0;
	case ELEM_CACHED:
		w->n_cached++;
		return 0;
	default:
		return bad(h, e, "element in an unknown state");
	}
}

static int
check_region(const struct malloc_heap *h, const struct malloc_region *r,
		struct walk_sums *w)
{
	const struct malloc_elem *e = region_first(r), *prev = NULL;
	const struct malloc_elem *end = region_end_elem(r);
	int ret;

	if (r->cookie != (REGION_COOKIE ^ (uintptr_t)r) ||
			r->heap_idx != heap_idx(h) || r->end % r->page_sz != 0 ||
			(uintptr_t)r % r->page_sz != 0)
		return bad(h, r, "bad region header");
	while (e < end) {
		ret = check_elem(h, e, prev, w);
		if (ret < 0)
			return ret;
		prev = e;
		e = elem_next(e);
	}
	if (e != end || !elem_stamped(e) || e->state != ELEM_END ||
			e->prev != prev || e->region != r)
		return bad(h, e, "region not closed by its END");
	w->total += r->end - (uintptr_t)r;
	return 0;
}

/* Every listed element is FREE, of its list's class; bitmaps match. */
static int
check_lists(const struct malloc_heap *h, unsigned int *n)
{
	const struct malloc_elem *e;
	unsigned int fl, sl, efl, esl;
	bool used;

	*n = 0;
	for (fl = 0; fl < HEAP_FL_COUNT; fl++) {
		if (!!(h->fl_bitmap & (1ULL << fl)) != (h->sl_bitmap[fl] != 0))
			return bad(h, h, "first-level bitmap out of step");
		for (sl = 0; sl < HEAP_SL_COUNT; sl++) {
			used = (h->sl_bitmap[fl] >> sl) & 1;
			if (used != (h->free_head[fl][sl] != NULL))
				return bad(h, h, "second-level bitmap out of step");
			for (e = h->free_head[fl][sl]; e != NULL;
					e = e->next_free, (*n)++) {
				heap_class_of(e->size, &efl, &esl);
				if (e->state != ELEM_FREE || efl != fl || esl != sl)
					return bad(h, e, "element in the wrong free list");
			}
		}
	}
	return 0;
}

/* pre: h's lock and all its cache slots held (owners flip elements
 * between BUSY and CACHED without the heap lock). */
static int
check_heap_held(struct malloc_heap *h, struct malloc_cache_slot **held,
		unsigned int n_held)
{
	struct walk_sums w = { 0, 0, 0, 0, 0 };
	const struct malloc_region *r;
	unsigned int listed, cached;
	int ret = 0;

	for (r = h->regions; r != NULL && ret == 0; r = r->next)
		ret = check_region(h, r, &w);
	if (ret == 0)
		ret = check_lists(h, &listed);
	if (ret == 0)
		ret = heap_cache_check_held(h, held, n_held, &cached);
	if (ret < 0)
		return ret;
	if (listed != w.n_free || w.n_free != h->n_free ||
			w.free_sz != h->free_sz || w.total != h->total_sz)
		return bad(h, h, "totals that do not match the elements");
	if (cached + h->n_transit != w.n_cached ||
			w.n_busy + w.n_cached != h->n_busy)
		return bad(h, h, "cached blocks that do not match the caches");
	return 0;
}

int
heap_check_all(void)
{
	struct malloc_cache_slot *held[HEAP_CACHE_SLOTS];
	unsigned int i, n;
	int ret = 0;

	if (!heap_is_ready())
		return 0;
	for (i = 0; i < RTE_MAX_HEAPS && ret == 0; i++) {
		struct malloc_heap *h = heap_at(i);

		if (!h->in_use || !heap_lock_here(h))
			continue;
		n = heap_cache_hold(h, held);
		ret = check_heap_held(h, held, n);
		heap_cache_unhold(held, n);
		heap_unlock(h);
	}
	return ret;
}

static void
stats_of(struct malloc_heap *h, struct rte_malloc_socket_stats *s)
{
	static const struct heap_req any = { .align = ELEM_HDR };
	uint64_t cached_sz, cached_big;
	unsigned int n_cached;

	heap_cache_figures(h, &n_cached, &cached_sz, &cached_big);
	/* The counters are in the heap; its largest block, in its memory. */
	if (heap_lock_here(h)) {
		s->greatest_free_size = heap_biggest_locked(h, &any);
	} else {
		heap_lock(h);
		s->greatest_free_size = 0;
	}
	s->heap_totalsz_bytes = h->total_sz;
	s->heap_freesz_bytes = h->free_sz + cached_sz;
	s->free_count = h->n_free + n_cached;
	s->alloc_count = h->n_busy - n_cached;
	heap_unlock(h);
	if (cached_big > ELEM_HDR)
		s->greatest_free_size = RTE_MAX(s->greatest_free_size,
				(size_t)(cached_big - ELEM_HDR));
	s->heap_allocsz_bytes = s->heap_totalsz_bytes - s->heap_freesz_bytes;
}

int
rte_malloc_get_socket_stats(int socket, struct rte_malloc_socket_stats *stats)
{
	struct malloc_heap *h;

	if (!heap_is_ready()) {
		rte_errno = ENOTSUP;
		return -1;
	}
	h = heap_of_socket(socket);
	if (h == NULL || stats == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	stats_of(h, stats);
	return 0;
}

static void
print_stats(FILE *f, struct malloc_heap *h)
{
	struct rte_malloc_socket_stats s;

	stats_of(h, &s);
	fprintf(f, "heap %s (socket %d)\n"
		"  total %zu bytes, free %zu, in use %zu\n"
		"  greatest free block %zu bytes, %u free blocks, %u in use\n",
		h->name, h->socket_id, s.heap_totalsz_bytes,
		s.heap_freesz_bytes, s.heap_allocsz_bytes,
		s.greatest_free_size, s.free_count, s.alloc_count);
}

/* f usable and the heaps up; else rte_errno set. */
static bool
can_dump(FILE *f)
{
	if (f == NULL || !heap_is_ready()) {
		rte_errno = f == NULL ? EINVAL : ENOTSUP;
		return false;
	}
	return true;
}

void
rte_malloc_dump_stats(FILE *f, const char *type)
{
	unsigned int i;

	(void)type;
	if (!can_dump(f))
		return;
	for (i = 0; i < RTE_MAX_HEAPS; i++) {
		if (heap_at(i)->in_use)
			print_stats(f, heap_at(i));
	}
}

static void
print_lists_locked(FILE *f, const struct malloc_heap *h)
{
	const struct malloc_elem *e;
	unsigned int fl, sl, n;
	size_t bytes;

	for (fl = 0; fl < HEAP_FL_COUNT; fl++) {
		for (sl = 0; sl < HEAP_SL_COUNT; sl++) {
			n = 0;
			bytes = 0;
			for (e = h->free_head[fl][sl]; e != NULL; e = e->next_free) {
				n++;
				bytes += e->size;
			}
			if (n != 0)
				fprintf(f, "    class %u.%u: %u free, %zu bytes\n",
					fl, sl, n, bytes);
		}
	}
}

static void
print_heap(FILE *f, struct malloc_heap *h)
{
	const struct malloc_region *r;

	print_stats(f, h);
	if (!heap_lock_here(h)) {
		fprintf(f, "  (its memory is not attached in this process)\n");
		return;
	}
	for (r = h->regions; r != NULL; r = r->next)
		fprintf(f, "  region %p-%#" PRIxPTR ", %" PRIu64 " KiB pages\n",
			(const void *)r, r->end, r->page_sz >> 10);
	fprintf(f, "  free lists:\n");
	print_lists_locked(f, h);
	heap_unlock(h);
}

void
rte_malloc_dump_heaps(FILE *f)
{
	unsigned int i;

	if (!can_dump(f))
		return;
	for (i = 0; i < RTE_MAX_HEAPS; i++) {
		if (heap_at(i)->in_use)
			print_heap(f, heap_at(i));
	}
}
