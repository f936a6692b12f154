/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * A heap's free lists and the operations on elements, all under the
 * heap's lock (the _locked functions), in whichever process calls them.
 *
 * Free elements sit in two-level segregated lists (TLSF): the first level
 * is the power of two of the size, the second splits it in 16 classes;
 * below 1 KiB classes are 64 bytes apart. Two bitmaps say which lists are
 * non-empty, so finding a list whose every element fits a request is a
 * couple of bit scans: the request is rounded up to the next class, and
 * the head of the first non-empty list at or above it is taken. Requests
 * with a bound or IOVA contiguity cannot be sure of any element, so they
 * scan the lists upward instead (memzones; rare).
 *
 * Alignment is obtained by where the block is placed inside the free
 * element: the space before it becomes a free element of its own (or is
 * skipped until it is big enough to be one), the space after it too,
 * unless it is too small, in which case the block keeps it.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "fbarray/fbarray_private.h"
#include "runtime/heap/heap_internal.h"
#include "runtime/mem/mem_internal.h"

#define LINEAR_LIMIT (1U << (HEAP_SL_LOG2 + 6))  /* 1 KiB */

void
heap_class_of(size_t sz, unsigned int *fl, unsigned int *sl)
{
	unsigned int f;

	if (sz < LINEAR_LIMIT) {
		*fl = 0;
		*sl = (unsigned int)(sz >> 6);
		return;
	}
	f = 63 - (unsigned int)rte_clz64(sz);
	*fl = RTE_MIN(f - (HEAP_SL_LOG2 + 6) + 1, HEAP_FL_COUNT - 1U);
	*sl = (unsigned int)(sz >> (f - HEAP_SL_LOG2)) & (HEAP_SL_COUNT - 1);
}

/* The class whose every element is at least sz bytes. */
static void
class_at_least(size_t sz, unsigned int *fl, unsigned int *sl)
{
	if (sz >= LINEAR_LIMIT)
		sz += ((size_t)1 << (63 - rte_clz64(sz) - HEAP_SL_LOG2)) - 1;
	heap_class_of(sz, fl, sl);
}

void
heap_list_insert(struct malloc_heap *h, struct malloc_elem *e)
{
	unsigned int fl, sl;

	heap_class_of(e->size, &fl, &sl);
	e->prev_free = NULL;
	e->next_free = h->free_head[fl][sl];
	if (e->next_free != NULL)
		e->next_free->prev_free = e;
	h->free_head[fl][sl] = e;
	h->sl_bitmap[fl] |= 1U << sl;
	h->fl_bitmap |= 1ULL << fl;
	h->free_sz += e->size;
	h->n_free++;
}

void
heap_list_remove(struct malloc_heap *h, struct malloc_elem *e)
{
	unsigned int fl, sl;

	heap_class_of(e->size, &fl, &sl);
	if (e->prev_free != NULL)
		e->prev_free->next_free = e->next_free;
	else
		h->free_head[fl][sl] = e->next_free;
	if (e->next_free != NULL)
		e->next_free->prev_free = e->prev_free;
	if (h->free_head[fl][sl] == NULL) {
		h->sl_bitmap[fl] &= ~(1U << sl);
		if (h->sl_bitmap[fl] == 0)
			h->fl_bitmap &= ~(1ULL << fl);
	}
	h->free_sz -= e->size;
	h->n_free--;
}

/* The first non-empty class at or above (fl, sl); false if none. */
static bool
next_class(const struct malloc_heap *h, unsigned int *fl, unsigned int *sl)
{
	uint32_t sl_map = *sl < HEAP_SL_COUNT ?
		h->sl_bitmap[*fl] & (~0U << *sl) : 0;
	uint64_t fl_map;

	if (sl_map == 0) {
		fl_map = *fl + 1 < HEAP_FL_COUNT ?
			h->fl_bitmap & (~0ULL << (*fl + 1)) : 0;
		if (fl_map == 0)
			return false;
		*fl = (unsigned int)rte_ctz64(fl_map);
		sl_map = h->sl_bitmap[*fl];
	}
	*sl = (unsigned int)rte_ctz64(sl_map);
	return true;
}

/* In IOVA-as-PA mode a block that fits in a page stays in one page, so
 * that it is contiguous for devices; the address tells the page size. */
static size_t
page_bound(const struct malloc_elem *e, size_t size)
{
	struct rte_memseg_list *msl;

	if (eal_mcfg()->iova_mode != RTE_IOVA_PA)
		return 0;
	msl = mem_list_of(e);
	return msl != NULL && size <= msl->page_sz ? msl->page_sz : 0;
}

static uint64_t
elem_page_sz(const struct malloc_elem *e)
{
	struct rte_memseg_list *msl = mem_list_of(e);

	return msl != NULL ? msl->page_sz : 0;
}

static bool
iova_contig(uintptr_t start, size_t len)
{
	rte_iova_t want = RTE_BAD_IOVA;
	const struct rte_memseg *ms;
	uintptr_t a;

	if (eal_mcfg()->iova_mode == RTE_IOVA_VA)
		return true;
	for (a = start; a < start + len; a = ms->addr_64 + ms->len) {
		ms = rte_mem_virt2memseg((void *)a, NULL);
		if (ms == NULL || ms->iova == RTE_BAD_IOVA)
			return false;
		if (want != RTE_BAD_IOVA && ms->iova != want)
			return false;
		want = ms->iova + ms->len;
	}
	return true;
}

/* Where the block for r starts in free element e, or 0 if it does not fit. */
static uintptr_t
place(const struct malloc_elem *e, const struct heap_req *r)
{
	uintptr_t start = (uintptr_t)e, end = start + e->size;
	size_t bound = r->bound ? r->bound : page_bound(e, r->size);
	size_t step = RTE_MAX(r->align, bound);
	uintptr_t data = RTE_ALIGN_CEIL(start + ELEM_HDR, r->align);
	int tries;

	if (r->page_sz != 0 && elem_page_sz(e) != r->page_sz)
		return 0;
	for (tries = 0; tries < 3; tries++) {
		size_t gap = data - ELEM_HDR - start;

		if (gap != 0 && gap < ELEM_MIN)
			data = RTE_ALIGN_CEIL(start + ELEM_HDR + ELEM_MIN, step);
		else if (bound != 0 && RTE_ALIGN_FLOOR(data, bound) !=
				RTE_ALIGN_FLOOR(data + r->size - 1, bound))
			data = RTE_ALIGN_CEIL(data + 1, bound);
		else
			break;
	}
	if (tries == 3 || data - ELEM_HDR + heap_elem_size(r->size) > end)
		return 0;
	if (r->contig && !iova_contig(data, r->size))
		return 0;
	return data;
}

static bool
needs_scan(const struct heap_req *r)
{
	return r->bound != 0 || r->contig || r->page_sz != 0 ||
		eal_mcfg()->iova_mode == RTE_IOVA_PA;
}

/* A free element where r fits, and where in it; NULL if none. */
static struct malloc_elem *
find_fit(struct malloc_heap *h, const struct heap_req *r, uintptr_t *data)
{
	size_t need = heap_elem_size(r->size);
	unsigned int fl, sl;
	struct malloc_elem *e;

	if (r->align > ELEM_HDR)
		need += r->align + ELEM_MIN;
	if (!needs_scan(r)) {
		class_at_least(need, &fl, &sl);
		if (next_class(h, &fl, &sl)) {
			e = h->free_head[fl][sl];
			*data = place(e, r);
			if (*data != 0)
				return e;
		}
	}
	heap_class_of(heap_elem_size(r->size), &fl, &sl);
	for (; next_class(h, &fl, &sl); sl++) {
		for (e = h->free_head[fl][sl]; e != NULL; e = e->next_free) {
			*data = place(e, r);
			if (*data != 0)
				return e;
		}
	}
	return NULL;
}

struct malloc_elem *
heap_make_free(struct malloc_heap *h, uintptr_t at, size_t size,
		struct malloc_elem *prev)
{
	struct malloc_elem *e = (struct malloc_elem *)at;

	elem_init(e, heap_idx(h), prev, size, ELEM_FREE);
	elem_next(e)->prev = e;
	heap_list_insert(h, e);
	return e;
}

/* Split unlisted e so that it ends at new_end; the rest becomes free. */
static void
split_tail(struct malloc_heap *h, struct malloc_elem *e, uintptr_t new_end)
{
	uintptr_t end = (uintptr_t)elem_next(e);

	if (end - new_end < ELEM_MIN)
		return;
	e->size = new_end - (uintptr_t)e;
	heap_make_free(h, new_end, end - new_end, e);
}

struct malloc_elem *
heap_alloc_locked(struct malloc_heap *h, const struct heap_req *r)
{
	struct malloc_elem *e, *b;
	uintptr_t data;

	e = find_fit(h, r, &data);
	if (e == NULL)
		return NULL;
	heap_list_remove(h, e);
	b = elem_of_data((void *)data);
	if (b != e) {
		b->prev = e;
		b->size = (uintptr_t)elem_next(e) - (uintptr_t)b;
		elem_next(b)->prev = b;
		e->size = (uintptr_t)b - (uintptr_t)e;
		heap_list_insert(h, e);
	}
	split_tail(h, b, (uintptr_t)b + heap_elem_size(r->size));
	b->state = ELEM_BUSY;
	b->heap_idx = (uint16_t)heap_idx(h);
	b->flags = r->memzone ? ELEM_F_MEMZONE : 0;
	elem_stamp(b);
	h->n_busy++;
	return b;
}

/* Absorb FREE next into e (both adjacent; next listed). */
static void
absorb_next(struct malloc_heap *h, struct malloc_elem *e)
{
	struct malloc_elem *n = elem_next(e);

	heap_list_remove(h, n);
	n->cookie = 0;
	e->size += n->size;
	elem_next(e)->prev = e;
}

struct malloc_elem *
heap_free_locked(struct malloc_heap *h, struct malloc_elem *e)
{
	struct malloc_elem *n = elem_next(e), *p = e->prev;

	h->n_busy--;
	e->state = ELEM_FREE;
	e->flags = 0;
	if (n->state == ELEM_FREE)
		absorb_next(h, e);
	if (p != NULL && p->state == ELEM_FREE) {
		heap_list_remove(h, p);
		e->cookie = 0;
		p->size += e->size;
		elem_next(p)->prev = p;
		e = p;
	}
	heap_list_insert(h, e);
	return e;
}

int
heap_resize_locked(struct malloc_heap *h, struct malloc_elem *e, size_t size)
{
	size_t want = heap_elem_size(size);
	struct malloc_elem *n = elem_next(e);

	if (want > e->size) {
		if (n->state != ELEM_FREE || e->size + n->size < want)
			return -ENOMEM;
		absorb_next(h, e);
	}
	split_tail(h, e, (uintptr_t)e + want);
	n = elem_next(e);
	/* A freed tail may now touch a free element after it. */
	if (n->state == ELEM_FREE && elem_next(n)->state == ELEM_FREE) {
		heap_list_remove(h, n);
		absorb_next(h, n);
		heap_list_insert(h, n);
	}
	return 0;
}

size_t
heap_biggest_locked(struct malloc_heap *h, const struct heap_req *r)
{
	struct heap_req q = *r;
	unsigned int fl = 0, sl = 0;
	struct malloc_elem *e;
	size_t best = 0;

	for (; next_class(h, &fl, &sl); sl++) {
		for (e = h->free_head[fl][sl]; e != NULL; e = e->next_free) {
			q.size = e->size - ELEM_HDR;
			while (q.size > best && place(e, &q) == 0)
				q.size = q.size > r->align + ELEM_MIN ?
					q.size - r->align - ELEM_MIN : 0;
			best = RTE_MAX(best, q.size);
		}
	}
	return RTE_ALIGN_FLOOR(best, (size_t)ELEM_HDR);
}

/* The list holding addr and its used bitmap; the last hit first, as
 * blocks cluster. */
static struct rte_memseg_list *
list_of(uintptr_t addr, const uint64_t **used, unsigned int *page_shift)
{
	static __thread struct rte_memseg_list *last TLS_FAST;
	static __thread const uint64_t *last_used TLS_FAST;
	static __thread uint32_t last_gen TLS_FAST;
	static __thread unsigned int last_shift TLS_FAST;
	struct rte_memseg_list *msl = last;

	if (msl == NULL || addr - msl->addr_64 >= msl->len ||
			last_gen != heap_gen) {
		msl = mem_list_of((void *)addr);
		if (msl == NULL || msl->page_sz == 0)
			return NULL;
		last = msl;
		last_gen = heap_gen;
		last_used = fbarray_used_words(&msl->memseg_arr);
		last_shift = (unsigned int)rte_ctz64(msl->page_sz);
	}
	*used = last_used;
	*page_shift = last_shift;
	return msl;
}

struct malloc_elem *
heap_busy_elem(const void *ptr)
{
	uintptr_t hdr = (uintptr_t)ptr - ELEM_HDR;
	struct rte_memseg_list *msl;
	const uint64_t *used;
	struct malloc_elem *e;
	unsigned int shift;
	uint64_t page;

	if (ptr == NULL || ((uintptr_t)ptr & (ELEM_HDR - 1)) != 0)
		return NULL;
	msl = list_of(hdr, &used, &shift);
	if (msl == NULL)
		return NULL;
	/* Read the header only if its page is mapped. */
	page = (hdr - msl->addr_64) >> shift;
	if (!((__atomic_load_n(&used[page / 64], __ATOMIC_RELAXED) >>
			(page % 64)) & 1))
		return NULL;
	e = (struct malloc_elem *)hdr;
	if (!elem_stamped(e) || e->state != ELEM_BUSY ||
			e->heap_idx >= RTE_MAX_HEAPS)
		return NULL;
	return e;
}
